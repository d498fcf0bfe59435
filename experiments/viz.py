"""``tiersim-viz``: watch the support organisation live in the browser (Mesa SolaraViz).

``tiersim-viz [--host 127.0.0.1] [--port 8765] [--open]`` (or ``make viz``) runs ``solara run``
on this module in-process and prints the page's address once it answers. Each browser tab gets
its own model (``Page`` builds one per session).

The page shows, one simulated day per Step:

* a status line with the day counter and the day's headline numbers;
* the organisation as a network: staff grouped by desk (L1, L2, pods, specialists, engineering),
  coloured by role and sized by mean proficiency; arrows between desks for the hand-off routes,
  as wide as the hand-offs of the last 7 days; a sample of customers (at most
  ``CUSTOMER_SAMPLE`` = 60, drawn once per model with a generator of its own, so the model's
  random streams are untouched), coloured by goodwill (by segment where the model has none),
  sized by segment, each linked to its named owner (owned designs) or to the person who last
  resolved one of its tickets;
* live charts from the daily series (``CHARTS``, one line per chart; a chart whose columns the
  model does not record yet is left out), plus the columns the page counts itself
  (``PAGE_COLUMNS``: good outcomes and churned revenue, see ``VizModel.frame``) for the cost
  chart: cost per head ($k a year) vs cost per good outcome ($, a ticket closed without a
  reopen), over the last ``COST_WINDOW`` days.

The controls (``CONTROLS``, one line per control) default to the values of the same Hydra
config as the ``tiersim`` CLI (``conf/config.yaml``, composed at import). Reset composes the config
again with the controls as overrides and builds a new model from it. The page always runs a
long horizon (``VIZ_OVERRIDES``) so that Play keeps going.

The page's front-end packages are served from the local cache that ``make setup`` fills
(``experiments/tools/assets.py``), so it works with no internet. Figures are matplotlib PNGs (no
Vega/Altair assets needed). Two of Mesa's module-level helpers are replaced (see the end of the
file): the first grid layout, and the parameter inputs (each shows its value; a typed seed
applies on Reset without pressing Enter).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import math
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import mesa.visualization.solara_viz as _solara_viz  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import solara  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402

from experiments.cli import CONF_DIR, ROOT, register, to_config  # noqa: E402
from model.config import Config, ConfigError  # noqa: E402
from model.model import TierSimModel  # noqa: E402
from model.sizing import sized_config  # noqa: E402

CUSTOMER_SAMPLE = 60  # customers drawn in the network view
VIZ_OVERRIDES = ["sim.horizon_days=3650", "sim.progress=false"]  # Play runs up to 10 years
HANDOFF_WINDOW_DAYS = 7
PAGE_COLUMNS = ("payroll_per_day", "good_outcomes", "churned_revenue_per_day")  # VizModel.frame
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # day 0 is a Monday

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {"orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
             "grey": "#999999"}
ROLE_STYLE = {  # role value -> (colour, legend label)
    "l1": (OKABE_ITO["sky"], "L1 agent"),
    "l2": (OKABE_ITO["blue"], "L2 engineer"),
    "generalist": (OKABE_ITO["green"], "generalist"),
    "specialist": (OKABE_ITO["purple"], "specialist"),
    "engineer": (OKABE_ITO["vermillion"], "product engineer"),
}
SEGMENT_STYLE = {  # customer segment -> (colour, legend label)
    "smb": ("#D9D9D9", "SMB customer"),  # colours used when there is no goodwill
    "mid_market": (OKABE_ITO["orange"], "mid-market customer"),
    "enterprise": (OKABE_ITO["black"], "enterprise customer"),
}
SEGMENT_SIZE = {"smb": 22, "mid_market": 45, "enterprise": 80}  # marker area (pt^2)
GOODWILL_CMAP = matplotlib.colormaps["cividis"]  # perceptually uniform, colour-blind safe
DESK_TITLES = {"l1": "L1", "l2": "L2", "engineering": "Engineering", "specialists": "Specialists",
               "pilot_pod": "Pilot pod"}
FONT = {"title": 13, "label": 11, "tick": 10, "legend": 9.5}


# ================================================================================================
# Controls: defaults from the composed Hydra config
# ================================================================================================
def compose_cfg(overrides: list[str] | None = None) -> DictConfig:
    """Compose ``conf/config.yaml`` exactly as the CLI does (plus ``overrides``)."""
    register()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose("config", overrides=list(overrides or []))


def parse_seed(value: Any) -> int:
    text = str(value).strip()
    try:
        seed = int(text)
    except ValueError:
        raise ConfigError(f"invalid configuration:\n  - seed = {text!r}: type a whole number "
                          ">= 0, e.g. 7") from None
    if seed < 0:
        raise ConfigError(f"invalid configuration:\n  - seed = {seed}: must be >= 0")
    return seed


def _slider_int(lo: int, hi: int, step: int = 1) -> dict:
    return {"type": "SliderInt", "min": lo, "max": hi, "step": step}


def _slider_float(lo: float, hi: float, step: float) -> dict:
    return {"type": "SliderFloat", "min": lo, "max": hi, "step": step}


def _select(*values: str) -> dict:
    return {"type": "Select", "values": list(values)}


@dataclass(frozen=True)
class Control:
    """One input on the page.

    ``key`` names the parameter; for a plain config key (``org.l1.headcount``) the default is the
    composed config's value and the override is ``key=value``. Derived controls give ``default``
    (composed config -> value) and ``overrides`` (value, composed base config -> Hydra overrides).
    """

    key: str
    label: str
    widget: dict
    default: Callable[[DictConfig], Any] | None = None
    overrides: Callable[[Any, DictConfig], list[str]] | None = None
    fmt: Callable[[Any], str] = str  # the value as shown next to the label

    def default_from(self, cfg: DictConfig) -> Any:
        return self.default(cfg) if self.default else OmegaConf.select(cfg, self.key)

    def to_overrides(self, value: Any, base: DictConfig) -> list[str]:
        return self.overrides(value, base) if self.overrides else [f"{self.key}={value}"]


def _ratio_overrides(value: Any, base: DictConfig) -> list[str]:
    l1, l2 = base.workforce.salary.l1, base.workforce.salary.l2
    if math.isclose(float(value), l1 / l2, rel_tol=1e-9):
        return []  # untouched: keep the config's own L1 salary
    return [f"workforce.salary.l1={float(value) * l2:.2f}"]


REGIMES = sorted(p.stem for p in (Path(CONF_DIR) / "regime").glob("*.yaml"))
CONTROLS: list[Control] = [
    Control("org.design", "Org design",
            _select("tiered", "generalist", "pilot"), overrides=lambda v, _: [f"org={v}"]),
    Control("org.l1.headcount", "L1 agents (tiered, pilot)", _slider_int(1, 60)),
    Control("org.l2.headcount", "L2 engineers (tiered, pilot)", _slider_int(4, 40)),
    Control("org.pods.count", "Pods (generalist)", _slider_int(1, 12)),
    Control("org.pods.size", "People per pod (generalist)", _slider_int(2, 12)),
    Control("l1_l2_cost_ratio", "L1 / L2 salary", _slider_float(0.3, 1.0, 0.01),
            default=lambda c: c.workforce.salary.l1 / c.workforce.salary.l2,
            overrides=_ratio_overrides,
            fmt=lambda v: f"{v:.2f} (L1 ${v * BASE_CFG.workforce.salary.l2 / 1000:.0f}k a year, "
                          f"L2 ${BASE_CFG.workforce.salary.l2 / 1000:.0f}k)"),
    Control("seed", "Seed (a whole number; applies on Reset)", {"type": "InputText"},
            default=lambda c: str(c.seed), overrides=lambda v, _: [f"seed={parse_seed(v)}"]),
    Control("regime", "Regime (conf/regime)", _select(*REGIMES),
            overrides=lambda v, _: [f"regime={v}"]),
    Control("customers.relationship_weight", "Relationship weight (0 = transactional)",
            _slider_float(0.0, 3.0, 0.05), fmt=lambda v: f"{v:.2f}"),
    Control("customers.problem_correlation", "Problem correlation on the customer graph",
            _slider_float(0.0, 1.0, 0.01), fmt=lambda v: f"{v:.2f}"),
]

BASE_CFG = compose_cfg()  # the CLI's config, composed once at import
CONTROL_BY_KEY = {c.key: c for c in CONTROLS}


def control_defaults(base: DictConfig = BASE_CFG) -> dict[str, Any]:
    return {c.key: c.default_from(base) for c in CONTROLS}


def model_params(base: DictConfig = BASE_CFG) -> dict[str, dict]:
    """SolaraViz ``model_params``: one user input per control, its default from the config."""
    return {c.key: {**c.widget, "label": c.label, "value": c.default_from(base)}
            for c in CONTROLS}


def overrides_for(params: dict[str, Any], base: DictConfig = BASE_CFG) -> list[str]:
    known = {c.key: c for c in CONTROLS}
    unknown = set(params) - set(known)
    if unknown:
        raise ConfigError(f"invalid configuration:\n  - unknown control(s): {sorted(unknown)}")
    out: list[str] = []
    for key, value in {**control_defaults(base), **params}.items():
        out.extend(known[key].to_overrides(value, base))
    return out


def build_config(params: dict[str, Any] | None = None) -> Config:
    """The typed, validated :class:`Config` for the page's controls (compose + overrides)."""
    return to_config(compose_cfg([*overrides_for(params or {}), *VIZ_OVERRIDES]))


# ================================================================================================
# The model the page drives
# ================================================================================================
class VizModel(TierSimModel):
    """:class:`TierSimModel` built from the page's controls, plus what the page draws.

    Keyword arguments are the control keys (``CONTROLS``); missing ones take their defaults.
    Invalid settings do not crash the page: the model is built from the defaults and
    ``config_error`` says why. Observation only: hooks on the recorder count hand-offs between
    desks and remember who last resolved each sampled customer's ticket; nothing here draws from
    the model's random streams.
    """

    def __init__(self, **params: Any) -> None:
        params.pop("scenario", None)  # Mesa's Reset passes the model's default scenario
        self.config_error = ""
        try:
            cfg = build_config(params)
        except (ConfigError, ValueError) as err:
            self.config_error = str(err).replace("invalid configuration:\n  - ", "")
            cfg = build_config({})
        load = None
        if cfg.org.staffing == "sized":  # desks sized by a measuring run before the build
            cfg, load = sized_config(cfg)
        super().__init__(cfg, collect=True, sizing_load=load)
        self.params = dict(params)
        paying = [c for c in self.customers if getattr(c, "active", True)]  # not prospects
        n = min(CUSTOMER_SAMPLE, len(paying))
        pick = np.random.default_rng([cfg.seed, 0x71E5]).choice(len(paying), n, replace=False)
        order = {name: i for i, name in enumerate(SEGMENT_STYLE)}
        owned = cfg.org.design == "generalist"
        self.sample = sorted(  # owned designs: by pod and owner, so the ownership blocks show
            (paying[i] for i in pick),
            key=lambda c: (c.pod, c.owner.unique_id if c.owner is not None else -1)
            if owned else (order.get(c.segment, 99), c.unique_id))
        self._sample_ids = {c.unique_id for c in self.sample}
        self.last_resolver: dict[int, Any] = {}
        self.handoff_days: list[dict[tuple[str, str], int]] = []
        self._handoffs_today: dict[tuple[str, str], int] = {}
        self._good_today = 0
        self.viz_rows: list[dict] = []
        self._hook_recorder()

    def _hook_recorder(self) -> None:
        rec = self.recorder
        closed, handoff = rec.closed, rec.handoff

        def on_closed(t, now):
            closed(t, now)
            if not t.reopened:  # a good outcome: closed for good without a reopen
                self._good_today += 1
            if t.customer.unique_id in self._sample_ids:
                self.last_resolver[t.customer.unique_id] = t.resolver

        def on_handoff(t, src, dst, now):
            handoff(t, src, dst, now)
            pair = (src.name, dst.name)
            self._handoffs_today[pair] = self._handoffs_today.get(pair, 0) + 1

        rec.closed, rec.handoff = on_closed, on_handoff

    def step(self) -> None:
        super().step()
        active = [s for s in self.staff if s.left_day is None]
        lost_mrr = sum(c.mrr for c in self.customers
                       if c.churned_day is not None and c.churned_day >= 0)
        self.viz_rows.append({"day": self.day - 1,
                              "payroll_per_day": sum(s.salary for s in active) / 365.0,
                              "good_outcomes": self._good_today,
                              "churned_revenue_per_day": lost_mrr * 12 / 365.0})
        self.handoff_days.append(self._handoffs_today)
        self._handoffs_today = {}
        self._good_today = 0

    # --- what the page reads ----------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """The daily series plus the page's own columns (``PAGE_COLUMNS``; cached per day).

        The daily series has no count of good outcomes and no churned revenue, so the page
        observes them itself, each day:

        * ``good_outcomes``: tickets closed that day that were never reopened (the recorder's
          ``closed`` callback, where ``ticket.reopened == 0``: the test ``model.metrics``
          applies to the ticket log). ``tickets_resolved`` counts the same closes, reopened or
          not, so ``good_outcomes <= tickets_resolved`` every day.
        * ``churned_revenue_per_day``: the monthly revenue (MRR, frozen at churn) of every
          customer who has left so far, per day (x 12 / 365). Summed over the days from a
          customer's churn to the horizon it is that customer's share of the ``churned_revenue``
          that ``model.metrics.cost_kpis`` adds to the support cost in ``cost_per_outcome``.
        * ``payroll_per_day``: salaries of the staff on the books (used only if the model books
          no costs).

        Should the model's own series gain one of these columns, its values are used instead.
        """
        cached = getattr(self, "_frame_cache", None)
        if cached is not None and cached[0] == self.day:
            return cached[1]
        if self.recorder.series:
            series = pd.DataFrame(self.recorder.series)
            own = pd.DataFrame(self.viz_rows)
            own = own[[c for c in own if c == "day" or c not in series]]
            df = series.merge(own, on="day", how="left")
        else:
            df = pd.DataFrame({"day": pd.Series(dtype=int)})
        self._frame_cache = (self.day, df)
        return df

    def recent_handoffs(self, days: int = HANDOFF_WINDOW_DAYS) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for day in self.handoff_days[-days:]:
            for pair, n in day.items():
                out[pair] = out.get(pair, 0) + n
        return out


# ================================================================================================
# Charts: one line each in CHARTS
# ================================================================================================
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


COST_WINDOW = 28  # days over which the cost charts average


def _daily_cost(df: pd.DataFrame) -> pd.Series:
    """Support cost of each day: loaded salaries paid plus replacement cost of hires, as the
    model books them (``cost_*_cum``); else the payroll of the staff on the books."""
    if "cost_salary_cum" not in df:
        return df["payroll_per_day"]
    cum = df["cost_salary_cum"] + df.get("cost_hiring_cum", 0.0)
    return cum.diff().fillna(cum)


def cost_per_head(df: pd.DataFrame, window: int = COST_WINDOW) -> pd.Series:
    """Support cost per head and year, in $k, over the last ``window`` days: mean daily cost
    x 365 / mean headcount (all ``headcount_*`` columns), as ``cost_kpis``' ``cost_per_head``."""
    heads = df[[c for c in df if c.startswith("headcount_")]].sum(axis=1)
    cost = _daily_cost(df).rolling(window, min_periods=1).mean()
    return cost * 365 / heads.rolling(window, min_periods=1).mean() / 1000


def cost_per_good_outcome(df: pd.DataFrame, window: int = COST_WINDOW,
                          churned_revenue: bool = True) -> pd.Series:
    """$ per good outcome over the last ``window`` days: cost / ``good_outcomes`` (tickets
    closed without a reopen), NaN while the window has none.

    With ``churned_revenue`` the cost is the support cost plus ``churned_revenue_per_day``
    (the revenue of the customers who have left), as ``model.metrics.cost_kpis`` computes
    ``cost_per_outcome``; without it, the support cost alone. Unlike ``summary.json`` the
    page has no warm-up: its window can start on day 0, and churn counts from day 0.
    """
    cost = _daily_cost(df)
    if churned_revenue:
        cost = cost + df["churned_revenue_per_day"].fillna(0)
    good = _roll_sum(df["good_outcomes"], window)
    return (_roll_sum(cost, window) / good).where(good > 0)


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
    Chart(f"Cost per head vs per good outcome ({COST_WINDOW}-day)",
          (("$k / head\n/ year", _cost_head), ("$ / good\noutcome", _cost_outcome)),
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
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


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


def draw_chart(chart: Chart, model: VizModel, size=(5.8, 3.7), dpi=100) -> Figure:
    """One chart: bold title, legend row under it, then the panels (fixed layout: fast)."""
    df = model.frame()
    fig = Figure(figsize=size, dpi=dpi)
    fig.text(0.015, 0.975, chart.title, fontsize=FONT["title"], fontweight="bold", va="top")
    lines, labels = _chart_lines(chart, df)
    longest = max((len(lab) for lab in labels), default=0)
    ncols = min(3 if longest <= 22 else 2 if longest <= 32 else 1, max(len(labels), 1))
    rows = math.ceil(len(labels) / ncols) if labels else 0
    top = 0.87 - 0.065 * rows
    bottom, gap = 0.13, 0.07
    n = len(lines)
    height = (top - bottom - gap * (n - 1)) / n
    horizon = max(len(df), 7)
    left = 0.155 if any("\n" in ylabel for ylabel, _ in lines) else 0.12  # two-line y labels
    for k, (ylabel, ls) in enumerate(lines):
        ax = fig.add_axes((left, top - (k + 1) * height - k * gap, 0.97 - left, height))
        _style_axes(ax, ylabel, xlabel=k == n - 1)
        for label, (y, colour) in ls.items():
            ax.plot(df["day"] + 1, y, color=colour, linewidth=2, label=label,
                    drawstyle="steps-post" if chart.step else "default")
        ax.set_xlim(0, horizon)
        ax.set_ylim(bottom=0)
        if chart.step:  # counts: whole numbers, and a visible axis when all are zero
            ax.set_ylim(top=max(ax.get_ylim()[1], 1))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=chart.step))
        if k < n - 1:
            ax.tick_params(labelbottom=False)
        if not len(df) and k == 0:
            ax.text(0.5, 0.5, "no day simulated yet: press Step or ▶", transform=ax.transAxes,
                    ha="center", va="center", fontsize=FONT["label"], color="#666666")
    if labels:
        handles = [Line2D([], [], color=c, linewidth=2.5, label=lab) for lab, c in labels.items()]
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 0.905), ncols=ncols,
                   fontsize=FONT["legend"], frameon=False, handlelength=1.6, columnspacing=1.2)
    return fig


# ================================================================================================
# The network view
# ================================================================================================
NODE_GAP = 0.42  # distance between neighbouring staff dots (data units; the axes are equal)
HEADER = 0.62  # room for a desk's two-line title inside its box
COLUMN_GAP = 1.9  # free space between columns, for the hand-off arrows


def _desk_column(model: VizModel, name: str) -> int:
    """Column of a desk: its escalation level; a desk behind the front line that exchanges
    tickets only with desks of a higher level (specialists in owned designs) joins its lowest
    such neighbour's column."""
    g = model.org_graph
    level = int(g.nodes[name].get("level", 1))
    around = {int(g.nodes[n].get("level", 1)) for n in (*g.predecessors(name), *g.successors(name))}
    if level > 1 and around and min(around) > level:
        return min(around)
    return level


def _desk_boxes(model: VizModel, x_start: float) -> dict[str, tuple]:
    """Desk name -> (x0, y0, width, height, columns of the member grid); desks stacked per
    column, columns left to right by escalation level, all vertically centred on 0."""
    by_col: dict[int, list[str]] = {}
    for name in model.desks:
        by_col.setdefault(_desk_column(model, name), []).append(name)
    boxes, x = {}, x_start
    g = model.org_graph
    for col in sorted(by_col):
        sizes = []
        for name in by_col[col]:
            n = max(len(model.desks[name].members), 1)
            cols = min(n, 6) if n <= 6 else max(3, min(6, math.ceil(math.sqrt(n * 1.5))))
            rows = math.ceil(n / cols)
            sizes.append((max(cols * NODE_GAP + 0.2, 1.9), rows * NODE_GAP + 0.2 + HEADER, cols))
        width = max(w for w, _, _ in sizes)
        names = by_col[col]
        # room for arrows only between stacked desks that exchange tickets
        gaps = [1.1 if g.has_edge(a, b) or g.has_edge(b, a) else 0.35
                for a, b in zip(names, names[1:], strict=False)]
        y = (sum(h for _, h, _ in sizes) + sum(gaps)) / 2
        for k, (name, (w, h, cols)) in enumerate(zip(names, sizes, strict=True)):
            boxes[name] = (x + (width - w) / 2, y - h, w, h, cols)
            y -= h + (gaps[k] if k < len(gaps) else 0)
        x += width + COLUMN_GAP
    return boxes


def _staff_positions(model: VizModel, boxes) -> dict:
    pos = {}
    for name, desk in model.desks.items():
        x0, y0, w, h, cols = boxes[name]
        n = len(desk.members)
        for k, person in enumerate(sorted(desk.members, key=lambda p: p.unique_id)):
            r, c = divmod(k, cols)
            in_row = min(cols, n - r * cols)
            left = x0 + (w - in_row * NODE_GAP) / 2
            pos[person] = (left + NODE_GAP * (c + 0.5), y0 + h - HEADER - NODE_GAP * (r + 0.5))
    return pos


def _customer_positions(model: VizModel, top: float, bottom: float) -> dict:
    n = len(model.sample)
    cols = max(1, math.ceil(n / 20))
    rows = math.ceil(n / cols) if n else 1
    gap = min(NODE_GAP * 0.85, (top - bottom) / max(rows - 1, 1))
    y_top = (top + bottom) / 2 + (rows - 1) * gap / 2
    return {c: (0.45 * ((k % cols) - (cols - 1) / 2), y_top - gap * (k // cols))
            for k, c in enumerate(model.sample)}


def _box_exit(box, towards) -> tuple[float, float]:
    """Where the line from the box centre towards ``towards`` leaves the box."""
    x0, y0, w, h, _ = box
    cx, cy = x0 + w / 2, y0 + h / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    scale = min((w / 2 + 0.08) / abs(dx) if dx else math.inf,
                (h / 2 + 0.08) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


ARC = 0.2  # curvature of the hand-off arrows (matplotlib's arc3 rad)


def _arc_point(start, end, t: float) -> tuple[float, float]:
    """Point ``t`` in [0, 1] along an arc3 arrow (a quadratic Bezier curve)."""
    (x1, y1), (x2, y2) = start, end
    cx, cy = (x1 + x2) / 2 + ARC * (y2 - y1), (y1 + y2) / 2 - ARC * (x2 - x1)
    u = 1 - t
    return u * u * x1 + 2 * u * t * cx + t * t * x2, u * u * y1 + 2 * u * t * cy + t * t * y2


def _label_spot(start, end, boxes, ends, placed: list) -> tuple[float, float]:
    """Where an arrow's count goes: its middle (beside it if the arrow is short), else the
    first spot along it that is off other desks and away from the labels ``placed`` so far."""
    others = [b for name, b in boxes.items() if name not in ends]

    def free(p):
        return (not any(x0 <= p[0] <= x0 + w and y0 <= p[1] <= y0 + h
                        for x0, y0, w, h, _ in others)
                and all(math.hypot(p[0] - q[0], p[1] - q[1]) > 0.45 for q in placed))

    dx, dy = end[0] - start[0], end[1] - start[1]
    off = max(ARC / 2, 0.3 / max(math.hypot(dx, dy), 1e-9))
    spots = [((start[0] + end[0]) / 2 + off * dy, (start[1] + end[1]) / 2 - off * dx)]
    spots += [_arc_point(start, end, t) for t in (0.35, 0.65, 0.2, 0.8)]
    spot = next((p for p in spots if free(p)), spots[0])
    placed.append(spot)
    return spot


def _churned(customer) -> bool:
    return getattr(customer, "churned_day", None) is not None


def _fit_equal(ax, xlim, ylim) -> None:
    """Equal data aspect, widening the short side of the limits to the axes' own shape."""
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    ratio = (box.width * fig_w) / (box.height * fig_h)
    (x0, x1), (y0, y1) = xlim, ylim
    if (x1 - x0) / (y1 - y0) > ratio:
        pad = ((x1 - x0) / ratio - (y1 - y0)) / 2
        y0, y1 = y0 - pad, y1 + pad
    else:
        pad = ((y1 - y0) * ratio - (x1 - x0)) / 2
        x0, x1 = x0 - pad, x1 + pad
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")


def day_text(model: VizModel) -> str:
    d = model.day
    if d == 0:
        return "Day 0: nothing simulated yet (day 1 is a Monday)"
    return f"Day {d} (week {(d - 1) // 7 + 1}, {WEEKDAYS[(d - 1) % 7]})"


def draw_network(model: VizModel, size=(11.2, 4.8), dpi=100) -> Figure:
    fig = Figure(figsize=size, dpi=dpi)
    ax = fig.add_axes((0.005, 0.01, 0.765, 0.87))
    ax.set_axis_off()
    boxes = _desk_boxes(model, x_start=1.2 + COLUMN_GAP * 0.8)
    pos = _staff_positions(model, boxes)
    top = max(b[1] + b[3] for b in boxes.values())
    bottom = min(b[1] for b in boxes.values())
    cpos = _customer_positions(model, top, bottom)

    # customer links: named owner (owned designs), else the last person who resolved a ticket
    owned = model.cfg.org.design == "generalist"
    segs = []
    for c in model.sample:
        target = c.owner if owned and c.owner is not None else model.last_resolver.get(c.unique_id)
        if target is not None and target in pos:
            segs.append((cpos[c], pos[target]))
    # owned: links end on the owner (drawn over the pod boxes); else they stop at the desk's box
    ax.add_collection(LineCollection(segs, colors="#7F7F7F", linewidths=0.6, alpha=0.5,
                                     zorder=3.5 if owned else 1))

    # hand-off routes between desks, as wide as the hand-offs of the last days
    recent = model.recent_handoffs()
    peak = max(recent.values(), default=1)
    centre = {n: (b[0] + b[2] / 2, b[1] + b[3] / 2) for n, b in boxes.items()}
    placed: list = []
    for a, b in model.org_graph.edges:
        n = recent.get((a, b), 0)
        start, end = _box_exit(boxes[a], centre[b]), _box_exit(boxes[b], centre[a])
        ax.add_patch(FancyArrowPatch(
            start, end, connectionstyle=f"arc3,rad={ARC}", arrowstyle="-|>",
            mutation_scale=10 + 6 * n / peak if n else 10,
            linewidth=0.8 + 5 * n / peak if n else 0.8,
            color="#4D4D4D" if n else "#B3B3B3", linestyle="-" if n else (0, (3, 3)),
            zorder=2, shrinkA=2, shrinkB=2))
        if n:
            lx, ly = _label_spot(start, end, boxes, (a, b), placed)
            ax.text(lx, ly, str(n), fontsize=FONT["tick"], ha="center", va="center", zorder=6,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#4D4D4D",
                          "lw": 0.6})

    for name, (x0, y0, w, h, _) in boxes.items():
        desk = model.desks[name]
        ax.add_patch(FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0.04,rounding_size=0.12",
                                    fc="#F2F2F2", ec="#8C8C8C", linewidth=1, zorder=3))
        title = DESK_TITLES.get(name, name.replace("pod_", "Pod "))
        ax.text(x0 + w / 2, y0 + h - 0.08, f"{title} ({len(desk.members)})",
                ha="center", va="top", fontsize=FONT["tick"] + 0.5, fontweight="bold", zorder=6)
        ax.text(x0 + w / 2, y0 + h - 0.36, f"{desk.queued} queued", ha="center", va="top",
                fontsize=FONT["tick"], zorder=6, color="#333333")

    # staff by role; area grows with mean proficiency over certified domains
    for role, (colour, _label) in ROLE_STYLE.items():
        people = [p for p in pos if p.role.value == role]
        if people:
            xy = np.array([pos[p] for p in people])
            prof = np.array([p.mean_proficiency() for p in people])
            ax.scatter(xy[:, 0], xy[:, 1], s=15 + 170 * prof ** 2, c=colour,
                       edgecolors="#333333", linewidths=0.6, zorder=4)

    # sampled customers: colour = goodwill where the model has it (else segment), size = segment
    goodwill = np.array([getattr(c, "goodwill", math.nan) for c in model.sample], dtype=float)
    by_goodwill = bool(np.isfinite(goodwill).any())
    gone = np.array([_churned(c) for c in model.sample], dtype=bool)
    if len(model.sample):
        xy = np.array([cpos[c] for c in model.sample])
        size = np.array([SEGMENT_SIZE.get(c.segment, 30) for c in model.sample])
        if by_goodwill:
            colour = GOODWILL_CMAP(np.nan_to_num(goodwill, nan=0.5))
        else:
            colour = [SEGMENT_STYLE.get(c.segment, ("#999999", ""))[0] for c in model.sample]
        stay = ~gone
        ax.scatter(xy[stay, 0], xy[stay, 1], s=size[stay], marker="s",
                   c=np.asarray(colour)[stay], edgecolors="#333333", linewidths=0.5, zorder=4)
        if gone.any():
            ax.scatter(xy[gone, 0], xy[gone, 1], s=size[gone], marker="x", c="#7F7F7F",
                       linewidths=1.2, zorder=4)
    ctop = max((p[1] for p in cpos.values()), default=top)
    active = sum(1 for c in model.customers if getattr(c, "active", True))
    ax.text(0, ctop + 0.3, f"Customers:\n{len(model.sample)} of {active}",
            ha="center", va="bottom", fontsize=FONT["tick"], linespacing=1.1)
    _fit_equal(ax, (-0.9, max(b[0] + b[2] for b in boxes.values()) + 0.2),
               (bottom - 0.25, max(top, ctop + 0.85) + 0.1))

    # legend, right of the drawing
    roles_present = {p.role.value for p in pos}
    handles = [Line2D([], [], marker="o", linestyle="", markersize=10, markerfacecolor=colour,
                      markeredgecolor="#333333", label=label)
               for role, (colour, label) in ROLE_STYLE.items() if role in roles_present]
    segs = [seg for seg in SEGMENT_STYLE if any(c.segment == seg for c in model.sample)]
    handles += [Line2D([], [], marker="s", linestyle="", markeredgecolor="#333333",
                       markersize=math.sqrt(SEGMENT_SIZE[seg]),
                       markerfacecolor="#BDBDBD" if by_goodwill else SEGMENT_STYLE[seg][0],
                       label=SEGMENT_STYLE[seg][1]) for seg in segs]
    if gone.any():
        handles.append(Line2D([], [], marker="x", linestyle="", markersize=7, color="#7F7F7F",
                              label="customer who left"))
    handles += [
        Line2D([], [], color="#7F7F7F", linewidth=1,
               label="customer to named owner" if owned else "customer to last resolver"),
        Line2D([], [], color="#4D4D4D", linewidth=3.5,
               label=f"hand-offs, last {HANDOFF_WINDOW_DAYS} days\n(width and label: count)"),
        Line2D([], [], color="#B3B3B3", linewidth=1, linestyle=(0, (3, 3)),
               label="route, no recent hand-off"),
    ]
    if by_goodwill:
        cax = fig.add_axes((0.79, 0.09, 0.17, 0.03))
        bar = fig.colorbar(ScalarMappable(norm=Normalize(0, 1), cmap=GOODWILL_CMAP), cax=cax,
                           orientation="horizontal")
        bar.set_label("customer goodwill (0-1)", fontsize=FONT["legend"])
        bar.set_ticks([0, 0.5, 1])
        bar.ax.tick_params(labelsize=FONT["legend"] - 1)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.77, 0.9),
               fontsize=FONT["legend"] + 0.5, frameon=False, labelspacing=0.45,
               title="larger dot = more proficient", title_fontsize=FONT["legend"] + 0.5)
    fig.text(0.01, 0.975, f"Organisation ({model.cfg.org.design}), day {model.day}"
             if model.day else f"Organisation ({model.cfg.org.design}) at the start",
             fontsize=FONT["title"] + 1, fontweight="bold", va="top")
    fig.text(0.01, 0.925, "Staff grouped by desk, escalation level rising to the right; arrows: "
             "hand-off routes between desks.", fontsize=FONT["label"], va="top", color="#333333")
    return fig


# ================================================================================================
# Solara components
# ================================================================================================
def _png(fig: Figure) -> bytes:
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


def network_alt(model: VizModel) -> str:
    desks = []
    for name, desk in model.desks.items():
        roles: dict[str, int] = {}
        for p in desk.members:
            label = ROLE_STYLE.get(p.role.value, ("", p.role.value))[1]
            roles[label] = roles.get(label, 0) + 1
        who = ", ".join(f"{n} {r}" for r, n in roles.items()) or "nobody"
        desks.append(f"{DESK_TITLES.get(name, name.replace('pod_', 'Pod '))} ({who}; "
                     f"{desk.queued} queued)")
    recent = model.recent_handoffs()
    moves = ", ".join(f"{a} to {b}: {n}" for (a, b), n in sorted(recent.items())) or "none"
    return (f"Organisation ({model.cfg.org.design}), day {model.day}. Desks: "
            f"{'; '.join(desks)}. Hand-offs in the last {HANDOFF_WINDOW_DAYS} days: {moves}. "
            f"{len(model.sample)} of {len(model.customers)} customers drawn.")


def NetworkView(model: VizModel):
    # drawn once per model and day (not again when only the controls re-render)
    png = solara.use_memo(lambda: _png(draw_network(model)), [id(model), model.day])
    return _image(png, "network", CELL_PX(NETWORK_ROWS), network_alt(model))


def _chart_view(chart: Chart):
    def ChartView(model: VizModel):
        png = solara.use_memo(lambda: _png(draw_chart(chart, model)), [id(model), model.day])
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

SHOWN_CHARTS = available_charts(probe_columns())
COMPONENTS = [(StatusView, 0), (NetworkView, 0), *((_chart_view(c), 0) for c in SHOWN_CHARTS)]


@solara.component
def Page():
    """One model per browser tab (``use_memo`` runs once per page session)."""
    model = solara.use_memo(lambda: VizModel(**control_defaults()), [])
    return SolaraViz(model, components=COMPONENTS, model_params=model_params(),
                     name="tiersim: tiered vs generalist support", play_interval=50)


# ================================================================================================
# Command line
# ================================================================================================
def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _announce_when_up(host: str, port: int, timeout: float = 300.0) -> None:
    """Print the page's address once the server accepts connections."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                print(f"tiersim-viz: the page is at http://{host}:{port}/ (Ctrl+C stops it)",
                      flush=True)
                return
        except OSError:
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    """Serve the page with ``solara run`` in this process (the page's module is imported once)."""
    ap = argparse.ArgumentParser(prog="tiersim-viz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = a free one)")
    ap.add_argument("--open", action="store_true", help="also open the page in a browser")
    args = ap.parse_args(argv)
    from solara.__main__ import cli
    from solara.server import settings

    from experiments.tools import assets

    if assets.missing():
        print("tiersim-viz: front-end assets are missing; installing them (npm) ...",
              file=sys.stderr)
        assets.install()
    settings.telemetry.mixpanel_enable = False  # no calls out
    port = args.port or _free_port(args.host)
    threading.Thread(target=_announce_when_up, args=(args.host, port), daemon=True).start()
    os.chdir(ROOT)
    with contextlib.suppress(KeyboardInterrupt):
        cli.main(["run", "experiments.viz", "--host", args.host, "--port", str(port),
                  "--production", "--open" if args.open else "--no-open", "--no-check-version",
                  "--log-level", "warning"], prog_name="tiersim-viz", standalone_mode=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
