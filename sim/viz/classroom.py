"""The class demo's model: a scenario file, the levers a class moves, and a live layout.

Levers start at the chosen scenario's values; only the ones a user moves change it. Values
that the schema refuses are not applied: `refused` says why, and the page shows it.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..config import ScenarioError
from ..model.model import EcosystemModel
from ..scenario import apply_changes, load_scenario
from ..schema import Scenario
from .layout import ASPECT, Layout

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT_SCENARIO = SCENARIOS / "classroom.yaml"


@dataclass(frozen=True)
class Lever:
    """A slider or switch that sets one or more scenario fields to the same value. For a
    [low, high] range the slider shows its geometric middle and scales the range."""

    label: str
    paths: tuple[str, ...]
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    switch: bool = False  # an on/off field: a checkbox rather than a slider

    def read(self, scenario: Scenario) -> Any:
        """The lever's value in `scenario` (that of its first field)."""
        value = _get(scenario, self.paths[0])
        if isinstance(value, tuple):  # the middle of a range, on the slider's grid
            return round(math.sqrt(value[0] * value[1]) / self.step) * self.step
        return value

    def changes(self, scenario: Scenario, value: Any) -> dict[str, Any]:
        """The dotted-path changes that set the lever to `value` in `scenario`."""
        out = {}
        for path in self.paths:
            old = _get(scenario, path)
            scale = value / math.sqrt(old[0] * old[1]) if isinstance(old, tuple) else None
            out[path] = [old[0] * scale, old[1] * scale] if scale is not None else value
        return out


LEVERS: dict[str, Lever] = {
    "startups": Lever("Startups", ("population.startup.count",), 0, 600, 10),
    "corporates": Lever("Corporates", ("population.corporate.count",), 0, 150, 5),
    "universities": Lever("Universities", ("population.university.count",), 0, 40, 1),
    "investors": Lever("VC funds", ("population.investor.count",), 0, 80, 1),
    "regulators": Lever("Regulators", ("population.regulator.count",), 0, 5, 1),
    "initial_trust": Lever("Initial trust", ("trust.initial",)),
    "enforcement": Lever("Enforcement (defections prevented)", ("trust.enforcement",)),
    "ip_strength": Lever("IP strength (patented flow blocked)", ("ip.ip_strength",)),
    "subsidy": Lever("R&D subsidy rate", ("governance.rd_subsidy_rate",), 0, 0.6),
    "fund_size": Lever(
        "VC fund size, $M (middle)", ("population.investor.fund_size",), 10, 2000, 10
    ),
    "startup_partners": Lever(
        "Partner limit of a startup", ("population.startup.max_partners",), 0, 20, 1
    ),
    # corporates and universities share one limit: the hubs of the network
    "hub_partners": Lever(
        "Partner limit of a corporate or university",
        ("population.corporate.max_partners", "population.university.max_partners"),
        0,
        100,
        5,
    ),
    "reputation": Lever(
        "Victims' partners hear of defections", ("trust.reputation_sharing",), switch=True
    ),
    "grants": Lever("University grants", ("governance.grants",), switch=True),
    "sandbox": Lever("Regulatory sandbox", ("governance.sandbox",), switch=True),
    "idea_communities": Lever(
        "Corporates running a user idea community", ("users.communities",), 0, 10, 1
    ),
    "accelerator": Lever(
        "Public accelerator: startups per cohort", ("brokers.accelerator_cohort",), 0, 40, 5
    ),
    "platform_share": Lever(
        "Share of fields that are platform markets", ("platforms.share",), 0, 1, 0.125
    ),
    "platform_strength": Lever(
        "Network effect in platform markets", ("platforms.strength",), 0, 1, 0.1
    ),
}


def scenario_files() -> list[str]:
    """The scenario files a class can pick, by name."""
    return sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def lever_values(scenario: Scenario) -> dict[str, Any]:
    """Every lever's value in `scenario`."""
    return {name: lever.read(scenario) for name, lever in LEVERS.items()}


class ClassroomModel(EcosystemModel):
    """EcosystemModel built from a scenario file plus lever values, with a live layout.

    A lever left at None, or at the scenario's own value, leaves the scenario as it is.
    """

    aspect = ASPECT  # the layout canvas' width over its height (a subclass may set another)

    def __init__(
        self,
        preset: str | Path = DEFAULT_SCENARIO,
        seed: int | str | None = None,
        more: str = "",
        startups: int | None = None,
        corporates: int | None = None,
        universities: int | None = None,
        investors: int | None = None,
        regulators: int | None = None,
        initial_trust: float | None = None,
        enforcement: float | None = None,
        ip_strength: float | None = None,
        subsidy: float | None = None,
        fund_size: float | None = None,
        startup_partners: int | None = None,
        hub_partners: int | None = None,
        reputation: bool | None = None,
        grants: bool | None = None,
        sandbox: bool | None = None,
        idea_communities: int | None = None,
        accelerator: int | None = None,
        platform_share: float | None = None,
        platform_strength: float | None = None,
    ):
        # the lever arguments that were given (Mesa passes each slider as a keyword)
        levers = {k: v for k, v in locals().items() if k in LEVERS and v is not None}
        self.refused: list[str] = []
        built = self._settle(Path(preset), levers, more)
        super().__init__(built, self._seed(seed, built.seed))
        self.layout = Layout(self.state, self.seed, aspect=self.aspect)
        self.running = self.params.steps > 0
        # a step holds it: Mesa steps in a thread, and a page draws a whole month under it
        self.lock = threading.Lock()

    def step(self) -> None:
        """One month, then the layout moves a little."""
        with self.lock:
            super().step()
            self.layout.update(self.state)
            self.running = self.steps < self.params.steps

    def _settle(self, path: Path, levers: dict[str, Any], more: str) -> Scenario:
        """The scenario with the moved levers and the typed settings that it accepts."""
        try:
            scenario = load_scenario(path if path.is_file() else SCENARIOS / path)
        except ScenarioError as err:
            self.refused += err.messages
            scenario = load_scenario(DEFAULT_SCENARIO)
        for name, value in levers.items():
            lever = LEVERS[name]
            if value != lever.read(scenario):
                scenario = self._apply(scenario, lever.changes(scenario, value), lever.label)
        changes = parse_settings(more or "")
        if isinstance(changes, str):
            self.refused.append(changes)
        elif changes:
            scenario = self._apply(scenario, changes, "more settings")
        return scenario

    def _apply(self, scenario: Scenario, changes: dict[str, Any], what: str) -> Scenario:
        """`scenario` with `changes`, or unchanged (and the reason noted) if they are refused."""
        try:
            return apply_changes(scenario, changes)
        except ScenarioError as err:
            self.refused += [f"{what}: {m}" for m in err.messages]
            return scenario

    def _seed(self, seed: int | str | None, default: int) -> int:
        text = "" if seed is None else str(seed).strip()
        if text.isdigit():
            return int(text)
        if text:
            self.refused.append(f"seed: got {text!r}; must be a whole number >= 0")
        return default


def parse_settings(text: str) -> dict[str, Any] | str:
    """`path=value; path=value` (values read as YAML) as a dict, or why it cannot be read."""
    out: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.replace("\n", ";").split(";"))):
        path, sep, raw = part.partition("=")
        if not sep or not path.strip():
            return f"typed settings: {part!r}: expected path=value, e.g. trust.initial=0.8"
        try:
            out[path.strip()] = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            return f"typed settings: {part!r}: the value {raw.strip()!r} cannot be read"
    return out


def _get(scenario: Scenario, path: str) -> Any:
    node: Any = scenario
    for key in path.split("."):
        node = getattr(node, key)
    return node
