"""The sections of the report, each an HTML string from the sweep's files and manifest."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from ..experiment.folder import Manifest, SweepFolder
from ..experiment.spec import Experiment, Range
from ..model.metrics import SUMMED
from .aggregate import quantile
from .report_html import cell, effect_word, esc, flat, img, label, num, pct, show, table


def months(runs: pd.DataFrame, scenario: str | None = None) -> str:
    """The run length actually used (of the finished runs), e.g. "48" or "36 to 48"."""
    ok = runs[(runs["status"] == "ok") & ((runs["scenario"] == scenario) | (scenario is None))]
    steps = sorted(ok["steps"].dropna().astype(int).unique())
    if not steps:
        return ""
    return str(steps[0]) if len(steps) == 1 else f"{steps[0]} to {steps[-1]}"


def compared(manifest: Manifest, runs: pd.DataFrame) -> str:
    """The scenarios, their parameter differences from the baseline, and the design; each
    description with the run length used, which may differ from the one it describes."""
    scenarios = manifest.scenarios
    base_name = manifest.baseline
    base = flat(scenarios[base_name].resolved)
    parts = [
        "<section id='compared'><h2>What was compared</h2>",
        table(
            ["scenario", "role", "description", "file"],
            [
                [
                    esc(name),
                    "baseline" if name == base_name else "alternative",
                    esc(s.resolved.get("description", "")) + _ran(runs, name),
                    f"<code>{esc(shown_path(s.file))}</code>",
                ]
                for name, s in scenarios.items()
            ],
        ),
    ]
    for name, s in scenarios.items():
        if name == base_name:
            continue
        other = flat(s.resolved)
        unshown = ("name", "description", "claims")  # words and claims, not parameters
        keys = [k for k in sorted(set(base) | set(other)) if k not in unshown]
        changed = [k for k in keys if base.get(k) != other.get(k)]
        rows = [
            [f"<code>{esc(k)}</code>", esc(show(base.get(k))), esc(show(other.get(k)))]
            for k in changed
        ]
        parts.append(f"<h3>{esc(name)} differs from {esc(base_name)} in</h3>")
        parts.append(
            table(["parameter", base_name, name], rows, cls="diff")
            if rows
            else "<p>nothing: the same parameters (a different name only).</p>"
        )
    exp = manifest.experiment
    if exp.parameters:
        rows = [
            [f"<code>{esc(p)}</code>", esc(show(_as_written(v)))] for p, v in exp.parameters.items()
        ]
        parts.append(
            f"<h3>Varied in every scenario ({esc(exp.design.kind)} design)</h3>"
            + table(["parameter", "values or range"], rows)
        )
    steps = months(runs)
    parts.append(
        f"<p>{exp.replications} replication{'s' if exp.replications != 1 else ''} per scenario "
        f"and design point{f', {steps} months each' if steps else ''}.{_warm(exp)}</p>"
        "</section>"
    )
    return "".join(parts)


def _warm(exp: Experiment) -> str:
    """What a warm-up did to every run, in words (nothing without one)."""
    if not exp.warmup:
        return ""
    return (
        f" The first {exp.warmup} months of each replicate ran once, under the baseline; every "
        "scenario and design point branched from that same state (paired: one starting "
        "ecosystem), so they differ only after month "
        f"{exp.warmup}. The warm-ups' checkpoints are in <code>warmup/</code>."
    )


def _ran(runs: pd.DataFrame, scenario: str) -> str:
    steps = months(runs, scenario)
    return f" <b>This comparison ran {steps} months per run.</b>" if steps else ""


def _as_written(values: list | Range) -> list | dict:
    """A parameter's values or range as written in manifest.json."""
    return values.model_dump(mode="json") if isinstance(values, Range) else values


def headline(agg: pd.DataFrame, comp: pd.DataFrame, outcomes: list[str], manifest: Manifest) -> str:
    """Per scenario and metric: mean [95% CI]; per alternative: difference, relative change,
    effect size; differences whose CI excludes zero are marked."""
    scenarios = list(manifest.scenarios)
    base = manifest.baseline
    head = [
        "metric",
        *(f"{esc(s)}<br><span class='muted'>mean [95% CI]</span>" for s in scenarios),
    ]
    rows = []
    for metric in outcomes:
        row = [
            esc(label(metric))
            + ("" if metric not in SUMMED else " <span class='muted'>(total)</span>")
        ]
        for s in scenarios:
            found = agg[(agg["scenario"] == s) & (agg["metric"] == metric)]
            if not len(found):
                row.append("n/a")
                continue
            r = found.iloc[0]
            row.append(
                cell(s, metric, "mean", r["mean"])
                + f" <span class='muted'>[{cell(s, metric, 'ci_low', r['ci_low'])}, "
                f"{cell(s, metric, 'ci_high', r['ci_high'])}]</span>"
            )
        rows.append(row)
    parts = [
        "<section id='headline'><h2>Headline metrics</h2>",
        "<p>Flows (innovations, money) are totals over the run; levels (knowledge, trust, "
        "density) are values in the last month.</p>",
        table(head, rows, cls="numbers", raw_head=True),
    ]
    if len(comp):
        head = ["metric"] + [
            f"{esc(s)} − {esc(base)}<br>"
            "<span class='muted'>difference [95% CI] · change · effect</span>"
            for s in scenarios
            if s != base
        ]
        rows = []
        for metric in outcomes:
            row = [esc(label(metric))]
            for s in scenarios[1:]:
                found = comp[(comp["scenario"] == s) & (comp["metric"] == metric)]
                row.append(_difference(s, metric, found.iloc[0]) if len(found) else "n/a")
            rows.append(row)
        parts.append(f"<h3>Difference from {esc(base)}</h3>")
        parts.append(
            "<p>● marks a difference whose 95% confidence interval excludes zero. "
            "Effect: the difference in standard deviations (Cohen's d).</p>"
        )
        parts.append(table(head, rows, cls="numbers", raw_head=True))
    parts.append("</section>")
    return "".join(parts)


def _difference(scenario: str, metric: str, r: pd.Series) -> str:
    mark = "<span class='sig' title='CI excludes zero'>●</span> " if r["significant"] else ""
    cls = " class='significant'" if r["significant"] else ""
    rel = pct(r["rel_diff"]) if np.isfinite(r["rel_diff"]) else "n/a"
    size = effect_word(r["effect_size"])
    return (
        f"<span{cls}>{mark}{cell(scenario, metric, 'diff', r['diff'], with_sign=True)}"
        f" <span class='muted'>[{cell(scenario, metric, 'diff_ci_low', r['diff_ci_low'], True)}, "
        f"{cell(scenario, metric, 'diff_ci_high', r['diff_ci_high'], True)}]</span>"
        f" · {cell(scenario, metric, 'rel_diff', r['rel_diff'], text=rel)}"
        f" · d = {cell(scenario, metric, 'effect_size', r['effect_size'])} ({size})</span>"
    )


def points_note(runs: pd.DataFrame) -> str:
    points = runs["point"].nunique()
    return (
        "<section id='headline'><h2>Headline metrics</h2>"
        f"<p>This sweep has {points} design points per scenario; means and confidence "
        "intervals per point are in <code>aggregate.csv</code>, differences from the baseline "
        "per point in <code>comparison.csv</code>. The charts below summarise them.</p>"
        "</section>"
    )


def heatmaps(folder: SweepFolder, manifest: Manifest) -> str:
    images = sorted(folder.plots.glob("heatmap_*.png"))
    if not images:
        return ""
    x, y = manifest.experiment.parameters
    parts = [
        "<section id='heatmaps'><h2>Across the parameter grid</h2>",
        f"<p>Mean over replications at each grid point: <code>{esc(x)}</code> across, "
        f"<code>{esc(y)}</code> up.</p>",
    ]
    parts += [img(p, p.stem.removeprefix("heatmap_")) for p in images]
    return "".join(parts) + "</section>"


def sensitivity(folder: SweepFolder, sens: pd.DataFrame) -> str:
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
    parts = [f"<section id='sensitivity'><h2>Sensitivity ({esc(method)})</h2><p>{text}</p>"]
    parts += [img(p, "") for p in sorted(folder.plots.glob("sensitivity_*.png"))]
    rows = [
        [esc(r["scenario"]), esc(label(r["metric"])), f"<code>{esc(r['parameter'])}</code>"]
        + [num(r[c]) for c in cols]
        for _, r in sens.iterrows()
    ]
    parts.append(table(["scenario", "outcome", "parameter", *cols], rows, cls="numbers"))
    return "".join(parts) + "</section>"


def how_to_read(comp: pd.DataFrame, outcomes: list[str], manifest: Manifest) -> str:
    reps = manifest.experiment.replications
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
    ]
    if reps < 2:
        parts.append(
            "<p><b>With one replication there are no confidence intervals and no effect "
            "sizes</b>: no difference can be told from chance, so none is reported as a "
            "finding. Run at least 2 replications (10 or more for narrow intervals).</p>"
        )
        return "".join(parts) + "</section>"
    parts.append(
        f"<p>Intervals narrow with the square root of the number of replications: with "
        f"{2 * reps} replications they would be about 29% narrower, with {4 * reps} about "
        "half as wide.</p>"
    )
    if len(comp):
        unclear = comp[(~comp["significant"].astype(bool)) & comp["metric"].isin(outcomes)]
        unclear = unclear[unclear["effect_size"].abs() >= 0.2]
        rows = []
        for _, r in unclear.iterrows():
            need = _replications_needed(r)
            if need is not None:
                rows.append(
                    [
                        esc(r["scenario"]),
                        esc(label(r["metric"])),
                        num(r["effect_size"]),
                        f"about {need}",
                    ]
                )
        if rows:
            parts.append(
                "<p>Differences that look real (effect ≥ 0.2) but whose CI still includes "
                "zero; if the observed difference is the true one, this many replications "
                "would make the CI exclude zero:</p>"
            )
            parts.append(table(["scenario", "metric", "effect", "replications"], rows))
        else:
            parts.append(
                "<p>No unresolved difference of at least a small effect: more replications "
                "would narrow the intervals but are unlikely to change the findings.</p>"
            )
    return "".join(parts) + "</section>"


def _replications_needed(r: pd.Series) -> int | None:
    """Replications for the paired CI of the observed mean difference to exclude zero."""
    n = int(r["n_pairs"])
    half = (r["diff_ci_high"] - r["diff_ci_low"]) / 2
    if n < 2 or not np.isfinite(half) or r["diff"] == 0:
        return None
    sd = half * math.sqrt(n) / quantile(n - 1)
    return max(n + 1, math.ceil((quantile() * sd / abs(r["diff"])) ** 2) + 1)


def failures(runs: pd.DataFrame) -> str:
    bad = runs[runs["status"] != "ok"]
    if not len(bad):
        return ""
    rows = [
        [
            str(r["run_id"]),
            esc(r["scenario"]),
            str(r["replicate"]),
            esc(r["status"]),
            esc(str(r.get("error") or "")),
        ]
        for _, r in bad.head(50).iterrows()
    ]
    more = f"<p>... and {len(bad) - 50} more.</p>" if len(bad) > 50 else ""
    return (
        "<section id='failures'><h2>Runs that did not finish</h2>"
        "<p>These runs are left out of every number above. Rerun the sweep command to retry "
        "them.</p>"
        + table(["run", "scenario", "replicate", "status", "error"], rows)
        + more
        + "</section>"
    )


def details(manifest: Manifest, runs: pd.DataFrame) -> str:
    """Files, hashes, seeds and versions, and the commands that reproduce the sweep and a run."""
    exp = manifest.experiment
    seeds = runs.drop_duplicates("replicate").sort_values("replicate")["seed"].tolist()
    shown = ", ".join(map(str, seeds[:5])) + (", ..." if len(seeds) > 5 else "")
    versions = ", ".join(f"{k} {v}" for k, v in manifest.versions.items())
    commands = "".join(
        f"<li><code>{esc(c.command)}</code> <span class='muted'>{esc(c.started)}</span></li>"
        for c in manifest.invocations
    )
    rows = [
        ["experiment file", f"<code>{esc(manifest.experiment_file)}</code>"],
        ["experiment SHA-256", f"<code>{esc(manifest.experiment_sha256)}</code>"],
        ["plan hash", f"<code>{esc(manifest.plan_hash)}</code>"],
        ["root seed", str(exp.seed)],
        ["replicate seeds", esc(shown)],
        ["versions", esc(versions)],
        ["created", esc(manifest.created)],
    ]
    return (
        "<section id='details'><h2>Run details</h2>"
        + table(["", ""], rows, cls="details")
        + f"<p>Commands run in this folder:</p><ul>{commands}</ul>"
        + _reproduce(manifest, runs)
        + "</section>"
    )


def shown_path(path: str) -> str:
    """A file's path as a reader can use it: relative to the working folder when it lies
    inside it (compare records absolute paths, which name one machine's folders)."""
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return path if relative.startswith("..") else relative


def _reproduce(manifest: Manifest, runs: pd.DataFrame) -> str:
    """The commands, with every option that matters, that rerun the sweep and one run."""
    exp = manifest.experiment
    steps = exp.steps if exp.steps is not None else months(runs)
    steps_option = f" --steps {steps}" if steps and str(steps).isdigit() else ""
    reps = f" --replications {exp.replications}"
    if manifest.experiment_file == "compare":
        files = " ".join(shown_path(s.file) for s in manifest.scenarios.values())
        whole = f"python run.py compare {files}{reps}{steps_option} --seed {exp.seed}"
        whole += f" --warmup {exp.warmup}" if exp.warmup else ""
    else:
        whole = f"python run.py sweep {manifest.experiment_file}{reps}{steps_option}"
        whole += f" --set seed={exp.seed}"
    one = f"python run.py run SCENARIO --seed SEED{steps_option}"
    if exp.warmup:  # the replicate's warm-up, then the run from it
        base = shown_path(manifest.scenarios[manifest.baseline].file)
        one = (
            f"python run.py run {base} --seed SEED --save-state-at {exp.warmup} WARMUP_DIR; "
            f"python run.py run SCENARIO --from-state WARMUP_DIR{steps_option}"
        )
    one += "".join(f" --set {p}=VALUE" for p in exp.parameters)
    where = "the scenario's file and the seed" + (" and values" if exp.parameters else "")
    return (
        f"<p>The whole sweep again: <code>{esc(whole)}</code>. One run again: "
        f"<code>{esc(one)}</code> with {where} of its row in <code>runs.parquet</code>.</p>"
    )
