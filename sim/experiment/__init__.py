"""Sweeps planned, executed and stored, one job per module (like EMA Workbench's em_framework):

spec (experiment files) -> design (runs and seeds) -> execute (one run, the mappers) and backends
(where they run; slurm_script: the sbatch script of a job array) -> store (Parquet parts,
resume) -> sweep (plan and execute), into a sweep folder (folder: its paths and manifest).
Analysing the folder is sim.analysis's; nothing here imports it.
"""

from .spec import Experiment, LoadedExperiment, load_experiment

__all__ = ["Experiment", "LoadedExperiment", "load_experiment"]
