"""Reader for guaranteed-service instances in the one-row-per-stage text format.

The format (used for the bulldozer and battery networks of Graves & Willems 2000 and an
8-stage digital-camera example) is a CSV file with the header
``stage_id, lead_time, max_s_time, cost (or cost_rate), risk_pool, ext_demand_mean,
ext_demand_std, ext_demand_thres, up_stages``; the rest of a row lists upstream stages as
``name, qty`` pairs. Times are in days, demand per day, ``cost`` is the cost added at the stage,
``ext_demand_thres`` is the safety factor ``z`` of a demand stage and ``risk_pool`` the ``p`` of
the l_p pooling of downstream standard deviations. Internal stages pool the demand stages'
``z * sigma`` (Humair & Willems 2011); in the published instances every ``z`` is 1.645.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rackforge.inventory._csv import Cells, rows
from rackforge.inventory.model import Arc, GSMDataError, GSMError, GSMNetwork, Stage
from rackforge.scenario import Problem

COLUMNS = (
    "stage_id",
    "lead_time",
    "max_s_time",
    "cost",
    "risk_pool",
    "ext_demand_mean",
    "ext_demand_std",
    "ext_demand_thres",
    "up_stages",
)
_COST_ALIASES = ("cost", "cost_rate")


@dataclass
class _Row:
    line: int
    stage: Stage
    upstream: list[tuple[str, float, int]]  # name, qty, column position (1-based)


def _check_header(cells: list[str], book: Cells) -> bool:
    names = [c.strip() for c in cells]
    ok = len(names) >= len(COLUMNS)
    for pos, expected in enumerate(COLUMNS):
        got = names[pos] if pos < len(names) else ""
        allowed = _COST_ALIASES if expected == "cost" else (expected,)
        if got not in allowed:
            book.add(1, f"column {pos + 1}", f"expected {' or '.join(allowed)!r}, found {got!r}")
            ok = False
    return ok


def _parse_row(line: int, cells: list[str], book: Cells) -> _Row | None:
    cells = [c.strip() for c in cells] + [""] * max(0, 8 - len(cells))
    before = len(book.problems)
    name = cells[0]
    if not name:
        book.add(line, "stage_id", "a stage id is required")
    lead = book.number(cells[1], line, "lead_time")
    max_s = book.number(cells[2], line, "max_s_time", required=False)
    cost = book.number(cells[3], line, "cost")
    pool = book.number(cells[4], line, "risk_pool", required=False, minimum=1.0)
    has_demand = any(cells[5:8])
    mean = book.number(cells[5], line, "ext_demand_mean", required=has_demand)
    std = book.number(cells[6], line, "ext_demand_std", required=has_demand)
    z = book.number(cells[7], line, "ext_demand_thres", required=False)
    ups = cells[8:]
    while ups and not ups[-1]:
        ups.pop()
    if len(ups) % 2:
        book.add(line, "up_stages", "upstream stages must come as name,qty pairs")
        ups = ups[:-1]
    upstream: list[tuple[str, float, int]] = []
    for k in range(0, len(ups), 2):
        qty = book.number(ups[k + 1], line, f"up_stages (qty of {ups[k]!r})", exclusive=True)
        if not ups[k]:
            book.add(line, "up_stages", "an upstream stage name is blank")
        elif qty is not None:
            upstream.append((ups[k], qty, 9 + k))
    if len(book.problems) > before or lead is None or cost is None:
        return None
    stage = Stage(
        name=name,
        processing_time=lead,
        cost_added=cost,
        demand_mean=mean or 0.0,
        demand_std=std or 0.0,
        z=z if has_demand else None,
        max_service_time=max_s,
        risk_pool=2.0 if pool is None else pool,
    )
    return _Row(line=line, stage=stage, upstream=upstream)


def read_textbook(
    path: str | os.PathLike[str], holding_rate: float = 0.25, name: str | None = None
) -> GSMNetwork:
    """Read one instance; raise :class:`GSMDataError` (file, line, column) on bad input.

    The file carries no holding rate: ``holding_rate`` (annual share of cumulative cost) is
    applied to every stage (Graves & Willems 2000 use 30 % for the bulldozer, 25 % for the
    battery network).
    """
    file = Path(path)
    book = Cells(file.name)
    if not file.is_file():
        book.add(None, None, "no such file")
        raise GSMDataError(book.problems)
    parsed: list[_Row] = []
    lines = iter(rows(file))
    header = next(lines, None)
    if header is None or not _check_header(header[1], book):
        if header is None:
            book.add(1, None, "the file is empty")
        raise GSMDataError(book.problems)
    first_line: dict[str, int] = {}
    for line, cells in lines:
        row = _parse_row(line, cells, book)
        if row is None:
            continue
        if row.stage.name in first_line:
            book.add(
                line,
                "stage_id",
                f"{row.stage.name!r} already defined on line {first_line[row.stage.name]}",
            )
            continue
        first_line[row.stage.name] = line
        parsed.append(row)
    arcs: list[Arc] = []
    for row in parsed:
        for up, qty, _ in row.upstream:
            if up not in first_line:
                book.add(row.line, "up_stages", f"upstream stage {up!r} is not defined")
            else:
                arcs.append(Arc(upstream=up, downstream=row.stage.name, qty=qty))
    if book.problems:
        raise GSMDataError(book.problems)
    try:
        return GSMNetwork(
            stages=tuple(r.stage for r in parsed),
            arcs=tuple(arcs),
            holding_rate=holding_rate,
            time_unit="day",
            name=name if name is not None else file.stem,
        )
    except GSMError as exc:
        raise GSMDataError([Problem(file=file.name, message=p) for p in exc.problems]) from None
