"""Purchase orders: the plan's purchases in whole units, within every whole-number supplier
capacity, worth what the plan buys up to less than one unit per order."""

from __future__ import annotations

import numpy as np
import pytest

from rackforge import load_scenario
from rackforge.plan import PlanOptions, plan
from rackforge.plan.orders import purchase_orders, supplier_summary


def test_bundled_orders_are_whole_units_within_capacity() -> None:
    s = load_scenario("us-ai-racks")
    result = plan(s, PlanOptions(explain=True))
    orders = purchase_orders(result)
    assert result.tables is not None and len(orders) > 0
    assert orders["qty"].dtype.kind == "i" and (orders["qty"] > 0).all()
    bought = result.tables.purchases
    extra = orders["value"].sum() - bought["value"].sum()
    assert 0 <= extra < float((bought["price"]).sum())  # under one unit per order
    cap = s.supply.set_index(["supplier", "item", "site"])["capacity_per_week"]
    keys = zip(orders["supplier"], orders["item"], orders["site"], strict=True)
    limits = cap.reindex(list(keys)).to_numpy()
    whole = np.isfinite(limits) & (limits == np.round(limits))
    assert (orders["qty"].to_numpy()[whole] <= limits[whole]).all()
    assert orders["order_week"].str.match(r"^2026-W\d\d$").all()
    summary = supplier_summary(result)
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary["value"].is_monotonic_decreasing


def test_orders_are_whole_lots(tiny: object) -> None:
    from rackforge.scenario import Scenario

    assert isinstance(tiny, Scenario)
    s = tiny.with_tables(supply=tiny.supply.assign(lot=25.0))
    result = plan(s, PlanOptions(explain=False))
    orders = purchase_orders(result)
    assert len(orders) > 0 and (orders["qty"] % 25 == 0).all()
    assert result.tables is not None
    # every order covers what the plan buys in it, by less than a lot
    keys = ["supplier", "item", "site", "iso_week"]
    bought = result.tables.purchases.set_index(keys)["qty"]
    ordered = orders.set_index(["supplier", "item", "site", "order_week"])["qty"]
    extra = ordered.to_numpy() - bought.reindex(ordered.index).to_numpy()
    assert ((extra > -1e-6) & (extra < 25)).all()
