"""The policy report: one self-contained HTML page from a sweep folder.

It reads what the sweep wrote (manifest.json, runs.parquet, aggregate.csv, comparison.csv,
sensitivity.csv, plots/) and computes nothing new, so its numbers are those of the files.
Images are embedded, so the page opens anywhere, offline, and prints well.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from ..experiment.folder import SweepFolder
from ..files import atomic_write
from . import report_sections as section
from .discovery_output import section as discovery_section
from .report_findings import findings
from .report_html import esc, figure


def write_report(out: Path) -> Path:
    """Write `out/report.html` from a sweep folder's outputs; returns its path."""
    folder = SweepFolder(out)
    page = render(folder)
    return atomic_write(folder.report_html, lambda p: p.write_text(page, encoding="utf-8"))


def render(folder: SweepFolder) -> str:
    """The report as one HTML page."""
    manifest = folder.read_manifest()
    runs = pd.read_parquet(folder.runs_parquet)
    agg = pd.read_csv(folder.aggregate_csv)
    comp = pd.read_csv(folder.comparison_csv)
    sens_path = folder.sensitivity_csv
    sens = pd.read_csv(sens_path) if sens_path.exists() else pd.DataFrame()
    exp = manifest.experiment
    outcomes = [m for m in exp.outcomes if m in set(agg["metric"])]
    single = runs["point"].nunique() == 1
    sections = [
        findings(comp, outcomes, manifest, runs) if single and len(comp) else "",
        section.compared(manifest, runs),
        section.headline(agg, comp, outcomes, manifest) if single else section.points_note(runs),
        figure(
            folder.plot("timeseries"),
            "Over time",
            "Each line is the mean over replications; the band is its 95% confidence "
            "interval. Flows are per month.",
        ),
        figure(
            folder.plot("distributions"),
            "Across replications",
            "Each dot is one run (a replication); boxes show the middle half of runs. "
            "Flows are totals over the run; levels are values in the last month.",
        ),
        section.heatmaps(folder, manifest),
        section.sensitivity(folder, sens),
        discovery_section(folder.root),
        section.how_to_read(comp, outcomes, manifest),
        section.failures(runs),
        section.details(manifest, runs),
    ]
    title = f"{exp.name}: simulation report"
    return PAGE.format(
        title=esc(title),
        heading=esc(title),
        description=esc(exp.description or ""),
        generated=esc(time.strftime("%Y-%m-%d %H:%M")),
        counts=esc(_counts(runs)),
        body="\n".join(s for s in sections if s),
    )


def _counts(runs: pd.DataFrame) -> str:
    counts = runs["status"].value_counts()
    text = f"{len(runs)} runs: {counts.get('ok', 0)} finished"
    for status in ("failed", "missing"):
        if counts.get(status, 0):
            text += f", {counts[status]} {status}"
    return text


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
