"""``python -m experiments.v4_flexibility``: V4, the efficiency-quality trade-off of cross-trained
workers (Pinker & Shumsky 2000; docs/science.md section 4).

The setting, through the normal config (:func:`config`): one pod of generalists
(``org.design=generalist``, ``org.ownership=pod``, ``org.pods.count=1``) serving two task types,
the two product domains (1,000 equal-frequency issue classes of equal mean work, placed at random
in the two domains by the catalogue, so the domains carry about half the volume each); no
engineering, specialists, customers, feedback or correlated problems; no information requests
(``org.info_request_p=0``: one piece of work per ticket, as in a plain queue); learning on with
related-domain transfer ``omega`` (``workforce.learning.transfer``); a constant quit hazard (the
early-tenure, burnout, stagnation and market multipliers off, promotions off) so that the annual
turnover is the one set; hiring on, with no lead time and no onboarding, so a leaver's seat is
filled the next day by a novice (``workforce.hiring.hire_proficiency.generalist``) with the
leaver's certification (Pinker & Shumsky's tenure process: constant headcount, experience lost).
Tickets arrive in business hours on workdays only (no overnight backlog by construction) at
``TICKETS_PER_PERSON_DAY`` per pod member per calendar day, about 0.8 occupancy. Everything else
is the model's default, learning curve included (tau, mentoring, forgetting, hire proficiency).

Swept: ``org.pods.flexible_share`` (flexible members certified in both domains, the others in one,
half in each) x annual turnover x omega, over paired seeds (common random numbers: the same
tickets and the same quits in every cell of a seed).

Measured per run, over the tickets created after the warm-up year:

* ``mean_wait_h`` -- mean wait from creation to first start (calendar hours);
* ``mean_quality`` -- mean over resolved tickets of the resolver's proficiency in the ticket's
  domain when it closed: Pinker & Shumsky's experience-based service quality, the model's
  learning curve ``a (1 - exp(-E / tau))`` of the person who did the work;
* the loaded salaries and replacement costs paid (``model.talent``).

Profit per year (:class:`Economics`, every constant an assumption [A], stated in the report; the
run table keeps the components so it can be recomputed with others)::

    profit = V x sum(quality of resolved tickets) - c_w x sum(wait hours)
             - salaries x (1 + premium x flexible share) - replacement costs

Pinker & Shumsky's revenue is the quality-weighted throughput; the waiting cost carries the
efficiency side; flexible workers cost a premium (cross-training, pay). The profit-optimal share
``s*`` per (turnover, omega) is the vertex of the parabola through the best grid point of the
seed-mean profit curve and its neighbours; its spread over seeds is a paired bootstrap (seeds
resampled, the same resample for every cell).

Writes ``runs.csv`` (one row per run), ``cells.csv`` (seed means and standard errors per cell),
``optima.csv`` (``s*`` and its bootstrap interval) and ``report.md`` under ``--out`` (default
``outputs/v4``). Runs are parallel (joblib, ``--jobs``, default 2) and kept one JSON file each
under ``--out``/``cache`` (named by the config hash), so an interrupted sweep resumes; delete
the cache to run again from scratch.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.study import Run, compose, run_study, tidy
from experiments.tables import markdown
from model.config import Config
from model.frames import staff_frame
from model.metrics import summarise
from model.model import TierSimModel
from model.pods import flexible_count
from model.runio import config_hash, write_json

ROOT = Path(__file__).resolve().parent.parent
POD_SIZE = 8  # [A] a small team, where pooling matters
# even numbers of flexible members, so the specialised ones split evenly over the two domains
# (an odd split would add an imbalance penalty to every other grid point)
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
TURNOVERS = (0.10, 0.35, 0.60)  # exits per head per year (docs/science.md section 4)
OMEGAS = (0.0, 0.5)
TICKETS_PER_PERSON_DAY = 3.0  # [A] per calendar day: about 0.8 occupancy at 1.5 h of work
MEAN_WORK_HOURS = 1.5  # [A] between docs/science.md's medium (45 min) and complex (180 min) work
YEARS, WARMUP_YEARS = 3, 1


@dataclass(frozen=True)
class Economics:
    """The profit measure's constants (all [A])."""

    value_per_ticket: float = 150.0  # a resolution at full quality (1.0); about twice the
    # model's default cost per resolved ticket, so support earns more than it costs
    wait_cost_per_h: float = 10.0  # per customer hour waited for a first response
    flexible_premium: float = 0.10  # a flexible worker's pay above a specialised one's


def turnover_hazard(turnover: float) -> float:
    """``workforce.attrition.annual`` for ``turnover`` exits per head per year: the model's
    annual rate is ``1 - (1 - monthly hazard)^12``; a constant hazard gives ``1 - exp(-T)``."""
    return 1.0 - math.exp(-turnover)


EXPERIMENT = "v4_flexibility"  # cfg.experiment of every run


def _floats(values: list[float]) -> str:
    return "[" + ",".join(repr(float(v)) for v in values) + "]"


def setting(*, years: int = YEARS, warmup_years: int = WARMUP_YEARS,
            pod_size: int = POD_SIZE) -> list[str]:
    """The Pinker & Shumsky setting (module docstring) as Hydra overrides, for every cell."""
    return [
        f"sim.horizon_days={365 * years}", f"sim.warmup_days={365 * warmup_years}",
        "sim.progress=false",
        f"demand.hourly_profile={_floats([0.0] * 9 + [1.0] * 8 + [0.0] * 7)}",  # 9:00-17:00
        f"demand.weekday_profile={_floats([1.0] * 5 + [0.0] * 2)}",  # workdays
        f"demand.tickets_per_day={TICKETS_PER_PERSON_DAY * pod_size!r}",
        "product.domains=2", "product.classes=1000", "product.zipf_s=0.0",
        "product.class_work_spread=0.0", "product.engineering_share=0.0",
        "product.specialist_share=0.0", f"product.mean_work_hours={MEAN_WORK_HOURS!r}",
        "org.design=generalist", "org.ownership=pod", "org.pods.count=1",
        f"org.pods.size={pod_size}", "org.pods.breadth=2", "org.engineering.headcount=0",
        "org.specialists.headcount=0", "org.info_request_p=0.0", "customers.count=200",
        "mechanisms.customers=false", "mechanisms.feedback=false",
        "mechanisms.correlated_problems=false", "mechanisms.promotion=false",
        "mechanisms.planning=false",  # headcount planning would change the pod's size
        "mechanisms.learning=true", "mechanisms.attrition=true", "mechanisms.hiring=true",
        "mechanisms.reopen=true",
        "workforce.attrition.early_multiplier=1.0", "workforce.attrition.burnout_gain=0.0",
        "workforce.attrition.stagnation_multiplier=1.0", "workforce.attrition.market_premium=0.0",
        "workforce.hiring.lead_time_weeks=0.0", "workforce.hiring.onboarding_weeks.generalist=0.0",
    ]


def cell_run(share: float, turnover: float, omega: float, seed: int) -> Run:
    """One cell of the sweep on one seed: its key and its own overrides."""
    return Run({"share": share, "turnover": turnover, "omega": omega, "seed": seed},
               (f"seed={seed}", f"org.pods.flexible_share={float(share)!r}",
                f"workforce.learning.transfer={float(omega)!r}",
                f"workforce.attrition.annual.generalist={turnover_hazard(turnover)!r}"))


def config(share: float, turnover: float, omega: float, seed: int, *, years: int = YEARS,
           warmup_years: int = WARMUP_YEARS, pod_size: int = POD_SIZE) -> Config:
    """The Pinker & Shumsky setting (module docstring) as a validated :class:`Config`."""
    run = cell_run(share, turnover, omega, seed)
    return compose([*setting(years=years, warmup_years=warmup_years, pod_size=pod_size),
                    *run.overrides], EXPERIMENT)


def one_run(cfg: Config, key: dict) -> dict:
    """One run's measures (a small picklable dict); ``key``: share, turnover, omega, seed."""
    t0 = time.perf_counter()
    share = key["share"]
    model = TierSimModel(cfg)
    warm_h = 24.0 * cfg.sim.warmup_days
    q = [0.0, 0]

    def quality(ticket, t: float) -> None:  # close hook: the resolver's skill in the domain
        if ticket.created_h >= warm_h:
            q[0] += ticket.resolver.proficiency[ticket.domain]
            q[1] += 1

    model.engine.close_hooks.append(quality)
    paid = None
    while model.running:
        model.step()
        if model.day == cfg.sim.warmup_days:
            paid = (model.talent.cost_salary, model.talent.cost_hiring)
    model.finalize()
    tickets, series = model.recorder.tickets.frame(), model.recorder.timeseries()
    k = summarise(tickets, series, staff_frame(model.staff), cfg)
    t = tickets[(tickets["created_h"] >= warm_h) & tickets["first_start_h"].notna()]
    years = (cfg.sim.horizon_days - cfg.sim.warmup_days) / 365.0
    size = cfg.org.pods.size  # seats; hires keep the leaver's certification
    return {
        **key, "pod_size": size, "flexible": flexible_count(size, share),
        "years": years, "tickets": k["tickets_created"], "resolved": q[1],
        "mean_wait_h": float(t["wait_h"].mean()), "p_wait": k["p_wait"],
        "wait_sum_h": float(t["wait_h"].sum()), "mean_quality": q[0] / q[1] if q[1] else math.nan,
        "quality_sum": q[0], "reopen_share": k["reopen_share"],
        "salary_paid": model.talent.cost_salary - paid[0],
        "hiring_cost": model.talent.cost_hiring - paid[1],
        "turnover_measured": k["attrition_annual_generalist"],
        "utilisation": k.get("utilisation_generalist", math.nan),
        "domain0_share": float((tickets["domain"] == 0).mean()),
        "wall_s": time.perf_counter() - t0,
    }


def cached_run(cfg: Config, key: dict, cache: Path | None = None) -> dict:
    """``one_run``, stored as JSON under ``cache`` (keyed by the config's hash): a sweep that
    was interrupted resumes where it stopped."""
    if cache is None:
        return one_run(cfg, key)
    path = cache / f"{config_hash(cfg)}.json"
    if path.exists():
        return json.loads(path.read_text())
    row = one_run(cfg, key)
    write_json(row, path)
    return row


def sweep(seeds, shares=SHARES, turnovers=TURNOVERS, omegas=OMEGAS, jobs: int = 2,
          cache: Path | None = None, **kw) -> pd.DataFrame:
    """Every (share, turnover, omega, seed) run, in parallel; one row each. With ``cache``
    (a directory), finished runs are kept there and not run again."""
    runs = [cell_run(s, t, w, seed)
            for seed in seeds for t in turnovers for w in omegas for s in shares]
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    rows = run_study(runs, partial(cached_run, cache=cache), overrides=setting(**kw),
                     experiment=EXPERIMENT, jobs=jobs, label="v4_flexibility")
    return tidy(rows).sort_values(["turnover", "omega", "share", "seed"]).reset_index(drop=True)


# --- the profit measure and the optimum -------------------------------------------------------
def with_profit(runs: pd.DataFrame, econ: Economics = Economics()) -> pd.DataFrame:
    """``runs`` plus the profit and its components, per year (USD)."""
    r = runs.copy()
    y = r["years"]
    r["revenue"] = econ.value_per_ticket * r["quality_sum"] / y
    r["wait_cost"] = econ.wait_cost_per_h * r["wait_sum_h"] / y
    r["salary_cost"] = (r["salary_paid"] * (1.0 + econ.flexible_premium * r["flexible"]
                                            / r["pod_size"]) / y)
    r["hiring_cost_y"] = r["hiring_cost"] / y
    r["profit"] = r["revenue"] - r["wait_cost"] - r["salary_cost"] - r["hiring_cost_y"]
    return r


def vertex(shares: np.ndarray, values: np.ndarray) -> float:
    """The maximiser of ``values`` over ``shares``: the best grid point, refined to the vertex
    of the parabola through it and its two neighbours (kept between them)."""
    i = int(np.argmax(values))
    if i == 0 or i == len(values) - 1:
        return float(shares[i])
    x, y = shares[i - 1: i + 2], values[i - 1: i + 2]
    a, b, _ = np.polyfit(x, y, 2)
    if a >= 0:
        return float(shares[i])
    return float(np.clip(-b / (2 * a), x[0], x[2]))


def cells(runs: pd.DataFrame, econ: Economics = Economics()) -> pd.DataFrame:
    """Seed means (and standard errors) per (turnover, omega, share)."""
    r = with_profit(runs, econ)
    cols = ["mean_wait_h", "mean_quality", "reopen_share", "utilisation", "turnover_measured",
            "revenue", "wait_cost", "salary_cost", "hiring_cost_y", "profit"]
    g = r.groupby(["turnover", "omega", "share"])
    out = g[cols].mean()
    se = g[["mean_wait_h", "mean_quality", "profit"]].sem().add_suffix("_se")
    return out.join(se).join(g.size().rename("seeds")).reset_index()


def _curves(r: pd.DataFrame, metric: str) -> dict:
    """{(turnover, omega): (shares, seeds x shares matrix of ``metric``)}."""
    out = {}
    for key, g in r.groupby(["turnover", "omega"]):
        w = g.pivot(index="seed", columns="share", values=metric).sort_index(axis=1)
        out[key] = (w.columns.to_numpy(float), w.to_numpy(float))
    return out


def optima(runs: pd.DataFrame, econ: Economics = Economics(), n_boot: int = 2000,
           seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """``s*`` of the seed-mean profit curve per (turnover, omega), with a paired bootstrap over
    seeds (90 % interval); also returns the bootstrap draws, keyed like the curves."""
    curves = _curves(with_profit(runs, econ), "profit")
    n = next(iter(curves.values()))[1].shape[0]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    rows, draws = [], {}
    for key, (shares, m) in curves.items():
        boot = np.array([vertex(shares, m[i].mean(axis=0)) for i in idx])
        draws[key] = boot
        mean = m.mean(axis=0)
        rows.append({"turnover": key[0], "omega": key[1], "s_star": vertex(shares, mean),
                     "s_star_grid": float(shares[int(np.argmax(mean))]),
                     "s_star_lo": float(np.quantile(boot, 0.05)),
                     "s_star_hi": float(np.quantile(boot, 0.95)),
                     "profit_max": float(mean.max()), "profit_all_flexible": float(mean[-1])})
    return pd.DataFrame(rows), draws


def statements(runs: pd.DataFrame, econ: Economics = Economics(), n_boot: int = 2000) -> dict:
    """The three V4 statements, measured (the test states the pass criteria on these)."""
    r = with_profit(runs, econ)
    wait, prof = _curves(r, "mean_wait_h"), _curves(r, "profit")
    opt, draws = optima(runs, econ, n_boot)
    turnovers = sorted(r["turnover"].unique())
    omegas = sorted(r["omega"].unique())
    out: dict = {"s1": {}, "s2": {}, "s3": {}}
    for t in turnovers:  # 1. all-flexible minimises waiting but not profit (omega = 0)
        shares, w = wait[(t, omegas[0])]
        _, p = prof[(t, omegas[0])]
        d_wait = w[:, -1][:, None] - w[:, :-1]  # paired: all-flexible minus each other share
        z_wait = d_wait.mean(axis=0) / (d_wait.std(axis=0, ddof=1) / math.sqrt(len(w)))
        best = int(np.argmax(p.mean(axis=0)))
        d_prof = p[:, best] - p[:, -1]
        out["s1"][t] = {
            "wait_argmin": float(shares[int(np.argmin(w.mean(axis=0)))]),
            "wait_gap_to_next_h": float(d_wait[:, -1].mean()),
            "wait_gap_to_next_se": float(d_wait[:, -1].std(ddof=1) / math.sqrt(len(w))),
            "wait_gap_max_z": float(z_wait.max()),  # > 2: some share waits significantly less
            "wait_gap_to_none_h": float(d_wait[:, 0].mean()),  # all-flexible - all-specialised
            "wait_gap_to_none_se": float(d_wait[:, 0].std(ddof=1) / math.sqrt(len(w))),
            "profit_argmax": float(shares[best]),
            "profit_gap": float(d_prof.mean()),
            "profit_gap_se": float(d_prof.std(ddof=1) / math.sqrt(len(p)))}
    star = {(row.turnover, row.omega): row.s_star for row in opt.itertuples()}
    w0 = omegas[0]
    for a, b in zip(turnovers, turnovers[1:], strict=False):  # 2. s* falls with turnover
        out["s2"][(a, b)] = {"diff": star[(a, w0)] - star[(b, w0)],
                             "p_boot": float(np.mean(draws[(a, w0)] > draws[(b, w0)]))}
    lo, hi = turnovers[0], turnovers[-1]
    out["s2"][(lo, hi)] = {"diff": star[(lo, w0)] - star[(hi, w0)],
                           "p_boot": float(np.mean(draws[(lo, w0)] > draws[(hi, w0)]))}
    for t in turnovers:  # 3. raising omega moves s* up
        out["s3"][t] = {"diff": star[(t, omegas[-1])] - star[(t, w0)],
                        "p_boot": float(np.mean(draws[(t, omegas[-1])] > draws[(t, w0)]))}
    mean_up = np.mean([draws[(t, omegas[-1])] - draws[(t, w0)] for t in turnovers], axis=0)
    out["s3"]["mean"] = {"diff": float(np.mean([out["s3"][t]["diff"] for t in turnovers])),
                         "p_boot": float(np.mean(mean_up > 0))}
    out["optima"] = opt
    return out


def interaction(runs: pd.DataFrame) -> pd.DataFrame:
    """The mechanism, per omega: all-flexible minus all-specialised, in quality and waiting, at
    each turnover (paired seed means). The quality gap widening with turnover pushes ``s*``
    down; the waiting gain widening with turnover pushes it up."""
    rows = []
    for (t, w), g in runs.groupby(["turnover", "omega"]):
        lo, hi = g["share"].min(), g["share"].max()
        a = g[g["share"] == lo].set_index("seed")
        b = g[g["share"] == hi].set_index("seed")
        rows.append({"turnover": t, "omega": w,
                     "quality_gap": float((b["mean_quality"] - a["mean_quality"]).mean()),
                     "wait_gap_h": float((b["mean_wait_h"] - a["mean_wait_h"]).mean())})
    return pd.DataFrame(rows)


def sensitivity(runs: pd.DataFrame, premiums=(0.0, 0.1, 0.2), wait_costs=(5.0, 10.0, 20.0),
                values=(150.0, 600.0)) -> pd.DataFrame:
    """``s*`` of the seed-mean profit curve per (turnover, omega) under other profit constants
    (the runs are the same: the constants only weigh their components)."""
    rows = []
    for v in values:
        for c in wait_costs:
            for pr in premiums:
                econ = Economics(value_per_ticket=v, wait_cost_per_h=c, flexible_premium=pr)
                curves = _curves(with_profit(runs, econ), "profit")
                row = {"V $": v, "c_w $/h": c, "premium": pr}
                for (t, w), (shares, m) in sorted(curves.items()):
                    row[f"s* T={t:g} ω={w:g}"] = vertex(shares, m.mean(axis=0))
                rows.append(row)
    return pd.DataFrame(rows)


# --- report -------------------------------------------------------------------------------------
def report(runs: pd.DataFrame, econ: Economics, wall_s: float, jobs: int) -> str:
    st = statements(runs, econ)
    opt = st["optima"]
    c = cells(runs, econ)
    seeds = runs["seed"].nunique()
    turnovers = sorted(runs["turnover"].unique())
    w0 = runs["omega"].min()
    wide = []
    for (t, w), g in c.groupby(["turnover", "omega"]):
        g = g.set_index("share")
        wide.append({"turnover": t, "omega": w, "measured turnover":
                     float(g["turnover_measured"].mean()),
                     **{f"wait s={s:g}": g.at[s, "mean_wait_h"] for s in g.index},
                     **{f"quality s={s:g}": g.at[s, "mean_quality"] for s in g.index}})
    wide = pd.DataFrame(wide)
    prof = c.pivot_table(index=["turnover", "omega"], columns="share", values="profit")
    prof.columns = [f"s={s:g}" for s in prof.columns]
    prof = (prof / 1000.0).reset_index()
    s1 = st["s1"]
    rows1 = [{"turnover": t, "wait argmin": v["wait_argmin"],
              "wait(1) - wait(0) h": f"{v['wait_gap_to_none_h']:.3f} ± {v['wait_gap_to_none_se']:.3f}",
              "wait(1) - wait(next) h": f"{v['wait_gap_to_next_h']:.3f} ± {v['wait_gap_to_next_se']:.3f}",
              "profit argmax (grid)": v["profit_argmax"],
              "profit(best) - profit(1) $k": f"{v['profit_gap'] / 1e3:.1f} ± {v['profit_gap_se'] / 1e3:.1f}"}
             for t, v in s1.items()]
    s2 = [{"turnovers": f"{a:g} vs {b:g}", "s*(lower) - s*(higher)": f"{v['diff']:+.3f}",
           "bootstrap P(s*(lower) > s*(higher))": f"{v['p_boot']:.2f}"}
          for (a, b), v in st["s2"].items()]
    s3 = [{"turnover": str(t), "s*(omega high) - s*(omega 0)": f"{v['diff']:+.3f}",
           "bootstrap P(up)": f"{v['p_boot']:.2f}"} for t, v in st["s3"].items()]
    mech = interaction(runs)
    sens = sensitivity(runs)
    text = f"""# V4 — efficiency–quality trade-off of cross-trained workers (Pinker & Shumsky 2000)

`python -m experiments.v4_flexibility` — {seeds} paired seeds × {runs['share'].nunique()} flexible
shares × turnover {', '.join(f'{t:g}' for t in turnovers)} × ω
{', '.join(f'{w:g}' for w in sorted(runs['omega'].unique()))}; {len(runs)} runs,
{runs['years'].iloc[0]:g} measured years after a {WARMUP_YEARS}-year warm-up; wall time
{wall_s:.0f} s on {jobs} workers (the runs' own times sum to {runs['wall_s'].sum():.0f} s).
Means over seeds ± paired standard errors; paired differences use the same seed's runs.

Setting (see the module docstring): one pod of {runs['pod_size'].iloc[0]} generalists, two
domains of equal volume (domain 0 share {runs['domain0_share'].mean():.3f}), business-hours
arrivals, {MEAN_WORK_HOURS} h mean work, learning on (model defaults, ω swept), constant quit
hazard, leavers replaced the next day by novices with their certification. Flexible members are
certified in both domains, the others in one (half in each).

Profit per year [A] = {econ.value_per_ticket:g} $ × Σ quality (resolver's proficiency in the
domain) − {econ.wait_cost_per_h:g} $/h × Σ waiting hours − salaries × (1 + {econ.flexible_premium:g} ×
flexible share) − replacement costs.

## Waiting (h) and quality by flexible share

{markdown(wide, cell=str, fmt={k: '{:.3f}' for k in wide.columns if k not in ('turnover', 'omega')})}

## Profit ($k per year) by flexible share

{markdown(prof, cell=str, fmt={k: '{:.1f}' for k in prof.columns if k.startswith('s=')})}

## Profit-optimal flexible share s* (parabola through the best grid point; 90 % paired bootstrap)

{markdown(opt, cell=str, fmt={k: '{:.3f}' for k in ('s_star', 's_star_grid', 's_star_lo', 's_star_hi')} |
     {k: '{:,.0f}' for k in ('profit_max', 'profit_all_flexible')})}

## The statements

1. All-flexible minimises waiting but not profit (ω = {w0:g}):

{markdown(pd.DataFrame(rows1), cell=str)}

2. The profit-optimal flexible share falls as turnover rises (ω = {w0:g}):

{markdown(pd.DataFrame(s2), cell=str)}

3. Raising ω moves it up:

{markdown(pd.DataFrame(s3), cell=str)}

## Mechanism: all-flexible minus all-specialised (paired means)

The quality gap widening with turnover pushes s* down (Pinker & Shumsky's effect); the waiting
gain widening with turnover (more novices → slower work → higher occupancy, where pooling is
worth more) pushes it up.

{markdown(mech, cell=str, fmt={'quality_gap': '{:+.4f}', 'wait_gap_h': '{:+.3f}'})}

## Sensitivity of s* to the profit constants (same runs, seed means)

{markdown(sens, cell=str, fmt={k: '{:.2f}' for k in sens.columns if k.startswith('s*')})}
"""
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=16, help="paired seeds 0..n-1 (default 16)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--out", type=Path, default=ROOT / "outputs" / "v4")
    ap.add_argument("--from-runs", type=Path, default=None,
                    help="rebuild the tables and report from an earlier runs.csv (no runs)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.from_runs is not None:
        runs = pd.read_csv(args.from_runs)
        wall = float(runs["wall_s"].sum()) / args.jobs  # an estimate: the runs' own times
    else:
        runs = sweep(range(args.seeds), jobs=args.jobs, cache=args.out / "cache")
        wall = time.perf_counter() - t0
    econ = Economics()
    args.out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(args.out / "runs.csv", index=False)
    cells(runs, econ).to_csv(args.out / "cells.csv", index=False)
    optima(runs, econ)[0].to_csv(args.out / "optima.csv", index=False)
    text = report(runs, econ, wall, args.jobs)
    (args.out / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
