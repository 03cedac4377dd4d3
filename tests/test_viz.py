"""The class demo: its model and levers, the live layout and pictures, the `viz` command, and
the page itself driven in headless Chromium."""

from __future__ import annotations

import gc
import inspect
import io
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image
from support import ROOT, headless_chromium, start, stop

from sim.model.model import EcosystemModel
from sim.scenario import load_scenario, path_problem
from sim.viz.app import settle
from sim.viz.charts import CHARTS, ChartPicture, ChartsPicture
from sim.viz.classroom import LEVERS, SCENARIOS, ClassroomModel, lever_values, parse_settings
from sim.viz.drawing import KIND_COLORS, NetworkPicture, actor_name, tie_paths
from sim.viz.layout import ASPECT
from sim.viz.pair import PAIR_CHARTS
from sim.viz.style import KIND_WORDS, NOBODY, TIE_WORDS, actor_row, best_connected
from sim.vocabulary import Kind, TieType

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
        assert pos.min() >= 0 and pos[:, 0].max() <= ASPECT and pos[:, 1].max() <= 1
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


def test_a_page_settles_the_heap_freeing_what_an_earlier_page_left():
    class Node:  # a reference cycle: only the collector frees it
        pass

    left = Node()
    left.me = left
    gone = weakref.ref(left)
    gc.freeze()  # as an earlier page's settle would have
    del left
    try:
        settle()
        assert gone() is None and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_chart_whose_scale_grew_looks_as_if_drawn_whole():
    chart = ChartPicture(PAIR_CHARTS[-1], months=24, runs=("first", "second"))
    for month in range(1, 12):  # running totals: the scale grows, to a grid line in the legend
        chart.update(*({"startups_failed": [float(month * k)] * month} for k in (1, 2)))
    assert chart.ax.get_ylim()[1] > 20
    shown = np.asarray(chart.frame()).astype(int)
    for artist in (chart.ax.yaxis, *chart.lines):
        artist.set_animated(False)
    chart.canvas.draw()
    whole = np.asarray(Image.frombuffer("RGBA", shown.shape[1::-1], chart.canvas.buffer_rgba()))
    different = np.abs(whole[..., :3].astype(int) - shown).max(-1) > 40
    assert different.sum() <= 10  # a grid line over the legend would be 55 pixels


def test_every_chart_has_axis_labels_in_words_with_units():
    for chart in (*CHARTS, *PAIR_CHARTS):
        axes = ChartPicture(chart, months=120).ax
        assert axes.get_xlabel() == "month" and axes.get_ylabel() == chart.axis != ""
    units = {chart.axis for chart in CHARTS}
    assert {"innovations per month", "$M per month", "share (0–1)"} <= units


@pytest.fixture(scope="module")
def month_30() -> ClassroomModel:
    """The classroom scenario at month 30, when its network is already a tangle of ties."""
    model = ClassroomModel()
    for _ in range(30):
        model.step()
    return model


def test_the_layout_is_wider_than_tall_with_the_kinds_side_by_side(month_30):
    a = month_30.state.actors
    rows = np.flatnonzero(a.alive[: a.n] & (a.max_partners[: a.n] > 0))
    x, y = month_30.layout.pos[rows].T
    assert np.ptp(x) > 0.8 * ASPECT and np.ptp(x) > 1.5 * np.ptp(y)
    kinds = a.kind[rows]
    left_to_right = [x[kinds == k].mean() for k in (Kind.UNIVERSITY, Kind.STARTUP, Kind.CORPORATE)]
    assert left_to_right == sorted(left_to_right)


def _pixels(frame: bytes, color: str | None = None) -> int:
    """How many pixels of `frame` are `color` (give or take a little), or not white."""
    rgb = np.asarray(Image.open(io.BytesIO(frame)).convert("RGB")).astype(int)
    if color is None:
        return int((rgb.sum(-1) < 3 * 250).sum())
    return int((np.abs(rgb - np.array(to_rgb(color)) * 255).sum(-1) < 12).sum())


def test_the_network_shows_the_chosen_kinds_and_tie_types_only(month_30):
    state, pos = month_30.state, month_30.layout.pos
    picture = NetworkPicture(legend="none")
    every = picture.png(state, pos, "t")
    no_startups = picture.png(state, pos, "t", kinds=[k for k in Kind if k != Kind.STARTUP])
    startup_blue = KIND_COLORS[Kind.STARTUP]
    assert _pixels(every, startup_blue) > 200 and _pixels(no_startups, startup_blue) == 0
    no_ties = picture.png(state, pos, "t", ties=[])
    sharing = picture.png(state, pos, "t", ties=[TieType.SHARING])
    assert _pixels(no_ties) < _pixels(sharing) < _pixels(every)


def _drawn_ties(picture: NetworkPicture) -> list[tuple[tuple[float, ...], float, float]]:
    """Each tie line of the last frame: its ends (x, y, x, y), opacity and width."""
    ties = picture.ties
    colors, widths = ties.get_edgecolor(), ties.get_linewidth()
    out = []
    for path, color, width in zip(ties.get_paths(), colors, widths, strict=True):
        for first in range(0, len(path.vertices), 2):
            ends = tuple(np.round(path.vertices[first : first + 2].ravel(), 9))
            out.append((ends, round(float(color[3]), 6), round(float(width), 6)))
    return out


def test_tie_paths_are_separate_lines_never_simplified():
    rng = np.random.default_rng(1)
    segments = rng.random((300, 2, 2))
    paths = tie_paths(segments, np.array([0, 10, 200]))
    assert [len(path.vertices) for path in paths] == [20, 380, 200]
    assert all(not path.should_simplify for path in paths)  # it would join a tie to the next
    assert all((path.codes[::2] == path.MOVETO).all() for path in paths)
    assert np.array_equal(
        np.concatenate([path.vertices for path in paths]), segments.reshape(-1, 2)
    )


def test_every_shown_tie_is_drawn_once_shaded_by_its_trust(month_30):
    state, pos = month_30.state, month_30.layout.pos
    t = state.ties
    picture = NetworkPicture(legend="none")
    picture.png(state, pos, "t", ties=[TieType.JOINT_RD, TieType.SHARING])
    drawn = _drawn_ties(picture)
    shown = np.flatnonzero(np.isin(t.type[: t.n], [TieType.JOINT_RD, TieType.SHARING]))
    expected = {tuple(np.round(np.r_[pos[t.a[i]], pos[t.b[i]]], 9)) for i in shown}
    assert len(drawn) == len(shown) and {ends for ends, _, _ in drawn} == expected
    trust = (t.trust_ab[: t.n] + t.trust_ba[: t.n]) / 2
    width_of = {tuple(np.round(np.r_[pos[t.a[i]], pos[t.b[i]]], 9)): trust[i] for i in shown}
    for ends, _, width in drawn:  # within half a shade of 0.2 + 1.3 * trust
        assert abs(width - (0.2 + 1.3 * width_of[ends])) <= 1.3 / 32 + 1e-9
    hub = best_connected(state, 1)[0]
    picture.png(state, pos, "t", ego=hub)
    drawn = _drawn_ties(picture)
    mine = int(((t.a[: t.n] == hub) | (t.b[: t.n] == hub)).sum())
    assert len(drawn) == t.n
    assert all(width == 2.2 and alpha == 0.9 for _, alpha, width in drawn[-mine:])  # on top
    assert all(alpha < 0.9 for _, alpha, _ in drawn[:-mine])


def test_following_an_actor_fades_all_but_its_ego_network(month_30):
    state, pos = month_30.state, month_30.layout.pos
    hub = best_connected(state, 1)[0]
    assert actor_row(state, actor_name(state, hub)) == hub
    assert actor_row(state, "corporate 9999") is None and actor_row(state, NOBODY) is None
    picture = NetworkPicture(legend="none")
    every = picture.png(state, pos, "t")
    ego = picture.png(state, pos, "t", ego=hub)
    startup_blue = KIND_COLORS[Kind.STARTUP]  # at full strength: the hub's partners only
    t = state.ties
    partners = {*t.b[: t.n][t.a[: t.n] == hub], *t.a[: t.n][t.b[: t.n] == hub]}
    assert 0 < _pixels(ego, startup_blue) < _pixels(every, startup_blue) / 2
    assert picture.ego_label.get_text() == f"{actor_name(state, hub)}: {len(partners)} ties"
    assert picture.png(state, pos, "t") == every  # following nobody again: as before


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
    """Start a server (with `env` added to the environment); wait until it answers on `port`."""
    return start(command, log, lambda _: status(f"http://127.0.0.1:{port}/") == 200, env)


def images(page) -> list[str]:
    """The sources of the pictures shown: the network, then the charts."""
    return page.evaluate(
        "Array.from(document.querySelectorAll('img'))"
        ".filter(i => i.complete && i.naturalWidth > 0).map(i => i.src)"
    )


def wait_for_new(page, old: list[str], timeout: float = 30, count: int = 2) -> list[str]:
    """Wait until all `count` pictures are shown and each differs from `old` (if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = images(page)
        if len(now) == count and not set(now) & set(old):
            return now
        time.sleep(0.1)
    raise AssertionError(f"the pictures did not appear or change: {images(page)}")


def wait_for_network(page, old: list[str], timeout: float = 30) -> list[str]:
    """Wait until the network picture (the first) differs from that of `old`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = images(page)
        if now and now[0] != old[0]:
            return now
        time.sleep(0.1)
    raise AssertionError("the network picture did not change")


def type_in(field, text: str) -> Callable[[], None]:
    """Typing `text` into a text `field` and sending it (Enter), to do again if it was lost."""

    def typed() -> None:
        field.fill(text)
        field.press("Enter")

    return typed


def reset_until(page, shown, tries: int = 3, typed: Callable[[], None] | None = None) -> None:
    """Press Reset until `shown` is on the page: a slider moved or a field typed in just
    before may reach the server after the press (the browser sends its value a moment later).
    A field is typed in again (`typed`) before each press: on a loaded machine the page may
    redraw the field between the typing and its Enter, and the text is lost."""
    from playwright.sync_api import TimeoutError as NotYet

    for _ in range(tries):
        if typed is not None:
            typed()
        page.get_by_role("button", name="Reset").click()
        try:
            shown.wait_for(state="attached", timeout=10_000)
            return
        except NotYet:
            continue
    raise AssertionError("Reset did not build the ecosystem with the moved lever")


PROJECTOR = {"width": 1280, "height": 800}  # a classroom projector's browser window


def inside(locator) -> bool:
    """Whether `locator` is shown whole in the projector's window, without scrolling."""
    box = locator.bounding_box()
    return (
        locator.is_visible()
        and box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= PROJECTOR["width"]
        and box["y"] + box["height"] <= PROJECTOR["height"]
    )


@pytest.fixture
def browser():
    with headless_chromium() as launched:
        yield launched


def open_page(browser, port: int):
    page = browser.new_page(viewport=PROJECTOR)
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
        in_use = page.locator(".sim-main")  # what the running ecosystem was built with
        assert in_use.get_by_text("Startups: 180", exact=True).count() == 1

        page.get_by_role("button", name="Step").click()
        page.get_by_text("Month 1 of 120", exact=True).wait_for()
        stepped = wait_for_new(page, first)

        slider = page.locator(".v-input", has=page.get_by_text("Startups", exact=True))
        slider.locator("[role=slider]").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        slider.locator(".v-slider__thumb-label", has_text="200").wait_for()  # on its knob
        reset_until(page, in_use.get_by_text("Startups: 200", exact=True))
        page.get_by_text("Month 0 of 120", exact=True).wait_for()

        page.get_by_role("button", name="▶").click()
        page.get_by_text(re.compile(r"^Month ([5-9]|\d\d+) of 120$")).wait_for(timeout=60_000)
        page.get_by_role("button", name="❚❚").click()
        played = wait_for_new(page, stepped)
        page.screenshot(path=str(tmp_path / "class-demo.png"), full_page=True)

        more = page.locator(".v-input", has=page.get_by_text("More settings")).locator("input")
        refused = page.get_by_text("population.startup.count: got -5; must be >= 0")
        reset_until(page, refused, typed=type_in(more, "population.startup.count=-5"))
        in_use.get_by_text("Startups: 200", exact=True).wait_for(state="attached")  # not -5
        page.get_by_role("button", name="Step").click()
        page.get_by_text("Month 1 of 120", exact=True).wait_for()  # the server carries on
        wait_for_new(page, played)

        page.locator(".sim-scenario").click()
        page.get_by_role("option", name="low_trust.yaml").click()
        sidebar.locator(".v-input", has=page.get_by_text("Initial trust", exact=True)).locator(
            ".v-slider__thumb-label", has_text="0.3"
        ).wait_for(timeout=60_000)
        in_use.get_by_text("Initial trust: 0.3", exact=True).wait_for(state="attached")
        page.get_by_role("button", name="Reset").click()  # anew, from the scenario picked
        page.get_by_text("Month 0 of 120", exact=True).wait_for()
        in_use.get_by_text("Scenario: low_trust", exact=True).wait_for(state="attached")
        assert in_use.get_by_text("Initial trust: 0.3", exact=True).count() == 1
        assert server.poll() is None and not failed, failed
    finally:
        stop(server)
    assert (tmp_path / "class-demo.png").stat().st_size > 50_000


def test_every_control_fits_a_projector_screen(browser, tmp_path):
    """At 1280x800 the buttons, every lever (its value shown without dragging it) and the
    network's options are in view; Mesa's chrome for developers is not; the network spans
    the page and its options change it."""
    port = free_port()
    server = serve([sys.executable, "run.py", "viz", "--port", str(port)], port, tmp_path / "log")
    try:
        page, failed = open_page(browser, port)
        first = wait_for_new(page, [])
        for name in ("Reset", "▶", "Step"):
            assert inside(page.get_by_role("button", name=name)), name
        sidebar = page.locator(".v-navigation-drawer")
        for label in (
            "Seed",
            "More settings: path=value; ...",
            *(v.label for v in LEVERS.values()),
        ):
            control = sidebar.locator(".v-input", has=page.get_by_text(label, exact=True))
            assert inside(control), label
        for lever in (lever for lever in LEVERS.values() if not lever.switch):
            control = sidebar.locator(".v-input", has=page.get_by_text(lever.label, exact=True))
            assert control.locator(".v-slider").bounding_box()["width"] >= 140, lever.label
            value = control.locator(".v-slider__thumb-label")
            now = control.locator("[role=slider]").get_attribute("aria-valuenow")
            assert value.is_visible() and value.inner_text() == now, lever.label
        bar = page.locator(".sim-bar").last
        for word in (*KIND_WORDS, *TIE_WORDS):
            assert inside(bar.get_by_role("button", name=word)), word
        assert inside(page.locator(".sim-scenario")) and inside(page.locator(".sim-follow"))
        network = page.locator("img.sim-picture").first
        assert inside(network) and network.bounding_box()["width"] > 0.6 * PROJECTOR["width"]
        assert not page.get_by_text("Use Threads").is_visible()
        assert not page.get_by_text("Page 0").is_visible()
        assert not page.get_by_role("tab").is_visible()

        page.get_by_role("button", name="Step").click()
        page.get_by_text("Month 1 of 120", exact=True).wait_for()
        shown = wait_for_new(page, first)
        bar.get_by_role("button", name="startups").click()  # hides the startups
        shown = wait_for_network(page, shown)
        page.locator(".sim-follow .v-select__slot").click()
        page.get_by_role("option").nth(1).click()  # the best-connected actor
        wait_for_network(page, shown)
        assert re.fullmatch(
            r"\w+ \d+", page.locator(".sim-follow .v-select__selection").inner_text()
        )
        assert server.poll() is None and not failed, failed
    finally:
        stop(server)


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
    token = re.compile(r"\?token=([\w-]+)")
    server = start(
        command,
        log,
        lambda out: token.search(out) is not None and status(f"http://127.0.0.1:{port}/") == 403,
    )
    return server, token.search(log.read_text())[1]


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
