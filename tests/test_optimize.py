"""Lever optimisation (`optimize`): objectives and their refusals, common random numbers, the
same study on any backend, resume (also of trials a dead process left running), robust
mean and worst case, the Pareto front, the report, and folders holding another study."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from support import workers_asked
from test_clusters import slurm_or_skip

from sim.cli import main
from sim.config import ScenarioError
from sim.experiment import load_experiment
from sim.experiment.design import replicate_seeds
from sim.experiment.execute import Task, run_task
from sim.optimization.folder import OptimizeFolder
from sim.optimization.levers import suggest
from sim.optimization.liveness import (
    HEARTBEAT,
    OWNER,
    RETRY_OF,
    STALE_SECONDS,
    claim_trial,
    recover,
)
from sim.optimization.objectives import Objective, parse_objectives
from sim.optimization.problem import Problem
from sim.optimization.study import open_study

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "scenarios" / "small.yaml")
STRONG = str(ROOT / "scenarios" / "small_strong_ip.yaml")
GOALS = ["--maximize", "innovations", "--minimize", "public_spend"]
TINY = ["--population", "4", "--quiet"]
LEVERS = ["governance.public_allocation", "governance.rd_subsidy_rate", "governance.grants"]
SEED = 3


def experiment(tmp_path: Path, **fields) -> Path:
    """A tiny experiment: the small scenario (and strong IP) over 6 months, 2 replications,
    three levers; its description holds HTML to be escaped."""
    data = {
        "name": "levers",
        "description": "<b>tiny</b> levers",
        "baseline": SMALL,
        "scenarios": [STRONG],
        "levers": {
            "governance.public_allocation": {"low": 2, "high": 15},
            "governance.rd_subsidy_rate": {"low": 0, "high": 0.4},
            "governance.grants": [True, False],
        },
        "replications": 2,
        "steps": 6,
        "seed": SEED,
    } | fields
    path = tmp_path / "levers.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def optimize(path: Path, out: Path, *extra: str) -> int:
    """`optimize` in this process; argparse's refusals (SystemExit) as their status."""
    try:
        return main(["optimize", str(path), *GOALS, *TINY, "--out", str(out), *extra])
    except SystemExit as stop:
        return int(stop.code)


def trials_of(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "trials.csv")


def params_and_values(out: Path) -> pd.DataFrame:
    return trials_of(out)[["trial", "generation", "state", *LEVERS, "innovations", "public_spend"]]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return experiment(tmp_path_factory.mktemp("exp"))


@pytest.fixture(scope="module")
def reference(tiny, tmp_path_factory) -> Path:
    """8 trials (two generations of 4) on one local process."""
    out = tmp_path_factory.mktemp("reference")
    assert optimize(tiny, out, "--trials", "8", "--jobs", "1") == 0
    return out


def test_local_processes_fork_from_the_server_with_the_model(tiny, tmp_path, monkeypatch):
    """Before its first trial the command starts the server the local workers fork from."""
    out = tmp_path / "out"
    asked = workers_asked(monkeypatch, lambda: optimize(tiny, out, "--jobs", "2"))
    assert asked == [("local", 2)] and not (out / "trials.csv").exists()


# --- objectives and bad input -----------------------------------------------------------


def test_objectives_keep_the_order_given():
    found = parse_objectives([("minimize", "public_spend"), ("maximize", "innovations")])
    assert found == [Objective("public_spend", "minimize"), Objective("innovations", "maximize")]
    assert found[1].worst([3.0, 1.0, 2.0]) == 1.0 and found[0].worst([3.0, 1.0]) == 3.0


@pytest.mark.parametrize(
    "given, says",
    [
        ([], "no objective; give at least one --maximize METRIC or --minimize METRIC"),
        ([("maximize", "innovatons")], "not a per-run metric (did you mean 'innovations'?)"),
        ([("maximize", "innovations"), ("minimize", "innovations")], "named 2 times"),
    ],
)
def test_bad_objectives_are_refused_in_one_line(given, says):
    with pytest.raises(ScenarioError) as err:
        parse_objectives(given)
    assert len(err.value.messages) == 1 and says in err.value.messages[0]


@pytest.mark.parametrize(
    "args, fields, says",
    [
        (["--maximize", "innovatons"], {}, "did you mean 'innovations'?"),
        (["--minimize", "innovations"], {}, "innovations: named 2 times"),
        (["--robust", "mean"], {"scenarios": []}, "--robust mean needs scenarios"),
        ([], {"levers": {}}, "levers: none; optimize searches the levers"),
        ([], {"levers": {"governance.rd_subsidy_rate": {"low": 0, "high": 0.2, "num": 3}}}, "num"),
        ([], {"levers": {"governance.rd_subsidy_rate": {"low": 0, "high": 2}}}, "must be <= 1"),
        ([], {"warmup": 6}, "warmup: got 6; must be less than every run's months"),
        (["--population", "1"], {}, "argument --population: got 1; must be >= 2"),
        (["--robust", "best"], {}, "argument --robust: invalid choice: 'best'"),
        (["--trials", "0"], {}, "argument --trials: got 0; must be >= 1"),
    ],
)
def test_bad_input_exits_2_in_one_line(tmp_path, capsys, args, fields, says):
    path = experiment(tmp_path, **fields)
    assert optimize(path, tmp_path / "out", *args) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_folder_holding_another_study_is_refused(tiny, reference, capsys):
    before = (reference / "trials.csv").read_bytes()
    assert optimize(tiny, reference, "--trials", "8", "--replications", "3") == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"{reference}: holds another study (replications 2 there, 3 asked); choose another "
        "--out, or rerun with its settings to continue it"
    )
    assert optimize(tiny, reference, "--trials", "8", "--robust", "worst") == 2
    assert 'robust null there, "worst" asked' in capsys.readouterr().err
    assert (reference / "trials.csv").read_bytes() == before


# --- seeds, backends, resume ----------------------------------------------------------------


def test_every_candidate_runs_with_the_same_seeds(tiny, reference):
    trials = trials_of(reference)
    seeds = replicate_seeds(SEED, 2)
    assert (trials["seeds"] == " ".join(map(str, seeds))).all()
    assert (
        list(trials["state"]) == ["complete"] * 8
        and list(trials["generation"]) == [0] * 4 + [1] * 4
    )
    # a trial's value is the mean of its runs with those seeds, under the baseline only
    row = trials.iloc[5]
    loaded = load_experiment(tiny)
    changes = {path: row[path].item() for path in LEVERS}
    runs = [
        run_task(Task(0, "small", 0, r, s, loaded.scenarios["small"], changes, 6, (), None)).row
        for r, s in enumerate(seeds)
    ]
    assert row["innovations"] == np.mean([run["innovations"] for run in runs])
    assert row["public_spend"] == pytest.approx(np.mean([run["public_spend"] for run in runs]))


def test_dask_gives_the_study_of_one_local_process(tiny, reference, tmp_path):
    assert optimize(tiny, tmp_path, "--trials", "8", "--backend", "dask", "--jobs", "2") == 0
    pd.testing.assert_frame_equal(params_and_values(tmp_path), params_and_values(reference))


def test_a_study_continued_is_the_study_run_at_once(tiny, reference, tmp_path):
    assert optimize(tiny, tmp_path, "--trials", "4", "--jobs", "2") == 0
    assert len(trials_of(tmp_path)) == 4
    assert optimize(tiny, tmp_path, "--trials", "8", "--jobs", "2") == 0
    pd.testing.assert_frame_equal(trials_of(tmp_path), trials_of(reference))
    assert optimize(tiny, tmp_path, "--trials", "8", "--jobs", "2") == 0  # nothing left to do
    pd.testing.assert_frame_equal(trials_of(tmp_path), trials_of(reference))


def test_a_trial_a_dead_process_left_running_is_asked_again(tiny, tmp_path):
    assert optimize(tiny, tmp_path, "--trials", "4", "--jobs", "1") == 0
    # a process that asked a trial and died: its pid is gone, its trial RUNNING
    dead = subprocess.Popen(["true"])
    dead.wait()
    loaded = load_experiment(tiny)
    goals = parse_objectives([("maximize", "innovations"), ("minimize", "public_spend")])
    problem = Problem(loaded, tuple(goals), None, 4)
    study = open_study(problem, OptimizeFolder(tmp_path))
    left = study.ask()
    claim_trial(left)
    left.set_user_attr(OWNER, f"{socket.gethostname()}:{dead.pid}")
    lost = suggest(left, problem.levers)
    assert optimize(tiny, tmp_path, "--trials", "8", "--jobs", "1") == 0
    trials = trials_of(tmp_path).set_index("trial")
    assert trials.loc[left.number, "state"] == "interrupted"
    again = trials[trials["state"] == "complete"].loc[lambda t: t.index > left.number].index[0]
    assert trials.loc[left.number, "failure"].endswith(f"asked again as trial {again}")
    assert {path: trials.loc[again, path].item() for path in LEVERS} == lost
    assert trials.loc[again, "generation"] == trials.loc[left.number, "generation"] == 1
    assert (trials["state"] == "complete").sum() == 8


def test_only_trials_of_dead_or_silent_processes_are_recovered():
    import optuna

    study = optuna.create_study(directions=["maximize"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    here = socket.gethostname()
    owners = {  # owner, seconds since its last heartbeat
        "alive here": (f"{here}:{os.getpid()}", 0),
        "dead here": (f"{here}:{dead.pid}", 0),
        "alive elsewhere": ("elsewhere.example:1", STALE_SECONDS / 2),
        "silent elsewhere": ("elsewhere.example:1", STALE_SECONDS * 2),
    }
    asked = {}
    for what, (owner, silent) in owners.items():
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        trial.set_user_attr(OWNER, owner)
        trial.set_user_attr(HEARTBEAT, time.time() - silent)
        asked[what] = trial.number
    assert recover(study) == [asked["dead here"], asked["silent elsewhere"]]
    queued = study.get_trials(states=(optuna.trial.TrialState.WAITING,))
    assert [t.user_attrs[RETRY_OF] for t in queued] == [
        asked["dead here"],
        asked["silent elsewhere"],
    ]
    assert recover(study) == []  # told FAIL once, queued once


def test_a_trial_whose_runs_fail_is_told_failed_with_the_reason(tiny, tmp_path, capsys):
    assert optimize(tiny, tmp_path, "--trials", "4", "--set", "max_run_seconds=1e-9") == 1
    trials = trials_of(tmp_path)
    assert (trials["state"] == "failed").all()
    assert trials["failure"].str.contains("small, seed .*max_run_seconds", regex=True).all()
    assert "4 trials (0 complete, 4 failed)" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "pareto.csv").empty


# --- robust mode ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["mean", "worst"])
def test_robust_values_combine_the_scenario_means(tiny, tmp_path, mode):
    assert optimize(tiny, tmp_path, "--trials", "4", "--robust", mode) == 0
    trials = trials_of(tmp_path)
    for _, row in trials.iterrows():
        for metric, worst in (("innovations", min), ("public_spend", max)):
            weak, strong = row[f"{metric}@small"], row[f"{metric}@small_strong_ip"]
            expected = (weak + strong) / 2 if mode == "mean" else worst(weak, strong)
            assert row[metric] == pytest.approx(expected, rel=1e-12)
    # a scenario's value is the mean of that scenario's runs with the common seeds
    row = trials.iloc[0]
    loaded = load_experiment(tiny)
    changes = {path: row[path].item() for path in LEVERS}
    scenario = loaded.scenarios["small_strong_ip"]
    runs = [
        run_task(Task(0, "small_strong_ip", 0, r, s, scenario, changes, 6, (), None)).row
        for r, s in enumerate(replicate_seeds(SEED, 2))
    ]
    assert row["innovations@small_strong_ip"] == np.mean([run["innovations"] for run in runs])


# --- the front and the report ---------------------------------------------------------------


def dominates(a: pd.Series, b: pd.Series) -> bool:
    """Whether `a` is at least as good as `b` on both objectives and better on one."""
    at_least = a["innovations"] >= b["innovations"] and a["public_spend"] <= b["public_spend"]
    better = a["innovations"] > b["innovations"] or a["public_spend"] < b["public_spend"]
    return at_least and better


def test_the_front_is_every_non_dominated_complete_trial(reference):
    trials = trials_of(reference)
    done = trials[trials["state"] == "complete"]
    front = pd.read_csv(reference / "pareto.csv")
    expected = {
        row["trial"]
        for _, row in done.iterrows()
        if not any(dominates(o, row) for _, o in done.iterrows())
    }
    assert set(front["trial"]) == expected
    assert list(front["innovations"]) == sorted(front["innovations"], reverse=True)


def test_the_report_has_the_front_the_chart_and_the_command(reference, capsys):
    page = (reference / "report.html").read_text(encoding="utf-8")
    front = pd.read_csv(reference / "pareto.csv")
    assert "<h2>Pareto front</h2>" in page and "data:image/png;base64," in page
    for trial in front["trial"]:
        assert f"<td>{trial}</td>" in page
    assert "&lt;b&gt;tiny&lt;/b&gt; levers" in page and "<b>tiny</b>" not in page
    assert "--maximize innovations --minimize public_spend --trials 8 --population 4" in page
    assert (reference / "pareto.png").stat().st_size > 10_000


def test_slurm_gives_the_study_of_one_local_process(tiny, reference, tmp_path):
    slurm_or_skip()
    slurm = ["--backend", "slurm", "--slurm-jobs", "1", "--cores", "2", "--walltime", "00:10:00"]
    assert optimize(tiny, tmp_path, "--trials", "8", *slurm) == 0
    pd.testing.assert_frame_equal(params_and_values(tmp_path), params_and_values(reference))


def test_trials_branch_from_one_warm_up_per_seed(tmp_path):
    """With warmup:, the common seeds' burn-ins run once and every trial branches from them:
    the trials share the warm-up's months, and a resumed study reads the saved ones."""
    path = experiment(tmp_path, warmup=3, scenarios=[])
    out = tmp_path / "out"
    assert optimize(path, out, "--trials", "4", "--population", "2") == 0
    seeds = json.loads((out / "optimize.json").read_text())["seeds"]
    assert sorted(p.name for p in (out / "warmup").iterdir()) == sorted(f"seed-{s}" for s in seeds)
    stamps = {p: p.stat().st_mtime_ns for p in (out / "warmup").rglob("*.npz")}
    assert optimize(path, out, "--trials", "6", "--population", "2") == 0
    assert stamps == {p: p.stat().st_mtime_ns for p in (out / "warmup").rglob("*.npz")}
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 6 and (trials["state"] == "complete").all()
