"""The metrics carry information: each definition gives the known value on a known case, and
each moves the way it should when the rules it measures change (paired seeds, small size)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import small

from sim.model import measures
from sim.model.metrics import REGISTRY
from sim.model.model import EcosystemModel
from sim.model.neighbours import Neighbours
from sim.model.state import State
from sim.vocabulary import Kind, Origin

SEEDS = (1, 2)
ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def final(changes: dict, seeds=SEEDS, steps: int = 36) -> pd.DataFrame:
    """Per seed: the last month's metrics and the run metrics of `small` with `changes`."""
    rows = []
    for seed in seeds:
        model = EcosystemModel(small(steps=steps, **changes), seed=seed)
        frame = model.run()
        rows.append(frame.iloc[-1].to_dict() | model.run_metrics() | {"frame": frame})
    return pd.DataFrame(rows)


def researchers(knowledge: np.ndarray) -> State:
    """A state of living startups with the given knowledge rows."""
    state = State(knowledge.shape[1], capacity=len(knowledge))
    rows = state.actors.add(len(knowledge))
    a = state.actors
    a.kind[rows], a.alive[rows], a.knowledge[rows] = int(Kind.STARTUP), True, knowledge
    return state


def diversity(knowledge: np.ndarray) -> float:
    """The knowledge diversity of researchers with these knowledge rows."""
    return measures.knowledge_diversity(measures.researcher_knowledge(researchers(knowledge)))


def net(edges: list[tuple[int, int]], n: int) -> measures.Network:
    x, y = np.array(edges).T
    return measures.Network(Neighbours.of(n, x, y), n)


# --- the definitions on known cases ---------------------------------------------------------


def test_knowledge_diversity_is_the_mean_cognitive_distance_of_pairs():
    assert diversity(np.tile([0.2, 0.4, 0.0], (5, 1))) == pytest.approx(0.0, abs=1e-12)
    assert diversity(np.eye(4)) == pytest.approx(1.0)
    k = np.random.default_rng(0).random((30, 6)) ** 3
    unit = k / np.linalg.norm(k, axis=1, keepdims=True)
    cos = unit @ unit.T
    brute = 1 - cos[~np.eye(30, dtype=bool)].mean()
    assert diversity(k) == pytest.approx(brute)


def test_degree_heterogeneity_of_a_star_and_a_ring():
    star = net([(0, i) for i in range(1, 9)], 12)  # 3 isolated actors are left out
    assert measures.degree_max_mean(star) == pytest.approx(8 / (16 / 9))
    assert measures.degree_gini(star) == pytest.approx(measures.gini(np.array([8.0] + [1.0] * 8)))
    ring = net([(i, (i + 1) % 10) for i in range(10)], 10)
    assert measures.degree_max_mean(ring) == 1.0 and measures.degree_gini(ring) == 0.0
    assert measures.degree_max_mean(net([(0, 1)], 2)) == 1.0


def test_the_largest_component_counts_every_actor_of_the_network():
    # a path of 3 and a pair among 8 actors, the other 3 without ties
    assert measures.largest_component_share(net([(7, 2), (2, 4), (0, 6)], 8)) == 3 / 8
    lonely = measures.Network(Neighbours.of(4, np.array([], int), np.array([], int)), 4)
    assert measures.largest_component_share(lonely) == 1 / 4  # each actor alone
    empty = measures.Network(Neighbours.of(0, np.array([], int), np.array([], int)), 0)
    assert measures.largest_component_share(empty) == 0.0


def test_clustering_vs_random_is_one_for_a_random_graph_and_high_for_a_lattice():
    rng = np.random.default_rng(3)
    n, p = 600, 0.01
    x, y = np.triu_indices(n, 1)
    pick = rng.random(len(x)) < p
    random = net(list(zip(x[pick], y[pick], strict=True)), n)
    assert 0.6 < measures.clustering_vs_random(random) < 1.4
    lattice = net([(i, (i + d) % n) for i in range(n) for d in (1, 2)], n)  # clustering 1/2
    assert measures.clustering_vs_random(lattice) > 50


def test_time_to_first_product_is_the_median_over_startups_founded_in_the_run():
    state = researchers(np.ones((5, 2)))
    a = state.actors
    a.origin[:5] = [Origin.INITIAL, Origin.EXOGENOUS, Origin.COPY, Origin.SPINOFF, Origin.EXOGENOUS]
    a.born[:5] = [0, 10, 20, 30, 40]
    a.first_product[:5] = [3, 14, 26, 40, -1]  # the initial one and the one without don't count
    assert measures.time_to_first_product(state) == 6.0
    a.first_product[:5] = [3, -1, -1, -1, -1]
    assert np.isnan(measures.time_to_first_product(state))


# --- they move with the rules -----------------------------------------------------------------


def test_knowledge_diversity_rises_with_specialisation():
    narrow = final({"knowledge.ih_size": [1, 2]})
    broad = final({"knowledge.ih_size": [6, 8]})
    assert (narrow["knowledge_diversity"] > broad["knowledge_diversity"] + 0.1).all()


def test_time_to_first_product_follows_the_approval_delay():
    quick = final({"governance.approval_delay": 2})
    slow = final({"governance.approval_delay": 12})
    # the median over a few dozen startups is noisy: compare the seeds' mean
    assert slow["time_to_first_product"].mean() > quick["time_to_first_product"].mean() + 5
    assert (quick["time_to_first_product"] >= 3).all()  # its own launch, not the run's first


def test_hubs_raise_degree_heterogeneity():
    caps = {f"population.{k}.max_partners": 5 for k in ("startup", "corporate", "university")}
    hubs = final(caps | {f"population.{k}.max_partners": 40 for k in ("corporate", "university")})
    flat = final(caps)
    assert (hubs["degree_max_mean"] > 1.2 * flat["degree_max_mean"]).all()
    assert (hubs["degree_gini"] > flat["degree_gini"] + 0.07).all()


def test_a_low_partner_cap_breaks_the_giant_component():
    cap = {f"population.{k}.max_partners": 2 for k in ("startup", "corporate", "university")}
    low, usual = final(cap), final({})
    assert (low["largest_component_share"] < usual["largest_component_share"] - 0.3).all()
    assert (usual["clustering_vs_random"] > 2).all()  # clustered beyond a random graph


def test_innovations_by_kind_add_up_and_joint_ones_need_projects():
    runs = final({}, seeds=(1,))["frame"][0]
    kinds = ("startup_innovations", "corporate_innovations", "university_innovations")
    assert (runs[list(kinds)].sum(axis=1) == runs["innovations"]).all()
    assert (runs[list(kinds)].sum() > 0).all()
    assert 0 < runs["joint_innovations"].sum() < runs["innovations"].sum()
    solo = final({"projects.start_rate": 0.0, "calls.enabled": False}, seeds=(1,))
    assert solo["frame"][0]["joint_innovations"].sum() == 0


def test_every_registry_metric_is_defined_in_the_odd():
    text = ODD.read_text(encoding="utf-8")
    missing = [m.name for m in REGISTRY if f"`{m.name}`" not in text]
    assert not missing, f"metrics without a definition in docs/ODD.md section 4: {missing}"


def test_network_measures_are_networkx_s_on_the_partnering_kinds_alone():
    """When some tied actors are outside the network (their kind may no longer partner), the
    measures are those of the network actors' own graph, isolates included."""
    import networkx as nx

    model = EcosystemModel(small(steps=24), seed=4)
    model.run()
    s = model.state
    matrix = model.params.partnering.matrix
    partners = {k: [o for o in v if o != "university"] for k, v in matrix.items()}
    partners["university"] = []
    params = model.params.model_copy(
        update={"partnering": model.params.partnering.model_copy(update={"matrix": partners})}
    )
    nodes = measures.network_nodes(s, params)
    t = s.ties
    a, b = t.a[: t.n], t.b[: t.n]
    assert not np.isin(a, nodes).all() or not np.isin(b, nodes).all()  # some ties end outside
    graph = nx.Graph()
    graph.add_nodes_from(nodes.tolist())
    graph.add_edges_from((x, y) for x, y in zip(a, b, strict=True) if x in graph and y in graph)
    net = measures.network(s, params)
    assert measures.clustering(net) == pytest.approx(nx.average_clustering(graph))
    assert measures.density(net) == pytest.approx(nx.density(graph))
    largest = max(len(c) for c in nx.connected_components(graph)) / len(nodes)
    assert measures.largest_component_share(net) == pytest.approx(largest)
    assert sorted(measures.degrees(net)) == sorted(d for _, d in graph.degree() if d > 0)
