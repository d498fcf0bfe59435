"""Paired comparisons over seeds (common random numbers).

Two designs run on the same seeds see the same tickets, so the per-seed difference ``b - a``
carries far less noise than either arm: the comparison is made on those differences. The
interval of the mean difference is a Student t-interval (:func:`t_interval`): honest at the few
seeds a study can afford, where a percentile bootstrap (:func:`bootstrap_ci`, still here for
``method="bootstrap"``) is too narrow -- it cannot see tails the sample has not shown, and with
3 values its 95 % interval is the range of the values. Below :data:`MIN_PAIRS_BOOTSTRAP` pairs a
bootstrap interval carries a warning (:func:`interval_warning`). :func:`seeds_needed` turns the
paired SD into the number of seeds for a stated precision of that same t-interval.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np
from scipy import stats as _scipy_stats

N_RESAMPLES = 10_000
CONFIDENCE = 0.95
METHODS = ("t", "bootstrap")  # interval of the mean paired difference
MIN_PAIRS_BOOTSTRAP = 10  # fewer pairs: a percentile-bootstrap interval is too narrow


def z_value(confidence: float = CONFIDENCE) -> float:
    """Two-sided standard-normal quantile, e.g. 1.96 for 0.95."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence = {confidence}: must be between 0 and 1 (exclusive)")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def t_value(df: float, confidence: float = CONFIDENCE) -> float:
    """Two-sided Student t quantile with ``df`` degrees of freedom, e.g. 3.182 for df 3, 0.95."""
    z_value(confidence)  # validates the level
    if not df >= 1:
        raise ValueError(f"df = {df}: a t quantile needs at least 1 degree of freedom")
    return float(_scipy_stats.t.ppf(0.5 + confidence / 2, df))


def t_interval(x, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Student t-interval of the mean of ``x``: ``mean ± t(n-1)·sd/sqrt(n)``.

    NaN for fewer than two values (no SD to estimate); a constant sample gives ``(c, c)``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"t_interval needs a 1-d sample, got shape {x.shape}")
    z_value(confidence)
    if len(x) < 2:
        return math.nan, math.nan
    mean = float(x.mean())
    half = t_value(len(x) - 1, confidence) * float(x.std(ddof=1)) / math.sqrt(len(x))
    return mean - half, mean + half


def interval_warning(method: str, pairs: int) -> str | None:
    """A plain warning when an interval is not trustworthy at its stated level (``None`` if it
    is): a percentile bootstrap over fewer than :data:`MIN_PAIRS_BOOTSTRAP` pairs."""
    if method not in METHODS:
        raise ValueError(f"method = {method!r}: must be one of {', '.join(METHODS)}")
    if method == "bootstrap" and 2 <= pairs < MIN_PAIRS_BOOTSTRAP:
        return (f"warning: percentile-bootstrap intervals over {pairs} pairs are too narrow "
                f"(below {MIN_PAIRS_BOOTSTRAP} pairs they miss more often than the stated "
                "level); use the t-interval or more seeds")
    return None


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
    """Seeds for a t-interval of the mean paired difference of ``±half_width``: the smallest
    ``n >= 2`` with ``t(n-1)·sd/sqrt(n) <= half_width``.

    The normal approximation ``n = (z·sd / half_width)²`` is the start of the search (the t
    quantile is larger, so the answer is never below it) and the answer for large ``n``. NaN if
    ``sd`` is NaN or the half-width is not positive.
    """
    if math.isnan(sd) or not half_width > 0:
        return math.nan
    if sd < 0:
        raise ValueError(f"sd = {sd}: must be non-negative")
    n_z = (z_value(confidence) * sd / half_width) ** 2
    n = max(2, math.ceil(round(n_z, 9)))  # round: float noise must not add a seed
    # t(n-1) exceeds z by about (z³ + z)/(4n): a few steps beyond the normal answer at most
    while t_value(n - 1, confidence) * sd / math.sqrt(n) > half_width * (1 + 1e-9):
        n += 1
    return float(n)


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
    method: str = "t"

    def as_dict(self) -> dict:
        return asdict(self)


def paired_comparison(a, b, half_width: float | None = None, rel_precision: float | None = None,
                      n_resamples: int = N_RESAMPLES, confidence: float = CONFIDENCE,
                      seed: int = 0, method: str = "t") -> Paired:
    """Compare ``b`` with ``a`` on the same seeds: mean difference, its interval, seeds needed.

    ``method``: ``"t"`` (the default) a Student t-interval of the mean paired difference,
    ``"bootstrap"`` a percentile bootstrap (``n_resamples``, ``seed``). The interval is NaN with
    fewer than two pairs. The precision for :func:`seeds_needed` is ``half_width`` (in the KPI's unit) or, if that is
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
    interval_warning(method, n)  # validates the method
    if method == "t":
        low, high = t_interval(d, confidence)
    else:
        low, high = bootstrap_ci(d, np.mean, n_resamples, confidence, seed)
    return Paired(seeds=n, mean_a=mean_a, mean_b=mean_b,
                  diff_mean=float(d.mean()) if n else math.nan, diff_sd=sd, ci_low=low,
                  ci_high=high,
                  seeds_needed=seeds_needed(sd, half_width, confidence) if half_width is not None
                  else math.nan, method=method)


__all__ = ["CONFIDENCE", "METHODS", "MIN_PAIRS_BOOTSTRAP", "N_RESAMPLES", "Paired", "bootstrap_ci",
           "interval_warning", "paired_comparison", "paired_differences", "seeds_needed",
           "t_interval", "t_value", "z_value"]
