"""What pyabc calls for each candidate: the simulator (parameters -> each target's statistic,
averaged over the replications) and the distance between simulated and observed statistics."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..experiment.design import replicate_seeds
from ..schema import Scenario
from .spec import value
from .targets import Targets, measure

SEED = "seed"  # the candidate's seed: its runs' seeds are replicate_seeds(seed, replications)
ERROR = "error"  # a failed candidate's message; the sampler takes it out before pyabc stores


@dataclass(frozen=True)
class Simulator:
    """A candidate's parameters -> each target's statistic, the mean over `replications` runs
    of `scenario` (which keeps the records the targets need and runs the calibration's
    months). A failing run is not raised: its statistics are NaN and ERROR says why."""

    scenario: Scenario
    targets: Targets
    replications: int

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, Any]:
        from ..experiment.execute import one_line  # the worker's imports, not the parent's
        from ..model import metrics
        from ..model.runner import run_model
        from ..scenario import apply_changes

        # the sampler seeded this candidate's chain from SeedSequence (sampler.chain_seeds)
        seed = int(np.random.randint(0, 2**62))
        changes = {path: value(path, x) for path, x in parameters.items()}
        runs = []
        try:
            scenario = apply_changes(self.scenario, changes)
            for run_seed in replicate_seeds(seed, self.replications):
                model = run_model(scenario, run_seed)
                series = model.series
                run = metrics.run_metrics(series, model.state, model.steps)
                frames = model.records() if self.targets.records else {}
                values = metrics.run_values(series, run)
                runs.append(measure(self.targets, series, values, frames, model.steps))
        except Exception as err:  # a failing candidate is recorded and rejected, not fatal
            nan = dict.fromkeys(self.targets.targets, float("nan"))
            return nan | {SEED: seed, ERROR: one_line(err)}
        with warnings.catch_warnings():  # a statistic no run could measure stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            means = {name: float(np.nanmean([r[name] for r in runs])) for name in runs[0]}
        return means | {SEED: seed}


@dataclass(frozen=True)
class Distance:
    """The weighted root mean square of each target's miss in tolerances: 1 means the
    simulated statistics lie one tolerance from the observed ones, on average. A statistic
    that could not be measured (NaN) makes the distance infinite: the candidate is rejected."""

    targets: Targets

    def __call__(self, simulated: Mapping[str, Any], observed: Mapping[str, Any]) -> float:
        total = weights = 0.0
        for name, t in self.targets.targets.items():
            miss = (simulated[name] - observed[name]) / t.tolerance
            total += t.weight * miss * miss
            weights += t.weight
        distance = math.sqrt(total / weights)
        return distance if math.isfinite(distance) else math.inf
