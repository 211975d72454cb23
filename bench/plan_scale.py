"""How the planner's solve grows with the size of the network, and what a warm re-plan saves.

Each size is planned in a fresh process (so that its peak memory is its own): the network and
the model are built (``build_s``), then solved (``solve_s``: matrix export, HiGHS, read-back)
with the chosen LP method. With ``--replan``, the same process then re-plans a what-if of one
event (the first supply row's supplier stops for 6 weeks from a third of the horizon) twice:
cold, and warm from the base plan's basis (``rackforge.plan.lp.warm``); both must reach the
same optimum. The log-log slope of solve time against variables is fitted over the sizes that
solved to optimality.

    python bench/plan_scale.py --sizes bundled-lp,3x300x52 --replan --json scale.json
    python bench/plan_scale.py --sizes 10x1000x52 --time-limit 1800 --json F
    python bench/plan_scale.py --sizes 10x1000x52 --windows 6 --json F

With ``--windows W`` the model is planned window by window (W weeks each, ``--overlap`` more
looked ahead; :mod:`rackforge.plan.lp.windows`) and ``gap`` is against the Lagrangian bound.

A size ``PxIxW`` is the synthetic network of P plants, I items and W weeks
(:mod:`rackforge.scenario.synthetic`); ``bundled`` is the bundled scenario (a MIP),
``bundled-lp`` the same without minimum order quantities (an LP).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from rackforge.plan import PlanOptions, Windows, plan
from rackforge.plan.lp.solve import LpMethod
from rackforge.scenario import Scenario, load_scenario
from rackforge.scenario.synthetic import synthetic_size
from rackforge.scenario.whatif import EventEdit, what_if


def scenario_for(size: str) -> Scenario:
    if size in ("bundled", "bundled-lp"):
        s = load_scenario(None)
        return s.with_tables(supply=s.supply.assign(moq=0.0)) if size == "bundled-lp" else s
    return synthetic_size(size)


def outage(s: Scenario) -> Scenario:
    """The what-if of the re-plan: the first supply row's supplier stops for 6 weeks."""
    week = s.week_label(s.config.horizon_weeks // 3)
    supplier = str(s.supply["supplier"].iloc[0])
    return what_if(s, events=[EventEdit(supplier, week, "6", "0")], name=s.config.name + "-stop")


def measure(
    size: str, method: LpMethod, time_limit_s: float, replan: bool, windows: Windows | None
) -> dict[str, Any]:
    """One size, in this process: the row of the table."""
    s = scenario_for(size)
    options = PlanOptions(
        explain=False, time_limit_s=time_limit_s, lp_method=method, windows=windows
    )
    started = time.perf_counter()
    base = plan(s, options)
    row: dict[str, Any] = {
        "size": size,
        "method": method.value,
        "windows": "-" if windows is None else f"{windows.weeks}+{windows.overlap or 'auto'}",
        "variables": base.info.variables,
        "constraints": base.info.constraints,
        "mip": base.info.mip,
        "status": base.status.value,
        "build_s": base.info.build_s,
        "solve_s": base.info.solve_s,
        "wall_s": time.perf_counter() - started,
        "objective": None if math.isnan(base.objective) else base.objective,
        "gap": base.info.gap,
    }
    if replan and base.has_plan:
        edit = outage(s)
        cold = plan(edit, options)
        warm = plan(edit, options, base.warm_start)
        row |= {
            "replan_cold_s": cold.info.solve_s,
            "replan_warm_s": warm.info.solve_s,
            "replan_speedup": cold.info.solve_s / warm.info.solve_s,
            "replan_rel_diff": abs(warm.objective - cold.objective) / abs(cold.objective),
        }
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


def in_child(size: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", size, "--method", args.method]
    cmd += ["--time-limit", str(args.time_limit)] + (["--replan"] if args.replan else [])
    if args.windows:
        cmd += ["--windows", str(args.windows)]
        cmd += [] if args.overlap is None else ["--overlap", str(args.overlap)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def slope(rows: list[dict[str, Any]]) -> float | None:
    """Least-squares slope of log(solve_s) on log(variables) over the optimal LP rows."""
    ok = [r for r in rows if r["status"] == "optimal" and not r["mip"]]
    if len({r["variables"] for r in ok}) < 2:
        return None
    x = np.log([r["variables"] for r in ok])
    y = np.log([r["solve_s"] for r in ok])
    return float(np.polyfit(x, y, 1)[0])


def table(rows: list[dict[str, Any]]) -> str:
    cols = ["size", "method", "windows", "variables", "constraints", "status", "build_s"]
    cols += ["solve_s"]
    cols += ["peak_mb", "objective", "gap"]
    replan = ("replan_cold_s", "replan_warm_s", "replan_speedup")
    cols += [c for c in replan if any(c in r for r in rows)]

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:,.3g}" if abs(v) >= 1e6 or abs(v) < 0.01 else f"{v:,.2f}"
        return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in cols) + " |" for r in rows]
    fitted = slope(rows)
    if fitted is not None:
        lines.append(f"\nlog-log slope of solve time on variables (optimal LPs): {fitted:.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="bundled-lp,3x300x52")
    parser.add_argument("--method", choices=[m.value for m in LpMethod], default="ipm")
    parser.add_argument("--time-limit", type=float, default=3600.0, help="seconds per solve")
    parser.add_argument("--replan", action="store_true", help="also time a warm what-if")
    parser.add_argument("--windows", type=int, help="plan window by window, this many weeks each")
    parser.add_argument("--overlap", type=int, help="look-ahead weeks of a window (default: auto)")
    parser.add_argument("--json", type=Path, help="write the rows as a JSON list")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        windows = Windows(args.windows, args.overlap) if args.windows else None
        row = measure(args.child, LpMethod(args.method), args.time_limit, args.replan, windows)
        print(json.dumps(row))
        return
    rows = []
    for size in args.sizes.split(","):
        rows.append(in_child(size, args))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    report(rows, table(rows), args.json, args.out)


def report(rows: list[dict[str, Any]], text: str, json_path: Path | None, out: Path | None) -> None:
    """Print the table; write the rows as JSON to ``json_path`` and the table to ``out``."""
    print(text)
    if json_path:
        json_path.write_text(json.dumps(rows, indent=1) + "\n")
    if out:
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()
