"""Runs for the validation pack and the claims: one job is one model run, measured in the
worker so that only numbers travel back (never records or states)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..model import metrics
from ..model.runner import run_model
from ..scenario import apply_changes
from ..schema import Scenario
from . import stylized

# the records the stylized facts are measured from (sim/model/records.py)
PACK_RECORDS = ["actors", "innovations"]
SURVIVAL_AGES = (12, 24, 48, 60)  # months of age
TOP_VALUE_SHARE = 0.10  # the most valuable share of innovations (Scherer & Harhoff 2000)
RADICAL_TAIL_SHARE = 0.05  # the tail in which radical innovations are counted


@dataclass(frozen=True)
class Job:
    """One run: a scenario (already changed as the variant needs), a seed, its months, and
    whether to measure the stylized facts (which needs the agent-level records)."""

    label: str
    scenario: Scenario
    seed: int
    steps: int | None = None
    facts: bool = False


@dataclass(frozen=True)
class Measured:
    """One run's per-run metrics of the registry (flows summed, levels at the last month, run
    metrics) and, for a job with `facts`, its stylized facts."""

    metrics: dict[str, float]
    facts: dict[str, float]


# what grows with the size of the ecosystem, as scenarios/classroom.yaml and small.yaml shrink it
SCALED = (
    "population.startup.count",
    "population.corporate.count",
    "population.university.count",
    "population.investor.count",
    "population.regulator.budget",
    "governance.public_allocation",
    "calls.budget",
    "brokers.accelerator_cohort",
    "entry.rate",
)


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with its population, entry and public money times `factor` (counts
    rounded; a kind that was present keeps at least one actor)."""
    if factor == 1:
        return scenario
    changes = {}
    for path in SCALED:
        value: Any = scenario
        for part in path.split("."):
            value = getattr(value, part)
        if isinstance(value, int):
            changes[path] = max(1, round(value * factor)) if value else 0
        else:
            changes[path] = float(value) * factor
    return apply_changes(scenario, changes)


def measure(job: Job) -> Measured:
    """Run one job's model and measure it."""
    scenario = job.scenario
    if job.steps is not None:
        scenario = scenario.model_copy(update={"steps": job.steps})
    if job.facts:
        scenario = apply_changes(scenario, {"record": PACK_RECORDS})
    model = run_model(scenario, job.seed)
    series = model.series
    values = metrics.run_values(series, metrics.run_metrics(series, model.state, model.steps))
    return Measured(values, _facts(model) if job.facts else {})


def _facts(model) -> dict[str, float]:
    """The stylized facts of a finished run that kept PACK_RECORDS."""
    frames = model.records()
    actors, innovations = frames["actors"], frames["innovations"]
    survival = stylized.survival(actors, model.steps, SURVIVAL_AGES)
    values = {f"survival_{age}": share for age, share in survival.items()}
    value = innovations["value"].to_numpy() if len(innovations) else []
    values["top10_value_share"] = stylized.top_share(value, TOP_VALUE_SHARE)
    tail, overall = stylized.radical_tail(innovations, RADICAL_TAIL_SHARE)
    values |= {"radical_share_top5": tail, "radical_share_all": overall}
    return values | stylized.firms(model.state, innovations)


def run_jobs(jobs: Sequence[Job], workers: int = 1) -> list[Measured]:
    """Every job's measures, in the order of `jobs`, on `workers` local processes."""
    if workers <= 1 or len(jobs) <= 1:
        return [measure(job) for job in jobs]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=workers, batch_size=1)(delayed(measure)(job) for job in jobs))
