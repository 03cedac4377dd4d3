"""`compare`: scenarios against a baseline over paired replications, as a sweep, with a
report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .options import (
    add_command,
    memory_option,
    natural,
    output_folder,
    positive,
    record_option,
)
from .sweep_output import command_line, print_outcome, ran

EXAMPLES = """\
examples:
  {program} compare scenarios/baseline.yaml scenarios/strong_ip.yaml
  {program} compare scenarios/baseline.yaml scenarios/strong_ip.yaml \\
      scenarios/open_innovation.yaml --replications 20 --jobs 2 --out results/ip
  {program} compare scenarios/small.yaml scenarios/small_strong_ip.yaml --replications 5

Runs every scenario with the same seeds (replication r uses the same seed in each), so that
differences are paired, as a resumable sweep; writes the sweep's files and report.html, a
self-contained page with the findings, confidence intervals, effect sizes and charts.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    compare = add_command(
        commands,
        "compare",
        "compare scenarios with a baseline over paired replications and write a report",
        EXAMPLES,
        main,
    )
    compare.add_argument("baseline", metavar="BASELINE", help="the baseline scenario file")
    compare.add_argument("others", nargs="+", metavar="OTHER", help="scenario files to compare")
    compare.add_argument(
        "--replications", type=positive, default=10, help="runs per scenario (default: 10)"
    )
    compare.add_argument("--steps", type=positive, help="months per run (default: scenario's)")
    compare.add_argument("--seed", type=natural, default=1, help="root seed (default: 1)")
    compare.add_argument(
        "--warmup",
        type=positive,
        metavar="MONTHS",
        help="run each replicate's first MONTHS once, under the baseline, and branch every "
        "scenario from that state",
    )
    compare.add_argument("--jobs", type=positive, help="worker processes (default: all cores)")
    compare.add_argument("--out", type=Path, help="output folder (default: results/compare-...)")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    record_option(compare)
    memory_option(compare)


def main(args: argparse.Namespace) -> int:
    """Run a paired comparison as a sweep and write its report."""
    from ..experiment import workers

    jobs = args.jobs or os.cpu_count() or 1
    workers.start("local", jobs)  # first: the workers' server imports while this process does
    # function-level: these load the model (mesa) and pandas, which `--help` does not need
    from ..analysis.summary import summarise
    from ..experiment.comparison import comparison_experiment
    from ..experiment.folder import SweepFolder
    from ..experiment.spec import require_kind
    from ..experiment.sweep import run_sweep
    from ..scenario import check_memory

    for path in (args.baseline, *args.others):
        require_kind(path, "scenario", "compare")
    loaded = comparison_experiment(
        args.baseline,
        args.others,
        args.replications,
        args.steps,
        args.seed,
        args.record or [],
        args.warmup,
    )
    out = output_folder(args.out, loaded.experiment.name)
    files = {loaded.files[name]: s for name, s in loaded.scenarios.items()}
    check_memory(files, args.max_memory, jobs, steps=args.steps)
    done = run_sweep(loaded, out, jobs, command_line(args.program), progress=not args.quiet)
    status = print_outcome(summarise(out), f"{loaded.experiment.name}: {ran(done, jobs)}; ")
    print(f"report: {SweepFolder(out).report_html}")
    return status
