"""The class demo's pictures: the live network as frames, and what the live charts
(sim/viz/charts.py) share with it.

Each picture builds its matplotlib figure once. A frame updates the moving artists' data and
draws only them over a saved background (blitting): redrawing axes, ticks and text every
step would take most of the 150 ms a step may cost on a classroom laptop.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from typing import Literal

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.path import Path
from PIL import Image

from ..model.state import State
from ..vocabulary import KINDS, End, TieType
from .layout import ASPECT

KIND_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#7f7f7f")
KIND_RGBA = to_rgba_array(KIND_COLORS)  # converted once: colour names are slow to convert
TIE_COLORS = ("#1a1a1a", "#17becf", "#8c564b")  # joint R&D, sharing, standard (TieType order)
TIE_RGBA = to_rgba_array(TIE_COLORS)
FAILED_COLOR, BOUGHT_COLOR = "#000000", "#9467bd"
FADED = 0.12  # opacity of what is not in the followed actor's ego network
RECENT = 6  # months during which a new, failed or acquired startup is marked
TRUST_SHADES = 16  # ties are drawn in this many shades of trust (widths 0.08 px apart)
DPI = 80


class LivePicture:
    """A figure whose `moving` artists are redrawn over a saved background each frame."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.moving: list = []
        self._background = None

    def frame(self) -> Image.Image:
        """The figure as an image: the moving artists over the background, drawn the first
        time (a subclass redraws `_background` when something of it changes)."""
        for artist in self.moving:
            artist.set_animated(True)
        if self._background is None:
            self.canvas.draw()  # everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        size = self.canvas.get_width_height()
        return Image.frombuffer("RGBA", size, self.canvas.buffer_rgba()).convert("RGB")


def png(image: Image.Image) -> bytes:
    """PNG bytes of `image`, compressed lightly: it is shown once and replaced."""
    out = io.BytesIO()
    image.save(out, format="png", compress_level=1)
    return out.getvalue()


def jpeg(image: Image.Image) -> bytes:
    """JPEG bytes of `image`: a tenth of the time of PNG (about 2 ms against 25 for the
    class page's network), and at this quality no different to see."""
    out = io.BytesIO()
    image.save(out, format="jpeg", quality=90)
    return out.getvalue()


def actor_name(state: State, row: int) -> str:
    """An actor's name for a person: its kind and its number among that kind, e.g.
    "corporate 12" (rows are never reused, so the name is the actor's for the whole run)."""
    kinds = state.actors.kind[: row + 1]
    return f"{KINDS[kinds[row]]} {int((kinds == kinds[row]).sum())}"


class NetworkPicture(LivePicture):
    """Actors coloured by kind and sized by capital, ties coloured by type and shaded by
    trust; startups that entered, failed or were acquired in the last months are marked.

    `width` in pixels; the canvas is `aspect` times as wide as high, as the layout's. The
    `legend`: "full" below the canvas, "marks" (what the marks mean, right of the title: a
    page that explains kinds and ties itself) or "none"."""

    def __init__(
        self,
        width: int = 860,
        aspect: float = ASPECT,
        legend: Literal["full", "marks", "none"] = "full",
    ):
        title, key = 26, (40 if legend == "full" else 0)  # pixels of the title, the legend
        height = round(width / aspect) + title + key
        fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
        super().__init__(fig)
        self.aspect = aspect
        ax = fig.add_axes((0.0, key / height, 1.0, 1 - (key + title) / height))
        ax.set_axis_off()
        ax.set(xlim=(0, aspect), ylim=(0, 1))
        # a path per tie type and shade of trust: a path per tie costs matplotlib three
        # settings lookups each, which the class server makes slow (Solara keeps settings
        # per browser), and the same to draw
        self.ties = ax.add_collection(PathCollection([], facecolors="none", zorder=1))
        # the actors without a rim, then those with one (new startups, the followed partners):
        # an edge per dot costs matplotlib a settings lookup each, and as much to draw as the dot
        self.actors = ax.scatter([], [], edgecolors="none", linewidths=0, zorder=2)
        self.rimmed = ax.scatter([], [], edgecolors="black", linewidths=1.2, zorder=2)
        self.failed = ax.scatter(
            [], [], s=90, marker="X", c=FAILED_COLOR, edgecolors="white", linewidths=0.8, zorder=4
        )
        self.bought = ax.scatter([], [], s=60, marker="P", c=BOUGHT_COLOR, zorder=3)
        self.links = ax.add_collection(
            LineCollection([], colors=BOUGHT_COLOR, linewidths=1.0, linestyles="--")
        )
        self.ego = ax.scatter([], [], s=320, facecolors="none", edgecolors="black", lw=2, zorder=5)
        box = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.3", "alpha": 0.85}
        self.ego_label = ax.text(0, 0, "", fontsize="medium", zorder=6, bbox=box)
        # beside the marks the title starts on the left
        x, align = (0.01, "left") if legend == "marks" else (0.5, "center")
        self.title = fig.text(x, 1 - 4 / height, "", ha=align, va="top", fontsize="large")
        marks = [
            self.actors,
            self.rimmed,
            self.failed,
            self.bought,
            self.links,
            self.ego,
            self.ego_label,
        ]
        self.moving = [self.ties, *marks, self.title]
        if legend == "full":
            fig.legend(handles=legend_handles(), loc="lower center", ncols=6, frameon=False)
        elif legend == "marks":
            fig.legend(
                handles=legend_handles()[len(KINDS) : len(KINDS) + 3],
                loc="upper right",
                bbox_to_anchor=(1, 1 + 2 / height),
                ncols=3,
                frameon=False,
                columnspacing=1.0,
                handletextpad=0.2,
            )

    def png(self, state: State, pos: np.ndarray, title: str, **options) -> bytes:
        """One frame as PNG bytes (see `image` for the `options`)."""
        return png(self.image(state, pos, title, **options))

    def image(
        self,
        state: State,
        pos: np.ndarray,
        title: str,
        *,
        kinds: Collection[int] | None = None,
        ties: Collection[int] | None = None,
        ego: int | None = None,
    ) -> Image.Image:
        """One frame of the network in `state`, with actors at `pos`: only actors of `kinds`
        and ties of types `ties` (None: all); with the ego network of actor row `ego`
        standing out (its ties and partners) and the rest faded."""
        a, t = state.actors, state.ties
        shown = np.ones(len(KINDS), bool)
        if kinds is not None:
            shown[:] = np.isin(np.arange(len(KINDS)), list(kinds))
        visible = shown[a.kind[: a.n]]
        ends_a, ends_b, kind = t.a[: t.n], t.b[: t.n], t.type[: t.n]
        keep = visible[ends_a] & visible[ends_b]
        if ties is not None:
            keep &= np.isin(kind, list(ties))
        focus = ego is not None and 0 <= ego < a.n
        mine = ((ends_a == ego) | (ends_b == ego)) & keep if focus else np.zeros(t.n, bool)
        # the followed actor's ties last, so drawn on top; then by type and trust
        trust = (t.trust_ab[: t.n] + t.trust_ba[: t.n]) / 2  # darker and thicker: more trust
        shade = np.minimum((trust * TRUST_SHADES).astype(int), TRUST_SHADES - 1)
        group = (mine * len(TieType) + kind) * TRUST_SHADES + shade
        drawn = np.flatnonzero(keep)
        drawn = drawn[np.argsort(group[drawn], kind="stable")]
        groups, first = np.unique(group[drawn], return_index=True)
        paths = tie_paths(np.stack([pos[ends_a[drawn]], pos[ends_b[drawn]]], axis=1), first)
        kinds_of, level = groups // TRUST_SHADES % len(TieType), groups % TRUST_SHADES
        shaded = (level + 0.5) / TRUST_SHADES  # the middle of each shade's trust
        colors = TIE_RGBA[kinds_of]
        colors[:, 3] = (0.05 + 0.5 * shaded**2) * (FADED if focus else 1.0)
        widths = 0.2 + 1.3 * shaded
        followed = groups >= len(TieType) * TRUST_SHADES
        colors[followed, 3], widths[followed] = 0.9, 2.2
        self.ties.set_paths(paths)
        self.ties.set_edgecolor(colors)
        self.ties.set_linewidth(widths)

        n, now = a.n, state.t
        alive = a.alive[:n]
        rows = np.flatnonzero(alive & visible)
        colors = KIND_RGBA[a.kind[rows]]
        rim = (a.born[rows] > 0) & (now - a.born[rows] < RECENT)  # the new startups
        if focus:
            partners = np.zeros(n, bool)
            partners[np.r_[ends_a[mine], ends_b[mine], ego]] = True
            colors[~partners[rows], 3] = FADED
            rim = partners[rows]
        sizes = 8 + 10 * np.log10(1 + np.maximum(a.capital[rows], 0))
        for dots, these in ((self.actors, ~rim), (self.rimmed, rim)):
            dots.set_offsets(pos[rows[these]].reshape(-1, 2))
            dots.set_sizes(sizes[these])
            dots.set_facecolor(colors[these])

        recent = ~alive & visible & (a.ended[:n] >= 0) & (now - a.ended[:n] < RECENT)
        failed = np.flatnonzero(recent & (a.end_reason[:n] == End.FAILED))
        bought = np.flatnonzero(recent & (a.end_reason[:n] == End.ACQUIRED))
        buyer = a.acquirer[bought]
        self.failed.set_offsets(pos[failed].reshape(-1, 2))
        self.bought.set_offsets(pos[bought].reshape(-1, 2))
        self.links.set_segments(
            np.stack([pos[bought], pos[np.maximum(buyer, 0)]], axis=1)[buyer >= 0]
        )
        self.ego.set_offsets(pos[[ego]] if focus else np.empty((0, 2)))
        self.links.set_alpha(FADED * 3 if focus else 1.0)
        self.ego_label.set_text(_ego_text(state, ego, int(mine.sum())) if focus else "")
        if focus:  # beside the actor, on the side with room
            right = pos[ego, 0] > 0.7 * self.aspect
            self.ego_label.set_position(pos[ego] + (-0.03 if right else 0.03, 0.04))
            self.ego_label.set_horizontalalignment("right" if right else "left")
        self.title.set_text(title)
        return self.frame()


def tie_paths(segments: np.ndarray, first: np.ndarray) -> list[Path]:
    """A path of the ties' `segments` (tie, end, x/y) from each index in `first` to the next."""
    codes = np.tile(np.array([Path.MOVETO, Path.LINETO], Path.code_type), len(segments))
    vertices, bounds = segments.reshape(-1, 2), np.r_[first, len(segments)] * 2
    paths = []
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        path = Path(vertices[start:end], codes[start:end])
        path.should_simplify = False  # simplifying would join one tie's line to the next
        paths.append(path)
    return paths


def _ego_text(state: State, row: int, ties: int) -> str:
    gone = "" if state.actors.alive[row] else ", gone"
    return f"{actor_name(state, row)}: {ties} tie{'s' * (ties != 1)}{gone}"


def legend_handles() -> list[Line2D]:
    """The network's legend: kinds, the marks of new, failed and acquired startups, ties."""
    handles = [
        Line2D([], [], ls="", marker="o", color=c, label=k)
        for k, c in zip(KINDS, KIND_COLORS, strict=True)
    ]
    handles += [
        Line2D([], [], ls="", marker="o", mfc="white", mec="black", label="new startup"),
        Line2D([], [], ls="", marker="X", ms=9, color=FAILED_COLOR, label="failed"),
        Line2D([], [], ls="", marker="P", color=BOUGHT_COLOR, label="acquired"),
    ]
    handles += [
        Line2D([], [], color=c, alpha=0.8, label=f"{kind.label} tie")
        for kind, c in zip(TieType, TIE_COLORS, strict=True)
    ]
    handles.append(Line2D([], [], color="0.5", alpha=0.3, label="fainter: less trust"))
    return handles
