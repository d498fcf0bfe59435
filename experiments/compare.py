"""The main job: tiered vs generalist on the same seeds (common random numbers).

``python -m experiments.compare [--seeds N] [--jobs J] [--out DIR] [--precision P]
[--interval t|bootstrap] [hydra overrides ...]`` composes the project config (``conf/``) once
per design and seed (with ``org.staffing=sized``: both designs staffed to the same target
occupancy; ``org.staffing=fixed`` among the overrides keeps the configured headcounts), runs
every pair in parallel, writes each run directory (docs/design.md section 10) under
``outputs/compare/``, a tidy table of all runs (``runs.parquet``, ``runs.csv``), the paired
comparison (``comparison.csv``, ``comparison.md``) and utilisation by role and year
(``utilisation.csv``, also in ``comparison.md``), and prints both, ending with the verdict.

The comparison leads with the outcome accounting (``model/metrics.py`` ``outcome_kpis``): the
total cost per customer-year (the headline), support cost and lost revenue per customer-year,
net contribution, support cost per problem; then the flow KPIs and, last, the old
ticket-denominated cost figures. The design columns are means over seeds, the difference is the
mean of the per-seed differences generalist - tiered with its 95 % Student t-interval
(``experiments/stats.py``; ``--interval bootstrap`` gives a percentile bootstrap instead, with a
warning below 10 seeds). ``seeds_needed`` is the number of seeds for a t-interval of
±``--precision`` (default 5 %) of the tiered mean, from the paired SD.

The verdict (:func:`verdict_lines`) says in words, per headline KPI, which design is ahead, by
how much and whether the interval excludes zero; then the setting (horizon, staffing,
headcounts at the start and the end, seeds) and where to read on (``docs/results.md``, the
experiments). With one seed there is no interval ("n/a (1 seed)"); seeds fewer than a KPI's
``seeds_needed`` give a warning line.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from experiments.cli import ROOT, check_overrides, fail
from experiments.stats import METHODS, N_RESAMPLES, interval_warning, paired_comparison
from experiments.study import compose, paired_runs, run_study
from experiments.tables import num
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
    ("engineering_return_share", "back from engineering", "share"),
    ("reopen_share", "reopened tickets", "share"),
    ("unresolved_closes_share", "near-miss closes", "share"),
    ("backups_per_ticket", "backup pieces per ticket", "n"),
    ("staff_hours_per_ticket", "staff hours per ticket", "h"),
    ("reused_solutions", "shared answers reused", "n"),
    ("proactive_contacts", "customers reached first", "n"),
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


HIGHER_IS_BETTER = {"net_contribution_per_customer_year", "fcr_share"}  # the rest: lower
# the verdict in words: the outcome accounting and the resolution time
VERDICT_KPIS = [*(k for k, _, _ in HEADLINE_KPIS), "median_resolution_h"]
UNIT_WORDS = {"$/cust-yr": "$ per customer-year", "$/problem": "$ per problem", "h": "h",
              "share": "", "n": "", "$/yr": "$ a year", "$": "$", "$/ticket": "$ per ticket"}
ONE_SEED = "n/a (1 seed)"
READ_ON = (
    "Read on: `docs/results.md` (the last full runs of this job and of the experiments, with the "
    "reasons behind the numbers). The experiments ask more than this one setting can: "
    "`tiersim -m experiment=regime_map` (when each design wins: product, problem correlation, "
    "L1 pay, relationships), `experiment=talent_drain` (five years of people and skill), "
    "`experiment=escalation_tax` (what a hand-off costs), `experiment=pilot_quarter` (the "
    "founding pilot); README, \"What each command answers\".")


def paired_table(runs: pd.DataFrame, precision: float = PRECISION,
                 n_resamples: int = N_RESAMPLES, method: str = "t",
                 kpis: Sequence[tuple[str, str, str]] = KPIS) -> pd.DataFrame:
    """One row per KPI of ``kpis`` (summary key, label, unit) the runs have: each design's mean
    over seeds, the mean paired difference generalist - tiered with its 95 % interval
    (``method``: ``t`` or ``bootstrap``; NaN with one seed) and the seeds needed for
    ±``precision`` of the tiered mean. ``interval`` names the interval (``ONE_SEED`` when there
    is none)."""
    rows = []
    wide = runs.pivot(index="seed", columns="design")
    for key, label, unit in kpis:
        if key not in runs:
            continue
        a, b = wide[key]["tiered"].astype(float), wide[key]["generalist"].astype(float)
        p = paired_comparison(a, b, rel_precision=precision, n_resamples=n_resamples,
                              method=method)
        rows.append({"kpi": key, "label": label, "unit": unit, "tiered": p.mean_a,
                     "generalist": p.mean_b, "diff_mean": p.diff_mean,
                     "ci95_low": p.ci_low, "ci95_high": p.ci_high, "seeds": p.seeds,
                     "seeds_needed": p.seeds_needed,
                     "interval": method if p.seeds > 1 else ONE_SEED})
    return pd.DataFrame(rows)


def interval_text(r) -> str:
    """``[low, high]`` of a table row, or ``n/a (1 seed)``."""
    if r.seeds < 2 or pd.isna(r.ci95_low):
        return ONE_SEED
    return f"[{num(r.ci95_low, True)}, {num(r.ci95_high, True)}]"


def method_name(method: str) -> str:
    return "t-interval" if method == "t" else "percentile bootstrap"


def format_table(tab: pd.DataFrame, precision: float = PRECISION, method: str = "t") -> str:
    diff_head = f"generalist - tiered, mean [95% {method_name(method)}]"
    head = (f"{'KPI':<28}{'unit':>10}{'tiered':>11}{'generalist':>11}   "
            f"{diff_head:<44}{'seeds for ±' + format(precision, '.0%'):>15}")
    lines = ["means over seeds; the difference is the mean of the per-seed differences", head,
             "-" * len(head)]
    groups = {k for k, _, _ in HEADLINE_KPIS}, {k for k, _, _ in FLOW_KPIS}
    last = None
    for r in tab.itertuples():
        group = next((i for i, g in enumerate(groups) if r.kpi in g), len(groups))
        if last is not None and group != last:
            lines.append("")
        last = group
        needed = "-" if pd.isna(r.seeds_needed) else f"{r.seeds_needed:,.0f}"
        diff = f"{num(r.diff_mean, True)} {interval_text(r)}"
        lines.append(f"{r.label:<28}{r.unit:>10}{num(r.tiered):>11}{num(r.generalist):>11}   "
                     f"{diff:<44}{needed:>15}")
    return "\n".join(lines)


def verdict_line(r, method: str = "t") -> str:
    """One KPI in words: who is ahead, by how much, and whether the interval excludes zero.

    The signed difference and the interval are printed exactly as in the table; a design is
    called ahead only when the 95 % interval excludes zero."""
    unit = UNIT_WORDS.get(r.unit, r.unit)
    unit = f" {unit}" if unit else ""
    name = r.label.replace(" (headline)", "")
    if pd.isna(r.diff_mean):
        return f"- {name}: no paired value (the KPI is missing in a run)."
    better = "generalist" if (r.diff_mean > 0) == (r.kpi in HIGHER_IS_BETTER) else "tiered"
    rel = (f" ({100 * r.diff_mean / abs(r.tiered):+.1f} % of tiered's {num(r.tiered)})"
           if r.tiered and pd.notna(r.tiered) else "")
    diff = f"generalist - tiered {num(r.diff_mean, True)}{unit}{rel}"
    if r.diff_mean == 0:
        return f"- {name}: no difference ({diff})."
    way = "higher" if r.diff_mean > 0 else "lower"
    if r.seeds < 2 or pd.isna(r.ci95_low):
        return (f"- {name}: generalist {way} on the one seed run, {diff}; interval "
                f"{ONE_SEED}: no verdict.")
    excludes = r.ci95_low > 0 or r.ci95_high < 0
    ci = f"95 % {method_name(method)} {interval_text(r)}"
    if excludes:
        return f"- {name}: **{better} ahead**: {diff}; the {ci} excludes zero."
    return (f"- {name}: no clear winner ({better} ahead on average): {diff}; the {ci} "
            "includes zero.")


def verdict_lines(tab: pd.DataFrame, method: str = "t") -> list[str]:
    """The verdict in words for each of ``VERDICT_KPIS`` the table has."""
    rows = {r.kpi: r for r in tab.itertuples()}
    return [verdict_line(rows[k], method) for k in VERDICT_KPIS if k in rows]


def _count(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def headcount_text(runs: pd.DataFrame, design: str, prefix: str) -> str:
    """``28 (L1 9, L2 11, engineer 6, specialist 2)``: the mean over seeds of the headcount
    columns ``<prefix><role>`` of ``design``'s runs."""
    r = runs[runs["design"] == design]
    parts, total = [], 0.0
    for role in ROLE_ORDER:
        col = f"{prefix}{role}"
        if col not in r:
            continue
        v = float(pd.to_numeric(r[col], errors="coerce").mean())
        if pd.notna(v) and v > 0:
            total += v
            parts.append(f"{role.upper() if role in ('l1', 'l2') else role} {_count(v)}")
    return f"{_count(total)} ({', '.join(parts)})" if parts else "-"


def setting_lines(runs: pd.DataFrame, cfg: Config, seeds: int,
                  overrides: Sequence[str]) -> list[str]:
    """The setting the verdict holds for: horizon, staffing, headcounts, seeds, overrides."""
    sim, staffing = cfg.sim, cfg.org.staffing
    how = ("each desk of either design staffed to the same target occupancy "
           f"({cfg.workforce.planning.target_occupancy:.2f}) from a measuring run"
           if staffing == "sized" else "the configured headcounts")
    extra = [o for o in overrides if o not in DEFAULT_OVERRIDES and o != "sim.progress=false"]
    seed_range = "seed 0" if seeds == 1 else f"seeds 0-{seeds - 1}"
    lines = [f"Setting: {seeds} paired {'seed' if seeds == 1 else 'seeds'} ({seed_range}); "
             f"horizon {sim.horizon_days:,} days: a {sim.warmup_days}-day warm-up, then "
             f"{sim.horizon_days - sim.warmup_days:,} days measured; staffing "
             f"`org.staffing={staffing}` ({how}); overrides: "
             + (" ".join(f"`{o}`" for o in extra) if extra else "none") + "."]
    for d in DESIGNS:
        lines.append(f"Headcount, {d} (mean over seeds): {headcount_text(runs, d, 'initial_headcount_')}"
                     f" at the start, {headcount_text(runs, d, 'headcount_')} at the end.")
    return lines


def warning_lines(tab: pd.DataFrame, seeds: int, precision: float, method: str) -> list[str]:
    """Plain warnings: no interval with one seed, a bootstrap over too few pairs, fewer seeds
    than a KPI's ``seeds_needed``."""
    out = []
    if seeds < 2:
        out.append(f"warning: 1 seed: no interval and no verdict on any KPI ({ONE_SEED}); run "
                   "--seeds 2 or more")
    w = interval_warning(method, seeds)
    if w:
        out.append(w)
    need = tab[pd.notna(tab["seeds_needed"]) & (tab["seeds_needed"] > seeds)]
    if len(need):
        head = tab.iloc[0]
        first = (f"{head['label']}: {head['seeds_needed']:,.0f}"
                 if head["kpi"] in set(need["kpi"]) else None)
        most = need.loc[need["seeds_needed"].idxmax()]
        out.append(f"warning: {seeds} {'seed' if seeds == 1 else 'seeds'} run; an interval of "
                   f"±{precision:.0%} of the tiered mean needs more on {len(need)} of "
                   f"{len(tab)} KPIs (" + (f"{first} seeds; " if first else "")
                   + f"most: {most['label']}, {most['seeds_needed']:,.0f} seeds; column "
                   f"'seeds for ±{precision:.0%}')")
    return out


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


def _check_args(args: argparse.Namespace) -> None:
    """Every option in range, or a one-line error and exit code 2 (before any run starts)."""
    problems = []
    if args.seeds < 1:
        problems.append(f"--seeds {args.seeds}: must be at least 1 (paired seeds 0..N-1)")
    if args.jobs == 0 or args.jobs < -1:
        problems.append(f"--jobs {args.jobs}: must be a positive number of workers, or -1 for "
                        "every core")
    if not (math.isfinite(args.precision) and 0 < args.precision <= 1):
        problems.append(f"--precision {args.precision}: must be a share of the tiered mean, "
                        "above 0 and at most 1 (e.g. 0.05 for ±5 %)")
    if args.resamples < 1:
        problems.append(f"--resamples {args.resamples}: must be at least 1")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        problems.append(f"--out {out}: exists and is not a directory")
    if problems:
        fail(ValueError("compare: " + "; ".join(problems)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=4, help="paired seeds 0..N-1 (default 4)")
    ap.add_argument("--jobs", type=int, default=-1, help="parallel workers (-1 = all cores)")
    ap.add_argument("--out", default=str(ROOT / "outputs" / "compare"), help="output directory")
    ap.add_argument("--precision", type=float, default=PRECISION,
                    help="seeds_needed: CI half-width as a share of the tiered mean (default 0.05)")
    ap.add_argument("--interval", choices=METHODS, default="t",
                    help="interval of the mean paired difference: t (Student, the default) or "
                         "bootstrap (percentile; too narrow below 10 seeds)")
    ap.add_argument("--resamples", type=int, default=N_RESAMPLES,
                    help=f"bootstrap resamples with --interval bootstrap (default {N_RESAMPLES})")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. sim.horizon_days=730")
    args = ap.parse_args(argv)
    _check_args(args)
    # both designs staffed to the same target occupancy unless the user says otherwise
    args.overrides = [*DEFAULT_OVERRIDES, *args.overrides]
    check_overrides(args.overrides)  # keys, types, ranges, group choices: exit 2, one line each
    try:  # a bad override fails here, once, before any run starts
        cfgs = {d: compose([f"org={d}", "seed=0", *args.overrides]) for d in DESIGNS}
    except (ConfigError, ValueError) as err:
        fail(err)
    except Exception as err:  # Hydra's override errors
        fail(err)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        fail(ValueError(f"compare: --out {out}: cannot create it ({err.strerror})"))
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
    tab = paired_table(runs, args.precision, args.resamples, args.interval)
    tab.to_csv(out / "comparison.csv", index=False)
    text = format_table(tab, args.precision, args.interval)
    util = utilisation_table(runs)
    util.to_csv(out / "utilisation.csv", index=False)
    util_text = format_utilisation(util)
    verdict = verdict_lines(tab, args.interval)
    setting = setting_lines(runs, cfgs["tiered"], args.seeds, args.overrides)
    warnings = warning_lines(tab, args.seeds, args.precision, args.interval)
    tickets = runs.get("tickets_created", pd.Series([0])).median()
    (out / "comparison.md").write_text(
        "# tiered vs generalist (paired seeds)\n\n## Verdict\n\n"
        + "\n".join(verdict) + "\n\n" + "\n\n".join(setting) + "\n\n"
        + "".join(f"**{w}**\n\n" for w in warnings) + f"{READ_ON}\n\n"
        "## The paired comparison\n\n"
        f"{HEADLINE_NOTE}\n\n```\n{text}\n```\n\n"
        "## Utilisation by role (median over seeds)\n\n"
        "Share of paid shift hours spent working tickets, over the measured window and by year "
        f"of it.\n\n```\n{util_text}\n```\n")
    print(f"\n{text}\n\nutilisation by role (median over seeds):\n{util_text}\n\n"
          f"median tickets per run (post warm-up): {tickets:,.0f}; "
          f"{len(jobs)} runs in {time.perf_counter() - t0:.0f} s; outputs in {out}\n")
    print("verdict (generalist vs tiered; a design is ahead only when the 95 % interval of the "
          "paired difference excludes zero):")
    print("\n".join(v.replace("**", "") for v in verdict))
    print("\n".join(["", *setting, *warnings, "", READ_ON.replace("`", "")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
