"""A sweep folder: the paths of what experiment/ writes and analysis/ reads, and its manifest.

manifest.json says what the folder holds (the experiment, its scenarios, the plan's hash, the
versions and the commands run in it); `Manifest` is its schema, read and written as the JSON
it always was.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..config import ScenarioError, lines, validate_data
from ..files import plain, write_json
from .spec import Experiment

PACKAGES = ("mesa", "numpy", "pandas", "pydantic", "pyarrow")


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
        """plots/STEM.png"""
        return self.plots / f"{stem}.png"

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


def versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    return {"python": platform.python_version()} | {p: metadata.version(p) for p in PACKAGES}
