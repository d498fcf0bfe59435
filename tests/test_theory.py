"""Queueing-theory validation (docs/science.md section 1): exact helpers, V1 (Erlang C) and V2 (tandem).

Three layers:

* exact unit tests of ``tests/theory.py`` against the docs/science.md reference table and the tandem
  example;
* default (fast) statistical checks: 16 seeded replications of 15k post-warm-up tickets per
  check, about a minute in all on a 2-core machine;
* ``@pytest.mark.slow`` full-strength checks: 10 replications of >= 100k post-warm-up tickets
  each (run with ``pytest -m slow tests/test_theory.py``).

Statistical rule (every simulated check). Each replication is an independent run with its own
``seed``; its post-warm-up KPI is one observation. With n replications, mean m, sample standard
deviation s and standard error SE = s / sqrt(n):

1. ``|m - theory| <= 3 SE`` -- the docs/science.md criterion. With n = 16 (default) or 10 (slow) the
   studentised error is t with 15 or 9 degrees of freedom, so a correct model fails any one check
   with probability about 0.9 % or 1.5 %. There are ~20 such checks in each part, so after a
   change to the model's random-number use an isolated failure at ~3 SE is plausibly chance:
   rerun that case with more replications (e.g. ``-m slow``) before calling it a bug. The seeds
   are fixed, so every outcome is deterministic.
2. ``SE <= se_cap`` -- a precision guard, so that a run that has become very noisy (an unstable
   queue, a broken warm-up) cannot pass rule 1 merely because its 3 SE band is huge. The caps are
   about twice the SE expected from the docs/science.md noise guidance for the sizes used.
3. ``|m - theory| <= bound`` -- a plain sanity bound (relative for waits, absolute for
   probabilities and rates), about 4 expected SE.

Tickets are counted after the warm-up; the horizon is sized so that the post-warm-up window
holds the stated number of external arrivals on average.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing as mp
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from theory import (  # noqa: E402
    erlang_b,
    erlang_c,
    mmc_p_wait,
    mmc_w,
    mmc_wq,
    mmc_wq_tail,
    tandem,
)

from model.config import Config  # noqa: E402
from model.simulate import simulate  # noqa: E402

# ------------------------------------------------------------------------------------------------
# Reference values, docs/science.md section 1
# (lam, mu, c, P(wait), E[Wq])
REFERENCE = [
    (0.8, 1.0, 1, 0.800000, 4.000000),
    (2.0, 1.0, 3, 0.444444, 0.444444),
    (100.0, 10.0, 12, 0.449388, 0.022469),
    (4.0, 1.0, 6, 0.284761, 0.142380),
    (50.0, 1.0, 55, 0.384547, 0.076909),
]
# Tandem example: lam = 8/h; L1 c1 = 6, mu1 = 2/h; p = 0.3; L2 c2 = 4, mu2 = 1/h.
TANDEM = {"lam": 8.0, "mu1": 2.0, "c1": 6, "p": 0.3, "mu2": 1.0, "c2": 4}
TANDEM_REF = {"wq1": 0.0712, "wq2": 0.1794, "sojourn": 0.9250}


# ================================================================================================
# 1. Exact helpers
# ================================================================================================
@pytest.mark.parametrize("lam,mu,c,pwait,wq", REFERENCE)
def test_erlang_c_reference_table(lam, mu, c, pwait, wq):
    assert mmc_p_wait(lam, mu, c) == pytest.approx(pwait, abs=1e-5)
    assert mmc_wq(lam, mu, c) == pytest.approx(wq, abs=1e-5)
    assert mmc_w(lam, mu, c) == pytest.approx(wq + 1.0 / mu, abs=1e-5)
    # the tail formula at t = 0 is P(wait), and integrates to E[Wq]
    assert mmc_wq_tail(lam, mu, c, 0.0) == pytest.approx(mmc_p_wait(lam, mu, c), rel=1e-12)
    assert mmc_wq_tail(lam, mu, c, 1.0) < mmc_p_wait(lam, mu, c)


@pytest.mark.parametrize(("lam", "mu", "c", "pwait", "wq"), REFERENCE)
def test_staffing_erlang_formulas_match_the_reference(lam, mu, c, pwait, wq):
    """model/queueing.py (what staffing uses) against the published table and this file's
    independent implementation, including the wait's tail."""
    from model import queueing
    a = lam / mu
    assert queueing.erlang_c(c, a) == pytest.approx(pwait, abs=1e-6)
    assert queueing.erlang_b(c, a) == pytest.approx(erlang_b(c, a), rel=1e-12)
    for t in (0.0, 0.3, 2.0):
        assert queueing.wait_beyond(c, a, t * mu) == pytest.approx(
            mmc_wq_tail(lam, mu, c, t), rel=1e-10)
    assert queueing.wait_beyond(c, float(c), 1.0) == 1.0  # no steady state: everyone waits


def test_erlang_b_recursion_matches_closed_form():
    # B(c, a) = (a^c / c!) / sum_k a^k / k!
    for c, a in [(1, 0.8), (3, 2.0), (12, 10.0), (6, 4.0), (55, 50.0), (0, 3.0)]:
        closed = (a ** c / math.factorial(c)) / sum(a ** k / math.factorial(k) for k in range(c + 1))
        assert erlang_b(c, a) == pytest.approx(closed, rel=1e-12)


def test_erlang_c_special_cases_and_stability():
    # M/M/1: P(wait) = rho; large c stays finite thanks to the recursion (no factorial overflow)
    assert erlang_c(1, 0.3) == pytest.approx(0.3, rel=1e-12)
    assert 0.0 < erlang_c(2000, 1900.0) < 1.0
    with pytest.raises(ValueError):
        mmc_wq(3.0, 1.0, 3)  # rho = 1
    with pytest.raises(ValueError):
        erlang_c(2, 2.5)


def test_tandem_example():
    t = tandem(**TANDEM)
    assert t["lam2"] == pytest.approx(2.4)
    assert t["wq1"] == pytest.approx(TANDEM_REF["wq1"], abs=5e-5)
    assert t["wq2"] == pytest.approx(TANDEM_REF["wq2"], abs=5e-5)
    assert t["sojourn"] == pytest.approx(TANDEM_REF["sojourn"], abs=5e-5)
    assert t["sojourn"] == pytest.approx(t["w1"] + 0.3 * t["w2"], rel=1e-12)


def test_tandem_reopen_loop():
    r, d = 0.2, 1.0
    t = tandem(**TANDEM, r=r, reopen_delay=d)
    assert t["lam1"] == pytest.approx(8.0 / 0.8)
    assert t["lam2"] == pytest.approx(0.3 * 10.0)
    assert t["wq1"] == pytest.approx(mmc_wq(10.0, 2.0, 6), rel=1e-12)
    assert t["wq2"] == pytest.approx(mmc_wq(3.0, 1.0, 4), rel=1e-12)
    assert t["sojourn"] == pytest.approx((t["w1"] + 0.3 * t["w2"]) / 0.8 + d * 0.2 / 0.8, rel=1e-12)
    # r = 0 reduces to the plain tandem; the delay only matters with reopens
    assert tandem(**TANDEM, r=0.0, reopen_delay=5.0)["sojourn"] == pytest.approx(
        tandem(**TANDEM)["sojourn"], rel=1e-12)


# ================================================================================================
# 2. Building and running theory-mode configs
# ================================================================================================
def mmc_config(lam: float, mu: float, c: int, *, seed: int, post_tickets: int,
               warmup_days: int) -> Config:
    """V1: the model as a plain M/M/c queue -- the settings of conf/experiment/validation.yaml.

    Post-warm-up window holds ``post_tickets`` arrivals on average (arrivals are 24 lam a day).
    ``workforce.novice_multiplier = 1`` makes the skill factor 1 + (m0 - 1)(1 - proficiency)
    exactly 1 (model/routing.py ``Policy._work``), so the proficiency spread does not matter.
    """
    cfg = Config()
    cfg.seed = seed
    s = cfg.sim
    s.calendar = "always"
    s.warmup_days = warmup_days
    s.horizon_days = warmup_days + max(1, math.ceil(post_tickets / (24.0 * lam)))
    s.stalled_after_working_hours = 1_000_000.0
    s.record_events = False
    s.progress = False
    cfg.demand.pattern = "flat"
    cfg.demand.tickets_per_day = 24.0 * lam
    p = cfg.product
    p.service = "exponential"
    p.mean_work_hours = 1.0 / mu
    p.domains = 1
    p.classes = 1
    p.new_classes_per_year = 0.0  # a plain queue: one class, no releases
    p.engineering_share = 0.0
    p.specialist_share = 0.0
    p.scriptable_share = 0.0  # no scripts: a script speeds whoever works an on-pattern ticket
    o = cfg.org
    o.design = "generalist"
    o.ownership = "pod"
    o.info_request_p = 0.0
    o.pods.count = 1
    o.pods.size = c
    o.pods.breadth = 1
    o.engineering.headcount = 0
    o.specialists.headcount = 0
    cfg.workforce.novice_multiplier = 1.0
    for switch in dataclasses.fields(cfg.mechanisms):  # every mechanism off: a plain queue
        setattr(cfg.mechanisms, switch.name, False)
    return cfg


def tandem_config(lam: float, mu1: float, c1: int, p: float, mu2: float, c2: int, *,
                  r: float = 0.0, reopen_delay: float = 0.0, seed: int, post_tickets: int,
                  warmup_days: int) -> Config:
    """V2: tiered design, Bernoulli escalation (``org.escalation.mode = bernoulli``).

    L1 work has mean ``product.mean_work_hours = 1/mu1``; L2 work has mean
    ``mean_work_hours * l2_work_factor = 1/mu2``. The reopen loop is the Bernoulli one
    (``org.escalation.reopen_p``, delay ``org.reopen_delay_hours``, exponential); the mechanistic
    ``mechanisms.reopen`` stays off.
    """
    cfg = mmc_config(lam, mu1, 1, seed=seed, post_tickets=post_tickets, warmup_days=warmup_days)
    o = cfg.org
    o.design = "tiered"
    o.l1.headcount = c1
    o.l2.headcount = c2
    o.escalation.mode = "bernoulli"
    o.escalation.p = p
    o.escalation.l2_work_factor = mu1 / mu2
    o.escalation.reopen_p = r
    o.reopen_delay_hours = reopen_delay
    return cfg


def _run_one(cfg: Config) -> dict:
    """One replication: the post-warm-up KPIs used here (a small, picklable dict)."""
    t0 = time.perf_counter()
    _, summary, tables = simulate(cfg)
    ts = tables["timeseries"]
    post = ts[ts["day"] >= cfg.sim.warmup_days]
    hours = 24.0 * len(post)

    def rate(col: str) -> float:
        return float(post[col].fillna(0).sum()) / hours if col in post else 0.0

    return {"p_wait": summary["p_wait"], "mean_wait_h": summary["mean_wait_h"],
            "mean_resolution_h": summary["mean_resolution_h"],
            "reopen_share": summary["reopen_share"], "tickets": summary["tickets_created"],
            "rate_created": float(post["tickets_created"].sum()) / hours,
            "rate_l1": rate("entries_l1"), "rate_l2": rate("entries_l2"),
            "wall": time.perf_counter() - t0}


def _workers() -> int:
    env = os.environ.get("TIERSIM_TEST_WORKERS")
    return max(1, int(env)) if env else min(2, os.cpu_count() or 1)


_CACHE: dict = {}


def replicate(builder, args: tuple, seeds: tuple[int, ...], *, parallel: bool, **kw) -> list[dict]:
    """Run ``builder(*args, seed=s, **kw)`` for every seed (cached within the session).

    ``parallel`` runs the replications in a spawn-context process pool (``TIERSIM_TEST_WORKERS``,
    default min(2, cores)); results do not depend on it.
    """
    key = (builder.__name__, args, seeds, tuple(sorted(kw.items())))
    if key not in _CACHE:
        cfgs = [builder(*args, seed=s, **kw) for s in seeds]
        n = _workers() if parallel else 1
        if n > 1:
            with ProcessPoolExecutor(n, mp_context=mp.get_context("spawn")) as pool:
                _CACHE[key] = list(pool.map(_run_one, cfgs))
        else:
            _CACHE[key] = [_run_one(c) for c in cfgs]
    return _CACHE[key]


def mean_se(runs: list[dict], name: str) -> tuple[float, float]:
    xs = [r[name] for r in runs]
    assert all(x is not None and math.isfinite(x) for x in xs), f"{name}: missing values {xs}"
    return statistics.fmean(xs), statistics.stdev(xs) / math.sqrt(len(xs))


def check(runs: list[dict], name: str, theory: float, *, se_cap: float, bound: float,
          relative: bool) -> str:
    """Apply the three rules of the module docstring; return a one-line report."""
    m, se = mean_se(runs, name)
    err = m - theory
    scale = abs(theory) if relative else 1.0
    line = (f"{name}: sim {m:.6g} +- {se:.2g} (SE, n={len(runs)}) vs theory {theory:.6g}; "
            f"error {err:+.3g} = {err / se if se > 0 else math.inf:+.2f} SE"
            + (f" = {100 * err / theory:+.2f} %" if relative else ""))
    print(line)
    assert se <= se_cap * scale, f"too noisy to test (SE cap {se_cap}{' rel' if relative else ''}): {line}"
    assert abs(err) <= 3.0 * se, f"model disagrees with theory beyond 3 SE: {line}"
    assert abs(err) <= bound * scale, f"model outside the sanity bound {bound}: {line}"
    return line


def min_post_tickets(runs: list[dict], n: int) -> None:
    # post-warm-up tickets per replication (Poisson around n); guard against a mis-sized run
    assert min(r["tickets"] for r in runs) >= 0.97 * n


# ================================================================================================
# 3. V1 -- the model in theory mode reproduces Erlang C
# ================================================================================================
# Default: 16 replications x 15k post-warm-up tickets per row. docs/science.md noise at rho ~ 0.83:
# 20k tickets -> +-0.03 P(wait), +-18 % E[Wq] per run, so at 15k about +-0.035 / +-21 % and the
# mean of 16 has SE ~0.009 / ~5 % (less at rho = 2/3). Many short replications rather than a few
# long ones: the SE itself is estimated from the replications, and with n = 16 the studentised
# error is t(15), P(|t| > 3) = 0.9 % per check under a correct model (t(7): 2 %).
# Caps (about 2x the measured SE): SE <= 0.012 abs on P(wait), <= 7 % rel on E[Wq];
# sanity bounds: 0.03 abs on P(wait), 15 % on E[Wq].
# Slow: 10 replications x >= 100k -> per run +-0.013 / +-8.5 % at rho ~ 0.83, SE ~0.004 / ~2.7 %.
# Caps: 0.008 abs / 5 % rel; bounds 0.02 abs / 10 % rel. The 50/1/55 row (rho = 0.91, service
# time 1 h) covers few service times per ticket: 100k tickets gave SE 0.008 / 4.7 %, so it runs
# 250k. The M/M/1 row at rho = 0.8 (E[Wq] = 4 h) relaxes slowly, hence its longer warm-up.
# Each row has its own seeds (no common random numbers across rows: independent checks).
FAST_REPS = 16
V1_FAST_N = 15_000
V1_FAST_ROWS = [REFERENCE[1], REFERENCE[3], REFERENCE[2]]  # 2/1/3, 4/1/6, 100/10/12
V1_SLOW_N = {(50.0, 1.0, 55): 250_000}  # default 100_000


def _seeds(base: int, row: tuple, n: int) -> tuple[int, ...]:
    i = REFERENCE.index(row)
    return tuple(range(base + 100 * i, base + 100 * i + n))


def _warmup_days(lam: float, mu: float, c: int) -> int:
    # The queue starts empty. Discard >= 300 mean service times and >= 1000 arrivals (for the
    # M/M/1 row at rho = 0.8, whose relaxation time 1/(mu (1 - sqrt(rho))^2) is ~90 h, that is
    # 53 days = ~14 relaxation times; 2 days for 100/10/12).
    return max(1, math.ceil(300.0 / mu / 24.0), math.ceil(1000.0 / (24.0 * lam)))


def _v1(lam, mu, c, *, seeds, n, parallel, caps, bounds):
    runs = replicate(mmc_config, (lam, mu, c), seeds, parallel=parallel, post_tickets=n,
                     warmup_days=_warmup_days(lam, mu, c))
    min_post_tickets(runs, n)
    # theory from the helper, which matches the table to 1e-5 (tested above)
    check(runs, "p_wait", mmc_p_wait(lam, mu, c), se_cap=caps[0], bound=bounds[0], relative=False)
    check(runs, "mean_wait_h", mmc_wq(lam, mu, c), se_cap=caps[1], bound=bounds[1], relative=True)
    # power: the same data must reject the neighbouring M/M/(c+1) -- the checks can fail
    m, se = mean_se(runs, "mean_wait_h")
    assert abs(m - mmc_wq(lam, mu, c + 1)) > 3.0 * se


@pytest.mark.parametrize("row", V1_FAST_ROWS, ids=lambda r: f"lam{r[0]:g}-mu{r[1]:g}-c{r[2]}")
def test_v1_erlang_c(row):
    lam, mu, c = row[:3]
    _v1(lam, mu, c, seeds=_seeds(1000, row, FAST_REPS), n=V1_FAST_N, parallel=False,
        caps=(0.012, 0.07), bounds=(0.03, 0.15))


@pytest.mark.slow
@pytest.mark.parametrize("row", REFERENCE, ids=lambda r: f"lam{r[0]:g}-mu{r[1]:g}-c{r[2]}")
def test_v1_erlang_c_full(row):
    lam, mu, c = row[:3]
    _v1(lam, mu, c, seeds=_seeds(2000, row, 10), n=V1_SLOW_N.get(row[:3], 100_000),
        parallel=True, caps=(0.008, 0.05), bounds=(0.02, 0.10))


# ================================================================================================
# 4. V2 -- tiered design with Bernoulli escalation reproduces the Jackson tandem
# ================================================================================================
# What the model measures (model/engine.py Engine.start, model/metrics.py ticket_kpis):
# * ``mean_wait_h`` / ``p_wait``: a ticket's *first* wait, creation -> first start, which is
#   always at L1. A reopened ticket's later L1 waits and every L2 wait are not recorded. New
#   tickets are Poisson arrivals to L1, so by PASTA and Jackson's product form their wait is the
#   M/M/c1 wait at the L1 rate lam / (1 - r) -- measurable honestly, and tested.
# * ``mean_resolution_h``: creation -> final resolution, so it includes every reopen cycle and
#   the reopen delays; theory: (W1 + p W2) / (1 - r) + D r / (1 - r) (tests/theory.py tandem).
# * ``entries_l1`` / ``entries_l2`` (daily series): tickets arriving at each desk -- new tickets,
#   reopens (counted when the reopen is scheduled, model/engine.py Engine.resolve) and hand-offs.
#   Over the post-warm-up days their rates are lam / (1 - r) and p lam / (1 - r).
# * ``reopen_share``: resolved tickets reopened at least once = r.
# Reopen delay D = 1 h (exponential, model/routing.py Policy._reopen_after): an infinite-server
# node, so the product form and the formulas above still hold.
# Sizes/tolerances: default 16 x 15k post-warm-up tickets, slow 10 x 100k. Loads: rho1 = 2/3,
# rho2 = 0.6; with r = 0.2, rho1 = 0.83 and rho2 = 0.75. (se_cap, bound) per metric, relative
# for rates, waits and sojourn, absolute for probabilities; caps about 2x, bounds about 4-5x the
# SE measured at each size (default: rates 0.12-0.2 %, P(wait) 0.003-0.004, E[Wq] 2.5-3.5 %,
# sojourn 0.5-1 %, reopen share 0.0006; slow: roughly x 0.6).
V2_FAST_N, V2_SLOW_N = 15_000, 100_000
REOPEN_R, REOPEN_DELAY = 0.2, 1.0
V2_TOL = {
    "fast": {"rate_created": (0.005, 0.015), "rate_l1": (0.005, 0.015),
             "rate_l2": (0.0075, 0.0225), "p_wait": (0.012, 0.03), "mean_wait_h": (0.07, 0.15),
             "mean_resolution_h": (0.015, 0.04), "reopen_share": (0.005, 0.015)},
    "slow": {"rate_created": (0.0025, 0.008), "rate_l1": (0.0025, 0.008),
             "rate_l2": (0.004, 0.012), "p_wait": (0.006, 0.015), "mean_wait_h": (0.04, 0.08),
             "mean_resolution_h": (0.008, 0.02), "reopen_share": (0.002, 0.006)},
}
RELATIVE = {"rate_created", "rate_l1", "rate_l2", "mean_wait_h", "mean_resolution_h"}


def _v2(r, delay, *, seeds, n, parallel, size: str):
    t = tandem(**TANDEM, r=r, reopen_delay=delay)
    args = tuple(TANDEM.values())
    runs = replicate(tandem_config, args, seeds, parallel=parallel, r=r, reopen_delay=delay,
                     post_tickets=n, warmup_days=5)
    min_post_tickets(runs, n)
    expected = {
        "rate_created": TANDEM["lam"],  # the demand generator itself
        "rate_l1": t["lam1"],  # lam / (1 - r)
        "rate_l2": t["lam2"],  # p lam / (1 - r)
        "p_wait": t["pwait1"],  # first wait at L1: Erlang C at lam1
        "mean_wait_h": t["wq1"],
        "mean_resolution_h": t["sojourn"],  # (W1 + p W2)/(1 - r) + D r/(1 - r)
    }
    if r > 0:
        expected["reopen_share"] = r
    for name, value in expected.items():
        cap, bound = V2_TOL[size][name]
        check(runs, name, value, se_cap=cap, bound=bound, relative=name in RELATIVE)
    return t, runs


def test_v2_tandem():
    t, _ = _v2(0.0, 0.0, seeds=tuple(range(3000, 3000 + FAST_REPS)), n=V2_FAST_N, parallel=False,
               size="fast")
    assert t["sojourn"] == pytest.approx(TANDEM_REF["sojourn"], abs=5e-5)


def test_v2_tandem_reopen():
    _v2(REOPEN_R, REOPEN_DELAY, seeds=tuple(range(3100, 3100 + FAST_REPS)), n=V2_FAST_N, parallel=False,
        size="fast")


@pytest.mark.slow
def test_v2_tandem_full():
    _v2(0.0, 0.0, seeds=tuple(range(4000, 4010)), n=V2_SLOW_N, parallel=True, size="slow")


@pytest.mark.slow
def test_v2_tandem_reopen_full():
    _v2(REOPEN_R, REOPEN_DELAY, seeds=tuple(range(4100, 4110)), n=V2_SLOW_N, parallel=True,
        size="slow")


def test_a_chain_of_two_skills_captures_most_of_full_flexibility():
    """Limited flexibility (Jordan & Graves 1995; Wallace & Whitt 2005): 18 people over 6 equal
    domains at load 0.83, every mechanism off. Dedicated people (breadth 1) wait about 1.4 h,
    fully flexible ones about 0.11 h; a chain of two overlapping skills per person (breadth 2,
    ``model.pods.chain_stride``) must capture at least 75 % of that reduction (measured: about
    90 %; disjoint pairs of skills captured about 45 % in earlier versions). One seed, 40,000
    tickets per run: the waits' relative SE is a few per cent, far inside the margin."""
    waits = {}
    for b in (1, 2, 6):
        cfg = mmc_config(14.94, 1.0, 18, seed=1, post_tickets=40_000, warmup_days=5)
        cfg.product.domains, cfg.product.classes, cfg.product.zipf_s = 6, 6000, 0.0
        cfg.org.pods.breadth = b
        waits[b] = simulate(cfg)[1]["mean_wait_h"]
    assert waits[1] > waits[2] > waits[6]
    assert (waits[1] - waits[2]) / (waits[1] - waits[6]) >= 0.75, waits
