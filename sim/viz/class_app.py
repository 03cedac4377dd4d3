"""The class mode, like NetLogo's HubNet: one shared ecosystem, each student steers an actor.

`/` is the teacher's screen (the join address, Step, Play and Reset, who steers what and how
they do, the live network and charts); `/join` is the students' page (a name, a role, then
the role's choices and the actor's numbers). Start it with `run.py viz --class`, or
`solara run sim.viz.class_app`. All pages share the one hub (sim/viz/hub.py) and redraw
whenever it changes.
"""

from __future__ import annotations

import hmac
import os
import threading

import solara
from solara.lab import cookies, headers
from solara.server import kernel_context
from solara.server.kernel_context import PageStatus

from sim.viz import roles
from sim.viz.hub import CLASS, Participant, key_of
from sim.viz.roles import INSTRUMENTS, ROLES, label
from sim.vocabulary import Strategy

TOKEN_ENV, TOKEN_COOKIE = "SIM_VIZ_TOKEN", "sim_viz_token"  # as sim/viz/serve.py sets them
CODE_ENV, JOIN_ENV = "SIM_VIZ_CODE", "SIM_VIZ_JOIN"
SPEEDS = {"fast (0.3 s)": 0.3, "1 s": 1.0, "2 s": 2.0, "5 s": 5.0}
RENDER_GAP = 0.2  # seconds: the most often a page redraws
WRAP = {"flex-wrap": "wrap", "height": "auto"}  # a row of buttons that fits a phone
GRID = {"display": "grid", "gap": "0.2em 1em", "align-items": "baseline"}


def use_version(counter: str = "version") -> int:
    """The hub's `counter` (version or month_version); the calling component redraws when it
    changes, at most every RENDER_GAP seconds (a thread of this session waits on the hub)."""
    session = kernel_context.get_current_context()

    def watch(cancel: threading.Event):
        seen = -1
        while not cancel.is_set():
            # a session without a page (a closed or sleeping tab) is not redrawn: Solara keeps
            # it for a reconnect, and redrawing it each month would load the server for nothing
            if PageStatus.CONNECTED not in session.page_status.values():
                cancel.wait(1.0)
                continue
            now = CLASS.wait(seen, 1.0, counter)
            if now != seen:
                seen = now
                yield now
                cancel.wait(RENDER_GAP)  # a burst of choices: one redraw

    result = solara.use_thread(watch, dependencies=[], intrusive_cancel=False)
    return getattr(CLASS, counter) if result.value is None else result.value


def is_teacher() -> bool:
    """On this computer only (no token set) everyone is; beyond it, whoever holds the
    teacher's token in the cookie that the gate set."""
    token = os.environ.get(TOKEN_ENV)
    if not token:
        return True
    given = (cookies.value or {}).get(TOKEN_COOKIE, "")
    return hmac.compare_digest(given.encode(), token.encode())


def join_address() -> str:
    """The students' address: as `run.py viz --class` printed it, or else on the host this
    page was asked for."""
    host = ((headers.value or {}).get("host") or ["127.0.0.1:8765"])[0]
    return os.environ.get(JOIN_ENV) or f"http://{host}/join"


def line(text: str, size: float = 1.0, bold: bool = False) -> None:
    """A line of plain text (Vue escapes it, so a name shows as typed, never as HTML)."""
    style = {"font-size": f"{size}em", "font-weight": "bold" if bold else "normal"}
    solara.Div(children=[text], style={**style, "margin": "0.2em 0"})


@solara.component
def Table(rows: list[list[str]], widths: str, header: bool = True):
    """Rows of plain text cells in a grid, the first row in bold if it is a `header`."""
    cells = [
        solara.Div(children=[cell], style={"font-weight": "bold"} if header and i == 0 else {})
        for i, row in enumerate(rows)
        for cell in row
    ]
    solara.Div(children=cells, style={**GRID, "grid-template-columns": widths})


@solara.component
def Teacher():
    """The teacher's screen: join address, controls, the class, the network and charts."""
    version = use_version()
    if not is_teacher():
        with solara.Card("Class mode"):
            line("This is the teacher's screen. Students join on their own page:")
            solara.Button("Open the students' page", href="/join", color="primary")
        return
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Column(style={"min-width": "30em", "flex": "1"}):
            JoinCard()
            Controls(version)
            People(version)
        with solara.Column(style={"min-width": "30em", "flex": "1"}):
            network, charts = CLASS.pictures()
            solara.Image(network, width="100%")
            solara.Image(charts, width="100%")


@solara.component
def JoinCard():
    """Where and how students join."""
    code = os.environ.get(CODE_ENV)
    with solara.Card("Students join at"):
        line(join_address(), 1.6, bold=True)
        if code:
            line(f"join code: {code}", 1.6)


@solara.component
def Controls(version: int):
    """Step, play and reset the shared model (`version`: the hub's, to redraw with it)."""
    with CLASS.lock:
        model, playing = CLASS.model, CLASS.playing
        month = f"Month {model.steps} of {model.params.steps}"
        running, refused = model.running, list(model.refused)
    speed = next((k for k, v in SPEEDS.items() if v == CLASS.interval), "1 s")

    def set_speed(name: str) -> None:
        CLASS.interval = SPEEDS[name]

    with solara.Card():
        line(month, 1.3)
        with solara.Row():
            solara.Button("Step", on_click=CLASS.step, disabled=playing or not running)
            solara.Button(
                "❚❚ Pause" if playing else "▶ Play",
                on_click=lambda: CLASS.play(not playing),
                disabled=not running and not playing,
            )
            solara.Button("Reset", on_click=CLASS.reset)
        solara.Select("Time per month when playing", list(SPEEDS), speed, on_value=set_speed)
        for said in refused:
            solara.Error(f"Refused: {said}")


@solara.component
def People(version: int):
    """Everyone who joined: role, actor, choices for next month, last outcome, numbers."""
    with CLASS.lock:
        model = CLASS.model
        rows = [
            [
                p.name,
                p.role,
                label(model, p.actor),
                "; ".join(CLASS.pending(p.name)) or "-",
                p.history[-1] if p.history else "-",
                roles.summary(model, p.role, p.actor),
            ]
            for p in CLASS.people.values()
        ]
    with solara.Card(f"The class ({len(rows)} joined)"):
        if not rows:
            line("No one yet: students open the address above.")
            return
        header = ["name", "role", "actor", "next month", "last month", "how it does"]
        Table([header, *rows], "repeat(6, auto)")


@solara.component
def Join():
    """The students' page: join with a name and a role, then steer."""
    version = use_version("month_version")  # others' choices do not change it
    joined, set_joined = solara.use_state(("", ""))  # the name and what joining said
    person = CLASS.people.get(key_of(joined[0])) if joined[0] else None
    if person is None:
        JoinForm(set_joined, version)
    else:
        Student(person, version, joined[1])


@solara.component
def JoinForm(on_joined, version: int):
    """A name and a role (rejoining with the same name gives back the same actor);
    `on_joined` gets (name, what joining said)."""
    name, set_name = solara.use_state("")
    role, set_role = solara.use_state(ROLES[0])
    said, set_said = solara.use_state("")

    def join() -> None:
        person, why = CLASS.join(name, role)
        set_said(why)
        if person is not None:
            on_joined((person.name, why))

    with solara.Card("Join the class's ecosystem"):
        solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True)
        solara.ToggleButtonsSingle(role, values=list(ROLES), on_value=set_role)
        line(seats(role))
        with solara.Row():
            solara.Button("Join", on_click=join, color="primary")
        if said:
            solara.Error(said)
        line("Back after closing the page? Type the same name to get your actor back.", 0.9)


def seats(role: str) -> str:
    """What the role does and whether a seat is free."""
    with CLASS.lock:
        taken = [p for p in CLASS.people.values() if p.role == role]
        free = len(CLASS.model.state.rows(roles.KIND_OF[role])) - len(taken)
    does = {
        "founder": "Steer a startup: its partners, networking strategy, R&D and focus.",
        "investor": "Run a VC fund: pick the startups it backs.",
        "regulator": "Set the public instruments: subsidy, sandbox, enforcement, grants...",
    }[role]
    if role in roles.SEATS and len(taken) >= roles.SEATS[role]:
        return f"{does} Taken by {taken[0].name}."
    return f"{does} {max(free, 0)} free."


@solara.component
def Student(person: Participant, version: int, greeting: str):
    """One student's page: who they are, their actor's numbers, their choices, what came."""
    said, set_said = solara.use_state((CLASS.model.steps, greeting))  # (month, line)
    with CLASS.lock:
        model = CLASS.model
        month = f"Month {model.steps} of {model.params.steps}"
        steering = CLASS.steering(person)
        lines = roles.numbers(model, person.role, person.actor)
        pending = CLASS.pending(person.name)
        options = _options(person) if steering else []
        current = {what: lever.read(model.params) for what, lever in INSTRUMENTS.items()}
        settings = _settings(person) if steering and person.role == "founder" else {}

    def choose(what: str, value) -> None:
        set_said((model.steps, CLASS.choose(person.name, what, value)))

    def take_another() -> None:
        set_said((model.steps, CLASS.take_another(person.name)))

    line(f"{person.name}: {person.role}, steering {label(model, person.actor)}", 1.4, bold=True)
    line(month, 1.3)
    with solara.Card("How you are doing"):
        Table([list(pair) for pair in lines], "auto auto", header=False)
        if person.role != "regulator" and not steering:
            with solara.Row():
                solara.Button("Take another", on_click=take_another)
    if steering or person.role == "regulator":
        with solara.Card(f"Your choices for month {model.steps + 1}"):
            if person.role == "founder":
                # anew for a new actor or a new ecosystem: its controls start at its values
                key = f"{person.actor}-{CLASS.generation}"
                FounderChoices(options, settings, model.params.fields, choose).key(key)
            elif person.role == "investor":
                DealChoice(options, choose)
            else:
                RegulatorChoices(current, choose).key(str(CLASS.generation))
            when, told = said
            if when == model.steps and told.startswith("refused"):  # this month's only
                solara.Error(told)
            elif when == model.steps and told:
                solara.Success(told)
            line("Chosen: " + ("; ".join(pending) or "nothing yet"))
    with solara.Card("What happened"):
        for said_then in reversed(person.history):
            line(said_then)


def _options(person: Participant) -> list[tuple[int, str]]:
    model = CLASS.model
    if person.role == "founder":
        return roles.partner_options(model, person.actor)
    return roles.deal_options(model, person.actor) if person.role == "investor" else []


def _settings(person: Participant) -> dict:
    """A founder's startup's strategy, spending and focus, as its controls start."""
    a = CLASS.model.state.actors
    row = person.actor
    return {
        "strategy": Strategy(int(a.strategy[row])).label,
        "burn": round(float(a.burn[row]), 2),
        "burn_range": roles.burn_range(CLASS.model),
        "focus": [int(f) for f in a.ih[row].nonzero()[0]],
    }


@solara.component
def FounderChoices(options: list[tuple[int, str]], settings: dict, fields: int, choose):
    """A partner to ask, the networking strategy, the monthly spending (more R&D money, less
    runway) and the research focus."""
    partner, set_partner = solara.use_state("")
    strategy, set_strategy = solara.use_state(settings["strategy"])
    burn, set_burn = solara.use_state(settings["burn"])
    focus, set_focus = solara.use_state(settings["focus"])

    def network_for(value: str) -> None:
        set_strategy(value)
        choose("strategy", value)

    rows = {text: row for row, text in options}
    with solara.Row(style={"align-items": "center"}):
        solara.Select("Partner to ask", list(rows), partner or None, on_value=set_partner)
        solara.Button(
            "Ask", on_click=lambda: choose("partner", rows[partner]), disabled=partner not in rows
        )
    line("Networking for")
    solara.ToggleButtonsSingle(strategy, values=[s.label for s in Strategy], on_value=network_for)
    low, high = settings["burn_range"]
    solara.SliderFloat(f"Spending: ${burn:.2f}M a month", burn, low, high, 0.01, on_value=set_burn)
    with solara.Row():
        solara.Button("Set spending", on_click=lambda: choose("burn", burn))
    line("Research focus: fields")
    solara.ToggleButtonsMultiple(focus, values=list(range(fields)), on_value=set_focus, style=WRAP)
    with solara.Row():
        solara.Button("Set focus", on_click=lambda: choose("focus", focus))


@solara.component
def DealChoice(options: list[tuple[int, str]], choose):
    """A startup for the fund to back next month."""
    pick, set_pick = solara.use_state("")
    rows = {text: row for row, text in options}
    with solara.Row(style={"align-items": "center"}):
        solara.Select("Startup to back", list(rows), pick or None, on_value=set_pick)
        solara.Button(
            "Invest", on_click=lambda: choose("deal", rows[pick]), disabled=pick not in rows
        )


@solara.component
def RegulatorChoices(current: dict, choose):
    """Each instrument: a switch, or a typed number (Enter sends it)."""
    for what, lever in INSTRUMENTS.items():
        if lever.switch:
            solara.Checkbox(
                label=lever.label,
                value=bool(current[what]),
                on_value=lambda on, what=what: choose(what, on),
            )
        else:
            solara.InputText(
                f"{lever.label} (now {current[what]:g}; type a value, then Enter)",
                value="",
                on_value=lambda text, what=what: choose(what, text),
            )


@solara.component
def Plain(children=[]):  # noqa: B006 - Solara passes the page as children
    """The pages without Solara's default app bar and navigation."""
    solara.Title("Innovation ecosystem: class mode")
    solara.Column(children=children, style={"padding": "1em", "max-width": "110em"})


routes = [
    solara.Route(path="/", component=Teacher, layout=Plain),
    solara.Route(path="join", component=Join),
]
