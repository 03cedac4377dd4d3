"""SLURM without a scheduler process: an sbatch job-array script in which task I of N runs
`sweep --shard I/N`, writing its own part files into the shared sweep folder (the dask-jobqueue
backend in backends.py is the other way to use SLURM)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class JobArray:
    """What each array task asks SLURM for."""

    tasks: int
    cpus: int = 1  # processes per task; also the sweep's --jobs
    mem: str = "2G"
    time: str = "01:00:00"
    partition: str | None = None
    account: str | None = None


def sbatch_script(
    job_name: str,
    experiment: Path,
    out: Path,
    array: JobArray,
    *,
    launch: Sequence[str],
    workdir: Path,
    program: str,
) -> str:
    """The script's text. Each task runs `LAUNCH sweep EXPERIMENT --out OUT --shard I/N` in
    `workdir`; the last line says how to merge the shards (`PROGRAM aggregate OUT`). Paths
    should be absolute: the tasks run on other machines."""
    q = shlex.quote
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name={job_name}",
        f"#SBATCH --array=0-{array.tasks - 1}",
        f"#SBATCH --cpus-per-task={array.cpus}",
        f"#SBATCH --mem={array.mem}",
        f"#SBATCH --time={array.time}",
        f"#SBATCH --output={out}/slurm-%A_%a.out",
    ]
    lines += [f"#SBATCH --partition={array.partition}"] if array.partition else []
    lines += [f"#SBATCH --account={array.account}"] if array.account else []
    lines += [
        "set -euo pipefail",
        f"mkdir -p {q(str(out))}",
        f"cd {q(str(workdir))}",
        f"{' '.join(map(q, launch))} sweep {q(str(experiment))} --out {q(str(out))} "
        f'--shard "$SLURM_ARRAY_TASK_ID/{array.tasks}" --jobs {array.cpus} --quiet',
        "",
        f"# when every task has finished: {program} aggregate {out}",
    ]
    return "\n".join(lines)
