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

TOKEN_ENV, CODE_ENV = "SIM_VIZ_TOKEN", "SIM_VIZ_CODE"  # sim.viz.serve's, which loads Solara
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a projector
CODE_LENGTH = 6

EXAMPLES = """\
examples:
  {program} viz
  {program} viz --scenario scenarios/low_trust.yaml --port 8800
  {program} viz --side-by-side      # two ecosystems, one lever apart, stepping together
  {program} viz --class --host 0.0.0.0   # students join from their devices with a code
  {program} viz --host 0.0.0.0      # let other machines in the room connect

Serves the class demo (a Mesa SolaraViz page: the network drawn live, levers, charts) until
Ctrl-C, on 127.0.0.1 unless --host says otherwise; the address is printed once the page
serves. Beyond 127.0.0.1 the teacher's address carries a token and students need the join
code. docs/classroom.md has a lesson plan.
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
    mode = viz.add_mutually_exclusive_group()
    mode.add_argument(
        "--side-by-side",
        action="store_true",
        help="two ecosystems with the same seed and one lever different, side by side",
    )
    mode.add_argument(
        "--class",
        dest="participatory",
        action="store_true",
        help="participatory: students join from their own devices and take roles",
    )


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
    env = {**os.environ, "SIM_VIZ_SCENARIO": shown, "PYTHONPATH": path, "SIM_VIZ_APP": _app(args)}
    env.setdefault("SOLARA_CHECK_HOOKS", "off")  # its warnings concern Mesa's code, not a user's
    # the page loads its libraries through the server, which has them from solara-assets
    env.setdefault("SOLARA_ASSETS_PROXY", "true")
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")  # a class may well be offline
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "false")  # its badge would cover a chart
    env.pop(TOKEN_ENV, None)
    env.pop(CODE_ENV, None)
    env.pop("SIM_VIZ_JOIN", None)
    beyond = not _loopback(args.host)
    if beyond:
        env[TOKEN_ENV] = secrets.token_urlsafe(16)
    if args.participatory:
        env[CODE_ENV] = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
        env["SIM_VIZ_JOIN"] = f"http://{_shown_host(args.host)}:{args.port}/join"  # on screen
    env["SIM_VIZ_BANNER"] = _banner(args, shown, env.get(TOKEN_ENV), env.get(CODE_ENV))
    local = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else _shown_host(args.host)
    token = f"?token={env[TOKEN_ENV]}" if beyond else ""
    env["SIM_VIZ_PROBE"] = f"http://{local}:{args.port}/{token}"
    print(f"starting the class demo on {args.host}:{args.port} ...", flush=True)
    os.chdir(root)
    os.execve(sys.executable, command, env)


def _app(args: argparse.Namespace) -> str:
    """The page module: sim.viz.serve.PAGES's solo page, side by side or the class."""
    if args.participatory:
        return "sim.viz.class_app"
    return "sim.viz.pair_app" if args.side_by_side else "sim.viz.app"


def _banner(args: argparse.Namespace, shown: str, token: str | None, code: str | None) -> str:
    """What the server prints once the page serves: the addresses to open, and the code."""
    address = f"http://{_shown_host(args.host)}:{args.port}/"
    teacher = address + (f"?token={token}" if token else "")
    what = "side by side" if args.side_by_side else "class" if code else "class demo"
    lines = [f"{what}: {teacher}  ({shown}; Ctrl-C stops)"]
    if code:
        lines[0] = f"teacher's screen: {teacher}  ({shown}; Ctrl-C stops)"
        lines.append(f"students join at: {address}join  with the join code {code}")
        if not token:
            lines.append("(this computer only: pass --host to let the class network in)")
    if token:
        lines.append("the teacher's address carries a token: keep it to yourself")
        lines.append("anyone without the token" + (" or the code" if code else "") + " gets 403")
    return "\n".join(lines)


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
