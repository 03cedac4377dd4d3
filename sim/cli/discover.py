"""`discover`: scenario discovery over a finished sweep folder (PRIM and CART)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import add_command

EXAMPLES = """\
examples:
  {program} discover results/where_strong_ip_fails --where "innovations < baseline"
  {program} discover results/policy --where "startups_failed > 1.1 * baseline" --scenario vc_boom
  {program} discover results/sobol --where "mean_trust < 0.4" --min-coverage 0.7

The condition is METRIC OP NUMBER, or METRIC OP SHARE * baseline (OP: <, <=, >, >=), on a
per-run metric; a case is a design point of the analysed scenario (the mean over its
replicates), and `baseline` the baseline scenario's mean at the same point. Writes into
DIR/discovery/<condition>/ (or --out): summary.json, trajectory.csv, box.csv, cart.csv,
trajectory.png and box.png, and rewrites DIR/report.html with a "Scenario discovery" section.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    discover = add_command(
        commands,
        "discover",
        "scenario discovery: where in a sweep does a condition hold (PRIM and CART)",
        EXAMPLES,
        main,
    )
    discover.add_argument("folder", metavar="SWEEP_DIR", type=Path, help="a finished sweep")
    discover.add_argument(
        "--where", required=True, help='the condition, e.g. "innovations < 0.9 * baseline"'
    )
    discover.add_argument(
        "--scenario",
        help="the scenario to analyse (default: the only alternative, or the baseline)",
    )
    discover.add_argument(
        "--min-coverage",
        type=_share,
        default=0.5,
        help="the chosen box is the densest with at least this coverage (default 0.5)",
    )
    discover.add_argument(
        "--peel-alpha",
        type=_share,
        default=0.05,
        help="share of the points PRIM peels off at each step (default 0.05)",
    )
    discover.add_argument("--out", type=Path, help="output folder (default: DIR/discovery/...)")


def main(args: argparse.Namespace) -> int:
    """Read the sweep, find the box, write the files and the report, say what was found."""
    from ..analysis import discovery, discovery_output
    from ..analysis.report import write_report
    from ..analysis.summary import summarise
    from ..config import ScenarioError
    from ..experiment.folder import SweepFolder

    folder = SweepFolder(args.folder)
    if not folder.runs_parquet.exists() or not folder.manifest_json.exists():
        raise ScenarioError([f"{args.folder}: not a finished sweep folder (no runs.parquet)"])
    condition = discovery.parse_condition(args.where, discovery.metrics_of(folder))
    cases = discovery.cases(folder, condition, args.scenario)
    found = discovery.discover(cases, condition, args.min_coverage, args.peel_alpha)
    out = args.out or args.folder / "discovery" / discovery_output.slug(condition.text)
    discovery_output.write(found, out)
    report = None
    if args.out is None:  # the sweep's report gains the section (summarised first if need be)
        if not folder.aggregate_csv.is_file():
            summarise(args.folder)
        report = write_report(args.folder)
    c = found.cases
    print(
        f"{condition.text} in {c.scenario}: {int(c.y.sum())} of {len(c.y)} design points "
        f"({c.runs} runs{f', {c.failed} unfinished left out' if c.failed else ''})"
    )
    if condition.relative:
        print(f"baseline: {c.note}")
    print(
        f"box {found.chosen}: it holds mostly where {found.words()} (coverage "
        f"{found.coverage:.0%}, density {found.density:.0%})"
    )
    print(f"wrote {out}: {', '.join(discovery_output.FILES)}")
    if report:
        print(f"report: {report}")
    return 0


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be a number in (0, 1]")
    return value
