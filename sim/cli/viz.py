"""`viz`: check the scenario and the port, then become the Solara server of the class demo."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import socket
import sys
from pathlib import Path

from ..scenario import load_scenario
from .options import add_command, port

TOKEN_ENV = "SIM_VIZ_TOKEN"  # sim.viz.serve's; not imported from it, which loads Solara

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
    from ..experiment.spec import require_kind
    from ..viz.classroom import DEFAULT_SCENARIO, SCENARIOS

    scenario = Path(args.scenario or DEFAULT_SCENARIO).resolve()
    if args.scenario:
        require_kind(args.scenario, "scenario", "viz")
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
    # Solara's own server, behind a token unless only this computer can reach it; without
    # the check for a newer Solara, which goes to the internet and is advice for developers
    command = [sys.executable, "-m", "sim.viz.serve", "--production", "--no-open"]
    command += ["--no-check-version", "--host", args.host, "--port", str(args.port)]
    path = os.pathsep.join(filter(None, (str(root), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "SIM_VIZ_SCENARIO": shown, "PYTHONPATH": path}
    env.setdefault("SOLARA_CHECK_HOOKS", "off")  # its warnings concern Mesa's code, not a user's
    # the page loads its libraries through the server, which has them from solara-assets
    env.setdefault("SOLARA_ASSETS_PROXY", "true")
    address = f"http://{_shown_host(args.host)}:{args.port}/"
    env.pop(TOKEN_ENV, None)
    if not _loopback(args.host):
        env[TOKEN_ENV] = secrets.token_urlsafe(16)
        address += f"?token={env[TOKEN_ENV]}"
    print(f"class demo: {address}  ({shown}; Ctrl-C stops)")
    if not _loopback(args.host):
        print("other computers need this whole address, token included: without it they get 403")
    sys.stdout.flush()
    os.chdir(root)
    os.execve(sys.executable, command, env)


def _loopback(host: str) -> bool:
    """Whether `host` is reachable from this computer only (127.0.0.0/8, ::1, localhost)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _shown_host(host: str) -> str:
    """The host as an address a browser opens: this computer's name for every interface."""
    if host in ("0.0.0.0", "::", ""):
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host
