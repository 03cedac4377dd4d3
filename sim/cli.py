"""Command line: argument parsing and messages only; every command calls the Python API."""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .scenario import ScenarioError, load_scenario

EXAMPLES = """\
examples:
  python run.py run scenarios/baseline.yaml
  python run.py run scenarios/small.yaml --seed 7 --steps 24 --out results/demo
  python run.py run scenarios/baseline.yaml --set ip.regime=strong --set entry.rate=12
  python run.py validate scenarios/*.yaml

Exit status: 0 on success, 2 on bad input (the problems are printed one per line).
"""

RUN_EXAMPLES = """\
examples:
  python run.py run scenarios/baseline.yaml
  python run.py run scenarios/small.yaml --seed 7 --steps 24
  python run.py run scenarios/baseline.yaml --set governance.sandbox=true --out results/sandbox
  python run.py run scenarios/baseline.yaml --set "governance.regulated_fields=[0, 1, 2]"

Writes timeseries.parquet (one row per month), summary.json and timeseries.png.
"""

VALIDATE_EXAMPLES = """\
examples:
  python run.py validate scenarios/baseline.yaml
  python run.py validate scenarios/*.yaml

Prints `ok: FILE` for each valid file, or one line per problem: `FILE: field: problem`.
"""

FINALS = ("startups_alive", "mean_knowledge", "network_density", "mean_trust", "capital_gini")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.command(args)
    except ScenarioError as err:
        print(*err.messages, sep="\n", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The `run` and `validate` commands with their options."""
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Agent-based simulation of innovation ecosystems (startups, corporates, "
        "universities, investors, regulators).",
        epilog=EXAMPLES,
        formatter_class=raw,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="run one scenario and write its results",
        description="Run one scenario and write its results.",
        epilog=RUN_EXAMPLES,
        formatter_class=raw,
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("--seed", type=_natural, help="root seed (default: the scenario's)")
    run.add_argument("--steps", type=_natural, help="months to simulate (default: scenario's)")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a parameter, e.g. population.startup.count=300 (repeatable)",
    )
    run.add_argument("--out", type=Path, help="output folder (default: results/<scenario name>)")
    run.set_defaults(command=_run)

    validate = commands.add_parser(
        "validate",
        help="check scenario files without running them",
        description="Check scenario files without running them.",
        epilog=VALIDATE_EXAMPLES,
        formatter_class=raw,
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    validate.set_defaults(command=_validate)
    return parser


def _run(args: argparse.Namespace) -> int:
    """Load, run, write, and print where the results went and the headline metrics."""
    # imported here so that `validate` and `--help` do not wait for the model's libraries
    from .metrics import COUNTED
    from .output import step_totals, write_run
    from .runner import run_scenario

    given = {"seed": args.seed, "steps": args.steps}
    overrides = [*args.set, *(f"{k}={v}" for k, v in given.items() if v is not None)]
    scenario = load_scenario(args.scenario, overrides)
    out = args.out or Path("results") / _folder_name(scenario.name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"{out}: cannot create output folder: {err.strerror}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    model, df = run_scenario(scenario)
    wall_time = time.perf_counter() - start
    paths = write_run(out, scenario, model, df, wall_time)

    print(f"{scenario.name}: {len(df)} months, seed {model.seed}, {wall_time:.1f} s")
    print(f"wrote {out}: {', '.join(p.name for p in paths.values())}")
    steps = step_totals(df)
    rows = [(f"{m} (total)", steps["totals"].get(m)) for m in COUNTED]
    rows += [(f"{m} (final)", steps["final"].get(m)) for m in FINALS]
    rows += list(model.run_metrics().items())
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {_number(value):>12}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    """Print `ok: FILE` or the problems of each file; exit status 2 if any has problems."""
    status = 0
    for path in args.files:
        try:
            load_scenario(path)
        except ScenarioError as err:
            print(*err.messages, sep="\n", file=sys.stderr)
            status = 2
        else:
            print(f"ok: {path}")
    return status


def _natural(text: str) -> int:
    """An argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"got {value}; must be >= 0")
    return value


def _folder_name(name: str) -> str:
    """A scenario name made safe as a folder name."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "scenario"


def _number(value: float | None) -> str:
    """A metric value for the table: thousands separated, 3 significant digits, n/a for none."""
    if value is None or math.isnan(value):
        return "n/a"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"
