"""`aggregate`: recompute a sweep folder's summaries from what it holds, finished or not."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import add_command
from .sweep_output import is_sweep_folder, print_outcome

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

    if not is_sweep_folder(args.folder):
        return 2
    return print_outcome(summarise(args.folder), f"{args.folder}: ")
