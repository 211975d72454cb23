"""Typed reading of YAML values with located problems (``roadmap.yaml: runs[2].mfu: ...``)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from rackforge.roadmap.model import Precision
from rackforge.scenario.errors import Problem
from rackforge.scenario.model import parse_iso_week

FILE = "roadmap.yaml"
#: Weeks further than this from the scenario start are refused (about a century).
MAX_WEEK_OFFSET = 5200
PRECISIONS = ", ".join(p.value for p in Precision)


class Reader:
    """Reads typed values out of mappings, collecting every problem instead of stopping."""

    def __init__(self, start: dt.date) -> None:
        self.start = start
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(FILE, message, column=path or "-"))

    def keys(self, m: Mapping[Any, Any], path: str, known: set[str], required: set[str]) -> None:
        """Flag unknown keys (annotations may start with ``x_``) and missing required ones."""
        for key in m:
            if not isinstance(key, str) or (key not in known and not key.startswith("x_")):
                self.fail(
                    join(path, str(key)),
                    f"unknown key (known: {', '.join(sorted(known))}; annotations start with x_)",
                )
        for key in sorted(required):
            if m.get(key) is None:
                self.fail(join(path, key), "required key is missing")

    def mapping(self, value: object, path: str) -> dict[Any, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping, got {_kind(value)}")
            return None
        return value

    def sequence(self, value: object, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"must be a list, got {_kind(value)}")
            return []
        return value

    def number(
        self,
        m: Mapping[Any, Any],
        key: str,
        path: str,
        *,
        lo: float,
        hi: float = math.inf,
        lo_open: bool = False,
        default: float | None = None,
    ) -> float | None:
        """A finite number in ``[lo, hi]`` (``(lo, hi]`` if ``lo_open``); the default if absent.

        Numeric text such as ``1e27`` is accepted because YAML 1.1 readers leave an exponent
        without a dot as text.
        """
        where = join(path, key)
        if key not in m or m[key] is None:
            return default
        value = m[key]
        number: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.replace("_", ""))
            except ValueError:
                number = None
        if number is None or not math.isfinite(number):
            self.fail(where, f"must be a finite number, got {value!r}")
            return None
        below = number <= lo if lo_open else number < lo
        if below or number > hi:
            self.fail(where, f"must be in {'(' if lo_open else '['}{lo:g}, {hi:g}], got {value!r}")
            return None
        return number

    def integer(
        self, m: Mapping[Any, Any], key: str, path: str, *, lo: int, hi: int, default: int | None
    ) -> int | None:
        """A whole number in ``[lo, hi]``; the default if absent."""
        where = join(path, key)
        if key not in m or m[key] is None:
            return default
        value = m[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"must be a whole number, got {value!r}")
            return None
        if not math.isfinite(value) or value != int(value):
            self.fail(where, f"must be a whole number, got {value!r}")
            return None
        if not lo <= int(value) <= hi:
            self.fail(where, f"must be in [{lo}, {hi}], got {value!r}")
            return None
        return int(value)

    def ident(self, m: Mapping[Any, Any], key: str, path: str) -> str | None:
        """A non-empty id without leading or trailing spaces; None if absent."""
        where = join(path, key)
        if key not in m or m[key] is None:
            return None
        value = m[key]
        if not isinstance(value, str) or not value or value != value.strip():
            self.fail(
                where, f"must be an id (text without leading or trailing spaces), got {value!r}"
            )
            return None
        if any(ch in value for ch in "\r\n"):
            self.fail(where, "must be on one line")
            return None
        return value

    def text(self, m: Mapping[Any, Any], key: str, path: str, default: str) -> str:
        where = join(path, key)
        if key not in m or m[key] is None:
            return default
        value = m[key]
        if not isinstance(value, str) or any(ch in value for ch in "\r\n"):
            self.fail(where, f"must be a one-line text, got {value!r}")
            return default
        return value

    def week(self, m: Mapping[Any, Any], key: str, path: str) -> int | None:
        """An ISO week (``2026-W40``) or an integer offset from the scenario start."""
        where = join(path, key)
        if key not in m or m[key] is None:
            return None
        value = m[key]
        offset: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            offset = value
        elif isinstance(value, str):
            try:
                offset = (parse_iso_week(value.upper()) - self.start).days // 7
            except ValueError:
                offset = None
        if offset is None:
            self.fail(
                where, f"must be an ISO week like 2026-W40 or a whole week offset, got {value!r}"
            )
            return None
        if abs(offset) > MAX_WEEK_OFFSET:
            self.fail(where, f"{value!r} is more than {MAX_WEEK_OFFSET} weeks from the start")
            return None
        return offset


def join(path: str, key: str | int) -> str:
    """``join("runs[2]", "mfu") == "runs[2].mfu"``; ``join("runs", 2) == "runs[2]"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def precision_of(value: object) -> Precision | None:
    """The precision named by ``value`` (case-insensitive), or None."""
    if not isinstance(value, str):
        return None
    try:
        return Precision(value.strip().lower())
    except ValueError:
        return None
