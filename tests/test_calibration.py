"""Calibration: targets and settings files, the distance, the seeded sampler, the command's
outputs, the same posterior on any number of workers and on Dask, resume after a kill, and
recovering known parameters from targets simulated with them."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import workers_asked

from sim.calibration import smc
from sim.calibration.posterior import SIMULATED
from sim.calibration.sampler import chain_seeds
from sim.calibration.simulate import ERROR, SEED, Distance, Simulator
from sim.calibration.spec import Calibration, load_calibration
from sim.calibration.targets import Targets, load_targets, measure
from sim.cli import main
from sim.scenario import apply_changes, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SMALL = str(ROOT / "scenarios" / "small.yaml")
# measurable in 24 months: survival at 12, a flow over a window, a level at a month
SHORT_TARGETS = """\
name: short
description: "<b>short</b> targets"
targets:
  survival_12: {statistic: survival, age: 12, observed: 0.8, tolerance: 0.05}
  founded: {statistic: startups_founded, window: [13, 24], observed: 10, tolerance: 3}
  density: {statistic: network_density, month: 24, observed: 0.05, tolerance: 0.02, weight: 0.5}
"""
TINY = ["--steps", "24", "--population", "10", "--generations", "2", "--quiet"]
FITS = ["--fit", "lifecycle.closure_rate=0.001:0.03", "--fit", "entry.rate=0.2:2:log"]


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _calibrate(out: Path, targets: str, *extra: str) -> int:
    return main(["calibrate", SMALL, "--targets", targets, *FITS, *TINY, "--out", str(out), *extra])


def _posterior(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "posterior.parquet")


@pytest.fixture(scope="module")
def targets_file(tmp_path_factory) -> str:
    return _write(tmp_path_factory.mktemp("targets"), "short.yaml", SHORT_TARGETS)


@pytest.fixture(scope="module")
def local(tmp_path_factory, targets_file) -> Path:
    """A tiny calibration on two local processes: the reference the other backends match."""
    out = tmp_path_factory.mktemp("local")
    assert _calibrate(out, targets_file, "--jobs", "2") == 0
    return out


# --- files and bad input ----------------------------------------------------------------


def test_shipped_targets_and_settings_are_valid():
    for path in (ROOT / "targets").glob("*.yaml"):
        assert load_targets(path).targets
    for path in (ROOT / "calibrations").glob("*.yaml"):
        assert load_calibration(path).parameters
    assert main(["validate", *map(str, (ROOT / "targets").glob("*.yaml"))]) == 0


@pytest.mark.parametrize(
    "target, why",
    [
        ("{statistic: patents, observed: 1, tolerance: 1}", "unknown statistic 'patents'"),
        ("{statistic: innovations, observed: 1, tolerance: -0.5}", "tolerance: got -0.5"),
        ("{statistic: innovations, observed: .nan, tolerance: 1}", "must be a finite number"),
        ("{statistic: survival, observed: 0.5, tolerance: 0.1}", "survival needs age"),
        ("{statistic: time_to_first_product, month: 3, observed: 1, tolerance: 1}", "per run"),
        ("{statistic: innovations, window: [9, 3], observed: 1, tolerance: 1}", "window: got"),
        ("{statistic: innovations, observed: 1, tolerance: 1, weight: 0}", "every weight is 0"),
        ("{statistic: innovations, observed: 1, tolerance: 1, colour: red}", "unknown key"),
    ],
)
def test_a_bad_target_is_one_line_naming_file_and_field(tmp_path, capsys, target, why):
    path = _write(tmp_path, "t.yaml", f"name: t\ntargets:\n  a: {target}\n")
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}: targets") and why in err[0]


@pytest.mark.parametrize(
    "settings, why",
    [
        ("parameters: {}", "parameters: empty"),
        ("parameters: {lifecycle.closure_rate: {low: 0.2, high: 0.1}}", "must be > low"),
        ("parameters: {lifecycle.nonsense: {low: 0, high: 1}}", "unknown key 'nonsense'"),
        ("parameters: {ip.regime: {low: 0, high: 1}}", "is not a number"),
        ("parameters: {entry.rate: {low: 0, high: 1, prior: log-uniform}}", "needs low > 0"),
        ("parameters: {entry.rate: {low: 1, high: 2}}\npopulation: 2", "population: got 2"),
    ],
)
def test_bad_settings_are_one_line(tmp_path, capsys, settings, why):
    path = _write(tmp_path, "c.yaml", settings + "\n")
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}: ") and why in err[0]


@pytest.mark.parametrize(
    "flags, why",
    [
        (["--fit", "lifecycle.closure_rate=0.5:2"], "high: got 2.0; must be <= 1"),
        (["--fit", "population.startup.count=10.5:20"], "must be a whole number"),
        ([], "name the parameters to fit"),
        (["--fit", "entry.rate=1:2", "--steps", "6"], "survival_12 needs 13"),
        (["--fit", "entry.rate=1:2", "--address", "tcp://127.0.0.1:1"], "cannot reach a Dask"),
        (["--fit", "entry.rate=1:2", "--max-memory", "0.01"], "--max-memory"),
    ],
)
def test_priors_outside_the_schema_and_short_runs_exit_2(
    tmp_path, capsys, targets_file, flags, why
):
    args = ["calibrate", SMALL, "--targets", targets_file, *flags, "--out", str(tmp_path)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and why in err[0]
    assert not (tmp_path / "abc.db").exists()


def test_a_file_of_the_wrong_kind_is_one_line(tmp_path, capsys, targets_file):
    args = ["calibrate", targets_file, "--targets", SMALL, "--fit", "entry.rate=1:2"]
    assert main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{targets_file}: this is a targets file; calibrate takes a scenario (see scenarios/); "
        "use calibrate --targets"
    ]


# --- the pieces ---------------------------------------------------------------------------


def test_local_processes_fork_from_the_server_with_the_model(tmp_path, monkeypatch, targets_file):
    """Before its first generation the command starts the server the local workers fork from."""
    out = tmp_path / "out"
    asked = workers_asked(monkeypatch, lambda: _calibrate(out, targets_file, "--jobs", "2"))
    assert asked == [("local", 2)] and not (out / "posterior.parquet").exists()


def test_distance_is_the_weighted_rms_miss_in_tolerances(targets_file):
    targets = load_targets(targets_file)
    distance = Distance(targets)
    observed = {name: t.observed for name, t in targets.targets.items()}
    assert distance(observed, observed) == 0
    one_off = {name: t.observed + t.tolerance for name, t in targets.targets.items()}
    assert distance(one_off, observed) == pytest.approx(1.0)
    # only the weight-0.5 target misses, by two tolerances: sqrt(0.5 * 4 / 2.5)
    density = observed | {"density": observed["density"] + 2 * 0.02}
    assert distance(density, observed) == pytest.approx(math.sqrt(0.8))
    assert distance(observed | {"founded": float("nan")}, observed) == math.inf


def test_statistics_are_read_at_a_month_over_a_window_and_from_records(targets_file):
    from sim.model import metrics
    from sim.model.runner import run_model

    targets = load_targets(targets_file)
    scenario = apply_changes(load_scenario(SMALL), {"steps": 24, "record": ["actors"]})
    model = run_model(scenario, 3)
    series = model.series
    values = metrics.run_values(series, metrics.run_metrics(series, model.state, model.steps))
    got = measure(targets, series, values, model.records(), model.steps)
    assert got["founded"] == series["startups_founded"][12:24].sum()
    assert got["density"] == series["network_density"][23]
    assert 0 < got["survival_12"] <= 1


def test_a_failing_run_is_recorded_and_rejected_not_fatal(monkeypatch, targets_file):
    import sim.model.runner

    def broken(*args, **kwargs):
        raise ValueError("the model broke")

    monkeypatch.setattr(sim.model.runner, "run_model", broken)
    targets = load_targets(targets_file)
    stats = Simulator(load_scenario(SMALL), targets, 1)({"entry.rate": 1.0})
    assert "ValueError: the model broke" in stats[ERROR] and isinstance(stats[SEED], int)
    assert all(math.isnan(stats[name]) for name in targets.targets)
    assert Distance(targets)(stats, {n: t.observed for n, t in targets.targets.items()}) == math.inf


def test_failed_candidates_land_in_failures_parquet(tmp_path, monkeypatch, targets_file):
    import sim.model.runner

    real = sim.model.runner.run_model

    def fragile(scenario, seed, *args, **kwargs):  # fails for a third of the prior
        if scenario.lifecycle.closure_rate > 0.02:
            raise RuntimeError("closure too high for this test")
        return real(scenario, seed, *args, **kwargs)

    monkeypatch.setattr(sim.model.runner, "run_model", fragile)
    assert _calibrate(tmp_path, targets_file, "--jobs", "1", "--generations", "1") == 0
    failures = pd.read_parquet(tmp_path / "failures.parquet")
    assert len(failures) and (failures["lifecycle.closure_rate"] > 0.02).all()
    assert failures["error"].str.contains("closure too high").all()
    assert (_posterior(tmp_path)["lifecycle.closure_rate"] <= 0.02).all()
    assert json.loads((tmp_path / "calibration.json").read_text())["failures"] == len(failures)


def test_chain_seeds_are_spawned_per_generation_and_particle():
    assert chain_seeds(1, 0, 5) == chain_seeds(1, 0, 5)
    assert len(set(chain_seeds(1, 0, 50) + chain_seeds(1, 1, 50) + chain_seeds(1, -1, 50))) == 150
    assert chain_seeds(1, 0, 5) != chain_seeds(2, 0, 5)


# --- the command ---------------------------------------------------------------------------


def test_the_command_writes_posterior_scenario_plots_and_report(local, targets_file):
    post = _posterior(local)
    assert len(post) == 10 and post["weight"].sum() == pytest.approx(1)
    assert {SEED, "lifecycle.closure_rate", "entry.rate", f"{SIMULATED}founded"} <= set(post)
    assert post[SEED].nunique() == 10  # every row carries its candidate's seed
    particles = pd.read_parquet(local / "particles.parquet")
    assert sorted(particles["generation"].unique()) == [0, 1]
    summary = json.loads((local / "calibration.json").read_text())
    for path, p in summary["parameters"].items():
        assert p["q05"] <= p["median"] <= p["q95"]
        low, high = {"lifecycle.closure_rate": (0.001, 0.03), "entry.rate": (0.2, 2)}[path]
        assert low <= p["q05"] and p["q95"] <= high
    calibrated = load_scenario(local / "calibrated.yaml")
    assert calibrated.name == "small_calibrated"
    assert calibrated.lifecycle.closure_rate == pytest.approx(
        summary["parameters"]["lifecycle.closure_rate"]["median"]
    )
    assert calibrated.population.startup.count == 60  # the rest is small.yaml's
    for name in ("fit.png", "marginals.png", "pairs.png"):
        assert (local / name).stat().st_size > 10_000
    page = (local / "report.html").read_text()
    assert "<h2>Calibration</h2>" in page and "90% credible interval" in page
    assert "<b>short</b>" not in page  # text from a file is escaped
    assert main(["report", str(local)]) == 0


def test_another_calibration_in_the_same_folder_is_refused(local, targets_file, capsys):
    args = ["calibrate", SMALL, "--targets", targets_file, "--fit", "entry.rate=0.2:2", *TINY]
    assert main([*args, "--out", str(local)]) == 2
    assert "holds another calibration" in capsys.readouterr().err


def test_the_posterior_does_not_depend_on_the_workers(tmp_path, local, targets_file):
    assert _calibrate(tmp_path, targets_file, "--jobs", "1") == 0
    pd.testing.assert_frame_equal(_posterior(tmp_path), _posterior(local))


def test_a_dask_local_cluster_gives_the_local_posterior(tmp_path, local, targets_file):
    assert _calibrate(tmp_path, targets_file, "--backend", "dask", "--jobs", "2") == 0
    pd.testing.assert_frame_equal(_posterior(tmp_path), _posterior(local))


def test_a_killed_calibration_resumes_to_the_same_posterior(tmp_path, local, targets_file):
    """Killed (SIGKILL) once its first generation is stored, then run again: the posterior is
    the uninterrupted one, and the finished generation is not simulated again."""
    args = [sys.executable, str(ROOT / "run.py"), "calibrate", SMALL, "--targets", targets_file]
    args += [*FITS, *TINY, "--jobs", "2", "--out", str(tmp_path)]
    proc = subprocess.Popen(args, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if (tmp_path / "settings.json").exists() and _generations(tmp_path) >= 1:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the calibration ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "posterior.parquet").exists()
    first = _generations(tmp_path)
    assert (
        main(
            [
                "calibrate",
                SMALL,
                "--targets",
                targets_file,
                *FITS,
                *TINY,
                "--jobs",
                "2",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    pd.testing.assert_frame_equal(_posterior(tmp_path), _posterior(local))
    assert first == 1


def _generations(out: Path) -> int:
    try:
        return len(smc.populations(smc.history(smc.Folder(out))))
    except Exception:  # the database is still being created
        return 0


# --- recovery -----------------------------------------------------------------------------

TRUTH = {"lifecycle.closure_rate": 0.012, "knowledge.value_sigma": 1.8}
PRIORS = {"lifecycle.closure_rate": (0.001, 0.03), "knowledge.value_sigma": (0.3, 2.5)}


def test_known_parameters_are_recovered_from_targets_simulated_with_them(tmp_path):
    """Simulate small.yaml with known values, take its statistics as the targets (the mean of
    four runs, their spread as the tolerance), calibrate both back: the 90% credible interval
    of each covers the truth, and the closure rate's is far narrower than its prior."""
    scenario = apply_changes(load_scenario(SMALL), {"steps": 48})
    stats = {
        "survival_12": {"statistic": "survival", "age": 12},
        "survival_24": {"statistic": "survival", "age": 24},
        "top10": {"statistic": "top_value_share", "share": 0.1},
    }
    shape = Targets(
        name="truth", targets={n: s | {"observed": 0, "tolerance": 1} for n, s in stats.items()}
    )
    simulate = Simulator(apply_changes(scenario, {"record": shape.records}), shape, 1)
    runs = []
    for seed in range(4):
        np.random.seed(seed)
        runs.append(simulate(TRUTH))
    observed = {
        n: s
        | {
            "observed": float(np.mean([r[n] for r in runs])),
            "tolerance": max(float(np.std([r[n] for r in runs])), 0.03),
        }
        for n, s in stats.items()
    }
    targets = Targets(name="truth", targets=observed)
    settings = Calibration(
        parameters={p: {"low": lo, "high": hi} for p, (lo, hi) in PRIORS.items()},
        population=30,
        generations=4,
        replications=2,
        steps=48,
        min_epsilon=0.5,
        seed=7,
    )
    problem = smc.Problem(scenario, targets, settings, {"scenario": SMALL, "targets": "truth"})
    smc.run(problem, tmp_path, 2)
    post = smc.history(smc.Folder(tmp_path)).get_distribution(t=None)
    frame, weights = post
    from sim.calibration.posterior import quantiles

    for path, truth in TRUTH.items():
        q = quantiles(frame[path], pd.Series(weights))
        assert q["q05"] <= truth <= q["q95"], f"{path}: {q} misses {truth}"
    q = quantiles(frame["lifecycle.closure_rate"], pd.Series(weights))
    low, high = PRIORS["lifecycle.closure_rate"]
    assert q["q95"] - q["q05"] < 0.5 * (high - low)


def test_slurm_gives_the_local_posterior(tmp_path, local, targets_file):
    from test_clusters import slurm_or_skip

    slurm_or_skip()
    flags = ["--backend", "slurm", "--slurm-jobs", "1", "--cores", "2", "--walltime", "00:10:00"]
    assert _calibrate(tmp_path, targets_file, *flags) == 0
    pd.testing.assert_frame_equal(_posterior(tmp_path), _posterior(local))
    assert list((tmp_path / "slurm-logs").glob("*.out"))  # the jobs' logs stay in the folder


def test_every_setting_and_target_field_is_documented():
    import re

    from sim.calibration.spec import Prior
    from sim.calibration.targets import Target

    text = (ROOT / "docs" / "calibration.md").read_text()
    for model in (Calibration, Target, Prior, Targets):
        missing = [f for f in model.model_fields if not re.search(rf"\b{f}\b", text)]
        assert not missing, f"{model.__name__}: {missing} not in docs/calibration.md"
