"""Stage 8: costs and taxes, venture capital rounds, IPOs, failures, and `leave`: how any
actor ends (its cash paid to its owners, its ties and stakes gone). Acquisitions are in
takeovers.py."""

from __future__ import annotations

import numpy as np

from ...schema import Finance, Scenario
from ...vocabulary import End, Kind
from ..arrays import mean_over, rank_within, search_sorted
from ..metrics import Tally
from ..records import Records
from ..state import State
from .market import pipeline_revenue


def costs_and_taxes(state: State, params: Scenario, tally: Tally) -> None:
    """Startups burn and pay for their ties as far as their cash goes (they cannot borrow; one
    that runs dry fails); corporates sell, pay operating costs and profit tax; ties cost."""
    a = state.actors
    st, co = state.rows(Kind.STARTUP), state.rows(Kind.CORPORATE)
    deg = state.degree()
    tie_cost = params.partnering.collaboration_cost * deg
    state.spend_within(st, a.burn[st], "burn")
    state.spend_within(st, tie_cost[st], "collaboration")
    others = np.flatnonzero((deg > 0) & (a.kind[: a.n] != int(Kind.STARTUP)))
    state.spend(others, tie_cost[others], "collaboration")

    margin = params.population.corporate.operating_margin
    state.earn(co, a.revenue[co], "sales")
    state.spend(co, (1 - margin) * a.revenue[co], "operating_costs")
    a.peak_revenue[co] = np.maximum(a.peak_revenue[co], a.revenue[co] + a.product_revenue[co])
    own_rd = a.rd_share[co] * (a.revenue[co] + a.product_revenue[co])
    profit = margin * a.revenue[co] + a.product_revenue[co] - own_rd - tie_cost[co]
    tax = params.governance.tax_rate * np.clip(profit, 0, None)
    state.to_public(co, tax, "taxes")
    tally.taxes += float(tax.sum())


def valuation(
    state: State, params: Scenario, rows: np.ndarray, pipeline: np.ndarray | None = None
) -> np.ndarray:
    """Fundamental value: a multiple of annual earnings, counting the revenue of launched and
    pending products in full and a corporate's baseline sales at its operating margin.
    `pipeline`: market.pipeline_revenue of this state, when the caller has it already."""
    a = state.actors
    margin = params.population.corporate.operating_margin
    pipeline = pipeline_revenue(state, params) if pipeline is None else pipeline
    monthly = a.product_revenue[rows] + pipeline[rows]
    monthly = monthly + margin * a.revenue[rows]
    return params.finance.revenue_multiple * 12 * monthly


def _stage(rounds: np.ndarray, seed, series_a, later) -> tuple[np.ndarray, np.ndarray]:
    """The low and high ends of each company's next round's range (seed, A, later)."""
    lo = np.select([rounds == 0, rounds == 1], [seed[0], series_a[0]], later[0])
    hi = np.select([rounds == 0, rounds == 1], [seed[1], series_a[1]], later[1])
    return lo, hi


def round_terms(fin: Finance, rounds: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Each round's ticket and drawn pre-money ($M), uniform in its stage's ranges."""
    ticket = rng.uniform(*_stage(rounds, fin.ticket_seed, fin.ticket_a, fin.ticket_later))
    drawn = rng.uniform(*_stage(rounds, fin.premoney_seed, fin.premoney_a, fin.premoney_later))
    return ticket, drawn


def milestone_met(
    state: State, params: Scenario, rows: np.ndarray, pipeline: np.ndarray | None = None
) -> np.ndarray:
    """Staged financing (Gompers 1995): a first round needs nothing shown; a follow-on round
    needs a fundamental valuation of `milestone_share` times its stage's lowest pre-money."""
    fin = params.finance
    rounds = state.actors.rounds[rows]
    floor = np.where(
        rounds == 0, 0.0, _stage(rounds, (0, 0), fin.premoney_a, fin.premoney_later)[0]
    )
    return valuation(state, params, rows, pipeline) >= fin.milestone_share * floor


def holdings(state: State) -> np.ndarray:
    """Every (owner, company) pair of the equity table once, as owner * n + company, sorted."""
    e, n = state.equity, state.actors.n
    return np.unique(e.owner[: e.n] * n + e.company[: e.n])


def signal(
    state: State,
    params: Scenario,
    rng,
    funds: np.ndarray,
    seekers: np.ndarray,
    pick: np.ndarray,
    held: np.ndarray,
) -> np.ndarray:
    """What fund `funds[i]` sees of startup `seekers[pick[i]]` (screening on noisy
    information, Sørensen 2007): the quality of its knowledge on its IH, its traction (recent
    innovation value, saturating), a bonus if it is tied to a company the fund backs (a
    referral; `held`: the equity table's `holdings`), and noise. What is the startup's own is
    computed once per seeker."""
    fin, a = params.finance, state.actors
    quality = mean_over(a.ih[seekers], a.knowledge[seekers])
    recent = a.recent_value[seekers]
    own = quality + fin.traction_weight * (recent / (recent + params.knowledge.value_scale))
    demo_day = params.brokers.accelerator_signal * (a.accelerated_at[seekers] >= 0)
    rows = seekers[pick]
    n, nb = a.n, state.neighbours()
    pair, partner = nb.partners_of(rows)  # is a partner of the startup in the fund's portfolio?
    wanted = funds[pair] * n + partner
    at = np.minimum(search_sorted(held, wanted), max(len(held) - 1, 0))
    backs = held[at] == wanted if len(held) else np.zeros(len(wanted), bool)
    referred = np.bincount(pair[backs], minlength=len(rows)) > 0
    seen = own[pick] + fin.referral_weight * referred
    seen += demo_day[pick]  # in the order of the design's sum, so the numbers are the same
    return seen + rng.normal(0, fin.signal_noise, len(rows))


def venture_capital(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    tally: Tally,
    records: Records,
    pipeline: np.ndarray,
) -> None:
    """Funds screen startups short of runway that can show their milestone and back the best
    signals above the hurdle; a round is sized to fund `round_months` of a larger burn.
    `pipeline`: what each row's pending products would earn a month (the valuations')."""
    fin, inv_p = params.finance, params.population.investor
    a, e = state.actors, state.equity
    st = state.rows(Kind.STARTUP)
    cash = a.capital[st]
    seekers = st[(cash > 0) & (cash < fin.runway_threshold * a.burn[st])]
    seekers = seekers[milestone_met(state, params, seekers, pipeline)]
    inv = state.rows(Kind.INVESTOR)
    n = a.n
    held = holdings(state)
    portfolio = np.bincount(held // n, minlength=n)
    inv = inv[(state.t < a.fund_end[inv]) & (portfolio[inv] < inv_p.portfolio_limit)]
    inv = inv[a.capital[inv] >= fin.ticket_seed[0]]
    if len(seekers) == 0 or len(inv) == 0:
        return

    v = np.repeat(inv, min(fin.screen_size, len(seekers)))
    pick = rng.integers(len(seekers), size=len(v))
    s = seekers[pick]
    seen = signal(state, params, rng, v, seekers, pick, held)
    keep = np.flatnonzero(seen > fin.hurdle)
    keep = keep[np.argsort(-seen[keep], kind="stable")]
    _, first = np.unique(s[keep], return_index=True)  # each startup takes its best offer
    keep = np.sort(keep[first])
    keep = keep[np.argsort(-seen[keep], kind="stable")]
    room = np.minimum(inv_p.deals_per_step, inv_p.portfolio_limit - portfolio[v[keep]])
    keep = keep[rank_within(v[keep]) < room]
    v, s = v[keep], s[keep]

    ticket, drawn = round_terms(fin, a.rounds[s], rng)
    pre = np.maximum(drawn, valuation(state, params, s, pipeline))
    spent = np.bincount(v, ticket, minlength=n)
    ok = spent[v] <= a.capital[v]  # a fund that cannot pay all its tickets makes none
    v, s, ticket, pre = v[ok], s[ok], ticket[ok], pre[ok]

    stake = ticket / (pre + ticket)
    dilution = np.ones(n)
    dilution[s] = 1 - stake
    e.stake[: e.n] *= dilution[e.company[: e.n]]
    rows = e.add(len(s))
    e.owner[rows], e.company[rows], e.stake[rows] = v, s, stake
    state.transfer(v, s, ticket, "vc_round")
    records.investments(state, v, s, a.rounds[s], ticket, pre, stake)
    a.rounds[s] += 1
    a.burn[s] = np.maximum(a.burn[s], ticket / fin.round_months)  # the money pays for growth
    tally.vc_invested += float(ticket.sum())
    tally.vc_deals += len(s)
    tally.accelerated_vc_deals += int((a.accelerated_at[s] >= 0).sum())


def pay_owners(
    state: State,
    tally: Tally,
    records: Records,
    companies: np.ndarray,
    prices: np.ndarray,
    payers: np.ndarray | None = None,
    event: str | None = None,
) -> None:
    """Pay each equity owner of `companies` its stake of the price and the founders (a
    startup's) or outside shareholders (a corporate's) the rest, then drop the stakes.

    `payers` (the buyers, or the companies themselves when they close) pay; without payers
    (an IPO) the money comes from public markets, from outside the system.
    """
    a, e = state.actors, state.equity
    price_of = np.zeros(a.n)
    price_of[companies] = prices
    rows = np.flatnonzero(state.marks(companies)[e.company[: e.n]])
    owner, company = e.owner[rows], e.company[rows]
    amount = e.stake[rows] * price_of[company]
    tally.vc_returned += float(amount[a.kind[owner] == int(Kind.INVESTOR)].sum())
    rest = prices - np.bincount(company, amount, minlength=a.n)[companies]
    buyers = payers if payers is not None and event is None else np.full(len(companies), -1)
    records.exits(state, companies, prices, buyers, owner, company, amount, rest, event=event)
    if payers is None:
        state.earn(owner, amount, "public_markets")
    else:
        payer_of = np.zeros(a.n, dtype=np.int64)
        payer_of[companies] = payers
        state.transfer(payer_of[company], owner, amount, event or "acquisition")
        startup = a.kind[companies] == int(Kind.STARTUP)
        state.spend(payers[startup], rest[startup], "founder_payouts")
        state.spend(payers[~startup], rest[~startup], "shareholder_payouts")
    e.keep(~state.marks(companies)[e.company[: e.n]])


def ipo(
    state: State, params: Scenario, tally: Tally, records: Records, pipeline: np.ndarray
) -> None:
    """Startups valued above the threshold list: owners cash out, the company raises money
    from the public and goes on as a corporate."""
    fin, a = params.finance, state.actors
    st = state.rows(Kind.STARTUP)
    value = valuation(state, params, st, pipeline)
    going = value >= fin.ipo_threshold
    rows, value = st[going], value[going]
    if len(rows) == 0:
        return
    pay_owners(state, tally, records, rows, value)
    state.earn(rows, fin.ipo_raise_share * value, "public_markets")
    a.kind[rows] = Kind.CORPORATE
    a.ipo_step[rows] = state.t
    a.revenue[rows] = 0.0
    a.rd_share[rows] = np.mean(params.population.corporate.rd_intensity)
    a.max_partners[rows] = params.population.corporate.max_partners
    tally.startups_ipo += len(rows)


def failures(state: State, params: Scenario, tally: Tally, records: Records) -> None:
    """Startups that have run out of cash fail; corporates in debt exit if the scenario says
    so (their creditors bear the debt)."""
    a = state.actors
    st = state.rows(Kind.STARTUP)
    failed = st[a.capital[st] <= 0]
    leave(state, records, failed, End.FAILED, tally)
    tally.startups_failed += len(failed)
    if params.population.corporate.exit_on_negative:
        co = state.rows(Kind.CORPORATE)
        leave(state, records, co[a.capital[co] < 0], End.EXITED, tally)


def leave(state: State, records: Records, rows: np.ndarray, reason: End, tally: Tally) -> None:
    """Actors end: the cash they hold goes to their owners (equity holders by stake, founders
    or outside shareholders the rest; investors' share counts in the tally's `vc_returned`),
    a debt to their creditors; their ties end (the records hear of them first)."""
    a = state.actors
    cash = rows[a.capital[rows] > 0]
    pay_owners(state, tally, records, cash, a.capital[cash].copy(), cash, "liquidation")
    records.ties_ended(state, state.ties_of(rows), "partner left")
    state.end(rows, reason)
