"""Stage 2: competitive calls of the public funder for research consortia (INFSO-SKIN).

Every `calls.period` months the regulators open a call in a few fields. Eligible actors (an IH
field among the call's) lead proposals of consortia chosen from their partners and others;
evaluators rank the proposals on the consortium's knowledge in the call's fields, the variety
of its kinds and its members' record of joint success, with noise; the best are funded within
the call's budget. Members are tied pairwise and their ties run a funded joint project; each
member gets a monthly grant, earmarked for R&D, for the project's duration (`State.awards`).
"""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import KINDS, RESEARCHERS, Kind
from ..metrics import Tally
from ..records import Records
from ..state import State
from . import governance, partnering, partnerships

_RESEARCHER_CODES = np.array([int(kind) for kind in RESEARCHERS])


def run(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Open the call due this month (if any), then pay every grant under way."""
    c = params.calls
    due = c.enabled and state.t >= c.first and (state.t - c.first) % c.period == 0
    if due and len(state.rows(Kind.REGULATOR)):
        _open_call(state, params, rng, tally, records)
    _pay_awards(state, tally)


def _open_call(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Draw the call's fields, collect proposals, evaluate them and fund the best."""
    c = params.calls
    if c.fields:
        fields = np.unique(c.fields)
    else:
        fields = np.sort(rng.choice(state.fields, size=c.field_count, replace=False))
    researchers = state.rows(RESEARCHERS)
    eligible = researchers[state.actors.ih[researchers][:, fields].any(axis=1)]
    leads = eligible[rng.random(len(eligible)) < c.propose_share]
    if len(leads) == 0:
        return
    members = _consortia(state, params, rng, leads, eligible, fields)
    tally.call_proposals += len(members)
    if len(members) == 0:
        return
    score = _evaluate(state, params, rng, members, fields)
    cost = (members >= 0).sum(axis=1) * c.grant * c.duration
    order = np.argsort(-score, kind="stable")
    funded = order[np.cumsum(cost[order]) <= c.budget * (1 + 1e-12)]  # the best, in rank order
    tally.calls_funded += len(funded)
    _fund(state, params, rng, members[funded], tally, records)


def _consortia(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    leads: np.ndarray,
    eligible: np.ndarray,
    fields: np.ndarray,
) -> np.ndarray:
    """Each lead's consortium: proposals x members (the lead first, -1 pads), only those
    that meet the call's size and kind requirements."""
    c, a = params.calls, state.actors
    n_leads = len(leads)
    cand = eligible[rng.integers(len(eligible), size=(n_leads, c.candidates))]
    # some candidates are the lead's partners: consortia build on existing ties (INFSO-SKIN)
    own = (rng.random(cand.shape) < c.partner_share) & (state.degree()[leads] > 0)[:, None]
    li, ci = np.nonzero(own)
    cand[li, ci] = partnering.random_neighbour(state.neighbours(), leads[li], rng)
    cand = np.c_[cand, _one_per_group(params, state, rng, leads, eligible)]
    lead = np.broadcast_to(leads[:, None], cand.shape)
    allowed = partnering.kind_matrix(params)
    valid = state.marks(eligible)[cand] & (cand != lead) & allowed[a.kind[lead], a.kind[cand]]
    valid &= ~_repeated(cand)
    known = state.directed_tie(lead.ravel(), cand.ravel()).reshape(cand.shape) >= 0
    fit = a.knowledge[cand[..., None], fields].mean(axis=-1) + c.known_bonus * known
    size = rng.integers(c.size[0], c.size[1] + 1, size=n_leads)
    chosen, ok = _pick(params, a.kind, leads, cand, np.where(valid, fit, -np.inf), size)
    # the chosen candidates of each row, packed to the left
    picked = np.where(chosen, cand, -1)
    picked = np.take_along_axis(picked, np.argsort(~chosen, axis=1, kind="stable"), axis=1)
    width = min(cand.shape[1], c.size[1] - 1)
    return np.c_[leads, picked[:, :width]][ok]


def _one_per_group(
    params: Scenario,
    state: State,
    rng: np.random.Generator,
    leads: np.ndarray,
    eligible: np.ndarray,
) -> np.ndarray:
    """Leads x groups: one more candidate per required group, drawn from the eligible actors
    of that group (the lead itself, which is never valid, where the group has none)."""
    kinds = state.actors.kind[eligible]
    columns = []
    for group in params.calls.requires:  # a few groups, not actors
        pool = eligible[_group_mask(group)[kinds]]
        drawn = pool[rng.integers(len(pool), size=len(leads))] if len(pool) else leads
        columns.append(drawn)
    return np.stack(columns, axis=1)


def _group_mask(group: list[str]) -> np.ndarray:
    """A boolean per kind code: is it in `group`."""
    mask = np.zeros(len(KINDS), dtype=bool)
    mask[[KINDS.index(kind) for kind in group]] = True
    return mask


def _repeated(cand: np.ndarray) -> np.ndarray:
    """True where a row's candidate already appeared earlier in that row (in sorted order)."""
    order = np.argsort(cand, axis=1, kind="stable")
    srt = np.take_along_axis(cand, order, axis=1)
    again = np.zeros(cand.shape, dtype=bool)
    again[:, 1:] = srt[:, 1:] == srt[:, :-1]
    out = np.empty_like(again)
    np.put_along_axis(out, order, again, axis=1)
    return out


def _pick(
    params: Scenario,
    kinds: np.ndarray,
    leads: np.ndarray,
    cand: np.ndarray,
    fit: np.ndarray,
    size: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates each lead takes: the best fit of every required group of kinds the
    consortium lacks, then the best others up to its size; and which consortia are complete."""
    rows = np.arange(len(leads))
    chosen = np.zeros(cand.shape, dtype=bool)
    ok = np.ones(len(leads), dtype=bool)
    for group in params.calls.requires:  # a few groups, not actors
        member = _group_mask(group)
        in_group = member[kinds[cand]]
        covered = member[kinds[leads]] | (chosen & in_group).any(axis=1)
        options = np.where(in_group & ~chosen, fit, -np.inf)
        best = options.argmax(axis=1)
        take = ~covered & np.isfinite(options[rows, best])
        chosen[rows[take], best[take]] = True
        ok &= covered | take
    free = np.where(chosen, -np.inf, fit)
    rank = np.argsort(np.argsort(-free, axis=1, kind="stable"), axis=1)  # 0 for the best
    room = size - 1 - chosen.sum(axis=1)
    chosen |= (rank < room[:, None]) & np.isfinite(free)
    ok &= chosen.sum(axis=1) + 1 >= params.calls.size[0]
    return chosen, ok


def _pairs(members: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of slots of each consortium: first members, second members, both filled."""
    i, j = np.triu_indices(members.shape[1], 1)
    x, y = members[:, i], members[:, j]
    return x, y, (x >= 0) & (y >= 0)


def _evaluate(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    members: np.ndarray,
    fields: np.ndarray,
) -> np.ndarray:
    """Each proposal's score: w_knowledge * the consortium's best knowledge per call field,
    averaged + w_diversity * variety of kinds + w_track_record * share of member pairs with
    a joint success + evaluators' noise."""
    c, a = params.calls, state.actors
    filled = members >= 0
    safe = np.where(filled, members, 0)
    k = np.where(filled[..., None], a.knowledge[safe[..., None], fields], 0.0)
    coverage = k.max(axis=1).mean(axis=1)
    kind = np.where(filled, a.kind[safe], -1)
    present = (kind[..., None] == _RESEARCHER_CODES).any(axis=1)
    variety = (present.sum(axis=1) - 1) / (len(RESEARCHERS) - 1)
    x, y, both = _pairs(members)
    record = np.zeros(x.shape)
    tie = state.directed_tie(x[both], y[both])
    t = state.ties
    row = np.where(tie >= 0, tie % max(t.n, 1), 0)
    record[both] = (tie >= 0) & (t.last_success[row] > t.formed[row])
    record = record.sum(axis=1) / np.maximum(both.sum(axis=1), 1)
    noise = rng.normal(0.0, c.noise, len(members))
    return c.w_knowledge * coverage + c.w_diversity * variety + c.w_track_record * record + noise


def _fund(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    members: np.ndarray,
    tally: Tally,
    records: Records,
) -> None:
    """Grant every member of the funded consortia its monthly share for the project's life;
    tie the members pairwise (where the kinds may partner and both have room) and mark the
    ties as funded joint projects."""
    c = params.calls
    until = state.t + c.duration - 1  # the project runs `duration` months from this one
    rows = members[members >= 0]
    aw = state.awards
    new = aw.add(len(rows))
    aw.member[new], aw.monthly[new], aw.until[new] = rows, c.grant, until
    x, y, both = _pairs(members)
    x, y = x[both], y[both]
    kinds = state.actors.kind
    may = partnering.kind_matrix(params)[kinds[x], kinds[y]]
    x, y = x[may], y[may]
    missing = state.directed_tie(x, y) < 0
    tally.call_ties_formed += partnering.form_ties(
        state, params, rng, x[missing], y[missing], state.degree(), tally, records
    )
    tie = state.directed_tie(x, y)
    t = state.ties
    tie = tie[tie >= 0] % max(t.n, 1)
    t.project_until[tie] = np.maximum(t.project_until[tie], until)
    t.funded[tie] = True
    partnerships.make_joint(state, tie)  # a funded project makes the tie joint R&D


def _pay_awards(state: State, tally: Tally) -> None:
    """Pay this month's grants from the regulators (scaled down if their budget is short);
    what a member receives is added to its R&D budget. Ended grants and members drop out."""
    aw, a = state.awards, state.actors
    aw.keep((aw.until[: aw.n] >= state.t) & a.alive[aw.member[: aw.n]])
    if aw.n == 0:
        return
    rows, want = aw.member[: aw.n], aw.monthly[: aw.n]
    paid = governance.pay_public(state, rows, want)
    if paid <= 0:
        return
    received = want * (paid / want.sum())
    a.rd_budget[: a.n] += np.bincount(rows, weights=received, minlength=a.n)
    tally.call_funding += paid
    tally.public_spend += paid
