"""The experiment behind `run.py compare`: scenario files against a baseline, paired."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..config import ScenarioError
from .spec import LoadedExperiment, experiment_from_data


def comparison_experiment(
    baseline: str,
    others: list[str],
    replications: int,
    steps: int | None,
    seed: int,
    record: tuple[str, ...] | list[str] = (),
    warmup: int | None = None,
) -> LoadedExperiment:
    """The experiment behind `run.py compare`: the baseline file against the others, the same
    seeds for every scenario so that differences are paired (and, with a warm-up, the same
    starting ecosystem). Raises ScenarioError."""
    missing = [f"{p}: no such file" for p in (baseline, *others) if not os.path.isfile(p)]
    if missing:
        raise ScenarioError(missing)
    stems = [Path(p).stem for p in (baseline, *others)]
    name = "compare-" + "-".join(stems) if len(stems) <= 4 else f"compare-{stems[0]}-{len(others)}"
    data = {
        "name": name,
        "description": f"{stems[0]} against {', '.join(stems[1:])}",
        "baseline": os.path.abspath(baseline),
        "scenarios": [os.path.abspath(p) for p in others],
        "replications": replications,
        "steps": steps,
        "seed": seed,
        "record": list(record),
        "warmup": warmup,
    }
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return experiment_from_data(data, "compare", os.getcwd(), digest)
