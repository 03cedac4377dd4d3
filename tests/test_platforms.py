"""Network effects in platform markets (sim/model/mechanisms/platforms.py): platform fields tip
to a few winners, the fields' market sizes and the money stay as they were, and without
platform fields or at strength 0 the market is the plain one."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import measures
from sim.model.mechanisms import market
from sim.model.mechanisms.platforms import effective_value, platform_mask
from sim.model.model import EcosystemModel
from sim.scenario import apply_changes
from sim.schema import Scenario
from tests.support import small

# eight fields, so that each has enough products to compete for over six years
FIELDS = {"fields": 8, "knowledge.ih_size": [2, 4], "steps": 72}
PLATFORMS = {"platforms.share": 0.5}  # fields 4 to 7
SEED = 1


def _run(changes: dict, journal: bool = False):
    model = EcosystemModel(small(**FIELDS, **changes), seed=SEED)
    s = model.state  # capital less the money that came in, plus what left: fixed
    start = s.actors.capital[: s.actors.n].sum() - sum(s.sources.values()) + sum(s.sinks.values())
    kept = model.state.keep_journal() if journal else None
    model.run()
    return model, start, kept


@pytest.fixture(scope="module")
def runs():
    """The same ecosystem with platform fields, with them at strength 0, and with none."""
    return {
        "network": _run(PLATFORMS, journal=True),
        "plain": _run(PLATFORMS | {"platforms.strength": 0.0}),
        "default": _run({}),
    }


def test_platform_fields_tip_to_their_leader(runs):
    net, plain = runs["network"][0], runs["plain"][0]
    last_year = {k: run[0].series["platform_top_share"][-12:].mean() for k, run in runs.items()}
    assert last_year["network"] > last_year["plain"] + 0.15  # the same fields, no network
    top, _, _ = measures.field_concentration(net.state)
    platform = platform_mask(net.params)
    assert top[platform].mean() > top[~platform].mean() + 0.15  # the run's other fields
    assert net.series["sales_hhi"][-12:].mean() > plain.series["sales_hhi"][-12:].mean()


def _sales_shares(model: EcosystemModel, field: int, params: Scenario) -> np.ndarray:
    """The field's active products' shares of its sales in `model`'s state under `params`."""
    s, p = model.state, model.state.products
    active = np.flatnonzero(market._active(s) & (p.field[: p.n] == field))
    sales = market.monthly_revenue(s, params, active)
    return sales / sales.sum()


def test_the_leader_sells_more_than_without_networks_only_in_platform_fields(runs):
    net = runs["network"][0]
    flat = apply_changes(net.params, {"platforms.strength": 0.0})
    for field in (5, 6, 7):
        shares, plain = _sales_shares(net, field, net.params), _sales_shares(net, field, flat)
        assert shares.max() > 2 * plain[shares.argmax()]  # its installed base pulls users
    assert np.array_equal(_sales_shares(net, 1, net.params), _sales_shares(net, 1, flat))


def _effective(model: EcosystemModel, params: Scenario):
    """The active products' fields, current values and effective values (as monthly_revenue
    computes them, before any demand factor)."""
    s = model.state
    on_market = market._active(s)
    active = np.flatnonzero(on_market)
    field = s.products.field[active]
    value = market.current_value(s, params, active)
    total = np.bincount(field, value, minlength=s.fields)[field]
    return field, value, effective_value(s, params, active, value, total, on_market)


def test_each_fields_market_keeps_its_size_and_money_is_conserved(runs):
    model, start, journal = runs["network"]
    s = model.state
    field, value, effective = _effective(model, model.params)
    assert not np.allclose(effective, value)  # shares move ...
    sums = [np.bincount(field, v, minlength=s.fields) for v in (effective, value)]
    assert np.allclose(*sums)  # ... the value each field's sales follow does not
    frame = journal.frame()
    sales = frame[frame["purpose"] == "product_sales"]["amount"].sum()
    assert sales == pytest.approx(model.series["product_revenue"].sum())
    end = s.actors.capital[: s.actors.n].sum()
    assert end - sum(s.sources.values()) + sum(s.sinks.values()) == pytest.approx(start, abs=1e-6)


def test_strength_zero_is_the_plain_market_exactly(runs):
    default, plain, net = (runs[k][0].metrics_frame() for k in ("default", "plain", "network"))
    same = [c for c in default.columns if c != "platform_top_share"]
    assert plain[same].equals(default[same])
    assert (default["platform_top_share"] == 0).all()  # no platform fields by default
    assert not net["top_seller_share"].equals(default["top_seller_share"])


def test_without_platform_fields_values_pass_unchanged(runs):
    assert not platform_mask(Scenario()).any()  # the default has none
    model = runs["default"][0]
    strong = apply_changes(model.params, {"platforms.strength": 1.0, "platforms.returns": 5.0})
    _, value, effective = _effective(model, strong)
    assert effective is value
    assert platform_mask(apply_changes(strong, {"platforms.fields": [2]})).sum() == 1
    assert list(np.flatnonzero(platform_mask(apply_changes(strong, PLATFORMS)))) == [4, 5, 6, 7]
