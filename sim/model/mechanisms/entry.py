"""Stage 9: new startups: university spin-offs, copies of successful startups, exogenous entry."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import Kind, Origin
from ..metrics import Tally
from ..population import add_startups
from ..state import State


def entry(
    state: State, params: Scenario, rng: np.random.Generator, parents: np.ndarray, tally: Tally
) -> None:
    """Found this step's startups: spin-offs of the universities `parents` (which take their
    equity), copies of successful startups and exogenous entrants."""
    a = state.actors
    founded = 0

    if len(parents):
        weak = rng.uniform(*params.population.startup.weak_level, (len(parents), params.fields))
        k = np.where(a.ih[parents], a.knowledge[parents], weak)
        rows = add_startups(state, params, rng, len(parents), knowledge=k)
        a.origin[rows], a.parent[rows] = Origin.SPINOFF, parents
        e = state.equity
        stakes = e.add(len(rows))
        e.owner[stakes], e.company[stakes] = parents, rows
        e.stake[stakes] = params.population.university.spinoff_equity
        founded += len(rows)

    arrivals = rng.poisson(params.entry.rate)
    copies = rng.binomial(arrivals, params.entry.copy_share)
    models = _successful_startups(state, params.entry.copy_top_share)
    if copies and len(models):
        parent = models[rng.integers(len(models), size=copies)]
        k = a.knowledge[parent] * rng.uniform(*params.entry.copy_fidelity, (copies, params.fields))
        rows = add_startups(state, params, rng, copies, knowledge=k)
        a.origin[rows], a.parent[rows] = Origin.COPY, parent
        founded += copies
    else:
        copies = 0
    fresh = arrivals - copies
    rows = add_startups(state, params, rng, fresh)
    a.origin[rows] = Origin.EXOGENOUS
    founded += fresh
    tally.startups_founded += founded


def _successful_startups(state: State, top_share: float) -> np.ndarray:
    """The top share of living startups by recent innovation value (SKIN copies winners)."""
    st = state.rows(Kind.STARTUP)
    value = state.actors.recent_value[st]
    st = st[value > 0]
    if len(st) == 0:
        return st
    cut = np.quantile(state.actors.recent_value[st], 1 - top_share)
    return st[state.actors.recent_value[st] >= cut]
