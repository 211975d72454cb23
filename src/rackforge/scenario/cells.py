"""Parsing one table cell according to its :class:`Column` declaration."""

from __future__ import annotations

import datetime as dt
import math
import re

from rackforge.scenario.model import parse_iso_week
from rackforge.scenario.schema import (
    MAX_MONEY,
    MAX_QUANTITY,
    MIN_MAGNITUDE,
    Column,
    ColumnType,
)

#: Ids are printed, keyed and exported everywhere: a plain character set keeps them from being
#: read as markup, emoji codes, spreadsheet formulas or path parts. ``/`` and ``>`` join the
#: parts of a composite target (``site/resource``, ``from_site>to_site``).
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/>]{0,99}")
ID_RULE = "an id is 1 to 100 letters, digits and _ . - / >, starting with a letter or digit"

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


class CellError(ValueError):
    """A cell that does not fit its column; the message is shown to the user as is."""


def parse_cell(text: str, column: Column, start: dt.date | None, horizon: int | None) -> object:
    """Parse ``text`` (already known non-blank) for ``column``; raise :class:`CellError`."""
    kind = column.type
    if kind in (ColumnType.ID, ColumnType.TEXT):
        if kind is ColumnType.ID and text != text.strip():
            raise CellError(f"id {text!r} has leading or trailing spaces")
        if kind is ColumnType.ID and not ID_PATTERN.fullmatch(text):
            raise CellError(f"id {text!r}: {ID_RULE}")
        if column.choices and text not in column.choices:
            raise CellError(f"{text!r} is not one of {', '.join(column.choices)}")
        return text
    if kind is ColumnType.BOOL:
        low = text.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise CellError(f"{text!r} is not true or false")
    if kind is ColumnType.WEEK:
        return _parse_week(text.strip(), start, horizon)
    value = _parse_number(text.strip(), integral=kind is ColumnType.INT)
    if math.isinf(value) and column.default != math.inf:  # only "unlimited" columns take inf
        raise CellError(f"{text.strip()!r} is not a finite number")
    _check_bounds(value, column)
    return int(value) if kind is ColumnType.INT else value


def _parse_number(text: str, integral: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CellError(f"{text!r} is not a {'whole ' if integral else ''}number") from None
    if math.isnan(value):
        raise CellError("NaN is not a value; leave the cell blank for the default")
    if integral and (math.isinf(value) or value != int(value)):
        raise CellError(f"{text!r} is not a whole number")
    return value


def _check_bounds(value: float, column: Column) -> None:
    lo, hi = column.minimum, column.maximum
    if hi is None and not math.isinf(value):  # an unlimited column's inf is "no limit"
        hi = MAX_MONEY if "currency" in column.unit else MAX_QUANTITY
    if lo is not None and (value < lo or (column.exclusive_minimum and value == lo)):
        relation = ">" if column.exclusive_minimum else ">="
        raise CellError(f"{value:g} must be {relation} {lo:g}")
    if hi is not None and value > hi:
        raise CellError(f"{value:g} must be <= {hi:g}")
    if lo is None and hi is not None and value < -hi:
        raise CellError(f"{value:g} must be >= {-hi:g}")
    if 0 < abs(value) < MIN_MAGNITUDE:
        raise CellError(f"{value:g} is too near 0: use 0 or at least {MIN_MAGNITUDE:g}")


def _parse_week(text: str, start: dt.date | None, horizon: int | None) -> int:
    if start is None or horizon is None:
        raise CellError("cannot read weeks without a valid start and horizon_weeks")
    if "W" in text.upper():
        try:
            offset = (parse_iso_week(text.upper()) - start).days // 7
        except ValueError as exc:
            raise CellError(str(exc)) from None
    else:
        number = _parse_number(text, integral=True)
        offset = int(number)
    if not 0 <= offset < horizon:
        first = start.isocalendar()
        raise CellError(
            f"week {text} is outside the horizon ({horizon} weeks from "
            f"{first[0]}-W{first[1]:02d}, offsets 0..{horizon - 1})"
        )
    return offset


def format_cell(value: object, column: Column, start: dt.date) -> str:
    """Text that :func:`parse_cell` reads back to ``value`` (blank for a missing value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    kind = column.type
    if kind is ColumnType.BOOL:
        return "true" if value else "false"
    if kind is ColumnType.WEEK:
        monday = start + dt.timedelta(weeks=int(value))  # type: ignore[call-overload]
        year, week, _ = monday.isocalendar()
        return f"{year}-W{week:02d}"
    if kind is ColumnType.INT:
        if column.name == "rework_to" and int(value) < 0:  # type: ignore[call-overload]
            return ""
        return str(int(value))  # type: ignore[call-overload]
    if kind is ColumnType.FLOAT:
        number = float(value)  # type: ignore[arg-type]
        if math.isinf(number) and column.default == math.inf:
            return ""
        return repr(number) if number != int(number) or math.isinf(number) else str(int(number))
    return str(value)
