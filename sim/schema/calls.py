"""Competitive calls of the public funder for research consortia (INFSO-SKIN)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ..vocabulary import RESEARCHERS
from ..vocabulary import KindName as Kind
from .base import MONTHS, NonNeg, RangeCheck, Share

RESEARCH_KINDS = {kind.label for kind in RESEARCHERS}


class Calls(RangeCheck):
    """Every `period` months from month `first` the regulators open a call with `budget` $M
    for consortia in a few fields; the best proposals within the budget are funded."""

    enabled: bool = Field(True, description="the public funder opens competitive calls")
    first: int = Field(12, ge=1, le=MONTHS, description="month of the first call")
    period: int = Field(12, ge=1, le=1200, description="months between calls")
    budget: NonNeg = Field(60.0, description="$M committed by each call over its projects' life")
    fields: list[Annotated[int, Field(ge=0)]] = Field(
        [], description="technology fields of every call; empty: drawn at random per call"
    )
    field_count: int = Field(
        2, ge=1, description="fields drawn at random per call when `fields` is empty"
    )
    size: tuple[Annotated[int, Field(ge=2)], Annotated[int, Field(ge=2, le=50)]] = Field(
        (3, 6), description="members of a consortium, lead included, uniform integer [low, high]"
    )
    requires: list[list[Kind]] = Field(
        [["university"], ["startup", "corporate"]],
        description="groups of kinds; a consortium has a member of every group",
    )
    propose_share: Share = Field(
        0.1, description="chance an eligible actor leads a proposal to a call"
    )
    candidates: int = Field(10, ge=1, le=100, description="partner candidates a lead weighs")
    partner_share: Share = Field(
        0.5, description="share of the candidates drawn from the lead's current partners"
    )
    known_bonus: NonNeg = Field(
        0.2, description="a lead's preference for a current partner, in knowledge units (0-1)"
    )
    grant: NonNeg = Field(0.1, description="$M per member per month of a funded project")
    duration: int = Field(36, ge=1, le=600, description="months a funded project runs")
    w_knowledge: NonNeg = Field(
        1.0, description="evaluation weight of the consortium's knowledge in the call's fields"
    )
    w_diversity: NonNeg = Field(
        0.3, description="evaluation weight of the variety of kinds in the consortium (0-1)"
    )
    w_track_record: NonNeg = Field(
        0.3, description="evaluation weight of the share of member pairs with a joint success"
    )
    noise: NonNeg = Field(
        0.1, le=100, description="sd of the evaluators' noise on a proposal's score"
    )

    @model_validator(mode="after")
    def _consortia_possible(self):
        for group in self.requires:
            if not group or set(group) - RESEARCH_KINDS:
                raise ValueError(
                    f"requires: group {group} must list kinds among {sorted(RESEARCH_KINDS)}"
                )
        if self.size[0] <= len(self.requires):
            raise ValueError(
                f"size: low {self.size[0]} must exceed the {len(self.requires)} required groups"
            )
        return self
