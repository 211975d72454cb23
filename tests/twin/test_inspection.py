"""Inspection steps and the detect rate: caught defects are reworked or scrapped, missed
ones travel to the next inspection or escape. Expected shares are derived by hand in each
docstring from the model stated in ``rackforge.twin.line``."""

from __future__ import annotations

from dataclasses import replace

from twin_theory import assert_close, line, run

from rackforge.twin import Release, Station, Step


def shares(result: object, key: str) -> list[float]:
    runs = result.runs  # type: ignore[attr-defined]
    return [getattr(r, key)[0] / r.route_released[0] for r in runs]


def test_one_inspection_catches_its_share_of_defects() -> None:
    """Yield 0.8, detect 0.6, scrap on failure: scrapped (1-y) d = 0.12, escaped
    (1-y)(1-d) = 0.08 of the released units."""
    spec = line(
        [Station("S", units=3)],
        [Step(0, 0.1, yield_=0.8, inspection=True)],
        Release.poisson(5.0),
    )
    result = run(replace(spec, detect_rate=0.6), weeks=10, replications=8)
    assert_close(shares(result, "route_scrapped"), 0.12, rel=0.05)
    assert_close(shares(result, "route_escaped"), 0.08, rel=0.06)
    # levers off: every defect is caught, nothing escapes
    off = run(spec, weeks=10, replications=8)
    assert_close(shares(off, "route_scrapped"), 0.2, rel=0.04)
    assert off.totals.escaped_units.mean == 0


def test_missed_defects_meet_the_next_inspection() -> None:
    """Two inspections (yields 0.8 then 0.9, detect 0.6, scrap on failure).

    First: scrap 0.2 x 0.6 = 0.12; carried on 0.2 x 0.4 = 0.08. Second: defective are the
    carried 0.08 plus fresh 0.8 x 0.1 = 0.08; scrap 0.16 x 0.6 = 0.096, escape
    0.16 x 0.4 = 0.064. In all: scrap 0.216, escapes 0.064."""
    spec = line(
        [Station("S", units=3), Station("S", units=3)],
        [Step(0, 0.1, yield_=0.8, inspection=True), Step(1, 0.1, yield_=0.9, inspection=True)],
        Release.poisson(5.0),
    )
    result = run(replace(spec, detect_rate=0.6), weeks=10, replications=8)
    assert_close(shares(result, "route_scrapped"), 0.216, rel=0.04)
    assert_close(shares(result, "route_escaped"), 0.064, rel=0.08)


def test_caught_defects_are_reworked_and_rework_repairs_them() -> None:
    """Yield 0.9, detect 0.5, rework to the same step: each visit ends clean 0.9, escaped
    0.05 or reworked 0.05; so per unit released 0.05 / 0.95 escape and the mean number of
    reworks is 0.05 / 0.95."""
    spec = line(
        [Station("S", units=3)],
        [Step(0, 0.1, yield_=0.9, rework_to=0, inspection=True)],
        Release.poisson(5.0),
    )
    result = run(replace(spec, detect_rate=0.5), weeks=40, replications=8)
    assert_close(shares(result, "route_escaped"), 0.05 / 0.95, rel=0.07)
    assert_close(shares(result, "route_reworked"), 0.05 / 0.95, rel=0.07)
