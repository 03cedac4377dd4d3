"""The command line end to end: `python run.py ...` in a subprocess from the repository root."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.model.metrics import RUN_METRICS, STEP_METRICS

ROOT = Path(__file__).resolve().parents[1]
SMALL = "scenarios/small.yaml"
FILES = ("timeseries.parquet", "summary.json", "timeseries.png")
ECOSIM = "from sim.cli import main; raise SystemExit(main())"  # what the console script runs


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def run_small(out: Path, *args: str) -> pd.DataFrame:
    done = cli("run", SMALL, "--out", str(out), *args)
    assert done.returncode == 0, done.stderr
    return pd.read_parquet(out / "timeseries.parquet")


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("small") / "out"
    return out, cli("run", SMALL, "--out", str(out))


def test_run_writes_the_three_files(small_run):
    out, done = small_run
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for name in FILES:
        assert (out / name).stat().st_size > 0
    assert str(out) in done.stdout
    assert "innovations (total)" in done.stdout and "trust (mean, final)" in done.stdout
    assert "VC invested ($M, total)" in done.stdout
    assert not list(out.glob(".*.tmp"))


def test_timeseries_has_every_step_metric(small_run):
    out, _ = small_run
    df = pd.read_parquet(out / "timeseries.parquet")
    assert len(df) == 36
    assert df["step"].tolist() == list(range(1, 37))
    assert set(STEP_METRICS) <= set(df.columns)


def test_summary_fields(small_run):
    out, _ = small_run
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "small"
    assert summary["seed"] == 42 and summary["steps"] == 36
    assert set(summary["versions"]) == {"python", "mesa", "numpy", "pandas", "pydantic", "pyarrow"}
    assert summary["wall_time_s"] >= 0
    assert set(RUN_METRICS) <= set(summary["run_metrics"])
    assert {"innovations", "patents_granted", "vc_invested"} <= set(summary["totals"])
    assert {"mean_knowledge", "network_density", "mean_trust"} <= set(summary["final"])
    assert summary["resolved_scenario"]["population"]["startup"]["count"] == 60


def test_png_is_a_png(small_run):
    out, _ = small_run
    assert (out / "timeseries.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_results_other_seed_other_results(small_run, tmp_path):
    out, _ = small_run
    first = pd.read_parquet(out / "timeseries.parquet")
    again = run_small(tmp_path / "again", "--seed", "42")
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    other = run_small(tmp_path / "other", "--seed", "43")
    assert not first.drop(columns=["seed"], errors="ignore").equals(
        other.drop(columns=["seed"], errors="ignore")
    )


def test_steps_and_set_reach_the_run(tmp_path):
    df = run_small(tmp_path / "short", "--steps", "6", "--set", "entry.rate=0")
    assert len(df) == 6
    summary = json.loads((tmp_path / "short" / "summary.json").read_text())
    assert summary["resolved_scenario"]["entry"]["rate"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ("run", SMALL, "--set", "population.startup.count=-1"),
        ("run", SMALL, "--set", "no_equals_sign"),
        ("run", SMALL, "--set", "population.startup.cont=3"),
        ("run", SMALL, "--steps", "-1"),
        ("run", SMALL, "--seed", "abc"),
        ("run", "scenarios/no_such_file.yaml"),
        ("run", "scenarios"),
        ("run",),
        ("validate",),
        ("frobnicate",),
        (),
    ],
)
def test_bad_input_exits_2_without_traceback(args, tmp_path):
    done = cli(*args, *(("--out", str(tmp_path / "out")) if args[:1] == ("run",) else ()))
    assert done.returncode == 2
    assert done.stderr.strip()
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "out").exists()


def test_help_lists_commands_with_examples():
    done = cli("--help")
    assert done.returncode == 0
    assert "run" in done.stdout and "validate" in done.stdout
    assert "python run.py run scenarios/baseline.yaml" in done.stdout


def ecosim(*args: str) -> subprocess.CompletedProcess[str]:
    """`ecosim ARGS...`: the installed console script, or what it does (`sim.cli.main()`)."""
    script = Path(sys.executable).with_name("ecosim")
    command = [str(script)] if script.exists() else [sys.executable, "-c", ECOSIM]
    return subprocess.run([*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_program_name_is_the_one_typed():
    assert cli("--help").stdout.startswith("usage: python run.py [-h]")
    assert cli("sweep", "--help").stdout.startswith("usage: python run.py sweep [-h]")
    for done in (ecosim("--help"), ecosim("sweep", "--help")):
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("usage: ecosim ") and "run.py" not in done.stdout
    assert "  ecosim run scenarios/baseline.yaml" in ecosim("--help").stdout
    done = ecosim("run")
    assert done.returncode == 2 and "ecosim run: error:" in done.stderr


def test_run_imports_mesa_first_and_no_numba(tmp_path):
    # Mesa's import walks the whole stack (its loggers call inspect.stack): from the short
    # stack at the command's start, with few modules loaded, it is 0.2 s quicker
    code = f"""
import json, sys
from sim.cli import main
main(["run", {SMALL!r}, "--steps", "1", "--out", {str(tmp_path / "out")!r}])
names = list(sys.modules)  # in the order their imports began
print(json.dumps([names.index(m) for m in ("mesa", "sim.model.runner", "matplotlib")]))
print(json.dumps("numba" in names))  # the fused loops are for large runs only
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    order, numba = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    mesa, runner, plots = order
    assert mesa < runner and mesa < plots
    assert not numba, "a small run imported numba"


def test_public_api():
    from sim import load_scenario, run_scenario

    model, df = run_scenario(load_scenario(ROOT / SMALL), steps=3)
    assert len(df) == 3 and model.seed == 42


def test_default_output_folder_is_results_scenario_name_under_cwd(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "run", str(ROOT / SMALL), "--steps", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "results" / "small").iterdir()) == sorted(FILES)
