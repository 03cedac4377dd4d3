"""A sweep folder's summaries, from what it holds (complete or not): runs.parquet, the
aggregates, the comparison with the baseline, the per-step bands, sensitivity indices, the
plots and report.html."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..experiment.design import cell_value
from ..experiment.folder import SweepFolder
from ..experiment.store import Store
from ..files import atomic_write, write_parquet
from ..model.metrics import PER_RUN
from . import aggregate
from .plots import plot_bands, plot_distributions, plot_heatmaps, plot_sensitivity
from .report import write_report
from .sensitivity import sensitivity

MAX_BAND_GROUPS = 10  # more scenario x point lines than this: bands per scenario, points pooled


@dataclass(frozen=True)
class Outcome:
    """What a summarised sweep folder holds."""

    out: Path
    planned: int
    ok: int
    failed: int
    missing: int  # never ran (or still running)
    notes: tuple[str, ...] = ()
    missing_ids: tuple[int, ...] = ()


def summarise(out: Path) -> Outcome:
    """Write runs.parquet, aggregate.parquet/.csv, comparison.csv, timeseries_aggregate.parquet,
    sensitivity.csv, the plots and report.html from what the folder holds."""
    folder = SweepFolder(out)
    manifest = folder.read_manifest()
    exp = manifest.experiment
    params = list(exp.parameters)
    plan = pd.read_parquet(folder.plan_parquet)
    store = Store(out)
    store.recover()
    runs = _runs_table(plan, store.latest())
    write_parquet(folder.runs_parquet, runs)

    metrics = [m for m in PER_RUN if m in runs]
    agg = aggregate.aggregate(runs, params, metrics)
    write_parquet(folder.aggregate_parquet, agg)
    _write_csv(folder.aggregate_csv, agg)
    comparison = aggregate.compare(runs, manifest.baseline, params, metrics)
    _write_csv(folder.comparison_csv, comparison)
    bands = aggregate.step_bands(store.timeseries_parts(), exp.metrics)
    write_parquet(folder.timeseries_aggregate_parquet, bands)

    folder.plots.mkdir(exist_ok=True)
    title = exp.name
    if len(bands):
        shown = [m for m in exp.outcomes if m in exp.metrics]
        shown += [m for m in exp.metrics if m not in shown]
        plot_bands(_labelled(bands, params, plan), shown, folder.plot("timeseries"), title)
    ok = runs[runs["status"] == "ok"]
    if len(ok) and plan["point"].nunique() == 1:
        plot_distributions(ok, exp.outcomes, folder.plot("distributions"), title)
    if exp.design.kind == "grid" and len(params) == 2:
        for name in manifest.scenarios:
            rows = _shown(agg[agg["scenario"] == name], params)
            if len(rows):
                path = folder.plot(f"heatmap_{name}")
                plot_heatmaps(rows, params[0], params[1], exp.outcomes, path, f"{title}: {name}")
    sens, notes = sensitivity(exp, runs)
    if len(sens):
        _write_csv(folder.sensitivity_csv, sens)
        for name, rows in sens.groupby("scenario", sort=False):
            path = folder.plot(f"sensitivity_{name}")
            plot_sensitivity(rows, path, f"{title}: {name} ({exp.design.kind})")
    write_report(out)
    counts = runs["status"].value_counts()
    return Outcome(
        out=out,
        planned=len(runs),
        ok=int(counts.get("ok", 0)),
        failed=int(counts.get("failed", 0)),
        missing=int(counts.get("missing", 0)),
        notes=tuple(notes),
        missing_ids=tuple(runs.loc[runs["status"] == "missing", "run_id"].astype(int)),
    )


def _runs_table(plan: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """The plan with each run's latest record: status ok, failed or missing (never ran)."""
    if len(latest):
        drop = [c for c in ("scenario", "point", "replicate", "seed", "record") if c in latest]
        runs = plan.merge(latest.drop(columns=drop), on="run_id", how="left")
    else:
        runs = plan.assign(status=None, error=None)
    runs["status"] = runs["status"].fillna("missing")
    return runs


def _labelled(bands: pd.DataFrame, params: list[str], plan: pd.DataFrame) -> pd.DataFrame:
    """Bands with a line label: the scenario, plus the point when there are few points;
    with many points, the points of each scenario are pooled into one band."""
    groups = bands[["scenario", "point"]].drop_duplicates()
    if len(groups) <= MAX_BAND_GROUPS:
        labels = bands["scenario"].astype(str)
        if bands["point"].nunique() > 1:
            points = _shown(plan, params).drop_duplicates("point").set_index("point")[params]
            text = points.apply(
                lambda r: ", ".join(
                    f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()
                ),
                axis=1,
            )
            labels = labels + " " + bands["point"].map(text)
        return bands.assign(label=labels.to_numpy())
    return _pooled(bands)


def _pooled(bands: pd.DataFrame) -> pd.DataFrame:
    """Bands per scenario over all design points, from the per-point means and spreads."""
    frame = bands.assign(
        sum=bands["mean"] * bands["n"],
        sumsq=(bands["std"].fillna(0) ** 2) * (bands["n"] - 1) + bands["n"] * bands["mean"] ** 2,
    )
    sums = frame.groupby(["scenario", "step", "metric"])[["sum", "sumsq", "n"]].sum()
    sums = sums.unstack("metric")  # columns: (sum | sumsq | n, metric)
    pooled = aggregate.bands_from_sums(sums)
    return pooled.assign(label=pooled["scenario"].astype(str) + " (all points)")


def _shown(frame: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """The frame with list-valued parameters as text, so that they can label and group."""
    listed = [p for p in params if frame[p].map(lambda v: hasattr(v, "__len__")).any()]
    listed = [p for p in listed if frame[p].map(lambda v: not isinstance(v, str)).any()]
    return frame.assign(**{p: frame[p].map(lambda v: str(cell_value(v))) for p in listed})


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda p: frame.to_csv(p, index=False))
