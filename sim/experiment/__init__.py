"""Sweeps planned, executed and stored, one job per module (like EMA Workbench's em_framework):

spec (experiment files) -> design (runs and seeds) -> execute (one run, the mappers) and backends
(where they run; slurm_script: the sbatch script of a job array) -> store (Parquet parts,
resume) -> sweep (plan and execute), into a sweep folder (folder: its paths and manifest);
workers: the local processes' forkserver. Analysing the folder is sim.analysis's; nothing here
imports it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec import Experiment, LoadedExperiment, load_experiment

__all__ = ["Experiment", "LoadedExperiment", "load_experiment"]


def __getattr__(name: str):
    """The spec's names, imported when first asked for: the spec loads the model, and
    `workers` starts its server before that (sim.cli.sweep)."""
    if name in __all__:
        return getattr(import_module(".spec", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
