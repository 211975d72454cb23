"""The planner's LP built with linopy vs the same model built with Pyomo, both solved by HiGHS.

Both builders start from the same indexed network (``rackforge.plan.network.build_network``,
timed separately) and build the same variables, constraints and objective; the objectives
must agree to 1e-6 relative. Timings are taken side by side in this process; peak memory of
each build is the peak of traced allocations (``tracemalloc``) in a child process that
builds only that model. "solve linopy s" includes linopy's matrix export and the read-back of
primal and dual values; both sides solve with HiGHS interior point and crossover.

    python bench/plan_vs_pyomo.py                       # bundled scenario and 10x1000x52
    python bench/plan_vs_pyomo.py --sizes 10x1000x52,20x2000x104 --out bench/results/plan_vs_pyomo.md

A size ``PxIxW`` is a generated network of P plants, a catalogue of I items and W weeks.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path
from typing import Any

import linopy  # noqa: F401  (imported here like Pyomo: neither side's import is timed)
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.util import NoFeasibleSolutionError

from rackforge.plan.lp.model import build_model
from rackforge.plan.lp.solve import SolverSettings, solve
from rackforge.plan.network import Network, build_network
from rackforge.plan.options import PlanOptions
from rackforge.scenario import Scenario, load_scenario
from rackforge.scenario.synthetic import synthetic_size


def pyomo_model(net: Network, options: PlanOptions) -> pyo.ConcreteModel:
    """The planner's model written the usual Pyomo way (sparse index sets, rule functions)."""
    h = net.horizon
    weeks = range(h)
    m = pyo.ConcreteModel()
    make, sup, arcs, dem, nodes = net.make, net.supply, net.arcs, net.demand, net.nodes
    prod_idx = [(i, t) for i, lead in enumerate(make["lead"]) for t in weeks if t + lead < h]
    buy_idx = [(i, t) for i, lead in enumerate(sup["lead"]) for t in weeks if t + lead < h]
    ship_idx = [(i, t) for i, lead in enumerate(arcs["lead"]) for t in weeks if t + lead < h]
    dues = dem["week"].to_numpy()
    del_idx = [
        (d, t)
        for d in range(len(dem))
        for t in weeks
        if (t >= dues[d] if net.backlog else t == dues[d])
    ]
    m.produce = pyo.Var(prod_idx, within=pyo.NonNegativeReals)
    m.buy = pyo.Var(buy_idx, within=pyo.NonNegativeReals)
    m.ship = pyo.Var(ship_idx, within=pyo.NonNegativeReals)
    m.deliver = pyo.Var(del_idx, within=pyo.NonNegativeReals)
    m.lost = pyo.Var(range(len(dem)), within=pyo.NonNegativeReals)
    m.stock = pyo.Var(range(len(nodes)), weeks, within=pyo.NonNegativeReals)
    moq = sup["moq"].to_numpy()
    order_idx = [(i, t) for i, t in buy_idx if moq[i] > 0]
    m.order = pyo.Var(order_idx, within=pyo.Binary)
    ss = nodes["safety_stock"].to_numpy()
    short_idx = [(n, t) for n in np.flatnonzero(ss > 0) for t in weeks]
    m.short = pyo.Var(short_idx, within=pyo.NonNegativeReals)

    terms: dict[tuple[int, int], list[tuple[Any, float]]] = defaultdict(list)
    node_m, lead_m = make["node"].to_numpy(), make["lead"].to_numpy()
    for i, t in prod_idx:
        terms[(node_m[i], t + lead_m[i])].append((m.produce[i, t], -1.0))
    bom_of = net.bom.groupby("make_row").indices
    for i, t in prod_idx:
        for b in bom_of.get(i, []):
            terms[(net.bom.at[b, "child_node"], t)].append(
                (m.produce[i, t], net.bom.at[b, "per_unit"])
            )
    node_s, lead_s = sup["node"].to_numpy(), sup["lead"].to_numpy()
    for i, t in buy_idx:
        terms[(node_s[i], t + lead_s[i])].append((m.buy[i, t], -1.0))
    to_n, from_n, lead_a = (arcs[c].to_numpy() for c in ("to_node", "from_node", "lead"))
    for i, t in ship_idx:
        terms[(to_n[i], t + lead_a[i])].append((m.ship[i, t], -1.0))
        terms[(from_n[i], t)].append((m.ship[i, t], 1.0))
    node_d = dem["node"].to_numpy()
    for d, t in del_idx:
        terms[(node_d[d], t)].append((m.deliver[d, t], 1.0))
    rhs: defaultdict[tuple[Any, int], float] = defaultdict(float)
    for n, q in enumerate(nodes["on_hand"]):
        rhs[(n, 0)] += q
    for r in net.receipts.itertuples():
        rhs[(r.node, r.week)] += r.qty

    def balance(model: pyo.ConcreteModel, n: int, t: int) -> Any:
        prev = model.stock[n, t - 1] if t > 0 else 0.0
        flows = sum(c * v for v, c in terms.get((n, t), []))
        return model.stock[n, t] - prev + flows == rhs.get((n, t), 0.0)

    m.balance = pyo.Constraint(range(len(nodes)), weeks, rule=balance)
    del_of = defaultdict(list)
    for d, t in del_idx:
        del_of[d].append(t)
    m.demand = pyo.Constraint(
        range(len(dem)),
        rule=lambda model, d: (
            sum(model.deliver[d, t] for t in del_of[d]) + model.lost[d] == dem.at[d, "qty"]
        ),
    )
    prod_set = set(prod_idx)
    load_terms: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    for row in net.loads.itertuples():
        for t in weeks:
            if (row.make_row, t) in prod_set:
                load_terms[(row.resource_row, t)].append((row.make_row, row.hours))
    cap_r = net.resources["capacity"].to_numpy()
    m.resource = pyo.Constraint(
        list(load_terms),
        rule=lambda model, r, t: (
            sum(hrs * model.produce[i, t] for i, hrs in load_terms[(r, t)]) <= cap_r[r]
        ),
    )
    max_m = make["max_per_week"].to_numpy()
    m.make_cap = pyo.Constraint(
        [(i, t) for i, t in prod_idx if math.isfinite(max_m[i])],
        rule=lambda model, i, t: model.produce[i, t] <= max_m[i],
    )
    cap_s = sup["capacity"].to_numpy()
    upper = np.where(
        np.isfinite(cap_s),
        cap_s,
        np.maximum(net.requirement.reindex(sup["item"]).to_numpy(), moq),
    )
    m.supplier = pyo.Constraint(
        [(i, t) for i, t in buy_idx if moq[i] <= 0 and math.isfinite(cap_s[i])],
        rule=lambda model, i, t: model.buy[i, t] <= cap_s[i],
    )
    m.moq_min = pyo.Constraint(
        order_idx, rule=lambda model, i, t: model.buy[i, t] >= moq[i] * model.order[i, t]
    )
    m.moq_max = pyo.Constraint(
        order_idx, rule=lambda model, i, t: model.buy[i, t] <= upper[i] * model.order[i, t]
    )
    cap_l = net.lanes["capacity"].to_numpy()
    lane_of = arcs["lane_row"].to_numpy()
    lane_terms: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, t in ship_idx:
        if math.isfinite(cap_l[lane_of[i]]):
            lane_terms[(lane_of[i], t)].append(i)
    m.lane = pyo.Constraint(
        list(lane_terms),
        rule=lambda model, lane, t: (
            sum(model.ship[i, t] for i in lane_terms[(lane, t)]) <= cap_l[lane]
        ),
    )
    price, dom = sup["price"].to_numpy(), sup["domestic"].to_numpy(float)
    if net.domestic_min > 0 and buy_idx:
        m.domestic = pyo.Constraint(
            expr=pyo.quicksum(
                price[i] * (dom[i] - net.domestic_min) * m.buy[i, t] for i, t in buy_idx
            )
            >= 0
        )
    m.safety = pyo.Constraint(
        short_idx, rule=lambda model, n, t: model.stock[n, t] + model.short[n, t] >= ss[n]
    )

    duty = price * sup["tariff"].to_numpy()
    hold = nodes["holding"].to_numpy()
    bp, lp = dem["backlog_penalty"].to_numpy(), dem["lost_penalty"].to_numpy()
    # pipeline stock (in production, in transit) pays the holding cost of what it becomes
    cost_m = make["cost"].to_numpy() + hold[make["node"].to_numpy()] * make["lead"].to_numpy()
    cost_a = arcs["cost"].to_numpy() + hold[arcs["to_node"].to_numpy()] * arcs["lead"].to_numpy()
    penalty = options.safety_penalty_share * nodes["unit_value"].to_numpy()
    lost_cost = lp + (bp * (h - dues) if net.backlog else 0.0)
    m.obj = pyo.Objective(
        expr=pyo.quicksum(
            [cost_m[i] * m.produce[i, t] for i, t in prod_idx]
            + [(price[i] + duty[i]) * m.buy[i, t] for i, t in buy_idx]
            + [cost_a[i] * m.ship[i, t] for i, t in ship_idx]
            + [bp[d] * (t - dues[d]) * m.deliver[d, t] for d, t in del_idx if t > dues[d]]
            + [lost_cost[d] * m.lost[d] for d in range(len(dem))]
            + [hold[n] * m.stock[n, t] for n in range(len(nodes)) for t in weeks]
            + [penalty[n] * m.short[n, t] for n, t in short_idx]
        ),
        sense=pyo.minimize,
    )
    return m


def solve_pyomo(m: pyo.ConcreteModel) -> float:
    """HiGHS with the planner's settings: interior point (with crossover) for an LP, branch
    and cut for a MIP. Pyomo hands HiGHS the model unscaled; NaN where HiGHS then finds no
    plan (as it does for the bundled MIP: 'infeasible', against the planner's optimum)."""
    mip = any(v.is_integer() for v in m.component_data_objects(pyo.Var))
    options: dict[str, Any] = {"mip_rel_gap": 1e-4}
    if not mip:
        options["solver"] = "ipm"
    try:
        pyo.SolverFactory("highs").solve(m, tee=False, solver_options=options)
    except NoFeasibleSolutionError:
        return math.nan
    return float(pyo.value(m.obj))


def scenario_for(size: str) -> Scenario:
    if size == "bundled":
        return load_scenario(None)
    if size == "bundled-lp":  # the same without minimum order quantities: an LP
        s = load_scenario(None)
        return s.with_tables(supply=s.supply.assign(moq=0.0))
    return synthetic_size(size)


def child(side: str, size: str) -> None:
    """Build one side in a fresh process; print the peak of traced allocations while building
    (Python objects and numpy buffers, via tracemalloc)."""
    net = build_network(scenario_for(size))
    gc.collect()
    tracemalloc.start()
    if side == "linopy":
        build_model(net, PlanOptions())
    else:
        pyomo_model(net, PlanOptions())
    built = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"build_mb": built / 2**20}))


def memory(side: str, size: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, "--sizes", size],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(size: str, measure_memory: bool) -> dict[str, Any]:
    scenario = scenario_for(size)
    t0 = time.perf_counter()
    net = build_network(scenario)
    network_s = time.perf_counter() - t0
    options = PlanOptions()
    t0 = time.perf_counter()
    pm = build_model(net, options)
    lin_build = time.perf_counter() - t0
    sol = solve(pm.model, SolverSettings(mip_gap=1e-4))
    lin_solve = sol.solve_s
    lin_obj = sol.objective
    n_var, n_con = int(pm.model.nvars), int(pm.model.ncons)
    del pm, sol
    gc.collect()
    t0 = time.perf_counter()
    pym = pyomo_model(net, options)
    pyo_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    pyo_obj = solve_pyomo(pym)
    pyo_solve = time.perf_counter() - t0
    del pym
    gc.collect()
    row = {
        "case": scenario.config.name + (" (no MOQ)" if size == "bundled-lp" else ""),
        "nodes": net.n_nodes,
        "variables": n_var,
        "constraints": n_con,
        "network_s": network_s,
        "linopy_build_s": lin_build,
        "pyomo_build_s": pyo_build,
        "build_speedup": pyo_build / lin_build,
        "linopy_solve_s": lin_solve,
        "pyomo_solve_s": pyo_solve,
        "build_share": lin_build / lin_solve,
        "objective": lin_obj,
        "rel_diff": abs(lin_obj - pyo_obj) / max(abs(pyo_obj), 1.0),
    }
    if measure_memory:
        lin_mem, pyo_mem = memory("linopy", size), memory("pyomo", size)
        row |= {"linopy_build_mb": lin_mem["build_mb"], "pyomo_build_mb": pyo_mem["build_mb"]}
    return row


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| case | nodes | vars | cons | build linopy s | build Pyomo s | Pyomo/linopy "
        "| solve linopy s | solve Pyomo s | build/solve | build MB linopy (traced) | build MB Pyomo (traced) "
        "| objective | rel. diff |"
    )
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        mem = [f"{r[k]:,.0f}" if k in r else "-" for k in ("linopy_build_mb", "pyomo_build_mb")]
        lines.append(
            f"| {r['case']} | {r['nodes']:,} | {r['variables']:,} | {r['constraints']:,} "
            f"| {r['linopy_build_s']:.2f} | {r['pyomo_build_s']:.2f} "
            f"| {r['build_speedup']:.1f}x | {r['linopy_solve_s']:.2f} | {r['pyomo_solve_s']:.2f} "
            f"| {r['build_share']:.0%} | {' | '.join(mem)} | {r['objective']:.6e} "
            f"| {r['rel_diff']:.1e} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="bundled,10x1000x52")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--child", choices=["linopy", "pyomo"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.sizes)
        return
    rows = []
    for size in args.sizes.split(","):
        row = run(size, not args.no_memory)
        rows.append(row)
        print(table([row]).splitlines()[-1], file=sys.stderr, flush=True)
        if math.isnan(row["rel_diff"]):
            print(f"HiGHS found no plan for {size} through Pyomo (unscaled)", file=sys.stderr)
        elif row["rel_diff"] > 1e-6:
            print(f"objectives differ on {size}: {row['rel_diff']:.2e}", file=sys.stderr)
    text = table(rows)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
