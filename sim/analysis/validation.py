"""The validation pack: does the baseline reproduce public stylized facts of innovation
ecosystems, each within a stated tolerance? (docs/validation.md)

The baseline and two variants (no universities, no partnering) run over the same seeds; a
`Band` checks a fact measured in each baseline run (its mean over seeds must lie within the
band), an `Effect` a difference between the baseline and a variant, paired seed by seed (its
95% interval must exclude zero on the side the literature expects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..experiment.design import replicate_seeds
from ..scenario import apply_changes
from ..schema import Scenario
from ..vocabulary import KINDS
from .batch import Job, Measured, run_jobs
from .paired import paired

BASELINE = "baseline"
VARIANTS: dict[str, dict[str, Any]] = {
    BASELINE: {},
    "no_universities": {"population.university.count": 0},
    # every kind's list emptied (a mapping merges key by key, so {} would change nothing)
    "no_partnering": {"partnering.matrix": {kind: [] for kind in KINDS}},
}


@dataclass(frozen=True)
class Size:
    """How large the pack runs: paired seeds and months (None: the scenario's)."""

    seeds: int
    steps: int | None = None


# ci: fewer seeds only. The network's facts depend on its size (at a third of the baseline
# the same mean degree makes a network three times as dense, with smaller hubs), and a smaller
# population saves little time: a month's cost is mostly per stage, not per actor.
SIZES = {"full": Size(5), "ci": Size(3)}

BLS = "BLS Business Employment Dynamics, establishment survival by age"
SCHERER = "Scherer & Harhoff (2000): the top 10% of patents hold 48-93% of their total value"
NETWORK = "König, Battiston & Schweitzer (2009); Powell et al. (2005)"
SKIN = "SKIN (Gilbert, Pyka & Ahrweiler 2001); INFSO-SKIN (Ahrweiler, Pyka & Gilbert 2011)"
COWAN = "Cowan & Jonard (2004)"


@dataclass(frozen=True)
class Band:
    """A fact of each baseline run: the mean over seeds must lie in [low, high]."""

    fact: str
    measure: str
    of: Callable[[Measured], float]
    low: float
    high: float
    source: str
    required: bool = True

    def tolerance(self) -> str:
        if np.isinf(self.high):
            return f">= {self.low:g}"
        return f"<= {self.high:g}" if np.isinf(self.low) else f"{self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class Effect:
    """A paired difference: `of` is higher (up) or lower (down) in the baseline than in the
    variant, beyond noise; with `within`, `of` is compared with `within` in the same run."""

    fact: str
    measure: str
    variant: str
    of: Callable[[Measured], float]
    direction: str
    source: str
    within: Callable[[Measured], float] | None = None
    required: bool = True

    def tolerance(self) -> str:
        side = "above" if self.direction == "up" else "below"
        return f"95% paired interval {side} 0"


def _fact(name: str) -> Callable[[Measured], float]:
    return lambda m: m.facts[name]


def _metric(name: str) -> Callable[[Measured], float]:
    return lambda m: m.metrics[name]


def _decline(m: Measured) -> float:
    return m.facts["survival_48"] - m.facts["survival_60"]


SURVIVAL = "startup survival by age"
VALUE = "innovation value is concentrated"
SHAPE = "alliance network: sparse, clustered, hubs"
ROS = "research organisations raise firms' knowledge and innovation"
DIFFUSION = "knowledge diffuses through the network"
INF = float("inf")
CHECKS: tuple[Band | Effect, ...] = (
    Band(SURVIVAL, "share alive or exited at 12 months", _fact("survival_12"), 0.70, 0.90, BLS),
    Band(SURVIVAL, "at 24 months", _fact("survival_24"), 0.57, 0.77, BLS),
    Band(SURVIVAL, "at 48 months", _fact("survival_48"), 0.30, 0.50, BLS),
    Band(SURVIVAL, "decline from 48 to 60 months", _decline, 0.02, INF, BLS),
    Band(VALUE, "share of value in the top 10%", _fact("top10_value_share"), 0.48, 0.93, SCHERER),
    Band(SHAPE, "density", _metric("network_density"), -INF, 0.05, NETWORK),
    Band(SHAPE, "clustering / random graph's", _metric("clustering_vs_random"), 3.0, INF, NETWORK),
    Band(SHAPE, "largest degree / mean", _metric("degree_max_mean"), 5.0, INF, NETWORK),
    Band(SHAPE, "degree Gini", _metric("degree_gini"), 0.35, INF, NETWORK),
    Effect(ROS, "firms' mean knowledge", "no_universities", _fact("firm_knowledge"), "up", SKIN),
    Effect(ROS, "firms' innovations", "no_universities", _fact("firm_innovations"), "up", SKIN),
    Effect(
        DIFFUSION, "firms' mean knowledge", "no_partnering", _fact("firm_knowledge"), "up", COWAN
    ),
    Effect(
        DIFFUSION, "firms' innovations", "no_partnering", _fact("firm_innovations"), "up", COWAN
    ),
    Effect(
        "radical research makes the tail",
        "radical share: top 5% of value vs all",
        BASELINE,
        _fact("radical_share_top5"),
        "up",
        "issue 15 (reported, not required)",
        within=_fact("radical_share_all"),
        required=False,
    ),
)


def plan(scenario: Scenario, size: Size, root: int) -> list[Job]:
    """Every variant on every paired seed, at `size`."""
    variants = {name: apply_changes(scenario, changes) for name, changes in VARIANTS.items()}
    return [
        Job(name, variant, seed, size.steps, facts=True)
        for seed in replicate_seeds(root, size.seeds)
        for name, variant in variants.items()
    ]


def run_pack(scenario: Scenario, size: Size, root: int = 1, workers: int = 1) -> dict[str, Any]:
    """Run the pack and check every fact; the result is plain data (see `evaluate`)."""
    jobs = plan(scenario, size, root)
    measured = run_jobs(jobs, workers)
    by_variant: dict[str, list[Measured]] = {name: [] for name in VARIANTS}
    for job, result in zip(jobs, measured, strict=True):
        by_variant[job.label].append(result)
    steps = size.steps if size.steps is not None else scenario.steps
    identity = {"scenario": scenario.name, "steps": steps, "root_seed": root}
    identity |= {"seeds": replicate_seeds(root, size.seeds)}
    return identity | {"checks": evaluate(by_variant)}


def evaluate(runs: dict[str, list[Measured]]) -> list[dict[str, Any]]:
    """One row per check: what it measures, its value over the seeds, its tolerance and
    source, whether it holds and whether it counts towards the pack's verdict."""
    return [_row(check, runs) for check in CHECKS]


def _row(check: Band | Effect, runs: dict[str, list[Measured]]) -> dict[str, Any]:
    row = {"fact": check.fact, "measure": check.measure, "tolerance": check.tolerance()}
    row |= {"source": check.source, "required": check.required}
    base = runs[BASELINE]
    if isinstance(check, Band):
        values = np.array([check.of(m) for m in base], dtype=float)
        mean = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
        holds = bool(check.low <= mean <= check.high)
        return row | {"kind": "band", "value": mean, "per_seed": values.tolist(), "holds": holds}
    if check.within is not None:  # a second measure of the same runs
        lower = [check.within(m) for m in base]
    else:  # the same measure in the variant's runs
        lower = [check.of(m) for m in runs[check.variant]]
    test = paired(lower, [check.of(m) for m in base], check.direction)  # type: ignore[arg-type]
    return row | {"kind": "effect", "variant": check.variant} | test.as_dict()


def all_hold(result: dict[str, Any]) -> bool:
    """Every required check holds."""
    return all(row["holds"] for row in result["checks"] if row["required"])
