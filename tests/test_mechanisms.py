"""Model depth: money accounting over every shipped scenario, the direction of each rule
family's effect (averaged over seeds), networking strategies, the adaptive rule, and that
every schema parameter is read by the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel
from support import small

from sim import schema
from sim.model.model import EcosystemModel
from sim.model.runner import run_scenario
from sim.scenario import load_scenario
from sim.schema import Scenario

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
SEEDS = range(4)


def runs(scenario: Scenario, seeds=SEEDS) -> list[tuple[EcosystemModel, pd.DataFrame]]:
    return [run_scenario(scenario, seed=s) for s in seeds]


def mean_total(scenario: Scenario, metric: str, seeds=SEEDS) -> float:
    """A metric summed over the run, averaged over seeds."""
    return float(np.mean([frame[metric].sum() for _, frame in runs(scenario, seeds)]))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_money_is_conserved_in_every_shipped_scenario(path):
    model = EcosystemModel(load_scenario(path), seed=1)
    s = model.state
    for _ in range(model.params.steps):
        model.step()
        a = s.actors
        held = a.capital[: a.n][a.alive[: a.n]].sum()
        booked = sum(s.sources.values()) - sum(s.sinks.values())
        assert held == pytest.approx(booked, rel=1e-9, abs=1e-6), f"step {model.steps}"


def test_more_vc_money_funds_more_startups_and_more_survive():
    scarce = small(**{"steps": 120, "population.investor.count": 2})
    plenty = small(**{"steps": 120, "population.investor.count": 24})
    scarce_runs, plenty_runs = runs(scarce, range(3)), runs(plenty, range(3))
    deals = [np.mean([f["vc_deals"].sum() for _, f in r]) for r in (scarce_runs, plenty_runs)]
    assert deals[1] > deals[0]
    survival = [
        np.mean([m.run_metrics()["startup_survival_5y"] for m, _ in r])
        for r in (scarce_runs, plenty_runs)
    ]
    assert survival[1] > survival[0]


def test_more_subsidy_more_public_spend_and_more_innovations():
    low = small(**{"governance.rd_subsidy_rate": 0.0})
    high = small(**{"governance.rd_subsidy_rate": 0.5, "governance.public_allocation": 60.0})
    assert mean_total(high, "public_spend") > mean_total(low, "public_spend")
    assert mean_total(high, "innovations") > mean_total(low, "innovations")


def test_open_science_feeds_the_public_pool():
    closed = small(**{"governance.open_science": 0.0})
    open_ = small(**{"governance.open_science": 1.0})
    assert mean_total(open_, "publications") > mean_total(closed, "publications")
    pool = [np.mean([m.state.pool.mean() for m, _ in runs(s)]) for s in (closed, open_)]
    assert pool[1] > pool[0]


def test_antitrust_threshold_blocks_acquisitions():
    lax = small(**{"steps": 90, "governance.antitrust_threshold": 1.0})
    strict = small(**{"steps": 90, "governance.antitrust_threshold": 0.0})
    assert mean_total(strict, "antitrust_blocked", range(3)) > 0
    assert mean_total(lax, "antitrust_blocked", range(3)) == 0
    assert mean_total(strict, "startups_acquired", range(3)) < mean_total(
        lax, "startups_acquired", range(3)
    )


def test_sandbox_gets_startup_products_out_sooner():
    def startup_launches(scenario):
        return mean_total(scenario, "products_launched", range(3))

    slow = small(**{"steps": 24, "governance.approval_delay": 12, "governance.sandbox": False})
    fast = small(**{"steps": 24, "governance.approval_delay": 12, "governance.sandbox": True})
    assert startup_launches(fast) > startup_launches(slow)


def _strategy(share: float) -> Scenario:
    mix = {"startup": share, "corporate": share, "university": share}
    return small(**{"partnering.innovation_seeking": mix})


def test_innovation_seekers_pick_more_distant_and_diverse_partners_and_keep_them():
    measures = {}
    for name, share in (("resources", 0.0), ("innovation", 1.0)):
        found = []
        for _, f in runs(_strategy(share)):
            formed = f["ties_formed"].sum()
            found.append(
                (
                    (f["new_tie_distance"] * f["ties_formed"]).sum() / formed,
                    f["cross_kind_ties_formed"].sum() / formed,
                    f["ties_dissolved"].sum(),
                )
            )
        measures[name] = np.mean(found, axis=0)
    distance, cross_kind, dissolved = measures["innovation"] - measures["resources"]
    assert distance > 0.05
    assert cross_kind > 0
    assert dissolved < 0  # innovation seekers keep their ties through failed attempts


def test_strategy_mix_per_kind_is_respected():
    model = EcosystemModel(
        small(**{"partnering.innovation_seeking": {"startup": 1.0, "corporate": 0.0}}), seed=3
    )
    a = model.state.actors
    kinds, strategy = a.kind[: a.n], a.strategy[: a.n]
    assert (strategy[kinds == 0] == 0).all()  # every startup seeks innovation
    assert (strategy[kinds == 1] == 1).all()  # every corporate seeks resources


def test_adaptive_rule_moves_the_subsidy_rate_only_at_reviews_and_within_bounds():
    scenario = small(
        **{
            "steps": 96,
            "governance.adaptive": True,
            "governance.review_period": 12,
            "governance.adapt_step": 0.05,
            "governance.max_subsidy_rate": 0.3,
        }
    )
    changed_at = set()
    for _, frame in runs(scenario, range(3)):
        rate = frame["rd_subsidy_rate"].to_numpy()
        assert ((rate >= 0) & (rate <= 0.3 + 1e-12)).all()
        moves = np.flatnonzero(np.diff(rate)) + 2  # the step whose start saw the change
        changed_at |= set(moves.tolist())
        assert frame["policy_changes"].sum() == len(moves)
    assert changed_at, "the rule never acted"
    assert all((step - 1) % 12 == 0 and step > 24 for step in changed_at)
    fixed = small(**{"steps": 96})
    assert (runs(fixed, [0])[0][1]["rd_subsidy_rate"] == 0.15).all()


# --- every parameter in the schema is read by the model ---------------------------------


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> dict[tuple[type, str], str]:
    """(section class, field name) -> dotted path, for every leaf field of the schema."""
    found = {}
    for name, field in model.model_fields.items():
        kinds = [field.annotation, *getattr(field.annotation, "__args__", ())]
        nested = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
        if nested:
            found |= _leaf_paths(nested[0], f"{prefix}{name}.")
        found[(model, name)] = f"{prefix}{name}"
    return found


def test_every_schema_parameter_is_read_by_the_model(monkeypatch):
    read: set[tuple[type, str]] = set()
    original = BaseModel.__getattribute__

    def recording(self, name):
        if isinstance(self, schema.Section) and name in type(self).model_fields:
            read.add((type(self), name))
        return original(self, name)

    jam = {"participants": 20, "duration": 2}
    challenge = {"sponsor": "corporate", "duration": 3}
    variants = [
        {
            "governance.sandbox": True,
            "governance.adaptive": True,
            "steps": 40,
            "users.communities": 1,
            "brokers.accelerator_cohort": 5,
            "brokers.accelerator_runner": "investor",
            "brokers.platform_use": 0.05,
            "brokers.tto_matches": 2,
        },
        {
            "steps": 20,
            "events": [
                {"at": 3, "set": {"trust.initial": 0.4}, "jam": jam},
                {"at": 4, "challenge": challenge},
            ],
        },
    ]
    scenarios = [small(**v) for v in variants]
    monkeypatch.setattr(schema.Section, "__getattribute__", recording)
    for scenario in scenarios:
        model, frame = run_scenario(scenario)  # the seed comes from the scenario
        model.run_metrics()
        _ = (scenario.name, scenario.description)  # written to every summary by run_output
    monkeypatch.undo()

    # presets are consumed when a scenario is validated: they fill the values they name
    consumed_at_load = {(schema.Trust, "preset"), (schema.IP, "regime")}
    # claims are read by `ecosim claims` (sim/analysis/claims.py), never by the model
    claims = {(Scenario, "claims"), *((schema.Claim, name) for name in schema.Claim.model_fields)}
    unread = {
        path
        for key, path in _leaf_paths(Scenario).items()
        if key not in read and key not in consumed_at_load | claims
    }
    assert not unread, f"schema fields nothing reads: {sorted(unread)}"
