"""Stage 8 (end): the life cycle of firms. Startups' founders may give up; incumbents'
existing business erodes, faster where others launch products, and their costs follow with
a lag."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import End, Kind
from ..arrays import mean_over
from ..metrics import Tally
from ..records import Records
from ..state import State
from .finance import leave


def age(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """This month's closures of startups, then the erosion of corporates' baseline business."""
    closures(state, params, rng, tally, records)
    erode(state, params)


def closure_hazard(state: State, params: Scenario, rows: np.ndarray) -> np.ndarray:
    """Each startup's chance of closing this month: higher while young (the liability of
    newness) and lower the more of its burn its product revenue covers (traction)."""
    lc, a = params.lifecycle, state.actors
    young = state.t - a.born[rows] < lc.newness_months
    hazard = lc.closure_rate * np.where(young, lc.newness_factor, 1.0)
    covered = np.minimum(a.product_revenue[rows] / a.burn[rows], 1.0)
    return np.minimum(hazard * (1 - (1 - lc.traction_factor) * covered), 1.0)


def closures(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Startups whose founders give up close (End.CLOSED) whatever cash they hold, which goes
    to their owners."""
    st = state.rows(Kind.STARTUP)
    closing = st[rng.random(len(st)) < closure_hazard(state, params, st)]
    leave(state, records, closing, End.CLOSED, tally)
    tally.startups_closed += len(closing)


def launch_pressure(state: State, rows: np.ndarray) -> np.ndarray:
    """Per actor in `rows`: the value of products that others launched this month, $M/month,
    averaged over its IH fields."""
    p, a = state.products, state.actors
    n = p.n
    new = np.flatnonzero(p.launch[:n] == state.t)
    field, value = p.field[new], p.value[new]
    launched = np.bincount(field, value, minlength=state.fields)
    own = np.zeros((len(rows), state.fields))
    where = np.full(a.n, -1)
    where[rows] = np.arange(len(rows))
    mine = where[p.owner[new]] >= 0
    np.add.at(own, (where[p.owner[new]][mine], field[mine]), value[mine])
    ih = a.ih[rows]
    return mean_over(ih, launched - own)


def erode(state: State, params: Scenario) -> None:
    """Corporates lose a share of their baseline revenue (obsolescence plus displacement by
    others' launches in their IH fields); operating costs are set for the cost base, which
    follows revenue with a lag, so a shrinking incumbent pays for capacity it no longer uses."""
    lc, a = params.lifecycle, state.actors
    co = state.rows(Kind.CORPORATE)
    unset = co[a.cost_base[co] < 0]
    a.cost_base[unset] = a.revenue[unset]
    rate = lc.revenue_erosion + lc.displacement * launch_pressure(state, co)
    a.revenue[co] *= 1 - np.minimum(rate, 1)
    margin = params.population.corporate.operating_margin
    excess = (1 - margin) * np.clip(a.cost_base[co] - a.revenue[co], 0, None)
    state.spend(co, excess, "idle_capacity")
    a.cost_base[co] += lc.cost_adjustment * (a.revenue[co] - a.cost_base[co])
