"""Two class ecosystems side by side: the same scenario and seed, one lever set apart.

`PairModel` is one Mesa model holding both, so SolaraViz's Play, Step and Reset drive the two
together (sim/viz/pair_app.py draws them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import yaml

from .charts import Chart
from .classroom import DEFAULT_SCENARIO, LEVERS, ClassroomModel
from .helper import Helped
from .style import shown


@dataclass(frozen=True)
class Comparison:
    """A lesson's pair of runs: `lever` (a name in LEVERS) at two values, the settings that
    go with each value (path=value; ...) and the words that name each run."""

    lever: str
    values: tuple[Any, Any]
    words: tuple[str, str]
    settings: tuple[str, str] = ("", "")


# a whole trust climate and a whole IP regime, the schema's presets: one setting apart each,
# they show what trust or IP does (initial trust or IP strength alone moves innovation little)
COMPARISONS = {
    "high vs low trust": Comparison(
        "initial_trust",
        (0.6, 0.3),
        ("high trust", "low trust"),
        ("trust.preset=high", "trust.preset=low"),
    ),
    "strong vs open IP": Comparison(
        "ip_strength", (0.85, 0.0), ("strong IP", "open IP"), ("ip.regime=strong", "ip.regime=open")
    ),
}
DEFAULT = COMPARISONS["high vs low trust"]

PAIR_ASPECT = 1.4  # each network takes half the page's width

# one metric each, so that the two runs' lines tell apart by colour and by style
PAIR_CHARTS = (
    Chart("innovations", ("innovations",), "innovations per month"),
    Chart("innovation value", ("innovation_value",), "$M per month"),
    Chart("mean knowledge", ("mean_knowledge",), "level (0–1)", unit=True),
    Chart("mean trust", ("mean_trust",), "level (0–1)", unit=True, legend="lower right"),
    Chart("network density", ("network_density",), "share (0–1)"),
    Chart("largest group", ("largest_component_share",), "share (0–1)", unit=True),
    Chart("startups alive", ("startups_alive",), "number of startups", legend="lower left"),
    Chart(
        "startups failed",
        ("startups_failed",),
        "number (total)",
        totals=("startups_failed",),
    ),
)


class HalfModel(ClassroomModel):
    """One run of the pair: its layout as wide as half the page; its months done by the
    helper process when it is `helped`."""

    aspect = PAIR_ASPECT
    helped: Helped | None = None

    def step(self) -> None:
        """One month: the helper's, if it did it, else done here."""
        if self.helped is None or not self.helped.take():
            super().step()


def lever_named(text: str) -> str | None:
    """The lever called `text` (its name in LEVERS or its label), None if there is none."""
    if text in LEVERS:
        return text
    return next((name for name, lever in LEVERS.items() if lever.label == text), None)


def read_value(text: Any) -> Any:
    """A lever value typed on the page ("0.9", "on", "120") as a number or a switch;
    None when it is neither."""
    if isinstance(text, bool | int | float):
        return text
    try:
        value = yaml.safe_load(str(text))
    except yaml.YAMLError:
        return None
    return value if isinstance(value, bool | int | float) else None


class PairModel(mesa.Model):
    """Two ClassroomModels of scenario `preset` with the same `seed` and `more` settings, the
    first with `lever` at `first` (and `settings[0]`), the second at `second` (and
    `settings[1]`); a step steps both, the second at the helper process when it can
    (`helped`, sim/viz/helper.py)."""

    def __init__(
        self,
        preset: str | Path = DEFAULT_SCENARIO,
        seed: int | str | None = None,
        more: str = "",
        lever: str = DEFAULT.lever,
        first: Any = DEFAULT.values[0],
        second: Any = DEFAULT.values[1],
        settings: tuple[str, str] = ("", ""),
    ):
        super().__init__()
        self.refused: list[str] = []
        name = lever_named(lever)
        if name is None:
            self.refused.append(f"lever: got {lever!r}; must be one of the levers' names")
            name = DEFAULT.lever
        self.lever = name
        self.values = tuple(self._value(text, which) for text, which in ((first, 1), (second, 2)))
        self.settings = settings
        built_with = [
            {"preset": preset, "seed": seed, "more": "; ".join(filter(None, (more, extra)))}
            | {name: value}
            for value, extra in zip(self.values, settings, strict=True)
        ]
        self.runs = tuple(HalfModel(**kwargs) for kwargs in built_with)
        self.helped = Helped(self.runs[1], built_with[1])
        for run in self.runs:
            self.refused += [line for line in run.refused if line not in self.refused]
        self.labels = run_labels(name, self.values, settings)
        self.params = self.runs[0].params  # the months and the scenario, as a run's
        self.seed = self.runs[0].seed
        self.running = any(run.running for run in self.runs)

    def step(self) -> None:
        """One month of both runs: the second's at the helper while the first's is here."""
        first, second = self.runs
        if second.running:
            self.helped.begin()
        try:
            if first.running:
                first.step()
        finally:  # the second run takes the helper's answer even when the first one failed
            if second.running:
                second.step()
        self.running = any(run.running for run in self.runs)

    def _value(self, text: Any, which: int) -> Any:
        value = read_value(text)
        if value is None:
            self.refused.append(
                f"value of run {which}: got {text!r}; must be a number, or on/off for a switch"
            )
        return value  # None: the scenario's own value


def run_labels(
    lever: str, values: tuple[Any, Any], settings: tuple[str, str] = ("", "")
) -> tuple[str, str]:
    """What the page calls each run: a lesson's words with what sets it, "high trust
    (trust.preset=high)", else the lever's label with its value, "Startups: 100"."""
    for comparison in COMPARISONS.values():
        if (comparison.lever, comparison.values, comparison.settings) == (lever, values, settings):
            return tuple(
                f"{w} ({s or shown(v)})"
                for w, v, s in zip(comparison.words, values, settings, strict=True)
            )
    label = LEVERS[lever].label
    return tuple(f"{label}: {shown(value)}" for value in values)
