"""The class demo's live charts: the month-by-month metrics of one run or of two, as frames
drawn over a saved background (see sim/viz/drawing.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from ..analysis.plots import whitegrid
from ..model.metrics import METRICS
from .drawing import DPI, LivePicture, png

RUN_STYLES = ("-", "--")  # the first run's lines solid, the second's dashed
RUN_COLORS = ("C0", "C3")  # and, in a chart of one metric, blue and red


@dataclass(frozen=True)
class Chart:
    """One live chart of metrics from the registry, its y axis in words with the unit;
    `names` are the legend's short names of the lines (else the registry's labels),
    `totals` are drawn as running totals, `unit` fixes the scale to [0, 1]."""

    title: str
    metrics: tuple[str, ...]
    axis: str
    names: tuple[str, ...] = ()
    totals: tuple[str, ...] = ()
    unit: bool = False
    legend: str = "upper left"

    @property
    def lines(self) -> tuple[tuple[str, str, bool], ...]:
        """(column, legend label, running total?) per line."""
        names = self.names or tuple(METRICS[name].label for name in self.metrics)
        return tuple(
            (name, label, name in self.totals)
            for name, label in zip(self.metrics, names, strict=True)
        )


CHARTS = (
    Chart(
        "innovations",
        ("innovations", "radical_innovations"),
        "innovations per month",
        ("all", "radical"),
    ),
    Chart("innovation value", ("innovation_value",), "$M per month"),
    Chart("mean knowledge", ("mean_knowledge",), "level (0–1)", unit=True),
    Chart("network density", ("network_density",), "share (0–1)"),
    Chart(
        "network and trust",
        ("network_clustering", "largest_component_share", "mean_trust"),
        "share (0–1)",
        ("clustering", "in the largest group", "mean trust"),
        unit=True,
        legend="lower right",
    ),
    Chart(
        "startups",
        ("startups_alive", "startups_failed", "startups_acquired"),
        "number of startups",
        ("alive", "failed (total)", "acquired (total)"),
        totals=("startups_failed", "startups_acquired"),
    ),
    Chart(
        "market concentration",
        ("top_seller_share", "platform_top_share"),
        "leader's share (0–1)",
        ("all fields", "platform fields"),
        unit=True,
        legend="upper right",
    ),
)


class ChartPicture(LivePicture):
    """One live chart of one run or of several (`runs`: their labels; solid lines, then
    dashed); its month axis spans the whole run, its y scale adapts to the data."""

    def __init__(
        self,
        chart: Chart,
        months: int,
        size: tuple[int, int] = (280, 176),
        runs: tuple[str, ...] = ("",),
    ):
        width, height = size
        with whitegrid():
            fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
            left, bottom, top = 48, 32, 20  # pixels for the y label, the x label, the title
            ax = fig.add_axes(
                (left / width, bottom / height, 1 - (left + 8) / width, 1 - (bottom + top) / height)
            )
        super().__init__(fig)
        self.chart, self.ax, self.runs = chart, ax, len(runs)
        several = len(chart.lines) > 1  # colours tell the metrics apart, else the runs
        styles = list(zip(RUN_STYLES[: len(runs)], RUN_COLORS, runs, strict=False))
        self.lines = [
            ax.plot([], [], lw=1.4, ls=style, color=f"C{i}" if several else color)[0]
            for style, color, _ in styles
            for i in range(len(chart.lines))
        ]
        ax.set_title(chart.title, fontsize="medium", y=1.0)  # a fixed title is faster to draw
        ax.set_xlabel("month", fontsize="small", labelpad=1)
        ax.set_ylabel(chart.axis, fontsize="small", labelpad=2)
        ax.tick_params(labelsize="small", pad=1)
        ax.set(xlim=(0, max(12, months)), ylim=(0, 1))
        ax.locator_params(nbins=4)
        handles = []
        if several:
            handles += [
                Line2D([], [], color=f"C{i}", label=label)
                for i, (_, label, _) in enumerate(chart.lines)
            ]
        if len(runs) > 1:
            handles += [
                Line2D([], [], ls=style, color="0.3" if several else color, label=run)
                for style, color, run in styles
            ]
        if handles:  # opaque, so that its pixels can be put back over the y axis' grid
            ax.legend(handles=handles, loc=chart.legend, fontsize="x-small", framealpha=1)
        self.fitted = chart.unit  # whether the y scale was set from data (or is fixed)
        self.moving = self.lines
        self._static = self._legend = None  # what stays when the y scale changes

    def update(self, *series: dict[str, list[float]]) -> Image.Image:
        """One frame of each run's `series`. The y scale is set from the first data (to twice
        the top) and grows the same way when outgrown: rarely, as only then are the axes
        redrawn."""
        top = 0.0
        columns = self.chart.lines * self.runs
        runs = [run for run in series for _ in self.chart.lines]
        for line, (column, _, cumulative), run in zip(self.lines, columns, runs, strict=True):
            values = np.asarray(run[column], dtype=float)
            values = np.cumsum(values) if cumulative else values
            line.set_data(np.arange(1, len(values) + 1), values)
            top = max(top, float(values.max(initial=0.0)))
        grow = not self.chart.unit and (
            top > self.ax.get_ylim()[1] or (top > 0 and not self.fitted)
        )
        if grow:
            self.ax.set_ylim(0, top * 2)
            self.fitted = True
        if self._static is None:
            self._layers()
        elif grow:
            self._rescale()
        return self.frame()

    def _layers(self) -> None:
        """Draw what never changes (all but the y axis and the lines) once, and keep it with
        the legend's pixels: a new scale then redraws the y axis only, half a full redraw."""
        self.ax.yaxis.set_animated(True)
        for artist in self.moving:
            artist.set_animated(True)
        self.canvas.draw()
        self._static = self.canvas.copy_from_bbox(self.fig.bbox)
        legend = self.ax.get_legend()
        if legend is not None:
            self._legend = self.canvas.copy_from_bbox(legend.get_window_extent().padded(1))
        self._rescale()

    def _rescale(self) -> None:
        """The background anew: the y axis (ticks, grid, label) over what never changes,
        under the legend."""
        self.canvas.restore_region(self._static)
        self.fig.draw_artist(self.ax.yaxis)
        if self._legend is not None:
            self.canvas.restore_region(self._legend)
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)


class ChartsPicture:
    """The live `charts` in a grid of `columns`, as one image; each chart `size` pixels, of
    one run or of several (`runs`, their labels)."""

    def __init__(
        self,
        months: int,
        columns: int = 2,
        size: tuple[int, int] = (280, 176),
        runs: tuple[str, ...] = ("",),
        charts: tuple[Chart, ...] = CHARTS,
    ):
        self.charts = [ChartPicture(chart, months, size, runs) for chart in charts]
        self.columns = columns

    def png(self, *series: dict[str, list[float]]) -> bytes:
        """One frame as PNG bytes."""
        return png(self.image(*series))

    def image(self, *series: dict[str, list[float]]) -> Image.Image:
        """One frame of every chart, in rows, from each run's `series`."""
        images = [chart.update(*series) for chart in self.charts]
        width, height = images[0].size
        rows = -(-len(images) // self.columns)
        grid = Image.new("RGB", (width * self.columns, height * rows), "white")
        for i, image in enumerate(images):
            grid.paste(image, ((i % self.columns) * width, (i // self.columns) * height))
        return grid
