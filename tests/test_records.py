"""Agent-level records: they agree with the per-step metrics over full runs of every shipped
scenario, cost nothing when off and change no result."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from sim.model.model import EcosystemModel
from sim.model.records import RECORDS
from sim.scenario import apply_changes, load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def recorded(path: Path, **changes):
    scenario = apply_changes(load_scenario(path), {"record": list(RECORDS), **changes})
    model = EcosystemModel(scenario)
    frame = model.run()
    return model, frame, model.records()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_records_agree_with_the_step_metrics(path):
    _, frame, rec = recorded(path)
    total = frame.sum()
    actors, inn, deals, ties = rec["actors"], rec["innovations"], rec["deals"], rec["ties"]
    assert len(inn) == total["innovations"]
    assert (inn["ip"] == "patented").sum() == total["patents_granted"]
    assert np.isclose(inn["value"].sum(), total["innovation_value"])
    invest = deals[deals["event"] == "investment"]
    assert np.isclose(invest["amount"].sum(), total["vc_invested"])
    assert len(invest) == total["vc_deals"]
    kind = actors.set_index("actor")["kind"]
    exits = deals[(deals["event"] != "investment") & (deals["owner"] >= 0)]
    to_funds = exits[kind.reindex(exits["owner"]).to_numpy() == "investor"]
    assert np.isclose(to_funds["amount"].sum(), total["vc_returned"])
    assert (actors["origin"] != "initial").sum() == total["startups_founded"]
    assert (actors["end"] == "failed").sum() == total["startups_failed"]
    bought = (actors["end"] == "acquired") & (actors["kind_at_end"] == "startup")
    assert bought.sum() == total["startups_acquired"]  # incumbents bought are corporates
    assert actors["ipo_step"].notna().sum() == total["startups_ipo"]
    assert len(ties) == total["ties_formed"]
    assert ties["reason"].isin(["stale", "distrust", "expired"]).sum() == total["ties_dissolved"]
    assert np.isclose(invest["proceeds"].sum(), total["vc_returned"])
    assert (inn["partner"] >= 0).sum() == total["joint_innovations"]
    assert ties["joint_innovations"].sum() == total["joint_innovations"]


def test_recording_changes_no_result_and_repeats_exactly():
    path = ROOT / "scenarios" / "small.yaml"
    plain = EcosystemModel(load_scenario(path))
    assert plain.records() == {}
    model, frame, first = recorded(path)
    assert frame.equals(plain.run())
    _, _, again = recorded(path)
    for name in RECORDS:
        assert first[name].equals(again[name]), name
        assert (first[name]["seed"] == model.seed).all()


def test_records_hold_what_they_promise():
    _, _, rec = recorded(ROOT / "scenarios" / "small.yaml")
    actors, inn, deals, ties = rec["actors"], rec["innovations"], rec["deals"], rec["ties"]
    bought = actors[actors["end"] == "acquired"]
    assert (bought["acquirer"] >= 0).all() and (
        actors["capital_peak"] >= actors["capital_end"]
    ).all()
    spinoffs = actors[actors["origin"] == "spin-off"]
    assert (actors.set_index("actor").loc[spinoffs["parent"], "kind"] == "university").all()
    assert inn["fields"].map(len).ge(1).all() and (inn["revenue"] >= 0).all()
    assert inn["licensed"].sum() <= (inn["ip"] == "patented").sum()
    firm = inn["kind"].isin(["startup", "corporate"])
    assert inn.loc[firm, "launch"].notna().all() and inn.loc[~firm, "launch"].isna().all()
    exits = deals[deals["event"] != "investment"]
    paid = exits.groupby(["step", "startup"]).agg(total=("amount", "sum"), price=("price", "first"))
    assert np.allclose(paid["total"], paid["price"])  # owners and founders share the price
    assert (ties["formed"] <= ties["ended"].fillna(np.inf)).all()
    ended = {"stale", "distrust", "expired", "partner left", "alive at end"}
    assert set(ties["reason"]) <= ended


def test_deals_know_their_outcome_and_multiple():
    model, frame, rec = recorded(ROOT / "scenarios" / "small.yaml", steps=60)
    deals, actors = rec["deals"], rec["actors"].set_index("actor")
    invest = deals[deals["event"] == "investment"]
    assert {"failed", "acquired", "held"} <= set(invest["outcome"])
    fate = actors["end"].reindex(invest["startup"]).replace("alive at end", "held").to_numpy()
    assert (invest["outcome"].to_numpy() == fate).all()
    held = invest["outcome"] == "held"
    assert invest.loc[held, ["proceeds", "multiple", "outcome_step"]].isna().all().all()
    assert (invest.loc[invest["outcome"] == "failed", "proceeds"] == 0).all()
    assert np.allclose(invest["multiple"], invest["proceeds"] / invest["amount"], equal_nan=True)
    sold = invest[invest["outcome"] == "acquired"]
    assert (sold["proceeds"] > 0).all() and (sold["outcome_step"] >= sold["step"]).all()
    # every investor's exit proceeds from a startup are shared over its rounds in it (a
    # spin-off's parent university owns a stake it did not buy in a round)
    exits = deals[(deals["event"] != "investment") & (deals["owner"] >= 0)]
    shared = invest.dropna(subset=["proceeds"]).groupby(["owner", "startup"])["proceeds"].sum()
    paid = exits.groupby(["owner", "startup"])["amount"].sum().reindex(shared.index, fill_value=0)
    assert np.allclose(paid, shared) and (paid > 0).any()
    assert np.isclose(invest["proceeds"].sum(), frame["vc_returned"].sum())


def test_actors_keep_their_knowledge_and_first_product():
    model, _, rec = recorded(ROOT / "scenarios" / "small.yaml", steps=60)
    actors, a = rec["actors"], model.state.actors
    per_field = actors[[f"knowledge_{f}" for f in range(model.params.fields)]].to_numpy()
    assert np.allclose(per_field.mean(axis=1), actors["knowledge"])
    alive = actors["ended"].isna().to_numpy()
    assert np.allclose(per_field[alive], a.knowledge[: a.n][alive])
    gone = ~alive & actors["kind"].isin(["startup", "corporate"]).to_numpy()
    assert gone.any() and (per_field[gone].sum(axis=1) > 0).all()  # kept from its end
    launched = actors.dropna(subset=["first_product"])
    assert len(launched) and (launched["first_product"] >= launched["born"]).all()
    founded = launched[launched["origin"] != "initial"]
    months = (founded["first_product"] - founded["born"]).median()
    assert model.run_metrics()["time_to_first_product"] == months


def test_ties_and_innovations_show_joint_projects():
    _, frame, rec = recorded(ROOT / "scenarios" / "small.yaml", steps=60)
    ties, inn = rec["ties"], rec["innovations"]
    started, projects = frame["projects_started"].sum(), ties["projects"].sum()
    assert projects - ties["funded_projects"].sum() <= started <= projects
    ran = ties[ties["projects"] > 0]
    assert ran["first_project"].notna().all() and (ran["first_project"] >= ran["formed"]).all()
    ended_at_once = ran["ended"] == ran["first_project"]  # no month end with the project
    assert ((ran["project_months"] > 0) | ended_at_once).all()
    assert (ties.loc[ties["projects"] == 0, "project_months"] == 0).all()
    joint = inn[inn["partner"] >= 0]
    assert len(joint) == frame["joint_innovations"].sum() > 0
    assert (joint["partner"] != joint["actor"]).all() and joint["partner_share"].between(0, 1).all()
    assert (inn.loc[inn["partner"] < 0, "partner_share"] == 0).all()
    assert ties["joint_innovations"].sum() == len(joint)


def run(*args: str) -> subprocess.CompletedProcess:
    """`python run.py run scenarios/small.yaml ARGS...` from the project folder."""
    command = [sys.executable, "run.py", "run", "scenarios/small.yaml", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def test_run_writes_records_and_network_snapshots(tmp_path):
    done = run(
        "--record",
        "actors,ties",
        "--export-network",
        "graphml",
        "--every",
        "12",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    actors = pd.read_parquet(tmp_path / "actors.parquet")
    ties = pd.read_parquet(tmp_path / "ties.parquet")
    assert not (tmp_path / "deals.parquet").exists() and len(actors) and len(ties)
    snapshots = sorted((tmp_path / "network").glob("*.graphml"))
    assert [p.name for p in snapshots] == [f"month-{m:04d}.graphml" for m in (12, 24, 36)]
    g = nx.read_graphml(snapshots[-1])
    alive = actors[actors["ended"].isna()]
    assert g.number_of_nodes() == len(alive)
    assert g.number_of_edges() == (ties["reason"] == "alive at end").sum()
    assert {"kind", "capital"} <= set(next(iter(g.nodes(data=True)))[1])
    bad = run("--record", "people")
    assert bad.returncode == 2 and "must be one or more of actors" in bad.stderr


def test_the_analysing_runs_examples_run(tmp_path):
    done = run(
        "--record",
        "actors,innovations,deals,ties",
        "--export-network",
        "gexf",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    swept = tmp_path / "sweep"
    command = [sys.executable, "run.py", "sweep", "experiments/demo.yaml", "--quiet"]
    command += ["--record", "actors,innovations", "--out", str(swept)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    text = (ROOT / "docs" / "analysing-runs.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 7
    code = "\n".join(blocks).replace('"results/records"', repr(str(tmp_path)))
    code = code.replace('"results/demo"', repr(str(swept)))
    exec(compile(code, "docs/analysing-runs.md", "exec"), {})


def test_sweeps_keep_the_experiments_and_each_scenarios_own_records(tmp_path):
    own = tmp_path / "keeps_ties.yaml"
    own.write_text(
        f"extends: {ROOT / 'scenarios' / 'small.yaml'}\nname: keeps_ties\nrecord: [ties]\n",
        encoding="utf-8",
    )
    command = [sys.executable, "run.py", "compare", "scenarios/small.yaml", str(own)]
    command += ["--replications", "2", "--steps", "12", "--record", "deals", "--quiet"]
    done = subprocess.run(
        [*command, "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "deals/, ties/" in done.stdout
    deals = pd.read_parquet(tmp_path / "out" / "deals")
    ties = pd.read_parquet(tmp_path / "out" / "ties")
    assert set(deals["scenario"]) == {"small", "keeps_ties"} and deals["run_id"].nunique() == 4
    assert set(ties["scenario"]) == {"keeps_ties"} and ties["run_id"].nunique() == 2
    assert not (tmp_path / "out" / "actors").exists()
