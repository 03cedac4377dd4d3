"""Command line: the parser, assembled from one module per command, and the dispatch. Each
command module adds its sub-command (`add_parser`) and runs it (`main`) with the Python API."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..config import ScenarioError
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

BROKEN_PIPE = 141  # 128 + SIGPIPE: the status a shell reports for a writer whose reader left


def main(argv: Sequence[str] | None = None, prog: str = "ecosim") -> int:
    """Parse `argv` and run the command; returns the exit status. `prog` is the program's name
    in help and messages: `ecosim` (the console script) or `python run.py`."""
    try:
        try:
            return _dispatch(build_parser(prog).parse_args(argv))
        finally:
            sys.stdout.flush()  # so that a reader gone away shows here rather than at exit
    except BrokenPipeError:
        # the output was piped into a reader that stopped early (`| head`): stop quietly, with
        # stdout pointed at devnull so that Python's flush at exit does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE


def _dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; bad input is printed one problem a line with status 2."""
    try:
        return args.command(args)
    except ScenarioError as err:
        print(*err.messages, sep="\n", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


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
