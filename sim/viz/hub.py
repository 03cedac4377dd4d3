"""The class mode's shared state: one model for the whole class and who steers what in it.

Every browser tab is its own Solara session; they all read and change the one `CLASS` hub,
under its lock. Its `version` goes up with every step, choice or join, and `wait` lets a page
sleep until it does. Students are known by name: joining again with a name gives back that
participant, its role, its actor and its history.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model.metrics import Tally
from .charts import ChartsPicture
from .classroom import DEFAULT_SCENARIO, ClassroomModel
from .drawing import NetworkPicture
from .roles import INSTRUMENTS, KIND_OF, POWERS, ROLES, SEATS, Choice, apply, label, problem, row_of

NAME_LENGTH = 30
HISTORY = 8  # outcomes a student sees
# the order choices act in: instruments (this month's rules), settings, then ties and deals
_ORDER = {what: i for i, what in enumerate((*POWERS["regulator"], *POWERS["founder"]))}


class ClassModel(ClassroomModel):
    """The class's ecosystem: queued choices act at the start of each month (with that month's
    tally, before its governance), and funds steered by students make only their deals."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.queued: dict[tuple[str, str], Choice] = {}  # (who, what) -> the latest choice
        self.applied: list[tuple[Choice, str]] = []  # last month's choices and their outcomes
        self.steered: dict[int, str] = {}  # actor row -> the participant steering it

    def queue(self, choice: Choice) -> None:
        """Take `choice` at the start of the next month (replacing an earlier one of its kind)."""
        self.queued.pop((choice.who, choice.what), None)  # a new choice goes to the back
        self.queued[(choice.who, choice.what)] = choice

    def step(self) -> None:
        """One month; the VC stage passes over funds steered by students (their fund life
        is hidden from it for the month, then restored)."""
        a = self.state.actors
        funds = np.array([r for r in self.steered if a.kind[r] == KIND_OF["investor"]], int)
        self._life = a.fund_end[funds].copy()
        self._funds = funds
        try:
            super().step()
        finally:
            a.fund_end[funds] = self._life

    def _govern(self, tally: Tally) -> None:
        ranked = sorted(self.queued.values(), key=lambda c: _ORDER.get(c.what, len(_ORDER)))
        self.queued = {}
        self.applied = [(choice, apply(self, choice, tally)) for choice in ranked]
        self.state.actors.fund_end[self._funds] = 0  # after students' deals, before the VC stage
        super()._govern(tally)


@dataclass
class Participant:
    """A student: the name as first typed, the role, the actor row it steers (-1: none)."""

    name: str
    role: str
    actor: int
    history: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        self.history = [*self.history, line][-HISTORY:]


def key_of(name: str) -> str:
    """The name that identifies a participant: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()


def name_problem(name: str) -> str | None:
    """Why a typed name cannot be used, or None."""
    shown = " ".join(name.split())
    if not shown:
        return "type your name first"
    if len(shown) > NAME_LENGTH:
        return f"a name has at most {NAME_LENGTH} characters"
    if not shown.isprintable():
        return "a name is letters, digits, spaces and punctuation only"
    return None


class Hub:
    """Participants by name, the shared model and its pictures; every method takes the lock.
    `version` changes with anything, `month_version` only with what every student's page
    shows (a step, a reset, a join), so a choice redraws the teacher's page alone."""

    def __init__(self, build: Callable[[], ClassModel]):
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self.version = self.month_version = 0
        self._build = build
        self._model: ClassModel | None = None
        self.people: dict[str, Participant] = {}
        self.playing = False
        self.interval = 1.0  # seconds between months while playing
        self._player = 0  # which play thread may go on (an older one stops)
        self.generation = 0  # ecosystems built so far (Reset builds another)
        self._pictures: tuple[int, bytes, bytes] | None = None  # (month, network, charts)
        self._drawers: tuple[NetworkPicture, ChartsPicture] | None = None

    @property
    def model(self) -> ClassModel:
        with self.lock:
            if self._model is None:
                self._model = self._build()
            return self._model

    def _bump(self, month: bool = True) -> None:
        self.version += 1
        self.month_version += month
        self._changed.notify_all()

    def wait(self, seen: int, timeout: float, counter: str = "version") -> int:
        """The `counter` (version or month_version), once it differs from `seen` or after
        `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: getattr(self, counter) != seen, timeout)
            return getattr(self, counter)

    def join(self, name: str, role: str) -> tuple[Participant | None, str]:
        """The participant of `name` (a new one in `role`, or the one who had the name) and a
        line to show; None and why when the name or the role is refused."""
        why = name_problem(name)
        if why:
            return None, why
        with self.lock:
            known = self.people.get(key_of(name))
            if known is not None:
                steers = f" of {self._label(known)}" if known.actor >= 0 else ""
                return known, f"welcome back: you are still the {known.role}{steers}"
            if role not in ROLES:
                return None, f"pick a role: {', '.join(ROLES)}"
            taken = [p for p in self.people.values() if p.role == role]
            if role in SEATS and len(taken) >= SEATS[role]:
                return None, f"the {role} seat is taken by {taken[0].name}"
            row = self._free_actor(role)
            if row is None and role != "regulator":
                return None, f"every {KIND_OF[role].label} already has a student"
            person = Participant(" ".join(name.split()), role, -1 if row is None else row)
            self.people[key_of(name)] = person
            self._steer(person)
            self._bump()
            return person, f"you are the {role}" + (
                f" ({self._label(person)})" if row is not None else ""
            )

    def take_another(self, name: str) -> str:
        """Give a founder or investor whose actor has ended a new one."""
        with self.lock:
            person = self.people[key_of(name)]
            if self.steering(person):
                return f"you still steer {self._label(person)}"
            row = self._free_actor(person.role)
            if row is None:
                return f"no {KIND_OF[person.role].label} is free"
            self.model.steered.pop(person.actor, None)
            person.actor = row
            self._steer(person)
            person.note(f"Month {self.model.steps}: you now steer {self._label(person)}")
            self._bump()
            return f"you now steer {self._label(person)}"

    def choose(self, name: str, what: str, value: Any) -> str:
        """Queue a participant's choice for the next month; the line to show (why, if refused)."""
        with self.lock:
            person = self.people.get(key_of(name))
            if person is None:
                return "refused: join first"
            model = self.model
            choice = Choice(key_of(name), person.role, person.actor, what, value)
            why = problem(model, choice, model.steps + 1)
            if why:
                return f"refused: {why}"
            model.queue(choice)
            self._bump(month=False)
            return f"for month {model.steps + 1}: {_said(model, choice)}"

    def pending(self, name: str) -> list[str]:
        """What a participant chose for the next month, in words."""
        with self.lock:
            model, who = self.model, key_of(name)
            return [_said(model, c) for (k, _), c in model.queued.items() if k == who]

    def step(self) -> bool:
        """One month of the shared model, if it has months left; whether it stepped."""
        with self.lock:
            model = self.model
            if not model.running:
                return False
            model.step()
            for choice, outcome in model.applied:
                self.people[choice.who].note(f"Month {model.steps}: {outcome}")
            self._bump()
            return True

    def reset(self) -> None:
        """A new ecosystem from the scenario; everyone keeps their role and, where it exists
        anew, their actor (rows are the same for the same scenario and seed)."""
        with self.lock:
            self.playing = False
            self._model = self._build()
            self.generation += 1
            self._pictures = self._drawers = None
            for person in self.people.values():
                if not self.steering(person) or person.actor in self.model.steered:
                    row = self._free_actor(person.role)
                    person.actor = -1 if row is None else row
                self._steer(person)
                person.note("Month 0: the teacher started the ecosystem anew")
            self._bump()

    def play(self, on: bool) -> None:
        """Start or stop stepping every `interval` seconds (in a thread of the hub's own)."""
        with self.lock:
            if on and not self.playing:
                self._player += 1
                threading.Thread(target=self._play, args=(self._player,), daemon=True).start()
            self.playing = on
            self._bump(month=False)

    def _play(self, me: int) -> None:
        def stopped() -> bool:
            return not self.playing or self._player != me

        while True:
            with self.lock:
                if stopped():
                    return
                if not self.step():
                    self.playing = False
                    self._bump()
                    return
                self._changed.wait_for(stopped, self.interval)  # wakes early when paused

    def pictures(self) -> tuple[bytes, bytes]:
        """The network and the charts of the current month, drawn once per month."""
        with self.lock:
            model = self.model
            if self._pictures is None or self._pictures[0] != model.steps:
                if self._drawers is None:
                    self._drawers = (NetworkPicture(), ChartsPicture(model.params.steps))
                network, charts = self._drawers
                title = f"Month {model.steps}: {model.state.ties.n} ties"
                self._pictures = (
                    model.steps,
                    network.png(model.state, model.layout.pos, title),
                    charts.png(model.series),
                )
            return self._pictures[1], self._pictures[2]

    def steering(self, person: Participant) -> bool:
        """Whether the person's actor is still alive and of its role's kind."""
        a = self.model.state.actors
        row = person.actor
        return row >= 0 and bool(a.alive[row]) and a.kind[row] == KIND_OF[person.role]

    def _steer(self, person: Participant) -> None:
        if person.actor >= 0:
            self.model.steered[person.actor] = key_of(person.name)

    def _free_actor(self, role: str) -> int | None:
        """An actor of the role's kind that no one steers: the startup with the most months
        of cash, the fund with the most money, the first regulator."""
        model = self.model
        a = model.state.actors
        rows = model.state.rows(KIND_OF[role])
        rows = rows[~np.isin(rows, list(model.steered))]
        if len(rows) == 0:
            return None
        worth = (
            a.capital[rows] / np.maximum(a.burn[rows], 1e-9)
            if role == "founder"
            else a.capital[rows]
        )
        return int(rows[0] if role == "regulator" else rows[np.argmax(worth)])

    def _label(self, person: Participant) -> str:
        return label(self.model, person.actor)


def _said(model: ClassModel, choice: Choice) -> str:
    """A queued (so valid) choice in words."""
    value = choice.value
    if choice.what in INSTRUMENTS:
        shown = ("on" if value else "off") if isinstance(value, bool) else value
        return f"{INSTRUMENTS[choice.what].label}: {shown}"
    if choice.what in ("partner", "deal"):
        value = label(model, row_of(model, value))
    elif choice.what == "focus":
        value = "fields " + ", ".join(str(int(f)) for f in sorted(value))
    elif choice.what == "burn":
        value = f"${float(value):.2f}M a month"
    words = {"partner": "ask", "deal": "invest in", "burn": "spend", "focus": "focus on"}
    return f"{words.get(choice.what, 'network for')} {value}"


def build_class_model() -> ClassModel:
    """The class's model from the scenario `run.py viz` passes (SIM_VIZ_SCENARIO)."""
    return ClassModel(preset=os.environ.get("SIM_VIZ_SCENARIO", DEFAULT_SCENARIO.name))


CLASS = Hub(build_class_model)  # the one hub of this server process
