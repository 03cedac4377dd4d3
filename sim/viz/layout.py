"""A network layout that is computed once and then moved a little each step (class demo).

Force-directed (Fruchterman-Reingold) with a weak pull of each actor towards its kind's
anchor, so kinds stay roughly in place. networkx's layouts start over or rescale the whole
drawing on each call, which makes a live picture jump; this one only nudges it.
"""

from __future__ import annotations

import numpy as np

from ..model.state import State
from ..vocabulary import KINDS, Origin

# where each kind gathers on the unit square: startups in the middle, the others around
ANCHORS = np.array([[0.45, 0.45], [0.72, 0.75], [0.2, 0.75], [0.5, 0.2], [0.5, 0.2]])
assert len(ANCHORS) == len(KINDS)
GRAVITY = 10.0  # pull towards the anchor per unit of distance
STRIP = 0.08  # height of the row at the bottom for actors that cannot partner
LOW = (0.02, STRIP + 0.03)  # the least x and y of a partnering actor
K = 1.0  # ideal tie length times the square root of the number of actors


class Layout:
    """Positions of every actor row (also of rows that have left, where they were last)."""

    def __init__(self, state: State, seed: int = 0, settle: int = 80):
        self.rng = np.random.default_rng(seed)  # its own: drawing never changes the model's run
        self.pos = np.empty((0, 2))
        self._place_new(state)
        self.relax(state, settle, start=0.1)

    def update(self, state: State, iterations: int = 2) -> np.ndarray:
        """Place actors that are new since the last call, then relax the drawing a little."""
        self._place_new(state)
        self.relax(state, iterations, start=0.01)
        return self.pos

    def _line_up(self, state: State) -> None:
        """Actors that cannot partner (VC funds and regulators, by default) stand in a row
        along the bottom, in order of entry."""
        a = state.actors
        rows = np.flatnonzero(a.alive[: a.n] & (a.max_partners[: a.n] == 0))
        self.pos[rows, 0] = (np.arange(len(rows)) + 0.5) / max(len(rows), 1)
        self.pos[rows, 1] = STRIP / 2

    def _place_new(self, state: State) -> None:
        """New rows start beside their parent (spin-off, copy) or else near their kind's anchor."""
        a = state.actors
        new = np.arange(len(self.pos), a.n)
        if len(new) == 0:
            return
        near = ANCHORS[a.kind[new]]
        has_parent = np.isin(a.origin[new], (Origin.SPINOFF, Origin.COPY)) & (a.parent[new] >= 0)
        parent = a.parent[new[has_parent]]
        near[has_parent] = np.r_[self.pos, near][parent] if len(self.pos) else near[has_parent]
        spread = np.where(has_parent, 0.03, 0.12)[:, None]
        placed = near + self.rng.normal(0.0, 1.0, (len(new), 2)) * spread
        self.pos = np.r_[self.pos, np.clip(placed, LOW, 0.98)]

    def relax(self, state: State, iterations: int, start: float) -> None:
        """`iterations` force steps over the alive actors; the largest move shrinks from
        `start` (a share of the drawing's width) to a tenth of it."""
        self._line_up(state)
        a, t = state.actors, state.ties
        alive = np.flatnonzero(a.alive[: a.n] & (a.max_partners[: a.n] > 0))
        if len(alive) < 2:
            return
        index = np.full(a.n, -1)
        index[alive] = np.arange(len(alive))
        i, j = index[t.a[: t.n]], index[t.b[: t.n]]
        anchor = ANCHORS[a.kind[alive]]
        k = K / np.sqrt(len(alive))  # ideal distance, so that n discs fill the square
        pos, n = self.pos[alive], len(alive)
        for temperature in np.linspace(start, start / 10, iterations):
            delta = pos[:, None, :] - pos[None, :, :]
            dist2 = np.maximum((delta**2).sum(-1), 1e-6)
            force = (delta * (k * k / dist2)[..., None]).sum(1)  # repulsion between all
            pull = pos[j] - pos[i]  # attraction along ties: d^2 / k
            length = np.sqrt((pull**2).sum(1, keepdims=True))
            along = pull * length / k
            for d in range(2):
                force[:, d] += np.bincount(i, along[:, d], n) - np.bincount(j, along[:, d], n)
            force += (anchor - pos) * GRAVITY  # gravity towards the kind's anchor
            size = np.maximum(np.sqrt((force**2).sum(1, keepdims=True)), 1e-12)
            pos = np.clip(pos + force / size * np.minimum(size, temperature), LOW, 0.98)
        self.pos[alive] = pos
