"""The Solara page: status line, network, charts and controls (Mesa's SolaraViz); ``Page`` builds
one model per browser tab. ``solara run experiments.viz.page`` serves it (:mod:`experiments.viz.server`).

Two of Mesa's module-level helpers are replaced (see the end of the file): the first grid layout,
and the parameter inputs (each shows its value; a typed seed applies on Reset without pressing
Enter).
"""

from __future__ import annotations

import base64
import io
from functools import cache

import mesa.visualization.solara_viz as _solara_viz
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from experiments.viz.charts import Chart, chart_alt, draw_chart, shown_charts
from experiments.viz.controls import CONTROL_BY_KEY, control_defaults, model_params, parse_seed
from experiments.viz.network import day_text, draw_network, network_alt
from experiments.viz.vizmodel import VizModel
from model.config import ConfigError


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes (fast compression: the page redraws every day)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})  # fast over small
    return buf.getvalue()


def _image(png: bytes, name: str, max_height: int, alt: str):
    """The figure as an image that fits its grid cell (keeps its aspect ratio); ``alt`` says
    in words what it shows (screen readers, and the browser test reads it)."""
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    return solara.HTML(tag="img", attributes={"src": src, "alt": alt, "title": alt},
                       classes=[f"tiersim-{name}"],
                       style=f"max-width: 100%; max-height: {max_height}px; width: auto; "
                             "height: auto; display: block;")


def StatusView(model: VizModel):
    """The day counter and the day's headline numbers."""
    last = model.recorder.series[-1] if model.recorder.series else {}
    cfg = model.cfg
    bits = [f"design: {cfg.org.design}", f"seed {cfg.seed}"]
    if last:
        bits += [f"open tickets {last.get('backlog', 0)}",
                 f"resolved on day {model.day}: {last.get('tickets_resolved', 0)}",
                 f"resolved in all: {model.recorder.n_closed}"]
    with solara.Column(gap="2px", style={"padding": "6px 12px"}) as main:
        solara.Text(day_text(model), classes=["tiersim-day"],
                    style={"font-size": "22px", "font-weight": "bold"})
        solara.Text(" · ".join(bits), classes=["tiersim-status"], style={"font-size": "15px"})
        if model.config_error:
            solara.Error(f"Invalid settings, showing the defaults instead: "
                         f"{model.config_error}")
    return main



def NetworkView(model: VizModel):
    # drawn once per model and day (not again when only the controls re-render)
    png = solara.use_memo(lambda: png_bytes(draw_network(model)), [id(model), model.day])
    return _image(png, "network", CELL_PX(NETWORK_ROWS), network_alt(model))


def _chart_view(chart: Chart):
    def ChartView(model: VizModel):
        png = solara.use_memo(lambda: png_bytes(draw_chart(chart, model)), [id(model), model.day])
        return _image(png, "chart", CELL_PX(CHART_ROWS), chart_alt(chart, model))
    ChartView.__name__ = f"Chart_{chart.title[:20]}"
    return ChartView


STATUS_ROWS, NETWORK_ROWS, CHART_ROWS = 3, 12, 9  # grid rows of 30 px, 10 px apart


def CELL_PX(rows: int) -> int:  # noqa: N802
    return rows * 30 + (rows - 1) * 10 - 12


def _grid_layout(num_components: int) -> list[dict]:
    """Status line and network full width, then the charts two per row."""
    layout = [{"i": 0, "x": 0, "y": 0, "w": 12, "h": STATUS_ROWS, "moved": False},
              {"i": 1, "x": 0, "y": STATUS_ROWS, "w": 12, "h": NETWORK_ROWS, "moved": False}]
    y0 = STATUS_ROWS + NETWORK_ROWS
    for k in range(num_components - 2):
        layout.append({"i": k + 2, "x": 6 * (k % 2), "y": y0 + CHART_ROWS * (k // 2), "w": 6,
                       "h": CHART_ROWS, "moved": False})
    return layout[:num_components]


@solara.component
def ControlInput(name: str, options: dict, on_change=None):
    """One control: its label with the current value, then the input."""
    value = solara.use_reactive(options.get("value"))
    control = CONTROL_BY_KEY.get(name)
    fmt = control.fmt if control else str
    label = options.get("label", name)

    def changed(v):
        value.set(v)
        if on_change is not None:
            on_change(name, v)

    kind = options.get("type")
    if kind in ("SliderInt", "SliderFloat"):
        with solara.Column(gap="0px", classes=["tiersim-control"]):
            solara.Text(f"{label}: {fmt(value.value)}", style={"font-size": "14px"})
            slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
            slider("", value=value.value, on_value=changed, min=options["min"],
                   max=options["max"], step=options.get("step", 1), thumb_label=False)
    elif kind == "Select":
        solara.Select(label, value=value.value, values=options["values"], on_value=changed)
    elif kind == "InputText":
        error = ""
        if name == "seed":
            try:
                parse_seed(value.value)
            except ConfigError:
                error = "type a whole number >= 0"
        solara.InputText(label, value=value.value, on_value=changed, continuous_update=True,
                         error=error or False, message=error or None)
    elif kind == "Checkbox":
        solara.Checkbox(label=label, value=value.value, on_value=changed)
    else:
        raise ValueError(f"{kind} is not a supported input type")


@solara.component
def UserInputs(user_params: dict, on_change=None):
    """Replaces Mesa's inputs: each shows its value, and a typed seed applies without Enter."""
    for name, options in user_params.items():
        ControlInput(name, options, on_change)


# Mesa's SolaraViz looks these two up as module globals at render time: the first layout of a
# page, and the inputs of the "Model Parameters" card. (If a Mesa release drops them, the page
# still works, with Mesa's own layout and inputs.)
if hasattr(_solara_viz, "make_initial_grid_layout"):
    _solara_viz.make_initial_grid_layout = _grid_layout
if hasattr(_solara_viz, "UserInputs"):
    _solara_viz.UserInputs = UserInputs

@cache
def components() -> list:
    """SolaraViz components: status, network, then one view per shown chart (on first use)."""
    return [(StatusView, 0), (NetworkView, 0), *((_chart_view(c), 0) for c in shown_charts())]


@solara.component
def Page():
    """One model per browser tab (``use_memo`` runs once per page session)."""
    model = solara.use_memo(lambda: VizModel(**control_defaults()), [])
    return SolaraViz(model, components=components(), model_params=model_params(),
                     name="tiersim: tiered vs generalist support", play_interval=50)

