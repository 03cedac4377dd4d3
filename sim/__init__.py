"""Agent-based simulation of innovation ecosystems on Mesa.

The public API: `load_scenario` reads a YAML scenario, `run_scenario` runs it and returns the
model with its per-step metrics.
"""

from typing import Any

from .config import ScenarioError
from .scenario import load_scenario
from .schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "run_scenario"]


def __getattr__(name: str) -> Any:
    """Import the model (mesa, pandas) only when it is first used: `validate` stays fast."""
    if name == "run_scenario":
        from .model.runner import run_scenario

        return run_scenario
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
