"""Where runs execute: local processes (joblib), a Dask cluster (local or existing), or SLURM
through dask-jobqueue. Each backend is a context that yields an Executor (a function from
tasks to a stream of results); the sweep and the store are the same for all of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .execute import Executor, run_dask, run_local
from .spec import BackendSpec


@contextmanager
def open_backend(spec: BackendSpec, jobs: int, logs: Path) -> Iterator[Executor]:
    """The backend `spec` describes, ready to run tasks; closed (clusters shut down) after.
    SLURM batch jobs write their logs into the folder `logs`."""
    if spec.kind == "local":
        yield lambda tasks: run_local(tasks, jobs)
        return
    from distributed import Client

    if spec.kind == "dask" and spec.address:
        with Client(spec.address) as client:
            slots = 2 * max(sum(client.nthreads().values()), 1)
            yield lambda tasks: run_dask(tasks, client, slots)
        return
    with _cluster(spec, jobs, logs) as cluster, Client(cluster) as client:
        workers = jobs if spec.kind == "dask" else spec.slurm.jobs * spec.slurm.cores
        yield lambda tasks: run_dask(tasks, client, 2 * workers)


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
