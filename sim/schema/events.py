"""Timed what-ifs: parameter changes, innovation jams and open challenges, and the kind of
problem a jam or a challenge works on."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..vocabulary import RESEARCHERS
from ..vocabulary import KindName as Kind
from .base import MONTHS, NonNeg, Section, Share

RESEARCH_KINDS: list[Kind] = [kind.label for kind in RESEARCHERS]


class Problem(Section):
    """The kind of problem a jam or a challenge works on: how far it splits into independent
    parts, how far its fields lie from the insiders' knowledge, how uncertain an attempt is."""

    decomposability: Share = Field(
        1.0,
        description="how far the problem splits into independent parts: 1 a modular problem "
        "whose parts add up and can come from different solvers, 0 a wicked one whose parts "
        "must be solved together (its value is its weakest part)",
    )
    distance: Share | None = Field(
        None,
        description="how far the problem's fields lie from the insiders' knowledge (a jam's "
        "participants, a challenge's sponsor): 0 the fields they know best, 1 those they know "
        "least; none: fields drawn uniformly at random",
    )
    uncertainty: Share = Field(
        0.0,
        description="how uncertain an attempt is: a solving unit's result on a part is its "
        "coverage times (1 - uncertainty * U(0, 1)); 0: the coverage itself",
    )


class Jam(Section):
    """An innovation jam: a curated, time-boxed event of many-to-many knowledge exchange."""

    participants: int = Field(40, ge=2, le=100_000, description="actors invited, split over kinds")
    kinds: list[Kind] = Field(
        default_factory=lambda: list(RESEARCH_KINDS), min_length=1, description="kinds invited"
    )
    duration: int = Field(3, ge=1, le=120, description="months the jam lasts")
    exchange_rate: Share = Field(0.1, description="share of the gap to the others absorbed a month")
    tie_threshold: NonNeg = Field(
        0.6, description="attractiveness above which two participants form a lasting tie"
    )
    cost: NonNeg = Field(0.5, description="$M the regulator pays to hold the jam (public spend)")
    fields: int = Field(3, ge=1, description="number of technology fields in the jam's problem")
    level: Share = Field(0.8, description="target knowledge level in those fields")
    problem: Problem = Field(Problem(), description="the kind of problem the jam works on")
    attribution: int = Field(
        12,
        ge=0,
        le=MONTHS,
        description="months after the jam in which participants' innovations count",
    )


class Challenge(Section):
    """An open challenge: a prize for the actor closest to a target knowledge profile."""

    sponsor: Literal["regulator", "corporate"] = Field(
        "regulator", description="who posts the problem and pays the prize"
    )
    prize: NonNeg = Field(5.0, description="$M paid to the winner")
    fields: int = Field(3, ge=1, description="number of technology fields in the problem")
    level: Share = Field(0.8, description="target knowledge level in those fields")
    duration: int = Field(6, ge=1, le=120, description="months until the best solution wins")
    reach: Share = Field(0.3, description="share of able actors that submit a solution")
    problem: Problem = Field(Problem(), description="the kind of problem posted")
    attribution: int = Field(
        12,
        ge=0,
        le=MONTHS,
        description="months after the deadline in which submitters' innovations count",
    )


class Event(Section):
    """A timed what-if: parameter changes, an innovation jam and/or an open challenge."""

    at: int = Field(ge=1, le=MONTHS, description="step at whose start the event happens")
    set: dict[str, Any] = Field({}, description="dotted parameter paths and their new values")
    jam: Jam | None = Field(None, description="hold an innovation jam starting at this step")
    challenge: Challenge | None = Field(None, description="post an open challenge at this step")

    @model_validator(mode="after")
    def _does_something(self):
        if not (self.set or self.jam or self.challenge):
            raise ValueError("an event needs at least one of: set, jam, challenge")
        return self
