"""What a calibration found, read from pyabc's history: the particles of every generation, the
posterior summary and fit, and the calibrated scenario (posterior medians) that extends the
original."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pyabc.weighted_statistics import weighted_quantile

from ..config import apply_overrides
from ..config.paths import put
from ..files import atomic_write, plain
from ..scenario import meaning
from ..schema import Scenario
from .simulate import SEED
from .smc import Problem
from .spec import value

SIMULATED = "simulated."  # prefix of the columns holding a particle's statistics
QUANTILES = (0.05, 0.5, 0.95)  # the credible interval shown: 90%, and the median


def particles(history) -> pd.DataFrame:
    """Every generation's accepted particles: generation, weight, distance, the candidate's
    seed, its parameters (by dotted path) and its simulated statistics."""
    rows = []
    for t in range(history.max_t + 1):
        for i, p in enumerate(history.get_population(t).particles):
            stats = {f"{SIMULATED}{k}": v for k, v in p.sum_stat.items() if k != SEED}
            row = {"generation": t, "particle": i, "weight": p.weight, "distance": p.distance}
            rows.append(row | {SEED: int(p.sum_stat[SEED])} | dict(p.parameter) | stats)
    return pd.DataFrame(rows)


def final(table: pd.DataFrame) -> pd.DataFrame:
    """The last generation's particles: the posterior sample."""
    return table[table["generation"] == table["generation"].max()].reset_index(drop=True)


def quantiles(values: pd.Series, weights: pd.Series) -> dict[str, float]:
    """The weighted 5%, 50% and 95% quantiles (NaN values left out)."""
    x = values.to_numpy(dtype=float)
    w = weights.to_numpy(dtype=float)
    keep = np.isfinite(x)
    if not keep.any():
        return {f"q{round(q * 100):02d}": float("nan") for q in QUANTILES}
    x, w = x[keep], w[keep] / w[keep].sum()
    return {f"q{round(q * 100):02d}": float(weighted_quantile(x, w, alpha=q)) for q in QUANTILES}


def summary(problem: Problem, table: pd.DataFrame, populations: pd.DataFrame) -> dict[str, Any]:
    """The posterior of each parameter, the fit of each target, and the generations."""
    post = final(table)
    params = {}
    for path, prior in problem.settings.parameters.items():
        q = quantiles(post[path], post["weight"])
        params[path] = q | {
            "median": value(path, q["q50"]),
            "prior": prior.prior,
            "low": prior.low,
            "high": prior.high,
            "meaning": meaning(path),
        }
    fit = {}
    for name, t in problem.targets.targets.items():
        q = quantiles(post[f"{SIMULATED}{name}"], post["weight"])
        fit[name] = q | {
            "statistic": t.describe(),
            "unit": t.unit,
            "observed": t.observed,
            "tolerance": t.tolerance,
            "weight": t.weight,
            "source": t.source,
            "within_tolerance": bool(abs(q["q50"] - t.observed) <= t.tolerance),
        }
    return plain(
        {
            "parameters": params,
            "fit": fit,
            "generations": populations.to_dict("records"),
            "particles": len(post),
            "simulations": int(populations["samples"].sum()),
            "runs_per_candidate": problem.settings.replications,
        }
    )


def write_calibrated(
    path: Path, problem: Problem, medians: dict[str, Any], scenario_file: str, sets: list[str]
) -> Path:
    """The calibrated scenario: the original file extended with the `--set` overrides and the
    posterior medians. Raises ScenarioError if it would not be a valid scenario."""
    data: dict[str, Any] = {
        "extends": os.path.relpath(os.path.abspath(scenario_file), path.parent.resolve()),
        "name": f"{problem.scenario.name}_calibrated",
        "description": (
            f"{problem.scenario.name} calibrated to the targets {problem.targets.name!r} over "
            f"{problem.runnable().steps}-month runs: {', '.join(medians)} at their posterior "
            "medians (calibration.json has the credible intervals)."
        ),
    }
    apply_overrides(data, sets, Scenario)
    put(data, medians, Scenario)
    header = "# Written by `calibrate`; the posterior medians of the fitted parameters.\n"
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
