"""Creative destruction and the life cycle of firms: products age and lose sales to better
newcomers, joint projects' partners share revenue, startups keep facing a closure hazard, and
incumbents' existing business erodes until some exit."""

from __future__ import annotations

import numpy as np
import pytest
from support import small

from sim.model.mechanisms import lifecycle, market
from sim.model.metrics import Tally
from sim.model.model import EcosystemModel
from sim.model.records import NoRecords
from sim.vocabulary import End, Kind

SEEDS = (1, 2, 3)


def _fresh(**changes) -> EcosystemModel:
    """A small model at month 40 with no products on the market."""
    model = EcosystemModel(small(**changes), seed=1)
    model.state.t = 40
    p = model.state.products
    p.keep(np.zeros(p.n, dtype=bool))
    return model


def _put(state, owner, field, value, launch, partner=-1, share=0.0) -> int:
    """Add one product; returns its row."""
    p = state.products
    row = int(p.add(1)[0])
    p.owner[row], p.field[row], p.value[row] = owner, field, value
    p.launch[row], p.end[row] = launch, launch + 1000
    p.partner[row], p.partner_share[row] = partner, share
    return row


def test_a_newer_better_product_takes_sales_from_older_ones():
    model = _fresh()
    s, params = model.state, model.params
    st = s.rows(Kind.STARTUP)
    old = _put(s, st[0], 3, 1.0, launch=4)
    young = _put(s, st[1], 3, 1.0, launch=40)
    before = market.monthly_revenue(s, params, np.array([old, young]))
    assert before[1] > before[0]  # same value at launch: the older one has aged
    better = _put(s, st[2], 3, 3.0, launch=40)
    after = market.monthly_revenue(s, params, np.array([old, young, better]))
    assert after[0] < before[0] and after[1] < before[1]  # the newcomer takes sales
    assert after[2] > after[1]
    elsewhere = _put(s, st[3], 5, 1.0, launch=40)
    assert market.monthly_revenue(s, params, np.array([elsewhere]))[0] > after[1]


def test_sell_pays_the_partner_its_share_and_retires_products_that_earn_too_little():
    model = _fresh()
    s, params = model.state, model.params
    a = s.actors
    owner, partner, gone = s.rows(Kind.STARTUP)[:3]
    joint = _put(s, owner, 2, 1.0, launch=40, partner=partner, share=0.4)
    _put(s, owner, 2, 1e-4, launch=40)  # earns less than market.min_revenue
    _put(s, owner, 4, 1.0, launch=40, partner=gone, share=0.5)
    a.alive[gone] = False  # a partner that has left is paid nothing
    revenue = market.monthly_revenue(s, params, np.arange(s.products.n))
    capital, sales = a.capital.copy(), s.sources["product_sales"]
    market.sell(s, params, Tally(), NoRecords())

    earned = s.sources["product_sales"] - sales
    assert earned == pytest.approx(revenue.sum())
    assert a.capital[partner] - capital[partner] == pytest.approx(0.4 * revenue[0])
    assert a.capital[owner] - capital[owner] == pytest.approx(earned - 0.4 * revenue[0])
    assert a.capital[gone] == capital[gone]
    assert a.product_revenue[partner] == pytest.approx(0.4 * revenue[0])
    assert s.products.n == 2 and joint == 0  # the tiny product left the market


def test_submit_keeps_a_joint_projects_partner_and_share():
    model = EcosystemModel(small(steps=30), seed=2)
    model.run()
    p = model.state.products
    joint = p.partner[: p.n] >= 0
    if not joint.any():
        pytest.skip("no joint-project product in this run")
    shares = p.partner_share[: p.n][joint]
    assert ((shares > 0) & (shares < 1)).all()
    # a partner that since bought the owner holds the product itself (and pays no share)
    bought = p.partner[: p.n][joint] == p.owner[: p.n][joint]
    assert (~bought).any()
    assert (model.state.actors.acquirer >= 0).any() or not bought.any()


def test_closure_hazard_is_lower_with_traction_and_set_by_newness():
    model = _fresh(**{"lifecycle.newness_factor": 2.0, "lifecycle.traction_factor": 0.25})
    s, lc = model.state, model.params.lifecycle
    a = s.actors
    rows = s.rows(Kind.STARTUP)[:4]
    a.born[rows] = [0, 0, 0, s.t]  # the last is a newcomer
    a.product_revenue[rows] = [0.0, a.burn[rows[1]] / 2, a.burn[rows[2]] * 3, 0.0]
    hazard = lifecycle.closure_hazard(s, model.params, rows)
    assert hazard[0] == pytest.approx(lc.closure_rate)
    assert hazard[1] == pytest.approx(lc.closure_rate * (1 - 0.75 / 2))
    assert hazard[2] == pytest.approx(lc.closure_rate * 0.25)  # revenue covers the burn
    assert hazard[3] == pytest.approx(2 * lc.closure_rate)


def _deaths(model: EcosystemModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Startups founded in the run: age at death (-1 alive), why, and whether it was a startup
    still (no IPO)."""
    a = model.state.actors
    n = a.n
    founded = ((a.kind[:n] == Kind.STARTUP) | (a.ipo_step[:n] >= 0)) & (a.born[:n] >= 1)
    ended, born = a.ended[:n][founded], a.born[:n][founded]
    return np.where(ended >= 0, ended - born, -1), a.end_reason[:n][founded], born


def _survival(model: EcosystemModel, age: int) -> float:
    died_at, why, born = _deaths(model)
    cohort = born <= model.steps - age
    dead = (died_at >= 0) & (died_at <= age) & (why != End.ACQUIRED)
    return float(1 - dead[cohort].mean())


def test_startups_keep_dying_past_two_years_and_closures_lower_survival():
    few = {"steps": 60, "population.startup.count": 40, "entry.rate": 4.0}
    few |= {"population.corporate.count": 10, "population.university.count": 3}
    with_hazard, without = [], []
    late_closures = 0
    for seed in SEEDS:
        model = EcosystemModel(small(**few), seed=seed)
        model.run()
        died_at, why, _ = _deaths(model)
        late_closures += int(((why == End.CLOSED) & (died_at > 24)).sum())
        with_hazard.append(_survival(model, 30))
        off = EcosystemModel(small(**few, **{"lifecycle.closure_rate": 0.0}), seed=seed)
        off.run()
        assert not (_deaths(off)[1] == End.CLOSED).any()
        without.append(_survival(off, 30))
    assert late_closures > 0
    assert np.mean(with_hazard) < np.mean(without) - 0.05


def test_others_launches_erode_an_incumbents_business_faster():
    model = _fresh()
    s, params = model.state, model.params
    a = s.actors
    co = s.rows(Kind.CORPORATE)[:3]
    a.ih[co] = False
    a.ih[co[0], 3] = a.ih[co[1], 7] = a.ih[co[2], 3] = True
    a.revenue[co] = 10.0
    _put(s, s.rows(Kind.STARTUP)[0], 3, 2.0, launch=s.t)  # a rival launch in field 3
    _put(s, co[2], 3, 5.0, launch=s.t)  # erodes co[0], not co[2] itself
    lifecycle.erode(s, params)
    lc = params.lifecycle
    assert a.revenue[co[1]] == pytest.approx(10 * (1 - lc.revenue_erosion))
    rivals = 1 - lc.revenue_erosion - 7 * lc.displacement  # co[0] faces both launches
    assert a.revenue[co[0]] == pytest.approx(10 * rivals)
    assert a.revenue[co[2]] == pytest.approx(10 * (1 - lc.revenue_erosion - 2 * lc.displacement))


def test_shrinking_incumbents_with_thin_reserves_exit_and_none_without_erosion():
    thin = {"population.corporate.capital": [5.0, 20.0], "steps": 36}
    thin |= {"population.startup.count": 40, "entry.rate": 1.0}
    still = {"lifecycle.revenue_erosion": 0.0, "lifecycle.displacement": 0.0}
    exits, shrink = [], []
    for seed in SEEDS:
        for changes in (thin | {"lifecycle.revenue_erosion": 0.02}, thin | still):
            model = EcosystemModel(small(**changes), seed=seed)
            a = model.state.actors
            co = model.state.rows(Kind.CORPORATE)
            start = a.revenue[co].copy()
            model.run()
            exits.append(int((a.end_reason[co] == End.EXITED).sum()))
            shrink.append(float((a.revenue[co] / start).mean()))
    eroding, steady = exits[0::2], exits[1::2]
    assert sum(steady) == 0 and sum(eroding) > 0
    assert max(shrink[0::2]) < 0.8 and min(shrink[1::2]) == pytest.approx(1.0)


def test_money_is_conserved_with_partner_shares_closures_and_idle_capacity():
    model = EcosystemModel(small(steps=30), seed=4)
    s = model.state
    for _ in range(model.params.steps):
        model.step()
        a = s.actors
        held = a.capital[: a.n][a.alive[: a.n]].sum()
        assert held == pytest.approx(sum(s.sources.values()) - sum(s.sinks.values()), abs=1e-6)
    assert s.sinks["idle_capacity"] > 0
