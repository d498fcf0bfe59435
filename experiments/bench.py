"""``python -m experiments.bench``: throughput and memory benchmarks -> ``outputs/bench/``.

What it measures, in one process, printing a table as it goes:

1. **M/M/c through tiersim.** The queueing-theory workload of ``conf/experiment/validation.yaml``
   (lambda = 100/h, mu = 10/h, c = 12, 24/7, every mechanism off), run through the normal model
   path (``TierSimModel(cfg).run()``) for 84 days, about 200,000 tickets. Only ``run()`` is timed;
   building the model and the KPI tables is not. The KPIs P(wait) and E[Wq] (tickets created after
   the warm-up) are printed next to the exact Erlang C values as a sanity check that the engine
   being timed is the engine that is right.
2. **The same M/M/c in ciw** (same lambda, mu, c, horizon and so about the same number of
   tickets), timing ``simulate_until_max_time`` only. The ratio tiersim/ciw compares tickets per
   CPU second: above 1 means tiersim pushes tickets through faster than a general-purpose DES.
3. **The default scenario** (``Config()`` defaults, 365 days) for the tiered and generalist
   designs: tickets per CPU second and microseconds of CPU per ticket (the per-ticket budget).
4. **Peak memory** of the default scenario (model construction + run). The headline is the
   tracemalloc peak, from a separate untimed pass (tracemalloc slows the run several-fold): every
   byte Python and numpy allocated for the model, at its highest. Beside it, from the timed run,
   the growth of the process's peak RSS over its RSS just before building the model (the kernel
   high-water mark is reset first where Linux allows it). That growth is a *lower bound*: memory
   the process already holds from earlier sections (allocator arenas, the first model's ticket
   table) is reused without raising RSS. The process's absolute peak RSS is shown too.

Reading the figures: ``tickets/CPU-s`` uses ``time.process_time()`` (CPU seconds of this
process), which is steadier than wall time on a shared machine; wall seconds are shown beside it.
A single run per figure: expect a few per cent of noise. Nothing here asserts on timings.

Everything is written to ``<out>/bench-<UTC timestamp>.json`` and ``<out>/latest.json`` with the
machine, package versions and git revision. ``--quick`` shrinks every size (a smoke test, figures
not comparable with a full run); ``--skip-ciw`` leaves out section 2; ``--only`` runs one section
(handy under ``python -m cProfile``).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import os
import platform
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from model.config import Config
from model.metrics import ticket_kpis
from model.model import TierSimModel
from model.runio import PACKAGES, git_revision, write_json

ROOT = Path(__file__).resolve().parent.parent
LAM, MU, SERVERS = 100.0, 10.0, 12  # per hour, per hour, people
DESIGNS = ("tiered", "generalist")
SECTIONS = ("mmc", "ciw", "default", "memory")
FULL = {"mmc_days": 84, "mmc_warmup_days": 5, "default_days": 365, "default_warmup_days": 60}
QUICK = {"mmc_days": 3, "mmc_warmup_days": 1, "default_days": 20, "default_warmup_days": 5}
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


# --- configurations --------------------------------------------------------------------------
def mmc_config(days: int, warmup_days: int, seed: int) -> Config:
    """``conf/experiment/validation.yaml`` as a typed Config: a plain M/M/12 queue."""
    cfg = Config(seed=seed, experiment="bench_mmc")
    s, d, p, o = cfg.sim, cfg.demand, cfg.product, cfg.org
    s.calendar, s.horizon_days, s.warmup_days = "always", days, warmup_days
    s.stalled_after_working_hours, s.record_tickets, s.progress = 1e6, True, False
    d.pattern, d.tickets_per_day = "flat", LAM * 24.0
    p.service, p.mean_work_hours, p.domains, p.classes = "exponential", 1.0 / MU, 1, 1
    p.engineering_share, p.specialist_share = 0.0, 0.0
    o.design, o.ownership, o.info_request_p = "generalist", "pod", 0.0
    o.pods.count, o.pods.size, o.pods.breadth = 1, SERVERS, 1
    o.engineering.headcount, o.specialists.headcount = 0, 0
    cfg.workforce.novice_multiplier = 1.0
    for switch in dataclasses.fields(cfg.mechanisms):  # every mechanism off: a plain queue
        setattr(cfg.mechanisms, switch.name, False)
    return cfg


def default_config(design: str, days: int, warmup_days: int, seed: int) -> Config:
    cfg = Config(seed=seed, experiment="bench_default")
    cfg.org.design = design
    cfg.sim.horizon_days, cfg.sim.warmup_days, cfg.sim.progress = days, warmup_days, False
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


# --- sections --------------------------------------------------------------------------------
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
    line("P(wait)  sim | Erlang C", f"{k['p_wait']:.4f} | {pw:.4f}",
         f"rel. diff {k['p_wait'] / pw - 1:+.2%}")
    line("E[Wq] h  sim | Erlang C", f"{k['mean_wait_h']:.4f} | {wq:.4f}",
         f"rel. diff {k['mean_wait_h'] / wq - 1:+.2%}")
    return r


def bench_ciw(sizes: dict, seed: int, tiersim_rate: float | None) -> dict:
    import ciw  # dev dependency: imported only when this section runs

    header(f"2. M/M/c in ciw {metadata.version('ciw')}: same workload, {sizes['mmc_days']} days")
    ciw.seed(seed)
    net = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=LAM)],
                             service_distributions=[ciw.dists.Exponential(rate=MU)],
                             number_of_servers=[SERVERS])
    sim = ciw.Simulation(net)
    c0, w0 = time.process_time(), time.perf_counter()
    sim.simulate_until_max_time(24.0 * sizes["mmc_days"])
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    recs = [x for x in sim.get_all_records() if x.record_type == "service"]
    r = _rates(len(recs), cpu, wall)
    print_rates(r)
    post = [x.waiting_time for x in recs if x.arrival_date >= 24.0 * sizes["mmc_warmup_days"]]
    r["p_wait"] = sum(w > 0 for w in post) / len(post) if post else math.nan
    r["mean_wait_h"] = sum(post) / len(post) if post else math.nan
    line("P(wait) | E[Wq] h (ciw)", f"{r['p_wait']:.4f} | {r['mean_wait_h']:.4f}")
    if tiersim_rate is not None:
        r["ratio_tiersim_over_ciw"] = tiersim_rate / r["tickets_per_cpu_s"]
        line("tiersim / ciw (tickets per CPU-s)", r["ratio_tiersim_over_ciw"], "x")
    return r


def bench_default(sizes: dict, seed: int) -> dict:
    out = {}
    for design in DESIGNS:
        header(f"3. default scenario, {design}, {sizes['default_days']} days")
        cfg = default_config(design, sizes["default_days"], sizes["default_warmup_days"], seed)
        model, r = timed_run(cfg)
        del model
        print_rates(r)
        note = "" if r["peak_rss_exact"] else "(lower bound: RSS high-water mark not resettable)"
        line("peak RSS growth, build + run (MB)", r["peak_rss_growth_mb"], note)
        line("process peak RSS during run (MB)", r["peak_rss_mb"])
        r["horizon_days"] = sizes["default_days"]
        out[design] = r
    return out


def bench_memory(sizes: dict, seed: int, default: dict | None) -> dict:
    out = {}
    for design in DESIGNS:
        header(f"4. peak memory, default scenario, {design} (tracemalloc pass, untimed)")
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


# --- provenance and output -------------------------------------------------------------------
def machine_info() -> dict:
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(),
            "processor": platform.processor(), "cpu_count": os.cpu_count()}


def package_versions() -> dict:
    out = {}
    for p in (*PACKAGES, "ciw"):
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
    ap = argparse.ArgumentParser(prog="python -m experiments.bench",
                                 description="tiersim throughput and memory benchmarks")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--skip-ciw", action="store_true", help="leave out the ciw comparison")
    ap.add_argument("--only", choices=SECTIONS, help="run a single section")
    ap.add_argument("--seed", type=int, default=0, help="seed for tiersim and ciw (default 0)")
    ap.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench",
                    help="output directory (default outputs/bench)")
    return ap.parse_args(argv)


def run_sections(args: argparse.Namespace, sizes: dict) -> dict:
    todo = {args.only} if args.only else set(SECTIONS)
    if args.skip_ciw:
        todo.discard("ciw")
    res: dict = {}
    if "mmc" in todo:
        res["mmc"] = bench_mmc(sizes, args.seed)
    if "ciw" in todo:
        rate = res["mmc"]["tickets_per_cpu_s"] if "mmc" in res else None
        res["ciw"] = bench_ciw(sizes, args.seed, rate)
    if "default" in todo:
        res["default"] = bench_default(sizes, args.seed)
    if "memory" in todo:
        res["memory"] = bench_memory(sizes, args.seed, res.get("default"))
    return res


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
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
