"""``tiersim profile=<name>`` (experiments/profile.py): the switching-value arithmetic on a
constructed table (exact), the example profile's keys and its ticket volume, re-pricing a run
against rerunning it, and the command end to end (the example profile with tiny overrides, a
profile kept outside the repository with ``--config-dir``, a failing run, a misspelt key)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_cli import finish, start

from experiments.profile import (
    lifetime_gaps,
    profile_member,
    salary_gaps,
    switch_band,
    switching_table,
    tickets_per_day,
)
from experiments.study import compose
from model.config import Config
from model.metrics import lifetime_value_factor

ROLES = ("l1", "l2", "generalist", "specialist", "engineer")
TINY = ["sim.horizon_days=100", "sim.warmup_days=20", "customers.count=150", "profile.seeds=2"]
SECTIONS = ("# What the model says for", "## The answer", "## What would change the answer",
            "## Your org today and the headcount each design gets", "## The numbers in full",
            "## What this rests on")


def constructed_runs(bases=(-9.0, -10.0, -11.0), wage_cost_g=50.0, wage_cost_t=0.0,
                     gone=(10.0, 12.0)) -> pd.DataFrame:
    """Three seeds with a known headline gap ``base`` per seed; one customer-year per run, so
    the generalist runs' cost booked under the generalist wage is ``wage_cost_g`` per
    customer-year, and the MRR of customers who left is ``gone`` (tiered, generalist)."""
    rows = []
    for seed, base in enumerate(bases):
        for design, total, wage_cost, g in (("tiered", 100.0, wage_cost_t, gone[0]),
                                            ("generalist", 100.0 + base, wage_cost_g, gone[1])):
            row = {"design": design, "seed": seed, "total_cost_per_customer_year": total,
                   "customer_years": 1.0, "gone_mrr": g, "cost_total": wage_cost}
            row.update({f"window_cost_rate_{r}": 0.0 for r in ROLES})
            row["window_cost_rate_generalist"] = wage_cost
            rows.append(row)
    return pd.DataFrame(rows)


def test_salary_gap_is_the_run_repriced_exactly():
    runs = constructed_runs()
    values = np.array([50_000.0, 100_000.0, 120_000.0])
    gaps = salary_gaps(runs, "generalist", 100_000.0, values)
    got = gaps.pivot(index="seed", columns="value", values="gap")
    for seed, base in enumerate((-9.0, -10.0, -11.0)):
        # 50 per customer-year booked under a wage of 100,000: +0.0005 per dollar of wage
        assert got.loc[seed, 100_000.0] == base
        assert got.loc[seed, 120_000.0] == pytest.approx(base + 10.0, abs=1e-12)
        assert got.loc[seed, 50_000.0] == pytest.approx(base - 25.0, abs=1e-12)


def test_switching_values_on_a_constructed_table():
    """The mean gap -10 + 50 (w / 100,000 - 1) crosses zero at w = 120,000 exactly; the
    lifetime's where 2 (MRR lost per customer-year more) x the extra value factor makes up 10."""
    runs = constructed_runs()
    cfg = Config()
    cfg.workforce.salary.generalist = 100_000.0
    cfg.economics.customer_lifetime_months = 36.0
    tab = switching_table(runs, cfg).set_index("parameter")
    gen = tab.loc["workforce.salary.generalist"]
    assert gen["switch"] == pytest.approx(120_000.0, rel=1e-9)
    assert (gen["ahead_at_low"], gen["ahead_at_high"]) == ("generalist", "tiered")
    # the seeds' gaps at w differ by +-1 around the mean: t(2) x 1 / sqrt(3) x 2,000 $ per unit
    half = 4.302652729911275 * 1.0 / math.sqrt(3) * 2_000.0
    assert gen["switch_low"] == pytest.approx(120_000.0 - half, abs=350.0)  # grid step 343.75
    assert gen["switch_high"] == pytest.approx(120_000.0 + half, abs=350.0)
    # only the generalist wage is used in these runs: no other wage gets a row
    assert "workforce.salary.l1" not in tab.index
    # the lifetime: gap = -10 + 2 x (LV(m) - LV(36)) crosses zero where LV(m) = LV(36) + 5
    life = tab.loc["economics.customer_lifetime_months"]
    target = lifetime_value_factor(36.0, cfg.economics.discount_rate_annual) + 5.0
    assert lifetime_value_factor(life["switch"], cfg.economics.discount_rate_annual) == \
        pytest.approx(target, rel=2e-3)
    assert (life["ahead_at_low"], life["ahead_at_high"]) == ("generalist", "tiered")


def test_no_switch_in_range_and_the_cost_check():
    runs = constructed_runs(bases=(-100.0, -101.0, -99.0), wage_cost_g=1.0)
    cfg = Config()
    cfg.workforce.salary.generalist = 100_000.0
    row = switching_table(runs, cfg).set_index("parameter").loc["workforce.salary.generalist"]
    assert math.isnan(row["switch"]) and row["ahead_at_low"] == row["ahead_at_high"] == "generalist"
    # books that do not add up to cost_total: no salary switching value at all
    runs.loc[0, "cost_total"] += 1.0
    assert list(switching_table(runs, cfg)["parameter"]) == ["economics.customer_lifetime_months"]


def test_the_band_reaches_the_end_of_the_range():
    x = np.linspace(0.0, 10.0, 11)
    gaps = pd.DataFrame([{"value": v, "seed": s, "gap": v - 5.0 + (20.0 if s else -20.0)}
                         for v in x for s in (0, 1)])
    assert switch_band(gaps, 5.0) == (0.0, 10.0, True, True)


def test_lifetime_gaps_use_the_value_factor():
    runs = constructed_runs()
    gaps = lifetime_gaps(runs, 36.0, 0.1, np.array([36.0, 60.0]))
    g = gaps.pivot(index="seed", columns="value", values="gap")
    extra = lifetime_value_factor(60.0, 0.1) - lifetime_value_factor(36.0, 0.1)
    assert g.loc[1, 36.0] == -10.0
    assert g.loc[1, 60.0] == pytest.approx(-10.0 + 2.0 * extra, abs=1e-12)


def test_the_example_profile_validates_and_sets_the_ticket_volume():
    cfg = compose(["profile=example"])
    p = cfg.profile
    assert (p.name, p.seeds) == ("example", 8)
    assert p.tickets_per_customer_month > 0 and p.observed.tickets_per_day > 0
    assert tickets_per_day(cfg) == p.tickets_per_customer_month * cfg.customers.count * 12.0 / 365.0
    assert tickets_per_day(cfg) == 2.0 * 800 * 12.0 / 365.0
    # 0 keeps demand.tickets_per_day
    plain = compose(["profile=example", "profile.tickets_per_customer_month=0"])
    assert tickets_per_day(plain) == plain.demand.tickets_per_day
    assert compose([]).profile.name == ""  # profile=none: no profile


def test_repricing_a_salary_equals_rerunning(tmp_path):
    """Salaries change no dynamics: a run re-priced at another generalist wage (its cost books)
    has the headline of the same run rerun at that wage."""
    over = ["org=generalist", "sim.horizon_days=90", "sim.warmup_days=30", "customers.count=150",
            "sim.progress=false"]
    key = {"design": "generalist", "seed": 0}
    a = profile_member(compose(over), key, str(tmp_path / "a"))
    b = profile_member(compose([*over, "workforce.salary.generalist=120000"]), key,
                       str(tmp_path / "b"))
    assert a["tickets_created"] == b["tickets_created"]  # the same dynamics
    books = sum(a[f"window_cost_rate_{r}"] for r in ROLES)
    assert books == pytest.approx(a["cost_total"], rel=1e-9)
    wage = Config().workforce.salary.generalist
    repriced = a["total_cost_per_customer_year"] + (120000.0 / wage - 1.0) * \
        a["window_cost_rate_generalist"] / a["customer_years"]
    assert repriced == pytest.approx(b["total_cost_per_customer_year"], rel=1e-9)


def _answer(res, run_dir):
    text = (run_dir / "answer.md").read_text()
    for s in SECTIONS:
        assert s in text, f"{s!r} missing from answer.md\n{text}\nstderr:\n{res.stderr}"
    return text


def test_tiersim_profile_example_writes_an_answer(tmp_path):
    """The example with tiny overrides, a profile of one's own outside the repository
    (``--config-dir``) and a misspelt key: started together."""
    own = tmp_path / "conf" / "profile"
    own.mkdir(parents=True)
    (own / "myorg.yaml").write_text(
        "# @package _global_\nprofile:\n  name: myorg\n  description: My Org\n"
        "  tickets_per_customer_month: 2.5\n  occupancy: 0.8\ncustomers:\n  count: 150\n")
    (own / "typo.yaml").write_text(
        "# @package _global_\nprofile:\n  name: typo\n  tickets_per_custmer_month: 2.5\n")
    runs = {
        "example": start(["profile=example", *TINY, f"hydra.run.dir={tmp_path / 'ex'}"],
                         tmp_path / "w1"),
        "own": start(["--config-dir", str(tmp_path / "conf"), "profile=myorg", *TINY,
                      f"hydra.run.dir={tmp_path / 'own'}"], tmp_path / "w2"),
        "typo": start(["--config-dir", str(tmp_path / "conf"), "profile=typo"], tmp_path / "w3"),
    }
    res = {k: finish(p) for k, p in runs.items()}
    ex = res["example"]
    assert ex.returncode == 0, ex.stderr
    text = _answer(ex, tmp_path / "ex")
    assert "Example Co." in text and "Your export vs the model's tiered run" in text
    assert "generalists" in text and "The customer lifetime" in text
    assert "Today's occupancy at your headcounts" in text
    for f in ("runs.csv", "comparison.csv", "switching.csv", "tiered_seed0", "generalist_seed1"):
        assert (tmp_path / "ex" / f).exists(), f
    cmp = pd.read_csv(tmp_path / "ex" / "comparison.csv")
    assert {"total_cost_per_customer_year", "retained_mrr_share"} <= set(cmp["kpi"])
    own_res = res["own"]
    assert own_res.returncode == 0, own_res.stderr
    text = _answer(own_res, tmp_path / "own")
    assert "My Org" in text and "`profile.occupancy`, given in the profile" in text
    typo = res["typo"]
    assert typo.returncode == 2
    assert "profile.tickets_per_customer_month" in typo.stderr and "Traceback" not in typo.stderr


def test_a_failed_run_keeps_the_others_and_exits_1(tmp_path):
    res = finish(start(["profile=example", *TINY, "profile.seeds=3",
                        f"hydra.run.dir={tmp_path / 'r'}"], tmp_path / "w",
                       {"TIERSIM_TEST_FAIL_SEEDS": "1"}))
    assert res.returncode == 1, res.stderr
    text = _answer(res, tmp_path / "r")
    assert "## Runs that failed" in text and "seed 1" in text
    assert (tmp_path / "r" / "tiered_seed1" / "error.txt").exists()
    assert (tmp_path / "r" / "generalist_seed2" / "summary.json").exists()
