"""`claims`: check that each what-if moves the metrics it claims, beyond noise."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..config import ScenarioError
from .options import add_command, natural, positive, two_or_more, writable

EXAMPLES = """\
examples:
  {program} claims scenarios/*.yaml
  {program} claims scenarios/strong_ip.yaml --seeds 10 --workers 2
  {program} claims scenarios/*.yaml --seeds 3 --scale 0.33 --out results/claims

Runs each scenario that states `claims:` and the scenario each claim is compared with (the
file it extends, or `against:`) on the same paired seeds, and checks every claim: the 95%
interval of the paired differences must exclude zero in the claimed direction. Files without
claims of their own are skipped. Prints one row per claim. Exit status 0 when every claim
holds, 1 when one fails, 2 on bad input (an unknown metric, a missing file).
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    claims = add_command(
        commands,
        "claims",
        "check that what-if scenarios move what their claims say, beyond noise",
        EXAMPLES,
        main,
    )
    claims.add_argument("files", nargs="+", metavar="FILE", help="scenario files")
    claims.add_argument("--seeds", type=two_or_more, default=5, help="paired seeds (default: 5)")
    claims.add_argument("--steps", type=positive, help="months per run (default: each scenario's)")
    claims.add_argument(
        "--scale",
        type=share_of_size,
        default=1.0,
        help="population, entry and public money times this, in every scenario (default: 1)",
    )
    claims.add_argument("--seed", type=natural, default=1, help="root seed (default: 1)")
    claims.add_argument("--workers", type=positive, help="worker processes (default: all cores)")
    claims.add_argument("--out", type=Path, help="also write claims.json and claims.md here")


def share_of_size(text: str) -> float:
    """An argparse type: a scale factor in (0, 10]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be a number") from None
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError(f"got {value}; must be > 0 and <= 10")
    return value


def main(args: argparse.Namespace) -> int:
    """Load every file's claims first (bad input stops before any run), run, print."""
    # function-level: these load the model, which `--help` does not need
    from ..analysis import claims
    from ..files import atomic_write, plain, write_json

    targets, status = [], 0
    for path in args.files:
        try:
            target = claims.load_target(path)
        except ScenarioError as err:
            print(*err.messages, sep="\n", file=sys.stderr)
            status = 2
            continue
        if target is None:
            print(f"{path}: no claims of its own (skipped)")
        else:
            targets.append(target)
    if args.out and not writable(args.out):
        return 2
    if status or not targets:
        if not status:
            print("no claims in the files given", file=sys.stderr)
        return 2
    workers = args.workers or os.cpu_count() or 1
    rows = claims.check(targets, args.seeds, args.steps, args.scale, args.seed, workers)
    text = claims.table(rows)
    print(text, end="")
    if args.out:
        write_json(args.out / "claims.json", plain(rows))
        atomic_write(args.out / "claims.md", lambda p: p.write_text(text, encoding="utf-8"))
        print(f"wrote {args.out / 'claims.json'}, {args.out / 'claims.md'}")
    failed = sum(not row["holds"] for row in rows)
    print(f"{len(rows) - failed} of {len(rows)} claims hold over {args.seeds} paired seeds")
    return 1 if failed else 0
