"""Read latency of the planning service under load, against the same reads when idle.

Starts ``rackforge serve`` on a new store (SQLite in a scratch folder, or ``--db URL``) with
``--workers`` local workers, uploads the tiny scenario, then measures ``--clients`` threads
polling ``GET /runs/{id}`` and ``GET /scenarios`` over loopback: first idle (the peer: the same
server and reads with nothing running), then while ``--runs`` runs execute. Prints the median,
p95 and max latency of each phase, their ratio, and the errors (any non-2xx answer).

Run:  python bench/service_load.py [--clients 20] [--runs 4] [--workers 2] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from rackforge.scenario.io import resolve
from rackforge.service.store import canonical_archive


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(db: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "rackforge.cli", *args, "--db", db],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _poll(
    base: str,
    token: str,
    paths: list[str],
    stop: threading.Event,
    out: list[float],
    errors: list[str],
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        k = 0
        while not stop.is_set():
            path = paths[k % len(paths)]
            k += 1
            start = time.perf_counter()
            try:
                response = http.get(path)
                if response.status_code >= 300:
                    errors.append(f"{path}: {response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {exc}")
            out.append(time.perf_counter() - start)


def _phase(
    base: str, token: str, paths: list[str], clients: int, until: Callable[[], None]
) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_poll, args=(base, token, paths, stop, latencies, errors))
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    until()
    stop.set()
    for t in threads:
        t.join()
    return latencies, errors


def _row(name: str, latencies: list[float], errors: list[str]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"| {name} | {len(ordered)} | {statistics.median(ordered) * 1e3:.1f} | {p95 * 1e3:.1f} | "
        f"{ordered[-1] * 1e3:.1f} | {len(errors)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="rackforge-load-"))
    db = args.db or f"sqlite:///{scratch / 'store.db'}"
    env = dict(os.environ, XDG_DATA_HOME=str(scratch))
    _cli(db, "user", "add", "bench", "--role", "planner")
    token = _cli(db, "token", "create", "bench")
    port = _port()
    base = f"http://127.0.0.1:{port}/api/v1"
    serve = f"serve --db {db} --port {port} --workers {args.workers}".split()
    server = subprocess.Popen(
        [sys.executable, "-m", "rackforge.cli", *serve], env=env, stderr=subprocess.DEVNULL
    )
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            for _ in range(600):
                try:
                    if http.get("/openapi.json").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            tiny = http.post(
                "/scenarios",
                files={"file": ("tiny.zip", canonical_archive(resolve("tiny")), "application/zip")},
            ).json()
            bundled = http.post(
                "/scenarios",
                files={
                    "file": ("b.zip", canonical_archive(resolve("us-ai-racks")), "application/zip")
                },
            ).json()
            paths = ["/scenarios", f"/scenarios/{tiny['id']}"]
            _phase(base, token, paths, args.clients, lambda: time.sleep(2.0))  # warm-up
            idle = _phase(base, token, paths, args.clients, lambda: time.sleep(args.idle_seconds))
            started = time.perf_counter()
            ids = [
                http.post(
                    "/runs",
                    json={
                        "scenario_id": bundled["id"],
                        "job": "plan",
                        "options": {"with_ceiling": False},
                    },
                ).json()["id"]
                for _ in range(args.runs)
            ]
            paths += [f"/runs/{i}" for i in ids]

            def until_done() -> None:
                while any(
                    http.get(f"/runs/{i}").json()["status"] in ("queued", "running") for i in ids
                ):
                    time.sleep(0.5)

            busy = _phase(base, token, paths, args.clients, until_done)
            seconds = time.perf_counter() - started
            states = [http.get(f"/runs/{i}").json()["status"] for i in ids]
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"{args.clients} clients, {args.runs} plan runs of the bundled scenario on "
        f"{args.workers} workers ({seconds:.1f} s, {states.count('succeeded')} succeeded), "
        f"{'PostgreSQL' if db.startswith('postgres') else 'SQLite'}, {os.cpu_count()} CPUs"
    )
    print()
    print("| phase | reads | median (ms) | p95 (ms) | max (ms) | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    print(_row("idle (peer)", *idle))
    print(_row("while runs execute", *busy))
    ratio = (
        sorted(busy[0])[int(0.95 * (len(busy[0]) - 1))]
        / sorted(idle[0])[int(0.95 * (len(idle[0]) - 1))]
    )
    print(f"\np95 under load / p95 idle: {ratio:.1f}x")


if __name__ == "__main__":
    main()
