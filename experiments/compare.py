"""The main job: tiered vs generalist on the same seeds (common random numbers).

``python -m experiments.compare [--seeds N] [--jobs J] [--out DIR] [hydra overrides ...]``
composes the project config (``conf/``) once per design and seed, runs every pair in parallel,
writes each run directory (DESIGN.md section 10) under ``outputs/compare/``, a tidy table of all
runs (``runs.parquet``, ``runs.csv``) and the paired comparison (``comparison.csv``,
``comparison.md``), and prints the comparison. Differences are generalist - tiered per seed;
the interval is a 95 % t-interval over seeds of the paired differences.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import pandas as pd
from hydra import compose, initialize_config_dir
from joblib import Parallel, delayed
from omegaconf import OmegaConf

from experiments.cli import CONF_DIR, ROOT, fail, register, to_config
from model.config import ConfigError
from model.runio import simulate, write_run

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
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042}


def _t(df: int) -> float:
    return T975.get(df) or T975[max(k for k in T975 if k <= df)] if df >= 1 else math.nan


def compose_config(design: str, seed: int, overrides: list[str]):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=[f"org={design}", f"seed={seed}", *overrides])
    return to_config(cfg), OmegaConf.to_yaml(cfg)


def run_pair_member(design: str, seed: int, overrides: list[str], out: str) -> dict:
    register()
    config, _ = compose_config(design, seed, overrides)
    config.sim.progress = False
    _, summary, tables = simulate(config)
    run_dir = Path(out) / f"{design}_seed{seed}"
    write_run(run_dir, summary, tables, OmegaConf.to_yaml(OmegaConf.structured(config)))
    return summary


def paired_table(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    wide = runs.pivot(index="seed", columns="design")
    for key, label, unit in KPIS:
        if key not in runs:
            continue
        a, b = wide[key]["tiered"].astype(float), wide[key]["generalist"].astype(float)
        d = (b - a).dropna()
        n = len(d)
        sd = float(d.std(ddof=1)) if n > 1 else math.nan
        half = _t(n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
        rows.append({"kpi": key, "label": label, "unit": unit, "tiered": float(a.median()),
                     "generalist": float(b.median()), "diff_mean": float(d.mean()),
                     "ci95_low": float(d.mean()) - half, "ci95_high": float(d.mean()) + half,
                     "seeds": n})
    return pd.DataFrame(rows)


def format_table(tab: pd.DataFrame) -> str:
    lines = [f"{'KPI':<28}{'unit':>7}{'tiered':>12}{'generalist':>12}   generalist - tiered (95% CI)",
             "-" * 96]
    for r in tab.itertuples():
        lines.append(f"{r.label:<28}{r.unit:>7}{r.tiered:>12.4g}{r.generalist:>12.4g}   "
                     f"{r.diff_mean:+.4g} [{r.ci95_low:+.4g}, {r.ci95_high:+.4g}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=4, help="paired seeds 0..N-1 (default 4)")
    ap.add_argument("--jobs", type=int, default=-1, help="parallel workers (-1 = all cores)")
    ap.add_argument("--out", default=str(ROOT / "outputs" / "compare"), help="output directory")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. sim.horizon_days=730")
    args = ap.parse_args(argv)
    register()
    try:
        for d in DESIGNS:
            compose_config(d, 0, args.overrides)
    except (ConfigError, ValueError) as err:
        fail(err)
    except Exception as err:  # Hydra's override errors
        fail(err)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(d, s) for s in range(args.seeds) for d in DESIGNS]
    print(f"tiersim compare: {len(jobs)} runs ({', '.join(DESIGNS)} x seeds 0..{args.seeds - 1})"
          f" -> {out}", file=sys.stderr)
    t0 = time.perf_counter()
    summaries = Parallel(n_jobs=args.jobs, verbose=5)(
        delayed(run_pair_member)(d, s, args.overrides, str(out)) for d, s in jobs)
    runs = pd.DataFrame(summaries)
    runs.to_parquet(out / "runs.parquet", index=False)
    runs.to_csv(out / "runs.csv", index=False)
    tab = paired_table(runs)
    tab.to_csv(out / "comparison.csv", index=False)
    text = format_table(tab)
    horizon = runs.get("tickets_created", pd.Series([0])).median()
    (out / "comparison.md").write_text(
        "# tiered vs generalist (paired seeds)\n\n```\n" + text + "\n```\n")
    print(f"\n{text}\n\nmedian tickets per run (post warm-up): {horizon:.0f}; "
          f"{len(jobs)} runs in {time.perf_counter() - t0:.0f} s; outputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
