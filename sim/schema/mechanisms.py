"""The mechanisms of a step: research, partnering, trust, IP, governance, finance, market."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ..vocabulary import RESEARCHERS
from ..vocabulary import KindName as Kind
from .base import MONTHS, NonNeg, RangeCheck, RangePos, Section, Share

# --- knowledge and research -----------------------------------------------------------


class Knowledge(RangeCheck):
    ih_size: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] = Field(
        (2, 5), description="fields in an innovation hypothesis, uniform integer [low, high]"
    )
    research_cost: float = Field(
        2.0, gt=0, description="$M of R&D a month at which a project's effort term is 63%"
    )
    knowledge_elasticity: NonNeg = Field(
        1.0,
        description="innovation chance = effort * quality ** this (quality: mean knowledge on "
        "the IH relative to the state of the art); 0 makes knowledge irrelevant",
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
    incremental_gain: Share = Field(
        0.05, description="share of the gap to the state of the art an incremental step closes"
    )
    learning_rate: Share = Field(
        0.01, description="learning by doing on IH fields: share of the gap closed a month"
    )
    learning_half: float = Field(
        0.1, gt=0, description="$M/month of R&D at which learning and absorption run at half speed"
    )
    unfunded_absorption: Share = Field(
        0.2, description="absorptive capacity of an actor spending nothing on R&D, as a share"
    )
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
    value_sigma: float = Field(
        1.2, ge=0, le=10, description="lognormal sigma of incremental values"
    )
    radical_value_sigma: float = Field(1.6, ge=0, le=10, description="lognormal sigma, radical")
    pool_absorption: Share = Field(0.01, description="share of the gap to the public pool absorbed")
    pool_decay: Share = Field(0.01, description="monthly obsolescence of the public pool")
    publication_weight: Share = Field(
        0.02,
        description="pool gain per published unit of knowledge, times the pool's room below the "
        "state of the art",
    )
    frontier_push: NonNeg = Field(
        0.002,
        description="state-of-the-art growth per innovation at the frontier, as a share (summed "
        "over the field's innovations, weighted by how near the frontier each one is)",
    )
    frontier_margin: Share = Field(
        0.3, description="an innovation pushes the state of the art when within this share of it"
    )
    basic_research: NonNeg = Field(
        0.0005,
        description="state-of-the-art growth a month per university researching a field at full "
        "effort (basic research), as a share",
    )


# --- partnering, trust and IP --------------------------------------------------------


def _default_matrix() -> dict[str, list[str]]:
    firms = [kind.label for kind in RESEARCHERS]
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
    w_visibility: NonNeg = Field(
        1.0, description="weight of a candidate's visibility ln(1+partners)/ln(1+most partners)"
    )
    w_reputation: NonNeg = Field(
        0.5, description="weight of a candidate's reputation (recent innovation value, log, 0-1)"
    )
    visibility_share: Share = Field(
        0.8, description="share of candidates not from partners drawn in proportion to partners+1"
    )
    search_rate: Share = Field(
        0.03, description="monthly chance to search for a partner (always after losing one)"
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
        24, ge=1, le=MONTHS, description="months without joint success before a tie ends"
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


def _fill_preset(data: Any, presets: dict[str, dict[str, float]], key: str = "preset") -> Any:
    """Fill a section's preset values under the keys the scenario did not set itself."""
    if isinstance(data, dict) and isinstance(data.get(key), str) and data[key] in presets:
        return {**presets[data[key]], **data}
    return data


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
    patent_term: int = Field(240, ge=1, le=MONTHS, description="months a patent lasts")
    patent_cost: NonNeg = Field(0.05, description="$M fee per patent, paid to the regulator")
    licensing_fee: NonNeg = Field(0.02, description="$M per month per licensed partner tie")
    patent_propensity: Share = Field(0.3, description="chance a firm patents an innovation")
    university_ip_share: Share = Field(0.2, description="chance a university patents a result")
    imitation_rate: Share = Field(
        0.03, description="monthly chance a product is imitated, times (1 - ip_strength)"
    )
    spillover_rate: Share = Field(
        0.1,
        description="what an unpublished result adds to the pool, as a share of a publication, "
        "times (1 - ip_strength)",
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        return _fill_preset(data, IP_PRESETS, key="regime")


# --- governance, finance, market ------------------------------------------------------


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
        0.1,
        description="a takeover is blocked if buyer and target together would hold more than "
        "this share of the sales in a field where the target sells",
    )
    open_science: Share = Field(0.7, description="share of university results published")
    adaptive: bool = Field(
        False, description="the R&D subsidy rate reacts to innovation output each review"
    )
    review_period: int = Field(12, ge=1, le=MONTHS, description="months between adaptive reviews")
    adapt_step: Share = Field(0.02, description="change of the subsidy rate at a review")
    max_subsidy_rate: Share = Field(0.4, description="the adaptive rule never goes above this")
    budget_reserve: NonNeg = Field(
        6.0, description="months of public spending the budget must cover to raise the rate"
    )


class Finance(RangeCheck):
    runway_threshold: NonNeg = Field(6.0, description="months of runway below which to seek money")
    screen_size: int = Field(15, ge=1, le=1000, description="seekers an investor screens a month")
    hurdle: float = Field(0.9, description="signal a seeker must pass to be funded")
    signal_noise: NonNeg = Field(0.3, le=100, description="sd of the noise on an investor's signal")
    referral_weight: NonNeg = Field(0.5, description="signal bonus for ties to backed startups")
    traction_weight: NonNeg = Field(
        1.0, description="weight of traction (recent innovation value, 0-1) in the signal"
    )
    milestone_share: NonNeg = Field(
        0.02,
        description="a follow-on round needs a valuation of this share of its stage's lowest "
        "pre-money (staged financing)",
    )
    round_months: float = Field(
        24.0, gt=0, description="months of burn a round pays for: burn rises to ticket / this"
    )
    ticket_seed: RangePos = Field((1.0, 3.0), description="seed ticket, $M")
    ticket_a: RangePos = Field((5.0, 15.0), description="series A ticket, $M")
    ticket_later: RangePos = Field((15.0, 40.0), description="later-round ticket, $M")
    premoney_seed: RangePos = Field((3.0, 8.0), description="seed pre-money valuation, $M")
    premoney_a: RangePos = Field((15.0, 40.0), description="series A pre-money, $M")
    premoney_later: RangePos = Field((50.0, 150.0), description="later-round pre-money, $M")
    revenue_multiple: NonNeg = Field(
        8.0,
        description="valuation per $ of annual earnings (products' revenue, launched and pending; "
        "a corporate's baseline sales at its operating margin)",
    )
    acquisition_rate: Share = Field(
        0.01,
        description="monthly chance a target (a startup with products, a shrunk corporate) "
        "is bid for",
    )
    takeover_shrink: Share = Field(
        0.5, description="a corporate whose sales fell below this share of its peak is a target"
    )
    killer_share: Share = Field(
        0.234,
        description="chance a buyer drops a target's pending product in a field it sells in",
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
    product_life: int = Field(
        120, ge=1, le=MONTHS, description="most months a product stays on the market"
    )
    value_decay: Share = Field(
        0.02, description="monthly share of a product's value lost as it ages (obsolescence)"
    )
    crowding: NonNeg = Field(
        0.05,
        description="revenue = current value * demand / (1 + crowding * current value of the "
        "other active products in the field); per $M/month",
    )
    min_revenue: NonNeg = Field(
        0.005, description="$M/month: a product that earns less leaves the market"
    )
    imitation_value: Share = Field(0.5, description="an imitation's value relative to the original")
    imitation_skill: Share = Field(0.3, description="knowledge a firm needs in a field to imitate")
