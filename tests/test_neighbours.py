"""The neighbour index gives what the sparse matrices it replaced gave, bit for bit: the same
canonical adjacency, the same tie lookups on each of its lookup paths, and sums over common
partners in the order a sparse product sums them."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.model import arrays, neighbours
from sim.model.neighbours import Neighbours


@st.composite
def networks(draw) -> tuple[int, np.ndarray, np.ndarray]:
    """A few actor rows and distinct ties among them, in any order and orientation."""
    n = draw(st.integers(1, 30))
    pairs = [(x, y) for x in range(n) for y in range(x + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=80)) if pairs else []
    flips = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    a = np.array([y if f else x for (x, y), f in zip(chosen, flips, strict=True)], dtype=np.int64)
    b = np.array([x if f else y for (x, y), f in zip(chosen, flips, strict=True)], dtype=np.int64)
    return n, a, b


def sparse_adjacency(n: int, a: np.ndarray, b: np.ndarray, data=None) -> sp.csr_matrix:
    """How the model built it before the index: from coordinates, both directions."""
    data = np.ones(2 * len(a)) if data is None else data
    return sp.csr_matrix((data, (np.r_[a, b], np.r_[b, a])), shape=(n, n))


@given(networks())
@settings(max_examples=150, deadline=None)
def test_the_index_reads_as_the_canonical_csr_of_the_ties(net):
    n, a, b = net
    want, nb = sparse_adjacency(n, a, b), Neighbours.of(n, a, b)
    assert np.array_equal(want.indptr, nb.start)
    assert np.array_equal(want.indices, nb.partner)
    tied = np.flatnonzero(np.diff(want.indptr) > 0)  # the rows with a tie, in order
    got = nb.tied_adjacency
    assert got.has_sorted_indices and np.array_equal(got.data, np.ones(2 * len(a)))
    assert np.array_equal(got.toarray(), want[tied][:, tied].toarray())


@given(networks(), st.data())
@settings(max_examples=150, deadline=None)
def test_every_lookup_path_finds_every_directed_tie_and_nothing_else(net, data):
    n, a, b = net
    m = len(a)
    x = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=40)), dtype=np.int64)
    y = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=len(x), max_size=len(x))))
    x, y = np.r_[x, a, b], np.r_[y, b, a].astype(np.int64)
    want = np.full(len(x), -1)
    for k in range(m):  # the definition: k read a->b, m + k read b->a
        want[(x == a[k]) & (y == b[k])] = k
        want[(x == b[k]) & (y == a[k])] = m + k
    table = Neighbours.of(n, a, b).tie(x, y)
    saved, neighbours.TABLE_PAIRS = neighbours.TABLE_PAIRS, 0
    try:
        search = Neighbours.of(n, a, b).tie(x, y)
        arrays.SORTED_SEARCH, kept = 0, arrays.SORTED_SEARCH  # as on large networks
        try:
            in_order = Neighbours.of(n, a, b).tie(x, y)
        finally:
            arrays.SORTED_SEARCH = kept
    finally:
        neighbours.TABLE_PAIRS = saved
    assert np.array_equal(table, want)
    assert np.array_equal(search, want)
    assert np.array_equal(in_order, want)


@given(networks(), st.data())
@settings(max_examples=150, deadline=None)
def test_common_partners_sum_as_the_sparse_product_does(net, data):
    n, a, b = net
    m = len(a)
    assume(m > 0)  # scipy cannot index an empty product; the case without ties is below
    values = np.array(
        data.draw(st.lists(st.floats(0, 1), min_size=2 * m, max_size=2 * m)), dtype=float
    )
    nb = Neighbours.of(n, a, b)
    adj = sparse_adjacency(n, a, b)
    product = adj @ (sparse_adjacency(n, a, b, values) + 1j * adj)
    found = np.asarray(product[np.r_[a, b], np.r_[b, a]]).ravel()  # per directed tie
    count, total = nb.common(values[nb.order])  # per position of the index
    by_tie = np.empty(2 * m), np.empty(2 * m)
    by_tie[0][nb.order], by_tie[1][nb.order] = count, total
    assert np.array_equal(by_tie[0], found.imag)
    assert np.array_equal(by_tie[1], found.real)  # the same sums, bit for bit
    fused_count, fused_total = nb.common(values[nb.order], fused=True)  # the compiled loop
    assert np.array_equal(fused_count, count)
    assert np.array_equal(fused_total.view(np.int64), total.view(np.int64))
    assert np.array_equal(nb.common(fused=True)[0], count)


def test_an_index_without_ties_finds_nothing():
    nb = Neighbours.of(4, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    assert nb.tie(np.array([0, 1]), np.array([1, 2])).tolist() == [-1, -1]
    assert nb.degree.tolist() == [0, 0, 0, 0]
    for fused in (False, True):
        count, total = nb.common(np.empty(0), fused=fused)
        assert len(count) == len(total) == 0


@given(networks(), st.data())
@settings(max_examples=150, deadline=None)
def test_an_index_renewed_after_ties_end_and_begin_is_the_index_built_anew(net, data):
    """Ties end (the rows compact), new ones begin at the end, actor rows grow: the index
    renewed from the last one is the one a sort of all would build, array for array."""
    n, a, b = net
    ids = np.arange(len(a)) * 3  # increasing, with gaps, as ties that ended leave them
    index = Neighbours.of(n, a, b)
    for _ in range(3):
        kept = np.array(
            data.draw(st.lists(st.booleans(), min_size=len(a), max_size=len(a))), dtype=bool
        )
        grow = data.draw(st.integers(0, 5))
        new_n = n + grow
        pairs = {(min(x, y), max(x, y)) for x, y in zip(a[kept], b[kept], strict=True)}
        free = [(x, y) for x in range(new_n) for y in range(x + 1, new_n) if (x, y) not in pairs]
        begun = data.draw(st.lists(st.sampled_from(free), unique=True, max_size=8)) if free else []
        begun_a = np.array([y for x, y in begun], dtype=np.int64)  # read either way round
        begun_b = np.array([x for x, y in begun], dtype=np.int64)
        new_ids = np.r_[ids[kept], ids.max(initial=0) + 1 + np.arange(len(begun))]
        new_a, new_b = np.r_[a[kept], begun_a], np.r_[b[kept], begun_b]
        moved = neighbours.moved_rows((ids, a, b), (new_ids, new_a, new_b))
        renewed = index.renewed(new_n, new_a, new_b, moved)
        fresh = Neighbours.of(new_n, new_a, new_b)
        assert (renewed.n, renewed.m) == (fresh.n, fresh.m)
        assert np.array_equal(renewed.keys, fresh.keys)
        assert np.array_equal(renewed.order, fresh.order)
        n, a, b, ids, index = new_n, new_a, new_b, new_ids, renewed


def test_ties_the_ids_cannot_tell_apart_get_an_index_built_anew():
    ids, a, b = np.array([4, 7]), np.array([0, 1]), np.array([2, 3])
    later = (np.array([7, 9]), np.array([1, 0]), np.array([3, 2]))  # 4 ended, 7 moved, 9 began
    assert neighbours.moved_rows((ids, a, b), later).tolist() == [-1, 0]
    assert neighbours.moved_rows((ids, a, b), (np.array([-1, -1]), a, b)) is None  # made by hand
    assert neighbours.moved_rows((ids, a, b), (ids, np.array([0, 2]), b)) is None  # ends changed


def test_every_index_a_run_reads_is_the_index_of_its_ties(monkeypatch):
    """In a run, the state renews its index as ties end and begin; each one read is the
    index a sort of all the ties gives."""
    from support import small

    from sim.model.model import EcosystemModel
    from sim.model.state import State

    read, renewed, plain = [], [], State.neighbours
    built = Neighbours.renewed

    def checked(state):
        index = plain(state)
        t = state.ties
        fresh = Neighbours.of(state.actors.n, t.a[: t.n], t.b[: t.n])
        read.append(
            np.array_equal(index.keys, fresh.keys) and np.array_equal(index.order, fresh.order)
        )
        return index

    monkeypatch.setattr(State, "neighbours", checked)
    monkeypatch.setattr(Neighbours, "renewed", lambda *a: renewed.append(1) or built(*a))
    EcosystemModel(small(), seed=2).run(24)
    assert all(read) and len(renewed) > 24  # renewed more than once a month
