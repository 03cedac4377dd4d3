"""Small array idioms the stages share."""

from __future__ import annotations

import numpy as np


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
    actor's mean over its innovation hypothesis."""
    return (values * mask).sum(axis=-1) / np.maximum(mask.sum(axis=-1), 1)


def sum_into(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of the rows of `values` (one per entry of `rows`) into `n` rows, in the given order:
    what a sparse gather matrix times `values` gives, bit for bit, 3x faster on small arrays."""
    width = values.shape[1]
    cells = (rows[:, None] * width + np.arange(width)).ravel()
    return np.bincount(cells, values.ravel(), minlength=n * width).reshape(n, width)
