"""Rules derived from a scenario, written once and read by every engine.

* **Available hours** of a resource a week: ``units * hours_per_week * efficiency * A`` with
  the steady-state availability ``A = MTBF / (MTBF + MTTR)`` of a unit that fails after an
  up time of mean MTBF and is repaired in a mean MTTR (Hopp & Spearman 2008, *Factory
  Physics*, 3rd ed., eq. 8.5, ``A = m_f / (m_f + m_r)``); ``A = 1`` where either is blank.
* **Visits per good unit** of each routing step: a unit leaves step *k* good with probability
  ``yield_k`` and otherwise returns to step ``rework_to`` or is scrapped. The expected visits
  of each step per unit started are row 0 of the fundamental matrix ``N = (I - Q)^-1`` of
  this absorbing Markov chain (Kemeny & Snell 1960, *Finite Markov Chains*, ch. III); the
  probability of finishing good is ``g = N[0, n-1] * yield_{n-1}``. Dividing the visits by
  ``g`` gives visits per GOOD unit. For one step that is ``1 / yield``; for steps that scrap
  it is ``1 / prod_{j >= k} yield_j``; rework loops add the expected repeat passes.
* **Hours per good unit** at a resource: ``sum_k hours_k * visits_k`` over the routing's steps
  there, times ``1 - touch_time_reduction[kind]`` when the automation levers are applied.
* **BOM per site**: a BOM line with a blank site applies at every site that makes the parent;
  a line for a given site replaces the blank line of the same (parent, child) there. A line
  consumes ``qty / (1 - scrap) * starts`` children per good parent.
* **Holding value**: an item is held at ``max(unit_value, value of its parts)`` (the parts
  issued per good unit at their own holding value, rolled up the BOM): stock gains no value
  by being assembled, so holding cost gives the plan no reason to assemble unordered racks.
* **Starts per good unit** (routing shrinkage): a unit scrapped in the routing has consumed
  its material, so ``1 / g`` units' worth of BOM children are issued per good unit (the
  shrinkage factor of MRP, Vollmann et al. 2005, *Manufacturing Planning and Control for
  Supply Chain Management*, ch. 6). Rework repeats steps on the same unit and consumes no new
  material.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from rackforge.scenario.errors import Problem
from rackforge.scenario.model import Scenario
from rackforge.scenario.schema import HOURS_PER_WEEK as HOURS_PER_WEEK
from rackforge.scenario.schema import WEEKS_PER_YEAR as WEEKS_PER_YEAR
from rackforge.scenario.schema import ItemKind

_LOAD_COLUMNS = ["site", "item", "resource", "hours"]


def availability(mtbf_h: pd.Series | np.ndarray, mttr_h: pd.Series | np.ndarray) -> np.ndarray:
    """``MTBF / (MTBF + MTTR)`` where both are given and MTTR > 0, else 1."""
    mtbf = np.asarray(mtbf_h, dtype=float)
    mttr = np.asarray(mttr_h, dtype=float)
    fails = np.isfinite(mtbf) & np.isfinite(mttr) & (mttr > 0)
    out = np.ones(mtbf.shape)
    out[fails] = mtbf[fails] / (mtbf[fails] + mttr[fails])
    return out


def hours_per_unit(scenario: Scenario) -> pd.Series:
    """Hours a week one unit of each (site, resource) can work, after efficiency and
    breakdowns: what one more unit adds."""
    r = scenario.resources
    hours = (
        r["hours_per_week"].to_numpy(float)
        * r["efficiency"].to_numpy(float)
        * availability(r["mtbf_h"], r["mttr_h"])
    )
    index = pd.MultiIndex.from_frame(r[["site", "resource"]].astype(str))
    return pd.Series(hours, index=index, name="hours", dtype=float)


def available_hours(scenario: Scenario) -> pd.Series:
    """Hours a week each (site, resource) can work: its units times :func:`hours_per_unit`."""
    return hours_per_unit(scenario) * scenario.resources["units"].to_numpy(float)


def _chain(yields: np.ndarray, rework_pos: np.ndarray) -> tuple[np.ndarray, float]:
    """(expected visits of each step per unit started, probability of finishing good)."""
    n = len(yields)
    q = np.zeros((n, n))
    for k in range(n):
        if k + 1 < n:
            q[k, k + 1] += yields[k]
        if rework_pos[k] >= 0:
            q[k, rework_pos[k]] += 1.0 - yields[k]
    visits = np.linalg.inv(np.eye(n) - q)[0]
    return visits, float(visits[n - 1] * yields[n - 1])


def visits_per_good_unit(yields: np.ndarray, rework_pos: np.ndarray) -> np.ndarray:
    """Expected visits of each step per good unit out of the last step.

    ``yields[k]`` is the pass probability of step position *k*; ``rework_pos[k]`` the position
    a failed unit returns to, or -1 for scrap.
    """
    visits, good = _chain(yields, rework_pos)
    return np.asarray(visits / good, dtype=float)


def good_fraction(yields: np.ndarray, rework_pos: np.ndarray) -> float:
    """Probability that a unit started on the routing finishes good."""
    return _chain(yields, rework_pos)[1]


def _routings(scenario: Scenario) -> list[tuple[str, str, pd.DataFrame, np.ndarray]]:
    """(site, item, steps in order, rework position of each step) per routing."""
    ops = scenario.operations
    out = []
    for (site, item), steps in ops.sort_values("step").groupby(["site", "item"], sort=True):
        position = {int(s): i for i, s in enumerate(steps["step"].to_numpy())}
        rework = np.array([position.get(int(r), -1) for r in steps["rework_to"]], dtype=int)
        out.append((str(site), str(item), steps, rework))
    return out


def hours_per_good_unit(scenario: Scenario, automation: bool = True) -> pd.DataFrame:
    """Hours a good unit loads on each resource: columns site, item, resource, hours."""
    if scenario.operations.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c != "hours" else float) for c in _LOAD_COLUMNS}
        )
    reduction: dict[str, float] = dict(scenario.config.automation.touch_time_reduction)
    kind = scenario.resources.set_index(["site", "resource"])["kind"]
    rows: list[tuple[str, str, str, float]] = []
    for site, item, steps, rework in _routings(scenario):
        visits = visits_per_good_unit(steps["yield"].to_numpy(dtype=float), rework)
        hours = steps["hours"].to_numpy(dtype=float) * visits
        for res, h in zip(steps["resource"], hours, strict=True):
            factor = 1.0
            if automation and (site, res) in kind.index:
                factor = 1.0 - float(reduction.get(str(kind.loc[(site, res)]), 0.0))
            rows.append((site, item, str(res), float(h) * factor))
    out = pd.DataFrame(rows, columns=_LOAD_COLUMNS)
    return out.groupby(["site", "item", "resource"], as_index=False, sort=True)["hours"].sum()


def starts_per_good_unit(scenario: Scenario) -> pd.Series:
    """Units started per good unit, ``1 / g``, by (site, item) of every routing (1 elsewhere:
    look up with ``.get(key, 1.0)``)."""
    keys, values = [], []
    for site, item, steps, rework in _routings(scenario):
        keys.append((site, item))
        values.append(1.0 / good_fraction(steps["yield"].to_numpy(dtype=float), rework))
    index = pd.MultiIndex.from_tuples(keys, names=["site", "item"]) if keys else None
    return pd.Series(values, index=index, dtype=float, name="starts")


_BOM_COLUMNS = ["site", "parent", "child", "qty", "scrap", "per_unit"]


def bom_lines(scenario: Scenario) -> pd.DataFrame:
    """The BOM as it applies at each plant that makes the parent: columns site, parent, child,
    qty, scrap and ``per_unit`` (children issued per good parent, module docstring)."""
    bom, make = scenario.bom, scenario.make
    if bom.empty or make.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in _BOM_COLUMNS})
    made = make[["site", "item"]].drop_duplicates().rename(columns={"item": "parent"})
    lines = made.merge(bom.rename(columns={"site": "bom_site"}), on="parent")
    lines = lines[(lines["bom_site"] == "") | (lines["bom_site"] == lines["site"])].copy()
    lines["specific"] = lines["bom_site"] != ""
    lines = lines.sort_values(["site", "parent", "child", "specific"])
    lines = lines.drop_duplicates(["site", "parent", "child"], keep="last")
    starts = starts_per_good_unit(scenario)
    shrink = [starts.get(k, 1.0) for k in zip(lines["site"], lines["parent"], strict=True)]
    lines["per_unit"] = lines["qty"] / (1.0 - lines["scrap"]) * np.asarray(shrink, dtype=float)
    return lines[_BOM_COLUMNS].reset_index(drop=True)


def bom_per_site(scenario: Scenario) -> dict[tuple[str, str], dict[str, float]]:
    """Children issued per good parent, by (site, parent): ``{child: per_unit}``."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    lines = bom_lines(scenario)
    for site, parent, child, per_unit in zip(
        lines["site"], lines["parent"], lines["child"], lines["per_unit"], strict=True
    ):
        out.setdefault((str(site), str(parent)), {})[str(child)] = float(per_unit)
    return out


def _roll_up(scenario: Scenario) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """(holding value of each item, parts' value of each made (site, item)), rolled up the
    BOM from the leaves: a part is counted at its own holding value."""
    own = scenario.items.set_index("item")["unit_value"].astype(float)
    children = bom_per_site(scenario)
    made: dict[str, list[str]] = {}
    for site, item in zip(scenario.make["site"], scenario.make["item"], strict=True):
        made.setdefault(str(item), []).append(str(site))
    held: dict[str, float] = {}
    parts: dict[tuple[str, str], float] = {}

    def value(item: str) -> float:
        if item not in held:
            held[item] = float(own[item])  # a BOM is a DAG (validated): no cycle back here
            for site in made.get(item, []):
                parts[(site, item)] = sum(
                    q * value(c) for c, q in children.get((site, item), {}).items()
                )
                held[item] = max(held[item], parts[(site, item)])
        return held[item]

    for item in own.index:
        value(str(item))
    return held, parts


def parts_value(scenario: Scenario) -> pd.DataFrame:
    """Value of the material in one good unit of each made (site, item): the children issued
    per good unit times their holding value (:func:`holding_value`), rolled up the BOM.
    Columns site, item, value."""
    rows = [(s, i, v) for (s, i), v in sorted(_roll_up(scenario)[1].items())]
    return pd.DataFrame(rows, columns=["site", "item", "value"])


def holding_value(scenario: Scenario) -> pd.Series:
    """Value a unit of each item is held at: its ``unit_value``, or the value of its parts
    where that is higher (at the plant whose BOM makes it dearest). Stock of an assembly can
    then never cost less to hold than the parts it was made of, so the plan has no reason to
    assemble what nobody ordered."""
    held = _roll_up(scenario)[0]
    items = scenario.items["item"].astype(str)
    return pd.Series([held[i] for i in items], index=pd.Index(items, name="item"), dtype=float)


def value_warnings(scenario: Scenario) -> list[Problem]:
    """A warning, located at its ``items`` row, for each assembly whose ``unit_value`` is
    below the value of its parts (the planner then holds it at its parts' value)."""
    parts = parts_value(scenario)
    items = scenario.items.reset_index(drop=True)
    line = {str(item): k + 2 for k, item in enumerate(items["item"])}  # 1: the header
    own = items.set_index("item")["unit_value"].astype(float)
    out = []
    for item, rows in parts.groupby("item", sort=True):
        worst = rows.loc[rows["value"].idxmax()]
        if float(worst["value"]) > float(own[item]) * (1 + 1e-9):
            out.append(
                Problem(
                    "items.csv",
                    f"{float(own[item]):,.2f} is below the value of its parts at "
                    f"{worst['site']} ({float(worst['value']):,.2f}); the planner holds it at "
                    "its parts' value",
                    line[str(item)],
                    "unit_value",
                )
            )
    return out


def holding_cost_per_week(scenario: Scenario, value: pd.Series | None = None) -> pd.Series:
    """Cost of holding one unit of each item for a week: ``holding_rate / 52 x`` its holding
    value (the carrying charge ``r v`` of Silver, Pyke & Peterson 1998, *Inventory Management
    and Production Planning and Scheduling*, 3rd ed., per week; the item's rate, else the
    scenario's). ``value``: :func:`holding_value`, where the caller has it already."""
    rate = scenario.item_holding_rate()
    value = holding_value(scenario) if value is None else value
    return (rate.reindex(value.index).astype(float) / WEEKS_PER_YEAR * value).rename("holding")


def rough_cut(
    hours: pd.Series, site: str, loads: dict[str, float], max_per_week: float = math.inf
) -> tuple[float, str]:
    """Units a week a site can make of one item alone, and what limits it: the smallest of
    ``max_per_week`` and, over the item's resources, available hours over hours per unit
    (the bill-of-labour check of Vollmann et al. 2005, ch. "Capacity planning"). ``hours``
    is :func:`available_hours`; a resource the site does not declare is uncapacitated."""
    best, limit = float(max_per_week), "max_per_week"
    for resource, load in loads.items():
        if load > 0 and (site, resource) in hours.index:
            units = float(hours[(site, resource)]) / float(load)
            if units < best:
                best, limit = units, f"resource {resource}"
    return best, ("unconstrained" if math.isinf(best) else limit)


def rack_generations(items: pd.DataFrame) -> pd.Series:
    """The generation of each rack item (``items`` rows of kind rack; a blank generation reads
    ``rack``), indexed by item."""
    racks = items[items["kind"] == ItemKind.RACK].set_index("item")
    return racks["generation"].fillna("").astype(str).replace("", ItemKind.RACK.value)


def racks_by_generation(
    frame: pd.DataFrame, week: str, qty: str, generations: pd.Series
) -> pd.Series:
    """``frame[qty]`` of the rack items in ``frame`` summed by (``frame[week]``, generation);
    ``generations`` is :func:`rack_generations`."""
    rows = frame[frame["item"].isin(generations.index)]
    keys = [rows[week].astype(int).rename("week"), rows["item"].map(generations)]
    total = rows[qty].astype(float).groupby(keys).sum()
    return total.rename_axis(["week", "generation"])


class SourceKind(StrEnum):
    """How a stock point is replenished under the single-source rule."""

    MAKE = "make"
    BUY = "buy"
    MOVE = "move"


@dataclass(frozen=True)
class Source:
    """The one source of a stock point: its kind, who (the site itself, the supplier or the
    origin site), the row of ``make``, ``supply`` or ``lanes`` it comes from, the lead time
    in weeks and the cost per unit (make cost, landed price, lane cost)."""

    kind: SourceKind
    origin: str
    row: int
    lead: int
    cost: float


class Sourcing:
    """The source of each stock point, by the rule MRP and the safety-stock network share:
    make where the site has a make row; else the supply offer with the lowest landed cost
    ``price x (1 + tariff)`` (then the shortest lead, then the supplier's name); else the
    cheapest lane into the site (then the shortest, then the origin's name) from a site that
    itself has a source, never around a cycle of lanes. Lane sources are found on demand."""

    def __init__(self, scenario: Scenario) -> None:
        self._known: dict[tuple[str, str], Source | None] = {}
        make = scenario.make.reset_index(drop=True)
        for row, (site, item, lead, cost) in enumerate(
            make[["site", "item", "lead_weeks", "cost"]].itertuples(index=False)
        ):
            key = (str(site), str(item))
            self._known.setdefault(key, Source(SourceKind.MAKE, key[0], row, int(lead), cost))
        supply = scenario.supply.reset_index(drop=True)
        landed = supply["price"].to_numpy(float) * (1 + scenario.supply_tariff().to_numpy(float))
        supply = supply.assign(landed=landed)
        supply = supply.sort_values(["landed", "lead_weeks", "supplier"], kind="stable")
        columns = ["supplier", "item", "site", "lead_weeks", "landed"]
        for row, supplier, item, site, lead, cost in supply[columns].itertuples():
            key = (str(site), str(item))
            if key not in self._known:
                self._known[key] = Source(SourceKind.BUY, str(supplier), int(row), int(lead), cost)
        lanes = scenario.lanes.reset_index(drop=True)
        lanes = lanes.sort_values(["cost_per_unit", "lead_weeks", "from_site"], kind="stable")
        self._into: dict[str, list[tuple[int, str, str, int, float]]] = {}
        columns = ["to_site", "from_site", "item", "lead_weeks", "cost_per_unit"]
        for row, to, origin, item, lead, cost in lanes[columns].itertuples():
            entry = (int(row), str(origin), str(item), int(lead), float(cost))
            self._into.setdefault(str(to), []).append(entry)

    def get(self, site: str, item: str) -> Source | None:
        """The source of ``(site, item)``, or None when nothing makes, buys or ships it."""
        return self._resolve((site, item), frozenset())

    def _resolve(self, key: tuple[str, str], visiting: frozenset[tuple[str, str]]) -> Source | None:
        if key in self._known:
            return self._known[key]
        site, item = key
        found = None
        for row, origin, lane_item, lead, cost in self._into.get(site, []):
            upstream = (origin, item)
            usable = lane_item in ("", item) and upstream not in visiting
            if usable and self._resolve(upstream, visiting | {key}) is not None:
                found = Source(SourceKind.MOVE, origin, row, lead, cost)
                break
        if not visiting:  # a failure inside a cycle may succeed from elsewhere: keep finals
            self._known[key] = found
        return found


def _pairs(frame: pd.DataFrame, site: str = "site", item: str = "item") -> set[tuple[str, str]]:
    return set(zip(frame[site].astype(str), frame[item].astype(str), strict=True))


def lane_closure(scenario: Scenario) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Which (site, item) pairs lanes connect: (reachable, needed). Reachable: forward along
    lanes from the pairs that have stock or a source (made, bought, stocked, received);
    needed: back along lanes from the pairs that are sourced, demanded or a BOM child at a
    plant that makes the parent, through reachable pairs. A blank lane item means every
    item. The planner keeps stock at the needed pairs; a lane carries an item from a reachable
    origin to a needed destination (:func:`lane_items`)."""
    sourced = (
        _pairs(scenario.make)
        | _pairs(scenario.supply)
        | _pairs(scenario.inventory)
        | _pairs(scenario.receipts)
    )
    seeds = sourced | _pairs(scenario.demand) | _pairs(bom_lines(scenario), "site", "child")
    lanes = scenario.lanes
    explicit = lanes[lanes["item"] != ""]
    blank = lanes[lanes["item"] == ""]
    by_from: dict[str, list[str]] = {}
    by_to: dict[str, list[str]] = {}
    for f, t in zip(blank["from_site"], blank["to_site"], strict=True):
        by_from.setdefault(str(f), []).append(str(t))
        by_to.setdefault(str(t), []).append(str(f))
    ex_from: dict[tuple[str, str], list[str]] = {}
    ex_to: dict[tuple[str, str], list[str]] = {}
    for f, t, i in zip(explicit["from_site"], explicit["to_site"], explicit["item"], strict=True):
        ex_from.setdefault((str(f), str(i)), []).append(str(t))
        ex_to.setdefault((str(t), str(i)), []).append(str(f))

    def spread(
        start: set[tuple[str, str]],
        step_blank: dict[str, list[str]],
        step_ex: dict[tuple[str, str], list[str]],
        allowed: set[tuple[str, str]] | None,
    ) -> set[tuple[str, str]]:
        done = set(start)
        frontier = list(start)
        while frontier:
            site, item = frontier.pop()
            for other in step_blank.get(site, []) + step_ex.get((site, item), []):
                pair = (other, item)
                if pair not in done and (allowed is None or pair in allowed):
                    done.add(pair)
                    frontier.append(pair)
        return done

    reachable = spread(sourced, by_from, ex_from, None)
    needed = spread(seeds, by_to, ex_to, reachable | seeds)
    return reachable, needed


def lane_items(scenario: Scenario) -> list[set[str]]:
    """The items each ``lanes`` row carries: from a reachable origin to a needed destination
    (:func:`lane_closure`)."""
    reachable, needed = lane_closure(scenario)
    all_items = set(map(str, scenario.items["item"]))
    out = []
    for origin, dest, item in scenario.lanes[["from_site", "to_site", "item"]].itertuples(
        index=False
    ):
        items = {str(item)} if item else all_items
        out.append({i for i in items if (str(origin), i) in reachable and (str(dest), i) in needed})
    return out


def lead_time_cvs(scenario: Scenario, table: str) -> np.ndarray:
    """The coefficient of variation of each row's lead time in ``supply`` or ``lanes``: the
    row's own ``lead_time_cv``, else ``scenario.yaml``'s ``lead_time_cv`` (0.1 unless set, an
    assumption: :data:`rackforge.scenario.schema.LEAD_TIME_CV`). Where lead times are drawn
    (the executed plan, the twin's material) they are lognormal with the table's lead time as
    mean and this cv."""
    own = scenario.tables[table]["lead_time_cv"].to_numpy(float)
    return np.where(np.isnan(own), scenario.config.lead_time_cv, own)


#: The key of a ``supply`` row and of a ``lanes`` row (``item`` blank: every item).
ROW_KEYS: dict[str, tuple[str, str, str]] = {
    "supply": ("supplier", "item", "site"),
    "lanes": ("from_site", "to_site", "item"),
}


def lead_time_cv_by_row(scenario: Scenario, table: str) -> dict[tuple[str, str, str], float]:
    """:func:`lead_time_cvs` keyed by each row's key (:data:`ROW_KEYS`)."""
    rows = scenario.tables[table]
    a, b, c = (rows[k].astype(str) for k in ROW_KEYS[table])
    cvs = lead_time_cvs(scenario, table)
    return {(x, y, z): float(cv) for x, y, z, cv in zip(a, b, c, cvs, strict=True)}


def lane_row(
    values: dict[tuple[str, str, str], float], lane: tuple[str, str, str], default: float
) -> float:
    """A lane's value for an item, ``lane = (from_site, to_site, item)``: its own row's, else
    the lane's every-item row's (``lanes.item`` blank), else ``default``."""
    if lane in values:
        return values[lane]
    return values.get((lane[0], lane[1], ""), default)
