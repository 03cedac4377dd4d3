"""Joint R&D projects between partners (SKIN's partner research)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import RangeCheck, Share


class Projects(RangeCheck):
    start_rate: Share = Field(
        0.05, description="monthly chance that a tie of two researchers starts a joint project"
    )
    duration: int = Field(24, ge=1, le=600, description="months a joint project lasts")
    budget_share: Share = Field(
        0.5, description="share of an actor's R&D budget put into its joint projects (split evenly)"
    )
    guarded_share: Share = Field(
        0.5, description="share of its knowledge a partner brings to a project at zero trust"
    )
    split: Literal["contribution", "equal"] = Field(
        "contribution",
        description="how partners share a project: by what each puts in, or equally (cost, "
        "revenue and patents)",
    )
    learning: Share = Field(
        0.02,
        description="share of the gap to the project's pooled knowledge a partner closes a month",
    )
