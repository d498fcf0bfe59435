"""``python -m experiments.customer_gap``: the customer-loyalty gap between tiered and generalist.

Runs both designs on paired seeds (3 years by default, the default config) and reports, per
design, the median over seeds of churn, retained MRR, NRR, goodwill, requests by name and the
share honoured, the episode mix and the cost per outcome (which includes churned revenue), with
the paired difference generalist - tiered.

**Drivers.** The same runs are repeated with one customer mechanism neutralised at a time:
``transactional`` (``customers.relationship_weight=0``: no relationship effect, no request by
name), ``effort_blind`` (a resolved episode's stay probability does not depend on its effort:
``stay_high_effort = stay_low_effort``), ``no_word_of_mouth`` (``wom_churn_hit = wom_loyal_lift
= 0``). The mechanism whose removal shrinks the churn gap most is the biggest driver.

**Pilot** (``--pilot-seeds``, default 5): the ``pilot`` design over one year; requests by name by
the desk of the person asked for, treated vs control, during and after the pilot; the treated
arm's unroutable requests, churn and goodwill after the hand-back.

Writes ``runs.csv``, ``medians.csv``, ``pilot.csv`` and ``report.md`` under ``--out`` (default
``outputs/customer_gap``). Runs are parallel (joblib, ``--jobs``, default 2).
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
VARIANTS = ("default", "transactional", "effort_blind", "no_word_of_mouth")
METRICS = ("customer_churn_annual", "retained_mrr_share", "nrr", "goodwill_mean",
           "named_requests", "named_honoured_share", "churned_revenue", "cost_per_outcome",
           "cost_per_retained_customer", "customers_end", "customers_referred",
           "high_effort_share", "unresolved_share", "handoffs_per_ticket",
           "explanations_per_ticket", "mean_resolution_h", "cost_total")


EXPERIMENT = "customer_gap"  # cfg.experiment of every run
VARIANT_OVERRIDES = {  # one customer mechanism neutralised (module docstring)
    "default": [],
    "transactional": ["customers.relationship_weight=0.0"],
    "effort_blind": ["customers.goodwill.stay_high_effort=${customers.goodwill.stay_low_effort}"],
    "no_word_of_mouth": ["customers.goodwill.wom_churn_hit=0.0",
                         "customers.goodwill.wom_loyal_lift=0.0"],
}


def overrides(days: int, variant: str = "default") -> list[str]:
    """The study's overrides for a horizon of ``days`` and one variant (``VARIANTS``)."""
    if variant not in VARIANT_OVERRIDES:
        raise ValueError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
    return [f"sim.horizon_days={days}", "sim.progress=false", *VARIANT_OVERRIDES[variant]]


def config(design: str, seed: int, days: int, variant: str = "default") -> Config:
    """The validated config of one run (composed as the runner composes it)."""
    return compose([f"org={design}", f"seed={seed}", *overrides(days, variant)], EXPERIMENT)


def one_run(cfg: Config, key: dict) -> dict:
    """One run's KPIs (a small picklable dict); ``key``: design, seed, variant."""
    t0 = time.perf_counter()
    _, s, tables = simulate(cfg)
    ts = tables["timeseries"]
    w = ts[ts["day"] >= 60]
    eps = {k: float(w[f"episodes_{k}"].sum()) for k in ("unresolved", "high_effort",
                                                         "low_effort")}
    n = sum(eps.values()) or 1.0
    out = {**key, "wall_s": time.perf_counter() - t0}
    out.update({k: s.get(k) for k in METRICS if k in s})
    out["high_effort_share"] = eps["high_effort"] / n
    out["unresolved_share"] = eps["unresolved"] / n
    return out


def pilot_run(cfg: Config, key: dict) -> list[dict]:
    """Requests by name and loyalty by arm, during the pilot and after the hand-back."""
    seed, days = cfg.seed, cfg.sim.horizon_days
    _, _, t = simulate(cfg)
    p = cfg.org.pilot
    start, end = p.start_day, p.start_day + p.duration_days
    cust = t["customers"][["customer_id", "pilot_arm", "churned_day", "goodwill"]]
    named = t["named_requests"].merge(cust[["customer_id", "pilot_arm"]], on="customer_id")
    renew = t["renewals"].merge(cust[["customer_id", "pilot_arm"]], on="customer_id")
    rows = []
    for arm in ("treated", "control"):
        members = cust[cust["pilot_arm"] == arm]
        for phase, lo, hi in (("before", 0, start), ("pilot", start, end), ("after", end, days)):
            nm = named[(named["pilot_arm"] == arm) & (named["day"] >= lo) & (named["day"] < hi)]
            rv = renew[(renew["pilot_arm"] == arm) & (renew["day"] >= lo) & (renew["day"] < hi)]
            alive = members[members["churned_day"].isna() | (members["churned_day"] >= lo)]
            gone = alive[alive["churned_day"].notna() & (alive["churned_day"] < hi)]
            rows.append({
                "seed": seed, "arm": arm, "phase": phase, "days": hi - lo,
                "customers": len(alive), "named_requests": len(nm),
                "named_to_pilot_pod": int((nm["staff_desk"] == "pilot_pod").sum()),
                "named_to_former_pod": int(nm["staff_id"].isin(
                    named.loc[named["staff_desk"] == "pilot_pod", "staff_id"]).sum()),
                "named_routed": int(nm["routed"].sum()),
                "churned": len(gone),
                "churn_monthly": len(gone) / max(len(alive), 1) * 30.0 / (hi - lo),
                "goodwill_at_reviews": float(rv["goodwill"].mean()) if len(rv) else float("nan"),
            })
    return rows


def _medians(runs: pd.DataFrame) -> pd.DataFrame:
    base = runs[runs["variant"] == "default"]
    cols = [m for m in METRICS if m in base]
    med = base.groupby("design")[cols].median().T[list(DESIGNS)]
    wide = base.pivot(index="seed", columns="design", values=cols)
    med["paired_diff_median"] = [
        float((wide[m]["generalist"] - wide[m]["tiered"]).median()) for m in cols]
    med["generalist_higher_seeds"] = [
        int((wide[m]["generalist"] > wide[m]["tiered"]).sum()) for m in cols]
    return med


def _drivers(runs: pd.DataFrame) -> pd.DataFrame:
    """Median paired gap (generalist - tiered) per variant."""
    out = {}
    for v in VARIANTS:
        r = runs[runs["variant"] == v]
        if r.empty:
            continue
        wide = r.pivot(index="seed", columns="design")
        out[v] = {m: float((wide[m]["generalist"] - wide[m]["tiered"]).median())
                  for m in ("customer_churn_annual", "retained_mrr_share", "goodwill_mean",
                            "named_requests")}
    return pd.DataFrame(out).T


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="paired seeds 0..n-1 (default 10)")
    ap.add_argument("--days", type=int, default=1095, help="sim.horizon_days (default 3 years)")
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help=f"comma-separated subset of {', '.join(VARIANTS)}")
    ap.add_argument("--pilot-seeds", type=int, default=5, help="pilot runs (0: none)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--out", type=Path, default=ROOT / "outputs" / "customer_gap")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    variants = [v for v in args.variants.split(",") if v]
    jobs = [run for v in variants for run in paired_runs(
        DESIGNS, range(args.seeds), overrides(args.days, v), variant=v)]
    rows = run_study(jobs, one_run, experiment=EXPERIMENT, jobs=args.jobs, label="customer_gap")
    runs = tidy(rows).sort_values(["variant", "design", "seed"]).reset_index(drop=True)
    args.out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(args.out / "runs.csv", index=False)
    text = [f"# Customer gap: tiered vs generalist\n\n{args.seeds} paired seeds, {args.days} "
            "days, default config."]
    if "default" in variants:
        med = _medians(runs)
        med.to_csv(args.out / "medians.csv")
        text.append(f"## Medians over seeds\n\n{markdown(med, index='')}")
    drivers = _drivers(runs)
    if len(drivers) > 1:
        text.append("## Drivers: median paired gap (generalist - tiered) with one mechanism "
                    f"neutralised\n\n{markdown(drivers, index='')}")
    if args.pilot_seeds:
        pilot_days = min(args.days, 365)
        prow = run_study(paired_runs(("pilot",), range(args.pilot_seeds),
                                     overrides(pilot_days)),
                         pilot_run, experiment=EXPERIMENT, jobs=args.jobs, label="pilot")
        pilot = tidy(prow)
        pilot.to_csv(args.out / "pilot.csv", index=False)
        pm = pilot.groupby(["arm", "phase"]).median(numeric_only=True).drop(columns="seed")
        pm.index = [f"{a} / {p}" for a, p in pm.index]
        text.append(f"## Pilot: medians over {args.pilot_seeds} seeds, one year\n\n"
                    f"{markdown(pm, index='')}")
    text.append(f"Wall time {time.perf_counter() - t0:.0f} s ({args.jobs} workers).")
    report = "\n\n".join(text) + "\n"
    (args.out / "report.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
