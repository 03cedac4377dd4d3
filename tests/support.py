"""Shared test helpers."""

from __future__ import annotations

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
