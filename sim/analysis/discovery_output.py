"""A scenario discovery's files (one folder per condition, under SWEEP_DIR/discovery/) and its
section of the sweep's report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..files import atomic_write, plain, write_json
from .discovery import Discovery
from .discovery_plots import plot_box, plot_trajectory
from .report_html import esc, img, num, table

FILES = ("summary.json", "trajectory.csv", "box.csv", "cart.csv", "trajectory.png", "box.png")


def slug(condition: str) -> str:
    """A folder name for a condition, e.g. innovations-lt-0.9x-baseline."""
    words = {"<=": "-le-", ">=": "-ge-", "<": "-lt-", ">": "-gt-", "*": "x-"}
    text = re.sub(r"<=|>=|<|>|\*", lambda m: words[m[0]], condition.replace(" ", ""))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("-_") or "condition"


def summary(found: Discovery) -> dict[str, Any]:
    """What summary.json holds: the condition, the cases and the chosen box, in numbers and
    in words."""
    c = found.cases
    return {
        "condition": found.condition.text,
        "scenario": c.scenario,
        "baseline": c.note if found.condition.relative else None,
        "points": len(c.y),
        "points_meeting": int(c.y.sum()),
        "runs_used": c.runs,
        "runs_left_out": c.failed,
        "chosen_box": found.chosen,
        "coverage": found.coverage,
        "density": found.density,
        "limits_in_words": found.words(),
        "settings": found.settings,
    }


def write(found: Discovery, out: Path) -> list[Path]:
    """Write the discovery's files into `out` (created), each atomically."""
    out.mkdir(parents=True, exist_ok=True)
    csv = {
        "trajectory.csv": found.trajectory,
        "box.csv": found.limits,
        "cart.csv": found.cart,
    }
    written = [write_json(out / "summary.json", plain(summary(found)))]
    for name, frame in csv.items():
        written.append(atomic_write(out / name, lambda p, f=frame: f.to_csv(p, index=False)))
    written.append(atomic_write(out / "trajectory.png", lambda p: plot_trajectory(found, p)))
    written.append(atomic_write(out / "box.png", lambda p: plot_box(found, p)))
    return written


def section(root: Path) -> str:
    """The report's "Scenario discovery" section: every discovery under root/discovery/."""
    folders = sorted(p.parent for p in (root / "discovery").glob("*/summary.json"))
    parts = [_one(folder) for folder in folders]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    intro = (
        "<p>Where does the condition hold? PRIM peels the sweep's parameter space down to a "
        "box where most design points meet it (<em>density</em>) while keeping most of those "
        "that do (<em>coverage</em>); CART splits it into leaves. Written by "
        "<code>run.py discover</code>.</p>"
    )
    return (
        "<section id='discovery'><h2>Scenario discovery</h2>"
        + intro
        + "".join(parts)
        + ("</section>")
    )


def _one(folder: Path) -> str:
    try:
        info = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        box = pd.read_csv(folder / "box.csv")
    except (OSError, ValueError):
        return ""
    rows = [
        [
            f"<code>{esc(r['parameter'])}</code>",
            esc(_limit(r)),
            esc(r["sweep_range"]),
            "yes" if r["restricted"] else "no",
            esc(r["meaning"] if isinstance(r["meaning"], str) else ""),
        ]
        for r in box.to_dict("records")
    ]
    base = f" <code>baseline</code> is {esc(info['baseline'])}." if info.get("baseline") else ""
    pictures = "".join(
        img(folder / name, caption)
        for name, caption in (
            ("trajectory.png", "Each dot is a box on PRIM's peeling trajectory; circled: chosen."),
            ("box.png", "The chosen box's limits within each parameter's sweep range."),
        )
        if (folder / name).exists()
    )
    return (
        f"<h3><code>{esc(info['condition'])}</code> in {esc(info['scenario'])}</h3>"
        f"<p>{info['points_meeting']} of {info['points']} design points meet it.{base} "
        f"<b>It holds mostly where {esc(info['limits_in_words'])}</b>: box "
        f"{info['chosen_box']} holds {_share(info['coverage'])} of those points (coverage), and "
        f"{_share(info['density'])} of the points inside it meet it (density).</p>"
        + table(["parameter", "box", "sweep's range", "limited", "meaning"], rows)
        + pictures
    )


def _limit(row: dict[str, Any]) -> str:
    if isinstance(row.get("categories"), str) and row["categories"]:
        return row["categories"]
    return f"{num(row['low'])} to {num(row['high'])}"


def _share(share: float) -> str:
    return f"{100 * share:.0f}%"
