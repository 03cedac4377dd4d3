"""The pieces of the report's HTML: numbers as shown, labels, tables, cells and images."""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..model.metrics import METRICS

EFFECT_WORDS = ((0.2, "negligible"), (0.5, "small"), (0.8, "medium"), (math.inf, "large"))


def figure(path: Path, title: str, caption: str) -> str:
    if not path.exists():
        return ""
    slug = title.lower().replace(" ", "-")
    return (
        f"<section id='{slug}'><h2>{esc(title)}</h2><p>{esc(caption)}</p>{img(path, '')}</section>"
    )


def img(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure><img src='data:image/png;base64,{data}' alt='{esc(path.stem)}'>{cap}</figure>"


def table(head: list[str], rows: list[list[str]], cls: str = "", raw_head: bool = False) -> str:
    th = "".join(f"<th>{h if raw_head else esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table class='{cls}'><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def cell(
    scenario: str,
    metric: str,
    stat: str,
    value: float,
    with_sign: bool = False,
    text: str | None = None,
) -> str:
    """A number with its exact value in data attributes (for tests and scraping)."""
    shown = text if text is not None else (signed(value) if with_sign else num(value))
    return (
        f"<span data-scenario='{esc(scenario)}' data-metric='{esc(metric)}' data-stat='{stat}' "
        f"data-value='{float(value)!r}'>{shown}</span>"
    )


def num(value: Any) -> str:
    """3 significant digits without scientific notation, thousands separated; n/a for a
    missing value and 0 below 1e-9 (rounding noise of sums, not a result)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 1e-9:
        return "0"
    return np.format_float_positional(value, precision=3, unique=False, fractional=False, trim="-")


def signed(value: float) -> str:
    text = num(value)
    return text if text.startswith("-") or text == "n/a" else f"+{text}"


def pct(value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{100 * value:+.0f}%" if abs(value) >= 0.1 else f"{100 * value:+.1f}%"


def effect_word(d: float) -> str:
    if not np.isfinite(d):
        return "n/a"
    return next(word for bound, word in EFFECT_WORDS if abs(d) < bound)


def negligible(d: float) -> bool:
    """Whether an effect size is below the smallest that EFFECT_WORDS calls more than negligible."""
    return bool(np.isfinite(d)) and abs(d) < EFFECT_WORDS[0][0]


def label(metric: str) -> str:
    """A metric in words with its unit (the registry's), or the name made readable."""
    known = METRICS.get(metric)
    return known.axis if known else metric.replace("_", " ")


def flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested scenario data as dotted paths (lists are values)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out |= flat(value, f"{prefix}{key}.")
        return out
    return {prefix.rstrip("."): data}


def show(value: Any) -> str:
    """A parameter value as a person reads it: yes/no, 3 significant digits, JSON for lists."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return num(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "n/a" if value is None else str(value)


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)
