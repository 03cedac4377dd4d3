"""The report of a lever optimisation (report.html): what was searched, the Pareto front as a
table and a chart, the failures, and how to reproduce it; one self-contained page."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

import pandas as pd

from ..files import atomic_write
from .report import PAGE
from .report_html import esc, img, label, num, show, table


def write_report(
    info: dict[str, Any], trials: pd.DataFrame, pareto: pd.DataFrame, chart: Path, path: Path
) -> Path:
    """Write the report at `path` from the study's summary `info`, its trials (trials.csv),
    its front (pareto.csv) and the chart."""
    title = f"{info['experiment']}: lever optimisation"
    counts = f"{info['trials']} trials: {info['complete']} complete"
    counts += f", {info['failed']} failed" if info["failed"] else ""
    body = "\n".join(
        [
            _searched(info),
            _front(info, pareto),
            f"<section id='chart'><h2>Chart</h2>{img(chart, _caption(info))}</section>"
            if chart.exists()
            else "",
            _failures(trials),
            _reproduce(info, pareto),
        ]
    )
    page = PAGE.format(
        title=esc(title),
        heading=esc(title),
        description=esc(info.get("description") or ""),
        generated=esc(time.strftime("%Y-%m-%d %H:%M")),
        counts=esc(counts),
        body=body,
    )
    return atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))


def _how(info: dict[str, Any]) -> str:
    """How a trial's value of an objective is made from its runs, in words."""
    runs, names = info["replications"], ", ".join(info["scenarios"])
    if info["robust"] == "mean":
        return f"the mean over the scenarios ({names}) of each scenario's mean of {runs} runs"
    if info["robust"] == "worst":
        return f"the worst of the scenarios ({names}), each the mean of {runs} runs"
    return f"the mean of {runs} runs of {names}"


def _searched(info: dict[str, Any]) -> str:
    goals = [
        [esc(label(o["metric"])), esc(o["direction"]), esc(_how(info))] for o in info["objectives"]
    ]
    levers = [
        [f"<code>{esc(r['path'])}</code>", esc(r["meaning"]), esc(r["span"])]
        for r in info["lever_rows"]
    ]
    robust = {
        None: "Without robust mode every trial runs under the baseline only.",
        "mean": "Robust mode <em>mean</em>: every trial runs under every scenario of the "
        "experiment (the uncertainties), and an objective is the mean over them.",
        "worst": "Robust mode <em>worst</em>: every trial runs under every scenario of the "
        "experiment (the uncertainties), and an objective is its worst case among them "
        "(the lowest of what is maximised, the highest of what is minimised).",
    }[info["robust"]]
    return (
        "<section id='searched'><h2>What was searched</h2>"
        f"<p>NSGA-II (optuna's, population {info['population']}) set the levers of "
        f"<code>{esc(info['experiment_file'])}</code> in {info['trials']} trials, "
        f"{info['runs_per_trial']} runs each, to find the mixes that best meet every objective "
        f"at once. Every trial used the same {len(info['seeds'])} seeds (common random "
        f"numbers), so trials differ by their levers, not by luck. {robust}</p>"
        f"<h3>Objectives</h3>{table(['metric', 'goal', 'a trial’s value'], goals)}"
        f"<h3>Levers</h3>{table(['lever', 'meaning', 'range or choices'], levers)}</section>"
    )


def _front(info: dict[str, Any], pareto: pd.DataFrame) -> str:
    levers = [r["path"] for r in info["lever_rows"]]
    values = [c for c in pareto.columns if c not in ("trial", "generation", "seeds", *levers)]
    head = ["trial", *levers, *(_heading(c) for c in values)]
    rows = [
        [str(int(row["trial"]))]
        + [esc(show(_plain(row[p]))) for p in levers]
        + [num(row[c]) for c in values]
        for _, row in pareto.iterrows()
    ]
    shown = table(head, rows, "numbers") if rows else "<p>No complete trial yet.</p>"
    return (
        "<section id='front'><h2>Pareto front</h2>"
        "<p>The trials no other trial beats on every objective: moving along the front, one "
        "objective improves only at the cost of another. They are sorted by the first "
        "objective, best first; pareto.csv holds this table, trials.csv every trial.</p>"
        f"{shown}</section>"
    )


def _heading(column: str) -> str:
    """A value column's heading: a metric in words, or a metric in one scenario."""
    metric, _, scenario = column.partition("@")
    return f"{label(metric)} in {scenario}" if scenario else label(metric)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _caption(info: dict[str, Any]) -> str:
    return (
        f"Every complete trial (grey) and the Pareto front (orange, numbered by trial); each "
        f"value is {_how(info)}."
    )


def _failures(trials: pd.DataFrame) -> str:
    failed = trials[trials["state"] == "failed"]
    if failed.empty:
        return ""
    rows = [[str(int(r["trial"])), esc(r["failure"])] for _, r in failed.iterrows()]
    return (
        "<section id='failures'><h2>Failed trials</h2><p>A trial fails when one of its runs "
        "does, or its process stopped; it is left out of the front.</p>"
        f"{table(['trial', 'why'], rows)}</section>"
    )


def _reproduce(info: dict[str, Any], pareto: pd.DataFrame) -> str:
    """The command that makes (or continues) this study, and one run of the best trial."""
    text = (
        "<section id='reproduce'><h2>How to reproduce</h2>"
        "<p>This command makes the same study (the same trials and values on any backend "
        "or number of workers); rerun into the same folder, it continues the study:</p>"
        f"<pre><code>{esc(info['command'])}</code></pre>"
    )
    if not pareto.empty:
        best = pareto.iloc[0]
        baseline = next(iter(info["scenarios"].values()))
        sets = [f"--set {shlex.quote(f'{p}={_yaml(_plain(best[p]))}')}" for p in _levers(info)]
        steps = f" --steps {info['steps']}" if info["steps"] else ""
        run = f"{info['program']} run {shlex.quote(baseline)} {' '.join(sets)}{steps} --seed "
        text += (
            f"<p>One run of trial {int(best['trial'])} (the first of the front), its first "
            f"seed:</p><pre><code>{esc(run + str(info['seeds'][0]))}</code></pre>"
        )
    return text + (
        f"<p class='muted'>Seeds {esc(', '.join(map(str, info['seeds'])))}; root seed "
        f"{info['seed']}; study settings digest {esc(info['experiment_digest'][:12])}.</p>"
        "</section>"
    )


def _levers(info: dict[str, Any]) -> list[str]:
    return [r["path"] for r in info["lever_rows"]]


def _yaml(value: Any) -> str:
    """A lever value as --set reads it (YAML)."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
