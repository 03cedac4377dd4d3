"""The innovation output metrics: one small function per contract metric, computed from State."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..schema import KINDS, Scenario
from .state import ACQUIRED, CORPORATE, INVESTOR, RESEARCHERS, STARTUP, State

# counts summed over the step by the mechanisms (State.counts)
COUNTED = (
    "innovations",
    "radical_innovations",
    "innovation_value",
    "patents_granted",
    "products_launched",
    "startups_founded",
    "startups_failed",
    "startups_acquired",
    "startups_ipo",
    "vc_invested",
    "vc_returned",
    "public_spend",
)
# the step metrics of the spec, in its order
STEP_METRICS = (
    "innovations",
    "radical_innovations",
    "innovation_value",
    "patents_granted",
    "products_launched",
    "mean_knowledge",
    "knowledge_diversity",
    "startups_founded",
    "startups_failed",
    "startups_acquired",
    "startups_ipo",
    "vc_invested",
    "vc_returned",
    "public_spend",
    "network_density",
    "network_clustering",
    "largest_component_share",
    "mean_trust",
    "capital_gini",
)
# more per-step columns, beyond the contract: levels at the end of the step ...
EXTRA_LEVELS = (
    "startups_alive",
    "corporates_alive",
    "ties",
    "active_products",
    "total_capital",
    "rd_subsidy_rate",
    "new_tie_distance",
)
# ... and flows during it (State.counts)
EXTRA_FLOWS = (
    "ties_formed",
    "ties_dissolved",
    "cross_kind_ties_formed",
    "defections",
    "licences",
    "imitations",
    "publications",
    "product_revenue",
    "grants",
    "subsidies",
    "taxes",
    "vc_deals",
    "antitrust_blocked",
    "jam_participants",
    "jam_ties_formed",
    "challenge_submissions",
    "challenge_prizes",
    "format_innovations",
    "policy_changes",
)
EXTRA_METRICS = EXTRA_LEVELS + EXTRA_FLOWS
# the per-step columns that are flows, summed over a run; the others are levels
SUMMED = COUNTED + EXTRA_FLOWS
RUN_METRICS = ("startup_survival_5y", "time_to_first_product", "innovation_per_public_money")


def mean_knowledge(state: State) -> float:
    """Mean knowledge level over all fields of all living researchers."""
    rows = state.rows(RESEARCHERS)
    return float(state.actors.knowledge[rows].mean()) if len(rows) else 0.0


def knowledge_diversity(state: State) -> float:
    """Shannon entropy of the total knowledge across fields, normalised to [0, 1]."""
    total = state.actors.knowledge[state.rows(RESEARCHERS)].sum(axis=0)
    if total.sum() <= 0:
        return 0.0
    p = total / total.sum()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / np.log(state.fields))


def network_nodes(state: State, params: Scenario) -> np.ndarray:
    """The actors that can take part in the partnership network (living, allowed to partner)."""
    matrix = params.partnering.matrix
    kinds = tuple(i for i, kind in enumerate(KINDS) if matrix.get(kind))
    return state.rows(kinds) if kinds else np.empty(0, dtype=np.int64)


def network_graph(state: State, params: Scenario) -> tuple[sp.csr_matrix, int]:
    """The partnership network's adjacency and its number of actors. Rows outside the network
    (dead actors, kinds that may not partner) are kept as isolated rows when none has a tie,
    which saves extracting the submatrix every month."""
    nodes = network_nodes(state, params)
    graph = state.adjacency()
    inside = np.zeros(graph.shape[0], dtype=bool)
    inside[nodes] = True
    t = state.ties
    if not (inside[t.a[: t.n]] & inside[t.b[: t.n]]).all():
        graph = graph[nodes][:, nodes]
    return graph, len(nodes)


def network_density(graph: sp.csr_matrix, n: int) -> float:
    """Share of possible ties among the `n` network actors that exist."""
    return float(graph.nnz / (n * (n - 1))) if n > 1 else 0.0


def network_clustering(graph: sp.csr_matrix, n: int) -> float:
    """Average local clustering coefficient over the `n` network actors (networkx's
    definition: 0 for degree < 2). Rows of `graph` outside the network have no ties."""
    if n == 0:
        return 0.0
    deg = np.asarray(graph.sum(axis=1)).ravel()
    triangles = np.asarray((graph @ graph).multiply(graph).sum(axis=1)).ravel() / 2
    possible = deg * (deg - 1) / 2
    local = np.divide(triangles, possible, out=np.zeros(len(deg)), where=possible > 0)
    return float(local.sum() / n)


def largest_component_share(graph: sp.csr_matrix, n: int) -> float:
    """Share of the `n` network actors in the largest connected component (rows outside the
    network are isolated, so they never make the largest component larger than 1)."""
    if n == 0:
        return 0.0
    _, labels = connected_components(graph, directed=False)
    return float(np.bincount(labels).max() / n)


def mean_trust(state: State) -> float:
    """Mean effective trust over both directions of all ties."""
    t = state.ties
    if t.n == 0:
        return 0.0
    return float((t.eff_ab[: t.n].mean() + t.eff_ba[: t.n].mean()) / 2)


def capital_gini(state: State) -> float:
    """Gini coefficient of capital (negative capital counted as zero) over living actors."""
    rows = state.rows(RESEARCHERS + (INVESTOR,))
    x = np.sort(np.clip(state.actors.capital[rows], 0, None))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * total))


def step_metrics(state: State, params: Scenario) -> dict[str, float]:
    """All per-step metrics (contract and extra) for the step just finished."""
    c = state.counts
    graph, n_network = network_graph(state, params)
    a = state.actors
    alive = a.alive[: a.n]
    values = {name: float(c[name]) for name in COUNTED}
    values |= {
        "mean_knowledge": mean_knowledge(state),
        "knowledge_diversity": knowledge_diversity(state),
        "network_density": network_density(graph, n_network),
        "network_clustering": network_clustering(graph, n_network),
        "largest_component_share": largest_component_share(graph, n_network),
        "mean_trust": mean_trust(state),
        "capital_gini": capital_gini(state),
        "startups_alive": float(len(state.rows(STARTUP))),
        "corporates_alive": float(len(state.rows(CORPORATE))),
        "ties": float(state.ties.n),
        "active_products": float(c["active_products"]),
        "total_capital": float(a.capital[: a.n][alive].sum()),
        "rd_subsidy_rate": params.governance.rd_subsidy_rate,
        "new_tie_distance": c["tie_distance_sum"] / c["ties_formed"] if c["ties_formed"] else 0.0,
    }
    values |= {name: float(c[name]) for name in EXTRA_FLOWS}
    return values


def startup_survival_5y(state: State, steps: int) -> float:
    """Share of startups founded in the first half of the run alive or exited 60 steps later."""
    a = state.actors
    n = a.n
    was_startup = (a.kind[:n] == STARTUP) | (a.ipo_step[:n] >= 0)
    born = a.born[:n]
    cohort = was_startup & (born >= 1) & (born <= min(steps / 2, steps - 60))
    if not cohort.any():
        return float("nan")
    ended = a.ended[:n][cohort]
    survived = (ended < 0) | (ended > born[cohort] + 60) | (a.end_reason[:n][cohort] == ACQUIRED)
    return float(survived.mean())


def run_metrics(series: dict[str, np.ndarray], state: State, steps: int) -> dict[str, float]:
    """Per-run metrics from the per-step series and the final state."""
    launched = np.flatnonzero(series["products_launched"] > 0)
    public = series["public_spend"].sum()
    return {
        "startup_survival_5y": startup_survival_5y(state, steps),
        "time_to_first_product": float(launched[0] + 1) if len(launched) else float("nan"),
        "innovation_per_public_money": (
            float(series["innovation_value"].sum() / public) if public > 0 else float("nan")
        ),
    }


# every per-step column, and every per-run value: flows as run totals, levels as final values
PER_STEP = STEP_METRICS + EXTRA_METRICS
PER_RUN = PER_STEP + RUN_METRICS
# the per-run values a sweep reports first (sensitivity, heatmaps, report headlines)
HEADLINE = (
    "innovations",
    "innovation_value",
    "patents_granted",
    "products_launched",
    "mean_knowledge",
    "startups_failed",
    "vc_invested",
    "public_spend",
    "network_density",
    "mean_trust",
    "startup_survival_5y",
    "innovation_per_public_money",
)


def run_values(series: dict[str, np.ndarray], run: dict[str, float]) -> dict[str, float]:
    """One value per metric for a whole run: flows summed, levels at the last step, and the
    per-run metrics `run`."""
    values = {
        name: float(np.sum(v)) if name in SUMMED else (float(v[-1]) if len(v) else float("nan"))
        for name, v in series.items()
        if name in PER_STEP
    }
    return values | run
