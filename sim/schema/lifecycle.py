"""The life cycle of firms: startups' closure hazard and the erosion of incumbents' business."""

from __future__ import annotations

from pydantic import Field

from .base import NonNeg, RangeCheck, Share


class Lifecycle(RangeCheck):
    closure_rate: Share = Field(
        0.006,
        description="monthly chance that a startup without product revenue closes (its founders "
        "give up), at ages past `newness_months`",
    )
    newness_factor: NonNeg = Field(
        2.5, description="closure chance multiplier in a startup's first `newness_months` months"
    )
    newness_months: int = Field(
        12, ge=0, le=600, description="months of age during which `newness_factor` applies"
    )
    traction_factor: NonNeg = Field(
        0.8,
        description="closure chance multiplier for a startup whose product revenue covers its "
        "burn (in between: in proportion to the share covered)",
    )
    revenue_erosion: Share = Field(
        0.003, description="monthly share of a corporate's baseline revenue lost to obsolescence"
    )
    displacement: NonNeg = Field(
        0.0015,
        description="further monthly share lost per $M/month of product value that others "
        "launched that month, averaged over the corporate's IH fields",
    )
    cost_adjustment: Share = Field(
        0.012,
        description="monthly share of the gap between a corporate's cost base and its revenue "
        "that its operating costs close (sticky costs)",
    )
