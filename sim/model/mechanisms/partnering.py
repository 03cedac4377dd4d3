"""Stage 3: ties decay and dissolve, trust is refreshed, actors search for and form new ties."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import KINDS, Kind, Strategy
from ..arrays import mean_over, rank_within, search_sorted
from ..metrics import Tally
from ..neighbours import Neighbours
from ..records import Records
from ..state import State, large_run
from . import partnerships


def kind_matrix(params: Scenario) -> np.ndarray:
    """5x5 booleans: may kind i partner with kind j (the scenario's governance matrix)."""
    allowed = np.zeros((len(KINDS), len(KINDS)), dtype=bool)
    for kind, others in params.partnering.matrix.items():
        for other in others:
            allowed[KINDS.index(kind), KINDS.index(other)] = True
    return allowed


def patience(state: State, params: Scenario, rows: np.ndarray) -> np.ndarray:
    """Months each actor keeps a tie without a joint success: innovation seekers are patient,
    resource seekers drop ties that do not pay soon."""
    p = params.partnering
    factor = np.where(
        state.actors.strategy[rows] == Strategy.INNOVATION,
        p.innovation_patience,
        p.resource_patience,
    )
    return p.tie_lifetime * factor


def dissolve(state: State, params: Scenario, tally: Tally, records: Records) -> np.ndarray:
    """End ties without a joint success for longer than the less patient side waits (a
    running project or a sharing or standard term is waited out), whose term is over
    (partnerships.expire), or whose effective trust fell below the floor or their type's trust
    need; returns the actor rows that lost a partner."""
    t = state.ties
    m = t.n
    a, b = t.a[:m], t.b[:m]
    waited = state.t - t.last_success[:m]
    stale = waited > np.minimum(patience(state, params, a), patience(state, params, b))
    stale &= (t.project_until[:m] < state.t) & (t.until[:m] < 0)
    distrust = np.minimum(t.eff_ab[:m], t.eff_ba[:m]) < partnerships.trust_floor(state, params)
    expired = partnerships.expire(state, params)
    ending = stale | distrust | expired
    tally.ties_dissolved += int(ending.sum())
    ended = np.flatnonzero(ending)
    why = np.select([distrust[ended], expired[ended]], ["distrust", "expired"], "stale")
    records.ties_ended(state, ended, why)
    lost = np.unique(np.r_[a[ended], b[ended]])  # before keep() compacts a and b
    t.keep(~ending)
    return lost


def refresh_trust(state: State, params: Scenario) -> None:
    """Effective trust = relational trust mixed with what common partners think (structural)."""
    t = state.ties
    m = t.n
    sw = params.trust.structural_weight
    t.eff_ab[:m], t.eff_ba[:m] = t.trust_ab[:m], t.trust_ba[:m]
    if m == 0 or sw == 0:
        return
    # structural trust of x in y: the mean trust in y of x's partners who are y's partners too
    nb = state.neighbours()
    relational = np.concatenate([t.trust_ab[:m], t.trust_ba[:m]])[nb.order]  # per position
    common, total = nb.common(relational, fused=large_run(state, params))
    mixed = (1 - sw) * relational + sw * (total / np.maximum(common, 1))
    effective = np.empty(2 * m)
    effective[nb.order] = np.where(common > 0, mixed, relational)
    t.eff_ab[:m], t.eff_ba[:m] = effective[:m], effective[m:]


def _trust_of(state: State, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Effective trust of x in y for tied pairs (each y a partner of x)."""
    t = state.ties
    return np.r_[t.eff_ab[: t.n], t.eff_ba[: t.n]][state.directed_tie(x, y)]


def random_neighbour(nb: Neighbours, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly drawn partner of each row (every row must have one)."""
    start = nb.start[rows]
    deg = nb.start[rows + 1] - start
    return nb.partner[start + (rng.random(len(rows)) * deg).astype(np.int64)]


def cognitive_distance(state: State, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Nooteboom's cognitive distance d = 1 - cos(K_i, K_j), in [0, 1]."""
    k = state.actors.knowledge
    return distance(k[i], k[j])


def distance(ki: np.ndarray, kj: np.ndarray) -> np.ndarray:
    """The cognitive distance of knowledge rows `ki` and `kj`, pair by pair."""
    norm = np.linalg.norm(ki, axis=1) * np.linalg.norm(kj, axis=1)
    return 1.0 - np.einsum("ij,ij->i", ki, kj) / np.where(norm > 0, norm, 1.0)


def resources(state: State) -> np.ndarray:
    """Per actor row, commercial resources: capital plus a year of sales on a log scale, 1 for
    the richest. Universities count none: what they offer a partner is knowledge."""
    a = state.actors
    n = a.n
    income = a.revenue[:n] + a.product_revenue[:n]
    wealth = np.log1p(np.clip(a.capital[:n], 0, None) + 12 * np.clip(income, 0, None))
    wealth[a.kind[:n] == Kind.UNIVERSITY] = 0.0
    top = wealth[a.alive[:n]].max(initial=0.0)
    return wealth / top if top > 0 else wealth


def visibility(state: State, j: np.ndarray) -> np.ndarray:
    """ln(1 + partners of j) / ln(1 + most partners any actor has), in [0, 1]: central actors
    are seen and sought (Powell et al. 1996; Gulati 1995)."""
    deg = state.degree()
    top = deg.max(initial=0)
    return np.log1p(deg[j]) / np.log1p(top) if top > 0 else np.zeros(len(j))


def reputation(state: State, j: np.ndarray) -> np.ndarray:
    """ln(1 + recent innovation value of j) / the same for the living actor with the most,
    in [0, 1]: a record of innovations makes a partner sought after."""
    a = state.actors
    value = np.log1p(np.clip(a.recent_value[: a.n], 0, None))
    top = value[a.alive[: a.n]].max(initial=0.0)
    return value[j] / top if top > 0 else np.zeros(len(j))


def draw_visible(
    pool: np.ndarray, deg: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """`count` members of `pool` drawn with probability proportional to partners + 1, the
    linear preferential attachment of Barabasi & Albert (1999)."""
    weight = np.cumsum(deg[pool] + 1.0)
    return pool[search_sorted(weight, rng.random(count) * weight[-1], side="right")]


def attractiveness(
    state: State,
    params: Scenario,
    i: np.ndarray,
    j: np.ndarray,
    expected_trust: np.ndarray | float | None = None,
    via_partner: np.ndarray | bool = False,
) -> np.ndarray:
    """How attractive candidate j is to i, by i's networking strategy.

    Innovation seekers (SKIN's progressive rule): w_d * 4d(1-d) + w_diversity * ([other kind]
    + [new contact]) / 2, a new contact being one not reached through a partner. Resource
    seekers (SKIN's conservative rule): w_d * (1 - d) + w_resources * resources_j. Both add
    w_t * expected trust + w_c * complementarity + w_v * visibility_j + w_r * reputation_j.
    """
    p, a = params.partnering, state.actors
    ki, kj = a.knowledge[i], a.knowledge[j]  # gathered once for the distance and the gain
    d = distance(ki, kj)
    ih = a.ih[i]
    gain = np.clip(kj - ki, 0, None) * ih
    comp = mean_over(ih, gain)
    novelty = ((a.kind[i] != a.kind[j]) + ~np.asarray(via_partner)) / 2
    for_innovation = p.w_distance * 4 * d * (1 - d) + p.w_diversity * novelty
    for_resources = p.w_distance * (1 - d) + p.w_resources * resources(state)[j]
    own = np.where(a.strategy[i] == Strategy.INNOVATION, for_innovation, for_resources)
    trust = params.trust.initial if expected_trust is None else expected_trust
    fame = p.w_visibility * visibility(state, j) + p.w_reputation * reputation(state, j)
    return own + p.w_trust * trust + p.w_complementarity * comp + fame


def search(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    tally: Tally,
    records: Records,
    lost: np.ndarray | None = None,
) -> None:
    """Actors below their partner limit that lost a partner this month (`lost`), and others
    by chance, weigh a few candidates and tie up with the best one."""
    p = params.partnering
    a = state.actors
    n = a.n
    allowed = kind_matrix(params)
    kinds = a.kind[:n]
    deg = state.degree()
    pool = np.flatnonzero(a.alive[:n] & allowed.any(axis=1)[kinds] & (a.max_partners[:n] > 0))
    # alliances are rare events: an actor looks for a partner only by chance, or to replace one
    searching = rng.random(n) < p.search_rate
    if lost is not None:
        searching[lost] = True
    seekers = pool[searching[pool] & (deg[pool] < a.max_partners[pool])]
    if len(seekers) == 0 or len(pool) < 2:
        return
    c = p.candidates
    i = np.repeat(seekers, c)
    j = pool[rng.integers(len(pool), size=len(i))]
    visible = rng.random(len(i)) < p.visibility_share
    j[visible] = draw_visible(pool, deg, int(visible.sum()), rng)
    nb = state.neighbours()
    fof = (rng.random(len(i)) < p.fof_share) & (deg[i] > 0)
    expected = np.full(len(i), params.trust.initial)
    if fof.any():
        via = random_neighbour(nb, i[fof], rng)
        j[fof] = random_neighbour(nb, via, rng)
        # a partner's referral: mix in what the go-between thinks of the candidate
        sw = params.trust.structural_weight
        expected[fof] = (1 - sw) * expected[fof] + sw * _trust_of(state, via, j[fof])

    valid = (
        (i != j)
        & a.alive[j]
        & allowed[kinds[i], kinds[j]]
        & (deg[j] < a.max_partners[j])
        & (state.directed_tie(i, j) < 0)
    )
    score = attractiveness(state, params, i, j, expected, via_partner=fof)
    score = np.where(valid, score, -np.inf).reshape(-1, c)
    best = score.argmax(axis=1)
    rows = np.arange(len(seekers))
    chosen = score[rows, best] > p.threshold
    pi, pj = seekers[chosen], j.reshape(-1, c)[rows, best][chosen]
    form_ties(state, params, rng, pi, pj, deg, tally, records)


def form_ties(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    pi: np.ndarray,
    pj: np.ndarray,
    deg: np.ndarray,
    tally: Tally,
    records: Records,
) -> int:
    """Form proposed ties once per pair, in random order, while both sides have room;
    returns how many formed."""
    if len(pi) == 0:
        return 0
    lo, hi = np.minimum(pi, pj), np.maximum(pi, pj)
    _, first = np.unique(lo * state.actors.n + hi, return_index=True)
    order = first[rng.permutation(len(first))]
    lo, hi = lo[order], hi[order]
    ends = np.r_[lo, hi]
    slot = np.r_[np.arange(len(lo)), np.arange(len(lo))]
    rank = rank_within(ends, by=slot)  # earlier pairs in the random order take the room first
    room = deg[ends] + rank < state.actors.max_partners[ends]
    ok = room[: len(lo)] & room[len(lo) :]
    lo, hi = lo[ok], hi[ok]

    t = state.ties
    rows = t.add(len(lo))
    t.id[rows] = state.new_ids("ties", len(rows))
    t.a[rows], t.b[rows] = lo, hi
    trust0 = params.trust.initial
    t.trust_ab[rows] = t.trust_ba[rows] = t.eff_ab[rows] = t.eff_ba[rows] = trust0
    t.formed[rows] = t.last_success[rows] = state.t
    partnerships.choose(state, params, rng, rows)  # joint R&D, sharing or a standard
    tally.ties_formed += len(rows)
    records.ties_formed(state, rows)
    tally.tie_distance_sum += float(cognitive_distance(state, lo, hi).sum())
    tally.cross_kind_ties_formed += int((state.actors.kind[lo] != state.actors.kind[hi]).sum())
    return len(rows)
