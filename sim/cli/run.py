"""`run`: one scenario, its results written and its headline metrics printed."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..scenario import check_memory, load_scenario
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
    from ..model.metrics import Metric

# how the table's value of a metric is made from the run: flows summed, levels at the end
WHOLE_RUN = {"flow": "total", "level": "final", "run": ""}

EXAMPLES = """\
examples:
  {program} run scenarios/baseline.yaml
  {program} run scenarios/small.yaml --seed 7 --steps 24
  {program} run scenarios/baseline.yaml --set governance.sandbox=true --out results/sandbox
  {program} run scenarios/baseline.yaml --set "governance.regulated_fields=[0, 1, 2]"

Writes timeseries.parquet (one row per month), summary.json and timeseries.png.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    run = add_command(commands, "run", "run one scenario and write its results", EXAMPLES, main)
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
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


def main(args: argparse.Namespace) -> int:
    """Load, run, write, and print where the results went and the headline metrics."""
    # imported here so that `validate` and `--help` do not wait for the model's libraries
    from ..analysis.run_output import step_totals, write_run
    from ..experiment.spec import require_kind
    from ..model.metrics import HEADLINE, METRICS
    from ..model.runner import run_scenario

    require_kind(args.scenario, "scenario", "run")
    given = {"seed": args.seed, "steps": args.steps, "record": args.record}
    scenario = load_scenario(args.scenario, overrides(args.set, given))
    check_memory({args.scenario: scenario}, args.max_memory)
    out = output_folder(args.out, scenario.name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"{out}: cannot create output folder: {err.strerror}", file=sys.stderr)
        return 2
    after_step = None
    if args.export_network:
        from ..model.network_export import export

        def after_step(model) -> None:
            if model.steps % args.every == 0 or model.steps == scenario.steps:
                export(model.state, out / "network", args.export_network)

    start = time.perf_counter()
    model, df = run_scenario(scenario, after_step=after_step)
    wall_time = time.perf_counter() - start
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
