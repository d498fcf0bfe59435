"""The Solara page: the day counter and status, the networks, the charts, and a sidebar with
the run buttons and the model's controls. ``Page`` gives each browser tab its own
:class:`~experiments.viz.runner.Runner`. ``solara run experiments.viz.page`` serves it
(:mod:`experiments.viz.server`).

The page is Solara's own components, not Mesa's ``SolaraViz``: Mesa 3.5's controller redraws
every component after every step (its "Render Interval" also makes Step run that many steps,
its "Use Threads" only moves the redraw to another thread, which competes with the model for
the same interpreter), and it puts the views under a "Page 0" tab. Here Step is one day (or
"Days per Step") and always redraws; ▶ steps without drawing and redraws every "Redraw every"
days, and at once on ❚❚; the day counter moves on between redraws.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback

import solara
import solara.lab

from experiments.viz.controls import CONTROL_BY_KEY, control_defaults, model_params, parse_seed
from experiments.viz.runner import DRAW_EVERY, OTHER_DESIGN, Drawing, Image, Runner, Status
from model.config import ConfigError

TITLE = "tiersim: tiered vs generalist support"
STATUS_EVERY_S = 0.25  # while playing, the day counter is refreshed at most this often
_ticks = itertools.count(1)  # unique values for the views' refresh counters


class Tab:
    """One browser tab: its runner, what its views show (``status``, ``drawing``: taken from
    the runner between steps) and the control values Reset builds from (``params``)."""

    def __init__(self) -> None:
        self.params = control_defaults()
        self.runner = Runner(self.params)
        self.runner.draw()
        self.status: Status = self.runner.status()
        self.drawing: Drawing = self.runner.drawing
        self.error = ""
        self.status_tick: solara.Reactive[int] | None = None
        self.drawing_tick: solara.Reactive[int] | None = None
        self.busy = threading.Lock()  # one action at a time (Step, Reset, the toggle)

    def publish(self, drawing: bool) -> None:
        """Show the runner's status (and, with ``drawing``, its last drawing)."""
        runner = self.runner
        with runner.lock:
            self.status = runner.status()
            latest = runner.drawing
        if drawing:
            self.drawing = latest
        if self.status_tick is not None:
            self.status_tick.set(next(_ticks))
        if drawing and self.drawing_tick is not None:
            self.drawing_tick.set(next(_ticks))


def _image(img: Image):
    """A drawn figure as an image as wide as its place (keeps its aspect ratio); its alt text
    says in words what it shows (screen readers, and the browser test reads it)."""
    width = "1120px" if img.kind == "network" else "620px"
    return solara.HTML(tag="img", attributes={"src": img.src, "alt": img.alt, "title": img.alt},
                       classes=[f"tiersim-{img.kind}"],
                       style=f"width: 100%; max-width: {width}; height: auto; display: block;")


@solara.component
def StatusView(tab: Tab, tick: solara.Reactive[int]):
    """The day counter, one status line per design, and the day the charts show."""
    tick.value  # noqa: B018 -- re-render on a new status
    status, drawn = tab.status, tab.drawing.day
    with solara.Column(gap="2px", style={"padding": "6px 12px"}) as main:
        solara.Text(status.day_text, classes=["tiersim-day"],
                    style={"font-size": "22px", "font-weight": "bold"})
        for line in status.lines:
            solara.Text(line, classes=["tiersim-status"], style={"font-size": "15px"})
        if 0 <= drawn != status.day:
            solara.Text(f"charts and network drawn on day {drawn}", classes=["tiersim-drawn"],
                        style={"font-size": "13px", "color": "#555555"})
        for error in status.errors:
            solara.Error(f"Invalid settings, showing the defaults instead: {error}")
        if tab.error:
            solara.Error(tab.error)
    return main


@solara.component
def DrawingView(tab: Tab, tick: solara.Reactive[int]):
    """The networks (one per design, full width) and the charts, two per row."""
    tick.value  # noqa: B018 -- re-render on a new drawing
    drawing = tab.drawing
    with solara.Column(gap="12px", style={"padding": "0 12px 40px 12px"}) as main:
        for img in drawing.networks:
            _image(img)
        solara.GridFixed(columns=2, column_gap="14px", row_gap="14px",
                         children=[_image(img) for img in drawing.charts])
    return main


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
def Page():
    """One :class:`Tab` per browser tab (``use_memo`` runs once per page session)."""
    tab = solara.use_memo(Tab, [])
    status_tick = solara.use_reactive(0)
    drawing_tick = solara.use_reactive(0)
    tab.status_tick, tab.drawing_tick = status_tick, drawing_tick
    playing = solara.use_reactive(False)
    compare = solara.use_reactive(False)
    draw_every = solara.use_reactive(DRAW_EVERY)
    step_days = solara.use_reactive(1)
    running = solara.use_reactive(True)
    first = solara.use_reactive(tab.runner.models[0].cfg.org.design)  # the switch's label

    def fail(what: str, err: Exception) -> None:
        traceback.print_exc()
        tab.error = f"error in {what}: {err}"
        playing.set(False)
        tab.publish(drawing=False)

    def play():
        """While ▶: step without drawing; redraw every ``draw_every`` days and on pause."""
        if not playing.value:
            return
        runner, last = tab.runner, 0.0
        try:
            while playing.value and tab.runner is runner and runner.running:
                with runner.lock:
                    runner.step()
                    redraw = runner.day - runner.drawing.day >= draw_every.value
                    if redraw:
                        runner.draw()
                now = time.monotonic()
                if redraw or now - last >= STATUS_EVERY_S:
                    tab.publish(drawing=redraw)
                    last = now
            if tab.runner is runner:  # paused (or the horizon): draw today at once
                with runner.lock:
                    runner.draw()
                tab.publish(drawing=True)
                running.set(runner.running)
                if not runner.running:
                    playing.set(False)
        except Exception as err:  # noqa: BLE001 -- shown on the page
            fail("play", err)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def do_step():
        try:
            with tab.busy:
                runner = tab.runner
                with runner.lock:
                    runner.step(step_days.value)
                    runner.draw()
                tab.publish(drawing=True)
                running.set(runner.running)
        except Exception as err:  # noqa: BLE001
            fail("step", err)

    def do_reset():
        playing.set(False)
        try:
            with tab.busy:
                runner = Runner(tab.params, compare.value)
                runner.draw()
                tab.runner, tab.error = runner, ""
                tab.publish(drawing=True)
                running.set(True)
                first.set(runner.models[0].cfg.org.design)
        except Exception as err:  # noqa: BLE001
            fail("reset", err)

    def do_compare(on: bool):
        compare.set(on)
        try:
            with tab.busy:
                runner = tab.runner
                with runner.lock:
                    runner.add_partner() if on else runner.drop_partner()
                    runner.draw()
                tab.publish(drawing=True)
        except Exception as err:  # noqa: BLE001
            fail("side by side", err)

    def on_param(name, value):
        tab.params = {**tab.params, name: value}

    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            with solara.Row(justify="space-between"):
                solara.Button(label="Reset", color="primary", on_click=do_reset)
                solara.Button(label="❚❚" if playing.value else "▶", color="primary",
                              on_click=lambda: playing.set(not playing.value),
                              disabled=not running.value)
                solara.Button(label="Step", color="primary", on_click=do_step,
                              disabled=playing.value or not running.value)
            solara.Div(style={"height": "14px"})
            with solara.Column(gap="0px", classes=["tiersim-control"]):
                solara.Text(f"Days per Step: {step_days.value}", style={"font-size": "14px"})
                solara.SliderInt("", value=step_days, min=1, max=91, thumb_label=False)
            with solara.Column(gap="0px", classes=["tiersim-control"]):
                solara.Text(f"While ▶ plays, redraw every {draw_every.value} days",
                            style={"font-size": "14px"})
                solara.SliderInt("", value=draw_every, min=1, max=91, thumb_label=False)
            solara.Text("One day is one Step. ▶ runs without drawing and redraws the charts and "
                        "the network every that many days (the day counter moves on in "
                        "between), and at once on ❚❚. Step always redraws.",
                        style={"font-size": "12px", "color": "#555555"})
            solara.Switch(label=f"Side by side: {first.value} and {OTHER_DESIGN[first.value]}, "
                                "same seed",
                          value=compare.value, on_value=do_compare, disabled=playing.value)
        with solara.Card("Model parameters"):
            solara.Text("Changes apply on Reset.", style={"font-size": "12px", "color": "#555555"})
            for name, options in model_params().items():
                ControlInput(name, options, on_change=on_param)
    with solara.Column(gap="0px"):
        StatusView(tab, status_tick)
        DrawingView(tab, drawing_tick)
