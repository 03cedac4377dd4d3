"""The actors: the five kinds' initial populations and the entry of new startups."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import MONTHS, NonNeg, RangeCheck, RangeNonNeg, RangePos, RangeShare, Section, Share


class StartupPopulation(RangeCheck):
    count: int = Field(600, ge=0, le=1_000_000, description="initial number of startups")
    seed_capital: RangePos = Field((2.0, 6.0), description="founding capital, $M, uniform")
    burn: RangePos = Field((0.05, 0.3), description="monthly burn rate, $M, uniform")
    strong_fields: tuple[
        Annotated[int, Field(ge=1, le=1024)], Annotated[int, Field(ge=1, le=1024)]
    ] = Field((1, 3), description="number of strong knowledge fields, uniform integer [low, high]")
    strong_level: RangeShare = Field((0.5, 0.9), description="knowledge in strong fields")
    weak_level: RangeShare = Field((0.0, 0.05), description="knowledge in the other fields")
    initial_runway: RangeNonNeg = Field(
        (12.0, 48.0),
        description="months of runway of the initial startups (founded before the run), uniform",
    )
    rd_share: Share = Field(0.5, description="share of the burn spent on R&D")
    max_partners: int = Field(
        5, ge=0, le=100, description="partner limit: a startup holds few ties"
    )


class CorporatePopulation(RangeCheck):
    count: int = Field(150, ge=0, le=1_000_000, description="initial number of corporates")
    capital: RangePos = Field((100.0, 5000.0), description="initial capital, $M, log-uniform")
    revenue: RangePos = Field((1.0, 50.0), description="baseline revenue, $M/month, log-uniform")
    rd_intensity: RangeShare = Field((0.03, 0.08), description="R&D spend as share of revenue")
    knowledge: RangeShare = Field((0.1, 0.4), description="knowledge in ordinary fields")
    core_knowledge: RangeShare = Field((0.4, 0.7), description="knowledge in core fields")
    core_share: Share = Field(0.25, description="chance that a field is a core field")
    operating_margin: float = Field(
        0.12, ge=-1, le=1, description="baseline revenue minus operating costs, as a share"
    )
    exit_on_negative: bool = Field(True, description="a corporate with capital < 0 exits")
    max_partners: int = Field(
        80, ge=0, le=100, description="partner limit: a corporate can hold many ties"
    )


class UniversityPopulation(RangeCheck):
    count: int = Field(30, ge=0, le=100_000, description="initial number of universities")
    capital: RangePos = Field((10.0, 100.0), description="initial endowment, $M, log-uniform")
    grant: RangeNonNeg = Field((1.0, 5.0), description="public grant per month, $M, uniform")
    knowledge: RangeShare = Field(
        (0.5, 0.9), description="knowledge in every field, relative to the state of the art"
    )
    research_share: Share = Field(0.8, description="share of grant income spent on research")
    spinoff_prob: Share = Field(0.03, description="chance an innovation spins off a startup")
    spinoff_equity: Share = Field(0.1, description="university's equity stake in a spin-off")
    max_partners: int = Field(
        80, ge=0, le=100, description="partner limit: a university can hold many ties"
    )


class InvestorPopulation(RangeCheck):
    count: int = Field(40, ge=0, le=100_000, description="initial number of VC funds")
    fund_size: RangePos = Field((50.0, 500.0), description="fund size, $M, log-uniform")
    fund_life: int = Field(
        120, ge=1, le=MONTHS, description="months during which a fund makes new deals"
    )
    portfolio_limit: int = Field(30, ge=1, le=MONTHS, description="most companies a fund backs")
    deals_per_step: int = Field(2, ge=1, le=100, description="most new deals a fund makes a month")
    max_partners: int = Field(0, ge=0, le=100, description="partner limit")


class RegulatorPopulation(RangeCheck):
    count: int = Field(1, ge=0, le=100, description="number of regulators")
    budget: NonNeg = Field(200.0, description="initial public budget, $M, split among them")
    max_partners: int = Field(0, ge=0, le=0, description="a regulator never partners")


class Population(Section):
    startup: StartupPopulation = StartupPopulation()
    corporate: CorporatePopulation = CorporatePopulation()
    university: UniversityPopulation = UniversityPopulation()
    investor: InvestorPopulation = InvestorPopulation()
    regulator: RegulatorPopulation = RegulatorPopulation()


class Entry(RangeCheck):
    rate: NonNeg = Field(
        8.0, le=100_000, description="mean exogenous startup entries per month (Poisson)"
    )
    copy_share: Share = Field(
        0.2, description="share of entrants that copy a successful startup's knowledge (SKIN)"
    )
    copy_top_share: Share = Field(
        0.1, description="the most successful share of startups (recent value) that is copied"
    )
    copy_fidelity: RangeShare = Field(
        (0.8, 1.0), description="a copy's knowledge as a share of its model's, uniform per field"
    )
