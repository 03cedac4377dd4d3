"""EcosystemModel: builds the population and runs the step order of the reference design."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from ..scenario import apply_changes
from ..schema import KINDS, Scenario
from . import metrics, population
from .agents import AGENT_CLASSES, Actor
from .mechanisms import (
    entry,
    exchange,
    finance,
    formats,
    governance,
    ip,
    market,
    partnering,
    research,
)
from .records import Recorder
from .state import State


class EcosystemModel(mesa.Model):
    """An innovation ecosystem of startups, corporates, universities, investors and regulators.

    State lives in numpy arrays (`self.state`); each Mesa agent is a view onto one row.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None):
        self.seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=np.random.SeedSequence(self.seed))
        self.params = scenario
        expected = sum(getattr(scenario.population, k).count for k in KINDS)
        self.state = State(scenario.fields, capacity=max(64, int(expected * 1.5)))
        population.build(self.state, scenario, self.rng)
        if scenario.record:
            self.state.recorder = Recorder(scenario.record)
            self.state.recorder.track(self.state)
        self._agent_of: list[Actor | None] = []
        self._agent_kind = np.empty(0, dtype=np.int8)  # kind of each row's agent, -1 for none
        self._sync_agents()
        self._series: dict[str, list[float]] = {
            name: [] for name in metrics.STEP_METRICS + metrics.EXTRA_METRICS
        }

    def step(self) -> None:
        """One month, in the order of the reference design."""
        s, rng = self.state, self.rng
        s.t = self.steps
        s.counts.clear()
        self._govern()  # 1. governance: what-if events and the adaptive rule
        governance.public_money(s, self.params)  # 2. grants and R&D subsidies
        partnering.refresh_trust(s, self.params)  # 3. partnering and trust
        partnering.dissolve(s, self.params)
        partnering.search(s, self.params, rng)
        formats.hold(s, self.params, rng)  # innovation jams and open challenges
        exchange.exchange(s, self.params)  # 4. knowledge exchange and spillovers
        exchange.opportunism(s, self.params, rng)
        exchange.public_pool(s, self.params)
        research.research(s, self.params, rng)  # 5. research and innovations
        formats.attribute(s)
        ip.protect(s, self.params, rng)  # 6. patents, secrecy, publication
        market.submit(s, self.params)  # 7. market
        market.imitate(s, self.params, rng)
        market.sell(s, self.params)
        finance.costs_and_taxes(s, self.params)  # 8. finance
        finance.venture_capital(s, self.params, rng)
        finance.ipo(s, self.params)
        finance.acquisitions(s, self.params, rng)
        finance.failures(s, self.params)
        entry.entry(s, self.params, rng)  # 9. entry
        self._sync_agents()
        self._record()  # 10. metrics (and agent-level records, when kept)

    def run(self, steps: int | None = None) -> pd.DataFrame:
        """Run `steps` months (default: the scenario's) and return the per-step metrics."""
        for _ in range(self.params.steps if steps is None else steps):
            self.step()
        return self.metrics_frame()

    def _govern(self) -> None:
        for changes in governance.due_changes(self.params, self.steps):
            self.params = apply_changes(self.params, changes)
        series = self._series
        adapted = governance.adapt(
            self.state, self.params, series["innovations"], series["public_spend"]
        )
        self.params = adapted or self.params

    def _record(self) -> None:
        for name, value in metrics.step_metrics(self.state, self.params).items():
            self._series[name].append(value)
        if self.state.recorder is not None:
            self.state.recorder.end_of_step(self.state)

    def records(self) -> dict[str, pd.DataFrame]:
        """The agent-level records the scenario asked for (`record:`), each with the seed."""
        if self.state.recorder is None:
            return {}
        frames = self.state.recorder.frames(self.state, self.params.ip.patent_term)
        return {name: frame.assign(seed=self.seed) for name, frame in frames.items()}

    def _sync_agents(self) -> None:
        """Create, remove or replace Mesa agents whose rows were born, ended or changed kind."""
        a = self.state.actors
        grown = a.n - len(self._agent_of)
        self._agent_of.extend([None] * grown)
        self._agent_kind = np.r_[self._agent_kind, np.full(grown, -1, dtype=np.int8)]
        want = np.where(a.alive[: a.n], a.kind[: a.n], -1).astype(np.int8)
        for row in np.flatnonzero(want != self._agent_kind).tolist():
            old = self._agent_of[row]
            if old is not None:
                old.remove()
            kind = int(want[row])
            self._agent_of[row] = AGENT_CLASSES[kind](self, row) if kind >= 0 else None
        self._agent_kind = want

    @property
    def series(self) -> dict[str, np.ndarray]:
        """Every step metric, one value per step so far."""
        return {name: np.asarray(values, dtype=float) for name, values in self._series.items()}

    def metrics_frame(self) -> pd.DataFrame:
        """One row per step: `step`, `seed` and every metric."""
        frame = pd.DataFrame(self._series)
        frame.insert(0, "seed", self.seed)
        frame.insert(0, "step", np.arange(1, len(frame) + 1))
        return frame

    def run_metrics(self) -> dict[str, float]:
        """Per-run metrics (survival, time to first product, value per public money)."""
        return metrics.run_metrics(self.series, self.state, self.steps)

    def agent_at(self, row: int) -> Actor | None:
        """The Mesa agent of an actor row (None once the actor has left)."""
        return self._agent_of[row]
