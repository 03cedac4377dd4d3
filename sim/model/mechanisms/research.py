"""Stage 5: incremental or radical research, innovations with heavy-tailed values, learning."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import KINDS, RESEARCHERS, Kind
from ..flows import Innovations
from ..metrics import Tally
from ..state import State


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


def research(state: State, params: Scenario, rng: np.random.Generator, tally: Tally) -> Innovations:
    """Spend the R&D budget; maybe innovate; learn on the IH and forget elsewhere. Returns
    this month's innovations."""
    kp = params.knowledge
    a = state.actors
    rows = state.rows(RESEARCHERS)
    kind = a.kind[rows]

    # the startups' own R&D is part of their burn (booked in finance); the rest is spent here
    own_in_burn = np.where(kind == Kind.STARTUP, a.rd_share[rows] * a.burn[rows], 0.0)
    state.spend(rows, a.rd_budget[rows] - own_in_burn, "rd_spend")

    p_radical = np.array([kp.radical_prob.get(k, 0.0) for k in KINDS])[kind]
    p_radical = np.where(
        in_trouble(state, params, rows), p_radical * kp.trouble_radical_factor, p_radical
    )
    radical = rng.random(len(rows)) < np.minimum(p_radical, 1.0)
    ih = a.ih[rows]
    ih[radical] = _swap_one_field(rng, ih[radical])
    a.ih[rows] = ih

    k = a.knowledge[rows]
    incremental = ~radical[:, None] & ih
    k = np.where(incremental, k + kp.incremental_gain * (1 - k), k)

    p_success = 1 - np.exp(-np.maximum(a.rd_budget[rows], 0) / kp.research_cost)
    success = rng.random(len(rows)) < p_success
    quality = (k * ih).sum(axis=1) / np.maximum(ih.sum(axis=1), 1)
    sigma = np.where(radical, kp.radical_value_sigma, kp.value_sigma)
    draw = rng.lognormal(-(sigma**2) / 2, sigma)  # mean one; radical has the fatter tail
    value = kp.value_scale * quality * draw

    # learning by doing on the IH, forgetting elsewhere; faint fields are lost
    k = np.where(ih, k + kp.learning_rate * (1 - k), k * (1 - kp.forgetting_rate))
    k[~ih & (k < kp.loss_threshold)] = 0.0
    a.knowledge[rows] = np.minimum(k, 1.0)

    who = rows[success]
    a.recent_value[rows] *= kp.value_memory
    a.recent_value[who] += value[success]
    made = Innovations(
        id=state.new_ids("innovations", len(who)),
        actor=who,
        kind=kind[success],
        field=state.main_field(who),
        ih=ih[success],
        quality=quality[success],
        value=value[success],
        radical=radical[success],
    )
    tally.innovations += len(who)
    tally.radical_innovations += int(radical[success].sum())
    tally.innovation_value += float(value[success].sum())
    _credit_ties(state, who)
    return made


def _credit_ties(state: State, innovators: np.ndarray) -> None:
    """A tie counts a joint success when either partner innovated this step."""
    t = state.ties
    m = t.n
    did = np.zeros(state.actors.n, dtype=bool)
    did[innovators] = True
    hit = did[t.a[:m]] | did[t.b[:m]]
    t.last_success[:m][hit] = state.t
