"""Stage 5: incremental or radical research, innovations with heavy-tailed values, learning."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import KINDS, RESEARCHERS, Kind
from ..arrays import large, mean_over, row_blocks
from ..flows import Innovations
from ..metrics import Tally
from ..state import State
from . import projects


def in_trouble(state: State, params: Scenario, rows: np.ndarray) -> np.ndarray:
    """Short of money: a startup below its runway threshold, a corporate with negative capital."""
    a = state.actors
    kind, cap = a.kind[rows], a.capital[rows]
    runway = cap / np.maximum(a.burn[rows], 1e-9)
    short_startup = (kind == Kind.STARTUP) & (runway < params.finance.runway_threshold)
    return short_startup | ((kind == Kind.CORPORATE) & (cap < 0))


def _swap_one_field(rng: np.random.Generator, ih: np.ndarray) -> np.ndarray:
    """Radical move: drop one random IH field and take up one random field outside it."""
    drop = np.where(ih, rng.random(ih.shape), -1.0).argmax(axis=1)
    take = np.where(~ih, rng.random(ih.shape), -1.0).argmax(axis=1)
    has_room = (~ih).any(axis=1)
    rows = np.arange(len(ih))[has_room]
    ih = ih.copy()
    ih[rows, drop[has_room]] = False
    ih[rows, take[has_room]] = True
    return ih


def effort(params: Scenario, money: np.ndarray) -> np.ndarray:
    """The effort term of R&D money, in [0, 1): 1 - exp(-money / research_cost)."""
    return 1 - np.exp(-np.clip(money, 0, None) / params.knowledge.research_cost)


def _chance(params: Scenario, money: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Chance of an innovation this month: an effort term in the R&D money times the quality
    of the knowledge combined (relative to the state of the art) to the knowledge elasticity."""
    return effort(params, money) * quality**params.knowledge.knowledge_elasticity


def _values(state: State, params: Scenario, rng, quality, ih, radical, made) -> np.ndarray:
    """Monthly product value of the `made` results: value_scale * quality * the IH's state of
    the art * a lognormal draw, of mean one for incremental results; radical ones share its
    median and have the wider spread (novel combinations: more misses and more breakthroughs).
    Every candidate draws, made or not, so that the random stream does not depend on `made`."""
    kp = params.knowledge
    sigma = np.where(radical, kp.radical_value_sigma, kp.value_sigma)
    draw = rng.lognormal(-(kp.value_sigma**2) / 2, sigma)[made]
    art = mean_over(ih[made], state.frontier)
    return kp.value_scale * quality[made] * art * draw


def _learn(kp, k, ih, radical, effort) -> tuple[np.ndarray, np.ndarray]:
    """One block of researchers' knowledge `k` after this month's work, and the quality of
    the knowledge their research combined: incremental researchers first gain on their IH;
    then everyone learns by doing on the IH and forgets elsewhere; faint fields are lost."""
    incremental = ~radical[:, None] & ih
    k = np.where(incremental, k + kp.incremental_gain * effort * (1 - k), k)
    quality = mean_over(ih, k)
    k = np.where(ih, k + kp.learning_rate * effort * (1 - k), k * (1 - kp.forgetting_rate))
    k[~ih & (k < kp.loss_threshold)] = 0.0
    return np.minimum(k, 1.0), quality


def learn(
    state: State, params: Scenario, rows: np.ndarray, ih: np.ndarray, radical: np.ndarray
) -> np.ndarray:
    """`_learn` on the knowledge of `rows` in place, a block at a time (or in one fused loop
    in a large run, loops.learn: the same numbers); returns the quality of their knowledge."""
    a, kp = state.actors, params.knowledge
    effort = state.learning_effort(rows, kp.learning_half)
    quality = np.empty(len(rows))
    if large(len(rows), state.fields, params.steps):
        from ..loops import learn as fused  # numba, imported for large runs only

        gains = (kp.incremental_gain, kp.learning_rate, 1 - kp.forgetting_rate)
        fused(a.knowledge, rows, ih, radical, effort, *gains, kp.loss_threshold, quality)
        return quality
    for b in row_blocks(len(rows), state.fields):
        r = rows[b]
        a.knowledge[r], quality[b] = _learn(kp, a.knowledge[r], ih[b], radical[b], effort[b, None])
    return quality


def research(state: State, params: Scenario, rng: np.random.Generator, tally: Tally) -> Innovations:
    """Spend the R&D budget on own research and joint projects; maybe innovate; learn on the
    IH (in proportion to effort) and forget elsewhere. Returns this month's innovations."""
    kp = params.knowledge
    a = state.actors
    rows = state.rows(RESEARCHERS)
    kind = a.kind[rows]

    # the startups' own R&D is part of their burn (booked in finance); the rest is spent here
    own_in_burn = np.where(kind == Kind.STARTUP, a.rd_share[rows] * a.burn[rows], 0.0)
    state.spend(rows, a.rd_budget[rows] - own_in_burn, "rd_spend")
    plans = projects.plan(state, params)
    solo_money = a.rd_budget[rows] - projects.money_in(state, plans)[rows]

    p_radical = np.array([kp.radical_prob.get(k, 0.0) for k in KINDS])[kind]
    p_radical = np.where(
        in_trouble(state, params, rows), p_radical * kp.trouble_radical_factor, p_radical
    )
    radical = rng.random(len(rows)) < np.minimum(p_radical, 1.0)
    ih = a.ih[rows]
    ih[radical] = _swap_one_field(rng, ih[radical])
    a.ih[rows] = ih

    quality = learn(state, params, rows, ih, radical)
    shared = solo_money * a.shared_gain[rows]  # sharing partners' data and equipment help
    success = rng.random(len(rows)) < _chance(params, shared, quality)
    value = _values(state, params, rng, quality, ih, radical, success)

    joint_ih, know = projects.pooled(state, params, plans)
    joint_quality = mean_over(joint_ih, know)
    money = plans.lead_money + plans.partner_money
    hit = rng.random(len(plans.tie)) < _chance(params, money, joint_quality)
    not_radical = np.zeros(len(hit), bool)
    joint_value = _values(state, params, rng, joint_quality, joint_ih, not_radical, hit)
    projects.learn(state, params, plans, joint_ih, know)
    state.ties.last_success[plans.tie[hit]] = state.t  # a joint success renews the tie

    who = np.r_[rows[success], plans.lead[hit]]
    made_value = np.r_[value, joint_value]
    a.recent_value[rows] *= kp.value_memory
    np.add.at(a.recent_value, who, made_value)
    main = np.where(joint_ih[hit], know[hit], -1.0).argmax(axis=1)
    made = Innovations(
        id=state.new_ids("innovations", len(who)),
        actor=who,
        kind=a.kind[who],
        field=np.r_[state.main_field(rows[success]), main],
        ih=np.r_[ih[success], joint_ih[hit]],
        quality=np.r_[quality[success], joint_quality[hit]],
        value=made_value,
        radical=np.r_[radical[success], np.zeros(int(hit.sum()), bool)],
        partner=np.r_[np.full(int(success.sum()), -1), plans.partner[hit]],
        partner_share=np.r_[
            np.zeros(int(success.sum())), projects.partner_share(params, plans)[hit]
        ],
    )
    _count(made, tally)
    return made


def _count(made: Innovations, tally: Tally) -> None:
    tally.innovations += len(made)
    tally.radical_innovations += int(made.radical.sum())
    tally.innovation_value += float(made.value.sum())
    tally.joint_innovations += int((made.partner >= 0).sum())
    tally.startup_innovations += int((made.kind == int(Kind.STARTUP)).sum())
    tally.corporate_innovations += int((made.kind == int(Kind.CORPORATE)).sum())
    tally.university_innovations += int((made.kind == int(Kind.UNIVERSITY)).sum())
