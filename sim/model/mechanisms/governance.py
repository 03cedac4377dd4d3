"""Stages 1-2: scheduled what-if events, public allocation, grants and R&D subsidies."""

from __future__ import annotations

import numpy as np

from ...scenario import apply_changes
from ...schema import Scenario
from ...vocabulary import Kind
from ..metrics import Tally
from ..state import State


def due_changes(params: Scenario, t: int) -> list[dict]:
    """The parameter changes of the events scheduled for step `t`, in file order."""
    return [event.set for event in params.events if event.at == t and event.set]


def adapt(
    state: State,
    params: Scenario,
    innovations: list[float],
    public_spend: list[float],
    tally: Tally,
) -> Scenario | None:
    """The adaptive rule, at each review: a thermostat on the R&D subsidy rate.

    Innovation output over the last review period fell: raise the rate by adapt_step (up to
    max_subsidy_rate) if the budget covers budget_reserve months of spending; it rose: lower
    the rate; the budget falls short of the reserve: lower the rate. Returns the changed
    scenario, or None when nothing changes.
    """
    gov = params.governance
    period, done = gov.review_period, len(innovations)
    if not gov.adaptive or done < 2 * period or done % period:
        return None
    recent = sum(innovations[-period:])
    before = sum(innovations[-2 * period : -period])
    purse = state.actors.capital[state.rows(Kind.REGULATOR)].sum()
    affordable = purse >= gov.budget_reserve * np.mean(public_spend[-period:])
    rate = gov.rd_subsidy_rate
    if not affordable or recent > before:
        rate = max(0.0, rate - gov.adapt_step)
    elif recent < before:
        rate = min(gov.max_subsidy_rate, rate + gov.adapt_step)
    if rate == gov.rd_subsidy_rate:
        return None
    tally.policy_changes += 1
    return apply_changes(params, {"governance.rd_subsidy_rate": rate})


def pay_public(state: State, payees: np.ndarray, amounts: np.ndarray) -> float:
    """Pay `amounts` to `payees` from the regulators' budgets, scaled down if they fall short."""
    regs = state.rows(Kind.REGULATOR)
    want = float(amounts.sum())
    if len(regs) == 0 or want <= 0:
        return 0.0
    purse = np.clip(state.actors.capital[regs], 0, None)
    scale = min(1.0, purse.sum() / want)
    paid = amounts * scale
    total = float(paid.sum())
    if total > 0:
        state.pay_jointly(regs, purse, payees, paid)
    return total


def public_money(state: State, params: Scenario, tally: Tally) -> None:
    """Public allocation to regulators; grants to universities; R&D subsidies to firms."""
    gov = params.governance
    a = state.actors
    regs = state.rows(Kind.REGULATOR)
    if len(regs):
        state.earn(regs, gov.public_allocation / len(regs), "public_allocation")

    st, co, un = state.rows(Kind.STARTUP), state.rows(Kind.CORPORATE), state.rows(Kind.UNIVERSITY)
    a.rd_budget[st] = a.rd_share[st] * a.burn[st]
    a.rd_budget[co] = a.rd_share[co] * (a.revenue[co] + a.product_revenue[co])

    grants = a.revenue[un] if gov.grants else np.zeros(len(un))
    before = a.capital[un].copy()
    tally.grants += pay_public(state, un, grants)
    received = a.capital[un] - before
    a.rd_budget[un] = a.rd_share[un] * received
    state.spend(un, received - a.rd_budget[un], "operating_costs")

    firms = np.r_[st, co]
    subsidy = gov.rd_subsidy_rate * a.rd_budget[firms]
    before = a.capital[firms].copy()
    tally.subsidies += pay_public(state, firms, subsidy)
    a.rd_budget[firms] += a.capital[firms] - before
    tally.public_spend += tally.grants + tally.subsidies
