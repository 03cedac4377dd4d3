"""The class demo: a Mesa SolaraViz page with the live network, levers and charts.

Start it with `python run.py viz` (or `solara run sim.viz.app`). The levers start at the
chosen scenario's values; move them and press Reset to rebuild the ecosystem with them. The
page fits a projector (1280x800): Mesa's controls and the levers in the sidebar, the month
and the scenario in the app bar, the network across the page with its options bar (what to
show, whom to follow) and the charts below it.
"""

from __future__ import annotations

import gc
import html
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..vocabulary import End, Kind
from .charts import ChartsPicture
from .classroom import DEFAULT_SCENARIO, LEVERS, ClassroomModel, lever_values, scenario_files
from .drawing import RECENT, NetworkPicture, jpeg
from .helper import Helped
from .style import PageStyle, View, ViewOptions, shown, use_view

# the scenario the page opens with: `run.py viz --scenario FILE` passes it here
scenario = solara.reactive(os.environ.get("SIM_VIZ_SCENARIO", DEFAULT_SCENARIO.name))
WIDTH = 856  # pixels of the main column at 1280x800, beside Solara's 400-pixel sidebar
CHART = (214, 150)  # pixels of one chart: four in a row


class PageModel(ClassroomModel):
    """A ClassroomModel of the page's scenario, unless `preset` names another. Mesa's Reset
    passes only the inputs moved since the page last switched scenario: it keeps its inputs
    by their place in the sidebar, so the ones of the SolaraViz built anew start empty."""

    def __init__(self, preset: str | None = None, **kwargs: Any):
        kwargs.pop("scenario", None)  # Mesa 3.5 adds its own to a model that takes **kwargs
        super().__init__(preset or scenario.value, **kwargs)


def model_params(model: ClassroomModel) -> dict[str, Any]:
    """Mesa's model_params: a seed, a box for any other setting, then a slider or switch per
    lever at its value in the scenario."""
    params: dict[str, Any] = {
        "seed": {"type": "InputText", "value": str(model.seed), "label": "Seed"},
        "more": {
            "type": "InputText",
            "value": "",
            "label": "More settings: path=value; ...",
        },
    }
    for name, value in lever_values(model.params).items():
        lever = LEVERS[name]
        if lever.switch:
            params[name] = {"type": "Checkbox", "value": value, "label": lever.label}
            continue
        whole = isinstance(value, int) and float(lever.step).is_integer()
        params[name] = {
            "type": "SliderInt" if whole else "SliderFloat",
            "value": value,
            "label": lever.label,
            "min": lever.low,
            "max": max(lever.high, value),
            "step": lever.step,
        }
    return params


def network_title(model: ClassroomModel) -> str:
    """The network's title: month, actors, ties and the startups failed of late."""
    state = model.state
    a = state.actors
    alive = int(a.alive[: a.n].sum())
    failed = (a.end_reason[: a.n] == End.FAILED) & (a.kind[: a.n] == Kind.STARTUP)
    failed &= (a.ended[: a.n] >= 0) & (state.t - a.ended[: a.n] < RECENT)
    count = int(failed.sum())
    return (
        f"Month {model.steps}: {alive} actors, {state.ties.n} ties, "
        f"{count} startup{'s' * (count != 1)} failed in {RECENT} months"
    )


@solara.component
def Network(
    model: ClassroomModel,
    view: View,
    width: int = WIDTH,
    legend: str = "marks",
    helped: Helped | None = None,
):
    """The ecosystem drawn as a network, redrawn each step and when the view changes (or
    drawn by the helper process with the month, for a `helped` run)."""
    update_counter.get()  # Mesa's signal that the model stepped
    picture = solara.use_memo(
        lambda: NetworkPicture(width, model.layout.aspect, legend), [model, width, legend]
    )
    state = model.state
    with model.lock:  # a whole month: Mesa may be stepping in its thread
        title = network_title(model)
        # the title is the page's text over the picture's top strip: drawn by matplotlib it
        # took a quarter of the picture's time each step
        options = view.options(state)
        frame = helped.frame(width, legend, options) if helped else None
        if frame is None:
            frame = jpeg(picture.image(state, model.layout.pos, "", **options))
    with solara.Div(classes=["sim-network"]):
        solara.Image(frame, format="jpeg", classes=["sim-picture"])
        solara.Text(title, classes=["sim-title", f"sim-title-{legend}"])


@solara.component
def Charts(model: ClassroomModel):
    """The live charts of the month-by-month metrics."""
    update_counter.get()
    picture = solara.use_memo(
        lambda: ChartsPicture(model.params.steps, columns=4, size=CHART), [model]
    )
    with model.lock:
        series = model.series
    solara.Image(jpeg(picture.image(series)), format="jpeg", classes=["sim-picture"])


@solara.component
def Month(model: ClassroomModel):
    """The month the model is at, redrawn with each step."""
    update_counter.get()
    solara.Text(f"Month {model.steps} of {model.params.steps}", classes=["sim-month"])


@solara.component
def ScenarioSelect():
    """Pick a scenario file: the page rebuilds the ecosystem from it."""
    choices = scenario_files()
    if scenario.value not in choices:
        choices.append(scenario.value)
    solara.Select("", values=choices, value=scenario, dense=True, classes=["sim-scenario"])


@solara.component
def About(model: ClassroomModel):
    """What the scenario is, and the values the running ecosystem was built with."""
    with solara.Card("Scenario: " + model.params.name):
        solara.Text(model.params.description or model.params.name)
        # one widget, not one per lever: Solara updates every widget of the page each step
        used = "<div style='font-weight: 600'>In use since the last reset:</div>"
        used += "".join(
            f"<div>{html.escape(f'{LEVERS[name].label}: {shown(value)}')}</div>"
            for name, value in lever_values(model.params).items()
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=used,
            style={"column-count": 3, "margin-top": "8px"},
        )


def settle() -> None:
    """Collect what the last model left, then keep every object alive now out of the garbage
    collector's full passes: over the ~300,000 objects of the libraries and the page, each
    took 110-190 ms, one Step in about thirty."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@contextmanager
def frame(model: solara.Reactive, params: dict[str, Any], title: str, key: str) -> Iterator[None]:
    """What the pages share: their CSS, Mesa's SolaraViz (its controls and `params` in the
    sidebar) built anew when `key` changes, and an app bar that the `with` block fills."""
    PageStyle()
    solara.use_effect(settle, [model.value])  # once the page, or a Reset, built its model
    # no components for Mesa's draggable grid (and its "Page 0" tab): the page lays out
    # its pictures itself, and Mesa's update counter redraws them at each step
    SolaraViz(model, components=[], model_params=params, name=title, play_interval=50).key(key)
    with solara.AppBar(), solara.Row(classes=["sim-bar"], style={"margin-left": "24px"}):
        yield


@contextmanager
def main_column(refused: list[str]) -> Iterator[None]:
    """The page's main column, under the settings its last Reset refused."""
    with solara.Column(gap="6px", classes=["sim-main"]):
        for line in refused:
            solara.Error(f"Refused: {line}", dense=True)
        yield


@solara.component
def Page():
    """The whole page: Mesa's controls and levers in the sidebar, pictures in the middle."""
    name = scenario.value
    model = solara.use_memo(lambda: solara.reactive(PageModel(name)), [name])
    params = solara.use_memo(lambda: model_params(model.value), [name])
    view = use_view()
    with frame(model, params, "Innovation ecosystem: class demo", name):
        Month(model.value)
        ScenarioSelect()
    with main_column(model.value.refused):
        Network(model.value, view)
        ViewOptions(view, model.value)
        Charts(model.value)
        About(model.value)
