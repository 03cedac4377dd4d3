"""Writing one run's results: per-step Parquet table, JSON summary and a PNG of the metrics."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..experiment.folder import versions
from ..files import atomic_write, plain, write_json, write_parquet
from ..model.metrics import SUMMED
from ..scenario import scenario_to_dict
from ..schema import Scenario
from .plots import plot_timeseries

ID_COLUMNS = ("step", "seed", "run_seed")


def write_run(
    out_dir: str | Path, scenario: Scenario, model: Any, df: pd.DataFrame, wall_time: float
) -> dict[str, Path]:
    """Write timeseries.parquet, summary.json and timeseries.png atomically into `out_dir`,
    and a Parquet file per agent-level record the scenario keeps (actors.parquet, ...)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = make_summary(scenario, model, df, wall_time)
    title = f"{scenario.name} (seed {model.seed})"
    records = {
        name: write_parquet(out / f"{name}.parquet", frame)
        for name, frame in model.records().items()
    }
    return {
        "timeseries": write_parquet(out / "timeseries.parquet", df),
        "summary": write_json(out / "summary.json", plain(summary)),
        "plot": atomic_write(out / "timeseries.png", lambda p: plot_timeseries(df, p, title)),
        **records,
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
