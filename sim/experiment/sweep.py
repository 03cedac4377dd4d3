"""A sweep end to end: plan the runs, skip those already finished, execute the rest on a
backend while the store makes each result durable, then write the summaries and plots."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..files import atomic_write, plain, write_json, write_parquet
from ..model.metrics import PER_RUN
from ..model.records import RECORDS
from ..output import versions
from ..scenario import ScenarioError
from ..schema import Scenario
from . import aggregate, design
from .execute import Task
from .spec import Experiment, LoadedExperiment

COMPACT_EVERY_RUNS = 200
COMPACT_EVERY_SECONDS = 30.0
MAX_BAND_GROUPS = 10  # more scenario x point lines than this: bands per scenario, points pooled

Backend = Callable[[Iterable[Task]], Iterator[dict[str, Any]]]


@dataclass(frozen=True)
class Outcome:
    """How a sweep (or a summary of a sweep folder) ended."""

    out: Path
    planned: int
    ok: int
    failed: int
    missing: int
    ran: int  # runs executed by this call
    run_seconds: float = 0.0  # wall time of executing them (without planning and summaries)
    notes: tuple[str, ...] = ()
    missing_ids: tuple[int, ...] = ()


def prepare(loaded: LoadedExperiment, out: Path, command: str) -> pd.DataFrame:
    """Write (or check) the folder's plan and manifest; returns the plan. A folder that holds
    another experiment's results is refused, so nothing is mixed or overwritten."""
    runs = design.plan(loaded)
    digest = design.plan_hash(loaded, runs)
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("plan_hash") != digest:
            raise ScenarioError(
                [
                    f"{out}: holds results of a different experiment or settings "
                    f"({manifest.get('experiment', {}).get('name', '?')}, "
                    f"{manifest.get('runs_planned', '?')} runs); choose another --out or "
                    "remove the folder"
                ]
            )
    else:
        out.mkdir(parents=True, exist_ok=True)
        manifest = _manifest(loaded, runs, digest)
        write_parquet(out / "plan.parquet", runs)
    manifest["invocations"].append({"command": command, "started": _now()})
    write_json(manifest_path, plain(manifest))
    return runs


def execute(
    loaded: LoadedExperiment,
    out: Path,
    runs: pd.DataFrame,
    backend: Backend,
    progress: bool = True,
    shard: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Run every planned run not yet finished (of one shard: run_id % N == I); returns how
    many ran and how many of those failed."""
    from tqdm import tqdm

    from .store import Store

    store = Store(out, tag=f"s{shard[0]}of{shard[1]}" if shard else "")
    store.recover()
    todo = runs[~runs["run_id"].isin(store.finished())]
    if shard:
        todo = todo[todo["run_id"] % shard[1] == shard[0]]
    failed = ran = 0
    last_compact = time.monotonic()
    bar = tqdm(total=len(todo), unit="run", disable=not progress, dynamic_ncols=True)
    try:
        for result in backend(_tasks(loaded, todo)):
            store.add(result)
            ran += 1
            failed += result["run"]["status"] != "ok"
            bar.set_postfix(failed=failed, refresh=False)
            bar.update()
            due = time.monotonic() - last_compact > COMPACT_EVERY_SECONDS
            if due or store.pending() >= COMPACT_EVERY_RUNS:
                store.compact()
                last_compact = time.monotonic()
    finally:
        bar.close()
        store.compact()
    return ran, failed


def summarise(out: Path) -> Outcome:
    """Write runs.parquet, aggregate.parquet/.csv, comparison.csv, timeseries_aggregate.parquet,
    sensitivity.csv, the plots and report.html from what the folder holds (complete or not)."""
    from ..plots import plot_bands, plot_distributions, plot_heatmaps, plot_sensitivity
    from ..report import write_report
    from .sensitivity import sensitivity
    from .store import Store

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    exp = Experiment.model_validate(manifest["experiment"])
    params = list(exp.parameters)
    plan = pd.read_parquet(out / "plan.parquet")
    store = Store(out)
    store.recover()
    runs = _runs_table(plan, store.latest())
    write_parquet(out / "runs.parquet", runs)

    metrics = [m for m in PER_RUN if m in runs]
    agg = aggregate.aggregate(runs, params, metrics)
    write_parquet(out / "aggregate.parquet", agg)
    _write_csv(out / "aggregate.csv", agg)
    baseline = manifest["baseline"]
    _write_csv(out / "comparison.csv", aggregate.compare(runs, baseline, params, metrics))
    bands = aggregate.step_bands(store.timeseries_parts(), exp.metrics)
    write_parquet(out / "timeseries_aggregate.parquet", bands)

    plots = out / "plots"
    plots.mkdir(exist_ok=True)
    title = exp.name
    if len(bands):
        shown = [m for m in exp.outcomes if m in exp.metrics]
        shown += [m for m in exp.metrics if m not in shown]
        plot_bands(_labelled(bands, params, plan), shown, plots / "timeseries.png", title)
    ok = runs[runs["status"] == "ok"]
    if len(ok) and plan["point"].nunique() == 1:
        plot_distributions(ok, exp.outcomes, plots / "distributions.png", title)
    if exp.design.kind == "grid" and len(params) == 2:
        for name in manifest["scenarios"]:
            rows = _shown(agg[agg["scenario"] == name], params)
            if len(rows):
                path = plots / f"heatmap_{name}.png"
                plot_heatmaps(rows, params[0], params[1], exp.outcomes, path, f"{title}: {name}")
    sens, notes = sensitivity(exp, runs)
    if len(sens):
        _write_csv(out / "sensitivity.csv", sens)
        for name, rows in sens.groupby("scenario", sort=False):
            path = plots / f"sensitivity_{name}.png"
            plot_sensitivity(rows, path, f"{title}: {name} ({exp.design.kind})")
    write_report(out)
    counts = runs["status"].value_counts()
    return Outcome(
        out=out,
        planned=len(runs),
        ok=int(counts.get("ok", 0)),
        failed=int(counts.get("failed", 0)),
        missing=int(counts.get("missing", 0)),
        ran=0,
        notes=tuple(notes),
        missing_ids=tuple(runs.loc[runs["status"] == "missing", "run_id"].astype(int)),
    )


def run_sweep(
    loaded: LoadedExperiment,
    out: Path,
    jobs: int,
    command: str = "",
    progress: bool = True,
    shard: tuple[int, int] | None = None,
) -> Outcome:
    """Plan, execute on the experiment's backend, summarise. Rerunning into the same folder
    resumes. A shard (I, N) runs its slice only and leaves the summary to `aggregate`."""
    from .backends import open_backend

    runs = prepare(loaded, out, command)
    start = time.perf_counter()
    with open_backend(loaded.experiment.backend, jobs, out / "slurm-logs") as backend:
        ran, failed = execute(loaded, out, runs, backend, progress, shard)
    seconds = time.perf_counter() - start
    if shard:
        mine = runs[runs["run_id"] % shard[1] == shard[0]]
        return Outcome(out, len(mine), ran - failed, failed, 0, ran=ran, run_seconds=seconds)
    return replace(summarise(out), ran=ran, run_seconds=seconds)


def _tasks(loaded: LoadedExperiment, todo: pd.DataFrame) -> Iterator[Task]:
    exp = loaded.experiment
    params = list(exp.parameters)
    keep = tuple(exp.metrics)
    scenarios = {name: _recording(s, exp.record) for name, s in loaded.scenarios.items()}
    for row in todo.to_dict("records"):
        yield Task(
            run_id=int(row["run_id"]),
            name=row["scenario"],
            point=int(row["point"]),
            replicate=int(row["replicate"]),
            seed=int(row["seed"]),
            scenario=scenarios[row["scenario"]],
            changes={p: _python(row[p]) for p in params},
            steps=exp.steps,
            keep=keep,
            max_seconds=exp.max_run_seconds,
        )


def _recording(scenario: Scenario, kinds: list[str]) -> Scenario:
    """The scenario keeping the experiment's records as well as its own."""
    wanted = [k for k in RECORDS if k in kinds or k in scenario.record]
    return scenario.model_copy(update={"record": wanted})


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


def _manifest(loaded: LoadedExperiment, runs: pd.DataFrame, digest: str) -> dict[str, Any]:
    exp = loaded.experiment
    return {
        "experiment": exp.model_dump(mode="json"),
        "experiment_file": loaded.source,
        "experiment_sha256": loaded.sha256,
        "baseline": loaded.baseline,
        "scenarios": {
            name: {"file": loaded.files[name], "resolved": s.model_dump(mode="json")}
            for name, s in loaded.scenarios.items()
        },
        "parameters": list(exp.parameters),
        "design": exp.design.kind,
        "runs_planned": len(runs),
        "plan_hash": digest,
        "versions": versions(),
        "created": _now(),
        "invocations": [],
    }


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda p: frame.to_csv(p, index=False))


def _python(value: Any) -> Any:
    """A plan cell as a plain Python value (numpy scalars and arrays unwrapped)."""
    return value.tolist() if hasattr(value, "tolist") else value


def _shown(frame: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """The frame with list-valued parameters as text, so that they can label and group."""
    listed = [p for p in params if frame[p].map(lambda v: hasattr(v, "__len__")).any()]
    listed = [p for p in listed if frame[p].map(lambda v: not isinstance(v, str)).any()]
    return frame.assign(**{p: frame[p].map(lambda v: str(_python(v))) for p in listed})


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
