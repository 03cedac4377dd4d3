"""Stage 3, after partner search: brokers and intermediaries, each a role an existing kind
plays (docs/ODD.md 7.18). Accelerators (run by the regulators or a VC fund) screen cohorts of
young startups and give them a stipend, mentoring, introductions to corporates and a signal
to investors; universities' technology-transfer offices license patented knowledge to firms
they are not tied to; a match-making platform lets its users weigh more candidates and
accept cheaper matches, for a fee to whoever runs it."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import FIRMS, Kind
from ..arrays import mean_over
from ..metrics import Tally
from ..records import Records
from ..state import State
from . import partnering


def run(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Admit this month's accelerator cohort, mentor the cohorts under way, then make the
    platform's matches and the TTOs' licences. Nothing is drawn or paid while all are off."""
    b = params.brokers
    if b.accelerator_cohort and state.t % b.accelerator_period == 0:
        _admit(state, params, rng, tally, records)
    _mentor(state, params)
    if b.platform_use > 0:
        _platform(state, params, rng, tally, records)
    if b.tto_matches:
        _tto(state, params, rng, tally, records)


def runners(state: State, who: str) -> np.ndarray:
    """The rows that run a broker: every regulator (sharing its cost by budget), or the
    living corporate or fund with the most capital."""
    rows = state.rows(Kind[who.upper()])
    if who == "regulator" or len(rows) == 0:
        return rows
    return rows[[int(np.argmax(state.actors.capital[rows]))]]


def _purse(state: State, rows: np.ndarray) -> np.ndarray:
    """What each of `rows` holds, debts counted as nothing."""
    return np.clip(state.actors.capital[rows], 0, None)


def _pay_cost(state: State, rows: np.ndarray, amount: float, sink: str) -> float:
    """The runners spend `amount` (at most what they hold), each in proportion to its cash;
    returns what was spent."""
    purse = _purse(state, rows)
    paid = min(amount, float(purse.sum()))
    if paid > 0:
        state.spend(rows, paid * purse / purse.sum(), sink)
    return paid


# --- accelerators (Cohen & Hochberg 2014) ----------------------------------------------


def _admit(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Screen the young startups founded during the run and not yet accelerated on their
    knowledge quality with noise; admit the best the runner can pay for, pay their stipends
    and the programme's cost, take equity (an investor-run accelerator) and introduce them
    to corporates."""
    b, a = params.brokers, state.actors
    runner = runners(state, b.accelerator_runner)
    st = state.rows(Kind.STARTUP)
    young = (a.born[st] >= 1) & (state.t - a.born[st] <= b.accelerator_max_age)
    st = st[young & (a.accelerated_at[st] < 0)]  # the initial startups' age is unknown
    if len(st) == 0 or len(runner) == 0:
        return
    score = mean_over(a.ih[st], a.knowledge[st]) + rng.normal(0, b.accelerator_noise, len(st))
    price = b.accelerator_stipend + b.accelerator_cost
    purse = _purse(state, runner)
    size = b.accelerator_cohort
    if price > 0:
        size = min(size, int(purse.sum() // price))
    cohort = st[np.argsort(-score, kind="stable")[:size]]
    if len(cohort) == 0:
        return
    a.accelerated_at[cohort] = state.t
    spent = 0.0
    if price > 0:
        stipend = np.full(len(cohort), b.accelerator_stipend)
        state.pay_jointly(runner, purse, cohort, stipend, "accelerator_stipend")
        spent = float(stipend.sum()) + _pay_cost(
            state, runner, b.accelerator_cost * len(cohort), "accelerator_costs"
        )
    if b.accelerator_runner == "investor":
        _take_equity(state, runner[0], cohort, b.accelerator_equity)
    else:
        tally.public_spend += spent
    tally.accelerator_spend += spent
    tally.accelerated_startups += len(cohort)
    _introduce(state, params, rng, cohort, tally, records)


def _take_equity(state: State, owner: int, companies: np.ndarray, stake: float) -> None:
    """`owner` takes `stake` of each company; earlier stakes are diluted as in a VC round."""
    if stake <= 0:
        return
    e = state.equity
    dilution = np.ones(state.actors.n)
    dilution[companies] = 1 - stake
    e.stake[: e.n] *= dilution[e.company[: e.n]]
    rows = e.add(len(companies))
    e.owner[rows], e.company[rows], e.stake[rows] = owner, companies, stake


def _introduce(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    cohort: np.ndarray,
    tally: Tally,
    records: Records,
) -> None:
    """Each introduction proposes a tie to the most attractive of `partnering.candidates`
    random corporates with room; the accelerator vouches, so no threshold applies."""
    k, a = params.brokers.accelerator_introductions, state.actors
    co = state.rows(Kind.CORPORATE)
    may = partnering.kind_matrix(params)[int(Kind.STARTUP), int(Kind.CORPORATE)]
    if k == 0 or len(co) == 0 or not may:
        return
    c = params.partnering.candidates
    i = np.repeat(cohort, k * c)
    j = co[rng.integers(len(co), size=len(i))]
    deg = state.degree()
    valid = (deg[j] < a.max_partners[j]) & (state.directed_tie(i, j) < 0)
    score = np.where(valid, partnering.attractiveness(state, params, i, j), -np.inf)
    pi, pj, ok, _ = _best(i, j, score.reshape(-1, c))
    formed = partnering.form_ties(state, params, rng, pi[ok], pj[ok], deg, tally, records)
    tally.brokered_ties += formed


def _best(i: np.ndarray, j: np.ndarray, score: np.ndarray):
    """Per row of candidates: the proposer, its best candidate, whether that one is valid
    and its score."""
    rows = np.arange(len(score))
    best = score.argmax(axis=1)
    c = score.shape[1]
    return i[::c], j.reshape(-1, c)[rows, best], np.isfinite(score[rows, best]), score[rows, best]


def _mentor(state: State, params: Scenario) -> None:
    """Startups in a programme close `accelerator_mentoring` of their gap to full knowledge
    on their IH each month."""
    m, a = params.brokers.accelerator_mentoring, state.actors
    if m == 0:
        return
    st = state.rows(Kind.STARTUP)
    at = a.accelerated_at[st]
    st = st[(at >= 0) & (state.t < at + params.brokers.accelerator_months)]
    k = a.knowledge[st]
    a.knowledge[st] = np.where(a.ih[st], k + m * (1 - k), k)


# --- the match-making platform (Howells 2006) ------------------------------------------


def _platform(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """The runner pays the platform's monthly cost; users (actors below their limit, each
    with chance `platform_use`, that can pay the fee) weigh `platform_candidates` actors
    drawn from all who may partner and propose to the best one above the threshold minus
    the discount; each tie formed costs its proposer the fee, paid to the runner."""
    b, p, a = params.brokers, params.partnering, state.actors
    runner = runners(state, b.platform_runner)
    if len(runner) == 0:
        return
    cost = _pay_cost(state, runner, b.platform_cost, "platform_costs")
    if b.platform_runner == "regulator":
        tally.public_spend += cost
    n = a.n
    kinds = a.kind[:n]
    allowed = partnering.kind_matrix(params)
    deg = state.degree()
    pool = np.flatnonzero(a.alive[:n] & allowed.any(axis=1)[kinds] & (a.max_partners[:n] > 0))
    using = rng.random(len(pool)) < b.platform_use
    using &= (deg[pool] < a.max_partners[pool]) & (a.capital[pool] >= b.platform_fee)
    users = pool[using & ~state.marks(runner)[pool]]  # the runner pays no fee to itself
    if len(users) == 0 or len(pool) < 2:
        return
    c = b.platform_candidates
    i = np.repeat(users, c)
    j = pool[rng.integers(len(pool), size=len(i))]
    valid = (
        (i != j)
        & allowed[kinds[i], kinds[j]]
        & (deg[j] < a.max_partners[j])
        & (state.directed_tie(i, j) < 0)
    )
    score = np.where(valid, partnering.attractiveness(state, params, i, j), -np.inf)
    pi, pj, _, best = _best(i, j, score.reshape(-1, c))
    chosen = best > p.threshold - b.platform_discount
    pi, pj = pi[chosen], pj[chosen]
    before = state.ties.n
    formed = partnering.form_ties(state, params, rng, pi, pj, deg, tally, records)
    tally.brokered_ties += formed
    if formed == 0 or b.platform_fee == 0:
        return
    payers = _proposers(state, pi, pj, np.arange(before, before + formed))
    fees = np.full(formed, b.platform_fee)
    state.transfer(payers, np.full(formed, runner[0]), fees, "platform_fee")
    tally.broker_fees += float(fees.sum())


def _proposers(state: State, pi: np.ndarray, pj: np.ndarray, ties: np.ndarray) -> np.ndarray:
    """Who proposed each of the new `ties` (form_ties keeps a pair's first proposal)."""
    n, t = state.actors.n, state.ties
    keys, first = np.unique(np.minimum(pi, pj) * n + np.maximum(pi, pj), return_index=True)
    return pi[first[np.searchsorted(keys, t.a[ties] * n + t.b[ties])]]


# --- technology-transfer offices (Siegel, Waldman & Link 2003) -------------------------


def _tto(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Each university's TTO approaches `tto_matches` random firms it is not tied to. A firm
    licenses (at most one licence a month) when the knowledge the university has patented on
    the firm's IH is worth more a month than the price (the rule of 7.4) and it can pay (a
    startup keeps its runway threshold's months of burn); it pays the university and absorbs
    `tto_transfer` of that gap, in proportion to its absorptive capacity."""
    b, a, kp = params.brokers, state.actors, params.knowledge
    un, firms = state.rows(Kind.UNIVERSITY), state.rows(FIRMS)
    if len(un) == 0 or len(firms) == 0:
        return
    u = np.repeat(un, b.tto_matches)
    f = firms[rng.integers(len(firms), size=len(u))]
    gap = np.clip(a.knowledge[u] - a.knowledge[f], 0, None)
    gap *= (a.patent_expiry[u] > state.t) & a.ih[f]
    buys = gap.sum(axis=1) * kp.value_scale > b.tto_price
    # a startup does not pay into the runway it would have to raise money for
    reserve = params.finance.runway_threshold * np.where(a.kind[f] == Kind.STARTUP, a.burn[f], 0)
    buys &= (a.capital[f] - b.tto_price >= reserve) & (state.directed_tie(u, f) < 0)
    buys = np.flatnonzero(buys)
    _, first = np.unique(f[buys], return_index=True)
    buys = buys[first]
    u, f, gap = u[buys], f[buys], gap[buys]
    if len(f) == 0:
        return
    absorb = b.tto_transfer * state.absorptive(f, kp)
    a.knowledge[f] = np.minimum(a.knowledge[f] + absorb[:, None] * gap, 1.0)
    fees = np.full(len(f), b.tto_price)
    state.transfer(f, u, fees, "tto_licence")
    records.licences(state, u)
    tally.tto_licences += len(f)
    tally.broker_fees += float(fees.sum())
