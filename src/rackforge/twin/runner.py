"""Replications: independent random streams, run serially or on a pool of processes.

Replication ``i`` uses ``SeedSequence(seed).spawn(R)[i]`` and nothing else, so its result
does not depend on how many processes ran the others, nor in which order they finished.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

from rackforge.twin.line import run_replication
from rackforge.twin.options import TwinOptions
from rackforge.twin.repstats import RepStats
from rackforge.twin.results import TwinResult
from rackforge.twin.spec import HOURS_PER_WEEK, LineSpec
from rackforge.twin.summary import summarize

#: ``progress(done, total)``, called in the calling process as replications finish.
Progress = Callable[[int, int], None]


def _one(
    spec: LineSpec, horizon_h: float, warmup_h: float, seed: np.random.SeedSequence, trace: bool
) -> RepStats:
    return run_replication(spec, horizon_h, warmup_h, seed, trace)


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` where the platform has it and this process runs a single thread (fast, and
    scripts need no ``if __name__ == "__main__"`` guard); otherwise ``spawn`` (a clean
    interpreter: forking a process that holds threads may deadlock)."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def worker_count(options: TwinOptions, tasks: int | None = None) -> int:
    """Processes used: ``options.workers``, else one per core; never more than the tasks
    (``options.replications`` unless given)."""
    wanted = options.workers if options.workers is not None else (os.cpu_count() or 1)
    return max(1, min(wanted, options.replications if tasks is None else tasks))


#: A line to simulate with its options: one element of :func:`run_lines`.
Job = tuple[LineSpec, TwinOptions]


def run_lines(jobs: Sequence[Job], progress: Progress | None = None) -> list[list[RepStats]]:
    """The raw measurements of every replication of every line, each line's in replication
    order. The replications of all lines share one pool (the workers of the first job's
    options), so that two lines of three replications on two cores take three rounds, not
    four; ``progress(done, total)`` counts them all."""
    if not jobs:
        return []
    tasks = []
    for k, (spec, options) in enumerate(jobs):
        spec.validate()
        options.validate()
        horizon = options.weeks * HOURS_PER_WEEK
        warmup = options.warmup * HOURS_PER_WEEK
        for ss in np.random.SeedSequence(options.seed).spawn(options.replications):
            tasks.append((k, (spec, horizon, warmup, ss, options.trace)))
    runs: list[list[RepStats]] = [[] for _ in jobs]
    workers = worker_count(jobs[0][1], len(tasks))
    if workers == 1:
        for done, (k, args) in enumerate(tasks, start=1):
            runs[k].append(_one(*args))
            if progress is not None:
                progress(done, len(tasks))
        return runs
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        futures = [(k, pool.submit(_one, *args)) for k, args in tasks]
        for done, _ in enumerate(as_completed(f for _, f in futures), start=1):
            if progress is not None:
                progress(done, len(tasks))
        for k, f in futures:
            runs[k].append(f.result())
    return runs


def run_replications(
    spec: LineSpec, options: TwinOptions, progress: Progress | None = None
) -> list[RepStats]:
    """The raw measurements of every replication, in replication order."""
    return run_lines([(spec, options)], progress)[0]


def simulate_lines(
    jobs: Sequence[Job], progress: Progress | None, notes: Sequence[Sequence[str]]
) -> list[TwinResult]:
    """Simulate several lines on one pool (:func:`run_lines`) and summarise each; its
    ``wall_s`` is the wall time of them all. ``notes[k]``: the notes of line ``k``."""
    tick = time.perf_counter()
    runs = run_lines(jobs, progress)
    wall = time.perf_counter() - tick
    return [
        summarize(spec, rs, options.seed, wall, line_notes)
        for (spec, options), rs, line_notes in zip(jobs, runs, notes, strict=True)
    ]


def simulate(
    spec: LineSpec,
    options: TwinOptions | None = None,
    progress: Progress | None = None,
    notes: Sequence[str] = (),
) -> TwinResult:
    """Run the replications of ``spec`` and summarise them with confidence intervals."""
    return simulate_lines([(spec, options or TwinOptions())], progress, [notes])[0]
