"""The validation pack's result as a markdown table, and both written atomically."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..files import atomic_write, plain, write_json
from .paired import describe

JSON_NAME, MARKDOWN_NAME = "validation.json", "validation.md"


def markdown(result: dict[str, Any]) -> str:
    """A table of the checks (one row each), the verdict and the sources."""
    seeds = result["seeds"]
    lines = [
        f"# Validation pack: {result['scenario']}, {result['steps']} months, "
        f"{len(seeds)} paired seeds",
        "",
        "| fact | measure | measured | tolerance | holds |",
        "|---|---|---|---|---|",
    ]
    for row in result["checks"]:
        mark = (
            ("yes" if row["holds"] else "**no**")
            if row["required"]
            else (f"{'yes' if row['holds'] else 'no'} (reported)")
        )
        lines.append(
            f"| {row['fact']} | {row['measure']} | {measured(row)} | {row['tolerance']} | {mark} |"
        )
    failed = [r for r in result["checks"] if r["required"] and not r["holds"]]
    verdict = "all facts hold" if not failed else f"{len(failed)} check(s) fail"
    sources = dict.fromkeys((r["fact"], r["source"]) for r in result["checks"])
    lines += ["", f"**{verdict}.** Seeds: {', '.join(map(str, seeds))}.", "", "Sources:", ""]
    lines += [f"- {fact}: {source}" for fact, source in sources]
    return "\n".join(lines) + "\n"


def measured(row: dict[str, Any]) -> str:
    """A check's value: a band's mean and range over seeds; an effect's relative difference
    with its 95% interval and the seeds that agree."""
    if row["kind"] == "band":
        finite = [v for v in row["per_seed"] if v is not None and math.isfinite(v)]
        spread = f" ({_num(min(finite))} to {_num(max(finite))})" if len(finite) > 1 else ""
        return f"{_num(row['value'])}{spread}"
    if row["variant"] == "baseline":  # two measures of the same runs
        return f"{_num(row['mean'])} vs {_num(row['base_mean'])}, {row['agree']}/{row['n']} seeds"
    return f"{describe(row)} against {row['variant']}"


def _num(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.3g}"


def write(out: Path, result: dict[str, Any]) -> tuple[Path, Path]:
    """validation.json and validation.md in `out` (created), each written atomically."""
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    md = atomic_write(out / MARKDOWN_NAME, lambda p: p.write_text(text, encoding="utf-8"))
    return write_json(out / JSON_NAME, plain(result)), md
