"""`optimize`: which mix of an experiment's levers best meets the objectives, robustly: a
multi-objective search (optuna's NSGA-II) on any backend; resumable."""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from .options import (
    add_command,
    backend_given,
    backend_options,
    memory_option,
    natural,
    output_folder,
    overrides,
    positive,
    set_option,
    stopped,
    two_or_more,
    writable,
)

EXAMPLES = """\
examples:
  {program} optimize experiments/policy_levers.yaml --maximize innovations \\
      --minimize public_spend --trials 16 --population 8
  {program} optimize experiments/policy_levers.yaml --maximize innovations \\
      --minimize public_spend --robust worst --backend dask --jobs 8
  {program} optimize experiments/policy_levers.yaml --maximize innovation_value \\
      --minimize public_spend --minimize startups_failed --set replications=4

Searches the experiment's `levers:` (dotted scenario paths, each {{low, high}} or a list of
choices) with NSGA-II for the mixes no other beats on every objective (the Pareto front).
Objectives are per-run metrics (totals of flows, last values of levels), means over the
replications, which use the same seeds for every trial. --robust runs each trial under every
scenario of the experiment and takes the mean or the worst case; without it, the baseline
only. Writes into DIR (default results/<name>-optimize): study.db (optuna's study, SQLite),
optimize.json (its settings), trials.csv, pareto.csv, pareto.png and report.html, after
every generation. Rerunning the same command continues the study up to --trials; several
machines may share DIR. Exit status 1 when some trials failed.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    opt = add_command(
        commands,
        "optimize",
        "search an experiment's levers for the mixes that best meet several objectives",
        EXAMPLES,
        main,
    )
    opt.add_argument("experiment", metavar="EXPERIMENT", help="experiment YAML file with levers")
    for direction in ("maximize", "minimize"):
        opt.add_argument(
            f"--{direction}",
            dest="objectives",
            action="append",
            type=lambda metric, d=direction: (d, metric),
            metavar="METRIC",
            help=f"a per-run metric to {direction[:-3]}ise (repeatable)",
        )
    opt.add_argument("--trials", type=positive, help="trials in the study (default: 8 generations)")
    opt.add_argument("--population", type=two_or_more, help="trials per generation (default: 8)")
    opt.add_argument("--replications", type=positive, help="runs per trial and scenario")
    opt.add_argument("--steps", type=positive, help="months per run (default: experiment's)")
    opt.add_argument("--seed", type=natural, help="root seed (default: experiment's)")
    opt.add_argument(
        "--robust",
        choices=("mean", "worst"),
        help="run every trial under every scenario; take the mean or the worst case",
    )
    opt.add_argument("--jobs", type=positive, help="worker processes (default: all cores)")
    opt.add_argument("--out", type=Path, help="output folder (default: results/<name>-optimize)")
    set_option(opt, "an experiment field, e.g. replications=4")
    opt.add_argument("--quiet", action="store_true", help="no progress bar")
    memory_option(opt)
    backend_options(opt)


def main(args: argparse.Namespace) -> int:
    """Run (or continue) the study, print its Pareto front and where the outputs went."""
    # function-level: optuna, the model and pandas, which `--help` does not need
    from ..config import ScenarioError
    from ..experiment import load_experiment, workers
    from ..experiment.backends import check_backend
    from ..experiment.spec import require_kind
    from ..optimization import study
    from ..optimization.levers import check_levers
    from ..optimization.objectives import parse_objectives
    from ..optimization.problem import Problem
    from ..scenario import check_memory

    objectives = parse_objectives(args.objectives or [])
    require_kind(args.experiment, "experiment", "optimize")
    loaded = load_experiment(args.experiment, overrides(args.set, _given(args)))
    check_levers(loaded)
    exp = loaded.experiment
    if args.robust and not exp.scenarios:
        raise ScenarioError(
            [
                f"{args.experiment}: --robust {args.robust} needs scenarios (the uncertainties "
                "each trial is tried under); the experiment lists none; add scenarios: or "
                "leave out --robust"
            ]
        )
    problem = Problem(loaded, tuple(objectives), args.robust, args.population or 8)
    trials = args.trials or 8 * problem.population
    out = output_folder(args.out, f"{exp.name}-optimize")
    jobs = args.jobs or exp.backend.jobs or os.cpu_count() or 1
    at_once = jobs if exp.backend.kind == "local" else 1  # elsewhere: other machines
    files = {loaded.files[name]: s for name, s in problem.scenarios().items()}
    check_memory(files, args.max_memory, at_once, exp.levers, exp.steps)
    check_backend(exp.backend)  # before anything is written
    if not writable(out):
        return 2
    workers.start(exp.backend.kind, jobs)  # local workers fork from a server with the model
    bar = _bar(args.quiet)
    try:
        done = study.run(
            problem,
            out,
            trials,
            jobs,
            args.program,
            _command(args, problem, trials, out),
            on_batch=lambda runs: _grow(bar, runs),
            on_run=bar.update,
            on_generation=lambda numbers, s: bar.write(f"{_trials(numbers)} done in {s:.1f} s"),
        )
    except BrokenPipeError:
        raise  # the reader of our output left (`| head`): sim.cli ends quietly
    except OSError as err:  # a full disk, a lost scheduler: the trials told so far are kept
        return stopped(out, err, "study", "trials", "continue")
    finally:
        bar.close()
    return _print(problem, out, done, jobs)


def _given(args: argparse.Namespace) -> dict[str, object]:
    """The experiment fields the flags set (None: flag not given)."""
    given = {"steps": args.steps, "replications": args.replications, "seed": args.seed}
    return given | backend_given(args)


def _command(args: argparse.Namespace, problem, trials: int, out: Path) -> str:
    """The command that makes this study again, whatever backend ran it."""
    exp = problem.loaded.experiment
    words = [args.program, "optimize", shlex.quote(args.experiment)]
    words += [f"--{o.direction} {o.metric}" for o in problem.objectives]
    words += [f"--trials {trials}", f"--population {problem.population}"]
    words += [f"--replications {exp.replications}", f"--seed {exp.seed}"]
    words += [f"--steps {exp.steps}"] if exp.steps else []
    words += [f"--robust {problem.robust}"] if problem.robust else []
    words += [f"--set {shlex.quote(s)}" for s in args.set]
    return " ".join([*words, f"--out {shlex.quote(str(out))}"])


def _trials(numbers: list[int]) -> str:
    """`trials 8-15`, or `trials 3, 9, 10` when a retried trial breaks the run of numbers."""
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 1:
        return f"trials {numbers[0]}-{numbers[-1]}"
    return f"trial{'s' * (len(numbers) > 1)} {', '.join(map(str, numbers))}"


def _bar(quiet: bool):
    from tqdm import tqdm

    return tqdm(total=0, unit="run", disable=quiet, dynamic_ncols=True)


def _grow(bar, runs: int) -> None:
    bar.total += runs
    bar.refresh()


def _print(problem, out: Path, done, jobs: int) -> int:
    """The study's counts, its Pareto front as a table and the files; 1 if trials failed."""
    import pandas as pd

    from ..analysis.report_html import num, show
    from ..optimization.folder import OptimizeFolder

    folder = OptimizeFolder(out)
    trials = pd.read_csv(folder.trials_csv)
    pareto = pd.read_csv(folder.pareto_csv)
    states = trials["state"].value_counts()
    backend = problem.loaded.experiment.backend
    where = backend.address or backend.kind
    place = (f"{jobs} process" + "es" * (jobs > 1)) if where == "local" else where
    again = (
        f", {states['interrupted']} interrupted and asked again" if "interrupted" in states else ""
    )
    print(
        f"{problem.name}: {len(trials)} trials ({states.get('complete', 0)} complete, "
        f"{states.get('failed', 0)} failed{again}); ran {done.trials} trials ({done.runs} runs) "
        f"now in {done.seconds:.1f} s on {place}"
    )
    print(f"Pareto front ({len(pareto)} trials, best first on the first objective; pareto.csv):")
    shown = pareto[["trial", *problem.levers, *(o.metric for o in problem.objectives)]]
    if not shown.empty:
        formats = {c: show if c in problem.levers else num for c in shown.columns[1:]}
        print(shown.to_string(index=False, formatters=formats))
    print(f"wrote {out}/ (trials.csv, pareto.csv, pareto.png, report.html)")
    return 1 if states.get("failed", 0) else 0
