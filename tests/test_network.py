"""Partner limits by kind and preferential attachment: hubs emerge, degree is right-skewed and
the network stays sparse and clustered (Koenig, Battiston & Schweitzer)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from support import small

from sim.model.mechanisms import partnering
from sim.model.metrics import Tally
from sim.model.model import EcosystemModel
from sim.model.state import State
from sim.scenario import apply_changes
from sim.vocabulary import Kind

SEEDS = (1, 2, 3)
NO_FAME = {
    "partnering.w_visibility": 0.0,
    "partnering.w_reputation": 0.0,
    "partnering.visibility_share": 0.0,
}


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 if all are 0)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    total = x.sum()
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * total)) if total > 0 else 0.0


def network_stats(state: State, seed: int = 0) -> dict[str, float]:
    """Density, clustering over that of random graphs of equal size and density, max/mean degree,
    degree Gini, share at the partner limit and largest component share, over the living actors
    that may partner (isolates included)."""
    a, t = state.actors, state.ties
    n = a.n
    pool = np.flatnonzero(a.alive[:n] & (a.max_partners[:n] > 0))
    deg = state.degree()[pool]
    graph = nx.Graph()
    graph.add_nodes_from(pool.tolist())
    graph.add_edges_from(zip(t.a[: t.n].tolist(), t.b[: t.n].tolist(), strict=True))
    nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    random = [nx.gnm_random_graph(nodes, edges, seed=seed + k) for k in range(3)]
    random_clustering = np.mean([nx.average_clustering(g) for g in random])
    return {
        "density": nx.density(graph),
        "clustering_ratio": nx.average_clustering(graph) / max(random_clustering, 1e-9),
        "max_over_mean": deg.max() / deg.mean(),
        "gini": gini(deg),
        "at_limit": float((deg >= a.max_partners[pool]).mean()),
        "largest_component": max(len(c) for c in nx.connected_components(graph)) / nodes,
    }


def run(seed: int, **changes) -> EcosystemModel:
    """A small model run to its end."""
    model = EcosystemModel(small(**changes), seed=seed)
    model.run()
    return model


@pytest.fixture(scope="module")
def default_states() -> list[State]:
    """The end states of small default runs, one per seed in SEEDS."""
    return [run(seed).state for seed in SEEDS]


def corporate_gini(state: State) -> float:
    """Degree Gini among living corporates: hubs within a kind, not only between kinds."""
    return gini(state.degree()[state.rows(Kind.CORPORATE)])


def test_partner_limits_differ_by_kind_and_hold(default_states):
    state = default_states[0]
    a, deg = state.actors, state.degree()
    alive = np.flatnonzero(a.alive[: a.n])
    assert (deg[alive] <= a.max_partners[alive]).all()
    mean = {k: deg[state.rows(k)].mean() for k in (Kind.STARTUP, Kind.CORPORATE, Kind.UNIVERSITY)}
    assert mean[Kind.CORPORATE] > 2 * mean[Kind.STARTUP]
    assert mean[Kind.UNIVERSITY] > mean[Kind.STARTUP]
    big = np.r_[state.rows(Kind.CORPORATE), state.rows(Kind.UNIVERSITY)]
    assert deg[big].max() > small().population.startup.max_partners


def test_preferential_attachment_makes_hubs(default_states):
    """Paired seeds: visibility and reputation make degree more unequal, also among corporates.
    The largest degree of a small network is noisy (a university can become a hub by chance),
    so the means are over six seeds."""
    more = (4, 5, 6)
    on = default_states + [run(seed).state for seed in more]
    off = [run(seed, **NO_FAME).state for seed in SEEDS + more]
    on_stats = [network_stats(s) for s in on]
    off_stats = [network_stats(s) for s in off]
    for key in ("gini", "max_over_mean"):
        assert np.mean([s[key] for s in on_stats]) > np.mean([s[key] for s in off_stats]) * 1.15
    assert all(corporate_gini(x) > corporate_gini(y) for x, y in zip(on, off, strict=True))


def test_network_is_sparse_clustered_and_degree_heterogeneous(default_states):
    """At this small size (about 100 living partners) density is higher and the clustering
    ratio lower than at full size (docs/validation.md has the full-size figures)."""
    stats = [network_stats(state, seed) for state, seed in zip(default_states, SEEDS, strict=True)]
    for s in stats:
        assert s["density"] < 0.12
        assert s["clustering_ratio"] > 2.5
        assert s["max_over_mean"] > 3
        assert s["gini"] > 0.4
        assert s["at_limit"] < 0.3  # degree is set by attractiveness, not by the limit
    assert np.mean([s["clustering_ratio"] for s in stats]) > 4


def test_visible_candidates_are_drawn_in_proportion_to_partners_plus_one():
    pool = np.array([0, 1, 2])
    deg = np.array([0, 1, 8])
    drawn = partnering.draw_visible(pool, deg, 60_000, np.random.default_rng(0))
    share = np.bincount(drawn, minlength=3) / len(drawn)
    assert share == pytest.approx([1 / 12, 2 / 12, 9 / 12], abs=0.01)


def test_reputation_and_visibility_raise_attractiveness():
    model = EcosystemModel(small(steps=24), seed=1)
    model.run()
    state, params = model.state, model.params
    a = state.actors
    firms = np.r_[state.rows(Kind.STARTUP), state.rows(Kind.CORPORATE)]
    i, j = firms[:10], firms[10:20]
    base = partnering.attractiveness(state, params, i, j)
    a.recent_value[j] = a.recent_value[: a.n].max() * 10  # j becomes the most reputed
    famous = partnering.attractiveness(state, params, i, j)
    assert (famous > base).all()
    quiet = apply_changes(params, {"partnering.w_reputation": 0.0, "partnering.w_visibility": 0.0})
    assert (partnering.attractiveness(state, quiet, i, j) < famous).all()
    hub = np.array([np.argmax(state.degree())])
    assert partnering.visibility(state, hub)[0] == pytest.approx(1.0)


def test_an_actor_that_lost_a_partner_looks_for_a_replacement():
    """With no chance search, only actors named as having lost a partner propose ties."""
    model = EcosystemModel(small(steps=24), seed=2)
    model.run()
    state = model.state
    params = apply_changes(model.params, {"partnering.search_rate": 0.0})
    tally = Tally()
    partnering.search(state, params, model.rng, tally, model.recorder)
    assert tally.ties_formed == 0
    lost = state.rows(Kind.STARTUP)[:20]
    before = state.ties.n
    partnering.search(state, params, model.rng, tally, model.recorder, lost)
    assert tally.ties_formed > 0
    t = state.ties
    new_a, new_b = t.a[before : t.n], t.b[before : t.n]
    assert (np.isin(new_a, lost) | np.isin(new_b, lost)).all()


def test_dissolve_reports_who_lost_a_partner():
    model = EcosystemModel(small(steps=24), seed=3)
    model.run()
    state = model.state
    t = state.ties
    ends = {*t.a[: t.n].tolist(), *t.b[: t.n].tolist()}
    params = apply_changes(model.params, {"trust.floor": 1.0})  # every tie ends
    lost = partnering.dissolve(state, params, Tally(), model.recorder)
    assert state.ties.n == 0
    assert set(lost.tolist()) == ends
