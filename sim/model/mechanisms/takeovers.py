"""Stage 8: acquisitions. Corporates bid for startups with products and for shrunk
incumbents; antitrust screens bids on market shares; a buyer may drop a target's pending
products that would compete with its own (killer acquisitions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...schema import Scenario
from ...vocabulary import End, Kind
from ..arrays import mean_over
from ..metrics import Tally
from ..records import Records
from ..state import State
from .finance import leave, pay_owners, valuation
from .market import current_value


def targets(state: State, params: Scenario, rng: np.random.Generator, pipeline: np.ndarray):
    """This month's targets and their prices: startups with products (launched or pending)
    and corporates whose sales fell below `takeover_shrink` of their peak, each bid for with
    chance `acquisition_rate`; the price is the valuation plus the premium, plus the target's
    net cash (which passes to the buyer)."""
    fin, a = params.finance, state.actors
    co = state.rows(Kind.CORPORATE)
    sales = a.revenue[co] + a.product_revenue[co]
    rows = np.r_[state.rows(Kind.STARTUP), co[sales < fin.takeover_shrink * a.peak_revenue[co]]]
    value = valuation(state, params, rows, pipeline)
    price = (1 + fin.acquisition_premium) * value + a.capital[rows]
    bid = (value > 0) & (price > 0) & (rng.random(len(rows)) < fin.acquisition_rate)
    return rows[bid], price[bid]


def acquisitions(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    tally: Tally,
    records: Records,
    pipeline: np.ndarray,
) -> None:
    """Corporates bid for this month's targets; the best-fitting bidder that can pay, and
    that antitrust lets through, buys (one purchase per buyer a month; no target buys).
    `pipeline`: what each row's pending products would earn a month (market.py)."""
    fin, a = params.finance, state.actors
    co = state.rows(Kind.CORPORATE)
    if len(co) == 0:
        return
    target, price = targets(state, params, rng, pipeline)
    if len(target) == 0:
        return
    bidders = co[rng.integers(len(co), size=(len(target), fin.bidders))]
    ih = a.ih[bidders]
    fit = mean_over(ih, a.knowledge[target][:, None, :])
    is_target = state.marks(target)
    able = (a.capital[bidders] >= fin.cash_cover * price[:, None]) & ~is_target[bidders]
    share = sales_shares(state, params)
    blocked = antitrust_blocks(params, share, target, bidders)
    tally.antitrust_blocked += int((able & blocked).any(axis=1).sum())
    fit = np.where(able & ~blocked, fit, -1.0)
    best = fit.argmax(axis=1)
    win = fit[np.arange(len(target)), best] >= 0
    target, buyer, price = target[win], bidders[win, best[win]], price[win]
    _, once = np.unique(buyer, return_index=True)
    target, buyer, price = target[once], buyer[once], price[once]
    if len(target) == 0:
        return

    startup = a.kind[target] == int(Kind.STARTUP)
    pay_owners(state, tally, records, target, price, payers=buyer)
    cash = a.capital[target].copy()
    state.transfer(target[cash > 0], buyer[cash > 0], cash[cash > 0], "target_cash")
    state.transfer(buyer[cash < 0], target[cash < 0], -cash[cash < 0], "debt_assumed")
    tally.products_discontinued += discontinue(state, params, rng, share, buyer, target)
    _absorb(state, buyer, target)
    leave(state, records, target, End.ACQUIRED, tally)
    tally.startups_acquired += int(startup.sum())
    tally.corporates_acquired += int((~startup).sum())


@dataclass(frozen=True)
class SalesShares:
    """Per actor row and field, its share of the field's sales by live products. Kept for the
    rows that sell only: row `at[r]` of `of`, whose last row (all zeros) is every other's."""

    at: np.ndarray
    of: np.ndarray

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        return self.of[self.at[rows]]

    def sells(self, rows: np.ndarray, fields: np.ndarray) -> np.ndarray:
        """Whether each of `rows` sells in the matching entry of `fields`."""
        return self.of[self.at[rows], fields] > 0


def sales_shares(state: State, params: Scenario) -> SalesShares:
    """Each row's share of each field's sales by live products (sales are shared by current
    value within a field: market.monthly_revenue)."""
    p, a = state.products, state.actors
    n = p.n
    live = np.flatnonzero((p.launch[:n] <= state.t) & (state.t < p.end[:n]))
    owner = p.owner[live]
    sellers = np.flatnonzero(state.marks(owner))  # np.unique's sort: a tenth of the stage
    at = np.full(a.n, len(sellers))
    at[sellers] = np.arange(len(sellers))
    held = np.zeros((len(sellers) + 1, params.fields))
    np.add.at(held, (at[owner], p.field[live]), current_value(state, params, live))
    return SalesShares(at, held / np.maximum(held.sum(axis=0), 1e-12))


def antitrust_blocks(params: Scenario, share: SalesShares, target, bidders) -> np.ndarray:
    """Per target and bidder: blocked when, in a field where the target sells today, the two
    together would hold more than `governance.antitrust_threshold` of the sales. Pending
    products are no market share yet, so a pipeline-only rival passes the screen (the gap
    killer acquisitions use, Cunningham, Ederer & Ma 2021). `share`: sales_shares."""
    own = share[target][:, None, :]
    combined = np.where(own > 0, share[bidders] + own, 0.0).max(axis=-1)
    return combined > params.governance.antitrust_threshold


def discontinue(state: State, params: Scenario, rng, share: SalesShares, buyer, target) -> int:
    """Killer acquisitions (Cunningham, Ederer & Ma 2021): each pending product of a target in
    a field where its buyer already sells is dropped with chance `finance.killer_share`.
    `share`: sales_shares. Returns how many were dropped."""
    p, a = state.products, state.actors
    n = p.n
    buyer_of = np.full(a.n, -1)
    buyer_of[target] = buyer
    b = buyer_of[p.owner[:n]]
    pending = (b >= 0) & (p.launch[:n] > state.t)
    overlap = pending & share.sells(np.maximum(b, 0), p.field[:n])
    killed = overlap & (rng.random(n) < params.finance.killer_share)
    p.keep(~killed)
    return int(killed.sum())


def _absorb(state: State, buyer: np.ndarray, target: np.ndarray) -> None:
    """The buyer takes over the target's knowledge (field-wise maximum), patents, products
    and, for an incumbent, its baseline business with the costs it is set for."""
    a, p = state.actors, state.products
    a.knowledge[buyer] = np.maximum(a.knowledge[buyer], a.knowledge[target])
    a.patent_expiry[buyer] = np.maximum(a.patent_expiry[buyer], a.patent_expiry[target])
    new_owner = np.arange(a.n)
    new_owner[target] = buyer
    p.owner[: p.n] = new_owner[p.owner[: p.n]]
    partner = p.partner[: p.n]
    p.partner[: p.n] = np.where(partner >= 0, new_owner[np.maximum(partner, 0)], -1)
    a.acquirer[target] = buyer
    base = np.where(a.cost_base[target] >= 0, a.cost_base[target], a.revenue[target])
    a.revenue[buyer] += a.revenue[target]
    a.cost_base[buyer] = np.where(a.cost_base[buyer] >= 0, a.cost_base[buyer] + base, -1.0)
