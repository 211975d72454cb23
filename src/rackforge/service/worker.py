"""A worker: claims queued runs and runs each as the ``rackforge`` command in a child process.

The child runs on a copy of the stored version in a scratch folder and writes its progress to
a file (``RACKFORGE_PROGRESS_FILE``), which the worker turns into heartbeats. A cancel kills
the child's process group; a killed worker takes its child with it (``PR_SET_PDEATHSIG``) and
its run is reclaimed by the lease (:func:`rackforge.service.queue.reclaim`).
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy.orm import sessionmaker

from rackforge.cli._common import EXIT_NO_PLAN, PROGRESS_FILE_ENV
from rackforge.service import queue
from rackforge.service.db import Run, Version, store
from rackforge.service.jobs import FOLDER, check, kpis
from rackforge.service.store import materialise

#: Seconds between heartbeats; a run is reclaimed after ``LEASE_S`` without one.
BEAT_S = 1.0
LEASE_S = 30.0
#: Largest file of a run kept in the store.
MAX_FILE_BYTES = 64 * 1024 * 1024
_PACKAGES = ("rackforge", "highspy", "numpy", "pandas", "scipy", "simpy")


def environment() -> dict[str, Any]:
    """The versions a run's answer depends on."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {"python": platform.python_version(), "packages": versions, "solver": "HiGHS"}


def die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Have the kernel kill this (child) process when its parent dies (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _progress(path: Path) -> dict[str, Any]:
    """The last update per task of a progress file."""
    tasks: dict[str, Any] = {}
    if not path.is_file():
        return tasks
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            update = json.loads(line)
            tasks[str(update["task"])] = {"done": update["done"], "total": update["total"]}
        except (ValueError, KeyError, TypeError):
            continue  # a line being written
    return tasks


def execute(factory: sessionmaker[Any], run_id: int, beat_s: float = BEAT_S) -> str:
    """Run a claimed run to its end state (written to the store); returns that state."""
    with factory.begin() as session:
        run = session.get(Run, run_id)
        assert run is not None
        version = session.get(Version, run.version_id)
        assert version is not None
        call = check(run.job, run.options)
        run.environment = environment()
    with tempfile.TemporaryDirectory(prefix=f"rackforge-run-{run_id}-") as scratch:
        root = Path(scratch)
        with factory() as session:
            source = materialise(session, version, root / "in")
        out = root / "out"
        out.mkdir()
        progress_file = root / "progress.jsonl"
        env = dict(os.environ, **{PROGRESS_FILE_ENV: str(progress_file), "COLUMNS": "120"})
        with open(root / "stderr.txt", "wb") as errors:
            child = subprocess.Popen(
                [sys.executable, "-m", "rackforge.cli", *call.argv(str(source), str(out))],
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
            cancelled = False
            try:
                while child.poll() is None:
                    time.sleep(beat_s)
                    if queue.heartbeat(factory, run_id, _progress(progress_file)):
                        cancelled = True
                        os.killpg(child.pid, signal.SIGKILL)
                        child.wait()
            finally:  # the store failed us mid-run: no child outlives its run
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
        code = child.returncode
        progress = _progress(progress_file)
        if cancelled:
            queue.finish(factory, run_id, "cancelled", exit_code=code, progress=progress)
            return "cancelled"
        written = [*out.iterdir(), *(out / FOLDER).glob("*")]
        files = {
            p.name: p.read_bytes()
            for p in sorted(written)
            if p.is_file() and p.stat().st_size <= MAX_FILE_BYTES
        }
        documents = {}
        for name, data in files.items():
            if name.endswith(".json"):
                try:
                    documents[name[: -len(".json")]] = json.loads(data)
                except ValueError:
                    continue
        answered = call.result_name in files and code in (0, EXIT_NO_PLAN)
        error = None
        if not answered:
            text = (root / "stderr.txt").read_text(encoding="utf-8", errors="replace")
            error = text.replace(str(source), "scenario").replace(str(root), "").strip()[-4000:]
            error = error or f"rackforge {run.job} ended with exit status {code}"
        queue.finish(
            factory,
            run_id,
            "succeeded" if answered else "failed",
            error=error,
            exit_code=code,
            files=files,
            kpis=kpis(documents),
            progress=progress,
        )
        return "succeeded" if answered else "failed"


def work(
    url: str,
    *,
    name: str | None = None,
    lease_s: float = LEASE_S,
    poll_s: float = 0.5,
    beat_s: float = BEAT_S,
    once: bool = False,
    stop: threading.Event | None = None,
) -> int:
    """Claim and execute runs until ``stop`` is set (or, with ``once``, until none is
    queued); returns how many were executed."""
    name = name or f"{socket.gethostname()}:{os.getpid()}"
    done = 0
    with store(url) as factory:
        while stop is None or not stop.is_set():
            queue.reclaim(factory, lease_s)
            run_id = queue.claim(factory, name)
            if run_id is None:
                if once:
                    break
                time.sleep(poll_s)
                continue
            try:
                execute(factory, run_id, beat_s)
            except Exception as exc:  # the worker's own failure: the run ends, the worker goes on
                queue.finish(factory, run_id, "failed", error=f"worker {name}: {exc!r}")
            done += 1
    return done
