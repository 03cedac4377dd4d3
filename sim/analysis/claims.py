"""What-if claims: does each scenario move the metrics its `claims:` name, in the direction
claimed, beyond noise, against the scenario it is compared with? (docs/validation.md)

Only a file's own `claims:` count (a child that restates none has none: its parent's claims
were about the parent). Each claim's scenario and base run on the same paired seeds; a claim
holds when the 95% t interval of the paired differences excludes zero on the claimed side.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..config import Problem, ScenarioError, lines, read_mapping
from ..experiment.design import replicate_seeds
from ..model.metrics import PER_RUN
from ..scenario import load_scenario
from ..schema import Claim, Scenario
from .batch import Job, run_jobs, scaled
from .paired import describe, paired


@dataclass(frozen=True)
class Target:
    """A scenario file with claims of its own, and the file each claim is compared with."""

    path: str
    scenario: Scenario
    claims: tuple[tuple[Claim, str], ...]


def load_target(path: str) -> Target | None:
    """The file's scenario and claims (None when it states no claims itself); a
    ScenarioError when a claim names an unknown metric or nothing to compare with."""
    raw = read_mapping(path)
    scenario = load_scenario(path)
    if "claims" not in raw:
        return None
    problems: list[Problem] = []
    claims = []
    for i, claim in enumerate(scenario.claims):
        problems += metric_problems(claim.metric, f"claims[{i}].metric")
        base = claim.against or raw.get("extends")
        if base is None:
            problems.append((f"claims[{i}].against", "missing; the file extends no scenario"))
            continue
        shown = os.path.normpath(os.path.join(os.path.dirname(path), base))
        if not os.path.isfile(shown):
            problems.append((f"claims[{i}].against", f"{shown} is not a file"))
        claims.append((claim, shown))
    if problems:
        raise ScenarioError(lines(path, problems))
    return Target(path, scenario, tuple(claims))


def metric_problems(name: str, where: str) -> list[Problem]:
    """Why `name` is no per-run metric of the registry (empty when it is one)."""
    if name in PER_RUN:
        return []
    close = difflib.get_close_matches(name, PER_RUN, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return [(where, f"unknown metric {name!r}{hint}; must be a metric of sim/model/metrics.py")]


def check(
    targets: Sequence[Target], count: int, steps: int | None, scale: float, root: int, workers: int
) -> list[dict[str, Any]]:
    """Run every target and every base once per paired seed; one row per claim."""
    loaded = {os.path.realpath(t.path): t.scenario for t in targets}
    for target in targets:
        for _, base in target.claims:
            if os.path.realpath(base) not in loaded:
                loaded[os.path.realpath(base)] = load_scenario(base)
    scenarios = {key: scaled(scenario, scale) for key, scenario in loaded.items()}
    paired_seeds = replicate_seeds(root, count)
    jobs = [Job(key, s, seed, steps) for key, s in scenarios.items() for seed in paired_seeds]
    values: dict[str, list[dict[str, float]]] = {key: [] for key in scenarios}
    for job, result in zip(jobs, run_jobs(jobs, workers), strict=True):
        values[job.label].append(result.metrics)
    rows = []
    for target in targets:
        mine = values[os.path.realpath(target.path)]
        for claim, base in target.claims:
            theirs = values[os.path.realpath(base)]
            test = paired(
                [v[claim.metric] for v in theirs], [v[claim.metric] for v in mine], claim.direction
            )
            rows.append(
                {"file": target.path, "scenario": target.scenario.name, "metric": claim.metric}
                | {"against": base, "against_name": scenarios[os.path.realpath(base)].name}
                | test.as_dict()
            )
    return rows


def table(rows: Sequence[dict[str, Any]]) -> str:
    """The claims as a markdown table, one row each."""
    out = [
        "| scenario | claim | against | measured | holds |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        holds = "yes" if row["holds"] else "**no**"
        out.append(
            f"| {row['scenario']} | {row['metric']} {row['direction']} | {row['against_name']} | "
            f"{describe(row)} | {holds} |"
        )
    return "\n".join(out) + "\n"
