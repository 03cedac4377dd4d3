"""Command-line entry point: `python run.py --help`."""

from sim.cli import main

raise SystemExit(main())
