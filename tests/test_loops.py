"""The fused loops (sim/model/loops.py) give the numbers of the numpy code they replace for
large runs, bit for bit: numpy's pairwise row sums, each stage on a real state, whole
runs."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario
from sim.model import arrays
from sim.model.loops import pairwise_sum, positive
from sim.model.mechanisms import exchange, projects, research
from sim.model.metrics import Tally
from sim.model.model import EcosystemModel
from sim.vocabulary import RESEARCHERS

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


@pytest.mark.parametrize("width", [0, 1, 2, 7, 8, 9, 15, 16, 17, 64, 127, 128, 129, 300, 1024])
def test_pairwise_sum_is_numpy_s_row_sum(width):
    rng = np.random.default_rng(width)
    # sixteen orders of magnitude: any other order of the additions shows in the last bits
    rows = rng.normal(size=(40, width)) * 10.0 ** rng.integers(-8, 8, size=(40, width))
    assert same_bits([pairwise_sum(row, width) for row in rows], rows.sum(axis=-1))


def same_bits(a, b) -> bool:
    """Equal bit for bit (-0.0 is not 0.0 here)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64))


def test_negative_zeros_and_nan_as_numpy_has_them():
    zeros = np.full(20, -0.0)  # numpy's sum starts from 0.0: 0.0 + -0.0 is 0.0
    for n in (3, 8, 20):
        assert same_bits(pairwise_sum(zeros, n), zeros[:n].sum())
    special = np.array([-0.0, 0.0, -1.0, 2.0, np.inf, -np.inf])
    assert same_bits([positive(x) for x in special], np.clip(special, 0, None))
    assert np.isnan(positive(np.nan))


@pytest.fixture(scope="module", params=[16, 130], ids=["16 fields", "130 fields"])
def model(request) -> EcosystemModel:
    """A grown ecosystem; with 130 fields, rows of more than numpy's 128-value sum block."""
    model = EcosystemModel(load_scenario(BASELINE, [f"fields={request.param}"]), seed=3)
    model.run(30)
    return model


@pytest.fixture(params=["one block", "small blocks"])
def numpy_path(request, monkeypatch) -> None:
    """The numpy code the loops are checked against: as at the baseline, or as at scale
    (rows in blocks of 3, ties in several blocks, sums as sparse products)."""
    if request.param == "small blocks":
        monkeypatch.setattr(arrays, "BLOCK_CELLS", 3 * 130)
        monkeypatch.setattr(arrays, "GATHER_CELLS", 0)


def _both_ways(monkeypatch, model, stage):
    """The state after `stage` run with numpy and with the fused loops, and what it returned."""
    done = []
    for large in (arrays.LARGE, 0):
        monkeypatch.setattr(arrays, "LARGE", large)
        state = copy.deepcopy(model.state)
        done.append((state, stage(state)))
    return done


def test_learning_in_the_loop_is_numpy_s(monkeypatch, model, numpy_path):
    rows = model.state.rows(RESEARCHERS)
    rng = np.random.default_rng(1)
    radical = rng.random(len(rows)) < 0.3

    def learn(state):
        return research.learn(state, model.params, rows, state.actors.ih[rows], radical)

    (numpy_state, numpy_quality), (loop_state, loop_quality) = _both_ways(monkeypatch, model, learn)
    assert same_bits(numpy_quality, loop_quality)
    assert same_bits(numpy_state.actors.knowledge, loop_state.actors.knowledge)
    assert not np.array_equal(numpy_state.actors.knowledge, model.state.actors.knowledge)


def test_the_public_pool_in_the_loop_is_numpy_s(monkeypatch, model, numpy_path):
    def pool(state):
        exchange.public_pool(state, model.params)

    (numpy_state, _), (loop_state, _) = _both_ways(monkeypatch, model, pool)
    assert same_bits(numpy_state.actors.knowledge, loop_state.actors.knowledge)
    assert same_bits(numpy_state.pool, loop_state.pool)
    assert not np.array_equal(numpy_state.actors.knowledge, model.state.actors.knowledge)


def test_exchange_in_the_loop_is_numpy_s(monkeypatch, model, numpy_path):
    tallies = []

    def exchange_stage(state):
        tallies.append(Tally())
        exchange.exchange(state, model.params, tallies[-1], copy.deepcopy(model.recorder))

    (numpy_state, _), (loop_state, _) = _both_ways(monkeypatch, model, exchange_stage)
    assert same_bits(numpy_state.actors.knowledge, loop_state.actors.knowledge)
    assert same_bits(numpy_state.actors.capital, loop_state.actors.capital)  # the licences
    assert tallies[0] == tallies[1]
    assert not np.array_equal(numpy_state.actors.knowledge, model.state.actors.knowledge)


def test_joint_projects_learning_in_the_loop_is_numpy_s(monkeypatch, model, numpy_path):
    def learn(state):
        plans = projects.plan(state, model.params)
        ih, know = projects.pooled(state, model.params, plans)
        projects.learn(state, model.params, plans, ih, know)
        return len(plans.tie)

    (numpy_state, running), (loop_state, _) = _both_ways(monkeypatch, model, learn)
    assert running > 10  # projects under way, some actors in several
    assert same_bits(numpy_state.actors.knowledge, loop_state.actors.knowledge)
    assert not np.array_equal(numpy_state.actors.knowledge, model.state.actors.knowledge)


def test_the_common_partners_in_the_loop_are_numpy_s(monkeypatch, model):
    t = model.state.ties
    index = model.state.neighbours()
    relational = np.concatenate([t.trust_ab[: t.n], t.trust_ba[: t.n]])[index.order]
    count, total = index.common(relational)
    fused_count, fused_total = index.common(relational, fused=True)
    assert count.sum() > 0 and np.array_equal(count, fused_count)
    assert same_bits(total, fused_total)


def test_a_run_with_the_loops_gives_numpy_s_numbers(monkeypatch):
    def run():
        model = EcosystemModel(load_scenario(BASELINE), seed=5)
        model.run(24)
        return model

    with_numpy = run()
    monkeypatch.setattr(arrays, "LARGE", 0)  # every month's loops
    with_loops = run()
    assert same_bits(with_numpy.state.actors.knowledge, with_loops.state.actors.knowledge)
    assert with_numpy.metrics_frame().equals(with_loops.metrics_frame())
