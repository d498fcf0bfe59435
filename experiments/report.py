"""``tiersim-report SWEEP_DIR``: figures and a write-up from a sweep's saved tables.

Reads every finished run under ``SWEEP_DIR`` (a directory holding ``summary.json``, found by a scan,
so a ``tiersim -m`` sweep and the ``outputs/compare/`` job both work; the model is never rerun),
and writes

* ``SWEEP_DIR/figures/<name>.{pdf,svg,png}`` — the figures of ``experiments/figures.py`` that the
  sweep has data for (each skipped figure is named with the reason);
* ``SWEEP_DIR/report.md`` — the figures with captions (what each shows, from which runs), tables
  of paired differences between designs over common seeds with 95 % Student t-intervals
  (``experiments/stats.py``), and a provenance block (package versions, git revisions, config
  hashes, seeds).

Pairs match on the seed and on every condition the sweep varies besides the design (a condition
is a config value that differs between runs of the same design).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from experiments import figures as F
from experiments.compare import FLOW_KPIS, HEADLINE_KPIS, OLD_COST_KPIS, PRECISION, num
from experiments.pooling import PoolingError, check_pooling, flatten, load_yaml
from experiments.stats import paired_comparison

ROOT = Path(__file__).resolve().parent.parent
BPIC_YAML = ROOT / "docs" / "calibration" / "bpic2013.yaml"
# BPI Challenge 2013 incidents (Steeman 2013, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee):
# median resolution days and incident counts by team hand-offs; used when the YAML is not at hand.
BPIC_FALLBACK = {"resolution_days_by_handoffs": {
    "0": {"median": 0.01, "n": 3732}, "1": {"median": 1.95, "n": 1762},
    "2": {"median": 3.97, "n": 971}, "3": {"median": 5.30, "n": 355},
    "4-5": {"median": 6.02, "n": 386}, "6+": {"median": 12.80, "n": 340}}}
TICKET_COLUMNS = ("created_h", "resolved_h", "resolution_h", "handoffs", "explanations",
                  "stalled", "pilot_arm")
# config values that never make a condition (bookkeeping, or the replicate)
NOT_CONDITIONS = {"seed", "experiment", "sim.progress", "sim.record_events", "sim.record_tickets"}
MAX_MAP_CONDITIONS = 4  # the four regime knobs: 6 heatmaps
HEADLINE = "total_cost_per_customer_year"  # the headline KPI (model/metrics.py, outcome_kpis)
SIDE_KPI = "support_cost_per_problem"  # shown beside the headline
TABLE_KPIS = [  # (summary key, label, unit); compare.KPIS plus the talent, customer, product ones
    *HEADLINE_KPIS,
    *FLOW_KPIS,
    ("mean_proficiency", "mean proficiency (end)", "0-1"),
    ("hires", "hires", "n"),
    ("exits", "exits", "n"),
    ("regretted_exits", "regretted exits", "n"),
    ("promotions", "promotions", "n"),
    ("customer_churn_annual", "customer churn", "1/yr"),
    ("retained_mrr_share", "retained MRR", "share"),
    ("named_honoured_share", "named requests honoured", "share"),
    ("fixes_shipped", "product fixes shipped", "n"),
    ("mean_fix_lead_time_top_days", "fix lead time, top classes", "days"),
    ("tickets_deflected", "tickets deflected", "n"),
    *OLD_COST_KPIS,
]


class ReportError(RuntimeError):
    """The sweep directory cannot be reported on (the message says why and what to do)."""


def say(msg: str) -> None:
    print(f"tiersim-report: {msg}", file=sys.stderr, flush=True)


# ---- loading -------------------------------------------------------------------------------------
def find_run_dirs(sweep_dir: Path) -> list[Path]:
    """Directories under ``sweep_dir`` holding a ``summary.json`` (hidden ones and ``figures/``
    skipped), sorted."""
    found = []
    for summary in sweep_dir.rglob("summary.json"):
        rel = summary.parent.relative_to(sweep_dir)
        if not any(p.startswith(".") or p == "figures" for p in rel.parts):
            found.append(summary.parent)
    return sorted(found)


def read_parquet(path: Path, columns: tuple[str, ...] | None = None) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    if columns is not None:
        names = set(pq.read_schema(path).names)
        columns = [c for c in columns if c in names]
    return pd.read_parquet(path, columns=columns)


def conditions_of(runs: pd.DataFrame, config_keys: list[str]) -> list[str]:
    """Config values that vary between runs of the same design (in every design that has more
    than one run), one per distinct partition of the runs, the regime knobs first."""
    varied: set[str] | None = None
    for _, g in runs.groupby("design"):
        if len(g) < 2:
            continue
        keys = {k for k in config_keys if k not in NOT_CONDITIONS
                and g[k].astype(str).nunique(dropna=False) > 1}
        varied = keys if varied is None else varied & keys
    if not varied:
        return []
    order = sorted(varied, key=lambda k: (k not in F.CONDITION_LABELS,
                                          list(F.CONDITION_LABELS).index(k)
                                          if k in F.CONDITION_LABELS else 0, k == "regime", k))
    out, seen = [], set()
    for k in order:  # a regime bundle moves several keys together: keep one of them
        signature = tuple(pd.factorize(runs[k].astype(str))[0])
        if signature not in seen:
            seen.add(signature)
            out.append(k)
    return out


@dataclass
class Sweep:
    """A sweep's runs (one row each: KPIs, design, seed, conditions) and its stacked tables."""

    path: Path
    runs: pd.DataFrame
    conditions: list[str]
    warmup_day: int
    horizon_day: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: list[dict] = field(default_factory=list)

    def of(self, designs: set[str] | None = None) -> pd.DataFrame:
        return self.runs if designs is None else self.runs[self.runs["design"].isin(designs)]


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame | None:
    parts = [p for p in parts if p is not None and len(p)]
    return pd.concat(parts, ignore_index=True) if parts else None


def load_sweep(sweep_dir: Path, log: Callable[[str], None] = say) -> Sweep:
    """Read every finished run of ``sweep_dir`` and reduce its tables for the figures."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise ReportError(f"{sweep_dir} is not a directory: pass the sweep's directory, e.g. "
                          "outputs/sweeps/<experiment> or outputs/compare")
    dirs = find_run_dirs(sweep_dir)
    if not dirs:
        raise ReportError(f"no finished runs under {sweep_dir} (no run directory with a "
                          "summary.json): run the sweep first, e.g. tiersim -m org=tiered,generalist"
                          " 'seed=range(4)', or python -m experiments.compare")
    try:  # one experiment per report: no runs of different horizons or unswept settings
        check_pooling(sweep_dir, dirs)
    except PoolingError as err:
        raise ReportError(str(err)) from None
    _note_unfinished(sweep_dir, log)
    log(f"{len(dirs)} finished runs in {sweep_dir}")
    rows, configs, prov = [], [], []
    parts: dict[str, list] = {k: [] for k in ("series", "weekly", "handoffs", "staff",
                                              "retention", "pilot")}
    t0 = time.perf_counter()
    for i, run_dir in enumerate(dirs, 1):
        summary = json.loads((run_dir / "summary.json").read_text())
        cfg_path = run_dir / "config.yaml"
        cfg = flatten(load_yaml(cfg_path)) if cfg_path.is_file() else {}
        run = str(run_dir.relative_to(sweep_dir))
        design = str(summary.get("design") or cfg.get("org.design") or "unknown")
        seed = summary.get("seed", cfg.get("seed"))
        warm = int(cfg.get("sim.warmup_days", 0) or 0)
        horizon = int(cfg.get("sim.horizon_days", 0) or 0)
        rows.append({**summary, "run": run, "design": design, "seed": seed, "warmup_day": warm,
                     "horizon_day": horizon})
        configs.append(cfg)
        p = run_dir / "provenance.json"
        prov.append({"run": run, **(json.loads(p.read_text()) if p.is_file() else {})})
        tag = {"run": run, "design": design, "seed": seed}
        _reduce_run(run_dir, tag, warm, horizon, parts)
        if i == len(dirs) or i % max(1, len(dirs) // 10) == 0:
            log(f"read {i}/{len(dirs)} runs ({time.perf_counter() - t0:.0f} s)")
    runs = pd.DataFrame(rows)
    cfg_frame = pd.DataFrame(configs)
    cfg_frame = cfg_frame[[c for c in cfg_frame.columns if c not in runs.columns]]
    runs = pd.concat([runs, cfg_frame], axis=1)
    conditions = conditions_of(runs, list(cfg_frame.columns))
    sweep = Sweep(path=sweep_dir, runs=runs, conditions=conditions,
                  warmup_day=int(runs["warmup_day"].mode().iloc[0]),
                  horizon_day=int(runs["horizon_day"].max()),
                  tables={k: v for k, v in ((k, _stack(p)) for k, p in parts.items())
                          if v is not None},
                  provenance=prov)
    designs = ", ".join(f"{d} ({n})" for d, n in runs["design"].value_counts().items())
    log(f"designs: {designs}; conditions varied: {', '.join(conditions) or 'none'}")
    return sweep


def _note_unfinished(sweep_dir: Path, log) -> None:
    """Say how many runs the sweep's own table (``runs.parquet``) lists as failed or missing."""
    table = sweep_dir / "runs.parquet"
    if not table.is_file():
        return
    try:
        status = pd.read_parquet(table, columns=["status"])["status"]
    except (KeyError, ValueError, OSError):  # compare's runs.parquet has no status column
        return
    bad = Counter(s for s in status if s != "ok")
    if bad:
        log("runs.parquet lists " + ", ".join(f"{n} {s}" for s, n in bad.items())
            + " run(s): they are left out")


def _reduce_run(run_dir: Path, tag: dict, warm: int, horizon: int, parts: dict) -> None:
    """Read one run's tables and keep what the figures need (tickets are reduced, not kept)."""
    series = read_parquet(run_dir / "timeseries.parquet")
    if series is not None:
        parts["series"].append(series.assign(**tag))
    staff = read_parquet(run_dir / "staff.parquet")
    if staff is not None:
        parts["staff"].append(staff.assign(**tag))
    customers = read_parquet(run_dir / "customers.parquet")
    loyalty_on = series is not None and "customers_active" in series  # mechanisms.customers
    if customers is not None and horizon and (loyalty_on
                                              or _float_any(customers.get("churned_day"))):
        with contextlib.suppress(F.MissingData):  # nobody a customer at the warm-up's end
            parts["retention"].append(F.retention_table(customers, warm, horizon).assign(**tag))
    tickets = read_parquet(run_dir / "tickets.parquet", TICKET_COLUMNS)
    if tickets is None or tickets.empty:
        return
    for name, reduce in (("weekly", lambda t: F.weekly_ticket_table(t, horizon)),
                         ("handoffs", lambda t: F.handoff_table(t, warm)),
                         ("pilot", lambda t: F.pilot_table(t, horizon))):
        if name == "pilot" and tag["design"] != "pilot":
            continue
        with contextlib.suppress(F.MissingData):  # the figure will say what is missing
            parts[name].append(reduce(tickets).assign(**tag))


def _float_any(s: pd.Series | None) -> bool:
    return s is not None and pd.to_numeric(s, errors="coerce").notna().any()


# ---- text helpers --------------------------------------------------------------------------------
def seed_text(seeds) -> str:
    """``[0, 1, 2, 3, 7]`` -> ``"0–3, 7"``."""
    vals = sorted({int(s) for s in seeds if s is not None and not pd.isna(s)})
    out, i = [], 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[j] + 1:
            j += 1
        out.append(str(vals[i]) if i == j else f"{vals[i]}–{vals[j]}")
        i = j + 1
    return ", ".join(out) or "none"


def runs_text(runs: pd.DataFrame, conditions: list[str] | None = None) -> str:
    """``"8 runs (tiered × seeds 0–3; generalist × seeds 0–3)"``; with swept conditions, the
    number of condition cells per design too."""
    parts = []
    for d in F.designs_in(runs):
        r = runs[runs["design"] == d]
        cells = len(r[conditions].drop_duplicates()) if conditions else 1
        where = f"{cells} condition cells × " if cells > 1 else ""
        parts.append(f"{d} × {where}seeds {seed_text(r['seed'])}")
    return f"{len(runs)} runs ({'; '.join(parts)})"


def fmt(v: float) -> str:
    """A readable number (``compare.num``: no scientific notation)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return num(v)


def fmt_signed(v: float) -> str:
    """A difference or an interval end, with its sign (``compare.num``)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return num(v, True)


def fmt_diff(p) -> str:
    if not math.isfinite(p.diff_mean):
        return "–"
    ci = f" [{num(p.ci_low, True)}, {num(p.ci_high, True)}]" if math.isfinite(p.ci_low) else ""
    return f"{num(p.diff_mean, True)}{ci}"


# ---- comparison tables ---------------------------------------------------------------------------
def design_pairs(runs: pd.DataFrame) -> list[tuple[str, str]]:
    """(baseline, other): tiered is the baseline when present."""
    designs = F.designs_in(runs)
    if len(designs) < 2:
        return []
    base = "tiered" if "tiered" in designs else designs[0]
    return [(base, d) for d in designs if d != base]


def _unique(runs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Runs indexed by ``keys``; runs that share them (a sweep that varies something in one
    design only, or an unfinished one) are averaged, so each pair is one (conditions, seed)."""
    if not runs.duplicated(keys).any():
        return runs.set_index(keys)
    return runs.groupby(keys).mean(numeric_only=True)


def paired_table(runs: pd.DataFrame, base: str, other: str, keys: list[str]) -> pd.DataFrame:
    """One row per KPI: means of both designs and the paired difference ``other - base`` with
    its 95 % Student t-interval, over the (conditions, seed) both designs ran."""
    a = _unique(runs[runs["design"] == base], keys)
    b = _unique(runs[runs["design"] == other], keys)
    common = a.index.intersection(b.index)
    rows = []
    for key, label, unit in TABLE_KPIS:
        if key not in runs:
            continue
        va = pd.to_numeric(a.loc[common, key], errors="coerce")
        vb = pd.to_numeric(b.loc[common, key], errors="coerce")
        if va.isna().all() or vb.isna().all():
            continue
        if ((va - vb).abs().max() == 0) or (va.nunique() <= 1 and vb.nunique() <= 1
                                              and va.iloc[0] == vb.iloc[0]):
            continue  # the same value in both designs (e.g. a mechanism off): nothing to compare
        p = paired_comparison(va.to_numpy(float), vb.to_numpy(float))
        rows.append({"kpi": key, "label": label, "unit": unit, base: p.mean_a, other: p.mean_b,
                     "diff_mean": p.diff_mean, "ci95_low": p.ci_low, "ci95_high": p.ci_high,
                     "pairs": p.seeds, "_p": p})
    return pd.DataFrame(rows)


MAX_CELL_ROWS = 100  # a larger regime sweep: the per-cell table is in the CSV only


def cell_table(runs: pd.DataFrame, base: str, other: str, conditions: list[str],
               kpi: str = HEADLINE) -> pd.DataFrame:
    """One row per cell of the swept conditions: both designs' mean ``kpi`` and the paired
    difference ``other - base`` over the seeds the cell shares, with its 95 % interval."""
    a = runs[runs["design"] == base][[*conditions, "seed", kpi]]
    b = runs[runs["design"] == other][[*conditions, "seed", kpi]]
    m = a.merge(b, on=[*conditions, "seed"], suffixes=("_a", "_b"))
    rows = []
    for cell, g in m.groupby(conditions, sort=True):
        cell = cell if isinstance(cell, tuple) else (cell,)
        p = paired_comparison(g[f"{kpi}_a"].to_numpy(float), g[f"{kpi}_b"].to_numpy(float))
        rows.append({**dict(zip(conditions, cell, strict=True)), base: p.mean_a,
                     other: p.mean_b, "diff_mean": p.diff_mean, "ci95_low": p.ci_low,
                     "ci95_high": p.ci_high, "pairs": p.seeds, "_p": p})
    return pd.DataFrame(rows)


def cell_markdown(tabs: dict[str, pd.DataFrame], base: str, other: str,
                  conditions: list[str]) -> str:
    """The cell tables of several KPIs side by side (``tabs``: column-group label -> the
    :func:`cell_table` of one KPI, all over the same cells)."""
    head = " | ".join(f"`{c}`" for c in conditions)
    groups = " | ".join(f"{lab}: {base} | {lab}: {other} | {lab}: {other} − {base} [95 % CI]"
                        for lab in tabs)
    lines = [f"| {head} | {groups} | pairs |",
             "|" + "---|" * len(conditions) + "---:|---:|---:|" * len(tabs) + "---:|"]
    first = next(iter(tabs.values()))
    rest = [t.set_index(conditions) for t in list(tabs.values())[1:]]
    for r in first.head(MAX_CELL_ROWS).to_dict("records"):
        cells = " | ".join(F._fmt(r[c]) for c in conditions)
        key = tuple(r[c] for c in conditions)
        key = key[0] if len(key) == 1 else key
        rows = [r] + [t.loc[key].to_dict() if key in t.index else None for t in rest]
        vals = " | ".join(f"{fmt(x[base])} | {fmt(x[other])} | {fmt_diff(x['_p'])}" if x
                          else "– | – | –" for x in rows)
        lines.append(f"| {cells} | {vals} | {r['pairs']} |")
    if len(first) > MAX_CELL_ROWS:
        lines.append(f"\n({len(first) - MAX_CELL_ROWS} more cells in the CSV.)")
    return "\n".join(lines)


def table_markdown(tab: pd.DataFrame, base: str, other: str) -> str:
    lines = [f"| KPI | unit | {base} | {other} | {other} − {base} [95 % CI] | pairs |",
             "|---|---|---:|---:|---:|---:|"]
    for r in tab.to_dict("records"):
        lines.append(f"| {r['label']} | {r['unit']} | {fmt(r[base])} | {fmt(r[other])} | "
                     f"{fmt_diff(r['_p'])} | {r['pairs']} |")
    return "\n".join(lines)


# ---- figures -------------------------------------------------------------------------------------
@dataclass
class FigureSpec:
    name: str
    title: str
    build: Callable[[Sweep], tuple[Figure, str]]


def _table(sw: Sweep, name: str, what: str) -> pd.DataFrame:
    t = sw.tables.get(name)
    if t is None or t.empty:
        raise F.MissingData(f"{what}: the runs have no {name} data")
    return t


def _period(sw: Sweep) -> str:
    return "week" if F.period_days(sw.horizon_day) == 7 else "4-week period"


def _warm_text(sw: Sweep) -> str:
    return (f"Grey: the warm-up (days 0–{sw.warmup_day}), excluded from every summary KPI. "
            if sw.warmup_day else "")


def build_kpis(sw: Sweep):
    series = _table(sw, "series", "KPIs over time")
    fig = F.fig_kpis_over_time(series, sw.tables.get("weekly"), sw.warmup_day)
    stall_h = sw.runs.get("sim.stalled_after_working_hours", pd.Series([None])).iloc[0]
    per = _period(sw)
    cap = (f"Flow KPIs {per} by {per}, by design: line = median across runs, band = "
           f"{F.band_caption(F.runs_per_design(series))}. (a) Mean creation-to-close time of the tickets closed that "
           f"{per}, reopen time included; (b) open tickets (queued, in work or waiting for the "
           f"customer), mean of the end-of-day count; (c) times the customer described the "
           f"problem, per resolved ticket, by creation {per}; (d) share of tickets created that "
           f"{per} that queued more than {fmt(stall_h)} working hours in total (the last "
           f"{per}s are biased low: their tickets had less time to stall). {_warm_text(sw)}")
    return fig, cap


def build_flows(sw: Sweep):
    staff = _table(sw, "staff", "talent flows")
    fig = F.fig_talent_flows(staff, sw.tables.get("series"), sw.horizon_day, sw.warmup_day)
    unit = "year" if (sw.horizon_day - sw.warmup_day) // F.DAYS_PER_QUARTER > 12 else "quarter"
    cap = (f"Headcount flows per full {unit} after the warm-up (a last part-{unit} is left "
           "out), mean per run: hires, promotions (L1 to L2 in the tiered design, senior and "
           "lead steps for generalists) and exits stacked by reason (regretted: a leaver at or "
           "above the median proficiency of the staff). ")
    return fig, cap


def build_survival(sw: Sweep):
    staff = _table(sw, "staff", "staff survival")
    fig = F.fig_staff_survival(staff, sw.horizon_day)
    rep = F.replication(staff)
    counts = F.survival_counts(staff)
    per = "; ".join(
        f"{d}: " + ", ".join(f"{F.ROLE_LABELS.get(r.role, r.role)} {r.exits / rep:.0f}/"
                             f"{r.people / rep:.0f}"
                             for r in counts[counts["design"] == d].itertuples())
        for d in F.designs_in(counts))
    cap = ("Staff survival by role (Kaplan–Meier, pooled over runs, role at exit or at the "
           "horizon): the share of people still employed by tenure. People already employed at "
           "day 0 enter the risk set at their tenure then (left truncation); everyone still "
           f"employed at day {sw.horizon_day} is censored. A curve stops where fewer than "
           f"{F.MIN_AT_RISK} distinct people remain at risk. Shaded: Greenwood 95 % interval "
           f"(log–log) for roles with at least {F.MIN_EXITS_BAND} exits; dashed: fewer exits, no "
           f"interval. Exits/people: {per}. ")
    if rep > 1:
        cap += (f"Runs of one seed under different conditions start with the same people: each "
                f"person appears {rep:.3g} times on average, so counts are divided and the "
                "interval's variance multiplied by that factor. ")
    return fig, cap


def build_proficiency(sw: Sweep):
    series = _table(sw, "series", "proficiency")
    fig = F.fig_proficiency(series, sw.warmup_day)
    per = _period(sw)
    cap = (f"Proficiency of the active staff (0–1, the mean over the domains a person works) "
           f"{per} by {per}: band = 10th–90th percentile across staff, lines = mean by role; "
           f"each the median across runs. {_warm_text(sw)}")
    return fig, cap


def build_customers(sw: Sweep):
    fig = F.fig_customers(sw.tables.get("retention"), sw.tables.get("series"), sw.warmup_day)
    cap = ("Customers, by design: line = median across runs, band = "
           f"{F.band_caption(F.runs_per_design(sw.runs))}. Retention and retained MRR follow the warm-up cohort (customers at the end of the "
           "warm-up; new customers are not counted), MRR at its warm-up value; named requests "
           "are tickets in which the customer asked for a person by name, per week. ")
    return fig, cap


def build_escalation(sw: Sweep):
    handoffs = _table(sw, "handoffs", "escalation tax")
    calib = load_yaml(BPIC_YAML) if BPIC_YAML.is_file() else BPIC_FALLBACK
    fig = F.fig_escalation_tax(handoffs, F.bpic_table(calib))
    cap = ("The escalation tax. (a) Share of resolved tickets (created after the warm-up) by "
           "number of hand-offs; (b) their median resolution time in days (log scale; point = "
           "median across runs, bar = range across runs; bins with fewer than "
           f"{F.MIN_BIN_TICKETS} tickets in a run are left out, and a design's line joins the "
           "bins it has). Open squares, dashed: the BPI "
           "Challenge 2013 incident log (Volvo IT, 7,554 incidents; a hand-off is a change of "
           "support team). BPIC's hand-offs and delays are confounded by complexity and its "
           "long tickets are censored: a target shape, not a causal effect. ")
    return fig, cap


def build_costs(sw: Sweep):
    fig = F.fig_costs(sw.runs)
    cap = ("Costs by design, post warm-up. (a) The headline: total cost per customer-year, "
           "support cost (loaded salaries plus hiring) plus the revenue lost with the customers "
           "who left (their MRR over the customer lifetime, discounted), per customer-year of "
           "the measured window; (b) support cost per problem solved (a close never reopened) or "
           "prevented (a ticket that fixes, snippets or workflows took away); (c) cost per head "
           "and year; (d) the old ticket-denominated cost per good outcome ((support cost + "
           "churned revenue) / good closes), shown for comparison only: it counts prevented "
           "tickets against the design that prevents them and grows with the horizon, so it is "
           "no verdict. Dots: runs; diamond and bar: mean across runs and its 95 % Student "
           "t-interval (no bar for a single run). ")
    return fig, cap


def build_regime(sw: Sweep):
    fig = F.fig_regime_maps(sw.of({"tiered", "generalist"}), sw.conditions,
                            shown=MAX_MAP_CONDITIONS)
    cap = ("The regime map on the headline, (a) total cost per customer-year (support cost plus "
           "lost revenue, `total_cost_per_customer_year`), beside (b) support cost per problem "
           "solved or prevented (`support_cost_per_problem`); lower is better in both. For each "
           "pair of swept conditions: generalist − tiered as a percentage of the tiered value "
           "(paired on seed and on the conditions not shown, then averaged over them). The "
           "colour runs towards the design that does better (each panel has its own scale). "
           "Each cell names the winner in bold when the 95 % Student t-interval of the paired "
           "difference excludes zero, else 'tie'. ")
    if len(sw.conditions) > MAX_MAP_CONDITIONS:
        cap += f"Conditions beyond the first {MAX_MAP_CONDITIONS} are averaged over. "
    return fig, cap


REGIME_KPIS = {  # figure name -> (summary KPI, label, lower is better)
    "regime_map_loyalty": ("retained_mrr_share", "retained MRR share", False),
    "regime_map_resolution": ("median_resolution_h", "median resolution time", True),
}


def _build_regime(name: str):
    kpi, label, lower = REGIME_KPIS[name]

    def build(sw: Sweep):
        fig = F.fig_regime_map(sw.of({"tiered", "generalist"}), sw.conditions, kpi=kpi,
                               kpi_label=label, lower_is_better=lower, shown=MAX_MAP_CONDITIONS)
        better = "lower" if lower else "higher"
        cap = (f"The regime map on {label} (`{kpi}`, {better} is better): for each pair of "
               f"swept conditions, generalist − tiered {label} as a percentage of the tiered "
               "value (paired on seed and on the conditions not shown, then averaged over "
               "them). The colour runs towards the design that does better. Each cell names the "
               "winner in bold when the 95 % Student t-interval of the paired difference "
               "excludes zero, else 'tie'. ")
        if len(sw.conditions) > MAX_MAP_CONDITIONS:
            cap += f"Conditions beyond the first {MAX_MAP_CONDITIONS} are averaged over. "
        return fig, cap
    return build


def build_pilot(sw: Sweep):
    pilot = _table(sw, "pilot", "pilot (needs org=pilot runs)")
    runs = sw.of({"pilot"})
    per = _period(sw)
    start = float(runs.get("org.pilot.start_day", pd.Series([math.nan])).iloc[0])
    days = float(runs.get("org.pilot.duration_days", pd.Series([math.nan])).iloc[0])
    if not math.isfinite(start):
        raise F.MissingData("pilot: the runs' config.yaml has no org.pilot.start_day")
    fig = F.fig_pilot(pilot, start, start + days, sw.warmup_day)
    cap = ("The pilot: tickets of the treated segment (owned by a pod of generalists during the "
           f"pilot, days {start:g}–{start + days:g}, shaded) and of the matched control segment "
           f"(tiered throughout), by creation {per}. Top: median across runs and, as the band, "
           f"the {F.band_caption(len(runs))}; bottom: treated − control within each run, mean "
           "across runs and its 95 % Student t-interval. ")
    return fig, cap


FIGURES = [
    FigureSpec("kpis_over_time", "KPIs over time", build_kpis),
    FigureSpec("talent_flows", "Talent: headcount flows", build_flows),
    FigureSpec("staff_survival", "Talent: staff survival", build_survival),
    FigureSpec("proficiency", "Talent: proficiency", build_proficiency),
    FigureSpec("customers", "Customers", build_customers),
    FigureSpec("escalation_tax", "The escalation tax", build_escalation),
    FigureSpec("costs", "Costs: per customer-year, per problem, per head", build_costs),
    FigureSpec("regime_map", "The regime map: total cost per customer-year and support cost "
               "per problem", build_regime),
    FigureSpec("regime_map_loyalty", "The regime map: loyalty (retained MRR)",
               _build_regime("regime_map_loyalty")),
    FigureSpec("regime_map_resolution", "The regime map: resolution time",
               _build_regime("regime_map_resolution")),
    FigureSpec("pilot", "The pilot", build_pilot),
]


def _runs_for(spec: FigureSpec, sw: Sweep) -> pd.DataFrame:
    if spec.name == "pilot":
        return sw.of({"pilot"})
    if spec.name.startswith("regime_map"):
        return sw.of({"tiered", "generalist"})
    return sw.runs


@dataclass
class Produced:
    spec: FigureSpec
    number: int | None = None
    caption: str = ""
    files: list[Path] = field(default_factory=list)
    skipped: str = ""


def make_figures(sw: Sweep, out_dir: Path, log=say) -> list[Produced]:
    """Build and save every figure the sweep has data for; skipped ones carry the reason."""
    meta = {"Source": str(sw.path), "Runs": str(len(sw.runs)),
            "Revision": ", ".join(sorted({p.get("git_revision", "unknown")
                                          for p in sw.provenance})),
            "tiersim": ", ".join(sorted({str(v) for v in sw.runs.get("version", ["?"])}))}
    out, number = [], 0
    for spec in FIGURES:
        item = Produced(spec)
        try:
            fig, caption = spec.build(sw)
        except F.MissingData as err:
            item.skipped = str(err)
            log(f"skipped figure {spec.name}: {err}")
            out.append(item)
            continue
        number += 1
        item.number = number
        if sw.conditions and not spec.name.startswith("regime_map"):
            caption += ("Runs are pooled over the swept conditions ("
                        + ", ".join(f"`{c}`" for c in sw.conditions)
                        + "): spreads and intervals include the conditions' effect. ")
        item.caption = caption + f"Runs: {runs_text(_runs_for(spec, sw), sw.conditions)}."
        item.files = F.save_figure(fig, out_dir / spec.name, {**meta, "Title": spec.title})
        log(f"figure {number}: {spec.name} -> {out_dir / spec.name}.{{pdf,svg,png}}")
        out.append(item)
    return out


# ---- the write-up --------------------------------------------------------------------------------
def comparison_section(sw: Sweep) -> list[str]:
    pairs = design_pairs(sw.runs)
    if not pairs:
        return ["## Comparison", "", "Only one design in this sweep: no paired comparison.", ""]
    keys = [*sw.conditions, "seed"]
    lines = ["## Comparison of designs", "",
             "Means over the runs both designs share (same seed"
             + (f" and same {', '.join(sw.conditions)}" if sw.conditions else "")
             + "), and the mean paired difference with its 95 % Student t-interval "
             "(`experiments/stats.py`). Post-warm-up KPIs from each run's `summary.json`; KPIs "
             "with the same neutral value in both designs are left out.", ""]
    for base, other in pairs:
        tab = paired_table(sw.runs, base, other, keys)
        lines += [f"### {other} vs {base}", ""]
        lines += headline_sentence(tab, base, other)
        lines += [table_markdown(tab, base, other) if len(tab) else "No KPI to compare.", ""]
        tab.drop(columns="_p", errors="ignore").to_csv(
            sw.path / f"report_{other}_vs_{base}.csv", index=False)
        shown = {k: lab for k, lab in CELL_KPIS.items() if k in sw.runs}
        if sw.conditions and shown:
            tabs = {lab: cell_table(sw.runs, base, other, sw.conditions, k)
                    for k, lab in shown.items()}
            lines += [f"#### Total cost per customer-year and support cost per problem by "
                      f"condition cell, {other} vs {base}", "",
                      "Paired over the seeds each cell shares; lower is better in both.", "",
                      cell_markdown(tabs, base, other, sw.conditions), ""]
            pd.concat([t.drop(columns="_p").assign(kpi=k) for k, t in
                       zip(shown, tabs.values(), strict=True)], ignore_index=True).to_csv(
                sw.path / f"report_{other}_vs_{base}_cells.csv", index=False)
    return lines


CELL_KPIS = {  # the per-cell table's KPIs, side by side: the headline and the support cost per problem
    HEADLINE: "total cost $/cust-yr",
    SIDE_KPI: "support cost $/problem",
}


def headline_sentence(tab: pd.DataFrame, base: str, other: str) -> list[str]:
    """The verdict on the headline (total cost per customer-year, lower is better), with the
    support cost per problem beside it; a design wins only when the 95 % interval of the paired
    difference excludes zero."""
    rows = {r["kpi"]: r for r in tab.to_dict("records")} if len(tab) else {}
    if HEADLINE not in rows:
        return []
    out = []
    for key, unit in ((HEADLINE, "$ per customer-year"), (SIDE_KPI, "$ per problem")):
        if key not in rows:
            continue
        r, p = rows[key], rows[key]["_p"]
        if math.isfinite(p.ci_low) and (p.ci_low > 0 or p.ci_high < 0):
            who = f"{other} lower" if p.diff_mean < 0 else f"{base} lower"
        else:
            who = "no clear difference (the 95 % interval includes zero)"
        out.append(f"{r['label'][0].upper()}{r['label'][1:]}: {base} {fmt(r[base])}, {other} "
                   f"{fmt(r[other])} {unit}; {other} − {base} {fmt_diff(p)}: {who}.")
    return ["**Headline** (total cost per customer-year = support cost + lost revenue; lower is "
            "better). " + " ".join(out), ""]


PILOT_KPIS = [  # (suffix of pilot_<arm>_..., label, unit)
    ("mean_resolution_h", "mean resolution", "h"),
    ("explanations_per_ticket", "explanations per ticket", "n"),
    ("handoffs_per_ticket", "hand-offs per ticket", "n"),
    ("stalled_share", "stalled tickets", "share"),
    ("named_request_share", "tickets asking for someone by name", "share"),
    ("honoured_share", "requests by name honoured", "share"),
    ("cost_per_head", "loaded salary per head of those who worked the arm", "$/yr"),
    ("cost_per_outcome", "work cost per good outcome", "$"),
]


def pilot_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Treated vs control within each pilot run (same days, staff and product), paired over
    runs: means, mean difference treated − control and its 95 % Student t-interval."""
    rows = []
    for key, label, unit in PILOT_KPIS:
        a, b = f"pilot_control_{key}", f"pilot_treated_{key}"
        if a not in runs or b not in runs:
            continue
        pair = runs[[a, b]].astype(float).dropna()
        if len(pair) < 2:
            continue
        p = paired_comparison(pair[a], pair[b], rel_precision=PRECISION)
        rows.append({"kpi": label, "key": key, "unit": unit, "runs": p.seeds,
                     "control": p.mean_a, "treated": p.mean_b, "diff": p.diff_mean,
                     "ci_low": p.ci_low, "ci_high": p.ci_high,
                     "seeds_needed": p.seeds_needed})
    return pd.DataFrame(rows)


def pilot_section(sw: Sweep) -> list[str]:
    runs = sw.of({"pilot"})
    if runs.empty:
        return []
    tab = pilot_table(runs)
    if tab.empty:
        why = ("needs at least 2 pilot runs for an interval" if len(runs) < 2 else
               "the pilot runs lack the per-arm KPIs (`pilot_<arm>_*` in `summary.json`)")
        return ["## The pilot", "", f"No treated − control table: {why}.", ""]
    tab.to_csv(sw.path / "report_pilot.csv", index=False)
    lines = ["## The pilot: treated vs matched control", "",
             "Tickets created inside the pilot window, treated arm (owned by the pilot pod) vs "
             "control arm (tiered throughout) of the same segment in the same run; the "
             "difference is paired within each run, its interval a 95 % Student t-interval "
             f"over {len(runs)} runs. Work cost values each hour worked on the arm's tickets at "
             "the worker's loaded salary (idle time is not counted).", "",
             "| KPI | unit | control | treated | treated − control [95 % CI] | seeds for ±5 % |",
             "|---|---|---:|---:|---|---:|"]
    for r in tab.itertuples(index=False):
        need = f"{r.seeds_needed:.0f}" if math.isfinite(r.seeds_needed) else "–"
        lines.append(f"| {r.kpi} | {r.unit} | {fmt(r.control)} | {fmt(r.treated)} | "
                     f"{fmt_signed(r.diff)} [{fmt_signed(r.ci_low)}, {fmt_signed(r.ci_high)}] | "
                     f"{need} |")
    return lines + [""]


def provenance_section(sw: Sweep) -> list[str]:
    runs = sw.runs
    prov = pd.DataFrame(sw.provenance)
    lines = ["## Provenance", "",
             f"- sweep directory: `{sw.path}`",
             f"- {runs_text(runs, sw.conditions)}; horizon {sw.horizon_day} days, warm-up {sw.warmup_day} days",
             f"- conditions varied besides design and seed: "
             f"{', '.join(f'`{c}`' for c in sw.conditions) or 'none'}",
             "- git revision(s): " + ", ".join(
                 f"`{r}`" for r in sorted(prov.get("git_revision", pd.Series(["unknown"]))
                                          .fillna("unknown").unique()))]
    if "versions" in prov:
        combos = Counter(json.dumps(v, sort_keys=True) for v in prov["versions"].dropna())
        for combo, n in combos.items():
            v = json.loads(combo)
            lines.append(f"- package versions ({n} runs): "
                         + ", ".join(f"{k} {v[k]}" for k in sorted(v)))
    lines.append(f"- report written {time.strftime('%Y-%m-%d %H:%M:%S %Z')} by `tiersim-report`")
    lines += ["", "<details><summary>Every run: design, seed, config hash</summary>", "",
              "| run | design | seed | config hash | tiersim |", "|---|---|---:|---|---|"]
    for r in runs.sort_values(["design", "seed", "run"]).to_dict("records"):
        lines.append(f"| `{r['run']}` | {r['design']} | {r['seed']} | `{r.get('config_hash')}` | "
                     f"{r.get('version', '?')} |")
    lines += ["", "</details>", ""]
    return lines


def write_report(sw: Sweep, produced: list[Produced]) -> Path:
    made = [p for p in produced if p.number]
    skipped = [p for p in produced if not p.number]
    lines = [f"# tiersim report: {sw.path.name}", "",
             f"{runs_text(sw.runs, sw.conditions)} read from the saved run tables in `{sw.path}` (the model was "
             f"not rerun). Horizon {sw.horizon_day} days, warm-up {sw.warmup_day} days. Each "
             "figure is in `figures/` as PDF, SVG and PNG.", ""]
    lines += comparison_section(sw)
    lines += pilot_section(sw)
    lines += ["## Figures", ""]
    for p in made:
        rel = f"figures/{p.spec.name}"
        lines += [f"### Figure {p.number}. {p.spec.title}", "",
                  f"![Figure {p.number}: {p.spec.title}]({rel}.png)", "",
                  f"**Figure {p.number}.** {p.caption} "
                  f"Files: [PDF]({rel}.pdf), [SVG]({rel}.svg), [PNG]({rel}.png).", ""]
    if skipped:
        lines += ["### Figures not drawn", ""]
        lines += [f"- **{p.spec.title}** (`{p.spec.name}`): {p.skipped}" for p in skipped]
        lines.append("")
    lines += provenance_section(sw)
    path = sw.path / "report.md"
    tmp = path.with_name(".report.md.tmp")
    tmp.write_text("\n".join(lines))
    tmp.replace(path)
    return path


def report(sweep_dir: Path, log=say) -> tuple[Path, list[Produced]]:
    """Load ``sweep_dir``, write its figures and ``report.md``; return the report's path."""
    t0 = time.perf_counter()
    sw = load_sweep(Path(sweep_dir), log)
    produced = make_figures(sw, sw.path / "figures", log)
    log("writing the comparison tables and report.md")
    path = write_report(sw, produced)
    n = sum(1 for p in produced if p.number)
    log(f"{n} figures, {len(produced) - n} skipped; report: {path} "
        f"({time.perf_counter() - t0:.0f} s)")
    return path, produced


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="tiersim-report", description=__doc__.split("\n\n")[0])
    ap.add_argument("sweep_dir", type=Path,
                    help="a sweep directory (outputs/sweeps/<experiment>, outputs/compare, ...)")
    args = ap.parse_args(argv)
    try:
        report(args.sweep_dir)
    except ReportError as err:
        print(f"tiersim-report: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
