"""Guards around sweeps: the cap on planned runs, the folder lock, one-line errors for a bad
--out, a full disk or a bad scheduler address, files of the wrong kind, and folder names."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim.analysis.summary
import sim.experiment.store
from sim.analysis.summary import summarise
from sim.cli import main as cli
from sim.cli.options import folder_name
from sim.experiment import load_experiment
from sim.experiment.design import design_points
from sim.experiment.spec import design_size

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "scenarios" / "small.yaml")
DEMO = "experiments/demo.yaml"
RATES = [
    "knowledge.learning_rate",
    "knowledge.forgetting_rate",
    "knowledge.exchange_rate",
    "knowledge.pool_decay",
    "knowledge.field_spread",
    "knowledge.incremental_gain",
    "knowledge.value_memory",
    "knowledge.pool_absorption",
    "knowledge.publication_weight",
    "knowledge.unfunded_absorption",
    "knowledge.off_focus_absorption",
    "trust.enforcement",
]


def command(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


def one_line(done: subprocess.CompletedProcess, *words: str) -> str:
    """The single stderr line of a refused command (exit 2, no traceback), holding `words`."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def write(tmp_path: Path, **fields) -> Path:
    data = {"name": "big", "baseline": SMALL, "steps": 3, "seed": 1} | fields
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# --- how many runs a sweep may plan ------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"parameters": {p: {"low": 0.1, "high": 0.2, "num": 10} for p in RATES}},  # 10^12
        {
            "parameters": {p: {"low": 0.1, "high": 0.2, "num": 10} for p in RATES[:4]},
            "replications": 100_000,  # each field within its limits, 10^9 runs together
        },
    ],
    ids=["grid-10^12", "replications"],
)
def test_too_many_runs_are_refused_at_once(tmp_path, fields):
    path = write(tmp_path, **fields)
    start = time.perf_counter()
    with pytest.raises(Exception, match=r"at most 1,000,000 runs"):
        load_experiment(path)
    assert time.perf_counter() - start < 2
    for args in (["validate"], ["sweep"], ["sweep", "--dry-run"]):
        done = command(*args, str(path), timeout=60)
        one_line(done, str(path), "at most 1,000,000 runs")
    assert not (ROOT / "results" / "big").exists()


def test_the_cap_applies_to_flags_too(tmp_path):
    path = write(tmp_path, parameters={p: [0.1, 0.2] for p in RATES[:4]})
    one_line(command("sweep", str(path), "--replications", "100000", "--dry-run"), "1,600,000")


@pytest.mark.parametrize(
    "design",
    [
        {"kind": "lhs", "samples": 7},
        {"kind": "sobol", "samples": 8},
        {"kind": "sobol", "samples": 8, "second_order": True},
        {"kind": "morris", "samples": 3, "levels": 4},
    ],
)
def test_design_size_counts_the_points_the_design_makes(tmp_path, design):
    ranges = {p: {"low": 0.1, "high": 0.2} for p in RATES[:3]}
    exp = load_experiment(write(tmp_path, parameters=ranges, design=design)).experiment
    assert design_size(exp) == len(design_points(exp))


# --- one sweep at a time in a folder ---------------------------------------------------------


def test_a_second_sweep_into_a_busy_folder_is_refused(tmp_path):
    out = tmp_path / "demo"
    first = subprocess.Popen(
        [sys.executable, "run.py", "sweep", DEMO, "--steps", "4", "--jobs", "1"]
        + ["--out", str(out), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = out / ".sweep.lock"
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.05)
    while not (out / "manifest.json").exists():
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGSTOP)  # holds the lock while the second one tries
    try:
        second = command("sweep", DEMO, "--steps", "4", "--out", str(out), "--quiet")
        one_line(second, str(out), f"another sweep is writing here (pid {first.pid})")
        one_line(command("aggregate", str(out)), f"a sweep is writing here (pid {first.pid})")
    finally:
        os.kill(first.pid, signal.SIGCONT)
    stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert "6 of 6 runs ok" in stdout
    runs = pd.read_parquet(out / "runs")
    assert sorted(runs["run_id"]) == list(range(6))
    again = command("sweep", DEMO, "--steps", "4", "--out", str(out), "--quiet")
    assert again.returncode == 0 and "ran 0 runs" in again.stdout, again.stderr


def test_runs_stored_twice_count_once(tmp_path):
    out = tmp_path / "demo"
    assert cli(["sweep", DEMO, "--steps", "3", "--replications", "2", "--jobs", "1"]
               + ["--out", str(out), "--quiet"]) == 0  # fmt: skip
    bands = pd.read_parquet(out / "timeseries_aggregate.parquet")
    # what two sweeps at once used to leave: every run's record and series in a second part
    for folder in ("runs", "timeseries"):
        part = out / folder / "part-000000.parquet"
        (out / folder / "part-000001.parquet").write_bytes(part.read_bytes())
    done = summarise(out)
    assert (done.planned, done.ok) == (4, 4)
    again = pd.read_parquet(out / "timeseries_aggregate.parquet")
    assert set(again["n"]) == {2}
    pd.testing.assert_frame_equal(again, bands, check_dtype=False)  # n: float past one part


# --- one line, not a traceback -------------------------------------------------------------------


def test_an_out_that_cannot_be_created_is_one_line(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    done = command("sweep", DEMO, "--steps", "3", "--out", str(blocked / "demo"), "--quiet")
    one_line(done, "cannot create output folder")


def test_a_full_disk_is_one_line_and_resumable(tmp_path, monkeypatch, capsys):
    out = tmp_path / "demo"

    def full(path, table):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(sim.experiment.store, "_write_arrow", full)
    args = ["sweep", DEMO, "--steps", "3", "--replications", "1", "--jobs", "1"]
    args += ["--out", str(out), "--quiet"]
    assert cli(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "rerun" in err[0], err
    monkeypatch.undo()
    assert cli(args) == 0  # the same command resumes
    capsys.readouterr()
    monkeypatch.setattr(sim.analysis.summary, "write_parquet", full)
    assert cli(["aggregate", str(out)]) == 2
    assert capsys.readouterr().err == f"{out}: cannot write: No space left on device\n"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once closed


@pytest.mark.parametrize("address", ["garbage", "tcp://host:notaport", "tcp://h:99999", "closed"])
def test_a_bad_scheduler_address_is_one_line_before_anything_is_written(tmp_path, address):
    if address == "closed":
        address = f"tcp://127.0.0.1:{closed_port()}"
    out = tmp_path / "demo"
    start = time.monotonic()
    done = command("sweep", DEMO, "--steps", "3", "--address", address, "--out", str(out))
    line = one_line(done, address)
    assert time.monotonic() - start < 20
    assert "cannot reach" in line if "127.0.0.1" in address else "tcp://HOST:PORT" in line
    assert not out.exists()


# --- the wrong kind of file ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, said",
    [
        (
            ["sweep", "scenarios/baseline.yaml"],
            "scenarios/baseline.yaml: this is a scenario file; sweep takes an experiment "
            "(see experiments/)",
        ),
        (
            ["run", "experiments/morris.yaml"],
            "experiments/morris.yaml: this is an experiment file; run takes a scenario "
            "(see scenarios/); use sweep",
        ),
        (
            ["compare", "scenarios/small.yaml", "experiments/demo.yaml"],
            "experiments/demo.yaml: this is an experiment file; compare takes a scenario",
        ),
        (["viz", "--scenario", "experiments/demo.yaml"], "viz takes a scenario"),
    ],
)
def test_a_file_of_the_wrong_kind_is_named_in_one_line(args, said):
    one_line(command(*args, timeout=60), said)


# --- folder names ------------------------------------------------------------------------------


def test_cleaned_up_folder_names_do_not_collide():
    assert folder_name("a_b") == "a_b" and folder_name("demo") == "demo"
    assert folder_name("a/b").startswith("a_b-") and folder_name("a b").startswith("a_b-")
    assert len({folder_name(n) for n in ("a/b", "a_b", "a b", "a:b")}) == 4


# --- SALib's advice, once and in the design's words ----------------------------------------------


@pytest.mark.parametrize(
    "setting, said",
    [("design.samples=7", "not a power of 2"), ("design.levels=3", "is odd")],
)
def test_sampler_warnings_become_one_note(tmp_path, setting, said):
    kind = "sobol" if "samples" in setting else "morris"
    path = write(tmp_path, parameters={p: {"low": 0.1, "high": 0.2} for p in RATES[:2]})
    done = command("sweep", str(path), "--set", f"design.kind={kind}", "--set", setting,
                   "--replications", "1", "--out", str(tmp_path / "out"), "--quiet")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr
    notes = [line for line in done.stdout.splitlines() if said in line]
    assert len(notes) == 1 and notes[0].startswith(f"note: {path}: {setting.split('=')[0]}: ")


def test_a_plot_named_after_a_scenario_stays_in_plots(tmp_path):
    from sim.experiment.folder import SweepFolder

    folder = SweepFolder(tmp_path)
    for name in ("heatmap_../../escape", "sensitivity_a/b", "heatmap_<b>x</b>"):
        path = folder.plot(name)
        assert path.parent == tmp_path / "plots" and path.suffix == ".png"
        assert "/" not in path.name and ".." not in path.name
