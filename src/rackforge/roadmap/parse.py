"""Parsing and validating ``roadmap.yaml`` against its scenario.

Every problem is collected and raised at once as :class:`rackforge.scenario.ScenarioError`,
each located like ``roadmap.yaml: runs[2].mfu: must be in (0, 1], got 1.4``. The format is the
scenario contract's ``roadmap.yaml`` plus the additive extensions documented in
``docs/roadmap.md`` (``price``, ``cooling_kw``, ``name`` per generation; ``fleets``; ``site``,
``customer``, ``lead_weeks`` and ``delivery_weeks`` defaults; ``x_`` annotations).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rackforge.roadmap.compute import inference_gpus, training_flops, training_gpus
from rackforge.roadmap.model import Generation, InferenceFleet, Precision, Roadmap, TrainingRun
from rackforge.roadmap.reader import PRECISIONS, Reader, join, precision_of
from rackforge.scenario.errors import ScenarioError
from rackforge.scenario.model import Scenario
from rackforge.scenario.schema import MAX_WEEKS, ItemKind, SiteKind

DEFAULT_PUE = 1.2
DEFAULT_LEAD_WEEKS = 4
DEFAULT_DELIVERY_WEEKS = 1
#: A workload implying more GPUs than this is refused as a typo (the world had a few million).
MAX_GPUS = 1e12

_TOP = {"pue", "generations", "runs", "fleets", "site", "customer", "lead_weeks", "delivery_weeks"}
_GEN = {"item", "gpus", "pflops_per_gpu", "rack_kw", "available", "price", "cooling_kw", "name"}
_RUN = {
    "name", "flops", "params", "tokens", "precision", "mfu", "goodput", "start", "days",
    "lead_weeks", "delivery_weeks", "generation", "site", "customer",
}  # fmt: skip
_FLEET = {
    "name", "gpus", "tokens_per_s", "params", "mfu", "precision", "start", "ramp_weeks",
    "lead_weeks", "generation", "site", "customer",
}  # fmt: skip


def parse_roadmap(raw: object, scenario: Scenario) -> Roadmap:
    """The validated :class:`Roadmap` of ``raw`` (the mapping read from ``roadmap.yaml``).

    Raises :class:`ScenarioError` listing every problem; cross-checks generation items against
    the scenario's rack items and sites against its sites.
    """
    return _Parser(scenario).parse(raw)


def scenario_roadmap(scenario: Scenario) -> Roadmap | None:
    """The scenario's parsed roadmap, or None when it has no ``roadmap.yaml``."""
    return None if scenario.roadmap is None else parse_roadmap(scenario.roadmap, scenario)


def load_checked(path: str | os.PathLike[str] | None = None) -> Scenario:
    """Load a scenario and check its roadmap too: what every command and every upload to the
    service does before any work, so a bad ``roadmap.yaml`` is refused up front."""
    from rackforge.scenario import load_scenario

    scenario = load_scenario(path)
    scenario_roadmap(scenario)
    return scenario


class _Parser:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.r = Reader(scenario.config.start_date)
        items = scenario.items
        self.rack_items = {
            str(i): (float(v), str(n))
            for i, k, v, n in zip(
                items["item"], items["kind"], items["unit_value"], items["name"], strict=True
            )
            if k == ItemKind.RACK
        }
        self.all_items = set(map(str, items["item"]))
        self.sites = set(map(str, scenario.sites["site"]))

    def parse(self, raw: object) -> Roadmap:
        r = self.r
        top = r.mapping(raw, "")
        if top is None:
            raise ScenarioError(r.problems)
        r.keys(top, "", _TOP, {"generations"})
        pue = r.number(top, "pue", "", lo=1.0, hi=10.0, default=DEFAULT_PUE)
        lead = r.integer(top, "lead_weeks", "", lo=0, hi=MAX_WEEKS, default=DEFAULT_LEAD_WEEKS)
        window = r.integer(
            top, "delivery_weeks", "", lo=1, hi=MAX_WEEKS, default=DEFAULT_DELIVERY_WEEKS
        )
        site = self._site(top, "")
        customer = r.text(top, "customer", "", "")
        if site is None and top.get("site") is None:
            site = self._first_customer_site() or ""
        gens = self._generations(top.get("generations"))
        defaults = _Defaults(
            lead=lead if lead is not None else DEFAULT_LEAD_WEEKS,
            window=window if window is not None else DEFAULT_DELIVERY_WEEKS,
            site=site,
            customer=customer,
        )
        runs = [
            run
            for i, item in enumerate(r.sequence(top.get("runs"), "runs"))
            if (run := self._run(item, f"runs[{i}]", defaults, gens)) is not None
        ]
        fleets = [
            fleet
            for i, item in enumerate(r.sequence(top.get("fleets"), "fleets"))
            if (fleet := self._fleet(item, f"fleets[{i}]", defaults, gens)) is not None
        ]
        self._unique_names(top)
        if r.problems or pue is None:
            raise ScenarioError(r.problems)
        extra = {k: v for k, v in top.items() if isinstance(k, str) and k.startswith("x_")}
        return Roadmap(pue, tuple(gens.values()), tuple(runs), tuple(fleets), extra)

    # -- generations -------------------------------------------------------------------------

    def _generations(self, value: object) -> dict[str, Generation]:
        r = self.r
        gens: dict[str, Generation] = {}
        items = r.sequence(value, "generations")
        if value is not None and isinstance(value, list) and not items:
            r.fail("generations", "must list at least one rack generation")
        for i, raw in enumerate(items):
            path = f"generations[{i}]"
            m = r.mapping(raw, path)
            if m is None:
                continue
            r.keys(m, path, _GEN, {"item", "gpus", "pflops_per_gpu", "rack_kw"})
            item = r.ident(m, "item", path)
            gpus = r.integer(m, "gpus", path, lo=1, hi=1_000_000, default=None)
            peaks = self._peaks(m.get("pflops_per_gpu"), join(path, "pflops_per_gpu"))
            rack_kw = r.number(m, "rack_kw", path, lo=0.0, hi=100_000.0, lo_open=True)
            available = r.week(m, "available", path)
            price = r.number(m, "price", path, lo=0.0, hi=1e12)
            cooling = r.number(m, "cooling_kw", path, lo=0.0, hi=100_000.0)
            name = r.text(m, "name", path, "")
            if item is not None and item in gens:
                r.fail(join(path, "item"), f"generation {item!r} is listed twice")
                continue
            if item is not None and item not in self.rack_items:
                kind = "is not of kind rack" if item in self.all_items else "is no item"
                r.fail(join(path, "item"), f"{item!r} {kind} in items.csv")
                continue
            if item is None or gpus is None or peaks is None or rack_kw is None:
                continue
            unit_value, item_name = self.rack_items[item]
            gens[item] = Generation(
                item=item,
                gpus=gpus,
                pflops_per_gpu=peaks,
                rack_kw=rack_kw,
                available=available,
                price=unit_value if price is None else price,
                cooling_kw=rack_kw if cooling is None else cooling,
                name=name or item_name,
            )
        return gens

    def _peaks(self, value: object, path: str) -> dict[Precision, float] | None:
        r = self.r
        m = r.mapping(value, path)
        if m is None:
            return None
        if not m:
            r.fail(path, f"must give at least one peak, e.g. fp8: 5.0 (precisions: {PRECISIONS})")
            return None
        peaks: dict[Precision, float] = {}
        ok = True
        for key in m:
            precision = precision_of(key)
            if precision is None:
                r.fail(join(path, str(key)), f"unknown precision (known: {PRECISIONS})")
                ok = False
            elif m[key] is None:
                r.fail(join(path, key), "must be a number of PFLOP/s")
                ok = False
            elif (pf := r.number(m, key, path, lo=0.0, hi=1e6, lo_open=True)) is None:
                ok = False
            else:
                peaks[precision] = pf
        return peaks if ok else None

    # -- runs and fleets ---------------------------------------------------------------------

    def _run(
        self, raw: object, path: str, d: _Defaults, gens: dict[str, Generation]
    ) -> TrainingRun | None:
        r = self.r
        m = r.mapping(raw, path)
        if m is None:
            return None
        r.keys(m, path, _RUN, {"name", "precision", "mfu", "start", "days"})
        name = r.ident(m, "name", path)
        size = self._run_flops(m, path)
        precision = self._precision(m, path)
        mfu = r.number(m, "mfu", path, lo=0.0, hi=1.0, lo_open=True)
        goodput = r.number(m, "goodput", path, lo=0.0, hi=1.0, lo_open=True, default=1.0)
        start = r.week(m, "start", path)
        days = r.number(m, "days", path, lo=0.0, hi=36_500.0, lo_open=True)
        lead = r.integer(m, "lead_weeks", path, lo=0, hi=MAX_WEEKS, default=d.lead)
        window = r.integer(m, "delivery_weeks", path, lo=1, hi=MAX_WEEKS, default=d.window)
        where = self._placement(m, path, d)
        generation = self._pinned(m, path, gens, precision)
        if (
            name is None
            or size is None
            or precision is None
            or mfu is None
            or goodput is None
            or start is None
            or days is None
            or lead is None
            or window is None
            or where is None
        ):
            return None
        flops, params, tokens = size
        for gen in gens.values():
            peak = gen.peak_flops(precision)
            if peak is not None and training_gpus(flops, peak, mfu, days, goodput) > MAX_GPUS:
                r.fail(path, f"implies more than {MAX_GPUS:g} GPUs of {gen.item}; check flops")
                return None
        return TrainingRun(
            name=name,
            flops=flops,
            precision=precision,
            mfu=mfu,
            goodput=goodput,
            start=start,
            days=days,
            lead_weeks=lead,
            delivery_weeks=window,
            site=where[0],
            customer=where[1] or name,
            generation=generation,
            params=params,
            tokens=tokens,
        )

    def _run_flops(
        self, m: Mapping[Any, Any], path: str
    ) -> tuple[float, float | None, float | None] | None:
        """(flops, params, tokens): given flops, or 6 * params * tokens."""
        r = self.r
        has_flops = m.get("flops") is not None
        has_size = m.get("params") is not None or m.get("tokens") is not None
        if has_flops and has_size:
            r.fail(join(path, "flops"), "give flops, or params and tokens, not both")
            return None
        if not has_flops and not has_size:
            r.fail(join(path, "flops"), "required: flops, or params and tokens")
            return None
        if has_flops:
            flops = r.number(m, "flops", path, lo=0.0, hi=1e40, lo_open=True)
            return None if flops is None else (flops, None, None)
        params = r.number(m, "params", path, lo=0.0, hi=1e16, lo_open=True)
        tokens = r.number(m, "tokens", path, lo=0.0, hi=1e18, lo_open=True)
        for key, other in (("params", "tokens"), ("tokens", "params")):
            if m.get(key) is None:
                r.fail(join(path, key), f"required with {other}")
        if params is None or tokens is None:
            return None
        return training_flops(params, tokens), params, tokens

    def _fleet(
        self, raw: object, path: str, d: _Defaults, gens: dict[str, Generation]
    ) -> InferenceFleet | None:
        r = self.r
        m = r.mapping(raw, path)
        if m is None:
            return None
        r.keys(m, path, _FLEET, {"name", "precision", "start"})
        name = r.ident(m, "name", path)
        precision = self._precision(m, path)
        start = r.week(m, "start", path)
        ramp = r.integer(m, "ramp_weeks", path, lo=1, hi=MAX_WEEKS, default=1)
        lead = r.integer(m, "lead_weeks", path, lo=0, hi=MAX_WEEKS, default=d.lead)
        where = self._placement(m, path, d)
        generation = self._pinned(m, path, gens, precision)
        gpus = r.integer(m, "gpus", path, lo=1, hi=int(MAX_GPUS), default=None)
        rate = r.number(m, "tokens_per_s", path, lo=0.0, hi=1e15, lo_open=True)
        params = r.number(m, "params", path, lo=0.0, hi=1e16, lo_open=True)
        mfu = r.number(m, "mfu", path, lo=0.0, hi=1.0, lo_open=True)
        sized = self._fleet_size(m, path, gpus, rate, params, mfu)
        if (
            name is None
            or precision is None
            or start is None
            or ramp is None
            or lead is None
            or where is None
            or not sized
        ):
            return None
        if rate is not None and params is not None and mfu is not None:
            for gen in gens.values():
                peak = gen.peak_flops(precision)
                if peak is not None and inference_gpus(rate, params, peak, mfu) > MAX_GPUS:
                    r.fail(path, f"implies more than {MAX_GPUS:g} GPUs of {gen.item}")
                    return None
        return InferenceFleet(
            name=name,
            precision=precision,
            start=start,
            ramp_weeks=ramp,
            lead_weeks=lead,
            site=where[0],
            customer=where[1] or name,
            gpus=gpus,
            tokens_per_s=rate,
            params=params,
            mfu=mfu,
            generation=generation,
        )

    def _fleet_size(
        self,
        m: Mapping[Any, Any],
        path: str,
        gpus: int | None,
        rate: float | None,
        params: float | None,
        mfu: float | None,
    ) -> bool:
        """Either ``gpus``, or ``tokens_per_s`` with ``params`` and ``mfu``; True if usable."""
        r = self.r
        given = {k for k in ("gpus", "tokens_per_s", "params", "mfu") if m.get(k) is not None}
        if "gpus" in given and given & {"tokens_per_s", "params", "mfu"}:
            r.fail(join(path, "gpus"), "give gpus, or tokens_per_s with params and mfu, not both")
            return False
        if "gpus" in given:
            return gpus is not None
        if not given:
            r.fail(join(path, "gpus"), "required: gpus, or tokens_per_s with params and mfu")
            return False
        for key in ("tokens_per_s", "params", "mfu"):
            if key not in given:
                r.fail(join(path, key), "required with tokens_per_s, params and mfu")
        return None not in (rate, params, mfu)

    # -- shared fields -----------------------------------------------------------------------

    def _precision(self, m: Mapping[Any, Any], path: str) -> Precision | None:
        if m.get("precision") is None:
            return None  # a required key: already reported as missing
        precision = precision_of(m["precision"])
        if precision is None:
            self.r.fail(join(path, "precision"), f"{m['precision']!r} is not one of {PRECISIONS}")
        return precision

    def _pinned(
        self,
        m: Mapping[Any, Any],
        path: str,
        gens: dict[str, Generation],
        precision: Precision | None,
    ) -> str | None:
        """The pinned generation (None when the tool chooses); checks it can run ``precision``."""
        item = self.r.ident(m, "generation", path)
        if item is None:
            if (
                precision is not None
                and gens
                and all(g.peak_flops(precision) is None for g in gens.values())
            ):
                self.r.fail(
                    join(path, "precision"),
                    f"no generation has a {precision.value} peak in pflops_per_gpu",
                )
            return None
        where = join(path, "generation")
        if item not in gens:
            listed = ", ".join(gens) or "none valid"
            self.r.fail(where, f"{item!r} is not a generation of this roadmap ({listed})")
        elif precision is not None and gens[item].peak_flops(precision) is None:
            self.r.fail(where, f"{item!r} has no {precision.value} peak in pflops_per_gpu")
        return item

    def _site(self, m: Mapping[Any, Any], path: str) -> str | None:
        site = self.r.ident(m, "site", path)
        if site is not None and site not in self.sites:
            self.r.fail(join(path, "site"), f"{site!r} is not a site in sites.csv")
            return None
        return site

    def _placement(self, m: Mapping[Any, Any], path: str, d: _Defaults) -> tuple[str, str] | None:
        """(site, customer) of a run or fleet; its own, else the roadmap's."""
        if m.get("site") is not None:
            site = self._site(m, path)
        elif d.site:
            site = d.site
        else:
            if d.site == "":
                self.r.fail(join(path, "site"), "no site given and no customer site in sites.csv")
            site = None
        customer = self.r.text(m, "customer", path, d.customer)
        return None if site is None else (site, customer)

    def _first_customer_site(self) -> str | None:
        sites = self.scenario.sites
        customers = sites.loc[sites["kind"] == SiteKind.CUSTOMER, "site"]
        return str(customers.iloc[0]) if len(customers) else None

    def _unique_names(self, top: Mapping[Any, Any]) -> None:
        seen: dict[str, str] = {}
        for section in ("runs", "fleets"):
            entries = top.get(section)
            if not isinstance(entries, list):
                continue
            for i, entry in enumerate(entries):
                name = entry.get("name") if isinstance(entry, dict) else None
                if not isinstance(name, str):
                    continue
                where = f"{section}[{i}]"
                if name in seen:
                    self.r.fail(join(where, "name"), f"{name!r} is already used by {seen[name]}")
                else:
                    seen[name] = where


@dataclass(frozen=True)
class _Defaults:
    """Roadmap-wide defaults of the per-run keys; ``site`` None when the roadmap's own ``site``
    was invalid (already reported), "" when there is no default site."""

    lead: int
    window: int
    site: str | None
    customer: str
