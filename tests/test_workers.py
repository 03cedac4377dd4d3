"""Local workers forked from a server that has imported the model (sim/experiment/workers.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
