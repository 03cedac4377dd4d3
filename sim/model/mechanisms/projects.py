"""Joint R&D projects: partners pool their IH fields, knowledge and R&D money (SKIN's partner
research). A tie runs a project while `ties.project_until` >= the month."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...schema import Scenario
from ...vocabulary import RESEARCHERS, Kind, TieType
from ..arrays import sum_into
from ..metrics import Tally
from ..state import State, large_run

_RESEARCHER = np.zeros(len(Kind) + 1, dtype=bool)  # index -1: no kind
_RESEARCHER[list(RESEARCHERS)] = True


class Plans(NamedTuple):
    """The projects under way this month and what each partner puts in."""

    tie: np.ndarray  # tie rows
    lead: np.ndarray  # actor row that owns the results (a firm before a university)
    partner: np.ndarray  # the other actor row
    lead_money: np.ndarray  # $M of R&D the lead puts in this month
    partner_money: np.ndarray  # $M the partner puts in


def start(state: State, params: Scenario, rng: np.random.Generator, tally: Tally) -> None:
    """Joint R&D ties of two researchers without a project start one with a monthly chance."""
    pp, t = params.projects, state.ties
    m = t.n
    kind = state.actors.kind
    idle = (t.project_until[:m] < state.t) & _RESEARCHER[kind[t.a[:m]]] & _RESEARCHER[kind[t.b[:m]]]
    idle &= t.type[:m] == TieType.JOINT_RD  # sharing and standard ties run no projects
    starting = np.flatnonzero(idle & (rng.random(m) < pp.start_rate))
    t.project_until[starting] = state.t + pp.duration - 1
    t.funded[starting] = False
    tally.projects_started += len(starting)


def plan(state: State, params: Scenario) -> Plans:
    """Who leads each running project and what each side puts in: `budget_share` of its R&D
    budget, split over its projects; under the `equal` rule both put in the smaller offer."""
    pp, t, a = params.projects, state.ties, state.actors
    tie = np.flatnonzero(t.project_until[: t.n] >= state.t)
    x, y = t.a[tie], t.b[tie]
    count = np.bincount(np.r_[x, y], minlength=a.n)
    offer = pp.budget_share * np.clip(a.rd_budget[: a.n], 0, None) / np.maximum(count, 1)
    ox, oy = offer[x], offer[y]
    if pp.split == "equal":
        ox = oy = np.minimum(ox, oy)
    # the firm leads (it can take a result to market); between equals, the bigger purse
    fx, fy = a.kind[x] != int(Kind.UNIVERSITY), a.kind[y] != int(Kind.UNIVERSITY)
    x_leads = np.where(fx != fy, fx, ox >= oy)
    return Plans(
        tie=tie,
        lead=np.where(x_leads, x, y),
        partner=np.where(x_leads, y, x),
        lead_money=np.where(x_leads, ox, oy),
        partner_money=np.where(x_leads, oy, ox),
    )


def money_in(state: State, plans: Plans) -> np.ndarray:
    """Per actor row: the R&D money it puts into projects this month."""
    n = state.actors.n
    return np.bincount(plans.lead, plans.lead_money, minlength=n) + np.bincount(
        plans.partner, plans.partner_money, minlength=n
    )


def pooled(state: State, params: Scenario, plans: Plans) -> tuple[np.ndarray, np.ndarray]:
    """Each project's IH (the union of the partners' IHs) and pooled knowledge on it: per
    field the better of the lead's and what the partner brings, which is guarded by trust and,
    in fields the partner has patented, cut by the IP regime (a licence-free pooling)."""
    a, t = state.actors, state.ties
    trust = (t.eff_ab[plans.tie] + t.eff_ba[plans.tie]) / 2
    g = params.projects.guarded_share
    brings = (g + (1 - g) * trust)[:, None] * a.knowledge[plans.partner]
    patented = a.patent_expiry[plans.partner] > state.t
    brings[patented] *= 1 - params.ip.ip_strength
    ih = a.ih[plans.lead] | a.ih[plans.partner]
    return ih, np.where(ih, np.maximum(a.knowledge[plans.lead], brings), 0.0)


def learn(state: State, params: Scenario, plans: Plans, ih: np.ndarray, know: np.ndarray) -> None:
    """Both partners learn towards the project's pooled knowledge on its IH (in a large run,
    in one compiled loop, loops.project_learning: the same numbers)."""
    a, kp = state.actors, params.knowledge
    who = np.r_[plans.lead, plans.partner]
    if large_run(state, params):
        from ..loops import project_learning  # numba, imported for large runs only

        effort = state.learning_effort(who, kp.learning_half)  # as state.absorptive's
        rates = (params.projects.learning, kp.absorptive_half, kp.unfunded_absorption)
        project_learning(a.knowledge, who, know, ih, effort, *rates)
        return
    rate = params.projects.learning * state.absorptive(who, params.knowledge)
    gap = np.clip(np.vstack([know, know]) - a.knowledge[who], 0, None) * np.vstack([ih, ih])
    rows, at = np.unique(who, return_inverse=True)  # only they change
    learnt = sum_into(at, rate[:, None] * gap, len(rows))
    a.knowledge[rows] = np.minimum(a.knowledge[rows] + learnt, 1.0)


def partner_share(params: Scenario, plans: Plans) -> np.ndarray:
    """The partner's share of a project's revenue: what it put in, or half."""
    if params.projects.split == "equal":
        return np.full(len(plans.tie), 0.5)
    total = plans.lead_money + plans.partner_money
    return np.divide(plans.partner_money, total, out=np.zeros(len(total)), where=total > 0)
