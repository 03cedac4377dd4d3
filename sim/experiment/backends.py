"""Where runs execute: local processes (joblib), a Dask cluster (local or existing), or SLURM
through dask-jobqueue. Each backend is a context that yields a Mapper (a function from a
function and items to a stream of results); sweeps and calibrations are the same on all."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import ScenarioError
from .execute import Mapper, map_dask, map_local
from .spec import BackendSpec, address_parts

CONNECT_SECONDS = 5.0  # a scheduler that does not answer this soon is taken as unreachable


def check_backend(spec: BackendSpec) -> None:
    """Fail early, before anything is written, when the Dask scheduler `spec.address` names
    cannot be reached. Raises ScenarioError."""
    if spec.kind != "dask" or not spec.address:
        return
    host, port = address_parts(spec.address)
    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except OSError as err:
        why = err.strerror or str(err) or "timed out"
        raise ScenarioError(
            [
                f"{spec.address}: cannot reach a Dask scheduler there ({why}); "
                "nothing was written: start it (dask scheduler) or fix the address, then rerun"
            ]
        ) from None


@contextmanager
def open_backend(spec: BackendSpec, jobs: int, logs: Path) -> Iterator[Mapper]:
    """The backend `spec` describes, ready to run tasks; closed (clusters shut down) after.
    SLURM batch jobs write their logs into the folder `logs`."""
    if spec.kind == "local":
        yield lambda fn, items: map_local(fn, items, jobs)
        return
    from distributed import Client

    if spec.kind == "dask" and spec.address:
        with Client(spec.address) as client:
            slots = 2 * max(sum(client.nthreads().values()), 1)
            yield lambda fn, items: map_dask(fn, items, client, slots)
        return
    with _cluster(spec, jobs, logs) as cluster, Client(cluster) as client:
        workers = jobs if spec.kind == "dask" else spec.slurm.jobs * spec.slurm.cores
        yield lambda fn, items: map_dask(fn, items, client, 2 * workers)


@contextmanager
def _cluster(spec: BackendSpec, jobs: int, logs: Path) -> Iterator:
    """A LocalCluster of `jobs` single-threaded worker processes on 127.0.0.1, or a
    SLURMCluster whose batch jobs each start `cores` single-threaded workers."""
    if spec.kind == "dask":
        from distributed import LocalCluster

        with LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,  # the model holds the GIL: one run per process
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            yield cluster
        return
    from dask_jobqueue import SLURMCluster

    s = spec.slurm
    with SLURMCluster(
        queue=s.queue,
        account=s.account,
        cores=s.cores,
        processes=s.cores,
        memory=s.memory,
        walltime=s.walltime,
        job_extra_directives=s.job_extra,
        log_directory=str(logs),
        scheduler_options={"host": s.scheduler_host, "dashboard_address": None},
    ) as cluster:
        if s.adaptive:
            cluster.adapt(minimum_jobs=1, maximum_jobs=s.jobs)
        else:
            cluster.scale(jobs=s.jobs)
        yield cluster
