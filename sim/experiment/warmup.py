"""Warm-ups: an experiment's `warmup: MONTHS` runs each replicate's burn-in once, under the
baseline, and every scenario and design point of that replicate branches from the same saved
state (sim/model/checkpoint.py): paired comparisons from one starting ecosystem, one burn-in
per replicate instead of one per run. The checkpoints are kept in OUT/warmup/ so that a resumed
sweep does not run them again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..schema import Scenario

BUILT = ("fields", "population", "seed")  # set when the ecosystem is built, before any month


@dataclass(frozen=True)
class BurnIn:
    """One replicate's warm-up: the baseline scenario for `months` months from `seed`."""

    scenario: Scenario
    seed: int
    months: int


def burn_in(job: BurnIn) -> dict[str, bytes]:
    """Run a warm-up and return its checkpoint's files (a worker's task)."""
    from ..model import checkpoint  # the worker's imports, not the parent's
    from ..model.runner import run_model

    return checkpoint.capture(run_model(job.scenario, job.seed, job.months))


def folder_of(out: Path, seed: int) -> Path:
    """Where a sweep keeps the warm-up checkpoint of the replicate with `seed`."""
    return Path(out) / "warmup" / f"seed-{seed}"


def starts(
    baseline: Scenario, months: int, seeds: Iterable[int], out: Path, mapper: Any
) -> dict[int, dict[str, bytes] | str]:
    """Each replicate seed's warm-up checkpoint files: read from OUT/warmup/ when saved there
    (checked), else run on the backend's `mapper` and saved; a failed warm-up is its error."""
    from ..model import checkpoint

    found: dict[int, dict[str, bytes] | str] = {}
    todo = []
    for seed in sorted(set(seeds)):
        where = folder_of(out, seed)
        if (where / "checkpoint.json").exists():
            files = checkpoint.read(where)
            checkpoint.restore(files, str(where))  # refuses a damaged or foreign checkpoint
            found[seed] = files
        else:
            todo.append(seed)
    jobs = [BurnIn(baseline, seed, months) for seed in todo]
    for i, result in mapper(burn_in, jobs):
        seed = todo[i]
        if isinstance(result, BaseException):
            found[seed] = f"warm-up failed: {type(result).__name__}: {result}".replace("\n", " ")
        else:
            where = folder_of(out, seed)
            try:
                checkpoint.write(result, where)
            except OSError:  # a shard of the same sweep saved this replicate's at the same time
                if not (where / "checkpoint.json").exists():
                    raise
            found[seed] = result
    return found


def problems(experiment: Any, scenarios: dict[str, Scenario]) -> list[tuple[str, str]]:
    """What makes an experiment's warm-up impossible or misleading, as (field path, why)."""
    months = experiment.warmup
    if months is None:
        return []
    found: list[tuple[str, str]] = []
    names = list(scenarios)
    base = scenarios[names[0]]
    totals = {name: experiment.steps or s.steps for name, s in scenarios.items()}
    shortest = min(totals, key=totals.get)
    if months >= totals[shortest]:
        found.append(
            (
                "warmup",
                f"got {months}; must be less than every run's months "
                f"({totals[shortest]} in {shortest})",
            )
        )
    if experiment.record or any(s.record for s in scenarios.values()):
        found.append(("record", "agent-level records are not kept with a warm-up yet; remove it"))
    for section in ("parameters", "levers"):
        for path in getattr(experiment, section):
            if path.split(".")[0] in BUILT:
                found.append((f"{section}.{path}", _built(months)))
    for i, name in enumerate(names[1:]):
        scenario = scenarios[name]
        for key in BUILT[:2]:
            if getattr(scenario, key) != getattr(base, key):
                found.append(
                    (f"scenarios[{i}]: {key}", f"differs from the baseline's; {_built(months)}")
                )
        for j, event in enumerate(scenario.events):
            if event.at <= months and event not in base.events:
                found.append(
                    (
                        f"scenarios[{i}]: events[{j}].at",
                        f"month {event.at} falls in the warm-up (months 1 to {months}), which "
                        "runs the baseline, and the baseline has no such event; move it after "
                        f"month {months} or shorten the warm-up",
                    )
                )
    return found


def _built(months: int) -> str:
    return (
        f"is fixed when the ecosystem is built, and with warmup: {months} every run branches "
        "from the baseline's ecosystem; vary it without a warm-up"
    )
