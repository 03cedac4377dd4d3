"""The scenario schema: every parameter the model reads, its default, unit and allowed range.

Money is in $M, time in steps (one step = one month). This file is the reference for
scenario authors; docs/ODD.md explains what each parameter does in the model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

KINDS = ("startup", "corporate", "university", "investor", "regulator")
Kind = Literal["startup", "corporate", "university", "investor", "regulator"]
RecordKind = Literal["actors", "innovations", "deals", "ties"]  # agent-level records (records.py)

NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]


class Section(BaseModel):
    """Base for every section: unknown keys and wrong types are errors, assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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


# --- population -------------------------------------------------------------------------


class StartupPopulation(RangeCheck):
    count: int = Field(600, ge=0, le=1_000_000, description="initial number of startups")
    seed_capital: RangePos = Field((0.5, 2.0), description="founding capital, $M, uniform")
    burn: RangePos = Field((0.05, 0.3), description="monthly burn rate, $M, uniform")
    strong_fields: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] = Field(
        (1, 3), description="number of strong knowledge fields, uniform integer [low, high]"
    )
    strong_level: RangeShare = Field((0.5, 0.9), description="knowledge in strong fields")
    weak_level: RangeShare = Field((0.0, 0.05), description="knowledge in the other fields")
    initial_runway: RangeNonNeg = Field(
        (3.0, 24.0),
        description="months of runway of the initial startups (founded before the run), uniform",
    )
    rd_share: Share = Field(0.5, description="share of the burn spent on R&D")
    max_partners: int = Field(5, ge=0, le=100, description="partner limit")


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
    max_partners: int = Field(5, ge=0, le=100, description="partner limit")


class UniversityPopulation(RangeCheck):
    count: int = Field(30, ge=0, le=100_000, description="initial number of universities")
    capital: RangePos = Field((10.0, 100.0), description="initial endowment, $M, log-uniform")
    grant: RangeNonNeg = Field((1.0, 5.0), description="public grant per month, $M, uniform")
    knowledge: RangeShare = Field((0.3, 0.8), description="knowledge in every field, uniform")
    research_share: Share = Field(0.8, description="share of grant income spent on research")
    spinoff_prob: Share = Field(0.03, description="chance an innovation spins off a startup")
    spinoff_equity: Share = Field(0.1, description="university's equity stake in a spin-off")
    max_partners: int = Field(5, ge=0, le=100, description="partner limit")


class InvestorPopulation(RangeCheck):
    count: int = Field(40, ge=0, le=100_000, description="initial number of VC funds")
    fund_size: RangePos = Field((50.0, 500.0), description="fund size, $M, log-uniform")
    fund_life: int = Field(120, ge=1, description="months during which a fund makes new deals")
    portfolio_limit: int = Field(30, ge=1, description="most companies a fund backs")
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


# --- knowledge and research -----------------------------------------------------------


class Knowledge(RangeCheck):
    ih_size: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] = Field(
        (2, 5), description="fields in an innovation hypothesis, uniform integer [low, high]"
    )
    research_cost: float = Field(
        2.0, gt=0, description="$M of R&D for which an innovation is 63% likely in a month"
    )
    radical_prob: dict[Kind, Share] = Field(
        {"startup": 0.25, "corporate": 0.08, "university": 0.3},
        description="chance that a research step is radical, per kind",
    )
    trouble_radical_factor: float = Field(
        2.0, ge=1, description="radical chance multiplier for actors short of money (SKIN)"
    )
    value_memory: Share = Field(
        0.9, description="monthly retention of recent innovation value (investors' traction)"
    )
    incremental_gain: Share = Field(0.05, description="knowledge gain on the IH per research step")
    learning_rate: Share = Field(0.01, description="learning by doing on IH fields per step")
    forgetting_rate: Share = Field(0.004, description="decay per step of fields outside the IH")
    loss_threshold: Share = Field(0.02, description="a field below this is lost (set to 0)")
    exchange_rate: Share = Field(0.05, description="beta: share of the gap absorbed per step")
    field_spread: Share = Field(
        0.6, description="fields' initial maturity is uniform in [1 - spread, 1]; scales incumbents"
    )
    off_focus_absorption: Share = Field(
        0.3, description="absorption outside the IH, relative to inside (domain-specific)"
    )
    absorptive_half: float = Field(
        0.2, gt=0, description="mean knowledge at which absorptive capacity is one half"
    )
    value_scale: float = Field(0.6, gt=0, description="$M/month of product value per quality")
    value_sigma: float = Field(1.0, ge=0, description="lognormal sigma of incremental values")
    radical_value_sigma: float = Field(1.6, ge=0, description="lognormal sigma, radical")
    pool_absorption: Share = Field(0.01, description="share of the gap to the public pool absorbed")
    pool_decay: Share = Field(0.01, description="monthly obsolescence of the public pool")
    publication_weight: Share = Field(
        0.2, description="share of the gap a publication closes in the public pool"
    )


# --- partnering and trust ---------------------------------------------------------------


def _default_matrix() -> dict[str, list[str]]:
    firms = ["startup", "corporate", "university"]
    return {
        "startup": firms,
        "corporate": firms,
        "university": firms,
        "investor": [],
        "regulator": [],
    }


class Partnering(Section):
    candidates: int = Field(3, ge=1, le=50, description="candidates considered per step")
    fof_share: Share = Field(0.5, description="share of candidates drawn from partners' partners")
    w_distance: NonNeg = Field(1.0, description="weight of 4d(1-d), d = cognitive distance")
    w_trust: NonNeg = Field(0.5, description="weight of (expected) trust")
    w_complementarity: NonNeg = Field(1.0, description="weight of complementarity on the IH")
    threshold: NonNeg = Field(0.9, description="attractiveness above which a tie forms")
    innovation_seeking: dict[Kind, Share] = Field(
        {"startup": 0.5, "corporate": 0.4, "university": 0.8},
        description="share of each kind networking for innovation (the rest: for resources)",
    )
    w_diversity: NonNeg = Field(
        0.5, description="innovation seekers: bonus for a partner of another kind"
    )
    w_resources: NonNeg = Field(
        0.8, description="resource seekers: weight of a partner's capital and revenue (0-1)"
    )
    innovation_patience: float = Field(
        2.0, gt=0, description="innovation seekers keep ties this many tie_lifetimes"
    )
    resource_patience: float = Field(
        0.5, gt=0, description="resource seekers keep ties this many tie_lifetimes"
    )
    matrix: dict[Kind, list[Kind]] = Field(
        default_factory=_default_matrix, description="which kinds each kind may partner with"
    )
    collaboration_cost: NonNeg = Field(0.002, description="$M per tie per partner per month")
    tie_lifetime: int = Field(
        24, ge=1, description="months without joint success before a tie ends"
    )

    @model_validator(mode="after")
    def _matrix_symmetric(self):
        for kind, others in self.matrix.items():
            if kind == "regulator" and others:
                raise ValueError("matrix.regulator: a regulator never partners")
            for other in others:
                if kind not in self.matrix.get(other, []):
                    raise ValueError(
                        f"matrix must be symmetric: {kind} lists {other} but {other} "
                        f"does not list {kind}"
                    )
        return self


TRUST_PRESETS: dict[str, dict[str, float]] = {
    "high": {"initial": 0.6, "opportunism": 0.05, "enforcement": 0.7},
    "medium": {"initial": 0.5, "opportunism": 0.1, "enforcement": 0.5},
    "low": {"initial": 0.3, "opportunism": 0.3, "enforcement": 0.2},
}


class Trust(Section):
    preset: Literal["high", "medium", "low", "custom"] = Field(
        "medium", description="fills initial, opportunism, enforcement unless set explicitly"
    )
    initial: Share = Field(0.5, description="trust in a new partner")
    structural_weight: Share = Field(0.3, description="weight of common partners' trust")
    opportunism: Share = Field(0.1, description="chance a partner defects after an exchange")
    enforcement: Share = Field(0.5, description="share of defections prevented by institutions")
    trust_gain: Share = Field(0.1, description="trust rises by gain * (1 - trust) after fair play")
    trust_loss: Share = Field(0.3, description="trust falls by this after a defection")
    reputation_sharing: bool = Field(True, description="victims' partners learn of defections")
    reputation_weight: Share = Field(0.5, description="share of trust_loss felt by those partners")
    floor: Share = Field(0.1, description="a tie whose trust falls below this dissolves")

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        return _fill_preset(data, TRUST_PRESETS)


IP_PRESETS: dict[str, dict[str, float]] = {
    "open": {"ip_strength": 0.0, "patent_propensity": 0.0, "university_ip_share": 0.0},
    "weak": {"ip_strength": 0.3, "patent_propensity": 0.3, "university_ip_share": 0.2},
    "strong": {"ip_strength": 0.85, "patent_propensity": 0.7, "university_ip_share": 0.5},
}


class IP(Section):
    regime: Literal["open", "weak", "strong", "custom"] = Field(
        "weak", description="fills ip_strength, patent_propensity, university_ip_share"
    )
    ip_strength: Share = Field(0.3, description="share of a patented field's flow that is blocked")
    patent_term: int = Field(240, ge=1, description="months a patent lasts")
    patent_cost: NonNeg = Field(0.05, description="$M fee per patent, paid to the regulator")
    licensing_fee: NonNeg = Field(0.02, description="$M per month per licensed partner tie")
    patent_propensity: Share = Field(0.3, description="chance a firm patents an innovation")
    university_ip_share: Share = Field(0.2, description="chance a university patents a result")
    imitation_rate: Share = Field(
        0.03, description="monthly chance a product is imitated, times (1 - ip_strength)"
    )
    spillover_rate: Share = Field(
        0.1, description="share of unpublished results that leak to the pool, times (1 - ip)"
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        return _fill_preset(data, IP_PRESETS, key="regime")


def _fill_preset(data: Any, presets: dict[str, dict[str, float]], key: str = "preset") -> Any:
    """Fill a section's preset values under the keys the scenario did not set itself."""
    if isinstance(data, dict) and isinstance(data.get(key), str) and data[key] in presets:
        return {**presets[data[key]], **data}
    return data


# --- governance, finance, market, entry -----------------------------------------------


class Governance(RangeCheck):
    public_allocation: NonNeg = Field(100.0, description="$M/month of public money to regulators")
    tax_rate: Share = Field(0.2, description="tax on corporate profit")
    grants: bool = Field(True, description="universities receive public grants")
    rd_subsidy_rate: Share = Field(0.15, description="subsidy as a share of firms' R&D spend")
    approval_delay: int = Field(6, ge=0, le=600, description="months from innovation to product")
    regulated_fields: list[Annotated[int, Field(ge=0)]] = Field(
        [0, 1], description="technology fields with a longer approval delay"
    )
    regulated_delay: int = Field(18, ge=0, le=600, description="approval delay there, months")
    sandbox: bool = Field(False, description="startups get a shorter approval delay")
    sandbox_factor: Share = Field(0.5, description="share of the delay a sandboxed startup waits")
    antitrust_threshold: Share = Field(
        0.3, description="an acquirer above this share of a field's products is blocked"
    )
    open_science: Share = Field(0.7, description="share of university results published")
    adaptive: bool = Field(
        False, description="the R&D subsidy rate reacts to innovation output each review"
    )
    review_period: int = Field(12, ge=1, description="months between adaptive reviews")
    adapt_step: Share = Field(0.02, description="change of the subsidy rate at a review")
    max_subsidy_rate: Share = Field(0.4, description="the adaptive rule never goes above this")
    budget_reserve: NonNeg = Field(
        6.0, description="months of public spending the budget must cover to raise the rate"
    )


class Finance(RangeCheck):
    runway_threshold: NonNeg = Field(6.0, description="months of runway below which to seek money")
    screen_size: int = Field(15, ge=1, le=1000, description="seekers an investor screens a month")
    hurdle: float = Field(0.9, description="signal a seeker must pass to be funded")
    signal_noise: NonNeg = Field(0.3, description="sd of the noise on an investor's signal")
    referral_weight: NonNeg = Field(0.5, description="signal bonus for ties to backed startups")
    ticket_seed: RangePos = Field((1.0, 3.0), description="seed ticket, $M")
    ticket_a: RangePos = Field((5.0, 15.0), description="series A ticket, $M")
    ticket_later: RangePos = Field((15.0, 40.0), description="later-round ticket, $M")
    premoney_seed: RangePos = Field((3.0, 8.0), description="seed pre-money valuation, $M")
    premoney_a: RangePos = Field((15.0, 40.0), description="series A pre-money, $M")
    premoney_later: RangePos = Field((50.0, 150.0), description="later-round pre-money, $M")
    revenue_multiple: NonNeg = Field(
        8.0, description="valuation per $ of annual revenue (launched and pending products)"
    )
    acquisition_rate: Share = Field(
        0.01, description="monthly chance a startup with products is bid for"
    )
    bidders: int = Field(5, ge=1, le=100, description="corporates that look at a target")
    cash_cover: NonNeg = Field(2.0, description="a buyer must hold this many times the price")
    acquisition_premium: NonNeg = Field(0.3, description="price above valuation in a takeover")
    ipo_threshold: NonNeg = Field(200.0, description="valuation, $M, above which a startup IPOs")
    ipo_raise_share: Share = Field(0.2, description="share of the valuation raised at IPO")


class Market(Section):
    demand: float | list[NonNeg] = Field(
        1.0, description="demand per field (one number for all fields, or a list of F)"
    )
    product_life: int = Field(60, ge=1, description="months a product earns revenue")
    crowding: NonNeg = Field(
        0.02, description="revenue = value * demand / (1 + crowding * other products in field)"
    )
    imitation_value: Share = Field(0.5, description="an imitation's value relative to the original")
    imitation_skill: Share = Field(0.3, description="knowledge a firm needs in a field to imitate")


class Entry(RangeCheck):
    rate: NonNeg = Field(8.0, description="mean exogenous startup entries per month (Poisson)")
    copy_share: Share = Field(
        0.2, description="share of entrants that copy a successful startup's knowledge (SKIN)"
    )
    copy_top_share: Share = Field(
        0.1, description="the most successful share of startups (recent value) that is copied"
    )
    copy_fidelity: RangeShare = Field(
        (0.8, 1.0), description="a copy's knowledge as a share of its model's, uniform per field"
    )


RESEARCH_KINDS: list[Kind] = ["startup", "corporate", "university"]


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
    attribution: int = Field(
        12, ge=0, description="months after the jam in which participants' innovations count"
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
    attribution: int = Field(
        12, ge=0, description="months after the deadline in which submitters' innovations count"
    )


class Event(Section):
    """A timed what-if: parameter changes, an innovation jam and/or an open challenge."""

    at: int = Field(ge=1, description="step at whose start the event happens")
    set: dict[str, Any] = Field({}, description="dotted parameter paths and their new values")
    jam: Jam | None = Field(None, description="hold an innovation jam starting at this step")
    challenge: Challenge | None = Field(None, description="post an open challenge at this step")

    @model_validator(mode="after")
    def _does_something(self):
        if not (self.set or self.jam or self.challenge):
            raise ValueError("an event needs at least one of: set, jam, challenge")
        return self


class Scenario(Section):
    """A complete scenario: what a YAML file under scenarios/ describes."""

    name: str = Field("scenario", min_length=1, description="short name used in outputs")
    description: str = Field("", description="one or two sentences for reports")
    seed: int = Field(42, ge=0, strict=True, description="root seed for numpy's SeedSequence")
    steps: int = Field(120, ge=0, le=100_000, description="months to simulate")
    fields: int = Field(16, ge=2, le=1024, description="technology fields F")
    population: Population = Population()
    knowledge: Knowledge = Knowledge()
    partnering: Partnering = Partnering()
    trust: Trust = Trust()
    ip: IP = IP()
    governance: Governance = Governance()
    finance: Finance = Finance()
    market: Market = Market()
    entry: Entry = Entry()
    events: list[Event] = Field([], description="timed what-if changes")
    record: list[RecordKind] = Field(
        [], description="agent-level records to keep (sim/records.py); none by default"
    )

    @model_validator(mode="after")
    def _fit_fields(self):
        demand = self.market.demand
        if isinstance(demand, list) and len(demand) != self.fields:
            raise ValueError(
                f"market.demand: got {len(demand)} values; needs {self.fields} (one per field)"
            )
        if isinstance(demand, float) and demand < 0:
            raise ValueError("market.demand: must be >= 0")
        bad = [f for f in self.governance.regulated_fields if f >= self.fields]
        if bad:
            raise ValueError(
                f"governance.regulated_fields: got {bad}; fields run from 0 to {self.fields - 1}"
            )
        for i, event in enumerate(self.events):
            if event.challenge and event.challenge.fields > self.fields:
                raise ValueError(
                    f"events[{i}].challenge.fields: got {event.challenge.fields}; "
                    f"must be <= fields={self.fields}"
                )
        if self.knowledge.ih_size[1] > self.fields:
            raise ValueError(
                f"knowledge.ih_size: got high {self.knowledge.ih_size[1]}; "
                f"must be <= fields={self.fields}"
            )
        return self

    def demand_vector(self) -> list[float]:
        """Demand per field as a list of length F."""
        demand = self.market.demand
        return list(demand) if isinstance(demand, list) else [float(demand)] * self.fields
