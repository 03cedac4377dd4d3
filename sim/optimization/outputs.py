"""What an optimisation folder holds besides the study, rewritten after every generation (so a
killed study's files are current): trials.csv, pareto.csv, pareto.png and report.html."""

from __future__ import annotations

from pathlib import Path

import optuna
import pandas as pd

from ..files import atomic_write
from .folder import OptimizeFolder
from .front import pareto_table, trials_table
from .levers import describe_levers
from .problem import Problem


def write_outputs(
    study: optuna.Study, problem: Problem, folder: OptimizeFolder, program: str, command: str
) -> None:
    """Write the tables, the chart and the report from the study as it stands, each through a
    temporary file. Hold the folder's lock."""
    # function-level: the chart and the report load matplotlib, which the loop does not need
    from ..analysis.optimization_plots import plot_front
    from ..analysis.optimization_report import write_report

    trials = trials_table(study.get_trials(deepcopy=False), problem)
    pareto = pareto_table(trials, [t.number for t in study.best_trials], problem)
    _write_csv(folder.trials_csv, trials)
    _write_csv(folder.pareto_csv, pareto)
    info = summary(problem, trials, pareto) | {"program": program, "command": command}
    atomic_write(folder.pareto_png, lambda path: plot_front(trials, pareto, info, path))
    write_report(info, trials, pareto, folder.pareto_png, folder.report_html)


def summary(problem: Problem, trials: pd.DataFrame, pareto: pd.DataFrame) -> dict:
    """What the chart and the report say about the study, as plain data."""
    states = trials["state"].value_counts()
    return problem.settings() | {
        "lever_rows": describe_levers(problem.levers),
        "runs_per_trial": problem.runs_per_trial(),
        "trials": len(trials),
        "complete": int(states.get("complete", 0)),
        "failed": int(states.get("failed", 0)),
        "front": len(pareto),
    }


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda p: frame.to_csv(p, index=False))
