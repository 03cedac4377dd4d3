"""`slurm-script`: print an sbatch job-array script that runs an experiment in N shards (the
script's text comes from sim.experiment.slurm_script)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .options import add_command, folder_name, output_folder, positive

EXAMPLES = """\
examples:
  {program} slurm-script experiments/sobol.yaml --array 16 --partition short > sobol.sbatch
  sbatch sobol.sbatch
  {program} aggregate results/sobol

Each array task runs `sweep --shard I/N`: a fixed 1/N of the runs, written to its own part
files in the shared output folder; `aggregate` merges them and lists any missing runs.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    script = add_command(
        commands,
        "slurm-script",
        "print an sbatch job-array script that runs an experiment in N shards",
        EXAMPLES,
        main,
    )
    script.add_argument("experiment", metavar="EXPERIMENT", help="experiment YAML file")
    script.add_argument("--array", type=positive, required=True, metavar="N", help="shards")
    script.add_argument("--out", type=Path, help="output folder (default: results/<name>)")
    script.add_argument("--partition", help="partition (#SBATCH -p)")
    script.add_argument("--account", help="account (#SBATCH -A)")
    script.add_argument("--time", default="01:00:00", help="time limit per shard (01:00:00)")
    script.add_argument("--mem", default="2G", help="memory per shard (2G)")
    script.add_argument("--cpus", type=positive, default=1, help="processes per shard (1)")


def main(args: argparse.Namespace) -> int:
    """Print an sbatch array script: shard $SLURM_ARRAY_TASK_ID of N per array task."""
    # function-level: sim.experiment loads the model (mesa), which `--help` does not need
    from ..experiment import load_experiment
    from ..experiment.slurm_script import JobArray, sbatch_script

    name = load_experiment(args.experiment).experiment.name
    array = JobArray(args.array, args.cpus, args.mem, args.time, args.partition, args.account)
    script = sbatch_script(
        folder_name(name),
        Path(args.experiment).resolve(),
        output_folder(args.out, name).resolve(),
        array,
        # each task starts this program the way it was started here
        launch=(sys.executable, str(Path(sys.argv[0]).resolve())),
        workdir=Path(os.getcwd()),
        program=args.program,
    )
    print(script)
    return 0
