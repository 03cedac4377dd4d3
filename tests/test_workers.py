"""Local workers forked from a server that has imported the model (sim/experiment/workers.py)."""

from __future__ import annotations

import os
import sys

import pytest

from sim.experiment.execute import map_local
from sim.experiment.workers import SERVER_ENVIRONMENT, start_forkserver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no forkserver on Windows")


def parent_and_model(_: int) -> tuple[int, bool]:
    """In a worker: its parent process, and whether the model was imported before this task
    (this module does not import it)."""
    return os.getppid(), "sim.model.runner" in sys.modules


def test_workers_fork_from_the_server_with_the_model_imported():
    assert start_forkserver()
    found = [result for _, result in map_local(parent_and_model, range(4), 2)]
    assert len(found) == 4
    parents = {parent for parent, _ in found}
    assert os.getpid() not in parents, "the workers were started by this process, not the server"
    assert len(parents) == 1, "every worker comes from the one server"
    assert all(model for _, model in found), "a worker imported the model itself"
    (server,) = parents
    if os.path.isdir(f"/proc/{server}/task"):  # Linux: it forks with no other thread running
        assert len(os.listdir(f"/proc/{server}/task")) == 1


def test_the_servers_environment_is_not_left_in_this_process(monkeypatch):
    given, unset = list(SERVER_ENVIRONMENT)[:2]
    monkeypatch.setenv(given, "7")
    monkeypatch.delenv(unset, raising=False)
    start_forkserver()
    assert os.environ[given] == "7"
    assert unset not in os.environ
