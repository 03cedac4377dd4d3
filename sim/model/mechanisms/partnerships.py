"""Partnership types: a new tie is a joint R&D partnership, a data and resource sharing
agreement or a standards consortium, chosen by its partners' kinds, strategies and needs. Each
type has its cost, term, trust needed and IP rule. Joint projects are in projects.py, the
market side of standards in standards.py."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import FIRMS, RESEARCHERS, Kind, Strategy, TieType
from ..arrays import mean_over, sum_into
from ..metrics import Tally
from ..state import State
from . import market, standards

SINKS = {
    TieType.JOINT_RD: "joint_rd_cost",
    TieType.SHARING: "sharing_cost",
    TieType.STANDARD: "standard_cost",
}
_RESEARCHER = np.zeros(len(Kind) + 1, dtype=bool)  # index -1: no kind
_RESEARCHER[list(RESEARCHERS)] = True
_FIRM = np.zeros(len(Kind) + 1, dtype=bool)
_FIRM[list(FIRMS)] = True
# up to this many actor x field cells (512 KB), common_field sums a table of every actor
TABLE_CELLS = 1 << 16


def _terms(params: Scenario) -> tuple:
    """Each type's section, indexed by its TieType code."""
    pp = params.partnerships
    return pp.joint_rd, pp.sharing, pp.standard


def capacity(state: State, params: Scenario, rows: np.ndarray) -> np.ndarray:
    """R&D capacity in [0, 1): the effort term of this month's R&D budget, 1 - exp(-b / cost)."""
    rd = np.clip(state.actors.rd_budget[rows], 0, None)
    return 1 - np.exp(-rd / params.knowledge.research_cost)


def lack(state: State, params: Scenario, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """What x lacks that its partner y has, in [0, 1]: the mean of y's R&D capacity above x's
    and y's knowledge above x's on x's IH (complementarity, 7.3), twice as much for a resource
    seeker as for an innovation seeker (resource-based motives: Das & Teng 2000)."""
    a = state.actors
    more = np.clip(capacity(state, params, y) - capacity(state, params, x), 0, None)
    comp = mean_over(a.ih[x], np.clip(a.knowledge[y] - a.knowledge[x], 0, None))
    seeks = a.strategy[x] == Strategy.RESOURCES
    return (more + comp) / 2 * (1 + seeks) / 2


def common_field(state: State, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: the field where both have products (launched or pending) with the most value
    together, and whether there is one."""
    p, n, fields = state.products, state.actors.n, state.fields
    owner, field, value = p.owner[: p.n], p.field[: p.n], p.value[: p.n]
    if n * fields <= TABLE_CELLS:  # a row of the table of values held for every actor
        rows, at_x, at_y = n, x, y
    else:  # for the pairs' actors only: each cell the same products in the same order
        ends = np.concatenate([x, y])
        slot = np.full(n, -1)
        slot[ends] = np.arange(len(ends))  # (an actor in two pairs: the last of its numbers)
        rows, at_x, at_y = len(ends), slot[x], slot[y]
        theirs = slot[owner]
        mine = theirs >= 0
        owner, field, value = theirs[mine], field[mine], value[mine]
    held = np.bincount(owner * fields + field, value, minlength=rows * fields).reshape(rows, -1)
    hx, hy = held[at_x], held[at_y]
    both = (hx > 0) & (hy > 0)
    return np.where(both, hx + hy, -1.0).argmax(axis=1), both.any(axis=1)


def fits(state: State, params: Scenario, x: np.ndarray, y: np.ndarray) -> tuple:
    """Per pair, how well each type fits (columns by TieType code) and a standard's field:
    joint R&D two researchers, more with overlapping IHs (fully with a university); sharing
    what one side lacks that the other has, the larger; a standard two firms selling in a
    common field, more where its standard has a base."""
    a, kind = state.actors, state.actors.kind
    ih_x, ih_y = a.ih[x], a.ih[y]
    smaller = np.maximum(np.minimum(ih_x.sum(axis=1), ih_y.sum(axis=1)), 1)
    overlap = (ih_x & ih_y).sum(axis=1) / smaller
    # a university's partnerships are research collaborations first (Perkmann et al. 2013)
    uni = int(Kind.UNIVERSITY)
    overlap[(kind[x] == uni) | (kind[y] == uni)] = 1.0
    joint = _RESEARCHER[kind[x]] & _RESEARCHER[kind[y]]
    field, common = common_field(state, x, y)
    bandwagon = params.partnerships.standard.bandwagon * state.standard_base[field]
    firms = _FIRM[kind[x]] & _FIRM[kind[y]]
    sharing = firms * np.maximum(lack(state, params, x, y), lack(state, params, y, x))
    std = firms & common
    fit = np.column_stack([joint * (1 + overlap) / 2, sharing, std * (1 + bandwagon)])
    return fit, field


def choose(state: State, params: Scenario, rng: np.random.Generator, rows: np.ndarray) -> None:
    """New ties `rows` draw their type with chances in proportion to weight * fit, among the
    types whose trust need a new partner's trust meets (none: joint R&D); a standard tie
    takes its field, a sharing or standard tie its term."""
    pp, t = params.partnerships, state.ties
    if not pp.enabled or len(rows) == 0:
        return
    terms = _terms(params)
    fit, field = fits(state, params, t.a[rows], t.b[rows])
    weight = np.array([s.weight for s in terms])
    trusted = np.array([params.trust.initial >= s.trust_needed for s in terms])
    odds = np.cumsum(fit * (weight * trusted), axis=1)
    draw = rng.random(len(rows)) * odds[:, -1]
    chosen = np.minimum((odds <= draw[:, None]).sum(axis=1), len(terms) - 1)
    chosen[odds[:, -1] <= 0] = TieType.JOINT_RD
    t.type[rows] = chosen
    std = rows[chosen == TieType.STANDARD]
    t.field[std] = field[chosen == TieType.STANDARD]
    term = np.array([-1, pp.sharing.duration, pp.standard.duration])[chosen]
    t.until[rows] = np.where(term > 0, state.t + term - 1, -1)


def make_joint(state: State, ties: np.ndarray) -> None:
    """Ties that run a funded joint project become joint R&D partnerships."""
    t = state.ties
    t.type[ties], t.field[ties], t.until[ties] = TieType.JOINT_RD, -1, -1


def trust_floor(state: State, params: Scenario) -> np.ndarray | float:
    """Per tie: the effective trust below which it ends, its type's need or the floor."""
    if not params.partnerships.enabled:
        return params.trust.floor
    t = state.ties
    needed = np.array([s.trust_needed for s in _terms(params)])[t.type[: t.n]]
    return np.maximum(params.trust.floor, needed)


def expire(state: State, params: Scenario) -> np.ndarray:
    """Per tie: its term is over. A standard membership is renewed instead for another term
    while its field's installed base is at least `renew_base` (lock-in)."""
    sp, t = params.partnerships.standard, state.ties
    m = t.n
    due = (t.until[:m] >= 0) & (t.until[:m] < state.t)
    renew = due & (t.type[:m] == TieType.STANDARD)
    renew[renew] = state.standard_base[t.field[:m][renew]] >= sp.renew_base
    t.until[:m][renew] += sp.duration
    return due & ~renew


def _pooled_pairs(state: State, params: Scenario, patented: np.ndarray) -> tuple:
    """Directed pairs (receiver, source, rate, fields, leak) along which the source's
    `patented` knowledge (actor rows x fields) passes licence-free: sharing ties under the open
    rule (a leak, on every field) and standard ties under the pooled rule (on its field)."""
    pp, t = params.partnerships, state.ties
    m, none = t.n, np.zeros(0, dtype=np.int64)
    open_ = pp.sharing.ip_rule == "open" and pp.sharing.leakage > 0
    pooled = pp.standard.ip_rule == "pooled" and pp.standard.pool_rate > 0
    sh = np.flatnonzero(t.type[:m] == TieType.SHARING) if open_ else none
    std = np.flatnonzero(t.type[:m] == TieType.STANDARD) if pooled else none
    ties = np.concatenate([sh, sh, std, std])
    dst = np.concatenate([t.a[sh], t.b[sh], t.a[std], t.b[std]])
    src = np.concatenate([t.b[sh], t.a[sh], t.b[std], t.a[std]])
    leak = np.arange(len(ties)) < 2 * len(sh)
    keep = patented[src].any(axis=1)  # the source has a patent to pass
    ties, dst, src, leak = ties[keep], dst[keep], src[keep], leak[keep]
    own = np.arange(state.fields) == t.field[ties][:, None]
    fields = (leak[:, None] | own) & patented[src]
    rate = np.where(leak, pp.sharing.leakage, pp.standard.pool_rate)
    return dst, src, rate, fields, leak


def share(state: State, params: Scenario, tally: Tally) -> None:
    """Sharing partners' R&D money goes further (data, equipment and staff shared): it counts
    1 + gain * c / (c + 1) times, c the summed R&D capacity of its sharing partners. Patented
    knowledge passes licence-free along `_pooled_pairs`: K += rate * A * focus * gap there."""
    pp, a, t = params.partnerships, state.actors, state.ties
    n = a.n
    a.shared_gain[:n] = 1.0
    if not pp.enabled or t.n == 0:
        return
    sh = np.flatnonzero(t.type[: t.n] == TieType.SHARING)
    x, y = t.a[sh], t.b[sh]
    cap = capacity(state, params, np.arange(n))
    ends, brings = np.concatenate([x, y]), np.concatenate([cap[y], cap[x]])
    brought = np.bincount(ends, brings, minlength=n)  # the partners' summed capacity
    a.shared_gain[:n] = 1 + pp.sharing.gain * brought / (brought + 1)
    dst, src, rate, fields, leak = _pooled_pairs(state, params, a.patent_expiry[:n] > state.t)
    if len(dst) == 0:
        return
    kp = params.knowledge
    flow = np.clip(a.knowledge[src] - a.knowledge[dst], 0, None) * fields
    flow *= (rate * state.absorptive(dst, kp))[:, None] * state.focus(dst, kp.off_focus_absorption)
    tally.knowledge_leaked += float(flow[leak].sum())
    rows, at = np.unique(dst, return_inverse=True)  # only they change
    a.knowledge[rows] = np.minimum(a.knowledge[rows] + sum_into(at, flow, len(rows)), 1.0)


def pay(state: State, params: Scenario, tally: Tally) -> None:
    """Each partner pays its ties' monthly cost by type (sinks named in SINKS); a startup only
    as far as its cash goes."""
    t, a = state.ties, state.actors
    if not params.partnerships.enabled or t.n == 0:
        return
    n, types = a.n, len(TieType)
    ends = np.concatenate([t.a[: t.n], t.b[: t.n]]) * types + np.tile(t.type[: t.n], 2)
    held = np.bincount(ends, minlength=n * types).reshape(n, types)  # ties per actor and type
    startup = a.kind[:n] == int(Kind.STARTUP)
    cash = np.clip(a.capital[:n], 0, None)
    for code, terms in zip(TieType, _terms(params), strict=True):
        rows = np.flatnonzero(held[:, code])
        owed = terms.cost * held[rows, code]
        paid = np.where(startup[rows], np.minimum(owed, cash[rows]), owed)  # startups: their cash
        state.spend(rows, paid, SINKS[code])
        cash[rows] -= paid
        tally.partnership_costs += float(paid.sum())


def settle_standards(state: State, params: Scenario, tally: Tally) -> None:
    """Before the market stage sells: products are marked as meeting their field's standard or
    not, and the share of this month's sales that does moves each field's installed base."""
    if not params.partnerships.enabled:
        return
    p, a = state.products, state.actors
    n = p.n
    standards.mark(state)
    if not (state.standard_base.any() or p.standard[:n].any()):  # no standard yet: nothing moves
        return
    active = np.flatnonzero(
        (p.launch[:n] <= state.t) & (state.t < p.end[:n]) & a.alive[p.owner[:n]]
    )
    standards.settle(state, params, active, market.monthly_revenue(state, params, active), tally)
