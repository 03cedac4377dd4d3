"""How the level and run metrics are computed from the model's state (see metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
from scipy.sparse.csgraph import connected_components

from ..schema import Scenario
from ..vocabulary import KINDS, RESEARCHERS, End, Kind, Origin, TieType
from .mechanisms.platforms import platform_mask
from .neighbours import Neighbours
from .state import State, large_run


@dataclass(frozen=True)
class Network:
    """The partnership network's neighbour index and its number of actors (rows outside the
    network, dead actors or kinds that may not partner, have no ties), with the measures
    several metrics share, computed once."""

    index: Neighbours
    n: int
    fused: bool = False  # a large run (arrays.large): triangles counted in a compiled loop

    @property
    def degree(self) -> np.ndarray:
        """Partners of each row."""
        return self.index.degree

    @cached_property
    def clustering(self) -> float:
        """Average local clustering coefficient over the network's actors (networkx's
        definition: 0 for degree < 2)."""
        if self.n == 0:
            return 0.0
        deg, nb = self.degree, self.index
        common, _ = nb.common(fused=self.fused)  # per tie, both ways: the triangles it closes
        triangles = np.bincount(nb.owner, common, minlength=nb.n)
        possible = deg * (deg - 1) / 2
        local = np.divide(triangles / 2, possible, out=np.zeros(len(deg)), where=possible > 0)
        return float(local.sum() / self.n)


def researcher_knowledge(state: State) -> np.ndarray:
    """The knowledge of the living researchers, a row each: a copy the two knowledge metrics
    share (at a million actors it took as long as either metric's own sums)."""
    return state.actors.knowledge[state.rows(RESEARCHERS)]


def mean_knowledge(k: np.ndarray) -> float:
    """Mean knowledge level over all fields of all living researchers (their knowledge `k`)."""
    return float(k.mean()) if len(k) else 0.0


def knowledge_diversity(k: np.ndarray) -> float:
    """Mean cognitive distance `1 - cos(K_i, K_j)` over pairs of living researchers with any
    knowledge (`k`, a row each): 0 when all know the same mix of fields, near 1 when each
    knows other fields."""
    norm = np.sqrt(np.einsum("ij,ij->i", k, k))
    n = int(np.count_nonzero(norm))
    if n < 2:
        return 0.0
    total = np.divide(1.0, norm, out=np.zeros(len(norm)), where=norm > 0) @ k  # sum of K_i/|K_i|
    # the sum of cos over ordered pairs i != j is |sum of unit vectors|^2 minus the n self-pairs
    return float(1 - (total @ total - n) / (n * (n - 1)))


def network_nodes(state: State, params: Scenario) -> np.ndarray:
    """The actors that can take part in the partnership network (living, allowed to partner)."""
    matrix = params.partnering.matrix
    kinds = tuple(Kind(i) for i, kind in enumerate(KINDS) if matrix.get(kind))
    return state.rows(kinds) if kinds else np.empty(0, dtype=np.int64)


def network(state: State, params: Scenario) -> Network:
    """The partnership network. Rows outside it are kept as isolated rows when none has a
    tie, which saves extracting the submatrix every month."""
    nodes = network_nodes(state, params)
    index, t = state.neighbours(), state.ties
    inside = np.zeros(index.n, dtype=bool)
    inside[nodes] = True
    a, b = t.a[: t.n], t.b[: t.n]
    if not (inside[a] & inside[b]).all():
        local = np.cumsum(inside) - 1  # row of each network actor among the nodes
        kept = inside[a] & inside[b]
        index = Neighbours.of(len(nodes), local[a[kept]], local[b[kept]])
    return Network(index, len(nodes), large_run(state, params))


def density(net: Network) -> float:
    """Share of possible ties among the network's actors that exist."""
    return float(2 * net.index.m / (net.n * (net.n - 1))) if net.n > 1 else 0.0


def clustering(net: Network) -> float:
    """Average local clustering coefficient over the network's actors (0 for degree < 2)."""
    return net.clustering


def largest_component_share(net: Network) -> float:
    """Share of the network's actors in the largest connected component. The components are
    found among the rows with a tie (a third of them at a million actors): any other row is a
    component of one, the largest only when there is no tie."""
    if net.n == 0:
        return 0.0
    tied = net.index.tied_adjacency
    if tied.shape[0] == 0:
        return 1 / net.n
    _, labels = connected_components(tied, directed=False)
    return float(np.bincount(labels).max() / net.n)


def degrees(net: Network) -> np.ndarray:
    """The degree of each network actor with at least one tie."""
    return net.degree[net.degree > 0]


def degree_max_mean(net: Network) -> float:
    """Largest degree over mean degree, among network actors with a tie (0 without ties)."""
    deg = degrees(net)
    return float(deg.max() / deg.mean()) if len(deg) else 0.0


def degree_gini(net: Network) -> float:
    """Gini coefficient of degree among network actors with a tie (0 without ties)."""
    return gini(degrees(net).astype(float))


def clustering_vs_random(net: Network) -> float:
    """Mean clustering over that expected of an Erdos-Renyi graph with the same actors and
    density, with the same convention (0 below degree 2): p * P(degree >= 2)."""
    n, p = net.n, density(net)
    if n < 3 or p <= 0:
        return 0.0
    two_or_more = 1 - (1 - p) ** (n - 1) - (n - 1) * p * (1 - p) ** (n - 2)
    return net.clustering / (p * two_or_more)


def mean_trust(state: State) -> float:
    """Mean effective trust over both directions of all ties."""
    t = state.ties
    if t.n == 0:
        return 0.0
    return float((t.eff_ab[: t.n].mean() + t.eff_ba[: t.n].mean()) / 2)


def capital_gini(state: State) -> float:
    """Gini coefficient of capital (negative capital counted as zero) over living actors."""
    rows = state.rows((*RESEARCHERS, Kind.INVESTOR))
    return gini(np.clip(state.actors.capital[rows], 0, None))


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 when empty or all zero)."""
    x = np.sort(x)
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


class Concentration(NamedTuple):
    """Per field, from the products' sales in the last market stage by firm: the leading
    firm's share, the Herfindahl index of the firms' shares, and whether it sold anything."""

    top: np.ndarray
    hhi: np.ndarray
    sold: np.ndarray


def field_concentration(state: State) -> Concentration:
    """Each field's concentration of sales by firm (a product's current owner)."""
    p, fields = state.products, state.fields
    sold = np.flatnonzero(p.sales[: p.n] > 0)
    keys, firm = np.unique(p.owner[sold] * fields + p.field[sold], return_inverse=True)
    firm_sales = np.bincount(firm, p.sales[sold], minlength=len(keys))
    field = keys % fields
    total = np.bincount(field, firm_sales, minlength=fields)
    share = firm_sales / total[field]
    top = np.zeros(fields)
    np.maximum.at(top, field, share)
    return Concentration(top, np.bincount(field, share**2, minlength=fields), total > 0)


def top_seller_share(c: Concentration, params: Scenario, platforms_only: bool = False) -> float:
    """Mean over the fields with sales (only the platform fields, if asked) of the leading
    firm's share of the field's sales; 0 when there are none."""
    sold = c.sold & platform_mask(params) if platforms_only else c.sold
    return float(c.top[sold].mean()) if sold.any() else 0.0


def sales_hhi(c: Concentration) -> float:
    """Mean over the fields with sales of the Herfindahl index of firms' shares of the
    field's sales (1: one firm sells everything); 0 when nothing sold."""
    return float(c.hhi[c.sold].mean()) if c.sold.any() else 0.0


def ties_of_type(state: State, code: int) -> float:
    """How many ties are of one TieType."""
    t = state.ties
    return float(np.count_nonzero(t.type[: t.n] == code))


DOMINANT = 0.5  # a standard whose installed base is half its field's sales is in force


def standards_in_force(state: State) -> float:
    """Fields whose standard has members and an installed base of at least DOMINANT (it has
    become the field's dominant design)."""
    t = state.ties
    held = np.unique(t.field[: t.n][t.type[: t.n] == TieType.STANDARD])
    return float((state.standard_base[held] >= DOMINANT).sum())


def share_of(part: float, whole: float) -> float:
    """part / whole, 0 when whole is 0."""
    return part / whole if whole > 0 else 0.0


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


def time_to_first_product(state: State) -> float:
    """Median months from founding to a startup's own first product launch, over the
    startups founded during the run that launched one (nan when none did)."""
    a = state.actors
    n = a.n
    launched = (a.origin[:n] != Origin.INITIAL) & (a.first_product[:n] >= 0)
    months = a.first_product[:n][launched] - a.born[:n][launched]
    return float(np.median(months)) if len(months) else float("nan")


def innovation_per_public_money(series: dict[str, np.ndarray]) -> float:
    """Innovation value created per unit of public money spent over the run."""
    public = series["public_spend"].sum()
    return float(series["innovation_value"].sum() / public) if public > 0 else float("nan")


def mean_solution_quality(series: dict[str, np.ndarray]) -> float:
    """Mean quality of the problems jams and challenges solved over the run (nan if none)."""
    solved = series["format_solutions"].sum()
    return float(series["format_solution_quality"].sum() / solved) if solved > 0 else float("nan")


def _survival(state: State, chosen: np.ndarray, start: np.ndarray, steps: int, months: int):
    """Share of the `chosen` rows, counted from their `start` month, alive, acquired or
    listed `months` later, among those that started at least `months` before the end."""
    a = state.actors
    n = a.n
    cohort = chosen & (start <= steps - months)
    if not cohort.any():
        return float("nan")
    ended, first = a.ended[:n][cohort], start[cohort]
    acquired = a.end_reason[:n][cohort] == End.ACQUIRED
    return float(((ended < 0) | (ended > first + months) | acquired).mean())


def startup_survival_2y(state: State, steps: int) -> float:
    """Share of the startups founded during the run alive or exited 24 months later."""
    a = state.actors
    n = a.n
    was_startup = (a.kind[:n] == Kind.STARTUP) | (a.ipo_step[:n] >= 0)
    return _survival(state, was_startup & (a.born[:n] >= 1), a.born[:n], steps, 24)


def accelerated_survival_2y(state: State, steps: int) -> float:
    """Share of the accelerated startups alive or exited 24 months after admission (nan
    without an accelerator)."""
    at = state.actors.accelerated_at[: state.actors.n]
    return _survival(state, at >= 0, at, steps, 24)
