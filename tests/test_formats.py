"""Collaboration formats: innovation jams and open challenges started by events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import support

from sim.cli import main
from sim.config import ScenarioError
from sim.model.mechanisms import formats
from sim.model.model import EcosystemModel
from sim.model.runner import run_scenario
from sim.scenario import load_scenario
from sim.schema import Scenario
from sim.vocabulary import RESEARCHERS, Kind

ROOT = Path(__file__).resolve().parents[1]

AT = 10  # the step at which the test events happen
JAM = {"participants": 30, "duration": 3, "exchange_rate": 0.2, "attribution": 6}
CHALLENGE = {"sponsor": "corporate", "prize": 2.0, "fields": 3, "duration": 5, "reach": 0.5}


def small(events=(), **changes) -> Scenario:
    """A fifth of the baseline over 30 months, with the given events."""
    return support.small(**({"steps": 30} | changes | {"events": list(events)}))


def jam_event(**jam) -> dict:
    return {"at": AT, "jam": JAM | jam}


def challenge_event(**challenge) -> dict:
    return {"at": AT, "challenge": CHALLENGE | challenge}


def held(state) -> float:
    a = state.actors
    return float(a.capital[: a.n][a.alive[: a.n]].sum())


def booked(state) -> float:
    return sum(state.sources.values()) - sum(state.sinks.values())


# --- innovation jams ------------------------------------------------------------------


@pytest.mark.parametrize("event", [jam_event(), challenge_event()])
def test_format_changes_nothing_before_its_step(event):
    plain = run_scenario(small(), seed=4)[1]
    with_event = run_scenario(small([event]), seed=4)[1]
    before = slice(0, AT - 1)  # steps 1 .. AT-1
    pd.testing.assert_frame_equal(plain.iloc[before], with_event.iloc[before], check_exact=True)
    assert not plain.iloc[AT - 1 :].equals(with_event.iloc[AT - 1 :])


def test_jam_records_participants_and_ties_at_its_step():
    ties = 0.0
    for seed in range(4):
        frame = run_scenario(small([jam_event()]), seed=seed)[1]
        at = frame["step"] == AT
        assert 0 < frame.loc[at, "jam_participants"].item() <= JAM["participants"]
        assert frame.loc[~at, ["jam_participants", "jam_ties_formed"]].to_numpy().sum() == 0
        assert frame.loc[at, "ties_formed"].item() >= frame.loc[at, "jam_ties_formed"].item()
        ties += frame["jam_ties_formed"].sum()
    assert ties > 0


def test_jam_invites_per_kind_proportional_to_knowledge():
    model = EcosystemModel(small([jam_event(participants=31, duration=2)]), seed=2)
    for _ in range(AT):
        model.step()
    s = model.state
    (jam,) = s.formats
    rows = jam.rows
    assert len(np.unique(rows)) == len(rows)
    kinds = np.bincount(s.actors.kind[rows], minlength=5)
    assert kinds.tolist() == [11, 10, 6, 0, 0]  # 31 over 3 kinds; only 6 universities
    assert (s.actors.format_until[rows] == AT + 1 + 6).all()
    # invited startups know more than startups on average (drawn by knowledge)
    mean_k = s.actors.knowledge.mean(axis=1)
    invited = rows[s.actors.kind[rows] == Kind.STARTUP]
    assert mean_k[invited].mean() > mean_k[s.rows(Kind.STARTUP)].mean()
    model.step()
    assert s.formats == []  # the two-month jam is over


def _knowledge_after(scenario: Scenario, seed: int, steps: int) -> tuple[np.ndarray, ...]:
    """Knowledge before step AT and after `steps`, who is alive then, and the jam's rows."""
    model = EcosystemModel(scenario, seed=seed)
    for _ in range(AT - 1):
        model.step()
    before = model.state.actors.knowledge.copy()
    model.step()
    rows = model.state.formats[0].rows if model.state.formats else np.empty(0, dtype=int)
    for _ in range(steps - AT):
        model.step()
    a = model.state.actors
    return before, a.knowledge[: len(before)], a.alive[: len(before)], rows


def test_jam_raises_participants_knowledge_more_than_others():
    end = AT + JAM["duration"] - 1
    extra_in, extra_out = [], []
    for seed in range(3):
        before, with_jam, alive_jam, rows = _knowledge_after(small([jam_event()]), seed, end)
        _, without, alive_plain, _ = _knowledge_after(small(), seed, end)
        gain_jam = (with_jam - before).mean(axis=1)
        gain_plain = (without - before).mean(axis=1)
        both = alive_jam & alive_plain
        inside = np.zeros(len(before), dtype=bool)
        inside[rows] = True
        extra = gain_jam - gain_plain
        extra_in.append(extra[inside & both].mean())
        extra_out.append(extra[~inside & both].mean())
    assert np.mean(extra_in) > 0
    assert np.mean(extra_in) > np.mean(extra_out) + 0.005


def test_jam_cost_is_public_spend_and_money_is_conserved():
    cost = 3.0
    model = EcosystemModel(small([jam_event(cost=cost)]), seed=1)
    plain = EcosystemModel(small(), seed=1)
    for _ in range(AT):
        model.step()
        plain.step()
        assert held(model.state) == pytest.approx(booked(model.state), rel=1e-9, abs=1e-6)
    assert model.state.sinks["format_costs"] == pytest.approx(cost)
    spend = model.metrics_frame()["public_spend"].iloc[AT - 1]
    assert spend == pytest.approx(plain.metrics_frame()["public_spend"].iloc[AT - 1] + cost)


def test_format_innovations_counted_only_with_formats():
    assert run_scenario(small(), seed=3)[1]["format_innovations"].sum() == 0
    frame = run_scenario(small([jam_event()]), seed=3)[1]
    counted = frame["format_innovations"]
    assert counted.sum() > 0
    assert counted.iloc[: AT - 1].sum() == 0
    assert (counted <= frame["innovations"]).all()
    last = AT + JAM["duration"] - 1 + JAM["attribution"]  # the window closes after this step
    assert counted[frame["step"] > last].sum() == 0


def test_same_seed_same_results_with_formats():
    scenario = small([jam_event(), challenge_event(), {"at": 20, "jam": {"participants": 12}}])
    _, first = run_scenario(scenario, seed=8)
    _, again = run_scenario(scenario, seed=8)
    pd.testing.assert_frame_equal(first, again, check_exact=True)


def test_mean_gap_to_others_matches_pairwise():
    k = np.random.default_rng(0).random((25, 6))
    k[3] = k[7]  # ties
    pairwise = np.clip(k[None, :, :] - k[:, None, :], 0, None).sum(axis=1) / (len(k) - 1)
    np.testing.assert_allclose(formats._mean_gap_to_others(k), pairwise, atol=1e-12)


# --- open challenges ------------------------------------------------------------------


def test_challenge_submissions_one_prize_and_money_conserved():
    deadline = AT + CHALLENGE["duration"]
    model = EcosystemModel(small([challenge_event()]), seed=5)
    s = model.state
    for _ in range(30):
        model.step()
        assert held(s) == pytest.approx(booked(s), rel=1e-9, abs=1e-6)
    frame = model.metrics_frame()
    submissions = frame.set_index("step")["challenge_submissions"]
    assert submissions[AT] > 0 and submissions.drop(AT).sum() == 0
    prizes = frame.set_index("step")["challenge_prizes"]
    assert prizes[prizes > 0].index.tolist() == [deadline]
    assert prizes[deadline] == pytest.approx(CHALLENGE["prize"])
    assert s.formats == []


def test_challenge_sponsor_learns_and_pays_the_winner(monkeypatch):
    deadline = AT + CHALLENGE["duration"]
    seen = {}
    real_hold = formats.hold

    def spy(state, params, rng, *more):
        fmt = next(iter(state.formats), None)
        if state.t == deadline and fmt is not None:
            sponsor, fields = fmt.sponsor, fmt.fields
            seen["before"] = state.actors.knowledge[sponsor, fields].copy()
            seen["capital"] = state.actors.capital[[sponsor]].copy()
            real_hold(state, params, rng, *more)
            seen["after"] = state.actors.knowledge[sponsor, fields].copy()
            seen["winner_k"] = state.actors.knowledge[fmt.winner, fields].copy()
            seen["paid"] = seen["capital"] - state.actors.capital[[sponsor]]
        else:
            real_hold(state, params, rng, *more)

    monkeypatch.setattr(formats, "hold", spy)
    for seed in range(3):
        seen.clear()
        run_scenario(small([challenge_event()], steps=deadline), seed=seed)
        assert (seen["after"] >= seen["before"]).all()
        np.testing.assert_array_equal(seen["after"], np.maximum(seen["before"], seen["winner_k"]))
        assert seen["paid"][0] == pytest.approx(CHALLENGE["prize"])


def test_challenge_from_regulator_is_public_spend():
    event = challenge_event(sponsor="regulator", prize=4.0)
    deadline = AT + CHALLENGE["duration"]
    with_prize = run_scenario(small([event], steps=deadline), seed=6)[1]
    plain = run_scenario(small([], steps=deadline), seed=6)[1]
    assert with_prize["challenge_prizes"].iloc[-1] == pytest.approx(4.0)
    last = with_prize.iloc[-1]
    extra = last["public_spend"] - last["grants"] - last["subsidies"] - last["call_funding"]
    assert extra == pytest.approx(4.0)
    assert plain["challenge_prizes"].sum() == 0


def test_challenge_without_sponsor_is_skipped():
    no_corporates = {"population.corporate.count": 0, "finance.ipo_threshold": 1e9}  # nor IPOs
    scenario = small([challenge_event()], **no_corporates)
    frame = run_scenario(scenario, seed=1)[1]
    assert frame["challenge_submissions"].sum() == 0
    assert frame["challenge_prizes"].sum() == 0


def test_only_researchers_with_a_target_field_submit(monkeypatch):
    seen = {}
    real_hold = formats.hold

    def spy(state, params, rng, *more):
        real_hold(state, params, rng, *more)
        if state.t == AT:
            (fmt,) = state.formats
            a = state.actors
            able = state.rows(RESEARCHERS)
            able = able[(able != fmt.sponsor) & a.ih[able][:, fmt.fields].any(axis=1)]
            seen.update(fmt=fmt, able=able)

    monkeypatch.setattr(formats, "hold", spy)
    run_scenario(small([challenge_event(reach=1.0)], steps=AT), seed=3)
    fmt = seen["fmt"]
    assert len(fmt.fields) == CHALLENGE["fields"] == len(np.unique(fmt.fields))
    # reach 1: exactly the living researchers (but the sponsor) working on a target field
    np.testing.assert_array_equal(np.sort(fmt.rows), seen["able"])
    assert fmt.sponsor not in fmt.rows


# --- scenario files and validation ----------------------------------------------------


@pytest.mark.parametrize("name", ["innovation_jam", "open_challenge"])
def test_format_scenarios_validate(name, capsys):
    path = ROOT / "scenarios" / f"{name}.yaml"
    assert main(["validate", str(path)]) == 0
    scenario = load_scenario(path)
    assert scenario.name == name and scenario.description
    assert [event.at for event in scenario.events] == list(range(12, 120, 12))
    assert all(event.jam is not None or event.challenge is not None for event in scenario.events)


def test_event_that_does_nothing_is_rejected(tmp_path):
    path = tmp_path / "idle.yaml"
    path.write_text("name: idle\nevents:\n  - at: 5\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "events[0]" in str(err.value)


def test_challenge_with_too_many_fields_is_rejected(tmp_path):
    path = tmp_path / "wide.yaml"
    path.write_text(
        "name: wide\nfields: 4\nevents:\n  - at: 5\n    challenge: {fields: 5}\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "challenge.fields" in str(err.value)
