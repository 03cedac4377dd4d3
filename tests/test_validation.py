"""The validation pack: its measures on hand-made records, its files and exit status, and the
pack holding at CI size (the full size is slow)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import slow

from sim.analysis import stylized, validation, validation_report
from sim.cli import main
from sim.model.metrics import METRICS
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def _actors(*rows: tuple[bool, int, float, str]) -> pd.DataFrame:
    """Actors records from (startup at birth, born, ended or nan, end)."""
    frame = pd.DataFrame(rows, columns=["startup_at_birth", "born", "ended", "end"])
    return frame.astype({"ended": float})


def test_survival_counts_only_failures_as_deaths():
    actors = _actors(
        (True, 1, 7, "failed"),  # dies at age 6
        (True, 1, 4, "acquired"),  # a successful exit: survives
        (True, 1, np.nan, "ipo"),
        (True, 1, np.nan, "alive at end"),
        (True, 0, 2, "failed"),  # founded before the run: not counted
        (False, 1, 3, "failed"),  # a corporate: not counted
    )
    curve = stylized.survival(actors, 25, (5, 6, 12, 24, 48))
    assert curve[5] == 1 and curve[6] == curve[12] == curve[24] == pytest.approx(0.75)
    assert np.isnan(curve[48])  # older than any startup could be


def test_survival_is_kaplan_meier_under_censoring():
    """A startup founded late and alive at the end leaves the risk set when it is censored:
    it does not dilute the later deaths (a naive cohort share would say 2/3 at 24 months)."""
    actors = _actors((True, 19, np.nan, "alive at end"), (True, 1, 21, "failed"))
    actors = pd.concat([actors, _actors((True, 1, np.nan, "alive at end"))])
    curve = stylized.survival(actors, 31, (12, 19, 20, 24))
    assert curve[12] == curve[19] == 1 and curve[20] == curve[24] == pytest.approx(0.5)


def test_value_concentration_and_the_radical_tail():
    assert stylized.top_share(np.r_[10.0, np.ones(9)], 0.1) == pytest.approx(10 / 19)
    assert stylized.top_share(np.ones(20), 0.1) == pytest.approx(0.1)
    innovations = pd.DataFrame({"value": np.arange(20.0), "radical": np.arange(20) >= 18})
    assert stylized.radical_tail(innovations, 0.1) == (1.0, 0.1)


def test_every_metric_the_pack_reads_is_in_the_registry():
    for name in ("network_density", "clustering_vs_random", "degree_max_mean", "degree_gini"):
        assert name in METRICS


@pytest.fixture(scope="module")
def tiny_pack() -> dict:
    """The pack on a small scenario, two seeds, three years: the machinery, not the facts."""
    scenario = load_scenario(ROOT / "scenarios" / "small.yaml")
    return validation.run_pack(scenario, validation.Size(2, 30), root=3, workers=1)


def test_the_pack_measures_every_check(tiny_pack):
    rows = tiny_pack["checks"]
    assert [r["measure"] for r in rows] == [c.measure for c in validation.CHECKS]
    bands = [r for r in rows if r["kind"] == "band"]
    assert all(len(r["per_seed"]) == 2 for r in bands)
    assert np.isfinite([r["value"] for r in bands if "survival" not in r["fact"]]).all()
    effects = [r for r in rows if r["kind"] == "effect"]
    assert all(r["n"] == 2 and np.isfinite(r["diff"]) for r in effects)


def test_the_pack_writes_json_and_markdown(tiny_pack, tmp_path):
    json_path, md_path = validation_report.write(tmp_path / "out", tiny_pack)
    data = json.loads(json_path.read_text())
    assert len(data["checks"]) == len(validation.CHECKS) and data["seeds"] == tiny_pack["seeds"]
    text = md_path.read_text()
    assert text.count("\n| ") == len(validation.CHECKS) + 1  # heading and one row per check
    assert "Scherer & Harhoff" in text and "paired seeds" in text
    assert not list((tmp_path / "out").glob(".*.tmp"))


def _result(holds: bool, required: bool = True) -> dict:
    row = {"fact": "f", "measure": "m", "tolerance": ">= 1", "source": "s", "kind": "band"}
    row |= {"value": 1.0 if holds else 0.0, "per_seed": [1.0], "holds": holds}
    return {"scenario": "x", "steps": 1, "seeds": [1, 2], "checks": [row | {"required": required}]}


@pytest.mark.parametrize(
    ("result", "status"),
    [(_result(True), 0), (_result(False), 1), (_result(False, required=False), 0)],
)
def test_exit_status_says_whether_every_required_fact_holds(
    monkeypatch, tmp_path, capsys, result, status
):
    monkeypatch.setattr(validation, "run_pack", lambda *args: dict(result))
    assert main(["validation", str(BASELINE), "--out", str(tmp_path)]) == status
    assert "| f | m |" in capsys.readouterr().out
    assert (tmp_path / "validation.json").exists() and (tmp_path / "validation.md").exists()


@pytest.mark.parametrize(
    "args",
    [["no_such.yaml"], ["--seeds", "1"], ["--size", "huge"], ["--steps", "0"]],
)
def test_bad_input_exits_2(args, tmp_path, capsys):
    try:
        status = main(["validation", *args, "--out", str(tmp_path / "out")])
    except SystemExit as stop:  # argparse
        status = stop.code
    assert status == 2 and capsys.readouterr().err.strip()
    assert not (tmp_path / "out").exists()


def _holds(size: validation.Size) -> None:
    result = validation.run_pack(load_scenario(BASELINE), size, root=1, workers=2)
    assert validation.all_hold(result), "\n" + validation_report.markdown(result)


def test_the_baseline_reproduces_the_stylized_facts_at_ci_size():
    _holds(validation.SIZES["ci"])


@slow
def test_the_baseline_reproduces_the_stylized_facts_at_full_size():
    _holds(replace(validation.SIZES["full"], seeds=5))
