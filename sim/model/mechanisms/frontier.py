"""Stage 5b: each field's state of the art moves with innovations near it and with basic
research; knowledge (held relative to it) and the public pool age against it."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import Kind
from ..flows import Innovations
from ..state import State
from . import research


def advance(state: State, params: Scenario, made: Innovations) -> None:
    """Grow the state of the art per field; everyone's relative knowledge and the pool shrink
    by the same factor, so what was leading-edge becomes ordinary (obsolescence)."""
    kp, a = params.knowledge, state.actors
    near = np.clip(made.quality - (1 - kp.frontier_margin), 0, None) / max(kp.frontier_margin, 1e-9)
    pushed = kp.frontier_push * (near[:, None] * made.ih).sum(axis=0)
    un = state.rows(Kind.UNIVERSITY)
    effort = research.effort(params, a.rd_budget[un])
    basic = kp.basic_research * (effort[:, None] * a.ih[un]).sum(axis=0)
    growth = 1 + pushed + basic
    state.frontier *= growth
    a.knowledge[: a.n] /= growth
    state.pool /= growth


def feed_pool(state: State, params: Scenario, made: Innovations, published: np.ndarray) -> None:
    """Publications (and, a little, unpublished results that leak) add to the public pool in
    proportion to the knowledge they carry and to the pool's room below the state of the art,
    so the pool cannot saturate while it ages."""
    ip = params.ip
    leak = ip.spillover_rate * (1 - ip.ip_strength)
    weight = params.knowledge.publication_weight * np.where(published, 1.0, leak)
    carried = state.actors.knowledge[made.actor] * made.ih
    inflow = (weight[:, None] * carried).sum(axis=0)
    state.pool += inflow * (1 - state.pool)
