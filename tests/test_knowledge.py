"""Knowledge v2: learning costs effort, the state of the art moves, the pool cannot saturate,
joint projects pool partners' knowledge, and universities, trust, IP and the network change
how many innovations there are (paired seeds at small size)."""

from __future__ import annotations

import numpy as np
import pytest
from support import small

from sim.model.mechanisms import projects, research
from sim.model.model import EcosystemModel
from sim.vocabulary import FIRMS, Kind

SEEDS = range(3)
NO_TIES = {f"population.{k}.max_partners": 0 for k in ("startup", "corporate", "university")}


def finish(changes: dict, seed: int, steps: int = 60) -> EcosystemModel:
    model = EcosystemModel(small(**changes), seed=seed)
    model.run(steps)
    return model


def total(model: EcosystemModel, metric: str) -> float:
    return float(model.series[metric].sum())


def firms_knowledge(model: EcosystemModel) -> float:
    """Firms' mean knowledge in absolute terms (relative level times the state of the art)."""
    s = model.state
    return float((s.actors.knowledge[s.rows(FIRMS)] * s.frontier).mean())


def paired(changes_a: dict, changes_b: dict, measure, steps: int = 60) -> np.ndarray:
    """measure(b) - measure(a) per seed."""
    return np.array(
        [measure(finish(changes_b, s, steps)) - measure(finish(changes_a, s, steps)) for s in SEEDS]
    )


def test_no_rd_money_no_learning_on_the_ih():
    quiet = {"knowledge.unfunded_absorption": 0.0, "knowledge.radical_prob": {}}
    model = EcosystemModel(small(**NO_TIES, **quiet), seed=1)
    s = model.state
    model.step()
    rows = s.rows(Kind.STARTUP)[:20]
    before = s.actors.knowledge[rows].copy()
    s.actors.burn[rows] = 1e-9  # nearly nothing spent on R&D from now on
    s.actors.rd_share[rows] = 0.0
    funded = s.rows(Kind.CORPORATE)[:20]
    funded_before = s.actors.knowledge[funded] * s.frontier
    model.step()
    on_ih = s.actors.ih[rows]
    # the state of the art moved, so unfunded knowledge can only shrink relative to it
    assert (s.actors.knowledge[rows][on_ih] <= before[on_ih] + 1e-12).all()
    gained = s.actors.knowledge[funded] * s.frontier - funded_before
    assert gained[s.actors.ih[funded]].mean() > 0


def test_the_state_of_the_art_moves_and_knowledge_ages_against_it():
    model = finish({}, seed=2)
    assert (model.state.frontier > 1).all()
    still = finish({"knowledge.frontier_push": 0.0, "knowledge.basic_research": 0.0}, seed=2)
    assert (still.state.frontier == 1).all()


def test_the_public_pool_never_saturates_and_needs_universities():
    with_univ = [finish({"steps": 120}, s, 120).state.pool for s in SEEDS]
    without = [finish({"population.university.count": 0}, s, 120).state.pool for s in SEEDS]
    assert max(p.max() for p in with_univ) < 0.95
    assert np.mean([p.mean() for p in without]) < 0.8 * np.mean([p.mean() for p in with_univ])


def test_a_project_pools_the_better_knowledge_of_both_partners():
    model = finish({}, seed=3, steps=24)
    plans = projects.plan(model.state, model.params)
    assert len(plans.tie) > 0
    ih, know = projects.pooled(model.state, model.params, plans)
    lead = model.state.actors.knowledge[plans.lead]
    assert (know[ih] >= lead[ih] - 1e-12).all()
    assert (ih >= model.state.actors.ih[plans.lead]).all()
    # a university never leads a project with a firm
    kind = model.state.actors.kind
    mixed = (kind[plans.lead] != kind[plans.partner]) & (
        (kind[plans.lead] == Kind.UNIVERSITY) | (kind[plans.partner] == Kind.UNIVERSITY)
    )
    assert (kind[plans.lead][mixed] != Kind.UNIVERSITY).all()


def test_joint_projects_add_innovations():
    off = {"projects.start_rate": 0.0, "calls.enabled": False}
    diff = paired(off, {}, lambda m: total(m, "innovations"))
    assert (diff > 0).all()
    none = finish(off, seed=0)
    assert total(none, "joint_innovations") == 0


def test_knowledge_elasticity_makes_knowledge_matter():
    weak = {"population.startup.strong_level": [0.2, 0.3]}
    strong = {"population.startup.strong_level": [0.8, 0.9]}
    diff = paired(weak, strong, lambda m: total(m, "startup_innovations"), steps=24)
    assert (diff > 0).all()
    money, quality = np.full(3, 0.5), np.array([0.2, 0.5, 0.9])
    assert np.all(np.diff(research._chance(small(), money, quality)) > 0)
    flat = research._chance(small(**{"knowledge.knowledge_elasticity": 0.0}), money, quality)
    assert np.ptp(flat) == 0


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"population.university.count": 0}, "universities"),
        (NO_TIES, "partnering"),
        ({"trust.preset": "low"}, "trust"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_institutions_and_the_network_change_the_innovation_count(changes, why):
    fewer = paired({}, changes, lambda m: total(m, "innovations"))
    assert (fewer < 0).all(), why
    less = paired({}, changes, firms_knowledge)
    assert less.mean() < 0, why
