"""The class mode: the shared hub (joining, roles, choices acting on the model through its own
rules, money kept), and the teacher's and students' pages in several browsers at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from support import ROOT, headless_chromium, stop
from test_viz import free_port, serve, status

from sim.model.money import OUTSIDE
from sim.scenario import apply_changes
from sim.viz import roles
from sim.viz.classroom import ClassroomModel
from sim.viz.hub import ClassModel, Hub, key_of
from sim.vocabulary import Kind, Strategy


@pytest.fixture
def hub() -> Hub:
    return Hub(lambda: ClassModel(preset="small.yaml"))


def interested(hub: Hub, founder: int, wanted: bool = True) -> int:
    """A partner on the founder's list that would (or would not) accept it now."""
    for row, text in roles.partner_options(hub.model, founder):
        if text.endswith(", interested") == wanted:
            return row
    pytest.skip("no such partner in this ecosystem")


# --- joining ----------------------------------------------------------------------------


def test_joining_gives_each_role_an_actor_of_its_kind(hub):
    a = hub.model.state.actors
    for name, role, kind in (("Ana", "founder", Kind.STARTUP), ("Ben", "investor", Kind.INVESTOR)):
        person, said = hub.join(name, role)
        assert person.role == role and a.kind[person.actor] == kind and a.alive[person.actor]
        assert said == f"you are the {role} ({roles.label(hub.model, person.actor)})"
    assert hub.people["ana"].actor != hub.join("Cy", "founder")[0].actor  # one student each
    assert hub.model.steered == {p.actor: key for key, p in hub.people.items()}


def test_rejoining_by_name_gives_back_the_role_the_actor_and_the_history(hub):
    ana, _ = hub.join("Ana Lima", "founder")
    hub.choose("Ana Lima", "burn", 0.5)
    hub.step()
    again, said = hub.join("  ana   LIMA ", "regulator")  # another role asked: ignored
    assert again is ana and again.role == "founder" and "welcome back" in said
    assert again.history == ["Month 1: spending set to $0.50M a month"]
    assert len(hub.people) == 1


def test_one_regulator_and_clear_refusals(hub):
    assert hub.join("Cy", "regulator")[0] is not None
    assert hub.join("Dee", "regulator") == (None, "the regulator seat is taken by Cy")
    assert hub.join("", "founder") == (None, "type your name first")
    assert hub.join("x" * 31, "founder")[1] == "a name has at most 30 characters"
    assert "punctuation only" in hub.join("a\x00b", "founder")[1]
    assert hub.join("Eve", "king")[1] == "pick a role: founder, investor, regulator"
    funds = len(hub.model.state.rows(Kind.INVESTOR))
    for i in range(funds):
        assert hub.join(f"vc{i}", "investor")[0] is not None
    assert hub.join("late", "investor") == (None, "every investor already has a student")


# --- choices act at the next month, by the model's rules ---------------------------------


def test_a_founders_settings_act_at_the_next_month(hub):
    row = hub.join("Ana", "founder")[0].actor
    a = hub.model.state.actors
    other = Strategy.RESOURCES if a.strategy[row] == Strategy.INNOVATION else Strategy.INNOVATION
    assert hub.choose("Ana", "burn", 0.5) == "for month 1: spend $0.50M a month"
    hub.choose("Ana", "strategy", other.label)
    hub.choose("Ana", "focus", [0, 3])
    assert a.burn[row] != 0.5 and hub.pending("Ana") == [
        "spend $0.50M a month",
        f"network for {other.label}",
        "focus on fields 0, 3",
    ]
    hub.step()
    assert a.burn[row] == 0.5 and a.strategy[row] == other
    assert a.rd_budget[row] >= a.rd_share[row] * 0.5  # this month's R&D money
    assert a.ih[row].sum() == 2  # its research this month may have swapped a field
    assert hub.pending("Ana") == [] and hub.people["ana"].history[-1] == (
        "Month 1: research focus on fields 0, 3"
    )


def test_a_partner_request_forms_a_tie_only_if_the_partner_accepts(hub):
    me = hub.join("Ana", "founder")[0].actor
    keen = interested(hub, me)
    hub.choose("Ana", "partner", str(keen))  # as a page sends it, or as a number
    hub.step()
    s = hub.model.state
    tie = s.directed_tie(np.array([me]), np.array([keen]))[0]
    assert tie >= 0 and s.ties.formed[tie % s.ties.n] == 1
    formed = f"Month 1: partnership with {roles.label(hub.model, keen)} formed"
    assert hub.people["ana"].history[-1] == formed
    hub.model.params = apply_changes(hub.model.params, {"partnering.threshold": 99})
    cool = interested(hub, me, wanted=False)  # now none is keen
    said = hub.choose("Ana", "partner", cool)
    assert said.startswith(f"refused: {roles.label(hub.model, cool)} declined: you score ")
    assert said.endswith(f"it takes partners above {hub.model.params.partnering.threshold:g}")
    assert s.directed_tie(np.array([me]), np.array([cool]))[0] < 0


def test_a_partner_without_room_or_of_the_wrong_kind_is_refused(hub):
    me = hub.join("Ana", "founder")[0].actor
    fund = hub.model.state.rows(Kind.INVESTOR)[0]
    said = hub.choose("Ana", "partner", fund)
    assert (
        said
        == f"refused: this scenario lets no startup partner with {roles.label(hub.model, fund)}"
    )
    assert hub.choose("Ana", "partner", me) == "refused: a startup cannot partner with itself"
    hub.model.state.actors.max_partners[me] = 0
    corporate = hub.model.state.rows(Kind.CORPORATE)[0]
    said = hub.choose("Ana", "partner", corporate)
    assert said == "refused: you have no room for another partner (0 of 0)"


def test_an_investors_deal_is_the_only_deal_its_fund_makes_and_money_is_kept(hub):
    fund = hub.join("Ben", "investor")[0].actor
    me = hub.join("Ana", "founder")[0].actor
    hub.join("Cy", "regulator")
    s, a = hub.model.state, hub.model.state.actors
    target = roles.deal_options(hub.model, fund)[0][0]
    start = a.capital[: a.n].copy()
    sources, sinks = sum(s.sources.values()), sum(s.sinks.values())
    journal = s.keep_journal()
    life = a.fund_end[fund]
    said = hub.choose("Ben", "deal", target)
    assert said == f"for month 1: invest in {roles.label(hub.model, target)}"
    # every power at once, so that the ledger below covers them all
    hub.choose("Ana", "partner", interested(hub, me))
    hub.choose("Ana", "burn", 1.5)
    hub.choose("Cy", "subsidy", 0.5)
    hub.choose("Cy", "grants", False)
    others = 0
    while hub.model.running and others < 3:  # until the other funds made a few deals
        hub.step()
        j = journal.frame()
        rounds = j[j["purpose"] == "vc_round"]
        others = (rounds["payer"] != fund).sum()
    mine = rounds[rounds["payer"] == fund]
    assert len(mine) == 1 and mine["payee"].tolist() == [target] and mine["step"].tolist() == [1]
    assert others >= 3  # the funds no student steers invest as the model has them do
    assert a.fund_end[fund] == life  # hidden from the VC stage for the month only
    e = s.equity
    assert ((e.owner[: e.n] == fund) & (e.company[: e.n] == target)).sum() == 1
    assert "invested $" in hub.people["ben"].history[0] and a.rounds[target] >= 1
    # every movement has a payer and a payee, or is a named source or sink
    got = np.bincount(j["payee"][j["payee"] >= 0], j["amount"][j["payee"] >= 0], a.n)
    paid = np.bincount(j["payer"][j["payer"] >= 0], j["amount"][j["payer"] >= 0], a.n)
    assert np.allclose(a.capital[: a.n], np.r_[start, np.zeros(a.n - len(start))] + got - paid)
    assert not ((j["payer"] == OUTSIDE) & (j["payee"] == OUTSIDE)).any()
    change = a.capital[: a.n].sum() - start.sum()
    booked = sum(s.sources.values()) - sources - (sum(s.sinks.values()) - sinks)
    assert change == pytest.approx(booked, abs=1e-6)


def test_a_deal_the_vc_rules_forbid_is_refused(hub):
    fund = hub.join("Ben", "investor")[0].actor
    a = hub.model.state.actors
    corporate = hub.model.state.rows(Kind.CORPORATE)[0]
    assert "is not a startup" in hub.choose("Ben", "deal", corporate)
    target = roles.deal_options(hub.model, fund)[0][0]
    a.fund_end[fund] = 1
    assert (
        hub.choose("Ben", "deal", target)
        == "refused: your fund's life is over: it makes no new deals"
    )


def test_the_regulators_instruments_change_the_live_scenario_or_are_refused(hub):
    hub.join("Cy", "regulator")
    assert hub.choose("Cy", "subsidy", "0.3") == "for month 1: R&D subsidy rate: 0.3"
    assert hub.choose("Cy", "sandbox", True).startswith("for month 1")
    assert hub.model.params.governance.rd_subsidy_rate != 0.3
    hub.step()
    gov = hub.model.params.governance
    assert gov.rd_subsidy_rate == 0.3 and gov.sandbox
    assert hub.people["cy"].history[0] == "Month 1: R&D subsidy rate set to 0.3"
    said = hub.choose("Cy", "subsidy", "1.5")
    assert said == "refused: R&D subsidy rate: governance.rd_subsidy_rate: got 1.5; must be <= 1"
    assert hub.choose("Cy", "enforcement", "lots") == (
        "refused: Enforcement (defections prevented): got 'lots'; must be a number"
    )
    assert hub.choose("Cy", "deal", 3) == "refused: a regulator cannot choose 'deal'"


@pytest.mark.parametrize(
    ("what", "value", "said"),
    [
        ("burn", 4, "spending: got 4; must be from 0.01 to 3 ($M a month)"),
        ("burn", "much", "spending: got 'much'; must be from 0.01 to 3 ($M a month)"),
        ("strategy", "luck", "strategy: got 'luck'; must be one of innovation, resources"),
        ("focus", [], "focus: pick 2 to 5 fields (got 0)"),
        ("focus", [0, 99], "focus: fields are numbered 0 to 15"),
        ("partner", "nobody", "no actor 'nobody'"),
    ],
)
def test_bad_choices_are_refused_with_one_line(hub, what, value, said):
    hub.join("Ana", "founder")
    assert hub.choose("Ana", what, value) == f"refused: {said}"
    assert hub.model.queued == {}
    assert hub.choose("Nobody", what, value) == "refused: join first"


def test_a_founder_whose_startup_ended_takes_another(hub):
    ana, _ = hub.join("Ana", "founder")
    old = ana.actor
    hub.model.state.actors.capital[old] = -1.0  # it fails at this month's end
    hub.step()
    assert not hub.steering(ana) and "failed in month 1" in roles.summary(hub.model, "founder", old)
    assert hub.take_another("Ana") == f"you now steer {roles.label(hub.model, ana.actor)}"
    assert ana.actor != old and hub.steering(ana)


def test_reset_keeps_everyone_in_their_role_and_actor(hub):
    ana = hub.join("Ana", "founder")[0]
    cy = hub.join("Cy", "regulator")[0]
    rows = ana.actor, cy.actor
    hub.step()
    old = hub.model
    hub.reset()
    assert hub.model is not old and hub.model.steps == 0
    assert (ana.actor, cy.actor) == rows and hub.model.steered[ana.actor] == key_of("Ana")
    assert ana.history[-1] == "Month 0: the teacher started the ecosystem anew"


def test_without_choices_the_class_model_runs_like_the_class_demo():
    shared, solo = ClassModel(preset="small.yaml"), ClassroomModel(preset="small.yaml")
    for _ in range(6):
        shared.step()
        solo.step()
    assert shared.metrics_frame().equals(solo.metrics_frame())


def test_the_version_wakes_a_waiting_page(hub):
    seen = hub.version
    start = time.monotonic()
    assert hub.wait(seen, 0.05) == seen and time.monotonic() - start >= 0.05
    hub.join("Ana", "founder")
    assert hub.wait(seen, 5) > seen


def test_playing_steps_until_paused(hub):
    hub.interval = 0.01
    hub.play(True)
    deadline = time.monotonic() + 30
    while hub.model.steps < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    hub.play(False)
    month = hub.model.steps
    time.sleep(0.1)
    assert month >= 3 and hub.model.steps == month and not hub.playing


# --- the pages in several browsers at once ---------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for these tests; each student is a context of its own."""
    with headless_chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("class") / "log"
    env = {"SIM_VIZ_APP": "sim.viz.class_app", "SIM_VIZ_SCENARIO": "small.yaml"}
    command = [sys.executable, "-m", "sim.viz.serve", "--production", "--no-open"]
    process = serve([*command, "--no-check-version", "--port", str(port)], port, log, env)
    yield f"http://127.0.0.1:{port}"
    stop(process)


def student(browser, url: str, name: str, role: str, shown: str = ""):
    """A student's own browser (a context: its own cookies and session) joining as `role`;
    waits for `shown` (by default the page of a new `role`)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/join")
    page.get_by_label("Your name").fill(name)
    # the roles are enabled once the name has reached the server: slow on a loaded machine
    page.get_by_role("button", name=role, exact=True).click(timeout=90_000)
    page.get_by_role("button", name="Join").click(timeout=90_000)
    page.get_by_text(shown or f"{name}: {role}, steering ").wait_for(timeout=60_000)
    return context, page


def test_students_and_the_teacher_share_one_ecosystem(browser, server):
    teacher = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()
    teacher.goto(server)
    teacher.get_by_text("Month 0 of 36", exact=True).wait_for(timeout=60_000)
    _, founder = student(browser, server, "Ana <b>Lima</b>", "founder")
    _, regulator = student(browser, server, "Cy", "regulator")
    table = teacher.locator(".v-card", has_text="The class")
    table.get_by_text("Ana <b>Lima</b>", exact=True).wait_for()  # shown as typed
    table.get_by_text("Cy", exact=True).wait_for()
    assert table.get_by_text("regulator", exact=True).count() == 1

    box = regulator.get_by_label("R&D subsidy rate (now 0.15; type a value, then Enter)")
    box.fill("0.35")
    box.press("Enter")
    regulator.get_by_text("for month 1: R&D subsidy rate: 0.35").wait_for()
    table.get_by_text("R&D subsidy rate: 0.35", exact=True).wait_for()  # next month's choice

    teacher.get_by_role("button", name="Step").click()
    for page in (teacher, founder, regulator):
        page.get_by_text("Month 1 of 36", exact=True).wait_for()
    table.get_by_text("Month 1: R&D subsidy rate set to 0.35", exact=True).wait_for()
    regulator.get_by_text("Month 1: R&D subsidy rate set to 0.35", exact=True).wait_for()
    box = regulator.get_by_label("R&D subsidy rate (now 0.35; type a value, then Enter)")
    box.fill("2")
    box.press("Enter")
    regulator.get_by_text("got 2; must be <= 1", exact=False).wait_for()  # refused, not a crash


def test_a_student_who_leaves_rejoins_with_the_same_actor(browser, server):
    context, page = student(browser, server, "Ben", "investor")
    steering = page.get_by_text("Ben: investor, steering ").inner_text()
    context.close()
    _, again = student(browser, server, " BEN", "founder", shown=steering)  # another role asked
    again.get_by_text("welcome back: you are still the investor").wait_for()


def wait_for_gate(process: subprocess.Popen, address: str, log) -> None:
    """Wait until the gated server lets `address` (with its token) through."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if status(address) == 200:
                return
        except OSError:  # not listening yet
            pass
        time.sleep(0.5)
    pytest.fail(f"no page at {address}: {log.read_text()}")


def test_beyond_loopback_only_the_teachers_token_shows_controls(browser, tmp_path):
    port, token = free_port(), "teacher-token-123"
    env = {"SIM_VIZ_APP": "sim.viz.class_app", "SIM_VIZ_SCENARIO": "small.yaml"}
    env |= {"SIM_VIZ_TOKEN": token, "SIM_VIZ_CODE": "ABC123"}  # as `viz --class --host` sets
    command = [sys.executable, "-m", "sim.viz.serve", "--production", "--no-open"]
    command += ["--no-check-version", "--port", str(port)]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=(tmp_path / "log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_gate(process, f"{url}/?token={token}", tmp_path / "log")
        teacher = browser.new_context().new_page()
        teacher.goto(f"{url}/?token={token}")
        teacher.get_by_text("join code: ABC123", exact=True).wait_for(timeout=60_000)
        assert teacher.get_by_role("button", name="Step").is_visible()
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{url}/join?code=ABC123")
        page.get_by_label("Your name").fill("Dee")
        page.get_by_role("button", name="Join").click()
        page.get_by_text("Dee: founder, steering ").wait_for(timeout=60_000)
        page.goto(f"{url}/")  # the student's cookie holds the join code, not the token
        page.get_by_text("This is the teacher's screen.", exact=False).wait_for(timeout=60_000)
        assert page.get_by_role("button", name="Step").count() == 0
    finally:
        stop(process)
