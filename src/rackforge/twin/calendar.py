"""Daily shift calendars in closed form: no events are needed for shift changes.

A station with a daily window of ``h`` open hours is open on ``[24 d, 24 d + h)`` for every
day ``d``. ``open_hours(x, h)`` is the open time in ``[0, x]``; ``finish_time(t, w, h)`` is
the first time at which ``w`` hours of open time have passed since ``t``, so a job started at
``t`` with work ``w`` ends then (it pauses while the station is closed). ``h = 0`` marks an
always-open station and both functions reduce to the identity.
"""

from __future__ import annotations

import math

DAY_H = 24.0


def open_hours(x: float, h: float) -> float:
    """Open hours in ``[0, x]`` of a station open ``h`` hours a day (``h = 0``: always)."""
    if h <= 0.0:
        return x
    d = math.floor(x / DAY_H)
    r = x - d * DAY_H
    return d * h + (r if r < h else h)


def finish_time(t: float, w: float, h: float) -> float:
    """Time at which ``w`` open hours have passed after ``t`` (``h = 0``: ``t + w``)."""
    if h <= 0.0:
        return t + w
    y = open_hours(t, h) + w
    d = math.floor(y / h)
    r = y - d * h
    x = (d - 1) * DAY_H + h if r <= 0.0 and d > 0 else d * DAY_H + r
    return x if x > t else t


def open_between(a: float, b: float, h: float) -> float:
    """Open hours in ``[a, b]``."""
    return open_hours(b, h) - open_hours(a, h) if b > a else 0.0
