"""Summaries across runs: means with 95% confidence intervals, differences from the baseline
with paired confidence intervals and effect sizes, and per-step bands over time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from ..model.metrics import METRICS

LEVEL = 0.95
GROUP = ["scenario", "point"]


def quantile(dof: float | np.ndarray = np.inf) -> np.ndarray:
    """The two-sided LEVEL quantile of Student's t with `dof` degrees of freedom (the normal
    quantile for infinite `dof`): every interval and sample size here comes from it. Student's
    t is taken from scipy.special as scipy.stats.t computes it (`stdtrit`, and `stdtr` for
    p-values), the same numbers: importing scipy.stats took half a second of a sweep."""
    return special.stdtrit(dof, 0.5 + LEVEL / 2)


def t_halfwidth(std: np.ndarray | pd.Series, n: np.ndarray | pd.Series) -> np.ndarray:
    """Half-width of the t confidence interval of a mean (NaN for fewer than 2 values)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return quantile(np.where(n > 1, n - 1, np.nan)) * np.asarray(std, dtype=float) / np.sqrt(n)


def aggregate(runs: pd.DataFrame, params: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Per scenario, design point and metric: n, mean, std, 95% CI, over the runs that finished."""
    ok = runs[runs["status"] == "ok"]
    long = ok.melt(id_vars=GROUP, value_vars=list(metrics), var_name="metric")
    g = long.groupby([*GROUP, "metric"], sort=False)["value"]
    out = g.agg(n="count", mean="mean", std="std", smallest="min").reset_index()
    half = t_halfwidth(out["std"], out["n"])
    # a metric that cannot be negative (counts, money, shares) gets no negative bound
    floor = np.where(out.pop("smallest") >= 0, 0.0, -np.inf)
    out["ci_low"], out["ci_high"] = np.maximum(out["mean"] - half, floor), out["mean"] + half
    return _with_params(out, runs, params)


def compare(
    runs: pd.DataFrame, baseline: str, params: Sequence[str], metrics: Sequence[str]
) -> pd.DataFrame:
    """Each scenario minus the baseline, per design point and metric, paired by replicate (the
    same seed): mean difference with its 95% CI, relative difference, effect size, p-value."""
    ok = runs[runs["status"] == "ok"]
    base = ok[ok["scenario"] == baseline].set_index(["point", "replicate"])
    rows = []
    for name, other in ok[ok["scenario"] != baseline].groupby("scenario", sort=False):
        pairs = other.set_index(["point", "replicate"]).join(
            base[list(metrics)], rsuffix="__base", how="inner"
        )
        for point, group in pairs.groupby(level="point"):
            for metric in metrics:
                rows.append(
                    {"scenario": name, "point": point, "metric": metric}
                    | _paired(group[f"{metric}__base"], group[metric])
                )
    columns = [*GROUP, "metric", *_paired(pd.Series(dtype=float), pd.Series(dtype=float))]
    out = pd.DataFrame(rows, columns=columns)
    return _with_params(out, runs, params)


def _paired(base: pd.Series, other: pd.Series) -> dict[str, float]:
    """Statistics of paired values (pairs with a missing value are dropped)."""
    keep = base.notna() & other.notna()
    b, o = base[keep].to_numpy(float), other[keep].to_numpy(float)
    n = len(b)
    diff = o - b
    mean_b, mean_o = (b.mean(), o.mean()) if n else (np.nan, np.nan)
    mean_d = diff.mean() if n else np.nan
    sd_d = diff.std(ddof=1) if n > 1 else np.nan
    half = float(t_halfwidth(sd_d, n)) if n > 1 else np.nan
    pooled = np.sqrt((b.var(ddof=1) + o.var(ddof=1)) / 2) if n > 1 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        effect = mean_d / pooled if pooled > 0 else np.nan
        t = mean_d / (sd_d / np.sqrt(n)) if n > 1 and sd_d > 0 else np.nan
    p = (
        float(2 * special.stdtr(n - 1, -abs(t)))
        if np.isfinite(t)
        else (1.0 if mean_d == 0 else np.nan)
    )
    low = mean_d - half
    if n and (b >= 0).all() and (o >= 0).all():
        low = max(low, -mean_b)  # the scenario's mean cannot fall below zero
    rel = abs(mean_b) if n and mean_b != 0 else np.nan
    return {
        "n_pairs": n,
        "baseline_mean": mean_b,
        "scenario_mean": mean_o,
        "diff": mean_d,
        "diff_ci_low": low,
        "diff_ci_high": mean_d + half,
        "rel_diff": mean_d / rel,
        "rel_ci_low": low / rel,
        "rel_ci_high": (mean_d + half) / rel,
        "effect_size": effect,
        "p_value": p,
        "significant": bool(half < abs(mean_d)) if np.isfinite(half) else False,
    }


def step_bands(parts: Iterable[Path], metrics: Sequence[str]) -> pd.DataFrame:
    """Per scenario, design point, step and metric: n, mean, std and 95% CI of the time
    series, read part by part so memory does not grow with the number of runs."""
    total: pd.DataFrame | None = None
    keys = [*GROUP, "step"]
    seen: set[int] = set()  # a run stored twice (two sweeps into one folder) counts once
    for path in parts:
        frame = pd.read_parquet(path, columns=["run_id", "scenario", "point", "step", *metrics])
        frame = frame[~frame["run_id"].isin(seen)].drop_duplicates(["run_id", "step"])
        seen.update(frame["run_id"].unique().tolist())
        values = frame[list(metrics)]
        sums = pd.concat(
            {
                "sum": values.groupby([frame[k] for k in keys]).sum(),
                "sumsq": (values**2).groupby([frame[k] for k in keys]).sum(),
                "n": values.groupby([frame[k] for k in keys]).count(),
            },
            axis=1,
        )
        total = sums if total is None else total.add(sums, fill_value=0)
    if total is None:
        columns = [*keys, "metric", "n", "mean", "std", "ci_low", "ci_high"]
        return pd.DataFrame(columns=columns)
    return bands_from_sums(total)


def bands_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """Long-format bands from sum, sumsq and n columns (per metric) indexed by the group."""
    long = sums.stack(level=1, future_stack=True).rename_axis([*sums.index.names, "metric"])
    n = long["n"]
    mean = long["sum"] / n
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (long["sumsq"] - n * mean**2) / (n - 1)
    std = np.sqrt(var.clip(lower=0)).where(n > 1)
    half = t_halfwidth(std, n)
    out = pd.DataFrame({"n": n, "mean": mean, "std": std})
    # a metric the registry declares never negative (counts, money) gets no negative bound
    floor = long.index.get_level_values("metric").map(_floor).to_numpy(float)
    out["ci_low"], out["ci_high"] = np.maximum(mean - half, floor), mean + half
    return out.reset_index()


def _floor(metric: str) -> float:
    known = METRICS.get(metric)
    return 0.0 if known is not None and known.never_negative else -np.inf


def _with_params(frame: pd.DataFrame, runs: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    """Add the varied parameters' values of each design point after the point column."""
    if not params:
        return frame
    values = runs.drop_duplicates("point").set_index("point")[list(params)]
    out = frame.join(values, on="point")
    return out[[*GROUP, *params, *(c for c in frame.columns if c not in GROUP)]]
