"""Element-wise work done block by block (arrays.row_blocks) gives the same numbers as in one
block: the blocks are of rows, and every row's numbers are computed as they were. The two
ways arrays.sum_into sums (one bincount, a sparse product) agree bit for bit, and so do the
other paths taken only at scale (sorted searches, the common field from the pairs' table)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario
from sim.model import arrays
from sim.model.mechanisms import partnerships
from sim.model.model import EcosystemModel

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def test_row_blocks_cover_every_row_once():
    for n in (0, 1, 5, 2048, 2049, 10_000):
        covered = np.concatenate([np.arange(n)[b] for b in arrays.row_blocks(n, 16)] or [[]])
        assert covered.tolist() == list(range(n))


@pytest.mark.parametrize("entries, n", [(0, 5), (7, 3), (5_000, 40), (20_000, 9_000)])
def test_sum_into_sums_in_order_both_ways(monkeypatch, entries, n):
    rng = np.random.default_rng(entries)
    rows = rng.integers(n, size=entries)
    values = rng.normal(size=(entries, 16)) * 10.0 ** rng.integers(-8, 8, size=(entries, 1))
    by_bincount = arrays.sum_into(rows, values, n)
    in_order = np.zeros((n, 16))
    for r, v in zip(rows, values, strict=True):
        in_order[r] += v  # the order the docstring promises, one entry after the other
    assert np.array_equal(by_bincount, in_order)
    monkeypatch.setattr(arrays, "GATHER_CELLS", 0)
    assert np.array_equal(arrays.sum_into(rows, values, n), in_order)


def _run(months: int) -> EcosystemModel:
    model = EcosystemModel(load_scenario(BASELINE), seed=5)
    model.run(months)
    return model


@pytest.mark.parametrize("rows_per_block", [1, 3])
def test_small_blocks_give_the_numbers_of_one_block(monkeypatch, rows_per_block):
    whole = _run(24)
    fields = whole.state.fields
    monkeypatch.setattr(arrays, "BLOCK_CELLS", rows_per_block * fields)
    monkeypatch.setattr(arrays, "GATHER_CELLS", 0)  # every sum_into a sparse product
    monkeypatch.setattr(arrays, "SORTED_SEARCH", 0)  # every search_sorted sorts its needles
    monkeypatch.setattr(partnerships, "TABLE_CELLS", 0)  # common fields from the pairs' table
    assert len(list(arrays.row_blocks(100, fields))) == -(-100 // rows_per_block)
    blocked = _run(24)
    a, b = whole.state.actors, blocked.state.actors
    assert a.n == b.n
    for column in ("knowledge", "ih", "capital", "recent_value"):
        assert np.array_equal(getattr(a, column)[: a.n], getattr(b, column)[: b.n]), column
    assert whole.metrics_frame().equals(blocked.metrics_frame())
