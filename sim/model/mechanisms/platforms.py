"""Stage 7: network effects in platform markets (Katz & Shapiro 1985; Arthur 1989).

In a platform field users value a product for its own worth and for how many others already
use it, so part of the field's sales follows the products' installed bases; with increasing
returns the largest base draws more than its share and the market tips to a few winners
(docs/ODD.md 7.9b). Outside platform fields nothing changes.
"""

from __future__ import annotations

import numpy as np

from ...schema import Scenario
from ..state import State


def platform_mask(params: Scenario) -> np.ndarray:
    """Per field: whether it is a platform market (`platforms.fields`, and the last
    round(platforms.share * fields) fields)."""
    pf, count = params.platforms, params.fields
    mask = np.zeros(count, dtype=bool)
    mask[pf.fields] = True
    mask[count - round(pf.share * count) :] = True  # an empty slice when the share is 0
    return mask


def effective_value(
    state: State,
    params: Scenario,
    products: np.ndarray,
    value: np.ndarray,
    total: np.ndarray,
    on_market: np.ndarray,
) -> np.ndarray:
    """Per product: the value users reward it for, `(1 - s) v + s n V` in a platform field
    where products have a pull (s `platforms.strength`, n the product's share of the pull of
    its field's active products, V `total`, the value on offer in its field), else its value
    v. Over a field's active products this adds up to V, so the field's sales stay as they
    were and only their shares move towards the large bases. `value`: the products' current
    values; `on_market`: per product row, whether it is active."""
    pf = params.platforms
    platform = platform_mask(params)
    if pf.strength == 0 or not platform.any():
        return value
    p = state.products
    n = p.n
    live = np.flatnonzero(on_market & platform[p.field[:n]])
    field_pull = np.bincount(p.field[live], p.pull[live], minlength=params.fields)
    field_pull = field_pull[p.field[products]]
    has_base = field_pull > 0  # a product not sold yet has no pull: it sells on its value
    pull = np.where(on_market[products], p.pull[products], 0.0)
    share = np.divide(pull, field_pull, out=np.zeros(len(products)), where=has_base)
    strength = np.where(has_base, pf.strength, 0.0)
    return (1 - strength) * value + strength * share * total


def adopt(
    state: State, params: Scenario, active: np.ndarray, revenue: np.ndarray, value: np.ndarray
) -> None:
    """This month's sales join the active products' installed bases (each $M of sales stands
    for the users it bought) after `platforms.churn` of every base has left; each product's
    pull on next adopters is then its current `value` times its share of its field's
    installed base to the power `platforms.returns` (users weigh a product's worth and the
    size of its network, Katz & Shapiro 1985). `sales` keeps the revenue."""
    p = state.products
    n = p.n
    p.installed[:n] *= 1 - params.platforms.churn
    p.installed[active] += revenue
    p.sales[:n] = 0.0
    p.sales[active] = revenue
    field = p.field[active]
    base = np.bincount(field, p.installed[active], minlength=params.fields)[field]
    share = np.divide(p.installed[active], base, out=np.zeros(len(active)), where=base > 0)
    p.pull[:n] = 0.0
    p.pull[active] = value * share**params.platforms.returns  # shares in [0, 1]: no overflow
