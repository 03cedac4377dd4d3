"""Stage 6: patent, keep secret or publish each innovation; spillovers to the public pool."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import IPStatus, Kind
from ..flows import Innovations, Protection
from ..metrics import Tally
from ..state import State
from . import frontier


def protect(
    state: State, params: Scenario, rng: np.random.Generator, made: Innovations, tally: Tally
) -> Protection:
    """Decide each innovation's IP; feed the pool; pick the university results that spin off."""
    actor = made.actor
    if len(actor) == 0:
        return Protection(status=np.empty(0, dtype=np.int8), spinoff_parents=actor)
    ip, a = params.ip, state.actors
    univ = made.kind == Kind.UNIVERSITY
    p_patent = np.where(univ, ip.university_ip_share, ip.patent_propensity)
    patent = (rng.random(len(actor)) < p_patent) & (a.capital[actor] >= ip.patent_cost)
    publish = univ & ~patent & (rng.random(len(actor)) < params.governance.open_science)
    status = np.select(
        [patent, publish], [IPStatus.PATENTED, IPStatus.PUBLISHED], IPStatus.SECRET
    ).astype(np.int8)

    owners = actor[patent]
    _grant(state, owners, made.ih[patent], state.t + ip.patent_term)
    if params.projects.split == "equal":  # partners of an equal project share the patent
        shared = patent & (made.partner >= 0)
        _grant(state, made.partner[shared], made.ih[shared], state.t + ip.patent_term)
    state.to_public(owners, np.full(len(owners), ip.patent_cost), "patent_fees")
    tally.patents_granted += len(owners)
    tally.publications += int(publish.sum())

    frontier.feed_pool(state, params, made, publish)

    spin = univ & (rng.random(len(actor)) < params.population.university.spinoff_prob)
    return Protection(status=status, spinoff_parents=actor[spin])


def _grant(state: State, owners: np.ndarray, fields: np.ndarray, expiry: int) -> None:
    """Patent `fields` (rows of booleans) for `owners` until `expiry`."""
    r, f = np.nonzero(fields)
    state.actors.patent_expiry[owners[r], f] = expiry  # repeated owners keep every grant
