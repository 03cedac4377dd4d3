"""Fused loops, compiled by numba, for the stages that dominate a large month: the
element-wise ones make one pass over their actors' fields where numpy makes a dozen, the
common partners one pass over the ties where numpy sorts and searches; each gives numpy's
numbers bit for bit (the same operations in the same order, sums as numpy's pairwise sum;
tests/test_loops.py, tests/test_neighbours.py). Imported only for large runs (arrays.large:
10,000 researchers of 16 fields for 120 months, or 100,000 for 12): below that, importing
numba and loading the compiled loops (about 0.9 s and 100 MB a process) cost more than they
save. The stages keep their numpy code for smaller runs, which is also what the loops are
checked against."""

from __future__ import annotations

import numpy as np
from numba import njit

# numpy's float semantics (a division by zero gives inf, no exception), compiled once and
# cached on disk beside this file (or in numba's user cache where that is read-only)
COMPILE = {"cache": True, "error_model": "numpy"}


BLOCK = 128  # numpy's PW_BLOCKSIZE: longer rows are split in two, each summed so


@njit(**COMPILE)
def pairwise_sum(a: np.ndarray, n: int) -> float:
    """Sum of a[:n] as numpy sums a row: 0.0 (the reduction's start) plus numpy's
    pairwise_sum of the values."""
    return 0.0 + _pairwise(a, n)  # 0.0 + -0.0 is 0.0, as in numpy


@njit(**COMPILE)
def _pairwise(a: np.ndarray, n: int) -> float:
    """numpy's pairwise_sum: below 8 values in order; up to BLOCK, eight running sums, then
    their pairs, then what is left over; longer, the sums of two halves."""
    if n > BLOCK:
        half = n // 2
        half -= half % 8
        return _pairwise(a, half) + _pairwise(a[half:], n - half)
    if n < 8:
        total = 0.0
        for i in range(n):
            total += a[i]
        return total
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i, whole = 8, n - n % 8
    while i < whole:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[i]
        i += 1
    return total


@njit(**COMPILE)
def positive(x: float) -> float:
    """np.maximum(x, 0.0), as np.clip(x, 0, None) gives it: -0.0 becomes 0.0, NaN stays."""
    return x if x > 0.0 or x != x else 0.0


@njit(**COMPILE)
def _absorptive(mean: float, effort: float, half: float, floor: float) -> float:
    """state.absorptive of one row from its mean knowledge and learning effort."""
    return mean / (mean + half) * (floor + (1 - floor) * effort)


@njit(**COMPILE)
def _places(rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Each distinct row of `rows` (of n) numbered in order of first appearance: the place of
    every row (-1: absent), the distinct rows in that order, and how many."""
    place = np.full(n, -1)
    distinct = np.empty(len(rows), dtype=np.int64)
    count = 0
    for x in rows:
        if place[x] < 0:
            place[x], distinct[count] = count, x
            count += 1
    return place, distinct, count


@njit(**COMPILE)
def learn(
    k: np.ndarray,
    rows: np.ndarray,
    ih: np.ndarray,
    radical: np.ndarray,
    effort: np.ndarray,
    gain: float,
    rate: float,
    keep: float,
    threshold: float,
    quality: np.ndarray,
) -> None:
    """research._learn on the knowledge `k` of `rows` in place (ih, radical, effort: per row
    of `rows`), writing the quality their research combined into `quality`."""
    fields = k.shape[1]
    on_ih = np.empty(fields)
    for i in range(len(rows)):
        row = rows[i]
        gained, learnt = gain * effort[i], rate * effort[i]
        count = 0
        for j in range(fields):
            x = k[row, j]
            if ih[i, j]:
                if not radical[i]:
                    x = x + gained * (1 - x)
                count += 1
            on_ih[j] = x * (1.0 if ih[i, j] else 0.0)  # numpy's k * ih
            k[row, j] = x
        quality[i] = pairwise_sum(on_ih, fields) / max(count, 1)
        for j in range(fields):
            x = k[row, j]
            if ih[i, j]:
                x = x + learnt * (1 - x)
            else:
                x = x * keep
                if x < threshold:
                    x = 0.0
            k[row, j] = min(x, 1.0)


@njit(**COMPILE)
def absorb_pool(
    k: np.ndarray,
    rows: np.ndarray,
    pool: np.ndarray,
    absorb: np.ndarray,
    ih: np.ndarray,
    off_focus: float,
) -> None:
    """exchange.public_pool's absorption, in place: each of `rows` gains absorb * max(0,
    pool - K) * focus (1 on its IH, `off_focus` elsewhere) in every field."""
    for i in range(len(rows)):
        row = rows[i]
        for j in range(k.shape[1]):
            gap = positive(pool[j] - k[row, j])
            focus = 1.0 if ih[row, j] else off_focus
            k[row, j] = k[row, j] + absorb[i] * gap * focus


@njit(**COMPILE)
def exchange(
    k: np.ndarray,
    dst: np.ndarray,
    src: np.ndarray,
    trust_ab: np.ndarray,
    trust_ba: np.ndarray,
    effort: np.ndarray,
    capital: np.ndarray,
    expiry: np.ndarray,
    ih: np.ndarray,
    t: int,
    absorption: tuple[float, float, float],
    licensing: tuple[float, float, float, float],
) -> np.ndarray:
    """exchange._inflows over every reading `dst` <- `src` (the ties a->b, then b->a), each
    row's inflows summed in that order and then added to its knowledge `k` (`effort`,
    `capital`: per actor row; `absorption`: the exchange rate, the absorptive half and floor;
    `licensing`: the value scale, the fee, 1 - IP strength and off-focus absorption). Returns
    which readings license. Only the rows with a tie are summed into and added to, where
    numpy adds 0.0 to every other row: the same numbers, as knowledge is never -0.0."""
    rate, half, floor = absorption
    value_scale, fee, unprotected, off_focus = licensing
    m, fields = len(dst) // 2, k.shape[1]
    flows, licensed = np.empty((2 * m, fields)), np.empty(2 * m, dtype=np.bool_)
    gap, blocked, known = np.empty(fields), np.empty(fields), np.empty(fields)
    for reading in range(2 * m):  # indexing, not row views: a view costs a reference count
        x, y = dst[reading], src[reading]
        trust = trust_ab[reading] if reading < m else trust_ba[reading - m]
        for j in range(fields):
            gap[j] = positive(k[y, j] - k[x, j])
            blocked[j] = gap[j] * (1.0 if expiry[y, j] > t and ih[x, j] else 0.0)
            known[j] = k[x, j]
        licenses = pairwise_sum(blocked, fields) * value_scale > fee and capital[x] > fee
        licensed[reading] = licenses
        mean = pairwise_sum(known, fields) / fields  # state.absorptive's mean knowledge
        flow_rate = rate * trust * _absorptive(mean, effort[x], half, floor)
        for j in range(fields):
            flow = flow_rate * gap[j]
            flow *= unprotected if expiry[y, j] > t and not licenses else 1.0
            flow *= 1.0 if ih[x, j] else off_focus
            flows[reading, j] = flow
    slot, receivers, count = _places(dst, len(k))  # each receiving row's place among them
    inflow = np.zeros((count, fields))
    for reading in range(2 * m):
        for j in range(fields):
            inflow[slot[dst[reading]], j] += flows[reading, j]
    for c in range(count):
        for j in range(fields):
            k[receivers[c], j] += inflow[c, j]
    return licensed


@njit(**COMPILE)
def common(
    start: np.ndarray,
    owner: np.ndarray,
    partner: np.ndarray,
    twin: np.ndarray,
    mine: np.ndarray,
    values: np.ndarray,
    count: np.ndarray,
    total: np.ndarray,
    total_back: np.ndarray,
) -> None:
    """Neighbours.common for positions `mine` (x->y): per position, the partners k of x that
    are y's too, ascending, counted into `count`; with `values` (per position), the sums of
    the values at k->y into `total` and at k->x into `total_back`, from 0.0 in that order,
    as numpy's bincount adds them. Each k is looked for among y's partners by bisection."""
    with_values = len(values) > 0
    for i in range(len(mine)):
        p = mine[i]
        x, y = owner[p], partner[p]
        lo, hi = start[y], start[y + 1]
        found, at_y, at_x = 0, 0.0, 0.0
        for q in range(start[x], start[x + 1]):
            k = partner[q]
            a, b = lo, hi  # y's partners at or after lo, which only grows with k
            while a < b:
                middle = (a + b) // 2
                if partner[middle] < k:
                    a = middle + 1
                else:
                    b = middle
            lo = a
            if a < hi and partner[a] == k:
                found += 1
                if with_values:
                    at_y += values[twin[a]]  # a is y->k: its twin is k->y
                    at_x += values[twin[q]]  # q is x->k: its twin is k->x
        count[i] = found
        total[i] = at_y
        total_back[i] = at_x


@njit(**COMPILE)
def project_learning(
    k: np.ndarray,
    who: np.ndarray,
    know: np.ndarray,
    ih: np.ndarray,
    effort: np.ndarray,
    learning: float,
    half: float,
    floor: float,
) -> None:
    """projects.learn in place: entry `who[e]` (the leads of the projects, then their
    partners: project e % P) gains learning * absorptive capacity * max(0, pooled - K) on the
    project's IH; each row's gains are summed in entry order from 0.0 (as sum_into adds
    them), then added to its knowledge, capped at 1. `effort`: per entry."""
    projects, fields = len(know), k.shape[1]
    slot, rows, count = _places(who, len(k))  # each learning row's place among them
    learnt, known = np.zeros((count, fields)), np.empty(fields)
    for e in range(len(who)):
        x, p = who[e], e % projects
        for j in range(fields):
            known[j] = k[x, j]
        mean = pairwise_sum(known, fields) / fields  # state.absorptive's mean knowledge
        rate = learning * _absorptive(mean, effort[e], half, floor)
        for j in range(fields):
            gap = positive(know[p, j] - k[x, j]) * (1.0 if ih[p, j] else 0.0)
            learnt[slot[x], j] += rate * gap
    for c in range(count):
        for j in range(fields):
            k[rows[c], j] = min(k[rows[c], j] + learnt[c, j], 1.0)
