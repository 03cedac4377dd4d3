"""`validate`: check scenario and experiment files without running them."""

from __future__ import annotations

import argparse
import sys

from ..config import ScenarioError, read_mapping
from .options import add_command

EXAMPLES = """\
examples:
  {program} validate scenarios/baseline.yaml
  {program} validate scenarios/*.yaml
  {program} validate experiments/*.yaml

Checks scenario files, experiment files (those with a `baseline:` key) together with the
scenarios they name, targets files (a `targets:` key) and calibration settings (a
`parameters:` key without `baseline:`). Prints `ok: FILE` for each valid file, or one line
per problem: `FILE: field: problem`.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    validate = add_command(
        commands, "validate", "check scenario files without running them", EXAMPLES, main
    )
    validate.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="scenario, experiment, targets or calibration settings files",
    )


def main(args: argparse.Namespace) -> int:
    """Print `ok: FILE` or the problems of each file; exit status 2 if any has problems."""
    # function-level: sim.experiment loads the model (mesa), which `--help` does not need
    from ..analysis.claims import load_target  # a scenario, its claims' metrics and bases
    from ..calibration.spec import load_calibration
    from ..calibration.targets import load_targets
    from ..experiment import load_experiment
    from ..experiment.spec import file_kind

    loaders = {
        "experiment": load_experiment,
        "targets": load_targets,
        "calibration": load_calibration,
        "scenario": load_target,
    }
    status = 0
    for path in args.files:
        try:
            loaders[file_kind(read_mapping(path))](path)
        except ScenarioError as err:
            print(*err.messages, sep="\n", file=sys.stderr)
            status = 2
        else:
            print(f"ok: {path}")
    return status
