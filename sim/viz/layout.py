"""A network layout that is computed once and then moved a little each step (class demo).

Force-directed (Fruchterman-Reingold) with a pull of each actor towards its kind's anchor,
so kinds stay roughly in place, and each actor's ties pulling it as one tie would on average,
so that hubs do not gather everyone into one knot. networkx's layouts start over or rescale
the whole drawing on each call, which makes a live picture jump; this one only nudges it, and
stretches it a little each step towards filling the canvas as ties draw it together.
"""

from __future__ import annotations

import numpy as np

from ..model.state import State
from ..vocabulary import KINDS, Origin

ASPECT = 2.4  # width of the canvas over its height (1): pages are wider than tall
# where each kind gathers, as shares of the width and of the height: universities on the
# left, startups in the middle, corporates on the right; the others in the bottom row
ANCHORS = np.array([[0.45, 0.55], [0.85, 0.55], [0.12, 0.55], [0.5, 0.2], [0.5, 0.2]])
assert len(ANCHORS) == len(KINDS)
GRAVITY = 8.0  # pull towards the anchor per unit of distance
STRETCH = 0.02  # the most a step stretches or moves the drawing, as a share
STRIP = 0.08  # height of the row at the bottom for actors that cannot partner
MARGIN = 0.02  # between a partnering actor and the canvas' edge
K = 0.5  # ideal tie length over the canvas' width, times the square root of the actors


class Layout:
    """Positions of every actor row (also of rows that have left, where they were last) on
    a canvas `aspect` wide and 1 high."""

    def __init__(self, state: State, seed: int = 0, settle: int = 80, aspect: float = ASPECT):
        self.rng = np.random.default_rng(seed)  # its own: drawing never changes the model's run
        self.aspect = aspect
        self.anchors = ANCHORS * (aspect, 1.0)
        # a blob's height grows with the ideal distance, so with the width: weaker upward
        # gravity on a narrower canvas keeps it as tall
        self.gravity = GRAVITY * np.array([1.0, (aspect / ASPECT) ** 2])
        self.low = np.array([MARGIN, STRIP + 0.03])  # the least x and y of a partnering actor
        self.high = np.array([aspect - MARGIN, 1.0 - MARGIN])
        self.pos = np.empty((0, 2))
        self._place_new(state)
        self.relax(state, settle, start=0.1, stretch=1.0)

    def update(self, state: State, iterations: int = 2) -> np.ndarray:
        """Place actors that are new since the last call, then relax the drawing a little."""
        self._place_new(state)
        self.relax(state, iterations, start=0.01, stretch=STRETCH)
        return self.pos

    def _line_up(self, state: State) -> None:
        """Actors that cannot partner (VC funds and regulators, by default) stand in a row
        along the bottom, in order of entry."""
        a = state.actors
        rows = np.flatnonzero(a.alive[: a.n] & (a.max_partners[: a.n] == 0))
        self.pos[rows, 0] = (np.arange(len(rows)) + 0.5) / max(len(rows), 1) * self.aspect
        self.pos[rows, 1] = STRIP / 2

    def _place_new(self, state: State) -> None:
        """New rows start beside their parent (spin-off, copy) or else near their kind's anchor."""
        a = state.actors
        new = np.arange(len(self.pos), a.n)
        if len(new) == 0:
            return
        near = self.anchors[a.kind[new]]
        has_parent = np.isin(a.origin[new], (Origin.SPINOFF, Origin.COPY)) & (a.parent[new] >= 0)
        parent = a.parent[new[has_parent]]
        near[has_parent] = np.r_[self.pos, near][parent] if len(self.pos) else near[has_parent]
        spread = np.where(has_parent, 0.03, 0.12)[:, None] * (np.sqrt(self.aspect), 1.0)
        placed = near + self.rng.normal(0.0, 1.0, (len(new), 2)) * spread
        self.pos = np.r_[self.pos, np.clip(placed, self.low, self.high)]

    def relax(self, state: State, iterations: int, start: float, stretch: float) -> None:
        """`iterations` force steps over the alive actors (the largest move shrinks from
        `start`, a share of the drawing's height, to a tenth of it), then the drawing
        stretched by up to `stretch` towards filling the canvas."""
        self._line_up(state)
        a, t = state.actors, state.ties
        alive = np.flatnonzero(a.alive[: a.n] & (a.max_partners[: a.n] > 0))
        if len(alive) < 2:
            return
        index = np.full(a.n, -1)
        index[alive] = np.arange(len(alive))
        i, j = index[t.a[: t.n]], index[t.b[: t.n]]
        anchor = self.anchors[a.kind[alive]]
        # ideal distance: the kinds stand side by side, so their discs must fit the width
        k = K * self.aspect / np.sqrt(len(alive))
        pos, n = self.pos[alive], len(alive)
        ties = np.maximum(np.bincount(i, minlength=n) + np.bincount(j, minlength=n), 1)
        for temperature in np.linspace(start, start / 10, iterations):
            # repulsion between all, x and y apart: an n x n x 2 array took twice the time
            dx = pos[:, 0, None] - pos[None, :, 0]
            dy = pos[:, 1, None] - pos[None, :, 1]
            push = k * k / np.maximum(dx * dx + dy * dy, 1e-6)
            force = np.column_stack(((dx * push).sum(1), (dy * push).sum(1)))
            pull = pos[j] - pos[i]  # attraction along ties: d^2 / k
            length = np.sqrt((pull**2).sum(1, keepdims=True))
            along = pull * length / k
            for d in range(2):
                pulled = np.bincount(i, along[:, d], n) - np.bincount(j, along[:, d], n)
                force[:, d] += pulled / ties  # the mean pull of its ties
            force += (anchor - pos) * self.gravity  # towards the kind's anchor
            size = np.maximum(np.sqrt((force**2).sum(1, keepdims=True)), 1e-12)
            pos = np.clip(pos + force / size * np.minimum(size, temperature), self.low, self.high)
        self.pos[alive] = self._stretched(pos, stretch)

    def _stretched(self, pos: np.ndarray, most: float) -> np.ndarray:
        """`pos` scaled about its middle towards its bulk (all but the 5% at either end)
        spanning 80% of the canvas, but never beyond it, and its middle moved towards the
        canvas' middle: each by at most `most` (a share) per axis."""
        size = self.high - self.low
        low, high = pos.min(0), pos.max(0)
        bulk = np.percentile(pos, 95, axis=0) - np.percentile(pos, 5, axis=0)
        want = np.minimum(0.8 * size / np.maximum(bulk, 1e-6), size / np.maximum(high - low, 1e-6))
        scale = np.clip(want, 1 - most, 1 + most)
        middle = (low + high) / 2
        shift = np.clip((self.low + self.high) / 2 - middle, -most / 2, most / 2)
        return np.clip(middle + shift + (pos - middle) * scale, self.low, self.high)
