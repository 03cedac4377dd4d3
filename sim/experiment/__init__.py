"""Sweeps, one job per module (like EMA Workbench's em_framework):

spec (experiment files) -> design (runs and seeds) -> execute (backends) -> store (Parquet
parts, resume) -> aggregate and sensitivity (CIs, baseline differences, indices) -> sweep
(the whole pipeline).
"""

from .spec import Experiment, LoadedExperiment, load_experiment

__all__ = ["Experiment", "LoadedExperiment", "load_experiment"]
