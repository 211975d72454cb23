"""Faults: a worker or the server killed with SIGKILL mid-run, a lost run retried once and
then failed, two writers at once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from service_helpers import auth, free_port, start_server, stop_server, zipped
from sqlalchemy import func, select, update

from rackforge.scenario import load_scenario
from rackforge.scenario.io import resolve
from rackforge.service import queue
from rackforge.service.db import Run, Version, store
from rackforge.service.worker import work

BUNDLED = resolve("us-ai-racks")  # a plan of several seconds: long enough to kill mid-run


def _wait(predicate, timeout: float = 60.0, step: float = 0.1):  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def _run_children(run_id: int) -> list[int]:
    """Processes running the command line for ``run_id`` (found by their scratch folder)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"rackforge-run-{run_id}-".encode() in cmdline:
            found.append(int(pid))
    return found


def _status(url: str, run_id: int) -> Run:
    with store(url) as factory, factory() as session:
        run = session.get(Run, run_id)
        assert run is not None
        return run


def _submit(client: httpx.Client | object, token: str) -> int:
    stored = client.post(  # type: ignore[attr-defined]
        "/api/v1/scenarios",
        files={"file": ("b.zip", zipped(BUNDLED), "application/zip")},
        headers=auth(token),
    ).json()
    created = client.post(  # type: ignore[attr-defined]
        "/api/v1/runs",
        json={"scenario_id": stored["id"], "job": "plan", "options": {"with_ceiling": False}},
        headers=auth(token),
    )
    assert created.status_code == 202, created.text
    return int(created.json()["id"])


def test_a_worker_killed_mid_run_leaves_the_run_queued_again_then_done(
    client: object, tokens: dict[str, str], store_url: str
) -> None:
    run_id = _submit(client, tokens["planner"])
    worker = subprocess.Popen(
        [sys.executable, "-m", "rackforge.cli", "worker", "--db", store_url, "--lease", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: _status(store_url, run_id).status == "running" and _run_children(run_id))
        time.sleep(0.5)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    _wait(lambda: not _run_children(run_id), timeout=10)  # its child went with it
    assert _status(store_url, run_id).status == "running"  # until the lease runs out
    time.sleep(2.2)
    assert work(store_url, once=True, lease_s=2, beat_s=0.2) == 1  # reclaims, then runs it
    run = _status(store_url, run_id)
    assert run.status == "succeeded" and run.attempts == 2, run.error
    assert "queued again" in (run.error or "") or run.error is None


def test_a_run_lost_twice_is_failed_not_running_forever(
    client: object, tokens: dict[str, str], store_url: str
) -> None:
    run_id = _submit(client, tokens["planner"])
    with store(store_url) as factory:
        for attempt in (1, 2):
            assert queue.claim(factory, "ghost") == run_id
            with factory.begin() as session:
                old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
                session.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=old))
            assert queue.reclaim(factory, lease_s=30) == [run_id]
            expected = "queued" if attempt == 1 else "failed"
            assert _status(store_url, run_id).status == expected
    assert "2 attempts" in (_status(store_url, run_id).error or "")


def test_two_workers_never_claim_the_same_run(
    client: object, tokens: dict[str, str], store_url: str
) -> None:
    ids = [_submit(client, tokens["planner"]) for _ in range(3)]
    claimed: list[int] = []
    with store(store_url) as factory:

        def grab() -> None:
            while (run_id := queue.claim(factory, threading.current_thread().name)) is not None:
                claimed.append(run_id)

        threads = [threading.Thread(target=grab) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(claimed) == ids


def test_concurrent_whatifs_get_distinct_versions(
    client: object, tokens: dict[str, str], store_url: str
) -> None:
    stored = client.post(  # type: ignore[attr-defined]
        "/api/v1/scenarios",
        files={"file": ("t.zip", zipped(resolve("tiny")), "application/zip")},
        headers=auth(tokens["planner"]),
    ).json()
    statuses: list[int] = []

    def edit(units: int) -> None:
        response = client.post(  # type: ignore[attr-defined]
            f"/api/v1/scenarios/{stored['id']}/whatif",
            json={"events": [f"plant-a:2026-W02:1:0.{units}"]},
            headers=auth(tokens["planner"]),
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=edit, args=(k,)) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 4, statuses
    with store(store_url) as factory, factory() as session:
        numbers = session.scalars(
            select(Version.number).where(Version.scenario_id == stored["id"])
        ).all()
        assert sorted(numbers) == [1, 2, 3, 4, 5]
        assert session.scalar(select(func.count()).select_from(Version)) == 5


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_server_killed_mid_run_loses_nothing(tokens: dict[str, str], store_url: str) -> None:
    port = free_port()
    serve = ("--db", store_url, "--workers", "1", "--lease", "2")
    server = start_server(port, *serve)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            run_id = _submit(http, tokens["planner"])
            _wait(lambda: _status(store_url, run_id).status == "running", timeout=60)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        _wait(lambda: not _run_children(run_id), timeout=10)  # the workers went with it
        server = start_server(port, *serve)
        with httpx.Client(base_url=base, timeout=30) as http:

            def finished() -> dict | None:
                run = http.get(f"/api/v1/runs/{run_id}", headers=auth(tokens["viewer"])).json()
                return run if run["status"] in queue.FINAL else None

            done = _wait(finished, timeout=120, step=0.5)
            assert done["status"] == "succeeded" and done["attempts"] == 2, done
            listed = http.get("/api/v1/scenarios", headers=auth(tokens["viewer"])).json()
            assert [s["name"] for s in listed] == [load_scenario(BUNDLED).config.name]
    finally:
        stop_server(server)


def test_a_run_the_worker_cannot_start_is_failed_and_the_worker_goes_on(
    client: object, tokens: dict[str, str], store_url: str
) -> None:
    bad, good = _submit(client, tokens["planner"]), _submit(client, tokens["planner"])
    with store(store_url) as factory, factory.begin() as session:  # options no command takes
        session.execute(update(Run).where(Run.id == bad).values(options={"no_such_option": 1}))
    assert work(store_url, once=True, beat_s=0.2) == 2
    failed, done = _status(store_url, bad), _status(store_url, good)
    assert failed.status == "failed" and "no_such_option" in (failed.error or "")
    assert done.status == "succeeded"
