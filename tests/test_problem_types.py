"""Problem types for jams and challenges: a jam's pooled team beats independent submitters on
wicked problems, a challenge's parallel attempts win on structured ones, distance from the
insiders' knowledge lowers what they achieve, and the defaults change nothing that was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import support

from sim.config import ScenarioError
from sim.model.mechanisms import formats, problems
from sim.model.runner import run_scenario
from sim.scenario import load_scenario
from sim.schema.events import Problem

AT = 4  # the first format starts here; one starts every month for EVENTS months
EVENTS = 5
SEEDS = range(3)
HARD = {"fields": 3, "level": 1.0}  # three fields, the target at the state of the art
# firms only: a jam that invited every university would win wicked problems by their breadth
# alone, and the tests would not see whether the team pools what its members know
JAM = {"participants": 30, "kinds": ["startup", "corporate"], "duration": 3} | HARD
CHALLENGE = {"sponsor": "regulator", "prize": 0.5, "duration": 1, "reach": 0.35} | HARD
SOLVED = ["format_solution_quality", "challenge_sponsor_gain"]  # what a problem changes


def scenario(kind: str, problem: dict, **spec):
    """The small ecosystem with one jam or challenge starting in each of EVENTS months."""
    base = JAM if kind == "jam" else CHALLENGE
    event = base | spec | {"problem": problem}
    events = [{"at": AT + i, kind: event} for i in range(EVENTS)]
    return support.small(steps=AT + EVENTS + 2, events=events)


def solved(kind: str, problem: dict, **spec) -> tuple[float, float]:
    """Mean solution quality over the seeds, and the mean number of solvers per format."""
    quality, solvers, count = 0.0, 0.0, 0.0
    for seed in SEEDS:
        frame = run_scenario(scenario(kind, problem, **spec), seed=seed)[1]
        quality += frame["format_solution_quality"].sum()
        count += frame["format_solutions"].sum()
        solvers += frame["jam_participants" if kind == "jam" else "challenge_submissions"].sum()
    assert count == EVENTS * len(SEEDS)
    return quality / count, solvers / count


def test_on_a_wicked_problem_a_jam_beats_a_challenge_of_similar_size():
    wicked = {"decomposability": 0.0, "uncertainty": 0.3}
    jam, jam_size = solved("jam", wicked)
    challenge, challenge_size = solved("challenge", wicked)
    assert 0.67 < jam_size / challenge_size < 1.5
    assert jam > challenge + 0.05


def test_on_a_structured_problem_the_challenge_beats_a_jam_of_similar_size():
    structured = {"decomposability": 1.0, "uncertainty": 0.3}
    jam, jam_size = solved("jam", structured)
    challenge, challenge_size = solved("challenge", structured)
    assert 0.67 < jam_size / challenge_size < 1.5
    assert challenge > jam + 0.03


def test_a_distant_problem_is_solved_worse_by_the_jam_insiders():
    near, _ = solved("jam", {"decomposability": 0.5, "distance": 0.0})
    far, _ = solved("jam", {"decomposability": 0.5, "distance": 1.0})
    assert near > far + 0.03


def test_a_distant_problem_teaches_a_corporate_sponsor_more():
    gain = {}
    for distance in (0.0, 1.0):
        problem = {"distance": distance}
        gain[distance] = sum(
            run_scenario(scenario("challenge", problem, sponsor="corporate"), seed=seed)[1][
                "challenge_sponsor_gain"
            ].sum()
            for seed in SEEDS
        )
    assert gain[1.0] > 2 * gain[0.0] > 0


def test_fields_are_drawn_near_or_far_from_the_insiders_knowledge():
    home = np.linspace(1.0, 0.0, 16)  # field 0 best known, field 15 least
    rng = np.random.default_rng(0)
    near = np.concatenate([problems.choose_fields(rng, 3, 0.0, home) for _ in range(200)])
    far = np.concatenate([problems.choose_fields(rng, 3, 1.0, home) for _ in range(200)])
    middle = np.concatenate([problems.choose_fields(rng, 3, 0.5, home) for _ in range(200)])
    assert near.mean() < 2.5 and far.mean() > 12.5 and 6 < middle.mean() < 9
    assert all(len(np.unique(problems.choose_fields(rng, 5, d, home))) == 5 for d in (0, 1))


def test_pooling_covers_what_no_single_specialist_does():
    assert problems.value(np.array([1.0, 0.5, 0.0]), 0.25) == pytest.approx(0.125)
    specialists = np.eye(3)  # each knows one part at the target, nothing of the others
    wicked, modular = Problem(decomposability=0.0), Problem(decomposability=1.0)
    rng = np.random.default_rng(0)
    assert problems.pooled(rng, specialists, 1.0, wicked) == 1.0
    assert problems.contest(rng, specialists, 1.0, wicked) == (0, 0.0)
    assert problems.contest(rng, specialists, 1.0, modular) == (0, 1.0)  # parts combine
    half = Problem(decomposability=0.5)
    assert problems.contest(rng, specialists, 1.0, half)[1] == pytest.approx(0.5)


def test_many_independent_attempts_beat_one_joint_attempt_under_uncertainty():
    same = np.full((100, 3), 0.8)  # a hundred solvers who know the same
    uncertain = Problem(decomposability=1.0, uncertainty=0.5)
    rng = np.random.default_rng(1)
    joint = np.mean([problems.pooled(rng, same, 1.0, uncertain) for _ in range(200)])
    contest = np.mean([problems.contest(rng, same, 1.0, uncertain)[1] for _ in range(200)])
    assert joint == pytest.approx(0.8 * 0.75, abs=0.02)
    assert contest > 0.78


# --- the defaults ---------------------------------------------------------------------


def test_a_jams_problem_changes_nothing_but_its_own_measures():
    plain = run_scenario(scenario("jam", {}), seed=5)[1]
    other = {"decomposability": 0.2, "distance": 0.9, "uncertainty": 0.6}
    posed = run_scenario(scenario("jam", other, fields=5), seed=5)[1]
    same = plain.columns.drop(SOLVED)
    pd.testing.assert_frame_equal(plain[same], posed[same], check_exact=True)
    assert plain["format_solution_quality"].sum() != posed["format_solution_quality"].sum()


def test_a_default_challenge_goes_to_the_closest_submitter(monkeypatch):
    """The rule before problem types: the highest mean of min(K, level) / level wins."""
    won = []
    real = formats._run_challenge

    def spy(state, fmt, tally):
        if state.t == fmt.end:
            rows = fmt.rows[state.actors.alive[fmt.rows]]
            k = state.actors.knowledge[rows][:, fmt.fields]
            closest = rows[(np.minimum(k, 0.8) / 0.8).mean(axis=1).argmax()]
            real(state, fmt, tally)
            won.append((fmt.winner, closest))
        else:
            real(state, fmt, tally)

    monkeypatch.setattr(formats, "_run_challenge", spy)
    run_scenario(scenario("challenge", {}, level=0.8, sponsor="corporate"), seed=2)
    assert len(won) == EVENTS and all(winner == closest for winner, closest in won)


def test_an_uncertain_challenge_draws_on_its_own_stream():
    """Without a prize the winner changes nothing, so only the solutions may differ."""
    plain = run_scenario(scenario("challenge", {}, prize=0.0), seed=3)[1]
    uncertain = run_scenario(scenario("challenge", {"uncertainty": 0.5}, prize=0.0), seed=3)[1]
    same = plain.columns.drop(SOLVED)
    pd.testing.assert_frame_equal(plain[same], uncertain[same], check_exact=True)
    assert uncertain["format_solution_quality"].sum() < plain["format_solution_quality"].sum()


def test_mean_solution_quality_is_per_solved_problem():
    model, frame = run_scenario(scenario("jam", {"decomposability": 0.0}), seed=1)
    metrics = model.run_metrics()
    quality = frame["format_solution_quality"].sum() / frame["format_solutions"].sum()
    assert metrics["mean_solution_quality"] == pytest.approx(quality)
    assert np.isnan(run_scenario(support.small(steps=3))[0].run_metrics()["mean_solution_quality"])


def test_bad_problems_are_refused_naming_the_field(tmp_path):
    cases = {
        "events: [{at: 2, jam: {problem: {distance: 1.5}}}]": "jam.problem.distance",
        "events: [{at: 2, challenge: {problem: {decomposability: -1}}}]": "decomposability",
        "events: [{at: 2, jam: {problem: {wicked: true}}}]": "jam.problem",
        "fields: 4\nevents: [{at: 2, jam: {fields: 5}}]": "events[0].jam.fields",
    }
    for text, field in cases.items():
        path = tmp_path / "bad.yaml"
        path.write_text(f"name: bad\n{text}\n", encoding="utf-8")
        with pytest.raises(ScenarioError) as err:
            load_scenario(path)
        assert field in str(err.value), text
