"""What the commands share: the sub-command builder, the argument types, the common options,
the default output folder, and the mapping of flags such as `--seed` onto `--set` overrides."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


def add_command(
    commands: argparse._SubParsersAction, name: str, summary: str, examples: str, handler: Handler
) -> argparse.ArgumentParser:
    """A sub-command with its one-line summary, examples and handler. `{program}` in the
    examples becomes the program name (`python run.py` or `ecosim`)."""
    command = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.epilog = examples.format(program=command.prog.removesuffix(f" {name}"))
    command.set_defaults(command=handler)
    return command


def memory_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--max-memory",
        type=gigabytes,
        metavar="GB",
        help="refuse runs estimated to need more memory than this, in GB (default: 80%% of "
        "this machine's memory)",
    )


def gigabytes(text: str) -> float:
    """An argparse type: a number of GB above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be a number of GB") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"got {text}; must be a number of GB above 0")
    return value


def record_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--record",
        type=records,
        metavar="KINDS",
        help="agent-level records to write, comma-separated: actors,innovations,deals,ties",
    )


def backend_options(command: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The flags that choose where runs execute; returns their group."""
    cluster = command.add_argument_group("clusters (see docs/cluster.md)")
    cluster.add_argument(
        "--backend", choices=("local", "dask", "slurm"), help="where runs execute (default: local)"
    )
    cluster.add_argument("--address", help="dask: an existing scheduler, tcp://HOST:PORT")
    cluster.add_argument("--partition", help="slurm: partition (queue)")
    cluster.add_argument("--account", help="slurm: account")
    cluster.add_argument("--cores", type=positive, help="slurm: cores (workers) per job")
    cluster.add_argument("--memory", help="slurm: memory per job, e.g. 4GB")
    cluster.add_argument("--walltime", help="slurm: time limit per job, HH:MM:SS")
    cluster.add_argument("--slurm-jobs", type=positive, help="slurm: batch jobs (at most)")
    cluster.add_argument("--adaptive", action="store_true", help="slurm: scale with the load")
    return cluster


def backend_given(args: argparse.Namespace) -> dict[str, object]:
    """The `backend` fields the flags of `backend_options` set (None: flag not given)."""
    given = {
        "backend.kind": args.backend,
        "backend.address": args.address,
        "backend.slurm.queue": args.partition,
        "backend.slurm.account": args.account,
        "backend.slurm.cores": args.cores,
        "backend.slurm.memory": args.memory,
        "backend.slurm.walltime": args.walltime,
        "backend.slurm.jobs": args.slurm_jobs,
        "backend.slurm.adaptive": args.adaptive or None,
    }
    if args.address and not args.backend:
        given["backend.kind"] = "dask"
    return given


def set_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help=f"override {what} (repeatable)",
    )


def overrides(sets: list[str], given: Mapping[str, object]) -> list[str]:
    """The `--set` overrides followed by one `PATH=VALUE` per flag given (None: not given)."""
    return [*sets, *(f"{path}={_yaml(v)}" for path, v in given.items() if v is not None)]


def _yaml(value: object) -> str:
    """A command-line value as YAML text for an override (strings and lists as JSON)."""
    return json.dumps(value) if isinstance(value, str | list) else str(value).lower()


def output_folder(out: Path | None, name: str) -> Path:
    """`--out`, or results/NAME with NAME made safe as a folder name."""
    return out or Path("results") / folder_name(name)


def writable(out: Path) -> bool:
    """Create the output folder `out`; False, with the reason printed, when that fails."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"{out}: cannot create output folder: {err.strerror}", file=sys.stderr)
        return False
    return True


def stopped(out: Path, err: OSError, what: str, done: str, again: str) -> int:
    """Say in one line that `what` stopped on a system error, that `done` are kept and how to
    go on; the exit status 2."""
    why = err.strerror or str(err) or type(err).__name__
    print(
        f"{out}: the {what} stopped: {why}; the {done} finished so far are kept: fix that, "
        f"then rerun the same command to {again}",
        file=sys.stderr,
    )
    return 2


def folder_name(name: str) -> str:
    """A scenario or experiment name made safe as a folder name; when characters had to be
    replaced, a short hash of the name keeps it apart from another (`a/b` from `a_b`)."""
    safe = re.sub(r"[^\w.-]+", "_", name).strip("._") or "scenario"
    if safe == name:
        return safe
    return f"{safe}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def records(text: str) -> list[str]:
    """An argparse type: record names, comma-separated."""
    # function-level: sim.model loads mesa, which `--help` and `validate` do not need
    from ..model.records import RECORDS

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in RECORDS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"got {text!r}; must be one or more of {', '.join(RECORDS)}, comma-separated"
        )
    return names


def shard(text: str) -> tuple[int, int]:
    """An argparse type: I/N with 0 <= I < N."""
    i, sep, n = text.partition("/")
    try:
        value = (int(i), int(n))
    except ValueError:
        value = (-1, 0)
    if not sep or not 0 <= value[0] < value[1]:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be I/N with 0 <= I < N, e.g. 0/4")
    return value


def port(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    value = positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"got {value}; must be at most 65535")
    return value


def two_or_more(text: str) -> int:
    """An argparse type: a whole number >= 2 (paired seeds: an interval needs two)."""
    value = natural(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"got {value}; must be >= 2")
    return value


def positive(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    value = natural(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"got {value}; must be >= 1")
    return value


def natural(text: str) -> int:
    """An argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"got {value}; must be >= 0")
    return value
