"""From an experiment to its runs: design points (grid, LHS, Sobol, Morris) x replications,
each run with a seed spawned from the experiment's SeedSequence."""

from __future__ import annotations

import hashlib
import itertools
import json
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..scenario import field_type
from .spec import Experiment, LoadedExperiment, Range

PLAN_COLUMNS = ("run_id", "scenario", "point", "replicate", "seed")


def plan(loaded: LoadedExperiment) -> pd.DataFrame:
    """One row per run, in run_id order: scenario, design point, replicate, seed and the
    value of each varied parameter (a column named by its dotted path)."""
    exp = loaded.experiment
    points = design_points(exp)
    seeds = replicate_seeds(exp.seed, exp.replications)
    rows = [
        {"scenario": name, "point": p, "replicate": r, "seed": seeds[r], **values}
        for name in loaded.scenarios
        for p, values in enumerate(points)
        for r in range(exp.replications)
    ]
    frame = pd.DataFrame(rows, columns=[*PLAN_COLUMNS[1:], *exp.parameters])
    frame.insert(0, "run_id", np.arange(len(frame), dtype=np.int64))
    return frame.astype({"point": np.int64, "replicate": np.int64, "seed": np.int64})


def replicate_seeds(seed: int, replications: int) -> list[int]:
    """One seed per replicate, spawned from SeedSequence(seed). Every scenario and design point
    uses the same seed for the same replicate (common random numbers), so differences between
    scenarios are paired."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(c.generate_state(1, np.uint64)[0]) >> 1 for c in children]  # fits int64


def design_points(exp: Experiment) -> list[dict]:
    """The parameter values of each design point ([{}] when nothing is varied)."""
    if exp.design.kind == "grid":
        axes = [_grid_values(path, spec) for path, spec in exp.parameters.items()]
        return [dict(zip(exp.parameters, combo, strict=True)) for combo in itertools.product(*axes)]
    names, matrix = sample_matrix(exp)
    return [{name: _typed(name, x) for name, x in zip(names, row, strict=True)} for row in matrix]


def salib_problem(exp: Experiment) -> dict:
    """The SALib problem: the varied parameters and their bounds."""
    names = list(exp.parameters)
    bounds = [[exp.parameters[n].low, exp.parameters[n].high] for n in names]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def sample_matrix(exp: Experiment) -> tuple[list[str], np.ndarray]:
    """The sampled design (lhs, sobol, morris) as a matrix, one row per point, before rounding."""
    problem = salib_problem(exp)
    with warnings.catch_warnings():
        # SALib (and scipy under it) warn about these on every call, twice a sweep, as raw
        # tracebacks of their own code; design_notes says the same once, in the design's words
        warnings.filterwarnings("ignore", "The balance properties of Sobol", UserWarning)
        warnings.filterwarnings("ignore", "num_levels should be an even number", UserWarning)
        matrix = _sample(problem, exp)
    return problem["names"], np.asarray(matrix, dtype=float)


def design_notes(exp: Experiment) -> list[str]:
    """Advice on a sampled design whose settings weaken it (what SALib warns about)."""
    d = exp.design
    if d.kind == "sobol" and d.samples & (d.samples - 1):
        better = 1 << d.samples.bit_length()
        return [
            f"design.samples: {d.samples} is not a power of 2; Sobol' points are balanced "
            f"only then (e.g. {better // 2} or {better}), so indices are less precise"
        ]
    if d.kind == "morris" and d.levels % 2:
        return [f"design.levels: {d.levels} is odd; Morris samples are biased unless it is even"]
    return []


def _sample(problem: dict, exp: Experiment) -> np.ndarray:
    """The design's sample, from SALib (sobol, morris) or scipy (lhs)."""
    d, n = exp.design, exp.design.samples
    if d.kind == "sobol":
        from SALib.sample import sobol

        matrix = sobol.sample(problem, n, calc_second_order=d.second_order, seed=exp.seed)
    elif d.kind == "morris":
        from SALib.sample import morris

        matrix = morris.sample(problem, n, num_levels=d.levels, seed=exp.seed)
    else:
        from scipy.stats import qmc  # here: importing scipy.stats takes half a second

        unit = qmc.LatinHypercube(d=problem["num_vars"], seed=exp.seed).random(n)
        bounds = np.array(problem["bounds"])
        matrix = qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    return np.asarray(matrix)


def plan_hash(loaded: LoadedExperiment, runs: pd.DataFrame) -> str:
    """What identifies the results of an experiment: its runs, scenarios and what is kept."""
    exp = loaded.experiment
    identity = {
        "runs": runs.to_json(orient="split", index=False),
        "scenarios": {n: s.model_dump(mode="json") for n, s in loaded.scenarios.items()},
        "steps": exp.steps,
        "metrics": exp.metrics,
        "max_run_seconds": exp.max_run_seconds,
    }
    if exp.record:  # only when set, so that folders written before records existed still match
        identity["record"] = exp.record
    if exp.warmup:  # likewise
        identity["warmup"] = exp.warmup
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _grid_values(path: str, spec: list | Range) -> list:
    if isinstance(spec, Range):
        values = np.linspace(spec.low, spec.high, spec.num).round(
            12
        )  # 0.3, not 0.30000000000000004
        return [_typed(path, x) for x in values]
    return list(spec)


def _typed(path: str, x: float) -> float | int:
    """A sampled value as the parameter's type: whole numbers are rounded."""
    return int(round(x)) if field_type(path) is int else float(x)


def cell_value(value: Any) -> Any:
    """A plan cell as a plain Python value (numpy scalars and arrays unwrapped)."""
    return value.tolist() if hasattr(value, "tolist") else value
