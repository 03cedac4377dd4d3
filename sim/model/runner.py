"""Run one scenario from Python: the entry point for the CLI, notebooks and sweeps."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..schema import Scenario
from .model import EcosystemModel


def run_model(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    after_step: Callable[[EcosystemModel], None] | None = None,
) -> EcosystemModel:
    """Build the model and step it `steps` months (default: the scenario's), calling
    `after_step(model)` after every month; an exception it raises stops the run."""
    model = EcosystemModel(scenario, seed=seed)
    for _ in range(scenario.steps if steps is None else steps):
        model.step()
        if after_step is not None:
            after_step(model)
    return model


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
    model = run_model(scenario, seed, after_step=after_step)
    return model, model.metrics_frame()
