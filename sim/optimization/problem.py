"""What one lever optimisation searches: the experiment (its levers, scenarios, replications,
steps, seed), the objectives, the robust mode and NSGA-II's population; its settings record
and what makes two studies the same."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..experiment import LoadedExperiment
from ..experiment.design import replicate_seeds
from ..scenario import apply_changes, scenario_to_dict
from ..schema import Scenario
from .objectives import Objective

# the settings that make a study (rerunning into a folder with other values is refused), the
# digest last: a robust mode or a steps value asked differs there too, and is named first
SAME = ("experiment", "objectives", "replications", "steps", "seed", "robust", "population")
SAME += ("warmup", "experiment_digest")


@dataclass(frozen=True)
class Problem:
    """A lever optimisation: the experiment, its objectives, robust mode and population."""

    loaded: LoadedExperiment
    objectives: tuple[Objective, ...]
    robust: str | None  # None: the baseline only; "mean" or "worst" over every scenario
    population: int  # trials per generation

    @property
    def name(self) -> str:
        return self.loaded.experiment.name

    @property
    def levers(self) -> dict[str, Any]:
        return self.loaded.experiment.levers

    def scenarios(self) -> dict[str, Scenario]:
        """The scenarios every candidate runs under, by name: the baseline, or every scenario
        of the experiment in robust mode; without agent-level records (nothing keeps them)."""
        names = list(self.loaded.scenarios)
        used = names if self.robust else names[:1]
        return {
            name: apply_changes(s, {"record": []}) if s.record else s
            for name, s in ((n, self.loaded.scenarios[n]) for n in used)
        }

    def seeds(self) -> list[int]:
        """The replicates' seeds, the same for every candidate (common random numbers)."""
        exp = self.loaded.experiment
        return replicate_seeds(exp.seed, exp.replications)

    def runs_per_trial(self) -> int:
        return len(self.scenarios()) * self.loaded.experiment.replications

    def digest(self) -> str:
        """The experiment as far as the study depends on it: the levers, the scenarios as
        resolved, the run time limit (not the backend, the sweep design or the budget)."""
        exp = self.loaded.experiment
        data = {
            "levers": self._levers(),
            "scenarios": {n: scenario_to_dict(s) for n, s in self.scenarios().items()},
            "max_run_seconds": exp.max_run_seconds,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def settings(self) -> dict[str, Any]:
        """The folder's settings record (optimize.json): SAME first, then what explains them."""
        exp = self.loaded.experiment
        return {
            "experiment": self.name,
            "objectives": [{"metric": o.metric, "direction": o.direction} for o in self.objectives],
            "replications": exp.replications,
            "steps": exp.steps,
            "seed": exp.seed,
            "robust": self.robust,
            "population": self.population,
            "warmup": exp.warmup,
            "experiment_digest": self.digest(),
            "experiment_file": self.loaded.source,
            "description": exp.description,
            "scenarios": {n: self.loaded.files[n] for n in self.scenarios()},
            "levers": self._levers(),
            "seeds": self.seeds(),
        }

    def _levers(self) -> dict[str, Any]:
        return {p: v if isinstance(v, list) else v.model_dump() for p, v in self.levers.items()}
