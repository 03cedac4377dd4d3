"""Changing a validated model by dotted paths; choosing a preset resets the values it fills."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .paths import flatten, put
from .problems import Problem
from .validation import M, validate_data

# dotted path of a preset's name -> preset name -> the values of its section it fills
Presets = Mapping[str, Mapping[str, Mapping[str, Any]]]


def with_changes(
    model: M, changes: Mapping[str, Any], presets: Presets
) -> tuple[M | None, list[Problem]]:
    """`model` with the dotted paths of `changes` set and validated, or what prevents it."""
    data = model.model_dump(mode="json")
    flat = flatten(changes)
    _reset_presets(data, flat, presets)
    problems = put(data, flat, type(model))
    return (None, problems) if problems else validate_data(data, type(model))


def _reset_presets(data: dict[str, Any], flat: Mapping[str, Any], presets: Presets) -> None:
    """Drop the values a preset chosen in `flat` fills (unless `flat` sets them) to fill anew."""
    for key, named in presets.items():
        chosen = flat.get(key)
        if isinstance(chosen, str) and chosen in named:
            section = key.split(".")[0]
            for name in named[chosen]:
                if f"{section}.{name}" not in flat:
                    data[section].pop(name, None)
