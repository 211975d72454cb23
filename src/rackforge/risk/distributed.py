"""Running the stress test's chunks on a Dask cluster.

The simulation model is scattered to the workers once; each chunk is one task. Chunk boundaries
and random streams do not depend on the number of workers (see
:mod:`rackforge.risk.disruptions`), and results are gathered back in chunk order, so a local
cluster, a remote one and a single process give the same answer for the same seed.

``dask.distributed`` is an optional dependency (``pip install rackforge[dask]``); it is
imported only when a cluster is used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from rackforge.risk.options import StressOptions
from rackforge.risk.simulate import ChunkOutcome, SimModel
from rackforge.risk.stress import ChunkRunner, ChunkSpec, Progress, simulate_chunk

T = TypeVar("T")

#: The address that means "start a LocalCluster here".
LOCAL = "local"


@contextlib.contextmanager
def dask_client(address: str = LOCAL, workers: int = 2, processes: bool = True) -> Iterator[Any]:
    """A ``distributed.Client``: on a new ``LocalCluster`` of ``workers`` single-threaded
    workers (``processes=False`` keeps them in this process) when ``address`` is ``"local"``,
    else connected to the scheduler at ``address``. Closed on exit."""
    from distributed import Client, LocalCluster

    if address == LOCAL:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        )
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
    else:
        with Client(address) as client:  # type: ignore[no-untyped-call]
            yield client


def in_order(
    client: Any,
    fn: Callable[..., T],
    shared: Any,
    tasks: Sequence[Any],
    extra: tuple[Any, ...] = (),
    progress: Progress | None = None,
) -> list[T]:
    """``fn(shared, task, *extra)`` for every task, as tasks of ``client``: ``shared`` is
    scattered to the workers once, the results come back in the order of ``tasks`` and
    ``progress(done, total)`` counts them as they finish."""
    from distributed import as_completed

    scattered = client.scatter(shared, broadcast=True)
    futures = [client.submit(fn, scattered, task, *extra, pure=False) for task in tasks]
    index = {future.key: i for i, future in enumerate(futures)}
    results: list[T | None] = [None] * len(futures)
    for done, future in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
        results[index[future.key]] = future.result()
        if progress:
            progress(done, len(futures))
    return [r for r in results if r is not None]


def dask_runner(client: Any) -> ChunkRunner:
    """A chunk runner for :func:`rackforge.risk.stress.stress_test` that uses ``client``."""

    def run(
        model: SimModel, specs: list[ChunkSpec], options: StressOptions, progress: Progress | None
    ) -> list[ChunkOutcome]:
        return in_order(client, simulate_chunk, model, specs, (options,), progress)

    return run
