"""Shared test helpers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sim.scenario import apply_changes
from sim.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent


def small(**changes) -> Scenario:
    """A fifth of the baseline population over five years: fast, but every mechanism acts."""
    base = {
        "steps": 60,
        "population.startup.count": 120,
        "population.corporate.count": 30,
        "population.university.count": 6,
        "population.investor.count": 8,
        "entry.rate": 2.0,
        "governance.public_allocation": 20.0,
    }
    return apply_changes(Scenario(), base | changes)


def slow(test):
    """Marks a full-size test (minutes): `slow`, and skipped unless ECOSIM_SLOW=1."""
    skip = pytest.mark.skipif(os.environ.get("ECOSIM_SLOW") != "1", reason="set ECOSIM_SLOW=1")
    return pytest.mark.slow(skip(test))


# Debian's chromium, headless, with nothing that reaches out to the internet
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    """The chromium executable; the test fails in CI without it and is skipped elsewhere."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@contextmanager
def headless_chromium() -> Iterator:
    """A launched headless Chromium (Playwright's Browser), closed afterwards."""
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def start(
    command: list[str],
    log: Path,
    ready: Callable[[str], bool],
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """Start a server in its own process group (output in `log`, `env` added to the
    environment); wait, two minutes at most, until `ready(its output so far)`."""
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            if ready(log.read_text()):
                return server
        except OSError:  # not listening yet, or refused for now
            pass
        time.sleep(0.3)
    stop(server)
    pytest.fail(f"the server did not get ready: {log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    """Stop a server that `start` started, and everything it started."""
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


class WorkersStarted(Exception):
    """Where `workers_asked` stops a command: as it starts its local workers."""


def workers_asked(monkeypatch, command: Callable[[], object]) -> list[tuple]:
    """The (backend kind, jobs) that `command` asked the local workers' server for; the
    command is stopped there, before its first run."""
    from sim.experiment import workers

    asked: list[tuple] = []

    def start(*how):
        asked.append(how)
        raise WorkersStarted

    monkeypatch.setattr(workers, "start", start)
    with pytest.raises(WorkersStarted):
        command()
    return asked
