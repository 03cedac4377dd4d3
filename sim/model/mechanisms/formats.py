"""Collaboration formats: innovation jams and open challenges, started by scheduled events.

An innovation jam is curated and time-boxed: invited actors of several kinds absorb knowledge
from one another many-to-many for a few months and may form lasting ties; at its end the team
solves its problem with its pooled knowledge. An open challenge posts a problem and a prize:
the best of the independent submissions wins, and the winner's knowledge on the problem's
fields reaches the sponsor. How well each solves its problem is in `problems.py`. Formats
under way live in `State.formats` (`RunningJam`, `RunningChallenge`); innovations of actors
within a format's attribution window are counted separately.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...schema import Challenge, Jam, Scenario
from ...vocabulary import KINDS, RESEARCHERS, Kind
from ..flows import Innovations
from ..metrics import Tally
from ..records import Records
from ..state import State
from . import partnering, problems

PAIR_BUDGET = 2_000_000  # most (pair x field) values scored at once when forming jam ties


@dataclass(frozen=True)
class RunningJam:
    """A jam under way: its participants, from its first to its last month, its problem's
    fields and the problem's own stream of draws."""

    spec: Jam
    rows: np.ndarray
    start: int
    end: int
    fields: np.ndarray
    draws: np.random.Generator


@dataclass
class RunningChallenge:
    """A challenge under way: sponsor, target fields, submitters, the problem's own stream of
    draws; the winner at the end."""

    spec: Challenge
    sponsor: int
    fields: np.ndarray
    rows: np.ndarray
    start: int
    end: int
    draws: np.random.Generator
    winner: int = -1


def hold(
    state: State, params: Scenario, rng: np.random.Generator, tally: Tally, records: Records
) -> None:
    """Start the jams and challenges due this step, run those under way, drop finished ones."""
    for event in params.events:
        if event.at != state.t:
            continue
        if event.jam is not None:
            _start_jam(state, rng, event.jam, tally)
        if event.challenge is not None:
            _start_challenge(state, rng, event.challenge, tally)
    for fmt in state.formats:
        if isinstance(fmt, RunningJam):
            _run_jam(state, params, rng, fmt, tally, records)
        else:
            _run_challenge(state, fmt, tally)
    state.formats = [fmt for fmt in state.formats if fmt.end > state.t]


def attribute(state: State, made: Innovations, tally: Tally) -> None:
    """Count this step's innovations by actors within a format's attribution window."""
    counted = state.actors.format_until[made.actor] >= state.t
    tally.format_innovations += int(counted.sum())


# --- innovation jams ------------------------------------------------------------------


def _start_jam(state: State, rng: np.random.Generator, jam: Jam, tally: Tally) -> None:
    """Invite participants, set the problem at its distance from what they know, charge the
    organiser and extend the participants' attribution."""
    rows = _invite(state, rng, jam)
    end = state.t + jam.duration - 1  # the jam's last month
    a = state.actors
    a.format_until[rows] = np.maximum(a.format_until[rows], end + jam.attribution)
    tally.jam_participants += len(rows)
    tally.public_spend += _charge_regulators(state, jam.cost)
    draws = problems.own_stream(rng)  # a jam's problem shifts none of the run's other draws
    home = a.knowledge[rows].max(axis=0) if len(rows) else np.zeros(state.fields)
    fields = problems.choose_fields(draws, jam.fields, jam.problem.distance, home)
    state.formats.append(RunningJam(jam, rows, state.t, end, fields, draws))


def _invite(state: State, rng: np.random.Generator, jam: Jam) -> np.ndarray:
    """`jam.participants` split evenly over `jam.kinds` (the first kinds take the remainder),
    drawn without replacement with probability proportional to mean knowledge."""
    kinds = list(dict.fromkeys(jam.kinds))
    base, extra = divmod(jam.participants, len(kinds))
    chosen = []
    for n, kind in enumerate(kinds):
        want = base + (n < extra)
        pool = state.rows(KINDS.index(kind))
        weight = state.actors.knowledge[pool].mean(axis=1) if len(pool) else np.empty(0)
        chosen.append(_weighted_sample(rng, pool, weight, want))
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def _weighted_sample(
    rng: np.random.Generator, pool: np.ndarray, weight: np.ndarray, size: int
) -> np.ndarray:
    """Up to `size` rows of `pool` without replacement, probability proportional to `weight`.

    Exponential race: each row draws E ~ Exp(1) and the smallest E / weight go first; rows of
    zero weight come last, in random order (so an all-zero pool is drawn uniformly).
    """
    if len(pool) == 0 or size <= 0:
        return np.empty(0, dtype=np.int64)
    e = rng.exponential(size=len(pool))
    clock = np.divide(e, weight, out=np.full(len(pool), np.inf), where=weight > 0)
    order = np.lexsort((e, clock))
    return pool[order[:size]]


def _charge_regulators(state: State, cost: float) -> float:
    """The organiser's expense: the regulators pay in proportion to what they hold (at most
    all of it); the money leaves the system. Returns what was paid (public spend)."""
    regs = state.rows(Kind.REGULATOR)
    if len(regs) == 0 or cost <= 0:
        return 0.0
    purse = np.clip(state.actors.capital[regs], 0, None)
    paid = min(cost, float(purse.sum()))
    if paid <= 0:
        return 0.0
    state.spend(regs, paid * purse / purse.sum(), "format_costs")
    return paid


def _run_jam(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    fmt: RunningJam,
    tally: Tally,
    records: Records,
) -> None:
    """One month of a jam: lasting ties in its first month, then many-to-many absorption;
    in its last month the team solves its problem."""
    if not fmt.start <= state.t <= fmt.end:
        return
    rows = fmt.rows[state.actors.alive[fmt.rows]]
    if len(rows) < 2:
        return
    jam = fmt.spec
    if state.t == fmt.start:
        tally.jam_ties_formed += _jam_ties(
            state, params, rng, rows, jam.tie_threshold, tally, records
        )
    k = state.actors.knowledge
    gap = _mean_gap_to_others(k[rows])
    absorb = jam.exchange_rate * state.absorptive(rows, params.knowledge)
    k[rows] = np.clip(k[rows] + absorb[:, None] * gap, 0.0, 1.0)
    if state.t == fmt.end:
        team = k[rows][:, fmt.fields]
        tally.format_solutions += 1
        tally.format_solution_quality += problems.pooled(fmt.draws, team, jam.level, jam.problem)


def _mean_gap_to_others(k: np.ndarray) -> np.ndarray:
    """[i, f] = mean over the other rows j of max(0, k[j, f] - k[i, f]), via a sort per field.

    In a column sorted ascending, the row at position r gains from the rows after it:
    sum(after) - count(after) * value; equal values add nothing wherever they fall.
    """
    p = len(k)
    order = np.argsort(k, axis=0, kind="stable")
    srt = np.take_along_axis(k, order, axis=0)
    after = srt.sum(axis=0) - np.cumsum(srt, axis=0)
    count = (p - 1 - np.arange(p))[:, None]
    gain_sorted = np.clip(after - count * srt, 0.0, None)
    gain = np.empty_like(k)
    np.put_along_axis(gain, order, gain_sorted, axis=0)
    return gain / (p - 1)


def _jam_ties(
    state: State,
    params: Scenario,
    rng: np.random.Generator,
    rows: np.ndarray,
    threshold: float,
    tally: Tally,
    records: Records,
) -> int:
    """Each participant proposes its most attractive fellow participant above `threshold`,
    where the kind matrix allows, both have room and no tie exists yet; returns how many
    ties formed."""
    a = state.actors
    allowed = partnering.kind_matrix(params)
    deg = state.degree()
    seekers = rows[allowed.any(axis=1)[a.kind[rows]] & (deg[rows] < a.max_partners[rows])]
    if len(seekers) == 0:
        return 0
    p = len(rows)
    chunk = max(1, PAIR_BUDGET // max(p * state.fields, 1))
    proposers, proposed = [], []
    for lo in range(0, len(seekers), chunk):
        part = seekers[lo : lo + chunk]
        i, j = np.repeat(part, p), np.tile(rows, len(part))
        valid = (
            (i != j)
            & allowed[a.kind[i], a.kind[j]]
            & (deg[j] < a.max_partners[j])
            & (state.directed_tie(i, j) < 0)
        )
        score = np.full(len(i), -np.inf)
        score[valid] = partnering.attractiveness(state, params, i[valid], j[valid])
        score = score.reshape(len(part), p)
        best = score.argmax(axis=1)
        ok = score[np.arange(len(part)), best] > threshold
        proposers.append(part[ok])
        proposed.append(rows[best[ok]])
    proposers, proposed = np.concatenate(proposers), np.concatenate(proposed)
    return partnering.form_ties(state, params, rng, proposers, proposed, deg, tally, records)


# --- open challenges ------------------------------------------------------------------


def _start_challenge(state: State, rng: np.random.Generator, ch: Challenge, tally: Tally) -> None:
    """Pick the sponsor and the problem's fields (at their distance from what the sponsor, or
    for a regulator the region, knows); able researchers submit with chance `reach`."""
    a = state.actors
    if ch.sponsor == "corporate":
        corps = state.rows(Kind.CORPORATE)
        sponsor = int(corps[a.capital[corps].argmax()]) if len(corps) else -1
    else:
        regs = state.rows(Kind.REGULATOR)
        sponsor = int(regs[rng.integers(len(regs))]) if len(regs) else -1
    if sponsor < 0:
        return
    draws = problems.own_stream(rng)
    distance = ch.problem.distance
    if distance is None:  # uniform, from the run's generator as before problems had a distance
        fields = np.sort(rng.choice(state.fields, size=ch.fields, replace=False))
    else:
        if a.kind[sponsor] in RESEARCHERS:
            home = a.knowledge[sponsor]
        else:  # a regulator knows nothing itself: the region's mean knowledge
            home = a.knowledge[state.rows(RESEARCHERS)].mean(axis=0)
        fields = problems.choose_fields(draws, ch.fields, distance, home)
    able = state.rows(RESEARCHERS)
    able = able[(able != sponsor) & a.ih[able][:, fields].any(axis=1)]
    submitters = able[rng.random(len(able)) < ch.reach]
    deadline = state.t + ch.duration
    a.format_until[submitters] = np.maximum(a.format_until[submitters], deadline + ch.attribution)
    tally.challenge_submissions += len(submitters)
    state.formats.append(
        RunningChallenge(ch, sponsor, fields, submitters, state.t, deadline, draws)
    )


def _run_challenge(state: State, fmt: RunningChallenge, tally: Tally) -> None:
    """At the deadline the best living submitter wins: the sponsor pays the prize (as much as
    it holds) and learns the winner's knowledge on the target fields."""
    if state.t != fmt.end:
        return
    a = state.actors
    ch, sponsor, fields = fmt.spec, fmt.sponsor, fmt.fields
    rows = fmt.rows[a.alive[fmt.rows]]
    if len(rows) == 0 or not a.alive[sponsor]:
        return
    k = a.knowledge[rows][:, fields]
    best, quality = problems.contest(fmt.draws, k, ch.level, ch.problem)
    winner = int(rows[best])
    fmt.winner = winner
    tally.format_solutions += 1
    tally.format_solution_quality += quality
    prize = min(ch.prize, max(0.0, float(a.capital[sponsor])))
    if prize > 0:
        state.transfer(np.array([sponsor]), np.array([winner]), np.array([prize]))
        tally.challenge_prizes += prize
        if a.kind[sponsor] == Kind.REGULATOR:
            tally.public_spend += prize
    if a.kind[sponsor] in RESEARCHERS:
        before = a.knowledge[sponsor, fields]
        learnt = np.maximum(before, a.knowledge[winner, fields])
        a.knowledge[sponsor, fields] = learnt
        tally.challenge_sponsor_gain += float((learnt - before).mean())
