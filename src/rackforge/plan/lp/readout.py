"""Reading a solved model: variable values, and constraint rows named by what they limit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rackforge.plan.lp.model import PlanModel
from rackforge.plan.lp.solve import Solution
from rackforge.plan.lp.terms import RowFamily
from rackforge.plan.network import Network
from rackforge.plan.options import Family

#: Values below this (in units, hours or currency) are read as zero.
TOL = 1e-6

ENTITY_COLUMNS = ["kind", "id", "site", "item", "week"]


def values(sol: Solution, labels: np.ndarray) -> np.ndarray:
    """Solution values in the shape of ``labels`` (0 where a slot has no variable)."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.zeros(labels.shape)
    ok = labels >= 0
    out[ok] = sol.primal[labels[ok]]
    out[np.abs(out) < TOL] = 0.0
    return out


def variable(pm: PlanModel, sol: Solution, name: str) -> np.ndarray:
    return values(sol, pm.build.labels(name))


def row_duals(pm: PlanModel, sol: Solution, rows: RowFamily) -> np.ndarray:
    labels = rows.labels(pm.model)
    out = np.zeros(rows.n_rows)
    ok = labels >= 0
    out[ok] = sol.dual[labels[ok]]
    return np.nan_to_num(out)


def entities(net: Network, rows: RowFamily) -> pd.DataFrame:
    """What each row of a constraint family is about: kind, id, site, item, week."""
    n = rows.n_rows
    meta = rows.meta
    week = np.asarray(meta.get("week", np.full(n, -1)), dtype=np.int64)
    kind = rows.family.value if rows.family is not None else rows.name
    if rows.family is Family.RESOURCE:
        res = net.resources.iloc[meta["resource_row"]]
        ids = (res["site"] + "/" + res["resource"]).to_numpy()
        site, item = res["site"].to_numpy(), np.full(n, "")
    elif rows.family is Family.MAKE:
        mk = net.make.iloc[meta["make_row"]]
        ids = (mk["site"] + "/" + mk["item"]).to_numpy()
        site, item = mk["site"].to_numpy(), mk["item"].to_numpy()
    elif rows.family is Family.SUPPLIER:
        sup = net.supply.iloc[meta["supply_row"]]
        ids, site, item = (sup[c].to_numpy() for c in ("supplier", "site", "item"))
    elif rows.family is Family.LANE:
        lane = net.lanes.iloc[meta["lane_row"]]
        ids = (lane["from_site"] + ">" + lane["to_site"]).to_numpy()
        site, item = lane["to_site"].to_numpy(), lane["item"].to_numpy()
    elif rows.family is Family.DOMESTIC:
        ids = np.asarray(meta["site"], dtype=object)
        site, item = ids.copy(), np.full(n, "")
    elif rows.family is Family.SAFETY_STOCK:
        nodes = net.nodes.iloc[meta["node"]]
        ids = (nodes["site"] + "/" + nodes["item"]).to_numpy()
        site, item = nodes["site"].to_numpy(), nodes["item"].to_numpy()
    elif rows.family is Family.DEMAND:
        dem = net.demand.iloc[meta["demand"]]
        ids, site, item = (dem[c].to_numpy() for c in ("demand", "site", "item"))
        week = dem["week"].to_numpy(np.int64)
    else:
        raise ValueError(f"rows {rows.name!r} name no entity")
    return pd.DataFrame({"kind": kind, "id": ids, "site": site, "item": item, "week": week})


def _named_rows(
    pm: PlanModel, amounts: list[tuple[RowFamily, np.ndarray]], column: str
) -> pd.DataFrame:
    """The rows of each family whose amount (a mask's worth, already filtered to > TOL) is
    kept, named by what they limit, with the amount as ``column`` and the row's limit; the
    largest amount first."""
    frames = []
    for rows, amount in amounts:
        keep = amount > TOL
        if "capacity" in rows.meta:  # moq rows with unbounded capacity are no supplier limit
            keep &= rows.meta["capacity"]
        if keep.any():
            frame = entities(pm.build.net, rows)[keep]
            frame[column] = amount[keep]
            frame["limit"] = rows.rhs[keep]
            frames.append(frame)
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype=object) for c in [*ENTITY_COLUMNS, column, "limit"]}
        )
    out = pd.concat(frames, ignore_index=True)
    by = [column, "week"] if "week" in out else [column]
    return out.sort_values(by, ascending=[False, True][: len(by)], ignore_index=True)


def binding(pm: PlanModel, sol: Solution) -> pd.DataFrame:
    """Every binding limit row with its shadow price (cost saved per unit of extra capacity:
    per hour for resources, per unit for make, supplier and lane rows, per currency unit of
    domestic purchase value for domestic content)."""
    limits = [
        rows
        for rows in pm.build.rows.values()
        if rows.family is not None and rows.family not in (Family.DEMAND, Family.SAFETY_STOCK)
    ]
    return _named_rows(
        pm, [(rows, np.abs(row_duals(pm, sol, rows))) for rows in limits], "shadow_price"
    )


def violations(pm: PlanModel, sol: Solution) -> pd.DataFrame:
    """Rows whose elastic slack is positive, with the amount each had to be relaxed."""
    relaxed = [
        (rows, values(sol, pm.build.slacks[rows.family]))
        for rows in pm.build.rows.values()
        if rows.family is not None and rows.family in pm.build.slacks
    ]
    return _named_rows(pm, relaxed, "violation")
