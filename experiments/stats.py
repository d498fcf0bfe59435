"""Paired comparisons over seeds (common random numbers).

Two designs run on the same seeds see the same tickets, so the per-seed difference ``b - a``
carries far less noise than either arm: the comparison is made on those differences. Intervals
are percentile-bootstrap intervals over seeds (numpy only, seeded, so a report is reproducible);
:func:`seeds_needed` turns the paired SD into the number of seeds for a stated precision.

With few seeds (< ~10) a percentile bootstrap is too narrow (it cannot see tails the sample has
not shown); the seeds-needed figure says how many to run instead.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np

N_RESAMPLES = 10_000
CONFIDENCE = 0.95


def z_value(confidence: float = CONFIDENCE) -> float:
    """Two-sided standard-normal quantile, e.g. 1.96 for 0.95."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence = {confidence}: must be between 0 and 1 (exclusive)")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def paired_differences(a, b) -> np.ndarray:
    """``b - a`` per seed, dropping seeds where either arm is missing (NaN).

    ``a`` and ``b`` are equal-length sequences aligned by seed (e.g. two columns of a table indexed
    by seed).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired samples need equal 1-d shapes, got {a.shape} and {b.shape}")
    d = b - a
    return d[~np.isnan(d)]


def bootstrap_ci(x, statistic=np.mean, n_resamples: int = N_RESAMPLES,
                 confidence: float = CONFIDENCE, seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap interval of ``statistic`` (a numpy reducer taking ``axis``) over ``x``.

    Resamples ``x`` with replacement ``n_resamples`` times from ``numpy.random.default_rng(seed)``;
    returns the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the resampled
    statistic. NaN for fewer than two values.
    """
    x = np.asarray(x, dtype=float)
    z_value(confidence)  # validates the level
    if x.ndim != 1:
        raise ValueError(f"bootstrap_ci needs a 1-d sample, got shape {x.shape}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples = {n_resamples}: must be at least 1")
    if len(x) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    stats = np.empty(n_resamples)
    chunk = max(1, 2_000_000 // len(x))  # bounded memory for long samples
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        idx = rng.integers(0, len(x), size=(stop - start, len(x)))
        stats[start:stop] = statistic(x[idx], axis=1)
    alpha = 1 - confidence
    low, high = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def seeds_needed(sd: float, half_width: float, confidence: float = CONFIDENCE) -> float:
    """Seeds for a paired-difference interval of ``±half_width``: ``n = (z·sd / half_width)²``.

    Rounded up, at least 2 (one cannot estimate an SD from fewer); NaN if ``sd`` is NaN or the
    half-width is not positive.
    """
    if math.isnan(sd) or not half_width > 0:
        return math.nan
    if sd < 0:
        raise ValueError(f"sd = {sd}: must be non-negative")
    n = (z_value(confidence) * sd / half_width) ** 2
    return float(max(2, math.ceil(round(n, 9))))  # round: float noise must not add a seed


@dataclass(frozen=True)
class Paired:
    """One paired comparison ``b - a`` over seeds."""

    seeds: int
    mean_a: float
    mean_b: float
    diff_mean: float
    diff_sd: float
    ci_low: float
    ci_high: float
    seeds_needed: float

    def as_dict(self) -> dict:
        return asdict(self)


def paired_comparison(a, b, half_width: float | None = None, rel_precision: float | None = None,
                      n_resamples: int = N_RESAMPLES, confidence: float = CONFIDENCE,
                      seed: int = 0) -> Paired:
    """Compare ``b`` with ``a`` on the same seeds: mean difference, bootstrap CI, seeds needed.

    The precision for :func:`seeds_needed` is ``half_width`` (in the KPI's unit) or, if that is
    not given, ``rel_precision`` times ``|mean of a|`` (e.g. 0.05: ±5 % of the baseline).
    """
    a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = paired_differences(a_arr, b_arr)
    n = len(d)
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    mean_a = float(np.nanmean(a_arr)) if np.isfinite(a_arr).any() else math.nan
    mean_b = float(np.nanmean(b_arr)) if np.isfinite(b_arr).any() else math.nan
    if half_width is None and rel_precision is not None:
        half_width = rel_precision * abs(mean_a)
    low, high = bootstrap_ci(d, np.mean, n_resamples, confidence, seed)
    return Paired(seeds=n, mean_a=mean_a, mean_b=mean_b,
                  diff_mean=float(d.mean()) if n else math.nan, diff_sd=sd, ci_low=low,
                  ci_high=high,
                  seeds_needed=seeds_needed(sd, half_width, confidence) if half_width is not None
                  else math.nan)


__all__ = ["CONFIDENCE", "N_RESAMPLES", "Paired", "bootstrap_ci", "paired_comparison",
           "paired_differences", "seeds_needed", "z_value"]
