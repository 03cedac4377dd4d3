"""Agent-based simulation of innovation ecosystems on Mesa.

The public API: `load_scenario` reads a YAML scenario, `run_scenario` runs it and returns the
model with its per-step metrics.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ScenarioError
    from .model.runner import run_scenario
    from .scenario import load_scenario
    from .schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "run_scenario"]
# where each name is: imported when first used, so that `import sim.cli` is quick (a sweep's
# worker server starts before the scenario's libraries load) and `validate` loads no model
WHERE = {
    "Scenario": ".schema",
    "ScenarioError": ".config",
    "load_scenario": ".scenario",
    "run_scenario": ".model.runner",
}


def __getattr__(name: str) -> Any:
    """A public name, from its module (imported now if it was not)."""
    if name in WHERE:
        return getattr(import_module(WHERE[name], __name__), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
