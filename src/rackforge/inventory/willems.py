"""Reader for the 38 supply chains of Willems (2008).

Willems, S. P. (2008), "Data Set: Real-World Multiechelon Supply Chains Used for Inventory
Optimization", M&SOM 10(1):19-23. Chain ``NN`` comes as ``NN_SD.csv`` (stage data) and
``NN_LL.csv`` (arcs ``sourceStage,destinationStage``, one unit of the source per unit of the
destination). Conventions used here (those of the data set and of Humair & Willems 2011):

* ``stageTime`` (mean processing time, days) is ``T_j``; its variability (``stdDev stageTime``
  or the discrete ``stageTime_k`` / ``stageTime_%_k``) is checked but not used, the
  guaranteed-service model having deterministic processing times;
* ``stageCost`` is the cost added at the stage;
* a stage with ``avgDemand`` is a demand stage: ``avgDemand`` and ``stdDevDemand`` are per
  day, ``z = Phi^-1(serviceLevel)`` (``statistics.NormalDist().inv_cdf``) and ``maxServiceTime`` (blank:
  0) bounds its outbound service time;
* internal stages pool the demand stages' ``z_d sigma_d`` (square root of the sum of squares).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from statistics import NormalDist

from rackforge.inventory._csv import Cells, rows
from rackforge.inventory.model import Arc, GSMDataError, GSMError, GSMNetwork, Stage
from rackforge.scenario import Problem

REQUIRED = ("Stage Name", "stageCost", "stageTime")
_SUFFIX = re.compile(r"_(SD|LL)\.csv$", re.IGNORECASE)


def chain_files(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """``(NN_SD.csv, NN_LL.csv)`` for ``DIR/NN``, ``DIR/NN_SD.csv`` or ``DIR/NN_LL.csv``."""
    text = str(path)
    prefix = _SUFFIX.sub("", text)
    return Path(prefix + "_SD.csv"), Path(prefix + "_LL.csv")


def _stage(line: int, cell: dict[str, str], book: Cells) -> Stage | None:
    before = len(book.problems)
    name = cell.get("Stage Name", "").strip()
    if not name:
        book.add(line, "Stage Name", "a stage name is required")
    cost = book.number(cell.get("stageCost", ""), line, "stageCost")
    time = book.number(cell.get("stageTime", ""), line, "stageTime")
    book.number(cell.get("stdDev stageTime", ""), line, "stdDev stageTime", required=False)
    _check_distribution(line, cell, book)
    demand = bool(cell.get("avgDemand", "").strip())
    mean = book.number(cell.get("avgDemand", ""), line, "avgDemand", required=False)
    std = book.number(cell.get("stdDevDemand", ""), line, "stdDevDemand", required=demand)
    max_s = book.number(cell.get("maxServiceTime", ""), line, "maxServiceTime", required=False)
    level = book.number(cell.get("serviceLevel", ""), line, "serviceLevel", required=demand)
    z = None
    if level is not None and demand:
        if not 0.0 < level < 1.0:
            book.add(line, "serviceLevel", f"{level:g} must lie strictly between 0 and 1")
        else:
            z = float(NormalDist().inv_cdf(level))
    if len(book.problems) > before or cost is None or time is None:
        return None
    return Stage(
        name=name,
        processing_time=time,
        cost_added=cost,
        demand_mean=mean or 0.0,
        demand_std=std or 0.0,
        z=z,
        max_service_time=(max_s if max_s is not None else 0.0) if demand else max_s,
        label=cell.get("stageClassification", "").strip(),
    )


def _check_distribution(line: int, cell: dict[str, str], book: Cells) -> None:
    """``stageTime_k`` / ``stageTime_%_k`` come in pairs whose probabilities sum to 1."""
    total, seen = 0.0, False
    for k in range(1, 100):
        t_col, p_col = f"stageTime_{k}", f"stageTime_%_{k}"
        if t_col not in cell and p_col not in cell:
            break
        t_text, p_text = cell.get(t_col, "").strip(), cell.get(p_col, "").strip()
        if bool(t_text) != bool(p_text):
            book.add(line, t_col if not t_text else p_col, "stage time and probability go in pairs")
            continue
        if t_text:
            book.number(t_text, line, t_col)
            p = book.number(p_text, line, p_col)
            total, seen = total + (p or 0.0), True
    if seen and abs(total - 1.0) > 1e-6:
        book.add(line, "stageTime_%_1", f"probabilities sum to {total:g}, not 1")


def _open(file: Path) -> tuple[Cells, Iterator[tuple[int, list[str]]], list[str] | None]:
    """The problem book, the data lines and the header cells (None for an empty file)."""
    book = Cells(file.name)
    if not file.is_file():
        book.add(None, None, "no such file")
        raise GSMDataError(book.problems)
    lines = iter(rows(file))
    first = next(lines, None)
    return book, lines, None if first is None else [h.strip() for h in first[1]]


def _read_stages(file: Path) -> list[Stage]:
    book, lines, first = _open(file)
    if first is None:
        book.add(1, None, "the file is empty")
        raise GSMDataError(book.problems)
    header = first
    for col in REQUIRED:
        if col not in header:
            book.add(1, col, "required column is missing")
    if book.problems:
        raise GSMDataError(book.problems)
    stages: list[Stage] = []
    where: dict[str, int] = {}
    for line, cells in lines:
        if len(cells) > len(header):
            book.add(line, None, f"{len(cells)} cells but the header has {len(header)}")
            continue
        cell = dict(zip(header, cells, strict=False))
        stage = _stage(line, cell, book)
        if stage is None:
            continue
        if stage.name in where:
            book.add(
                line, "Stage Name", f"{stage.name!r} already defined on line {where[stage.name]}"
            )
            continue
        where[stage.name] = line
        stages.append(stage)
    if book.problems:
        raise GSMDataError(book.problems)
    return stages


def _read_arcs(file: Path, names: set[str]) -> list[Arc]:
    book, lines, first = _open(file)
    header = first or []
    if header[:2] != ["sourceStage", "destinationStage"]:
        book.add(1, None, "the header must be sourceStage,destinationStage")
        raise GSMDataError(book.problems)
    arcs: list[Arc] = []
    where: dict[tuple[str, str], int] = {}
    for line, cells in lines:
        cells = [c.strip() for c in cells] + ["", ""]
        src, dst = cells[0], cells[1]
        bad = False
        for col, value in (("sourceStage", src), ("destinationStage", dst)):
            if value not in names:
                book.add(
                    line,
                    col,
                    f"{value!r} is no stage of the stage data"
                    if value
                    else "a stage name is required",
                )
                bad = True
        if not bad and src == dst:
            book.add(line, "destinationStage", f"{dst!r} cannot supply itself")
        elif not bad and (src, dst) in where:
            book.add(line, None, f"arc {src} -> {dst} already on line {where[(src, dst)]}")
        elif not bad:
            where[(src, dst)] = line
            arcs.append(Arc(upstream=src, downstream=dst))
    if book.problems:
        raise GSMDataError(book.problems)
    return arcs


def read_willems(path: str | os.PathLike[str], holding_rate: float = 0.25) -> GSMNetwork:
    """Read chain ``DIR/NN`` (or either of its files); raise :class:`GSMDataError` naming file,
    line and column on bad input. The data set has no holding rate: ``holding_rate`` applies to
    every stage's cumulative cost."""
    sd, ll = chain_files(path)
    stages = _read_stages(sd)
    arcs = _read_arcs(ll, {s.name for s in stages})
    try:
        return GSMNetwork(
            stages=tuple(stages),
            arcs=tuple(arcs),
            holding_rate=holding_rate,
            time_unit="day",
            name=f"chain {_SUFFIX.sub('', sd.name)}",
        )
    except GSMError as exc:
        raise GSMDataError([Problem(file=ll.name, message=p) for p in exc.problems]) from None
