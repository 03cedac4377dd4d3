"""Benchmarks: measure, print, and write benchmarks/results.md with the machine's description.

    python benchmarks/run.py                 # every benchmark
    python benchmarks/run.py --only sweep    # the benchmarks whose name contains "sweep"

Each measurement runs in a fresh subprocess (the real command line, or this file in a child
mode) and samples the process's memory from /proc, so that what is measured is what a user
runs, and one measurement cannot warm up the next.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "scenarios" / "small.yaml"
BASELINE_ACTORS = 821  # scaled(821) is baseline.yaml as shipped
RESULTS = Path(__file__).resolve().parent / "results.md"
sys.path.insert(0, str(ROOT))  # the child modes import the package from this checkout


def rss_mb(pid: int, field: str = "VmRSS") -> float | None:
    """A process's resident memory (VmRSS) or peak (VmHWM) in MB, from /proc."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def timed_sweep(experiment: dict, jobs: int, workdir: Path) -> dict:
    """Run `run.py sweep` on an experiment; wall time, execution time and parent memory."""
    path = workdir / f"{experiment['name']}.yaml"
    path.write_text(yaml.safe_dump(experiment), encoding="utf-8")
    out = workdir / f"{experiment['name']}-{jobs}"
    command = [sys.executable, str(ROOT / "run.py"), "sweep", str(path), "--out", str(out)]
    found = measured([*command, "--jobs", str(jobs), "--quiet"])
    ran = re.search(r"ran (\d+) runs in ([\d.]+) s", found["stdout"])
    found["run_s"] = float(ran[2]) if ran else math.nan
    return found


def measured(command: list[str]) -> dict:
    """Run a command; its wall time, stdout and the process's memory (samples and peak)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    samples: list[tuple[float, float]] = []
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            now, hwm = rss_mb(proc.pid), rss_mb(proc.pid, "VmHWM")
            if now is not None:
                samples.append((time.perf_counter() - start, now))
                peak[0] = max(peak[0], hwm or now)
            time.sleep(0.1)

    thread = threading.Thread(target=sample)
    thread.start()
    stdout, stderr = proc.communicate()
    thread.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{command[1:3]} failed ({proc.returncode}): {stderr.strip()}")
    return {"wall_s": wall, "peak_mb": peak[0], "samples": samples, "stdout": stdout}


def experiment(name: str, runs: int, steps: int) -> dict:
    """`runs` replications of the small scenario for `steps` months."""
    return {
        "name": name,
        "baseline": str(SMALL),
        "replications": runs,
        "steps": steps,
        "metrics": ["innovations", "mean_knowledge"],
        "outcomes": ["innovations"],
    }


def bench_sweep_parent_memory(workdir: Path) -> list[str]:
    """Parent-process memory over 500 and 2,000 one-month runs on 2 workers: flat?"""
    rows = []
    for runs in (500, 2000):
        found = timed_sweep(experiment(f"memory_{runs}", runs, 1), 2, workdir)
        samples = found["samples"]
        mid = [rss for t, rss in samples if t > found["wall_s"] / 2]
        rows.append(
            f"| {runs:,} | {found['wall_s']:.1f} | {found['peak_mb']:.0f} | "
            f"{max(mid, default=float('nan')):.0f} |"
        )
    return [
        "### Sweep: parent-process memory over many short runs",
        "",
        "One-month runs of scenarios/small.yaml on 2 worker processes; the parent's resident "
        "memory (peak, and the largest sample in the second half of the sweep).",
        "",
        "| runs | wall (s) | parent peak RSS (MB) | parent RSS, 2nd half (MB) |",
        "|---:|---:|---:|---:|",
        *rows,
    ]


def bench_sweep_runner_overhead(workdir: Path) -> list[str]:
    """Time per run of a sweep of one-month runs on one process: mostly the runner's own cost
    (a run needs at least one month)."""
    runs = 300
    found = timed_sweep(experiment("overhead", runs, 1), 1, workdir)
    per_run = 1000 * found["wall_s"] / runs
    return [
        "### Sweep: runner overhead per run",
        "",
        f"{runs} runs of 1 month (model built, one month stepped) on 1 process, including "
        "start-up, planning and the final aggregation.",
        "",
        "| runs | wall (s) | per run (ms) |",
        "|---:|---:|---:|",
        f"| {runs} | {found['wall_s']:.1f} | {per_run:.1f} |",
    ]


SCALING_MONTHS = 60  # every size runs at least this long; time per month is compared over it
MILLION_MONTHS = 12  # but a million actors, at seconds a month: 100,000 -> 1M over these


def scaled(actors: int) -> list[str]:
    """--set overrides that scale the baseline's population, entry and public money to about
    `actors` initial actors (one regulator)."""
    from sim import load_scenario

    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    pop = base.population
    kinds = ("startup", "corporate", "university", "investor")
    initial = sum(getattr(pop, k).count for k in kinds) + pop.regulator.count
    f = (actors - pop.regulator.count) / (initial - pop.regulator.count)
    sets = [f"population.{k}.count={round(getattr(pop, k).count * f)}" for k in kinds]
    sets += [
        f"entry.rate={base.entry.rate * f}",
        f"governance.public_allocation={base.governance.public_allocation * f}",
        f"population.regulator.budget={pop.regulator.budget * f}",
    ]
    return sets


def child_single(actors: int, steps: int, compiled: bool = False) -> dict:
    """In a child process: build and run the scaled baseline; times, agent-steps, peak RSS.
    `compiled`: the stages use their compiled loops (sim/model/loops.py) whatever the size."""
    import resource

    start = time.perf_counter()
    from sim import load_scenario
    from sim.model import arrays
    from sim.model.model import EcosystemModel

    if compiled:
        arrays.LARGE = 0  # every run counts as large

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml", scaled(actors))
    imported = time.perf_counter()
    model = EcosystemModel(scenario)
    built = time.perf_counter()
    agent_steps, elapsed = 0, []
    for _ in range(steps):
        model.step()
        agent_steps += int(model.state.actors.alive.sum())
        elapsed.append(time.perf_counter() - built)
    done = time.perf_counter()
    return {
        "actors": int(model.state.actors.alive.sum()),
        "initial": sum(
            getattr(scenario.population, k).count for k in type(scenario.population).model_fields
        ),
        "import_s": imported - start,
        "build_s": built - imported,
        "steps_s": done - built,
        "elapsed_s": elapsed,  # since the build, at the end of each month
        "agent_steps": agent_steps,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def single(actors: int, months: int, compiled: bool = False) -> dict:
    """child_single in a fresh process."""
    command = [sys.executable, __file__, "--child-single", str(actors), str(months)]
    return json.loads(measured([*command, *(["--compiled"] if compiled else [])])["stdout"])


def bench_single_run(workdir: Path) -> list[str]:
    """The shipped baseline, and the baseline scaled to 1,000, 10,000, 100,000 and 1,000,000
    actors: time, agent-steps/s, memory; small sizes are timed 3 times and the fastest kept."""
    rows, found = [], {}
    for actors, steps, repeats in (
        (BASELINE_ACTORS, 120, 3),
        (1_000, 120, 3),
        (10_000, 120, 1),
        (100_000, 60, 1),
        (1_000_000, MILLION_MONTHS, 1),
    ):
        tries = [single(actors, steps) for _ in range(repeats)]
        best = found[actors] = min(tries, key=lambda f: f["build_s"] + f["steps_s"])
        setup_run = best["build_s"] + best["steps_s"]
        name = "baseline.yaml as shipped" if actors == BASELINE_ACTORS else f"{best['initial']:,}"
        rows.append(
            f"| {name} | {steps} | {setup_run:.2f} | {best['build_s']:.2f} | "
            f"{best['steps_s'] / steps:.3f} | {best['agent_steps'] / best['steps_s']:,.0f} | "
            f"{best['peak_mb']:,.0f} |"
        )

    def per_month(actors: int, months: int) -> float:
        return found[actors]["elapsed_s"][months - 1] / months

    exps = []
    for a, b, months in (
        (1_000, 10_000, SCALING_MONTHS),
        (10_000, 100_000, SCALING_MONTHS),
        (100_000, 1_000_000, MILLION_MONTHS),
    ):
        ratio = per_month(b, months) / per_month(a, months)
        exps.append(
            f"{a:,} -> {b:,} (first {months} months): x{ratio:.1f} time per month, exponent "
            f"{math.log(ratio) / math.log(b / a):.2f}"
        )
    return [
        "### Single run: the baseline, and scaled to 1,000, 10,000, 100,000 and 1,000,000 actors",
        "",
        "Counts of every kind, entry and public money scaled together (one regulator). "
        "*Run* is building the model plus stepping it (the fastest of 3 tries for the two "
        "small sizes); imports (Python, numpy, Mesa, the package: about 1 s) come on top "
        "once per process. Agent-steps count living actors each month.",
        "",
        "| initial actors | months | run (s) | of which build (s) | s per month | "
        "agent-steps/s | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Scaling (time per month over the same first months of both sizes): "
        + "; ".join(exps)
        + ".",
    ]


NAIVE_SIZES = ((1_000, 120, 20), (10_000, 60, 3))  # agents, the model's months, the loop's
MONTH_SIZES = (250, 500, 1_000, 2_000, 4_000)  # initial actors of the month_cost fit


def bench_naive_mesa(workdir: Path, rounds: int = 3) -> list[str]:
    """The model against the naive per-agent Mesa loop (naive_mesa.py) at 1,000 and 10,000
    agents, taking turns `rounds` times: agent-steps per second, medians, and their ratio."""
    rows, loop = [], [sys.executable, str(Path(__file__).with_name("naive_mesa.py"))]
    for agents, months, loop_months in NAIVE_SIZES:
        ours, theirs = [], []
        for _ in range(rounds):
            run = single(agents, months)
            ours.append(run["agent_steps"] / run["steps_s"])
            theirs.append(json.loads(measured([*loop, str(agents), str(loop_months)])["stdout"]))
        mine, naive = np.median(ours), np.median([t["rate"] for t in theirs])
        rows.append(
            f"| {agents:,} | {months} | {mine:,.0f} | {loop_months} | {naive:,.0f} | "
            f"x{mine / naive:.1f} |"
        )
    return [
        "### The model against the naive per-agent Mesa loop",
        "",
        "`benchmarks/naive_mesa.py`: every agent scores 20 random candidates one by one "
        "(cosine similarity of 50 knowledge fields) and learns from the best, in Mesa's "
        "`shuffle_do`. The model is the baseline scaled to the same initial actors (as in "
        f"single_run). Agent-steps per second, medians of {rounds} rounds taking turns; the "
        "model does far more per agent, so the ratio is a floor.",
        "",
        "| agents | model months | model agent-steps/s | loop months | naive loop agent-steps/s "
        "| ratio |",
        "|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]


def bench_month_cost(workdir: Path, rounds: int = 3, months: int = 120) -> list[str]:
    """Where a small run's month goes: time per month against living actors, fitted as a fixed
    cost plus a cost per actor; the month that 20x the naive loop allows at 1,000 agents; and
    what the compiled loops cost and save at the baseline's size."""
    fastest = {
        n: min((single(n, months) for _ in range(rounds)), key=lambda r: r["steps_s"])
        for n in MONTH_SIZES
    }
    alive = np.array([fastest[n]["agent_steps"] / months for n in MONTH_SIZES])
    month_ms = np.array([fastest[n]["steps_s"] / months * 1e3 for n in MONTH_SIZES])
    per_actor, fixed = np.polyfit(alive, month_ms, 1)
    rows = [
        f"| {n:,} | {a:,.0f} | {m:.2f} | {fixed + per_actor * a:.2f} | {fixed / m:.0%} |"
        for n, a, m in zip(MONTH_SIZES, alive, month_ms, strict=True)
    ]
    loop = [sys.executable, str(Path(__file__).with_name("naive_mesa.py")), "1000", "20"]
    naive = np.median([json.loads(measured(loop)["stdout"])["rate"] for _ in range(rounds)])
    at_1k = alive[MONTH_SIZES.index(1_000)]
    allowed = at_1k / (20 * naive) * 1e3  # ms a month at 20x the loop's agent-steps/s
    plain, fused = [], []
    for _ in range(rounds):  # taking turns: the baseline's size, numpy stages and compiled ones
        plain.append(single(BASELINE_ACTORS, months))
        fused.append(single(BASELINE_ACTORS, months, compiled=True))

    def med(runs: list[dict], f: Callable[[dict], float]) -> float:
        return float(np.median([f(r) for r in runs]))

    first = [med(r, lambda x: x["elapsed_s"][0]) for r in (plain, fused)]
    later = [
        med(r, lambda x: (x["steps_s"] - x["elapsed_s"][0]) / (months - 1) * 1e3)
        for r in (plain, fused)
    ]
    whole = [med(r, lambda x: x["build_s"] + x["steps_s"]) for r in (plain, fused)]
    return [
        "### The month's cost: a fixed part and a part per actor",
        "",
        f"The baseline scaled to each size (as in single_run), {months} months, the fastest of "
        f"{rounds} tries; time per month fitted by least squares as a fixed cost plus a cost "
        "per living actor.",
        "",
        "| initial actors | living actors (mean) | ms per month | fit (ms) | fixed share |",
        "|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Fit: **{fixed:.2f} ms a month, plus {per_actor * 1e3:.2f} µs per living actor**. "
        f"The naive loop (benchmarks/naive_mesa.py, 1,000 agents, 20 months, median of "
        f"{rounds}) runs {naive:,.0f} agent-steps/s; 20x that at 1,000 initial actors "
        f"({at_1k:,.0f} living) leaves {allowed:.2f} ms a month, "
        f"{allowed / fixed:.0%} of the fixed cost alone.",
        "",
        "The compiled loops (sim/model/loops.py: research's learning, the exchange, the public "
        "pool, common partners and joint projects' learning, used in large runs only) forced "
        f"on at the baseline's size (baseline.yaml, {months} months), taking turns {rounds} "
        "times, medians:",
        "",
        "| stages | first month (s) | each later month (ms) | build and run (s) |",
        "|---|---:|---:|---:|",
        f"| numpy | {first[0]:.3f} | {later[0]:.2f} | {whole[0]:.2f} |",
        f"| compiled loops | {first[1]:.3f} | {later[1]:.2f} | {whole[1]:.2f} |",
        "",
        f"Loading the compiled loops costs {first[1] - first[0]:.2f} s in the first month; they "
        f"save {later[0] - later[1]:.2f} ms in each later month.",
    ]


def bench_class_demo(workdir: Path) -> list[str]:
    """The class pages at the class size, by benchmarks/viz_step.py: a Step in headless
    Chromium on the single page and side by side, and the server's part of it."""
    command = [sys.executable, str(ROOT / "benchmarks" / "viz_step.py"), "--helper", "both"]
    if shutil.which("chromium") is None:
        command.append("--no-browser")
    tables = measured(command)["stdout"].strip().splitlines()[2:]  # its own header aside
    return [
        "### Class demo: a Step (scenarios/classroom.yaml)",
        "",
        "`benchmarks/viz_step.py --helper both`: in headless Chromium at 1280x800, the time "
        "from pressing Step to the new pictures shown (30 presses after 3 not counted; "
        "Solara's round trip, the server's month and pictures, the browser's decoding), on "
        "the single page and side by side, its helper process on and off; then the server's "
        "CPU time per Step, part by part, over the first 60 months.",
        "",
        *tables,
    ]


def child_recording(record: bool) -> dict:
    """In a child process: the shipped baseline, with every record kept or none."""
    from sim import load_scenario
    from sim.model.model import EcosystemModel
    from sim.model.records import RECORDS

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    if record:
        scenario = scenario.model_copy(update={"record": list(RECORDS)})
    start = time.perf_counter()
    model = EcosystemModel(scenario)
    model.run()
    tables = model.records()
    return {"run_s": time.perf_counter() - start, "rows": sum(len(t) for t in tables.values())}


def bench_recording(workdir: Path) -> list[str]:
    """The baseline with and without every agent-level record (fastest of 5 each)."""
    runs = {}
    for record in (False, True):
        command = [sys.executable, __file__, "--child-recording", str(int(record))]
        tries = [json.loads(measured(command)["stdout"]) for _ in range(5)]
        runs[record] = min(tries, key=lambda t: t["run_s"])
    extra = runs[True]["run_s"] / runs[False]["run_s"] - 1
    return [
        "### Recording: the baseline with and without agent-level records",
        "",
        "scenarios/baseline.yaml as shipped (120 months), build and run, plus building the "
        "record tables; the fastest of 5 runs each.",
        "",
        "| records | run (s) | rows |",
        "|---|---:|---:|",
        f"| none | {runs[False]['run_s']:.2f} | 0 |",
        f"| actors, innovations, deals, ties | {runs[True]['run_s']:.2f} | "
        f"{runs[True]['rows']:,} |",
        "",
        f"Recording everything costs {extra:+.1%} run time.",
        "",
        *_sweep_recording(workdir),
    ]


def _sweep_recording(workdir: Path, runs: int = 20) -> list[str]:
    """The same sweep of baseline runs on 2 processes with and without every record."""
    from sim.model.records import RECORDS

    exp = {
        "name": "recording",
        "baseline": str(ROOT / "scenarios" / "baseline.yaml"),
        "replications": runs,
        "outcomes": ["innovations"],
    }
    plain = timed_sweep(exp, 2, workdir)
    kept = timed_sweep(exp | {"name": "recorded", "record": list(RECORDS)}, 2, workdir)
    folders = [workdir / "recorded-2" / name for name in RECORDS]
    size = sum(p.stat().st_size for f in folders for p in f.glob("*.parquet")) / 2**20
    extra = kept["run_s"] / plain["run_s"] - 1
    return [
        f"In a sweep ({runs} runs of the baseline on 2 processes), streaming every record "
        "to Parquet parts:",
        "",
        "| records | running (s) | parent peak RSS (MB) | record folders on disk (MB) |",
        "|---|---:|---:|---:|",
        f"| none | {plain['run_s']:.1f} | {plain['peak_mb']:.0f} | 0 |",
        f"| actors, innovations, deals, ties | {kept['run_s']:.1f} | {kept['peak_mb']:.0f} "
        f"| {size:.1f} |",
        "",
        f"Recording in a sweep costs {extra:+.1%} running time.",
    ]


def child_run_command(out: str) -> dict:
    """In a child process: the phases of `run.py run small.yaml`, timed one after another."""
    start = time.perf_counter()
    import mesa  # noqa: F401  (and numpy, pandas, scipy, networkx that Mesa imports)

    mesa_s = time.perf_counter()
    from sim import load_scenario
    from sim.analysis import plots
    from sim.analysis.run_output import write_run
    from sim.model.runner import run_scenario

    package_s = time.perf_counter()
    scenario = load_scenario(SMALL)
    began = time.perf_counter()
    model, df = run_scenario(scenario)
    ran = time.perf_counter()
    Path(out).mkdir(parents=True, exist_ok=True)
    plots.plot_timeseries(df, Path(out) / "alone.png", "plot")
    plotted = time.perf_counter()
    write_run(out, scenario, model, df, ran - began)
    return {
        "mesa_s": mesa_s - start,
        "package_s": package_s - mesa_s,
        "model_s": ran - began,
        "plot_s": plotted - ran,
        "write_s": time.perf_counter() - plotted,
    }


def bench_run_command(workdir: Path, tries: int = 5) -> list[str]:
    """`run.py run scenarios/small.yaml` as a user types it, whole command, `tries` times,
    taking turns with Python importing Mesa alone (the floor, for a ratio that holds when the
    machine's speed drifts); then its phases in one child process."""
    walls, floors = [], []
    for i in range(tries):
        command = [sys.executable, "run.py", "run", str(SMALL), "--out", str(workdir / f"r{i}")]
        walls.append(measured(command)["wall_s"])
        floors.append(measured([sys.executable, "-c", "import mesa"])["wall_s"])
    parts = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--child-run-command", str(workdir / "parts")],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    names = {
        "mesa_s": "importing Mesa (with numpy, pandas, scipy, networkx)",
        "package_s": "importing the package's runner, outputs and plots",
        "model_s": "the model: 36 months of small.yaml",
        "plot_s": "drawing timeseries.png",
        "write_s": "writing the results (Parquet, summary, the plot again)",
    }
    return [
        "### The run command: `run.py run scenarios/small.yaml`",
        "",
        f"The whole command as typed (Python start-up to exit), {tries} times; then its "
        "phases timed one after another in one process (where the time goes).",
        "",
        "| whole command | median (s) | fastest (s) | slowest (s) |",
        "|---|---:|---:|---:|",
        f"| `run.py run scenarios/small.yaml` | {np.median(walls):.2f} | {min(walls):.2f} | "
        f"{max(walls):.2f} |",
        f'| `python -c "import mesa"` (the floor) | {np.median(floors):.2f} | '
        f"{min(floors):.2f} | {max(floors):.2f} |",
        "",
        f"The command takes x{np.median(walls) / np.median(floors):.2f} the time of importing "
        "Mesa alone (medians).",
        "",
        "| phase | time (s) |",
        "|---|---:|",
        *(f"| {names[key]} | {parts[key]:.2f} |" for key in names),
    ]


def bench_sweep_throughput(workdir: Path) -> list[str]:
    """The same 40 runs on 1 and on 2 worker processes."""
    exp = {
        "name": "throughput",
        "baseline": str(ROOT / "scenarios" / "baseline.yaml"),
        "replications": 40,
        "metrics": ["innovations", "mean_trust"],
        "outcomes": ["innovations"],
    }
    one, two = timed_sweep(exp, 1, workdir), timed_sweep(exp, 2, workdir)
    speedup = one["run_s"] / two["run_s"]
    return [
        "### Sweep: throughput on 1 and 2 worker processes",
        "",
        "40 runs of scenarios/baseline.yaml as shipped (120 months). *Running* is the "
        "execution phase (what the CLI reports as `ran N runs in X s`), which includes starting "
        "the worker processes (joblib's loky: a few seconds to import the libraries); *wall* "
        "adds start-up, planning and the summary (aggregates, plots and report, the same for "
        "any number of processes).",
        "",
        "| processes | running (s) | runs/s | wall (s) |",
        "|---:|---:|---:|---:|",
        f"| 1 | {one['run_s']:.1f} | {40 / one['run_s']:.2f} | {one['wall_s']:.1f} |",
        f"| 2 | {two['run_s']:.1f} | {40 / two['run_s']:.2f} | {two['wall_s']:.1f} |",
        "",
        f"Speed-up with 2 processes: x{speedup:.2f} (parallel efficiency {speedup / 2:.0%}).",
    ]


def child_runs(runs: int, start_at: float) -> dict:
    """In a child process: `runs` runs of small.yaml after one not counted, from the clock
    time `start_at` on; the median's time and the process's CPU time per run."""
    from sim import load_scenario
    from sim.model.runner import run_model

    scenario = load_scenario(SMALL)
    run_model(scenario, 1, None, None)  # the first run in a process loads what is lazy
    time.sleep(max(0.0, start_at - time.time()))  # processes side by side start together
    walls, cpu = [], time.process_time()
    for seed in range(2, runs + 2):
        start = time.perf_counter()
        run_model(scenario, seed, None, None)
        walls.append(time.perf_counter() - start)
    return {"median_s": float(np.median(walls)), "cpu_s": (time.process_time() - cpu) / runs}


def side_by_side_runs(copies: int, runs: int) -> list[dict]:
    """`copies` child processes of child_runs, their runs started together."""
    start_at = time.time() + 10  # after the imports and the first run of each
    command = [sys.executable, __file__, "--child-runs", str(runs), str(start_at)]
    procs = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(copies)
    ]
    return [json.loads(proc.communicate()[0]) for proc in procs]


def bench_sweep_short(
    workdir: Path, runs: int = 60, alone_runs: int = 12, rounds: int = 3
) -> list[str]:
    """The same `runs` short runs (small.yaml as shipped, 36 months) on 1 and on 2 processes,
    taking turns `rounds` times (medians: this machine's speed drifts within minutes); then
    `alone_runs` in one process against as many in each of two at once, no runner."""
    tries = [
        [timed_sweep(experiment(f"short{r}", runs, 36), jobs, workdir) for jobs in (1, 2)]
        for r in range(rounds)
    ]
    one, two = (
        {key: float(np.median([t[j][key] for t in tries])) for key in ("run_s", "wall_s")}
        for j in (0, 1)
    )
    alone, pair = side_by_side_runs(1, alone_runs)[0], side_by_side_runs(2, alone_runs)
    return [
        "### Sweep: short runs on 1 and 2 worker processes",
        "",
        f"{runs} runs of scenarios/small.yaml as shipped (36 months; the second table gives the "
        f"time of one), medians of {rounds} rounds taking turns. Columns as for the throughput "
        "sweep above: *running* includes starting the 2 worker processes (the 1-process sweep "
        "runs in the parent, which has imported the model already); *wall* adds start-up, "
        "planning and the summary.",
        "",
        "| processes | running (s) | runs/s | wall (s) |",
        "|---:|---:|---:|---:|",
        f"| 1 | {one['run_s']:.1f} | {runs / one['run_s']:.2f} | {one['wall_s']:.1f} |",
        f"| 2 | {two['run_s']:.1f} | {runs / two['run_s']:.2f} | {two['wall_s']:.1f} |",
        "",
        f"Speed-up with 2 processes: x{one['run_s'] / two['run_s']:.2f} running, "
        f"x{one['wall_s'] / two['wall_s']:.2f} wall.",
        "",
        f"The same runs without a runner: {alone_runs} runs in one process alone, then in two "
        f"processes at once (each its own {alone_runs}).",
        "",
        "| processes at once | median run (s) | CPU per run (s) |",
        "|---:|---:|---:|",
        f"| 1 | {alone['median_s']:.3f} | {alone['cpu_s']:.3f} |",
        *(f"| 2 | {p['median_s']:.3f} | {p['cpu_s']:.3f} |" for p in pair),
    ]


def bench_warmup_sweep(workdir: Path) -> list[str]:
    """A sweep of 5 policies x 4 replicates of the baseline, with and without a warm-up."""
    policies = [0.0, 0.1, 0.2, 0.3, 0.4]
    exp = {
        "name": "cold",
        "baseline": str(ROOT / "scenarios" / "baseline.yaml"),
        "parameters": {"governance.rd_subsidy_rate": policies},
        "replications": 4,
        "metrics": ["innovations", "mean_trust"],
        "outcomes": ["innovations"],
    }
    cold = timed_sweep(exp, 2, workdir)
    warm = timed_sweep(exp | {"name": "warm", "warmup": 96}, 2, workdir)
    months_cold, months_warm = 20 * 120, 4 * 96 + 20 * 24
    return [
        "### Sweep: one warm-up per replicate instead of one per run",
        "",
        "5 policies (`governance.rd_subsidy_rate` 0 to 0.4) x 4 replicates of "
        "scenarios/baseline.yaml (120 months) on 2 processes; with `warmup: 96` the first 96 "
        "months run once per replicate and every policy branches from that state. *Running* "
        "includes the burn-ins.",
        "",
        "| sweep | months simulated | running (s) | wall (s) |",
        "|---|---:|---:|---:|",
        f"| no warm-up | {months_cold:,} | {cold['run_s']:.1f} | {cold['wall_s']:.1f} |",
        f"| warmup: 96 | {months_warm:,} | {warm['run_s']:.1f} | {warm['wall_s']:.1f} |",
        "",
        f"The warm-up sweep runs x{cold['run_s'] / warm['run_s']:.2f} faster "
        f"({months_cold / months_warm:.2f}x fewer months).",
    ]


def child_batch_run(runs: int, steps: int, jobs: int, out: str) -> dict:
    """In a child process: the same runs through mesa.batch_run, kept as a Parquet file."""
    import mesa
    import pandas as pd
    from rival import BatchModel  # benchmarks/rival.py; importable by batch_run's workers

    from sim.experiment.design import replicate_seeds

    found = mesa.batch_run(
        BatchModel,
        parameters={"scenario_path": str(SMALL), "seed": replicate_seeds(1, runs)},
        number_processes=jobs,
        iterations=1,
        data_collection_period=1,
        max_steps=steps - 1,  # batch_run steps while model.steps <= max_steps
        display_progress=False,
    )
    pd.DataFrame(found).to_parquet(out)
    return {"rows": len(found)}


def bench_batch_run_rival(workdir: Path) -> list[str]:
    """Our sweep against mesa.batch_run on the same runs (model, seeds, steps, per-step data),
    at two sweep sizes, to see how each parent's memory grows with the number of runs."""
    steps, jobs = 24, 2
    rows, peaks = [], {}
    for runs in (250, 1000):
        exp = experiment(f"rival{runs}", runs, steps) | {"seed": 1, "metrics": list(_metrics())}
        ours = timed_sweep(exp, jobs, workdir)
        theirs = measured(
            [
                sys.executable,
                __file__,
                "--child-batch-run",
                str(runs),
                str(steps),
                str(jobs),
                str(workdir / f"batch_run{runs}.parquet"),
            ]
        )
        peaks[runs] = (ours["peak_mb"], theirs["peak_mb"])
        for name, found in (("run.py sweep", ours), ("mesa.batch_run", theirs)):
            rows.append(
                f"| {runs:,} | {name} | {found['wall_s']:.1f} | {runs / found['wall_s']:.2f} | "
                f"{found['peak_mb']:.0f} |"
            )
    ours_mb, theirs_mb = peaks[1000]
    slope = (peaks[1000][1] - peaks[250][1]) / 750
    fifth = (5 * ours_mb - theirs_mb) / slope + 1000 if slope > 0 else math.inf
    return [
        "### Our runner against mesa.batch_run",
        "",
        f"Runs of scenarios/small.yaml, {steps} months, {jobs} processes, the same seeds; "
        "every month's contract metrics kept (batch_run: a DataCollector, results saved to "
        "Parquet at the end; ours: `run.py sweep`, which also writes aggregates, plots and "
        "the report). Wall time includes start-up and everything each writes.",
        "",
        "| runs | runner | wall (s) | runs/s | parent peak RSS (MB) |",
        "|---:|---|---:|---:|---:|",
        *rows,
        "",
        f"At 1,000 runs: throughput ratio (ours / batch_run) x"
        f"{_ratio(rows, 1000)}; peak-memory ratio {ours_mb / theirs_mb:.2f}. batch_run's "
        f"parent grows by {slope * 1000:.0f} MB per 1,000 runs (it holds every row in "
        f"memory); ours stays flat (see above), so ours is a fifth of it from about "
        f"{fifth:,.0f} runs of this size on.",
    ]


def _metrics() -> tuple[str, ...]:
    from sim.model.metrics import STEP_METRICS

    return STEP_METRICS


def _ratio(rows: list[str], runs: int) -> str:
    walls = [float(r.split("|")[3]) for r in rows if r.startswith(f"| {runs:,} |")]
    return f"{walls[1] / walls[0]:.2f}"


BENCHMARKS: dict[str, Callable[[Path], list[str]]] = {
    "single_run": bench_single_run,
    "naive_mesa": bench_naive_mesa,
    "month_cost": bench_month_cost,
    "run_command": bench_run_command,
    "sweep_throughput": bench_sweep_throughput,
    "sweep_short": bench_sweep_short,
    "sweep_parent_memory": bench_sweep_parent_memory,
    "sweep_runner_overhead": bench_sweep_runner_overhead,
    "batch_run_rival": bench_batch_run_rival,
    "class_demo": bench_class_demo,
    "recording": bench_recording,
    "warmup_sweep": bench_warmup_sweep,
}


def previous_sections() -> dict[str, list[str]]:
    """The sections of results.md by benchmark name (each starts with a `<!-- name: ... -->`)."""
    sections: dict[str, list[str]] = {}
    if not RESULTS.exists():
        return sections
    name = None
    for line in RESULTS.read_text(encoding="utf-8").splitlines():
        found = re.match(r"<!-- (\w+): ", line)
        if found and found[1] in BENCHMARKS:
            name = found[1]
            sections[name] = []
        if name:
            sections[name].append(line)
    return {k: v[:-1] if v and not v[-1] else v for k, v in sections.items()}


def machine() -> str:
    """One line describing this machine."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = (os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run the benchmarks whose name contains this")
    parser.add_argument("--child-single", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--compiled", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-batch-run", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--child-recording", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-run-command", help=argparse.SUPPRESS)
    parser.add_argument("--child-runs", nargs=2, type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_runs:
        runs, start_at = args.child_runs
        print(json.dumps(child_runs(int(runs), start_at)))
        return 0
    if args.child_run_command:
        print(json.dumps(child_run_command(args.child_run_command)))
        return 0
    if args.child_recording is not None:
        print(json.dumps(child_recording(bool(args.child_recording))))
        return 0
    if args.child_single:
        print(json.dumps(child_single(*args.child_single, compiled=args.compiled)))
        return 0
    if args.child_batch_run:
        runs, steps, jobs, out = args.child_batch_run
        print(json.dumps(child_batch_run(int(runs), int(steps), int(jobs), out)))
        return 0
    chosen = {name: bench for name, bench in BENCHMARKS.items() if args.only in name}
    if not chosen:
        print(f"no benchmark matches {args.only!r}; known: {', '.join(BENCHMARKS)}")
        return 2
    sections = previous_sections()
    with tempfile.TemporaryDirectory() as tmp:
        for name, bench in chosen.items():
            print(f"running {name} ...", flush=True)
            section = bench(Path(tmp))
            print("\n".join(section), "\n", flush=True)
            stamp = f"<!-- {name}: {time.strftime('%Y-%m-%d')}, {machine()} -->"
            sections[name] = [stamp, *section]
    lines = ["# Benchmark results", "", f"Machine: {machine()}.", ""]
    for name in BENCHMARKS:  # a benchmark not run this time keeps its last result
        lines += [*sections.get(name, [f"<!-- {name}: not run yet -->"]), ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
