"""Outcome accounting (model/metrics.py ``outcome_kpis``): exact values on hand-made logs, and the
metamorphic rule that a ticket that never happens is an outcome, never a loss."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.config import Config
from model.metrics import customer_years, lifetime_value_factor, outcome_kpis


def _world(days: int, warmup: int, active: int, mrr: float, churned_mrr: list[float],
           cost: float, good: int, prevented: int, lifetime: float = 36.0, rate: float = 0.1):
    cfg = Config()
    cfg.sim.horizon_days, cfg.sim.warmup_days = days, warmup
    cfg.economics.customer_lifetime_months, cfg.economics.discount_rate_annual = lifetime, rate
    series = pd.DataFrame({"day": range(days), "customers_active": [active] * days,
                           "mrr": [active * mrr] * days})
    n = len(churned_mrr)
    customers = pd.DataFrame({"mrr": [mrr] * active + churned_mrr,
                              "churned_day": pd.array([None] * active + [warmup + 1] * n,
                                                      dtype="Float64")})
    k = {"cost_total": cost, "good_outcomes": good, "tickets_deflected": prevented}
    return k, series, customers, cfg


def test_lifetime_value_factor():
    assert lifetime_value_factor(36.0, 0.0) == 36.0
    assert lifetime_value_factor(0.0, 0.1) == 0.0
    r = 1.1 ** (1 / 12) - 1
    assert lifetime_value_factor(12.0, 0.1) == pytest.approx(sum((1 + r) ** -m
                                                                 for m in range(1, 13)))
    assert lifetime_value_factor(12.5, 0.1) == pytest.approx(
        lifetime_value_factor(12.0, 0.1) + 0.5 * (1 + r) ** -13)
    assert lifetime_value_factor(36.0, 0.1) < 36.0


def test_exact_rates_per_customer_year():
    k, s, c, cfg = _world(days=465, warmup=100, active=100, mrr=1000.0, churned_mrr=[500.0],
                          cost=730_000.0, good=9_000, prevented=1_000, rate=0.0)
    out = outcome_kpis(k, s, c, cfg)
    assert out["customer_years"] == pytest.approx(100.0)
    assert out["support_cost_per_customer_year"] == pytest.approx(7_300.0)
    assert out["lost_revenue_per_customer_year"] == pytest.approx(500.0 * 36 / 100)
    assert out["total_cost_per_customer_year"] == pytest.approx(7_300.0 + 180.0)
    assert out["net_contribution_per_customer_year"] == pytest.approx(12_000.0 - 7_300.0)
    assert out["problems_solved_or_prevented"] == 10_000
    assert out["support_cost_per_problem"] == pytest.approx(73.0)
    assert out["cost_per_good_ticket"] == pytest.approx(730_000.0 / 9_000)


def test_rates_do_not_grow_with_the_horizon():
    """The same stationary world measured over one year and over three gives the same rates."""
    one = outcome_kpis(*_world(425, 60, 100, 1000.0, [800.0] * 10, 730_000.0, 9_000, 500))
    three = outcome_kpis(*_world(1155, 60, 100, 1000.0, [800.0] * 30, 2_190_000.0, 27_000, 1_500))
    for key in ("support_cost_per_customer_year", "lost_revenue_per_customer_year",
                "total_cost_per_customer_year", "net_contribution_per_customer_year",
                "support_cost_per_problem"):
        assert three[key] == pytest.approx(one[key]), key


@settings(max_examples=200, deadline=None)
@given(cost=st.floats(1e3, 1e7), good=st.integers(1, 100_000), prevented=st.integers(0, 50_000),
       shift=st.integers(1, 50_000), churned=st.lists(st.floats(10.0, 5e4), max_size=20))
def test_preventing_a_ticket_never_worsens_the_headline(cost, good, prevented, shift, churned):
    """Metamorphic: the same world, with ``shift`` of its good closes prevented instead (the same
    problems, the same cost and churn): the headline is unchanged and support cost per problem
    no higher; with ``shift`` more tickets prevented on top, neither rises."""
    shift = min(shift, good - 1) if good > 1 else 0
    base = outcome_kpis(*_world(425, 60, 100, 1000.0, churned, cost, good, prevented))
    moved = outcome_kpis(*_world(425, 60, 100, 1000.0, churned, cost, good - shift,
                                 prevented + shift))
    more = outcome_kpis(*_world(425, 60, 100, 1000.0, churned, cost, good, prevented + shift))
    assert moved["total_cost_per_customer_year"] == base["total_cost_per_customer_year"]
    assert moved["support_cost_per_problem"] == pytest.approx(base["support_cost_per_problem"])
    assert more["total_cost_per_customer_year"] == base["total_cost_per_customer_year"]
    assert more["support_cost_per_problem"] <= base["support_cost_per_problem"] * (1 + 1e-12)


def test_the_old_ticket_denominator_counts_prevention_as_a_loss():
    """Why the headline moved: the same world as above, cost per good ticket rises when good
    closes are prevented instead, though nothing got worse."""
    base = outcome_kpis(*_world(425, 60, 100, 1000.0, [], 1e6, 10_000, 0))
    moved = outcome_kpis(*_world(425, 60, 100, 1000.0, [], 1e6, 8_000, 2_000))
    assert moved["cost_per_good_ticket"] > base["cost_per_good_ticket"]
    assert moved["total_cost_per_customer_year"] == base["total_cost_per_customer_year"]


def test_customer_years_without_the_customers_mechanism():
    s = pd.DataFrame({"day": range(465)})
    assert customer_years(s, 100, 200) == pytest.approx(200.0)
    assert math.isnan(outcome_kpis({"cost_total": 1.0, "good_outcomes": 0, "tickets_deflected": 0},
                                   s.iloc[:0], None, Config())["support_cost_per_customer_year"])


def test_summary_carries_the_outcome_accounting(small_cfg):
    from model.simulate import simulate

    _, s, _ = simulate(small_cfg("generalist", seed=2))
    for key in ("support_cost_per_customer_year", "lost_revenue_per_customer_year",
                "total_cost_per_customer_year", "net_contribution_per_customer_year",
                "problems_solved_or_prevented", "support_cost_per_problem", "cost_per_good_ticket"):
        assert key in s and s[key] is not None, key
    assert s["total_cost_per_customer_year"] == pytest.approx(
        s["support_cost_per_customer_year"] + s["lost_revenue_per_customer_year"])
    # prevented: deflected by fixes, snippets and workflows, or reached first (shared fixes)
    assert s["problems_solved_or_prevented"] == (s["good_outcomes"] + s["tickets_deflected"]
                                                 + s["proactive_contacts"])


def test_utilisation_by_year_adds_up_to_the_window():
    """utilisation_<role>_y<k> per 365-day year of the measured window; the window's figure is
    their headcount-weighted mean."""
    from model.metrics import utilisation

    days = 60 + 365 + 100
    s = pd.DataFrame({"day": range(days), "headcount_l1": [10] * 200 + [5] * (days - 200),
                      "work_h_l1": [48.0] * 200 + [36.0] * (days - 200)})
    u = utilisation(s, 60, 8.0)
    w1 = s[(s["day"] >= 60) & (s["day"] < 425)]
    assert u["utilisation_l1_y1"] == pytest.approx(w1["work_h_l1"].sum()
                                                   / (w1["headcount_l1"].sum() * 8.0))
    assert u["utilisation_l1_y2"] == pytest.approx(36.0 / 40.0)
    assert "utilisation_l1_y3" not in u
    h1, h2 = w1["headcount_l1"].sum(), 5 * 100
    assert u["utilisation_l1"] == pytest.approx((u["utilisation_l1_y1"] * h1
                                                 + u["utilisation_l1_y2"] * h2) / (h1 + h2))
