"""Unit tier: the engine alone, with stub people and a stub policy (no ``TierSimModel``)."""

from __future__ import annotations

import pytest
from unit_stubs import StubPerson, engine, staffed, ticket

from model.calendar import AlwaysCalendar, BusinessCalendar
from model.desks import Desk
from model.engine import Engine, PresetArrivals
from model.recorder import TICKET_COLUMNS, Recorder


class StubPolicy:
    """Every ticket enters ``desk``; a piece of work takes the ticket's ``work_h``; then each
    ticket follows ``script`` (a list of ``("handoff", desk)``, ``("return", desk)`` (the return
    trip of a referral), ``("wait", hours)`` or ``("reopen", hours)`` steps, one per finished
    piece) and is resolved once it runs out."""

    def __init__(self, desk: Desk, script: dict | None = None) -> None:
        self.desk, self.script, self.eng = desk, script or {}, None

    def intake(self, t):
        return self.desk, 0, None

    def plan(self, t, person, now: float) -> float:
        return t.work_h

    def finish(self, t, person, now: float) -> None:
        steps = self.script.get(t.id, [])
        step = steps.pop(0) if steps else ("resolve", None)
        if step[0] == "handoff":
            self.eng.handoff(t, t.desk, step[1], 0, None, now, False)
        elif step[0] == "return":
            self.eng.handoff(t, t.desk, step[1], 0, None, now, False, returning=True)
        elif step[0] == "wait":
            self.eng.wait_customer(t, step[1], t.desk, 0, person, now)
        elif step[0] == "reopen":
            self.eng.resolve(t, person, now, step[1])
        else:
            self.eng.resolve(t, person, now, None)


def _setup(*tickets, desks=None, script=None, calendar=None, stalled_after_h=1e9):
    desks = desks or [staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1))]
    pol = StubPolicy(desks[0], script)
    e = engine(*desks, calendar=calendar, stalled_after_h=stalled_after_h, policy=pol)
    pol.eng = e
    e.arrivals = PresetArrivals(list(tickets))
    return e


def test_one_ticket_one_server_completes_at_arrival_plus_work():
    t = ticket(created_h=1.25, work_h=2.5)
    e = _setup(t)
    e.run_until(24.0)
    assert t.first_start_h == 1.25 and t.wait_h == 0.0
    assert t.resolved_h == 1.25 + 2.5
    assert t.resolver.unique_id == 1 and t.handoffs == 0 and t.visits == 1
    assert e.open_tickets == 0 and e.rec.n_created == e.rec.n_closed == 1
    assert len(e.rec.tickets) == 1 and e.now == 24.0


def test_a_second_ticket_waits_for_the_busy_server():
    a, b = ticket(1, created_h=0.0, work_h=2.0), ticket(2, created_h=0.5, work_h=1.0)
    e = _setup(a, b)
    e.run_until(24.0)
    assert a.resolved_h == 2.0
    assert b.first_start_h == 2.0 and b.wait_h == 1.5 and b.resolved_h == 3.0
    assert b.queue_wh == pytest.approx(1.5)


def test_run_until_stops_before_t_end_and_resumes():
    a, b = ticket(1, created_h=1.0, work_h=1.0), ticket(2, created_h=5.0, work_h=1.0)
    e = _setup(a, b)
    e.run_until(3.0)
    assert a.resolved_h == 2.0 and b.first_start_h < 0 and e.arrivals.next == 1
    e.run_until(24.0)
    assert b.resolved_h == 6.0


def test_two_servers_work_in_parallel():
    desk = staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1), StubPerson(2))
    a, b = ticket(1, created_h=0.0, work_h=3.0), ticket(2, created_h=1.0, work_h=1.0)
    e = _setup(a, b, desks=[desk])
    e.run_until(24.0)
    assert a.resolved_h == 3.0 and b.resolved_h == 2.0
    assert {a.resolver.unique_id, b.resolver.unique_id} == {1, 2}


def test_business_calendar_work_pauses_overnight_and_over_the_weekend():
    """Friday (day 4) 16:00 + 2 h of work in a 9-17 shift ends Monday (day 7) 10:00."""
    cal = BusinessCalendar(9, 17, [0, 1, 2, 3, 4])
    t = ticket(created_h=24 * 4 + 16, work_h=2.0)
    e = _setup(t, calendar=cal)
    e.run_until(24.0 * 8)
    assert t.first_start_h == 24 * 4 + 16 and t.resolved_h == 24 * 7 + 10


def test_a_weekend_arrival_waits_for_the_monday_shift_start():
    cal = BusinessCalendar(9, 17, [0, 1, 2, 3, 4])
    t = ticket(created_h=24 * 5 + 10, work_h=2.0)  # Saturday 10:00
    e = _setup(t, calendar=cal, stalled_after_h=0.5)
    for day in range(5, 8):
        e.schedule_shifts(day)
        e.run_until(24.0 * (day + 1))
    assert t.first_start_h == 24 * 7 + 9 and t.resolved_h == 24 * 7 + 11
    assert t.queue_wh == 0.0 and not t.stalled  # no working hour passed while it queued


def test_queue_time_is_working_hours_and_marks_stalled_tickets():
    cal = BusinessCalendar(9, 17, [0, 1, 2, 3, 4])
    a = ticket(1, created_h=9.0, work_h=10.0)  # holds the only server into Tuesday 11:00
    b = ticket(2, created_h=9.0 + 1e-9, work_h=1.0)
    e = _setup(a, b, calendar=cal, stalled_after_h=8.0)
    e.run_until(48.0)
    assert a.resolved_h == 24 + 11
    assert b.first_start_h == 24 + 11 and b.queue_wh == pytest.approx(10.0) and b.stalled


def test_handoff_counts_levels_and_pingpong():
    l1 = staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1))
    l2 = staffed(Desk("l2", "l2", 2, (0,)), StubPerson(2))
    t = ticket(created_h=0.0, work_h=1.0)
    e = _setup(t, desks=[l1, l2], script={1: [("handoff", l2), ("handoff", l1),
                                               ("handoff", l2)]})
    e.run_until(24.0)
    assert t.handoffs == 3 and t.max_level == 2 and t.pingpong and not t.eng_return
    assert t.handed_from == ["l1", "l2"] and t.resolved_h == 4.0 and t.resolver.unique_id == 2
    assert e.rec.n_handoffs == 3


def test_the_return_trip_of_a_referral_is_an_engineering_return_not_pingpong():
    """l1 -> engineering -> back to l1 (``returning``): the desk gets back the ticket it handed
    away, but on the referral's return trip: ``eng_return``, not ping-pong. A later plain
    hand-off back to a desk that handed it away is still ping-pong."""
    l1 = staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1))
    eng = staffed(Desk("engineering", "engineering", 3, (0,)), StubPerson(2))
    t = ticket(1, created_h=0.0, work_h=1.0)
    u = ticket(2, created_h=0.0, work_h=1.0)
    e = _setup(t, u, desks=[l1, eng], script={1: [("handoff", eng), ("return", l1)],
                                              2: [("handoff", eng), ("return", l1),
                                                  ("handoff", eng)]})
    e.run_until(24.0)
    assert t.handoffs == 2 and t.max_level == 3 and t.eng_return and not t.pingpong
    assert t.resolver.unique_id == 1
    assert u.handoffs == 3 and u.eng_return and u.pingpong  # engineering got it back
    row = dict(zip(TICKET_COLUMNS, e.rec.row(t), strict=True))
    assert row["engineering_return"] and not row["pingpong"]


def _one_handoff(events: bool):
    """One ticket, worked an hour at L1, handed to L2, worked an hour there: (engine, ticket)."""
    l1 = staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1))
    l2 = staffed(Desk("l2", "l2", 2, (0,)), StubPerson(2))
    t = ticket(created_h=0.0, work_h=1.0)
    pol = StubPolicy(l1, {1: [("handoff", l2)]})
    e = Engine(AlwaysCalendar(), Recorder(record_events=events), policy=pol, desks=[l1, l2])
    pol.eng = e
    e.arrivals = PresetArrivals([t])
    e.run_until(24.0)
    return e, t


@pytest.mark.parametrize("events", [False, True])
def test_completions_are_logged_with_the_event_log_and_cost_nothing_without(monkeypatch, events):
    """With the event log on, every piece of work ends in a ``complete`` event (before its
    outcome); with it off, the recorder's ``completed`` is never even called."""
    calls = []
    monkeypatch.setattr(Recorder, "completed",
                        lambda self, t, person, now: calls.append((t.id, person.unique_id, now)))
    e, t = _one_handoff(events)
    assert t.resolved_h == 2.0
    assert calls == ([(1, 1, 1.0), (1, 2, 2.0)] if events else [])


def test_the_event_log_holds_a_start_and_a_complete_per_piece():
    e, t = _one_handoff(True)
    ev = e.rec.events.frame()
    assert list(zip(ev["activity"], ev["desk"], ev["staff_id"], ev["role"], ev["time_h"],
                    strict=True)) == [
        ("created", "", -1, "", 0.0), ("start", "l1", 1, "l1", 0.0),
        ("complete", "l1", 1, "l1", 1.0), ("handoff_to_l2", "l1", -1, "", 1.0),
        ("start", "l2", 2, "l1", 1.0), ("complete", "l2", 2, "l1", 2.0),
        ("resolved", "l2", 2, "l1", 2.0)]


def test_waiting_for_the_customer_holds_no_one():
    a, b = ticket(1, created_h=0.0, work_h=1.0), ticket(2, created_h=0.5, work_h=1.0)
    e = _setup(a, b, script={1: [("wait", 5.0)]})
    e.run_until(3.0)
    assert e.in_wait == 1 and b.resolved_h == 2.0  # the server took b while a waited
    e.run_until(24.0)
    assert e.in_wait == 0 and a.resolved_h == 1.0 + 5.0 + 1.0 and a.visits == 2


def test_a_reopened_ticket_comes_back_as_a_new_contact():
    t = ticket(created_h=0.0, work_h=1.0)
    e = _setup(t, script={1: [("reopen", 10.0)]})
    e.run_until(24.0)
    assert t.reopened == 1 and t.contacts == 2 and t.needs_explain
    assert t.resolved_h == 12.0 and e.rec.n_reopens == 1 and e.open_tickets == 0


def test_hooks_add_hours_and_see_every_piece():
    t = ticket(created_h=0.0, work_h=1.0)
    e = _setup(t)
    seen = []
    e.plan_hooks.append(lambda person, tk, now: 0.5)
    e.work_hooks.append(lambda person, tk, now: seen.append((person.unique_id, person.piece_h)))
    e.close_hooks.append(lambda tk, now: seen.append(("closed", now)))
    e.run_until(24.0)
    assert t.resolved_h == 1.5 and t.cost_h == 1.5
    assert seen == [(1, 1.5), ("closed", 1.5)]


def test_intake_hooks_name_a_preferred_person():
    a, b = StubPerson(1), StubPerson(2)
    desk = staffed(Desk("pod_0", "pod", 2, (0,)), a, b)
    t = ticket(created_h=0.0, work_h=1.0)
    e = _setup(t, desks=[desk])
    e.intake_hooks.append(lambda tk, d, key, preferred: b)
    e.run_until(24.0)
    assert t.resolver is b


def test_a_person_who_quits_mid_ticket_finishes_it_first():
    p = StubPerson(1)
    desk = staffed(Desk("l1", "l1", 1, (0,)), p)
    a, b = ticket(1, created_h=0.0, work_h=2.0), ticket(2, created_h=0.5, work_h=1.0)
    e = _setup(a, b, desks=[desk])
    e.run_until(1.0)
    e.retire(p)
    e.run_until(24.0)
    assert a.resolved_h == 2.0 and p.desk is None and not desk.members
    assert b.first_start_h < 0 and desk.queued == 1  # nobody left to take it


def test_move_puts_a_person_to_work_at_the_new_desk():
    src = staffed(Desk("l2", "l2", 2, (0,)), StubPerson(1))
    dst = Desk("pilot_pod", "pod", 2, (0,))
    t = ticket(created_h=0.0, work_h=1.0)
    pol_desk_first = [dst, src]
    e = _setup(t, desks=pol_desk_first)
    e.run_until(0.5)
    assert dst.queued == 1
    e.move(src.members[0], dst)
    e.run_until(24.0)
    assert t.first_start_h == 0.5 and t.resolved_h == 1.5 and not src.members


# --- backup between sister desks (desks of the same kind) ------------------------------------
def _pods(*, busy_b: float = 0.0, kind_b: str = "pod", keys_b=(0, 1), certified_b=(0, 1),
          after_h: float = 4.0, calendar=None):
    """Pod A (person 1) with a long ticket in hand and two tickets queued behind it; pod B
    (person 2), idle after ``busy_b`` hours of its own work. Every ticket arrives at pod A."""
    a = staffed(Desk("pod_a", "pod", 2, (0, 1)), StubPerson(1))
    b = staffed(Desk("pod_b", kind_b, 2, keys_b), StubPerson(2, certified=certified_b))
    tickets = [ticket(1, created_h=0.0, work_h=20.0), ticket(2, created_h=0.5, work_h=1.0),
               ticket(3, created_h=6.0, work_h=1.0, domain=1)]
    e = _setup(*tickets, desks=[a, b], calendar=calendar)
    e.policy.intake = lambda t: (a, a.key_for(t), None)  # queued by domain, as at a pod
    if busy_b:
        own = ticket(9, created_h=0.0, work_h=busy_b)
        e.enqueue(own, b, 0, None, 0.0)
        e.open_tickets += 1
    e.set_backup([a, b], after_h)
    return e, tickets


def _run_days(e, days: int) -> None:
    for day in range(days):
        e.schedule_shifts(day)
        e.run_until(24.0 * (day + 1))


def test_an_idle_sister_desk_takes_a_ticket_once_it_has_waited_the_backup_time():
    e, (t1, t2, t3) = _pods()
    _run_days(e, 1)
    # ticket 2 queued at 0.5 h; the hourly check after 4 h of waiting is at 5:00
    assert t2.first_start_h == 5.0 and t2.resolver.unique_id == 2
    assert t3.first_start_h == 10.0 and t3.resolver.unique_id == 2  # queued 6:00, checked 10:00
    assert t2.desk.name == "pod_a" and t2.handoffs == 0  # it stays its desk's ticket
    assert t1.resolver.unique_id == 1 and e.backups == 2


def test_a_person_who_runs_out_of_work_takes_a_ticket_past_the_backup_time_at_once():
    e, (_, t2, _) = _pods(busy_b=4.75)
    _run_days(e, 1)
    assert t2.first_start_h == 4.75 and t2.resolver.unique_id == 2  # waited 4.25 h


def test_nothing_is_taken_before_the_backup_time_or_without_backup():
    e, (_, t2, _) = _pods(after_h=30.0)
    _run_days(e, 1)
    assert t2.first_start_h == 20.0 and t2.resolver.unique_id == 1 and e.backups == 0
    e, (_, t2, _) = _pods()
    e.sisters = {}  # backup not set
    _run_days(e, 1)
    assert t2.first_start_h == 20.0 and e.backups == 0


def test_only_desks_of_the_same_kind_and_people_certified_for_the_key_back_up():
    e, (_, t2, t3) = _pods(kind_b="l2", keys_b=(0,), certified_b=(0,))
    _run_days(e, 1)
    assert e.sisters == {} and e.backups == 0 and t2.resolver.unique_id == 1
    e, (_, t2, t3) = _pods(certified_b=(0,))  # person 2 serves domain 0 only
    _run_days(e, 1)
    assert t2.resolver.unique_id == 2 and t3.resolver.unique_id == 1


def test_backup_checks_wait_for_working_hours():
    """Business hours 9-17: ticket 2 queued at 9:30 waits 4 working hours, taken at 14:00."""
    cal = BusinessCalendar(9, 17, [0, 1, 2, 3, 4])
    a = staffed(Desk("pod_a", "pod", 2, (0,)), StubPerson(1))
    b = staffed(Desk("pod_b", "pod", 2, (0,)), StubPerson(2))
    t1, t2 = ticket(1, created_h=9.0, work_h=20.0), ticket(2, created_h=9.5, work_h=1.0)
    e = _setup(t1, t2, desks=[a, b], calendar=cal)
    e.set_backup([a, b], 4.0)
    _run_days(e, 1)
    assert t2.first_start_h == 14.0 and t2.resolver.unique_id == 2


def test_backup_schedules_nothing_for_a_kind_with_one_desk():
    l1 = staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1))
    l2 = staffed(Desk("l2", "l2", 2, (0,)), StubPerson(2))
    e = _setup(desks=[l1, l2])
    e.set_backup([l1, l2], 4.0)
    e.schedule_shifts(0)
    assert e.sisters == {} and e.heap == []
