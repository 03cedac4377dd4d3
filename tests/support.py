"""Shared test helpers."""

from __future__ import annotations

import os
import shutil

import pytest

from sim.scenario import apply_changes
from sim.schema import Scenario


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
