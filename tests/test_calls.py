"""Competitive calls (sim/model/mechanisms/calls.py): the schedule, the consortia's kinds
and sizes, funding within the budget, money conserved per transfer, ties marked as funded
joint projects, and that funded R&D raises innovation over paired seeds."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from support import small

from sim.model.mechanisms import calls
from sim.model.metrics import Tally
from sim.model.model import EcosystemModel
from sim.model.runner import run_scenario
from sim.schema import Scenario
from sim.vocabulary import Kind

CALLS = {"calls.first": 3, "calls.period": 5, "calls.propose_share": 0.5}


def spy_funded(monkeypatch) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Record (month, funded consortia, their members' kinds) at every call."""
    seen: list[tuple[int, np.ndarray, np.ndarray]] = []
    fund = calls._fund

    def recording(state, params, rng, members, tally, records):
        kinds = np.where(members >= 0, state.actors.kind[members], -1)
        seen.append((state.t, members.copy(), kinds))
        fund(state, params, rng, members, tally, records)

    monkeypatch.setattr(calls, "_fund", recording)
    return seen


def test_calls_open_on_schedule_and_only_then():
    everyone = {**CALLS, "calls.propose_share": 1.0}  # so that no call goes without proposals
    _, frame = run_scenario(small(steps=20, **everyone))
    months = frame.loc[frame.call_proposals > 0, "step"].tolist()
    assert months == [3, 8, 13, 18]
    assert (frame.loc[frame.calls_funded > 0, "step"].isin(months)).all()
    assert frame.calls_funded.sum() > 0


def test_no_calls_when_disabled_or_without_a_regulator():
    for changes in ({"calls.enabled": False}, {"population.regulator.count": 0}):
        _, frame = run_scenario(small(steps=20, **CALLS, **changes))
        assert frame.call_proposals.sum() == 0 and frame.call_funding.sum() == 0


def test_consortia_have_the_required_kinds_and_sizes(monkeypatch):
    seen = spy_funded(monkeypatch)
    run_scenario(small(steps=20, **CALLS, **{"calls.size": (3, 5)}))
    assert seen
    for _, members, kinds in seen:
        sizes = (members >= 0).sum(axis=1)
        assert ((sizes >= 3) & (sizes <= 5)).all()
        for row in members:
            row = row[row >= 0]
            assert len(np.unique(row)) == len(row)  # nobody twice in one consortium
        assert (kinds == int(Kind.UNIVERSITY)).any(axis=1).all()
        firm = (kinds == int(Kind.STARTUP)) | (kinds == int(Kind.CORPORATE))
        assert firm.any(axis=1).all()


def test_funding_stays_within_each_calls_budget(monkeypatch):
    seen = spy_funded(monkeypatch)
    budget, grant, duration = 10.0, 0.05, 12
    changes = {**CALLS, "calls.budget": budget, "calls.grant": grant, "calls.duration": duration}
    _, frame = run_scenario(small(steps=30, **changes))
    assert seen
    for _, members, _ in seen:
        assert (members >= 0).sum() * grant * duration <= budget + 1e-9
    # what is paid never exceeds what the calls opened so far committed
    committed = len(frame.loc[frame.call_proposals > 0]) * budget
    assert frame.call_funding.sum() <= committed + 1e-9


def test_grants_move_from_the_regulator_to_the_members_and_into_rd():
    scenario = small(steps=12, **{**CALLS, "calls.propose_share": 1.0})
    model = EcosystemModel(scenario, seed=3)
    s = model.state
    for _ in range(3):  # the first call opens in month 3
        model.step()
    aw = s.awards
    assert aw.n > 0
    # one more month, checking the stage's transfers by hand
    s.t = 4
    tally = Tally()
    a = s.actors
    reg = s.rows(Kind.REGULATOR)
    before, budget_before = a.capital[: a.n].copy(), a.rd_budget[: a.n].copy()
    calls.run(s, model.params, model.rng, tally, model.recorder)
    paid = tally.call_funding
    expect = np.bincount(aw.member[: aw.n], aw.monthly[: aw.n], minlength=a.n)
    assert paid == pytest.approx(expect.sum())
    assert before[reg].sum() - a.capital[reg].sum() == pytest.approx(paid)
    gained = a.capital[: a.n] - before
    gained[reg] = 0
    assert gained == pytest.approx(expect)
    assert a.rd_budget[: a.n] - budget_before == pytest.approx(expect)
    assert tally.public_spend == pytest.approx(paid)


def test_money_is_conserved_with_large_calls():
    changes = {**CALLS, "calls.budget": 500.0, "calls.grant": 0.5, "population.regulator.budget": 1}
    model = EcosystemModel(small(steps=30, **changes), seed=2)
    s = model.state
    for _ in range(30):
        model.step()
        a = s.actors
        held = a.capital[: a.n][a.alive[: a.n]].sum()
        booked = sum(s.sources.values()) - sum(s.sinks.values())
        assert held == pytest.approx(booked, rel=1e-9, abs=1e-6)
        reg = s.rows(Kind.REGULATOR)
        assert (a.capital[reg] >= -1e-9).all()  # a short budget scales payments down


def test_funded_ties_are_marked_as_joint_projects(monkeypatch):
    seen = spy_funded(monkeypatch)
    duration = 10
    model = EcosystemModel(small(steps=24, **CALLS, **{"calls.duration": duration}), seed=1)
    while not seen and model.steps < 24:  # until a call funds a consortium
        model.step()
    s, t = model.state, model.state.ties
    (month, members, _), *_ = seen
    x, y, both = calls._pairs(members)
    tie = s.directed_tie(x[both], y[both])
    tie = tie[tie >= 0] % t.n
    assert len(tie) > 0
    assert t.funded[tie].all()
    assert (t.project_until[tie] >= month + duration - 1).all()
    assert model.state.awards.until[: model.state.awards.n].max() == month + duration - 1


def test_evaluation_prefers_knowledge_when_noise_is_off(monkeypatch):
    """With no noise and only the knowledge criterion, every funded consortium knows the
    call's fields at least as well as every proposal left unfunded."""
    scores: list[tuple[np.ndarray, np.ndarray]] = []
    evaluate = calls._evaluate

    def recording(state, params, rng, members, fields):
        score = evaluate(state, params, rng, members, fields)
        scores.append((score, members))
        return score

    seen = spy_funded(monkeypatch)
    monkeypatch.setattr(calls, "_evaluate", recording)
    changes = {
        **CALLS,
        "calls.noise": 0.0,
        "calls.w_diversity": 0.0,
        "calls.w_track_record": 0.0,
        "calls.budget": 8.0,
    }
    run_scenario(small(steps=20, **changes))
    assert scores and seen
    for (score, members), (_, funded, _) in zip(scores, seen, strict=True):
        is_funded = (members[:, None, :] == funded[None, :, :]).all(axis=2).any(axis=1)
        if is_funded.any() and (~is_funded).any():
            assert score[is_funded].min() >= score[~is_funded].max() - 1e-12


def test_requirements_are_validated():
    with pytest.raises(ValidationError):
        Scenario.model_validate({"calls": {"requires": [["investor"]]}})
    with pytest.raises(ValidationError):
        Scenario.model_validate({"calls": {"size": [2, 4]}})  # two groups need three members
    with pytest.raises(ValidationError):
        Scenario.model_validate({"fields": 4, "calls": {"fields": [5]}})


def test_calls_raise_innovation_over_paired_seeds():
    """Funded consortia get R&D money and joint projects: on every paired seed, more
    innovations and more joint-project innovations than without calls."""
    funded = {**CALLS, "calls.budget": 60.0}
    for seed in range(3):
        _, on = run_scenario(small(steps=24, **funded), seed=seed)
        _, off = run_scenario(small(steps=24, **{"calls.enabled": False}), seed=seed)
        assert on.call_funding.sum() > 0
        assert on.innovations.sum() > off.innovations.sum()
        assert on.joint_innovations.sum() > off.joint_innovations.sum()
