"""What every section shares: strict validation, ordered ranges and the number types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

NonNeg = Annotated[float, Field(ge=0)]
MONTHS = 1_000_000  # most months a duration or a step may name: int32 arrays hold them
Share = Annotated[float, Field(ge=0, le=1)]


class Section(BaseModel):
    """Base for every section: unknown keys, wrong types and non-finite numbers are errors,
    assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


def _ordered(pair: tuple[float, float]) -> tuple[float, float]:
    if pair[0] > pair[1]:
        raise ValueError(f"range must be [low, high] with low <= high, got {list(pair)}")
    return pair


RangeNonNeg = Annotated[tuple[NonNeg, NonNeg], Field(description="[low, high]")]
RangePos = Annotated[
    tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]],
    Field(description="[low, high], both > 0"),
]
RangeShare = Annotated[tuple[Share, Share], Field(description="[low, high] within [0, 1]")]


class RangeCheck(Section):
    """Checks that every [low, high] field of a section is ordered."""

    @model_validator(mode="after")
    def _ranges_ordered(self):
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) == 2:
                try:
                    _ordered(value)
                except ValueError as err:
                    raise ValueError(f"{name}: {err}") from None
        return self
