"""Every file a finished (or stopped) calibration leaves in its folder, from its history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..files import write_json, write_parquet
from ..scenario import load_scenario
from . import plots, posterior, report
from .smc import Folder, Problem, history, populations

FILES = {
    "particles": "particles.parquet",  # every generation's particles
    "posterior": "posterior.parquet",  # the last generation's: the posterior sample
    "summary": "calibration.json",
    "calibrated": "calibrated.yaml",
    "fit": "fit.png",
    "marginals": "marginals.png",
    "pairs": "pairs.png",
    "report": "report.html",
}


def write_outputs(
    problem: Problem, out: Path, stopped: str, sets: list[str] = ()
) -> dict[str, Any]:
    """Write the tables, the summary, the calibrated scenario, the figures and the report;
    returns the summary."""
    folder = Folder(out)
    found = history(folder)
    table = posterior.particles(found)
    write_parquet(out / FILES["particles"], table)
    write_parquet(out / FILES["posterior"], posterior.final(table))
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
        "calibrated_scenario": FILES["calibrated"],
        "files": problem.files,
    }
    medians = {path: p["median"] for path, p in summary["parameters"].items()}
    calibrated = posterior.write_calibrated(
        out / FILES["calibrated"], problem, medians, problem.files["scenario"], list(sets)
    )
    load_scenario(calibrated)  # it must load as it is written
    plots.plot_fit(problem, table, out / FILES["fit"])
    plots.plot_marginals(problem, table, out / FILES["marginals"])
    plots.plot_pairs(problem, table, out / FILES["pairs"])
    write_json(out / FILES["summary"], summary)
    report.rewrite(out)
    return summary
