"""Stage 6: patent, keep secret or publish each innovation; spillovers to the public pool."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ..state import REGULATOR, UNIVERSITY, State

SECRET, PATENTED, PUBLISHED = range(3)


def protect(state: State, params: Scenario, rng: np.random.Generator) -> None:
    """Decide each innovation's IP; feed the pool; mark university results that spin off."""
    inn = state.innovations
    actor = inn["actor"]
    if len(actor) == 0:
        state.spinoff_parents = actor
        inn["ip"] = np.empty(0, dtype=np.int8)
        return
    ip, a = params.ip, state.actors
    univ = inn["kind"] == UNIVERSITY
    p_patent = np.where(univ, ip.university_ip_share, ip.patent_propensity)
    patent = (rng.random(len(actor)) < p_patent) & (a.capital[actor] >= ip.patent_cost)
    publish = univ & ~patent & (rng.random(len(actor)) < params.governance.open_science)
    inn["ip"] = np.select([patent, publish], [PATENTED, PUBLISHED], SECRET).astype(np.int8)

    owners = actor[patent]
    expiry = a.patent_expiry[owners]
    expiry[inn["ih"][patent]] = state.t + ip.patent_term
    a.patent_expiry[owners] = expiry
    _pay_patent_fees(state, owners, ip.patent_cost)
    state.counts["patents_granted"] += len(owners)
    state.counts["publications"] += int(publish.sum())

    # publications close part of the gap to the pool; unpublished results leak a little
    leak = ip.spillover_rate * (1 - ip.ip_strength)
    weight = np.where(publish, params.knowledge.publication_weight, leak)
    gap = np.clip(a.knowledge[actor] - state.pool, 0, None) * inn["ih"]
    state.pool = np.minimum(state.pool + (weight[:, None] * gap).sum(axis=0), 1.0)

    spin = univ & (rng.random(len(actor)) < params.population.university.spinoff_prob)
    state.spinoff_parents = actor[spin]


def _pay_patent_fees(state: State, owners: np.ndarray, fee: float) -> None:
    """Patent fees go to the (first) regulator, or leave the system if there is none."""
    regs = state.rows(REGULATOR)
    amounts = np.full(len(owners), fee)
    if len(regs):
        state.transfer(owners, np.full(len(owners), regs[0]), amounts)
    else:
        state.spend(owners, amounts, "patent_fees")
