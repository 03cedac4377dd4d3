"""Local workers forked from a server that has imported the model (sim/experiment/workers.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.experiment import workers
from sim.experiment.workers import SERVER_ENVIRONMENT, start_forkserver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no forkserver on Windows")


def parent_and_model(_: int) -> tuple[int, bool]:
    """In a worker: its parent process, and whether the model was imported before this task
    (this module does not import it)."""
    return os.getppid(), "sim.model.runner" in sys.modules


SERVED = """
import json, os, sys
sys.path.insert(0, {tests!r})
from sim.experiment.execute import map_local
from sim.experiment.workers import start_forkserver
from test_workers import parent_and_model
started = start_forkserver()
found = [result for _, result in map_local(parent_and_model, range(4), 2)]
tasks = [f"/proc/{{parent}}/task" for parent in {{parent for parent, _ in found}}]
threads = [len(os.listdir(t)) for t in tasks if os.path.isdir(t)]  # Linux only
print(json.dumps({{"started": started, "me": os.getpid(), "found": found, "threads": threads}}))
"""


def test_workers_fork_from_the_server_with_the_model_imported():
    # a fresh process, as a command is: one that has joblib's workers already keeps them
    code = SERVED.format(tests=str(Path(__file__).parent))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    result = json.loads(done.stdout)
    assert result["started"]
    assert len(result["found"]) == 4
    parents = {parent for parent, _ in result["found"]}
    assert result["me"] not in parents, "the workers were started by the command, not the server"
    assert len(parents) == 1, "every worker comes from the one server"
    assert all(model for _, model in result["found"]), "a worker imported the model itself"
    if sys.platform.startswith("linux"):  # the server forks with no other thread running
        assert result["threads"] == [1]


def test_the_servers_environment_is_not_left_in_this_process(monkeypatch):
    given, unset = list(SERVER_ENVIRONMENT)[:2]
    monkeypatch.setenv(given, "7")
    monkeypatch.delenv(unset, raising=False)
    start_forkserver()
    assert os.environ[given] == "7"
    assert unset not in os.environ


@pytest.mark.parametrize(
    ("text", "jobs", "kind", "starts"),
    [
        ("name: x\n", None, None, True),  # local on every core (2: cpu_count below)
        ("name: x\n", 1, None, False),
        ("name: x\nbackend: {jobs: 1}\n", None, None, False),
        ("name: x\nbackend: {jobs: 1}\n", 2, None, True),  # the flag wins
        ("name: x\nbackend: {kind: dask}\n", None, None, False),
        ("name: x\nbackend: {kind: slurm}\n", None, "local", True),
        ("name: x\n", None, "slurm", False),
        ("backend: [local]\n", None, None, False),  # not read: loading it says what is wrong
        ("backend: {jobs: two}\n", None, None, False),
        ("[unclosed\n", None, None, False),
    ],
)
def test_the_server_starts_early_where_a_first_look_says_local_processes(
    tmp_path, monkeypatch, text, jobs, kind, starts
):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    started: list[bool] = []
    monkeypatch.setattr(workers, "start_forkserver", lambda: started.append(True) or True)
    path = tmp_path / "experiment.yaml"
    path.write_text(text, encoding="utf-8")
    assert workers.start_early(str(path), jobs, kind) is starts
    assert started == ([True] if starts else [])


def test_no_early_server_for_a_missing_file(monkeypatch):
    monkeypatch.setattr(workers, "start_forkserver", lambda: pytest.fail("started"))
    assert workers.start_early("no/such/experiment.yaml", None, None) is False


@pytest.mark.parametrize(
    ("argv", "called"),
    [
        (["sweep", "e.yaml", "--jobs", "2"], ("e.yaml", 2, None)),
        (["sweep", "--jobs=3", "--backend", "local", "e.yml"], ("e.yml", 3, "local")),
        (["sweep", "--quiet", "E.YAML"], ("E.YAML", None, None)),
        (["sweep", "e.yaml", "--jobs", "2", "--jobs", "1"], ("e.yaml", 1, None)),  # the last
        (["sweep", "e.yaml", "--dry-run"], None),
        (["sweep", "e.yaml", "--jobs", "two"], None),  # the parser says what is wrong
        (["sweep", "--jobs", "2"], None),
        (["run", "scenarios/small.yaml"], None),
        ([], None),
        (["compare", "a.yaml", "b.yaml", "--jobs", "3"], ("local", 3)),
        (["compare", "a.yaml", "b.yaml"], ("local", 2)),  # every core (2: cpu_count below)
    ],
)
def test_the_command_line_is_read_for_an_early_start(monkeypatch, argv, called):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    seen = []
    monkeypatch.setattr(workers, "start_early", lambda *given: seen.append(given) or True)
    monkeypatch.setattr(workers, "start", lambda *given: seen.append(given) or True)
    assert workers.start_for_command(argv) is (called is not None)
    assert seen == ([called] if called else [])


def test_the_sweep_command_starts_the_server_before_it_loads_the_model(tmp_path):
    # a fresh process, as a command is: sim.cli alone loads no model, nor the commands and
    # the scenario's libraries; the server must be running before the commands are imported
    code = f"""
import sys, multiprocessing.forkserver as fs
import sim.cli
assert not {{"sim.experiment.spec", "sim.config", "sim.cli.parser"}} & set(sys.modules)
seen = []
import importlib.abc
class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, *_):
        if name == "sim.cli.parser" and not seen:  # the commands: the model's libraries
            # the server's pid: multiprocessing has no public way to ask if it runs
            seen.append(fs._forkserver._forkserver_pid is not None)
sys.meta_path.insert(0, Watch())
sim.cli.main(["sweep", {str(Path("experiments/demo.yaml").resolve())!r}, "--jobs", "2",
              "--out", {str(tmp_path / "out")!r}, "--dry-run"])
print("dry", seen)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.strip().endswith("dry [False]"), "a dry run starts no server"
    done = subprocess.run(
        [sys.executable, "-c", code.replace(', "--dry-run"', ', "--steps", "1", "--quiet"')],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert done.stdout.strip().endswith("[True]"), done.stdout
