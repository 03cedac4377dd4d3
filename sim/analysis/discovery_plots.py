"""The charts of a scenario discovery: PRIM's peeling trajectory (coverage against density,
the chosen box marked) and the chosen box's limits against each parameter's sweep range."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .discovery import Discovery
from .plots import DPI, plain

CHOSEN = "#d95f02"


def plot_trajectory(found: Discovery, path: Path) -> Path:
    """Coverage (x) against density (y) of every box on the peeling trajectory, coloured by
    the number of parameters it restricts; the chosen box circled."""
    t = found.trajectory
    fig = Figure(figsize=(7.5, 5.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    dots = ax.scatter(
        t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=28, zorder=2
    )
    colour = fig.colorbar(dots, ax=ax, ticks=sorted(t["restricted"].unique()))
    colour.set_label("parameters the box restricts")
    best = t.loc[found.chosen]
    ax.scatter(
        [best["coverage"]], [best["density"]], s=160, facecolors="none", edgecolors=CHOSEN,
        linewidths=2, zorder=3, label=f"chosen box {found.chosen}",
    )  # fmt: skip
    share = float(np.mean(found.cases.y))
    ax.axhline(share, color="0.5", linestyle=":", linewidth=1, label="share of all points")
    ax.set(xlim=(0, 1.02), ylim=(0, 1.05))
    ax.set_xlabel("coverage (share of the points of interest inside the box)")
    ax.set_ylabel("density (share of the box's points\nthat are of interest)")
    ax.legend(loc="lower left", fontsize="small")
    _title(fig, found, "PRIM's peeling trajectory")
    return _save(fig, path)


def plot_box(found: Discovery, path: Path) -> Path:
    """Each numeric parameter's sweep range (grey) and the chosen box's limits on it (orange),
    scaled to the range, with the limits written at the ends."""
    rows = [r for r in found.limits.to_dict("records") if not r["categories"]]
    fig = Figure(figsize=(7.5, 1.2 + 0.7 * max(len(rows), 1)))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, r in enumerate(rows):
        span = found.cases.ranges[r["parameter"]]
        width = (span[1] - span[0]) or 1.0
        low, high = (r["low"] - span[0]) / width, (r["high"] - span[0]) / width
        ax.plot([0, 1], [i, i], color="0.8", linewidth=8, solid_capstyle="butt")
        colour = CHOSEN if r["restricted"] else "0.55"
        ax.plot([low, high], [i, i], color=colour, linewidth=8, solid_capstyle="butt")
        ax.text(low, i + 0.3, f"{r['low']:.3g}", ha="center", fontsize="small")
        ax.text(high, i + 0.3, f"{r['high']:.3g}", ha="center", fontsize="small")
    ax.set_yticks(range(len(rows)), [plain(r["parameter"]) for r in rows])
    ax.set_ylim(-0.6, len(rows) - 0.2)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xticks([0, 0.5, 1], ["sweep's low", "middle", "sweep's high"])
    ax.set_xlabel("position in the parameter's sweep range (orange: limited by the box)")
    _title(fig, found, f"Box {found.chosen}: where the condition holds")
    return _save(fig, path)


def _title(fig: Figure, found: Discovery, what: str) -> None:
    c = found.cases
    text = f"{what}: {found.condition.text} ({c.scenario}, {int(c.y.sum())} of {len(c.y)} points)"
    fig.suptitle(plain(textwrap.fill(text, 70)), fontsize="medium")


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=DPI)
    return path
