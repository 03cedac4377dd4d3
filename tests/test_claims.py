"""What-if claims: the schema, the paired test, the command, and every shipped what-if's
claims holding at a reduced size (the full size is slow)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from support import slow

from sim.analysis import claims
from sim.analysis.batch import Measured, scaled
from sim.analysis.paired import paired
from sim.cli import main
from sim.config import ScenarioError
from sim.model.metrics import HEADLINE
from sim.scenario import load_scenario
from sim.schema import Claim

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
NOT_WHAT_IFS = {"baseline.yaml", "small.yaml", "classroom.yaml", "small_strong_ip.yaml"}
WHAT_IFS = sorted(p for p in SCENARIOS.glob("*.yaml") if p.name not in NOT_WHAT_IFS)
# the reduced size: a third of the population, six years, five paired seeds
REDUCED = {"count": 5, "steps": 72, "scale": 1 / 3}


def _file(tmp_path: Path, text: str, name: str = "mine.yaml") -> str:
    path = tmp_path / name
    path.write_text(text.replace("BASELINE", str(SCENARIOS / "baseline.yaml")))
    return str(path)


def test_paired_interval_decides_the_direction():
    up = paired([10, 11, 12, 13], [12, 13.5, 14, 15.2], "up")
    assert up.holds and up.agree == 4 and up.low > 0
    assert not paired([10, 11, 12, 13], [12, 13.5, 14, 15.2], "down").holds
    noisy = paired([10, 11, 12, 13], [14, 9, 15, 10], "up")
    assert not noisy.holds and noisy.low < 0 < noisy.high
    assert paired([0, 0, 0], [5, 5, 5], "up").holds  # a counter the base never moves
    assert not paired([1], [2], "up").holds  # one pair has no interval
    assert not paired([1, 2], [1, 2], "up").holds


def test_scaling_keeps_every_kind_and_money_in_proportion():
    base = load_scenario(SCENARIOS / "baseline.yaml")
    third = scaled(base, 1 / 3)
    pop = third.population
    assert (pop.startup.count, pop.corporate.count, pop.university.count) == (200, 50, 10)
    assert pop.investor.count == 13 and pop.regulator.count == base.population.regulator.count
    assert third.governance.public_allocation == pytest.approx(100 / 3)
    assert third.entry.rate == pytest.approx(8 / 3)
    assert scaled(base, 1.0) is base


@pytest.mark.parametrize("path", WHAT_IFS, ids=lambda p: p.stem)
def test_every_shipped_what_if_claims_a_headline_metric(path):
    target = claims.load_target(str(path))
    assert target is not None and target.claims, f"{path.name} states no claims"
    assert any(claim.metric in HEADLINE for claim, _ in target.claims), path.name
    assert all(base.endswith("baseline.yaml") for _, base in target.claims)


def test_files_that_make_no_what_if_claim_have_none():
    for name in NOT_WHAT_IFS:
        assert claims.load_target(str(SCENARIOS / name)) is None


def test_unknown_metric_is_bad_input_naming_the_field(tmp_path, capsys):
    path = _file(tmp_path, "extends: BASELINE\nclaims: [{metric: patents, direction: up}]\n")
    assert main(["claims", path]) == 2
    err = capsys.readouterr().err
    assert f"{path}: claims[0].metric: unknown metric 'patents'" in err
    assert "did you mean 'patents_granted'?" in err
    assert main(["validate", path]) == 2
    assert "claims[0].metric" in capsys.readouterr().err


def test_a_bad_direction_and_a_missing_base_are_bad_input(tmp_path, capsys):
    path = _file(tmp_path, "extends: BASELINE\nclaims: [{metric: innovations, direction: more}]\n")
    assert main(["claims", path]) == 2
    assert (
        "claims[0].direction: got 'more'; must be one of 'up' or 'down'" in capsys.readouterr().err
    )
    alone = _file(
        tmp_path, "name: alone\nclaims: [{metric: innovations, direction: up}]\n", "a.yaml"
    )
    with pytest.raises(ScenarioError, match=r"claims\[0\]\.against: missing"):
        claims.load_target(alone)
    assert main(["claims", str(SCENARIOS / "baseline.yaml")]) == 2  # nothing to check


def test_claims_are_the_files_own_and_against_names_another_base(tmp_path):
    strong = str(SCENARIOS / "strong_ip.yaml")
    child = _file(tmp_path, f"extends: {strong}\nname: child\n")
    assert load_scenario(child).claims  # inherited by the schema ...
    assert claims.load_target(child) is None  # ... but about the parent, so not checked
    other = _file(
        tmp_path,
        f"extends: {strong}\nname: other\n"
        f"claims: [{{metric: innovations, direction: up, against: {SCENARIOS / 'small.yaml'}}}]\n",
        "other.yaml",
    )
    ((_, base),) = claims.load_target(other).claims
    assert base == str(SCENARIOS / "small.yaml")


def test_each_file_runs_once_per_seed_and_claims_pair_by_seed(monkeypatch):
    """Two what-ifs share their base: it runs once per seed, and each claim compares the
    what-if's run with the base's run of the same seed."""
    ran = []

    def fake_runs(jobs, workers):
        ran.extend((job.label, job.seed) for job in jobs)
        offset = {"strong_ip": 2.0, "low_trust": -1.0}
        return [
            Measured({"patents_granted": job.seed % 7 + offset.get(job.scenario.name, 0.0)}, {})
            for job in jobs
        ]

    monkeypatch.setattr(claims, "run_jobs", fake_runs)
    targets = [claims.load_target(str(SCENARIOS / f)) for f in ("strong_ip.yaml", "low_trust.yaml")]
    claim = Claim(metric="patents_granted", direction="up")
    targets = [replace(t, claims=((claim, t.claims[0][1]),)) for t in targets]
    rows = claims.check(targets, 4, 12, 1.0, 1, 1)
    assert len(ran) == len(set(ran)) == 3 * 4
    assert [(r["scenario"], r["holds"]) for r in rows] == [
        ("strong_ip", True),
        ("low_trust", False),
    ]
    assert rows[0]["diff"] == pytest.approx(2.0) and rows[0]["agree"] == 4


def test_every_shipped_claim_holds_at_reduced_size():
    targets = [claims.load_target(str(path)) for path in WHAT_IFS]
    rows = claims.check(targets, root=1, workers=2, **REDUCED)
    assert all(row["holds"] for row in rows), "\n" + claims.table(rows)


@slow
def test_every_shipped_claim_holds_at_full_size():
    targets = [claims.load_target(str(path)) for path in WHAT_IFS]
    rows = claims.check(targets, count=5, steps=None, scale=1.0, root=1, workers=2)
    assert all(row["holds"] for row in rows), "\n" + claims.table(rows)
