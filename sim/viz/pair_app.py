"""The side-by-side page: two ecosystems with the same seed and one lever apart, stepping
together, their networks next to each other and their charts overlaid.

Served by `python run.py viz --side-by-side` (or `solara run sim.viz.pair_app`). Pick a
lesson's comparison in the app bar ("high vs low trust", "strong vs open IP"), or set any
lever and its two values in the sidebar and press Reset.
"""

from __future__ import annotations

import os
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from .app import Month, Network, frame, main_column
from .charts import ChartsPicture
from .classroom import DEFAULT_SCENARIO, LEVERS
from .drawing import jpeg
from .pair import COMPARISONS, PAIR_CHARTS, PairModel, lever_named, read_value
from .style import View, ViewOptions, shown, use_view

# the scenario both runs start from: `run.py viz --scenario FILE` passes it here
SCENARIO = os.environ.get("SIM_VIZ_SCENARIO", DEFAULT_SCENARIO.name)
comparison = solara.reactive(next(iter(COMPARISONS)))
HALF = 424  # pixels of each network: two side by side in the main column
CHART = (214, 150)  # pixels of one chart: four in a row
LINES = ("solid", "dashed")  # each run's lines in the charts


class PagePair(PairModel):
    """A PairModel of the page's comparison and scenario, but for the keywords given. Mesa's
    Reset passes only the inputs moved since the page last switched comparison (see
    sim.viz.app.PageModel)."""

    def __init__(self, **kwargs: Any):
        kwargs.pop("scenario", None)  # Mesa 3.5 adds its own to a model that takes **kwargs
        chosen = COMPARISONS[comparison.value]
        first, second = chosen.values
        page = {"preset": SCENARIO, "lever": chosen.lever, "first": first, "second": second}
        given = page | kwargs
        # the comparison's settings go with its lever values only: once a value is moved
        # the runs differ in that lever alone (a preset set after it would override it)
        moved = (
            lever_named(given["lever"]),
            read_value(given["first"]),
            read_value(given["second"]),
        )
        kept = moved == (chosen.lever, *chosen.values)
        super().__init__(**given, settings=chosen.settings if kept else ("", ""))


def model_params(model: PairModel) -> dict[str, Any]:
    """Mesa's model_params: the seed and settings both runs share, the lever and its value
    in each run."""
    return {
        "seed": {"type": "InputText", "value": str(model.seed), "label": "Seed (both runs)"},
        "more": {"type": "InputText", "value": "", "label": "More settings: path=value; ..."},
        "lever": {
            "type": "Select",
            "value": LEVERS[model.lever].label,
            "values": [lever.label for lever in LEVERS.values()],
            "label": "The lever that differs",
        },
        "first": {
            "type": "InputText",
            "value": _typed(model.values[0]),
            "label": f"Its value in the first run ({LINES[0]})",
        },
        "second": {
            "type": "InputText",
            "value": _typed(model.values[1]),
            "label": f"Its value in the second run ({LINES[1]})",
        },
    }


def _typed(value: Any) -> str:
    """A value as it is typed in the sidebar ('' for the scenario's own)."""
    return "" if value is None else shown(value)


@solara.component
def Pictures(model: PairModel, view: View):
    """The two networks next to each other, each under what makes its run different."""
    with solara.Row(gap="8px"):
        for run, label, line in zip(model.runs, model.labels, LINES, strict=True):
            with solara.Column(gap="0px"):
                solara.Text(f"{label} — {line} lines in the charts", classes=["sim-run"])
                helped = model.helped if run is model.helped.run else None
                Network(run, view, width=HALF, legend="none", helped=helped)


@solara.component
def PairCharts(model: PairModel):
    """The live charts, both runs' lines in each."""
    update_counter.get()
    picture = solara.use_memo(
        lambda: ChartsPicture(model.params.steps, 4, CHART, model.labels, PAIR_CHARTS), [model]
    )
    series = []
    for run in model.runs:
        with run.lock:  # a whole month: Mesa may be stepping in its thread
            series.append(run.series)
    solara.Image(jpeg(picture.image(*series)), format="jpeg", classes=["sim-picture"])


@solara.component
def About(model: PairModel):
    """What the scenario is and what the runs share."""
    with solara.Card("Scenario: " + model.params.name):
        solara.Text(model.params.description or model.params.name)
        solara.Div(
            children=[
                f"Both runs: seed {model.seed} and the same settings; "
                f"{LEVERS[model.lever].label}: {' vs '.join(model.labels)}."
            ],
            style={"margin-top": "8px"},
        )


@solara.component
def Page():
    """The whole page: Mesa's controls and the pair's settings in the sidebar, the two
    networks and the overlaid charts in the middle."""
    chosen = comparison.value
    model = solara.use_memo(lambda: solara.reactive(PagePair()), [chosen])
    params = solara.use_memo(lambda: model_params(model.value), [chosen])
    view = use_view()
    with frame(model, params, "Innovation ecosystem: side by side", chosen):
        Month(model.value)
        solara.Select(
            "", values=list(COMPARISONS), value=comparison, dense=True, classes=["sim-comparison"]
        )
    with main_column(model.value.refused):
        Pictures(model.value, view)
        # the actors to follow: the first run's hubs (the same names in both runs)
        ViewOptions(view, model.value.runs[0], marks=True)
        PairCharts(model.value)
        About(model.value)
