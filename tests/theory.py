"""Exact queueing formulas used as ground truth by ``tests/test_theory.py`` (docs/science.md section 1).

Notation: arrival rate ``lam``, service rate per server ``mu``, ``c`` servers, offered load
``a = lam / mu``, utilisation ``rho = a / c`` (must be < 1 for the delay formulas). Time is in the
unit of the rates (hours in tiersim).

All functions are pure and use only the standard library.
"""

from __future__ import annotations

import math


def _check_stable(lam: float, mu: float, c: int) -> None:
    if c < 1 or int(c) != c:
        raise ValueError(f"c = {c!r}: need a positive integer number of servers")
    if lam < 0 or mu <= 0:
        raise ValueError(f"lam = {lam!r}, mu = {mu!r}: need lam >= 0 and mu > 0")
    if lam >= c * mu:
        raise ValueError(f"rho = lam / (c mu) = {lam / (c * mu):.4f}: the queue is unstable")


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability of M/M/c/c with offered load ``a``.

    Stable recursion: B(0, a) = 1; B(k, a) = a B(k-1, a) / (k + a B(k-1, a)).
    """
    if c < 0 or int(c) != c:
        raise ValueError(f"c = {c!r}: need a non-negative integer")
    if a < 0:
        raise ValueError(f"a = {a!r}: need a >= 0")
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability an arrival waits in M/M/c FCFS, P(wait) = B / (1 - rho (1 - B))."""
    rho = a / c
    if not 0 <= rho < 1:
        raise ValueError(f"rho = a / c = {rho:.4f}: need 0 <= rho < 1")
    b = erlang_b(c, a)
    return b / (1.0 - rho * (1.0 - b))


def mmc_p_wait(lam: float, mu: float, c: int) -> float:
    """P(wait) of M/M/c (Erlang C at a = lam / mu)."""
    _check_stable(lam, mu, c)
    return erlang_c(c, lam / mu)


def mmc_wq(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c FCFS: E[Wq] = P(wait) / (c mu - lam)."""
    _check_stable(lam, mu, c)
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_w(lam: float, mu: float, c: int) -> float:
    """Mean time in system of M/M/c: E[W] = E[Wq] + 1 / mu."""
    return mmc_wq(lam, mu, c) + 1.0 / mu


def mmc_wq_tail(lam: float, mu: float, c: int, t: float) -> float:
    """P(Wq > t) = P(wait) exp(-(c mu - lam) t) for t >= 0."""
    _check_stable(lam, mu, c)
    return erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * t)


def tandem(lam: float, mu1: float, c1: int, p: float, mu2: float, c2: int,
           r: float = 0.0, reopen_delay: float = 0.0) -> dict:
    """Jackson tandem L1 (M/M/c1) -> L2 (M/M/c2) with Bernoulli escalation and a reopen loop.

    External Poisson(lam) arrivals enter L1. Each L1 completion escalates to L2 with probability
    ``p``, else it is resolved at L1; L2 always resolves. Every resolution reopens with
    probability ``r`` and re-enters L1 after a delay of mean ``reopen_delay`` (an infinite-server
    node: it holds no one). Traffic equations: L1 rate ``lam1 = lam / (1 - r)``, L2 rate
    ``lam2 = p lam1``. By Jackson's theorem each desk is marginally M/M/c at its own rate, and by
    Little's law on the whole network the mean time from creation to final resolution is

        sojourn = (W1 + p W2) / (1 - r) + reopen_delay * r / (1 - r),

    which is W1 + p W2 when r = 0. ``W1``, ``W2`` are per-visit mean times in system.

    Returns a dict with ``lam1``, ``lam2``, ``pwait1``, ``pwait2``, ``wq1``, ``wq2``, ``w1``,
    ``w2``, ``visits`` (mean L1 visits per ticket, 1/(1 - r)) and ``sojourn``.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"p = {p!r}: need 0 <= p <= 1")
    if not 0 <= r < 1:
        raise ValueError(f"r = {r!r}: need 0 <= r < 1")
    if reopen_delay < 0:
        raise ValueError(f"reopen_delay = {reopen_delay!r}: need >= 0")
    lam1 = lam / (1.0 - r)
    lam2 = p * lam1
    out = {"lam1": lam1, "lam2": lam2, "visits": 1.0 / (1.0 - r),
           "pwait1": mmc_p_wait(lam1, mu1, c1), "wq1": mmc_wq(lam1, mu1, c1),
           "w1": mmc_w(lam1, mu1, c1)}
    if p > 0:
        out.update(pwait2=mmc_p_wait(lam2, mu2, c2), wq2=mmc_wq(lam2, mu2, c2),
                   w2=mmc_w(lam2, mu2, c2))
    else:
        out.update(pwait2=0.0, wq2=0.0, w2=1.0 / mu2)
    out["sojourn"] = (out["w1"] + p * out["w2"]) / (1.0 - r) + reopen_delay * r / (1.0 - r)
    return out
