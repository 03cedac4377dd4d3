"""The model as a Mesa user would hand it to mesa.batch_run: the scenario file and the seed as
keyword arguments, and a DataCollector of the contract metrics, collected every month."""

from __future__ import annotations

import mesa

from sim import load_scenario
from sim.model.metrics import STEP_METRICS
from sim.model.model import EcosystemModel


class BatchModel(EcosystemModel):
    def __init__(self, scenario_path: str, seed: int):
        super().__init__(load_scenario(scenario_path), seed=seed)
        reporters = {m: (lambda model, m=m: model._series[m][-1]) for m in STEP_METRICS}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
