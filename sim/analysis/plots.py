"""Seaborn figures of a run's metrics, drawn off-screen (Agg) so they work without a display."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..model.metrics import METRICS, REGISTRY

DPI = 110


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


def plot_timeseries(df: pd.DataFrame, path: str | Path, title: str) -> Path:
    """Save a grid of the main metrics against `step` as a PNG at `path`."""
    shown = {name: [c for c in cols if c in df] for name, cols in panels().items()}
    shown = {name: cols for name, cols in shown.items() if cols}
    fig, axes = _grid(len(shown))
    for ax, (name, cols) in zip(axes, shown.items(), strict=True):
        words = {c: METRICS[c].label for c in cols}
        long = df.rename(columns=words).melt(
            id_vars="step", value_vars=list(words.values()), var_name="metric"
        )
        hue = "metric" if len(cols) > 1 else None
        sns.lineplot(data=long, x="step", y="value", hue=hue, ax=ax, linewidth=1.2)
        ax.set(title=name, xlabel="month", ylabel="")
        if hue:
            ax.legend(fontsize="x-small", title=None)
    return _save(fig, path, title)


def _grid(
    n: int, ncols: int = 3, size: tuple[float, float] = (4.2, 2.8), left: float = 0.45
) -> tuple[Figure, list]:
    """A figure with `n` panels in rows of `ncols` (unused panels hidden). Margins are fixed
    (`left`: inches for the y tick labels) rather than computed by a layout engine, which
    takes longer than drawing the panels."""
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    width, height = size[0] * ncols, size[1] * nrows + 0.5
    with sns.axes_style("whitegrid"):
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    fig.subplots_adjust(
        left=left / size[0] / ncols,
        right=1 - 0.15 / width,
        bottom=0.45 / height,
        top=1 - 0.8 / height,
        wspace=(left + 0.15) / (size[0] - left - 0.15),
        hspace=0.75 / (size[1] - 0.75),
    )
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _save(fig: Figure, path: str | Path, title: str) -> Path:
    fig.suptitle(title, y=1 - 0.12 / fig.get_figheight(), va="top")
    fig.savefig(path, format="png", dpi=DPI)
    fig.clear()
    return Path(path)


def plot_bands(bands: pd.DataFrame, metrics: list[str], path: str | Path, title: str) -> Path:
    """Each metric over time, one line per `label` with its 95% confidence band."""
    metrics = [m for m in metrics if m in set(bands["metric"])][:12]
    fig, axes = _grid(len(metrics))
    palette = sns.color_palette("tab10", bands["label"].nunique())
    colors = dict(zip(bands["label"].unique(), palette, strict=True))
    for ax, metric in zip(axes, metrics, strict=True):
        for label, line in bands[bands["metric"] == metric].groupby("label", sort=False):
            ax.plot(line["step"], line["mean"], color=colors[label], label=label, lw=1.2)
            low = line["ci_low"]
            if metric in METRICS and METRICS[metric].never_negative:
                low = low.clip(lower=0)  # a count's band does not go below zero
            ax.fill_between(
                line["step"], low, line["ci_high"], color=colors[label], alpha=0.2, lw=0
            )
        ax.set(title=title_of(metric), xlabel="month", ylabel="")
    if axes:
        axes[0].legend(fontsize="x-small", title=None)
    return _save(fig, path, title)


def plot_heatmaps(
    agg: pd.DataFrame, x: str, y: str, metrics: list[str], path: str | Path, title: str
) -> Path:
    """One heatmap per metric: its mean over replications at each (x, y) grid point."""
    metrics = [m for m in metrics if m in set(agg["metric"])][:12]
    fig, axes = _grid(len(metrics), size=(4.6, 3.4), left=0.6)
    for ax, metric in zip(axes, metrics, strict=True):
        table = agg[agg["metric"] == metric].pivot_table(index=y, columns=x, values="mean")
        ax.set(title=title_of(metric))
        if table.empty:
            ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)
            continue
        table = table.sort_index(ascending=False)
        image = ax.imshow(table.to_numpy(float), cmap="viridis", aspect="auto")
        fig.colorbar(image, ax=ax, shrink=0.8)
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
    fig, axes = _grid(len(metrics), size=(5.0, 2.8), left=1.6)
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
        ax.set(title=title_of(metric))
    if axes:
        axes[0].legend(fontsize="x-small")
    return _save(fig, path, title)


def plot_distributions(
    runs: pd.DataFrame, metrics: list[str], path: str | Path, title: str
) -> Path:
    """Each metric's per-run values by scenario: a box per scenario with every run as a dot."""
    metrics = [m for m in metrics if m in runs and runs[m].notna().any()][:12]
    fig, axes = _grid(len(metrics), size=(4.6, 2.6), left=1.1)
    for ax, metric in zip(axes, metrics, strict=True):
        sns.boxplot(data=runs, x=metric, y="scenario", ax=ax, color="0.9", fliersize=0, width=0.6)
        sns.stripplot(
            data=runs,
            x=metric,
            y="scenario",
            ax=ax,
            size=3,
            alpha=0.6,
            hue="scenario",
            legend=False,
            palette="tab10",
        )
        ax.set(title=title_of(metric), xlabel="", ylabel="")
        ax.tick_params(axis="y", labelsize="x-small")
        ax.locator_params(axis="x", nbins=5)
    return _save(fig, path, title)
