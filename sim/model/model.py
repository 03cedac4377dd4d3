"""EcosystemModel: builds the population and runs the step order of the reference design."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from ..scenario import apply_changes
from ..schema import Scenario
from ..vocabulary import KINDS
from . import metrics, population
from .agents import AGENT_CLASSES, Actor
from .checkpoint import Checkpoint
from .mechanisms import (
    brokers,
    calls,
    entry,
    exchange,
    finance,
    formats,
    frontier,
    governance,
    ip,
    lifecycle,
    market,
    partnering,
    partnerships,
    projects,
    research,
    takeovers,
    users,
)
from .metrics import Tally
from .records import NoRecords, Recorder, Records
from .runtime import stepping
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
        self.recorder: Records = Recorder(scenario.record) if scenario.record else NoRecords()
        self.recorder.end_of_step(self.state)  # note the initial actors
        self._agent_of: list[Actor | None] = []  # made when agents are read (_sync_agents)
        self._agent_kind = np.empty(0, dtype=np.int8)  # kind of each row's agent, -1 for none
        self._series: dict[str, list[float]] = {name: [] for name in metrics.PER_STEP}

    @classmethod
    def resume(cls, start: Checkpoint, params: Scenario | None = None) -> EcosystemModel:
        """The model at a checkpoint's month, to go on under the checkpoint's own scenario (a
        continuation, bit for bit) or under `params` (a branch from the same ecosystem)."""
        model = cls.__new__(cls)
        mesa.Model.__init__(model, rng=np.random.SeedSequence(start.seed))
        model.rng, model.steps, model.seed = start.rng, start.month, start.seed
        model.random.setstate(start.python_random)
        model.params = start.scenario if params is None else params
        model.state = start.state
        model.recorder = NoRecords()  # checkpoint.capture refuses runs that keep records
        model._agent_of, model._agent_kind = [], np.empty(0, dtype=np.int8)
        model._series = {name: list(values) for name, values in start.series.items()}
        return model

    @stepping
    def step(self) -> None:
        """One month, in the order of the reference design. Every stage adds to this month's
        `tally` and reports to the records; what a stage hands a later one is named here."""
        s, rng, rec = self.state, self.rng, self.recorder
        s.t = self.steps
        tally = Tally()
        self._govern(tally)  # 1. governance: what-if events and the adaptive rule
        p = self.params
        governance.public_money(s, p, tally)  # 2. grants and R&D subsidies
        calls.run(s, p, rng, tally, rec)  # competitive calls; grants to funded consortia
        partnering.refresh_trust(s, p)  # 3. partnering and trust
        lost = partnering.dissolve(s, p, tally, rec)
        partnering.search(s, p, rng, tally, rec, lost)
        brokers.run(s, p, rng, tally, rec)  # accelerators, TTOs, the platform (7.18)
        projects.start(s, p, rng, tally)  # joint R&D on some ties
        formats.hold(s, p, rng, tally, rec)  # innovation jams and open challenges
        partnerships.share(s, p, tally)  # sharing's gains and leaks; standards' patent pools
        exchange.exchange(s, p, tally, rec)  # 4. knowledge exchange and spillovers
        exchange.opportunism(s, p, rng, tally)
        exchange.public_pool(s, p)
        innovations = research.research(s, p, rng, tally)  # 5. research and innovations
        innovations = users.involve(s, p, rng, innovations, tally)  # idea communities
        formats.attribute(s, innovations, tally)
        frontier.advance(s, p, innovations)  # the state of the art moves
        protection = ip.protect(s, p, rng, innovations, tally)  # 6. patents, secrecy, publication
        launches = market.submit(s, p, innovations)  # 7. market
        market.imitate(s, p, rng, tally)
        partnerships.settle_standards(s, p, tally)  # installed bases of the fields' standards
        market.sell(s, p, tally, rec)
        finance.costs_and_taxes(s, p, tally)  # 8. finance
        partnerships.pay(s, p, tally)  # each partnership type's cost
        pipeline = market.pipeline_revenue(s, p)  # pending products' revenue, for valuations
        finance.venture_capital(s, p, rng, tally, rec, pipeline)
        finance.ipo(s, p, tally, rec, pipeline)
        takeovers.acquisitions(s, p, rng, tally, rec, pipeline)
        finance.failures(s, p, tally, rec)
        lifecycle.age(s, p, rng, tally, rec)  # closures; incumbents' business erodes
        entry.entry(s, p, rng, protection.spinoff_parents, tally)  # 9. entry
        rec.innovations(s, innovations, protection, launches)
        self._observe(tally)  # 10. metrics (and agent-level records, when kept)

    def run(self, steps: int | None = None) -> pd.DataFrame:
        """Run `steps` months (default: the scenario's) and return the per-step metrics."""
        for _ in range(self.params.steps if steps is None else steps):
            self.step()
        return self.metrics_frame()

    def _govern(self, tally: Tally) -> None:
        for changes in governance.due_changes(self.params, self.steps):
            self.params = apply_changes(self.params, changes)
        series = self._series
        adapted = governance.adapt(
            self.state, self.params, series["innovations"], series["public_spend"], tally
        )
        self.params = adapted or self.params

    def _observe(self, tally: Tally) -> None:
        for name, value in metrics.step_values(self.state, self.params, tally).items():
            self._series[name].append(value)
        self.recorder.end_of_step(self.state)

    def records(self) -> dict[str, pd.DataFrame]:
        """The agent-level records the scenario asked for (`record:`), each with the seed."""
        frames = self.recorder.frames(self.state, self.params.ip.patent_term)
        return {name: frame.assign(seed=self.seed) for name, frame in frames.items()}

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Every alive actor's Mesa agent (Mesa's `Model.agents`), up to date with the rows."""
        self._sync_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type[Actor], mesa.agent.AgentSet]:
        """The alive actors' Mesa agents by class (Mesa's `Model.agents_by_type`)."""
        self._sync_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The agent classes that have had agents (Mesa's `Model.agent_types`)."""
        self._sync_agents()
        return super().agent_types

    def _sync_agents(self) -> None:
        """Create, remove or replace Mesa agents whose rows were born, ended or changed kind
        since they were last read: the agents are views, made when asked for (a run that
        never reads them, such as a sweep's, makes none; a million take 9 s)."""
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
        self._sync_agents()
        return self._agent_of[row]
