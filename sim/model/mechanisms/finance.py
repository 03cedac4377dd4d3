"""Stage 8: costs and taxes, venture capital rounds, exits (IPO, acquisition), failures."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...schema import Scenario
from ...vocabulary import End, Kind
from ..arrays import rank_within
from ..metrics import Tally
from ..records import Records
from ..state import State
from .market import pipeline_revenue


def costs_and_taxes(state: State, params: Scenario, tally: Tally) -> None:
    """Startups burn; corporates sell, pay operating costs and profit tax; ties cost money."""
    a = state.actors
    st, co = state.rows(Kind.STARTUP), state.rows(Kind.CORPORATE)
    state.spend(st, a.burn[st], "burn")
    state.earn(co, a.revenue[co], "sales")
    state.spend(
        co, (1 - params.population.corporate.operating_margin) * a.revenue[co], "operating_costs"
    )

    deg = state.degree()
    partnered = np.flatnonzero(deg > 0)
    tie_cost = params.partnering.collaboration_cost * deg[partnered]
    state.spend(partnered, tie_cost, "collaboration")

    margin = params.population.corporate.operating_margin
    collab = params.partnering.collaboration_cost * deg[co]
    own_rd = a.rd_share[co] * (a.revenue[co] + a.product_revenue[co])
    profit = margin * a.revenue[co] + a.product_revenue[co] - own_rd - collab
    tax = params.governance.tax_rate * np.clip(profit, 0, None)
    state.to_public(co, tax, "taxes")
    tally.taxes += float(tax.sum())


def valuation(state: State, params: Scenario, rows: np.ndarray) -> np.ndarray:
    """Fundamental value: a multiple of the annual revenue of launched and pending products."""
    monthly = state.actors.product_revenue[rows] + pipeline_revenue(state, params)[rows]
    return params.finance.revenue_multiple * 12 * monthly


def _stage_draw(rng, rounds: np.ndarray, seed, series_a, later) -> np.ndarray:
    """Uniform draw from the range of each company's next round (seed, A, later)."""
    lo = np.select([rounds == 0, rounds == 1], [seed[0], series_a[0]], later[0])
    hi = np.select([rounds == 0, rounds == 1], [seed[1], series_a[1]], later[1])
    return rng.uniform(lo, hi)


def venture_capital(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Funds screen startups short of runway and back the best signals above the hurdle."""
    fin, inv_p = params.finance, params.population.investor
    a, e = state.actors, state.equity
    st = state.rows(Kind.STARTUP)
    seekers = st[a.capital[st] / a.burn[st] < fin.runway_threshold]
    inv = state.rows(Kind.INVESTOR)
    n = a.n
    owners, companies = e.owner[: e.n], e.company[: e.n]
    held = np.unique(owners * n + companies) // n
    portfolio = np.bincount(held, minlength=n)
    inv = inv[(state.t < a.fund_end[inv]) & (portfolio[inv] < inv_p.portfolio_limit)]
    inv = inv[a.capital[inv] >= fin.ticket_seed[0]]
    if len(seekers) == 0 or len(inv) == 0:
        return

    k = min(fin.screen_size, len(seekers))
    v = np.repeat(inv, k)
    s = seekers[rng.integers(len(seekers), size=len(v))]
    ih = a.ih[s]
    quality = (a.knowledge[s] * ih).sum(axis=1) / np.maximum(ih.sum(axis=1), 1)
    scale = params.knowledge.value_scale
    traction = a.recent_value[s] / (a.recent_value[s] + scale)
    backed = sp.csr_matrix((np.ones(e.n), (owners, companies)), shape=(n, n))
    referred = np.asarray((backed @ state.adjacency())[v, s]).ravel() > 0
    signal = quality + traction + fin.referral_weight * referred
    signal = signal + rng.normal(0, fin.signal_noise, len(v))

    keep = np.flatnonzero(signal > fin.hurdle)
    keep = keep[np.argsort(-signal[keep], kind="stable")]
    _, first = np.unique(s[keep], return_index=True)  # each startup takes its best offer
    keep = np.sort(keep[first])
    keep = keep[np.argsort(-signal[keep], kind="stable")]
    rank = rank_within(v[keep])
    room = np.minimum(inv_p.deals_per_step, inv_p.portfolio_limit - portfolio[v[keep]])
    keep = keep[rank < room]
    v, s = v[keep], s[keep]

    rounds = a.rounds[s]
    ticket = _stage_draw(rng, rounds, fin.ticket_seed, fin.ticket_a, fin.ticket_later)
    pre = np.maximum(
        _stage_draw(rng, rounds, fin.premoney_seed, fin.premoney_a, fin.premoney_later),
        valuation(state, params, s),
    )
    spent = np.zeros(n)
    np.add.at(spent, v, ticket)
    ok = spent[v] <= a.capital[v]
    v, s, ticket, pre = v[ok], s[ok], ticket[ok], pre[ok]

    stake = ticket / (pre + ticket)
    dilution = np.ones(n)
    dilution[s] = 1 - stake
    e.stake[: e.n] *= dilution[companies]
    rows = e.add(len(s))
    e.owner[rows], e.company[rows], e.stake[rows] = v, s, stake
    state.transfer(v, s, ticket)
    records.investments(state, v, s, a.rounds[s], ticket, pre, stake)
    a.rounds[s] += 1
    tally.vc_invested += float(ticket.sum())
    tally.vc_deals += len(s)


def _pay_owners(
    state: State, tally: Tally, records: Records, companies, prices, payers=None
) -> None:
    """Pay each owner of `companies` its stake of the price; founders get the rest (leaves).

    With `payers` (acquirers) the money moves between actors; without, it comes from public
    markets (an IPO), from outside the system.
    """
    a, e = state.actors, state.equity
    price_of = np.zeros(a.n)
    price_of[companies] = prices
    rows = np.flatnonzero(state.marks(companies)[e.company[: e.n]])
    owner, company = e.owner[rows], e.company[rows]
    amount = e.stake[rows] * price_of[company]
    investors = a.kind[owner] == Kind.INVESTOR
    tally.vc_returned += float(amount[investors].sum())
    founders = prices - np.bincount(company, amount, minlength=a.n)[companies]
    buyers = np.full(len(companies), -1) if payers is None else payers
    records.exits(state, companies, prices, buyers, owner, company, amount, founders)
    if payers is None:
        state.earn(owner, amount, "public_markets")
    else:
        payer_of = np.zeros(a.n, dtype=np.int64)
        payer_of[companies] = payers
        state.transfer(payer_of[company], owner, amount)
        state.spend(payers, founders, "founder_payouts")
    e.keep(~state.marks(companies)[e.company[: e.n]])


def ipo(state: State, params: Scenario, tally: Tally, records: Records) -> None:
    """Startups valued above the threshold list: owners cash out, the company raises money
    from the public and goes on as a corporate."""
    fin, a = params.finance, state.actors
    st = state.rows(Kind.STARTUP)
    value = valuation(state, params, st)
    going = value >= fin.ipo_threshold
    rows, value = st[going], value[going]
    if len(rows) == 0:
        return
    _pay_owners(state, tally, records, rows, value)
    state.earn(rows, fin.ipo_raise_share * value, "public_markets")
    a.kind[rows] = Kind.CORPORATE
    a.ipo_step[rows] = state.t
    a.revenue[rows] = 0.0
    a.rd_share[rows] = np.mean(params.population.corporate.rd_intensity)
    a.max_partners[rows] = params.population.corporate.max_partners
    tally.startups_ipo += len(rows)


def acquisitions(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Corporates bid for startups with products (launched or pending) that fit their IH;
    the best-fitting bidder that can pay, and that antitrust lets through, buys."""
    fin, a = params.finance, state.actors
    st = state.rows(Kind.STARTUP)
    co = state.rows(Kind.CORPORATE)
    if len(co) == 0:
        return
    value = valuation(state, params, st)
    bid_for = (value > 0) & (rng.random(len(st)) < fin.acquisition_rate)
    targets = st[bid_for]
    if len(targets) == 0:
        return
    bidders = co[rng.integers(len(co), size=(len(targets), fin.bidders))]
    ih = a.ih[bidders]
    fit = (a.knowledge[targets][:, None, :] * ih).sum(-1) / np.maximum(ih.sum(-1), 1)
    price = value[bid_for] * (1 + fin.acquisition_premium)
    affordable = a.capital[bidders] >= fin.cash_cover * price[:, None]
    blocked = _antitrust_blocks(state, params, targets, bidders)
    tally.antitrust_blocked += int((affordable & blocked).any(axis=1).sum())
    fit = np.where(affordable & ~blocked, fit, -1.0)
    best = fit.argmax(axis=1)
    win = fit[np.arange(len(targets)), best] >= 0
    targets, buyer, price = targets[win], bidders[win, best[win]], price[win]
    _, once = np.unique(buyer, return_index=True)  # one purchase per buyer a month
    targets, buyer, price = targets[once], buyer[once], price[once]
    if len(targets) == 0:
        return

    _pay_owners(state, tally, records, targets, price, payers=buyer)
    state.transfer(targets, buyer, a.capital[targets].copy())
    a.knowledge[buyer] = np.maximum(a.knowledge[buyer], a.knowledge[targets])
    a.patent_expiry[buyer] = np.maximum(a.patent_expiry[buyer], a.patent_expiry[targets])
    p = state.products
    new_owner = np.arange(a.n)
    new_owner[targets] = buyer
    p.owner[: p.n] = new_owner[p.owner[: p.n]]
    a.acquirer[targets] = buyer
    _leave(state, records, targets, End.ACQUIRED)
    tally.startups_acquired += len(targets)


def _antitrust_blocks(state: State, params: Scenario, targets, bidders) -> np.ndarray:
    """Blocked when buyer and target together would hold more than the threshold share of
    the products in the target's main field (and at least two of them)."""
    p, a = state.products, state.actors
    n = p.n
    live = (p.launch[:n] <= state.t) & (state.t < p.end[:n])
    field_of_target = state.main_field(targets)
    f = params.fields
    held = np.zeros((a.n, f))
    np.add.at(held, (p.owner[:n][live], p.field[:n][live]), 1.0)
    total = held.sum(axis=0)
    fld = field_of_target[:, None]
    combined = held[bidders, fld] + held[targets, field_of_target][:, None]
    share = combined / np.maximum(total[field_of_target], 1)[:, None]
    return (share > params.governance.antitrust_threshold) & (combined >= 2)


def failures(state: State, params: Scenario, tally: Tally, records: Records) -> None:
    """Startups with negative capital fail; so do corporates if the scenario says so."""
    a = state.actors
    st = state.rows(Kind.STARTUP)
    failed = st[a.capital[st] < 0]
    _leave(state, records, failed, End.FAILED)
    tally.startups_failed += len(failed)
    if params.population.corporate.exit_on_negative:
        co = state.rows(Kind.CORPORATE)
        _leave(state, records, co[a.capital[co] < 0], End.EXITED)


def _leave(state: State, records: Records, rows: np.ndarray, reason: End) -> None:
    """Actors end (their ties with them, which the records hear of first)."""
    records.ties_ended(state, state.ties_of(rows), "partner left")
    state.end(rows, reason)
