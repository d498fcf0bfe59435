"""Smoke test of the benchmark script: ``--quick`` runs end to end and writes sane JSON.

Only that the figures exist and are positive is checked, never how fast anything is.
"""

from __future__ import annotations

import json
import math

import pytest

from experiments.tools import bench
from model.config import Config, validate

RATE_KEYS = ("tickets", "cpu_s", "wall_s", "tickets_per_cpu_s", "us_per_ticket")


def _positive(d: dict, keys) -> None:
    for k in keys:
        v = d[k]
        assert isinstance(v, int | float) and math.isfinite(v) and v > 0, (k, v)


def test_quick_bench_writes_sane_json(tmp_path, capsys):
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    stamped = list(tmp_path.glob("bench-*.json"))
    assert len(stamped) == 1
    res = json.loads((tmp_path / "latest.json").read_text())
    assert res == json.loads(stamped[0].read_text())
    assert res["quick"] is True
    assert {"python", "platform", "cpu_count"} <= res["machine"].keys()
    assert {"mesa", "numpy", "ciw", "joblib"} <= res["versions"].keys()
    assert res["git_revision"]

    # 1. M/M/c, tiersim and ciw
    mmc = res["mmc"]
    _positive(mmc, (*RATE_KEYS, "p_wait", "mean_wait_h", "erlang_c_p_wait",
                    "erlang_c_mean_wait_h"))
    assert 0 < mmc["p_wait"] < 1 and 0 < mmc["erlang_c_p_wait"] < 1
    _positive(res["ciw"], (*RATE_KEYS, "ratio_tiersim_over_ciw"))
    # 2. the tandem, tiersim and ciw, beside the Jackson values
    tandem = res["tandem"]
    figures = ("p_wait_l1", "wq_l1_h", "escalated_share", "wq_l2_h", "sojourn_h")
    for who in ("tiersim", "ciw"):
        _positive(tandem[who], (*RATE_KEYS, *figures))
    _positive(tandem["ciw"], ("ratio_tiersim_over_ciw",))
    _positive(tandem["theory"], figures)
    # 3. the default scenario and its memory
    for design in ("tiered", "generalist"):
        _positive(res["default"][design], (*RATE_KEYS, "occupancy"))
        mem = res["memory"][design]
        _positive(mem, ("tracemalloc_peak_mb",))
        assert mem["peak_rss_growth_mb"] >= 0
    # 4. the large scenario (tiny in --quick), with its 5-year extrapolation
    large = res["large"]
    _positive(large, (*RATE_KEYS, "occupancy", "staff", "customers", "build_wall_s",
                      "rss_after_build_mb", "peak_rss_run_mb", "peak_rss_with_table_mb"))
    assert large["log_rows"] >= large["tickets"]  # every created ticket is a row (open ones too)
    assert large["days"] == bench.QUICK["large_days"]
    _positive(large["extrapolated"], ("tickets", "run_cpu_s", "total_wall_s",
                                      "peak_rss_with_table_mb"))
    # 5. the sweep on 1 and 2 workers
    sweep = res["sweep"]
    _positive(sweep, ("speedup", "speedup_warm", "speedup_cpu_estimate", "worker_start_s",
                      "worker_start_cpu_s"))
    assert sweep["workers_1"]["processes"] == 1 and sweep["workers_2"]["processes"] >= 1
    out = capsys.readouterr().out
    assert "M/M/c" in out and "tandem" in out and "EXTRAPOLATED" in out


def test_full_large_run_prints_no_extrapolation(monkeypatch):
    """A large run at the full horizon is measured, not extrapolated."""
    r = {"days": 5, "tickets": 10, "cpu_s": 1.0, "wall_s": 1.0}
    monkeypatch.setattr(bench, "_in_child", lambda fn, *a: dict(r, **dict.fromkeys(
        ("staff", "customers", "log_rows"), 1), occupancy=0.5, build_wall_s=1.0,
        frame_wall_s=0.1, total_wall_s=2.0, tickets_per_cpu_s=10.0, tickets_per_wall_s=10.0,
        us_per_ticket=1e5, rss_start_mb=1.0, rss_after_build_mb=2.0, peak_rss_run_mb=3.0,
        peak_rss_with_table_mb=4.0))
    sizes = dict(bench.QUICK, large_days=5, large_full_days=5)
    assert "extrapolated" not in bench.bench_large(sizes, 0, None)


def test_extrapolation_is_linear():
    r = {"days": 100, "tickets": 1000, "tickets_half": 500, "cpu_s": 10.0, "wall_s": 12.0,
         "build_wall_s": 5.0, "frame_wall_s": 1.0, "rss_half_mb": 200.0,
         "rss_after_run_mb": 250.0, "peak_rss_run_mb": 250.0, "peak_rss_with_table_mb": 270.0}
    x = bench.extrapolate(r, 1000)
    assert x["tickets"] == 10_000
    assert x["run_cpu_s"] == pytest.approx(100.0)
    assert x["total_wall_s"] == pytest.approx(5.0 + 10 * 13.0)
    assert x["rss_mb_per_1k_tickets"] == pytest.approx(100.0)  # 50 MB over the last 500 tickets
    assert x["peak_rss_run_mb"] == pytest.approx(250.0 + 0.1 * 9000)
    assert x["peak_rss_with_table_mb"] == pytest.approx(x["peak_rss_run_mb"] + 20.0 * 10)


def test_large_config_scales_demand_customers_and_every_team():
    base, big = Config(), bench.large_config(6000.0, 30, 5, seed=1)
    validate(big)
    k = 6000.0 / base.demand.tickets_per_day
    assert big.demand.tickets_per_day == 6000.0
    assert big.customers.count == round(base.customers.count * k)
    for team in ("l1", "l2", "engineering", "specialists"):
        assert getattr(big.org, team).headcount == round(getattr(base.org, team).headcount * k)
    assert big.org.pods.count == round(base.org.pods.count * k)
    assert big.org.pods.size == base.org.pods.size
    assert big.sim.record_tickets and big.sim.horizon_days == 30


def test_theory_configs_match_the_experiment_files():
    mmc, tandem = bench.mmc_config(10, 1, 0), bench.tandem_config(10, 1, 0)
    validate(mmc)
    validate(tandem)
    assert mmc.demand.tickets_per_day == 2400 and mmc.org.pods.size == 12
    assert tandem.demand.tickets_per_day == 192 and tandem.product.mean_work_hours == 0.5
    assert (tandem.org.l1.headcount, tandem.org.l2.headcount) == (6, 4)
    assert tandem.org.escalation.mode == "bernoulli" and tandem.org.escalation.l2_work_factor == 2
    for cfg in (mmc, tandem):
        assert cfg.sim.calendar == "always" and cfg.product.service == "exponential"
        assert not any(vars(cfg.mechanisms).values())


def test_erlang_c_known_values():
    # M/M/1: P(wait) = rho, E[Wq] = rho / (mu - lambda)
    p, wq = bench.erlang_c(0.5, 1.0, 1)
    assert math.isclose(p, 0.5) and math.isclose(wq, 1.0)
    # lambda=100/h, mu=10/h, c=12 (docs/science.md section 1): P(wait) ~ 0.4494
    p, wq = bench.erlang_c(100.0, 10.0, 12)
    assert math.isclose(p, 0.4494, abs_tol=5e-4)
    assert math.isclose(wq, p / 20.0)
    assert bench.erlang_c(12.0, 1.0, 12) == (1.0, math.inf)


def test_jackson_tandem_matches_science_md():
    # docs/science.md section 1: L1 E[Wq] 0.0712 h, L2 E[Wq] 0.1794 h, time in system 0.9250 h
    t = bench.jackson_tandem(**bench.TANDEM)
    assert t["wq_l1_h"] == pytest.approx(0.0712, abs=5e-5)
    assert t["wq_l2_h"] == pytest.approx(0.1794, abs=5e-5)
    assert t["sojourn_h"] == pytest.approx(0.9250, abs=5e-5)
