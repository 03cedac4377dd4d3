"""The single-run chart and the command line's edges: piped output, `--steps 0`, the table's
units, and `--set` with a whole mapping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.transforms import Bbox

from sim.analysis.plots import panels, timeseries_figure
from sim.cli import BROKEN_PIPE
from sim.cli.run import heading
from sim.config.paths import put
from sim.experiment.spec import Experiment
from sim.model.metrics import METRICS
from sim.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SMALL = "scenarios/small.yaml"
GRID = "experiments/trust_ip_grid.yaml"
STEPS = np.arange(1, 121)
# awkward but plausible series: long tick labels (density), flat ones far from zero
SERIES = {
    "network_density": 0.00125 * STEPS / 120,
    "largest_component_share": 0.9975 + 0.0025 * (STEPS % 2),
    "public_spend": 112 + 2 * np.sin(STEPS / 10),
    "startups_alive": 600 - STEPS,
    "vc_invested": 12_000 + 300 * np.cos(STEPS),
}


def cli(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def figure():
    """The run chart of a made-up run with every panel's metrics, drawn."""
    rng = np.random.default_rng(1)
    names = [m for cols in panels().values() for m in cols]
    df = pd.DataFrame({m: SERIES.get(m, rng.uniform(0.2, 0.8, len(STEPS))) for m in names})
    df.insert(0, "step", STEPS)
    fig = timeseries_figure(df)
    fig.canvas.draw()
    return fig, {ax.get_title().replace("\\$", "$"): ax for ax in fig.axes if ax.get_visible()}


def test_run_chart_labels_stay_in_their_panel_and_the_figure(figure):
    fig, axes = figure
    renderer = fig.canvas.get_renderer()
    gap = fig.dpi * 0.05  # a twentieth of an inch at least between one panel's labels and the next
    boxes = {name: ax.get_tightbbox(renderer) for name, ax in axes.items()}
    page = Bbox.from_bounds(0, 0, *fig.canvas.get_width_height())
    for name, box in boxes.items():
        assert page.containsx(box.x0) and page.containsx(box.x1), name
        assert page.containsy(box.y0) and page.containsy(box.y1), name
        near = box.padded(gap)
        others = [other for other, b in boxes.items() if other != name and b.overlaps(near)]
        assert not others, f"{name} overlaps {others}"


def test_run_chart_axes_start_at_zero_for_metrics_that_cannot_be_negative(figure):
    _, axes = figure
    for name, cols in panels().items():
        if all(METRICS[c].never_negative for c in cols):
            assert axes[name].get_ylim()[0] == 0, name
    # a share that barely moves near 1 is drawn flat, not as a climb over the whole axis
    assert axes["network structure"].get_ylim()[1] >= 1


def test_run_chart_y_axes_have_units_and_legends_words(figure):
    _, axes = figure
    assert all(ax.get_ylabel() for ax in axes.values())
    assert "$M per month" in axes["venture capital ($M / month)"].get_ylabel().replace("\\", "")
    assert "count per month" in axes["startup events / month"].get_ylabel()
    legend = [t.get_text() for t in axes["startup events / month"].get_legend().get_texts()]
    assert legend == [METRICS[c].label for c in panels()["startup events / month"]]


def test_run_table_shows_words_and_units():
    assert heading(METRICS["vc_invested"]) == "VC invested ($M, total)"
    assert heading(METRICS["mean_trust"]) == "trust (mean, final)"
    assert heading(METRICS["network_density"]) == "network density (final)"
    assert heading(METRICS["startup_survival_5y"]) == "5-year startup survival (share)"


def test_output_piped_into_a_reader_that_left_ends_quietly():
    read, write = os.pipe()
    os.close(read)  # like `| head` having read its lines and gone
    try:
        done = cli("sweep", "experiments/demo.yaml", "--dry-run", stdout=write, stderr=-1)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (BROKEN_PIPE, "")


@pytest.mark.parametrize(
    "args",
    [
        ("run", SMALL),
        ("sweep", "experiments/demo.yaml", "--dry-run"),
        ("compare", SMALL, "scenarios/small_strong_ip.yaml"),
    ],
)
def test_zero_steps_are_refused_in_one_line(args, tmp_path):
    done = cli(*args, "--steps", "0", "--out", str(tmp_path / "out"), capture_output=True)
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        f"argument --steps: got 0; must be >= 1 (see python run.py {args[0]} --help)"
    )
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_an_experiment_of_zero_steps_is_refused(tmp_path):
    path = tmp_path / "zero.yaml"
    path.write_text(yaml.safe_dump({"name": "zero", "baseline": str(ROOT / SMALL), "steps": 0}))
    done = cli("sweep", str(path), "--dry-run", capture_output=True)
    assert done.returncode == 2
    assert done.stderr.strip() == f"{path}: steps: got 0; must be >= 1"


def test_set_replaces_a_sweep_range_with_a_mapping():
    done = cli(
        "sweep",
        GRID,
        "--dry-run",
        "--set",
        "parameters.trust.enforcement={low: 0.1, high: 0.5, num: 3}",
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    assert "12 design points" in done.stdout  # 3 enforcement values x 4 IP strengths


def test_put_keeps_a_whole_mapping_value_and_merges_sections():
    data = {"parameters": {"trust.enforcement": [0.1, 0.9]}}
    range_ = {"low": 0.1, "high": 0.5, "num": 3}
    assert put(data, {"parameters.trust.enforcement": range_}, Experiment) == []
    assert data["parameters"] == {"trust.enforcement": range_}
    scenario = {"knowledge": {"radical_prob": {"startup": 0.1, "corporate": 0.2}}}
    assert put(scenario, {"knowledge": {"radical_prob": {"startup": 0.3}}}, Scenario) == []
    assert scenario["knowledge"]["radical_prob"] == {"startup": 0.3, "corporate": 0.2}
