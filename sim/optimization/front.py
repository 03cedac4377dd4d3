"""The study as tables: every trial (trials.csv) and the Pareto front, the complete trials no
other complete trial beats on every objective (pareto.csv), best first."""

from __future__ import annotations

from typing import Any

import pandas as pd
from optuna.trial import FrozenTrial

from .liveness import FAILURE, GENERATION, RETRY_OF
from .problem import Problem

PER_SCENARIO = "per_scenario"  # user attr: each objective's mean over replications per scenario
SEEDS = "seeds"  # user attr: the replicates' seeds the trial's runs used
STATES = {"COMPLETE": "complete", "FAIL": "failed", "RUNNING": "running", "WAITING": "queued"}


def scenario_column(metric: str, scenario: str) -> str:
    """The trials.csv column of an objective's mean in one scenario (robust mode)."""
    return f"{metric}@{scenario}"


def trials_table(trials: list[FrozenTrial], problem: Problem) -> pd.DataFrame:
    """One row per trial (FrozenTrials, in number order): its number, generation, state, each
    lever, each objective, each objective per scenario in robust mode, the seeds, and why it
    failed."""
    retried = {t.user_attrs[RETRY_OF]: t.number for t in trials if RETRY_OF in t.user_attrs}
    names = list(problem.scenarios())
    rows = []
    for t in trials:
        row: dict[str, Any] = {
            "trial": t.number,
            "generation": t.system_attrs.get(GENERATION),
            "state": _state(t),
        }
        row |= {path: t.params.get(path) for path in problem.levers}
        values = t.values or [None] * len(problem.objectives)
        row |= {o.metric: v for o, v in zip(problem.objectives, values, strict=True)}
        if problem.robust:
            means = t.user_attrs.get(PER_SCENARIO, {})
            row |= {
                scenario_column(o.metric, name): means.get(o.metric, {}).get(name)
                for o in problem.objectives
                for name in names
            }
        row["seeds"] = " ".join(str(s) for s in t.user_attrs.get(SEEDS, []))
        row["failure"] = _failure(t, retried)
        rows.append(row)
    columns = ["trial", "generation", "state", *problem.levers, *_value_columns(problem)]
    table = pd.DataFrame(rows, columns=[*columns, "seeds", "failure"])
    return table.astype({"generation": "Int64"})  # a queued trial has none yet


def pareto_table(table: pd.DataFrame, front: list[int], problem: Problem) -> pd.DataFrame:
    """The rows of `table` whose trials are on the front (optuna's best_trials), sorted by the
    objectives in turn, best first."""
    rows = table[table["trial"].isin(front)]
    metrics = [o.metric for o in problem.objectives]
    ordered = rows.sort_values(
        [*metrics, "trial"], ascending=[not o.maximize for o in problem.objectives] + [True]
    )
    columns = ["trial", "generation", *problem.levers, *_value_columns(problem), "seeds"]
    return ordered[columns].reset_index(drop=True)


def _value_columns(problem: Problem) -> list[str]:
    metrics = [o.metric for o in problem.objectives]
    if not problem.robust:
        return metrics
    names = list(problem.scenarios())
    return metrics + [scenario_column(m, name) for m in metrics for name in names]


def _state(trial: FrozenTrial) -> str:
    """complete, failed (its runs did), interrupted (its process stopped), running or queued."""
    if trial.state.name == "FAIL" and FAILURE not in trial.user_attrs:
        return "interrupted"
    return STATES.get(trial.state.name, trial.state.name.lower())


def _failure(trial: FrozenTrial, retried: dict[int, int]) -> str:
    """Why a failed trial failed: its runs' error, or its process stopped (and it was asked
    again as another trial)."""
    if trial.state.name != "FAIL":
        return ""
    if FAILURE in trial.user_attrs:
        return str(trial.user_attrs[FAILURE])
    again = f"; asked again as trial {retried[trial.number]}" if trial.number in retried else ""
    return f"interrupted: the process running it stopped{again}"
