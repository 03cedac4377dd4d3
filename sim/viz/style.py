"""What the class pages share: their CSS over Mesa's SolaraViz, and the network's options bar.

The CSS makes a page fit a projector (1280x800 without scrolling): it hides Mesa's chrome
that a class has no use for (the "Use Threads" checkbox), sets each lever's label above a
slider as wide as half the sidebar, shows a slider's value on its knob at all times, and
lays the levers out in two columns. Mesa 3.3 and 3.5 build the same sidebar, so the
selectors hold for both (tests/test_viz.py checks them in Chromium).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import solara
from mesa.visualization.utils import update_counter

from ..model.state import State
from ..vocabulary import KINDS, Kind, TieType
from .classroom import ClassroomModel
from .drawing import BOUGHT_COLOR, FAILED_COLOR, KIND_COLORS, TIE_COLORS, actor_name

NOBODY = "nobody"
KIND_WORDS = ("startups", "corporates", "universities", "VC funds", "regulators")
TIE_WORDS = ("joint R&D", "sharing", "standard")
CHOICES = 12  # the best-connected actors offered to follow
MARKS = (
    '<span style="border: 1.5px solid black; border-radius: 50%; display: inline-block; '
    'width: 9px; height: 9px"></span> new startup '
    f'<b style="color: {FAILED_COLOR}">✖</b> failed '
    f'<b style="color: {BOUGHT_COLOR}">✚</b> acquired'
)

SIDEBAR = ".v-navigation-drawer"
CSS = f"""
/* Mesa's Controls card holds Play interval, Render interval, Use Threads and the buttons as
   direct children of its text; the levers' checkboxes sit one level deeper */
{SIDEBAR} .v-card__text > .v-input--checkbox {{ display: none !important; }}
{SIDEBAR} > .v-navigation-drawer__content > div {{ padding: 4px !important; }}
{SIDEBAR} .v-card {{ margin: 4px !important; }}
{SIDEBAR} .v-card__title {{ font-size: 15px; line-height: 20px; padding: 6px 12px 0; }}
{SIDEBAR} .v-card__text {{ padding: 4px 12px 8px; }}
/* the inputs of a card in two columns: Mesa's sliders, then its Model Parameters */
{SIDEBAR} .v-card__text:has(> .v-input__slider),
{SIDEBAR} .v-card__text > .v-sheet.d-flex:has(> .v-input) {{
  display: grid !important; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
  gap: 2px 14px !important;
  align-items: end;
}}
{SIDEBAR} .v-card__text > .v-sheet.d-flex:not(:has(> .v-input)) {{ grid-column: 1 / -1; }}
{SIDEBAR} .v-input {{ margin-top: 0 !important; padding-top: 0 !important; font-size: 13px; }}
{SIDEBAR} .v-input--checkbox .v-input__slot {{ margin-bottom: 0; }}
{SIDEBAR} .v-input--checkbox .v-messages {{ display: none; }}
{SIDEBAR} .v-text-field {{ margin-top: 6px !important; }}
{SIDEBAR} .v-input--checkbox .v-label, {SIDEBAR} .v-text-field .v-label {{ font-size: 13px; }}
{SIDEBAR} .v-text-field input {{ padding: 2px 0; }}
/* a slider: its label on a line of its own above the track, the value on the knob */
.v-input__slider .v-input__slot {{ flex-wrap: wrap; margin-bottom: 0; }}
.v-input__slider .v-label {{
  flex: 1 0 100%; white-space: normal; overflow: visible; height: auto; line-height: 15px;
  font-size: 13px; margin: 0 0 2px !important;
}}
.v-input__slider .v-slider {{ min-height: 26px; margin: 0 14px 0 12px !important; }}
.v-slider__thumb-label-container {{ display: block !important; top: 0; }}
.v-slider__thumb-label {{
  transform: translate(-50%, -50%) !important; border-radius: 10px !important;
  width: auto !important; min-width: 26px; height: 20px !important; padding: 0 5px;
  bottom: auto !important; top: 0; font-size: 12px; font-weight: 600;
}}
.v-slider__thumb-label > * {{ transform: none !important; }}
/* the page's own parts; the main column has no gaps for the empty blocks SolaraViz leaves */
.solara-autorouter-content > .v-sheet.d-flex,
.solara-autorouter-content > .v-sheet.d-flex > .v-sheet.d-flex:not(.sim-main) {{
  row-gap: 0 !important;
}}
.solara-content-main .v-content__wrap > div {{ padding: 6px 8px !important; }}
.sim-picture {{ max-width: 100%; height: auto; display: block; }}
/* a network's title, in the strip its picture leaves at the top (26 pixels) */
.sim-network {{ position: relative; }}
.sim-title {{
  position: absolute; top: 2px; left: 8px; font-size: 16px; line-height: 20px;
  white-space: nowrap; color: #000;
}}
.sim-title-none {{ left: 0; right: 0; text-align: center; }}
.sim-bar {{
  align-items: center; flex-wrap: wrap; column-gap: 8px !important;
  background: none !important;
}}
.sim-bar .v-btn {{
  text-transform: none; letter-spacing: 0; padding: 0 4px !important; font-size: 12.5px;
}}
.sim-bar .v-btn-toggle .v-btn:not(.v-btn--active) {{
  opacity: 0.5; text-decoration: line-through;
}}
.sim-bar .v-select {{ max-width: 210px; margin: 0; padding: 0; font-size: 14px; }}
.sim-bar .v-select .v-input__slot {{ margin: 0; }}
.sim-bar .v-select .v-text-field__details {{ display: none; }}
.sim-month {{ font-size: 22px; font-weight: 600; white-space: nowrap; }}
.sim-run {{ font-size: 15px; font-weight: 600; padding-left: 6px; }}
"""
# the options bar's swatches, in CSS: a widget each would cost every step's render (Solara
# updates every widget of the page when a step redraws the pictures)
CSS += "".join(
    f".sim-{name}{code} .v-btn__content::before "
    f"{{ content: '{mark}'; color: {color}; margin-right: 3px; }}\n"
    for name, mark, colors in (("kind", "●", KIND_COLORS), ("tie", "━", TIE_COLORS))
    for code, color in enumerate(colors)
)


@solara.component
def PageStyle():
    """The pages' CSS (see the module's docstring)."""
    solara.Style(CSS)


@dataclass(frozen=True)
class View:
    """What the network pictures show: the kinds and tie types (codes), the followed actor."""

    kinds: solara.Reactive[list[int]]
    ties: solara.Reactive[list[int]]
    ego: solara.Reactive[str]

    def options(self, state: State) -> dict:
        """The keywords of NetworkPicture.png for `state` (the followed actor by its name)."""
        return {
            "kinds": self.kinds.value,
            "ties": self.ties.value,
            "ego": actor_row(state, self.ego.value),
        }


def use_view() -> View:
    """A View of one page (every kind, every tie type, nobody followed at first)."""
    return View(
        solara.use_reactive(list(range(len(KINDS)))),
        solara.use_reactive(list(range(len(TieType)))),
        solara.use_reactive(NOBODY),
    )


def shown(value: Any) -> str:
    """A lever's value in words: on/off for a switch, the number, or the scenario's own."""
    if value is None:
        return "as in the scenario"
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}"


def actor_row(state: State, name: str) -> int | None:
    """The row of the actor `name` ("corporate 12", as actor_name says), None if none."""
    kind, _, number = name.rpartition(" ")
    if kind not in KINDS or not number.isdigit():
        return None
    rows = np.flatnonzero(state.actors.kind[: state.actors.n] == KINDS.index(kind))
    index = int(number) - 1
    return int(rows[index]) if 0 <= index < len(rows) else None


def best_connected(state: State, count: int) -> list[int]:
    """The rows of the `count` alive actors with the most partners, most first."""
    a = state.actors
    degree = np.where(a.alive[: a.n], state.degree(), 0)
    order = np.argsort(-degree, kind="stable")[:count]
    return [int(row) for row in order if degree[row] > 0]


@solara.component
def ViewOptions(view: View, model: ClassroomModel, marks: bool = False):
    """The network's legend that is also its filter: a button per kind and per tie type
    (pressed: shown), the marks of new, failed and acquired startups if `marks` (when the
    pictures do not show them), and the actor to follow (its ties and partners stand out,
    the rest fades)."""
    with solara.Row(classes=["sim-bar"]):
        kinds = [
            solara.Button(value=int(kind), label=word, small=True, classes=[f"sim-kind{kind:d}"])
            for kind, word in zip(Kind, KIND_WORDS, strict=True)
        ]
        solara.ToggleButtonsMultiple(view.kinds, children=kinds, dense=True)
        ties = [
            solara.Button(value=int(kind), label=word, small=True, classes=[f"sim-tie{kind:d}"])
            for kind, word in zip(TieType, TIE_WORDS, strict=True)
        ]
        solara.ToggleButtonsMultiple(view.ties, children=ties, dense=True)
        if marks:
            solara.HTML(tag="span", unsafe_innerHTML=MARKS, style="font-size: 13px")
        Follow(view, model)


@solara.component
def Follow(view: View, model: ClassroomModel):
    """Pick the actor to follow among the best-connected ones, listed anew each month."""
    update_counter.get()  # Mesa's signal that the model stepped
    with model.lock:  # a whole month: Mesa may be stepping in its thread
        hubs = best_connected(model.state, CHOICES)
        names = [actor_name(model.state, row) for row in hubs]
    if view.ego.value not in names:
        names.insert(0, view.ego.value)
    if NOBODY not in names:
        names.insert(0, NOBODY)
    solara.v.Select(
        v_model=view.ego.value,
        on_v_model=view.ego.set,
        items=names,
        prefix="Follow:",
        class_="sim-follow",
        dense=True,
        hide_details=True,
    )
