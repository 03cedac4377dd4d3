"""Command line: argument parsing and messages only; every command calls the Python API."""

from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..config import ScenarioError, read_mapping
from ..scenario import load_scenario

EXAMPLES = """\
examples:
  python run.py run scenarios/baseline.yaml
  python run.py run scenarios/small.yaml --seed 7 --steps 24 --out results/demo
  python run.py run scenarios/baseline.yaml --set ip.regime=strong --set entry.rate=12
  python run.py validate scenarios/*.yaml experiments/*.yaml
  python run.py sweep experiments/demo.yaml --jobs 2
  python run.py sweep experiments/policy_comparison.yaml --replications 5 --steps 60 --dry-run
  python run.py aggregate results/demo
  python run.py compare scenarios/baseline.yaml scenarios/strong_ip.yaml --replications 10
  python run.py report results/demo
  python run.py viz

Exit status: 0 on success, 1 when some runs of a sweep failed, 2 on bad input (the problems
are printed one per line).
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
  python run.py validate experiments/*.yaml

Checks scenario files, and experiment files (those with a `baseline:` key) together with the
scenarios they name. Prints `ok: FILE` for each valid file, or one line per problem:
`FILE: field: problem`.
"""

SWEEP_EXAMPLES = """\
examples:
  python run.py sweep experiments/demo.yaml
  python run.py sweep experiments/policy_comparison.yaml --jobs 2 --out results/policy
  python run.py sweep experiments/policy_comparison.yaml --replications 3 --steps 36 --dry-run
  python run.py sweep experiments/sobol.yaml --set design.samples=32

Writes into DIR (default results/<experiment name>): runs.parquet (one row per run),
timeseries/ (Parquet parts), aggregate.parquet and .csv (mean, std, 95% CI, n), comparison.csv
(each scenario minus the baseline), timeseries_aggregate.parquet, sensitivity.csv (Sobol and
Morris designs), plots/ and manifest.json. Rerunning into the same DIR resumes: finished runs
are skipped, failed and missing ones run again. Exit status 1 when some runs failed.
"""

COMPARE_EXAMPLES = """\
examples:
  python run.py compare scenarios/baseline.yaml scenarios/strong_ip.yaml
  python run.py compare scenarios/baseline.yaml scenarios/strong_ip.yaml \\
      scenarios/open_innovation.yaml --replications 20 --jobs 2 --out results/ip
  python run.py compare scenarios/small.yaml scenarios/small_strong_ip.yaml --replications 5

Runs every scenario with the same seeds (replication r uses the same seed in each), so that
differences are paired, as a resumable sweep; writes the sweep's files and report.html, a
self-contained page with the findings, confidence intervals, effect sizes and charts.
"""

REPORT_EXAMPLES = """\
examples:
  python run.py report results/compare-baseline-strong_ip
  python run.py report results/trust_ip_grid

Writes DIR/report.html: one self-contained page (images embedded; opens offline, prints).
"""

SLURM_SCRIPT_EXAMPLES = """\
examples:
  python run.py slurm-script experiments/sobol.yaml --array 16 --partition short > sobol.sbatch
  sbatch sobol.sbatch
  python run.py aggregate results/sobol

Each array task runs `sweep --shard I/N`: a fixed 1/N of the runs, written to its own part
files in the shared output folder; `aggregate` merges them and lists any missing runs.
"""

AGGREGATE_EXAMPLES = """\
examples:
  python run.py aggregate results/demo

Recomputes runs.parquet, the aggregates, the comparison, sensitivity and plots from what a
sweep folder holds, finished or not, and says how many runs are missing or failed.
"""

VIZ_EXAMPLES = """\
examples:
  python run.py viz
  python run.py viz --scenario scenarios/low_trust.yaml --port 8800
  python run.py viz --host 0.0.0.0      # let other machines in the room connect

Serves the class demo (a Mesa SolaraViz page: the network drawn live, levers, charts) until
Ctrl-C, on 127.0.0.1 unless --host says otherwise. docs/classroom.md has a lesson plan.
"""


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
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Agent-based simulation of innovation ecosystems (startups, corporates, "
        "universities, investors, regulators).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    run = _command(commands, "run", "run one scenario and write its results", RUN_EXAMPLES, _run)
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("--seed", type=_natural, help="root seed (default: the scenario's)")
    run.add_argument("--steps", type=_natural, help="months to simulate (default: scenario's)")
    _set_option(run, "a parameter, e.g. population.startup.count=300")
    _record_option(run)
    run.add_argument(
        "--export-network",
        choices=("gexf", "graphml"),
        help="write snapshots of the partnership network into OUT/network/ (Gephi, networkx)",
    )
    run.add_argument(
        "--every", type=_positive, default=12, help="months between network snapshots (12)"
    )
    run.add_argument("--out", type=Path, help="output folder (default: results/<scenario name>)")

    validate = _command(
        commands,
        "validate",
        "check scenario files without running them",
        VALIDATE_EXAMPLES,
        _validate,
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario or experiment files")

    sweep = _command(
        commands,
        "sweep",
        "run an experiment: scenarios x parameters x replications, in parallel; resumable",
        SWEEP_EXAMPLES,
        _sweep,
    )
    sweep.add_argument("experiment", metavar="EXPERIMENT", help="experiment YAML file")
    sweep.add_argument(
        "--jobs", type=_positive, help="worker processes (default: the experiment's, or all cores)"
    )
    sweep.add_argument("--out", type=Path, help="output folder (default: results/<name>)")
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in --out (the default when the folder holds it already)",
    )
    sweep.add_argument("--steps", type=_natural, help="months per run (default: experiment's)")
    sweep.add_argument("--replications", type=_positive, help="runs per scenario and point")
    _set_option(sweep, "an experiment field, e.g. design.samples=32")
    sweep.add_argument(
        "--dry-run", action="store_true", help="print the runs it would make, run nothing"
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    _record_option(sweep)
    cluster = sweep.add_argument_group("clusters (see docs/cluster.md)")
    cluster.add_argument(
        "--backend", choices=("local", "dask", "slurm"), help="where runs execute (default: local)"
    )
    cluster.add_argument("--address", help="dask: an existing scheduler, tcp://HOST:PORT")
    cluster.add_argument(
        "--shard", type=_shard, metavar="I/N", help="run only slice I of N (job arrays)"
    )
    cluster.add_argument("--partition", help="slurm: partition (queue)")
    cluster.add_argument("--account", help="slurm: account")
    cluster.add_argument("--cores", type=_positive, help="slurm: cores (workers) per job")
    cluster.add_argument("--memory", help="slurm: memory per job, e.g. 4GB")
    cluster.add_argument("--walltime", help="slurm: time limit per job, HH:MM:SS")
    cluster.add_argument("--slurm-jobs", type=_positive, help="slurm: batch jobs (at most)")
    cluster.add_argument("--adaptive", action="store_true", help="slurm: scale with the load")

    script = _command(
        commands,
        "slurm-script",
        "print an sbatch job-array script that runs an experiment in N shards",
        SLURM_SCRIPT_EXAMPLES,
        _slurm_script,
    )
    script.add_argument("experiment", metavar="EXPERIMENT", help="experiment YAML file")
    script.add_argument("--array", type=_positive, required=True, metavar="N", help="shards")
    script.add_argument("--out", type=Path, help="output folder (default: results/<name>)")
    script.add_argument("--partition", help="partition (#SBATCH -p)")
    script.add_argument("--account", help="account (#SBATCH -A)")
    script.add_argument("--time", default="01:00:00", help="time limit per shard (01:00:00)")
    script.add_argument("--mem", default="2G", help="memory per shard (2G)")
    script.add_argument("--cpus", type=_positive, default=1, help="processes per shard (1)")

    agg = _command(
        commands,
        "aggregate",
        "recompute a sweep folder's aggregates, comparison, sensitivity and plots",
        AGGREGATE_EXAMPLES,
        _aggregate,
    )
    agg.add_argument("folder", metavar="DIR", type=Path, help="a sweep's output folder")

    compare = _command(
        commands,
        "compare",
        "compare scenarios with a baseline over paired replications and write a report",
        COMPARE_EXAMPLES,
        _compare,
    )
    compare.add_argument("baseline", metavar="BASELINE", help="the baseline scenario file")
    compare.add_argument("others", nargs="+", metavar="OTHER", help="scenario files to compare")
    compare.add_argument(
        "--replications", type=_positive, default=10, help="runs per scenario (default: 10)"
    )
    compare.add_argument("--steps", type=_natural, help="months per run (default: scenario's)")
    compare.add_argument("--seed", type=_natural, default=1, help="root seed (default: 1)")
    compare.add_argument("--jobs", type=_positive, help="worker processes (default: all cores)")
    compare.add_argument("--out", type=Path, help="output folder (default: results/compare-...)")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    _record_option(compare)

    report = _command(
        commands,
        "report",
        "write (or rewrite) the HTML report of a sweep folder",
        REPORT_EXAMPLES,
        _report_command,
    )
    report.add_argument("folder", metavar="DIR", type=Path, help="a sweep's output folder")

    viz = _command(
        commands, "viz", "serve the class demo page (network, levers, charts)", VIZ_EXAMPLES, _viz
    )
    viz.add_argument(
        "--scenario", help="scenario file it opens with (default: scenarios/classroom.yaml)"
    )
    viz.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    viz.add_argument("--port", type=_port, default=8765, help="port (8765)")
    return parser


def _command(commands, name: str, summary: str, examples: str, handler) -> argparse.ArgumentParser:
    """A sub-command with its one-line summary, examples and handler."""
    command = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.set_defaults(command=handler)
    return command


def _record_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--record",
        type=_records,
        metavar="KINDS",
        help="agent-level records to write, comma-separated: actors,innovations,deals,ties",
    )


def _set_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help=f"override {what} (repeatable)",
    )


def _run(args: argparse.Namespace) -> int:
    """Load, run, write, and print where the results went and the headline metrics."""
    # imported here so that `validate` and `--help` do not wait for the model's libraries
    from ..analysis.run_output import step_totals, write_run
    from ..model.metrics import HEADLINE, METRICS
    from ..model.runner import run_scenario

    given = {"seed": args.seed, "steps": args.steps, "record": args.record}
    overrides = [*args.set, *(f"{k}={_yaml(v)}" for k, v in given.items() if v is not None)]
    scenario = load_scenario(args.scenario, overrides)
    out = args.out or Path("results") / _folder_name(scenario.name)
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
    shown = {"flow": " (total)", "level": " (final)", "run": ""}
    rows = [(m + shown[METRICS[m].role], values[METRICS[m].role].get(m)) for m in HEADLINE]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {_number(value):>12}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    """Print `ok: FILE` or the problems of each file; exit status 2 if any has problems."""
    from ..experiment import load_experiment

    status = 0
    for path in args.files:
        try:
            is_experiment = "baseline" in read_mapping(path)
            (load_experiment if is_experiment else load_scenario)(path)
        except ScenarioError as err:
            print(*err.messages, sep="\n", file=sys.stderr)
            status = 2
        else:
            print(f"ok: {path}")
    return status


def _sweep(args: argparse.Namespace) -> int:
    """Run (or resume) a sweep and print where its results went and what failed."""
    from ..experiment import load_experiment
    from ..experiment.design import plan

    given = {
        "steps": args.steps,
        "replications": args.replications,
        "backend.kind": args.backend,
        "backend.address": args.address,
        "backend.slurm.queue": args.partition,
        "backend.slurm.account": args.account,
        "backend.slurm.cores": args.cores,
        "backend.slurm.memory": args.memory,
        "backend.slurm.walltime": args.walltime,
        "backend.slurm.jobs": args.slurm_jobs,
        "backend.slurm.adaptive": args.adaptive or None,
        "record": args.record,
    }
    if args.address and not args.backend:
        given["backend.kind"] = "dask"
    overrides = [*args.set, *(f"{k}={_yaml(v)}" for k, v in given.items() if v is not None)]
    loaded = load_experiment(args.experiment, overrides)
    exp = loaded.experiment
    out = args.out or Path("results") / _folder_name(exp.name)
    if args.dry_run:
        runs = plan(loaded)
        print(
            f"{exp.name}: {len(runs)} runs = {len(loaded.scenarios)} scenarios x "
            f"{runs['point'].nunique()} design points ({exp.design.kind}) x "
            f"{exp.replications} replications; would write {out}"
        )
        with pd_options():
            print(runs.to_string(index=False, max_rows=40))
        return 0
    if args.resume and not (out / "manifest.json").exists():
        print(f"{out}: --resume, but no sweep to resume there (no manifest.json)", file=sys.stderr)
        return 2
    from ..experiment.sweep import run_sweep

    jobs = args.jobs or exp.backend.jobs or os.cpu_count() or 1
    done = run_sweep(loaded, out, jobs, _command_line(), progress=not args.quiet, shard=args.shard)
    if args.shard:
        i, n = args.shard
        print(
            f"{exp.name}: shard {i}/{n}: {_ran(done, jobs, exp.backend.kind)}, "
            f"{done.failed} failed; "
            f"when every shard is done: python run.py aggregate {out}"
        )
        return 1 if done.failed else 0
    from ..analysis.summary import summarise

    where = exp.backend.address or exp.backend.kind
    return _report(summarise(out), f"{exp.name}: {_ran(done, jobs, where)}; ")


def _slurm_script(args: argparse.Namespace) -> int:
    """Print an sbatch array script: shard $SLURM_ARRAY_TASK_ID of N per array task."""
    from ..experiment import load_experiment

    loaded = load_experiment(args.experiment)
    out = (args.out or Path("results") / _folder_name(loaded.experiment.name)).resolve()
    n = args.array
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name={_folder_name(loaded.experiment.name)}",
        f"#SBATCH --array=0-{n - 1}",
        f"#SBATCH --cpus-per-task={args.cpus}",
        f"#SBATCH --mem={args.mem}",
        f"#SBATCH --time={args.time}",
        f"#SBATCH --output={out}/slurm-%A_%a.out",
    ]
    lines += [f"#SBATCH --partition={args.partition}"] if args.partition else []
    lines += [f"#SBATCH --account={args.account}"] if args.account else []
    lines += [
        "set -euo pipefail",
        f"mkdir -p {shlex.quote(str(out))}",
        f"cd {shlex.quote(os.getcwd())}",
        f"{shlex.quote(sys.executable)} {shlex.quote(str(Path(sys.argv[0]).resolve()))} sweep "
        f"{shlex.quote(str(Path(args.experiment).resolve()))} --out {shlex.quote(str(out))} "
        f'--shard "$SLURM_ARRAY_TASK_ID/{n}" --jobs {args.cpus} --quiet',
        "",
        f"# when every task has finished: python run.py aggregate {out}",
    ]
    print("\n".join(lines))
    return 0


def _shard(text: str) -> tuple[int, int]:
    """An argparse type: I/N with 0 <= I < N."""
    i, sep, n = text.partition("/")
    try:
        shard = (int(i), int(n))
    except ValueError:
        shard = (-1, 0)
    if not sep or not 0 <= shard[0] < shard[1]:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be I/N with 0 <= I < N, e.g. 0/4")
    return shard


def _yaml(value: object) -> str:
    """A command-line value as YAML text for an override (strings and lists as JSON)."""
    import json

    return json.dumps(value) if isinstance(value, str | list) else str(value).lower()


def _compare(args: argparse.Namespace) -> int:
    """Run a paired comparison as a sweep and write its report."""
    from ..analysis.summary import summarise
    from ..experiment.spec import comparison_experiment
    from ..experiment.sweep import run_sweep

    loaded = comparison_experiment(
        args.baseline, args.others, args.replications, args.steps, args.seed, args.record or []
    )
    out = args.out or Path("results") / _folder_name(loaded.experiment.name)
    jobs = args.jobs or os.cpu_count() or 1
    done = run_sweep(loaded, out, jobs, _command_line(), progress=not args.quiet)
    status = _report(summarise(out), f"{loaded.experiment.name}: {_ran(done, jobs)}; ")
    print(f"report: {out / 'report.html'}")
    return status


def _report_command(args: argparse.Namespace) -> int:
    """Write the report of a sweep folder (summarising it first if it was never summarised)."""
    from ..analysis.report import write_report
    from ..analysis.summary import summarise

    if not _is_sweep_folder(args.folder):
        return 2
    if not (args.folder / "aggregate.csv").is_file():
        summarise(args.folder)
    print(f"wrote {write_report(args.folder)}")
    return 0


def _aggregate(args: argparse.Namespace) -> int:
    """Recompute a sweep folder's outputs."""
    from ..analysis.summary import summarise

    if not _is_sweep_folder(args.folder):
        return 2
    return _report(summarise(args.folder), f"{args.folder}: ")


def _command_line() -> str:
    """This command as the user typed it, for the sweep's manifest."""
    return " ".join(["python run.py", *map(shlex.quote, sys.argv[1:])])


def _is_sweep_folder(folder: Path) -> bool:
    """Whether `folder` holds a sweep; says why not."""
    if (folder / "manifest.json").is_file():
        return True
    print(f"{folder}: not a sweep folder (no manifest.json)", file=sys.stderr)
    return False


def _ran(done, jobs: int, where: str = "local") -> str:
    place = f"{jobs} processes" if where == "local" else where
    return f"ran {done.ran} runs in {done.run_seconds:.1f} s on {place}"


def _report(done, prefix: str) -> int:
    """Print a sweep's outcome; exit status 1 if runs failed or are missing."""
    from ..model.records import RECORDS

    print(
        f"{prefix}{done.ok} of {done.planned} runs ok, {done.failed} failed, {done.missing} missing"
    )
    records = "".join(f"{name}/, " for name in RECORDS if (done.out / name).is_dir())
    print(
        f"wrote {done.out}: runs.parquet, timeseries/, {records}aggregate.csv, comparison.csv, "
        "plots/, report.html"
    )
    for note in done.notes:
        print(f"note: {note}")
    if done.failed:
        print(
            f"{done.failed} runs failed: see {done.out / 'runs.parquet'} (columns status, error); "
            "rerun the same command to retry them",
            file=sys.stderr,
        )
    if done.missing:
        print(
            f"{done.missing} runs missing (run_id {_ranges(done.missing_ids)}): rerun the sweep "
            "(or the shards that ran them) to complete it",
            file=sys.stderr,
        )
    return 1 if done.failed or done.missing else 0


def _ranges(ids: Sequence[int], most: int = 8) -> str:
    """`0-4, 7, 9-12, ...`: sorted ids as ranges, the first `most` of them."""
    spans: list[list[int]] = []
    for i in sorted(ids):
        if spans and i == spans[-1][1] + 1:
            spans[-1][1] = i
        else:
            spans.append([i, i])
    text = [f"{a}-{b}" if b > a else str(a) for a, b in spans[:most]]
    return ", ".join(text) + (", ..." if len(spans) > most else "")


def pd_options():
    """pandas display options for printing a run table in full width."""
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 20)


def _viz(args: argparse.Namespace) -> int:
    """Check the scenario and the port, then become the Solara server of sim/viz/app.py."""
    from ..viz import assets as viz_assets
    from ..viz.classroom import DEFAULT_SCENARIO, SCENARIOS

    scenario = Path(args.scenario or DEFAULT_SCENARIO).resolve()
    if args.scenario:
        load_scenario(args.scenario)  # a bad file stops here, with its problems
    shown = scenario.name if scenario.parent == SCENARIOS else str(scenario)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind((args.host, args.port))
        except OSError as err:
            print(f"cannot serve on {args.host}:{args.port}: {err.strerror}", file=sys.stderr)
            return 2
    for problem in viz_assets.ensure():
        print(f"warning: {problem}; the page will ask cdn.jsdelivr.net instead", file=sys.stderr)
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "solara", "run", "sim.viz.app", "--production", "--no-open"]
    command += ["--host", args.host, "--port", str(args.port)]
    path = os.pathsep.join(filter(None, (str(root), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "SIM_VIZ_SCENARIO": shown, "PYTHONPATH": path}
    env.setdefault("SOLARA_CHECK_HOOKS", "off")  # its warnings concern Mesa's code, not a user's
    print(f"class demo: http://{args.host}:{args.port}/  ({shown}; Ctrl-C stops)")
    sys.stdout.flush()
    os.chdir(root)
    os.execve(sys.executable, command, env)


def _records(text: str) -> list[str]:
    """An argparse type: record names, comma-separated."""
    from ..model.records import RECORDS

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in RECORDS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"got {text!r}; must be one or more of {', '.join(RECORDS)}, comma-separated"
        )
    return names


def _port(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"got {value}; must be at most 65535")
    return value


def _positive(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    value = _natural(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"got {value}; must be >= 1")
    return value


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
