"""`viz`: check the scenario and the port, then become the Solara server of the class demo."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from ..scenario import load_scenario
from .options import add_command, port

EXAMPLES = """\
examples:
  {program} viz
  {program} viz --scenario scenarios/low_trust.yaml --port 8800
  {program} viz --host 0.0.0.0      # let other machines in the room connect

Serves the class demo (a Mesa SolaraViz page: the network drawn live, levers, charts) until
Ctrl-C, on 127.0.0.1 unless --host says otherwise. docs/classroom.md has a lesson plan.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    viz = add_command(
        commands, "viz", "serve the class demo page (network, levers, charts)", EXAMPLES, main
    )
    viz.add_argument(
        "--scenario", help="scenario file it opens with (default: scenarios/classroom.yaml)"
    )
    viz.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    viz.add_argument("--port", type=port, default=8765, help="port (8765)")


def main(args: argparse.Namespace) -> int:
    """Check the scenario and the port, then become the Solara server of sim/viz/app.py."""
    # function-level: sim.viz.classroom loads the model (mesa), which `--help` does not need
    from ..viz.classroom import DEFAULT_SCENARIO, SCENARIOS

    scenario = Path(args.scenario or DEFAULT_SCENARIO).resolve()
    if args.scenario:
        load_scenario(args.scenario)  # a bad file stops here, with its problems
    shown = scenario.name if scenario.parent == SCENARIOS else str(scenario)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind((args.host, args.port))
        except OSError as err:
            print(f"cannot serve on {args.host}:{args.port}: {err.strerror}", file=sys.stderr)
            return 2
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "solara", "run", "sim.viz.app", "--production", "--no-open"]
    command += ["--host", args.host, "--port", str(args.port)]
    path = os.pathsep.join(filter(None, (str(root), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "SIM_VIZ_SCENARIO": shown, "PYTHONPATH": path}
    env.setdefault("SOLARA_CHECK_HOOKS", "off")  # its warnings concern Mesa's code, not a user's
    # the page loads its libraries through the server, which has them from solara-assets
    env.setdefault("SOLARA_ASSETS_PROXY", "true")
    print(f"class demo: http://{args.host}:{args.port}/  ({shown}; Ctrl-C stops)")
    sys.stdout.flush()
    os.chdir(root)
    os.execve(sys.executable, command, env)
