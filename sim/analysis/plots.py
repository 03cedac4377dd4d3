"""Figures of runs' metrics, drawn off-screen (Agg) so they work without a display: plain
matplotlib in seaborn's whitegrid look (importing seaborn, and scipy.stats with it, took half
of `run.py run small.yaml`)."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..model.metrics import METRICS, REGISTRY, Metric

DPI = 110
# seaborn's axes_style("whitegrid"), without importing seaborn
WHITEGRID = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": ".8",
    "axes.labelcolor": ".15",
    "axes.axisbelow": True,
    "axes.grid": True,
    "grid.color": ".8",
    "grid.linestyle": "-",
    "text.color": ".15",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.bottom": False,
    "ytick.left": False,
    "xtick.top": False,
    "ytick.right": False,
    "font.family": ["sans-serif"],
    "font.sans-serif": [
        "Arial",
        "DejaVu Sans",
        "Liberation Sans",
        "Bitstream Vera Sans",
        "sans-serif",
    ],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    # a fixed title height: matplotlib otherwise measures every axis's ticks at each draw to
    # lift titles over ticks on top, which these panels never have (a tenth of a plot's time)
    "axes.titley": 1.0,
}


def whitegrid():
    """A context in which new figures and axes take the WHITEGRID look."""
    return matplotlib.rc_context(WHITEGRID)


def colors(n: int) -> list[tuple[float, float, float, float]]:
    """`n` colours of the tab10 palette, repeated past ten."""
    tab10 = matplotlib.colormaps["tab10"]
    return [tab10(i % 10) for i in range(n)]


def panels() -> dict[str, list[str]]:
    """Panel title -> the metrics drawn in it, as the registry groups them."""
    grouped: dict[str, list[str]] = {}
    for metric in REGISTRY:
        if metric.panel:
            grouped.setdefault(metric.panel, []).append(metric.name)
    return grouped


def title_of(metric: str) -> str:
    """A panel's title for one metric: its words and unit."""
    known = METRICS.get(metric)
    return known.axis if known else metric.replace("_", " ")


def axis_of(metric: str, per: str) -> str:
    """An axis title in words with the unit: a flow per month or over the run (`per`
    "month" or "run"), a level in that month or the last one, a run metric as it is."""
    known = METRICS.get(metric)
    if known is None:
        return "value"
    if known.role == "flow":
        unit = known.unit or "count"
        if "month" in unit:  # a rate already
            return unit
        return f"{unit} per month" if per == "month" else f"{unit}, total over the run"
    if known.role == "level":
        unit = known.unit or "level"
        return unit if per == "month" else f"{unit}, in the last month"
    return known.unit or "value per run"


def plain(text: str) -> str:
    """Text from a file as matplotlib shows it literally (a $ would start mathtext)."""
    return str(text).replace("$", r"\$")


def wrapped(text: str, width: int = 18) -> str:
    """A label in lines of at most `width` characters, broken after _ or spaces if it can."""
    lines = textwrap.wrap(plain(text).replace("_", "_ "), width + 1, break_long_words=True)
    return "\n".join(line.replace("_ ", "_") for line in lines) or plain(text)


def panel_title(ax, metric: str) -> None:
    """A panel's title: the metric in words with its unit, in two lines if it is long."""
    ax.set_title(textwrap.fill(title_of(metric), 44), fontsize=10)


def plot_timeseries(df: pd.DataFrame, path: str | Path, title: str) -> Path:
    """Save a grid of the main metrics against `step` as a PNG at `path`."""
    return _save(timeseries_figure(df), path, title)


def timeseries_figure(df: pd.DataFrame) -> Figure:
    """The panels of plot_timeseries: y axes in the metrics' units, legends in words."""
    shown = {name: [c for c in cols if c in df] for name, cols in panels().items()}
    shown = {name: cols for name, cols in shown.items() if cols}
    fig, axes = _grid(len(shown), left=0.95)  # room for the unit and ticks such as 0.0125
    for ax, (name, cols) in zip(axes, shown.items(), strict=True):
        for col in cols:
            ax.plot(df["step"], df[col], linewidth=1.2, label=plain(METRICS[col].label))
        ax.set(title=plain(name), xlabel="month", ylabel=plain(_y_label(cols)))
        _y_range(ax, df[cols].to_numpy(float), [METRICS[c] for c in cols])
        if len(cols) > 1:
            ax.legend(fontsize="x-small")
    return fig


def _y_label(metrics: list[str]) -> str:
    """The panel's units; a lone level without one (a count or a pure number) in its words."""
    only = METRICS[metrics[0]]
    if len(metrics) == 1 and only.role == "level" and not only.unit:
        return only.label
    return " / ".join(dict.fromkeys(axis_of(m, "month") for m in metrics))


def _y_range(ax, values: np.ndarray, metrics: list[Metric]) -> None:
    """Y limits that do not magnify noise: from zero for metrics that cannot be negative, else
    at least a tenth of the values' size; whole-number ticks for counts."""
    values = values[np.isfinite(values)]
    low, high = (values.min(), values.max()) if values.size else (0.0, 0.0)
    if all(m.never_negative for m in metrics):
        low = 0.0
    least = 0.1 * max(abs(low), abs(high)) or 1.0
    if high - low < least:  # a flat series: centred in a span of `least` (from 0 if it can)
        middle = (low + high) / 2
        low, high = (0.0, least) if low == 0 else (middle - least / 2, middle + least / 2)
    ax.set_ylim(low if low == 0 else low - 0.05 * (high - low), high + 0.05 * (high - low))
    if all(m.role == "flow" and not m.unit for m in metrics):
        ax.yaxis.set_major_locator(MaxNLocator("auto", integer=True, steps=[1, 2, 5, 10]))


def _grid(
    n: int,
    ncols: int = 3,
    size: tuple[float, float] = (4.2, 2.8),
    left: float = 0.45,
    gap: float = 0.75,
) -> tuple[Figure, list]:
    """A figure with `n` panels in rows of `ncols` (unused panels hidden). Margins are fixed
    (`left`: inches for the y tick labels, `gap`: between rows) rather than computed by a
    layout engine, which takes longer than drawing the panels."""
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    width, height = size[0] * ncols, size[1] * nrows + 0.5
    with whitegrid():
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    fig.subplots_adjust(
        left=left / size[0] / ncols,
        right=1 - 0.35 / width,  # room for half the last x tick label
        bottom=0.45 / height,
        top=1 - 0.8 / height,
        wspace=(left + 0.15) / (size[0] - left - 0.15),
        hspace=gap / (size[1] - gap),
    )
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _save(fig: Figure, path: str | Path, title: str) -> Path:
    fig.suptitle(plain(title), y=1 - 0.12 / fig.get_figheight(), va="top")
    fig.savefig(path, format="png", dpi=DPI)
    return Path(path)


def plot_bands(bands: pd.DataFrame, metrics: list[str], path: str | Path, title: str) -> Path:
    """Each metric over time, one line per `label` with its 95% confidence band."""
    metrics = [m for m in metrics if m in set(bands["metric"])][:12]
    fig, axes = _grid(len(metrics), size=(4.4, 3.0), left=0.95, gap=1.0)
    labels = bands["label"].unique()
    palette = dict(zip(labels, colors(len(labels)), strict=True))
    for ax, metric in zip(axes, metrics, strict=True):
        for label, line in bands[bands["metric"] == metric].groupby("label", sort=False):
            color = palette[label]
            ax.plot(line["step"], line["mean"], color=color, label=plain(label), lw=1.2)
            ax.fill_between(line["step"], line["ci_low"], line["ci_high"], color=color, alpha=0.2)
        ax.set(xlabel="month", ylabel=axis_of(metric, "month"))
        panel_title(ax, metric)
        if metric in METRICS and METRICS[metric].never_negative and ax.get_ylim()[0] < 0:
            ax.set_ylim(bottom=0)  # no axis below zero for what cannot be negative
    if axes and axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize="x-small", title=None)
    return _save(fig, path, title)


def plot_heatmaps(
    agg: pd.DataFrame, x: str, y: str, metrics: list[str], path: str | Path, title: str
) -> Path:
    """One heatmap per metric: its mean over replications at each (x, y) grid point."""
    metrics = [m for m in metrics if m in set(agg["metric"])][:12]
    fig, axes = _grid(len(metrics), size=(4.6, 3.6), left=0.6, gap=1.0)
    for ax, metric in zip(axes, metrics, strict=True):
        table = agg[agg["metric"] == metric].pivot_table(index=y, columns=x, values="mean")
        panel_title(ax, metric)
        if table.empty:
            ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)
            continue
        table = table.sort_index(ascending=False)
        image = ax.imshow(table.to_numpy(float), cmap="viridis", aspect="auto")
        fig.colorbar(image, ax=ax, shrink=0.8).set_label(axis_of(metric, "run"), fontsize=7)
        ax.set_xticks(range(table.shape[1]), [_tick(v) for v in table.columns], fontsize=7)
        ax.set_yticks(range(table.shape[0]), [_tick(v) for v in table.index], fontsize=7)
        ax.set(xlabel=x, ylabel=y)
        ax.grid(False)
        if table.size <= 36:
            for (i, j), value in np.ndenumerate(table.to_numpy(float)):
                ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=6, color="w")
    return _save(fig, path, title)


def _tick(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def plot_sensitivity(sens: pd.DataFrame, path: str | Path, title: str) -> Path:
    """Bars per parameter for each metric: Sobol S1 and ST, or Morris mu* (with CIs)."""
    metrics = list(dict.fromkeys(sens["metric"]))[:12]
    fig, axes = _grid(len(metrics), size=(5.0, 3.0), left=1.6, gap=1.0)
    sobol = sens["method"].iloc[0] == "sobol"
    for ax, metric in zip(axes, metrics, strict=True):
        rows = sens[sens["metric"] == metric]
        ypos = np.arange(len(rows))
        if sobol:
            ax.barh(ypos - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label="S1 (first order)")
            ax.barh(ypos + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label="ST (total)")
        else:
            ax.barh(ypos, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], label="mu*")
        ax.set_yticks(ypos, rows["parameter"], fontsize="x-small")
        ax.invert_yaxis()
        words = "share of the variance" if sobol else f"mu* ({axis_of(metric, 'run')})"
        ax.set(xlabel=words)
        panel_title(ax, metric)
    if axes and axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize="x-small")
    return _save(fig, path, title)


def plot_distributions(
    runs: pd.DataFrame, metrics: list[str], path: str | Path, title: str
) -> Path:
    """Each metric's per-run values by scenario: a box per scenario with every run as a dot."""
    metrics = [m for m in metrics if m in runs and runs[m].notna().any()][:12]
    names = list(dict.fromkeys(runs["scenario"]))
    labels = [wrapped(n) for n in names]
    lines = [label.count("\n") + 1 for label in labels]
    # room for the longest label line (x-small type: about 0.06 inch a character)
    left = 0.3 + 0.06 * max((len(x) for label in labels for x in label.split("\n")), default=1)
    height = max(2.6, 1.3 + 0.16 * sum(lines) + 0.1 * len(names))
    fig, axes = _grid(len(metrics), size=(3.6 + left, height), left=left, gap=1.0)
    jitter = np.random.default_rng(0)  # the dots' spread: the same figure on every draw
    palette = colors(len(names))
    for ax, metric in zip(axes, metrics, strict=True):
        values = [runs.loc[runs["scenario"] == n, metric].dropna().to_numpy(float) for n in names]
        kept = [i for i, v in enumerate(values) if len(v)]
        ax.boxplot(
            [values[i] for i in kept],
            positions=kept,
            orientation="horizontal",
            widths=0.6,
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": "0.9", "edgecolor": "0.3"},
            medianprops={"color": "0.3"},
            whiskerprops={"color": "0.3"},
            capprops={"color": "0.3"},
        )
        for i in kept:
            spread = jitter.uniform(-0.15, 0.15, len(values[i]))
            ax.scatter(values[i], i + spread, s=9, alpha=0.6, color=palette[i], lw=0, zorder=3)
        ax.set(xlabel=axis_of(metric, "run"), ylabel="")
        panel_title(ax, metric)
        ax.set_yticks(range(len(names)), labels)
        ax.set_ylim(len(names) - 0.5, -0.5)  # the first scenario on top
        ax.grid(False, axis="y")
        ax.tick_params(axis="y", labelsize="x-small")
        ax.locator_params(axis="x", nbins=5)
        known = METRICS.get(metric)
        if known and known.never_negative and ax.get_xlim()[0] < 0:
            # an all-zero count would otherwise be centred on an axis from -0.05 to 0.05
            ax.set_xlim(left=0, right=max(ax.get_xlim()[1], 1))
    return _save(fig, path, title)
