"""The class demo: its model and levers, the live layout and pictures, the `viz` command, and
the page itself driven in headless Chromium."""

from __future__ import annotations

import inspect
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support import CHROMIUM_ARGS, chromium

from sim.model.model import EcosystemModel
from sim.scenario import load_scenario, path_problem
from sim.viz.classroom import LEVERS, SCENARIOS, ClassroomModel, lever_values, parse_settings
from sim.viz.drawing import CHARTS, ChartPicture, ChartsPicture, NetworkPicture

ROOT = Path(__file__).resolve().parent.parent
CLASSROOM = load_scenario(SCENARIOS / "classroom.yaml")


# --- the model behind the page ----------------------------------------------------------


def test_the_class_model_runs_exactly_like_the_plain_model():
    demo = ClassroomModel(preset="small.yaml")
    plain = EcosystemModel(load_scenario(SCENARIOS / "small.yaml"))
    for _ in range(12):
        demo.step()
        plain.step()
    assert demo.metrics_frame().equals(plain.metrics_frame())  # drawing never draws numbers


def test_the_default_scenario_is_classroom_sized():
    actors = sum(getattr(CLASSROOM.population, k).count for k in ("startup", "corporate"))
    assert 200 <= actors + 30 <= 300 and CLASSROOM.name == "classroom"


def test_every_lever_sets_real_fields_and_is_a_model_argument():
    arguments = inspect.signature(ClassroomModel.__init__).parameters
    for name, lever in LEVERS.items():
        assert name in arguments
        assert all(path_problem(path) is None for path in lever.paths), name


def test_levers_at_the_scenario_values_change_nothing():
    model = ClassroomModel(**lever_values(CLASSROOM))
    assert model.params == CLASSROOM and not model.refused


def test_moved_levers_change_their_fields_only():
    model = ClassroomModel(
        startups=20,
        enforcement=0.9,
        fund_size=500,
        startup_partners=2,
        hub_partners=30,
        sandbox=True,
        seed="7",
    )
    p = model.params
    assert p.population.startup.count == 20 and p.trust.enforcement == 0.9
    assert p.governance.sandbox and model.seed == 7 and not model.refused
    assert p.population.startup.max_partners == 2
    assert p.population.corporate.max_partners == p.population.university.max_partners == 30
    low, high = p.population.investor.fund_size
    old_low, old_high = CLASSROOM.population.investor.fund_size
    assert np.isclose(np.sqrt(low * high), 500) and np.isclose(high / low, old_high / old_low)
    assert p.population.corporate.count == CLASSROOM.population.corporate.count
    assert p.trust.initial == CLASSROOM.trust.initial


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"more": "population.startup.count=-5"}, "population.startup.count: got -5; must be >= 0"),
        ({"more": "trust.initial=high"}, "trust.initial: got 'high'; must be a number"),
        ({"more": "nonsense"}, "expected path=value"),
        ({"more": "no.such.field=1"}, "unknown key 'no'"),
        ({"seed": "abc"}, "seed: got 'abc'; must be a whole number"),
        ({"preset": "missing.yaml"}, "missing.yaml"),
        ({"preset": str(ROOT / "tests/bad_scenarios/negative_count.yaml")}, "negative_count.yaml"),
    ],
)
def test_refused_values_are_reported_and_change_nothing(given, said):
    model = ClassroomModel(**given)
    assert any(said in line for line in model.refused), model.refused
    assert model.params == CLASSROOM


def test_typed_settings_apply_like_set():
    model = ClassroomModel(more="trust.opportunism=0.3; entry.rate=0\ngovernance.grants=false")
    assert model.params.trust.opportunism == 0.3 and model.params.entry.rate == 0
    assert model.params.governance.grants is False and not model.refused
    assert parse_settings("") == {}


def test_the_run_stops_at_the_scenario_horizon():
    model = ClassroomModel(preset="small.yaml", more="steps=3")
    while model.running:
        model.step()
    assert model.steps == 3


# --- layout and pictures ------------------------------------------------------------------


def test_layout_moves_actors_a_little_and_keeps_them_on_the_canvas():
    model = ClassroomModel(preset="small.yaml")
    for _ in range(6):
        before = model.layout.pos.copy()
        model.step()
        pos = model.layout.pos
        assert len(pos) == model.state.actors.n  # every actor that ever lived has a place
        assert pos.min() >= 0 and pos.max() <= 1
        alive = np.flatnonzero(model.state.actors.alive[: len(before)])
        moved = np.linalg.norm(pos[alive] - before[alive], axis=1)
        assert moved.max() < 0.05  # nudged, not laid out anew


def test_pictures_are_pngs_that_change_as_the_model_runs():
    model = ClassroomModel(preset="small.yaml")
    network, charts = NetworkPicture(), ChartsPicture(model.params.steps)
    frames = []
    for _ in range(3):
        model.step()
        frames.append((network.png(model.state, model.layout.pos, "t"), charts.png(model.series)))
    for net, chart in frames:
        assert Image.open(io.BytesIO(net)).format == "PNG"
        width, height = Image.open(io.BytesIO(chart)).size
        one = charts.charts[0].frame().size
        assert (width, height) == (2 * one[0], -(-len(CHARTS) // 2) * one[1])
    assert frames[0][0] != frames[-1][0] and frames[0][1] != frames[-1][1]


def test_a_chart_scale_fits_the_data_and_grows_when_outgrown():
    chart = ChartPicture(CHARTS[0], months=24)
    chart.update({"innovations": [10.0], "radical_innovations": [2.0]})
    assert chart.ax.get_ylim() == (0, 20)
    chart.update({"innovations": [10.0, 15.0], "radical_innovations": [2.0, 1.0]})
    assert chart.ax.get_ylim() == (0, 20)  # still fits: no redraw of the axes
    chart.update({"innovations": [10.0, 15.0, 30.0], "radical_innovations": [2.0, 1.0, 0.0]})
    assert chart.ax.get_ylim() == (0, 60)
    unit = ChartPicture(next(c for c in CHARTS if c.unit), months=24)
    unit.update({name: [0.5] for name, _, _ in unit.chart.lines})
    assert unit.ax.get_ylim() == (0, 1)


# --- the command ----------------------------------------------------------------------------


def viz(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", "viz", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_viz_refuses_a_bad_scenario_with_one_line():
    done = viz("--scenario", "tests/bad_scenarios/negative_count.yaml")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "negative_count.yaml" in done.stderr and "Traceback" not in done.stderr


def test_viz_refuses_a_busy_or_impossible_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = viz("--port", str(port))
    assert done.returncode == 2 and f"cannot serve on 127.0.0.1:{port}" in done.stderr
    done = viz("--port", "70000")
    assert done.returncode == 2 and "at most 65535" in done.stderr


# --- the page in a real browser ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(
    command: list[str], port: int, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start a server in its own process group (with `env` added to the environment); wait
    until it answers on `port`."""
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    pytest.fail(f"no page on port {port}: {log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def images(page) -> list[str]:
    """The sources of the pictures shown: the network, then the charts."""
    return page.evaluate(
        "Array.from(document.querySelectorAll('img'))"
        ".filter(i => i.complete && i.naturalWidth > 0).map(i => i.src)"
    )


def wait_for_new(page, old: list[str], timeout: float = 30) -> list[str]:
    """Wait until both pictures are shown and each differs from `old` (if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = images(page)
        if len(now) == 2 and not set(now) & set(old):
            return now
        time.sleep(0.1)
    raise AssertionError(f"the pictures did not appear or change: {images(page)}")


@pytest.fixture
def browser():
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser, port: int):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    return load(page, port)


def load(page, port: int):
    """Open the class page in `page` and wait for its first month; returns (page, failed)."""
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.goto(f"http://127.0.0.1:{port}/")
    page.get_by_text("Month 0 of ", exact=False).wait_for(timeout=120_000)
    return page, failed


def test_class_demo_page_in_headless_chromium(browser, tmp_path):
    port = free_port()
    server = serve([sys.executable, "run.py", "viz", "--port", str(port)], port, tmp_path / "log")
    try:
        page, failed = open_page(browser, port)
        first = wait_for_new(page, [])  # the network and the charts
        sidebar = page.locator(".v-navigation-drawer")
        assert sidebar.get_by_text("Startups: 180", exact=True).is_visible()

        page.get_by_role("button", name="Step").click()
        page.get_by_text("Month 1 of 120", exact=True).wait_for()
        stepped = wait_for_new(page, first)

        slider = page.locator(".v-input", has=page.get_by_text("Startups", exact=True))
        slider.locator("[role=slider]").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("Month 0 of 120", exact=True).wait_for()
        sidebar.get_by_text("Startups: 200", exact=True).wait_for()

        page.get_by_role("button", name="▶").click()
        page.get_by_text(re.compile(r"^Month ([5-9]|\d\d+) of 120$")).wait_for(timeout=60_000)
        page.get_by_role("button", name="❚❚").click()
        played = wait_for_new(page, stepped)
        page.screenshot(path=str(tmp_path / "class-demo.png"), full_page=True)

        more = page.locator(".v-input", has=page.get_by_text("More settings")).locator("input")
        more.fill("population.startup.count=-5")
        more.press("Enter")
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("population.startup.count: got -5; must be >= 0").wait_for()
        sidebar.get_by_text("Startups: 200", exact=True).wait_for()  # the bad value not used
        page.get_by_role("button", name="Step").click()
        page.get_by_text("Month 1 of 120", exact=True).wait_for()  # the server carries on
        wait_for_new(page, played)

        page.locator(".v-select").first.click()
        page.get_by_role("option", name="low_trust.yaml").click()
        sidebar.get_by_text("Initial trust: 0.3", exact=True).wait_for(timeout=60_000)
        assert server.poll() is None and not failed, failed
    finally:
        stop(server)
    assert (tmp_path / "class-demo.png").stat().st_size > 50_000


def test_solara_run_serves_the_same_page(browser, tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "solara", "run", "sim.viz.app", "--production", "--no-open"]
    server = serve([*command, "--port", str(port)], port, tmp_path / "log")
    try:
        page, failed = open_page(browser, port)
        wait_for_new(page, [])
        assert not failed, failed
    finally:
        stop(server)


CLOSED = "http://127.0.0.1:9"  # nothing listens here: a proxy that lets nothing out


def _host(url: str) -> str | None:
    """The host a request goes to; None for one that leaves no machine (data:, blob:)."""
    parts = urllib.parse.urlsplit(url)
    return parts.hostname if parts.scheme in ("http", "https", "ws", "wss") else None


def test_the_page_works_with_no_network_beyond_loopback(browser, tmp_path):
    """Server and browser both go through a closed proxy, so any request off the machine
    fails; the page must still draw the network and the charts, and every request the
    browser makes must stay on 127.0.0.1."""
    port = free_port()
    offline = {"HTTP_PROXY": CLOSED, "HTTPS_PROXY": CLOSED, "NO_PROXY": "127.0.0.1,localhost"}
    offline |= {k.lower(): v for k, v in offline.items()}
    command = [sys.executable, "run.py", "viz", "--port", str(port)]
    server = serve(command, port, tmp_path / "log", env=offline)
    context = browser.new_context(
        viewport={"width": 1500, "height": 1100},
        proxy={"server": CLOSED, "bypass": "127.0.0.1,localhost"},
    )
    hosts: set[str] = set()
    try:
        page = context.new_page()
        page.on("request", lambda request: hosts.add(_host(request.url)))
        page, failed = load(page, port)
        first = wait_for_new(page, [])  # the network and the charts
        page.get_by_role("button", name="Step").click()
        page.get_by_text("Month 1 of 120", exact=True).wait_for()
        wait_for_new(page, first)
        assert not failed, failed
        assert hosts - {None} == {"127.0.0.1"}, hosts
        assert server.poll() is None
    finally:
        context.close()
        stop(server)


# --- beyond this computer: a token ------------------------------------------------------------


def status(url: str, cookie: str = "") -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def serve_everywhere(port: int, log: Path) -> tuple[subprocess.Popen, str]:
    """`viz --host 0.0.0.0`, once it answers; returns the server and the token it printed."""
    command = [sys.executable, "run.py", "viz", "--host", "0.0.0.0", "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        found = re.search(r"\?token=([\w-]+)", log.read_text())
        try:
            if found and status(f"http://127.0.0.1:{port}/") == 403:
                return server, found[1]
        except OSError:
            pass
        time.sleep(0.5)
    stop(server)
    pytest.fail(f"no server on port {port}: {log.read_text()}")


def test_beyond_loopback_the_page_needs_the_printed_token(tmp_path):
    port = free_port()
    server, token = serve_everywhere(port, tmp_path / "log")
    try:
        page = f"http://127.0.0.1:{port}/"
        assert status(page) == 403 and status(page + "?token=wrong") == 403
        assert status(f"{page}?token={token}") == 200
        assert status(page, cookie=f"sim_viz_token={token}") == 200  # the cookie it set
        assert status(page + "static/main-vuetify.js") == 403
    finally:
        stop(server)
    log = (tmp_path / "log").read_text()
    assert f"class demo: http://{socket.gethostname()}:{port}/?token={token}" in log
    assert "Warning" not in log and "New version of Solara" not in log, log


def test_on_loopback_the_page_needs_no_token(tmp_path):
    port = free_port()
    server = serve([sys.executable, "run.py", "viz", "--port", str(port)], port, tmp_path / "log")
    try:
        assert status(f"http://127.0.0.1:{port}/") == 200
    finally:
        stop(server)
    log = (tmp_path / "log").read_text()
    assert "token" not in log and "Warning" not in log, log


def test_the_page_works_in_a_browser_with_the_token(browser, tmp_path):
    port = free_port()
    server, token = serve_everywhere(port, tmp_path / "log")
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/?token={token}")  # files and websocket: the cookie
        page.get_by_text("Month 0 of ", exact=False).wait_for(timeout=120_000)
        wait_for_new(page, [])
    finally:
        stop(server)
