"""``python -m experiments.feedback_gap``: the product-feedback gap between tiered and generalist.

Runs both designs on paired seeds (common random numbers: the same potential ticket stream) over
a long horizon (5 years by default) with the default config, and reports, per design, the median
over seeds of:

* ``fixes_shipped`` -- product fixes shipped (post warm-up);
* ``mean_fix_lead_time_days`` -- first ticket of a class -> its fix shipped, over the fixes shipped
  (only shipped fixes count, so a design that ships more tail classes can show a longer mean);
* ``mean_fix_lead_time_top_days`` -- the same lead time over one fixed set of classes, the
  product-rooted classes among the top 20 % by frequency, an unfixed class counting until the
  horizon (a restricted mean: comparable across designs);
* ``mean_signal_detail`` -- mean detail of the signals reaching product;
* ``tickets_per_customer_30d_y1`` / ``_final`` -- tickets per active customer per 30 days in the
  first and the last year; ``contacts_per_customer_30d_final`` -- customer contacts (a ticket's
  own contact plus information requests, re-asks and reopens) per customer per 30 days, final year;
* deflection and workflow counts, and the paired difference generalist - tiered (median).

Writes ``runs.csv``, ``medians.csv`` and ``report.md`` under ``--out`` (default
``outputs/feedback_gap``). Runs are parallel (joblib, ``--jobs``, default 2).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from experiments.study import compose, paired_runs, run_study, tidy
from experiments.tables import markdown
from model.config import Config
from model.simulate import simulate

ROOT = Path(__file__).resolve().parent.parent
DESIGNS = ("tiered", "generalist")
METRICS = ("fixes_shipped", "mean_fix_lead_time_days", "mean_fix_lead_time_top_days",
           "mean_signal_detail", "tickets_per_customer_30d_y1", "tickets_per_customer_30d_final",
           "contacts_per_customer_30d_final", "tickets_deflected", "snippets_written",
           "workflows_written", "workflow_h", "tickets_created", "mean_resolution_h",
           "cost_per_resolved_ticket")


EXPERIMENT = "feedback_gap"  # cfg.experiment of every run


def overrides(days: int) -> list[str]:
    """The study's overrides: the default config over ``days``."""
    return [f"sim.horizon_days={days}", "sim.progress=false"]


def config(design: str, seed: int, days: int) -> Config:
    """The validated config of one run (composed as the runner composes it)."""
    return compose([f"org={design}", f"seed={seed}", *overrides(days)], EXPERIMENT)


def _per_customer(tickets: pd.DataFrame, series: pd.DataFrame, lo: int, hi: int,
                  col: str | None) -> float:
    """Tickets (or summed ``col``) created in days [lo, hi) per active customer per 30 days."""
    t = tickets[(tickets["created_h"] >= 24.0 * lo) & (tickets["created_h"] < 24.0 * hi)]
    n = float(t[col].sum()) if col else float(len(t))
    cust = float(series.loc[(series["day"] >= lo) & (series["day"] < hi), "active_customers"].mean())
    return n / cust * 30.0 / (hi - lo)


def one_run(cfg: Config, key: dict) -> dict:
    """One run's KPIs (a small picklable dict); ``key``: design, seed."""
    t0 = time.perf_counter()
    _, s, tables = simulate(cfg)
    tk, ts = tables["tickets"], tables["timeseries"]
    days = cfg.sim.horizon_days
    year = min(365, days)
    out = {**key, "wall_s": time.perf_counter() - t0}
    out.update({k: s.get(k) for k in METRICS if k in s})
    out["tickets_per_customer_30d_y1"] = _per_customer(tk, ts, 0, year, None)
    out["tickets_per_customer_30d_final"] = _per_customer(tk, ts, days - year, days, None)
    out["contacts_per_customer_30d_final"] = _per_customer(tk, ts, days - year, days, "contacts")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="paired seeds 0..n-1 (default 10)")
    ap.add_argument("--days", type=int, default=1825, help="sim.horizon_days (default 5 years)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--out", type=Path, default=ROOT / "outputs" / "feedback_gap")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    jobs = paired_runs(DESIGNS, range(args.seeds), overrides(args.days))
    rows = run_study(jobs, one_run, experiment=EXPERIMENT, jobs=args.jobs, label="feedback_gap")
    runs = tidy(rows).sort_values(["design", "seed"]).reset_index(drop=True)
    cols = [m for m in METRICS if m in runs]
    med = runs.groupby("design")[cols].median().T[list(DESIGNS)]
    wide = runs.pivot(index="seed", columns="design", values=cols)
    med["paired_diff_median"] = [
        float((wide[m]["generalist"] - wide[m]["tiered"]).median()) for m in cols]
    med["generalist_higher_seeds"] = [
        int((wide[m]["generalist"] > wide[m]["tiered"]).sum()) for m in cols]
    args.out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(args.out / "runs.csv", index=False)
    med.to_csv(args.out / "medians.csv")
    wall = time.perf_counter() - t0
    text = (f"# Feedback gap: tiered vs generalist\n\n{args.seeds} paired seeds, "
            f"{args.days} days, default config; medians over seeds. Wall time {wall:.0f} s "
            f"({args.jobs} workers).\n\n{markdown(med, index='metric')}\n")
    (args.out / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
