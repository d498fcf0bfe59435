"""``python -m experiments.tools.bench``: throughput and memory benchmarks -> ``outputs/bench/``.

Five sections, in one command, printing a table as it goes:

1. **M/M/c: tiersim vs ciw.** The queueing-theory workload of ``conf/experiment/validation.yaml``
   (lambda = 100/h, mu = 10/h, c = 12, 24/7, exponential work, every mechanism off), run through
   the normal model path (``TierSimModel(cfg).run()``) for 84 days, about 200,000 tickets. Only
   ``run()`` is timed; building the model and the KPI tables is not. The same M/M/c in ciw (same
   lambda, mu, c and horizon), timing ``simulate_until_max_time`` only. The ratio tiersim/ciw
   compares tickets per CPU second (above 1: tiersim is faster than a general-purpose DES).
   P(wait) and E[Wq] of both (tickets created after the warm-up) are printed next to the exact
   Erlang C values: a check that the engine being timed is the engine that is right.
2. **The two-tier tandem: tiersim vs ciw.** ``conf/experiment/validation_tandem.yaml`` (tiered,
   Bernoulli escalation: L1 c1 = 6, mu1 = 2/h; p = 0.3; L2 c2 = 4, mu2 = 1/h; lambda = 8/h;
   365 days, about 70,000 tickets), and the same Jackson network in ciw. Beside the speeds, L1
   P(wait) and E[Wq], the escalated share, L2 E[Wq] and the mean time in system against the
   Jackson values (docs/science.md section 1). tiersim's L2 wait is read off the ticket log as
   resolution - first wait - work hours of the escalated tickets (24/7, no hand-off overhead).
3. **The default scenario** (``Config()`` defaults, every mechanism on, 365 days) for the tiered
   and generalist designs: tickets per CPU second, microseconds of CPU per ticket, staff
   occupancy, and peak memory. The memory headline is the tracemalloc peak, from a separate
   untimed pass (tracemalloc slows the run several-fold): every byte Python and numpy allocated
   for the model (build + run), at its highest. Beside it, from the timed run, the growth of
   the process's peak RSS over its RSS just before building the model (the kernel high-water
   mark is reset first where Linux allows it): a *lower bound*, as memory the process already
   holds from earlier sections is reused without raising RSS.
4. **A large scenario**: the default scaled to ``demand.tickets_per_day = 6000`` for 5 years.
   Demand, ``customers.count``, and the headcounts of L1, L2, engineering, specialists and the
   generalists' pods are all multiplied by the same factor (6000 / 110), so occupancy stays
   near the default's (printed for both); that is about 1,960 staff and 82,000 customers. As in
   the default, fewer tickets are created than the nominal rate (the feedback loop deflects
   classes, customers churn): about 4.8 million over the 5 years. The ticket log is on. It runs in a fresh child process (spawned, single-threaded), so its peak
   RSS is the scenario's own: interpreter and imports + build + run, then + turning the ticket
   log into its table (``recorder.tickets.frame(release=True)``, as every run's output step,
   ``model.runio.simulate``, does).
   ``--large-days N`` runs a shorter horizon; the 5-year figures are then *extrapolated*
   linearly in tickets and printed as such.
5. **A local sweep**: 8 short runs (the default scenario, 365 days, seeds 0-7, through
   ``model.runio.simulate`` as ``experiments.compare`` does) with joblib on 1 and on 2 loky
   workers, the backend of the project's ``tiersim -m`` launcher preset
   (``conf/hydra/launcher/local.yaml``): wall time and speed-up. The 2-worker figure includes
   starting the workers (also measured on its own); a second pass on the same, warm workers
   shows the speed-up without that fixed cost. On a shared machine the wall times measure the
   other load as much as the sweep, so an estimate from CPU times is printed beside them (and
   labelled): the sequential CPU over a worker's start-up plus the busiest worker's CPU.

Reading the figures: ``tickets/CPU-s`` uses ``time.process_time()`` (CPU seconds of this
process), which is steadier than wall time on a shared machine; wall seconds are shown beside it.
The sweep can only be timed in wall seconds, so it is the section most exposed to other load on
the machine. A single run per figure: expect a few per cent of noise. Nothing here asserts on
timings.

Everything is written to ``<out>/bench-<UTC timestamp>.json`` and ``<out>/latest.json`` with the
machine, package versions and git revision. ``--quick`` shrinks every size (a smoke test, figures
not comparable with a full run); ``--skip-ciw`` leaves out the ciw runs; ``--only`` runs one
section (handy under ``python -m cProfile``).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import math
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from agents.staff import Role
from model.config import Config
from model.metrics import ticket_kpis
from model.model import TierSimModel
from model.runio import PACKAGES, git_revision, write_json

ROOT = Path(__file__).resolve().parents[2]
LAM, MU, SERVERS = 100.0, 10.0, 12  # per hour, per hour, people
# the tandem of conf/experiment/validation_tandem.yaml (docs/science.md section 1)
TANDEM = {"lam": 8.0, "mu1": 2.0, "c1": 6, "p": 0.3, "mu2": 1.0, "c2": 4}
DESIGNS = ("tiered", "generalist")
SECTIONS = ("mmc", "ciw", "tandem", "default", "memory", "large", "sweep")
YEAR = 365
FULL = {"mmc_days": 84, "mmc_warmup_days": 5, "tandem_days": 365, "tandem_warmup_days": 5,
        "default_days": 365, "default_warmup_days": 60,
        "large_days": 5 * YEAR, "large_full_days": 5 * YEAR, "large_warmup_days": 60,
        "large_tickets_per_day": 6000.0, "sweep_runs": 8, "sweep_days": 365}
QUICK = {"mmc_days": 3, "mmc_warmup_days": 1, "tandem_days": 10, "tandem_warmup_days": 1,
         "default_days": 20, "default_warmup_days": 5,
         "large_days": 3, "large_full_days": 5 * YEAR, "large_warmup_days": 1,
         "large_tickets_per_day": 220.0, "sweep_runs": 2, "sweep_days": 5}
MB = 1024.0 * 1024.0


# --- analytic reference ----------------------------------------------------------------------
def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait) and E[Wq] (hours) of M/M/c, via the numerically stable Erlang B recursion."""
    a = lam / mu
    if a >= c:
        return 1.0, math.inf
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = c * b / (c - a * (1.0 - b))
    return p_wait, p_wait / (c * mu - lam)


def jackson_tandem(lam: float, mu1: float, c1: int, p: float, mu2: float, c2: int) -> dict:
    """L1 (M/M/c1) -> with probability p -> L2 (M/M/c2): waits and mean time in system."""
    pw1, wq1 = erlang_c(lam, mu1, c1)
    pw2, wq2 = erlang_c(p * lam, mu2, c2)
    return {"p_wait_l1": pw1, "wq_l1_h": wq1, "escalated_share": p, "p_wait_l2": pw2,
            "wq_l2_h": wq2, "sojourn_h": wq1 + 1.0 / mu1 + p * (wq2 + 1.0 / mu2)}


# --- configurations --------------------------------------------------------------------------
def _theory_mode(cfg: Config) -> Config:
    """24/7, flat Poisson demand, exponential work, every mechanism off: a queueing network."""
    s, d, p, o = cfg.sim, cfg.demand, cfg.product, cfg.org
    s.calendar, s.stalled_after_working_hours, s.record_tickets, s.progress = \
        "always", 1e6, True, False
    d.pattern = "flat"
    p.service, p.domains, p.classes = "exponential", 1, 1
    p.new_classes_per_year = 0.0  # a plain queue: one class, no releases
    p.engineering_share, p.specialist_share = 0.0, 0.0
    o.info_request_p = 0.0
    o.engineering.headcount, o.specialists.headcount = 0, 0
    cfg.workforce.novice_multiplier = 1.0
    for switch in dataclasses.fields(cfg.mechanisms):
        setattr(cfg.mechanisms, switch.name, False)
    return cfg


def mmc_config(days: int, warmup_days: int, seed: int) -> Config:
    """``conf/experiment/validation.yaml`` as a typed Config: a plain M/M/12 queue."""
    cfg = _theory_mode(Config(seed=seed, experiment="bench_mmc"))
    cfg.sim.horizon_days, cfg.sim.warmup_days = days, warmup_days
    cfg.demand.tickets_per_day = LAM * 24.0
    cfg.product.mean_work_hours = 1.0 / MU
    o = cfg.org
    o.design, o.ownership = "generalist", "pod"
    o.pods.count, o.pods.size, o.pods.breadth = 1, SERVERS, 1
    return cfg


def tandem_config(days: int, warmup_days: int, seed: int) -> Config:
    """``conf/experiment/validation_tandem.yaml`` as a typed Config: a Jackson tandem."""
    t = TANDEM
    cfg = _theory_mode(Config(seed=seed, experiment="bench_tandem"))
    cfg.sim.horizon_days, cfg.sim.warmup_days = days, warmup_days
    cfg.demand.tickets_per_day = t["lam"] * 24.0
    cfg.product.mean_work_hours = 1.0 / t["mu1"]
    o = cfg.org
    o.design = "tiered"
    o.l1.headcount, o.l2.headcount = t["c1"], t["c2"]
    e = o.escalation
    e.mode, e.p, e.l2_work_factor, e.reopen_p = "bernoulli", t["p"], t["mu1"] / t["mu2"], 0.0
    return cfg


def default_config(design: str, days: int, warmup_days: int, seed: int) -> Config:
    cfg = Config(seed=seed, experiment="bench_default")
    cfg.org.design = design
    cfg.sim.horizon_days, cfg.sim.warmup_days, cfg.sim.progress = days, warmup_days, False
    return cfg


def large_config(tickets_per_day: float, days: int, warmup_days: int, seed: int) -> Config:
    """The default scenario scaled up: demand, customers and every team by the same factor, so
    occupancy stays near the default's."""
    cfg = default_config("tiered", days, warmup_days, seed)
    cfg.experiment = "bench_large"
    k = tickets_per_day / cfg.demand.tickets_per_day
    cfg.demand.tickets_per_day = tickets_per_day
    cfg.customers.count = round(cfg.customers.count * k)
    o = cfg.org
    for team in (o.l1, o.l2, o.engineering, o.specialists):
        team.headcount = round(team.headcount * k)
    o.pods.count = round(o.pods.count * k)
    return cfg


# --- measurement helpers ---------------------------------------------------------------------
def _reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    """Peak RSS of this process so far (since the last reset), in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak / 1024.0  # bytes on macOS, else KiB


def _release_free_memory() -> None:
    """Collect garbage and hand free C-heap pages back to the OS (glibc), so a run's RSS growth
    is not hidden by memory a previous run freed but the allocator kept."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB
    except (OSError, ValueError):
        return _peak_rss_mb()


def _rates(n: int, cpu: float, wall: float) -> dict:
    return {"tickets": n, "cpu_s": cpu, "wall_s": wall,
            "tickets_per_cpu_s": n / cpu if cpu > 0 else math.nan,
            "tickets_per_wall_s": n / wall if wall > 0 else math.nan,
            "us_per_ticket": 1e6 * cpu / n if n else math.nan}


def timed_run(cfg: Config) -> tuple[TierSimModel, dict]:
    """Build the model (untimed), time ``run()``; peak-RSS growth covers build + run."""
    _release_free_memory()
    exact = _reset_peak_rss()
    base = _current_rss_mb() if exact else _peak_rss_mb()
    model = TierSimModel(cfg)
    c0, w0 = time.process_time(), time.perf_counter()
    model.run()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    out = _rates(model.recorder.n_created, cpu, wall)
    peak = _peak_rss_mb()
    out.update({"peak_rss_mb": peak, "peak_rss_growth_mb": max(peak - base, 0.0),
                "peak_rss_exact": exact})
    return model, out


def traced_peak(cfg: Config) -> dict:
    """Untimed pass under tracemalloc: peak and retained traced MB for build + run."""
    gc.collect()
    tracemalloc.start()
    try:
        model = TierSimModel(cfg)
        model.run()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"tracemalloc_peak_mb": peak / MB, "tracemalloc_retained_mb": current / MB,
            "tickets": model.recorder.n_created}


def occupancy(model: TierSimModel) -> float:
    """Hours of work started / staffed shift hours, over the days after the warm-up."""
    cfg = model.cfg
    s = cfg.sim
    shift = 24.0 if s.calendar == "always" else s.business_hours[1] - s.business_hours[0]
    open_days = set(range(7)) if s.calendar == "always" else set(s.workdays)
    work = staffed = 0.0
    for row in model.recorder.series:
        if row["day"] < s.warmup_days:
            continue
        work += sum(row.get(f"work_h_{r.value}", 0.0) for r in Role)
        if row["day"] % 7 in open_days:
            staffed += shift * sum(row.get(f"headcount_{r.value}", 0) for r in Role)
    return work / staffed if staffed > 0 else math.nan


# --- printing --------------------------------------------------------------------------------
def header(title: str) -> None:
    print(f"\n{title}\n{'-' * 78}", flush=True)


def line(label: str, value, note: str = "") -> None:
    if isinstance(value, float):
        text = f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    print(f"  {label:<34} {text:>16}  {note}", flush=True)


def print_rates(r: dict) -> None:
    line("tickets created", r["tickets"])
    line("CPU seconds (run only)", r["cpu_s"], f"wall {r['wall_s']:.2f} s")
    line("tickets / CPU-s", r["tickets_per_cpu_s"], f"wall: {r['tickets_per_wall_s']:,.0f}/s")
    line("us / ticket (CPU)", r["us_per_ticket"])


def versus(label: str, sim: float, ref: float, digits: int = 4) -> None:
    line(label, f"{sim:.{digits}f} | {ref:.{digits}f}", f"rel. diff {sim / ref - 1:+.2%}")


def _ratio(tiersim: dict | None, ciw_result: dict) -> None:
    if tiersim is not None:
        ciw_result["ratio_tiersim_over_ciw"] = (tiersim["tickets_per_cpu_s"]
                                                / ciw_result["tickets_per_cpu_s"])
        line("tiersim / ciw (tickets per CPU-s)", ciw_result["ratio_tiersim_over_ciw"], "x")


# --- section 1: M/M/c ------------------------------------------------------------------------
def bench_mmc(sizes: dict, seed: int) -> dict:
    header(f"1. M/M/c in tiersim: lambda={LAM:g}/h mu={MU:g}/h c={SERVERS}, "
           f"{sizes['mmc_days']} days")
    cfg = mmc_config(sizes["mmc_days"], sizes["mmc_warmup_days"], seed)
    model, r = timed_run(cfg)
    print_rates(r)
    k = ticket_kpis(model.recorder.tickets.frame(), 24.0 * sizes["mmc_warmup_days"])
    pw, wq = erlang_c(LAM, MU, SERVERS)
    r.update({"lambda_per_h": LAM, "mu_per_h": MU, "servers": SERVERS,
              "horizon_days": sizes["mmc_days"], "warmup_days": sizes["mmc_warmup_days"],
              "kpi_tickets": k["tickets_created"], "p_wait": k["p_wait"],
              "mean_wait_h": k["mean_wait_h"], "erlang_c_p_wait": pw, "erlang_c_mean_wait_h": wq})
    versus("P(wait)  sim | Erlang C", k["p_wait"], pw)
    versus("E[Wq] h  sim | Erlang C", k["mean_wait_h"], wq)
    return r


def _time_ciw(sim, hours: float) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    sim.simulate_until_max_time(hours)
    return time.process_time() - c0, time.perf_counter() - w0


def bench_ciw(sizes: dict, seed: int, tiersim: dict | None) -> dict:
    import ciw  # dev dependency: imported only when this section runs

    header(f"1. M/M/c in ciw {metadata.version('ciw')}: same workload, {sizes['mmc_days']} days")
    ciw.seed(seed)
    net = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=LAM)],
                             service_distributions=[ciw.dists.Exponential(rate=MU)],
                             number_of_servers=[SERVERS])
    sim = ciw.Simulation(net)
    cpu, wall = _time_ciw(sim, 24.0 * sizes["mmc_days"])
    recs = [x for x in sim.get_all_records() if x.record_type == "service"]
    r = _rates(len(recs), cpu, wall)
    print_rates(r)
    post = [x.waiting_time for x in recs if x.arrival_date >= 24.0 * sizes["mmc_warmup_days"]]
    r["p_wait"] = sum(w > 0 for w in post) / len(post) if post else math.nan
    r["mean_wait_h"] = sum(post) / len(post) if post else math.nan
    pw, wq = erlang_c(LAM, MU, SERVERS)
    versus("P(wait)  ciw | Erlang C", r["p_wait"], pw)
    versus("E[Wq] h  ciw | Erlang C", r["mean_wait_h"], wq)
    _ratio(tiersim, r)
    return r


# --- section 2: the tandem -------------------------------------------------------------------
def _print_tandem(figures: dict, theory: dict, who: str) -> None:
    versus(f"L1 P(wait) {who} | Jackson", figures["p_wait_l1"], theory["p_wait_l1"])
    versus(f"L1 E[Wq] h {who} | Jackson", figures["wq_l1_h"], theory["wq_l1_h"])
    versus(f"escalated  {who} | p", figures["escalated_share"], theory["escalated_share"])
    versus(f"L2 E[Wq] h {who} | Jackson", figures["wq_l2_h"], theory["wq_l2_h"])
    versus(f"time in system h {who} | Jackson", figures["sojourn_h"], theory["sojourn_h"])


def _mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else math.nan


def bench_tandem(sizes: dict, seed: int, with_ciw: bool) -> dict:
    t, days, warm = TANDEM, sizes["tandem_days"], sizes["tandem_warmup_days"]
    theory = jackson_tandem(**t)
    header(f"2. two-tier tandem in tiersim: lambda={t['lam']:g}/h, L1 c={t['c1']} "
           f"mu={t['mu1']:g}/h, p={t['p']:g}, L2 c={t['c2']} mu={t['mu2']:g}/h, {days} days")
    model, r = timed_run(tandem_config(days, warm, seed))
    print_rates(r)
    df = model.recorder.tickets.frame()
    df = df[(df["created_h"] >= 24.0 * warm) & df["resolved_h"].notna()]
    esc = df[df["max_level"] == 2]
    sim = {"p_wait_l1": float((df["wait_h"] > 0).mean()), "wq_l1_h": float(df["wait_h"].mean()),
           "escalated_share": len(esc) / len(df) if len(df) else math.nan,
           # 24/7 and no hand-off overhead: time in system = L1 wait + L2 wait + work hours
           "wq_l2_h": float((esc["resolution_h"] - esc["wait_h"] - esc["cost_h"]).mean()),
           "sojourn_h": float(df["resolution_h"].mean())}
    _print_tandem(sim, theory, "sim")
    out = {"tiersim": {**r, **sim, "horizon_days": days, "warmup_days": warm},
           "theory": theory, **{k: v for k, v in t.items()}}
    if with_ciw:
        out["ciw"] = _tandem_ciw(days, warm, seed, theory, r)
    return out


def _tandem_ciw(days: int, warm: int, seed: int, theory: dict, tiersim: dict) -> dict:
    import ciw

    t = TANDEM
    header(f"2. the same tandem in ciw {metadata.version('ciw')}, {days} days")
    ciw.seed(seed)
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=t["lam"]), None],
        service_distributions=[ciw.dists.Exponential(rate=t["mu1"]),
                               ciw.dists.Exponential(rate=t["mu2"])],
        routing=[[0.0, t["p"]], [0.0, 0.0]], number_of_servers=[t["c1"], t["c2"]])
    sim = ciw.Simulation(net)
    cpu, wall = _time_ciw(sim, 24.0 * days)
    by_id: dict[int, list] = {}
    for x in sim.get_all_records():
        if x.record_type == "service":
            by_id.setdefault(x.id_number, []).append(x)
    r = _rates(sum(1 for recs in by_id.values() if recs[0].node == 1), cpu, wall)
    print_rates(r)
    done = []  # post-warm-up tickets that left the network before the horizon: (L1, L2 or None)
    for recs in by_id.values():
        recs.sort(key=lambda x: x.node)
        if recs[0].node != 1 or recs[0].arrival_date < 24.0 * warm or recs[-1].destination != -1:
            continue
        done.append((recs[0], recs[1] if len(recs) > 1 else None))
    l2 = [b for _, b in done if b is not None]
    figures = {"p_wait_l1": _mean(a.waiting_time > 0 for a, _ in done),
               "wq_l1_h": _mean(a.waiting_time for a, _ in done),
               "escalated_share": len(l2) / len(done) if done else math.nan,
               "wq_l2_h": _mean(b.waiting_time for b in l2),
               "sojourn_h": _mean((b or a).exit_date - a.arrival_date for a, b in done)}
    _print_tandem(figures, theory, "ciw")
    r.update(figures)
    _ratio(tiersim, r)
    return r


# --- section 3: the default scenario ---------------------------------------------------------
def bench_default(sizes: dict, seed: int) -> dict:
    out = {}
    for design in DESIGNS:
        header(f"3. default scenario, {design}, {sizes['default_days']} days")
        cfg = default_config(design, sizes["default_days"], sizes["default_warmup_days"], seed)
        model, r = timed_run(cfg)
        r["occupancy"] = occupancy(model)
        del model
        print_rates(r)
        line("staff occupancy (after warm-up)", r["occupancy"])
        note = "" if r["peak_rss_exact"] else "(lower bound: RSS high-water mark not resettable)"
        line("peak RSS growth, build + run (MB)", r["peak_rss_growth_mb"], note)
        line("process peak RSS during run (MB)", r["peak_rss_mb"])
        r["horizon_days"] = sizes["default_days"]
        out[design] = r
    return out


def bench_memory(sizes: dict, seed: int, default: dict | None) -> dict:
    out = {}
    for design in DESIGNS:
        header(f"3. peak memory, default scenario, {design} (tracemalloc pass, untimed)")
        cfg = default_config(design, sizes["default_days"], sizes["default_warmup_days"], seed)
        m = traced_peak(cfg)
        if default is not None and design in default:
            m["peak_rss_growth_mb"] = default[design]["peak_rss_growth_mb"]
            m["peak_rss_exact"] = default[design]["peak_rss_exact"]
            line("peak RSS growth (MB, timed run)", m["peak_rss_growth_mb"], "lower bound")
        line("tracemalloc peak (MB)", m["tracemalloc_peak_mb"], "headline: model build + run")
        line("tracemalloc retained at end (MB)", m["tracemalloc_retained_mb"], "model still alive")
        out[design] = m
    return out


# --- section 4: the large scenario -----------------------------------------------------------
def large_run(tickets_per_day: float, days: int, warmup_days: int, seed: int) -> dict:
    """Build, run and tabulate the large scenario; meant for a fresh process (its peak RSS).
    RSS is also sampled half-way through the run, for the growth per ticket."""
    rss0 = _current_rss_mb()
    cfg = large_config(tickets_per_day, days, warmup_days, seed)
    c0, w0 = time.process_time(), time.perf_counter()
    model = TierSimModel(cfg)
    c1, w1 = time.process_time(), time.perf_counter()
    rss_built, staff = _current_rss_mb(), len(model.staff)
    half: dict = {}

    def progress(day: int, horizon: int) -> None:
        if day == horizon // 2:
            half.update(tickets=model.recorder.n_created, rss_mb=_current_rss_mb())

    model.run(progress)
    c2, w2 = time.process_time(), time.perf_counter()
    rss_run, peak_run = _current_rss_mb(), _peak_rss_mb()
    rows = len(model.recorder.tickets.frame(release=True))  # as model.runio.simulate does
    c3, w3 = time.process_time(), time.perf_counter()
    r = _rates(model.recorder.n_created, c2 - c1, w2 - w1)
    r.update({"days": days, "tickets_per_day": tickets_per_day,
              "customers": cfg.customers.count, "staff": staff,
              "occupancy": occupancy(model), "log_rows": rows,
              "build_cpu_s": c1 - c0, "build_wall_s": w1 - w0,
              "frame_cpu_s": c3 - c2, "frame_wall_s": w3 - w2,
              "total_wall_s": w3 - w0, "total_cpu_s": c3 - c0,
              "rss_start_mb": rss0, "rss_after_build_mb": rss_built,
              "rss_half_mb": half.get("rss_mb", rss_built), "tickets_half": half.get("tickets", 0),
              "rss_after_run_mb": rss_run, "peak_rss_run_mb": peak_run,
              "peak_rss_with_table_mb": _peak_rss_mb()})
    return r


def extrapolate(r: dict, full_days: int) -> dict:
    """5-year figures from a shortened large run, linear in days (tickets, CPU) and in tickets
    (memory: the run's RSS growth per ticket over its second half, and the table step's extra
    memory in proportion to the rows)."""
    k = full_days / r["days"]
    tickets = k * r["tickets"]
    dt = r["tickets"] - r["tickets_half"]
    per_ticket = max(r["rss_after_run_mb"] - r["rss_half_mb"], 0.0) / dt if dt > 0 else 0.0
    run_peak = max(r["peak_rss_run_mb"], r["rss_after_run_mb"] + per_ticket * (tickets - r["tickets"]))
    table = max(r["peak_rss_with_table_mb"] - r["peak_rss_run_mb"], 0.0) * tickets / r["tickets"]
    return {"days": full_days, "method": "linear in days (time) and in tickets (memory)",
            "tickets": round(tickets), "run_cpu_s": k * r["cpu_s"], "run_wall_s": k * r["wall_s"],
            "total_wall_s": r["build_wall_s"] + k * (r["wall_s"] + r["frame_wall_s"]),
            "rss_mb_per_1k_tickets": 1000.0 * per_ticket, "peak_rss_run_mb": run_peak,
            "peak_rss_with_table_mb": run_peak + table}


def _importable(fn):
    """``fn`` from the module ``experiments.tools.bench`` (not ``__main__``), so that child processes
    import it by name whether this file runs as a module or a script."""
    return getattr(importlib.import_module("experiments.tools.bench"), fn.__name__)


def _in_child(fn, *args):
    """Run ``fn(*args)`` in a fresh spawned process (its own peak RSS) and return its result."""
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_importable(fn), *args).result()


def bench_large(sizes: dict, seed: int, default: dict | None) -> dict:
    days, full = sizes["large_days"], sizes["large_full_days"]
    tpd, warm = sizes["large_tickets_per_day"], min(sizes["large_warmup_days"], days - 1)
    header(f"4. large scenario: default x {tpd / Config().demand.tickets_per_day:.3g} "
           f"(tickets_per_day {tpd:,.0f}), {days} days, ticket log on (fresh process)")
    r = _in_child(large_run, tpd, days, warm, seed)
    line("staff | customers at the start", f"{r['staff']:,} | {r['customers']:,}")
    occ = f"default tiered: {default['tiered']['occupancy']:.3f}" if default else ""
    line("staff occupancy (after warm-up)", r["occupancy"], occ)
    line("build (wall s)", r["build_wall_s"])
    print_rates(r)
    line("ticket table from the log (wall s)", r["frame_wall_s"], f"{r['log_rows']:,} rows")
    line("wall s, build + run + table", r["total_wall_s"])
    line("RSS at start | after build (MB)", f"{r['rss_start_mb']:,.0f} | "
         f"{r['rss_after_build_mb']:,.0f}", "interpreter + imports | + the built model")
    line("peak RSS: run | + table (MB)", f"{r['peak_rss_run_mb']:,.0f} | "
         f"{r['peak_rss_with_table_mb']:,.0f}", "whole process")
    if days < full:
        x = r["extrapolated"] = extrapolate(r, full)
        print(f"  EXTRAPOLATED to {full} days from this {days}-day run (not measured):",
              flush=True)
        line("  tickets", x["tickets"])
        line("  run CPU s", x["run_cpu_s"], f"{x['run_cpu_s'] / 60:.1f} min")
        line("  wall s, build + run + table", x["total_wall_s"])
        line("  RSS growth per 1,000 tickets (MB)", x["rss_mb_per_1k_tickets"], "second half")
        line("  peak RSS: run | + table (MB)", f"{x['peak_rss_run_mb']:,.0f} | "
             f"{x['peak_rss_with_table_mb']:,.0f}")
    return r


# --- section 5: a local sweep ----------------------------------------------------------------
def sweep_job(seed: int, days: int) -> dict:
    """One run of the sweep: the default scenario through the normal output path (untimed
    parts included: the KPI tables and summary), nothing written to disk."""
    from model.simulate import simulate

    cfg = default_config("tiered", days, min(60, days // 2), seed)
    c0 = time.process_time()
    _, summary, _ = simulate(cfg)
    return {"seed": seed, "tickets": summary["tickets_created"],
            "cpu_s": time.process_time() - c0, "pid": os.getpid()}


def _started(i: int) -> float:
    """CPU seconds a fresh worker spent starting (interpreter, imports) before this call."""
    return time.process_time()


def bench_sweep(sizes: dict) -> dict:
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor

    n, days = sizes["sweep_runs"], sizes["sweep_days"]
    header(f"5. local sweep: {n} runs of the default scenario ({days} days), joblib/loky")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    out: dict = {"runs": n, "days": days, "load_average_before": load}
    line("load average before (1 min)", load,
         f"on {os.cpu_count()} CPUs: wall times need an otherwise idle machine")
    job = delayed(_importable(sweep_job))

    def sweep(label: str, jobs: int) -> None:
        w0 = time.perf_counter()
        res = Parallel(n_jobs=jobs, backend="loky")(job(s, days) for s in range(n))
        wall = time.perf_counter() - w0
        cpu = sum(x["cpu_s"] for x in res)
        per_worker: dict = {}
        for x in res:
            per_worker[x["pid"]] = per_worker.get(x["pid"], 0.0) + x["cpu_s"]
        out[label] = {"wall_s": wall, "cpu_s_in_runs": cpu, "processes": len(per_worker),
                      "busiest_worker_cpu_s": max(per_worker.values())}
        line(f"{label.replace('_', ' ')}: wall s", wall, f"CPU in the runs {cpu:.1f} s")

    sweep("workers_1", 1)  # n_jobs=1: joblib runs them one after another in this process
    get_reusable_executor().shutdown(wait=True)
    sweep("workers_2", 2)  # cold: starting the two workers is inside the timing
    sweep("workers_2_warm", 2)  # the same workers again (a launcher that keeps them)
    get_reusable_executor().shutdown(wait=True)
    w0 = time.perf_counter()
    start_cpu = Parallel(n_jobs=2, backend="loky")(delayed(_importable(_started))(i)
                                                   for i in range(2))
    out["worker_start_s"] = time.perf_counter() - w0
    out["worker_start_cpu_s"] = max(start_cpu)
    get_reusable_executor().shutdown(wait=True)
    out["speedup"] = out["workers_1"]["wall_s"] / out["workers_2"]["wall_s"]
    out["speedup_warm"] = out["workers_1"]["wall_s"] / out["workers_2_warm"]["wall_s"]
    # what two free cores would give: the sequential CPU over start-up + the busiest worker
    one = out["workers_1"]["cpu_s_in_runs"]
    out["speedup_cpu_estimate"] = one / (out["worker_start_cpu_s"]
                                         + out["workers_2"]["busiest_worker_cpu_s"])
    line("starting 2 loky workers (wall s)", out["worker_start_s"],
         f"CPU {out['worker_start_cpu_s']:.2f} s each; inside the cold figure")
    line("speed-up, 2 workers over 1", out["speedup"], "x (cold: workers started)")
    line("speed-up, warm workers", out["speedup_warm"], "x")
    line("speed-up from CPU times (estimate)", out["speedup_cpu_estimate"],
         "x: sequential CPU / (start-up + busiest worker), i.e. on two free cores")
    return out


# --- provenance and output -------------------------------------------------------------------
def machine_info() -> dict:
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(),
            "processor": platform.processor(), "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def package_versions() -> dict:
    out = {}
    for p in (*PACKAGES, "ciw", "joblib"):
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def write_results(result: dict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = result["timestamp_utc"].replace(":", "").replace("-", "")
    path = out_dir / f"bench-{stamp}.json"
    write_json(result, path)
    write_json(result, out_dir / "latest.json")
    return path


# --- command line ----------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m experiments.tools.bench",
                                 description="tiersim throughput and memory benchmarks")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--skip-ciw", action="store_true", help="leave out the ciw runs")
    ap.add_argument("--only", choices=SECTIONS, help="run a single section")
    ap.add_argument("--large-days", type=int, default=None, metavar="N",
                    help="horizon of the large scenario (default 5 years); shorter runs print "
                         "5-year figures extrapolated from it, labelled as such")
    ap.add_argument("--sweep-days", type=int, default=None, metavar="N",
                    help="horizon of each sweep run (default 365)")
    ap.add_argument("--seed", type=int, default=0, help="seed for tiersim and ciw (default 0)")
    ap.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench",
                    help="output directory (default outputs/bench)")
    args = ap.parse_args(argv)
    for name in ("large_days", "sweep_days"):
        v = getattr(args, name)
        if v is not None and v < 2:
            ap.error(f"--{name.replace('_', '-')} must be >= 2")
    return args


def run_sections(args: argparse.Namespace, sizes: dict) -> dict:
    todo = {args.only} if args.only else set(SECTIONS)
    if args.skip_ciw:
        todo.discard("ciw")
    res: dict = {}
    if "mmc" in todo:
        res["mmc"] = bench_mmc(sizes, args.seed)
    if "ciw" in todo:
        res["ciw"] = bench_ciw(sizes, args.seed, res.get("mmc"))
    if "tandem" in todo:
        res["tandem"] = bench_tandem(sizes, args.seed, with_ciw=not args.skip_ciw)
    if "default" in todo:
        res["default"] = bench_default(sizes, args.seed)
    if "memory" in todo:
        res["memory"] = bench_memory(sizes, args.seed, res.get("default"))
    if "large" in todo:
        res["large"] = bench_large(sizes, args.seed, res.get("default"))
    if "sweep" in todo:
        res["sweep"] = bench_sweep(sizes)
    return res


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    if args.large_days is not None:
        sizes["large_days"] = args.large_days
    if args.sweep_days is not None:
        sizes["sweep_days"] = args.sweep_days
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"tiersim bench {stamp} ({'quick' if args.quick else 'full'}), "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs", flush=True)
    result = {"timestamp_utc": stamp, "quick": args.quick, "seed": args.seed, "sizes": sizes,
              "machine": machine_info(), "versions": package_versions(),
              "git_revision": git_revision()}
    result.update(run_sections(args, sizes))
    path = write_results(result, args.out)
    print(f"\nwrote {path} and {args.out / 'latest.json'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
