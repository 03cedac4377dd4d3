"""The neighbour index: every tie read both ways, sorted by (actor, partner), built with one
sort per state of the ties. The stages look ties up and sum over partners with it instead of
building sparse matrices each month."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .arrays import search_sorted

TABLE_PAIRS = 1 << 21  # up to this many pairs of tied rows, `find` reads a table of all (8 MB)


@dataclass(frozen=True)
class Neighbours:
    """Directed ties x->y over `n` actor rows (ties are never duplicated, so keys are unique).

    Position p (0 <= p < 2m) of the index is one directed tie: `keys[p] = x * n + y`, the tie
    row `order[p] % m`, read a->b when `order[p] < m`. Row x's partners, ascending, are
    `partner[start[x]:start[x + 1]]`, the same order as the rows of a canonical CSR matrix.
    """

    n: int
    m: int
    keys: np.ndarray
    order: np.ndarray

    @classmethod
    def of(cls, n: int, a: np.ndarray, b: np.ndarray) -> Neighbours:
        """The index of ties a[k]-b[k] among n actor rows."""
        keys = np.concatenate([a * n + b, b * n + a])
        order = np.argsort(keys)
        return cls(n, len(a), keys[order], order)

    def renewed(self, n: int, a: np.ndarray, b: np.ndarray, moved: np.ndarray) -> Neighbours:
        """The index of ties a[k]-b[k] among n >= self.n rows, from this one without a sort of
        all: `moved[k]` is the row now of this index's tie k (-1: it ended); the ties no row
        moved to are new, and are sorted in. The same arrays as `Neighbours.of(n, a, b)`, as
        long as no pair is tied twice (then keys would repeat and their order is argsort's)."""
        m = len(a)
        tie = self.order % max(self.m, 1)  # the tie row of each position
        back = self.order >= self.m  # the positions that read it b->a
        now = moved[tie]
        kept = now >= 0
        keys, order = self.keys[kept], now[kept] + m * back[kept]
        if n != self.n:  # x * n + y keeps its order for any n > y
            keys = keys // self.n * n + keys % self.n
        new = np.ones(m, dtype=bool)
        new[moved[moved >= 0]] = False
        added = np.flatnonzero(new)
        if len(added):
            more = np.concatenate([a[added] * n + b[added], b[added] * n + a[added]])
            sort = np.argsort(more)
            at = np.searchsorted(keys, more[sort])
            keys = np.insert(keys, at, more[sort])
            order = np.insert(order, at, np.concatenate([added, added + m])[sort])
        return Neighbours(n, m, keys, order)

    @cached_property
    def owner(self) -> np.ndarray:
        """The actor x of each position."""
        return self.keys // self.n

    @cached_property
    def partner(self) -> np.ndarray:
        """The partner y of each position."""
        return self.keys % self.n

    @cached_property
    def start(self) -> np.ndarray:
        """Where each actor row's partners begin (n + 1 entries, CSR's indptr)."""
        # counted, not searched: a binary search per row was 12x slower at a million rows
        return np.concatenate(([0], np.cumsum(np.bincount(self.owner, minlength=self.n))))

    @cached_property
    def degree(self) -> np.ndarray:
        """Partners of each actor row."""
        return np.diff(self.start)

    @cached_property
    def tied_adjacency(self) -> sp.csr_matrix:
        """The symmetric 0/1 adjacency among the rows with a tie only, each by its number among
        them (canonical CSR, sorted indices); treat as read-only."""
        compact, side = self._compact
        start = np.concatenate(([0], np.cumsum(self.degree[self.degree > 0])))
        shape = (side - 1, side - 1)
        return sp.csr_matrix((np.ones(2 * self.m), compact[self.partner], start), shape=shape)

    @cached_property
    def _compact(self) -> tuple[np.ndarray, int]:
        """Each row's number among the rows with a tie (r of them; r for a row without), and
        r + 1, the side of the table of pairs."""
        tied = self.degree > 0
        side = int(tied.sum()) + 1
        return np.where(tied, np.cumsum(tied) - 1, side - 1), side

    @cached_property
    def _table(self) -> np.ndarray:
        """The position of every pair of rows with ties, by their compact numbers; -1 untied."""
        compact, side = self._compact
        table = np.full(side * side, -1, dtype=np.int32)
        table[compact[self.owner] * side + compact[self.partner]] = np.arange(2 * self.m)
        return table

    def find(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per pair, the position of the directed tie x->y, or -1 where x and y are not tied."""
        x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64)
        compact, side = self._compact
        if side * side <= TABLE_PAIRS:  # 20x faster than a binary search on small networks
            return self._table[compact[x] * side + compact[y]]
        wanted = x * self.n + y
        if self.m == 0:
            return np.full(len(wanted), -1)
        pos = np.minimum(search_sorted(self.keys, wanted), 2 * self.m - 1)
        return np.where(self.keys[pos] == wanted, pos, -1)

    def tie(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per pair: k for the tie from x to y read a->b, m + k read b->a (m ties), or -1."""
        pos = self.find(x, y)
        return np.where(pos >= 0, self.order[pos], -1) if self.m else pos

    @cached_property
    def twin(self) -> np.ndarray:
        """The position of each position's tie read the other way (y->x for x->y)."""
        size = 2 * self.m
        position = np.empty(size, dtype=np.int64)
        position[self.order] = np.arange(size)
        return position[(self.order + self.m) % max(size, 1)]

    def common(
        self, values: np.ndarray | None = None, fused: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Per position x->y: how many partners k x and y share, and (given `values` per
        position) the sum over those k, ascending, of the value at k->y. Summed in the order a
        sparse product adj @ V sums, so the results are the same bit for bit; `fused`: in one
        compiled loop (loops.common, for large runs), the same numbers."""
        size, deg, x, y = 2 * self.m, self.degree, self.owner, self.partner
        # each tie once, from its end with fewer partners: k runs over that end's partners
        mine = np.flatnonzero((deg[x] < deg[y]) | ((deg[x] == deg[y]) & (x < y)))
        back = self.twin[mine]  # the same ties read y->x
        there = here = None  # per tie of `mine`: the sums at k->y and at k->x
        if fused:
            from .loops import common  # numba, imported for large runs only

            found = np.empty(len(mine), dtype=np.int64)
            there, here = np.empty(len(mine)), np.empty(len(mine))
            given = np.empty(0) if values is None else values
            common(self.start, x, y, self.twin, mine, given, found, there, here)
        else:
            which, at = self.partners_of(x[mine], positions=True)  # at: the position of x->k
            k_y = self.find(self.partner[at], y[mine][which])  # the position of k->y, if tied
            closed = k_y >= 0
            which, at, k_y = which[closed], at[closed], k_y[closed]
            found = np.bincount(which, minlength=len(mine))  # the same partners
            if values is not None:
                there = np.bincount(which, values[k_y], minlength=len(mine))
                here = np.bincount(which, values[self.twin[at]], minlength=len(mine))
        count = np.zeros(size, dtype=np.int64)
        count[mine] = count[back] = found
        if values is None:
            return count, None
        total = np.zeros(size)
        total[mine], total[back] = there, here
        return count, total

    def partners_of(
        self, rows: np.ndarray, positions: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every partner of each of `rows`, ascending: the index into `rows`, and the partner
        (or, with `positions`, the position of the tie to it)."""
        count = self.degree[rows]
        ends = np.cumsum(count)
        at = np.repeat(self.start[rows] - (ends - count), count) + np.arange(
            ends[-1] if len(ends) else 0
        )
        which = np.repeat(np.arange(len(rows)), count)
        return which, at if positions else self.partner[at]


def moved_rows(
    then: tuple[np.ndarray, np.ndarray, np.ndarray], now: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> np.ndarray | None:
    """Where each tie of `then` (ids, a, b) is in `now`, by its id, -1 where it ended; None
    when ids cannot tell (not increasing, as for ties made by hand) or a tie's ends changed."""
    (old, old_a, old_b), (ids, a, b) = then, now
    if not (_increasing(old) and _increasing(ids)):
        return None
    if len(ids) == 0:
        return np.full(len(old), -1)
    at = np.minimum(np.searchsorted(ids, old), len(ids) - 1)
    found = ids[at] == old
    if (a[at[found]] != old_a[found]).any() or (b[at[found]] != old_b[found]).any():
        return None
    return np.where(found, at, -1)


def _increasing(ids: np.ndarray) -> bool:
    return bool((ids[1:] > ids[:-1]).all())
