"""Stage 7: approved innovations become products; products earn revenue; imitation."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import FIRMS, Kind
from ..flows import Innovations, Launches
from ..metrics import Tally
from ..records import Records
from ..state import State


def approval_delay(state: State, params: Scenario, owners: np.ndarray, fields: np.ndarray):
    """Months until approval: longer in regulated fields, shorter for sandboxed startups."""
    gov = params.governance
    delay = np.where(
        np.isin(fields, gov.regulated_fields), gov.regulated_delay, gov.approval_delay
    ).astype(float)
    if gov.sandbox:
        startup = state.actors.kind[owners] == Kind.STARTUP
        delay = np.where(startup, np.round(delay * gov.sandbox_factor), delay)
    return delay.astype(np.int32)


def _add_products(state, owners, fields, values, launch, end, imitation, innovation=-1) -> None:
    p = state.products
    rows = p.add(len(owners))
    p.owner[rows], p.field[rows], p.value[rows] = owners, fields, values
    p.launch[rows], p.end[rows], p.imitation[rows] = launch, end, imitation
    p.innovation[rows] = innovation


def submit(state: State, params: Scenario, made: Innovations) -> Launches:
    """Firms' innovations enter the approval queue as future products; returns when each
    will launch."""
    firm = np.isin(made.kind, FIRMS)
    owners, fields = made.actor[firm], made.field[firm]
    launch = state.t + approval_delay(state, params, owners, fields)
    _add_products(
        state,
        owners,
        fields,
        made.value[firm],
        launch,
        launch + params.market.product_life,
        False,
        made.id[firm],
    )
    step = np.full(len(firm), -1, dtype=np.int32)
    step[firm] = launch
    return Launches(step)


def _active(state: State) -> np.ndarray:
    p = state.products
    n = p.n
    return (p.launch[:n] <= state.t) & (state.t < p.end[:n]) & state.actors.alive[p.owner[:n]]


def imitate(state: State, params: Scenario, rng: np.random.Generator, tally: Tally) -> None:
    """A product may be copied by a firm that knows its field; strong IP makes this rarer."""
    p, a = state.products, state.actors
    n = p.n
    p_copy = params.ip.imitation_rate * (1 - params.ip.ip_strength)
    target = np.flatnonzero(_active(state) & ~p.imitation[:n] & (rng.random(n) < p_copy))
    firms = state.rows(FIRMS)
    if len(target) == 0 or len(firms) == 0:
        return
    copier = firms[rng.integers(len(firms), size=len(target))]
    skill = params.market.imitation_skill
    able = (a.knowledge[copier, p.field[target]] >= skill) & (copier != p.owner[target])
    target, copier = target[able], copier[able]
    _add_products(
        state,
        copier,
        p.field[target],
        params.market.imitation_value * p.value[target],
        state.t,
        p.end[target],
        True,
    )
    tally.imitations += len(target)


def monthly_revenue(state: State, params: Scenario, products: np.ndarray) -> np.ndarray:
    """value * demand / (1 + crowding * other active products in the field), per product."""
    p = state.products
    n = p.n
    crowd = np.bincount(p.field[:n][_active(state)], minlength=params.fields)
    field = p.field[products]
    others = np.maximum(crowd[field] - 1, 0)
    demand = np.asarray(params.demand_vector())[field]
    return p.value[products] * demand / (1 + params.market.crowding * others)


def pipeline_revenue(state: State, params: Scenario) -> np.ndarray:
    """Per actor row: what its approved-but-not-launched products would earn a month now."""
    p = state.products
    pending = np.flatnonzero(p.launch[: p.n] > state.t)
    revenue = monthly_revenue(state, params, pending)
    return np.bincount(p.owner[pending], revenue, minlength=state.actors.n)


def sell(state: State, params: Scenario, tally: Tally, records: Records) -> None:
    """Active products earn their monthly revenue; the first month counts as a launch."""
    p, a = state.products, state.actors
    n = p.n
    launched = (p.launch[:n] == state.t) & ~p.imitation[:n]
    tally.products_launched += int(launched.sum())
    active = np.flatnonzero(_active(state))
    revenue = monthly_revenue(state, params, active)
    owners = p.owner[active]
    a.product_revenue[: a.n] = np.bincount(owners, revenue, minlength=a.n)
    state.earn(owners, revenue, "product_sales")
    records.revenue(p.innovation[active], revenue)
    tally.product_revenue += float(revenue.sum())
    tally.active_products += len(active)
    p.keep((p.end[:n] > state.t) & a.alive[p.owner[:n]])
