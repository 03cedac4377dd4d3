"""docs/ODD.md documents every scenario parameter and every contract metric."""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel

from sim.model.metrics import RUN_METRICS, STEP_METRICS
from sim.schema import Scenario

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def _model(annotation: typing.Any) -> type[BaseModel] | None:
    """The BaseModel class of an annotation (through Annotated), else None."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _optional(annotation: typing.Any) -> type[BaseModel] | None:
    """The model of an optional section (`Model | None`), else None."""
    args = typing.get_args(annotation)
    if type(None) in args and len(args) == 2:
        return _model(next(arg for arg in args if arg is not type(None)))
    return None


def _list_of(annotation: typing.Any) -> type[BaseModel] | None:
    """The item model of a list of sections (`list[Model]`), else None."""
    if typing.get_origin(annotation) is list:
        return _model(typing.get_args(annotation)[0])
    return None


def parameter_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Dotted paths of every leaf field, descending into nested sections.

    A list of sections is a path itself and its items' fields are `name[].field`; an
    optional section is a path itself and its fields are `name.field`.
    """
    paths: list[str] = []
    for name, field in model.model_fields.items():
        section = _model(field.annotation)
        optional = _optional(field.annotation)
        items = _list_of(field.annotation)
        if section is not None:
            paths.extend(parameter_paths(section, f"{prefix}{name}."))
        elif optional is not None:
            paths.append(f"{prefix}{name}")
            paths.extend(parameter_paths(optional, f"{prefix}{name}."))
        elif items is not None:
            paths.append(f"{prefix}{name}")
            paths.extend(parameter_paths(items, f"{prefix}{name}[]."))
        else:
            paths.append(f"{prefix}{name}")
    return paths


def test_walk_finds_nested_parameters():
    paths = parameter_paths()
    for expected in (
        "seed",
        "events",
        "events[].at",
        "events[].set",
        "events[].jam",
        "events[].jam.participants",
        "events[].challenge.sponsor",
        "population.startup.burn",
        "finance.hurdle",
    ):
        assert expected in paths
    assert "population" not in paths and "population.startup" not in paths


def test_every_parameter_is_documented():
    text = ODD.read_text(encoding="utf-8")
    missing = [path for path in parameter_paths() if f"`{path}`" not in text]
    assert not missing, f"parameters missing from {ODD.name} (in backticks): {missing}"


def test_every_metric_is_documented():
    text = ODD.read_text(encoding="utf-8")
    missing = [name for name in (*STEP_METRICS, *RUN_METRICS) if name not in text]
    assert not missing, f"metrics missing from {ODD.name}: {missing}"
