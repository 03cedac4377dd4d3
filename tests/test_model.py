"""The model itself: reproducibility, every kind's part in the step, money accounting, events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import small

from sim.model.agents import Corporate, Investor, Regulator, Startup, University
from sim.model.metrics import RUN_METRICS, STEP_METRICS
from sim.model.model import EcosystemModel
from sim.model.runner import run_scenario
from sim.scenario import apply_changes
from sim.schema import Scenario
from sim.vocabulary import Kind, Origin


def totals(scenario: Scenario, seeds=range(3)) -> pd.Series:
    """Sum of every per-step metric, summed again over a few seeds."""
    return sum(run_scenario(scenario, seed=s)[1].sum() for s in seeds)


@pytest.fixture(scope="module")
def baseline_run():
    return run_scenario(Scenario(), seed=7)


def test_same_seed_same_results_bit_for_bit():
    _, first = run_scenario(small(), seed=11)
    _, again = run_scenario(small(), seed=11)
    pd.testing.assert_frame_equal(first, again, check_exact=True)


def test_the_model_steps_on_one_blas_thread_with_few_collections(monkeypatch):
    """During a step BLAS runs one thread (a threaded sum has another order) and the garbage
    collector passes over young objects every YOUNG allocations; after it, as before."""
    import gc

    from threadpoolctl import threadpool_info, threadpool_limits

    from sim.model.mechanisms import governance
    from sim.model.runtime import YOUNG

    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    seen, spent = [], governance.public_money
    monkeypatch.setattr(
        governance,
        "public_money",
        lambda *a: seen.append((blas_threads(), gc.get_threshold()[0])) or spent(*a),
    )
    model = EcosystemModel(small(steps=2), seed=1)
    saved = gc.get_threshold()
    with threadpool_limits(limits=2, user_api="blas"):
        try:
            gc.set_threshold(700, *saved[1:])
            model.step()
            assert seen == [({1}, YOUNG)] and blas_threads() == {2}
            assert gc.get_threshold()[0] == 700
        finally:
            gc.set_threshold(*saved)


def test_other_seed_other_results():
    _, first = run_scenario(small(), seed=11)
    _, other = run_scenario(small(), seed=12)
    assert not first.drop(columns="seed").equals(other.drop(columns="seed"))


def test_every_row_carries_step_and_seed():
    _, frame = run_scenario(small(steps=5), seed=3)
    assert frame["step"].tolist() == [1, 2, 3, 4, 5]
    assert (frame["seed"] == 3).all()


def test_baseline_metrics_present_and_moving(baseline_run):
    model, frame = baseline_run
    assert len(frame) == 120
    for name in STEP_METRICS:
        assert name in frame, name
        assert np.isfinite(frame[name]).all(), name
        assert frame[name].nunique() > 1, f"{name} never changes"
    run = model.run_metrics()
    assert set(run) == set(RUN_METRICS)
    assert 0 <= run["startup_survival_5y"] <= 1
    assert run["time_to_first_product"] >= 1
    assert run["innovation_per_public_money"] > 0


def test_all_five_kinds_are_mesa_agents(baseline_run):
    model, _ = baseline_run
    by_type = model.agents_by_type
    for cls in (Startup, Corporate, University, Investor, Regulator):
        assert len(by_type[cls]) > 0, cls
    a = model.state.actors
    alive_startups = int(((a.kind[: a.n] == Kind.STARTUP) & a.alive[: a.n]).sum())
    assert len(by_type[Startup]) == alive_startups
    some = next(iter(by_type[Startup]))
    assert some.capital == a.capital[some.row]
    assert model.agent_at(some.row) is some


def test_mesa_agents_are_made_when_read_and_follow_the_rows():
    """A run that never reads its agents registers none with Mesa; once read, they are the
    alive rows, each of its kind's class, and they follow entries and exits."""
    import mesa

    model = EcosystemModel(small(), seed=5)
    for _ in range(6):
        model.step()
    assert len(mesa.Model.agents.fget(model)) == 0  # Mesa's own registry, not synchronised
    classes = (Startup, Corporate, University, Investor, Regulator)

    def check():
        a = model.state.actors
        alive = np.flatnonzero(a.alive[: a.n])
        assert sorted(agent.row for agent in model.agents) == alive.tolist()
        for agent in model.agents:
            assert type(agent) is classes[a.kind[agent.row]]
        gone = np.flatnonzero(~a.alive[: a.n])
        assert all(model.agent_at(row) is None for row in gone.tolist())
        by_type = model.agents_by_type
        assert sum(len(by_type[cls]) for cls in model.agent_types) == len(alive)
        return set(model.agents), a.n, len(gone)

    first, rows, gone = check()
    for _ in range(30):
        model.step()
    later, more_rows, more_gone = check()
    assert more_rows > rows and more_gone > gone  # entries and exits happened in between
    assert first - later and later - first  # some agents removed, some made


def test_money_is_conserved_every_step():
    model = EcosystemModel(small(), seed=5)
    s = model.state
    for _ in range(model.params.steps):
        model.step()
        a = s.actors
        held = a.capital[: a.n][a.alive[: a.n]].sum()
        booked = sum(s.sources.values()) - sum(s.sinks.values())
        assert held == pytest.approx(booked, rel=1e-9, abs=1e-6)


def test_no_investors_no_venture_capital():
    frame = run_scenario(small(**{"population.investor.count": 0}), seed=1)[1]
    assert frame["vc_invested"].sum() == 0
    assert run_scenario(small(), seed=1)[1]["vc_invested"].sum() > 0


def test_no_universities_no_spinoffs_and_no_grants():
    model, frame = run_scenario(small(**{"population.university.count": 0}), seed=1)
    assert frame["grants"].sum() == 0
    assert not (model.state.actors.origin == Origin.SPINOFF).any()
    with_unis, _ = run_scenario(small(steps=120), seed=1)
    assert (with_unis.state.actors.origin == Origin.SPINOFF).any()


def test_zero_subsidy_spends_nothing_on_subsidies():
    frame = run_scenario(small(**{"governance.rd_subsidy_rate": 0.0}), seed=2)[1]
    assert frame["subsidies"].sum() == 0
    assert run_scenario(small(), seed=2)[1]["subsidies"].sum() > 0


def test_no_regulator_no_public_spend():
    frame = run_scenario(small(**{"population.regulator.count": 0}), seed=2)[1]
    assert frame["public_spend"].sum() == 0


def test_no_corporates_no_acquisitions():
    # an IPO turns a startup into a corporate, which may then buy others: rule that out
    no_buyers = {"population.corporate.count": 0, "finance.ipo_threshold": 1e12}
    frame = run_scenario(small(**no_buyers), seed=2)[1]
    assert frame["startups_acquired"].sum() == 0
    assert totals(small(), seeds=range(2))["startups_acquired"] > 0


def test_startups_fail_and_enter():
    frame = run_scenario(small(), seed=4)[1]
    assert frame["startups_failed"].sum() > 0
    assert frame["startups_founded"].sum() > 0


def test_no_partnering_no_network():
    matrix = {k: [] for k in ("startup", "corporate", "university", "investor", "regulator")}
    frame = run_scenario(small(**{"partnering.matrix": matrix}), seed=2)[1]
    assert frame["ties"].sum() == 0
    assert frame["network_density"].sum() == 0


def test_stronger_ip_more_patents_fewer_imitations():
    weak = totals(small(**{"ip.regime": "weak", "ip.ip_strength": 0.3}))
    strong = totals(small(**{"ip.ip_strength": 0.9, "ip.patent_propensity": 0.8}))
    assert strong["patents_granted"] > weak["patents_granted"]
    assert strong["imitations"] < weak["imitations"]


def test_higher_enforcement_higher_trust():
    lax = totals(small(**{"trust.enforcement": 0.0, "trust.opportunism": 0.3}))
    strict = totals(small(**{"trust.enforcement": 0.9, "trust.opportunism": 0.3}))
    assert strict["mean_trust"] > lax["mean_trust"]


def test_longer_approval_delay_later_first_product():
    fast = run_scenario(small(**{"governance.approval_delay": 2}), seed=1)[0]
    slow = run_scenario(small(**{"governance.approval_delay": 15}), seed=1)[0]
    assert slow.run_metrics()["time_to_first_product"] > fast.run_metrics()["time_to_first_product"]


def test_event_changes_trajectory_after_its_step_only():
    plain = run_scenario(small(), seed=9)[1]
    event = {"at": 20, "set": {"governance.rd_subsidy_rate": 0.5}}
    shocked = run_scenario(apply_changes(small(), {"events": [event]}), seed=9)[1]
    before = slice(0, 19)  # steps 1..19
    pd.testing.assert_frame_equal(plain.iloc[before], shocked.iloc[before])
    assert shocked["subsidies"].iloc[19] > plain["subsidies"].iloc[19]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=st.tuples(*[st.integers(0, 25)] * 4, st.integers(0, 2)),
    steps=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_small_population_runs_and_keeps_invariants(counts, steps, seed):
    kinds = ("startup", "corporate", "university", "investor", "regulator")
    changes = {f"population.{k}.count": c for k, c in zip(kinds, counts, strict=True)}
    model, frame = run_scenario(small(steps=steps, **changes), seed=seed)
    s = model.state
    a = s.actors
    assert len(frame) == steps
    assert np.isfinite(frame[list(STEP_METRICS)].to_numpy()).all()
    k = a.knowledge[: a.n]
    assert (k >= 0).all() and (k <= 1).all()
    t = s.ties
    assert ((t.trust_ab[: t.n] >= 0) & (t.trust_ab[: t.n] <= 1)).all()
    assert a.alive[t.a[: t.n]].all() and a.alive[t.b[: t.n]].all()
    held = a.capital[: a.n][a.alive[: a.n]].sum()
    assert held == pytest.approx(sum(s.sources.values()) - sum(s.sinks.values()), abs=1e-6)
