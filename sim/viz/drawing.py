"""The class demo's pictures: the live network and the live charts, as PNG frames.

Each picture builds its matplotlib figure once. A frame updates the moving artists' data and
draws only them over a saved background (blitting): redrawing axes, ticks and text every
step would take most of the 200 ms a step may cost on a classroom laptop.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from ..model.metrics import METRICS
from ..model.state import State
from ..vocabulary import KINDS, End, TieType

KIND_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#7f7f7f")
KIND_RGBA = to_rgba_array(KIND_COLORS)  # converted once: colour names are slow to convert
RIM = to_rgba_array(["white", "black"])  # the rim of an actor, of a new startup
TRUST_LEVELS = np.array([0.15, 0.4, 0.65, 0.9])  # ties are drawn at the nearest of these
TIE_COLORS = ("0.1", "#17becf", "#8c564b")  # joint R&D, sharing, standard (TieType order)
RECENT = 6  # months during which a new, failed or acquired startup is marked
DPI = 80


@dataclass(frozen=True)
class Chart:
    """One live chart of metrics from the registry; `totals` are drawn as running totals,
    `unit` fixes the scale to [0, 1]."""

    title: str
    metrics: tuple[str, ...]
    totals: tuple[str, ...] = ()
    unit: bool = False
    legend: str = "upper left"

    @property
    def lines(self) -> tuple[tuple[str, str, bool], ...]:
        """(column, legend label, running total?) per line, labelled as the registry says."""
        return tuple(
            (
                name,
                METRICS[name].label + (" (total)" if name in self.totals else ""),
                name in self.totals,
            )
            for name in self.metrics
        )


CHARTS = (
    Chart("innovations / month", ("innovations", "radical_innovations")),
    Chart("innovation value ($M / month)", ("innovation_value",)),
    Chart("mean knowledge", ("mean_knowledge",), unit=True),
    Chart("network density", ("network_density",)),
    Chart(
        "network and trust",
        ("network_clustering", "largest_component_share", "mean_trust"),
        unit=True,
        legend="center right",
    ),
    Chart(
        "startups",
        ("startups_alive", "startups_failed", "startups_acquired"),
        totals=("startups_failed", "startups_acquired"),
    ),
    Chart("market concentration", ("top_seller_share", "platform_top_share"), unit=True),
)


class LivePicture:
    """A figure whose `moving` artists are redrawn over a saved background each frame."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.moving: list = []
        self._background = None

    def frame(self, redraw_all: bool = False) -> Image.Image:
        """The figure as an image; `redraw_all` when something of the background changed."""
        for artist in self.moving:
            artist.set_animated(True)
        if redraw_all or self._background is None:
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


class NetworkPicture(LivePicture):
    """Actors coloured by kind and sized by capital, ties coloured by type and shaded by
    trust; startups that entered, failed or were acquired in the last months are marked."""

    def __init__(self):
        fig = Figure(figsize=(7.0, 6.6), dpi=DPI)
        super().__init__(fig)
        ax = fig.add_axes((0.0, 0.1, 1.0, 0.84))
        ax.set_axis_off()
        ax.set(xlim=(0, 1), ylim=(0, 1))
        # ties by type in four bands of trust, each one path (a line per tie is slow to build)
        self.ties = [
            [
                ax.plot([], [], color=c, alpha=0.05 + 0.5 * level**2, lw=0.2 + 1.3 * level)[0]
                for level in TRUST_LEVELS
            ]
            for c in TIE_COLORS
        ]
        self.actors = ax.scatter([], [], zorder=2)
        self.failed = ax.scatter([], [], s=30, marker="x", c="0.35", linewidths=1.2, zorder=3)
        self.bought = ax.scatter([], [], s=40, marker="P", c="#9467bd", zorder=3)
        self.links = ax.add_collection(
            LineCollection([], colors="#9467bd", linewidths=1.0, linestyles="--")
        )
        self.title = fig.text(0.5, 0.97, "", ha="center", va="top", fontsize="large")
        lines = [line for by_trust in self.ties for line in by_trust]
        self.moving = [*lines, self.actors, self.failed, self.bought, self.links, self.title]
        handles = [
            Line2D([], [], ls="", marker="o", color=c, label=k)
            for k, c in zip(KINDS, KIND_COLORS, strict=True)
        ]
        handles += [
            Line2D([], [], ls="", marker="o", mfc="white", mec="black", label="new startup"),
            Line2D([], [], ls="", marker="x", color="0.35", label="failed"),
            Line2D([], [], ls="", marker="P", color="#9467bd", label="acquired"),
        ]
        handles += [
            Line2D([], [], color=c, alpha=0.8, label=f"{kind.label} tie")
            for kind, c in zip(TieType, TIE_COLORS, strict=True)
        ]
        handles.append(Line2D([], [], color="0.5", alpha=0.3, label="fainter: less trust"))
        fig.legend(handles=handles, loc="lower center", ncols=4, fontsize="small", frameon=False)

    def png(self, state: State, pos: np.ndarray, title: str) -> bytes:
        """One frame of the network in `state`, with actors at `pos`."""
        a, t = state.actors, state.ties
        trust = (t.trust_ab[: t.n] + t.trust_ba[: t.n]) / 2
        band = np.digitize(trust, (TRUST_LEVELS[1:] + TRUST_LEVELS[:-1]) / 2)
        kind = t.type[: t.n]
        for code, by_trust in enumerate(self.ties):
            for level, line in enumerate(by_trust):
                pick = (band == level) & (kind == code)
                a_end, b_end = pos[t.a[: t.n][pick]], pos[t.b[: t.n][pick]]
                ends = [a_end, b_end, np.full((pick.sum(), 2), np.nan)]
                line.set_data(*np.stack(ends, axis=1).reshape(-1, 2).T)  # a, b, gap, a, b...

        n, now = a.n, state.t
        alive = a.alive[:n]
        rows = np.flatnonzero(alive)
        new = (a.born[rows] > 0) & (now - a.born[rows] < RECENT)
        self.actors.set_offsets(pos[rows])
        self.actors.set_sizes(8 + 10 * np.log10(1 + np.maximum(a.capital[rows], 0)))
        self.actors.set_facecolor(KIND_RGBA[a.kind[rows]])
        self.actors.set_edgecolor(RIM[new.astype(int)])
        self.actors.set_linewidth(np.where(new, 1.2, 0.3))

        recent = ~alive & (a.ended[:n] >= 0) & (now - a.ended[:n] < RECENT)
        failed = np.flatnonzero(recent & (a.end_reason[:n] == End.FAILED))
        bought = np.flatnonzero(recent & (a.end_reason[:n] == End.ACQUIRED))
        buyer = a.acquirer[bought]
        self.failed.set_offsets(pos[failed].reshape(-1, 2))
        self.bought.set_offsets(pos[bought].reshape(-1, 2))
        self.links.set_segments(
            np.stack([pos[bought], pos[np.maximum(buyer, 0)]], axis=1)[buyer >= 0]
        )
        self.title.set_text(title)
        return png(self.frame())


class ChartPicture(LivePicture):
    """One live chart; its month axis spans the whole run, its y scale adapts to the data."""

    def __init__(self, chart: Chart, months: int):
        with sns.axes_style("whitegrid"):
            fig = Figure(figsize=(3.5, 2.2), dpi=DPI)
            ax = fig.add_axes((0.15, 0.13, 0.82, 0.75))
        super().__init__(fig)
        self.chart, self.ax = chart, ax
        self.lines = [ax.plot([], [], lw=1.3, label=label)[0] for _, label, _ in chart.lines]
        ax.set_title(chart.title, fontsize="medium", y=1.0)  # a fixed title is faster to draw
        ax.set(xlim=(0, max(12, months)), ylim=(0, 1))
        ax.locator_params(nbins=4)
        if len(chart.lines) > 1:
            ax.legend(loc=chart.legend, fontsize="x-small")
        self.fitted = chart.unit  # whether the y scale was set from data (or is fixed)
        self.moving = self.lines

    def update(self, series: dict[str, list[float]]) -> Image.Image:
        """One frame. The y scale is set from the first data (to twice the top) and grows
        the same way when outgrown: rarely, as only then are the axes redrawn."""
        top = 0.0
        for line, (column, _, cumulative) in zip(self.lines, self.chart.lines, strict=True):
            values = np.asarray(series[column], dtype=float)
            values = np.cumsum(values) if cumulative else values
            line.set_data(np.arange(1, len(values) + 1), values)
            top = max(top, float(values.max(initial=0.0)))
        grow = not self.chart.unit and (
            top > self.ax.get_ylim()[1] or (top > 0 and not self.fitted)
        )
        if grow:
            self.ax.set_ylim(0, top * 2)
            self.fitted = True
        return self.frame(redraw_all=grow)


class ChartsPicture:
    """The live charts in a grid of `columns`, as one image."""

    def __init__(self, months: int, columns: int = 2):
        self.charts = [ChartPicture(chart, months) for chart in CHARTS]
        self.columns = columns

    def png(self, series: dict[str, list[float]]) -> bytes:
        """One frame of every chart, side by side."""
        images = [chart.update(series) for chart in self.charts]
        width, height = images[0].size
        rows = -(-len(images) // self.columns)
        grid = Image.new("RGB", (width * self.columns, height * rows), "white")
        for i, image in enumerate(images):
            grid.paste(image, ((i % self.columns) * width, (i // self.columns) * height))
        return png(grid)
