"""Users and customers as an idea source: firm-run idea communities (von Hippel 2005)."""

from __future__ import annotations

from pydantic import Field

from .base import NonNeg, Section, Share


class Users(Section):
    """The `communities` richest corporates run an idea community: users in their fields
    engage, post ideas, and become adopters; the hosts test the ideas and scale some."""

    communities: int = Field(
        0,
        ge=0,
        le=100_000,
        description="corporates running an idea community: the ones with most capital (0: none)",
    )
    cost: NonNeg = Field(0.3, description="$M a month a host pays to run its community")
    reach: Share = Field(
        0.5, description="share of a field's users one community engages once it has matured"
    )
    engagement_rate: Share = Field(
        0.05, description="share of the gap to the engagement a field's communities reach, a month"
    )
    idea_rate: NonNeg = Field(
        30.0,
        description="ideas a month that a field's users post when all are engaged, at mean demand",
    )
    uptake: Share = Field(
        0.5, description="share of a field's waiting ideas its communities screen a month"
    )
    idea_decay: Share = Field(0.05, description="share of the waiting ideas that go stale a month")
    success: Share = Field(
        0.05, description="chance that a screened idea, tested by its host, becomes an innovation"
    )
    idea_value: NonNeg = Field(
        1.0, description="value of an innovation from a user's idea relative to own research's"
    )
    demand_response: NonNeg = Field(
        0.5, description="rise of a field's demand per unit of engagement (engaged users adopt)"
    )
