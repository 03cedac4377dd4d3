"""Scenario discovery: the --where grammar, the paired cases, PRIM finding a box where the
answer is known, categorical parameters, the files and the report, and the real command on
LHS and Sobol sweeps (the Sobol one run on a Dask LocalCluster)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_sweep import experiment, sweep

from sim.analysis import discovery
from sim.config import ScenarioError
from sim.experiment.folder import SweepFolder

ROOT = Path(__file__).resolve().parent.parent
METRICS = ["innovations", "mean_trust", "startups_failed"]


def discover(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "discover", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("text", "threshold", "share"),
    [
        ("innovations < 0.9 * baseline", None, 0.9),
        ("innovations<baseline", None, 1.0),
        ("mean_trust >= 0.4", 0.4, 1.0),
        ("startups_failed > 1e2", 100.0, 1.0),
    ],
)
def test_conditions_are_read(text, threshold, share):
    c = discovery.parse_condition(text, METRICS)
    assert (c.threshold, c.share) == (threshold, share)
    assert c.holds(np.array([0.0, 1e9]), np.array([1.0, 1.0])).tolist() == [
        c.op in ("<", "<="),
        c.op in (">", ">="),
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("innovations << 3", "expected METRIC OP NUMBER or METRIC OP SHARE * baseline"),
        ("innovations = 3", "expected METRIC OP NUMBER"),
        ("innovatons < baseline", "unknown metric 'innovatons' (did you mean 'innovations'?)"),
        ("innovations < 2 * 3", "a share multiplies `baseline`, not a number"),
    ],
)
def test_bad_conditions_are_refused_in_one_line(text, says):
    with pytest.raises(ScenarioError) as err:
        discovery.parse_condition(text, METRICS)
    assert len(err.value.messages) == 1 and says in err.value.messages[0]


@pytest.fixture(scope="module")
def lhs(tmp_path_factory) -> Path:
    """A real LHS sweep (small vs strong IP, 30 points, 3 months): its plan and manifest are
    used as they are; tests write known metric values into a copy of its runs."""
    tmp = tmp_path_factory.mktemp("lhs")
    path = experiment(
        tmp,
        name="lhs",
        parameters={
            "trust.enforcement": {"low": 0.1, "high": 0.9},
            "entry.rate": {"low": 0.2, "high": 3.0},
        },
        design={"kind": "lhs", "samples": 30},
        replications=1,
        steps=3,
    )
    sweep(str(path), "--jobs", "2", "--out", str(tmp / "out"))
    return tmp / "out"


def with_values(source: Path, tmp_path: Path, make) -> SweepFolder:
    """A copy of a sweep folder whose runs' innovations are make(runs) (known answers)."""
    out = tmp_path / "copy"
    shutil.copytree(source, out)
    runs = pd.read_parquet(out / "runs.parquet")
    runs["innovations"] = make(runs).astype(float)
    runs.to_parquet(out / "runs.parquet", index=False)
    return SweepFolder(out)


def test_prim_finds_the_known_box(lhs, tmp_path):
    """Strong IP halves innovations where enforcement is below 0.3, and nowhere else."""

    def make(runs):
        low = runs["trust.enforcement"] < 0.3
        return np.where((runs["scenario"] != "small") & low, 50, 100)

    folder = with_values(lhs, tmp_path, make)
    condition = discovery.parse_condition("innovations < 0.9 * baseline", METRICS)
    cases = discovery.cases(folder, condition, None)
    assert cases.scenario == "small_strong_ip" and len(cases.y) == 30
    assert cases.y.tolist() == (cases.x["trust.enforcement"] < 0.3).tolist()
    found = discovery.discover(cases, condition)
    assert found.density == 1.0 and found.coverage == 1.0
    box = found.limits.set_index("parameter")
    assert box.loc["trust.enforcement", "restricted"]
    assert not box.loc["entry.rate", "restricted"]
    assert box.loc["trust.enforcement", "high"] < 0.35
    assert found.words().startswith("trust.enforcement below 0.")


def test_baseline_is_paired_by_design_point(lhs, tmp_path):
    """The baseline moves with entry (so no fixed threshold separates the points); strong IP
    loses 20% where entry is above 2 and gains 10% elsewhere: only the paired baseline sees it."""

    def make(runs):
        base = 10 + 40 * runs["entry.rate"]
        effect = np.where(runs["entry.rate"] > 2, 0.8, 1.1)
        return np.where(runs["scenario"] == "small", base, base * effect)

    folder = with_values(lhs, tmp_path, make)
    condition = discovery.parse_condition("innovations < 0.9 * baseline", METRICS)
    cases = discovery.cases(folder, condition, "small_strong_ip")
    assert cases.y.tolist() == (cases.x["entry.rate"] > 2).tolist()
    assert "same design point" in cases.note
    found = discovery.discover(cases, condition)
    assert found.words().startswith("entry.rate above ")
    assert found.density == 1.0


def test_categorical_parameters(tmp_path):
    path = experiment(
        tmp_path,
        scenarios=[],
        parameters={"ip.regime": ["weak", "strong"], "trust.enforcement": [0.2, 0.4, 0.6, 0.8]},
        replications=1,
        steps=2,
    )
    sweep(str(path), "--jobs", "1", "--out", str(tmp_path / "grid"))

    def make(runs):
        return np.where((runs["ip.regime"] == "strong") & (runs["trust.enforcement"] > 0.5), 1, 9)

    folder = with_values(tmp_path / "grid", tmp_path, make)
    condition = discovery.parse_condition("innovations < 5", METRICS)
    cases = discovery.cases(folder, condition, None)
    assert cases.scenario == "small" and str(cases.x["ip.regime"].dtype) == "category"
    found = discovery.discover(cases, condition, min_coverage=1.0)
    box = found.limits.set_index("parameter")
    assert box.loc["ip.regime", "categories"] == "strong"
    assert found.density == 1.0
    assert "ip.regime is strong" in found.words()


def test_the_command_writes_files_and_the_report(lhs, tmp_path):
    folder = with_values(
        lhs,
        tmp_path,
        lambda r: np.where((r["scenario"] != "small") & (r["trust.enforcement"] < 0.3), 5, 10),
    )
    done = discover(str(folder.root), "--where", "innovations < 0.9 * baseline")
    assert done.returncode == 0, done.stderr
    assert "box " in done.stdout and "trust.enforcement below" in done.stdout
    out = folder.root / "discovery" / "innovations-lt-0.9x-baseline"
    for name in ("summary.json", "trajectory.csv", "box.csv", "cart.csv", "trajectory.png"):
        assert (out / name).stat().st_size > 0, name
    info = json.loads((out / "summary.json").read_text())
    runs = pd.read_parquet(folder.runs_parquet)
    low = (runs["scenario"] == "small_strong_ip") & (runs["trust.enforcement"] < 0.3)
    assert info["density"] == 1.0 and info["points_meeting"] == int(low.sum())
    trajectory = pd.read_csv(out / "trajectory.csv")
    assert list(trajectory.columns) == ["box", "coverage", "density", "mass", "restricted"]
    assert trajectory["coverage"].iloc[0] == 1.0  # the first box is the whole sweep
    html = (folder.root / "report.html").read_text()
    assert "<h2>Scenario discovery</h2>" in html
    assert "innovations &lt; 0.9 * baseline" in html and "trust.enforcement below" in html


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--where", "innovations < baseline", "--scenario", "nope"], "--scenario: 'nope' is not"),
        (["--where", "innovations < -1"], "no design point of small_strong_ip meets it"),
        (
            ["--where", "innovations < baseline", "--min-coverage", "0"],
            "must be a number in (0, 1]",
        ),
        (["--where", "mean trust < 1"], "expected METRIC OP NUMBER"),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(lhs, args, says):
    done = discover(str(lhs), *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr


def test_a_folder_that_is_no_sweep_or_varies_nothing(tmp_path):
    done = discover(str(tmp_path), "--where", "innovations < 3")
    assert done.returncode == 2 and "not a finished sweep folder" in done.stderr
    path = experiment(tmp_path, replications=1, steps=2)
    sweep(str(path), "--jobs", "1", "--out", str(tmp_path / "plain"))
    done = discover(str(tmp_path / "plain"), "--where", "innovations < 3")
    assert done.returncode == 2 and "varies no parameter" in done.stderr


def test_discovery_on_a_sobol_sweep_run_on_dask(tmp_path):
    path = experiment(
        tmp_path,
        name="sobol",
        scenarios=[],
        parameters={
            "trust.enforcement": {"low": 0.1, "high": 0.9},
            "entry.rate": {"low": 0.2, "high": 3.0},
        },
        design={"kind": "sobol", "samples": 8},
        replications=1,
        steps=6,
    )
    out = tmp_path / "out"
    done = sweep(str(path), "--backend", "dask", "--jobs", "2", "--out", str(out))
    assert "on dask" in done.stdout
    median = pd.read_parquet(out / "runs.parquet")["innovations"].median()
    done = discover(str(out), "--where", f"innovations > {median}")
    assert done.returncode == 0, done.stderr
    assert "baseline:" not in done.stdout  # an absolute threshold: no baseline to read
    info = json.loads(next((out / "discovery").glob("*/summary.json")).read_text())
    assert info["scenario"] == "small" and info["points"] == 8 * (2 + 2)
    assert 0 < info["points_meeting"] < info["points"]
