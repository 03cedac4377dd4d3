"""Loading scenarios: YAML files with `extends`, `path=value` overrides and timed events.

Every problem becomes one line: `file: field.path: what was given; what is allowed`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from . import config
from .config import (
    Presets,
    Problem,
    ScenarioError,
    apply_overrides,
    flatten,
    lines,
    read_extended,
    validate_data,
    with_changes,
)
from .schema import IP_PRESETS, TRUST_PRESETS, Scenario

PRESETS: Presets = {"trust.preset": TRUST_PRESETS, "ip.regime": IP_PRESETS}
FIXED_IN_RUN = (
    "fields",
    "seed",
    "steps",
    "events",
    "record",
    "claims",
)  # top-level keys an event may not change


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Read a scenario file, resolve `extends`, apply `path=value` overrides, check the events."""
    source = str(path)
    data = read_extended(source)
    problems = apply_overrides(data, overrides, Scenario)
    if not problems:
        scenario, problems = validate_data(data, Scenario)
        if scenario is not None:
            problems = event_problems(scenario)
    if problems:
        raise ScenarioError(lines(source, problems))
    return scenario


def apply_changes(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A new scenario with the dotted paths in `changes` set, validated.

    Setting a preset (trust.preset, ip.regime) also resets the values it fills, unless
    `changes` sets them too. Raises ScenarioError.
    """
    changed, problems = with_changes(scenario, changes, PRESETS)
    if problems:
        raise ScenarioError(lines("", problems))
    return changed


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The fully resolved scenario as plain JSON/YAML-ready data."""
    return scenario.model_dump(mode="json")


def path_problem(path: str) -> str | None:
    """Why a dotted path names no scenario parameter; None when it does."""
    return config.path_problem(path, Scenario)


def field_type(path: str) -> Any:
    """The annotation of the scenario field a valid dotted path names."""
    return config.field_type(path, Scenario)


def event_problems(scenario: Scenario) -> list[Problem]:
    """Apply the events cumulatively in order of `at` and collect what would fail."""
    problems: list[Problem] = []
    current = scenario
    for i, event in sorted(enumerate(scenario.events), key=lambda pair: pair[1].at):
        label = f"events[{i}].set"
        flat = flatten(event.set)
        fixed = [path for path in flat if path.split(".")[0] in FIXED_IN_RUN]
        if fixed:
            problems += [(f"{label}.{path}", "cannot change during a run") for path in fixed]
            continue
        changed, found = with_changes(current, flat, PRESETS)
        problems += [(f"{label}.{path}" if path else label, why) for path, why in found]
        current = changed or current
    return problems
