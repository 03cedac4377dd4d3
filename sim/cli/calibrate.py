"""`calibrate`: fit a scenario's parameters to observed targets with ABC-SMC; resumable."""

from __future__ import annotations

import argparse
import math
import os
import sys
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
    writable,
)

EXAMPLES = """\
examples:
  {program} calibrate scenarios/small.yaml --targets targets/stylized.yaml \\
      --config calibrations/small.yaml
  {program} calibrate scenarios/small.yaml --targets targets/stylized.yaml --steps 60 \\
      --fit lifecycle.closure_rate=0.001:0.03 --fit knowledge.value_sigma=0.3:2.5
  {program} calibrate scenarios/baseline.yaml --targets targets/example_region.yaml \\
      --config calibrations/region.yaml --backend dask --jobs 8

Fits the parameters (--fit PATH=LOW:HIGH, or `parameters:` in --config; LOW:HIGH:log for a
log-uniform prior) so that the scenario's runs reproduce the targets, with pyabc's ABC-SMC.
Writes into DIR (default results/<calibration name>): abc.db (pyabc's history), posterior.parquet
and particles.parquet, calibration.json, calibrated.yaml (the posterior medians; it extends
SCENARIO), fit.png, marginals.png, pairs.png and report.html. Rerunning into the same DIR
resumes from the last finished generation; the same seed gives the same posterior, whatever
the workers or the backend (docs/calibration.md).
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    cal = add_command(
        commands,
        "calibrate",
        "fit a scenario's parameters to observed targets (ABC-SMC, with a posterior)",
        EXAMPLES,
        main,
    )
    cal.add_argument("scenario", metavar="SCENARIO", help="the scenario to calibrate")
    cal.add_argument("--targets", required=True, metavar="FILE", help="targets YAML file")
    cal.add_argument("--config", metavar="FILE", help="calibration settings YAML file")
    cal.add_argument(
        "--fit",
        action="append",
        default=[],
        type=fit,
        metavar="PATH=LOW:HIGH",
        help="a parameter to fit and its uniform prior; LOW:HIGH:log for log-uniform "
        "(repeatable; added to the config's)",
    )
    set_option(cal, "a scenario value, e.g. entry.rate=2")
    cal.add_argument("--population", type=positive, help="particles per generation")
    cal.add_argument("--generations", type=positive, help="most generations")
    cal.add_argument("--replications", type=positive, help="runs per candidate")
    cal.add_argument("--min-epsilon", type=float, help="stop at this threshold (tolerances)")
    cal.add_argument("--steps", type=positive, help="months per run (default: scenario's)")
    cal.add_argument("--seed", type=natural, help="root seed (default: 1)")
    cal.add_argument("--jobs", type=positive, help="worker processes (default: all cores)")
    cal.add_argument("--out", type=Path, help="output folder (default: results/<name>)")
    cal.add_argument("--quiet", action="store_true", help="no progress bar")
    memory_option(cal)
    backend_options(cal)


def fit(text: str) -> tuple[str, dict]:
    """An argparse type: PATH=LOW:HIGH or PATH=LOW:HIGH:log."""
    path, _, bounds = text.partition("=")
    parts = bounds.split(":")
    try:
        low, high = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        low = high = math.nan
    if not path or len(parts) not in (2, 3) or math.isnan(low) or parts[2:] not in ([], ["log"]):
        raise argparse.ArgumentTypeError(
            f"got {text!r}; must be PATH=LOW:HIGH or PATH=LOW:HIGH:log, "
            "e.g. lifecycle.closure_rate=0.001:0.03"
        )
    prior = {"low": low, "high": high}
    return path.strip(), prior | ({"prior": "log-uniform"} if parts[2:] else {})


def main(args: argparse.Namespace) -> int:
    """Calibrate (or resume), write the outputs, print the posterior and the fit."""
    # function-level: pyabc, the model and pandas, which `--help` does not need
    from ..calibration import outputs, smc
    from ..calibration.spec import check_against, load_calibration
    from ..calibration.targets import load_targets, steps_problem
    from ..config import ScenarioError
    from ..experiment import workers
    from ..experiment.backends import check_backend
    from ..experiment.spec import require_kind
    from ..scenario import check_memory, load_scenario

    require_kind(args.scenario, "scenario", "calibrate")
    require_kind(args.targets, "targets", "calibrate --targets")
    if args.config:
        require_kind(args.config, "calibration", "calibrate --config")
    scenario = load_scenario(args.scenario, args.set)
    targets = load_targets(args.targets)
    settings = load_calibration(args.config, dict(args.fit), overrides([], _given(args)))
    check_against(settings, scenario, args.config or "calibrate")
    why = steps_problem(targets, settings.steps or scenario.steps)
    if why:
        raise ScenarioError([f"{args.targets}: {why}"])
    jobs = args.jobs or settings.backend.jobs or os.cpu_count() or 1
    at_once = jobs if settings.backend.kind == "local" else 1
    check_memory(
        {args.scenario: scenario}, args.max_memory, at_once, settings.parameters, settings.steps
    )
    check_backend(settings.backend)  # before anything is written
    out = output_folder(args.out, settings.name)
    if not writable(out):
        return 2
    workers.start(settings.backend.kind, jobs)  # local workers fork from a server with the model
    files = {"scenario": args.scenario, "targets": args.targets}
    problem = smc.Problem(scenario, targets, settings, files | {"config": args.config or ""})
    bar = _bar(problem, out, args.quiet)
    try:
        done = smc.run(problem, out, jobs, lambda t: bar.update(), lambda g: bar.write(_line(g)))
    except smc.DifferentCalibration as err:
        print(err, file=sys.stderr)
        return 2
    finally:
        bar.close()
    summary = outputs.write_outputs(problem, out, done["stopped"], args.set)
    _print(summary, out, done, args.program)
    return 0


def _given(args: argparse.Namespace) -> dict[str, object]:
    """The calibration fields the flags set (None: flag not given)."""
    given = {
        "population": args.population,
        "generations": args.generations,
        "replications": args.replications,
        "min_epsilon": args.min_epsilon,
        "steps": args.steps,
        "seed": args.seed,
    }
    return given | backend_given(args)


def _bar(problem, out: Path, quiet: bool):
    """A progress bar over the particles still to draw (each its chain of candidates)."""
    from tqdm import tqdm

    from ..calibration import smc

    todo = smc.planned(problem, smc.Folder(out))
    return tqdm(total=todo, unit="particle", disable=quiet, dynamic_ncols=True)


def _line(g: dict) -> str:
    return (
        f"generation {g['t']}: threshold {g['epsilon']:.3g} tolerances, accepted "
        f"{g['particles']} of {g['samples']} candidates ({g['acceptance']:.0%}), "
        f"{g['wall_time']:.0f} s"
    )


def _print(summary: dict, out: Path, done: dict, program: str) -> None:
    from ..analysis.report_html import num
    from ..calibration.report import STOPS

    print(
        f"{summary['name']}: stopped because {STOPS[summary['stopped']]}, after "
        f"{len(summary['generations'])} generations, {summary['simulations']} candidates "
        f"({done['seconds_now']:.0f} s now), {summary['failures']} failed"
    )
    print("posterior (median [90% credible interval]):")
    for path, p in summary["parameters"].items():
        print(f"  {path} = {num(p['median'])} [{num(p['q05'])}, {num(p['q95'])}]")
    print("fit (observed ± tolerance -> simulated median):")
    for name, f in summary["fit"].items():
        mark = "" if f["within_tolerance"] else "  (outside the tolerance)"
        print(f"  {name}: {num(f['observed'])} ± {num(f['tolerance'])} -> {num(f['q50'])}{mark}")
    print(f"wrote {out}/ (report.html, calibration.json, posterior.parquet, calibrated.yaml)")
    print(f"run the calibrated scenario: {program} run {out / 'calibrated.yaml'}")
