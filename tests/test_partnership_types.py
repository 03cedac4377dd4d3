"""Partnership types (sim/model/mechanisms/partnerships.py, standards.py): the type follows
the partners' kinds, needs and trust; sharing raises productivity and leaks; standards raise
members' sales and cut outsiders' in their field, and lock in; records and network exports
carry the type; each type's cost is booked."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from support import small

from sim.model import network_export
from sim.model.mechanisms import market, partnering, partnerships, research, standards
from sim.model.metrics import Tally
from sim.model.model import EcosystemModel
from sim.model.money import OUTSIDE
from sim.scenario import apply_changes
from sim.vocabulary import Kind, TieType

LEVELS = {TieType.JOINT_RD: "joint_rd_ties", TieType.SHARING: "sharing_ties"}
LEVELS[TieType.STANDARD] = "standard_ties"


@pytest.fixture(scope="module")
def ran() -> EcosystemModel:
    """A small five-year run with the ties and actors records."""
    model = EcosystemModel(small(record=["ties", "actors"]), seed=4)
    model.run()
    return model


def test_the_type_follows_kinds_needs_and_trust(ran):
    s, ties = ran.state, ran.records()["ties"]
    assert set(ties["type"]) == set(TieType.labels())  # every type is chosen
    standard = ties[ties["type"] == "standard"]
    assert not (standard[["kind_a", "kind_b"]] == "university").any().any()  # firms only
    t = s.ties
    std = t.type[: t.n] == TieType.STANDARD
    assert std.any() and (t.field[: t.n][std] >= 0).all() and (t.field[: t.n][~std] < 0).all()
    # a firm short of R&D capacity shares far more often with a well-funded firm than two
    # well-funded firms do; ties with a university and two universities never make a standard
    a, params = s.actors, ran.params
    firms = s.rows((Kind.STARTUP, Kind.CORPORATE))
    by_budget = firms[np.argsort(a.rd_budget[firms])]
    poor, rich = by_budget[:20], by_budget[-20:]
    lack = partnerships.lack
    assert lack(s, params, poor, rich).mean() > 2 * lack(s, params, rich, poor).mean()
    pairs = {"poor": (poor, rich), "rich": (rich, np.roll(rich, 1))}
    pairs["university"] = (s.rows(Kind.UNIVERSITY), poor)
    chosen = {}
    for name, (x, y) in pairs.items():
        state = copy.deepcopy(s)
        rows = state.ties.add(400)
        state.ties.a[rows], state.ties.b[rows] = np.resize(x, 400), np.resize(y, 400)
        partnerships.choose(state, params, np.random.default_rng(1), rows)
        chosen[name] = state.ties.type[rows]
    sharing = {name: np.mean(kinds == TieType.SHARING) for name, kinds in chosen.items()}
    assert sharing["poor"] > 2 * sharing["rich"] and sharing["poor"] > 0.2
    assert (chosen["university"] == TieType.JOINT_RD).all()  # research collaborations
    uni = s.rows(Kind.UNIVERSITY)
    fit, _ = partnerships.fits(s, params, uni[:-1], uni[1:])
    assert (fit[:, TieType.STANDARD] == 0).all() and (fit[:, TieType.JOINT_RD] > 0).all()
    # a tie ends below its type's trust need: sharing needs more than joint R&D
    state = copy.deepcopy(s)
    t = state.ties
    t.eff_ab[: t.n] = t.eff_ba[: t.n] = 0.25  # above the floor, below sharing's need
    t.last_success[: t.n] = t.until[: t.n] = state.t  # none stale, none at its term's end
    kinds = t.type[: t.n].copy()
    partnering.dissolve(state, params, Tally(), ran.recorder)
    assert (kinds == TieType.SHARING).any()
    assert state.ties.n == np.count_nonzero(kinds != TieType.SHARING)
    # a sharing agreement needs more trust than a new partner has: none forms
    wary = EcosystemModel(small(steps=24, **{"trust.initial": 0.2}), seed=4)
    wary.run()
    assert wary.series["sharing_ties"].max() == 0 and wary.series["joint_rd_ties"][-1] > 0


def _month_of_research(state, params, seed: int) -> tuple[int, np.ndarray]:
    """Innovations and knowledge after one research stage on a copy of `state`."""
    state = copy.deepcopy(state)
    made = research.research(state, params, np.random.default_rng(seed), Tally())
    return len(made), state.actors.knowledge


def test_sharing_raises_productivity_and_leaks(ran):
    s, params = copy.deepcopy(ran.state), ran.params
    partnerships.share(s, params, Tally())
    sharers = np.flatnonzero(s.actors.shared_gain[: s.actors.n] > 1)
    assert len(sharers) > 10
    alone = copy.deepcopy(s)
    alone.actors.shared_gain[:] = 1.0  # the same month without what sharing partners add
    more = 0
    for seed in range(10):  # the same random draws with and without the gain
        with_gain, known = _month_of_research(s, params, seed)
        without, known_alone = _month_of_research(alone, params, seed)
        assert with_gain >= without
        more += with_gain - without
        funded = sharers[s.actors.rd_budget[sharers] > 0]
        assert (known[funded].sum(axis=1) > known_alone[funded].sum(axis=1)).all()
    assert more > 0
    # leakage: under the open rule a partner's patented knowledge passes, fenced it does not
    leaked = {}
    for rule in ("open", "fenced"):
        state = copy.deepcopy(ran.state)
        tally = Tally()
        partnerships.share(
            state, apply_changes(params, {"partnerships.sharing.ip_rule": rule}), tally
        )
        leaked[rule] = (tally.knowledge_leaked, state.actors.knowledge.sum())
    assert leaked["open"][0] > 0 == leaked["fenced"][0]
    assert leaked["open"][1] > leaked["fenced"][1]
    assert ran.series["knowledge_leaked"].sum() > 0


def test_standards_raise_members_sales_and_cut_outsiders(ran):
    s, params = copy.deepcopy(ran.state), ran.params
    standards.mark(s)
    p = s.products
    active = np.flatnonzero((p.launch[: p.n] <= s.t) & (s.t < p.end[: p.n]))
    field = p.field[active]
    member = p.standard[active]
    f = np.bincount(field[member], minlength=s.fields).argmax()  # the field with most members
    s.standard_base[:] = 0.0
    before = market.monthly_revenue(s, params, active)
    s.standard_base[f] = 0.5
    after = market.monthly_revenue(s, params, active)
    inside, outside = (field == f) & member, (field == f) & ~member
    assert inside.any() and outside.any()
    assert (after[inside] > before[inside]).all() and (after[outside] < before[outside]).all()
    assert np.allclose(after[field != f], before[field != f])
    share = ran.series["standard_sales_share"]
    assert share.max() > 0 and (share <= 1).all()
    # lock-in: a membership whose term is over renews where its standard has a base
    t = s.ties
    std = np.flatnonzero(t.type[: t.n] == TieType.STANDARD)
    assert len(std) >= 2
    t.until[std] = s.t - 1
    t.field[std] = np.where(np.arange(len(std)) % 2, 1, 0)  # half in field 0, half in 1
    s.standard_base[:] = 0.0
    s.standard_base[0] = params.partnerships.standard.renew_base
    ends = partnerships.expire(s, params)
    based = t.field[std] == 0
    assert not ends[std[based]].any() and ends[std[~based]].all()
    assert (t.until[std[based]] >= s.t).all()


def test_records_and_exports_carry_the_type(ran):
    s, ties = ran.state, ran.records()["ties"]
    alive = ties[ties["reason"] == "alive at end"]["type"].value_counts()
    t = s.ties
    labels = TieType.labels()
    assert list(labels) == ["joint R&D", "sharing", "standard"]
    for code in TieType:
        assert alive.get(labels[code], 0) == np.count_nonzero(t.type[: t.n] == code)
        assert alive.get(labels[code], 0) == ran.series[LEVELS[code]][-1]
    assert "expired" in set(ties["reason"])  # sharing agreements ran their term
    g = network_export.graph(s)
    edge_types = [d["type"] for _, _, d in g.edges(data=True)]
    assert sorted(edge_types) == sorted(np.take(labels, t.type[: t.n]).tolist())


def test_each_types_cost_is_booked():
    model = EcosystemModel(small(steps=48), seed=5)
    s = model.state
    start = s.actors.capital[: s.actors.n].copy()
    sinks_before = dict(s.sinks)
    journal = s.keep_journal()
    model.run()
    j = journal.frame()
    a, t = s.actors, s.ties
    for sink in partnerships.SINKS.values():
        paid = j[j["purpose"] == sink]
        assert len(paid) and (paid["payee"] == OUTSIDE).all()
        assert paid["amount"].sum() == pytest.approx(s.sinks[sink] - sinks_before.get(sink, 0))
    # money is conserved: each actor's capital is what its movements add up to
    got = np.bincount(j["payee"][j["payee"] >= 0], j["amount"][j["payee"] >= 0], a.n)
    gave = np.bincount(j["payer"][j["payer"] >= 0], j["amount"][j["payer"] >= 0], a.n)
    expected = np.r_[start, np.zeros(a.n - len(start))] + got - gave
    assert np.allclose(a.capital[: a.n], expected, atol=1e-6)
    # a month's bill: each side pays its type's cost per tie (a startup as far as its cash goes)
    before = dict(s.sinks)
    tally = Tally()
    partnerships.pay(s, model.params, tally)
    terms = (model.params.partnerships.joint_rd, model.params.partnerships.sharing)
    terms += (model.params.partnerships.standard,)
    for code, sink in partnerships.SINKS.items():
        owed = 2 * terms[code].cost * np.count_nonzero(t.type[: t.n] == code)
        assert 0 < s.sinks[sink] - before[sink] <= owed + 1e-12
    assert tally.partnership_costs == pytest.approx(
        sum(s.sinks[k] - before[k] for k in partnerships.SINKS.values())
    )
