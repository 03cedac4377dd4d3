"""`aggregate`: recompute a sweep folder's summaries from what it holds, finished or not."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import add_command
from .sweep_output import is_sweep_folder, print_outcome

BUSY = "a sweep is writing here (pid {pid}); wait for it to finish, then aggregate"

EXAMPLES = """\
examples:
  {program} aggregate results/demo

Recomputes runs.parquet, the aggregates, the comparison, sensitivity and plots from what a
sweep folder holds, finished or not, and says how many runs are missing or failed.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    aggregate = add_command(
        commands,
        "aggregate",
        "recompute a sweep folder's aggregates, comparison, sensitivity and plots",
        EXAMPLES,
        main,
    )
    aggregate.add_argument("folder", metavar="DIR", type=Path, help="a sweep's output folder")


def main(args: argparse.Namespace) -> int:
    """Recompute a sweep folder's outputs."""
    # function-level: sim.analysis loads the model (mesa) and pandas, which `--help` does not need
    from ..analysis.summary import summarise
    from ..experiment.folder import SweepFolder

    if not is_sweep_folder(args.folder):
        return 2
    try:
        # summarising compacts the folder's pending runs: not while a whole sweep writes them
        with SweepFolder(args.folder).lock("", busy=BUSY):
            return print_outcome(summarise(args.folder), f"{args.folder}: ")
    except OSError as err:  # a read-only folder, a full disk
        print(f"{args.folder}: cannot write: {err.strerror or err}", file=sys.stderr)
        return 2
