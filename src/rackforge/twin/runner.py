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


def worker_count(options: TwinOptions) -> int:
    """Processes used: ``options.workers``, else one per core; never more than replications."""
    wanted = options.workers if options.workers is not None else (os.cpu_count() or 1)
    return max(1, min(wanted, options.replications))


def run_replications(
    spec: LineSpec, options: TwinOptions, progress: Progress | None = None
) -> list[RepStats]:
    """The raw measurements of every replication, in replication order."""
    spec.validate()
    options.validate()
    horizon = options.weeks * HOURS_PER_WEEK
    warmup = options.warmup * HOURS_PER_WEEK
    seeds = np.random.SeedSequence(options.seed).spawn(options.replications)
    total = len(seeds)
    workers = worker_count(options)
    if workers == 1:
        runs = []
        for i, ss in enumerate(seeds):
            runs.append(_one(spec, horizon, warmup, ss, options.trace))
            if progress is not None:
                progress(i + 1, total)
        return runs
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        futures = [pool.submit(_one, spec, horizon, warmup, ss, options.trace) for ss in seeds]
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, total)
        return [f.result() for f in futures]


def simulate(
    spec: LineSpec,
    options: TwinOptions | None = None,
    progress: Progress | None = None,
    notes: Sequence[str] = (),
) -> TwinResult:
    """Run the replications of ``spec`` and summarise them with confidence intervals."""
    options = options or TwinOptions()
    tick = time.perf_counter()
    runs = run_replications(spec, options, progress)
    wall = time.perf_counter() - tick
    return summarize(spec, runs, options.seed, wall, notes)
