"""The web app in a real browser: Playwright driving Debian's Chromium against `rackforge
serve` on the embedded default (SQLite, local workers).

The whole loop a planner does: sign in, upload tiny, see a located error for a bad upload, run
a plan and follow it to the end, read the ceiling and the orders, make a what-if by an event,
compare it with the base, run the whole job and download its workbook. Every request must stay
on the loopback server and no page may log a console error. A screenshot of each page is kept
under ``test-output/webapp/`` (``RACKFORGE_TEST_OUTPUT`` moves it): the CI artifacts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from service_helpers import bad_tiny, free_port, start_server, stop_server, zipped

from rackforge.report.browser import find_chromium
from rackforge.scenario.io import resolve

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
SHOTS = Path(os.environ.get("RACKFORGE_TEST_OUTPUT", "test-output")) / "webapp"


#: Answers the app asks for and shows (a wrong token at sign-in, a refused upload or what-if),
#: which Chromium also logs as "Failed to load resource"; any other console error fails.
HANDLED = ("status of 401 (Unauthorized)", "status of 422 (Unprocessable Entity)")


def _unexpected(message: Any) -> bool:
    text = str(message.text)
    return message.type == "error" and not (
        text.startswith("Failed to load resource") and text.endswith(HANDLED)
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``rackforge serve`` on the embedded default in a scratch data folder: (URL, token)."""
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    env.pop("RACKFORGE_DB", None)

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "rackforge.cli", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    cli("user", "add", "ana", "--role", "planner")
    token = cli("token", "create", "ana")
    port = free_port()
    server = start_server(port, "--workers", "2", env=env)
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        stop_server(server)


def test_the_planners_loop_in_the_browser(server: tuple[str, str], tmp_path: Path) -> None:
    base, token = server
    good = tmp_path / "tiny.zip"
    good.write_bytes(zipped(resolve("tiny"), "tiny/"))
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    errors: list[str] = []
    outside: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(accept_downloads=True)
        page.set_default_timeout(120_000)
        page.on("console", lambda m: errors.append(m.text) if _unexpected(m) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def only_loopback(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if url.startswith(base) or url.startswith(("data:", "blob:", "about:")):
                route.continue_()  # type: ignore[attr-defined]
            else:
                outside.append(url)
                route.abort()  # type: ignore[attr-defined]

        page.route("**/*", only_loopback)

        def shot(name: str) -> None:
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

        try:
            _loop(page, base, token, good, tmp_path, shot)
        except Exception:
            shot("failure")
            raise
        finally:
            browser.close()
    assert not outside, outside
    assert not errors, errors


def _loop(
    page: Any, base: str, token: str, good: Path, tmp_path: Path, shot: Callable[[str], None]
) -> None:
    """Every step of the planner's loop on ``page`` (a Playwright page)."""
    page.goto(base + "/")
    page.get_by_label("Access token").fill("rf_wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("That token is not valid.").wait_for()
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("ana (planner)").wait_for()
    shot("1-scenarios-empty")

    bad = tmp_path / "bad.zip"
    bad.write_bytes(bad_tiny(tmp_path))
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Upload").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "demand.csv" in alert.inner_text()
    row = alert.locator("tbody tr").first.locator("td")
    assert row.nth(0).inner_text() == "2" and row.nth(1).inner_text() == "qty"
    shot("2-upload-problems")

    page.get_by_label("File").set_input_files(str(good))
    page.get_by_label("Message").fill("week 49")
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Scenario tiny").wait_for()
    page.locator("#browse-table").select_option("demand")
    page.get_by_role("button", name="sort by qty").click()
    page.get_by_text("rows 1–").wait_for()
    shot("3-scenario")

    def start(job: str, version: str | None = None, **options: str) -> None:
        page.locator("#run-job").select_option(job)
        if version:
            page.locator("#run-version").select_option(version)
        for name, value in options.items():
            page.locator(f"#opt-{job}-{name}").fill(value)
        page.get_by_role("button", name="Start run").click()
        page.locator(".status-succeeded").wait_for(timeout=300_000)

    start("execute", replications="2", lead_time_cv="1")
    assert "against 100% planned" in page.locator("#execute-fill").inner_text()
    page.locator("svg[aria-label='planned, made and delivered racks a week']").wait_for()
    assert "why late" in page.locator("#at-risk").inner_text()
    shot("4-executed-plan")
    page.get_by_role("link", name="Scenarios").click()
    page.get_by_role("link", name="tiny").click()
    page.get_by_role("heading", name="Scenario tiny").wait_for()

    start("plan")
    assert "racks a week" in page.locator("#ceiling").inner_text()
    page.get_by_role("heading", name="What to buy from whom").wait_for()
    assert page.locator("text=sup-tw").count() >= 1
    plan_url = page.url
    shot("4-plan-run")

    page.get_by_role("link", name="Scenarios").click()
    page.get_by_role("link", name="tiny").click()
    page.get_by_role("heading", name="Scenario tiny").wait_for()
    page.locator("#ev-target").fill("sup-tw")
    page.locator("#ev-start").fill("2026-W03")
    page.locator("#ev-weeks").fill("2")
    page.locator("#ev-factor").fill("0")
    page.get_by_role("button", name="Add event").click()
    page.get_by_text("Valid: the what-if passes every check.").wait_for()
    page.locator("#whatif-events").fill("nowhere:2026-W03:2:0")
    page.locator("#whatif-check .problems").wait_for()  # checked as you type
    page.locator("#whatif-events").fill("sup-tw:2026-W03:2:0")
    page.get_by_text("Valid: the what-if passes every check.").wait_for()
    # a cell edited in the grid becomes a cell edit of the what-if, checked at once
    page.locator("#browse-table").select_option("resources")
    units = page.locator("#main tbody tr", has_text="test-1").locator("td").nth(3)
    units.dblclick()
    page.get_by_label("new units of plant-a/test-1").fill("3")
    page.get_by_label("new units of plant-a/test-1").press("Enter")
    assert page.locator("#whatif-set").input_value() == "resources.plant-a/test-1.units=3"
    page.get_by_text("Valid: the what-if passes every check.").wait_for()
    page.get_by_role("button", name="Create what-if version").click()
    page.locator("#run-version option[value='2']").wait_for(state="attached")
    shot("5-whatif")
    start("plan", version="2")

    base_run, whatif_run = plan_url.rsplit("/", 1)[1], page.url.rsplit("/", 1)[1]
    page.get_by_role("link", name="Runs").click()
    page.get_by_label(f"select run {base_run}").check()
    page.get_by_label(f"select run {whatif_run}").check()
    page.get_by_role("button", name="Compare selected").click()
    page.get_by_role("heading", name="KPIs that differ").wait_for()
    assert "events" in page.locator("#inputs").inner_text()
    shot("6-compare")

    page.get_by_role("link", name="Scenarios").click()
    page.get_by_role("link", name="tiny").click()
    page.get_by_role("heading", name="Scenario tiny").wait_for()
    start("run", twin_weeks="1", replications="1", scenarios="64")
    page.locator("#summary li").first.wait_for()
    page.locator("#report").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download results.xlsx").click()
    saved = tmp_path / "results.xlsx"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"
    shot("7-whole-job")
