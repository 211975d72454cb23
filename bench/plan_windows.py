"""The plan window by window against the whole model, on the same scenario in one process.

For each case ``SIZE:WEEKS[+OVERLAP]`` the scenario is planned whole (the reference optimum)
and window by window (:mod:`rackforge.plan.lp.windows`; no ``+OVERLAP``: the network's longest
chain of lead times), and the table gives both solve times, how far the pieced plan's cost is
above the optimum, and the gap to the Lagrangian bound with the multiplier scale that gave it.

    python bench/plan_windows.py --cases bundled-lp:6,3x300x52:6 --out bench/results/plan_windows.md

``SIZE`` is as in ``bench/plan_scale.py`` (``bundled``, ``bundled-lp`` or ``PxIxW``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from plan_scale import report, scenario_for
from rackforge.plan import PlanOptions, Windows, plan


def case(text: str) -> tuple[str, Windows]:
    found = re.fullmatch(r"([^:]+):(\d+)(?:\+(\d+))?", text)
    if found is None:
        raise SystemExit(f"a case is SIZE:WEEKS[+OVERLAP], e.g. 3x300x52:6+12, not {text!r}")
    size, weeks, overlap = found.groups()
    return size, Windows(int(weeks), None if overlap is None else int(overlap))


def measure(size: str, windows: Windows) -> dict[str, Any]:
    s = scenario_for(size)
    options = PlanOptions(explain=False)
    started = time.perf_counter()
    whole = plan(s, options)
    whole_s = time.perf_counter() - started
    started = time.perf_counter()
    cut = plan(s, PlanOptions(explain=False, windows=windows))
    cut_s = time.perf_counter() - started
    theta = re.search(r"multipliers x([\d.]+)", cut.info.solver_status)
    overlap = re.search(r"weeks \(\+(\d+)\)", cut.info.solver_status)
    return {
        "case": size,
        "windows": f"{windows.weeks} (+{overlap.group(1) if overlap else '?'})",
        "whole_status": whole.status.value,
        "whole_s": whole_s,
        "windowed_s": cut_s,
        "windowed_status": cut.status.value,
        "above_optimum": cut.objective / whole.objective - 1,
        "gap": cut.info.gap,
        "multipliers": None if theta is None else float(theta.group(1)),
    }


def table(rows: list[dict[str, Any]]) -> str:
    cols = list(rows[0])

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.3g}"
        return str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="bundled-lp:6,bundled:26")
    parser.add_argument("--json", type=Path, help="write the rows as a JSON list")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    rows = []
    for text in args.cases.split(","):
        rows.append(measure(*case(text)))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    report(rows, table(rows), args.json, args.out)


if __name__ == "__main__":
    main()
