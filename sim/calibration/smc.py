"""ABC-SMC with pyabc: the prior, the simulator, the distance and our seeded sampler put
together; a history in an SQLite database in the output folder, so that a killed calibration
resumes from its last finished generation."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..experiment.backends import open_backend
from ..files import plain, write_json
from ..scenario import apply_changes, scenario_to_dict
from ..schema import Scenario
from .sampler import SeededSampler
from .simulate import Distance, Simulator
from .spec import Calibration, Prior
from .targets import Targets


@dataclass(frozen=True)
class Folder:
    """The files of a calibration's output folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "abc.db"  # pyabc's history: every generation's particles

    @property
    def settings(self) -> Path:
        return self.root / "settings.json"  # what was asked, and its digest (resume check)

    @property
    def failures(self) -> Path:
        return self.root / "failures.parquet"

    @property
    def particles(self) -> Path:
        return self.root / "particles.parquet"  # every generation's particles

    @property
    def posterior(self) -> Path:
        return self.root / "posterior.parquet"  # the last generation's: the posterior sample

    @property
    def summary(self) -> Path:
        return self.root / "calibration.json"

    @property
    def calibrated(self) -> Path:
        return self.root / "calibrated.yaml"

    @property
    def fit(self) -> Path:
        return self.root / "fit.png"

    @property
    def marginals(self) -> Path:
        return self.root / "marginals.png"

    @property
    def pairs(self) -> Path:
        return self.root / "pairs.png"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def slurm_logs(self) -> Path:
        return self.root / "slurm-logs"


@dataclass(frozen=True)
class Problem:
    """Everything a calibration fits: the scenario (as it runs), the targets, the settings."""

    scenario: Scenario
    targets: Targets
    settings: Calibration
    files: dict[str, str]  # scenario, targets and settings files as given (for the report)

    def runnable(self) -> Scenario:
        """The scenario as each candidate runs it: the calibration's months, the records
        the targets need."""
        changes: dict[str, Any] = {"record": sorted({*self.scenario.record, *self.targets.records})}
        if self.settings.steps is not None:
            changes["steps"] = self.settings.steps
        return apply_changes(self.scenario, changes)

    def digest(self) -> str:
        """What makes two calibrations the same one (the backend and the budget excepted:
        a resumed calibration may run elsewhere and longer)."""
        same = self.settings.model_dump(
            mode="json", exclude={"backend", "generations", "min_epsilon", "min_acceptance"}
        )
        data = {
            "scenario": scenario_to_dict(self.runnable()),
            "targets": self.targets.model_dump(mode="json"),
            "settings": same,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class DifferentCalibration(Exception):
    """The output folder holds a calibration of something else."""


def run(
    problem: Problem,
    out: Path,
    jobs: int,
    on_chain: Callable[[int], None] = lambda t: None,
    on_generation: Callable[[dict[str, Any]], None] = lambda row: None,
) -> dict[str, Any]:
    """Run the calibration into `out`, resuming what it holds; returns how it went: the
    generations run now, their seconds, and why it stopped."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)  # our progress bar says it instead
    folder = Folder(out)
    resume = _check_folder(folder, problem)
    settings = problem.settings
    start = time.perf_counter()
    with open_backend(settings.backend, jobs, folder.slurm_logs) as mapper:
        sampler = SeededSampler(mapper, settings.seed, on_chain, folder.failures)
        abc = pyabc.ABCSMC(
            models=Simulator(problem.runnable(), problem.targets, settings.replications),
            parameter_priors=pyabc.Distribution(
                **{path: _rv(prior) for path, prior in settings.parameters.items()}
            ),
            distance_function=Distance(problem.targets),
            population_size=settings.population,
            sampler=sampler,
        )
        database = f"sqlite:///{folder.database.resolve()}"  # one calibration per folder: id 1
        if resume:
            abc.load(database, 1)
        else:
            observed = {name: t.observed for name, t in problem.targets.targets.items()}
            abc.new(database, observed)
            write_json(folder.settings, _settings_record(problem))
        done = abc.history.max_t + 1
        before = populations(abc.history)
        if done < settings.generations and not _stopped(before, settings):
            abc.run(
                minimum_epsilon=settings.min_epsilon,
                max_nr_populations=settings.generations - done,
                min_acceptance_rate=settings.min_acceptance,
            )
    after = populations(abc.history)
    for row in after.to_dict("records")[len(before) :]:
        on_generation(row)
    return {
        "generations_now": len(after) - len(before),
        "seconds_now": time.perf_counter() - start,
        # pyabc also stops when a particle's chain used its share of the evaluation budget
        "stopped": _stopped(after, settings) or "budget",
    }


def _rv(prior: Prior):
    import pyabc

    if prior.prior == "log-uniform":
        return pyabc.RV("loguniform", prior.low, prior.high)
    return pyabc.RV("uniform", prior.low, prior.high - prior.low)


def _check_folder(folder: Folder, problem: Problem) -> bool:
    """Whether `folder` holds this calibration already (resume); a new one needs a folder
    without a database. Raises DifferentCalibration."""
    if folder.database.exists() and not folder.settings.exists():
        folder.database.unlink()  # killed while the history was created: nothing to keep
    if not folder.database.exists():
        folder.root.mkdir(parents=True, exist_ok=True)
        return False
    try:
        digest = json.loads(folder.settings.read_text(encoding="utf-8"))["digest"]
    except (OSError, ValueError, KeyError):
        digest = None
    if digest != problem.digest():
        raise DifferentCalibration(
            f"{folder.root}: holds another calibration (its scenario, targets or settings "
            "differ); choose another --out"
        )
    return True


def _settings_record(problem: Problem) -> dict[str, Any]:
    return plain(
        {
            "digest": problem.digest(),
            "files": problem.files,
            "settings": problem.settings.model_dump(mode="json"),
            "targets": problem.targets.model_dump(mode="json"),
            "scenario": problem.scenario.name,
        }
    )


def populations(history) -> pd.DataFrame:
    """One row per finished generation: t, epsilon, simulations, particles, acceptance."""
    table = history.get_all_populations()
    table = table[table["t"] >= 0].reset_index(drop=True)
    particles = history.get_nr_particles_per_population()
    table["particles"] = [int(particles.get(t, 0)) for t in table["t"]]
    table["acceptance"] = table["particles"] / table["samples"].clip(lower=1)
    return table[["t", "epsilon", "samples", "particles", "acceptance", "wall_time"]]


def _stopped(populations: pd.DataFrame, settings: Calibration) -> str | None:
    """Why the calibration is over: the threshold reached, the acceptance too low, or the
    generations done; None while it goes on."""
    if populations.empty:
        return None
    last = populations.iloc[-1]
    if last["epsilon"] <= settings.min_epsilon:
        return "min_epsilon"
    if last["acceptance"] < settings.min_acceptance:
        return "min_acceptance"
    if len(populations) >= settings.generations:
        return "generations"
    return None


def history(folder: Folder):
    """The pyabc history of the calibration in `folder`."""
    import pyabc

    found = pyabc.History(f"sqlite:///{folder.database.resolve()}")
    found.id = 1
    return found


def planned(problem: Problem, folder: Folder) -> int:
    """The most particles still to draw into `folder`: the generations not yet run, and the
    sample from the prior that the first one starts from."""
    done, stopped = 0, None
    if folder.database.exists() and folder.settings.exists():
        found = populations(history(folder))
        done, stopped = len(found), _stopped(found, problem.settings)
    n = problem.settings.population
    return 0 if stopped else n * (problem.settings.generations - done + (done == 0))
