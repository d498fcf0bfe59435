"""Smoke test of the benchmark script: ``--quick`` runs end to end and writes sane JSON.

Only that the figures exist and are positive is checked, never how fast anything is.
"""

from __future__ import annotations

import json
import math

from experiments import bench

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
    assert {"mesa", "numpy", "ciw"} <= res["versions"].keys()
    assert res["git_revision"]

    mmc = res["mmc"]
    _positive(mmc, (*RATE_KEYS, "p_wait", "mean_wait_h", "erlang_c_p_wait",
                    "erlang_c_mean_wait_h"))
    assert 0 < mmc["p_wait"] < 1 and 0 < mmc["erlang_c_p_wait"] < 1
    _positive(res["ciw"], (*RATE_KEYS, "ratio_tiersim_over_ciw"))
    for design in ("tiered", "generalist"):
        _positive(res["default"][design], RATE_KEYS)
        mem = res["memory"][design]
        _positive(mem, ("tracemalloc_peak_mb",))
        assert mem["peak_rss_growth_mb"] >= 0
    assert "M/M/c" in capsys.readouterr().out


def test_erlang_c_known_values():
    # M/M/1: P(wait) = rho, E[Wq] = rho / (mu - lambda)
    p, wq = bench.erlang_c(0.5, 1.0, 1)
    assert math.isclose(p, 0.5) and math.isclose(wq, 1.0)
    # lambda=100/h, mu=10/h, c=12 (SCIENCE.md section 1): P(wait) ~ 0.4494
    p, wq = bench.erlang_c(100.0, 10.0, 12)
    assert math.isclose(p, 0.4494, abs_tol=5e-4)
    assert math.isclose(wq, p / 20.0)
    assert bench.erlang_c(12.0, 1.0, 12) == (1.0, math.inf)
