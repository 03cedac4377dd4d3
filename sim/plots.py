"""Seaborn figures of a run's metrics, drawn off-screen (Agg) so they work without a display."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 110

# panel title -> the columns drawn in it; panels whose columns are all missing are skipped
PANELS: dict[str, tuple[str, ...]] = {
    "innovations / month": ("innovations", "radical_innovations"),
    "innovation value ($M / month)": ("innovation_value",),
    "patents and products / month": ("patents_granted", "products_launched"),
    "mean knowledge": ("mean_knowledge",),
    "knowledge diversity": ("knowledge_diversity",),
    "startups alive": ("startups_alive",),
    "startup events / month": (
        "startups_founded",
        "startups_failed",
        "startups_acquired",
        "startups_ipo",
    ),
    "venture capital ($M / month)": ("vc_invested", "vc_returned"),
    "public spend ($M / month)": ("public_spend",),
    "network density": ("network_density",),
    "network structure": ("network_clustering", "largest_component_share"),
    "trust and inequality": ("mean_trust", "capital_gini"),
}


def plot_timeseries(df: pd.DataFrame, path: str | Path, title: str) -> Path:
    """Save a grid of the main metrics against `step` as a PNG at `path`."""
    panels = {name: [c for c in cols if c in df] for name, cols in PANELS.items()}
    panels = {name: cols for name, cols in panels.items() if cols}
    ncols = 3
    nrows = max(1, math.ceil(len(panels) / ncols))
    with sns.axes_style("whitegrid"):
        fig = Figure(figsize=(4.2 * ncols, 2.8 * nrows), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, cols) in zip(axes, panels.items(), strict=False):
        long = df.melt(id_vars="step", value_vars=cols, var_name="metric")
        hue = "metric" if len(cols) > 1 else None
        sns.lineplot(data=long, x="step", y="value", hue=hue, ax=ax, linewidth=1.2)
        ax.set(title=name, xlabel="month", ylabel="")
        if hue:
            ax.legend(fontsize="x-small", title=None)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.savefig(path, format="png", dpi=DPI)
    fig.clear()
    return Path(path)
