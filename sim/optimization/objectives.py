"""The goals of a lever optimisation: per-run metrics to maximise or minimise, and how a
candidate's value over scenarios becomes one number (the mean, or the worst case)."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..config import ScenarioError
from ..model.metrics import METRICS, PER_RUN

Direction = Literal["maximize", "minimize"]
ROBUST = ("mean", "worst")


@dataclass(frozen=True)
class Objective:
    """One goal: a per-run metric (a flow's total over the run, a level's last value, or a
    run metric) and whether more or less of it is better."""

    metric: str
    direction: Direction

    @property
    def maximize(self) -> bool:
        return self.direction == "maximize"

    @property
    def label(self) -> str:
        """The metric in words, as the registry has them."""
        return METRICS[self.metric].label

    @property
    def better(self) -> str:
        return "higher is better" if self.maximize else "lower is better"

    def worst(self, values: Iterable[float]) -> float:
        """The worst of several values: the lowest of a maximised metric, the highest of a
        minimised one."""
        found = list(values)
        return float(min(found) if self.maximize else max(found))


def parse_objectives(given: Iterable[tuple[str, str]]) -> list[Objective]:
    """The objectives from (direction, metric) pairs in the order the flags were given.
    Raises ScenarioError: one line per unknown metric, per metric named twice, or when
    there is none."""
    objectives = [Objective(metric, direction) for direction, metric in given]  # type: ignore[arg-type]
    if not objectives:
        raise ScenarioError(
            [
                "optimize: no objective; give at least one --maximize METRIC or --minimize "
                "METRIC (a per-run metric, e.g. --maximize innovations --minimize public_spend)"
            ]
        )
    problems = []
    for o in objectives:
        if o.metric not in PER_RUN:
            close = difflib.get_close_matches(o.metric, PER_RUN, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                f"--{o.direction} {o.metric}: not a per-run metric{hint}; allowed: "
                + ", ".join(PER_RUN)
            )
    for metric, times in Counter(o.metric for o in objectives).items():
        if times > 1 and metric in PER_RUN:
            problems.append(
                f"--maximize/--minimize {metric}: named {times} times; name each metric once"
            )
    if problems:
        raise ScenarioError(problems)
    return objectives


def combine(per_scenario: Mapping[str, float], objective: Objective, robust: str | None) -> float:
    """One value from a candidate's scenario means: their mean (`robust` "mean", or the one
    scenario without robust mode) or the worst of them (`robust` "worst")."""
    if robust == "worst":
        return objective.worst(per_scenario.values())
    return float(np.mean(list(per_scenario.values())))
