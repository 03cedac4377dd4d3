"""Every file a finished (or stopped) calibration leaves in its folder, from its history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..files import write_json, write_parquet
from ..scenario import load_scenario
from . import plots, posterior, report
from .smc import Folder, Problem, history, populations


def write_outputs(
    problem: Problem, out: Path, stopped: str, sets: list[str] = ()
) -> dict[str, Any]:
    """Write the tables, the summary, the calibrated scenario, the figures and the report;
    returns the summary."""
    folder = Folder(out)
    found = history(folder)
    table = posterior.particles(found)
    write_parquet(folder.particles, table)
    write_parquet(folder.posterior, posterior.final(table))
    failures = pd.read_parquet(folder.failures) if folder.failures.exists() else pd.DataFrame()
    summary = posterior.summary(problem, table, populations(found)) | {
        "name": problem.settings.name,
        "description": problem.settings.description,
        "scenario": problem.files.get("scenario", problem.scenario.name),
        "targets": problem.files.get("targets", problem.targets.name),
        "targets_description": problem.targets.description,
        "seed": problem.settings.seed,
        "stopped": stopped,
        "failures": len(failures),
        "calibrated_scenario": folder.calibrated.name,
        "files": problem.files,
    }
    medians = {path: p["median"] for path, p in summary["parameters"].items()}
    calibrated = posterior.write_calibrated(
        folder.calibrated, problem, medians, problem.files["scenario"], list(sets)
    )
    load_scenario(calibrated)  # it must load as it is written
    plots.plot_fit(problem, table, folder.fit)
    plots.plot_marginals(problem, table, folder.marginals)
    plots.plot_pairs(problem, table, folder.pairs)
    write_json(folder.summary, summary)
    report.rewrite(out)
    return summary
