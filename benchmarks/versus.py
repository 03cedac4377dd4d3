"""This checkout against another commit, in one run: the same scenario timed in both trees,
alternately, so that the ratio is fair on a busy machine.

    python benchmarks/versus.py HEAD~3                     # the baseline, 3 rounds
    python benchmarks/versus.py main --scenario scenarios/small.yaml --rounds 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the public API, the same in every tree: build and run one scenario, time the two
CHILD = """
import json, sys, time
start = time.perf_counter()
from sim import load_scenario, run_scenario
scenario = load_scenario(sys.argv[1])
loaded = time.perf_counter()
run_scenario(scenario, seed=int(sys.argv[2]))
print(json.dumps({"import": loaded - start, "run": time.perf_counter() - loaded}))
"""


def timed(tree: Path, scenario: Path, seed: int) -> dict[str, float]:
    """One run of `scenario` with the code of `tree`, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(scenario), str(seed)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the commit to compare with (any git revision)")
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = (ROOT / args.scenario).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(other), args.ref], cwd=ROOT, check=True
        )
        try:
            times: dict[str, list[float]] = {"this": [], args.ref: []}
            for _ in range(args.rounds):
                times["this"].append(timed(ROOT, scenario, args.seed)["run"])
                times[args.ref].append(timed(other, scenario, args.seed)["run"])
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT)
    this, ref = (statistics.median(times[k]) for k in ("this", args.ref))
    print(f"{scenario.name}, build + {args.rounds} runs each, median seconds:")
    print(f"  this checkout  {this:7.3f}")
    print(f"  {args.ref:<13}  {ref:7.3f}")
    print(f"  ratio          {this / ref:7.3f}  (below 1: this checkout is faster)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
