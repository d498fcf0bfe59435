"""``tiersim profile=<name>``: both designs for a support leader's own org, and ``answer.md``.

``experiments/run.py`` hands a run over to :func:`run_profile` when the composed config names a
profile (``profile.name`` non-empty; ``conf/profile/<name>.yaml``, or a profile kept outside the
repository: ``tiersim --config-dir DIR profile=<name>`` reads ``DIR/profile/<name>.yaml``). It

1. sets ``demand.tickets_per_day`` from ``profile.tickets_per_customer_month`` (when > 0):
   tickets per customer per month x ``customers.count`` x 12 / 365;
2. takes the target occupancy: ``profile.occupancy``, or (0) today's, measured by the sizing
   rule's own measuring run (:func:`model.sizing.measure_load`) of the tiered org at the
   profile's headcounts: the people its load needs at full occupancy / the people it has;
3. runs both designs with ``org.staffing=sized`` at that ``workforce.planning.target_occupancy``
   on ``profile.seeds`` paired seeds (:func:`experiments.study.run_study`, every core), the
   command line's overrides applied to each;
4. writes into the Hydra run directory (``outputs/runs/<date>/<time>_profile_<name>/``):
   ``answer.md``, one run directory per design and seed, ``runs.csv`` (every run's KPIs),
   ``comparison.csv`` (the paired comparison, :func:`experiments.compare.paired_table`) and
   ``switching.csv`` (the switching values).

A run that fails writes ``error.txt`` in its run directory; the others still finish and the
answer is written from them (pairs with a failed member are left out, and ``answer.md`` says
so); the command then exits 1.

Switching values. Salaries and the customer's value (``economics.*``, the segments' MRR) enter
the headline only through its accounting: no agent reads them (``model/talent.py`` pays wages,
``model/metrics.py`` values lost customers). So the headline of each run is a known function of
them and every run is re-priced exactly instead of rerun: the talent mechanism books each
person's pay (and hiring cost) under the wage it is proportional to (``Talent.cost_by_rate``),
so the support cost at another wage w of role r is the run's cost + (w / w0 - 1) x the cost
booked under r; the revenue lost is the MRR of the customers who left times
:func:`model.metrics.lifetime_value_factor` of the customer lifetime, so another lifetime (or
every MRR x k, which scales the same term) re-prices that term. The per-seed gaps generalist -
tiered at each value then go through :func:`experiments.sensitivity.switching_values` (the
value where the mean gap crosses zero; its interval: where mean -/+ t x SE crosses zero).
"""

from __future__ import annotations

import logging
import math
import sys
import time
import traceback
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from agents.staff import Role
from experiments.cli import injected_failure, to_config
from experiments.compare import (
    DESIGNS,
    KPIS,
    format_table,
    headcount_text,
    paired_table,
)
from experiments.sensitivity import switching_values
from experiments.stats import t_value
from experiments.study import compose, paired_runs, run_study
from model.config import Config
from model.metrics import lifetime_value_factor
from model.simulate import simulate, write_run
from model.sizing import measure_load

log = logging.getLogger("tiersim")

#: the paired comparison of answer.md: compare.py's KPIs and the revenue kept
PROFILE_KPIS = [*KPIS, ("retained_mrr_share", "retained MRR", "share"),
                ("no_handoff_share", "no hand-off", "share")]
TIERED_DESKS = {"l1": "l1", "l2": "l2", "engineering": "engineering", "specialist": "specialists"}
#: the switching values answer.md leads with; switching.csv has every wage
HEADLINE_SWITCHES = ("workforce.salary.generalist", "workforce.salary.l1",
                     "economics.customer_lifetime_months")
GRID = 801  # values per parameter at which the exact per-seed gaps are evaluated
LIFETIME_RANGE = (1.0, 240.0)  # months: a month to 20 years
SALARY_RANGE = (0.25, 3.0)  # x today's wage
COST_CHECK = 1e-6  # the wage books must add up to cost_total (relative)

_failed = False


def failed() -> bool:
    """True once a profile run has lost a run (``tiersim`` then exits 1)."""
    return _failed


# ---- the runs ---------------------------------------------------------------------------------
def profile_member(config: Config, key: dict, out: str) -> dict:
    """One run of the profile, written to ``OUT/DESIGN_seedSEED``: its summary, plus what the
    switching values need (window cost booked by wage, MRR of the customers who left) and the
    tiered run's no-hand-off share. A failure returns ``{design, seed, error}`` (and writes
    ``error.txt``) instead of raising, so that the other runs are kept."""
    run_dir = Path(out) / f"{key['design']}_seed{key['seed']}"
    try:
        injected_failure(config.seed)
        model, summary, tables = simulate(config)
        write_run(run_dir, summary, tables, OmegaConf.to_yaml(OmegaConf.structured(config)))
    except Exception as err:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "error.txt").write_text(traceback.format_exc())
        return {**key, "error": f"{type(err).__name__}: {err}"}
    row = dict(summary)
    talent = model.talent
    for role in Role:
        row[f"window_cost_rate_{role.value}"] = (talent.cost_by_rate[role]
                                                 - talent.cost_by_rate_before_window[role])
    cust = tables["customers"]
    gone = cust[cust["churned_day"].astype("float64") >= config.sim.warmup_days]
    row["gone_mrr"] = float(gone["mrr"].sum())
    tickets = tables.get("tickets")
    if tickets is not None and len(tickets):
        post = tickets[~tickets["warmup"].astype(bool)]
        row["no_handoff_share"] = float((post["handoffs"] == 0).mean()) if len(post) else math.nan
    row["tickets_per_day"] = summary["tickets_created"] / max(
        1, config.sim.horizon_days - config.sim.warmup_days)
    return row


def _searchpath() -> list[str]:
    """The run's extra config directories (``--config-dir``, ``hydra.searchpath``), as
    ``file://`` paths, so that each run composes the same profile."""
    hc = HydraConfig.get()
    paths = [f"file://{s.path}" for s in hc.runtime.config_sources
             if s.provider == "command-line" and s.schema == "file"]
    return [*paths, *(p for p in hc.searchpath if p not in paths)]


def _base_overrides() -> list[str]:
    """The command line's overrides, plus the search path that finds the profile."""
    overrides = [o for o in HydraConfig.get().overrides.task
                 if not o.lstrip("+~").startswith("hydra.searchpath")]
    path = _searchpath()
    if path:
        overrides.append("hydra.searchpath=[" + ",".join(f"'{p}'" for p in path) + "]")
    return overrides


def tickets_per_day(config: Config) -> float:
    """``demand.tickets_per_day`` of the profile: ``profile.tickets_per_customer_month`` x
    ``customers.count`` x 12 / 365 when it is set (> 0), else as configured."""
    per_month = config.profile.tickets_per_customer_month
    if per_month > 0:
        return per_month * config.customers.count * 12.0 / 365.0
    return config.demand.tickets_per_day


def todays_occupancy(config: Config) -> tuple[float, dict[str, float]]:
    """Today's occupancy of the tiered org at the profile's headcounts: the people its load
    needs at full occupancy (the sizing rule's measuring run) over the people it has, all desks
    together; and each desk's own (NaN for a desk without people)."""
    load = measure_load(config)
    org = config.org
    heads = {kind: getattr(org, part).headcount for kind, part in TIERED_DESKS.items()}
    desks = {kind: load.get(kind, 0.0) / n if n > 0 else math.nan for kind, n in heads.items()}
    total = sum(n for n in heads.values() if n > 0)
    occ = sum(load.get(k, 0.0) for k, n in heads.items() if n > 0) / total if total else math.nan
    return occ, desks


# ---- switching values -------------------------------------------------------------------------
def _paired(runs: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    wide = runs.pivot(index="seed", columns="design")
    return (pd.DataFrame({c: wide[c]["tiered"].astype(float) for c in cols}),
            pd.DataFrame({c: wide[c]["generalist"].astype(float) for c in cols}))


def salary_gaps(runs: pd.DataFrame, role: str, wage: float, values: np.ndarray) -> pd.DataFrame:
    """Per seed, the headline gap generalist - tiered if ``role``'s wage were each of
    ``values`` instead of ``wage``: each run's cost booked under that wage scales with it
    (exact while no agent reads pay). Rows: parameter, value, seed, gap."""
    col = f"window_cost_rate_{role}"
    t, g = _paired(runs, ["total_cost_per_customer_year", col, "customer_years"])
    rows = []
    for seed in t.index:
        base = g.at[seed, "total_cost_per_customer_year"] - t.at[seed, "total_cost_per_customer_year"]
        slope = (g.at[seed, col] / g.at[seed, "customer_years"]
                 - t.at[seed, col] / t.at[seed, "customer_years"]) / wage
        rows += [{"parameter": f"workforce.salary.{role}", "value": float(v), "seed": seed,
                  "gap": base + slope * (v - wage)} for v in values]
    return pd.DataFrame(rows)


def lifetime_gaps(runs: pd.DataFrame, months: float, rate: float,
                  values: np.ndarray) -> pd.DataFrame:
    """Per seed, the headline gap generalist - tiered if the customer lifetime were each of
    ``values`` months instead of ``months`` (discounted at ``rate``): the revenue lost is the
    MRR of the customers who left x the lifetime value factor (exact)."""
    cols = ["total_cost_per_customer_year", "gone_mrr", "customer_years"]
    t, g = _paired(runs, cols)
    now = lifetime_value_factor(months, rate)
    rows = []
    for seed in t.index:
        base = g.at[seed, cols[0]] - t.at[seed, cols[0]]
        per = g.at[seed, "gone_mrr"] / g.at[seed, "customer_years"] - \
            t.at[seed, "gone_mrr"] / t.at[seed, "customer_years"]
        rows += [{"parameter": "economics.customer_lifetime_months", "value": float(v),
                  "seed": seed, "gap": base + per * (lifetime_value_factor(v, rate) - now)}
                 for v in values]
    return pd.DataFrame(rows)


def switch_band(gaps: pd.DataFrame, root: float) -> tuple[float, float, bool, bool]:
    """The 95 % interval of a switching value ``root``: the values around it at which the
    Student t-interval of the mean per-seed gap includes zero (the seeds cannot tell the
    designs apart there). Returns ``(low, high, low_open, high_open)``; ``*_open``: the band
    reaches the end of the range (the interval goes beyond it)."""
    by = gaps.groupby("value")["gap"]
    x = np.array(sorted(by.groups))
    mean = by.mean().reindex(x).to_numpy()
    n = by.count().reindex(x).to_numpy()
    if (n < 2).any():
        return math.nan, math.nan, False, False
    half = t_value(int(n[0]) - 1) * by.std(ddof=1).reindex(x).to_numpy() / np.sqrt(n)
    inside = np.abs(mean) <= half
    i = int(np.argmin(np.abs(x - root)))
    if not inside[i]:
        return root, root, False, False
    lo = hi = i
    while lo > 0 and inside[lo - 1]:
        lo -= 1
    while hi < len(x) - 1 and inside[hi + 1]:
        hi += 1
    return float(x[lo]), float(x[hi]), lo == 0, hi == len(x) - 1


def cost_books_add_up(runs: pd.DataFrame) -> bool:
    """Every run's cost booked by wage adds up to its ``cost_total`` (the check that makes the
    salary switching values exact)."""
    cols = [f"window_cost_rate_{r.value}" for r in Role]
    booked = runs[cols].sum(axis=1)
    return bool(np.allclose(booked, runs["cost_total"], rtol=COST_CHECK, atol=1e-6))


def switching_table(runs: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Every wage's and the customer lifetime's switching value of the headline gap, over its
    range (:data:`SALARY_RANGE` x today's wage, the L1 wage no higher than L2's, above which
    promoted L1s would keep their own pay; :data:`LIFETIME_RANGE`): one row per parameter
    with today's value, the range, the switching value and its interval (NaN: none in the
    range), the design ahead at each end of the range."""
    s, e = config.workforce.salary, config.economics
    parts = []
    if cost_books_add_up(runs):
        for role in Role:
            wage = getattr(s, role.value)
            used = runs[f"window_cost_rate_{role.value}"].abs().sum() > 0
            if wage <= 0 or not used:
                continue
            hi = SALARY_RANGE[1] * wage
            if role == Role.L1:
                hi = min(hi, s.l2)
            values = np.linspace(SALARY_RANGE[0] * wage, hi, GRID)
            parts.append((wage, salary_gaps(runs, role.value, wage, values)))
    months = np.linspace(*LIFETIME_RANGE, GRID)
    parts.append((e.customer_lifetime_months,
                  lifetime_gaps(runs, e.customer_lifetime_months, e.discount_rate_annual, months)))
    rows = []
    for now, gaps in parts:
        sw = switching_values(gaps, output="gap")[0]
        band = (math.nan, math.nan, False, False) if sw.value is None else \
            switch_band(gaps, sw.value)
        rows.append({"parameter": sw.parameter, "today": now, "range_low": gaps["value"].min(),
                     "range_high": gaps["value"].max(),
                     "switch": math.nan if sw.value is None else sw.value,
                     "switch_low": band[0], "switch_high": band[1],
                     "low_beyond_range": band[2], "high_beyond_range": band[3],
                     "ahead_at_low": sw.winner_low, "ahead_at_high": sw.winner_high,
                     "crossings": sw.crossings})
    return pd.DataFrame(rows)


# ---- answer.md ----------------------------------------------------------------------------------
def _money(v: float) -> str:
    return f"${abs(v):,.0f}"


def _pct(part: float, whole: float) -> str:
    return f"{100 * abs(part) / abs(whole):.1f} %" if whole else "n/a"


def _sure(r, fmt) -> str:
    """How sure, in words: the 95 % interval, and whether the seeds can tell them apart."""
    if r.seeds < 2 or pd.isna(r.ci95_low):
        return "one seed only: no interval"
    span = f"95 % interval of the difference {fmt(r.ci95_low, True)} to {fmt(r.ci95_high, True)}"
    if r.ci95_low > 0 or r.ci95_high < 0:
        return f"{span}, which excludes zero over {r.seeds} paired seeds"
    return f"{span}: it includes zero, so the {r.seeds} seeds cannot tell them apart"


def _usd(v: float, sign: bool = False) -> str:
    return f"{'-' if v < 0 else '+' if sign else ''}${abs(v):,.0f}"


def _hours(v: float, sign: bool = False) -> str:
    return f"{v:+.1f} h" if sign else f"{v:.1f} h"


def _points(v: float, sign: bool = False) -> str:
    return f"{100 * v:+.1f} points" if sign else f"{100 * v:.1f} %"


def kpi_sentence(r, fmt, lower_better: bool, what: str, verb: str) -> str:
    """``what``: which design is ahead on a KPI row (``verb``: what being ahead is, e.g.
    "costs less"), by how much (in the KPI's unit and as % of tiered) and how sure."""
    if pd.isna(r.diff_mean):
        return f"- **{what}**: no paired value (the KPI is missing in a run)."
    if r.diff_mean == 0:
        return f"- **{what}**: the same in both designs ({fmt(r.tiered)})."
    gen_better = (r.diff_mean < 0) == lower_better
    better, worse = ("generalist", "tiered") if gen_better else ("tiered", "generalist")
    vals = {"tiered": r.tiered, "generalist": r.generalist}
    clear = r.seeds > 1 and pd.notna(r.ci95_low) and (r.ci95_low > 0 or r.ci95_high < 0)
    by = (f"{100 * abs(r.diff_mean):.1f} points" if fmt is _points else
          f"{fmt(abs(r.diff_mean))} ({_pct(r.diff_mean, r.tiered)})")
    return (f"- **{what}**: **{better}** {verb}{'' if clear else ' on average'}: "
            f"{fmt(vals[better])} against {fmt(vals[worse])} for {worse}, {by}; "
            f"{_sure(r, fmt)}.")


def switch_line(row, config: Config) -> str:
    """One switching value in plain words."""
    p = row.parameter
    loading = config.workforce.salary.loading
    if p == "economics.customer_lifetime_months":
        name = "the customer lifetime"

        def show(v: float) -> str:
            return f"{v:,.0f} month{'' if round(v) == 1 else 's'}"

        how = ("each run re-priced exactly: the MRR of the customers who left x the lifetime "
               f"value factor, discounted at {config.economics.discount_rate_annual:.0%} a year")
    else:
        role = p.rsplit(".", 1)[1]
        name = f"the {role.upper() if role in ('l1', 'l2') else role} salary"
        show = _money
        how = (f"each run re-priced exactly: the pay booked under that wage scales with it "
               f"(the wage before the x{loading:g} loading; raises and hiring cost follow)")
        if role == "l1":
            how += ("; searched up to L2's wage at most, above which a promoted L1 would keep "
                    "the L1 pay")
    head = f"- **{name[0].upper()}{name[1:]}** (today {show(row.today)}): "
    if pd.isna(row.switch):
        return (f"{head}no switch between {show(row.range_low)} and {show(row.range_high)}: "
                f"**{row.ahead_at_low}** stays ahead on the headline (on average over the seeds) "
                f"over that whole range; {how}.")
    if (row.ahead_at_low, row.ahead_at_high) == ("generalist", "tiered"):
        lead = "generalists stop paying off if it exceeds"
    elif (row.ahead_at_low, row.ahead_at_high) == ("tiered", "generalist"):
        lead = "generalists start paying off if it exceeds"
    else:
        lead = "the headline gap crosses zero at"
    if pd.isna(row.switch_low) or pd.isna(row.switch_high):
        interval = ""
    else:
        low = f"below {show(row.switch_low)}" if row.low_beyond_range else show(row.switch_low)
        high = f"above {show(row.switch_high)}" if row.high_beyond_range else \
            show(row.switch_high)
        interval = f" (95 % interval {low} to {high})"
    many = (f" The gap crosses zero {row.crossings} times over the range." if row.crossings > 1
            else "")
    loaded = ("" if p == "economics.customer_lifetime_months" else
              f", {_money(row.switch * loading)} loaded")
    return f"{head}{lead} **{show(row.switch)}**{loaded}{interval}; {how}.{many}"


def observed_lines(runs: pd.DataFrame, config: Config) -> list[str]:
    """``Your export vs the model's tiered run``: the export's known figures beside the tiered
    runs' means, with the model's difference in words."""
    ob = config.profile.observed
    tiered = runs[runs["design"] == "tiered"]
    items = [("tickets per day", ob.tickets_per_day, "tickets_per_day", "{:.1f}"),
             ("hand-offs per ticket", ob.handoffs_mean, "handoffs_per_ticket", "{:.2f}"),
             ("tickets never handed off", ob.no_handoff_share, "no_handoff_share", "{:.1%}"),
             ("reopened tickets", ob.reopen_share, "reopen_share", "{:.1%}"),
             ("median resolution (h)", ob.resolution_hours_median, "median_resolution_h",
              "{:.1f}")]
    rows = []
    for label, seen, col, fmt in items:
        if seen < 0 or col not in tiered:
            continue
        model = float(pd.to_numeric(tiered[col], errors="coerce").mean())
        off = (model - seen) / seen if seen else math.nan
        word = ("about the same" if abs(off) <= 0.15 else
                f"{abs(off):.0%} {'higher' if off > 0 else 'lower'} in the model")
        rows.append(f"| {label} | {fmt.format(seen)} | {fmt.format(model)} | {word} |")
    if not rows:
        return []
    src = f" ({ob.source}, {ob.tickets:,} tickets)" if ob.source else ""
    return ["## Your export vs the model's tiered run", "",
            f"What your helpdesk export says{src}, beside the model's tiered org at your "
            "headcounts' occupancy (mean over seeds, measured window). Where they differ by more "
            "than 15 %, the model is not your org on that point: read its answer with that in "
            "mind (docs/validation.md says what the model reproduces).", "",
            "| | your export | model, tiered | |", "|---|---|---|---|", *rows, ""]


def answer_text(runs: pd.DataFrame, tab: pd.DataFrame, switches: pd.DataFrame, config: Config,
                occupancy: float, desks: dict[str, float], measured: bool,
                failures: list[str], wall: float, capped: bool = False) -> str:
    """The page for a support leader (see the module docstring)."""
    p = config.profile
    rows = {r.kpi: r for r in tab.itertuples()}
    seeds = int(runs["seed"].nunique())
    out = [f"# What the model says for {p.description or p.name}", ""]
    out += ["Two ways to staff the same support work, run on your customers and your volume: "
            "**tiered** (L1, then L2, then engineering or specialists) and **generalist** "
            "(pods of technical generalists who own customers). Both are staffed to the same "
            f"occupancy ({occupancy:.0%}), on {seeds} paired seeds (the same customers and "
            "tickets in both).", "", "## The answer", ""]
    said = [("total_cost_per_customer_year", _usd, True, "Cost per customer-year (support "
             "cost plus the revenue lost with customers who leave)", "costs less"),
            ("support_cost_per_customer_year", _usd, True, "Support cost alone", "costs less"),
            ("retained_mrr_share", _points, False, "Revenue kept (share of the starting MRR "
             "still paying at the end)", "keeps more"),
            ("mean_resolution_h", _hours, True, "Mean time to resolve", "resolves faster"),
            ("median_resolution_h", _hours, True, "Median time to resolve", "resolves faster")]
    for key, fmt, lower, what, verb in said:
        if key in rows:
            out.append(kpi_sentence(rows[key], fmt, lower, what, verb))
    head = rows.get("total_cost_per_customer_year")
    if head is not None and pd.notna(head.diff_mean):
        n = config.customers.count
        ci = ("" if pd.isna(head.ci95_low) else
              f", 95 % interval {_usd(head.ci95_low * n, True)} to "
              f"{_usd(head.ci95_high * n, True)}")
        total = head.diff_mean * n
        out += ["", f"For your {n:,} customers, the generalists would cost about "
                f"**{_usd(abs(total))} a year {'less' if total < 0 else 'more'}** than tiering "
                f"(generalist - tiered {_usd(total, True)}{ci}; at today's customer count — "
                "the model's customers also leave and join)."]
    out += ["", "Each difference is the mean over seeds of generalist - tiered on the same seed; "
            "the 95 % interval is a Student t-interval over the seeds. \"Cannot tell them "
            "apart\" means the interval includes zero: more seeds (`profile.seeds`) may or may "
            "not settle it.", ""]
    out += ["## What would change the answer", ""]
    if switches.empty:
        out.append("- no switching values: the runs' cost books did not add up (see runs.csv)")
    else:
        by = {r.parameter: r for r in switches.itertuples()}
        lines = [switch_line(by[k], config) for k in HEADLINE_SWITCHES if k in by]
        if "workforce.salary.generalist" not in by:
            lines.insert(0, "- Salaries: not re-priced (the runs' cost books did not add up to "
                            "their cost; see runs.csv)")
        out += lines
        out += ["", "The customer lifetime scales the revenue lost exactly as your MRR does: a "
                "lifetime switch at L months is also where every segment's MRR x "
                "(value of L months / value of today's lifetime) would switch. Every wage's "
                "switching value is in `switching.csv`.", ""]
    out += ["## Your org today and the headcount each design gets", ""]
    desk_words = ", ".join(f"{k.upper() if k in ('l1', 'l2') else k} {v:.0%}"
                           for k, v in desks.items() if pd.notna(v))
    if measured:
        out.append(f"- Today's occupancy at your headcounts: **{occupancy:.0%}** (the share of "
                   "paid hours your tiered desks would spend working tickets, measured on a short "
                   f"run of the model at your volume; by desk: {desk_words or 'n/a'}).")
    else:
        out.append(f"- Occupancy both designs are staffed to: **{occupancy:.0%}** "
                   "(`profile.occupancy`, given in the profile).")
    if capped:
        out.append("- Your desks' load is above their people's paid hours in the model (an "
                   "occupancy over 100 %): both designs are staffed to 100 %.")
    elif measured and not 0.7 <= occupancy <= 0.95:
        out.append(f"- {occupancy:.0%} is {'below' if occupancy < 0.7 else 'above'} the "
                   "70-95 % most support desks plan for (Koole & Mandelbaum 2002); both designs "
                   "get the same, so the comparison keeps today's "
                   f"{'slack' if occupancy < 0.7 else 'pressure'}. To compare at another "
                   "occupancy, set `profile.occupancy`.")
    o = config.org
    out.append(f"- Your tiered org in the profile: L1 {o.l1.headcount}, L2 {o.l2.headcount}, "
               f"engineering {o.engineering.headcount}, specialists {o.specialists.headcount}.")
    for d in DESIGNS:
        out.append(f"- {d.capitalize()} at that occupancy (mean over seeds, at the start): "
                   f"{headcount_text(runs, d, 'initial_headcount_')}.")
    out.append("")
    out += observed_lines(runs, config)
    if failures:
        out += ["## Runs that failed", "",
                f"{len(failures)} run(s) failed and their seed pairs are left out of every "
                "number above:", "", *(f"- {f}" for f in failures), ""]
    sim = config.sim
    out += ["## The numbers in full", "", "```", format_table(tab), "```", "",
            "## What this rests on", "",
            f"- {seeds} paired seeds per design; {sim.horizon_days:,} simulated days, the first "
            f"{sim.warmup_days} a warm-up, the rest measured; both designs staffed by the same "
            f"rule to {occupancy:.0%} occupancy (`org.staffing=sized`); {len(runs)} runs in "
            f"{wall:.0f} s.",
            "- The model's own assumptions, each with its source or marked [A]: docs/ODD.md "
            "(every parameter), docs/mechanisms.md (what makes the designs differ). Your "
            "profile sets your customers, volume, product and pay; everything else is the "
            "model's default, not your org.",
            "- This answer holds for this profile and the model's defaults. How it moves with "
            "beliefs you are unsure of (learning speed, hand-off costs, churn response, ...) "
            "is what `tiersim-sensitivity` and docs/results.md cover.", ""]
    return "\n".join(out)


# ---- the command ------------------------------------------------------------------------------
def run_profile(cfg: DictConfig) -> None:
    """``tiersim profile=<name>``: the runs, the tables and ``answer.md`` in the Hydra run
    directory (see the module docstring)."""
    global _failed
    t0 = time.perf_counter()
    out = Path(HydraConfig.get().runtime.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = to_config(cfg)
    prof = base.profile
    tpd = tickets_per_day(base)
    overrides = [*_base_overrides(), f"demand.tickets_per_day={tpd!r}"]
    measured = prof.occupancy <= 0
    capped = False
    desks: dict[str, float] = {}
    if measured:
        print(f"tiersim profile={prof.name}: measuring today's occupancy (tiered, your "
              "headcounts)", file=sys.stderr)
        today = compose([*overrides, "org=tiered", "org.staffing=fixed", "seed=0",
                         "sim.progress=false"])
        occupancy, desks = todays_occupancy(today)
        if not occupancy > 0:
            raise SystemExit(f"tiersim: profile {prof.name}: the tiered org has no load or no "
                             "people to measure an occupancy on; set profile.occupancy")
        capped = occupancy > 1.0
        occupancy = min(occupancy, 1.0)
    else:
        occupancy = prof.occupancy
    run_overrides = [*overrides, "org.staffing=sized",
                     f"workforce.planning.target_occupancy={occupancy!r}", "sim.progress=false"]
    jobs = paired_runs(DESIGNS, range(prof.seeds))
    print(f"tiersim profile={prof.name}: {len(jobs)} runs ({', '.join(DESIGNS)} x seeds "
          f"0..{prof.seeds - 1}) at {occupancy:.0%} occupancy, "
          f"{tpd:.1f} tickets a day -> {out}", file=sys.stderr)
    rows = run_study(jobs, partial(profile_member, out=str(out)), overrides=run_overrides,
                     jobs=-1, label=f"tiersim profile={prof.name}")
    runs = pd.DataFrame(rows)
    runs.to_csv(out / "runs.csv", index=False)
    failures = []
    if "error" in runs:
        bad = runs[runs["error"].notna()]
        failures = [f"{r.design} seed {r.seed}: {r.error} ({out / f'{r.design}_seed{r.seed}'}"
                    "/error.txt)" for r in bad.itertuples()]
        lost = set(bad["seed"])
        runs = runs[~runs["seed"].isin(lost)]
        _failed = True
    if runs.empty or runs["seed"].nunique() < 1:
        (out / "answer.md").write_text("# No answer\n\nEvery run failed:\n\n"
                                       + "\n".join(f"- {f}" for f in failures) + "\n")
        log.error("every run failed; see error.txt in the run directories under %s", out)
        return
    final = compose([*run_overrides, "org=tiered", "seed=0"])
    tab = paired_table(runs, kpis=PROFILE_KPIS)
    tab.to_csv(out / "comparison.csv", index=False)
    switches = switching_table(runs, final) if runs["seed"].nunique() > 1 else pd.DataFrame()
    switches.to_csv(out / "switching.csv", index=False)
    text = answer_text(runs, tab, switches, final, occupancy, desks, measured, failures,
                       time.perf_counter() - t0, capped)
    (out / "answer.md").write_text(text)
    print(f"\n{text}\n\nanswer.md, runs.csv, comparison.csv, switching.csv and the run "
          f"directories: {out}", file=sys.stderr)
    if failures:
        log.error("%d run(s) failed; the answer is written from the %d complete seed pairs",
                  len(failures), runs["seed"].nunique())


__all__ = ["answer_text", "failed", "lifetime_gaps", "profile_member", "run_profile",
           "salary_gaps", "switching_table", "tickets_per_day", "todays_occupancy"]
