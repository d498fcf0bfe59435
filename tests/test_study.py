"""The paired-seed study runner (experiments/study.py): composed configs equal the ones the
studies used to build by hand, runs come back in order on one or two workers, tables render."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from experiments import calibrate, customer_gap, feedback_gap, study
from experiments import v4_flexibility as v4
from experiments.tables import markdown
from model.config import Config, validate
from model.runio import config_hash

TINY = ["sim.horizon_days=6", "sim.warmup_days=1", "customers.count=200"]


def _by_hand(seed: int, experiment: str = "default", **sim) -> Config:
    cfg = Config(seed=seed, experiment=experiment)
    for k, v in sim.items():
        setattr(cfg.sim, k, v)
    return cfg


@pytest.mark.parametrize("variant", customer_gap.VARIANTS)
def test_customer_gap_configs_are_the_hand_built_ones(variant):
    ref = _by_hand(3, "customer_gap", horizon_days=400, progress=False)
    ref.org.design = "generalist"
    g = ref.customers.goodwill
    if variant == "transactional":
        ref.customers.relationship_weight = 0.0
    elif variant == "effort_blind":
        g.stay_high_effort = g.stay_low_effort
    elif variant == "no_word_of_mouth":
        g.wom_churn_hit = g.wom_loyal_lift = 0.0
    got = customer_gap.config("generalist", 3, 400, variant)
    assert config_hash(got) == config_hash(validate(ref))


def test_feedback_gap_and_calibrate_configs_are_the_hand_built_ones():
    ref = _by_hand(2, "feedback_gap", horizon_days=500, progress=False)
    ref.org.design = "tiered"
    assert config_hash(feedback_gap.config("tiered", 2, 500)) == config_hash(validate(ref))
    point = {"org.l1.mandate_complexity": 0.55, "org.l2.push_back_p": 0.35}
    run = calibrate.point_run(point, 1, 240)
    ref = _by_hand(1, horizon_days=240, warmup_days=60, progress=False)
    ref.org.design, ref.org.staffing = "tiered", "sized"  # calibrate.SETTING
    ref.org.l1.mandate_complexity, ref.org.l2.push_back_p = 0.55, 0.35
    assert config_hash(study.compose(run.overrides)) == config_hash(validate(ref))
    assert run.key == {**point, "seed": 1}


def test_calibration_counts_bpic_pingpong_as_pingpong_or_an_engineering_return():
    """BPIC 2013's ping-pong is any team getting back a case it passed on, the return from the
    third line included: V3 compares it with tickets flagged ``pingpong`` or
    ``engineering_return`` (a ticket with both counts once)."""
    t = pd.DataFrame({"resolved_h": [5.0, 6.0, 7.0, 8.0, float("nan")],
                      "resolution_h": [1.0, 2.0, 3.0, 4.0, float("nan")],
                      "handoffs": [0, 2, 2, 4, 2], "max_level": [1, 2, 3, 3, 3],
                      "pingpong": [False, True, False, True, True],
                      "engineering_return": [False, False, True, True, True],
                      "reopened": [0, 1, 0, 0, 0]})
    s = calibrate.statistics(t, [0.5, 1.0, 30.0])
    assert s["pingpong_share"] == 0.75  # 3 of the 4 resolved tickets
    assert s["pingpong_L3"] == 1.0 and s["handoffs_mean_L3"] == 3.0 and s["reopen_share"] == 0.25
    assert s["transfer_wait_median_h"] == 1.0


def test_v4_config_is_the_hand_built_one():
    c = _by_hand(4, "v4_flexibility", horizon_days=365 * 3, warmup_days=365, progress=False)
    c.demand.hourly_profile = [0.0] * 9 + [1.0] * 8 + [0.0] * 7
    c.demand.weekday_profile = [1.0] * 5 + [0.0] * 2
    c.demand.tickets_per_day = v4.TICKETS_PER_PERSON_DAY * v4.POD_SIZE
    p = c.product
    p.domains, p.classes, p.zipf_s, p.class_work_spread = 2, 1000, 0.0, 0.0
    p.engineering_share = p.specialist_share = 0.0
    p.mean_work_hours = v4.MEAN_WORK_HOURS
    o = c.org
    o.design, o.ownership = "generalist", "pod"
    o.pods.count, o.pods.size, o.pods.breadth, o.pods.flexible_share = 1, v4.POD_SIZE, 2, 0.25
    o.engineering.headcount = o.specialists.headcount = 0
    o.info_request_p = 0.0
    c.customers.count = 200
    m = c.mechanisms
    m.customers = m.feedback = m.correlated_problems = m.promotion = m.planning = False
    m.learning = m.attrition = m.hiring = m.reopen = True
    w = c.workforce
    w.learning.transfer = 0.5
    a = w.attrition
    a.annual.generalist = 1.0 - math.exp(-0.35)
    a.early_multiplier, a.burnout_gain, a.stagnation_multiplier = 1.0, 0.0, 1.0
    a.market_premium = 0.0
    w.hiring.lead_time_weeks = 0.0
    w.hiring.onboarding_weeks.generalist = 0.0
    assert config_hash(v4.config(0.25, 0.35, 0.5, 4)) == config_hash(validate(c))


def _headline(cfg: Config, key: dict) -> dict:
    s = study.summary_row(cfg, key)
    return {**key, "tickets_created": s["tickets_created"], "hash": s["config_hash"]}


def test_runs_come_back_in_order_on_one_or_two_workers():
    runs = study.paired_runs(("tiered", "generalist"), range(2), TINY, variant="x")
    assert [(r.key["design"], r.key["seed"]) for r in runs] == [
        ("tiered", 0), ("generalist", 0), ("tiered", 1), ("generalist", 1)]
    one = study.tidy(study.run_study(runs, _headline, jobs=1, experiment="t"))
    two = study.tidy(study.run_study(runs, _headline, jobs=2, experiment="t"))
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns[:3]) == ["design", "seed", "variant"]
    cfg = study.compose([*runs[3].overrides], experiment="t")
    assert one["hash"].iloc[3] == config_hash(cfg) and cfg.experiment == "t"
    # a measure returning a list of rows contributes each of them
    assert len(study.tidy([[{"a": 1}, {"a": 2}], {"a": 3}])) == 3


def test_markdown_tables():
    df = pd.DataFrame({"x": [1.5, 2000.0], "n": [1, 2]}, index=["a", "b"])
    assert markdown(df, index="") == ("| | x | n |\n|---|---|---|\n"
                                      "| a | 1.500 | 1 |\n| b | 2,000.000 | 2 |")
    assert markdown(df, index="metric").startswith("| metric | x | n |")
    assert markdown(df, fmt={"x": "{:.1f}"}, cell=str) == (
        "| x | n |\n|---|---|\n| 1.5 | 1 |\n| 2000.0 | 2 |")
