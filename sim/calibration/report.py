"""A calibration's report: the posterior, the fit and the generations as a section of HTML,
and report.html, a self-contained page (images embedded) in the calibration's folder."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..analysis.report import PAGE
from ..analysis.report_html import esc, img, num, table
from ..files import atomic_write
from .smc import Folder


def section(summary: dict[str, Any], folder: Path) -> str:
    """The calibration section: what was fitted, the posterior, the fit, the generations."""
    params = summary["parameters"]
    rows = [
        [
            f"<code>{esc(path)}</code><br><span class='muted'>{esc(p['meaning'])}</span>",
            esc(f"{p['prior']} {num(p['low'])} to {num(p['high'])}"),
            num(p["median"]),
            f"{num(p['q05'])} to {num(p['q95'])}",
        ]
        for path, p in params.items()
    ]
    posterior = table(
        ["parameter", "prior", "posterior median", "90% credible interval"], rows, "numbers"
    )
    fits = [
        [
            f"{esc(f['statistic'])}<br><span class='muted'>{esc(f['source'])}</span>",
            f"{num(f['observed'])} ± {num(f['tolerance'])}",
            num(f["q50"]),
            f"{num(f['q05'])} to {num(f['q95'])}",
            "yes" if f["within_tolerance"] else "<strong>no</strong>",
        ]
        for f in summary["fit"].values()
    ]
    fit = table(
        [
            "target",
            "observed ± tolerance",
            "simulated median",
            "90% of posterior",
            "within tolerance",
        ],
        fits,
        "numbers",
    )
    gens = [
        [
            str(g["t"]),
            num(g["epsilon"]),
            str(g["samples"]),
            f"{100 * g['acceptance']:.0f}%",
            f"{g['wall_time']:.0f} s",
        ]
        for g in summary["generations"]
    ]
    generations = table(
        ["generation", "threshold (tolerances)", "candidates simulated", "accepted", "time"],
        gens,
        "numbers",
    )
    files = Folder(folder)
    shown = [(getattr(files, name), caption) for name, caption in FIGURES]
    figures = "".join(img(path, caption) for path, caption in shown if path.exists())
    stop = STOPS.get(summary["stopped"], summary["stopped"])
    return (
        "<section id='calibration'><h2>Calibration</h2>"
        f"<p>ABC-SMC (pyabc) fitted {len(params)} parameters of <code>{esc(summary['scenario'])}"
        f"</code> to the {len(summary['fit'])} targets of <code>{esc(summary['targets'])}</code> "
        f"({esc(summary.get('targets_description') or 'no description')}): "
        f"{summary['particles']} particles, {summary['simulations']} candidates simulated "
        f"({summary['runs_per_candidate']} run(s) each), {summary['failures']} failed. "
        f"It stopped because {esc(stop)}. The distance is the weighted root mean square of each "
        "target's miss in tolerances, so a threshold of 1 means the targets are met within one "
        "tolerance on average.</p>"
        f"<h3>Posterior</h3>{posterior}<h3>Fit</h3>{fit}<h3>Generations</h3>{generations}"
        f"{figures}<p class='muted'>The calibrated scenario (posterior medians): "
        f"<code>{esc(summary['calibrated_scenario'])}</code>.</p></section>"
    )


FIGURES = (  # Folder's figures, with their captions
    (
        "fit",
        "Each target: the observed value and tolerance (red) and the values simulated "
        "by the posterior's particles (blue).",
    ),
    ("marginals", "Each parameter's distribution by generation; the last is the posterior."),
    ("pairs", "The posterior's particles, pair by pair: correlated parameters show a slope."),
)
STOPS = {
    "min_epsilon": "the threshold reached min_epsilon",
    "min_acceptance": "a generation accepted fewer candidates than min_acceptance",
    "generations": "it ran every generation asked for",
    "budget": "a particle reached its share of the evaluation budget (min_acceptance)",
}


def write_page(summary: dict[str, Any], folder: Path) -> str:
    """The calibration's report.html as text."""
    title = f"{summary['name']}: calibration report"
    return PAGE.format(
        title=esc(title),
        heading=esc(title),
        description=esc(summary.get("description") or ""),
        generated=esc(time.strftime("%Y-%m-%d %H:%M")),
        counts=esc(f"{summary['simulations']} candidates simulated, {summary['failures']} failed"),
        body=section(summary, folder),
    )


def rewrite(folder: Path) -> Path:
    """Write `folder`/report.html anew from its calibration.json and figures."""
    files = Folder(folder)
    summary = json.loads(files.summary.read_text(encoding="utf-8"))
    page = write_page(summary, folder)
    return atomic_write(files.report, lambda p: p.write_text(page, encoding="utf-8"))
