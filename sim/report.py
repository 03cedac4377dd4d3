"""The policy report: one self-contained HTML page from a sweep folder.

It reads what the sweep wrote (manifest.json, runs.parquet, aggregate.csv, comparison.csv,
sensitivity.csv, plots/) and computes nothing new, so its numbers are those of the files.
Images are embedded, so the page opens anywhere, offline, and prints well.
"""

from __future__ import annotations

import base64
import html
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .experiment.aggregate import LEVEL
from .files import atomic_write
from .model.metrics import SUMMED

LABELS = {
    "innovations": "innovations",
    "radical_innovations": "radical innovations",
    "innovation_value": "innovation value ($M/month of products)",
    "patents_granted": "patents",
    "products_launched": "products launched",
    "mean_knowledge": "knowledge (mean level)",
    "knowledge_diversity": "knowledge diversity",
    "startups_founded": "startups founded",
    "startups_failed": "startup failures",
    "startups_acquired": "startups acquired",
    "startups_ipo": "IPOs",
    "vc_invested": "VC invested ($M)",
    "vc_returned": "VC returned ($M)",
    "public_spend": "public spend ($M)",
    "network_density": "network density",
    "network_clustering": "network clustering",
    "largest_component_share": "share in the largest network component",
    "mean_trust": "trust (mean)",
    "capital_gini": "capital inequality (Gini)",
    "startup_survival_5y": "5-year startup survival",
    "time_to_first_product": "months to first product",
    "innovation_per_public_money": "innovation value per public $",
}
EFFECT_WORDS = ((0.2, "negligible"), (0.5, "small"), (0.8, "medium"), (math.inf, "large"))


def write_report(folder: Path) -> Path:
    """Write `folder/report.html` from a sweep folder's outputs; returns its path."""
    page = render(folder)
    return atomic_write(folder / "report.html", lambda p: p.write_text(page, encoding="utf-8"))


def render(folder: Path) -> str:
    """The report as one HTML page."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    runs = pd.read_parquet(folder / "runs.parquet")
    agg = pd.read_csv(folder / "aggregate.csv")
    comp = pd.read_csv(folder / "comparison.csv")
    sens_path = folder / "sensitivity.csv"
    sens = pd.read_csv(sens_path) if sens_path.exists() else pd.DataFrame()
    exp = manifest["experiment"]
    outcomes = [m for m in exp["outcomes"] if m in set(agg["metric"])]
    single = runs["point"].nunique() == 1
    sections = [
        _findings(comp, outcomes, manifest) if single and len(comp) else "",
        _compared(manifest),
        _headline(agg, comp, outcomes, manifest) if single else _points_note(runs),
        _figure(
            folder / "plots" / "timeseries.png",
            "Over time",
            "Each line is the mean over replications; the band is its 95% confidence "
            "interval. Flows are per month.",
        ),
        _figure(
            folder / "plots" / "distributions.png",
            "Across replications",
            "Each dot is one run (a replication); boxes show the middle half of runs. "
            "Flows are totals over the run; levels are values in the last month.",
        ),
        _heatmaps(folder, manifest),
        _sensitivity(folder, sens),
        _how_to_read(comp, outcomes, manifest),
        _failures(runs),
        _details(manifest, runs),
    ]
    title = f"{exp['name']}: simulation report"
    return PAGE.format(
        title=_e(title),
        heading=_e(title),
        description=_e(exp.get("description") or ""),
        generated=_e(time.strftime("%Y-%m-%d %H:%M")),
        counts=_e(_counts(runs)),
        body="\n".join(s for s in sections if s),
    )


# --- sections ------------------------------------------------------------------------------


def _findings(comp: pd.DataFrame, outcomes: list[str], manifest: dict) -> str:
    """Plain-language lines: each alternative's clear differences from the baseline."""
    items = []
    for scenario, rows in comp.groupby("scenario", sort=False):
        rows = rows.set_index("metric")
        clear = [m for m in outcomes if m in rows.index and bool(rows.loc[m, "significant"])]
        unclear = [m for m in outcomes if m in rows.index and m not in clear]
        said = "; ".join(_change_phrase(m, rows.loc[m]) for m in clear) or "no clear difference"
        rest = (
            f" <span class='muted'>No clear difference in: {_e(', '.join(map(_label, unclear)))}."
            "</span>"
            if unclear and clear
            else ""
        )
        items.append(f"<li><b>{_e(scenario)}</b>: {said}.{rest}</li>")
    base = _e(manifest["baseline"])
    return (
        "<section id='findings'><h2>Key findings</h2>"
        f"<p>Compared with <b>{base}</b>, with {LEVEL:.0%} confidence intervals over "
        f"paired replications; only differences whose interval excludes zero are listed "
        "as findings.</p>"
        f"<ul class='findings'>{''.join(items)}</ul></section>"
    )


def _change_phrase(metric: str, row: pd.Series) -> str:
    """'patents +38% (95% CI +31% to +45%)', or an absolute change when the base is zero."""
    if np.isfinite(row["rel_diff"]):
        change = f"{_pct(row['rel_diff'])} ({LEVEL:.0%} CI {_pct(row['rel_ci_low'])} to "
        change += f"{_pct(row['rel_ci_high'])})"
    else:
        change = f"{_signed(row['diff'])} ({LEVEL:.0%} CI {_signed(row['diff_ci_low'])} to "
        change += f"{_signed(row['diff_ci_high'])})"
    return f"{_e(_label(metric))} {change}"


def _compared(manifest: dict) -> str:
    """The scenarios, their parameter differences from the baseline, and the design."""
    scenarios = manifest["scenarios"]
    base_name = manifest["baseline"]
    base = _flat(scenarios[base_name]["resolved"])
    parts = [
        "<section id='compared'><h2>What was compared</h2>",
        _table(
            ["scenario", "role", "description", "file"],
            [
                [
                    _e(name),
                    "baseline" if name == base_name else "alternative",
                    _e(s["resolved"].get("description", "")),
                    f"<code>{_e(s['file'])}</code>",
                ]
                for name, s in scenarios.items()
            ],
        ),
    ]
    for name, s in scenarios.items():
        if name == base_name:
            continue
        other = _flat(s["resolved"])
        keys = [k for k in sorted(set(base) | set(other)) if k not in ("name", "description")]
        changed = [k for k in keys if base.get(k) != other.get(k)]
        rows = [
            [f"<code>{_e(k)}</code>", _e(_show(base.get(k))), _e(_show(other.get(k)))]
            for k in changed
        ]
        parts.append(f"<h3>{_e(name)} differs from {_e(base_name)} in</h3>")
        parts.append(
            _table(["parameter", base_name, name], rows, cls="diff")
            if rows
            else "<p>nothing: the same parameters (a different name only).</p>"
        )
    exp = manifest["experiment"]
    if exp["parameters"]:
        rows = [[f"<code>{_e(p)}</code>", _e(_show(v))] for p, v in exp["parameters"].items()]
        parts.append(
            f"<h3>Varied in every scenario ({_e(exp['design']['kind'])} design)</h3>"
            + _table(["parameter", "values or range"], rows)
        )
    steps = exp.get("steps")
    parts.append(
        f"<p>{exp['replications']} replications per scenario and design point"
        f"{f', {steps} months each' if steps is not None else ''}.</p></section>"
    )
    return "".join(parts)


def _headline(agg: pd.DataFrame, comp: pd.DataFrame, outcomes: list[str], manifest: dict) -> str:
    """Per scenario and metric: mean [95% CI]; per alternative: difference, relative change,
    effect size; differences whose CI excludes zero are marked."""
    scenarios = list(manifest["scenarios"])
    base = manifest["baseline"]
    head = ["metric", *(f"{s}<br><span class='muted'>mean [95% CI]</span>" for s in scenarios)]
    rows = []
    for metric in outcomes:
        row = [
            _e(_label(metric))
            + ("" if metric not in SUMMED else " <span class='muted'>(total)</span>")
        ]
        for s in scenarios:
            found = agg[(agg["scenario"] == s) & (agg["metric"] == metric)]
            if not len(found):
                row.append("n/a")
                continue
            r = found.iloc[0]
            row.append(
                _cell(s, metric, "mean", r["mean"])
                + f" <span class='muted'>[{_cell(s, metric, 'ci_low', r['ci_low'])}, "
                f"{_cell(s, metric, 'ci_high', r['ci_high'])}]</span>"
            )
        rows.append(row)
    parts = [
        "<section id='headline'><h2>Headline metrics</h2>",
        "<p>Flows (innovations, money) are totals over the run; levels (knowledge, trust, "
        "density) are values in the last month.</p>",
        _table(head, rows, cls="numbers", raw_head=True),
    ]
    if len(comp):
        head = ["metric"] + [
            f"{s} − {base}<br><span class='muted'>difference [95% CI] · change · effect</span>"
            for s in scenarios
            if s != base
        ]
        rows = []
        for metric in outcomes:
            row = [_e(_label(metric))]
            for s in scenarios[1:]:
                found = comp[(comp["scenario"] == s) & (comp["metric"] == metric)]
                row.append(_difference(s, metric, found.iloc[0]) if len(found) else "n/a")
            rows.append(row)
        parts.append(f"<h3>Difference from {_e(base)}</h3>")
        parts.append(
            "<p>● marks a difference whose 95% confidence interval excludes zero. "
            "Effect: the difference in standard deviations (Cohen's d).</p>"
        )
        parts.append(_table(head, rows, cls="numbers", raw_head=True))
    parts.append("</section>")
    return "".join(parts)


def _difference(scenario: str, metric: str, r: pd.Series) -> str:
    mark = "<span class='sig' title='CI excludes zero'>●</span> " if r["significant"] else ""
    cls = " class='significant'" if r["significant"] else ""
    rel = _pct(r["rel_diff"]) if np.isfinite(r["rel_diff"]) else "n/a"
    size = _effect_word(r["effect_size"])
    return (
        f"<span{cls}>{mark}{_cell(scenario, metric, 'diff', r['diff'], signed=True)}"
        f" <span class='muted'>[{_cell(scenario, metric, 'diff_ci_low', r['diff_ci_low'], True)}, "
        f"{_cell(scenario, metric, 'diff_ci_high', r['diff_ci_high'], True)}]</span>"
        f" · {_cell(scenario, metric, 'rel_diff', r['rel_diff'], text=rel)}"
        f" · d = {_cell(scenario, metric, 'effect_size', r['effect_size'])} ({size})</span>"
    )


def _points_note(runs: pd.DataFrame) -> str:
    points = runs["point"].nunique()
    return (
        "<section id='headline'><h2>Headline metrics</h2>"
        f"<p>This sweep has {points} design points per scenario; means and confidence "
        "intervals per point are in <code>aggregate.csv</code>, differences from the baseline "
        "per point in <code>comparison.csv</code>. The charts below summarise them.</p>"
        "</section>"
    )


def _heatmaps(folder: Path, manifest: dict) -> str:
    images = sorted((folder / "plots").glob("heatmap_*.png"))
    if not images:
        return ""
    x, y = manifest["experiment"]["parameters"]
    parts = [
        "<section id='heatmaps'><h2>Across the parameter grid</h2>",
        f"<p>Mean over replications at each grid point: <code>{_e(x)}</code> across, "
        f"<code>{_e(y)}</code> up.</p>",
    ]
    parts += [_img(p, p.stem.removeprefix("heatmap_")) for p in images]
    return "".join(parts) + "</section>"


def _sensitivity(folder: Path, sens: pd.DataFrame) -> str:
    if not len(sens):
        return ""
    method = sens["method"].iloc[0]
    if method == "sobol":
        text = (
            "Sobol indices: S1 is the share of an outcome's variance due to a parameter alone; "
            "ST includes its interactions with the others. ST near zero means the parameter "
            "hardly matters over the ranges explored."
        )
        cols = ["S1", "S1_conf", "ST", "ST_conf"]
    else:
        text = (
            "Morris screening: mu* is the mean absolute elementary effect of a parameter (how "
            "much it moves the outcome); sigma its spread (non-linearity or interactions)."
        )
        cols = ["mu_star", "mu_star_conf", "sigma"]
    parts = [f"<section id='sensitivity'><h2>Sensitivity ({_e(method)})</h2><p>{text}</p>"]
    parts += [_img(p, "") for p in sorted((folder / "plots").glob("sensitivity_*.png"))]
    rows = [
        [_e(r["scenario"]), _e(_label(r["metric"])), f"<code>{_e(r['parameter'])}</code>"]
        + [_num(r[c]) for c in cols]
        for _, r in sens.iterrows()
    ]
    parts.append(_table(["scenario", "outcome", "parameter", *cols], rows, cls="numbers"))
    return "".join(parts) + "</section>"


def _how_to_read(comp: pd.DataFrame, outcomes: list[str], manifest: dict) -> str:
    reps = manifest["experiment"]["replications"]
    parts = [
        "<section id='how-to-read'><h2>How to read this report</h2>",
        "<p>Each scenario was run "
        f"<b>{reps}</b> times (replications) with different random seeds; replication <i>r</i> "
        "uses the same seed in every scenario, so differences are paired and chance affects "
        "both sides alike.</p>",
        "<ul>"
        "<li><b>95% confidence interval (CI)</b>: a range computed so that, in 95% of "
        "experiments like this one, it contains the true mean (the average over infinitely "
        "many replications of this model). It reflects randomness in the simulation, not "
        "whether the model is right.</li>"
        "<li><b>A difference whose CI excludes zero</b> (●) is unlikely to be chance alone. A "
        "CI that includes zero means the runs cannot tell the scenarios apart; it is not proof "
        "that there is no difference.</li>"
        "<li><b>Effect size</b> (Cohen's d): the difference divided by the typical spread "
        "between runs. Roughly: below 0.2 negligible, 0.2 small, 0.5 medium, 0.8 large.</li>"
        "<li><b>Relative change</b>: the difference as a share of the baseline mean.</li>"
        "</ul>",
        f"<p>Intervals narrow with the square root of the number of replications: with "
        f"{2 * reps} replications they would be about 29% narrower, with {4 * reps} about "
        "half as wide.</p>",
    ]
    if len(comp):
        unclear = comp[(~comp["significant"].astype(bool)) & comp["metric"].isin(outcomes)]
        unclear = unclear[unclear["effect_size"].abs() >= 0.2]
        rows = []
        for _, r in unclear.iterrows():
            need = _replications_needed(r)
            if need is not None:
                rows.append(
                    [
                        _e(r["scenario"]),
                        _e(_label(r["metric"])),
                        _num(r["effect_size"]),
                        f"about {need}",
                    ]
                )
        if rows:
            parts.append(
                "<p>Differences that look real (effect ≥ 0.2) but whose CI still includes "
                "zero; if the observed difference is the true one, this many replications "
                "would make the CI exclude zero:</p>"
            )
            parts.append(_table(["scenario", "metric", "effect", "replications"], rows))
        else:
            parts.append(
                "<p>No unresolved difference of at least a small effect: more replications "
                "would narrow the intervals but are unlikely to change the findings.</p>"
            )
    return "".join(parts) + "</section>"


def _replications_needed(r: pd.Series) -> int | None:
    """Replications for the paired CI of the observed mean difference to exclude zero."""
    from scipy import stats

    n = int(r["n_pairs"])
    half = (r["diff_ci_high"] - r["diff_ci_low"]) / 2
    if n < 2 or not np.isfinite(half) or r["diff"] == 0:
        return None
    sd = half * math.sqrt(n) / stats.t.ppf(0.5 + LEVEL / 2, n - 1)
    return max(n + 1, math.ceil((1.96 * sd / abs(r["diff"])) ** 2) + 1)


def _failures(runs: pd.DataFrame) -> str:
    bad = runs[runs["status"] != "ok"]
    if not len(bad):
        return ""
    rows = [
        [
            str(r["run_id"]),
            _e(r["scenario"]),
            str(r["replicate"]),
            _e(r["status"]),
            _e(str(r.get("error") or "")),
        ]
        for _, r in bad.head(50).iterrows()
    ]
    more = f"<p>... and {len(bad) - 50} more.</p>" if len(bad) > 50 else ""
    return (
        "<section id='failures'><h2>Runs that did not finish</h2>"
        "<p>These runs are left out of every number above. Rerun the sweep command to retry "
        "them.</p>"
        + _table(["run", "scenario", "replicate", "status", "error"], rows)
        + more
        + "</section>"
    )


def _details(manifest: dict, runs: pd.DataFrame) -> str:
    exp = manifest["experiment"]
    seeds = runs.drop_duplicates("replicate").sort_values("replicate")["seed"].tolist()
    shown = ", ".join(map(str, seeds[:5])) + (", ..." if len(seeds) > 5 else "")
    versions = ", ".join(f"{k} {v}" for k, v in manifest["versions"].items())
    commands = "".join(
        f"<li><code>{_e(c['command'])}</code> <span class='muted'>{_e(c['started'])}</span></li>"
        for c in manifest["invocations"]
    )
    rows = [
        ["experiment file", f"<code>{_e(manifest['experiment_file'])}</code>"],
        ["experiment SHA-256", f"<code>{_e(manifest['experiment_sha256'])}</code>"],
        ["plan hash", f"<code>{_e(manifest['plan_hash'])}</code>"],
        ["root seed", str(exp["seed"])],
        ["replicate seeds", _e(shown)],
        ["versions", _e(versions)],
        ["created", _e(manifest["created"])],
    ]
    return (
        "<section id='details'><h2>Run details</h2>"
        + _table(["", ""], rows, cls="details")
        + f"<p>Commands run in this folder:</p><ul>{commands}</ul>"
        "<p>Every run is reproducible: <code>python run.py run SCENARIO --seed SEED</code> "
        "with the scenario file and the seed of its row in <code>runs.parquet</code>.</p>"
        "</section>"
    )


# --- pieces --------------------------------------------------------------------------------


def _figure(path: Path, title: str, caption: str) -> str:
    if not path.exists():
        return ""
    slug = title.lower().replace(" ", "-")
    return (
        f"<section id='{slug}'><h2>{_e(title)}</h2><p>{_e(caption)}</p>{_img(path, '')}</section>"
    )


def _img(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f"<figure><img src='data:image/png;base64,{data}' alt='{_e(path.stem)}'>{cap}</figure>"


def _table(head: list[str], rows: list[list[str]], cls: str = "", raw_head: bool = False) -> str:
    th = "".join(f"<th>{h if raw_head else _e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table class='{cls}'><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _cell(
    scenario: str,
    metric: str,
    stat: str,
    value: float,
    signed: bool = False,
    text: str | None = None,
) -> str:
    """A number with its exact value in data attributes (for tests and scraping)."""
    shown = text if text is not None else (_signed(value) if signed else _num(value))
    return (
        f"<span data-scenario='{_e(scenario)}' data-metric='{_e(metric)}' data-stat='{stat}' "
        f"data-value='{float(value)!r}'>{shown}</span>"
    )


def _num(value: Any) -> str:
    """3 significant digits, thousands separated; n/a for a missing value."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _signed(value: float) -> str:
    text = _num(value)
    return text if text.startswith("-") or text == "n/a" else f"+{text}"


def _pct(value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{100 * value:+.0f}%" if abs(value) >= 0.1 else f"{100 * value:+.1f}%"


def _effect_word(d: float) -> str:
    if not np.isfinite(d):
        return "n/a"
    return next(word for bound, word in EFFECT_WORDS if abs(d) < bound)


def _label(metric: str) -> str:
    return LABELS.get(metric, metric.replace("_", " "))


def _counts(runs: pd.DataFrame) -> str:
    counts = runs["status"].value_counts()
    text = f"{len(runs)} runs: {counts.get('ok', 0)} finished"
    for status in ("failed", "missing"):
        if counts.get(status, 0):
            text += f", {counts[status]} {status}"
    return text


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested scenario data as dotted paths (lists are values)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out |= _flat(value, f"{prefix}{key}.")
        return out
    return {prefix.rstrip("."): data}


def _show(value: Any) -> str:
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "n/a" if value is None else str(value)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; }}
h1 {{ margin-bottom: 0.2em; }} h2 {{ border-bottom: 2px solid #ddd; padding-bottom: 0.2em;
     margin-top: 1.8em; }}
.muted {{ color: #777; font-size: 0.9em; }}
table {{ border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }}
th, td {{ border-bottom: 1px solid #e4e4e4; padding: 0.35em 0.7em; text-align: left;
         vertical-align: top; }}
th {{ background: #f5f5f5; }}
table.numbers td + td {{ text-align: right; white-space: nowrap; }}
.significant {{ font-weight: 600; }} .sig {{ color: #1565c0; }}
ul.findings li {{ margin: 0.4em 0; }}
#findings {{ background: #f4f8fd; border-left: 4px solid #1565c0; padding: 0.3em 1em 0.6em; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; height: auto; }}
figcaption {{ color: #555; font-size: 0.9em; }}
code {{ font-size: 0.9em; background: #f6f6f6; padding: 0 0.2em; }}
@media print {{
  body {{ max-width: none; margin: 0; font-size: 11pt; }}
  section, figure, table {{ break-inside: avoid; }}
  h2 {{ break-after: avoid; }}
  a {{ color: inherit; text-decoration: none; }}
}}
</style></head>
<body>
<header><h1>{heading}</h1><p>{description}</p>
<p class="muted">Generated {generated} · {counts}</p></header>
{body}
</body></html>
"""
