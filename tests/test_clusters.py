"""Sweeps on clusters, against the real things: a Dask LocalCluster, `dask scheduler` and
`dask worker` processes, job-array shards with `aggregate`, and a single-node SLURM (started
by .ci/slurm-up). Every backend must give the same results as the local one."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_sweep import experiment, metrics_of, records_of, series_of, sweep

from sim.model.records import RECORDS

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).with_name("dask")
RECORDED = ["actors", "deals"]  # agent-level records must come through every backend too


def aggregate(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", "aggregate", str(out)], capture_output=True, text=True, cwd=ROOT
    )


def same_results(a: Path, b: Path) -> None:
    pd.testing.assert_frame_equal(metrics_of(a), metrics_of(b))
    pd.testing.assert_frame_equal(series_of(a), series_of(b))
    kept = [name for name in RECORDS if (a / name).is_dir()]
    assert kept == [name for name in RECORDS if (b / name).is_dir()]
    for name in kept:
        pd.testing.assert_frame_equal(records_of(a, name), records_of(b, name))


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The experiment (2 scenarios x 3 replications, 12 months, two records) run locally on 1
    process."""
    tmp = tmp_path_factory.mktemp("clusters")
    path = experiment(tmp, record=RECORDED)
    sweep(str(path), "--jobs", "1", "--out", str(tmp / "local"))
    return path, tmp / "local"


def test_dask_local_cluster_gives_the_local_results(local, tmp_path):
    path, reference = local
    done = sweep(str(path), "--backend", "dask", "--jobs", "2", "--out", str(tmp_path / "d"))
    assert "ran 6 runs" in done.stdout and "on dask" in done.stdout
    same_results(reference, tmp_path / "d")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster():
    """`dask scheduler` and `dask worker` (2 single-threaded processes) on loopback."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    options = {"cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            str(DASK),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dashboard-address",
            ":0",
        ],
        start_new_session=True,
        **options,
    )
    worker = subprocess.Popen(
        [
            str(DASK),
            "worker",
            address,
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--host",
            "127.0.0.1",
            "--no-dashboard",
        ],
        start_new_session=True,
        **options,
    )
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
    yield address, worker
    for proc in (worker, scheduler):
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_dask_address_gives_the_local_results(local, tmp_path, dask_cluster):
    path, reference = local
    address, _ = dask_cluster
    done = sweep(str(path), "--address", address, "--out", str(tmp_path / "d"))
    assert f"on {address}" in done.stdout
    same_results(reference, tmp_path / "d")


def test_a_killed_dask_worker_costs_no_run(tmp_path, dask_cluster):
    address, worker = dask_cluster
    path = experiment(tmp_path, replications=10, steps=36)
    out = tmp_path / "d"
    proc = subprocess.Popen(
        [
            sys.executable,
            "run.py",
            "sweep",
            str(path),
            "--address",
            address,
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while len(list((out / ".pending").glob("*.arrow"))) < 2:  # runs are under way
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    children = subprocess.run(
        ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True
    ).stdout.split()
    nanny_children = [
        c
        for pid in children
        for c in subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
    ]
    victim = int((nanny_children or children)[0])
    os.kill(victim, signal.SIGKILL)  # a worker process dies mid-run
    stdout, stderr = proc.communicate(timeout=300)
    runs = metrics_of(out)
    assert len(runs) == 20 and not runs["status"].eq("missing").any(), stderr
    assert runs["status"].eq("ok").all(), runs.loc[runs.status != "ok", "error"].tolist()
    reference = tmp_path / "local"
    sweep(str(path), "--jobs", "2", "--out", str(reference))
    same_results(reference, out)


def test_shards_and_aggregate_give_the_local_results(local, tmp_path):
    path, reference = local
    out = tmp_path / "s"
    for i in range(3):
        done = sweep(str(path), "--shard", f"{i}/3", "--jobs", "1", "--out", str(out))
        assert f"shard {i}/3: ran 2 runs" in done.stdout
    assert len(list((out / "runs").glob("part-s*of3-*.parquet"))) == 3
    aggregated = aggregate(out)
    assert aggregated.returncode == 0, aggregated.stderr
    same_results(reference, out)


def test_aggregate_says_which_runs_are_missing(local, tmp_path):
    path, _ = local
    out = tmp_path / "s"
    sweep(str(path), "--shard", "0/3", "--jobs", "1", "--out", str(out))
    done = aggregate(out)
    assert done.returncode == 1
    assert "4 runs missing (run_id 1-2, 4-5)" in done.stderr


def test_bad_shard_is_one_line_exit_2(local):
    path, _ = local
    done = sweep(str(path), "--shard", "3/3", check=2)
    assert "must be I/N with 0 <= I < N" in done.stderr and "Traceback" not in done.stderr


def slurm_or_skip() -> None:
    if shutil.which("sbatch") and subprocess.run(["sinfo"], capture_output=True).returncode == 0:
        return
    if os.environ.get("CI"):
        pytest.fail("SLURM is not running; .ci/run starts it with .ci/slurm-up")
    pytest.skip("SLURM is not installed or not running (sudo .ci/slurm-up starts one)")


def test_slurm_backend_gives_the_local_results(local, tmp_path):
    slurm_or_skip()
    path, reference = local
    done = sweep(
        str(path),
        "--backend",
        "slurm",
        "--slurm-jobs",
        "1",
        "--cores",
        "2",
        "--walltime",
        "00:10:00",
        "--out",
        str(tmp_path / "sl"),
    )
    assert "on slurm" in done.stdout
    same_results(reference, tmp_path / "sl")
    # the batch jobs' logs go into the sweep folder, not into the working directory
    assert list((tmp_path / "sl" / "slurm-logs").glob("*.out"))


def test_slurm_job_array_gives_the_local_results(local, tmp_path):
    slurm_or_skip()
    path, reference = local
    out = tmp_path / "arr"
    script = subprocess.run(
        [
            sys.executable,
            "run.py",
            "slurm-script",
            str(path),
            "--array",
            "2",
            "--out",
            str(out),
            "--time",
            "00:10:00",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert "#SBATCH --array=0-1" in script and '--shard "$SLURM_ARRAY_TASK_ID/2"' in script
    out.mkdir()
    (tmp_path / "arr.sbatch").write_text(script)
    subprocess.run(
        ["sbatch", "--wait", str(tmp_path / "arr.sbatch")],
        check=True,
        timeout=300,
        capture_output=True,
    )
    done = aggregate(out)
    assert done.returncode == 0, done.stderr + "".join(p.read_text() for p in out.glob("slurm-*"))
    same_results(reference, out)
