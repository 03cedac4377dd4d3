"""Stage 6: patent, keep secret or publish each innovation; spillovers to the public pool."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import IPStatus, Kind
from ..flows import Innovations, Protection
from ..metrics import Tally
from ..state import State


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
    expiry = a.patent_expiry[owners]
    expiry[made.ih[patent]] = state.t + ip.patent_term
    a.patent_expiry[owners] = expiry
    state.to_public(owners, np.full(len(owners), ip.patent_cost), "patent_fees")
    tally.patents_granted += len(owners)
    tally.publications += int(publish.sum())

    # publications close part of the gap to the pool; unpublished results leak a little
    leak = ip.spillover_rate * (1 - ip.ip_strength)
    weight = np.where(publish, params.knowledge.publication_weight, leak)
    gap = np.clip(a.knowledge[actor] - state.pool, 0, None) * made.ih
    state.pool = np.minimum(state.pool + (weight[:, None] * gap).sum(axis=0), 1.0)

    spin = univ & (rng.random(len(actor)) < params.population.university.spinoff_prob)
    return Protection(status=status, spinoff_parents=actor[spin])
