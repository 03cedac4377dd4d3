"""Money per transfer: with the journal on, every movement is payer -> payee or a named source
or sink, each actor's capital is what its movements add up to, and every round, acquisition
and closure pays exactly what it should (beside the ledger tests in test_model.py and
test_mechanisms.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.model.model import EcosystemModel
from sim.model.money import OUTSIDE
from sim.model.state import State
from sim.vocabulary import End, Kind
from tests.support import small

PAYOUTS = ("founder_payouts", "shareholder_payouts")


@pytest.fixture(scope="module")
def run():
    """A small run with the journal on from the start of the first month."""
    model = EcosystemModel(small(steps=72, record=["deals", "actors"]), seed=3)
    s = model.state
    start = s.actors.capital[: s.actors.n].copy()
    before = (dict(s.sources), dict(s.sinks))
    journal = s.keep_journal()
    model.run()
    return model, journal.frame(), start, before


def test_each_actors_capital_is_what_its_movements_add_up_to(run):
    model, j, start, _ = run
    a = model.state.actors
    got = np.bincount(j["payee"][j["payee"] >= 0], j["amount"][j["payee"] >= 0], a.n)
    paid = np.bincount(j["payer"][j["payer"] >= 0], j["amount"][j["payer"] >= 0], a.n)
    expected = np.r_[start, np.zeros(a.n - len(start))] + got - paid
    assert np.allclose(a.capital[: a.n], expected, atol=1e-6)
    assert (a.capital[: a.n][~a.alive[: a.n]] == 0).all()  # ended actors hold nothing


def test_money_from_or_to_outside_is_a_named_source_or_sink(run):
    model, j, _, (sources, sinks) = run
    s = model.state
    assert not ((j["payer"] == OUTSIDE) & (j["payee"] == OUTSIDE)).any()
    inside = j[(j["payer"] >= 0) & (j["payee"] >= 0)]
    assert (inside["payer"] != inside["payee"]).all()
    for side, booked, before in (("payer", s.sources, sources), ("payee", s.sinks, sinks)):
        outside = j[j[side] == OUTSIDE].groupby("purpose")["amount"].sum()
        for name, total in booked.items():
            assert outside.get(name, 0.0) == pytest.approx(total - before.get(name, 0.0))
        assert set(outside.index) <= set(booked)
    assert "exit_writeoff" not in s.sinks  # no write-off makes money out of nothing


def test_a_round_is_what_the_startup_receives(run):
    model, j, _, _ = run
    deals = model.records()["deals"]
    invest = deals[deals["event"] == "investment"]
    rounds = j[j["purpose"] == "vc_round"]
    key = ["step", "payer", "payee", "amount"]
    left = invest.rename(columns={"owner": "payer", "startup": "payee"})[key]
    assert len(rounds) == len(invest) > 0
    assert np.allclose(left.sort_values(key).to_numpy(), rounds[key].sort_values(key).to_numpy())
    assert rounds["amount"].sum() == pytest.approx(model.series["vc_invested"].sum())


def test_an_acquisition_price_is_what_owners_and_founders_receive(run):
    model, j, _, _ = run
    deals = model.records()["deals"]
    sold = deals[(deals["event"] == "acquisition") & (deals["owner"] == -1)]
    assert len(sold) > 0
    for _, deal in sold.iterrows():
        by_buyer = j[(j["step"] == deal["step"]) & (j["payer"] == deal["buyer"])]
        to_owners = by_buyer[by_buyer["purpose"] == "acquisition"]
        to_founders = by_buyer[by_buyer["purpose"].isin(PAYOUTS)]
        assert to_owners["amount"].sum() + to_founders["amount"].sum() == pytest.approx(
            deal["price"]
        )
        exits = deals[(deals["event"] == "acquisition") & (deals["owner"] >= 0)]
        owners = exits[exits["startup"] == deal["startup"]].groupby("owner")["amount"].sum()
        paid = to_owners.groupby("payee")["amount"].sum()
        assert np.allclose(paid.reindex(owners.index).to_numpy(), owners.to_numpy())


def test_a_leaving_startups_cash_is_what_its_owners_receive(run):
    model, j, start, _ = run
    a = model.state.actors
    gone = np.flatnonzero(
        np.isin(a.end_reason[: a.n], [int(End.CLOSED), int(End.FAILED)])
        & (a.born[: a.n] >= 0)
        & (a.kind[: a.n] == int(Kind.STARTUP))
    )
    liquidated = 0
    for row in gone:
        mine = j[(j["payer"] == row) | (j["payee"] == row)]
        out = mine[(mine["payer"] == row) & (mine["step"] == a.ended[row])]
        payout = out[out["purpose"].isin(("liquidation", *PAYOUTS))]
        before = mine.index < (payout.index.min() if len(payout) else np.inf)
        flows = mine[before]
        cash = (
            (start[row] if row < len(start) else 0.0)
            + flows.loc[flows["payee"] == row, "amount"].sum()
            - flows.loc[flows["payer"] == row, "amount"].sum()
        )
        assert payout["amount"].sum() == pytest.approx(max(cash, 0.0), abs=1e-9)
        liquidated += len(payout) > 0
    assert liquidated > 0
    investors = j[(j["purpose"] == "liquidation")]
    assert (a.kind[investors["payee"]] == int(Kind.INVESTOR)).any()


def test_a_startup_pays_its_burn_only_as_far_as_its_cash_goes(run):
    model, j, start, _ = run
    a = model.state.actors
    # every actor's balance after each movement, in the journal's order
    sides = pd.concat(
        [
            pd.DataFrame({"actor": j["payer"], "flow": -j["amount"], "purpose": j["purpose"]}),
            pd.DataFrame({"actor": j["payee"], "flow": j["amount"], "purpose": j["purpose"]}),
        ]
    ).sort_index(kind="stable")
    sides = sides[sides["actor"] >= 0]
    opening = np.r_[start, np.zeros(a.n - len(start))][sides["actor"]]
    sides["balance"] = opening + sides.groupby("actor")["flow"].cumsum()
    burn = sides[sides["purpose"] == "burn"]
    before = burn["balance"] - burn["flow"]
    assert (-burn["flow"] <= np.clip(before, 0, None) + 1e-9).all()  # never more than it has
    dry = burn[burn["balance"] <= 0]["actor"].unique()
    assert len(dry) > 0 and (a.end_reason[dry] != int(End.ALIVE)).all()
    assert model.state.sources.get("creditor_losses", 0.0) < 0.01 * model.state.sinks["burn"]


def test_spend_within_never_overdraws():
    s = State(fields=2, capacity=4)
    rows = s.actors.add(3)
    s.actors.alive[rows] = True
    s.earn(rows, np.array([1.0, 0.5, 0.0]), "initial")
    paid = s.spend_within(rows, np.array([0.4, 2.0, 1.0]), "burn")
    assert np.allclose(paid, [0.4, 0.5, 0.0])
    assert np.allclose(s.actors.capital[rows], [0.6, 0.0, 0.0])
    assert s.sinks["burn"] == pytest.approx(0.9)


def test_a_debt_is_written_off_against_named_creditors():
    s = State(fields=2, capacity=4)
    rows = s.actors.add(2)
    s.actors.alive[rows] = True
    s.actors.kind[rows] = int(Kind.CORPORATE)
    journal = s.keep_journal()
    s.spend(rows, np.array([3.0, 0.0]), "operating_costs")
    s.end(rows, End.EXITED)
    assert s.actors.capital[rows].tolist() == [0.0, 0.0]
    assert s.sources["creditor_losses"] == pytest.approx(3.0)
    entries = journal.frame()
    assert entries.iloc[-1].to_dict() == {
        "step": 0,
        "payer": OUTSIDE,
        "payee": 0,
        "amount": 3.0,
        "purpose": "creditor_losses",
    }
    assert isinstance(entries, pd.DataFrame)
