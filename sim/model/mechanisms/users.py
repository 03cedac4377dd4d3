"""Stage 5: users and customers as an idea source (von Hippel 1986, 2005).

The `users.communities` corporates with most capital run an idea community. In every field
of a host's IH, users join the community over time; engaged users post ideas, more where
demand is strong (lead users feel needs first), and become adopters, so the field's demand
grows. The hosts screen the waiting ideas of their fields, test them and scale a few into
innovations (Poetz & Schreier 2012; Bayus 2013). Nothing moves while no firm runs one.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from ...schema import Scenario
from ...vocabulary import Kind
from ..flows import Innovations
from ..metrics import Tally
from ..state import State


def involve(
    state: State, params: Scenario, rng: np.random.Generator, made: Innovations, tally: Tally
) -> Innovations:
    """One month of the idea communities: users engage, post and are screened; the hosts pay
    for their communities and scale some ideas. Returns `made` and the users' innovations."""
    u = params.users
    hosts = _hosts(state, u.communities)
    ih = state.actors.ih[hosts]
    per_field = ih.sum(axis=0)  # communities working in each field
    target = 1 - (1 - u.reach) ** per_field
    state.engagement += u.engagement_rate * (target - state.engagement)  # join, or drift away
    state.idea_stock += u.idea_rate * state.engagement * _relative_demand(params)
    screened = np.where(per_field > 0, u.uptake * state.idea_stock, 0.0)
    state.idea_stock -= screened
    state.idea_stock *= 1 - u.idea_decay
    if len(hosts) == 0:
        return made
    state.spend(hosts, np.full(len(hosts), u.cost), "community_costs")
    tally.community_cost += u.cost * len(hosts)
    # each host screens an equal part of its fields' ideas; a few pass its tests
    received = rng.poisson(ih * (screened / np.maximum(per_field, 1)))
    tally.user_ideas += int(received.sum())
    ideas = _innovations(state, params, rng, hosts, rng.binomial(received, u.success))
    tally.community_innovations += len(ideas)
    tally.innovations += len(ideas)
    tally.corporate_innovations += len(ideas)
    tally.innovation_value += float(ideas.value.sum())
    return _joined(made, ideas)


def demand_factor(state: State, params: Scenario) -> np.ndarray:
    """Per field: demand relative to `market.demand`, raised by the users engaged in idea
    communities, who adopt what they helped shape (1 where none are engaged)."""
    return 1 + params.users.demand_response * state.engagement


def _hosts(state: State, wanted: int) -> np.ndarray:
    """The corporates running a community: the hosts still alive, topped up with the richest
    others, or the poorest hosts dropped, when there are not `wanted` of them."""
    a = state.actors
    a.community[: a.n] &= a.alive[: a.n]
    co = state.rows(Kind.CORPORATE)
    host = a.community[co]
    if host.sum() != wanted:
        order = np.lexsort((-a.capital[co], ~host))  # hosts first, each group by capital
        a.community[co] = False
        a.community[co[order[:wanted]]] = True
    return co[a.community[co]]


def _relative_demand(params: Scenario) -> np.ndarray:
    """Each field's demand over the mean demand (1 everywhere when there is none)."""
    demand = np.asarray(params.demand_vector())
    mean = demand.mean()
    return demand / mean if mean > 0 else np.ones(len(demand))


def _innovations(
    state: State, params: Scenario, rng: np.random.Generator, hosts: np.ndarray, count
) -> Innovations:
    """`count[i, f]` innovations of host i in field f, of quality its knowledge there and
    valued as own research's (times `users.idea_value`); their IH is that field alone."""
    kp, a = params.knowledge, state.actors
    r, f = np.nonzero(count)
    who, field = np.repeat(hosts[r], count[r, f]), np.repeat(f, count[r, f])
    n = len(who)
    quality = a.knowledge[who, field]
    draw = rng.lognormal(-(kp.value_sigma**2) / 2, kp.value_sigma, size=n)
    value = params.users.idea_value * kp.value_scale * quality * state.frontier[field] * draw
    np.add.at(a.recent_value, who, value)
    ih = np.zeros((n, state.fields), dtype=bool)
    ih[np.arange(n), field] = True
    return Innovations(
        id=state.new_ids("innovations", n),
        actor=who,
        kind=a.kind[who],
        field=field,
        ih=ih,
        quality=quality,
        value=value,
        radical=np.zeros(n, dtype=bool),
        partner=np.full(n, -1),
        partner_share=np.zeros(n),
    )


def _joined(first: Innovations, second: Innovations) -> Innovations:
    """The innovations of both, `first`'s before `second`'s."""
    return Innovations(
        **{
            f.name: np.concatenate([getattr(first, f.name), getattr(second, f.name)])
            for f in fields(Innovations)
        }
    )
