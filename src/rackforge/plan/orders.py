"""What to buy from whom: the plan's purchases as purchase orders, and a summary by supplier.

An order is one (supplier, item, ship-to site, order week) of the plan, in whole lots: the
plan's quantity rounded up to a multiple of the offer's ``supply.lot`` (default 1 unit; 1e-6
tolerance). Rounding up keeps the plan feasible wherever a capacity is a whole number of lots
(a quantity within it stays within it when rounded up); the extra is stock. ``value`` is price x qty before duty,
``tariff`` the duty on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rackforge.plan.options import Family
from rackforge.plan.result import PlanResult

ORDER_COLUMNS = [
    "supplier", "item", "site", "order_week", "due_week", "qty", "price", "value", "tariff",
    "country", "domestic",
]  # fmt: skip


def purchase_orders(result: PlanResult) -> pd.DataFrame:
    """Whole-unit purchase orders of the plan, by order week, then supplier."""
    if result.tables is None or result.tables.purchases.empty:
        return pd.DataFrame(columns=ORDER_COLUMNS)
    buy = result.tables.purchases
    lot = buy["lot"].to_numpy(float)
    qty = np.ceil(buy["qty"].to_numpy(float) / lot - 1e-6) * lot
    labels = np.array(result.week_labels, dtype=object)
    orders = pd.DataFrame(
        {
            "supplier": buy["supplier"],
            "item": buy["item"],
            "site": buy["site"],
            "order_week": labels[buy["week"].to_numpy(np.int64)],
            "due_week": labels[buy["arrival_week"].to_numpy(np.int64)],
            "qty": qty.astype(np.int64) if np.all(qty == np.round(qty)) else qty,
            "price": buy["price"],
            "value": qty * buy["price"].to_numpy(float),
            "tariff": qty * buy["price"].to_numpy(float) * buy["tariff_rate"].to_numpy(float),
            "country": buy["country"],
            "domestic": buy["domestic"].astype(bool),
        }
    )
    orders = orders[orders["qty"] > 0]
    return orders.sort_values(["order_week", "supplier", "item", "site"], ignore_index=True)


def supplier_summary(result: PlanResult) -> pd.DataFrame:
    """Per supplier: country, domestic, orders, units, value, share of all purchase value and
    the weeks in which one of its offers is at capacity (binding); largest value first."""
    orders = purchase_orders(result)
    columns = ["supplier", "country", "domestic", "orders", "units", "value", "share",
               "weeks_at_capacity"]  # fmt: skip
    if orders.empty:
        return pd.DataFrame(columns=columns)
    grouped = orders.groupby("supplier").agg(
        country=("country", "first"),
        domestic=("domestic", "max"),
        orders=("qty", "size"),
        units=("qty", "sum"),
        value=("value", "sum"),
    )
    grouped["share"] = grouped["value"] / grouped["value"].sum()
    bind = result.binding
    at_cap = bind[bind["kind"] == Family.SUPPLIER.value].groupby("id")["week"].nunique()
    grouped["weeks_at_capacity"] = at_cap.reindex(grouped.index).fillna(0).astype(int)
    out = grouped.reset_index().sort_values("value", ascending=False, ignore_index=True)
    return out[columns]
