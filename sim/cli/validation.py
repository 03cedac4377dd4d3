"""`validation`: run the validation pack (stylized facts with sources and tolerances)."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

from ..scenario import load_scenario
from .options import add_command, natural, output_folder, positive, two_or_more, writable

EXAMPLES = """\
examples:
  {program} validation
  {program} validation --size ci --workers 2
  {program} validation scenarios/baseline.yaml --seeds 10 --out results/validation-10

Runs the scenario (default scenarios/baseline.yaml), the same without universities and the
same without partnering over paired seeds; checks startup survival by age, the concentration
of innovation value, the alliance network's shape, and the effects of universities and of
partnering, each against its source's tolerance (docs/validation.md). Prints the table and
writes validation.json and validation.md into OUT. Exit status 0 when every fact holds, 1
when one fails, 2 on bad input.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    pack = add_command(
        commands,
        "validation",
        "check the baseline against stylized facts of innovation ecosystems",
        EXAMPLES,
        main,
    )
    pack.add_argument(
        "scenario",
        nargs="?",
        default="scenarios/baseline.yaml",
        metavar="SCENARIO",
        help="the scenario to validate (default: scenarios/baseline.yaml)",
    )
    pack.add_argument(
        "--size",
        choices=("full", "ci"),
        default="full",
        help="full: 5 paired seeds; ci: 3 (default: full)",
    )
    pack.add_argument("--seeds", type=two_or_more, help="paired seeds (default: the size's)")
    pack.add_argument("--steps", type=positive, help="months per run (default: the scenario's)")
    pack.add_argument("--seed", type=natural, default=1, help="root seed (default: 1)")
    pack.add_argument("--workers", type=positive, help="worker processes (default: all cores)")
    pack.add_argument("--out", type=Path, help="output folder (default: results/validation)")


def main(args: argparse.Namespace) -> int:
    """Run the pack, print and write its table; 1 when a required fact fails."""
    # function-level: these load the model, which `--help` does not need
    from ..analysis import validation, validation_report

    scenario = load_scenario(args.scenario)
    out = output_folder(args.out, "validation")
    if not writable(out):
        return 2
    size = validation.SIZES[args.size]
    size = replace(size, seeds=args.seeds or size.seeds, steps=args.steps or size.steps)
    workers = args.workers or os.cpu_count() or 1
    result = validation.run_pack(scenario, size, args.seed, workers)
    result["size"] = args.size
    paths = validation_report.write(out, result)
    print(validation_report.markdown(result), end="")
    print(f"wrote {', '.join(map(str, paths))}")
    return 0 if validation.all_hold(result) else 1
