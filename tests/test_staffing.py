"""Staffing (model/staffing.py): initial sizing to the target occupancy, and headcount planning."""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

import pytest

from model.config import Config
from model.pods import (
    breadth_of,
    people_needed,
    pod_certifications,
    pod_domain_needs,
    sized_pod,
    staff_for,
)
from model.simulate import simulate
from model.sizing import build_model, measure_load, sized_config


def stationary(design: str, days: int, seed: int = 3) -> Config:
    """Demand that neither fixes nor churn shrink: occupancy then reflects staffing alone."""
    cfg = Config()
    cfg.seed, cfg.org.design = seed, design
    cfg.sim.horizon_days, cfg.sim.warmup_days, cfg.sim.progress = days, 14, False
    cfg.sim.record_tickets = False
    m = cfg.mechanisms
    m.feedback = m.customers = m.correlated_problems = False
    m.attrition = m.hiring = m.promotion = m.planning = False
    return cfg


@pytest.mark.parametrize("design", ["tiered", "generalist"])
def test_sized_desks_run_near_the_target_occupancy(design):
    cfg = stationary(design, 120)
    cfg.org.staffing = "sized"
    _, s, _ = simulate(cfg)
    target = cfg.workforce.planning.target_occupancy
    roles = ["l1", "l2"] if design == "tiered" else ["generalist"]
    for role in roles:  # integer headcounts round up: at or a little below the target
        assert target - 0.2 < s[f"utilisation_{role}"] < target + 0.05, (role, s[f"utilisation_{role}"])
    fixed = stationary(design, 120)
    _, f, _ = simulate(fixed)  # the configured defaults: further from the target
    def worst(k):
        return max(abs(k[f"utilisation_{r}"] - target) for r in roles)
    assert worst(s) < worst(f)


def test_sizing_scales_with_demand_and_keeps_zero_desks():
    base = stationary("tiered", 60)
    base.org.specialists.headcount, base.product.specialist_share = 0, 0.0
    base.org.l1.teams = base.org.l2.teams = 1  # one desk per line: the kind's own rule (teams:
    # tests/test_teams_unit.py and the sizing of each team below)
    low = measure_load(base)
    base.demand.tickets_per_day *= 2
    high = measure_load(base)
    for kind in ("l1", "l2", "engineering"):
        assert 1.6 < high[kind] / low[kind] < 2.4, kind
    sized, _ = sized_config(base)
    assert sized.org.specialists.headcount == 0
    pc = base.workforce.planning
    assert sized.org.l1.headcount == staff_for(high["l1"], pc, high["piece_h_l1"])


def test_people_needed_rounds_the_occupancy_target_and_adds_the_square_root_term_if_set():
    # R / target rounded to the nearest person (the target is a mean, not a cap), or
    # R + beta sqrt(R) rounded up where beta is set and that is more
    assert people_needed(4.0, 0.8, 0.0) == 5  # 4 / 0.8 = 5
    assert people_needed(2.2, 0.8, 0.0) == 3  # 2.75 -> 3
    assert people_needed(2.5, 0.8, 0.0) == 3  # 3.125 -> 3 (occupancy 0.83)
    assert people_needed(2.9, 0.8, 0.0) == 4  # 3.625 -> 4
    assert people_needed(4.0, 0.8, 1.0) == 6  # 4 + 2 = 6 > 5
    assert people_needed(36.0, 0.8, 1.0) == 45  # 36 / 0.8 = 45 > 42
    assert people_needed(0.3, 0.8, 0.0, floor=2) == 2


def test_people_needed_adds_people_until_the_service_level_is_met():
    """Exact, against the Erlang C tail of the independent reference (tests/theory.py): the
    smallest c at or above the occupancy rule with P(Wq > t) <= 1 - service level."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from theory import mmc_wq_tail
    for load, answer in ((2.2, 0.5), (2.2, 2.0), (5.8, 0.25), (0.54, 0.1), (20.0, 0.05)):
        c = people_needed(load, 0.8, 0.0, 1, answer=answer, service_level=0.8)
        assert c >= people_needed(load, 0.8, 0.0, 1)
        assert mmc_wq_tail(load, 1.0, c, answer) <= 0.2 + 1e-12
        if c > people_needed(load, 0.8, 0.0, 1):  # the service level added people: minimal
            assert c - 1 <= load or mmc_wq_tail(load, 1.0, c - 1, answer) > 0.2
    # a long answer time leaves the occupancy rule alone; a tight one adds people
    assert people_needed(2.2, 0.8, 0.0, 1, answer=10.0, service_level=0.8) == 3
    assert people_needed(2.2, 0.8, 0.0, 1, answer=0.1, service_level=0.8) > 3


def test_staff_for_reads_the_planning_rule():
    pc = Config().workforce.planning
    assert staff_for(2.2, pc, 0.0) == people_needed(2.2, pc.target_occupancy, pc.safety_beta,
                                                    pc.min_headcount)
    assert staff_for(2.2, pc, 1.5) == people_needed(
        2.2, pc.target_occupancy, pc.safety_beta, pc.min_headcount,
        answer=pc.answer_hours / 1.5, service_level=pc.service_level)
    assert staff_for(0.1, pc, 1.0, floor=5) == 5


def test_sized_pods_still_cover_every_domain():
    cfg = stationary("generalist", 60)
    cfg.product.domains, cfg.org.pods.breadth = 14, 2
    cfg.demand.tickets_per_day = 20.0  # little load: coverage, not load, sets the pod size
    sized, load = sized_config(cfg)
    regular = cfg.product.domains - cfg.product.specialist_domains
    assert load["pod"] / cfg.workforce.planning.target_occupancy / cfg.org.pods.count < 7
    # every domain certified min_domain_headcount (2) times: 2 x 13 / 2 people, not 13 / 2
    m = cfg.workforce.planning.min_domain_headcount
    assert sized.org.pods.size == math.ceil(m * regular / cfg.org.pods.breadth)


def test_sized_run_is_reproducible():
    cfg = stationary("generalist", 40)
    cfg.org.staffing = "sized"
    a, b = build_model(cfg), build_model(cfg)
    assert a.initial_headcount == b.initial_headcount
    assert a.sizing_load == b.sizing_load


def _planned(l1: int, planning: bool, days: int = 400) -> tuple[dict, object]:
    cfg = stationary("tiered", days, seed=5)
    cfg.mechanisms.attrition = cfg.mechanisms.hiring = cfg.mechanisms.promotion = True
    cfg.mechanisms.planning = planning
    cfg.org.l1.headcount, cfg.sim.record_tickets = l1, True
    _, s, t = simulate(cfg)
    return s, t["timeseries"]


def test_an_overstaffed_desk_stops_replacing_leavers():
    """17 L1s run at about a third of the target: with planning, leavers are not replaced."""
    s, ts = _planned(17, planning=True)
    assert ts["not_backfilled_cum"].iloc[-1] > 0
    assert ts["headcount_l1"].iloc[-1] < 17
    off, ts_off = _planned(17, planning=False)
    assert "not_backfilled_cum" not in ts_off
    assert ts_off["headcount_l1"].iloc[-1] + ts_off["vacancies_l1"].iloc[-1] >= \
        ts["headcount_l1"].iloc[-1] + ts["vacancies_l1"].iloc[-1]


def test_an_understaffed_desk_hires_through_the_lead_time():
    """3 L1s cannot carry L1's load: planning opens seats, filled after the hiring lead time."""
    s, ts = _planned(3, planning=True)
    assert ts["planned_seats_cum"].iloc[-1] > 0
    first = ts.loc[ts["planned_seats_cum"] > 0, "day"].iloc[0]
    assert first + 1 >= Config().workforce.planning.review_days  # only at a review
    assert ts["headcount_l1"].iloc[-1] > 3
    off, ts_off = _planned(3, planning=False)
    assert s["median_resolution_h"] < off["median_resolution_h"]


def test_planning_keeps_the_headcount_balance():
    """People on the floor + onboarding = initial + hires - exits - redeployments, at the end of
    every day; redeployments come only from a desk above its plan, and are not attrition."""
    cfg = stationary("tiered", 300, seed=8)
    m = cfg.mechanisms
    m.attrition = m.hiring = m.promotion = m.planning = True
    cfg.org.l1.headcount, cfg.org.l2.headcount = 4, 16
    model = build_model(cfg)
    start = len(model.staff)
    while model.running:
        model.step()
        t = model.talent
        assert len(model.active_staff) + len(t.onboarding) == \
            start + t.counts["hires"] - t.counts["exits"] - t.counts["redeployed"]
        assert all(v >= 0 for v in t.surplus.values())
    t = model.talent
    assert t.counts["planned_seats"] + t.counts["not_backfilled"] > 0
    assert t.counts["redeployed"] > 0  # 16 L2 for 4 L1's escalations: a lasting surplus
    assert t.counts["exits"] == sum(t.exits_by_role.values())
    gone = [p for p in model.staff if p.exit_reason == "redeployed"]
    assert len(gone) == t.counts["redeployed"] and any(p.role.value == "l2" for p in gone)


def test_pilot_reports_work_cost_by_arm():
    cfg = stationary("pilot", 200)
    cfg.mechanisms.customers, cfg.sim.record_tickets = True, True
    _, s, _ = simulate(cfg)
    for arm in ("treated", "control"):
        assert s[f"pilot_{arm}_work_hours"] > 0
        assert s[f"pilot_{arm}_cost_per_outcome"] == pytest.approx(
            s[f"pilot_{arm}_work_cost"] / s[f"pilot_{arm}_good_outcomes"])
    # the pod is drawn from L2 (and engineers help both arms): never cheaper than L2 per head
    assert s["pilot_treated_cost_per_head"] >= cfg.workforce.salary.l2 - 1e-6


# --- pods sized per domain ---------------------------------------------------------------------
def _certified(people, desk) -> Counter:
    return Counter(k for p in people for k in p.certified if k in desk.queues)


def test_sized_pods_certify_every_domain_for_its_load():
    """Exact. The default generalist at seed 3 once got pods of 3 at 4 of 7 domains each (some
    domains with one certified person, and five months of backlog): now every pod domain has
    at least ``min_domain_headcount`` certified people and people_needed for its own load."""
    cfg = Config()
    cfg.seed, cfg.org.design, cfg.org.staffing = 3, "generalist", "sized"
    cfg.sim.progress = False
    cfg.demand.tickets_per_day *= 3  # busy enough that some domain needs more than the floor
    model = build_model(cfg)
    pc = cfg.workforce.planning
    needs = pod_domain_needs(cfg, model.sizing_load)
    assert set(needs) == set(model.pods[0].keys)
    for d, n in needs.items():
        r = model.sizing_load[f"pod_domain_{d}"] / cfg.org.pods.count
        assert n == staff_for(r, pc, model.sizing_load["piece_h_pod"], pc.min_domain_headcount)
    assert max(needs.values()) > pc.min_domain_headcount  # a busy domain needs more than the floor
    assert sum(model.sizing_load[f"pod_domain_{d}"] for d in needs) == pytest.approx(
        model.sizing_load["pod"])
    for pod in model.pods:
        cover = _certified(pod.members, pod)
        assert all(cover[d] >= needs[d] for d in needs), (pod.name, cover, needs)
    # no larger than it must be: one pod's need for its share of the load (a pod is a desk,
    # sized as planning reviews it), or the smallest pod meeting every domain's need
    pod_level = staff_for(model.sizing_load["pod"] / cfg.org.pods.count, pc,
                          model.sizing_load["piece_h_pod"])
    assert model.cfg.org.pods.size == max(pod_level, sized_pod(tuple(needs), breadth_of(cfg),
                                                               1.0, needs, 1))


def test_a_sized_chain_pod_meets_every_domain_need():
    """Exact: members at 4 of 7 domains, domain 6 needing 3 and the rest 2. The flexible
    members form a chain (consecutive runs of the ring, overlapping), and the pod is the
    smallest one whose chain meets every need; specialised members (width 1) go where a need
    is still short."""
    needs = {d: 2 for d in range(6)} | {6: 3}
    size = sized_pod(tuple(range(7)), 4, 1.0, needs, 1)
    certs = pod_certifications(tuple(range(7)), size, 4, 1.0, needs)
    cover = Counter(d for c in certs for d in c)
    assert all(cover[d] >= n for d, n in needs.items()), cover
    smaller = Counter(d for c in pod_certifications(tuple(range(7)), size - 1, 4, 1.0, needs)
                      for d in c)
    assert any(smaller[d] < n for d, n in needs.items())  # the smallest such pod
    for c in certs:  # consecutive on the ring of 7
        assert any(set(c) == {(s + x) % 7 for x in range(4)} for s in range(7)), c
    mixed = pod_certifications(tuple(range(7)), 6, 4, 0.5, needs)  # 3 flexible, 3 specialised
    assert [len(c) for c in mixed] == [4, 4, 4, 1, 1, 1]
    assert pod_certifications(tuple(range(7)), 3, 4) == [(0, 1, 2, 3), (3, 4, 5, 6),
                                                         (0, 1, 2, 6)]  # a chain round the ring


def test_planning_cuts_never_leave_a_pod_domain_below_the_minimum():
    """Property. Two overstaffed pods of 8 people at 2 of 7 domains (2-3 certified per domain)
    with little demand: planning cuts them, but every domain keeps ``min_domain_headcount``
    certified people in each pod's committed plan (floor, onboarding, replacement seats)."""
    cfg = stationary("generalist", 540, seed=4)
    m = cfg.mechanisms
    m.attrition = m.hiring = m.promotion = m.planning = True
    cfg.org.pods.count, cfg.org.pods.size, cfg.org.pods.breadth = 2, 8, 2
    cfg.demand.tickets_per_day = 25.0
    model = build_model(cfg)
    floor = cfg.workforce.planning.min_domain_headcount
    t = model.talent
    while model.running:
        model.step()
        for pod in model.pods:
            plan = [p for p in pod.members if p.left_day is None]
            plan += [p for _, p, d in t.onboarding if d is pod]
            plan += [r[3] for r in t.recruiting if r[2] is pod and r[3] is not None]
            cover = _certified(plan, pod)
            assert all(cover[d] >= floor for d in pod.keys), (model.day, pod.name, cover)
    assert t.counts["not_backfilled"] > 0  # cuts did happen
