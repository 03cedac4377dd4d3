"""How the level and run metrics are computed from the model's state (see metrics.py)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..schema import Scenario
from ..vocabulary import KINDS, RESEARCHERS, End, Kind
from .state import State


class Network(NamedTuple):
    """The partnership network's adjacency and its number of actors (rows outside the
    network, dead actors or kinds that may not partner, have no ties)."""

    graph: sp.csr_matrix
    n: int


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
    kinds = tuple(Kind(i) for i, kind in enumerate(KINDS) if matrix.get(kind))
    return state.rows(kinds) if kinds else np.empty(0, dtype=np.int64)


def network(state: State, params: Scenario) -> Network:
    """The partnership network. Rows outside it are kept as isolated rows when none has a
    tie, which saves extracting the submatrix every month."""
    nodes = network_nodes(state, params)
    graph = state.adjacency()
    inside = np.zeros(graph.shape[0], dtype=bool)
    inside[nodes] = True
    t = state.ties
    if not (inside[t.a[: t.n]] & inside[t.b[: t.n]]).all():
        graph = graph[nodes][:, nodes]
    return Network(graph, len(nodes))


def density(net: Network) -> float:
    """Share of possible ties among the network's actors that exist."""
    return float(net.graph.nnz / (net.n * (net.n - 1))) if net.n > 1 else 0.0


def clustering(net: Network) -> float:
    """Average local clustering coefficient over the network's actors (networkx's
    definition: 0 for degree < 2)."""
    graph, n = net
    if n == 0:
        return 0.0
    deg = np.asarray(graph.sum(axis=1)).ravel()
    triangles = np.asarray((graph @ graph).multiply(graph).sum(axis=1)).ravel() / 2
    possible = deg * (deg - 1) / 2
    local = np.divide(triangles, possible, out=np.zeros(len(deg)), where=possible > 0)
    return float(local.sum() / n)


def largest_component_share(net: Network) -> float:
    """Share of the network's actors in the largest connected component (rows outside the
    network are isolated, so they never make the largest component larger than 1)."""
    if net.n == 0:
        return 0.0
    _, labels = connected_components(net.graph, directed=False)
    return float(np.bincount(labels).max() / net.n)


def mean_trust(state: State) -> float:
    """Mean effective trust over both directions of all ties."""
    t = state.ties
    if t.n == 0:
        return 0.0
    return float((t.eff_ab[: t.n].mean() + t.eff_ba[: t.n].mean()) / 2)


def capital_gini(state: State) -> float:
    """Gini coefficient of capital (negative capital counted as zero) over living actors."""
    rows = state.rows((*RESEARCHERS, Kind.INVESTOR))
    x = np.sort(np.clip(state.actors.capital[rows], 0, None))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * total))


def alive(state: State, kind: Kind) -> float:
    """How many actors of a kind are alive."""
    return float(len(state.rows(kind)))


def total_capital(state: State) -> float:
    """Capital held by all living actors."""
    a = state.actors
    return float(a.capital[: a.n][a.alive[: a.n]].sum())


def new_tie_distance(tally) -> float:
    """Mean cognitive distance of the ties formed this month (0 when none formed)."""
    formed = tally.ties_formed
    return tally.tie_distance_sum / formed if formed else 0.0


def startup_survival_5y(state: State, steps: int) -> float:
    """Share of startups founded in the first half of the run alive or exited 60 steps later."""
    a = state.actors
    n = a.n
    was_startup = (a.kind[:n] == Kind.STARTUP) | (a.ipo_step[:n] >= 0)
    born = a.born[:n]
    cohort = was_startup & (born >= 1) & (born <= min(steps / 2, steps - 60))
    if not cohort.any():
        return float("nan")
    ended = a.ended[:n][cohort]
    acquired = a.end_reason[:n][cohort] == End.ACQUIRED
    survived = (ended < 0) | (ended > born[cohort] + 60) | acquired
    return float(survived.mean())


def time_to_first_product(series: dict[str, np.ndarray]) -> float:
    """The month of the run's first product launch (nan when none)."""
    launched = np.flatnonzero(series["products_launched"] > 0)
    return float(launched[0] + 1) if len(launched) else float("nan")


def innovation_per_public_money(series: dict[str, np.ndarray]) -> float:
    """Innovation value created per unit of public money spent over the run."""
    public = series["public_spend"].sum()
    return float(series["innovation_value"].sum() / public) if public > 0 else float("nan")
