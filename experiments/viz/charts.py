"""Live charts from the daily series: one line each in ``CHARTS``, drawn as matplotlib figures."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from experiments.viz.controls import build_config
from experiments.viz.kpis import (
    COST_WINDOW,
    cost_per_customer_year,
    cost_per_good_outcome,
    cost_per_head,
)
from experiments.viz.style import DESIGN_STYLE, FONT, OKABE_ITO, ROLE_STYLE
from experiments.viz.vizmodel import PAGE_COLUMNS, VizModel
from model.model import TierSimModel


def _roll_sum(s: pd.Series, days: int = 7) -> pd.Series:
    return s.fillna(0).rolling(days, min_periods=1).sum()


def _ratio7(num: pd.Series, den: pd.Series) -> pd.Series:
    d = _roll_sum(den)
    return (_roll_sum(num) / d).where(d > 0)


def _per_role(prefix: str, transform: Callable[[pd.Series], pd.Series] = lambda s: s):
    def lines(df: pd.DataFrame) -> dict:  # the roles the org has (or had)
        out = {}
        for role, (colour, label) in ROLE_STYLE.items():
            col, heads = f"{prefix}{role}", f"headcount_{role}"
            if col in df and (df[col].fillna(0).abs().sum() > 0
                              or (heads in df and df[heads].sum() > 0)):
                out[label] = (transform(df[col]), colour)
        return out
    return lines


def _col(name: str, label: str, colour: str, transform=lambda s: s):
    return lambda df: {label: (transform(df[name]), colour)}


def _backlog(df: pd.DataFrame) -> dict:
    return {"open tickets (all)": (df["backlog"], OKABE_ITO["black"]),
            "waiting in a queue": (df["queued"], OKABE_ITO["vermillion"]),
            "waiting for the customer": (df["waiting_customer"], OKABE_ITO["sky"])}


def _resolution(df: pd.DataFrame) -> dict:
    hours = df["mean_resolution_h"].fillna(0) * df["tickets_resolved"]
    return {"mean over tickets closed in the last 7 days": (
        _ratio7(hours, df["tickets_resolved"]), OKABE_ITO["blue"])}


def _flow(df: pd.DataFrame) -> dict:
    out = {"created": (_roll_sum(df["tickets_created"]) / 7, OKABE_ITO["orange"]),
           "resolved": (_roll_sum(df["tickets_resolved"]) / 7, OKABE_ITO["green"])}
    if "tickets_deflected" in df:  # problems that fixes and self-service took away
        out["deflected"] = (_roll_sum(df["tickets_deflected"]) / 7, OKABE_ITO["sky"])
    return out


def _handoffs(df: pd.DataFrame) -> dict:
    return {"hand-offs / tickets resolved, both over the last 7 days": (
        _ratio7(df["handoffs"], df["tickets_resolved"]), OKABE_ITO["purple"])}


def _cost_customer_year(df: pd.DataFrame) -> dict:
    """The headline, support cost + lost revenue per customer-year, and its two parts (lost
    revenue only where customers can leave: the customers mechanism)."""
    out = {"support + lost revenue": (cost_per_customer_year(df), OKABE_ITO["black"]),
           "support cost": (cost_per_customer_year(df, "support"), OKABE_ITO["blue"])}
    if "customers_active" in df:
        out["lost revenue"] = (cost_per_customer_year(df, "lost"), OKABE_ITO["vermillion"])
    else:  # no customer ever leaves: the total is the support cost
        del out["support + lost revenue"]
    return out


def _cost_head(df: pd.DataFrame) -> dict:
    return {"per person, a year ($k)": (cost_per_head(df), OKABE_ITO["blue"])}


def _cost_outcome(df: pd.DataFrame) -> dict:
    """Cost per good outcome, with the churned revenue where the model has customers who can
    leave (the customers mechanism), and the support cost alone. (Cost per resolved ticket is
    left out: with the default config about 1 % of closes had been reopened, so it lies on the
    support-only line; ``summary.json`` still has it.)"""
    out = {"support cost only ($)": (cost_per_good_outcome(df, churned_revenue=False),
                                     OKABE_ITO["green"])}
    if "customers_active" in df:
        out["incl. churned revenue ($)"] = (cost_per_good_outcome(df), OKABE_ITO["vermillion"])
    return out


@dataclass(frozen=True)
class Chart:
    """A live chart against the simulated day.

    ``panels``: one or more ``(y-axis label, lines)`` stacked top to bottom, where
    ``lines(frame) -> {legend label: (series, colour)}``. ``needs``: columns (or column prefixes
    ending in ``_``) the model must record for the chart to appear. ``step``: draw steps.
    """

    title: str
    panels: tuple[tuple[str, Callable[[pd.DataFrame], dict]], ...]
    needs: tuple[str, ...]
    step: bool = False


CHARTS: list[Chart] = [
    Chart("Backlog at midnight", (("tickets", _backlog),), ("backlog", "queued", "waiting_customer")),
    Chart("Resolution time, creation to close", (("hours", _resolution),),
          ("mean_resolution_h", "tickets_resolved")),
    Chart("Tickets per day (7-day mean)", (("tickets / day", _flow),),
          ("tickets_created", "tickets_resolved")),
    Chart("Hand-offs per resolved ticket", (("hand-offs / ticket", _handoffs),),
          ("handoffs", "tickets_resolved")),
    Chart("Headcount by role", (("people", _per_role("headcount_")),), ("headcount_",), step=True),
    Chart("Vacancies by role", (("open positions", _per_role("vacancies_")),), ("vacancies_",),
          step=True),
    Chart("Leavers by role (cumulative)", (("people", _per_role("exits_cum_")),), ("exits_cum_",),
          step=True),
    Chart("Mean proficiency by role", (("proficiency (0-1)", _per_role("proficiency_")),),
          ("proficiency_",)),
    Chart(f"Cost per customer-year ({COST_WINDOW}-day)",
          (("$ / customer\n/ year", _cost_customer_year),),
          ("headcount_", "lost_mrr_per_day")),
    Chart(f"Cost per head; old cost per good outcome ({COST_WINDOW}-day)",
          (("$k / head\n/ year", _cost_head), ("$ / good ticket\n(old)", _cost_outcome)),
          ("headcount_", "good_outcomes", "churned_revenue_per_day")),
    # customers (mechanisms.customers); a chart is left out when its columns are not recorded
    Chart("Customer goodwill", (("mean goodwill (0-1)", _col("goodwill_mean", "mean over "
          "customers", OKABE_ITO["green"])),), ("goodwill_mean",)),
    Chart("Customers who left (cumulative)", (("customers", _col(
          "customers_churned", "churned", OKABE_ITO["vermillion"], np.cumsum)),),
          ("customers_churned",)),
    Chart("Requests for a named person (7-day mean)", (("requests / day", _col(
          "named_requests", "named requests", OKABE_ITO["purple"],
          lambda s: _roll_sum(s) / 7)),), ("named_requests",)),
]


def _has(columns, need: str) -> bool:
    return any(c.startswith(need) for c in columns) if need.endswith("_") else need in columns


def probe_columns() -> set[str]:
    """The columns the model records: a tiny model of the default config, one day."""
    cfg = build_config({})
    cfg.customers.count = 50
    m = TierSimModel(cfg)
    m.step()
    return set(m.recorder.series[-1]) | set(PAGE_COLUMNS)


def available_charts(columns: set[str]) -> list[Chart]:
    return [c for c in CHARTS if all(_has(columns, n) for n in c.needs)]


def _latest(y: pd.Series) -> str:
    """The last value, for the legend (the line's value on the latest day)."""
    v = y.iloc[-1] if len(y) else math.nan
    if v != v:
        return "n/a"
    if pd.api.types.is_integer_dtype(y):
        return f"{v:.0f}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def _thousands(ax) -> FuncFormatter:
    """Y ticks in thousands ("16k") on an axis that reaches 10,000: narrow enough for the
    two-line axis labels."""
    return FuncFormatter(lambda v, _: f"{v / 1000:g}k" if ax.get_ylim()[1] >= 10_000 and v
                         else f"{v:g}")


def _style_axes(ax, ylabel: str, xlabel: bool) -> None:
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    if xlabel:
        ax.set_xlabel("simulated day", fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["tick"])
    ax.grid(True, color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)


def _chart_lines(chart: Chart, df: pd.DataFrame):
    lines = [(ylabel, fn(df) if len(df) else {}) for ylabel, fn in chart.panels]
    labels = {f"{lab}: {_latest(y)}": col for _, ls in lines for lab, (y, col) in ls.items()}
    return lines, labels


def chart_alt(chart: Chart, model: VizModel) -> str:
    _, labels = _chart_lines(chart, model.frame())
    return f"{chart.title}, day {model.day}: " + ("; ".join(labels) or "no data yet")


def draw_chart(chart: Chart, model: VizModel, size=(5.8, 3.7), dpi=100,
               cache: dict | None = None) -> Figure:
    """One chart: bold title, legend row under it, then the panels (fixed layout: fast).
    With a ``cache`` (a dict kept between calls) the figure of the last call is updated in
    place when its layout still fits (see :func:`_figure`)."""
    df = model.frame()
    lines, labels = _chart_lines(chart, df)
    x = df["day"] + 1
    panels = [(ylabel, {lab: (x, y, colour, "-") for lab, (y, colour) in ls.items()})
              for ylabel, ls in lines]
    return _figure(chart.title, panels, labels, len(df), chart.step, size, dpi,
                   cache, (chart.title, id(model)))


def _limits(ax, horizon: int, step: bool) -> None:
    ax.set_xlim(0, horizon)
    ax.set_ylim(bottom=0)
    if step:  # counts: whole numbers, and a visible axis when all are zero
        ax.set_ylim(top=max(ax.get_ylim()[1], 1))


def _figure(title: str, panels: list, labels: dict, days: int, step: bool, size, dpi,
            cache: dict | None = None, key=None) -> Figure:
    """The figure of a chart: ``panels`` ``[(y label, {legend label: (x, y, colour, style)})]``
    stacked top to bottom, ``labels`` the legend (label with its latest value -> (colour,
    style) or colour), ``days`` the days simulated (the x axis).

    With a ``cache``, the figure drawn last time under ``key`` is reused if it has the same
    layout (panels, lines, legend columns and rows): only the lines' data, the axis limits and
    the legend's texts change. Its axes, ticks and texts are not made again, which saves about
    half the time of a drawing; the picture is the one a new figure would give."""
    longest = max((len(lab) for lab in labels), default=0)
    ncols = min(3 if longest <= 22 else 2 if longest <= 32 else 1, max(len(labels), 1))
    rows = math.ceil(len(labels) / ncols) if labels else 0
    horizon = max(days, 7)
    layout = (title, tuple((ylabel, tuple(ls)) for ylabel, ls in panels), ncols, rows,
              days == 0, step, size, dpi)
    kept = cache.get(key) if cache is not None else None
    if kept is not None and kept[0] == layout:
        _, fig, axes, plotted, legend = kept
        for ax, (_, ls), drawn in zip(axes, panels, plotted, strict=True):
            for label, (x, y, _, _) in ls.items():
                drawn[label].set_data(x, y)
            ax.relim()
            ax.set_autoscaley_on(True)
            ax.autoscale_view(scalex=False)
            _limits(ax, horizon, step)
        if legend is not None:
            for text, label in zip(legend.get_texts(), labels, strict=True):
                text.set_text(label)
        return fig
    fig = Figure(figsize=size, dpi=dpi)
    fig.text(0.015, 0.975, title, fontsize=FONT["title"], fontweight="bold", va="top")
    top = 0.87 - 0.065 * rows
    bottom, gap = 0.13, 0.07
    n = len(panels)
    height = (top - bottom - gap * (n - 1)) / n
    left = 0.155 if any("\n" in ylabel for ylabel, _ in panels) else 0.12  # two-line y labels
    axes, plotted = [], []
    for k, (ylabel, ls) in enumerate(panels):
        ax = fig.add_axes((left, top - (k + 1) * height - k * gap, 0.97 - left, height))
        _style_axes(ax, ylabel, xlabel=k == n - 1)
        drawn = {}
        for label, (x, y, colour, style) in ls.items():
            (drawn[label],) = ax.plot(x, y, color=colour, linewidth=2, label=label,
                                      linestyle=style,
                                      drawstyle="steps-post" if step else "default")
        axes.append(ax)
        plotted.append(drawn)
        _limits(ax, horizon, step)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=step))
        ax.yaxis.set_major_formatter(_thousands(ax))
        if k < n - 1:
            ax.tick_params(labelbottom=False)
        if not days and k == 0:
            ax.text(0.5, 0.5, "no day simulated yet: press Step or ▶", transform=ax.transAxes,
                    ha="center", va="center", fontsize=FONT["label"], color="#666666")
    legend = None
    if labels:
        handles = [Line2D([], [], color=c[0] if isinstance(c, tuple) else c, linewidth=2.5,
                          linestyle=c[1] if isinstance(c, tuple) else "-", label=lab)
                   for lab, c in labels.items()]
        legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 0.905),
                            ncols=ncols, fontsize=FONT["legend"], frameon=False,
                            handlelength=1.6, columnspacing=1.2)
    if cache is not None:
        cache[key] = (layout, fig, axes, plotted, legend)
    return fig


# --- the two designs side by side -------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """A chart of the side-by-side view: one line (``line``, its legend label) of the chart of
    ``CHARTS`` whose title starts with ``chart``, for each design, on one axis."""

    chart: str
    line: str
    title: str
    ylabel: str


PAIRS: list[Pair] = [
    Pair("Backlog at midnight", "open tickets (all)", "Open tickets at midnight", "tickets"),
    Pair("Resolution time", "mean over tickets closed in the last 7 days",
         "Resolution time (7-day mean)", "hours"),
    Pair("Hand-offs per resolved ticket", "hand-offs / tickets resolved, both over the last 7 "
         "days", "Hand-offs per resolved ticket (7-day)", "hand-offs / ticket"),
    Pair("Cost per customer-year", "support + lost revenue",
         f"Support + lost revenue per customer-year ({COST_WINDOW}-day)",
         "$ / customer\n/ year"),
    Pair("Customer goodwill", "mean over customers", "Mean customer goodwill", "goodwill (0-1)"),
    Pair("Customers who left", "churned", "Customers who left (cumulative)", "customers"),
]


def _source(pair: Pair) -> Chart | None:
    return next((c for c in shown_charts() if c.title.startswith(pair.chart)), None)


def shown_pairs() -> list[Pair]:
    """The side-by-side charts whose source chart the page shows."""
    return [p for p in PAIRS if _source(p) is not None]


def _pair_lines(pair: Pair, models: list[VizModel]) -> dict:
    """Design -> (x, y) of the pair's line in each model's frame (a model without it: none)."""
    chart = _source(pair)
    out = {}
    for m in models:
        df = m.frame()
        if not len(df):
            continue
        for _, fn in chart.panels:
            lines = fn(df)
            if pair.line in lines:
                out[m.cfg.org.design] = (df["day"] + 1, lines[pair.line][0])
    return out


def pair_alt(pair: Pair, models: list[VizModel]) -> str:
    lines = _pair_lines(pair, models)
    day = models[0].day
    return f"{pair.title}, day {day}: " + (
        "; ".join(f"{d}: {_latest(y)}" for d, (_, y) in lines.items()) or "no data yet")


def draw_pair(pair: Pair, models: list[VizModel], size=(5.8, 3.7), dpi=100,
              cache: dict | None = None) -> Figure:
    """The pair's line for each design, coloured by design (``DESIGN_STYLE``); ``cache`` as
    in :func:`draw_chart`."""
    lines = _pair_lines(pair, models)
    panel = {d: (x, y, *DESIGN_STYLE[d]) for d, (x, y) in lines.items()}
    labels = {f"{d}: {_latest(y)}": DESIGN_STYLE[d] for d, (_, y) in lines.items()}
    return _figure(pair.title, [(pair.ylabel, panel)], labels, models[0].day,
                   _source(pair).step, size, dpi, cache, (pair.title, *map(id, models)))


@cache
def shown_charts() -> list[Chart]:
    """The charts whose columns the model records (a probe model, built on first use)."""
    return available_charts(probe_columns())
