"""A generation's candidates as runs, and their scores. Every candidate runs `replications`
runs under each scenario with the same seeds (common random numbers), so candidates differ
by their levers, not by luck; an objective is the mean over replications, then the mean or
worst case over scenarios."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..experiment.execute import Mapper, Task, run_tasks
from .objectives import combine
from .problem import Problem


@dataclass(frozen=True)
class Candidate:
    """A trial's lever values."""

    number: int  # the optuna trial's number
    changes: dict[str, Any]


@dataclass(frozen=True)
class Score:
    """A candidate's objective values (None when it failed, with the reason), and each
    objective's mean over replications per scenario."""

    values: list[float] | None
    per_scenario: dict[str, dict[str, float]] = field(default_factory=dict)  # metric -> name
    failure: str | None = None


def tasks(
    problem: Problem, candidates: list[Candidate], starts: dict[int, dict[str, bytes]]
) -> list[Task]:
    """Every run of the candidates: candidate x scenario x replicate; `point` is the trial's
    number, `replicate` indexes the common seeds. With a warm-up, each run branches from its
    seed's checkpoint (`starts`)."""
    exp = problem.loaded.experiment
    seeds, scenarios = problem.seeds(), problem.scenarios()
    found = []
    for candidate in candidates:
        for name, scenario in scenarios.items():
            for r, seed in enumerate(seeds):
                found.append(
                    Task(
                        run_id=len(found),
                        name=name,
                        point=candidate.number,
                        replicate=r,
                        seed=seed,
                        scenario=scenario,
                        changes=candidate.changes,
                        steps=exp.steps,
                        keep=(),
                        max_seconds=exp.max_run_seconds,
                        start=starts.get(seed),
                    )
                )
    return found


def evaluate(
    mapper: Mapper,
    problem: Problem,
    candidates: list[Candidate],
    on_run: Callable[[], None] = lambda: None,
    starts: dict[int, dict[str, bytes]] | None = None,
) -> dict[int, Score]:
    """Run every candidate's runs in one go on the backend's mapper; each candidate's score by
    trial number. Runs finish in any order; the scores do not depend on it."""
    rows: dict[int, list[dict[str, Any]]] = {c.number: [] for c in candidates}
    for result in run_tasks(mapper, tasks(problem, candidates, starts or {})):
        rows[result.row["point"]].append(result.row)
        on_run()
    return {number: score(problem, found) for number, found in rows.items()}


def score(problem: Problem, rows: list[dict[str, Any]]) -> Score:
    """A candidate's score from its runs' rows; the first failed run (in scenario and
    replicate order), or an objective a run could not measure, fails it."""
    order = list(problem.scenarios())
    rows = sorted(rows, key=lambda row: (order.index(row["scenario"]), row["replicate"]))
    for row in rows:
        if row["status"] != "ok":
            return Score(None, failure=f"{row['scenario']}, seed {row['seed']}: {row['error']}")
        for o in problem.objectives:
            if not math.isfinite(row[o.metric]):
                return Score(
                    None,
                    failure=f"{row['scenario']}, seed {row['seed']}: {o.metric} was not measured "
                    f"(got {row[o.metric]}); the runs may be too short for it (--steps)",
                )
    per_scenario = {
        o.metric: {
            name: float(np.mean([row[o.metric] for row in rows if row["scenario"] == name]))
            for name in order
        }
        for o in problem.objectives
    }
    values = [combine(per_scenario[o.metric], o, problem.robust) for o in problem.objectives]
    return Score(values, per_scenario)
