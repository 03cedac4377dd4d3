"""Brokers and intermediaries (sim/model/mechanisms/brokers.py, docs/ODD.md 7.18): the
accelerator helps the startups it admits and its money is booked, TTO licences pay
universities, the platform forms more ties for a fee, and all are neutral when off."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.mechanisms import brokers
from sim.model.model import EcosystemModel
from sim.vocabulary import FIRMS, End, Kind
from tests.support import small

ACCELERATOR = {"brokers.accelerator_cohort": 10}  # cohorts at months 6, 12, ...
NO_SERVICES = {
    "brokers.accelerator_stipend": 0.0,
    "brokers.accelerator_cost": 0.0,
    "brokers.accelerator_mentoring": 0.0,
    "brokers.accelerator_introductions": 0,
    "brokers.accelerator_signal": 0.0,
}


def journaled(seed: int = 3, **changes) -> tuple[EcosystemModel, object, np.ndarray]:
    """A small run with the journal on; returns the model, the journal and opening capital."""
    model = EcosystemModel(small(**changes), seed=seed)
    start = model.state.actors.capital[: model.state.actors.n].copy()
    journal = model.state.keep_journal()
    model.run()
    return model, journal.frame(), start


def assert_money_conserved(model: EcosystemModel, j, start: np.ndarray) -> None:
    """Each actor's capital is what its movements add up to; the ledger balances."""
    s, a = model.state, model.state.actors
    got = np.bincount(j["payee"][j["payee"] >= 0], j["amount"][j["payee"] >= 0], a.n)
    paid = np.bincount(j["payer"][j["payer"] >= 0], j["amount"][j["payer"] >= 0], a.n)
    assert np.allclose(a.capital[: a.n], np.r_[start, np.zeros(a.n - len(start))] + got - paid)
    assert a.capital[: a.n].sum() == pytest.approx(sum(s.sources.values()) - sum(s.sinks.values()))
    inside = j[(j["payer"] >= 0) & (j["payee"] >= 0)]
    assert (inside["payer"] != inside["payee"]).all()


def test_off_by_default_and_the_same_run_as_without_the_stage(monkeypatch):
    default = EcosystemModel(small(steps=36), seed=5).run()
    on = EcosystemModel(small(steps=36, **ACCELERATOR), seed=5).run()
    monkeypatch.setattr(brokers, "run", lambda *args: None)
    without = EcosystemModel(small(steps=36), seed=5).run()
    assert default.equals(without)
    assert not default.equals(on)  # the stage is wired in: switching it on changes the run
    for name in ("accelerated_startups", "brokered_ties", "broker_fees", "tto_licences"):
        assert default[name].sum() == 0


def _first_cohort(changes: dict, seed: int) -> tuple[np.ndarray, float, float]:
    """The startups admitted at month 6, the VC money they raised, and the share of them
    alive or acquired at the end."""
    model = EcosystemModel(small(record=["deals"], **changes), seed=seed)
    model.run()
    a = model.state.actors
    first = np.flatnonzero(a.accelerated_at[: a.n] == 6)
    deals = model.records()["deals"]
    rounds = deals[(deals["event"] == "investment") & deals["startup"].isin(first)]
    alive = (a.ended[first] < 0) | (a.end_reason[first] == End.ACQUIRED)
    return first, float(rounds["amount"].sum()), float(alive.sum())


def test_accelerated_startups_raise_more_and_survive_better_than_the_same_startups_unhelped():
    raised, survived, size = np.zeros(2), np.zeros(2), 0
    for seed in (1, 2, 3):
        helped = _first_cohort(ACCELERATOR, seed)
        unhelped = _first_cohort(ACCELERATOR | NO_SERVICES, seed)  # screened, nothing given
        assert np.array_equal(helped[0], unhelped[0])  # the same startups were picked
        size += len(helped[0])
        raised += helped[1], unhelped[1]
        survived += helped[2], unhelped[2]
    assert size >= 15
    assert raised[0] > 1.5 * raised[1]
    assert survived[0] > survived[1]


def test_the_screen_picks_the_best_young_startups():
    exact = {"brokers.accelerator_cohort": 3, "brokers.accelerator_noise": 0.0}
    model = EcosystemModel(small(**exact), seed=2)
    model.run(5)  # nothing changes knowledge in month 6 before the screen
    a = model.state.actors
    st = model.state.rows(Kind.STARTUP)
    st = st[a.born[st] >= 1]  # the initial startups' age is unknown: they never apply
    quality = (a.knowledge[st] * a.ih[st]).sum(axis=1) / a.ih[st].sum(axis=1)
    model.step()
    picked = np.flatnonzero(a.accelerated_at[: a.n] == 6)
    assert len(st) > 3 and len(picked) == 3
    assert set(picked) == set(st[np.argsort(-quality)[:3]])


@pytest.mark.parametrize("runner", ["regulator", "investor"])
def test_the_accelerators_money_is_booked(runner):
    b = {"brokers.accelerator_stipend": 0.2, "brokers.accelerator_cost": 0.05}
    model, j, start = journaled(**ACCELERATOR, **b, **{"brokers.accelerator_runner": runner})
    assert_money_conserved(model, j, start)
    series, a = model.series, model.state.actors
    admitted = series["accelerated_startups"].sum()
    stipends = j[j["purpose"] == "accelerator_stipend"]
    assert admitted > 0 and stipends["amount"].sum() == pytest.approx(0.2 * admitted)
    assert (a.accelerated_at[stipends["payee"]] >= 0).all()
    assert model.state.sinks["accelerator_costs"] == pytest.approx(0.05 * admitted)
    assert series["accelerator_spend"].sum() == pytest.approx(0.25 * admitted)
    payers = a.kind[stipends["payer"].unique()]
    if runner == "regulator":
        assert (payers == int(Kind.REGULATOR)).all()
        without = EcosystemModel(small(**b), seed=3).run()["public_spend"].sum()
        assert series["public_spend"].sum() > without  # public money, booked as public spend
    else:
        assert (payers == int(Kind.INVESTOR)).all() and len(payers) == 1
        e = model.state.equity
        held = e.owner[: e.n] == stipends["payer"].iloc[0]
        assert (a.accelerated_at[e.company[: e.n][held]] >= 0).any()  # equity in the cohort


def test_tto_licences_pay_universities():
    tto = {"brokers.tto_matches": 3, "brokers.tto_price": 0.05}
    model, j, start = journaled(**tto)
    assert_money_conserved(model, j, start)
    a = model.state.actors
    fees = j[j["purpose"] == "tto_licence"]
    assert len(fees) == model.series["tto_licences"].sum() > 0
    assert (a.kind[fees["payee"]] == int(Kind.UNIVERSITY)).all()
    assert np.isin(a.kind[fees["payer"]], [int(k) for k in FIRMS]).all()
    assert fees["amount"].sum() == pytest.approx(model.series["broker_fees"].sum())


@pytest.mark.parametrize("runner", ["regulator", "corporate"])
def test_the_platform_forms_more_ties_and_its_runner_earns_the_fees(runner):
    platform = {"brokers.platform_use": 0.05, "brokers.platform_runner": runner}
    model, j, start = journaled(**platform)
    assert_money_conserved(model, j, start)
    series = model.series
    fees = j[j["purpose"] == "platform_fee"]
    assert len(fees) == series["brokered_ties"].sum() > 0
    assert fees["payee"].nunique() == 1
    assert model.state.actors.kind[fees["payee"].iloc[0]] == int(Kind[runner.upper()])
    assert fees["amount"].sum() == pytest.approx(series["broker_fees"].sum())
    assert model.state.sinks["platform_costs"] > 0
    formed = [EcosystemModel(small(), seed=s).run()["ties_formed"].sum() for s in (3, 4)]
    more = [EcosystemModel(small(**platform), seed=s).run()["ties_formed"].sum() for s in (3, 4)]
    assert min(more) > 1.3 * max(formed)


def test_all_brokers_together_keep_the_money_whole():
    everything = ACCELERATOR | {
        "brokers.accelerator_runner": "investor",
        "brokers.platform_use": 0.05,
        "brokers.platform_runner": "investor",
        "brokers.tto_matches": 3,
    }
    model, j, start = journaled(seed=4, **everything)
    assert_money_conserved(model, j, start)
    for name in ("accelerated_startups", "brokered_ties", "tto_licences", "broker_fees"):
        assert model.series[name].sum() > 0, name
