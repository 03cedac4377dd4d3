"""Command line: the entry point and the dispatch (the parser, one module per command, is in
`parser`). Nothing is imported before a sweep's worker server has started: its imports then
overlap all of the command's own."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

BROKEN_PIPE = 141  # 128 + SIGPIPE: the status a shell reports for a writer whose reader left


def main(argv: Sequence[str] | None = None, prog: str = "ecosim") -> int:
    """Parse `argv` and run the command; returns the exit status. `prog` is the program's name
    in help and messages: `ecosim` (the console script) or `python run.py`."""
    from ..experiment import workers

    argv = sys.argv[1:] if argv is None else list(argv)
    workers.start_for_command(argv)
    from .parser import build_parser

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
    from ..config import ScenarioError

    try:
        return args.command(args)
    except ScenarioError as err:
        print(*err.messages, sep="\n", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
