"""The main job: tiered vs generalist on the same seeds (common random numbers).

``python -m experiments.compare [--seeds N] [--jobs J] [--out DIR] [hydra overrides ...]``
composes the project config (``conf/``) once per design and seed (with ``org.staffing=sized``:
both designs staffed to the same target occupancy; ``org.staffing=fixed`` among the overrides
keeps the configured headcounts), runs every pair in parallel,
writes each run directory (docs/design.md section 10) under ``outputs/compare/``, a tidy table of all
runs (``runs.parquet``, ``runs.csv``) and the paired comparison (``comparison.csv``,
``comparison.md``), and prints the comparison. Differences are generalist - tiered per seed;
the interval is a 95 % percentile-bootstrap interval over seeds of the paired differences
(10,000 resamples, seeded: ``experiments/stats.py``), and ``seeds_needed`` is the number of seeds
for an interval of ±``--precision`` (default 5 %) of the tiered mean, from the paired SD.
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from experiments.cli import ROOT, fail
from experiments.stats import N_RESAMPLES, paired_comparison
from experiments.study import compose, paired_runs, run_study
from model.config import Config, ConfigError
from model.simulate import simulate, write_run

DESIGNS = ("tiered", "generalist")
KPIS = [  # (summary key, label, unit)
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
    ("cost_per_head", "cost per head", "$/yr"),
    ("cost_per_resolved_ticket", "cost per resolved ticket", "$"),
    ("cost_per_outcome", "cost per good outcome", "$"),
]
DEFAULT_OVERRIDES = ["org.staffing=sized"]  # a later override (e.g. org.staffing=fixed) wins
PRECISION = 0.05  # seeds_needed: interval half-width as a share of the tiered mean


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


def format_table(tab: pd.DataFrame, precision: float = PRECISION) -> str:
    head = (f"{'KPI':<28}{'unit':>7}{'tiered':>12}{'generalist':>12}   "
            f"{'generalist - tiered (95% CI)':<36}{'seeds for ±' + format(precision, '.0%'):>15}")
    lines = [head, "-" * len(head)]
    for r in tab.itertuples():
        needed = "-" if pd.isna(r.seeds_needed) else f"{r.seeds_needed:.0f}"
        diff = f"{r.diff_mean:+.4g} [{r.ci95_low:+.4g}, {r.ci95_high:+.4g}]"
        lines.append(f"{r.label:<28}{r.unit:>7}{r.tiered:>12.4g}{r.generalist:>12.4g}   "
                     f"{diff:<36}{needed:>15}")
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
    horizon = runs.get("tickets_created", pd.Series([0])).median()
    (out / "comparison.md").write_text(
        "# tiered vs generalist (paired seeds)\n\n```\n" + text + "\n```\n")
    print(f"\n{text}\n\nmedian tickets per run (post warm-up): {horizon:.0f}; "
          f"{len(jobs)} runs in {time.perf_counter() - t0:.0f} s; outputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
