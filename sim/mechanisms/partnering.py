"""Stage 3: ties decay and dissolve, trust is refreshed, actors search for and form new ties."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..schema import KINDS, Scenario
from ..state import State


def kind_matrix(params: Scenario) -> np.ndarray:
    """5x5 booleans: may kind i partner with kind j (the scenario's governance matrix)."""
    allowed = np.zeros((len(KINDS), len(KINDS)), dtype=bool)
    for kind, others in params.partnering.matrix.items():
        for other in others:
            allowed[KINDS.index(kind), KINDS.index(other)] = True
    return allowed


def dissolve(state: State, params: Scenario) -> None:
    """End ties without a joint success for tie_lifetime steps, or with trust below the floor."""
    t = state.ties
    m = t.n
    stale = state.t - t.last_success[:m] > params.partnering.tie_lifetime
    distrust = np.minimum(t.eff_ab[:m], t.eff_ba[:m]) < params.trust.floor
    ending = stale | distrust
    state.counts["ties_dissolved"] += int(ending.sum())
    t.keep(~ending)


def refresh_trust(state: State, params: Scenario) -> None:
    """Effective trust = relational trust mixed with what common partners think (structural)."""
    t = state.ties
    m = t.n
    a, b = t.a[:m], t.b[:m]
    sw = params.trust.structural_weight
    t.eff_ab[:m], t.eff_ba[:m] = t.trust_ab[:m], t.trust_ba[:m]
    if m == 0 or sw == 0:
        return
    n = state.actors.n
    rel = sp.csr_matrix(
        (np.r_[t.trust_ab[:m], t.trust_ba[:m]], (np.r_[a, b], np.r_[b, a])), shape=(n, n)
    )
    adj = state.adjacency()
    total = adj @ rel  # [x, y]: summed trust in y of x's partners
    common = adj @ adj  # [x, y]: number of common partners
    for src, dst, rel_col, eff_col in ((a, b, t.trust_ab, t.eff_ab), (b, a, t.trust_ba, t.eff_ba)):
        cnt = np.asarray(common[src, dst]).ravel()
        structural = np.asarray(total[src, dst]).ravel() / np.maximum(cnt, 1)
        mixed = (1 - sw) * rel_col[:m] + sw * structural
        eff_col[:m] = np.where(cnt > 0, mixed, rel_col[:m])


def random_neighbour(adj: sp.csr_matrix, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly drawn partner of each row (every row must have one)."""
    start = adj.indptr[rows]
    deg = adj.indptr[rows + 1] - start
    return adj.indices[start + (rng.random(len(rows)) * deg).astype(np.int64)]


def attractiveness(state: State, params: Scenario, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """w_d * 4d(1-d) + w_t * expected trust + w_c * complementarity, for candidate pairs i -> j."""
    p = params.partnering
    k = state.actors.knowledge
    ki, kj = k[i], k[j]
    norm = np.linalg.norm(ki, axis=1) * np.linalg.norm(kj, axis=1)
    cos = np.einsum("ij,ij->i", ki, kj) / np.where(norm > 0, norm, 1.0)
    d = 1.0 - cos
    ih = state.actors.ih[i]
    gain = np.clip(kj - ki, 0, None) * ih
    comp = gain.sum(axis=1) / np.maximum(ih.sum(axis=1), 1)
    return (
        p.w_distance * 4 * d * (1 - d)
        + p.w_trust * params.trust.initial
        + (p.w_complementarity * comp)
    )


def search(state: State, params: Scenario, rng: np.random.Generator) -> None:
    """Actors below their partner limit weigh a few candidates and tie up with the best one."""
    p = params.partnering
    a = state.actors
    n = a.n
    allowed = kind_matrix(params)
    kinds = a.kind[:n]
    deg = state.degree()
    pool = np.flatnonzero(a.alive[:n] & allowed.any(axis=1)[kinds] & (a.max_partners[:n] > 0))
    seekers = pool[deg[pool] < a.max_partners[pool]]
    if len(seekers) == 0 or len(pool) < 2:
        return
    c = p.candidates
    i = np.repeat(seekers, c)
    j = pool[rng.integers(len(pool), size=len(i))]
    adj = state.adjacency()
    fof = (rng.random(len(i)) < p.fof_share) & (deg[i] > 0)
    if fof.any():
        j[fof] = random_neighbour(adj, random_neighbour(adj, i[fof], rng), rng)

    valid = (
        (i != j)
        & a.alive[j]
        & allowed[kinds[i], kinds[j]]
        & (deg[j] < a.max_partners[j])
        & (np.asarray(adj[i, j]).ravel() == 0)
    )
    score = np.where(valid, attractiveness(state, params, i, j), -np.inf).reshape(-1, c)
    best = score.argmax(axis=1)
    rows = np.arange(len(seekers))
    chosen = score[rows, best] > p.threshold
    pi, pj = seekers[chosen], j.reshape(-1, c)[rows, best][chosen]
    _form(state, params, rng, pi, pj, deg)


def _form(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    pi: np.ndarray,
    pj: np.ndarray,
    deg: np.ndarray,
) -> None:
    """Form proposed ties once per pair, in random order, while both sides have room."""
    if len(pi) == 0:
        return
    lo, hi = np.minimum(pi, pj), np.maximum(pi, pj)
    _, first = np.unique(lo * state.actors.n + hi, return_index=True)
    order = first[rng.permutation(len(first))]
    lo, hi = lo[order], hi[order]
    ends = np.r_[lo, hi]
    slot = np.r_[np.arange(len(lo)), np.arange(len(lo))]
    by_node = np.lexsort((slot, ends))
    sorted_ends = ends[by_node]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_ends)) + 1]
    rank_sorted = np.arange(len(ends)) - np.repeat(starts, np.diff(np.r_[starts, len(ends)]))
    rank = np.empty_like(rank_sorted)
    rank[by_node] = rank_sorted
    room = deg[ends] + rank < state.actors.max_partners[ends]
    ok = room[: len(lo)] & room[len(lo) :]
    lo, hi = lo[ok], hi[ok]

    t = state.ties
    rows = t.add(len(lo))
    t.a[rows], t.b[rows] = lo, hi
    trust0 = params.trust.initial
    t.trust_ab[rows] = t.trust_ba[rows] = t.eff_ab[rows] = t.eff_ba[rows] = trust0
    t.formed[rows] = t.last_success[rows] = state.t
    state.counts["ties_formed"] += len(rows)
