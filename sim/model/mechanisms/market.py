"""Stage 7: approved innovations become products; products earn revenue; imitation."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import FIRMS, Kind
from ..flows import Innovations, Launches
from ..metrics import Tally
from ..records import Records
from ..state import State
from . import platforms, standards, users


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


def _add_products(
    state, owners, fields, values, launch, end, imitation, innovation=-1, partner=-1, share=0.0
) -> None:
    p = state.products
    rows = p.add(len(owners))
    p.owner[rows], p.field[rows], p.value[rows] = owners, fields, values
    p.launch[rows], p.end[rows], p.imitation[rows] = launch, end, imitation
    p.innovation[rows], p.partner[rows], p.partner_share[rows] = innovation, partner, share


def submit(state: State, params: Scenario, made: Innovations) -> Launches:
    """Firms' innovations enter the approval queue as future products (a joint project's with
    its partner and the partner's share of the revenue); returns when each will launch."""
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
        made.partner[firm],
        made.partner_share[firm],
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
        params.market.imitation_value * current_value(state, params, target),
        state.t,
        p.end[target],
        True,
    )
    tally.imitations += len(target)


def current_value(state: State, params: Scenario, products: np.ndarray) -> np.ndarray:
    """A product's value after obsolescence: it loses `value_decay` a month from its launch
    (a pending product has its full value)."""
    p = state.products
    age = np.maximum(state.t - p.launch[products], 0)
    return p.value[products] * (1 - params.market.value_decay) ** age


def monthly_revenue(state: State, params: Scenario, products: np.ndarray) -> np.ndarray:
    """Per product: its share of its field's sales by current value, v / V, of a market that
    grows with the value offered and saturates, demand * V / (1 + crowding * V), V being the
    current value of the field's active products (a pending one counted as if launched); in
    a platform field the shares follow effective values (platforms.py)."""
    p = state.products
    on_market = _active(state)
    active = np.flatnonzero(on_market)
    offered = np.bincount(
        p.field[active], current_value(state, params, active), minlength=params.fields
    )
    value = current_value(state, params, products)
    field = p.field[products]
    total = offered[field] + np.where(on_market[products], 0.0, value)
    value = platforms.effective_value(state, params, products, value, total, on_market)
    demand = np.asarray(params.demand_vector())[field]
    demand = demand * users.demand_factor(state, params)[field]  # engaged users adopt
    demand = demand * standards.demand_factor(state, params, products)  # standards' pull
    return value * demand / (1 + params.market.crowding * total)


def _partner_shares(state: State, products: np.ndarray, revenue: np.ndarray):
    """What the owners of joint projects' products owe their partners (while alive, and not
    when the partner has since bought the owner): returns (payers, partners, amounts)."""
    p, a = state.products, state.actors
    partner = p.partner[products]
    shared = np.flatnonzero((partner >= 0) & (partner != p.owner[products]))
    shared = shared[a.alive[partner[shared]]]
    amounts = revenue[shared] * p.partner_share[products[shared]]
    return p.owner[products[shared]], partner[shared], amounts


def _income(state: State, products: np.ndarray, revenue: np.ndarray, shares) -> np.ndarray:
    """Per actor row: its products' `revenue` as owner or partner (`shares` as above)."""
    n = state.actors.n
    payers, partners, amounts = shares
    owned = np.bincount(state.products.owner[products], revenue, minlength=n)
    return (
        owned
        - np.bincount(payers, amounts, minlength=n)
        + np.bincount(partners, amounts, minlength=n)
    )


def pipeline_revenue(state: State, params: Scenario) -> np.ndarray:
    """Per actor row: what its share of approved-but-not-launched products would earn a month
    now."""
    p = state.products
    pending = np.flatnonzero(p.launch[: p.n] > state.t)
    revenue = monthly_revenue(state, params, pending)
    return _income(state, pending, revenue, _partner_shares(state, pending, revenue))


def sell(state: State, params: Scenario, tally: Tally, records: Records) -> None:
    """Active products earn their monthly revenue (the owner pays a joint project's partner
    its share); the first month counts as a launch. Then products past their life, of ended
    owners or earning less than `market.min_revenue` leave the market."""
    p, a = state.products, state.actors
    n = p.n
    launched = (p.launch[:n] == state.t) & ~p.imitation[:n]
    tally.products_launched += int(launched.sum())
    a.first_product[p.owner[:n][launched & (a.first_product[p.owner[:n]] < 0)]] = state.t
    active = np.flatnonzero(_active(state))
    revenue = monthly_revenue(state, params, active)
    platforms.adopt(state, params, active, revenue, current_value(state, params, active))
    owners = p.owner[active]
    state.earn(owners, revenue, "product_sales")
    shares = _partner_shares(state, active, revenue)
    state.transfer(*shares, purpose="partner_share")
    a.product_revenue[: a.n] = _income(state, active, revenue, shares)
    records.revenue(p.innovation[active], revenue)
    tally.product_revenue += float(revenue.sum())
    tally.active_products += len(active)
    keep = (p.end[:n] > state.t) & a.alive[p.owner[:n]]
    keep[active[revenue < params.market.min_revenue]] = False
    tally.products_retired += int((~keep[active]).sum())
    p.keep(keep)
