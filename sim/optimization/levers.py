"""The levers an optimisation sets: the experiment's `levers:`, dotted scenario paths each with
a range ({low, high}) or a list of choices, as optuna suggests them for a trial."""

from __future__ import annotations

import json
import math
from typing import Any

import optuna

from ..config import ScenarioError
from ..experiment import LoadedExperiment
from ..experiment.spec import Range
from ..scenario import field_type, meaning

Lever = list[Any] | Range


def check_levers(loaded: LoadedExperiment) -> None:
    """Refuse, one line each, an experiment without levers and ranges optuna cannot search.
    Raises ScenarioError."""
    levers, source = loaded.experiment.levers, loaded.source
    if not levers:
        raise ScenarioError(
            [
                f"{source}: levers: none; optimize searches the levers an experiment lists, "
                "e.g. levers: {governance.rd_subsidy_rate: {low: 0, high: 0.4}} "
                "(see docs/policy-exploration.md)"
            ]
        )
    problems = []
    for path, spec in levers.items():
        if isinstance(spec, list):
            continue
        if spec.num is not None:
            problems.append(
                f"{source}: levers.{path}.num: optimize searches the whole range; give "
                "{low, high}, or a list of the values to choose from"
            )
        elif field_type(path) is int and math.ceil(spec.low) > math.floor(spec.high):
            problems.append(
                f"{source}: levers.{path}: a whole-number parameter; the range {spec.low} to "
                f"{spec.high} holds no whole number"
            )
    if problems:
        raise ScenarioError(problems)


def suggest(trial: optuna.Trial, levers: dict[str, Lever]) -> dict[str, Any]:
    """The lever values optuna suggests for `trial`, as scenario changes:
    a float for a range, an int for a whole-number parameter, one of a list's choices."""
    changes: dict[str, Any] = {}
    for path, spec in levers.items():
        if isinstance(spec, Range):
            if field_type(path) is int:
                changes[path] = trial.suggest_int(path, math.ceil(spec.low), math.floor(spec.high))
            else:
                changes[path] = trial.suggest_float(path, spec.low, spec.high)
        else:
            choices = {choice_key(value): value for value in spec}
            changes[path] = choices[trial.suggest_categorical(path, list(choices))]
    return changes


def choice_key(value: Any) -> Any:
    """A choice as optuna stores it: a scalar as it is, a list or mapping as its JSON text
    (optuna's choices are None, bool, int, float or str)."""
    return (
        value if value is None or isinstance(value, bool | int | float | str) else json.dumps(value)
    )


def span(spec: Lever) -> str:
    """A lever's range or choices in words, for the report."""
    if isinstance(spec, Range):
        return f"{spec.low:g} to {spec.high:g}"
    return "one of " + ", ".join(json.dumps(value) for value in spec)


def describe_levers(levers: dict[str, Lever]) -> list[dict[str, str]]:
    """Each lever's path, range or choices, and meaning, for the report."""
    return [{"path": p, "span": span(spec), "meaning": meaning(p)} for p, spec in levers.items()]
