"""V4: the efficiency-quality trade-off of cross-trained workers (Pinker & Shumsky 2000;
docs/science.md section 4), on ``org.pods.flexible_share`` (experiments/v4_flexibility.py).

Fast tests check the pod builder; the slow ones run the V4 sweep once (paired seeds) and state
each of the three statements as a pass criterion with its tolerance over seeds.
"""

from __future__ import annotations

import pytest

from experiments import v4_flexibility as v4
from model.config import ConfigError
from model.model import TierSimModel
from model.pods import chain_stride, flexible_count, pod_certifications

SEEDS = range(8)  # the first half of the experiment's 16 paired seeds (the same runs)
TOL = 0.02  # s* differences smaller than this count as ties (a tenth of a grid step)
P_BOOT = 0.9  # paired-bootstrap probability required for a direction


# --- the pod builder (fast) ---------------------------------------------------------------------
def test_narrow_breadth_forms_one_chain():
    """flexible_share = 1 (the default): every member certified in ``breadth`` consecutive
    domains, runs starting ``chain_stride`` apart, so consecutive runs overlap and link every
    domain to the next (a chain, not disjoint pools)."""
    regular, size, b = tuple(range(7)), 5, 4
    certs = pod_certifications(regular, size, b)
    assert certs == pod_certifications(regular, size, b, 1.0)
    assert chain_stride(7, 5, 4) == 2
    assert certs[:2] == [(0, 1, 2, 3), (2, 3, 4, 5)]
    assert all(set(a) & set(c) for a, c in zip(certs, certs[1:] + certs[:1], strict=True))
    assert set().union(*certs) == set(regular)
    six = pod_certifications(tuple(range(6)), 18, 2)
    assert six[:6] == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 5)]
    assert pod_certifications(tuple(range(6)), 3, 2) == [(0, 1), (2, 3), (4, 5)]  # no overlap fits
    assert pod_certifications(tuple(range(6)), 4, 6) == [tuple(range(6))] * 4  # full breadth


def test_mixed_pod_spreads_specialists_evenly():
    certs = pod_certifications((0, 1), 8, 2, 0.25)
    assert certs[:2] == [(0, 1), (0, 1)]
    spec = certs[2:]
    assert all(len(c) == 1 for c in spec)
    assert sum(c == (0,) for c in spec) == sum(c == (1,) for c in spec) == 3
    assert [flexible_count(8, s) for s in (0.0, 0.25, 0.5, 0.75, 1.0)] == [0, 2, 4, 6, 8]
    assert flexible_count(5, 0.5) == 3  # half rounded up


def test_a_pod_that_leaves_a_domain_uncovered_is_a_config_error():
    with pytest.raises(ConfigError, match="org.pods.flexible_share"):
        pod_certifications(tuple(range(7)), 5, 4, 0.0)


def test_flexible_share_survives_turnover():
    """A hire takes the leaver's certification: the pod's mix is kept through turnover."""
    cfg = v4.config(0.5, 0.9, 0.0, seed=3, years=1, warmup_years=0)
    model = TierSimModel(cfg)
    for _ in range(cfg.sim.horizon_days):
        model.step()
        t = model.talent  # seats: on the floor (leavers finishing their ticket excluded),
        seats = ([p.certified for p in model.desks["pod_0"].members if not p.leaving]
                 + [r[3].certified for r in t.recruiting]  # being recruited (the leaver's)
                 + [o[1].certified for o in t.onboarding])  # and onboarding
        assert len(seats) == 8
        assert sum(len(c) == 2 for c in seats) == 4
    assert model.talent.counts["exits"] >= 3


# --- V4 (slow) ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def v4_result():
    runs = v4.sweep(SEEDS, jobs=2)
    return runs, v4.statements(runs)


@pytest.mark.slow
def test_v4_all_flexible_minimises_waiting_but_not_profit(v4_result):
    """Statement 1 (omega = 0, every turnover): the seed-mean waiting is lowest with every
    member flexible, no share waits less than all-flexible by 2 paired standard errors, and
    all-flexible waits less than all-specialised by more than 2; the seed-mean profit peaks
    below all-flexible, above it by more than 2 paired standard errors."""
    _, st = v4_result
    for t, s in st["s1"].items():
        assert s["wait_argmin"] == 1.0, (t, s)
        assert s["wait_gap_max_z"] < 2.0, (t, s)
        assert s["wait_gap_to_none_h"] < -2 * s["wait_gap_to_none_se"], (t, s)
        assert s["profit_argmax"] < 1.0, (t, s)
        assert s["profit_gap"] > 2 * s["profit_gap_se"], (t, s)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "since the rulebook's salaries and the steady-state world the shift of s* is in the right "
    "direction on every bootstrap draw (p 1.0) but 0.019, below the 0.02 tie threshold: "
    "docs/validation.md V4"))
def test_v4_profit_optimal_share_falls_as_turnover_rises(v4_result):
    """Statement 2 (omega = 0): s* does not rise from one turnover to the next (ties within
    TOL), and s*(10 %) > s*(60 %) by more than TOL in the seed means and in a share P_BOOT of
    paired bootstrap resamples of the seeds."""
    _, st = v4_result
    pairs = list(st["s2"].items())
    *steps, (_, whole) = pairs
    for key, v in steps:
        assert v["diff"] > -TOL, (key, v)
    assert whole["diff"] > TOL and whole["p_boot"] >= P_BOOT, whole


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "since the rulebook's salaries and the steady-state world the shift of s* is in the right "
    "direction on every bootstrap draw (p 1.0) but 0.014, below the 0.02 tie threshold: "
    "docs/validation.md V4"))
def test_v4_raising_omega_moves_the_optimum_up(v4_result):
    """Statement 3: with omega = 0.5, s* is not lower at any turnover (ties within TOL), and
    higher on average over the turnovers by more than TOL, in the seed means and in a share
    P_BOOT of paired bootstrap resamples."""
    _, st = v4_result
    for t, v in st["s3"].items():
        if t != "mean":
            assert v["diff"] > -TOL, (t, v)
    m = st["s3"]["mean"]
    assert m["diff"] > TOL and m["p_boot"] >= P_BOOT, m
