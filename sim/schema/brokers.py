"""Brokers and intermediaries: accelerators, technology-transfer offices and a match-making
platform. Each is a role an existing kind plays (docs/ODD.md 7.18); all are off by default."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import MONTHS, NonNeg, Section, Share


class Brokers(Section):
    # --- accelerator: cohorts of screened startups (Cohen & Hochberg 2014) ---
    accelerator_cohort: int = Field(
        0, ge=0, le=100_000, description="startups admitted per cohort; 0: no accelerator"
    )
    accelerator_runner: Literal["regulator", "investor"] = Field(
        "regulator",
        description="who runs it: the regulators (public money) or the VC fund with the most "
        "capital (takes equity)",
    )
    accelerator_period: int = Field(6, ge=1, le=MONTHS, description="months between cohorts")
    accelerator_months: int = Field(3, ge=1, le=600, description="months a programme lasts")
    accelerator_max_age: int = Field(
        24, ge=0, le=MONTHS, description="oldest startup, in months since founding, that applies"
    )
    accelerator_noise: NonNeg = Field(
        0.1, le=100, description="sd of the noise on the screening score (knowledge quality)"
    )
    accelerator_stipend: NonNeg = Field(
        0.1, description="$M paid to each admitted startup at admission"
    )
    accelerator_cost: NonNeg = Field(
        0.05, description="$M per admitted startup of running the programme (leaves the system)"
    )
    accelerator_equity: Share = Field(
        0.07, description="stake an investor-run accelerator takes in each admitted startup"
    )
    accelerator_mentoring: Share = Field(
        0.05, description="share of the gap to full knowledge on the IH mentoring closes a month"
    )
    accelerator_introductions: int = Field(
        2, ge=0, le=50, description="ties to corporates proposed for each admitted startup"
    )
    accelerator_signal: NonNeg = Field(
        0.2, description="VC signal bonus of a startup that went through an accelerator"
    )
    # --- technology-transfer offices: a university role (Siegel, Waldman & Link 2003) ---
    tto_matches: int = Field(
        0, ge=0, le=1000, description="firms each university's TTO approaches a month; 0: none"
    )
    tto_price: NonNeg = Field(0.05, description="$M a firm pays the university for a licence")
    tto_transfer: Share = Field(
        0.1, description="share of the gap on the licensed fields a licensee absorbs"
    )
    # --- match-making platform (Howells 2006; Rochet & Tirole 2003) ---
    platform_use: Share = Field(
        0.0,
        description="monthly chance an actor below its partner limit searches through the "
        "platform; 0: no platform",
    )
    platform_runner: Literal["regulator", "corporate", "investor"] = Field(
        "regulator", description="who runs it: the regulators or the richest corporate or fund"
    )
    platform_candidates: int = Field(
        10, ge=1, le=200, description="candidates a platform user weighs"
    )
    platform_discount: NonNeg = Field(
        0.2, description="the attractiveness a platform match needs is the threshold minus this"
    )
    platform_fee: NonNeg = Field(0.01, description="$M the user pays the runner per tie formed")
    platform_cost: NonNeg = Field(
        0.1, description="$M a month the runner spends on the platform (leaves the system)"
    )
