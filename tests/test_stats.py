"""Exact tests of the paired-comparison library (experiments/stats.py) against known cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.stats import (
    MIN_PAIRS_BOOTSTRAP,
    bootstrap_ci,
    interval_warning,
    paired_comparison,
    paired_differences,
    seeds_needed,
    t_interval,
    t_value,
    z_value,
)


def test_z_values_are_the_textbook_ones():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)
    assert z_value(0.99) == pytest.approx(2.575829, abs=1e-6)
    with pytest.raises(ValueError, match="confidence"):
        z_value(1.0)


def test_t_values_are_the_textbook_ones():
    # two-sided 95 % Student t quantiles from the tables: df 1, 3, 9, 29
    assert t_value(1) == pytest.approx(12.706205, abs=1e-6)
    assert t_value(3) == pytest.approx(3.182446, abs=1e-6)
    assert t_value(9) == pytest.approx(2.262157, abs=1e-6)
    assert t_value(29, 0.99) == pytest.approx(2.756386, abs=1e-6)
    with pytest.raises(ValueError, match="degree of freedom"):
        t_value(0)
    with pytest.raises(ValueError, match="confidence"):
        t_value(3, 0.0)


def test_t_interval_known_cases():
    # {1, 2, 3, 4}: mean 2.5, sd sqrt(5/3), se sqrt(5/12) = 0.645497; t(3) = 3.182446
    low, high = t_interval([1.0, 2.0, 3.0, 4.0])
    assert low == pytest.approx(2.5 - 3.182446 * 0.645497, abs=1e-5)  # 0.445740
    assert high == pytest.approx(4.554260, abs=1e-5)
    # {-1, 1}: mean 0, se 1, t(1) = 12.706: two pairs give a very wide interval, as they should
    assert t_interval([-1.0, 1.0]) == pytest.approx((-12.706205, 12.706205), abs=1e-6)
    assert t_interval([3.5] * 5) == (3.5, 3.5)
    assert all(math.isnan(v) for v in t_interval([1.0]))
    assert all(math.isnan(v) for v in t_interval([]))
    with pytest.raises(ValueError, match="1-d"):
        t_interval([[1.0, 2.0]])


def test_t_interval_is_wider_than_the_bootstrap_at_three_values():
    # the issue: with 3 runs a 95 % percentile bootstrap spans exactly min to max
    x = [1.0, 2.0, 6.0]
    assert bootstrap_ci(x) == (1.0, 6.0)
    low, high = t_interval(x)
    assert low < 1.0 and high > 6.0


@pytest.mark.parametrize(("sd", "half_width", "confidence", "expected"), [
    # the smallest n >= 2 with t(n-1)·sd/sqrt(n) <= half_width
    (1.0, 0.196, 0.95, 103),     # t(102)/sqrt(103) = 0.19544 <= 0.196 < t(101)/sqrt(102)
    (2.0, 0.5, 0.95, 64),        # normal approximation 61.46 -> 62; t needs 64
    (10.0, 1.0, 0.99, 668),      # normal approximation 663.49 -> 664
    (1.0, 1.0, 0.95, 7),         # t(6)/sqrt(7) = 0.9248; t(5)/sqrt(6) = 1.0496
    (0.0, 1.0, 0.95, 2),         # no spread: the minimum that still estimates an SD
    (0.01, 10.0, 0.95, 2),
])
def test_seeds_needed_known_cases(sd, half_width, confidence, expected):
    n = seeds_needed(sd, half_width, confidence)
    assert n == expected
    if n > 2:  # minimal: one seed fewer misses the precision
        assert t_value(n - 1, confidence) * sd / math.sqrt(n) <= half_width
        assert t_value(n - 2, confidence) * sd / math.sqrt(n - 1) > half_width


def test_seeds_needed_approaches_the_normal_formula_for_many_seeds():
    n_z = (1.959964 * 50.0 / 1.0) ** 2  # 9,603.6
    n = seeds_needed(50.0, 1.0)
    assert math.ceil(n_z) <= n <= math.ceil(n_z) + 3


def test_seeds_needed_undefined_cases():
    assert math.isnan(seeds_needed(math.nan, 1.0))
    assert math.isnan(seeds_needed(1.0, 0.0))
    with pytest.raises(ValueError, match="sd"):
        seeds_needed(-1.0, 1.0)


def test_paired_differences_align_by_seed_and_drop_missing():
    d = paired_differences([1.0, 2.0, np.nan, 4.0], [1.5, 2.0, 3.0, 3.0])
    assert d.tolist() == [0.5, 0.0, -1.0]
    with pytest.raises(ValueError, match="equal"):
        paired_differences([1, 2], [1, 2, 3])


def test_bootstrap_of_two_values_matches_the_exact_distribution():
    # resampled means of {0, 1} (n = 2) are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4:
    # the 2.5 % and 97.5 % quantiles are 0 and 1
    assert bootstrap_ci([0.0, 1.0]) == (0.0, 1.0)
    # at 40 % the central interval is the middle atom
    assert bootstrap_ci([0.0, 1.0], confidence=0.4) == (0.5, 0.5)


def test_bootstrap_of_a_constant_is_that_constant():
    assert bootstrap_ci([3.5] * 7) == (3.5, 3.5)
    assert all(math.isnan(v) for v in bootstrap_ci([1.0]))


def test_bootstrap_is_seeded_and_deterministic():
    x = np.random.default_rng(1).normal(size=12)
    assert bootstrap_ci(x, seed=4) == bootstrap_ci(x, seed=4)
    assert bootstrap_ci(x, seed=4) != bootstrap_ci(x, seed=5)


def test_bootstrap_of_a_large_normal_sample_matches_the_normal_interval():
    # statistical (fixed seed): n = 400 draws, SD 2; the percentile interval of the mean must be
    # close to mean ± 1.96 s / sqrt(n) (half-width 0.196); 10,000 resamples put the quantiles
    # within ~2 % of it
    x = np.random.default_rng(7).normal(5.0, 2.0, size=400)
    low, high = bootstrap_ci(x)
    half = 1.959964 * x.std(ddof=1) / math.sqrt(len(x))
    assert low == pytest.approx(x.mean() - half, abs=0.03 * half)
    assert high == pytest.approx(x.mean() + half, abs=0.03 * half)


def test_bootstrap_median_statistic():
    x = [*range(1, 21), 1000.0]  # median 11; the outlier moves the mean's interval, not this one
    low, high = bootstrap_ci(x, statistic=np.median)
    assert 5 <= low <= 11 <= high <= 17
    assert bootstrap_ci(x)[1] > 50


def test_pairing_removes_the_shared_noise():
    # both arms share a large per-seed component (the same tickets); the difference is 2 on
    # every seed, so the paired interval is exactly [2, 2] and two seeds suffice
    rng = np.random.default_rng(0)
    shared = rng.integers(40, 160, size=10).astype(float)  # integers: exact differences
    p = paired_comparison(shared, shared + 2.0, half_width=0.5)
    assert (p.diff_mean, p.ci_low, p.ci_high, p.diff_sd) == (2.0, 2.0, 2.0, 0.0)
    assert p.seeds == 10 and p.seeds_needed == 2
    assert p.mean_b - p.mean_a == pytest.approx(2.0)


def test_paired_comparison_relative_precision():
    a = np.array([10.0, 10.0, 10.0, 10.0])
    b = a + np.array([1.0, -1.0, 1.0, -1.0])  # differences: mean 0, SD 2/sqrt(3)
    p = paired_comparison(a, b, rel_precision=0.05)  # ± 0.5 on a baseline of 10
    sd = 2 / math.sqrt(3)
    assert p.diff_sd == pytest.approx(sd)
    assert p.seeds_needed == seeds_needed(sd, 0.5) == 23  # normal approximation: 20.49 -> 21
    # the t-interval: 0 ± t(3)·sd/2
    assert (p.ci_low, p.ci_high) == pytest.approx((-3.182446 * sd / 2, 3.182446 * sd / 2),
                                                  abs=1e-6)
    assert p.method == "t"
    assert set(p.as_dict()) >= {"seeds", "diff_mean", "ci_low", "ci_high", "seeds_needed",
                                "method"}


def test_paired_comparison_bootstrap_method_and_its_warning():
    a = np.zeros(4)
    b = np.array([1.0, 2.0, 3.0, 4.0])
    boot = paired_comparison(a, b, method="bootstrap", n_resamples=2000)
    t = paired_comparison(a, b)
    assert boot.method == "bootstrap" and t.method == "t"
    assert t.ci_low < boot.ci_low and boot.ci_high < t.ci_high  # the bootstrap is narrower
    assert "too narrow" in interval_warning("bootstrap", 4)
    assert interval_warning("bootstrap", MIN_PAIRS_BOOTSTRAP) is None
    assert interval_warning("t", 2) is None
    with pytest.raises(ValueError, match="method"):
        paired_comparison(a, b, method="percentile")


def test_paired_comparison_of_one_pair_has_no_interval():
    p = paired_comparison([1.0], [3.0], rel_precision=0.05)
    assert p.seeds == 1 and p.diff_mean == 2.0
    assert math.isnan(p.ci_low) and math.isnan(p.ci_high) and math.isnan(p.seeds_needed)
