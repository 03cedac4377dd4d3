"""Element-wise work done block by block (arrays.row_blocks) gives the same numbers as in one
block: the blocks are of rows, and every row's numbers are computed as they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario
from sim.model import arrays
from sim.model.model import EcosystemModel

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def test_row_blocks_cover_every_row_once():
    for n in (0, 1, 5, 2048, 2049, 10_000):
        covered = np.concatenate([np.arange(n)[b] for b in arrays.row_blocks(n, 16)] or [[]])
        assert covered.tolist() == list(range(n))


def _run(months: int) -> EcosystemModel:
    model = EcosystemModel(load_scenario(BASELINE), seed=5)
    model.run(months)
    return model


@pytest.mark.parametrize("rows_per_block", [1, 3])
def test_small_blocks_give_the_numbers_of_one_block(monkeypatch, rows_per_block):
    whole = _run(24)
    fields = whole.state.fields
    monkeypatch.setattr(arrays, "BLOCK_CELLS", rows_per_block * fields)
    assert len(list(arrays.row_blocks(100, fields))) == -(-100 // rows_per_block)
    blocked = _run(24)
    a, b = whole.state.actors, blocked.state.actors
    assert a.n == b.n
    for column in ("knowledge", "ih", "capital", "recent_value"):
        assert np.array_equal(getattr(a, column)[: a.n], getattr(b, column)[: b.n]), column
    assert whole.metrics_frame().equals(blocked.metrics_frame())
