"""The main job: tiered vs generalist on the same seeds (common random numbers).

``python -m experiments.compare [--seeds N] [--jobs J] [--out DIR] [hydra overrides ...]``
composes the project config (``conf/``) once per design and seed (with ``org.staffing=sized``:
both designs staffed to the same target occupancy; ``org.staffing=fixed`` among the overrides
keeps the configured headcounts), runs every pair in parallel,
writes each run directory (docs/design.md section 10) under ``outputs/compare/``, a tidy table of all
runs (``runs.parquet``, ``runs.csv``), the paired comparison (``comparison.csv``,
``comparison.md``) and utilisation by role and year (``utilisation.csv``, also in
``comparison.md``), and prints both. The comparison leads with the outcome accounting
(``model/metrics.py`` ``outcome_kpis``): the total cost per customer-year (the headline), support
cost and lost revenue per customer-year, net contribution, support cost per problem; then the
flow KPIs and, last, the old ticket-denominated cost figures. Differences are generalist - tiered per seed;
the interval is a 95 % percentile-bootstrap interval over seeds of the paired differences
(10,000 resamples, seeded: ``experiments/stats.py``), and ``seeds_needed`` is the number of seeds
for an interval of ±``--precision`` (default 5 %) of the tiered mean, from the paired SD.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from functools import partial
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from experiments.cli import ROOT, check_overrides, fail
from experiments.stats import N_RESAMPLES, paired_comparison
from experiments.study import compose, paired_runs, run_study
from model.config import Config, ConfigError
from model.simulate import simulate, write_run

DESIGNS = ("tiered", "generalist")
ROLE_ORDER = ("l1", "l2", "generalist", "specialist", "engineer")
HEADLINE_KPIS = [  # (summary key, label, unit): the outcome accounting, the headline first
    ("total_cost_per_customer_year", "total cost (headline)", "$/cust-yr"),
    ("support_cost_per_customer_year", "support cost", "$/cust-yr"),
    ("lost_revenue_per_customer_year", "lost revenue", "$/cust-yr"),
    ("net_contribution_per_customer_year", "net contribution", "$/cust-yr"),
    ("support_cost_per_problem", "support cost per problem", "$/problem"),
]
FLOW_KPIS = [
    ("mean_wait_h", "wait for first touch", "h"),
    ("median_resolution_h", "median resolution", "h"),
    ("mean_resolution_h", "mean resolution", "h"),
    ("p90_resolution_h", "p90 resolution", "h"),
    ("fcr_share", "first-contact resolution", "share"),
    ("handoffs_per_ticket", "hand-offs per ticket", "n"),
    ("explanations_per_ticket", "explanations per ticket", "n"),
    ("contacts_per_ticket", "contacts per ticket", "n"),
    ("stalled_share", "stalled tickets", "share"),
    ("pingpong_share", "ping-pong tickets", "share"),
    ("reopen_share", "reopened tickets", "share"),
    ("staff_hours_per_ticket", "staff hours per ticket", "h"),
]
# secondary money columns; cost_per_outcome is the old ticket-denominated figure: it counts
# prevented tickets against the design that prevents them and grows with the horizon (no verdict)
OLD_COST_KPIS = [
    ("cost_per_head", "cost per head", "$/yr"),
    ("cost_per_resolved_ticket", "cost per resolved ticket", "$"),
    ("cost_per_outcome", "old cost per outcome", "$/ticket"),
]
KPIS = [*HEADLINE_KPIS, *FLOW_KPIS, *OLD_COST_KPIS]
DEFAULT_OVERRIDES = ["org.staffing=sized"]  # a later override (e.g. org.staffing=fixed) wins
PRECISION = 0.05  # seeds_needed: interval half-width as a share of the tiered mean
HEADLINE_NOTE = (
    "The headline is the total cost per customer-year: support cost (salaries and hiring) plus "
    "the revenue lost with customers who left (their MRR over the customer lifetime, "
    "discounted), per customer-year of the measured window (`model/metrics.py`, "
    "`outcome_kpis`); lower is better. Support cost per problem divides the support cost by "
    "the problems solved (good closes) or prevented. \"old cost per outcome\" is the "
    "old `cost_per_outcome` ((support cost + churned revenue) / good closes): it counts "
    "prevented tickets against the design that prevents them and grows with the horizon, so "
    "it is no verdict.")


def run_pair_member(config: Config, key: dict, out: str) -> dict:
    """One run, written to ``OUT/DESIGN_seedSEED`` (a run directory); returns its summary."""
    _, summary, tables = simulate(config)
    run_dir = Path(out) / f"{key['design']}_seed{key['seed']}"
    write_run(run_dir, summary, tables, OmegaConf.to_yaml(OmegaConf.structured(config)))
    return summary


def paired_table(runs: pd.DataFrame, precision: float = PRECISION,
                 n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    rows = []
    wide = runs.pivot(index="seed", columns="design")
    for key, label, unit in KPIS:
        if key not in runs:
            continue
        a, b = wide[key]["tiered"].astype(float), wide[key]["generalist"].astype(float)
        p = paired_comparison(a, b, rel_precision=precision, n_resamples=n_resamples)
        rows.append({"kpi": key, "label": label, "unit": unit, "tiered": float(a.median()),
                     "generalist": float(b.median()), "diff_mean": p.diff_mean,
                     "ci95_low": p.ci_low, "ci95_high": p.ci_high, "seeds": p.seeds,
                     "seeds_needed": p.seeds_needed})
    return pd.DataFrame(rows)


def num(v: float, sign: bool = False) -> str:
    """A readable number, never in scientific notation: thousands separated and no decimals
    from 100 on, 3 significant digits below."""
    if v is None or pd.isna(v):
        return "-"
    s = "+" if sign else ""
    a = abs(v)
    if a >= 100:
        return f"{v:{s},.0f}"
    if a >= 10:
        return f"{v:{s}.1f}"
    if a >= 1:
        return f"{v:{s}.2f}"
    return f"{v:{s}.3f}" if a >= 0.001 or a == 0 else f"{v:{s}.5f}"


def format_table(tab: pd.DataFrame, precision: float = PRECISION) -> str:
    head = (f"{'KPI':<28}{'unit':>10}{'tiered':>11}{'generalist':>11}   "
            f"{'generalist - tiered (95% CI)':<34}{'seeds for ±' + format(precision, '.0%'):>15}")
    lines = [head, "-" * len(head)]
    groups = {k for k, _, _ in HEADLINE_KPIS}, {k for k, _, _ in FLOW_KPIS}
    last = None
    for r in tab.itertuples():
        group = next((i for i, g in enumerate(groups) if r.kpi in g), len(groups))
        if last is not None and group != last:
            lines.append("")
        last = group
        needed = "-" if pd.isna(r.seeds_needed) else f"{r.seeds_needed:.0f}"
        diff = (f"{num(r.diff_mean, True)} [{num(r.ci95_low, True)}, "
                f"{num(r.ci95_high, True)}]")
        lines.append(f"{r.label:<28}{r.unit:>10}{num(r.tiered):>11}{num(r.generalist):>11}   "
                     f"{diff:<34}{needed:>15}")
    return "\n".join(lines)


def utilisation_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Utilisation (share of paid shift hours spent working tickets) by role, over the measured
    window and by year of it (``utilisation_<role>`` and ``utilisation_<role>_y<k>``): the
    median over seeds of each design (NaN where the design has no such role)."""
    rows = []
    for role in ROLE_ORDER:
        cols = sorted((c for c in runs.columns if c == f"utilisation_{role}"
                       or re.fullmatch(rf"utilisation_{role}_y\d+", c)),
                      key=lambda c: (c != f"utilisation_{role}", int(c.rsplit("_y", 1)[1])
                                     if "_y" in c else 0))
        for col in cols:
            period = "window" if col == f"utilisation_{role}" else f"year {col.rsplit('_y', 1)[1]}"
            row = {"role": role, "period": period}
            for d in DESIGNS:
                v = pd.to_numeric(runs.loc[runs["design"] == d, col], errors="coerce")
                row[d] = float(v.median()) if v.notna().any() else float("nan")
            if any(pd.notna(row[d]) for d in DESIGNS):
                rows.append(row)
    return pd.DataFrame(rows, columns=["role", "period", *DESIGNS])


def format_utilisation(tab: pd.DataFrame) -> str:
    head = f"{'role':<12}{'period':<10}" + "".join(f"{d:>12}" for d in DESIGNS)
    lines = [head, "-" * len(head)]
    for r in tab.to_dict("records"):
        cells = "".join(f"{'-' if pd.isna(r[d]) else format(r[d], '.1%'):>12}" for d in DESIGNS)
        lines.append(f"{r['role']:<12}{r['period']:<10}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=4, help="paired seeds 0..N-1 (default 4)")
    ap.add_argument("--jobs", type=int, default=-1, help="parallel workers (-1 = all cores)")
    ap.add_argument("--out", default=str(ROOT / "outputs" / "compare"), help="output directory")
    ap.add_argument("--precision", type=float, default=PRECISION,
                    help="seeds_needed: CI half-width as a share of the tiered mean (default 0.05)")
    ap.add_argument("--resamples", type=int, default=N_RESAMPLES,
                    help=f"bootstrap resamples (default {N_RESAMPLES})")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. sim.horizon_days=730")
    args = ap.parse_args(argv)
    # both designs staffed to the same target occupancy unless the user says otherwise
    args.overrides = [*DEFAULT_OVERRIDES, *args.overrides]
    check_overrides(args.overrides)  # keys, types, ranges, group choices: exit 2, one line each
    try:  # a bad override fails here, once, before any run starts
        for d in DESIGNS:
            compose([f"org={d}", "seed=0", *args.overrides])
    except (ConfigError, ValueError) as err:
        fail(err)
    except Exception as err:  # Hydra's override errors
        fail(err)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # the runs never print their own day counter (sim.progress=false): the runner shows progress
    jobs = paired_runs(DESIGNS, range(args.seeds), [*args.overrides, "sim.progress=false"])
    print(f"tiersim compare: {len(jobs)} runs ({', '.join(DESIGNS)} x seeds 0..{args.seeds - 1})"
          f" -> {out}", file=sys.stderr)
    t0 = time.perf_counter()
    summaries = run_study(jobs, partial(run_pair_member, out=str(out)), jobs=args.jobs,
                          label="tiersim compare")
    runs = pd.DataFrame(summaries)
    runs.to_parquet(out / "runs.parquet", index=False)
    runs.to_csv(out / "runs.csv", index=False)
    tab = paired_table(runs, args.precision, args.resamples)
    tab.to_csv(out / "comparison.csv", index=False)
    text = format_table(tab, args.precision)
    util = utilisation_table(runs)
    util.to_csv(out / "utilisation.csv", index=False)
    util_text = format_utilisation(util)
    horizon = runs.get("tickets_created", pd.Series([0])).median()
    (out / "comparison.md").write_text(
        "# tiered vs generalist (paired seeds)\n\n"
        f"{HEADLINE_NOTE}\n\n```\n{text}\n```\n\n"
        "## Utilisation by role (median over seeds)\n\n"
        "Share of paid shift hours spent working tickets, over the measured window and by year "
        f"of it.\n\n```\n{util_text}\n```\n")
    print(f"\n{text}\n\nutilisation by role (median over seeds):\n{util_text}\n\n"
          f"median tickets per run (post warm-up): {horizon:.0f}; "
          f"{len(jobs)} runs in {time.perf_counter() - t0:.0f} s; outputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
