"""The report says only what the runs measured: not measured apart from no difference,
negligible effects flagged, charts in words with units and nothing clipped, bands of counts
never below zero, readable numbers, and every text from a file escaped."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis import aggregate, plots
from sim.analysis.report_findings import findings
from sim.analysis.report_html import num, show, signed
from sim.analysis.summary import summarise

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "scenarios" / "small.yaml"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_TEXT = "<script>alert(2)</script><img src=x onerror=alert(3)> $x$ & more"


def command(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "run.py", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert done.returncode == 0, done.stderr


def scenario(path: Path, **data) -> Path:
    path.write_text(yaml.safe_dump({"extends": str(SMALL), **data}))
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A compare of a baseline and an alternative whose names and descriptions are HTML."""
    tmp = tmp_path_factory.mktemp("hostile")
    base = scenario(tmp / "base.yaml", name=f"base{HOSTILE}", description=HOSTILE_TEXT)
    other = scenario(
        tmp / "other.yaml",
        name=f"regulatory_sandbox{HOSTILE}",
        description=HOSTILE_TEXT,
        governance={"sandbox": True},
    )
    out = tmp / "out"
    command(
        "compare", str(base), str(other), "--replications", "2", "--steps", "6", "--seed", "3",
        "--out", str(out), "--quiet",
    )  # fmt: skip
    return out


def test_no_text_from_a_file_reaches_the_page_unescaped(hostile):
    text = (hostile / "report.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown, as text
    assert "&lt;img src=x onerror=alert(3)&gt;" in text
    assert not re.search(r"<img(?![^>]*src='data:image/png;base64,)", text)  # only our charts


def test_the_report_states_run_length_yes_no_and_the_full_reproduction(hostile):
    text = (hostile / "report.html").read_text(encoding="utf-8")
    assert "This comparison ran 6 months per run." in text
    compared = text[text.index("id='compared'") : text.index("id='headline'")]
    assert "<code>governance.sandbox</code></td><td>no</td><td>yes</td>" in compared
    assert "True" not in compared and "False" not in compared
    hint = re.search(r"The whole sweep again: <code>([^<]*)</code>", text).group(1)
    assert "--replications 2" in hint and "--steps 6" in hint and "--seed 3" in hint
    one = re.search(r"One run again: <code>([^<]*)</code>", text).group(1)
    assert "--seed SEED" in one and "--steps 6" in one


def test_short_runs_say_not_measured_for_5_year_survival(hostile):
    text = (hostile / "report.html").read_text(encoding="utf-8")
    line = re.search(r"<ul class='findings'>(.*?)</ul>", text, re.S).group(1)
    assert "not measured (runs shorter than 61 months; these ran 6): 5-year startup" in (
        line.lower()
    )
    unclear = re.search(r"No clear difference in: ([^.]*)\.", line)
    assert unclear is None or "survival" not in unclear.group(1)


def test_summarising_draws_without_matplotlib_warnings(hostile):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summarise(hostile)
    user = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not user, user  # e.g. "No artists with labels found to put in legend"


def test_bands_of_counts_are_never_below_zero_in_the_file(hostile):
    bands = pd.read_parquet(hostile / "timeseries_aggregate.parquet")
    counts = bands[bands["metric"].isin(["innovations", "patents_granted", "public_spend"])]
    assert (counts["ci_high"] > counts["mean"]).any()  # some spread, so the check can fail
    assert (counts["ci_low"].dropna() >= 0).all()


def test_bands_keep_negative_bounds_of_what_can_be_negative(tmp_path):
    part = tmp_path / "part.parquet"
    frame = pd.DataFrame(
        {
            "run_id": [0, 1, 2],
            "scenario": "s",
            "point": 0,
            "step": 1,
            "innovations": [0.0, 0.0, 9.0],
            "total_capital": [0.0, 0.0, 9.0],
        }
    )
    frame.to_parquet(part)
    bands = aggregate.step_bands([part], ["innovations", "total_capital"]).set_index("metric")
    assert bands.loc["innovations", "ci_low"] == 0.0
    assert bands.loc["total_capital", "ci_low"] < 0  # capital can be negative: not clipped


def test_one_replication_is_not_measured_rather_than_no_difference(tmp_path):
    out = tmp_path / "one"
    command(
        "compare", str(SMALL), str(ROOT / "scenarios" / "small_strong_ip.yaml"),
        "--replications", "1", "--steps", "6", "--out", str(out), "--quiet",
    )  # fmt: skip
    text = (out / "report.html").read_text(encoding="utf-8")
    line = re.search(r"<ul class='findings'>(.*?)</ul>", text, re.S).group(1)
    assert "no clear difference" not in line.lower()
    assert "not measured (one replication gives no interval): innovations" in line
    assert "With one replication there are no confidence intervals" in text


def _row(metric: str, rel: float, d: float, significant: bool = True) -> dict:
    return {
        "scenario": "alt",
        "point": 0,
        "metric": metric,
        "n_pairs": 10,
        "baseline_mean": 100.0,
        "scenario_mean": 100.0 * (1 + rel),
        "diff": 100.0 * rel,
        "diff_ci_low": 100.0 * rel - 1,
        "diff_ci_high": 100.0 * rel + 1,
        "rel_diff": rel,
        "rel_ci_low": rel - 0.01,
        "rel_ci_high": rel + 0.01,
        "effect_size": d,
        "p_value": 0.01,
        "significant": significant,
    }


def test_negligible_effects_are_flagged_and_findings_ordered_by_effect_size():
    comp = pd.DataFrame(
        [
            _row("public_spend", -0.002, -0.06),
            _row("innovations", 0.2, 0.9),
            _row("patents_granted", 1.35, 3.1),
            _row("mean_trust", 0.01, 0.1, significant=False),
        ]
    )
    runs = pd.DataFrame({"status": ["ok"], "steps": [120], "scenario": ["alt"]})
    manifest = SimpleNamespace(baseline="base")
    text = findings(comp, list(comp["metric"]), manifest, runs)
    assert text.index("patents") < text.index("innovations") < text.index("public spend")
    assert "public spend ($M) -0.2% (95% CI -1.2% to +0.8%), <b>negligible</b> (d = -0.06)" in text
    assert "patents +135%" in text and "d = 3.1 (large)" in text
    assert "No clear difference in: trust (mean)." in text


@pytest.mark.parametrize("value", [-1.97e-05, 3.3e-7, 0.000662, -0.0123, 1.5e-4])
def test_small_numbers_are_readable(value):
    assert "e" not in num(value) and "e" not in signed(value)
    assert float(num(value)) == pytest.approx(value, rel=0.01)


def test_yes_no_not_true_false():
    assert show(True) == "yes" and show(False) == "no"


def _check_layout(fig) -> None:
    """Every panel with all it draws (title, axis titles, tick labels) inside the figure and
    clear of every other panel."""
    renderer = fig.canvas.get_renderer()
    shown = [ax for ax in fig.axes if ax.get_visible()]
    boxes = [ax.get_tightbbox(renderer) for ax in shown]
    page = fig.bbox
    for ax, box in zip(shown, boxes, strict=True):
        assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, f"clipped: {ax.get_title()}"
        assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, f"clipped: {ax.get_title()}"
    for i, box in enumerate(boxes):
        for j, other in enumerate(boxes[i + 1 :], i + 1):
            titles = shown[i].get_title(), shown[j].get_title()
            assert not box.overlaps(other), f"panels run into each other: {titles}"


@pytest.fixture
def checked(monkeypatch) -> list:
    """Figures' layouts are checked as they are saved (before they are cleared)."""
    figures: list = []
    save = plots._save

    def checking(fig, path, title):
        fig.canvas.draw()
        _check_layout(fig)
        shown = [ax for ax in fig.axes if ax.get_visible()]
        figures.append([(ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) for ax in shown])
        return save(fig, path, title)

    monkeypatch.setattr(plots, "_save", checking)
    return figures


NAMES = ["small", "regulatory_sandbox", "a_scenario_with_a_rather_long_name$1"]
METRICS = ["innovations", "public_spend", "mean_knowledge", "clustering_vs_random"]


def test_distribution_charts_have_units_and_no_clipped_labels(tmp_path, checked):
    rng = np.random.default_rng(1)
    runs = pd.DataFrame(
        {"scenario": np.repeat(NAMES, 4)} | {m: rng.uniform(0, 1e-5, 12) for m in METRICS}
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plots.plot_distributions(runs, METRICS, tmp_path / "d.png", "distributions")
    assert not [w for w in caught if issubclass(w.category, UserWarning)]
    panels = dict((t, (x, y)) for t, x, y in checked[0])
    assert panels["public spend ($M)"][0] == "$M, total over the run"
    assert panels["innovations"][0] == "count, total over the run"
    assert panels["knowledge (mean level)"][0] == "level, in the last month"


def test_band_charts_have_axis_titles_and_no_clipped_labels(tmp_path, checked):
    rows = [
        {"label": n, "metric": m, "step": s, "mean": 0.0, "ci_low": 0.0, "ci_high": 1e-5 * s}
        for n in NAMES
        for m in METRICS
        for s in range(1, 7)
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plots.plot_bands(pd.DataFrame(rows), METRICS, tmp_path / "b.png", "bands")
    assert not [w for w in caught if issubclass(w.category, UserWarning)]
    for title, xlabel, ylabel in checked[0]:
        assert xlabel == "month" and ylabel, title
    assert ("public spend ($M)", "month", "$M per month") in checked[0]


def test_an_all_zero_count_is_not_drawn_on_a_negative_axis(tmp_path, monkeypatch):
    limits = {}
    save = plots._save

    def keeping(fig, path, title):
        limits.update({ax.get_title(): ax.get_xlim() for ax in fig.axes if ax.get_visible()})
        return save(fig, path, title)

    monkeypatch.setattr(plots, "_save", keeping)
    runs = pd.DataFrame({"scenario": np.repeat(NAMES[:2], 3), "startups_failed": 0.0})
    plots.plot_distributions(runs, ["startups_failed"], tmp_path / "z.png", "zeros")
    [(low, high)] = limits.values()
    assert low == 0 and high > 0


def test_the_report_shows_scenario_files_relative_to_the_working_folder(tmp_path, monkeypatch):
    from sim.analysis.report_sections import shown_path

    monkeypatch.chdir(tmp_path)
    assert shown_path(str(tmp_path / "scenarios" / "a.yaml")) == "scenarios/a.yaml"
    assert shown_path("/elsewhere/b.yaml") == "/elsewhere/b.yaml"  # outside: as recorded
    assert shown_path("c.yaml") == "c.yaml"
