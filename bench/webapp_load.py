"""Load time of the web app's run page for a plan of the bundled scenario, in Chromium.

Starts ``rackforge serve`` on a new embedded store, uploads the bundled scenario, runs its plan,
then opens the run page ``--repeat`` times in headless Chromium (Playwright, Debian's browser)
and times each from navigation to the answer drawn (the ceiling, the lifts and the orders by
supplier). The peer is the API itself: fetching the same run's ``plan.json`` and
``purchase_orders.csv`` over loopback, what any client of the page must wait for.

Run:  python bench/webapp_load.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from rackforge.report.browser import find_chromium
from rackforge.scenario.io import resolve
from rackforge.service.store import canonical_archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("Chromium is not installed")
    scratch = Path(tempfile.mkdtemp(prefix="rackforge-web-"))
    env = dict(os.environ, XDG_DATA_HOME=str(scratch))
    env.pop("RACKFORGE_DB", None)

    def cli(*words: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "rackforge.cli", *words],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    cli("user", "add", "bench", "--role", "planner")
    token = cli("token", "create", "bench")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "rackforge.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(
            base_url=base + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            for _ in range(600):
                try:
                    if http.get("/me").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            bundled = resolve("us-ai-racks")
            stored = http.post(
                "/scenarios",
                files={"file": ("b.zip", canonical_archive(bundled), "application/zip")},
            ).json()
            run = http.post("/runs", json={"scenario_id": stored["id"], "job": "plan"}).json()
            while http.get(f"/runs/{run['id']}").json()["status"] in ("queued", "running"):
                time.sleep(0.5)
            api_times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                http.get(f"/runs/{run['id']}")
                http.get(f"/runs/{run['id']}/files/plan.json")
                http.get(f"/runs/{run['id']}/files/purchase_orders.csv")
                api_times.append(time.perf_counter() - start)
        page_times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for _ in range(args.repeat):
                context = browser.new_context()
                context.add_init_script(f"sessionStorage.setItem('rackforge-token', '{token}')")
                page = context.new_page()
                start = time.perf_counter()
                page.goto(f"{base}/#/runs/{run['id']}")
                page.get_by_role("heading", name="What to buy from whom").wait_for(timeout=60_000)
                page.locator("#ceiling").wait_for()
                page_times.append(time.perf_counter() - start)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
    page_s, api_s = statistics.median(page_times), statistics.median(api_times)
    print(
        f"run page of a plan of the bundled scenario, median of {args.repeat}, {os.cpu_count()} CPUs"
    )
    print()
    print("| what | median (s) | max (s) |")
    print("|---|---:|---:|")
    print(
        f"| run page drawn in Chromium (answer, lifts, orders) | {page_s:.2f} | {max(page_times):.2f} |"
    )
    print(f"| the same data from the API (peer) | {api_s:.2f} | {max(api_times):.2f} |")
    print(f"\npage / API: {page_s / api_s:.1f}x; goal: page under 2 s")


if __name__ == "__main__":
    main()
