"""docs/ODD.md documents every scenario parameter and every contract metric."""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel

from sim.metrics import RUN_METRICS, STEP_METRICS
from sim.schema import Scenario

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def _section(annotation: typing.Any) -> type[BaseModel] | None:
    """The BaseModel class of a nested section (through Annotated), else None."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def parameter_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Dotted paths of every leaf field, descending into nested sections."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        section = _section(field.annotation)
        if section is None:
            paths.append(f"{prefix}{name}")
        else:
            paths.extend(parameter_paths(section, f"{prefix}{name}."))
    return paths


def test_walk_finds_nested_parameters():
    paths = parameter_paths()
    for expected in ("seed", "events", "population.startup.burn", "finance.hurdle"):
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
