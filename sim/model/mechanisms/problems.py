"""The problems jams and challenges work on: their fields, and how well each format solves them.

A problem has a few technology fields (its parts), a target level, a decomposability `d` and an
uncertainty `s` (`schema.Problem`). A solving unit covers a part by `min(K, level) / level`; its
attempt on the part is that coverage times `1 - s * U(0, 1)`. A solution is worth
`d * mean + (1 - d) * min` over its parts: the parts of a modular problem add up (Simon 1962),
a wicked problem is only as good as its weakest part, since its parts interact (Rittel & Webber
1973; Levinthal 1997). A jam is one solving unit that pools its participants' knowledge; a
challenge has one unit per submitter, and its sponsor can combine parts of different
submissions only for the modular share (ODD 7.16).
"""

from __future__ import annotations

import numpy as np

from ...schema.events import Problem

SPREAD = 0.1  # rank distance over which a field's chance to be drawn falls by a factor e


def own_stream(rng: np.random.Generator) -> np.random.Generator:
    """A problem's own generator, spawned from the run's: its draws move no other draw."""
    return rng.spawn(1)[0]


def choose_fields(
    rng: np.random.Generator, count: int, distance: float | None, home: np.ndarray
) -> np.ndarray:
    """`count` distinct fields, sorted. Without a distance, uniformly at random; with one,
    without replacement by weight `exp(-|r_f - distance| / SPREAD)`, where `r_f` is field f's
    rank in the insiders' knowledge `home` (0 the best known, 1 the least; ties at random)."""
    fields = len(home)
    if distance is None:
        return np.sort(rng.choice(fields, size=count, replace=False))
    order = np.lexsort((rng.random(fields), -home))  # best known first
    rank = np.empty(fields)
    rank[order] = np.arange(fields) / max(fields - 1, 1)
    weight = np.exp(-np.abs(rank - distance) / SPREAD)
    race = rng.exponential(size=fields) / weight  # the smallest go first (exponential race)
    return np.sort(np.argsort(race)[:count])


def value(parts: np.ndarray, decomposability: float) -> np.ndarray:
    """A solution's worth from its parts (the last axis): `d * mean + (1 - d) * min`."""
    d = decomposability
    return d * parts.mean(axis=-1) + (1 - d) * parts.min(axis=-1)


def _attempts(
    rng: np.random.Generator, knowledge: np.ndarray, level: float, uncertainty: float
) -> np.ndarray:
    """What solving units with this knowledge (rows) achieve on each part (columns): their
    coverage, times `1 - uncertainty * U(0, 1)` (no draw when there is no uncertainty)."""
    cover = np.minimum(knowledge, level) / level if level > 0 else np.ones_like(knowledge)
    if uncertainty <= 0:
        return cover
    return cover * (1.0 - uncertainty * rng.random(cover.shape))


def pooled(
    rng: np.random.Generator, knowledge: np.ndarray, level: float, problem: Problem
) -> float:
    """A jam's solution quality: one joint attempt with its participants' pooled knowledge
    (rows: participants, columns: the problem's fields; the best participant on each part)."""
    team = knowledge.max(axis=0, keepdims=True)
    joint = _attempts(rng, team, level, problem.uncertainty)
    return float(value(joint, problem.decomposability)[0])


def contest(
    rng: np.random.Generator, knowledge: np.ndarray, level: float, problem: Problem
) -> tuple[int, float]:
    """A challenge's outcome from its submitters' knowledge (rows; columns: the problem's
    fields): the winning row (the best-valued attempt, the first on a tie) and the sponsor's
    solution quality: the best attempt on each part for the modular share, the winner's own
    attempt for the rest (parts of different solvers do not fit where they interact)."""
    d = problem.decomposability
    tries = _attempts(rng, knowledge, level, problem.uncertainty)
    best = int(value(tries, d).argmax())
    quality = d * tries.max(axis=0).mean() + (1 - d) * tries[best].min()
    return best, float(quality)
