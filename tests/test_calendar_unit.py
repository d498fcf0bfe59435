"""Unit tier: working-time calendars and the named random streams, alone."""

from __future__ import annotations

import numpy as np
import pytest

from model.calendar import AlwaysCalendar, BusinessCalendar, make_calendar
from model.streams import STREAM_NAMES, ExpBuffer, Streams, UniformBuffer

MON, FRI, SAT = 0, 4, 5
CAL = BusinessCalendar(9, 17, [0, 1, 2, 3, 4])  # Monday..Friday, 09:00-17:00


def h(day: int, hour: float) -> float:
    return 24.0 * day + hour


def test_always_calendar_is_plain_clock_time():
    c = AlwaysCalendar()
    assert c.is_open(3.7) and c.next_open(3.7) == 3.7
    assert c.advance(1.5, 2.25) == 3.75 and c.working_hours(1.0, 4.5) == 3.5
    assert c.shift_starts(0) == []


def test_business_calendar_open_hours_and_next_open():
    assert CAL.is_open(h(MON, 9)) and not CAL.is_open(h(MON, 17)) and not CAL.is_open(h(SAT, 12))
    assert CAL.next_open(h(MON, 8)) == h(MON, 9)
    assert CAL.next_open(h(MON, 12)) == h(MON, 12)
    assert CAL.next_open(h(FRI, 17)) == h(7, 9)  # Friday evening: Monday morning
    assert CAL.next_open(h(SAT, 3)) == h(7, 9)


def test_business_calendar_advance_pauses_outside_shifts():
    assert CAL.advance(h(MON, 10), 2) == h(MON, 12)
    assert CAL.advance(h(MON, 16), 2) == h(1, 10)  # 1 h today, 1 h tomorrow
    assert CAL.advance(h(FRI, 16.5), 1) == h(7, 9.5)  # over the weekend
    assert CAL.advance(h(SAT, 8), 8) == h(7, 17)  # started on Saturday: Monday's whole shift
    assert CAL.advance(h(MON, 9), 16) == h(1, 17)  # exactly two shifts


def test_business_calendar_working_hours_and_shift_starts():
    assert CAL.working_hours(h(MON, 0), h(7, 0)) == 40.0
    assert CAL.working_hours(h(FRI, 16), h(7, 10)) == 2.0
    assert CAL.working_hours(h(MON, 12), h(MON, 11)) == 0.0
    assert CAL.shift_starts(MON) == [9.0] and CAL.shift_starts(SAT) == []
    assert CAL.shift_starts(7) == [h(7, 9)]


def test_working_hours_inverts_advance():
    rng = np.random.default_rng(0)
    for t0, w in zip(rng.uniform(0, 300, 50), rng.uniform(0, 60, 50), strict=True):
        assert CAL.working_hours(t0, CAL.advance(t0, w)) == pytest.approx(w)


def test_make_calendar():
    assert isinstance(make_calendar("always", [9, 17], [0]), AlwaysCalendar)
    c = make_calendar("business", [8, 16], [1, 2])
    assert (c.start, c.end, c.workdays) == (8.0, 16.0, frozenset({1, 2}))
    assert not c.is_open(h(MON, 10)) and c.is_open(h(1, 10))


def test_streams_are_stable_per_name_and_independent_of_each_other():
    a, b = Streams(11), Streams(11)
    x = a["routing"].random(5)
    b["demand"].random(1000)  # drawing from another stream first changes nothing
    assert np.array_equal(b["routing"].random(5), x)
    assert not np.array_equal(Streams(12)["routing"].random(5), x)
    assert not np.array_equal(Streams(11)["replies"].random(5), x)
    assert a["routing"] is a["routing"]


def test_streams_reject_unknown_names():
    with pytest.raises(KeyError, match="unknown random stream"):
        Streams(1)["routnig"]
    assert "routing" in STREAM_NAMES and "work" in STREAM_NAMES


def test_buffers_yield_the_generators_draws_in_order_across_batches():
    u = UniformBuffer(Streams(3)["routing"], batch=4)
    e = ExpBuffer(Streams(3)["replies"], batch=3)
    ref_u = Streams(3)["routing"]
    ref_e = Streams(3)["replies"]
    want_u = np.concatenate([ref_u.random(4) for _ in range(3)])
    want_e = np.concatenate([ref_e.standard_exponential(3) for _ in range(4)])
    assert [u() for _ in range(12)] == want_u.tolist()
    assert [e() for _ in range(12)] == want_e.tolist()
