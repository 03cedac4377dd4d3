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
    memory_option,
    output_folder,
    overrides,
    positive,
    record_option,
    set_option,
    shard,
    stopped,
    writable,
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
    sweep.add_argument("--steps", type=positive, help="months per run (default: experiment's)")
    sweep.add_argument("--replications", type=positive, help="runs per scenario and point")
    set_option(sweep, "an experiment field, e.g. design.samples=32")
    sweep.add_argument(
        "--dry-run", action="store_true", help="print the runs it would make, run nothing"
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    record_option(sweep)
    memory_option(sweep)
    cluster = backend_options(sweep)
    cluster.add_argument(
        "--shard", type=shard, metavar="I/N", help="run only slice I of N (job arrays)"
    )


def main(args: argparse.Namespace) -> int:
    """Run (or resume) a sweep and print where its results went and what failed."""
    # function-level: sim.experiment loads the model (mesa) and pandas, which `--help` and
    # `validate` of scenarios do not need
    from ..experiment import load_experiment, workers
    from ..experiment.backends import check_backend
    from ..experiment.design import design_notes
    from ..experiment.folder import SweepFolder, shard_tag
    from ..experiment.spec import require_kind
    from ..scenario import check_memory

    require_kind(args.experiment, "experiment", "sweep")
    loaded = load_experiment(args.experiment, overrides(args.set, _given(args)))
    exp = loaded.experiment
    out = output_folder(args.out, exp.name)
    for note in design_notes(exp):
        print(f"note: {args.experiment}: {note}")
    if args.dry_run:
        return _dry_run(loaded, out)
    manifest = SweepFolder(out).manifest_json
    if args.resume and not manifest.exists():
        print(
            f"{out}: --resume, but no sweep to resume there (no {manifest.name})", file=sys.stderr
        )
        return 2
    jobs = args.jobs or exp.backend.jobs or os.cpu_count() or 1
    files = {loaded.files[name]: s for name, s in loaded.scenarios.items()}
    at_once = jobs if exp.backend.kind == "local" else 1  # elsewhere: other machines
    check_memory(files, args.max_memory, at_once, exp.parameters, exp.steps)
    check_backend(exp.backend)  # before anything is written
    if not writable(out):
        return 2
    workers.start(exp.backend.kind, jobs)  # where sim.cli.main's first look could not tell
    try:
        # held for the sweep's life, summary included, so that no other sweep writes here
        with SweepFolder(out).lock(shard_tag(args.shard)):
            return _sweep(args, loaded, out, jobs)
    except OSError as err:  # a full disk, a lost scheduler: what ran so far is kept
        return stopped(out, err, "sweep", "runs", "resume")


def _sweep(args: argparse.Namespace, loaded: LoadedExperiment, out: Path, jobs: int) -> int:
    """Run the sweep (or its shard) into `out`; summarise it unless it is a shard."""
    from ..experiment.sweep import run_sweep

    exp = loaded.experiment
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
    if exp.warmup:
        print(
            f"warm-up: {exp.replications} burn-ins of {exp.warmup} months (one per replicate, "
            "under the baseline); every run branches from its replicate's"
        )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(runs.to_string(index=False, max_rows=40))
    return 0
