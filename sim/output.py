"""Writing one run's results: per-step Parquet table, JSON summary and a PNG of the metrics."""

from __future__ import annotations

import json
import math
import os
import platform
import tempfile
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from .metrics import SUMMED
from .plots import plot_timeseries
from .scenario import scenario_to_dict
from .schema import Scenario

ID_COLUMNS = ("step", "seed", "run_seed")
PACKAGES = ("mesa", "numpy", "pandas", "pydantic", "pyarrow")


def write_run(
    out_dir: str | Path, scenario: Scenario, model: Any, df: pd.DataFrame, wall_time: float
) -> dict[str, Path]:
    """Write timeseries.parquet, summary.json and timeseries.png atomically into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = make_summary(scenario, model, df, wall_time)
    text = json.dumps(_plain(summary), indent=2, allow_nan=False) + "\n"
    title = f"{scenario.name} (seed {model.seed})"
    return {
        "timeseries": _atomic(out / "timeseries.parquet", lambda p: df.to_parquet(p, index=False)),
        "summary": _atomic(out / "summary.json", lambda p: p.write_text(text, encoding="utf-8")),
        "plot": _atomic(out / "timeseries.png", lambda p: plot_timeseries(df, p, title)),
    }


def make_summary(
    scenario: Scenario, model: Any, df: pd.DataFrame, wall_time: float
) -> dict[str, Any]:
    """What summary.json holds: identity, versions, timing, metrics and the resolved scenario."""
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "seed": model.seed,
        "steps": len(df),
        "wall_time_s": round(wall_time, 3),
        "versions": versions(),
        "run_metrics": model.run_metrics(),
        **step_totals(df),
        "resolved_scenario": scenario_to_dict(scenario),
    }


def step_totals(df: pd.DataFrame) -> dict[str, dict[str, float]]:
    """`totals`: counted metrics summed over the run; `final`: every other metric's last value."""
    metrics = [c for c in df.columns if c not in ID_COLUMNS]
    final = df.iloc[-1] if len(df) else pd.Series(dtype=float)
    return {
        "totals": {c: float(df[c].sum()) for c in metrics if c in SUMMED},
        "final": {c: float(final.get(c, math.nan)) for c in metrics if c not in SUMMED},
    }


def versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    return {"python": platform.python_version()} | {p: metadata.version(p) for p in PACKAGES}


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through a temporary file in the same folder, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _plain(value: Any) -> Any:
    """JSON-ready data: numpy scalars to Python numbers, NaN and infinity to None."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
