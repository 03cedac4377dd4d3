"""Users as an idea source (sim/model/mechanisms/users.py): idea communities raise their
hosts' innovations, demand grows in the fields where users engage, the cost is booked, the
default changes nothing, and an event opens a community mid-run."""

from __future__ import annotations

import numpy as np
import pytest
from support import small

from sim.model.mechanisms import market, users
from sim.model.model import EcosystemModel
from sim.model.runner import run_scenario
from sim.vocabulary import End, Kind

COLUMNS = ["user_ideas", "community_innovations", "community_cost", "user_engagement"]


def _richest_corporate(model: EcosystemModel) -> int:
    s = model.state
    co = s.rows(Kind.CORPORATE)
    return int(co[np.argmax(s.actors.capital[co])])


def test_a_community_raises_its_hosts_innovations():
    made = {}
    for hosts in (0, 1):
        scenario = small(steps=36, record=["innovations"], **{"users.communities": hosts})
        model = EcosystemModel(scenario, seed=4)
        host = _richest_corporate(model)  # the host is chosen in the first month
        model.run()
        innovations = model.records()["innovations"]
        made[hosts] = int((innovations["actor"] == host).sum())
        assert model.state.actors.community[host] == bool(hosts)
    assert made[1] > 2 * made[0] + 10, made


def test_demand_rises_in_the_fields_where_users_engage():
    model = EcosystemModel(small(steps=36, **{"users.communities": 2}), seed=1)
    model.run()
    s, p = model.state, model.params
    hosts = np.flatnonzero(s.actors.community[: s.actors.n])
    assert len(hosts) == 2
    worked = s.actors.ih[hosts].any(axis=0)
    # users joined the hosts' fields (one just taken up by a radical move has few yet)
    assert s.engagement[worked].mean() > 0.2
    assert s.engagement.max() < 1
    factor = users.demand_factor(s, p)
    assert factor[worked].mean() > 1.1 and (factor >= 1).all()
    # a product's revenue is its field's demand, raised by the engaged users, ...
    products = np.arange(s.products.n)
    engaged = market.monthly_revenue(s, p, products)
    s.engagement[:] = 0.0
    alone = market.monthly_revenue(s, p, products)
    expected = alone * factor[s.products.field[products]]
    assert engaged == pytest.approx(expected)
    assert (engaged > alone)[worked[s.products.field[products]]].all()
    # ... so sales over the run rise with involvement
    base = run_scenario(small(steps=36), seed=1)[1]
    involved = run_scenario(small(steps=36, **{"users.communities": 4}), seed=1)[1]
    assert involved.product_revenue.sum() > 1.05 * base.product_revenue.sum()


def test_the_community_cost_is_booked_and_money_conserved():
    cost, steps = 0.4, 24
    scenario = small(steps=steps, **{"users.communities": 2, "users.cost": cost})
    model = EcosystemModel(scenario, seed=2)
    s = model.state
    for _ in range(steps):
        model.step()
        hosts = np.flatnonzero(s.actors.community[: s.actors.n])
        assert len(hosts) == 2
        a = s.actors
        held = a.capital[: a.n][a.alive[: a.n]].sum()
        assert held == pytest.approx(sum(s.sources.values()) - sum(s.sinks.values()), abs=1e-6)
    paid = model.series["community_cost"]
    assert paid == pytest.approx(np.full(steps, 2 * cost))
    assert s.sinks["community_costs"] == pytest.approx(2 * cost * steps)


def test_by_default_no_community_and_nothing_changes(monkeypatch):
    scenario = small(steps=30)
    assert scenario.users.communities == 0
    # the users' parameters do nothing while no firm runs a community
    loud = small(steps=30, **{"users.idea_rate": 500.0, "users.demand_response": 5.0})
    model, frame = run_scenario(scenario, seed=5)
    _, same = run_scenario(loud, seed=5)
    assert frame.equals(same)
    assert (frame[COLUMNS] == 0).all().all()
    assert not model.state.engagement.any() and not model.state.idea_stock.any()
    # and the model is what it was without the mechanism
    monkeypatch.setattr(users, "involve", lambda s, p, rng, made, tally: made)
    monkeypatch.setattr(users, "demand_factor", lambda s, p: np.ones(s.fields))
    _, without = run_scenario(scenario, seed=5)
    assert frame.drop(columns=COLUMNS).equals(without.drop(columns=COLUMNS))


def test_an_event_opens_a_community_and_a_later_one_closes_it():
    events = [
        {"at": 12, "set": {"users.communities": 1}},
        {"at": 24, "set": {"users.communities": 0}},
    ]
    model = EcosystemModel(small(steps=36, events=events), seed=3)
    for _ in range(11):
        model.step()
    assert not model.state.actors.community.any()
    richest = _richest_corporate(model)
    model.step()  # month 12: the richest corporate opens one
    assert np.flatnonzero(model.state.actors.community).tolist() == [richest]
    for _ in range(24):
        model.step()
    series = model.series
    cost = series["community_cost"]
    assert (cost[:11] == 0).all() and (cost[11:23] > 0).all() and (cost[23:] == 0).all()
    assert series["community_innovations"][11:23].sum() > 0
    assert series["community_innovations"][23:].sum() == 0
    engagement = series["user_engagement"]
    assert engagement[22] > engagement[11] > 0  # users join while it runs ...
    assert engagement[-1] < engagement[22]  # ... and drift away once it closed
    assert not model.state.actors.community.any()


def test_a_host_that_ends_is_replaced_by_the_richest_other_corporate():
    model = EcosystemModel(small(steps=12, **{"users.communities": 1}), seed=6)
    model.step()
    s = model.state
    (host,) = np.flatnonzero(s.actors.community[: s.actors.n])
    s.end(np.array([host]), End.EXITED)
    successor = _richest_corporate(model)
    assert successor != host
    assert users._hosts(s, 1).tolist() == [successor]
    assert not s.actors.community[host]
