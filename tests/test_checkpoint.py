"""Checkpoints and warm-ups: a run resumed from a saved state equals the uninterrupted run bit
for bit; damaged, foreign or hostile checkpoints are refused in one line; a warm-up sweep runs
one burn-in per replicate, branches every scenario from it and gives the same results on every
backend."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import small
from test_sweep import SMALL, STRONG, experiment, metrics_of, series_of, sweep

from sim.config import ScenarioError
from sim.experiment.spec import load_experiment
from sim.model import checkpoint
from sim.model.model import EcosystemModel
from sim.model.runner import run_from, run_model
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True, cwd=ROOT
    )


def same_run(a: EcosystemModel, b: EcosystemModel) -> None:
    pd.testing.assert_frame_equal(a.metrics_frame(), b.metrics_frame())
    for table in ("actors", "ties", "products", "equity"):
        x, y = getattr(a.state, table), getattr(b.state, table)
        assert x.n == y.n
        for column in x._spec:
            np.testing.assert_array_equal(getattr(x, column)[: x.n], getattr(y, column)[: y.n])
    assert a.rng.random() == b.rng.random()  # the generators are where they would be


@pytest.mark.parametrize(
    ("scenario", "month"),
    [
        (small(steps=30), 11),
        # a jam under way at month 25 (its own generator, spawned from the run's)
        (
            load_scenario(ROOT / "scenarios/innovation_jam.yaml").model_copy(update={"steps": 40}),
            25,
        ),
        # an open challenge under way
        (
            load_scenario(ROOT / "scenarios/open_challenge.yaml").model_copy(update={"steps": 40}),
            26,
        ),
    ],
    ids=["small", "jam", "challenge"],
)
def test_a_resumed_run_is_the_uninterrupted_run_bit_for_bit(scenario, month, tmp_path):
    whole = run_model(scenario, seed=4)
    part = run_model(scenario, seed=4, steps=month)
    if scenario.events:
        assert part.state.formats, "the checkpoint should catch a format under way"
    checkpoint.save(part, tmp_path / "ck")
    resumed = run_from(checkpoint.load(tmp_path / "ck"))
    assert resumed.steps == scenario.steps
    same_run(whole, resumed)


def test_the_adaptive_rule_resumes_from_its_history(tmp_path):
    scenario = small(steps=40, **{"governance.adaptive": True, "governance.review_period": 6})
    whole = run_model(scenario, seed=2)
    part = run_model(scenario, seed=2, steps=19)
    checkpoint.save(part, tmp_path / "ck")
    resumed = run_from(checkpoint.load(tmp_path / "ck"))
    assert whole.series["rd_subsidy_rate"].std() > 0  # the rule did act
    same_run(whole, resumed)


def test_a_branch_shares_the_warm_up_and_then_differs(tmp_path):
    base = small(steps=36)
    part = run_model(base, seed=3, steps=12)
    start = checkpoint.capture(part)
    strong = load_scenario(STRONG).model_copy(update={"steps": 36})
    branch = run_from(checkpoint.restore(start), strong)
    same = run_from(checkpoint.restore(start))
    assert branch.params.ip.regime == "strong"
    a, b = branch.metrics_frame(), same.metrics_frame()
    pd.testing.assert_frame_equal(a.iloc[:12], b.iloc[:12])  # the shared ecosystem
    assert not a.iloc[12:].equals(b.iloc[12:])


def test_a_branch_applies_its_events_dated_in_the_warm_up():
    from sim.model.runner import branch_params

    scenario = load_scenario(ROOT / "scenarios/subsidy_shock.yaml")
    event = next(e for e in scenario.events if e.set)
    after = branch_params(scenario, event.at)
    before = branch_params(scenario, event.at - 1)
    changed = next(iter(event.set))
    section, key = changed.split(".", 1)
    assert getattr(getattr(after, section), key) == event.set[changed]
    assert getattr(getattr(before, section), key) != event.set[changed]


# --- refusals ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ck") / "month6"
    checkpoint.save(run_model(small(steps=12), seed=1, steps=6), folder)
    return folder


def copy_of(saved: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    folder.mkdir()
    for f in saved.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    return folder


def refused(folder: Path) -> str:
    with pytest.raises(ScenarioError) as err:
        checkpoint.load(folder)
    assert len(err.value.messages) == 1
    return err.value.messages[0]


def test_the_folder_is_documented_versioned_files(saved):
    assert sorted(p.name for p in saved.iterdir()) == sorted(checkpoint.FILES)
    head = json.loads((saved / "checkpoint.json").read_text())
    assert head["format"] == "ecosim-checkpoint" and head["version"] == checkpoint.VERSION
    assert head["month"] == 6 and head["fingerprint"] == checkpoint.fingerprint()


def test_a_damaged_checkpoint_is_refused(saved, tmp_path):
    folder = copy_of(saved, tmp_path)
    data = bytearray((folder / "tables.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "tables.npz").write_bytes(bytes(data))
    assert "damaged: tables.npz changed since it was saved" in refused(folder)
    (folder / "series.npz").unlink()
    assert "damaged: series.npz missing" in refused(folder)
    (folder / "checkpoint.json").write_text("{not json")
    assert "damaged or not a checkpoint" in refused(folder)


@pytest.mark.parametrize(("key", "value"), [("version", 0), ("fingerprint", "0123")])
def test_a_checkpoint_of_another_version_is_refused(saved, tmp_path, key, value):
    folder = copy_of(saved, tmp_path)
    head = json.loads((folder / "checkpoint.json").read_text())
    head[key] = value
    (folder / "checkpoint.json").write_text(json.dumps(head))
    assert f"written by another version of the model ({key}" in refused(folder)


def test_loading_never_unpickles(saved, tmp_path):
    """A pickled object inside the npz (with a matching digest) is refused, not run."""
    folder = copy_of(saved, tmp_path)
    buffer = io.BytesIO()
    np.savez(buffer, **{"actors/kind": np.array([object()], dtype=object)})
    (folder / "tables.npz").write_bytes(buffer.getvalue())
    head = json.loads((folder / "checkpoint.json").read_text())
    head["files"]["tables.npz"] = checkpoint.hashlib.sha256(buffer.getvalue()).hexdigest()
    (folder / "checkpoint.json").write_text(json.dumps(head))
    assert "cannot be read by this version" in refused(folder)


def test_not_a_checkpoint(tmp_path):
    assert "no such checkpoint folder" in refused(tmp_path / "none")
    assert "not a checkpoint" in refused(tmp_path)


def test_saving_never_overwrites_other_files(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(ScenarioError, match="is not a checkpoint"):
        checkpoint.save(run_model(small(steps=3), seed=1), tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


# --- the run command -----------------------------------------------------------------------


def test_run_saves_and_goes_on_from_a_state(tmp_path):
    state, whole, resumed = tmp_path / "m12", tmp_path / "whole", tmp_path / "resumed"
    done = run_cli("run", SMALL, "--save-state-at", "12", str(state), "--out", str(whole))
    assert done.returncode == 0, done.stderr
    assert "saved the state at month 12" in done.stdout
    done = run_cli("run", "--from-state", str(state), "--out", str(resumed))
    assert done.returncode == 0, done.stderr
    a = pd.read_parquet(whole / "timeseries.parquet")
    pd.testing.assert_frame_equal(a, pd.read_parquet(resumed / "timeseries.parquet"))
    done = run_cli("run", STRONG, "--from-state", str(state), "--out", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    b = pd.read_parquet(tmp_path / "b" / "timeseries.parquet")
    pd.testing.assert_frame_equal(a.iloc[:12], b.iloc[:12])
    assert not a.equals(b)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from-state", "STATE", "--seed", "3"], "--seed: STATE fixes the seed"),
        (["--from-state", "STATE", "--steps", "5"], "give --steps above 12"),
        (["--from-state", "STATE", "--set", "trust.enforcment=1"], "unknown key 'enforcment'"),
        ([SMALL, "--save-state-at", "x", "DIR"], "MONTH must be a whole number from 1 to 36"),
        ([SMALL, "--save-state-at", "99", "DIR"], "MONTH must be a whole number from 1 to 36"),
        ([SMALL, "--record", "actors", "--save-state-at", "3", "DIR"], "keeps records"),
        ([], "give a SCENARIO file, or --from-state DIR"),
        (["--from-state", "NOWHERE"], "no such checkpoint folder"),
    ],
)
def test_run_refuses_bad_checkpoint_flags_in_one_line(args, says, tmp_path):
    state = tmp_path / "m12"
    checkpoint.save(run_model(load_scenario(SMALL), seed=42, steps=12), state)
    given = [
        {"STATE": str(state), "DIR": str(tmp_path / "d"), "NOWHERE": str(tmp_path / "n")}.get(a, a)
        for a in args
    ]
    done = run_cli("run", *given)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says.replace("STATE", str(state)) in lines[0], done.stderr


# --- warm-up sweeps ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """The test experiment (small vs strong IP, 3 replicates, 12 months) with a 6-month
    warm-up, swept locally on one process, and the same without a warm-up."""
    tmp = tmp_path_factory.mktemp("warm")
    path = experiment(tmp, name="warm", warmup=6)
    sweep(str(path), "--jobs", "1", "--out", str(tmp / "local"))
    cold = experiment(tmp, name="cold")
    sweep(str(cold), "--jobs", "1", "--out", str(tmp / "cold"))
    return path, tmp / "local", tmp / "cold"


def test_a_warm_up_runs_once_per_replicate(warm):
    _, out, _ = warm
    burn_ins = sorted(p.name for p in (out / "warmup").iterdir())
    runs = pd.read_parquet(out / "runs.parquet")
    assert burn_ins == sorted(f"seed-{s}" for s in runs["seed"].unique())
    assert len(burn_ins) == 3 and len(runs) == 6 and (runs["status"] == "ok").all()
    assert (runs["steps"] == 12).all()


def test_every_scenario_branches_from_the_same_ecosystem(warm):
    _, out, cold = warm
    series = series_of(out)
    early = series[series["step"] <= 6]
    by_scenario = [
        g.drop(columns=["run_id", "scenario", "point"]).reset_index(drop=True)
        for _, g in early.groupby("scenario", sort=True)
    ]
    pd.testing.assert_frame_equal(by_scenario[0], by_scenario[1])
    # the baseline's runs continue their warm-up: they are the runs made without one
    warm_runs, cold_runs = metrics_of(out), metrics_of(cold)
    base = warm_runs["scenario"] == "small"
    pd.testing.assert_frame_equal(warm_runs[base], cold_runs[base])
    assert not warm_runs[~base].equals(cold_runs[~base])  # strong IP starts at month 6


def test_a_resumed_warm_up_sweep_runs_no_burn_in_again(warm, tmp_path):
    path, out, _ = warm
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(out), str(copy)], check=True)
    stamps = {p: p.stat().st_mtime_ns for p in (copy / "warmup").rglob("*.npz")}
    for part in (copy / "runs").glob("part-*.parquet"):  # the strong-IP runs were "lost"
        runs = pd.read_parquet(part)
        runs[runs["scenario"] == "small"].to_parquet(part, index=False)
    done = sweep(str(path), "--jobs", "1", "--out", str(copy))
    assert "ran 3 runs" in done.stdout
    assert stamps == {p: p.stat().st_mtime_ns for p in (copy / "warmup").rglob("*.npz")}
    pd.testing.assert_frame_equal(metrics_of(copy), metrics_of(out))


def test_a_warm_up_sweep_on_dask_gives_the_local_results(warm, tmp_path):
    path, out, _ = warm
    sweep(str(path), "--backend", "dask", "--jobs", "2", "--out", str(tmp_path / "d"))
    pd.testing.assert_frame_equal(metrics_of(out), metrics_of(tmp_path / "d"))
    pd.testing.assert_frame_equal(series_of(out), series_of(tmp_path / "d"))


def test_a_warm_up_sweep_on_slurm_gives_the_local_results(warm, tmp_path):
    from test_clusters import slurm_or_skip

    slurm_or_skip()
    path, out, _ = warm
    args = ["--backend", "slurm", "--slurm-jobs", "1", "--cores", "2", "--walltime", "00:10:00"]
    done = sweep(str(path), *args, "--out", str(tmp_path / "sl"))
    assert "on slurm" in done.stdout
    pd.testing.assert_frame_equal(metrics_of(out), metrics_of(tmp_path / "sl"))


def test_compare_with_a_warm_up_says_so_in_its_report(tmp_path):
    done = run_cli(
        "compare", SMALL, STRONG, "--replications", "2", "--steps", "12", "--warmup", "6",
        "--out", str(tmp_path / "c"), "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "c" / "report.html").read_text()
    assert "The first 6 months of each replicate ran once" in html
    assert "--warmup 6" in html and "--from-state WARMUP_DIR" in html


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"warmup": 12}, "warmup: got 12; must be less than every run's months (12 in small)"),
        (
            {"warmup": 6, "parameters": {"population.startup.count": [10, 20]}},
            "parameters.population.startup.count: is fixed when the ecosystem is built",
        ),
        ({"warmup": 6, "record": ["actors"]}, "record: agent-level records are not kept"),
    ],
)
def test_impossible_warm_ups_are_refused(tmp_path, fields, says):
    path = experiment(tmp_path, **fields)
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    assert any(says in m for m in err.value.messages), err.value.messages
    done = sweep(str(path), check=2)
    assert says in done.stderr


def test_a_scenario_event_inside_the_warm_up_is_refused(tmp_path):
    shock = ROOT / "scenarios/subsidy_shock.yaml"
    at = min(e.at for e in load_scenario(shock).events)
    path = experiment(tmp_path, scenarios=[str(shock)], warmup=at, steps=at + 6)
    path.write_text(path.read_text().replace(SMALL, str(ROOT / "scenarios/baseline.yaml")))
    with pytest.raises(ScenarioError, match=r"scenarios\[0\]: events\[0\].at: month"):
        load_experiment(path)
