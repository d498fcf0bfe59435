"""Exact tests of the paired-comparison library (experiments/stats.py) against known cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.stats import (
    bootstrap_ci,
    paired_comparison,
    paired_differences,
    seeds_needed,
    z_value,
)


def test_z_values_are_the_textbook_ones():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)
    assert z_value(0.99) == pytest.approx(2.575829, abs=1e-6)
    with pytest.raises(ValueError, match="confidence"):
        z_value(1.0)


@pytest.mark.parametrize(("sd", "half_width", "confidence", "expected"), [
    (1.0, 0.196, 0.95, 100),     # (1.96 * 1 / 0.196)^2 = 99.99 -> 100
    (2.0, 0.5, 0.95, 62),        # (1.96 * 2 / 0.5)^2 = 61.46 -> 62
    (10.0, 1.0, 0.99, 664),      # (2.5758 * 10)^2 = 663.49 -> 664
    (1.0, 1.959964 / 4, 0.95, 16),  # exactly 16: float noise must not make it 17
    (0.0, 1.0, 0.95, 2),         # no spread: the minimum that still estimates an SD
    (0.01, 10.0, 0.95, 2),
])
def test_seeds_needed_known_cases(sd, half_width, confidence, expected):
    assert seeds_needed(sd, half_width, confidence) == expected


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
    assert p.seeds_needed == math.ceil((1.959964 * sd / 0.5) ** 2)  # 20.49 -> 21
    assert p.ci_low < 0 < p.ci_high
    assert set(p.as_dict()) >= {"seeds", "diff_mean", "ci_low", "ci_high", "seeds_needed"}
