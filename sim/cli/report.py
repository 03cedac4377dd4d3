"""`report`: write (or rewrite) the HTML report of a sweep folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import add_command
from .sweep_output import is_sweep_folder

EXAMPLES = """\
examples:
  {program} report results/compare-baseline-strong_ip
  {program} report results/trust_ip_grid

Writes DIR/report.html: one self-contained page (images embedded; opens offline, prints).
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    report = add_command(
        commands,
        "report",
        "write (or rewrite) the HTML report of a sweep or calibration folder",
        EXAMPLES,
        main,
    )
    report.add_argument(
        "folder", metavar="DIR", type=Path, help="a sweep's or a calibration's output folder"
    )


def main(args: argparse.Namespace) -> int:
    """Write the report of a sweep folder (summarising it first if it was never summarised)
    or of a calibration folder (from its calibration.json)."""
    # function-level: these load the model (mesa) and pandas, which `--help` does not need
    from ..analysis.report import write_report
    from ..analysis.summary import summarise
    from ..calibration.smc import Folder
    from ..experiment.folder import SweepFolder

    if Folder(args.folder).summary.is_file():
        from ..calibration.report import rewrite

        print(f"wrote {rewrite(args.folder)}")
        return 0
    if not is_sweep_folder(args.folder):
        return 2
    if not SweepFolder(args.folder).aggregate_csv.is_file():
        summarise(args.folder)
    print(f"wrote {write_report(args.folder)}")
    return 0
