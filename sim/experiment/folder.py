"""A sweep folder: the paths of what experiment/ writes and analysis/ reads, and its manifest.

manifest.json says what the folder holds (the experiment, its scenarios, the plan's hash, the
versions and the commands run in it); `Manifest` is its schema, read and written as the JSON
it always was.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..config import ScenarioError, lines, validate_data
from ..files import plain, write_json
from .spec import Experiment

PACKAGES = ("mesa", "numpy", "pandas", "pydantic", "pyarrow")
BUSY = "another sweep is writing here (pid {pid}); wait for it or choose another --out"
_held: dict[Path, tuple[int, int]] = {}  # lock file -> (descriptor, holds) in this process


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Invocation(_Strict):
    """A command run in the folder."""

    command: str
    started: str


class ScenarioEntry(_Strict):
    """A scenario of the sweep: its file and every parameter as resolved."""

    file: str
    resolved: dict[str, Any]


class Manifest(_Strict):
    """manifest.json; fields in the order they are written."""

    experiment: Experiment
    experiment_file: str
    experiment_sha256: str
    baseline: str  # the baseline scenario's name
    scenarios: dict[str, ScenarioEntry]  # by name, baseline first
    parameters: list[str]
    design: str
    runs_planned: int
    plan_hash: str
    versions: dict[str, str]
    created: str
    invocations: list[Invocation]


@dataclass(frozen=True)
class SweepFolder:
    """The files of one sweep folder."""

    root: Path

    @property
    def manifest_json(self) -> Path:
        return self.root / "manifest.json"

    @property
    def plan_parquet(self) -> Path:
        """Every planned run: run_id, scenario, point, replicate, seed, parameter values."""
        return self.root / "plan.parquet"

    @property
    def runs_parts(self) -> Path:
        """The store's run records, one Parquet part per compaction."""
        return self.root / "runs"

    @property
    def timeseries(self) -> Path:
        """The store's per-step metrics, parts matching those of runs/."""
        return self.root / "timeseries"

    def pending(self, tag: str = "") -> Path:
        """Finished runs not yet compacted (of one shard, when tagged)."""
        return self.root / (f".pending-{tag}" if tag else ".pending")

    def record(self, name: str) -> Path:
        """An agent-level record's dataset (actors/, innovations/, deals/, ties/)."""
        return self.root / name

    @property
    def slurm_logs(self) -> Path:
        return self.root / "slurm-logs"

    @property
    def runs_parquet(self) -> Path:
        """The plan with each run's latest status and per-run metrics."""
        return self.root / "runs.parquet"

    @property
    def aggregate_parquet(self) -> Path:
        return self.root / "aggregate.parquet"

    @property
    def aggregate_csv(self) -> Path:
        return self.root / "aggregate.csv"

    @property
    def comparison_csv(self) -> Path:
        return self.root / "comparison.csv"

    @property
    def timeseries_aggregate_parquet(self) -> Path:
        return self.root / "timeseries_aggregate.parquet"

    @property
    def sensitivity_csv(self) -> Path:
        return self.root / "sensitivity.csv"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    def plot(self, stem: str) -> Path:
        """plots/STEM.png, with what a scenario name could bring into a path (/, ..) replaced:
        every plot stays inside plots/."""
        safe = re.sub(r"[^\w-]+", "_", stem)
        return self.plots / f"{safe}.png"

    @property
    def report_html(self) -> Path:
        return self.root / "report.html"

    def read_manifest(self) -> Manifest:
        """The folder's manifest. Raises ScenarioError if it cannot be read."""
        shown = str(self.manifest_json)
        try:
            data = json.loads(self.manifest_json.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ScenarioError([f"{shown}: cannot be read: {err}"]) from None
        manifest, problems = validate_data(data, Manifest)
        if problems:
            raise ScenarioError(lines(shown, problems))
        return manifest

    def write_manifest(self, manifest: Manifest) -> Path:
        return write_json(self.manifest_json, plain(manifest.model_dump(mode="json")))

    @contextmanager
    def lock(self, store: str | None = None, busy: str = BUSY) -> Iterator[None]:
        """Hold the folder while writing it: a whole sweep (`store` None) alone; a shard (its
        store's tag) or an aggregation (store "") beside other shards, but alone on its store.
        Raises ScenarioError (`busy`, with the holder's pid) when another process holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        with ExitStack() as held:
            held.enter_context(_flock(self.root / ".sweep.lock", store is None, self.root, busy))
            if store is not None:
                own = self.root / f".sweep-{store or 'main'}.lock"
                held.enter_context(_flock(own, True, self.root, busy))
            yield


def shard_tag(shard: tuple[int, int] | None) -> str | None:
    """The store tag of a shard (I, N): `sIofN`; None for a whole sweep."""
    return f"s{shard[0]}of{shard[1]}" if shard else None


@contextmanager
def _flock(path: Path, exclusive: bool, root: Path, busy: str) -> Iterator[None]:
    """An flock on `path`, held until the block ends (and released by the OS if the process
    dies); re-entrant within a process, so a command and the sweep it calls can both hold it."""
    key = path.resolve()
    if key in _held:
        fd, holds = _held[key]
        _held[key] = (fd, holds + 1)
    else:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ScenarioError([f"{root}: {busy.format(pid=pid)}"]) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[key] = (fd, 1)
    try:
        yield
    finally:
        fd, holds = _held.pop(key)
        if holds > 1:
            _held[key] = (fd, holds - 1)
        else:
            os.close(fd)  # closing releases the lock


def versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    return {"python": platform.python_version()} | {p: metadata.version(p) for p in PACKAGES}
