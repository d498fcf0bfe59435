"""Calibrate the tiered default to the BPI Challenge 2013 incident log (V3, docs/validation.md).

``python -m experiments.calibrate [--seeds N] [--days D] [--jobs J] [--out DIR] [--fitted | --search]``

Every run is the tiered design at a realistic occupancy: ``org.staffing=sized`` (each desk,
each L1 / L2 team included, staffed to ``workforce.planning.target_occupancy``) in the model's
steady-state world, with the model's other defaults. Without options it evaluates the
current defaults; ``--fitted`` evaluates the V3 fit 2026-12-03 (:data:`FITTED`, not yet the
model's defaults); with ``--search`` it runs a coordinate search (:data:`SEARCH`: each parameter
in turn over its candidate values, the others held at the best point so far, ``--passes``
passes) over the team structure, the mis-route and lateral-bounce probabilities, the assignment
lag's lognormal and the reopen probability, and reports the best point. Either way it writes
``fit.md`` and ``fit.csv`` (simulated vs target, side by side, with the pass/fail of each band)
under ``outputs/calibration/`` (and ``search.csv``, every point evaluated, with ``--search``).

The targets are shapes, not causal effects (the log is short and hand-offs are confounded with
complexity); a band is met when the simulated value lies inside it. The score a search
minimises is the sum over every band of the squared distance outside it in band widths: the
*required* bands (the V3 table: :func:`bands`) and the *fit* bands (:func:`fit_bands`: the
per-level hand-off means and ping-pong, the transfer-queue wait and the reopen share, [A] bands
around the log's figures) count alike. The targets are the log's only: nothing about the other
design enters.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.stats import spearmanr

from experiments.study import Run, run_study, tidy
from experiments.tables import markdown
from model.config import Config
from model.simulate import simulate

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "docs" / "calibration" / "bpic2013.yaml"
BINS = [-1, 0, 1, 2, 3, 5, 10**6]
LABELS = ["0", "1", "2", "3", "4-5", "6+"]
LEVELS = ("L1", "L2", "L3")
#: every calibration run: the tiered design staffed to the target occupancy
SETTING = ("org=tiered", "org.staffing=sized")
#: the coordinate search: parameter -> candidate values (docs/validation.md V3)
SEARCH: dict[str, tuple] = {
    "org.l1.teams": (1, 2, 3, 4),
    "org.l2.teams": (2, 3, 4, 5),
    "org.handoff.misroute_p": (0.1, 0.2, 0.35, 0.5, 0.7, 1.0),
    "org.handoff.lateral_wrong_p": (0.0, 0.1, 0.2, 0.3, 0.4),
    "org.handoff.lag_median_hours": (0.1, 0.25, 0.5, 1.0, 2.0),
    "org.handoff.lag_sigma": (1.0, 1.5, 2.0, 2.5, 3.0),
    "org.wrong_fix_reopen_p": (0.1, 0.25, 0.5, 0.75, 1.0),
    "org.l1.mandate_complexity": (0.45, 0.5, 0.55, 0.6),
    "org.l2.push_back_p": (0.15, 0.25, 0.35, 0.5),
    "org.l2.false_bug_p": (0.5, 0.7, 0.9),
}
#: the V3 fit 2026-12-03 (the best point of the coordinate search; docs/validation.md V3). Not
#: yet the model's defaults, which keep one team per line and no lag until the fit is reviewed
#: and every experiment is rerun with it (CHANGELOG)
FITTED: dict[str, object] = {
    "org.l1.teams": 3, "org.l2.teams": 3, "org.handoff.misroute_p": 0.35,
    "org.handoff.lateral_wrong_p": 0.4, "org.handoff.lag_median_hours": 0.25,
    "org.handoff.lag_sigma": 3.0, "org.wrong_fix_reopen_p": 1.0, "org.l2.push_back_p": 0.5}
#: where the search starts (the values in force before the fit; the switches on)
START = {"org.l1.teams": 2, "org.l2.teams": 3, "org.handoff.misroute_p": 0.35,
         "org.handoff.lateral_wrong_p": 0.2, "org.handoff.lag_median_hours": 0.5,
         "org.handoff.lag_sigma": 2.5, "org.wrong_fix_reopen_p": 0.25,
         "org.l1.mandate_complexity": 0.5, "org.l2.push_back_p": 0.35,
         "org.l2.false_bug_p": 0.7}


def bands(target: dict) -> dict[str, tuple[float, float, float]]:
    """The required rows: (target, low, high) per statistic (docs/validation.md V3)."""
    lv = target["max_level_share"]
    return {
        "share_no_handoff": (1 - target["team_handoffs"]["share_ge1"], 0.45, 0.55),
        "mean_handoffs": (target["team_handoffs"]["mean"], 0.9, 1.4),
        "pingpong_share": (target["pingpong_share"], 0.10, 0.25),
        "max_level_L1": (lv["L1"], lv["L1"] - 0.08, lv["L1"] + 0.08),
        "max_level_L2": (lv["L2"], lv["L2"] - 0.08, lv["L2"] + 0.08),
        "max_level_L3": (lv["L3"], lv["L3"] - 0.08, lv["L3"] + 0.08),
        "spearman_handoffs_resolution": (target["spearman_handoffs_resolution"], 0.45, 0.70),
    }


def fit_bands(target: dict) -> dict[str, tuple[float, float, float]]:
    """The fit rows, [A] bands around the log's figures: per-level hand-off means (±30 %) and
    ping-pong (±0.06 on L1, ±0.12 above), the transfer-queue wait's median (a factor of 2) and
    p90 (±30 %) in calendar hours, and the reopen share (±0.025)."""
    hm, pp = target["handoffs_mean_by_max_level"], target["pingpong_share_by_max_level"]
    tw = target["transfer_queue_wait_hours"]
    out = {}
    for lv in LEVELS:
        out[f"handoffs_mean_{lv}"] = (hm[lv], 0.7 * hm[lv], 1.3 * hm[lv])
    for lv in LEVELS:
        w = 0.06 if lv == "L1" else 0.12
        out[f"pingpong_{lv}"] = (pp[lv], max(pp[lv] - w, 0.0), pp[lv] + w)
    out["transfer_wait_median_h"] = (tw["median"], tw["median"] / 2, tw["median"] * 2)
    out["transfer_wait_p90_h"] = (tw["p90"], 0.7 * tw["p90"], 1.3 * tw["p90"])
    out["reopen_share"] = (target["reopen_share"], target["reopen_share"] - 0.025,
                           target["reopen_share"] + 0.025)
    return out


def statistics(tickets: pd.DataFrame, waits=()) -> dict:
    """The V3 statistics of one run's resolved tickets (post warm-up), and of its transfer
    waits (calendar hours from a hand-off to the next start of work, post warm-up)."""
    r = tickets[tickets["resolved_h"].notna()]
    med = r.groupby(pd.cut(r["handoffs"], BINS, labels=LABELS), observed=False)[
        "resolution_h"].median() / 24.0
    # the log's ping-pong: a team gets back a ticket it passed on, a return from the third
    # line included; the model splits that into ping-pong and the engineering return trip
    pp = r["pingpong"] | r["engineering_return"]
    out = {
        "share_no_handoff": float((r["handoffs"] == 0).mean()),
        "mean_handoffs": float(r["handoffs"].mean()),
        "pingpong_share": float(pp.mean()),
        "max_level_L1": float((r["max_level"] == 1).mean()),
        "max_level_L2": float((r["max_level"] == 2).mean()),
        "max_level_L3": float((r["max_level"] == 3).mean()),
        "spearman_handoffs_resolution": float(spearmanr(r["handoffs"], r["resolution_h"]).statistic),
        "reopen_share": float((r["reopened"] > 0).mean()),
    }
    for i, lv in enumerate(LEVELS, start=1):
        at = r["max_level"] == i
        out[f"handoffs_mean_{lv}"] = float(r.loc[at, "handoffs"].mean()) if at.any() else np.nan
        out[f"pingpong_{lv}"] = float(pp[at].mean()) if at.any() else np.nan
    w = np.asarray(waits, dtype=float)
    out["transfer_wait_median_h"] = float(np.median(w)) if w.size else np.nan
    out["transfer_wait_mean_h"] = float(w.mean()) if w.size else np.nan
    out["transfer_wait_p90_h"] = float(np.quantile(w, 0.9)) if w.size else np.nan
    out.update({f"median_days_at_{k}_handoffs": float(v) for k, v in med.items()})
    return out


def point_run(point: dict, seed: int, days: int) -> Run:
    """One point on one seed: the tiered design, sized, over ``days`` (warm-up a third of it,
    at most 60 days) with the point's parameters."""
    return Run({**point, "seed": seed},
               (*SETTING, f"seed={seed}", f"sim.horizon_days={days}",
                f"sim.warmup_days={min(60, days // 3)}", "sim.progress=false",
                *(f"{k}={v}" for k, v in point.items())))


def run_point(cfg: Config, key: dict) -> dict:
    """The V3 statistics of one run, after its key (the point's parameters and the seed)."""
    model, _, tables = simulate(cfg)
    t = tables["tickets"]
    return {**key, **statistics(t[t["created_h"] >= 24.0 * cfg.sim.warmup_days],
                                model.engine.transfer_waits)}


def score(row: pd.Series, b: dict) -> float:
    """Sum over bands of the squared distance outside the band, in band widths."""
    s = 0.0
    for k, (_, lo, hi) in b.items():
        v = row[k]
        if not np.isfinite(v):
            s += 1e3
            continue
        s += (max(lo - v, 0.0, v - hi) / (hi - lo)) ** 2
    return s


def fit_table(mean: pd.Series, b: dict, target: dict, fb: dict | None = None) -> pd.DataFrame:
    rows = [{"statistic": k, "kind": "required", "simulated": mean[k], "target": t,
             "band_low": lo, "band_high": hi, "within": bool(lo <= mean[k] <= hi)}
            for k, (t, lo, hi) in b.items()]
    rows += [{"statistic": k, "kind": "fit", "simulated": mean[k], "target": t,
              "band_low": lo, "band_high": hi, "within": bool(lo <= mean[k] <= hi)}
             for k, (t, lo, hi) in (fb or {}).items()]
    rows.append({"statistic": "transfer_wait_mean_h", "kind": "reported",
                 "simulated": mean["transfer_wait_mean_h"],
                 "target": target["transfer_queue_wait_hours"]["mean"], "band_low": np.nan,
                 "band_high": np.nan, "within": np.nan})
    by = target["resolution_days_by_handoffs"]
    for k in LABELS:
        rows.append({"statistic": f"median_days_at_{k}_handoffs", "kind": "reported",
                     "simulated": mean[f"median_days_at_{k}_handoffs"],
                     "target": by[k]["median"], "band_low": np.nan, "band_high": np.nan,
                     "within": np.nan})
    return pd.DataFrame(rows)


def fit_cell(v) -> str:
    """A fit-table cell: booleans as yes/no, floats to 3 decimals, NaN blank."""
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "" if np.isnan(v) else f"{v:.3f}"
    return str(v)


def monotone(mean: pd.Series) -> bool:
    meds = [mean[f"median_days_at_{k}_handoffs"] for k in LABELS]
    meds = [m for m in meds if np.isfinite(m)]
    return all(b > a for a, b in itertools.pairwise(meds))


def evaluate(points: list[dict], seeds: int, days: int, jobs: int, all_bands: dict,
             label: str) -> pd.DataFrame:
    """Mean statistics over ``seeds`` of each point, with its score (one row per point)."""
    runs = [point_run(p, s, days) for p in points for s in range(seeds)]
    rows = tidy(run_study(runs, run_point, jobs=jobs, label=label))
    keys = sorted({k for p in points for k in p})
    if keys:
        means = rows.groupby(keys, sort=False, dropna=False).mean(numeric_only=True).reset_index()
        means = means.drop(columns=["seed"], errors="ignore")
    else:
        means = rows.mean(numeric_only=True).to_frame().T
    means["score"] = means.apply(score, axis=1, b=all_bands)
    return means


def coordinate_search(seeds: int, days: int, jobs: int, all_bands: dict, passes: int
                      ) -> tuple[dict, pd.DataFrame]:
    """Each parameter of :data:`SEARCH` in turn over its values, the rest at the best point so
    far; ``passes`` passes. Returns the best point and every point evaluated."""
    best = dict(START)
    seen: dict[tuple, pd.Series] = {}
    for n in range(passes):
        for name, values in SEARCH.items():
            points = [{**best, name: v} for v in values]
            todo = [p for p in points if tuple(p.values()) not in seen]
            if todo:
                res = evaluate(todo, seeds, days, jobs, all_bands, f"pass {n + 1}: {name}")
                for p, (_, row) in zip(todo, res.iterrows(), strict=True):
                    seen[tuple(p.values())] = row
            scored = [(seen[tuple(p.values())]["score"], i, p) for i, p in enumerate(points)]
            s, _, best = min(scored, key=lambda x: (x[0], x[1]))
            print(f"  {name} = {best[name]} (score {s:.3f})", file=sys.stderr)
    return best, pd.DataFrame(list(seen.values()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--days", type=int, default=240)
    ap.add_argument("--jobs", type=int, default=-1)
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--fitted", action="store_true",
                      help="evaluate the V3 fit (FITTED) instead of the current defaults")
    what.add_argument("--search", action="store_true", help="coordinate search (SEARCH)")
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "outputs" / "calibration"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    target = yaml.safe_load(TARGETS.read_text())
    b, fb = bands(target), fit_bands(target)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.search:
        point, searched = coordinate_search(args.seeds, args.days, args.jobs, {**b, **fb},
                                            args.passes)
        searched.to_csv(out / "search.csv", index=False)
    else:
        point = dict(FITTED) if args.fitted else {}
    best = evaluate([point], args.seeds, args.days, args.jobs, {**b, **fb}, "calibrate").iloc[0]
    table = fit_table(best, b, target, fb)
    table.to_csv(out / "fit.csv", index=False)
    wall = time.perf_counter() - t0
    req = table[table["kind"] == "required"]
    fit = table[table["kind"] == "fit"]
    text = (f"# V3 — tiered default vs BPI Challenge 2013\n\n"
            f"{datetime.now(UTC):%Y-%m-%d}; {args.seeds} seeds x {args.days} days, "
            f"{' '.join(SETTING)}; parameters: {point or 'current defaults'}; "
            f"wall time {wall:.0f} s\n\n"
            f"{markdown(table, cell=fit_cell)}\n\n"
            f"Median resolution rises monotonically with hand-offs: {monotone(best)}. "
            f"Required bands met: {int(req['within'].sum())} of {len(req)}; "
            f"fit bands met: {int(fit['within'].sum())} of {len(fit)}.\n")
    (out / "fit.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
