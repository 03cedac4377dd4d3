"""`sweep`: run (or resume) an experiment, in parallel, locally or on a cluster, then
summarise its folder."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .options import (
    add_command,
    backend_given,
    backend_options,
    natural,
    output_folder,
    overrides,
    positive,
    record_option,
    set_option,
    shard,
)
from .sweep_output import command_line, print_outcome, ran

if TYPE_CHECKING:
    from ..experiment import LoadedExperiment

EXAMPLES = """\
examples:
  {program} sweep experiments/demo.yaml
  {program} sweep experiments/policy_comparison.yaml --jobs 2 --out results/policy
  {program} sweep experiments/policy_comparison.yaml --replications 3 --steps 36 --dry-run
  {program} sweep experiments/sobol.yaml --set design.samples=32

Writes into DIR (default results/<experiment name>): runs.parquet (one row per run),
timeseries/ (Parquet parts), aggregate.parquet and .csv (mean, std, 95% CI, n), comparison.csv
(each scenario minus the baseline), timeseries_aggregate.parquet, sensitivity.csv (Sobol and
Morris designs), plots/ and manifest.json. Rerunning into the same DIR resumes: finished runs
are skipped, failed and missing ones run again. Exit status 1 when some runs failed.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    sweep = add_command(
        commands,
        "sweep",
        "run an experiment: scenarios x parameters x replications, in parallel; resumable",
        EXAMPLES,
        main,
    )
    sweep.add_argument("experiment", metavar="EXPERIMENT", help="experiment YAML file")
    sweep.add_argument(
        "--jobs", type=positive, help="worker processes (default: the experiment's, or all cores)"
    )
    sweep.add_argument("--out", type=Path, help="output folder (default: results/<name>)")
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in --out (the default when the folder holds it already)",
    )
    sweep.add_argument("--steps", type=natural, help="months per run (default: experiment's)")
    sweep.add_argument("--replications", type=positive, help="runs per scenario and point")
    set_option(sweep, "an experiment field, e.g. design.samples=32")
    sweep.add_argument(
        "--dry-run", action="store_true", help="print the runs it would make, run nothing"
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    record_option(sweep)
    cluster = backend_options(sweep)
    cluster.add_argument(
        "--shard", type=shard, metavar="I/N", help="run only slice I of N (job arrays)"
    )


def main(args: argparse.Namespace) -> int:
    """Run (or resume) a sweep and print where its results went and what failed."""
    # function-level: sim.experiment loads the model (mesa) and pandas, which `--help` and
    # `validate` of scenarios do not need
    from ..experiment import load_experiment
    from ..experiment.folder import SweepFolder

    loaded = load_experiment(args.experiment, overrides(args.set, _given(args)))
    exp = loaded.experiment
    out = output_folder(args.out, exp.name)
    if args.dry_run:
        return _dry_run(loaded, out)
    manifest = SweepFolder(out).manifest_json
    if args.resume and not manifest.exists():
        print(
            f"{out}: --resume, but no sweep to resume there (no {manifest.name})", file=sys.stderr
        )
        return 2
    from ..experiment.sweep import run_sweep

    jobs = args.jobs or exp.backend.jobs or os.cpu_count() or 1
    done = run_sweep(
        loaded, out, jobs, command_line(args.program), progress=not args.quiet, shard=args.shard
    )
    if args.shard:
        i, n = args.shard
        print(
            f"{exp.name}: shard {i}/{n}: {ran(done, jobs, exp.backend.kind)}, "
            f"{done.failed} failed; "
            f"when every shard is done: {args.program} aggregate {out}"
        )
        return 1 if done.failed else 0
    from ..analysis.summary import summarise

    where = exp.backend.address or exp.backend.kind
    return print_outcome(summarise(out), f"{exp.name}: {ran(done, jobs, where)}; ")


def _given(args: argparse.Namespace) -> dict[str, object]:
    """The experiment fields the flags set (None: flag not given)."""
    given = {"steps": args.steps, "replications": args.replications, "record": args.record}
    return given | backend_given(args)


def _dry_run(loaded: LoadedExperiment, out: Path) -> int:
    """Print the plan's size and its runs; run nothing."""
    import pandas as pd  # function-level, like sim.experiment above

    from ..experiment.design import plan

    exp = loaded.experiment
    runs = plan(loaded)
    print(
        f"{exp.name}: {len(runs)} runs = {len(loaded.scenarios)} scenarios x "
        f"{runs['point'].nunique()} design points ({exp.design.kind}) x "
        f"{exp.replications} replications; would write {out}"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(runs.to_string(index=False, max_rows=40))
    return 0
