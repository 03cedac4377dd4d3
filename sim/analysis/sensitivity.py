"""Global sensitivity indices with SALib: Sobol (S1, ST) and Morris (mu*, sigma)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..experiment.design import salib_problem, sample_matrix
from ..experiment.spec import Experiment

COLUMNS = {
    "sobol": ["S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["mu", "mu_star", "mu_star_conf", "sigma"],
}


def sensitivity(exp: Experiment, runs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Indices per scenario, outcome and parameter, from the mean over replications at each
    design point; and a note for each outcome that could not be analysed (runs missing)."""
    kind = exp.design.kind
    if kind not in COLUMNS:
        return pd.DataFrame(), []
    problem = salib_problem(exp)
    names, matrix = sample_matrix(exp)
    rows, notes = [], []
    ok = runs[runs["status"] == "ok"]
    for scenario, group in ok.groupby("scenario", sort=False):
        means = group.groupby("point")[exp.outcomes].mean().reindex(range(len(matrix)))
        for outcome in exp.outcomes:
            y = means[outcome].to_numpy(float)
            if not np.isfinite(y).all():
                missing = int((~np.isfinite(y)).sum())
                notes.append(f"{scenario}/{outcome}: {missing} design points without a value")
                continue
            if np.ptp(y) == 0:
                notes.append(f"{scenario}/{outcome}: the same at every design point: no indices")
            found = _analyse(exp, problem, matrix, y)
            for i, name in enumerate(names):
                rows.append(
                    {"scenario": scenario, "metric": outcome, "parameter": name, "method": kind}
                    | {c: float(np.asarray(found[c])[i]) for c in COLUMNS[kind]}
                )
    return pd.DataFrame(rows), notes


def _analyse(exp: Experiment, problem: dict, matrix: np.ndarray, y: np.ndarray) -> dict:
    """SALib's analysis; an outcome that does not vary gives NaN indices, quietly."""
    from SALib.analyze import morris, sobol

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        # SALib's raw warning for that case, twice per outcome; `sensitivity` notes it once
        warnings.filterwarnings("ignore", "Constant values encountered", UserWarning)
        if exp.design.kind == "sobol":
            order = exp.design.second_order
            return sobol.analyze(problem, y, calc_second_order=order, seed=exp.seed)
        return morris.analyze(problem, matrix, y, num_levels=exp.design.levels, seed=exp.seed)
