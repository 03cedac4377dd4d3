"""The batch runner: experiment files, designs and seeds, parallel and resumable sweeps,
failure isolation, aggregates with confidence intervals, comparison and sensitivity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from scipy import stats

from sim.experiment import load_experiment
from sim.experiment.design import plan, replicate_seeds
from sim.experiment.execute import RunResult, Task, run_task
from sim.experiment.folder import SweepFolder
from sim.experiment.store import Store
from sim.experiment.sweep import prepare
from sim.model.records import RECORDS
from sim.scenario import apply_changes, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "scenarios" / "small.yaml")
STRONG = str(ROOT / "scenarios" / "small_strong_ip.yaml")
BAD = sorted((ROOT / "tests" / "bad_experiments").glob("*.yaml"))
SHIPPED = sorted((ROOT / "experiments").glob("*.yaml"))
ID_COLUMNS = ["run_id", "scenario", "point", "replicate", "seed", "status"]


def experiment(tmp_path: Path, name: str = "exp", **fields) -> Path:
    """An experiment file in tmp_path: the small scenario vs strong IP, 12 months."""
    data = {
        "name": name,
        "baseline": SMALL,
        "scenarios": [STRONG],
        "replications": 3,
        "steps": 12,
        "seed": 5,
    } | fields
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def sweep(*args: str, check: int | None = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "sweep", *args, "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    if check is not None:
        assert done.returncode == check, done.stderr
    return done


def metrics_of(folder: Path) -> pd.DataFrame:
    runs = pd.read_parquet(folder / "runs.parquet")
    return runs.drop(columns=["wall_time_s"]).sort_values("run_id").reset_index(drop=True)


def series_of(folder: Path) -> pd.DataFrame:
    ts = pd.read_parquet(folder / "timeseries")
    return ts.sort_values(["run_id", "step"]).reset_index(drop=True)


def records_of(folder: Path, name: str) -> pd.DataFrame:
    """One agent-level record of a sweep, in run order (within a run, as the run wrote it)."""
    frame = pd.read_parquet(folder / name)
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


# --- experiment files --------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_experiments_validate(path):
    loaded = load_experiment(path)
    assert len(plan(loaded)) > 0


def test_there_are_enough_bad_experiments():
    assert len(BAD) >= 15


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_experiment_exits_2_with_one_line(path):
    for command in ("validate", "sweep"):
        done = subprocess.run(
            [sys.executable, "run.py", command, str(path.relative_to(ROOT))],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert lines[0].startswith(str(path.relative_to(ROOT))), lines[0]


def test_messages_name_the_field(tmp_path):
    path = experiment(tmp_path, parameters={"trust.enforcement": [0.2, 1.5]})
    done = subprocess.run(
        [sys.executable, "run.py", "validate", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.stderr.strip() == (
        f"{path}: parameters.trust.enforcement[1]: got 1.5; must be <= 1 "
        "(in scenarios small, small_strong_ip)"
    )


def test_overrides_change_the_experiment(tmp_path):
    path = experiment(tmp_path)
    loaded = load_experiment(path, ["replications=2", "parameters.trust.enforcement=[0.2, 0.8]"])
    runs = plan(loaded)
    assert len(runs) == 2 * 2 * 2
    assert set(runs["trust.enforcement"]) == {0.2, 0.8}


# --- designs and seeds -------------------------------------------------------------------


def test_grid_is_every_combination_with_paired_seeds(tmp_path):
    path = experiment(
        tmp_path,
        parameters={
            "trust.enforcement": {"low": 0.1, "high": 0.9, "num": 3},
            "ip.regime": ["open", "strong"],
        },
    )
    runs = plan(load_experiment(path))
    assert len(runs) == 2 * 3 * 2 * 3
    assert list(runs["run_id"]) == list(range(len(runs)))
    assert sorted(set(runs["trust.enforcement"])) == [0.1, 0.5, 0.9]
    # the same replicate has the same seed in every scenario and point; replicates differ
    seeds = runs.groupby("replicate")["seed"].nunique()
    assert (seeds == 1).all()
    assert runs.groupby("scenario")["seed"].nunique().eq(3).all()
    assert list(runs.loc[runs["point"].eq(0) & runs["scenario"].eq("small"), "seed"]) == (
        replicate_seeds(5, 3)
    )


def test_seeds_come_from_the_experiment_seed_sequence():
    expected = [
        int(c.generate_state(1, np.uint64)[0]) >> 1 for c in np.random.SeedSequence(9).spawn(4)
    ]
    assert replicate_seeds(9, 4) == expected
    assert replicate_seeds(9, 2) == expected[:2]  # more replications keep the first seeds


@pytest.mark.parametrize("kind", ["lhs", "sobol", "morris"])
def test_sampled_designs_stay_in_bounds_and_round_whole_numbers(tmp_path, kind):
    path = experiment(
        tmp_path,
        scenarios=[],
        replications=1,
        parameters={
            "trust.enforcement": {"low": 0.2, "high": 0.6},
            "population.startup.count": {"low": 20, "high": 80},
        },
        design={"kind": kind, "samples": 8},
    )
    runs = plan(load_experiment(path))
    sizes = {"lhs": 8, "sobol": 8 * (2 + 2), "morris": 8 * (2 + 1)}
    assert len(runs) == sizes[kind]
    assert runs["trust.enforcement"].between(0.2, 0.6).all()
    counts = runs["population.startup.count"]
    assert counts.between(20, 80).all() and all(isinstance(c, int) for c in counts.tolist())


# --- layers and the sweep folder -----------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_manifest_reads_and_writes_back_byte_for_byte(tmp_path, path):
    prepare(load_experiment(path), tmp_path, "python run.py sweep")
    folder = SweepFolder(tmp_path)
    written = folder.manifest_json.read_bytes()
    data = json.loads(written)
    assert list(data) == [
        "experiment",
        "experiment_file",
        "experiment_sha256",
        "baseline",
        "scenarios",
        "parameters",
        "design",
        "runs_planned",
        "plan_hash",
        "versions",
        "created",
        "invocations",
    ]
    assert (json.dumps(data, indent=2) + "\n").encode() == written
    folder.write_manifest(folder.read_manifest())
    assert folder.manifest_json.read_bytes() == written


# --- running sweeps ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_by_three(tmp_path_factory):
    """A 2-scenario x 3-replication sweep keeping every agent-level record, run with --jobs 1
    and with --jobs 2 (--record on the command line)."""
    tmp = tmp_path_factory.mktemp("sweep")
    path = experiment(tmp)
    sweep(str(path), "--jobs", "1", "--out", str(tmp / "one"), "--record", ",".join(RECORDS))
    sweep(str(path), "--jobs", "2", "--out", str(tmp / "two"), "--record", ",".join(RECORDS))
    return tmp


def test_jobs_1_and_jobs_2_give_identical_results(two_by_three):
    one, two = two_by_three / "one", two_by_three / "two"
    pd.testing.assert_frame_equal(metrics_of(one), metrics_of(two))
    pd.testing.assert_frame_equal(series_of(one), series_of(two))
    for name in RECORDS:
        pd.testing.assert_frame_equal(records_of(one, name), records_of(two, name))
    assert len(metrics_of(one)) == 6


def test_sweep_writes_every_output(two_by_three):
    out = two_by_three / "one"
    for name in (
        "runs.parquet",
        "aggregate.parquet",
        "aggregate.csv",
        "comparison.csv",
        "timeseries_aggregate.parquet",
        "manifest.json",
        "plan.parquet",
        "plots/timeseries.png",
    ):
        assert (out / name).is_file(), name
    assert not list(out.rglob("*.tmp"))
    assert not list((out / ".pending").rglob("*.arrow"))
    for folder in ("timeseries", *RECORDS):
        parts = list((out / folder).glob("*.parquet"))
        assert 1 <= len(parts) < 6, folder  # parts, not a file per run
    runs = metrics_of(out)
    assert runs["status"].eq("ok").all() and runs["error"].isna().all()
    ts = series_of(out)
    assert len(ts) == 6 * 12
    # every output row carries its run's id and seed, and they agree with the runs table
    merged = ts.merge(runs[["run_id", "seed"]], on="run_id", suffixes=("", "_run"))
    assert (merged["seed"] == merged["seed_run"]).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["experiment_sha256"]) == 64
    assert manifest["versions"]["mesa"] and "sweep" in manifest["invocations"][0]["command"]


def test_a_run_equals_the_same_scenario_run_alone(two_by_three):
    runs = metrics_of(two_by_three / "one")
    row = runs[runs["scenario"].eq("small_strong_ip") & runs["replicate"].eq(1)].iloc[0]
    from sim import run_scenario

    scenario = apply_changes(load_scenario(STRONG), {"record": list(RECORDS)})
    model, df = run_scenario(scenario, seed=int(row["seed"]), steps=12)
    assert row["innovations"] == df["innovations"].sum()
    assert row["mean_trust"] == df["mean_trust"].iloc[-1]
    # its agent-level records are the single run's, with the run's identity in front
    for name, alone in model.records().items():
        swept = records_of(two_by_three / "one", name).query(f"run_id == {row['run_id']}")
        assert (swept["scenario"] == "small_strong_ip").all() and (swept["point"] == 0).all()
        swept = swept.drop(columns=["run_id", "scenario", "point"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(swept, alone, check_dtype=False)


def test_sweep_records_agree_with_the_runs_table(two_by_three):
    out = two_by_three / "one"
    runs = metrics_of(out).set_index("run_id")
    innovations = records_of(out, "innovations").groupby("run_id").size()
    assert innovations.to_dict() == runs["innovations"].astype(int).to_dict()
    deals = records_of(out, "deals")
    invested = deals[deals["event"] == "investment"].groupby("run_id")["amount"].sum()
    assert np.allclose(invested, runs.loc[invested.index, "vc_invested"])
    ties = records_of(out, "ties").groupby("run_id").size()
    assert ties.to_dict() == runs["ties_formed"].astype(int).to_dict()
    seeds = records_of(out, "actors").groupby("run_id")["seed"].first()
    assert seeds.to_dict() == runs["seed"].to_dict()


def test_aggregate_has_means_and_t_intervals(two_by_three):
    out = two_by_three / "one"
    runs, agg = metrics_of(out), pd.read_csv(out / "aggregate.csv")
    values = runs.loc[runs["scenario"] == "small", "patents_granted"]
    row = agg[(agg["scenario"] == "small") & (agg["metric"] == "patents_granted")].iloc[0]
    half = stats.t.ppf(0.975, 2) * values.std() / np.sqrt(3)
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_low"] == pytest.approx(values.mean() - half)
    assert row["ci_high"] == pytest.approx(values.mean() + half)


def test_student_t_is_scipy_stats_t_bit_for_bit():
    from sim.analysis.aggregate import _paired, quantile

    dof = np.r_[np.arange(1.0, 500.0), np.inf, np.nan]
    assert np.array_equal(quantile(dof), stats.t.ppf(0.975, dof), equal_nan=True)
    base = pd.Series([3.0, 5.0, 4.0, 8.0])
    other = pd.Series([4.0, 7.0, 4.5, 9.0])
    diff = other - base
    t = diff.mean() / (diff.std() / 2)
    assert _paired(base, other)["p_value"] == 2 * stats.t.sf(abs(t), 3)


def test_a_sweep_does_not_import_scipy_stats(tmp_path):
    # half a second of a short sweep's parent: only a Latin hypercube design needs it
    code = f"""
import sys
from sim.cli import main
main(["sweep", "experiments/demo.yaml", "--steps", "1", "--replications", "2", "--jobs", "1",
      "--out", {str(tmp_path / "out")!r}, "--quiet"])
print(sorted(m for m in sys.modules if m.startswith("scipy.stats")))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_comparison_is_paired_by_replicate(two_by_three):
    out = two_by_three / "one"
    runs, comp = metrics_of(out), pd.read_csv(out / "comparison.csv")
    base = runs[runs["scenario"] == "small"].set_index("replicate")["patents_granted"]
    other = runs[runs["scenario"] == "small_strong_ip"].set_index("replicate")["patents_granted"]
    diff = other - base
    row = comp[comp["metric"] == "patents_granted"].iloc[0]
    assert row["scenario"] == "small_strong_ip" and row["n_pairs"] == 3
    assert row["diff"] == pytest.approx(diff.mean())
    half = stats.t.ppf(0.975, 2) * diff.std() / np.sqrt(3)
    assert row["diff_ci_low"] == pytest.approx(diff.mean() - half)
    assert row["rel_diff"] == pytest.approx(diff.mean() / base.mean())
    pooled = np.sqrt((base.var() + other.var()) / 2)
    assert row["effect_size"] == pytest.approx(diff.mean() / pooled)
    assert row["p_value"] == pytest.approx(stats.ttest_rel(other, base).pvalue)
    assert row["significant"] == (row["diff_ci_low"] > 0 or row["diff_ci_high"] < 0)


def test_timeseries_aggregate_matches_the_series(two_by_three):
    out = two_by_three / "one"
    ts, bands = series_of(out), pd.read_parquet(out / "timeseries_aggregate.parquet")
    at = ts[(ts["scenario"] == "small") & (ts["step"] == 7)]["innovations"]
    row = bands[(bands["scenario"] == "small") & (bands["step"] == 7)]
    row = row[row["metric"] == "innovations"].iloc[0]
    assert row["n"] == 3 and row["mean"] == pytest.approx(at.mean())
    assert row["std"] == pytest.approx(at.std())


def test_dry_run_prints_the_table_and_runs_nothing(tmp_path):
    path = experiment(tmp_path)
    done = sweep(str(path), "--out", str(tmp_path / "out"), "--replications", "2", "--dry-run")
    assert done.stdout.startswith("exp: 4 runs = 2 scenarios x 1 design points (grid) x 2")
    assert "small_strong_ip" in done.stdout
    assert not (tmp_path / "out").exists()


def test_a_folder_of_another_experiment_is_refused(tmp_path, two_by_three):
    path = experiment(tmp_path)
    done = sweep(str(path), "--out", str(two_by_three / "one"), "--steps", "6", check=2)
    assert "holds results of a different experiment" in done.stderr
    assert "Traceback" not in done.stderr


# --- failures and resume -----------------------------------------------------------------


def test_a_failing_run_is_recorded_and_the_others_complete(tmp_path):
    # each value is valid alone, but 6 fields cannot hold an 8-field innovation hypothesis
    path = experiment(
        tmp_path,
        scenarios=[],
        replications=1,
        parameters={"fields": [6, 16], "knowledge.ih_size": [[2, 5], [2, 8]]},
        metrics=["innovations"],
        outcomes=["innovations"],
    )
    out = tmp_path / "out"
    done = sweep(str(path), "--out", str(out), "--jobs", "2", check=1)
    assert "1 runs failed" in done.stderr and "Traceback" not in done.stderr
    runs = metrics_of(out)
    failed = runs[runs["status"] == "failed"]
    assert len(failed) == 1 and len(runs) == 4
    assert failed.iloc[0]["fields"] == 6 and list(failed.iloc[0]["knowledge.ih_size"]) == [2, 8]
    assert "knowledge.ih_size" in failed.iloc[0]["error"]
    assert runs.loc[runs["status"] == "ok", "innovations"].notna().all()
    assert set(pd.read_parquet(out / "timeseries")["run_id"]) == set(
        runs.loc[runs.status == "ok", "run_id"]
    )
    # rerunning retries only the failed run
    again = sweep(str(path), "--out", str(out), check=1)
    assert "ran 1 runs" in again.stdout


def test_a_run_past_its_time_limit_fails():
    task = Task(0, "small", 0, 0, 1, load_scenario(SMALL), {}, 24, ("innovations",), 1e-9)
    result = run_task(task)
    assert result.row["status"] == "failed" and result.timeseries is None
    assert "max_run_seconds" in result.row["error"]


def test_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    path = experiment(tmp_path, replications=8, record=["actors", "ties"])
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    sweep(str(path), "--out", str(whole), "--jobs", "1")

    proc = subprocess.Popen(
        [sys.executable, "run.py", "sweep", str(path), "--out", str(killed), "--jobs", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(list((killed / ".pending").glob("*.arrow"))) < 4:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "runs.parquet").exists()
    store = Store(killed)
    store.recover()
    before = store.finished()
    assert 4 <= len(before) < 16

    done = sweep(str(path), "--out", str(killed), "--resume", "--jobs", "2")
    assert f"ran {16 - len(before)} runs" in done.stdout
    records = Store(killed).records()
    assert records["run_id"].value_counts().max() == 1  # nothing ran twice
    pd.testing.assert_frame_equal(metrics_of(whole), metrics_of(killed))
    pd.testing.assert_frame_equal(series_of(whole), series_of(killed))
    for name in ("actors", "ties"):  # streamed records: each run's rows once, as uninterrupted
        pd.testing.assert_frame_equal(records_of(whole, name), records_of(killed, name))


def test_store_recovers_from_a_crash_inside_compact(tmp_path):
    store = Store(tmp_path)
    frame = pd.DataFrame({"run_id": [0], "step": [1], "x": [1.0]})
    actors = pa.table({"run_id": [0, 0], "actor": [1, 2]})
    for run_id in (0, 1):
        store.add(
            RunResult(
                {"run_id": run_id, "status": "ok"},
                pa.Table.from_pandas(frame.assign(run_id=run_id)),
                {
                    "actors": actors.set_column(0, "run_id", pa.array([run_id] * 2)),
                    "deals": actors.slice(0, 0),
                },
            )
        )
    # parts whose runs part was never written, a stray temporary file, and the records of a
    # run killed before its time series was written
    (store.ts_dir / "part-000007.parquet").write_bytes(b"half")
    (tmp_path / "actors" / "part-000007.parquet").parent.mkdir()
    (tmp_path / "actors" / "part-000007.parquet").write_bytes(b"half")
    (store.runs_dir / ".part-000008.parquet.abc.tmp").write_bytes(b"half")
    (store.pending_dir / "actors" / "0-cut-short.arrow").write_bytes(b"half")
    store.recover()
    assert sorted(p.name for p in store.ts_dir.iterdir()) == ["part-000000.parquet"]
    assert [p.name for p in (tmp_path / "actors").iterdir()] == ["part-000000.parquet"]
    assert not (tmp_path / "deals").exists()  # no rows, no dataset
    assert sorted(store.finished()) == [0, 1]
    assert len(pd.read_parquet(store.ts_dir)) == 2
    assert pd.read_parquet(tmp_path / "actors")["run_id"].tolist() == [0, 0, 1, 1]
    assert not list(store.pending_dir.rglob("*.arrow"))


def test_store_gives_a_column_all_null_in_some_runs_the_others_type(tmp_path):
    store = Store(tmp_path)
    for run_id, reason in ((0, pa.nulls(1)), (1, pa.array(["stale"]))):
        ties = pa.table({"run_id": [run_id], "reason": reason})  # pandas 2: None -> null
        run = {"run_id": run_id, "status": "ok"}
        store.add(RunResult(run, None, {"ties": ties}))
    store.compact()
    ties = pq.read_table(tmp_path / "ties")
    assert ties.schema.field("reason").type == pa.string()
    assert ties.column("reason").to_pylist() == [None, "stale"]


def test_resume_without_a_sweep_is_an_error(tmp_path):
    done = sweep(str(experiment(tmp_path)), "--out", str(tmp_path / "none"), "--resume", check=2)
    assert "no sweep to resume" in done.stderr


# --- designs end to end ------------------------------------------------------------------


def test_grid_of_two_parameters_draws_heatmaps(tmp_path):
    path = experiment(
        tmp_path,
        scenarios=[],
        replications=2,
        steps=6,
        parameters={"trust.enforcement": [0.2, 0.8], "ip.ip_strength": [0.0, 0.9]},
        outcomes=["innovations", "mean_trust"],
    )
    out = tmp_path / "out"
    sweep(str(path), "--out", str(out))
    agg = pd.read_csv(out / "aggregate.csv")
    assert {"trust.enforcement", "ip.ip_strength"} <= set(agg.columns)
    assert len(agg[agg["metric"] == "innovations"]) == 4
    assert (out / "plots" / "heatmap_small.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("kind", "columns"),
    [("sobol", ["S1", "S1_conf", "ST", "ST_conf"]), ("morris", ["mu_star", "sigma"])],
)
def test_sensitivity_indices_and_chart(tmp_path, kind, columns):
    path = experiment(
        tmp_path,
        scenarios=[],
        replications=1,
        steps=6,
        parameters={
            "governance.rd_subsidy_rate": {"low": 0.0, "high": 0.4},
            "population.startup.count": {"low": 20, "high": 100},
        },
        design={"kind": kind, "samples": 4},
        outcomes=["innovations", "startups_failed"],
    )
    out = tmp_path / "out"
    sweep(str(path), "--out", str(out), "--jobs", "2")
    sens = pd.read_csv(out / "sensitivity.csv")
    assert set(sens["parameter"]) == {"governance.rd_subsidy_rate", "population.startup.count"}
    assert set(sens["metric"]) == {"innovations", "startups_failed"}
    assert sens[columns].notna().all().all()
    # more startups, more innovations: the population dominates the subsidy
    innov = sens[sens["metric"] == "innovations"].set_index("parameter")
    key = "ST" if kind == "sobol" else "mu_star"
    assert innov.loc["population.startup.count", key] > innov.loc["governance.rd_subsidy_rate", key]
    assert (out / "plots" / "sensitivity_small.png").is_file()


def test_aggregate_command_rewrites_outputs(two_by_three, tmp_path):
    out = two_by_three / "two"
    (out / "comparison.csv").unlink()
    done = subprocess.run(
        [sys.executable, "run.py", "aggregate", str(out)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "6 of 6 runs ok" in done.stdout
    assert (out / "comparison.csv").is_file()
    bad = subprocess.run(
        [sys.executable, "run.py", "aggregate", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "not a sweep folder" in bad.stderr
