"""Publication figures: one function per figure, each taking plain pandas tables, returning a Figure.

Figures read saved tables (a run directory's Parquet files, reduced by the ``*_table`` helpers
below), never a live model. Every figure function runs under one style sheet
(``experiments/style.mplstyle``: 8 pt text at 3.4 / 7.0 in column widths, the Okabe-Ito
colour-blind-safe palette, text kept as text in SVG and PDF) and raises :class:`MissingData`,
naming what is missing, when its tables lack the columns or rows it needs; ``tiersim-report``
turns that into a "skipped" message.

Tables (every one carries ``run`` and ``design``, most ``seed``):

* ``series`` — the runs' daily ``timeseries.parquet`` stacked;
* ``weekly`` — :func:`weekly_ticket_table` of each run's tickets, by creation week;
* ``handoffs`` — :func:`handoff_table`: resolution time by number of hand-offs;
* ``staff`` — the runs' ``staff.parquet`` stacked;
* ``retention`` — :func:`retention_table` of each run's customers;
* ``pilot`` — :func:`pilot_table` of each pilot run's tickets, by week and arm;
* ``runs`` — one row per run: the ``summary.json`` KPIs plus the swept conditions.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, TwoSlopeNorm
from matplotlib.figure import Figure

STYLE = Path(__file__).with_name("style.mplstyle")
COLUMN_IN, PAGE_IN = 3.4, 7.0  # single- and double-column widths

# Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "purple": "#CC79A7"}
DESIGN_ORDER = ("tiered", "generalist", "pilot")
DESIGN_COLOURS = {"tiered": OKABE_ITO["vermillion"], "generalist": OKABE_ITO["blue"],
                  "pilot": OKABE_ITO["green"]}
DESIGN_LABELS = {"tiered": "Tiered", "generalist": "Generalist", "pilot": "Pilot"}
ROLE_ORDER = ("l1", "l2", "generalist", "specialist", "engineer")
ROLE_COLOURS = {"l1": OKABE_ITO["orange"], "l2": OKABE_ITO["vermillion"],
                "generalist": OKABE_ITO["blue"], "specialist": OKABE_ITO["purple"],
                "engineer": OKABE_ITO["green"]}
ROLE_LABELS = {"l1": "L1", "l2": "L2", "generalist": "Generalist", "specialist": "Specialist",
               "engineer": "Engineer"}
HANDOFF_BINS = ("0", "1", "2", "3", "4-5", "6+")  # as in docs/calibration/bpic2013.yaml
WARMUP_GREY = "0.9"
BAND = (0.05, 0.95)  # the 90 % band across runs
MIN_RUNS_PERCENTILE = 20  # fewer runs: the band is their range (min-max), and says so
PROFICIENCY_BAND = OKABE_ITO["yellow"]  # not grey: the warm-up is grey
MIN_BIN_TICKETS = 20  # a run's hand-off bin with fewer resolved tickets gives no median
DAYS_PER_QUARTER = 365.25 / 4
# conditions with a readable label (docs/design.md section 8: the four regime knobs and their kin)
CONDITION_LABELS = {
    "product.domains": "Product domains",
    "product.scriptable_share": "Scriptable share of classes",
    "product.complexity_mean": "Mean ticket complexity",
    "product.classes": "Issue classes",
    "customers.problem_correlation": "Problem correlation",
    "customers.relationship_weight": "Relationship weight",
    "workforce.salary.l1": "L1 salary ($/yr)",
    "workforce.salary.l2": "L2 salary ($/yr)",
    "workforce.salary.generalist": "Generalist salary ($/yr)",
    "org.handoff.context_loss_p": "Context-loss probability",
    "org.handoff.rebuild_minutes": "Read-in per hand-off (min)",
    "org.handoff.writeup_minutes": "Write-up per hand-off (min)",
    "demand.tickets_per_day": "Tickets per day",
}


class MissingData(ValueError):
    """A figure's tables lack what it needs; the message names what is missing."""


# ---- style and plumbing ------------------------------------------------------------------------
def styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure under the project style sheet (and nothing else's rcParams)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> Figure:
        with plt.style.context(["default", str(STYLE)]):
            return func(*args, **kwargs)

    return wrapper


def panels_width(n: int) -> float:
    """Figure width for ``n`` panels side by side: a double column from two panels on."""
    return min(PAGE_IN, 0.9 + 3.05 * n)


def legend_columns(fig: Figure, n: int) -> int:
    """Up to five entries in one row on a double-column figure (more: two rows), two per row on
    a narrower one."""
    if fig.get_figwidth() < PAGE_IN - 0.01:
        return min(n, 2)
    return n if n <= 5 else math.ceil(n / 2)


def new_figure(width: float, height: float) -> Figure:
    """A Figure outside pyplot's registry (nothing to close, nothing leaks in a long report)."""
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig: Figure, stem: Path, metadata: dict[str, str] | None = None) -> list[Path]:
    """Write ``stem``.pdf/.svg/.png under the style sheet, with provenance in each file's metadata.

    ``metadata`` is free text (e.g. ``{"Source": "...", "Revision": "..."}``): stored as the PDF
    Subject, the SVG description and PNG text chunks.
    """
    meta = metadata or {}
    text = "; ".join(f"{k}: {v}" for k, v in meta.items())
    title = meta.get("Title", stem.name)
    per_format = {
        "pdf": {"Title": title, "Subject": text, "Creator": "tiersim-report"},
        "svg": {"Title": title, "Description": text, "Creator": "tiersim-report"},
        "png": {"Title": title, "Software": "tiersim-report", **meta},
    }
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    with plt.style.context(["default", str(STYLE)]):
        for ext, md in per_format.items():
            path = stem.with_suffix(f".{ext}")
            fig.savefig(path, metadata=md)
            out.append(path)
    return out


def require(df: pd.DataFrame | None, columns: Sequence[str], what: str) -> pd.DataFrame:
    """``df`` if it has rows and every column in ``columns``; else :class:`MissingData`."""
    if df is None or df.empty:
        raise MissingData(f"{what}: no data")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MissingData(f"{what}: the runs' tables have no column {', '.join(missing)}")
    return df


def designs_in(df: pd.DataFrame) -> list[str]:
    present = [str(d) for d in pd.unique(df["design"])]
    return [d for d in DESIGN_ORDER if d in present] + sorted(set(present) - set(DESIGN_ORDER))


def design_colour(design: str) -> str:
    return DESIGN_COLOURS.get(design, OKABE_ITO["black"])


def design_label(design: str) -> str:
    return DESIGN_LABELS.get(design, design)


def time_scale(horizon_day: float) -> tuple[float, str]:
    """Days on the x axis up to three years, years beyond."""
    return (365.0, "Simulated time (years)") if horizon_day > 3 * 365 else (
        1.0, "Simulated time (days)")


def period_days(horizon_day: float) -> int:
    """Time-series resolution: weeks up to two years, 4-week periods beyond (legible lines)."""
    return 28 if horizon_day > 2 * 365 else 7


def coarsen(df: pd.DataFrame, horizon_day: float, x: str = "week_day") -> pd.DataFrame:
    """Weekly rows (``x`` = mid-week day) averaged into :func:`period_days` periods per run."""
    period = period_days(horizon_day)
    if period == 7 or df.empty:
        return df
    by = [k for k in ("design", "run", "arm") if k in df] + [x]
    out = df.assign(**{x: (df[x] // period) * period + period / 2})
    num = [c for c in out.columns if c not in by and pd.api.types.is_numeric_dtype(out[c])]
    return out.groupby(by, as_index=False)[num].mean()


def shade_warmup(ax, warmup_day: float | None, scale: float = 1.0) -> None:
    if warmup_day:
        ax.axvspan(0, warmup_day / scale, color=WARMUP_GREY, lw=0, zorder=0)


def runs_per_design(df: pd.DataFrame) -> int:
    """The fewest runs any design of ``df`` has (0 for no rows)."""
    if df is None or df.empty or "run" not in df:
        return 0
    return int(df.groupby("design")["run"].nunique().min()) if "design" in df \
        else int(df["run"].nunique())


def band_text(n_runs: int) -> str:
    """What a band across ``n_runs`` runs is: the 5th-95th percentile from
    ``MIN_RUNS_PERCENTILE`` runs on, below that the range of the runs (the 5th or 95th
    percentile of a handful of values is little more than the smallest or largest)."""
    if n_runs >= MIN_RUNS_PERCENTILE:
        return "5th–95th percentile of runs"
    return "Range of runs (min–max)"


def band_caption(n_runs: int) -> str:
    """``band_text`` for a caption."""
    if n_runs >= MIN_RUNS_PERCENTILE:
        return "5th–95th percentile across runs"
    return (f"range across runs (min–max: fewer than {MIN_RUNS_PERCENTILE} runs per design give "
            "no meaningful 5th–95th percentile)")


def quantile_band(df: pd.DataFrame, x: str, y: str, n_runs: int | None = None) -> pd.DataFrame:
    """Median of ``y`` across runs at each ``x`` and the band :func:`band_text` names: the 5th
    and 95th percentiles from ``MIN_RUNS_PERCENTILE`` runs on (``n_runs``; by default the most
    values at any ``x``), the minimum and maximum below."""
    g = df.dropna(subset=[y]).groupby(x)[y]
    n = int(g.size().max()) if n_runs is None and len(g.size()) else (n_runs or 0)
    if n >= MIN_RUNS_PERCENTILE:
        low, high = g.quantile(BAND[0]), g.quantile(BAND[1])
    else:
        low, high = g.min(), g.max()
    return pd.DataFrame({"median": g.median(), "low": low, "high": high}).reset_index()


def plot_band(ax, band: pd.DataFrame, x: str, colour: str, label: str, scale: float = 1.0,
              **line) -> None:
    xs = band[x].to_numpy(float) / scale
    ax.fill_between(xs, band["low"], band["high"], color=colour, alpha=0.2, lw=0)
    ax.plot(xs, band["median"], color=colour, label=label, **line)


def design_legend(fig: Figure, designs: Sequence[str], band: str | None = None,
                  warmup: bool = False) -> None:
    """One legend for the whole figure, above the panels: the designs, what the shaded band is
    (a patch in each design's colour) and the warm-up shading."""
    from matplotlib.legend_handler import HandlerTuple

    handles: list = [mpl.lines.Line2D([], [], color=design_colour(d), lw=1.5) for d in designs]
    labels = [design_label(d) for d in designs]
    if band:
        handles.append(tuple(mpl.patches.Patch(color=design_colour(d), alpha=0.25, lw=0)
                             for d in designs))
        labels.append(band)
    if warmup:
        handles.append(mpl.patches.Patch(color=WARMUP_GREY, lw=0))
        labels.append("Warm-up")
    fig.legend(handles, labels, loc="outside upper center", ncols=len(handles),
               handler_map={tuple: HandlerTuple(ndivide=None, pad=0)})


def _float(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


# ---- per-run reductions of the saved tables ------------------------------------------------------
def weekly_ticket_table(tickets: pd.DataFrame, horizon_day: float) -> pd.DataFrame:
    """One row per full creation week: ``week_day`` (mid-week day), ``tickets``, ``resolved``,
    ``explanations_per_ticket`` and ``mean_resolution_h`` (resolved tickets), ``stalled_share``
    (all tickets created that week; the last weeks are biased low: too young to stall)."""
    t = require(tickets, ["created_h", "resolved_h", "explanations", "stalled"], "tickets")
    week = (_float(t["created_h"]) // (24 * 7)).astype("int64")
    resolved = _float(t["resolved_h"]).notna()
    frame = pd.DataFrame({"week": week, "resolved": resolved,
                          "stalled": t["stalled"].astype(bool).astype(float),
                          "explanations": _float(t["explanations"]).where(resolved),
                          "resolution_h": _float(t.get("resolution_h", t["resolved_h"]
                                                       - t["created_h"])).where(resolved)})
    g = frame.groupby("week")
    out = pd.DataFrame({"tickets": g.size(), "resolved": g["resolved"].sum(),
                        "explanations_per_ticket": g["explanations"].mean(),
                        "mean_resolution_h": g["resolution_h"].mean(),
                        "stalled_share": g["stalled"].mean()}).reset_index()
    out = out[(out["week"] + 1) * 7 <= horizon_day]  # full weeks only
    out["week_day"] = out["week"] * 7 + 3.5
    return out.drop(columns="week")


def handoff_bin(n: pd.Series) -> pd.Series:
    """Hand-off counts in the BPIC 2013 bins (0, 1, 2, 3, 4-5, 6+)."""
    index = n.index
    n = _float(n).to_numpy()
    labels = np.where(n >= 6, "6+", np.where(n >= 4, "4-5",
                                              np.clip(np.nan_to_num(n), 0, 3).astype(int).astype(str)))
    return pd.Series(pd.Categorical(labels, categories=HANDOFF_BINS, ordered=True), index=index)


def handoff_table(tickets: pd.DataFrame, warmup_day: float) -> pd.DataFrame:
    """Resolved tickets created after the warm-up, by hand-off bin: ``bin, tickets, share,
    median_resolution_days`` (NaN below ``MIN_BIN_TICKETS`` tickets)."""
    t = require(tickets, ["created_h", "resolved_h", "handoffs"], "tickets")
    t = t[(_float(t["created_h"]) >= 24 * warmup_day) & _float(t["resolved_h"]).notna()]
    days = (_float(t["resolved_h"]) - _float(t["created_h"])) / 24.0
    frame = pd.DataFrame({"bin": handoff_bin(t["handoffs"]), "days": days})
    g = frame.groupby("bin", observed=False)["days"]
    out = pd.DataFrame({"tickets": g.size(), "median_resolution_days": g.median()})
    out.loc[out["tickets"] < MIN_BIN_TICKETS, "median_resolution_days"] = np.nan
    out["share"] = out["tickets"] / max(1, int(out["tickets"].sum()))
    return out.reset_index()


def retention_table(customers: pd.DataFrame, warmup_day: int, horizon_day: int) -> pd.DataFrame:
    """The warm-up cohort (customers active at the end of the warm-up) day by day:
    ``day, customers_share, mrr_share`` (MRR at the warm-up; the current MRR if not saved)."""
    c = require(customers, ["churned_day", "joined_day", "mrr"], "customers")
    churned = _float(c["churned_day"])
    if "mrr_warmup" in c:
        cohort = _float(c["mrr_warmup"]).notna()
        weight = _float(c["mrr_warmup"])
    else:
        cohort = (_float(c["joined_day"]) <= warmup_day) & ~(churned < warmup_day)
        weight = _float(c["mrr"])
    if not cohort.any():
        raise MissingData("customers: nobody was a customer at the end of the warm-up")
    end = churned[cohort].fillna(np.inf).to_numpy()
    w = weight[cohort].fillna(0.0).to_numpy()
    days = np.arange(warmup_day, horizon_day)
    alive = end[None, :] > days[:, None]
    return pd.DataFrame({"day": days, "customers_share": alive.mean(axis=1),
                         "mrr_share": (alive * w).sum(axis=1) / w.sum() if w.sum() else np.nan})


def pilot_table(tickets: pd.DataFrame, horizon_day: float) -> pd.DataFrame:
    """Tickets of the treated and control segments by creation week and arm: ``week_day, arm,
    tickets, mean_resolution_h, explanations_per_ticket`` (resolved tickets)."""
    t = require(tickets, ["pilot_arm", "created_h", "resolved_h", "explanations"], "tickets")
    arm = t["pilot_arm"].astype(str)
    t = t[arm.isin(["treated", "control"])]
    if t.empty:
        raise MissingData("tickets: no ticket of a treated or control customer")
    parts = []
    for name in ("treated", "control"):
        part = t[t["pilot_arm"].astype(str) == name]
        if len(part):
            part = part.assign(stalled=part.get("stalled", False))
            parts.append(weekly_ticket_table(part, horizon_day).assign(arm=name))
    return pd.concat(parts, ignore_index=True)


def kaplan_meier(entry: np.ndarray, exit_: np.ndarray, event: np.ndarray,
                 replication: float = 1.0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Product-limit survival with left truncation (delayed entry).

    A person is at risk at time ``t`` if ``entry < t <= exit``. Returns event ``times``, the
    survival just after each, its Greenwood 95 % interval (log-log, clipped to [0, 1]; the
    variance multiplied by ``replication`` when each person appears that many times) and the
    number at risk.
    """
    entry, exit_ = np.asarray(entry, float), np.asarray(exit_, float)
    event = np.asarray(event, bool)
    times = np.unique(exit_[event])
    if not len(times):
        return times, times, np.empty((2, 0)), times.astype(int)
    at_risk = (np.searchsorted(np.sort(entry), times, side="left")
               - np.searchsorted(np.sort(exit_), times, side="left"))
    deaths = np.array([np.sum(event & (exit_ == t)) for t in times])
    ok = at_risk > 0
    times, at_risk, deaths = times[ok], at_risk[ok], deaths[ok]
    if not len(times):
        return times, times.astype(float), np.empty((2, 0)), at_risk
    surv = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = replication * np.cumsum(deaths / (at_risk * (at_risk - deaths)))
        loglog = np.log(-np.log(surv))
        se = np.sqrt(var) / np.abs(np.log(surv))
        low = np.exp(-np.exp(loglog + 1.96 * se))
        high = np.exp(-np.exp(loglog - 1.96 * se))
    low = np.where(np.isfinite(low), low, 0.0)
    high = np.where(np.isfinite(high), high, 1.0)
    return times, surv, np.stack([low, high]), at_risk


# ---- figure 1: KPIs over time ------------------------------------------------------------------
def _weekly_series(series: pd.DataFrame) -> pd.DataFrame:
    """Daily series to full weeks per run: backlog mean, resolution mean weighted by closes."""
    s = series.copy()
    s["week"] = s["day"] // 7
    s["res_sum"] = _float(s["mean_resolution_h"]).fillna(0.0) * _float(s["tickets_resolved"])
    agg = {"res_sum": "sum", "tickets_resolved": "sum", "backlog": "mean", "day": "size"}
    for c in ("explanations_per_ticket", "stalled_share"):
        if c in s:
            agg[c] = "mean"
    w = s.groupby(["design", "run", "week"]).agg(agg).rename(columns={"day": "days"})
    w = w[w["days"] == 7].reset_index()
    w["mean_resolution_h"] = w["res_sum"] / w["tickets_resolved"].where(w["tickets_resolved"] > 0)
    w["week_day"] = w["week"] * 7 + 3.5
    return w


@styled
def fig_kpis_over_time(series: pd.DataFrame, weekly: pd.DataFrame | None = None,
                       warmup_day: float | None = None) -> Figure:
    """Four flow KPIs by week and design: median across runs and the band :func:`band_text`
    names (5th-95th percentile, or the range below ``MIN_RUNS_PERCENTILE`` runs).

    Resolution time (tickets closed that week) and backlog come from the daily series;
    explanations per ticket and the stalled share from the series if it has them, else from
    ``weekly`` (tickets by creation week).
    """
    require(series, ["design", "run", "day", "mean_resolution_h", "tickets_resolved", "backlog"],
            "KPIs over time (daily series)")
    horizon = float(series["day"].max()) + 1
    w = coarsen(_weekly_series(series), horizon)
    sources = {"mean_resolution_h": w, "backlog": w}
    for col in ("explanations_per_ticket", "stalled_share"):
        if col in w and w[col].notna().any():
            sources[col] = w
        elif weekly is not None and col in weekly:
            sources[col] = coarsen(weekly, horizon)
        else:
            raise MissingData(f"KPIs over time: no {col} in the series and no ticket table")
    panels = [("mean_resolution_h", "Resolution time (h)", "a  Mean resolution time"),
              ("backlog", "Open tickets", "b  Backlog"),
              ("explanations_per_ticket", "Explanations per ticket", "c  Customer explanations"),
              ("stalled_share", "Stalled tickets (%)", "d  Stalled share")]
    scale, xlabel = time_scale(horizon)
    fig = new_figure(PAGE_IN, 4.4)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    designs = designs_in(series)
    n_runs = runs_per_design(series)
    for ax, (col, ylabel, title) in zip(axes, panels, strict=True):
        data = sources[col]
        factor = 100.0 if col == "stalled_share" else 1.0
        shade_warmup(ax, warmup_day, scale)
        for d in designs:
            band = quantile_band(data[data["design"] == d].assign(v=data[col] * factor),
                                 "week_day", "v", n_runs)
            plot_band(ax, band, "week_day", design_colour(d), design_label(d), scale)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if col != "explanations_per_ticket":  # at least one explanation: no zero floor
            ax.set_ylim(bottom=0)
        ax.set_xlim(0, horizon / scale)
    for ax in axes[2:]:
        ax.set_xlabel(xlabel)
    design_legend(fig, designs, band_text(n_runs), bool(warmup_day))
    return fig


# ---- figure 2: talent flows per quarter --------------------------------------------------------
def _exit_reason(staff: pd.DataFrame) -> pd.Series:
    reason = staff["exit_reason"].fillna("").astype(str).replace("", "left").str.capitalize()
    if "regretted" in staff:
        regretted = staff["regretted"].fillna(False).astype(bool)
        reason = reason + np.where(regretted, ", regretted", ", not regretted")
    return reason


@styled
def fig_talent_flows(staff: pd.DataFrame, series: pd.DataFrame | None = None,
                     horizon_day: float | None = None, warmup_day: float = 0.0) -> Figure:
    """Hires, promotions and exits (stacked by reason) per full quarter after the warm-up (per
    full year beyond 12 quarters), by design, mean per run.

    Hires are people whose ``hired_day`` falls inside a quarter; exits have a ``left_day``;
    promotions come from the series' ``promotions_cum`` (omitted if the series lacks it). The
    warm-up is left out (people drawn at the start with a long tenure are promoted on day one)
    and so is a last part-quarter.
    """
    require(staff, ["design", "run", "hired_day", "left_day", "exit_reason"], "talent flows")
    horizon = float(horizon_day or max(_float(staff["left_day"]).max(),
                                       _float(staff["hired_day"]).max()) + 1)
    period, unit = DAYS_PER_QUARTER, "quarter"
    quarters = int((horizon - warmup_day) // period)
    if quarters < 1:
        raise MissingData(f"talent flows: less than one quarter ({DAYS_PER_QUARTER:g} days) "
                          f"after the warm-up (days {warmup_day:g}-{horizon:g})")
    if quarters > 12:  # years: a bar chart of 13+ quarters per design is unreadable
        period, unit = 4 * DAYS_PER_QUARTER, "year"
        quarters = int((horizon - warmup_day) // period)

    def quarter(day: pd.Series) -> pd.Series:
        q = (_float(day) - warmup_day) // period
        return q.where((q >= 0) & (q < quarters))

    hires = staff.assign(q=quarter(staff["hired_day"])).dropna(subset=["q"])
    hires = hires[_float(hires["hired_day"]) > 0]
    exits = staff.assign(q=quarter(staff["left_day"]), reason=_exit_reason(staff))
    exits = exits.dropna(subset=["q"])
    promos = None
    if series is not None and "promotions_cum" in series:
        s = series.sort_values(["run", "day"])
        promos = s.assign(n=s.groupby("run")["promotions_cum"].diff().fillna(
            s["promotions_cum"]), q=quarter(s["day"])).dropna(subset=["q"])
    if hires.empty and exits.empty and (promos is None or promos["n"].sum() == 0):
        raise MissingData("talent flows: no hires, promotions or exits after the warm-up "
                          "(mechanisms.attrition, .promotion and .hiring off?)")
    reasons = sorted(pd.unique(exits["reason"]), key=lambda r: ("not" in r, r))
    reason_colours = dict(zip(reasons, [OKABE_ITO[c] for c in ("vermillion", "orange", "purple",
                                                               "black", "yellow")], strict=False))
    designs = designs_in(staff)
    fig = new_figure(panels_width(len(designs)), 2.6)
    axes = fig.subplots(1, len(designs), sharey=True, squeeze=False).ravel()
    x = np.arange(quarters)
    width = 0.27
    for ax, d in zip(axes, designs, strict=True):
        n_runs = staff.loc[staff["design"] == d, "run"].nunique()

        def per_q(frame, d=d, n_runs=n_runs, col=None):
            f = frame[frame["design"] == d]
            g = f.groupby("q")[col].sum() if col else f.groupby("q").size()
            return g.reindex(range(quarters), fill_value=0).to_numpy(float) / n_runs

        ax.bar(x - width, per_q(hires), width, color=OKABE_ITO["sky"], label="Hires")
        if promos is not None:
            ax.bar(x, per_q(promos, col="n"), width, color=OKABE_ITO["green"],
                   label="Promotions")
        bottom = np.zeros(quarters)
        for r in reasons:
            v = per_q(exits[exits["reason"] == r])
            ax.bar(x + width, v, width, bottom=bottom, color=reason_colours[r],
                   label=f"Exits: {r.lower()}")
            bottom += v
        ax.set_title(design_label(d))
        ax.set_xticks(x, [str(i + 1) for i in x])
        ax.set_xlabel(f"{unit.capitalize()} after the warm-up")
    axes[0].set_ylabel(f"People per {unit}\n(mean per run)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center",
               ncols=legend_columns(fig, len(labels)))
    return fig


# ---- figure 3: staff survival ------------------------------------------------------------------
MIN_AT_RISK = 5  # a survival curve stops where fewer distinct people are left at risk
MIN_EXITS_BAND = 5  # fewer exits: no interval drawn, a dashed line


def replication(staff: pd.DataFrame) -> float:
    """Rows per distinct person: runs of one seed under different conditions start with the same
    people (common random numbers), so pooled rows repeat them; 1 when every row is distinct."""
    if "seed" not in staff or "staff_id" not in staff or staff.empty:
        return 1.0
    distinct = len(staff[["seed", "staff_id"]].drop_duplicates())
    return max(1.0, len(staff) / distinct) if distinct else 1.0


def at_risk_until(entry: np.ndarray, exit_: np.ndarray, minimum: float = MIN_AT_RISK) -> float:
    """The last time at which at least ``minimum`` people are at risk (0 if never)."""
    entry, exit_ = np.asarray(entry, float), np.asarray(exit_, float)
    grid = np.sort(exit_)
    n = (np.searchsorted(np.sort(entry), grid, side="left")
         - np.searchsorted(grid, grid, side="left"))
    ok = grid[n >= minimum]
    return float(ok.max()) if len(ok) else 0.0


def survival_counts(staff: pd.DataFrame) -> pd.DataFrame:
    """People and exits by design and role (the numbers behind :func:`fig_staff_survival`)."""
    left = _float(staff["left_day"])
    g = staff.assign(exit=left.notna()).groupby(["design", "role"])
    return pd.DataFrame({"people": g.size(), "exits": g["exit"].sum()}).reset_index()


@styled
def fig_staff_survival(staff: pd.DataFrame, horizon_day: float,
                       max_years: float = 10.0) -> Figure:
    """Kaplan-Meier survival of staff by role (role at exit or at the horizon), one panel per
    design, pooled over runs.

    Staff present at day 0 enter at their tenure then (left truncation); everyone still employed
    is censored at the horizon. A curve stops where fewer than ``MIN_AT_RISK`` distinct people
    remain at risk. Shaded: Greenwood 95 % interval, its variance scaled by the rows per distinct
    person (:func:`replication`), for roles with at least ``MIN_EXITS_BAND`` exits; dashed
    lines: fewer exits, no interval.
    """
    require(staff, ["design", "run", "role", "hired_day", "left_day"], "staff survival")
    left = _float(staff["left_day"])
    if left.notna().sum() == 0:
        raise MissingData("staff survival: nobody left in these runs (mechanisms.attrition off?)")
    hired = _float(staff["hired_day"])
    frame = staff.assign(entry=(-hired).clip(lower=0) / 365.0,
                         exit=(left.fillna(horizon_day) - hired) / 365.0, event=left.notna())
    designs = designs_in(staff)
    roles_seen: list[str] = []
    fig = new_figure(panels_width(len(designs)), 2.5)
    axes = fig.subplots(1, len(designs), sharey=True, squeeze=False).ravel()
    limit = 0.0
    for ax, d in zip(axes, designs, strict=True):
        f = frame[frame["design"] == d]
        too_few = []
        for role in [r for r in ROLE_ORDER if r in set(f["role"])] + sorted(
                set(f["role"]) - set(ROLE_ORDER)):
            g = f[f["role"] == role]
            rep = replication(g)
            end = min(at_risk_until(g["entry"], g["exit"], MIN_AT_RISK * rep), max_years)
            name = ROLE_LABELS.get(role, role)
            if end <= 0:
                too_few.append(name)
                continue
            times, surv, ci, at_risk = kaplan_meier(g["entry"], g["exit"], g["event"], rep)
            keep = times <= end
            times, surv, ci = times[keep], surv[keep], ci[:, keep]
            exits = int(g["event"].sum() / rep)
            if exits:
                limit = max(limit, end)
            if role not in roles_seen:
                roles_seen.append(role)
            colour = ROLE_COLOURS.get(role, OKABE_ITO["black"])
            xs = np.concatenate([[0.0], times, [end]])
            ys = np.concatenate([[1.0], surv, [surv[-1] if len(surv) else 1.0]])
            few = exits < MIN_EXITS_BAND
            ax.step(xs, ys, where="post", color=colour, ls=(0, (3, 2)) if few else "-",
                    lw=1.0 if few else 1.4)
            if len(times) and not few:
                lo = np.concatenate([[1.0], ci[0], [ci[0][-1]]])
                hi = np.concatenate([[1.0], ci[1], [ci[1][-1]]])
                ax.fill_between(xs, lo, hi, step="post", color=colour, alpha=0.15, lw=0)
        if too_few:
            ax.text(0.02, 0.02, f"Not drawn (never {MIN_AT_RISK} at risk): {', '.join(too_few)}",
                    transform=ax.transAxes, fontsize=6.5, color="0.35", va="bottom")
        ax.set_title(design_label(d))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("Tenure (years)")
    for ax in axes:
        ax.set_xlim(0, max(limit, 0.5))
    axes[0].set_ylabel("Still employed (share)")
    order = [r for r in ROLE_ORDER if r in roles_seen] + [r for r in roles_seen
                                                          if r not in ROLE_ORDER]
    # the colour names the role, the line style the evidence: a role may be solid in one panel
    # and dashed in the other, so role entries are colour patches and the styles have their own
    handles = [mpl.patches.Patch(color=ROLE_COLOURS.get(r, OKABE_ITO["black"]), lw=0)
               for r in order]
    labels = [ROLE_LABELS.get(r, r) for r in order]
    handles += [(mpl.patches.Patch(color="0.3", alpha=0.15, lw=0),
                 mpl.lines.Line2D([], [], color="0.3", lw=1.4)),
                mpl.lines.Line2D([], [], color="0.3", lw=1.0, ls=(0, (3, 2)))]
    labels += [f"{MIN_EXITS_BAND}+ exits, 95 % interval", f"Fewer than {MIN_EXITS_BAND} exits"]
    fig.legend(handles, labels, loc="outside upper center",
               ncols=legend_columns(fig, len(handles)))
    return fig


# ---- figure 4: proficiency over time -----------------------------------------------------------
@styled
def fig_proficiency(series: pd.DataFrame, warmup_day: float | None = None) -> Figure:
    """Staff proficiency by week (4-week periods beyond two years): the 10th-90th percentile
    across active staff (band) and the mean by role (lines), each the median across runs; one
    panel per design."""
    require(series, ["design", "run", "day"], "proficiency")
    roles = [r for r in ROLE_ORDER if f"proficiency_{r}" in series]
    if not roles or "proficiency_p10" not in series:
        raise MissingData("proficiency: the series has no proficiency_<role> / proficiency_p10 "
                          "columns (mechanisms.learning off, or an older run)")
    s = series.assign(week_day=series["day"] // 7 * 7 + 3.5)
    cols = [f"proficiency_{r}" for r in roles] + ["proficiency_p10", "proficiency_p90"]
    horizon = float(series["day"].max()) + 1
    w = coarsen(s.groupby(["design", "run", "week_day"])[cols].mean().reset_index(), horizon)
    scale, xlabel = time_scale(horizon)
    designs = designs_in(series)
    fig = new_figure(panels_width(len(designs)), 2.6)
    axes = fig.subplots(1, len(designs), sharey=True, squeeze=False).ravel()
    band = {"color": PROFICIENCY_BAND, "alpha": 0.45, "lw": 0}  # the warm-up is grey
    drawn: list[str] = []
    for ax, d in zip(axes, designs, strict=True):
        f = w[w["design"] == d]
        shade_warmup(ax, warmup_day, scale)
        lo = f.groupby("week_day")["proficiency_p10"].median()
        hi = f.groupby("week_day")["proficiency_p90"].median()
        ax.fill_between(lo.index / scale, lo, hi, **band)
        for r in roles:
            m = f.groupby("week_day")[f"proficiency_{r}"].median()
            if m.notna().any():
                ax.plot(m.index / scale, m, color=ROLE_COLOURS[r])
                drawn += [r] if r not in drawn else []
        ax.set_title(design_label(d))
        ax.set_xlabel(xlabel)
        ax.set_xlim(0, horizon / scale)
    axes[0].set_ylabel("Proficiency (0–1)")
    handles = [mpl.lines.Line2D([], [], color=ROLE_COLOURS[r], lw=1.5)
               for r in ROLE_ORDER if r in drawn]
    labels = [f"{ROLE_LABELS[r]} mean" for r in ROLE_ORDER if r in drawn]
    handles.append(mpl.patches.Patch(**band))
    labels.append("10th–90th percentile, all staff")
    if warmup_day:
        handles.append(mpl.patches.Patch(color=WARMUP_GREY, lw=0))
        labels.append("Warm-up")
    fig.legend(handles, labels, loc="outside upper center",
               ncols=legend_columns(fig, len(handles)))
    lows = w[["proficiency_p10", *[f"proficiency_{r}" for r in roles]]].min().min()
    axes[0].set_ylim(max(0.0, math.floor(lows * 10) / 10 - 0.05), 1.0)
    return fig


# ---- figure 5: customers -----------------------------------------------------------------------
@styled
def fig_customers(retention: pd.DataFrame | None, series: pd.DataFrame | None = None,
                  warmup_day: float | None = None) -> Figure:
    """Customers: the warm-up cohort still a customer, its retained MRR, and requests for a
    person by name per week; median across runs and the band :func:`band_text` names. Panels
    whose columns are missing are left out; no panel at all is :class:`MissingData`."""
    panels = []
    if retention is not None and not retention.empty:
        panels += [("customers_share", retention, "Customers retained (%)", "Retention"),
                   ("mrr_share", retention, "MRR retained (%)", "Retained MRR")]
    if series is not None and "named_requests" in series and series["named_requests"].sum() > 0:
        w = series.assign(week=series["day"] // 7).groupby(["design", "run", "week"]).agg(
            named=("named_requests", "sum"), days=("day", "size")).reset_index()
        w = w[w["days"] == 7].assign(week_day=lambda x: x["week"] * 7 + 3.5)
        w = coarsen(w, float(series["day"].max()) + 1)  # still a weekly rate
        panels.append(("named", w, "Requests per week", "Named requests"))
    if not panels:
        raise MissingData("customers: no customers table with churn and no named_requests "
                          "series (mechanisms.customers off?)")
    designs = designs_in(panels[0][1])
    horizon = max(float(p[1]["day"].max() if "day" in p[1] else p[1]["week_day"].max())
                  for p in panels) + 1
    scale, xlabel = time_scale(horizon)
    fig = new_figure(PAGE_IN, 2.4)
    axes = fig.subplots(1, len(panels), squeeze=False).ravel()
    n_runs = min(runs_per_design(p[1]) for p in panels)
    for i, (ax, (col, data, ylabel, title)) in enumerate(zip(axes, panels, strict=True)):
        x = "day" if "day" in data and col != "named" else "week_day"
        factor = 100.0 if col.endswith("_share") else 1.0
        shade_warmup(ax, warmup_day, scale)
        for d in designs:
            band = quantile_band(data[data["design"] == d].assign(v=data[col] * factor), x, "v",
                                 n_runs)
            plot_band(ax, band, x, design_colour(d), design_label(d), scale)
        ax.set_title(f"{'abcd'[i]}  {title}")
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        ax.set_xlim(0, horizon / scale)
        if col == "named":
            ax.set_ylim(bottom=0)
    design_legend(fig, designs, band_text(n_runs), bool(warmup_day))
    return fig


# ---- figure 6: the escalation tax --------------------------------------------------------------
def bpic_table(calibration: dict) -> pd.DataFrame:
    """``bin, median_days, n, share`` from ``docs/calibration/bpic2013.yaml``'s
    ``resolution_days_by_handoffs``."""
    rows = calibration.get("resolution_days_by_handoffs") or {}
    df = pd.DataFrame([{"bin": str(k), "median_days": float(v["median"]), "n": int(v["n"])}
                       for k, v in rows.items()])
    if df.empty:
        return df
    df["share"] = df["n"] / df["n"].sum()
    return df


@styled
def fig_escalation_tax(handoffs: pd.DataFrame, bpic: pd.DataFrame | None = None) -> Figure:
    """(a) share of resolved tickets by number of hand-offs; (b) median resolution time by number
    of hand-offs (median across seeds; bars: range across seeds; the line joins the bins that
    have data, across empty ones), BPIC 2013 medians overlaid."""
    require(handoffs, ["design", "run", "bin", "tickets", "share", "median_resolution_days"],
            "escalation tax")
    designs = designs_in(handoffs)
    bins = list(HANDOFF_BINS)
    x = np.arange(len(bins))
    fig = new_figure(PAGE_IN, 2.6)
    ax_share, ax_time = fig.subplots(1, 2)
    n = len(designs) + (bpic is not None and not bpic.empty)
    width = 0.8 / n
    offsets = (np.arange(n) - (n - 1) / 2) * width
    for i, d in enumerate(designs):
        f = handoffs[handoffs["design"] == d]
        share = f.groupby("bin", observed=False)["share"].mean().reindex(bins)
        ax_share.bar(x + offsets[i], 100 * share.fillna(0), width, color=design_colour(d),
                     label=design_label(d))
        g = f.groupby("bin", observed=False)["median_resolution_days"]
        med, lo, hi = (g.median().reindex(bins), g.min().reindex(bins), g.max().reindex(bins))
        jitter = (i - (len(designs) - 1) / 2) * 0.08
        # only the bins with data, so the line joins them across an empty bin (a design that
        # never hands a ticket off once still draws one connected series, as its legend says)
        ok = med.notna().to_numpy()
        ax_time.errorbar((x + jitter)[ok], med[ok], yerr=[(med - lo)[ok], (hi - med)[ok]],
                         color=design_colour(d), marker="o", ms=3.5, capsize=1.5, lw=1.2,
                         label=design_label(d))
    if bpic is not None and not bpic.empty:
        b = bpic.set_index("bin").reindex(bins)
        ax_share.bar(x + offsets[-1], 100 * b["share"], width, color="white",
                     edgecolor=OKABE_ITO["black"], lw=0.7, label="BPIC 2013 (Volvo IT)")
        ax_time.plot(x, b["median_days"], color=OKABE_ITO["black"], ls="--", marker="s", ms=3.5,
                     mfc="white", lw=1.0, label="BPIC 2013 (Volvo IT)")
    for ax in (ax_share, ax_time):
        ax.set_xticks(x, [b.replace("-", "–") for b in bins])
        ax.set_xlabel("Hand-offs per ticket")
    ax_share.set_ylabel("Resolved tickets (%)")
    ax_share.set_title("a  Tickets by hand-offs")
    ax_share.legend(loc="upper right")
    ax_time.set_yscale("log")
    ax_time.set_ylabel("Median resolution time (days)")
    ax_time.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax_time.set_title("b  Resolution time by hand-offs")
    ax_time.legend(loc="lower right")
    return fig


# ---- figure 7: the costs: per customer-year, per problem, per head ---------------------------
def _mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean of the finite values and its 95 % Student t-interval (NaN below two values)."""
    from experiments.stats import t_interval

    v = values[np.isfinite(values)]
    if not len(v):
        return math.nan, math.nan, math.nan
    low, high = t_interval(v)
    return float(v.mean()), low, high


COST_PANELS = (  # (summary KPI, scale, y label, title): the headline first, the old figure last
    ("total_cost_per_customer_year", 1.0, "$ per customer-year",
     "Total cost per customer-year (headline)"),
    ("support_cost_per_problem", 1.0, "$ per problem", "Support cost per problem"),
    ("cost_per_head", 1e-3, "k$ per head and year", "Cost per head"),
    ("cost_per_outcome", 1.0, "$ per good ticket", "Old: cost per good outcome"),
)


@styled
def fig_costs(runs: pd.DataFrame) -> Figure:
    """The costs by design, one panel each (those the runs have, of ``COST_PANELS``): total cost
    per customer-year (support cost plus lost revenue, the headline), support cost per problem
    solved or prevented, cost per head (per year) and, last, the old ticket-denominated cost per
    good outcome. One dot per run, the mean and its 95 % Student t-interval across runs (no
    bar with one run)."""
    require(runs, ["design"], "costs")
    panels = [p for p in COST_PANELS if p[0] in runs and _float(runs[p[0]]).notna().any()]
    if not panels:
        raise MissingData("costs: the runs' summaries have none of "
                          + ", ".join(p[0] for p in COST_PANELS))
    designs = designs_in(runs)
    ncols = 2 if len(panels) > 2 else len(panels)
    nrows = math.ceil(len(panels) / ncols)
    fig = new_figure(PAGE_IN if ncols > 1 else COLUMN_IN, 2.2 * nrows + 0.25)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    rng = np.random.default_rng(0)  # jitter only
    money = mpl.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}")
    for k, (ax, (col, factor, ylabel, title)) in enumerate(zip(axes, panels, strict=False)):
        for i, d in enumerate(designs):
            v = _float(runs.loc[runs["design"] == d, col]).to_numpy() * factor
            ax.scatter(i + rng.uniform(-0.12, 0.12, len(v)), v, s=7, color=design_colour(d),
                       alpha=0.45, lw=0)
            mean, lo, hi = _mean_ci(v)
            if np.isfinite(mean):
                ax.errorbar(i + 0.28, mean, yerr=[[mean - lo], [hi - mean]] if np.isfinite(lo)
                            else None, fmt="D", color=design_colour(d), ms=4, capsize=2, lw=1.2)
        ax.set_xticks(range(len(designs)), [design_label(d) for d in designs])
        ax.set_xlim(-0.5, len(designs) - 0.3)
        ax.set_xlabel("Design")
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(money)
        ax.set_title(f"{'abcdefgh'[k]}  {title}")
        ax.margins(y=0.15)
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    handles = [mpl.lines.Line2D([], [], ls="", marker="o", ms=3, color="0.4", alpha=0.6),
               mpl.lines.Line2D([], [], ls="-", marker="D", ms=4, color="0.2")]
    fig.legend(handles, ["One run", "Mean across runs, 95 % t-interval"],
               loc="outside upper center", ncols=2)
    return fig


# ---- figure 8: the regime map ------------------------------------------------------------------
def condition_label(key: str) -> str:
    return CONDITION_LABELS.get(key, key)


def _fmt(v) -> str:
    """A condition's value as given, in fixed point (1000000, not 1e+06; 0.35, not 0.350000)."""
    if isinstance(v, bool | np.bool_):
        return str(v)
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        return np.format_float_positional(float(v), trim="-") if np.isfinite(v) else str(v)
    return str(v)


def regime_cells(runs: pd.DataFrame, x: str, y: str, kpi: str, baseline: str, challenger: str,
                 conditions: Sequence[str]) -> pd.DataFrame:
    """Per (x, y) cell: ``margin_pct`` = mean paired difference challenger - baseline of ``kpi``
    as a share of the baseline mean, its 95 % Student t-interval (NaN for one pair: no winner),
    and ``pairs``. Pairs match on
    every other condition and the seed, so the cell averages over the conditions not shown."""
    from experiments.stats import t_interval

    keys = [c for c in conditions if c not in (x, y)] + ["seed"]
    a = runs[runs["design"] == baseline][[x, y, *keys, kpi]]
    b = runs[runs["design"] == challenger][[x, y, *keys, kpi]]
    m = a.merge(b, on=[x, y, *keys], suffixes=("_a", "_b")).dropna(subset=[f"{kpi}_a",
                                                                            f"{kpi}_b"])
    rows = []
    for (xv, yv), g in m.groupby([x, y]):
        base = float(g[f"{kpi}_a"].mean())
        d = (g[f"{kpi}_b"] - g[f"{kpi}_a"]).to_numpy(float)
        lo, hi = t_interval(d)
        rows.append({x: xv, y: yv, "pairs": len(d), "baseline": base,
                     "margin_pct": 100 * d.mean() / abs(base) if base else math.nan,
                     "low_pct": 100 * lo / abs(base) if base else math.nan,
                     "high_pct": 100 * hi / abs(base) if base else math.nan})
    return pd.DataFrame(rows)


# the regime map's headline metrics, drawn side by side: (summary KPI, label, unit, lower is better)
HEADLINE_MAP_METRICS = (
    ("total_cost_per_customer_year", "Total cost per customer-year", "$ per customer-year", True),
    ("support_cost_per_problem", "Support cost per problem", "$ per problem", True),
)


def _regime_pairs(runs: pd.DataFrame, conditions: Sequence[str], kpis: Sequence[str],
                  baseline: str, challenger: str, shown: int) -> list[tuple[str, str]]:
    conditions = list(conditions)
    if len(conditions) < 2:
        raise MissingData("regime map: the sweep varies fewer than two conditions "
                          f"({', '.join(conditions) or 'none'}) besides the design and the seed")
    require(runs, ["design", "seed", *kpis, *conditions], "regime map")
    if not {baseline, challenger} <= set(runs["design"]):
        raise MissingData(f"regime map: needs both {baseline} and {challenger} runs")
    return list(itertools.combinations(conditions[:shown], 2))


def _draw_regime(fig, runs: pd.DataFrame, conditions: Sequence[str], pairs, kpi: str,
                 kpi_label: str, baseline: str, challenger: str, lower_is_better: bool,
                 ncols: int, title: str | None = None) -> None:
    """The heatmaps of one KPI, one per pair of conditions, and their colour bar, on ``fig`` (a
    Figure or a SubFigure)."""
    cells = {p: regime_cells(runs, p[0], p[1], kpi, baseline, challenger, conditions)
             for p in pairs}
    vmax = max((np.nanmax(np.abs(c["margin_pct"])) for c in cells.values() if len(c)),
               default=1.0)
    vmax = max(vmax, 1.0) if np.isfinite(vmax) else 1.0
    cmap = LinearSegmentedColormap.from_list(
        "tiersim_div", [design_colour(challenger), "#F7F7F7", design_colour(baseline)])
    if not lower_is_better:
        cmap = cmap.reversed()
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-vmax, vmax=vmax)
    nrows = math.ceil(len(pairs) / ncols)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    image = None
    for ax, (px, py) in zip(axes, pairs, strict=False):
        c = cells[(px, py)]
        xs, ys = sorted(pd.unique(c[px])), sorted(pd.unique(c[py]))
        grid = c.pivot(index=py, columns=px, values="margin_pct").reindex(index=ys, columns=xs)
        image = ax.imshow(grid.to_numpy(float), origin="lower", cmap=cmap, norm=norm,
                          aspect="auto")
        for r in c.itertuples(index=False):
            row = dict(zip(c.columns, r, strict=True))
            i, j = ys.index(row[py]), xs.index(row[px])
            clear = row["low_pct"] > 0 or row["high_pct"] < 0
            better = (row["margin_pct"] < 0) == lower_is_better
            who = (design_label(challenger) if better else design_label(baseline)) if clear \
                else "tie"
            dark = abs(row["margin_pct"]) > 0.6 * vmax
            ax.text(j, i, f"{who}\n{row['margin_pct']:+.0f} %", ha="center", va="center",
                    fontsize=6.5, color="white" if dark else "black",
                    fontweight="bold" if clear else "normal")
        ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
        ax.set_xlabel(condition_label(px))
        ax.set_ylabel(condition_label(py))
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
    for ax in axes[len(pairs):]:
        ax.set_axis_off()
    if title:
        fig.suptitle(title, x=0.0, ha="left", fontsize=8, fontweight="bold")
    cb = fig.colorbar(image, ax=axes.tolist(), shrink=0.85, aspect=30, pad=0.02)
    cb.set_label(f"{design_label(challenger)} − {design_label(baseline).lower()},\n"
                 f"{kpi_label} (%)")
    cb.outline.set_visible(False)
    low_wins, high_wins = (challenger, baseline) if lower_is_better else (baseline, challenger)
    cb.ax.text(0.5, 1.02, f"{design_label(high_wins)}\nbetter", transform=cb.ax.transAxes,
               ha="center", va="bottom", fontsize=6.5)
    cb.ax.text(0.5, -0.02, f"{design_label(low_wins)}\nbetter", transform=cb.ax.transAxes,
               ha="center", va="top", fontsize=6.5)


@styled
def fig_regime_map(runs: pd.DataFrame, conditions: Sequence[str],
                   kpi: str = "total_cost_per_customer_year",
                   kpi_label: str = "total cost per customer-year", baseline: str = "tiered",
                   challenger: str = "generalist", lower_is_better: bool = True,
                   shown: int = 4) -> Figure:
    """One heatmap per pair of swept conditions: colour = challenger - baseline ``kpi`` (% of the
    baseline, averaged over the other conditions and the seeds); each cell names the winner, or
    "tie" when the 95 % interval of the paired difference includes zero. Pairs of the first
    ``shown`` conditions are drawn (4: six heatmaps); runs pair on every condition."""
    pairs = _regime_pairs(runs, conditions, [kpi], baseline, challenger, shown)
    ncols = min(3, len(pairs))
    nrows = math.ceil(len(pairs) / ncols)
    width = PAGE_IN if ncols > 1 else COLUMN_IN + 0.6
    fig = new_figure(width, 2.35 * nrows + 0.3)
    _draw_regime(fig, runs, list(conditions), pairs, kpi, kpi_label, baseline, challenger,
                 lower_is_better, ncols)
    return fig


@styled
def fig_regime_maps(runs: pd.DataFrame, conditions: Sequence[str],
                    metrics: Sequence[tuple[str, str, str, bool]] = HEADLINE_MAP_METRICS,
                    baseline: str = "tiered", challenger: str = "generalist",
                    shown: int = 4) -> Figure:
    """The regime map of several KPIs side by side (``metrics``: (summary KPI, label, unit,
    lower is better); by default the headline, total cost per customer-year, and support cost
    per problem): one panel per KPI, each with the heatmaps of :func:`fig_regime_map` and a
    colour bar of its own. With one pair of conditions the panels sit side by side; with more,
    one above the other (each panel's heatmaps in rows of three)."""
    metrics = list(metrics)
    pairs = _regime_pairs(runs, conditions, [m[0] for m in metrics], baseline, challenger,
                          shown)
    side = len(pairs) == 1
    ncols = 1 if side else min(3, len(pairs))
    nrows = math.ceil(len(pairs) / ncols)
    if side:
        fig = new_figure(PAGE_IN, 2.75)
        subs = np.atleast_1d(fig.subfigures(1, len(metrics), wspace=0.04))
    else:
        fig = new_figure(PAGE_IN, len(metrics) * (2.05 * nrows + 0.35))
        subs = np.atleast_1d(fig.subfigures(len(metrics), 1, hspace=0.03))
    for k, (sub, (kpi, label, unit, lower)) in enumerate(zip(subs, metrics, strict=True)):
        _draw_regime(sub, runs, list(conditions), pairs, kpi, label.lower(), baseline,
                     challenger, lower, ncols, title=f"{'abcdefgh'[k]}  {label} ({unit})")
    return fig


# ---- figure 9: the pilot -----------------------------------------------------------------------
@styled
def fig_pilot(pilot: pd.DataFrame, start_day: float, end_day: float,
              warmup_day: float | None = None) -> Figure:
    """Treated vs control segment by week (median across runs; band: :func:`band_text`) and the
    treated - control difference within each run (mean across runs, 95 % t-interval);
    shaded: the pilot window."""
    from matplotlib.legend_handler import HandlerTuple

    from experiments.stats import t_interval

    require(pilot, ["run", "arm", "week_day", "mean_resolution_h", "explanations_per_ticket"],
            "pilot")
    if not {"treated", "control"} <= set(pilot["arm"]):
        raise MissingData("pilot: needs tickets of both the treated and the control segment")
    metrics = [("mean_resolution_h", "Resolution time (h)", "h", "resolution time"),
               ("explanations_per_ticket", "Explanations per ticket", "per ticket",
                "explanations")]
    horizon = float(pilot["week_day"].max()) + 3.5
    pilot = coarsen(pilot, horizon)
    n_runs = int(pilot["run"].nunique())
    scale, xlabel = time_scale(horizon)
    fig = new_figure(PAGE_IN, 4.4)
    axes = fig.subplots(2, 2, sharex=True)
    arm_colours = {"treated": OKABE_ITO["blue"], "control": OKABE_ITO["vermillion"]}
    window = {"color": OKABE_ITO["yellow"], "alpha": 0.25, "lw": 0, "zorder": 0}
    for j, (col, ylabel, unit, short) in enumerate(metrics):
        top, bottom = axes[0, j], axes[1, j]
        shade_warmup(top, warmup_day, scale)
        for ax in (top, bottom):
            ax.axvspan(start_day / scale, end_day / scale, **window)
        for arm in ("treated", "control"):
            band = quantile_band(pilot[pilot["arm"] == arm], "week_day", col, n_runs)
            plot_band(top, band, "week_day", arm_colours[arm], f"{arm.capitalize()} segment",
                      scale)
        wide = pilot.pivot_table(index=["run", "week_day"], columns="arm", values=col)
        diff = (wide["treated"] - wide["control"]).rename("d").reset_index()
        rows = []
        for wd, g in diff.dropna().groupby("week_day"):
            lo, hi = t_interval(g["d"].to_numpy(float))
            rows.append((wd, g["d"].mean(), lo, hi))
        dd = pd.DataFrame(rows, columns=["week_day", "mean", "low", "high"])
        bottom.axhline(0, color="0.3", lw=0.6)
        bottom.fill_between(dd["week_day"] / scale, dd["low"], dd["high"], color="0.2",
                            alpha=0.2, lw=0)
        bottom.plot(dd["week_day"] / scale, dd["mean"], color=OKABE_ITO["black"])
        top.set_ylabel(ylabel)
        if col != "explanations_per_ticket":
            top.set_ylim(bottom=0)
        top.set_title(f"{'ab'[j]}  {short.capitalize()}: treated vs control")
        bottom.set_ylabel(f"Treated − control ({unit})")
        bottom.set_title(f"{'cd'[j]}  Difference in {short}")
        bottom.set_xlabel(xlabel)
        bottom.set_xlim(0, horizon / scale)
    patch = mpl.patches.Patch
    handles = [mpl.lines.Line2D([], [], color=arm_colours[a], lw=1.5)
               for a in ("treated", "control")]
    labels = ["Treated segment", "Control segment"]
    handles.append(tuple(patch(color=arm_colours[a], alpha=0.25, lw=0)
                         for a in ("treated", "control")))
    labels.append(band_text(n_runs))
    handles += [mpl.lines.Line2D([], [], color=OKABE_ITO["black"], lw=1.5),
                patch(color="0.2", alpha=0.2, lw=0), patch(**{**window, "zorder": None})]
    labels += ["Treated − control, mean of runs", "95 % t-interval", "Pilot window"]
    if warmup_day:
        handles.append(patch(color=WARMUP_GREY, lw=0))
        labels.append("Warm-up")
    fig.legend(handles, labels, loc="outside upper center", ncols=4,
               handler_map={tuple: HandlerTuple(ndivide=None, pad=0)})
    return fig


__all__ = ["MissingData", "bpic_table", "fig_costs", "fig_customers", "fig_escalation_tax",
           "fig_kpis_over_time", "fig_pilot", "fig_proficiency", "fig_regime_map", "fig_regime_maps",
           "fig_staff_survival", "fig_talent_flows", "handoff_table", "kaplan_meier",
           "pilot_table", "regime_cells", "retention_table", "save_figure", "survival_counts",
           "weekly_ticket_table"]
