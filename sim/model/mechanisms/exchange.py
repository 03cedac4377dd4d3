"""Stage 4: knowledge flows along ties (with IP and licensing), trust reacts, public pool."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import RESEARCHERS
from ..arrays import large, row_blocks, sum_into
from ..metrics import Tally
from ..records import Records
from ..state import State, large_run


def _inflow(
    state: State,
    params: Scenario,
    dst: np.ndarray,
    src: np.ndarray,
    trust: np.ndarray,
    gap: np.ndarray,
    known: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Knowledge `dst` absorbs from `src`, and whether it licenses src's patents to do so
    (`gap`: K_src - K_dst, used in place; `known`: K_dst, if gathered already).

    K_dst += beta * trust * absorptive_dst * focus_dst * max(0, K_src - K_dst), focus being 1
    on dst's IH and off_focus_absorption elsewhere; patented fields of src
    pass at (1 - ip_strength) unless dst pays the licensing fee.
    """
    a = state.actors
    kp, ip = params.knowledge, params.ip
    np.maximum(gap, 0, out=gap)
    blocked = a.patent_expiry[src] > state.t
    ih = a.ih[dst]
    wanted = (gap * (blocked & ih)).sum(axis=1)
    # license when the blocked knowledge on the IH is worth more a month than the fee
    licensed = (wanted * kp.value_scale > ip.licensing_fee) & (a.capital[dst] > ip.licensing_fee)
    rate = kp.exchange_rate * trust * state.absorptive(dst, kp, known)
    flow = rate[:, None] * gap  # in place from here on: these arrays are ties x fields
    flow *= np.where(blocked & ~licensed[:, None], 1.0 - ip.ip_strength, 1.0)  # x * 1.0 is x
    flow *= np.where(ih, 1.0, kp.off_focus_absorption)
    return flow, licensed


def exchange(state: State, params: Scenario, tally: Tally, records: Records) -> None:
    """Both partners of every tie learn from each other at the same time. The inflows' rows
    are the ties read a->b (0..m-1), then b->a (m..2m-1); in a large run, in one compiled
    loop (loops.exchange)."""
    t = state.ties
    m = t.n
    if m == 0:
        return
    a, b = t.a[:m], t.b[:m]
    dst, src = np.concatenate([a, b]), np.concatenate([b, a])  # every tie read both ways
    k, n = state.actors.knowledge, state.actors.n
    if large_run(state, params):
        licensed = _fused_exchange(state, params, dst, src)
    else:
        inflow, licensed = _inflows(state, params, dst, src)
        k[:n] += inflow  # every row's inflow from all its ties
    np.minimum(k, 1.0, out=k)

    fee = params.ip.licensing_fee
    payers, payees = dst[licensed], src[licensed]
    state.transfer(payers, payees, np.full(len(payers), fee))
    tally.licences += len(payers)
    records.licences(state, payees)


def _inflows(
    state: State, params: Scenario, dst: np.ndarray, src: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every row's inflow from its ties (readings `dst` <- `src`, summed in their order), and
    which readings license. Past one block of ties, a block at a time, both readings at once:
    these share the knowledge gathered, and the temporaries stay in cache."""
    t, k = state.ties, state.actors.knowledge
    m = t.n
    a, b = t.a[:m], t.b[:m]
    trust = np.concatenate([t.eff_ab[:m], t.eff_ba[:m]])
    blocks = list(row_blocks(m, state.fields))
    if len(blocks) == 1:  # a few thousand ties: gathering each reading was faster, by a fifth
        into, licensed = _inflow(state, params, dst, src, trust, k[src] - k[dst])
    else:
        into, licensed = np.empty((2 * m, state.fields)), np.empty(2 * m, dtype=bool)
        for ties in blocks:
            rows = np.r_[ties, m + ties.start : m + ties.stop]  # a->b, then the same ties b->a
            gap, known = _gaps(state, a[ties], b[ties])
            into[rows], licensed[rows] = _inflow(
                state, params, dst[rows], src[rows], trust[rows], gap, known
            )
    return sum_into(dst, into, state.actors.n), licensed


def _fused_exchange(state: State, params: Scenario, dst: np.ndarray, src: np.ndarray) -> np.ndarray:
    """_inflows, added to the knowledge, in one compiled loop over the readings
    (loops.exchange): the same numbers. Returns which readings license."""
    from ..loops import exchange as fused  # numba, imported for large runs only

    kp, ip, t, a = params.knowledge, params.ip, state.ties, state.actors
    m = t.n
    effort = state.learning_effort(np.arange(a.n), kp.learning_half)  # per row, as absorptive's
    absorption = (kp.exchange_rate, kp.absorptive_half, kp.unfunded_absorption)
    licensing = (kp.value_scale, ip.licensing_fee, 1.0 - ip.ip_strength, kp.off_focus_absorption)
    actors = (effort, a.capital, a.patent_expiry, a.ih)
    trust = (t.eff_ab[:m], t.eff_ba[:m])
    return fused(a.knowledge, dst, src, *trust, *actors, state.t, absorption, licensing)


def _gaps(state: State, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """K_b - K_a, then K_a - K_b, and the receivers' knowledge K_a then K_b: ties a-b read
    both ways, from one gather of each end."""
    k = state.actors.knowledge
    ka, kb = k[a], k[b]
    ahead = kb - ka  # what b knows beyond a
    # 0 - x is the x - y of y - x bit for bit, +0 included: the gap read the other way
    return np.concatenate([ahead, np.subtract(0.0, ahead)]), np.concatenate([ka, kb])


def opportunism(state: State, params: Scenario, rng: np.random.Generator, tally: Tally) -> None:
    """After exchanging, a partner may defect: the victim's trust falls, else it grows."""
    tp = params.trust
    t = state.ties
    m = t.n
    if m == 0:
        return
    p_defect = tp.opportunism * (1 - tp.enforcement)
    a_cheats = rng.random(m) < p_defect
    b_cheats = rng.random(m) < p_defect
    for cheats, victim_trust in ((a_cheats, t.trust_ba), (b_cheats, t.trust_ab)):
        v = victim_trust[:m]
        victim_trust[:m] = np.where(cheats, v - tp.trust_loss, v + tp.trust_gain * (1 - v))
    tally.defections += int(a_cheats.sum() + b_cheats.sum())

    a, b = t.a[:m], t.b[:m]
    if tp.reputation_sharing and (a_cheats.any() or b_cheats.any()):
        victims = np.r_[b[a_cheats], a[b_cheats]]
        cheaters = np.r_[a[a_cheats], b[b_cheats]]
        nb = state.neighbours()
        told, partner = nb.partners_of(victims)  # each victim tells all its partners
        heard = nb.find(partner, cheaters[told])  # the tie of a partner told with the cheater
        heard = np.bincount(heard[heard >= 0], minlength=2 * m)  # per position of the index
        lost = np.empty(2 * m)
        lost[nb.order] = tp.reputation_weight * tp.trust_loss * heard  # per tie, both ways
        t.trust_ab[:m] -= lost[:m]
        t.trust_ba[:m] -= lost[m:]
    np.clip(t.trust_ab[:m], 0, 1, out=t.trust_ab[:m])
    np.clip(t.trust_ba[:m], 0, 1, out=t.trust_ba[:m])


def public_pool(state: State, params: Scenario) -> None:
    """Everyone who researches absorbs from the public pool (in proportion to absorptive
    capacity); the pool slowly grows obsolete."""
    kp = params.knowledge
    rows = state.rows(RESEARCHERS)
    k = state.actors.knowledge
    absorb = kp.pool_absorption * state.absorptive(rows, kp)
    if large(len(rows), state.fields, params.steps):
        from ..loops import absorb_pool  # numba, imported for large runs only: the same numbers

        absorb_pool(k, rows, state.pool, absorb, state.actors.ih, kp.off_focus_absorption)
    else:
        for b in row_blocks(len(rows), state.fields):
            r = rows[b]
            gap = np.clip(state.pool - k[r], 0, None)
            k[r] += absorb[b, None] * gap * state.focus(r, kp.off_focus_absorption)
    state.pool *= 1 - kp.pool_decay
