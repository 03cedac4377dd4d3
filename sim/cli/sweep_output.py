"""What the sweep commands (sweep, compare, aggregate, report) share: the check that a folder
holds a sweep, the command line kept in its manifest, and the outcome printed after it."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..analysis.summary import Outcome
    from ..experiment.sweep import Executed


def is_sweep_folder(folder: Path) -> bool:
    """Whether `folder` holds a sweep; says why not."""
    # sim.experiment is imported in the functions that use it: it loads the model (mesa), which
    # `validate` and `--help` do not need
    from ..experiment.folder import SweepFolder

    manifest = SweepFolder(folder).manifest_json
    if manifest.is_file():
        return True
    print(f"{folder}: not a sweep folder (no {manifest.name})", file=sys.stderr)
    return False


def command_line(program: str) -> str:
    """This command as the user typed it, for the sweep's manifest."""
    return " ".join([program, *map(shlex.quote, sys.argv[1:])])


def ran(done: Executed, jobs: int, where: str = "local") -> str:
    """How many runs this call executed, how long it took and where."""
    place = f"{jobs} processes" if where == "local" else where
    return f"ran {done.ran} runs in {done.run_seconds:.1f} s on {place}"


def print_outcome(done: Outcome, prefix: str) -> int:
    """Print a summarised sweep's outcome and files; exit status 1 if runs failed or are
    missing."""
    from ..experiment.folder import SweepFolder  # function-level: see is_sweep_folder
    from ..model.records import RECORDS

    folder = SweepFolder(done.out)
    print(
        f"{prefix}{done.ok} of {done.planned} runs ok, {done.failed} failed, {done.missing} missing"
    )
    records = [f"{name}/" for name in RECORDS if folder.record(name).is_dir()]
    files = [
        folder.runs_parquet.name,
        f"{folder.timeseries.name}/",
        *records,
        folder.aggregate_csv.name,
        folder.comparison_csv.name,
        f"{folder.plots.name}/",
        folder.report_html.name,
    ]
    print(f"wrote {done.out}: {', '.join(files)}")
    for note in done.notes:
        print(f"note: {note}")
    if done.failed:
        print(
            f"{done.failed} runs failed: see {folder.runs_parquet} (columns status, error); "
            "rerun the same command to retry them",
            file=sys.stderr,
        )
    if done.missing:
        print(
            f"{done.missing} runs missing (run_id {ranges(done.missing_ids)}): rerun the sweep "
            "(or the shards that ran them) to complete it",
            file=sys.stderr,
        )
    return 1 if done.failed or done.missing else 0


def ranges(ids: Sequence[int], most: int = 8) -> str:
    """`0-4, 7, 9-12, ...`: sorted ids as ranges, the first `most` of them."""
    spans: list[list[int]] = []
    for i in sorted(ids):
        if spans and i == spans[-1][1] + 1:
            spans[-1][1] = i
        else:
            spans.append([i, i])
    text = [f"{a}-{b}" if b > a else str(a) for a, b in spans[:most]]
    return ", ".join(text) + (", ..." if len(spans) > most else "")
