"""Staffing (model/staffing.py): initial sizing to the target occupancy, and headcount planning."""

from __future__ import annotations

import math

import pytest

from model.config import Config
from model.model import TierSimModel
from model.runio import simulate
from model.staffing import measure_load, people_needed, sized_config


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
    low = measure_load(base)
    base.demand.tickets_per_day *= 2
    high = measure_load(base)
    for kind in ("l1", "l2", "engineering"):
        assert 1.6 < high[kind] / low[kind] < 2.4, kind
    sized, _ = sized_config(base)
    assert sized.org.specialists.headcount == 0
    pc = base.workforce.planning
    assert sized.org.l1.headcount == people_needed(high["l1"], pc.target_occupancy,
                                                   pc.safety_beta, pc.min_headcount)


def test_people_needed_is_square_root_staffing_below_the_occupancy_cap():
    # R + beta sqrt(R) where that is more than R / target (small desks), else R / target
    assert people_needed(4.0, 0.8, 1.0) == 6  # 4 + 2 = 6 > 5
    assert people_needed(36.0, 0.8, 1.0) == 45  # 36 / 0.8 = 45 > 42
    assert people_needed(16.0, 0.8, 1.0) == 20  # both 20
    assert people_needed(0.3, 0.8, 1.0, floor=2) == 2
    assert people_needed(4.0, 0.8, 0.0) == 5  # beta 0: the occupancy target alone


def test_sized_pods_still_cover_every_domain():
    cfg = stationary("generalist", 60)
    cfg.product.domains, cfg.org.pods.breadth = 14, 2
    cfg.demand.tickets_per_day = 20.0  # little load: coverage, not load, sets the pod size
    sized, load = sized_config(cfg)
    regular = cfg.product.domains - cfg.product.specialist_domains
    assert load["pod"] / cfg.workforce.planning.target_occupancy / cfg.org.pods.count < 7
    assert sized.org.pods.size == math.ceil(regular / cfg.org.pods.breadth)


def test_sized_run_is_reproducible():
    cfg = stationary("generalist", 40)
    cfg.org.staffing = "sized"
    a, b = TierSimModel(cfg), TierSimModel(cfg)
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
    """People on the floor + onboarding = initial + hires - exits, at the end of every day."""
    cfg = stationary("tiered", 300, seed=8)
    m = cfg.mechanisms
    m.attrition = m.hiring = m.promotion = m.planning = True
    cfg.org.l1.headcount, cfg.org.l2.headcount = 4, 16
    model = TierSimModel(cfg)
    start = len(model.staff)
    while model.running:
        model.step()
        t = model.talent
        assert len(model.active_staff) + len(t.onboarding) == \
            start + t.counts["hires"] - t.counts["exits"]
        assert all(v >= 0 for v in t.surplus.values())
    assert model.talent.counts["planned_seats"] + model.talent.counts["not_backfilled"] > 0


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
