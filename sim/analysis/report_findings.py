"""The report's key findings: each alternative's clear differences from the baseline, largest
effect first, negligible ones marked, and what the runs could not measure, with why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..experiment.folder import Manifest
from .aggregate import LEVEL
from .report_html import EFFECT_WORDS, effect_word, esc, label, negligible, num, pct, signed

SURVIVAL_MONTHS = 60  # startup_survival_5y needs a startup founded in month 1 and 60 more


def findings(
    comp: pd.DataFrame, outcomes: list[str], manifest: Manifest, runs: pd.DataFrame
) -> str:
    """Plain-language lines: each alternative's clear differences from the baseline, largest
    effect first; what the runs could not tell apart; and what they could not measure, why."""
    items = []
    for scenario, rows in comp.groupby("scenario", sort=False):
        rows = rows.set_index("metric")
        shown = [m for m in outcomes if m in rows.index]
        why = {m: _unmeasured(m, rows.loc[m], runs) for m in shown}
        clear = [m for m in shown if not why[m] and bool(rows.loc[m, "significant"])]
        clear.sort(key=lambda m: -abs(rows.loc[m, "effect_size"]) if _finite(rows.loc[m]) else 0)
        unclear = [m for m in shown if not why[m] and m not in clear]
        notes = [
            f"not measured ({esc(reason)}): "
            + esc(", ".join(label(m) for m in shown if why[m] == reason))
            for reason in dict.fromkeys(r for r in why.values() if r)
        ]
        if clear or unclear:
            said = "; ".join(_change_phrase(m, rows.loc[m]) for m in clear)
            if clear and unclear:
                notes.insert(0, f"no clear difference in: {esc(', '.join(map(label, unclear)))}")
            said = said or "no clear difference"
            rest = "".join(f" {n[0].upper()}{n[1:]}." for n in notes)
            rest = f" <span class='muted'>{rest.strip()}</span>" if rest else ""
        else:  # nothing could be measured: that is the finding, not a muted aside
            said, rest = "; ".join(notes), ""
        items.append(f"<li><b>{esc(scenario)}</b>: {said}.{rest}</li>")
    base = esc(manifest.baseline)
    return (
        "<section id='findings'><h2>Key findings</h2>"
        f"<p>Compared with <b>{base}</b>, with {LEVEL:.0%} confidence intervals over "
        "paired replications; only differences whose interval excludes zero are listed "
        "as findings, largest effect (Cohen's d) first. An effect below "
        f"{EFFECT_WORDS[0][0]} standard deviations is marked negligible: real, but too small "
        "to matter much.</p>"
        f"<ul class='findings'>{''.join(items)}</ul></section>"
    )


def _finite(row: pd.Series) -> bool:
    return bool(np.isfinite(row["effect_size"]))


def _unmeasured(metric: str, row: pd.Series, runs: pd.DataFrame) -> str:
    """Why a difference has no confidence interval ("" when it has one)."""
    if np.isfinite(row["diff_ci_low"]) and np.isfinite(row["diff_ci_high"]):
        return ""
    if not np.isfinite(row["diff"]):
        months = runs.loc[runs["status"] == "ok", "steps"].max()
        if metric == "startup_survival_5y" and not months > SURVIVAL_MONTHS:
            return f"runs shorter than {SURVIVAL_MONTHS + 1} months; these ran {months:.0f}"
        return "no run produced a value"
    if runs["replicate"].nunique() < 2:
        return "one replication gives no interval"
    if row["n_pairs"] < 2:
        return "fewer than two paired runs produced a value"
    return "no interval"


def _change_phrase(metric: str, row: pd.Series) -> str:
    """'patents +38% (95% CI +31% to +45%), d = 2.1 (large)', or an absolute change when the
    base is zero; an effect below the smallest named size is marked negligible."""
    if np.isfinite(row["rel_diff"]):
        change = f"{pct(row['rel_diff'])} ({LEVEL:.0%} CI {pct(row['rel_ci_low'])} to "
        change += f"{pct(row['rel_ci_high'])})"
    else:
        change = f"{signed(row['diff'])} ({LEVEL:.0%} CI {signed(row['diff_ci_low'])} to "
        change += f"{signed(row['diff_ci_high'])})"
    d = row["effect_size"]
    if negligible(d):
        size = f", <b>negligible</b> (d = {num(d)})"
    else:
        size = f", d = {num(d)} ({effect_word(d)})" if np.isfinite(d) else ""
    return f"{esc(label(metric))} {change}{size}"
