"""Targets files: the observed facts a calibration fits, each a statistic of a run with its
observed value, tolerance and weight; checked like scenarios, every problem one line.

A statistic is a per-run metric of the registry (flows summed over the run, levels at the last
month), a per-step metric at one month or over a window of months, or a statistic of the
agent-level records (startup survival at an age, the share of value in the top innovations).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import ScenarioError, lines, read_mapping, validate_data
from ..model.metrics import METRICS, PER_RUN, PER_STEP, SUMMED

# the statistics measured from a run's agent-level records, and the records they need
# (sim/model/records.py): survival at `age` months of the startups founded in the run
# (Kaplan-Meier), and the share of the run's innovation value held by its top `share`
RECORD_STATISTICS = {"survival": ("actors",), "top_value_share": ("innovations",)}
STATISTICS = (*PER_RUN, *RECORD_STATISTICS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Target(_Strict):
    """One observed fact: a statistic of a run, its observed value, tolerance and weight."""

    statistic: str = Field(
        description="a per-run metric of the registry, or survival or top_value_share"
    )
    month: int | None = Field(None, ge=1, description="per-step metrics: the value at this month")
    window: tuple[int, int] | None = Field(
        None, description="per-step metrics: [first, last] month, both included"
    )
    reduce: Literal["sum", "mean"] | None = Field(
        None, description="over a window: sum or mean (default: sum for flows, mean for levels)"
    )
    age: int | None = Field(None, ge=1, description="survival: age in months")
    share: float | None = Field(None, gt=0, lt=1, description="top_value_share: the top share")
    observed: float = Field(description="the observed value, in the statistic's unit")
    tolerance: float = Field(
        gt=0,
        description="how far a simulated value may lie from the observed one: the observation's "
        "standard error, or the deviation accepted, in the statistic's unit",
    )
    weight: float = Field(1.0, ge=0, description="relative weight in the distance")
    source: str = Field("", description="where the observed value comes from")

    @field_validator("statistic")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in STATISTICS:
            close = difflib.get_close_matches(name, STATISTICS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"unknown statistic {name!r}{hint}; allowed: a metric of the registry "
                f"(docs/calibration.md lists them) or {', '.join(RECORD_STATISTICS)}"
            )
        return name

    @model_validator(mode="after")
    def _arguments_fit(self):
        name = self.statistic
        timed = self.month is not None or self.window is not None
        if timed and name not in PER_STEP:
            raise ValueError(f"month and window are for per-step metrics; {name} is one per run")
        if self.month is not None and self.window is not None:
            raise ValueError("give month or window, not both")
        if self.window is not None and not 1 <= self.window[0] <= self.window[1]:
            raise ValueError(
                f"window: got {list(self.window)}; must be [first, last], 1 <= first <= last"
            )
        if self.reduce is not None and self.window is None:
            raise ValueError("reduce: only with a window")
        if (self.age is None) != (name != "survival"):
            raise ValueError(
                "survival needs age (months)" if name == "survival" else "age: only for survival"
            )
        if self.share is not None and name != "top_value_share":
            raise ValueError("share: only for top_value_share")
        return self

    @property
    def last_month(self) -> int:
        """The last month a run must reach for this statistic to be measured."""
        if self.window is not None:
            return self.window[1]
        return self.month or (self.age + 1 if self.age else 1)

    @property
    def records(self) -> tuple[str, ...]:
        return RECORD_STATISTICS.get(self.statistic, ())

    def describe(self) -> str:
        """The statistic in words, for tables and chart titles."""
        if self.statistic == "survival":
            return f"startup survival at {self.age} months"
        if self.statistic == "top_value_share":
            return f"share of value in the top {self.share or 0.1:.0%} of innovations"
        label = METRICS[self.statistic].label
        if self.month is not None:
            return f"{label} at month {self.month}"
        if self.window is not None:
            return f"{label}, {self._reduce()} over months {self.window[0]} to {self.window[1]}"
        return label

    @property
    def unit(self) -> str:
        return METRICS[self.statistic].unit if self.statistic in METRICS else "share"

    def _reduce(self) -> str:
        return self.reduce or ("sum" if self.statistic in SUMMED else "mean")


class Targets(_Strict):
    """A targets file: what a calibration fits."""

    name: str = Field(min_length=1, description="short name, shown in reports")
    description: str = Field("", description="one or two sentences for reports")
    targets: dict[str, Target] = Field(
        min_length=1, description="each target by a short name (letters, digits, _)"
    )

    @field_validator("targets")
    @classmethod
    def _names(cls, targets: dict[str, Target]) -> dict[str, Target]:
        for name in targets:
            if not name.replace("_", "a").isalnum() or not name[0].isalpha():
                raise ValueError(f"{name!r}: a target's name is letters, digits and _")
        if not any(t.weight > 0 for t in targets.values()):
            raise ValueError("every weight is 0; at least one target must count")
        return targets

    @property
    def records(self) -> list[str]:
        """The agent-level records the targets are measured from."""
        return sorted({r for t in self.targets.values() for r in t.records})

    @property
    def last_month(self) -> int:
        return max(t.last_month for t in self.targets.values())


def load_targets(path: str | os.PathLike[str]) -> Targets:
    """Read and check a targets file. Raises ScenarioError (one line per problem)."""
    source = str(path)
    data = read_mapping(source, "targets")
    targets, problems = validate_data(data, Targets)
    if problems:
        raise ScenarioError(lines(source, problems))
    return targets


def steps_problem(targets: Targets, steps: int) -> str | None:
    """Why runs of `steps` months cannot measure every target; None when they can."""
    short = [
        f"{name} needs {t.last_month}"
        for name, t in targets.targets.items()
        if t.last_month > steps
    ]
    if short:
        return f"runs of {steps} months are too short: {', '.join(short)} months (set --steps)"
    return None


def measure(
    targets: Targets,
    series: Mapping[str, np.ndarray],
    values: Mapping[str, float],
    frames: Mapping[str, Any],
    steps: int,
) -> dict[str, float]:
    """Each target's statistic in one finished run: `series` per step, `values` per run
    (metrics.run_values), `frames` the run's records."""
    from ..analysis import stylized  # function-level: pandas, for the record statistics

    out = {}
    for name, t in targets.targets.items():
        if t.statistic == "survival":
            out[name] = stylized.survival(frames["actors"], steps, [t.age])[t.age]
        elif t.statistic == "top_value_share":
            innovations = frames["innovations"]
            value = innovations["value"].to_numpy() if len(innovations) else np.array([])
            out[name] = stylized.top_share(value, t.share or 0.1)
        elif t.month is not None:
            out[name] = float(series[t.statistic][t.month - 1])
        elif t.window is not None:
            part = np.asarray(series[t.statistic][t.window[0] - 1 : t.window[1]], dtype=float)
            out[name] = float(part.sum() if t._reduce() == "sum" else part.mean())
        else:
            out[name] = float(values[t.statistic])
    return out
