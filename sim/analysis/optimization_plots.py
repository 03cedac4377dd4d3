"""The chart of a lever optimisation (pareto.png): every complete trial, the Pareto front
highlighted; two objectives in one panel with the front joined, more in pairwise panels, one
objective against the trial number."""

from __future__ import annotations

import itertools
import math
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..model.metrics import METRICS
from .plots import DPI, axis_of, plain, whitegrid

TRIALS, FRONT = "0.6", "#d95f02"  # grey for every trial, orange for the front


def axis_label(metric: str, direction: str, info: dict[str, Any]) -> str:
    """An objective's axis title: its words and unit, how a trial's value is made from its
    runs, and which way is better."""
    words = METRICS[metric].label if metric in METRICS else metric.replace("_", " ")
    runs = info["replications"]
    scenarios = len(info["scenarios"])
    if info["robust"] == "mean":
        made = f"mean over {scenarios} scenarios of the mean of {runs} runs"
    elif info["robust"] == "worst":
        made = f"worst of {scenarios} scenarios, each the mean of {runs} runs"
    else:
        made = f"mean of {runs} runs"
    better = "higher is better" if direction == "maximize" else "lower is better"
    return plain(f"{words} ({axis_of(metric, 'run')})\n{made}; {better}")


def plot_front(
    trials: pd.DataFrame, pareto: pd.DataFrame, info: dict[str, Any], path: Path
) -> Path:
    """Save the chart at `path`: the complete trials of `trials` (trials.csv) and the front
    (pareto.csv); `info` is the study's summary (objectives, replications, scenarios, robust)."""
    objectives = [(o["metric"], o["direction"]) for o in info["objectives"]]
    done = trials[trials["state"] == "complete"]
    if len(objectives) == 1:
        fig, axes = _figure(1, 1, (7.5, 4.8))
        _against_trials(axes[0], done, pareto, objectives[0], info)
        title = f"{info['experiment']}: {_words(objectives[0][0])} by trial"
        counts = f"{len(done)} complete trials; the best highlighted"
    else:
        pairs = list(itertools.combinations(objectives, 2))
        ncols = min(3, len(pairs))
        size = (7.5, 5.2) if len(pairs) == 1 else (5.2 * ncols, 4.4 * math.ceil(len(pairs) / ncols))
        fig, axes = _figure(len(pairs), ncols, size)
        for ax, (x, y) in zip(axes, pairs, strict=False):
            _pair(ax, done, pareto, x, y, info, joined=len(pairs) == 1)
        words = [_words(m) for m, _ in objectives]
        title = (
            f"{info['experiment']}: the trade-off between {', '.join(words[:-1])} and {words[-1]}"
        )
        counts = (
            f"{len(done)} complete trials, {len(pareto)} on the Pareto front (no other trial is "
            f"better on every objective)"
        )
    fig.suptitle(plain(textwrap.fill(title, 90) + "\n" + counts), fontsize=11)
    fig.savefig(path, format="png", dpi=DPI)
    return Path(path)


def _figure(n: int, ncols: int, size: tuple[float, float]) -> tuple[Figure, list]:
    """A figure of `n` panels whose layout engine keeps every label inside it."""
    nrows = math.ceil(n / ncols)
    with whitegrid():
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _pair(ax, done, pareto, x, y, info, joined: bool) -> None:
    """One pair of objectives: every trial, the front highlighted (joined, when it is the
    only panel: the trade-off curve)."""
    ax.scatter(done[x[0]], done[y[0]], s=22, color=TRIALS, label="a trial (one mix of levers)")
    front = pareto.sort_values(x[0])
    style = "-o" if joined else "o"
    ax.plot(front[x[0]], front[y[0]], style, color=FRONT, ms=6, lw=1.5, label="Pareto front")
    if joined:  # trials with the same values share one label: "2, 14"
        for (at_x, at_y), same in front.groupby([x[0], y[0]], sort=False):
            ax.annotate(
                ", ".join(str(int(t)) for t in sorted(same["trial"])),
                (at_x, at_y),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=7,
                color=FRONT,
            )
    ax.set_xlabel(axis_label(*x, info), fontsize=8)
    ax.set_ylabel(axis_label(*y, info), fontsize=8)
    _empty(ax, done)
    ax.legend(fontsize="x-small", loc="best")


def _against_trials(ax, done, pareto, objective, info) -> None:
    """One objective: each trial's value by trial number, the best highlighted."""
    metric, direction = objective
    ax.scatter(done["trial"], done[metric], s=22, color=TRIALS, label="a trial (one mix of levers)")
    ax.scatter(pareto["trial"], pareto[metric], s=40, color=FRONT, label="the best")
    ax.set_xlabel("trial (in the order asked)", fontsize=8)
    ax.set_ylabel(axis_label(metric, direction, info), fontsize=8)
    _empty(ax, done)
    ax.legend(fontsize="x-small", loc="best")


def _empty(ax, done: pd.DataFrame) -> None:
    if done.empty:
        ax.text(0.5, 0.5, "no complete trial yet", ha="center", va="center", transform=ax.transAxes)


def _words(metric: str) -> str:
    return METRICS[metric].label if metric in METRICS else metric
