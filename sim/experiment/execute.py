"""Executing runs: one task is one model run, its result a RunResult; a backend's mapper
turns tasks into a stream of results, yielded as runs finish, in any order. Tables are Arrow tables,
made in the worker so that the parent only writes them.
"""

from __future__ import annotations

import itertools
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import numpy as np
import pandas as pd
import pyarrow as pa

from ..config import ScenarioError
from ..model import metrics
from ..scenario import apply_changes
from ..schema import Scenario


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run."""

    run_id: int
    name: str
    point: int
    replicate: int
    seed: int
    scenario: Scenario
    changes: dict[str, Any]
    steps: int | None
    keep: tuple[str, ...]
    max_seconds: float | None
    start: dict[str, bytes] | None = None  # a warm-up checkpoint's files (warmup.py)
    branch: bool = True  # from `start`: under `scenario` (a branch) or its own (False)


@dataclass(frozen=True)
class RunResult:
    """One run's outcome: `row` for runs.parquet, its kept per-step metrics (None when it
    failed) and its agent-level records by name (each row with run_id, scenario, point and
    seed; empty unless the scenario keeps some)."""

    row: dict[str, Any]
    timeseries: pa.Table | None = None
    records: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.row["status"] == "ok"


Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[tuple[int, Any]]]
"""A backend's map: applies a function to items, yielding (position, result) as each finishes,
in any order; the result is the exception where the worker running it died."""


class RunTimeout(Exception):
    """A run went past the experiment's max_run_seconds."""


def run_task(task: Task) -> RunResult:
    """Run one model; never raises for a failing model: the failure is the result."""
    from ..model.checkpoint import restore  # the worker's imports, not the parent's
    from ..model.runner import run_from, run_model

    start = time.perf_counter()
    try:
        scenario = apply_changes(task.scenario, task.changes) if task.changes else task.scenario
        deadline = _deadline(start, task.max_seconds)
        if task.start is None:
            model = run_model(scenario, task.seed, task.steps, deadline)
        else:
            branch = scenario if task.branch else None
            model = run_from(restore(task.start), branch, task.steps, deadline)
        series = model.series
        run = metrics.run_metrics(series, model.state, model.steps)
        values = metrics.run_values(series, run)
    except Exception as err:  # a failing run is recorded, the sweep goes on
        return failed(task, one_line(err), time.perf_counter() - start)
    row = _identity(task) | {"status": "ok", "error": None, "steps": model.steps}
    row |= {"wall_time_s": time.perf_counter() - start} | values
    records = {name: _identified(frame, task) for name, frame in model.records().items()}
    return RunResult(row, _timeseries(task, series), records)


def failed(task: Task, error: str, seconds: float = 0.0) -> RunResult:
    """The result of a run that did not finish."""
    row = _identity(task) | {"status": "failed", "error": error, "steps": 0}
    return RunResult(row | {"wall_time_s": seconds})


def _deadline(start: float, seconds: float | None) -> Callable[[Any], None] | None:
    """An after-step check that stops a run `seconds` after `start` (None: no limit)."""
    if seconds is None:
        return None

    def check(model: Any) -> None:
        if time.perf_counter() - start > seconds:
            raise RunTimeout(f"still running after {seconds} s (max_run_seconds)")

    return check


def _timeseries(task: Task, series: dict[str, np.ndarray]) -> pa.Table:
    """The run's kept metrics, one row per month, after its identity (built without pandas:
    a sweep makes thousands of these)."""
    months = len(series[metrics.PER_STEP[0]])
    columns = {
        "run_id": np.full(months, task.run_id, dtype=np.int64),
        "scenario": pa.array([task.name] * months, pa.large_string()),
        "point": np.full(months, task.point, dtype=np.int64),
        "seed": np.full(months, task.seed, dtype=np.int64),
        "step": np.arange(1, months + 1, dtype=np.int64),
    }
    return pa.table(columns | {name: series[name] for name in task.keep})


def _identified(frame: pd.DataFrame, task: Task) -> pa.Table:
    """A record of the run with run_id, scenario and point first (it has the seed already)."""
    ids = frame.assign(run_id=np.int64(task.run_id), scenario=task.name, point=np.int64(task.point))
    return pa.Table.from_pandas(
        ids[["run_id", "scenario", "point", *frame.columns]], preserve_index=False
    )


def _identity(task: Task) -> dict[str, Any]:
    return {
        "run_id": task.run_id,
        "scenario": task.name,
        "point": task.point,
        "replicate": task.replicate,
        "seed": task.seed,
    }


def run_tasks(mapper: Mapper, tasks: Iterable[Task]) -> Iterator[RunResult]:
    """Every task's result on a backend's mapper, as runs finish; a task whose worker died is
    recorded as failed, never lost."""
    pending: dict[int, Task] = {}

    def pulled() -> Iterator[Task]:  # the tasks are drawn lazily: a sweep may plan millions
        for i, task in enumerate(tasks):
            pending[i] = task
            yield task

    for i, result in mapper(run_task, pulled()):
        task = pending.pop(i)
        if isinstance(result, BaseException):
            result = failed(task, f"{type(result).__name__}: {result}".replace("\n", " "))
        yield result


def map_local(fn: Callable[[Any], Any], items: Iterable[Any], jobs: int) -> Iterator[tuple]:
    """(position, fn(item)) for every item, on `jobs` local processes with joblib (in this
    process for jobs=1), as they finish."""
    if jobs == 1:
        yield from enumerate(map(fn, items))
        return
    from joblib import Parallel, delayed

    # loky replaces a worker whose memory grew by 300 MB since its first task (a worker that
    # ran baseline runs does) and warns, from its own thread, that it did; no task is lost
    warnings.filterwarnings("ignore", "A worker stopped while some jobs", UserWarning)
    parallel = Parallel(n_jobs=jobs, return_as="generator_unordered", batch_size=1)
    yield from parallel(delayed(_numbered)(fn, i, item) for i, item in enumerate(items))


def _numbered(fn: Callable[[Any], Any], i: int, item: Any) -> tuple[int, Any]:
    return i, fn(item)


def one_line(err: Exception) -> str:
    """The error as one line: its type, message and where it was raised."""
    if isinstance(err, ScenarioError):
        text = "; ".join(err.messages)
    else:
        text = f"{type(err).__name__}: {err}".replace("\n", " ")
        frames = traceback.extract_tb(err.__traceback__)
        if frames:
            last = frames[-1]
            text += f" (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name})"
    return text


def map_dask(
    fn: Callable[[Any], Any], items: Iterable[Any], client: Any, slots: int
) -> Iterator[tuple[int, Any]]:
    """(position, fn(item)) for every item on a Dask cluster, at most `slots` at a time, as
    they finish; where the worker died or the task could not reach one, the exception.

    Workers send each result back to this client, so no shared file system is needed. A task
    whose worker dies is rescheduled by Dask; after repeated deaths it ends in KilledWorker.
    """
    from distributed import as_completed

    items = enumerate(items)
    running: dict[str, int] = {}

    def submit(i: int, item: Any) -> Any:
        future = client.submit(fn, item, pure=False, key=f"item-{i}-{uuid4().hex}")
        running[future.key] = i
        return future

    queue = as_completed([submit(*pair) for pair in itertools.islice(items, max(slots, 1))])
    for future in queue:
        i = running.pop(future.key)
        try:
            result = future.result()
        except Exception as err:  # the worker died, or the task could not reach one
            result = err
        future.release()
        yield i, result
        following = next(items, None)
        if following is not None:
            queue.add(submit(*following))
