"""Working-time calendars: when staff are on shift, and how long work takes in wall-clock hours.

Time is in hours from the start of day 0 (a Monday, 00:00). ``AlwaysCalendar`` is 24/7 staffing
(the queueing-theory checks); ``BusinessCalendar`` has one shift ``[start, end)`` on each working
weekday, so a hand-off at 16:50 on a Friday waits for Monday morning.
"""

from __future__ import annotations

import math


class AlwaysCalendar:
    """24/7 staffing: every hour is a working hour."""

    name = "always"

    def is_open(self, t: float) -> bool:
        return True

    def next_open(self, t: float) -> float:
        return t

    def advance(self, t: float, work_h: float) -> float:
        """Clock time at which ``work_h`` hours of work started at ``t`` are done."""
        return t + work_h

    def working_hours(self, a: float, b: float) -> float:
        """Working hours in ``[a, b)``."""
        return b - a

    def shift_starts(self, day: int) -> list[float]:
        return []


class BusinessCalendar:
    """One shift per working weekday; day 0 is a Monday."""

    name = "business"

    def __init__(self, start_h: float, end_h: float, workdays: list[int]) -> None:
        self.start, self.end = float(start_h), float(end_h)
        self.shift = self.end - self.start
        self.workdays = frozenset(int(d) for d in workdays)
        self._open_day = [(d % 7) in self.workdays for d in range(7)]

    def _is_workday(self, day: int) -> bool:
        return self._open_day[day % 7]

    def is_open(self, t: float) -> bool:
        day = math.floor(t / 24.0)
        h = t - 24.0 * day
        return self._open_day[day % 7] and self.start <= h < self.end

    def next_open(self, t: float) -> float:
        """Earliest time >= t inside a shift."""
        day = math.floor(t / 24.0)
        h = t - 24.0 * day
        if self._open_day[day % 7]:
            if h < self.start:
                return 24.0 * day + self.start
            if h < self.end:
                return t
        for k in range(1, 8):
            if self._open_day[(day + k) % 7]:
                return 24.0 * (day + k) + self.start
        raise ValueError("calendar has no working day")  # pragma: no cover - validated earlier

    def advance(self, t: float, work_h: float) -> float:
        t = self.next_open(t)
        while True:
            day = math.floor(t / 24.0)
            left = 24.0 * day + self.end - t
            if work_h <= left:
                return t + work_h
            work_h -= left
            t = self.next_open(24.0 * (day + 1))

    def working_hours(self, a: float, b: float) -> float:
        if b <= a:
            return 0.0
        total = 0.0
        day = math.floor(a / 24.0)
        last = math.floor(b / 24.0)
        while day <= last:
            if self._open_day[day % 7]:
                lo = max(a, 24.0 * day + self.start)
                hi = min(b, 24.0 * day + self.end)
                if hi > lo:
                    total += hi - lo
            day += 1
        return total

    def shift_starts(self, day: int) -> list[float]:
        """Shift start times on ``day`` (when idle staff pick up queued work)."""
        return [24.0 * day + self.start] if self._is_workday(day) else []


def make_calendar(kind: str, business_hours: list[float], workdays: list[int]):
    if kind == "always":
        return AlwaysCalendar()
    return BusinessCalendar(business_hours[0], business_hours[1], workdays)
