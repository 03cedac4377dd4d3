"""Run one scenario from Python: the entry point for the CLI, notebooks and sweeps."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..scenario import apply_changes
from ..schema import Scenario
from .checkpoint import Checkpoint
from .mechanisms import governance
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
    return advance(model, scenario.steps if steps is None else steps, after_step)


def run_from(
    start: Checkpoint,
    scenario: Scenario | None = None,
    steps: int | None = None,
    after_step: Callable[[EcosystemModel], None] | None = None,
) -> EcosystemModel:
    """Go on from a checkpoint to `steps` months in all (default: the scenario's): under the
    checkpoint's own parameters (None: the run continues bit for bit), or as a branch under
    `scenario` in force at the checkpoint's month (branch_params)."""
    params = None if scenario is None else branch_params(scenario, start.month)
    model = EcosystemModel.resume(start, params)
    total = (params or start.scenario).steps if steps is None else steps
    return advance(model, total - start.month, after_step)


def advance(
    model: EcosystemModel, months: int, after_step: Callable[[EcosystemModel], None] | None
) -> EcosystemModel:
    """Step the model `months` months, calling `after_step(model)` after each (an exception
    it raises stops the run)."""
    for _ in range(months):
        model.step()
        if after_step is not None:
            after_step(model)
    return model


def branch_params(scenario: Scenario, month: int) -> Scenario:
    """`scenario` as in force at the end of `month`: its parameter events dated up to then
    applied in order (they ran in the warm-up; its formats' events did too, see warmup.py)."""
    for t in range(month + 1):
        for changes in governance.due_changes(scenario, t):
            scenario = apply_changes(scenario, changes)
    return scenario


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
