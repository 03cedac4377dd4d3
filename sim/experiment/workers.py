"""Local worker processes that start with the model imported: joblib's workers are forked
from one server process (a forkserver) that imports the model once, started as a command
begins when it will run on local processes, so that those imports (about a second) overlap
the parent's own instead of every worker making them after the plan is ready. Importing this
module loads no model (sim.experiment's names are imported when first used)."""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing import forkserver

GLANCE_BYTES = 1 << 20  # how much of an experiment file `start_early` reads (not /dev/zero)

# what a worker needs; `sim.cli` is what `run.py`, the parent's main module, imports again;
# Mesa first (see sim/cli/run.py: its import walks the stack, quicker from a short one)
PRELOAD = ["mesa", "sim.cli", "sim.experiment.execute", "sim.model.runner", "sim.model.checkpoint"]
# the server's environment where the user has not set these: one thread per library (one run
# per process, as the model holds the GIL), so that the server forks its workers with no other
# thread running (pyarrow's allocator starts one unless told not to)
SERVER_ENVIRONMENT = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}


def start(kind: str, jobs: int) -> bool:
    """Start the server when the runs go to more than one local process (True if it runs);
    calling it again once it runs does nothing."""
    return kind == "local" and jobs > 1 and start_forkserver()


def start_early(experiment: str, jobs: int | None, kind: str | None) -> bool:
    """`start`, before the experiment is loaded: from the flags (`jobs`, backend `kind`) or
    else a quick look at the file. Its imports then overlap all of the command's own, which
    gains about a second more. The look does not check the file: the command calls `start`
    again once it has, and a server started on a wrong guess only imports on a spare core."""
    backend = _backend_in(experiment)
    if backend is None:
        return False  # loading the experiment reports what is wrong with it
    kind = kind or backend.get("kind", "local")
    jobs = jobs or backend.get("jobs") or os.cpu_count() or 1
    return isinstance(kind, str) and isinstance(jobs, int) and start(kind, jobs)


def _backend_in(experiment: str) -> dict | None:
    """The file's `backend` mapping at a glance ({} if it has none; None if the file is not
    a mapping with a mapping there): YAML alone, none of the scenario's libraries."""
    import yaml

    try:
        with open(experiment, "rb") as file:
            data = yaml.safe_load(file.read(GLANCE_BYTES))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    backend = (data.get("backend") or {}) if isinstance(data, dict) else None
    return backend if isinstance(backend, dict) else None


def start_for_command(argv: list[str]) -> bool:
    """`start_early` from a command line not yet parsed, before the commands are imported
    (sim.cli.main): for `sweep FILE.yaml` with `--jobs N` and `--backend KIND` where given,
    and `compare` (always on local processes). A guess like start_early's, and for the same
    reason: the parser checks the flags later."""
    jobs = _flag(argv, "--jobs")
    if not argv or "--dry-run" in argv or (jobs is not None and not jobs.isdigit()):
        return False
    jobs = int(jobs) if jobs else None
    if argv[0] == "compare":
        return start("local", jobs or os.cpu_count() or 1)
    files = [a for a in argv[1:] if a.lower().endswith((".yaml", ".yml"))]
    if argv[0] != "sweep" or not files:
        return False
    return start_early(files[0], jobs, _flag(argv, "--backend"))


def _flag(argv: list[str], name: str) -> str | None:
    """The value of `--name VALUE` or `--name=VALUE` in `argv` (the last given), else None."""
    found = None
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith(name + "="):
            found = arg.partition("=")[2]
    return found


def start_forkserver() -> bool:
    """Start the server the local workers fork from and have joblib use it; False where the
    platform has none (Windows): the workers then import the model themselves. Workers that
    joblib has already started in this process (an earlier sweep in a notebook) are reused
    as they are."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    multiprocessing.set_forkserver_preload(PRELOAD)
    unset = [name for name in SERVER_ENVIRONMENT if name not in os.environ]
    os.environ.update({name: SERVER_ENVIRONMENT[name] for name in unset})  # the server's
    try:
        forkserver.ensure_running()
    finally:
        for name in unset:
            del os.environ[name]
    from joblib.externals.loky.backend.context import set_start_method  # after: 0.2 s

    set_start_method("forkserver", force=True)
    return True
