"""Run one scenario from Python: the entry point for the CLI, notebooks and sweeps."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..schema import Scenario
from .model import EcosystemModel


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    after_step: Callable[[EcosystemModel], None] | None = None,
) -> tuple[EcosystemModel, pd.DataFrame]:
    """Build the model, run it for `steps` (default: the scenario's) and return it with its
    per-step metrics, one row per step. `after_step(model)` is called after every month."""
    if steps is not None:
        scenario = scenario.model_copy(update={"steps": steps})
    model = EcosystemModel(scenario, seed=seed)
    if after_step is None:
        return model, model.run()
    for _ in range(scenario.steps):
        model.step()
        after_step(model)
    return model, model.metrics_frame()
