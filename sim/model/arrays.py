"""Small array idioms the stages share."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

# past this many cells (entries x width), sum_into multiplies by a sparse gather matrix, which
# reads and writes rows in order, where the scattered writes of one bincount miss the cache
GATHER_CELLS = 1 << 16
# cells (rows x fields) of a block of element-wise work: about 256 KB a float64 temporary,
# which stays in a core's cache, where a million actors' 128 MB temporaries do not
BLOCK_CELLS = 1 << 15
# from this many sorted values (1 MB of them), search_sorted looks for what it is given in order
SORTED_SEARCH = 1 << 17
# cell-months (rows x fields x the run's months) from which a stage uses its fused loop
# (loops.py), which costs about 0.9 s a process to import and load: whole runs took as long
# either way at 11 million (30,000 actors, 24 months), less with the loops at 19 million
# (10,000 actors for 120 months, 100,000 for 12)
LARGE = 1 << 24


def rank_within(groups: np.ndarray, by: np.ndarray | None = None) -> np.ndarray:
    """0, 1, 2 ... for the successive occurrences of each value of `groups`, in the order of
    `by` within a group (default: the given order)."""
    order = np.argsort(groups, kind="stable") if by is None else np.lexsort((by, groups))
    g = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    ranks_sorted = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    ranks = np.empty_like(ranks_sorted)
    ranks[order] = ranks_sorted
    return ranks


def mean_over(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mean of `values` over each row's true entries of `mask` (last axis), 0 where none: an
    actor's mean over its innovation hypothesis. Values broadcast against the mask."""
    if mask.ndim != 2 or mask.size <= BLOCK_CELLS:
        return _mean_over(mask, values)
    values = np.broadcast_to(values, mask.shape)
    means = np.empty(len(mask))
    for b in row_blocks(len(mask), mask.shape[1]):
        means[b] = _mean_over(mask[b], values[b])
    return means


def _mean_over(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    return (values * mask).sum(axis=-1) / np.maximum(mask.sum(axis=-1), 1)


def sum_into(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of the rows of `values` (one per entry of `rows`) into `n` rows, in the given order.
    Small sums are one bincount (8x faster than the sparse product for a few hundred rows),
    large ones the product (4x faster at a million rows); the two agree bit for bit."""
    width = values.shape[1]
    if len(rows) * width > GATHER_CELLS:
        entries = np.arange(len(rows))
        gather = sp.csr_matrix((np.ones(len(rows)), (rows, entries)), shape=(n, len(rows)))
        return gather @ values
    cells = (rows[:, None] * width + np.arange(width)).ravel()
    return np.bincount(cells, values.ravel(), minlength=n * width).reshape(n, width)


def search_sorted(haystack: np.ndarray, needles: np.ndarray, side: str = "left") -> np.ndarray:
    """np.searchsorted, faster for a haystack past the cache's size: the needles are looked
    for in order, each search starting near the last (x1.4-2, the sort included)."""
    if len(haystack) < SORTED_SEARCH:
        return np.searchsorted(haystack, needles, side=side)
    order = np.argsort(needles)
    found = np.empty(len(needles), dtype=np.intp)
    found[order] = np.searchsorted(haystack, needles[order], side=side)
    return found


def large(rows: int, width: int, months: int) -> bool:
    """Whether element-wise work over `rows` x `width` cells a month, in a run of `months`,
    is done by a fused loop."""
    return rows * width * months >= LARGE


def row_blocks(n: int, width: int) -> Iterator[slice]:
    """Slices of `n` rows, about BLOCK_CELLS cells of `width` each, for element-wise work done
    block by block (the same numbers, row by row, with temporaries that stay in cache)."""
    step = max(1, BLOCK_CELLS // max(width, 1))
    return (slice(start, min(start + step, n)) for start in range(0, n, step))
