"""Calibration settings: the parameters to fit with their priors, the ABC-SMC budget and the
backend; a YAML file (calibrations/), the command line's flags, or both, checked like
scenarios, every problem one line naming the file and the field."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import ScenarioError, apply_overrides, is_model, lines, read_mapping, validate_data
from ..experiment.spec import BackendSpec, parameter_problems
from ..scenario import field_type, path_problem
from ..schema import Scenario


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Prior(_Strict):
    """A parameter's prior: uniform, or uniform in its logarithm, between `low` and `high`."""

    low: float = Field(description="lowest value")
    high: float = Field(description="highest value")
    prior: Literal["uniform", "log-uniform"] = Field(
        "uniform", description="uniform, or log-uniform (for a rate spanning magnitudes)"
    )

    @model_validator(mode="after")
    def _ordered(self):
        if self.low >= self.high:
            raise ValueError(f"high: got {self.high}; must be > low ({self.low})")
        if self.prior == "log-uniform" and self.low <= 0:
            raise ValueError(f"low: got {self.low}; a log-uniform prior needs low > 0")
        return self


class Calibration(_Strict):
    """What to fit and how long to search."""

    name: str = Field("calibration", min_length=1, description="short name for the folder")
    description: str = Field("", description="one or two sentences for reports")
    parameters: dict[str, Prior] = Field(
        description="dotted scenario paths to fit, each {low, high[, prior]}"
    )
    population: int = Field(50, ge=10, le=100_000, description="particles per generation")
    generations: int = Field(5, ge=1, le=100, description="most generations after the first")
    min_epsilon: float = Field(
        1.0,
        ge=0,
        description="stop once the acceptance threshold is at or below this distance (in "
        "tolerances: 1 means the targets are met within one tolerance, on average)",
    )
    min_acceptance: float = Field(
        0.02,
        gt=0,
        le=1,
        description="stop when a generation accepts a smaller share of its candidates",
    )
    replications: int = Field(
        1, ge=1, le=1000, description="runs per candidate, the statistics averaged over them"
    )
    steps: int | None = Field(None, ge=1, le=100_000, description="months (default: scenario's)")
    seed: int = Field(1, ge=0, strict=True, description="root seed of the calibration")
    backend: BackendSpec = BackendSpec()

    @field_validator("parameters")
    @classmethod
    def _known_paths(cls, parameters: dict[str, Prior]) -> dict[str, Prior]:
        if not parameters:
            raise ValueError(
                "empty; name at least one, e.g. lifecycle.closure_rate: {low: 0.001, high: 0.03}"
            )
        for path in parameters:
            why = path_problem(path)
            if why is None and path.split(".")[0] in ("seed", "steps", "name", "description"):
                why = "not a model parameter (seed and steps are the calibration's own settings)"
            if why is None and is_model(field_type(path)):
                why = "is a section; name one of its parameters"
            if why is None and field_type(path) not in (int, float):
                why = "is not a number; only numeric parameters can be fitted"
            if why:
                raise ValueError(f"{path}: {why}")
        return parameters


def load_calibration(
    path: str | os.PathLike[str] | None,
    fits: Mapping[str, dict[str, Any]] = {},
    overrides: list[str] = (),
) -> Calibration:
    """The settings of a calibration file (None: the defaults) with the `--fit` parameters
    added and `path=value` overrides applied. Raises ScenarioError."""
    source = str(path) if path is not None else "calibrate"
    data = read_mapping(source, "calibration") if path is not None else {}
    if fits:
        params = data.get("parameters")
        data["parameters"] = {**(params if isinstance(params, dict) else {}), **fits}
    problems = apply_overrides(data, list(overrides), Calibration)
    if not problems:
        if "parameters" not in data:
            problems = [
                (
                    "parameters",
                    "name the parameters to fit: --fit PATH=LOW:HIGH or "
                    "`parameters:` in a calibration file",
                )
            ]
        else:
            calibration, problems = validate_data(data, Calibration)
    if problems:
        raise ScenarioError(lines(source, problems))
    return calibration


def check_against(calibration: Calibration, scenario: Scenario, source: str) -> None:
    """Both bounds of every prior must be valid values in the scenario, whole numbers for
    whole-number parameters. Raises ScenarioError."""
    problems = parameter_problems(calibration.parameters, {scenario.name: scenario})
    if problems:
        raise ScenarioError(lines(source, problems))


def value(path: str, x: float) -> float | int:
    """A sampled value as the scenario field takes it (rounded for whole-number fields)."""
    return round(x) if field_type(path) is int else float(x)
