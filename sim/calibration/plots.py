"""A calibration's figures: each target against its simulated distribution, each parameter's
marginal by generation, and the posterior's pairs; drawn off-screen with matplotlib."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .posterior import SIMULATED, final
from .smc import Problem

DPI = 110
POSTERIOR = "#1565c0"
OBSERVED = "#c62828"


def words(path: str) -> str:
    """A dotted parameter path in words: `lifecycle.closure_rate` -> closure rate (lifecycle)."""
    *section, name = path.split(".")
    return f"{name.replace('_', ' ')} ({' '.join(section)})" if section else name


def _figure(n: int, ncols: int, size: tuple[float, float]) -> tuple[Figure, list]:
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _save(fig: Figure, path: Path, title: str) -> Path:
    fig.suptitle(title)
    fig.savefig(path, format="png", dpi=DPI)
    return path


def plot_fit(problem: Problem, table: pd.DataFrame, path: Path) -> Path:
    """Each target: the posterior particles' simulated values (weighted) against the observed
    value and its tolerance."""
    post = final(table)
    targets = problem.targets.targets
    fig, axes = _figure(len(targets), 3, (4.4, 3.2))
    for ax, (name, t) in zip(axes, targets.items(), strict=True):
        x = post[f"{SIMULATED}{name}"].to_numpy(dtype=float)
        keep = np.isfinite(x)
        ax.axvspan(t.observed - t.tolerance, t.observed + t.tolerance, color=OBSERVED, alpha=0.12)
        ax.axvline(t.observed, color=OBSERVED, linewidth=2, label="observed ± tolerance")
        if keep.any():
            w = post["weight"].to_numpy()[keep]
            ax.hist(
                x[keep],
                bins=15,
                weights=w / w.sum(),
                color=POSTERIOR,
                alpha=0.75,
                label="simulated (posterior)",
            )
        ax.set_title(textwrap.fill(t.describe(), 38), fontsize="medium")
        ax.set_xlabel(f"value ({t.unit})" if t.unit else "value")
        ax.set_ylabel("share of posterior particles")
        ax.set_ylim(bottom=0)
    axes[0].legend(fontsize="small", loc="best")
    return _save(
        fig, path, f"Fit: each target against the calibrated model ({problem.targets.name})"
    )


def plot_marginals(problem: Problem, table: pd.DataFrame, path: Path) -> Path:
    """Each parameter's weighted distribution in every generation, over its prior range: the
    last generation is the posterior."""
    params = problem.settings.parameters
    fig, axes = _figure(len(params), 2, (5.0, 3.4))
    generations = sorted(table["generation"].unique())
    for ax, (param, prior) in zip(axes, params.items(), strict=True):
        bins = np.linspace(prior.low, prior.high, 26)
        for g in generations:
            rows = table[table["generation"] == g]
            last = g == generations[-1]
            shade = 0.25 + 0.75 * (g + 1) / len(generations)
            ax.hist(
                rows[param],
                bins=bins,
                weights=rows["weight"],
                density=True,
                histtype="step",
                linewidth=2.2 if last else 1.0,
                color=POSTERIOR if last else str(1 - shade * 0.8),
                label=f"generation {g}" + (" (posterior)" if last else ""),
            )
        ax.set_xlim(prior.low, prior.high)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(f"{words(param)}; prior {prior.prior} {prior.low:g} to {prior.high:g}")
        ax.set_ylabel("density (per unit of the parameter)")
        ax.set_title(textwrap.fill(words(param), 45), fontsize="medium")
    axes[0].legend(fontsize="x-small")
    return _save(fig, path, "Posterior marginals: each generation narrows the prior")


def plot_pairs(problem: Problem, table: pd.DataFrame, path: Path) -> Path | None:
    """The posterior's pairs: weighted histograms on the diagonal, particles (sized by weight)
    below it; None for a single parameter."""
    params = list(problem.settings.parameters)
    if len(params) < 2:
        return None
    post = final(table)
    priors = problem.settings.parameters
    n = len(params)
    fig = Figure(figsize=(2.9 * n + 0.6, 2.7 * n + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(n, n, squeeze=False)
    size = 8 + 120 * post["weight"] / post["weight"].max()
    for i, row in enumerate(params):
        for j, col in enumerate(params):
            ax = axes[i][j]
            if j > i:
                ax.set_visible(False)
                continue
            prior = priors[col]
            if i == j:
                bins = np.linspace(prior.low, prior.high, 21)
                ax.hist(post[col], bins=bins, weights=post["weight"], color=POSTERIOR, alpha=0.75)
                ax.set_ylabel("posterior weight" if j == 0 else "")
            else:
                ax.scatter(post[col], post[row], s=size, color=POSTERIOR, alpha=0.5)
                ax.set_ylim(
                    problem.settings.parameters[row].low, problem.settings.parameters[row].high
                )
                ax.set_ylabel(textwrap.fill(words(row), 24) if j == 0 else "")
            ax.set_xlim(prior.low, prior.high)
            ax.set_xlabel(textwrap.fill(words(col), 24) if i == n - 1 else "")
    return _save(fig, path, "Posterior pairs (points sized by weight)")
