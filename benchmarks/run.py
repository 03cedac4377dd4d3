"""Benchmarks: measure, print, and write benchmarks/results.md with the machine's description.

    python benchmarks/run.py                 # every benchmark
    python benchmarks/run.py --only sweep    # the benchmarks whose name contains "sweep"

Each benchmark runs the real command line (`python run.py sweep ...`) in a subprocess and
samples the process's memory from /proc, so that what is measured is what a user runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "scenarios" / "small.yaml"
RESULTS = Path(__file__).resolve().parent / "results.md"


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
    """Run `run.py sweep` on an experiment; wall time and the parent's memory over time."""
    path = workdir / f"{experiment['name']}.yaml"
    path.write_text(yaml.safe_dump(experiment), encoding="utf-8")
    out = workdir / experiment["name"]
    command = [sys.executable, str(ROOT / "run.py"), "sweep", str(path), "--out", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*command, "--jobs", str(jobs), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
        raise RuntimeError(f"sweep failed ({proc.returncode}): {stderr.strip()}")
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
    """Time per run of a sweep of 0-step runs on one process: the runner's own cost."""
    runs = 300
    found = timed_sweep(experiment("overhead", runs, 0), 1, workdir)
    per_run = 1000 * found["wall_s"] / runs
    return [
        "### Sweep: runner overhead per run",
        "",
        f"{runs} runs of 0 months (model built, nothing stepped) on 1 process, including "
        "start-up, planning and the final aggregation.",
        "",
        "| runs | wall (s) | per run (ms) |",
        "|---:|---:|---:|",
        f"| {runs} | {found['wall_s']:.1f} | {per_run:.1f} |",
    ]


BENCHMARKS: dict[str, Callable[[Path], list[str]]] = {
    "sweep_parent_memory": bench_sweep_parent_memory,
    "sweep_runner_overhead": bench_sweep_runner_overhead,
}


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
    args = parser.parse_args()
    chosen = {name: bench for name, bench in BENCHMARKS.items() if args.only in name}
    if not chosen:
        print(f"no benchmark matches {args.only!r}; known: {', '.join(BENCHMARKS)}")
        return 2
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"Date: {time.strftime('%Y-%m-%d')}.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, bench in chosen.items():
            print(f"running {name} ...", flush=True)
            section = bench(Path(tmp))
            print("\n".join(section), "\n", flush=True)
            lines += [*section, ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
