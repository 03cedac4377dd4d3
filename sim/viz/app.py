"""The class demo: a Mesa SolaraViz page with the live network, levers and charts.

Start it with `python run.py viz` (or `solara run sim.viz.app`). The levers start at the
chosen scenario's values; move them and press Reset to rebuild the ecosystem with them.
"""

from __future__ import annotations

import os
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.viz.classroom import DEFAULT_SCENARIO, LEVERS, ClassroomModel, lever_values, scenario_files
from sim.viz.drawing import ChartsPicture, NetworkPicture

# the scenario the page opens with: `run.py viz --scenario FILE` passes it here
scenario = solara.reactive(os.environ.get("SIM_VIZ_SCENARIO", DEFAULT_SCENARIO.name))


def model_params(model: ClassroomModel) -> dict[str, Any]:
    """Mesa's model_params: the scenario file, then a slider or switch per lever at its
    value in that scenario, a seed and a box for any other setting."""
    params: dict[str, Any] = {
        "preset": scenario.value,
        "seed": {"type": "InputText", "value": str(model.seed), "label": "Seed"},
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
    params["more"] = {
        "type": "InputText",
        "value": "",
        "label": "More settings (path=value; ...), e.g. trust.opportunism=0.3",
    }
    return params


def network(model: ClassroomModel):
    """The ecosystem drawn as a network, redrawn each step."""
    picture = solara.use_memo(NetworkPicture, [model])
    state = model.state
    alive = int(state.actors.alive[: state.actors.n].sum())
    title = f"Month {model.steps}: {alive} actors, {state.ties.n} ties"
    return solara.Image(picture.png(state, model.layout.pos, title))


def charts(model: ClassroomModel):
    """The live charts of the month-by-month metrics."""
    picture = solara.use_memo(lambda: ChartsPicture(model.params.steps), [model])
    return solara.Image(picture.png(model.series))


@solara.component
def ScenarioCard(model: ClassroomModel):
    """Pick a scenario file; see what it is and which typed values were refused."""
    choices = scenario_files()
    if scenario.value not in choices:
        choices.append(scenario.value)
    with solara.Card("Scenario"):
        solara.Select("Scenario file", values=choices, value=scenario)
        Month(model)
        solara.Text(model.params.description or model.params.name)
        for line in model.refused:
            solara.Error(f"Refused: {line}")
    with solara.Card("In use since the last reset"):
        for name, value in lever_values(model.params).items():
            solara.Div(children=[f"{LEVERS[name].label}: {_shown(value)}"])


@solara.component
def Month(model: ClassroomModel):
    """The month the model is at, redrawn with each step."""
    update_counter.get()  # Mesa's signal that the model stepped
    solara.Div(
        children=[f"Month {model.steps} of {model.params.steps}"],
        style={"font-size": "1.3em", "margin": "0.5em 0"},
    )


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}"


@solara.component
def Page():
    """The whole page: Mesa's controls and levers in the sidebar, pictures in the middle."""
    name = scenario.value
    model = solara.use_memo(lambda: solara.reactive(ClassroomModel(preset=name)), [name])
    params = solara.use_memo(lambda: model_params(model.value), [name])
    with solara.Sidebar():
        ScenarioCard(model.value)
    SolaraViz(
        model,
        components=[(network, 0), (charts, 0)],
        model_params=params,
        name="Innovation ecosystem: class demo",
        play_interval=50,
    ).key(name)
