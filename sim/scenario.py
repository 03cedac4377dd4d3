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


def meaning(path: str) -> str:
    """A scenario parameter's meaning, from its schema description ("" for none)."""
    *sections, name = path.split(".")
    node = field_type(".".join(sections)) if sections else Scenario
    field = node.model_fields.get(name) if config.is_model(node) else None
    return (field.description or "") if field else ""


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


# --- memory: refuse a run that would not fit, before numpy asks for it ---------------------

GB = 2**30
MEMORY_SHARE = 0.8  # of physical memory, the default limit
_BASE = 160 * 2**20  # the interpreter with numpy, pandas and mesa loaded (measured RSS)


def memory_needed(scenario: Scenario) -> int:
    """Estimated peak bytes of one run (within ~1.5x of the peak resident memory of real runs).

    Actor rows hold knowledge (float64), ih (bool) and patent_expiry (int32) per field and
    ~170 bytes of other columns; their table grows by doubling (old and new both held while
    copying), and building and stepping make ~40 bytes per row and field of temporaries."""
    p = scenario.population
    initial = p.startup.count + p.corporate.count + p.university.count
    initial += p.investor.count + p.regulator.count
    rows = initial + scenario.entry.rate * scenario.steps  # entrants stay as rows when dead
    first = max(64, int(initial * 1.5))  # the model's initial capacity (model.py)
    capacity = first
    while capacity < rows:
        capacity *= 2
    f = scenario.fields
    ties = 4 * first * 69  # tie table: 4 rows per actor row, 69 bytes a row
    return int(1.5 * capacity * (13 * f + 170) + 40 * f * rows + ties + _BASE)


def memory_limit(max_memory: float | None = None) -> tuple[int, str]:
    """The limit in bytes (`max_memory` GB, or a share of this machine's memory) and its name."""
    if max_memory is not None:
        return int(max_memory * GB), "--max-memory"
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(physical * MEMORY_SHARE), f"{MEMORY_SHARE:.0%} of this machine's memory"


def check_memory(
    files: Mapping[str, Scenario],
    max_memory: float | None = None,
    at_once: int = 1,
    parameters: Mapping[str, Any] | None = None,
    steps: int | None = None,
) -> None:
    """Raise a ScenarioError for each file whose heaviest run (over `steps`, default the
    scenario's, each varied parameter at its largest value), `at_once` runs side by side,
    needs more memory than the limit."""
    limit, named = memory_limit(max_memory)
    messages = []
    for shown, scenario in files.items():
        if steps is not None:
            scenario = scenario.model_copy(update={"steps": steps})
        run = max(memory_needed(s) for s in _variants(scenario, parameters or {}))
        need = run * at_once
        if need > limit:
            each = f" ({_gb(run)} a run, {at_once} at once)" if at_once > 1 else ""
            messages.append(
                f"{shown}: needs about {_gb(need)}{each}; the limit is {_gb(limit)} ({named}); "
                "--max-memory GB raises it"
            )
    if messages:
        raise ScenarioError(messages)


def _variants(scenario: Scenario, parameters: Mapping[str, Any]) -> list[Scenario]:
    """The scenario, and it with every parameter at its largest value (a list's, or a range's
    `high`) together and one by one, where that is valid."""
    tops: dict[str, Any] = {}
    for path, spec in parameters.items():
        values = spec if isinstance(spec, list) else [getattr(spec, "high", None)]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if numbers:
            top = max(numbers)
            tops[path] = round(top) if field_type(path) is int else top
    found = [scenario]
    for changes in [tops, *({path: top} for path, top in tops.items())] if tops else []:
        try:
            found.append(apply_changes(scenario, changes))
        except ScenarioError:
            continue
    return found


def _gb(size: float) -> str:
    """Bytes as GB, to a tenth (two digits below 1 GB)."""
    return f"{size / GB:.1f} GB" if size >= GB else f"{size / GB:.2g} GB"
