"""The side-by-side class page: the pair model (two runs, one seed, one lever apart), its
overlaid charts, and the page in headless Chromium at projector size."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from test_viz import (
    PROJECTOR,
    browser,
    free_port,
    images,
    inside,
    reset_until,
    serve,
    stop,
    type_in,
    wait_for_new,
)

from sim.scenario import load_scenario
from sim.viz.charts import ChartsPicture
from sim.viz.classroom import LEVERS, SCENARIOS, ClassroomModel
from sim.viz.drawing import NetworkPicture, jpeg
from sim.viz.helper import Helped, Helper
from sim.viz.pair import COMPARISONS, PAIR_CHARTS, HalfModel, PairModel, run_labels
from sim.viz.pair_app import HALF

__all__ = ["browser"]  # the fixture, imported for the browser test

CLASSROOM = load_scenario(SCENARIOS / "classroom.yaml")


def _without(params: dict, paths: tuple[str, ...]) -> dict:
    """`params` (a model_dump) without the dotted `paths`."""
    out = {**params}
    for path in paths:
        *parents, last = path.split(".")
        node = out
        for key in parents:
            node[key] = {**node[key]}
            node = node[key]
        node.pop(last)
    return out


@pytest.mark.parametrize("name", list(COMPARISONS))
def test_the_pair_has_one_seed_and_differs_only_in_its_comparison(name):
    chosen = COMPARISONS[name]
    pair = PairModel(
        lever=chosen.lever,
        first=chosen.values[0],
        second=chosen.values[1],
        settings=chosen.settings,
    )
    first, second = pair.runs
    assert first.seed == second.seed == pair.seed == CLASSROOM.seed and not pair.refused
    lever = LEVERS[chosen.lever]
    assert (lever.read(first.params), lever.read(second.params)) == chosen.values
    for run, value, setting in zip(pair.runs, chosen.values, chosen.settings, strict=True):
        alone = ClassroomModel(more=setting, **{chosen.lever: value})
        assert run.params == alone.params  # the lever and its preset, nothing else
    assert first.params != second.params


def test_the_lesson_comparisons_differ_in_a_whole_preset():
    trust = PairModel(
        lever="initial_trust",
        first=0.6,
        second=0.3,
        settings=COMPARISONS["high vs low trust"].settings,
    )
    high, low = (run.params.trust for run in trust.runs)
    assert (high.opportunism, high.enforcement) == (0.05, 0.7)
    assert (low.opportunism, low.enforcement) == (0.3, 0.2)
    ip = PairModel(
        lever="ip_strength",
        first=0.85,
        second=0.0,
        settings=COMPARISONS["strong vs open IP"].settings,
    )
    strong, open_ = (run.params.ip for run in ip.runs)
    assert strong.patent_propensity == 0.7 and open_.patent_propensity == 0.0


def test_a_step_steps_both_runs_as_each_would_run_alone():
    pair = PairModel(preset="small.yaml", lever="Startups", first="40", second="80")
    alone = ClassroomModel(preset="small.yaml", startups=80)
    for _ in range(4):
        pair.step()
        alone.step()
    assert pair.steps == 4 and [run.steps for run in pair.runs] == [4, 4]
    assert pair.runs[1].metrics_frame().equals(alone.metrics_frame())
    assert not pair.runs[0].metrics_frame().equals(alone.metrics_frame())
    assert pair.labels == ("Startups: 40", "Startups: 80")


@pytest.fixture(scope="module")
def helper():
    """A helper process of its own, ready (its start takes a few seconds)."""
    helper = Helper()
    helper.start()
    assert helper.wait(120), "the helper process did not start"
    yield helper
    helper.process.kill()


def _same_run(one: ClassroomModel, other: ClassroomModel) -> bool:
    a, b = one.state.actors, other.state.actors
    return (
        one.steps == other.steps
        and one.metrics_frame().equals(other.metrics_frame())
        and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("capital", "knowledge"))
        and np.array_equal(one.layout.pos, other.layout.pos)
        and one.rng.bit_generator.state == other.rng.bit_generator.state
    )


OPTIONS = {"kinds": [0, 1, 2, 3, 4], "ties": [0, 1, 2], "ego": None}


def test_the_helper_steps_a_run_bit_for_bit_and_draws_its_frame(helper):
    built_with = {"preset": "classroom.yaml", "seed": 5, "more": "", "initial_trust": 0.3}
    run, alone = HalfModel(**built_with), HalfModel(**built_with)
    helped = Helped(run, built_with, helper)
    picture = NetworkPicture(HALF, alone.aspect, "none")
    assert helped.frame(HALF, "none", OPTIONS) is None  # nothing drawn there yet
    for month in range(1, 13):
        helped.begin()
        run.step()
        alone.step()
        assert helped.at_helper == month and _same_run(run, alone)
        here = jpeg(picture.image(alone.state, alone.layout.pos, "", **OPTIONS))
        assert helped.frame(HALF, "none", OPTIONS) == here
    # other settings than those the helper drew with: the page draws the frame itself
    assert helped.frame(HALF, "none", {**OPTIONS, "ties": [0]}) is None


def test_two_pages_share_the_helper_and_a_run_stepped_here_is_sent_again(helper):
    built = [{"preset": "small.yaml", "seed": s, "more": "", "startups": 40} for s in (1, 2)]
    runs, alone = [HalfModel(**b) for b in built], [HalfModel(**b) for b in built]
    helped = [Helped(run, b, helper) for run, b in zip(runs, built, strict=True)]
    for month in range(1, 9):
        if month == 4:  # a month the helper is busy with the other page: stepped here
            helped[0].begin()
            helped[1].begin()
            assert not helped[1]._sent
            for run in runs:
                run.step()
            assert helped[1].at_helper is None
        else:
            for one, run in zip(helped, runs, strict=True):
                one.begin()
                run.step()
            assert [one.at_helper for one in helped] == [month, month]
        for run in alone:
            run.step()
        assert all(_same_run(a, b) for a, b in zip(runs, alone, strict=True))


def test_when_the_helper_is_gone_the_run_steps_here():
    helper = Helper()
    helper.start()
    assert helper.wait(120)
    built_with = {"preset": "small.yaml", "seed": 3, "more": ""}
    run, alone = HalfModel(**built_with), HalfModel(**built_with)
    helped = Helped(run, built_with, helper)
    for month in range(1, 7):
        if month == 3:
            helper.process.kill()
            helper.process.join(10)
        helped.begin()
        run.step()
        alone.step()
        assert _same_run(run, alone)
        assert helped.at_helper == (month if month < 3 else None)


def test_the_pair_steps_its_second_run_at_the_helper():
    pair = PairModel(preset="small.yaml", lever="Startups", first="40", second="80")
    assert pair.helped.helper.wait(120)
    alone = ClassroomModel(preset="small.yaml", startups=80)
    for month in range(1, 4):
        pair.step()
        alone.step()
        assert pair.helped.at_helper == month
    assert pair.runs[1].metrics_frame().equals(alone.metrics_frame())


def test_the_runs_are_named_by_the_lesson_or_by_the_lever():
    trust = COMPARISONS["high vs low trust"].settings
    assert run_labels("initial_trust", (0.6, 0.3), trust) == (
        "high trust (trust.preset=high)",
        "low trust (trust.preset=low)",
    )
    ip = COMPARISONS["strong vs open IP"].settings
    assert run_labels("ip_strength", (0.85, 0.0), ip)[1] == "open IP (ip.regime=open)"
    assert run_labels("initial_trust", (0.7, 0.2)) == ("Initial trust: 0.7", "Initial trust: 0.2")
    assert run_labels("initial_trust", (0.6, 0.3)) == ("Initial trust: 0.6", "Initial trust: 0.3")
    assert run_labels("sandbox", (True, False)) == (
        "Regulatory sandbox: on",
        "Regulatory sandbox: off",
    )


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"lever": "Luck"}, "lever: got 'Luck'"),
        ({"first": "high"}, "value of run 1: got 'high'; must be a number"),
        ({"second": "[1, 2]"}, "value of run 2: got '[1, 2]'"),
        ({"lever": "startups", "second": "-5"}, "population.startup.count: got -5; must be >= 0"),
    ],
)
def test_bad_lever_values_are_refused_with_a_reason(given, said):
    pair = PairModel(preset="small.yaml", **given)
    assert any(said in line for line in pair.refused), pair.refused
    pair.step()  # and the pair still runs


def test_each_chart_shows_both_runs_solid_and_dashed():
    labels = ("high trust (trust.preset=high)", "low trust (trust.preset=low)")
    charts = ChartsPicture(24, columns=4, size=(214, 150), runs=labels, charts=PAIR_CHARTS)
    series = {name: [1.0, 2.0] for chart in PAIR_CHARTS for name in chart.metrics}
    charts.png(series, series)
    for chart in charts.charts:
        solid, dashed = chart.lines
        assert (solid.get_linestyle(), dashed.get_linestyle()) == ("-", "--")
        assert len(solid.get_xdata()) == len(dashed.get_xdata()) == 2
        assert [t.get_text() for t in chart.ax.get_legend().get_texts()] == list(labels)


# --- the page in a real browser ------------------------------------------------------------


def test_side_by_side_page_in_headless_chromium(browser, tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "sim.viz.serve", "--production", "--no-open"]
    command += ["--no-check-version", "--port", str(port)]
    env = {"SIM_VIZ_APP": "sim.viz.pair_app"}
    server = serve(command, port, tmp_path / "log", env=env)
    try:
        page = browser.new_page(viewport=PROJECTOR)
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_text("Month 0 of 120", exact=True).wait_for(timeout=120_000)
        first = wait_for_new(page, [], count=3)  # two networks and the charts
        runs = (
            ("high trust (trust.preset=high)", "solid"),
            ("low trust (trust.preset=low)", "dashed"),
        )
        for label, line in runs:
            assert page.get_by_text(f"{label} — {line} lines in the charts").is_visible()
        for name in ("Reset", "▶", "Step"):
            assert inside(page.get_by_role("button", name=name))
        for label in ("The lever that differs", "Its value in the first run (solid)"):
            assert inside(page.locator(".v-input", has=page.get_by_text(label, exact=True)))
        assert inside(page.locator(".sim-follow"))
        assert not page.get_by_text("Use Threads").is_visible()

        page.get_by_role("button", name="Step").click()
        page.get_by_text("Month 1 of 120", exact=True).wait_for()
        stepped = wait_for_new(page, first, count=3)  # both networks and the charts changed
        assert len(set(stepped[:2])) == 2

        page.locator(".sim-comparison").click()
        page.get_by_role("option", name="strong vs open IP").click()
        strong = "strong IP (ip.regime=strong) — solid lines in the charts"
        page.get_by_text(strong).wait_for(timeout=60_000)
        page.get_by_text("open IP (ip.regime=open) — dashed lines in the charts").wait_for()
        page.get_by_text("Month 0 of 120", exact=True).wait_for()

        value = page.locator(".v-input", has=page.get_by_text("Its value in the second run"))
        dashed = page.get_by_text("IP strength (patented flow blocked): 0.3 — dashed")
        reset_until(page, dashed, typed=type_in(value.locator("input"), "0.3"))
        assert len(images(page)) == 3 and server.poll() is None
    finally:
        stop(server)
