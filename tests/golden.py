"""Golden digests: a fingerprint of every output column of every shipped scenario and of the
demo sweep, so that a refactor can prove it changed no number.

Regenerate on purpose (after a model change, in its own commit, saying why):

    python tests/golden.py

The digests are computed in a child process on one numeric path, whatever the machine (see
CANONICAL).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = Path(__file__).resolve().parent / "golden.json"
SEEDS = (3, 11)
STEPS = 30
RECORDS = ("actors", "innovations", "deals", "ties")
DEMO = "experiments/demo.yaml"
# numpy's AVX-512 kernels (its own exp and log, among others) and OpenBLAS's per-processor
# kernels round some results differently in the last bit from the AVX2 ones, and a model run
# grows such a bit into different numbers: 747 of 6,256 digests written on an earlier machine
# differed on an AVX2-only one. So the digests are of the AVX2 path on every x86-64 machine (numpy
# names its AVX-512 features X86_V4 and AVX512_* from 2.4 on, AVX512F, AVX512_SKX... before)
CANONICAL = {
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_KNL "
    "AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL",
    "OPENBLAS_CORETYPE": "Haswell",
}


def column_digest(values: pd.Series) -> str:
    """sha256 of a column's exact values: float64 bytes for numbers, text for the rest."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        data = np.ascontiguousarray(values.to_numpy(dtype=np.float64, na_value=np.nan)).tobytes()
    else:
        data = "\x1f".join(_text(v) for v in values).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def _text(value) -> str:
    if isinstance(value, np.ndarray | list | tuple):
        return "[" + ",".join(_text(v) for v in value) + "]"
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "<NA>"
    return repr(value.item() if isinstance(value, np.generic) else value)


def table_digests(frame: pd.DataFrame, prefix: str) -> dict[str, str]:
    """One digest per column, plus the row count, keyed `prefix/column`."""
    out = {f"{prefix}/rows": str(len(frame))}
    out |= {f"{prefix}/{col}": column_digest(frame[col]) for col in frame.columns}
    return out


def scenario_digests() -> dict[str, str]:
    """Every metric column and record table of each shipped scenario, a few seeds, short runs."""
    from sim import load_scenario, run_scenario

    out: dict[str, str] = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path, [f"record=[{','.join(RECORDS)}]"])
        for seed in SEEDS:
            model, frame = run_scenario(scenario, seed=seed, steps=STEPS)
            key = f"{path.stem}/seed{seed}"
            out |= table_digests(frame, f"{key}/timeseries")
            out |= table_digests(pd.DataFrame([model.run_metrics()]), f"{key}/run")
            for name, table in sorted(model.records().items()):
                out |= table_digests(table, f"{key}/{name}")
    return out


def demo_digests() -> dict[str, str]:
    """runs.parquet and timeseries/ of the demo sweep, run through the real command."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        command = [sys.executable, "run.py", "sweep", DEMO, "--out", str(out), "--jobs", "1"]
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        runs = pd.read_parquet(out / "runs.parquet").sort_values("run_id")
        series = pd.read_parquet(out / "timeseries").sort_values(["run_id", "step"])
    skip = {"wall_time_s"}  # the only column that is not a model output
    runs = runs[[c for c in runs.columns if c not in skip]].reset_index(drop=True)
    return table_digests(runs, "demo/runs") | table_digests(
        series.reset_index(drop=True), "demo/timeseries"
    )


KINDS = {"scenarios": scenario_digests, "demo": demo_digests}


def canonical(kind: str) -> dict[str, str]:
    """The digests of `kind` (a key of KINDS), computed in a child process on CANONICAL's
    numeric path (on x86-64; elsewhere on the machine's own)."""
    pinned = CANONICAL if platform.machine() in ("x86_64", "AMD64") else {}
    done = subprocess.run(
        [sys.executable, __file__, "--print", kind],
        cwd=ROOT,
        env={**os.environ, **pinned},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"golden.py --print {kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])  # the last line: the digests


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["--print"]:  # the child of canonical()
        print(json.dumps(KINDS[sys.argv[2]]()))
    else:
        digests = canonical("scenarios") | canonical("demo")
        DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(digests)} digests to {DIGESTS.relative_to(ROOT)}")
