"""What one browser tab runs: one model, or two designs on one seed in lockstep, and the
latest drawing of them (PNG bytes and words), made between steps.

The page never draws while a model steps: :class:`Runner` steps and draws under one lock, and
the page's views only show the last :class:`Drawing` (and the cheap :class:`Status`), so a view
never reads a model half-way through a day.
"""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from experiments.viz.charts import (
    chart_alt,
    draw_chart,
    draw_pair,
    pair_alt,
    shown_charts,
    shown_pairs,
)
from experiments.viz.network import day_text, draw_network, network_alt
from experiments.viz.vizmodel import VizModel

# the design set beside the one chosen in the side-by-side view; a pilot beside the tiered
# design it starts from
OTHER_DESIGN = {"tiered": "generalist", "generalist": "tiered", "pilot": "tiered"}
DRAW_EVERY = 60  # default: while playing, the charts are redrawn every this many days


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes (fast compression: the page redraws often)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})  # fast over small
    return buf.getvalue()


@dataclass(frozen=True)
class Image:
    """One drawn figure: ``kind`` (``network`` or ``chart``: its CSS class is ``tiersim-KIND``),
    a data URL and its alt text (what it shows, in words, with the day)."""

    kind: str
    src: str
    alt: str

    @classmethod
    def of(cls, kind: str, fig: Figure, alt: str) -> Image:
        return cls(kind, "data:image/png;base64," + base64.b64encode(png_bytes(fig)).decode(),
                   alt)


@dataclass(frozen=True)
class Drawing:
    """Every figure of the page on ``day``: the networks (one per design) and the charts."""

    day: int
    networks: tuple[Image, ...] = ()
    charts: tuple[Image, ...] = ()


@dataclass(frozen=True)
class Status:
    """The day counter and one status line per design."""

    day: int
    day_text: str
    lines: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default=())


def status_line(model: VizModel) -> str:
    last = model.recorder.series[-1] if model.recorder.series else {}
    bits = [f"design: {model.cfg.org.design}", f"seed {model.cfg.seed}"]
    if last:
        bits += [f"open tickets {last.get('backlog', 0)}",
                 f"resolved on day {model.day}: {last.get('tickets_resolved', 0)}",
                 f"resolved in all: {model.recorder.n_closed}"]
        if "reused_solutions" in last:  # shared fixes of correlated problems, so far
            series = model.recorder.series
            bits += [f"answers reused: {sum(r['reused_solutions'] for r in series)}",
                     f"customers reached first: {sum(r['proactive_contacts'] for r in series)}"]
    return " · ".join(bits)


class Runner:
    """The models of one tab: ``models[0]`` built from the controls (``params``), and with
    ``compare`` a second of the other design (``OTHER_DESIGN``), same controls and seed, stepped
    in lockstep. ``lock`` guards stepping and drawing."""

    def __init__(self, params: dict[str, Any] | None = None, compare: bool = False) -> None:
        self.params = dict(params or {})
        self.lock = threading.Lock()
        self.models = [VizModel(**self.params)]
        self.drawing = Drawing(-1)
        self.figures: dict = {}  # the charts' figures, updated in place (charts._figure)
        if compare:
            self.add_partner()

    @property
    def day(self) -> int:
        return self.models[0].day

    @property
    def compare(self) -> bool:
        return len(self.models) > 1

    @property
    def running(self) -> bool:
        return all(m.running for m in self.models)

    def add_partner(self) -> None:
        """The other design on the same controls and seed, caught up to today (a run is
        determined by its config and seed, so it is the run it would have been from day 0)."""
        first = self.models[0]
        other = VizModel(**{**self.params, "org.design": OTHER_DESIGN[first.cfg.org.design]})
        while other.day < first.day:
            other.step()
        self.models = [first, other]
        self.drawing = Drawing(-1)  # today's drawing no longer shows every model
        self.figures.clear()

    def drop_partner(self) -> None:
        self.models = self.models[:1]
        self.drawing = Drawing(-1)
        self.figures.clear()

    def step(self, days: int = 1) -> None:
        for _ in range(days):
            if not self.running:
                return
            for m in self.models:
                m.step()

    def status(self) -> Status:
        errors = tuple(f"{m.cfg.org.design}: {m.config_error}" if self.compare
                       else m.config_error for m in self.models if m.config_error)
        return Status(self.day, day_text(self.models[0]),
                      tuple(status_line(m) for m in self.models), errors)

    def draw(self) -> Drawing:
        """Draw every figure for today (once a day: a second call returns the same drawing)."""
        if self.drawing.day == self.day:
            return self.drawing
        nets = tuple(Image.of("network", draw_network(m), network_alt(m)) for m in self.models)
        if self.compare:
            charts = tuple(Image.of("chart", draw_pair(p, self.models, cache=self.figures),
                                    pair_alt(p, self.models)) for p in shown_pairs())
        else:
            m = self.models[0]
            charts = tuple(Image.of("chart", draw_chart(c, m, cache=self.figures),
                                    chart_alt(c, m)) for c in shown_charts())
        self.drawing = Drawing(self.day, nets, charts)
        return self.drawing
