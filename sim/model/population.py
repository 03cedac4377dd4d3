"""Creating actor rows: the initial population and new startups during the run."""

from __future__ import annotations

import numpy as np

from ..schema import Scenario
from ..vocabulary import KINDS, Kind, Strategy
from .state import State


def log_uniform(rng: np.random.Generator, bounds: tuple[float, float], size: int) -> np.ndarray:
    """Draws spread evenly on a log scale between the bounds."""
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    return np.exp(rng.uniform(lo, hi, size))


def choose_ih(rng: np.random.Generator, knowledge: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Pick each row's innovation hypothesis: `sizes[i]` fields, stronger fields more likely."""
    weights = knowledge + 0.05
    keys = np.log(rng.random(knowledge.shape)) / weights  # Efraimidis-Spirakis sampling
    order = np.argsort(-keys, axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(knowledge.shape[1])[None, :], axis=1)
    return ranks < sizes[:, None]


def _new_rows(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    kind: int,
    count: int,
    max_partners: int,
) -> np.ndarray:
    a = state.actors
    rows = a.add(count)
    a.kind[rows] = kind
    a.alive[rows] = True
    a.born[rows] = state.t
    a.max_partners[rows] = max_partners
    seeking = params.partnering.innovation_seeking.get(KINDS[kind], 0.0)
    a.strategy[rows] = np.where(
        rng.random(count) < seeking, Strategy.INNOVATION, Strategy.RESOURCES
    )
    return rows


def _set_ih(state: State, params: Scenario, rng: np.random.Generator, rows: np.ndarray) -> None:
    lo, hi = params.knowledge.ih_size
    sizes = rng.integers(lo, hi + 1, len(rows))
    state.actors.ih[rows] = choose_ih(rng, state.actors.knowledge[rows], sizes)


def startup_knowledge(params: Scenario, rng: np.random.Generator, count: int) -> np.ndarray:
    """Narrow, deep profiles: a few strong fields, little elsewhere."""
    p, f = params.population.startup, params.fields
    lo, hi = p.strong_fields
    strong = np.minimum(rng.integers(lo, hi + 1, count), f)
    k = rng.uniform(*p.weak_level, (count, f))
    keys = rng.random((count, f))
    ranks = keys.argsort(axis=1).argsort(axis=1)
    is_strong = ranks < strong[:, None]
    k[is_strong] = rng.uniform(*p.strong_level, int(is_strong.sum()))
    return k


def add_startups(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    count: int,
    knowledge: np.ndarray | None = None,
    initial: bool = False,
) -> np.ndarray:
    """New startups with founders' seed capital (money from outside the system); `initial`
    ones were founded before the run and hold `initial_runway` months of burn instead."""
    p = params.population.startup
    rows = _new_rows(state, params, rng, Kind.STARTUP, count, p.max_partners)
    a = state.actors
    a.knowledge[rows] = startup_knowledge(params, rng, count) if knowledge is None else knowledge
    _set_ih(state, params, rng, rows)
    a.burn[rows] = rng.uniform(*p.burn, count)
    a.rd_share[rows] = p.rd_share
    if initial:
        state.earn(rows, a.burn[rows] * rng.uniform(*p.initial_runway, count), "initial")
    else:
        state.earn(rows, rng.uniform(*p.seed_capital, count), "founders")
    return rows


def _add_corporates(state: State, params: Scenario, rng: np.random.Generator) -> None:
    p = params.population.corporate
    n, f = p.count, params.fields
    rows = _new_rows(state, params, rng, Kind.CORPORATE, n, p.max_partners)
    a = state.actors
    k = rng.uniform(*p.knowledge, (n, f))
    core = rng.random((n, f)) < p.core_share
    k[core] = rng.uniform(*p.core_knowledge, int(core.sum()))
    a.knowledge[rows] = k * state.field_maturity
    _set_ih(state, params, rng, rows)
    a.revenue[rows] = log_uniform(rng, p.revenue, n)
    a.rd_share[rows] = rng.uniform(*p.rd_intensity, n)
    state.earn(rows, log_uniform(rng, p.capital, n), "initial")


def _add_universities(state: State, params: Scenario, rng: np.random.Generator) -> None:
    p = params.population.university
    n, f = p.count, params.fields
    rows = _new_rows(state, params, rng, Kind.UNIVERSITY, n, p.max_partners)
    a = state.actors
    a.knowledge[rows] = rng.uniform(*p.knowledge, (n, f)) * state.field_maturity
    _set_ih(state, params, rng, rows)
    a.revenue[rows] = rng.uniform(*p.grant, n)  # the monthly grant it applies for
    a.rd_share[rows] = p.research_share
    state.earn(rows, log_uniform(rng, p.capital, n), "initial")


def _add_investors(state: State, params: Scenario, rng: np.random.Generator) -> None:
    p = params.population.investor
    rows = _new_rows(state, params, rng, Kind.INVESTOR, p.count, p.max_partners)
    state.actors.fund_end[rows] = p.fund_life
    state.earn(rows, log_uniform(rng, p.fund_size, p.count), "initial")


def _add_regulators(state: State, params: Scenario, rng: np.random.Generator) -> None:
    p = params.population.regulator
    rows = _new_rows(state, params, rng, Kind.REGULATOR, p.count, 0)
    if p.count:
        state.earn(rows, p.budget / p.count, "initial")


def build(state: State, params: Scenario, rng: np.random.Generator) -> None:
    """The initial population, kind by kind, in a fixed order (so seeds reproduce)."""
    spread = params.knowledge.field_spread
    state.field_maturity = rng.uniform(1 - spread, 1.0, params.fields)
    add_startups(state, params, rng, params.population.startup.count, initial=True)
    _add_corporates(state, params, rng)
    _add_universities(state, params, rng)
    _add_investors(state, params, rng)
    _add_regulators(state, params, rng)
