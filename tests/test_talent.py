"""Talent dynamics: invariants, learning-curve checks (V5, V6) and directional tests with paired
seeds (issue 4)."""

from __future__ import annotations

import math
import statistics
from types import SimpleNamespace

import numpy as np
import pytest

from agents.staff import Role
from model.config import Config
from model.model import TierSimModel
from model.simulate import simulate
from model.talent import MONTH_DAYS

SEEDS = (0, 1, 2, 3)


def _cfg(design: str = "tiered", seed: int = 0, days: int = 400, **kw) -> Config:
    c = Config(seed=seed)
    c.org.design = design
    c.sim.horizon_days, c.sim.warmup_days, c.sim.progress = days, min(30, days // 2), False
    c.customers.count = 600
    for key, value in kw.items():
        obj = c
        *path, last = key.split("__")
        for p in path:
            obj = getattr(obj, p)
        setattr(obj, last, value)
    return c


# --- invariants ---------------------------------------------------------------------------------
@pytest.mark.parametrize("design", ["tiered", "generalist", "pilot"])
def test_headcount_is_initial_plus_hires_minus_exits_every_day(design):
    """On the floor + onboarding = initial + hires - exits - redeployments, on every day."""
    cfg = _cfg(design, seed=5, days=500, workforce__attrition__annual__l1=0.8,
               workforce__attrition__annual__generalist=0.6)
    model = TierSimModel(cfg)
    initial = len(model.staff)
    for _ in range(cfg.sim.horizon_days):
        model.step()
        t = model.talent
        assert len(model.active_staff) + len(t.onboarding) == (
            initial + t.counts["hires"] - t.counts["exits"] - t.counts["redeployed"])
        assert sum(model.headcount.values()) == len(model.active_staff)
    # both flows happened (planning leaves many leavers unreplaced as demand falls, so hires
    # are fewer than exits: 5-8 here)
    assert model.talent.counts["exits"] > 5 and model.talent.counts["hires"] >= 3


def test_nobody_works_before_joining_or_after_leaving():
    """No piece of work starts before a hire is on the floor or after the exit day."""
    cfg = _cfg("tiered", seed=3, days=400, workforce__attrition__annual__l1=0.9)
    model = TierSimModel(cfg)
    starts: dict[int, list[float]] = {}
    start = model.engine.start

    def spy(person, ticket, t):
        starts.setdefault(person.unique_id, []).append(t)
        start(person, ticket, t)

    model.engine.start = spy
    joined: dict[int, int] = {}
    for _ in range(cfg.sim.horizon_days):
        model.step()
        for p in model.active_staff:
            joined.setdefault(p.unique_id, model.day - 1)
    for p in model.staff:
        times = starts.get(p.unique_id, [])
        if not times:
            continue
        if p.hired_day >= 0:  # a hire: on the floor from the day they joined
            assert min(times) >= 24.0 * joined[p.unique_id]
        if p.left_day is not None:  # may finish the piece in hand, never start another
            assert max(times) < 24.0 * (p.left_day + 1)


def test_learning_off_keeps_proficiency_constant():
    cfg = _cfg("generalist", days=200, mechanisms__learning=False)
    model = TierSimModel(cfg)
    before = {p.unique_id: list(p.proficiency) for p in model.staff}
    model.run()
    for p in model.staff:
        if p.unique_id in before:
            assert p.proficiency == before[p.unique_id]


def test_learning_raises_l1_proficiency():
    cfg = _cfg("tiered", days=200, mechanisms__attrition=False)
    model = TierSimModel(cfg)
    start = np.mean([p.mean_proficiency() for p in model.staff if p.role == Role.L1])
    model.run()
    end = np.mean([p.mean_proficiency() for p in model.staff if p.role == Role.L1])
    assert end > start + 0.05


# --- V5: newcomer learning and the peer effect (De Grip et al. 2016) ----------------------------
def _learner(model, role=Role.L1, prof0=0.0, mentor_until=-1):
    """A fresh person object the Talent learning rule can train (no Mesa registration)."""
    t = model.talent
    p = SimpleNamespace(role=role, proficiency=[prof0] * t.domains, month_domains=set(),
                        mentor_until=mentor_until, asymptote=0.95,
                        tau=t.lc.tau_simple if role == Role.L1 else t.lc.tau_complex)
    p.experience = [-p.tau * math.log1p(-prof0 / p.asymptote)] * t.domains
    return p


def _multiplier(model, p, d=0):
    m0 = model.cfg.workforce.novice_multiplier
    return 1.0 + (m0 - 1.0) * (1.0 - p.proficiency[d])


def test_v5_new_l1_cohort_is_about_1_64_times_as_productive_after_a_year():
    """De Grip et al. 2016: +64 % productivity over the first year (tolerance +-0.15). A new L1
    starts at ``hire_proficiency.l1`` and works the tickets a default L1 works in 12 months."""
    cfg = _cfg("tiered", days=200, mechanisms__attrition=False)
    model = TierSimModel(cfg)
    model.run()
    l1 = [p for p in model.staff if p.role == Role.L1]
    per_month = np.mean([p.tickets_worked for p in l1]) / (cfg.sim.horizon_days / MONTH_DAYS)
    newcomer = _learner(model, prof0=cfg.workforce.hiring.hire_proficiency.l1)
    first = _multiplier(model, newcomer)
    rng = np.random.default_rng(0)
    for month in range(12):  # L1 tickets spread over the product's domains
        newcomer.month_domains = set()
        for d in rng.integers(0, cfg.product.domains, size=int(per_month)):
            model.talent.learn(newcomer, SimpleNamespace(domain=int(d)), 0.0)
        if month < 11:
            model.talent._forget(SimpleNamespace(active_staff=[newcomer]))
    ratio = first / np.mean([_multiplier(model, newcomer, d) for d in range(cfg.product.domains)])
    assert ratio == pytest.approx(1.64, abs=0.15)


def test_v5_beside_veterans_a_cohort_reaches_90_percent_about_36_percent_sooner():
    """Ramp with a mentor: tau x veteran_ramp, so 90 % of the incumbent's productivity comes
    ~36 % sooner (De Grip et al. 2016; tolerance +-0.05 on the ratio of tickets needed)."""
    model = TierSimModel(_cfg("tiered", days=2))

    def tickets_to_90(mentored: bool) -> int:
        p = _learner(model, mentor_until=10**9 if mentored else -1)
        target = 1.0 / (0.9 / _multiplier(model, SimpleNamespace(proficiency=[p.asymptote])))
        n = 0
        while _multiplier(model, p) > target:
            p.month_domains = {0}
            model.talent.learn(p, SimpleNamespace(domain=0), 0.0)
            n += 1
        return n

    ratio = tickets_to_90(True) / tickets_to_90(False)
    assert ratio == pytest.approx(1 - 0.36, abs=0.05)


# --- V6: forgetting and turnover-driven depreciation (Argote et al. 1990) -----------------------
def test_v6_a_paused_domain_regresses_by_the_retention_rate_and_reconverges():
    model = TierSimModel(_cfg("tiered", days=2))
    t = model.talent
    p = _learner(model, prof0=0.0)
    for _ in range(400):
        p.month_domains = {0}
        t.learn(p, SimpleNamespace(domain=0), 0.0)
    e0, m0 = p.experience[0], _multiplier(model, p)
    for _ in range(3):  # three months without the domain
        p.month_domains = set()
        t._forget(SimpleNamespace(active_staff=[p]))
    keep = model.cfg.workforce.learning.monthly_retention
    assert p.experience[0] == pytest.approx(e0 * keep ** 3)
    assert _multiplier(model, p) > m0  # handle time regressed
    for _ in range(400):
        p.month_domains = {0}
        t.learn(p, SimpleNamespace(domain=0), 0.0)
    assert _multiplier(model, p) == pytest.approx(m0, abs=0.01)  # and re-converged


@pytest.mark.slow
def test_v6_knowledge_stock_falls_as_attrition_rises():
    """Team knowledge (mean L1 proficiency) falls, and its loss rate rises, with monthly
    attrition of 2 %, 10 %, 25 % (annual hazards; paired seeds)."""
    stock = {}
    for monthly in (0.02, 0.10, 0.25):
        annual = 1 - (1 - monthly) ** 12
        vals = []
        for s in SEEDS:
            _, summ, tables = simulate(_cfg("tiered", seed=s, days=540,
                                            workforce__attrition__annual__l1=annual))
            ts = tables["timeseries"]
            vals.append(float(ts.loc[ts["day"] >= 180, "proficiency_l1"].mean()))
        stock[monthly] = statistics.mean(vals)
    assert stock[0.02] > stock[0.10] > stock[0.25]


# --- directional, paired seeds ------------------------------------------------------------------
def test_higher_l1_attrition_lowers_skill_and_raises_escalations():
    lo_p, hi_p, lo_e, hi_e = [], [], [], []
    for s in SEEDS[:3]:
        lo = simulate(_cfg("tiered", seed=s, days=300))
        hi = simulate(_cfg("tiered", seed=s, days=300, workforce__attrition__annual__l1=1.2))
        for (_, summ, tables), p, e in ((lo, lo_p, lo_e), (hi, hi_p, hi_e)):
            ts = tables["timeseries"]
            p.append(float(ts.loc[ts["day"] >= 60, "proficiency_l1"].mean()))
            e.append(summ["max_level_share_2"] + summ["max_level_share_3"])
    assert statistics.mean(hi_p) < statistics.mean(lo_p)
    assert statistics.mean(hi_e) > statistics.mean(lo_e)


@pytest.mark.slow
def test_no_promotion_path_makes_the_best_l1s_quit_more():
    """Without promotion the skilled, unpromoted L1s stagnate: more regretted L1 quits."""
    quits = {True: 0, False: 0}
    for s in SEEDS:
        for promo in (True, False):
            _, _, tables = simulate(_cfg("tiered", seed=s, days=1095,
                                         mechanisms__promotion=promo,
                                         workforce__attrition__annual__l2=0.5))
            st = tables["staff"]
            quits[promo] += int(((st["role"] == "l1") & st["regretted"]
                                 & (st["exit_reason"] == "quit")).sum())
    assert quits[False] > quits[True]


def test_hiring_off_leaves_seats_empty():
    _, summ, tables = simulate(_cfg("tiered", seed=1, days=365, mechanisms__hiring=False,
                                    workforce__attrition__annual__l1=0.8))
    ts = tables["timeseries"]
    assert summ["hires"] == 0
    assert ts["headcount_l1"].iloc[-1] < ts["headcount_l1"].iloc[0]
    assert ts["vacancies_l1"].iloc[-1] > 0


@pytest.mark.parametrize("from_short", [False, True])
def test_an_l2_vacancy_promotes_an_l1_only_while_l1_waits_for_no_hire(from_short):
    """Exact (one model, day 200): an L2 leaves while an L1 seat is already waiting for a hire.
    By default the L2 seat is hired from outside and every L1 stays; with
    ``workforce.promotion.from_short_l1`` the best qualified L1 moves up and a second L1 seat
    opens. With no L1 seat open, the vacancy chain runs as before."""
    cfg = _cfg("tiered", seed=4, days=400, workforce__promotion__from_short_l1=from_short,
               workforce__promotion__min_tenure_months=0.0,
               workforce__promotion__min_proficiency=0.0)
    model = TierSimModel(cfg)
    for _ in range(200):
        model.step()
    t = model.talent

    def l1s():
        return sum(1 for p in model.active_staff if p.role == Role.L1)

    def an_l2():
        # an idle L2 if there is one (with L2 teams and assignment lags all may be busy)
        return min((p for p in model.active_staff if p.role == Role.L2),
                   key=lambda p: (p.ticket is not None, p.unique_id))

    t.vacancies[Role.L1] = 0
    t.surplus.clear()
    before, promotions, l2_open = l1s(), t.counts["promotions"], t.vacancies[Role.L2]
    t.leave(an_l2(), 200, "quit")  # nobody waits for an L1: the chain promotes
    assert (l1s(), t.counts["promotions"]) == (before - 1, promotions + 1)
    # the L2 seat is filled by the promotion (an L2 seat open before stays open); L1 waits
    assert t.vacancies[Role.L1] == 1 and t.vacancies[Role.L2] == l2_open

    before, promotions, l2_open = l1s(), t.counts["promotions"], t.vacancies[Role.L2]
    t.leave(an_l2(), 200, "quit")  # now an L1 seat waits for a hire
    if from_short:
        assert (l1s(), t.counts["promotions"]) == (before - 1, promotions + 1)
        assert t.vacancies[Role.L1] == 2 and t.vacancies[Role.L2] == l2_open
    else:
        assert (l1s(), t.counts["promotions"]) == (before, promotions)
        assert t.vacancies[Role.L1] == 1 and t.vacancies[Role.L2] == l2_open + 1
