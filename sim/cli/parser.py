"""The command line's parser, assembled from one module per command: each adds its
sub-command (`add_parser`) and runs it (`main`) with the Python API."""

from __future__ import annotations

import argparse
from typing import NoReturn

from . import (
    aggregate,
    calibrate,
    claims,
    compare,
    discover,
    optimize,
    report,
    run,
    slurm_script,
    sweep,
    validate,
    validation,
    viz,
)

# in the order --help lists them
COMMANDS = (
    run,
    validate,
    sweep,
    slurm_script,
    aggregate,
    compare,
    report,
    discover,
    viz,
    validation,
    claims,
    calibrate,
    optimize,
)

EXAMPLES = """\
examples:
  {program} run scenarios/baseline.yaml
  {program} run scenarios/small.yaml --seed 7 --steps 24 --out results/demo
  {program} run scenarios/baseline.yaml --set ip.regime=strong --set entry.rate=12
  {program} validate scenarios/*.yaml experiments/*.yaml
  {program} sweep experiments/demo.yaml --jobs 2
  {program} sweep experiments/policy_comparison.yaml --replications 5 --steps 60 --dry-run
  {program} aggregate results/demo
  {program} compare scenarios/baseline.yaml scenarios/strong_ip.yaml --replications 10
  {program} report results/demo
  {program} discover results/where_strong_ip_fails --where "innovations < baseline"
  {program} viz
  {program} validation --size ci
  {program} claims scenarios/*.yaml --seeds 5
  {program} calibrate scenarios/small.yaml --targets targets/stylized.yaml \\
      --config calibrations/small.yaml
  {program} optimize experiments/policy_levers.yaml --maximize innovations --minimize public_spend

Exit status: 0 on success, 1 when some runs of a sweep failed (or a validation fact or a
claim does not hold), 2 on bad input (the problems are printed one per line), 141 when the
output's reader stopped early (`| head`).
"""


def build_parser(prog: str = "ecosim") -> argparse.ArgumentParser:
    """Every command with its options; `args.command` is the command's main."""
    parser = _Parser(
        prog=prog,
        description="Agent-based simulation of innovation ecosystems (startups, corporates, "
        "universities, investors, regulators).",
        epilog=EXAMPLES.format(program=prog),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(program=prog)  # for the commands that print or record a command line
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


class _Parser(argparse.ArgumentParser):
    """A parser (its sub-commands' too) whose errors are one line: the usage is a --help away."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")
