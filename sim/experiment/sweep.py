"""A sweep's runs: plan them, skip those already finished, execute the rest on a backend while
the store makes each result durable. Summarising the folder is analysis's (sim.analysis)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import ScenarioError
from ..files import write_parquet
from ..model.records import RECORDS
from ..schema import Scenario
from . import design, warmup
from .backends import check_backend, open_backend
from .execute import Mapper, RunResult, Task, run_tasks
from .execute import failed as failed_run
from .folder import Invocation, Manifest, ScenarioEntry, SweepFolder, shard_tag, versions
from .spec import LoadedExperiment
from .store import Store

COMPACT_EVERY_RUNS = 200
COMPACT_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class Executed:
    """What one sweep call ran."""

    planned: int  # runs planned (of its shard, for a shard)
    ran: int  # runs executed by this call
    failed: int  # of those
    run_seconds: float  # wall time of executing them (without planning)


def prepare(loaded: LoadedExperiment, out: Path, command: str) -> pd.DataFrame:
    """Write (or check) the folder's plan and manifest; returns the plan. A folder that holds
    another experiment's results is refused, so nothing is mixed or overwritten."""
    runs = design.plan(loaded)
    digest = design.plan_hash(loaded, runs)
    folder = SweepFolder(out)
    if folder.manifest_json.exists():
        manifest = folder.read_manifest()
        if manifest.plan_hash != digest:
            raise ScenarioError(
                [
                    f"{out}: holds results of a different experiment or settings "
                    f"({manifest.experiment.name}, {manifest.runs_planned} runs); choose "
                    "another --out or remove the folder"
                ]
            )
    else:
        out.mkdir(parents=True, exist_ok=True)
        manifest = _manifest(loaded, runs, digest)
        write_parquet(folder.plan_parquet, runs)
    manifest.invocations.append(Invocation(command=command, started=_now()))
    folder.write_manifest(manifest)
    return runs


def execute(
    loaded: LoadedExperiment,
    out: Path,
    runs: pd.DataFrame,
    mapper: Mapper,
    progress: bool = True,
    shard: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Run every planned run not yet finished (of one shard: run_id % N == I); returns how
    many ran and how many of those failed."""
    from tqdm import tqdm

    store = Store(out, tag=shard_tag(shard) or "")
    store.recover()
    todo = runs[~runs["run_id"].isin(store.finished())]
    if shard:
        todo = todo[todo["run_id"] % shard[1] == shard[0]]
    failed = ran = 0
    starts = _warm_ups(loaded, out, todo, mapper, progress)
    last_compact = time.monotonic()
    bar = tqdm(total=len(todo), unit="run", disable=not progress, dynamic_ncols=True)
    try:
        for result in _results(loaded, todo, starts, mapper):
            store.add(result)
            ran += 1
            failed += not result.ok
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


def run_sweep(
    loaded: LoadedExperiment,
    out: Path,
    jobs: int,
    command: str = "",
    progress: bool = True,
    shard: tuple[int, int] | None = None,
) -> Executed:
    """Check the backend, then plan and execute on it, holding the folder's lock (so a second
    sweep into it is refused). Rerunning into the same folder resumes. A shard (I, N) runs its
    slice only."""
    check_backend(loaded.experiment.backend)
    folder = SweepFolder(out)
    with folder.lock(shard_tag(shard)):
        runs = prepare(loaded, out, command)
        start = time.perf_counter()
        with open_backend(loaded.experiment.backend, jobs, folder.slurm_logs) as mapper:
            ran, failed = execute(loaded, out, runs, mapper, progress, shard)
        seconds = time.perf_counter() - start
    mine = runs[runs["run_id"] % shard[1] == shard[0]] if shard else runs
    return Executed(len(mine), ran, failed, seconds)


def _warm_ups(
    loaded: LoadedExperiment, out: Path, todo: pd.DataFrame, mapper: Mapper, progress: bool
) -> dict[int, dict[str, bytes] | str]:
    """The warm-up checkpoint of each replicate still to run (none without `warmup:`)."""
    months = loaded.experiment.warmup
    if months is None or todo.empty:
        return {}
    seeds = todo["seed"].unique().tolist()
    if progress:
        print(f"warm-up: {len(seeds)} burn-ins of {months} months", file=sys.stderr)
    return warmup.starts(loaded.scenarios[loaded.baseline], months, seeds, out, mapper)


def _results(
    loaded: LoadedExperiment,
    todo: pd.DataFrame,
    starts: dict[int, dict[str, bytes] | str],
    mapper: Mapper,
) -> Iterator[RunResult]:
    """Every run's result: first those whose warm-up failed (failed runs, not run), then the
    others as the backend finishes them."""
    lost = todo["seed"].isin([seed for seed, s in starts.items() if isinstance(s, str)])
    for task in _tasks(loaded, todo[lost], starts):
        yield failed_run(task, starts[task.seed])
    yield from run_tasks(mapper, _tasks(loaded, todo[~lost], starts))


def _tasks(
    loaded: LoadedExperiment, todo: pd.DataFrame, starts: dict[int, dict[str, bytes] | str]
) -> Iterator[Task]:
    """The runs to execute; with a warm-up, each from its replicate's checkpoint (the
    baseline's own runs without design changes continue it; every other run is a branch)."""
    exp = loaded.experiment
    params = list(exp.parameters)
    keep = tuple(exp.metrics)
    scenarios = {name: _recording(s, exp.record) for name, s in loaded.scenarios.items()}
    for row in todo.to_dict("records"):
        start = starts.get(int(row["seed"]))
        changes = {p: design.cell_value(row[p]) for p in params}
        yield Task(
            run_id=int(row["run_id"]),
            name=row["scenario"],
            point=int(row["point"]),
            replicate=int(row["replicate"]),
            seed=int(row["seed"]),
            scenario=scenarios[row["scenario"]],
            changes=changes,
            steps=exp.steps,
            keep=keep,
            max_seconds=exp.max_run_seconds,
            start=start if isinstance(start, dict) else None,
            branch=bool(changes) or row["scenario"] != loaded.baseline,
        )


def _recording(scenario: Scenario, kinds: list[str]) -> Scenario:
    """The scenario keeping the experiment's records as well as its own."""
    wanted = [k for k in RECORDS if k in kinds or k in scenario.record]
    return scenario.model_copy(update={"record": wanted})


def _manifest(loaded: LoadedExperiment, runs: pd.DataFrame, digest: str) -> Manifest:
    exp = loaded.experiment
    return Manifest(
        experiment=exp,
        experiment_file=loaded.source,
        experiment_sha256=loaded.sha256,
        baseline=loaded.baseline,
        scenarios={
            name: ScenarioEntry(file=loaded.files[name], resolved=s.model_dump(mode="json"))
            for name, s in loaded.scenarios.items()
        },
        parameters=list(exp.parameters),
        design=exp.design.kind,
        runs_planned=len(runs),
        plan_hash=digest,
        versions=versions(),
        created=_now(),
        invocations=[],
    )


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
