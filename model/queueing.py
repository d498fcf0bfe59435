"""Erlang formulas for M/M/c (FCFS), used by staffing to check a service level.

Offered load ``a`` (people at full occupancy) and ``c`` servers; service times in any unit,
with the wait ``t`` in units of the mean service time:

* Erlang B by the stable recursion B(0, a) = 1, B(k, a) = a B(k-1, a) / (k + a B(k-1, a));
* Erlang C, the probability an arrival waits: C = B / (1 - rho (1 - B)), rho = a / c;
* the wait's tail: P(Wq > t) = C exp(-(c - a) t).

The test suite checks these against an independent implementation and published values.
"""

from __future__ import annotations

import math


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c at offered load ``a``."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c (1 when ``a >= c``: no steady state)."""
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def wait_beyond(c: int, a: float, t: float) -> float:
    """P(Wq > t) in M/M/c, ``t`` in mean service times (1 when ``a >= c``)."""
    if a >= c:
        return 1.0
    return erlang_c(c, a) * math.exp(-(c - a) * t)
