"""``scenario.yaml``: parsing into :class:`ScenarioConfig` and back, with located problems."""

from __future__ import annotations

import math
from typing import Any

from rackforge.scenario.errors import Problem
from rackforge.scenario.model import Automation, ScenarioConfig, SolverConfig, parse_iso_week
from rackforge.scenario.schema import (
    LEAD_TIME_CV,
    MAX_HOLDING_RATE,
    MAX_HORIZON_WEEKS,
    MAX_TARIFF,
    MAX_TIME_LIMIT_S,
    ResourceKind,
)

_KNOWN = {
    "name",
    "description",
    "start",
    "horizon_weeks",
    "currency",
    "holding_rate",
    "backlog",
    "domestic_content_min",
    "forecast_cv",
    "lead_time_cv",
    "tariffs",
    "automation",
    "solver",
}
_RESOURCE_KINDS = tuple(k.value for k in ResourceKind)


class _Reader:
    """Reads typed values out of a mapping, collecting problems under ``file``."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, message, column=key))

    def number(
        self, value: object, key: str, lo: float, hi: float = math.inf, lo_open: bool = False
    ) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"must be a number, got {value!r}")
            return None
        v = float(value)
        below = v <= lo if lo_open else v < lo
        if math.isnan(v) or below or v > hi:
            bounds = f"{'(' if lo_open else '['}{lo:g}, {hi:g}]"
            self.fail(key, f"must be in {bounds}, got {value!r}")
            return None
        return v

    def text(self, value: object, key: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty text, got {value!r}")
            return None
        return value

    def mapping(self, value: object, key: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(key, f"must be a mapping, got {type(value).__name__}")
            return {}
        return value


def parse_config(
    data: object, file: str = "scenario.yaml"
) -> tuple[ScenarioConfig | None, list[Problem]]:
    """Parse the mapping of ``scenario.yaml``; returns the config (None if invalid) and problems."""
    r = _Reader(file)
    if not isinstance(data, dict):
        r.fail("-", "must be a YAML mapping of settings")
        return None, r.problems
    for key in data:
        if not isinstance(key, str) or (key not in _KNOWN and not key.startswith("x_")):
            r.fail(str(key), "unknown setting (annotations must start with x_)")
    for key in ("name", "start", "horizon_weeks"):
        if key not in data:
            r.fail(key, "required setting is missing")

    name = r.text(data.get("name", "?"), "name") if "name" in data else None
    start = data.get("start")
    if "start" in data:
        try:
            parse_iso_week(str(start))
        except ValueError as exc:
            r.fail("start", str(exc))
            start = None
    horizon = data.get("horizon_weeks")
    if "horizon_weeks" in data and (
        isinstance(horizon, bool)
        or not isinstance(horizon, int)
        or not 1 <= horizon <= MAX_HORIZON_WEEKS
    ):
        r.fail(
            "horizon_weeks",
            f"must be a whole number from 1 to {MAX_HORIZON_WEEKS}, got {horizon!r}",
        )
        horizon = None
    description = data.get("description", "") or ""
    if not isinstance(description, str):
        r.fail("description", "must be text")
    currency = r.text(data.get("currency", "USD"), "currency")
    holding = r.number(data.get("holding_rate", 0.25), "holding_rate", 0.0, MAX_HOLDING_RATE)
    backlog = data.get("backlog", True)
    if not isinstance(backlog, bool):
        r.fail("backlog", f"must be true or false, got {backlog!r}")
    domestic = r.number(data.get("domestic_content_min", 0.0), "domestic_content_min", 0.0, 1.0)
    forecast_cv = (
        None
        if data.get("forecast_cv") is None
        else r.number(data.get("forecast_cv"), "forecast_cv", 0.0, 10.0)
    )
    lead_cv = r.number(data.get("lead_time_cv", LEAD_TIME_CV), "lead_time_cv", 0.0, 2.0)

    tariffs: dict[str, float] = {}
    for country, rate in r.mapping(data.get("tariffs"), "tariffs").items():
        value = r.number(rate, f"tariffs.{country}", 0.0, MAX_TARIFF)
        if not (isinstance(country, str) and len(country) == 2 and country.isupper()):
            r.fail(f"tariffs.{country}", "country must be an ISO 3166 alpha-2 code like TW")
        elif value is not None:
            tariffs[country] = value

    automation = _parse_automation(r, r.mapping(data.get("automation"), "automation"))
    solver_data = r.mapping(data.get("solver"), "solver")
    for key in solver_data:
        if key not in ("time_limit_s", "mip_gap"):
            r.fail(f"solver.{key}", "unknown setting (time_limit_s, mip_gap)")
    time_limit = r.number(
        solver_data.get("time_limit_s", 60.0),
        "solver.time_limit_s",
        0.0,
        MAX_TIME_LIMIT_S,
        lo_open=True,
    )
    gap = r.number(solver_data.get("mip_gap", 0.001), "solver.mip_gap", 0.0, 1.0)

    if r.problems:
        return None, r.problems
    assert name and start and horizon and currency is not None
    assert (
        holding is not None and domestic is not None and time_limit is not None and gap is not None
    )
    assert lead_cv is not None
    extra = {k: v for k, v in data.items() if isinstance(k, str) and k.startswith("x_")}
    config = ScenarioConfig(
        name=name,
        start=str(start).strip(),
        horizon_weeks=int(horizon),
        description=str(description),
        currency=currency,
        holding_rate=holding,
        backlog=bool(backlog),
        domestic_content_min=domestic,
        forecast_cv=forecast_cv,
        lead_time_cv=lead_cv,
        tariffs=tariffs,
        automation=automation,
        solver=SolverConfig(time_limit_s=time_limit, mip_gap=gap),
        extra=extra,
    )
    return config, []


def _parse_automation(r: _Reader, data: dict[str, Any]) -> Automation:
    levers = ("touch_time_reduction", "inspection_detect_rate", "inspection_detect_rate_today")
    for key in data:
        if key not in levers:
            r.fail(f"automation.{key}", f"unknown lever ({', '.join(levers)})")
    reduction: dict[str, float] = {}
    ttr = r.mapping(data.get("touch_time_reduction"), "automation.touch_time_reduction")
    for kind, share in ttr.items():
        key = f"automation.touch_time_reduction.{kind}"
        if kind not in _RESOURCE_KINDS:
            r.fail(key, f"unknown resource kind; use one of {', '.join(_RESOURCE_KINDS)}")
        value = r.number(share, key, 0.0, 0.99)
        if value is not None:
            reduction[str(kind)] = value
    rates = {
        key: None if data.get(key) is None else r.number(data[key], f"automation.{key}", 0.0, 1.0)
        for key in levers[1:]
    }
    return Automation(touch_time_reduction=reduction, **rates)


def dump_config(config: ScenarioConfig) -> dict[str, Any]:
    """The mapping that :func:`parse_config` reads back into an equal config."""
    out: dict[str, Any] = {
        "name": config.name,
        "description": config.description,
        "start": config.start,
        "horizon_weeks": config.horizon_weeks,
        "currency": config.currency,
        "holding_rate": config.holding_rate,
        "backlog": config.backlog,
        "domestic_content_min": config.domestic_content_min,
        "tariffs": dict(config.tariffs),
        "automation": {"touch_time_reduction": dict(config.automation.touch_time_reduction)},
        "solver": {"time_limit_s": config.solver.time_limit_s, "mip_gap": config.solver.mip_gap},
    }
    if config.forecast_cv is not None:
        out["forecast_cv"] = config.forecast_cv
    if config.lead_time_cv != LEAD_TIME_CV:
        out["lead_time_cv"] = config.lead_time_cv
    for key in ("inspection_detect_rate", "inspection_detect_rate_today"):
        if getattr(config.automation, key) is not None:
            out["automation"][key] = getattr(config.automation, key)
    out.update(config.extra)
    return out
