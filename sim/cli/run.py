"""`run`: one scenario, its results written and its headline metrics printed."""

from __future__ import annotations

import argparse
import gc
import math
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import ScenarioError, apply_overrides, lines, validate_data
from ..scenario import check_memory, load_scenario, scenario_to_dict
from ..schema import Scenario
from .options import (
    add_command,
    memory_option,
    natural,
    output_folder,
    overrides,
    positive,
    record_option,
    set_option,
)

if TYPE_CHECKING:
    from ..model.checkpoint import Checkpoint
    from ..model.metrics import Metric

# how the table's value of a metric is made from the run: flows summed, levels at the end
WHOLE_RUN = {"flow": "total", "level": "final", "run": ""}

EXAMPLES = """\
examples:
  {program} run scenarios/baseline.yaml
  {program} run scenarios/small.yaml --seed 7 --steps 24
  {program} run scenarios/baseline.yaml --set governance.sandbox=true --out results/sandbox
  {program} run scenarios/baseline.yaml --set "governance.regulated_fields=[0, 1, 2]"
  {program} run scenarios/small.yaml --save-state-at 24 results/small-month24
  {program} run --from-state results/small-month24
  {program} run scenarios/small_strong_ip.yaml --from-state results/small-month24

Writes timeseries.parquet (one row per month), summary.json and timeseries.png. From a saved
state the run goes on from its month: under its own scenario (bit for bit the run that saved
it), or as a branch under the SCENARIO given (docs/policy-exploration.md).
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    run = add_command(commands, "run", "run one scenario and write its results", EXAMPLES, main)
    run.add_argument(
        "scenario",
        metavar="SCENARIO",
        nargs="?",
        help="scenario YAML file (with --from-state: "
        "the scenario a branch goes on under; default: the saved run's own)",
    )
    run.add_argument("--seed", type=natural, help="root seed (default: the scenario's)")
    run.add_argument("--steps", type=positive, help="months to simulate (default: scenario's)")
    set_option(run, "a parameter, e.g. population.startup.count=300")
    record_option(run)
    memory_option(run)
    run.add_argument(
        "--export-network",
        choices=("gexf", "graphml"),
        help="write snapshots of the partnership network into OUT/network/ (Gephi, networkx)",
    )
    run.add_argument(
        "--every", type=positive, default=12, help="months between network snapshots (12)"
    )
    run.add_argument("--out", type=Path, help="output folder (default: results/<scenario name>)")
    run.add_argument(
        "--save-state-at",
        nargs=2,
        metavar=("MONTH", "DIR"),
        help="save the whole state at the end of MONTH into the folder DIR (a checkpoint)",
    )
    run.add_argument(
        "--from-state", type=Path, metavar="DIR", help="go on from the checkpoint in DIR"
    )


def main(args: argparse.Namespace) -> int:
    """Load, run, write, and print where the results went and the headline metrics."""
    # imported here so that `validate` and `--help` do not wait for the model's libraries;
    # Mesa first, from a short stack: its loggers walk the whole stack as it is imported
    # (inspect.stack), which took 0.2 s more under the package's imports than here
    import mesa  # noqa: F401

    from ..analysis.run_output import step_totals, write_run
    from ..model import checkpoint
    from ..model.metrics import HEADLINE, METRICS
    from ..model.runner import run_from, run_scenario

    gc.collect()  # so that only what is alive is frozen (for a caller that goes on, a test)
    gc.freeze()  # the libraries' objects live as long as the command: no full passes over them
    start = checkpoint.load(args.from_state) if args.from_state else None
    scenario = _scenario(args, start)
    check_memory({args.scenario or str(args.from_state): scenario}, args.max_memory)
    save_at = _save_at(args, scenario, start)
    out = output_folder(args.out, scenario.name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"{out}: cannot create output folder: {err.strerror}", file=sys.stderr)
        return 2
    export = None
    if args.export_network:
        from ..model.network_export import export

    def after_step(model) -> None:
        if export and (model.steps % args.every == 0 or model.steps == scenario.steps):
            export(model.state, out / "network", args.export_network)
        if save_at and model.steps == save_at[0]:
            checkpoint.save(model, save_at[1])
            print(f"saved the state at month {save_at[0]} into {save_at[1]}")

    began = time.perf_counter()
    if start is None:
        model, df = run_scenario(scenario, after_step=after_step)
    else:
        branch = scenario if args.scenario or args.set else None
        model = run_from(start, branch, scenario.steps, after_step)
        df = model.metrics_frame()
    wall_time = time.perf_counter() - began
    paths = write_run(out, scenario, model, df, wall_time)

    print(f"{scenario.name}: {len(df)} months, seed {model.seed}, {wall_time:.1f} s")
    print(f"wrote {out}: {', '.join(p.name for p in paths.values())}")
    steps = step_totals(df)
    values = {"flow": steps["totals"], "level": steps["final"], "run": model.run_metrics()}
    rows = [(heading(METRICS[m]), values[METRICS[m].role].get(m)) for m in HEADLINE]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {_number(value):>12}")
    return 0


def _scenario(args: argparse.Namespace, start: Checkpoint | None) -> Scenario:
    """The scenario the run goes on under: the file given with its overrides, or (from a
    checkpoint with no file) the saved run's own; the flags a checkpoint fixes are refused."""
    from ..experiment.spec import require_kind

    given = {"seed": args.seed, "steps": args.steps, "record": args.record}
    if start is None:
        if args.scenario is None:
            raise ScenarioError(
                [
                    f"{args.program} run: error: give a SCENARIO file, or --from-state DIR "
                    f"(see {args.program} run --help)"
                ]
            )
        require_kind(args.scenario, "scenario", "run")
        return load_scenario(args.scenario, overrides(args.set, given))
    fixed = [f"--{flag}" for flag in ("seed", "record") if given[flag]]
    if fixed:
        raise ScenarioError(
            [f"{' and '.join(fixed)}: {args.from_state} fixes the seed and keeps no records"]
        )
    if args.scenario:
        require_kind(args.scenario, "scenario", "run")
        scenario = load_scenario(args.scenario, overrides(args.set, {"steps": args.steps}))
    else:
        data = scenario_to_dict(start.scenario)
        problems = apply_overrides(data, overrides(args.set, {"steps": args.steps}), Scenario)
        scenario, problems = (None, problems) if problems else validate_data(data, Scenario)
        if problems:
            raise ScenarioError(lines(str(args.from_state), problems))
    if scenario.steps <= start.month:
        raise ScenarioError(
            [
                f"--steps: the run would end at month {scenario.steps}, and {args.from_state} "
                f"is at month {start.month}; give --steps above {start.month}"
            ]
        )
    return scenario


def _save_at(
    args: argparse.Namespace, scenario: Scenario, start: Checkpoint | None
) -> tuple[int, Path] | None:
    """--save-state-at MONTH DIR, checked: a month the run reaches, a run without records."""
    if not args.save_state_at:
        return None
    text, folder = args.save_state_at
    first = start.month + 1 if start else 1
    if not text.isdigit() or not first <= int(text) <= scenario.steps:
        raise ScenarioError(
            [
                f"--save-state-at: got {text!r}; MONTH must be a whole number from {first} to "
                f"{scenario.steps}"
            ]
        )
    if scenario.record:
        raise ScenarioError(
            ["--save-state-at: a run that keeps records (record:, --record) cannot be saved yet"]
        )
    return int(text), Path(folder)


def heading(metric: Metric) -> str:
    """A metric's row heading: its words, unit and how the run's value is made, e.g.
    `VC invested ($M, total)`, `trust (mean, final)`."""
    notes = ", ".join(n for n in (metric.unit, WHOLE_RUN[metric.role]) if n)
    if not notes:
        return metric.label
    if metric.label.endswith(")"):  # one parenthesis, not two: `trust (mean, final)`
        return f"{metric.label[:-1]}, {notes})"
    return f"{metric.label} ({notes})"


def _number(value: float | None) -> str:
    """A metric value for the table: thousands separated, 3 significant digits, n/a for none."""
    if value is None or math.isnan(value):
        return "n/a"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"
