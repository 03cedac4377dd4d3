"""Command-line entry point: `python run.py --help`."""

from sim.cli import main

if __name__ == "__main__":  # worker processes (Dask, joblib) import this file without running it
    raise SystemExit(main(prog="python run.py"))
