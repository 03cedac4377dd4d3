"""Standards consortia, the market side: the firms tied by standard ties in a field share its
standard; their products there gain demand with the standard's installed base, outsiders'
products lose it, and the installed base, a slowly moving stock, locks the standard in."""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ...vocabulary import TieType
from ..metrics import Tally
from ..state import State


def members(state: State) -> np.ndarray:
    """Per actor row and field: true if the actor belongs to the field's standard (it has a
    standard tie covering the field)."""
    t, n, fields = state.ties, state.actors.n, state.fields
    std = np.flatnonzero(t.type[: t.n] == TieType.STANDARD)
    found = np.zeros(n * fields, dtype=bool)
    f = t.field[std].astype(np.int64)
    found[t.a[std] * fields + f] = True
    found[t.b[std] * fields + f] = True
    return found.reshape(n, fields)


def demand_factor(state: State, params: Scenario, products: np.ndarray) -> np.ndarray | float:
    """Per product: 1 + member_gain * B_f for a product that meets its field f's standard,
    1 - outsider_loss * B_f for any other product there (B_f: the field's installed base)."""
    base = state.standard_base
    if not base.any():  # no standard has any installed base: nothing changes (and it is fast)
        return 1.0
    sp, p = params.partnerships.standard, state.products
    b = base[p.field[products]]
    return np.where(p.standard[products], 1 + sp.member_gain * b, 1 - sp.outsider_loss * b)


def mark(state: State) -> None:
    """Each product meets its field's standard when its owner is a member (marked once a
    month, in the market stage before sales)."""
    p = state.products
    p.standard[: p.n] = members(state)[p.owner[: p.n], p.field[: p.n]]


def settle(
    state: State, params: Scenario, products: np.ndarray, revenue: np.ndarray, tally: Tally
) -> None:
    """The month's sales `revenue` of the active `products`: the share of each field's sales
    that meets its standard moves the field's installed base,
    B = persistence * B + (1 - persistence) * share."""
    p, fields = state.products, state.fields
    field = p.field[products]
    inside = p.standard[products]
    total = np.bincount(field, revenue, minlength=fields)
    theirs = np.bincount(field[inside], revenue[inside], minlength=fields)
    share = np.divide(theirs, total, out=np.zeros(fields), where=total > 0)
    keep = params.partnerships.standard.persistence
    state.standard_base[:] = keep * state.standard_base + (1 - keep) * share
    tally.standard_sales += float(theirs.sum())
