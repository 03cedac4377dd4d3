"""The metric registry: one declaration per metric, and the month's counters it implies.

A flow is added up during the month by the stages (a field of `Tally`) and summed over a run;
a level is computed from the state at the end of the month and taken at the last month; a run
metric is computed once per run. Collectors, plots, the report, the class page and the CLI all
read their names, labels and units from here. The functions that compute levels and run
metrics are in `measures.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, make_dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from ..schema import Scenario
from ..vocabulary import Kind, TieType
from . import measures
from .state import State

Role = Literal["flow", "level", "run"]


@dataclass(frozen=True)
class Metric:
    """One output column: what it is, how it reads to a person, how it is computed."""

    name: str
    role: Role
    label: str  # words for a person, without the unit
    unit: str  # "" for a count or a pure number
    compute: Callable | None = None  # levels: (Month) -> float; run metrics: (Run) -> float
    contract: bool = False  # one of the reference design's output metrics
    headline: bool = False  # shown first: CLI table, report headlines, sensitivity
    never_negative: bool = True  # bands and axes are clipped at zero
    panel: str = ""  # the chart it is drawn in (run plots and the class page); "" for none

    @property
    def axis(self) -> str:
        """The label with its unit, for an axis or a table heading."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class Month:
    """What a level metric is computed from: the state at the end of a month."""

    state: State
    params: Scenario
    tally: Tally
    network: measures.Network

    @cached_property
    def knowledge(self) -> np.ndarray:
        """The living researchers' knowledge, which two metrics share."""
        return measures.researcher_knowledge(self.state)

    @cached_property
    def concentration(self) -> measures.Concentration:
        """Each field's concentration of sales, which three metrics share."""
        return measures.field_concentration(self.state)


@dataclass(frozen=True)
class Run:
    """What a run metric is computed from: the whole series and the final state."""

    series: dict[str, np.ndarray]
    state: State
    steps: int


def flow(name, label, unit="", **kw) -> Metric:
    return Metric(name, "flow", label, unit, **kw)


def level(name, label, compute, unit="", **kw) -> Metric:
    return Metric(name, "level", label, unit, compute, **kw)


def run(name, label, compute, unit="", **kw) -> Metric:
    return Metric(name, "run", label, unit, compute, **kw)


INNOVATIONS = "innovations / month"
KNOWLEDGE = "knowledge (level, 0 to 1)"
STARTUPS = "startup events / month"
NETWORK = "network structure"
TIES = "partnerships by type"
# fmt: off
REGISTRY: tuple[Metric, ...] = (
    # the reference design's step metrics, in its order
    flow("innovations", "innovations", contract=True, headline=True, panel=INNOVATIONS),
    flow("radical_innovations", "radical innovations", contract=True, panel=INNOVATIONS),
    flow("innovation_value", "innovation value", "$M/month of products", contract=True,
         headline=True, panel="innovation value ($M / month)"),
    flow("patents_granted", "patents", contract=True, headline=True,
         panel="patents and products / month"),
    flow("products_launched", "products launched", contract=True, headline=True,
         panel="patents and products / month"),
    level("mean_knowledge", "knowledge (mean level)",
          lambda m: measures.mean_knowledge(m.knowledge), contract=True, headline=True,
          panel=KNOWLEDGE),
    level("knowledge_diversity", "knowledge diversity (cognitive distance)",
          lambda m: measures.knowledge_diversity(m.knowledge), contract=True, panel=KNOWLEDGE),
    flow("startups_founded", "startups founded", contract=True, panel=STARTUPS),
    flow("startups_failed", "startup failures", contract=True, headline=True, panel=STARTUPS),
    flow("startups_acquired", "startups acquired", contract=True, panel=STARTUPS),
    flow("startups_ipo", "IPOs", contract=True, panel=STARTUPS),
    flow("startups_closed", "startups closed by their founders", panel=STARTUPS),
    flow("vc_invested", "VC invested", "$M", contract=True, headline=True,
         panel="venture capital ($M / month)"),
    flow("vc_returned", "VC returned", "$M", contract=True, panel="venture capital ($M / month)"),
    flow("public_spend", "public spend", "$M", contract=True, headline=True,
         panel="public spend ($M / month)"),
    level("network_density", "network density", lambda m: measures.density(m.network),
          contract=True, headline=True, panel="network density"),
    level("network_clustering", "network clustering", lambda m: measures.clustering(m.network),
          contract=True, panel=NETWORK),
    level("largest_component_share", "share in the largest network component",
          lambda m: measures.largest_component_share(m.network), contract=True, panel=NETWORK),
    level("mean_trust", "trust (mean)", lambda m: measures.mean_trust(m.state), contract=True,
          headline=True, panel="trust and inequality"),
    level("capital_gini", "capital inequality (Gini)", lambda m: measures.capital_gini(m.state),
          contract=True, panel="trust and inequality"),
    # more levels at the end of the month ...
    level("startups_alive", "startups alive", lambda m: measures.alive(m.state, Kind.STARTUP),
          panel="startups alive"),
    level("corporates_alive", "corporates alive",
          lambda m: measures.alive(m.state, Kind.CORPORATE)),
    level("ties", "partnerships", lambda m: float(m.state.ties.n)),
    level("joint_rd_ties", "joint R&D partnerships",
          lambda m: measures.ties_of_type(m.state, TieType.JOINT_RD), panel=TIES),
    level("sharing_ties", "data and resource sharing partnerships",
          lambda m: measures.ties_of_type(m.state, TieType.SHARING), panel=TIES),
    level("standard_ties", "standards consortium memberships (ties)",
          lambda m: measures.ties_of_type(m.state, TieType.STANDARD), panel=TIES),
    level("standards_in_force", "fields where a standard holds half the sales",
          lambda m: measures.standards_in_force(m.state)),
    level("standard_sales_share", "share of product sales under a standard",
          lambda m: measures.share_of(m.tally.standard_sales, m.tally.product_revenue), "share"),
    level("active_products", "products on the market", lambda m: m.tally.active_products),
    level("total_capital", "capital held", lambda m: measures.total_capital(m.state), "$M",
          never_negative=False),
    level("rd_subsidy_rate", "R&D subsidy rate", lambda m: m.params.governance.rd_subsidy_rate,
          "share of R&D"),
    level("new_tie_distance", "cognitive distance of new ties",
          lambda m: measures.new_tie_distance(m.tally)),
    level("degree_max_mean", "largest partner count over the mean",
          lambda m: measures.degree_max_mean(m.network), "times"),
    level("degree_gini", "inequality of partner counts (Gini)",
          lambda m: measures.degree_gini(m.network)),
    level("clustering_vs_random", "clustering relative to a random network of equal density",
          lambda m: measures.clustering_vs_random(m.network), "times"),
    level("user_engagement", "users engaged in idea communities (mean over fields)",
          lambda m: float(m.state.engagement.mean()), "share"),
    level("top_seller_share", "leader's share of sales (mean over fields)",
          lambda m: measures.top_seller_share(m.concentration, m.params), "share", headline=True),
    level("platform_top_share", "leader's share of sales (mean over platform fields)",
          lambda m: measures.top_seller_share(m.concentration, m.params, platforms_only=True),
          "share"),
    level("sales_hhi", "sales concentration by firm (Herfindahl index, mean over fields)",
          lambda m: measures.sales_hhi(m.concentration)),
    # ... and more flows during it
    flow("startup_innovations", "innovations by startups"),
    flow("corporate_innovations", "innovations by corporates"),
    flow("university_innovations", "innovations by universities"),
    flow("joint_innovations", "innovations from joint projects"),
    flow("ties_formed", "ties formed"),
    flow("ties_dissolved", "ties dissolved"),
    flow("cross_kind_ties_formed", "ties formed across kinds"),
    flow("defections", "defections"),
    flow("licences", "licences"),
    flow("imitations", "imitations"),
    flow("products_retired", "products leaving the market"),
    flow("publications", "publications"),
    flow("product_revenue", "product revenue", "$M"),
    flow("grants", "grants", "$M"),
    flow("subsidies", "R&D subsidies", "$M"),
    flow("taxes", "taxes", "$M"),
    flow("vc_deals", "VC deals"),
    flow("antitrust_blocked", "acquisitions blocked by antitrust"),
    flow("corporates_acquired", "corporates bought by other corporates"),
    flow("products_discontinued", "pending products dropped by their acquirer"),
    flow("jam_participants", "jam participants"),
    flow("jam_ties_formed", "ties formed at jams"),
    flow("challenge_submissions", "challenge submissions"),
    flow("challenge_prizes", "challenge prizes", "$M"),
    flow("format_innovations", "innovations within a format's window"),
    flow("format_solutions", "problems solved by jams and challenges"),
    flow("format_solution_quality", "quality of the formats' solutions (summed)",
         "share of the target"),
    flow("challenge_sponsor_gain", "knowledge corporate sponsors gain from challenges",
         "knowledge (0-1, mean over the problem's fields)"),
    flow("call_proposals", "proposals to competitive calls"),
    flow("calls_funded", "consortia funded by competitive calls"),
    flow("call_ties_formed", "ties formed by funded consortia"),
    flow("call_funding", "call grants paid", "$M"),
    flow("projects_started", "joint R&D projects started"),
    flow("standard_sales", "product sales of standards' members in their standard's field", "$M"),
    flow("knowledge_leaked", "knowledge leaked through sharing ties", "knowledge (0-1 a field)"),
    flow("partnership_costs", "partnerships' running costs", "$M"),
    flow("policy_changes", "policy changes"),
    flow("accelerated_startups", "startups admitted to an accelerator"),
    flow("accelerator_spend", "accelerator stipends and programme costs", "$M"),
    flow("accelerated_vc_deals", "VC deals with accelerated startups"),
    flow("brokered_ties", "ties formed through a broker (accelerator, platform)"),
    flow("tto_licences", "licences sold by technology-transfer offices"),
    flow("broker_fees", "brokers' fees (platform fees, TTO licences)", "$M"),
    flow("user_ideas", "users' ideas received by idea communities"),
    flow("community_innovations", "innovations from users' ideas"),
    flow("community_cost", "idea community costs", "$M"),
    # once per run
    run("startup_survival_5y", "5-year startup survival",
        lambda r: measures.startup_survival_5y(r.state, r.steps), "share", headline=True),
    run("time_to_first_product", "time from founding to first product (startups' median)",
        lambda r: measures.time_to_first_product(r.state), "months", headline=True),
    run("innovation_per_public_money", "innovation value per public $",
        lambda r: measures.innovation_per_public_money(r.series), headline=True),
    run("mean_solution_quality", "mean quality of a jam's or challenge's solution",
        lambda r: measures.mean_solution_quality(r.series), "share of the target"),
    run("startup_survival_2y", "2-year startup survival (from founding)",
        lambda r: measures.startup_survival_2y(r.state, r.steps), "share"),
    run("accelerated_survival_2y", "2-year survival of accelerated startups (from admission)",
        lambda r: measures.accelerated_survival_2y(r.state, r.steps), "share"),
)
# fmt: on
METRICS: dict[str, Metric] = {m.name: m for m in REGISTRY}
assert len(METRICS) == len(REGISTRY), "a metric is declared twice"

# counters the stages add to that are no metric themselves, each read by a level above
HELPER_COUNTERS = ("active_products", "tie_distance_sum")
Tally = make_dataclass(
    "Tally",
    [(m.name, float, 0.0) for m in REGISTRY if m.role == "flow"]
    + [(name, float, 0.0) for name in HELPER_COUNTERS],
    slots=True,
)
Tally.__doc__ = "This month's counters: every flow metric, plus the helper counters."
COUNTERS: tuple[str, ...] = tuple(f.name for f in fields(Tally))

STEP_METRICS = tuple(m.name for m in REGISTRY if m.contract)  # the reference design's
PER_STEP = tuple(m.name for m in REGISTRY if m.role != "run")  # every per-step column
RUN_METRICS = tuple(m.name for m in REGISTRY if m.role == "run")
PER_RUN = PER_STEP + RUN_METRICS  # flows as run totals, levels as final values, run metrics
SUMMED = tuple(m.name for m in REGISTRY if m.role == "flow")  # summed over a run
HEADLINE = tuple(m.name for m in REGISTRY if m.headline)


def step_values(state: State, params: Scenario, tally: Tally) -> dict[str, float]:
    """Every per-step metric for the month just finished."""
    month = Month(state, params, tally, measures.network(state, params))
    return {
        m.name: float(getattr(tally, m.name)) if m.role == "flow" else float(m.compute(month))
        for m in REGISTRY
        if m.role != "run"
    }


def run_metrics(series: dict[str, np.ndarray], state: State, steps: int) -> dict[str, float]:
    """Per-run metrics from the per-step series and the final state."""
    whole = Run(series, state, steps)
    return {m.name: float(m.compute(whole)) for m in REGISTRY if m.role == "run"}


def run_values(series: dict[str, np.ndarray], run: dict[str, float]) -> dict[str, float]:
    """One value per metric for a whole run: flows summed, levels at the last step, and the
    per-run metrics `run`."""
    values = {
        name: float(np.sum(v)) if name in SUMMED else (float(v[-1]) if len(v) else float("nan"))
        for name, v in series.items()
        if name in PER_STEP
    }
    return values | run
