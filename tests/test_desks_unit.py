"""Unit tier: desks alone (queue disciplines, domain keys, the idle register, holding by name)."""

from __future__ import annotations

from unit_stubs import StubPerson, staffed, ticket

from model.desks import Desk


def test_fcfs_desk_serves_in_arrival_order_whatever_the_class():
    d = staffed(Desk("l1", "l1", 1, (0,)), p := StubPerson(1))
    d.set_busy(p)
    ts = [ticket(i, cls=c) for i, c in enumerate([2, 0, 1])]
    for seq, t in enumerate(ts):
        d.push(t, 0, seq)
    assert d.queued == 3
    assert [d.next_for(p) for _ in range(3)] == ts
    assert d.next_for(p) is None and d.queued == 0


def test_priority_desk_serves_the_shortest_class_first_fcfs_within():
    d = Desk("l1", "l1", 1, (0,), discipline="priority", class_work=[5.0, 1.0, 3.0])
    p = StubPerson(1)
    d.add_member(p)
    ts = [ticket(i, cls=c) for i, c in enumerate([0, 1, 2, 1, 0])]
    for seq, t in enumerate(ts):
        d.push(t, 0, seq)
    assert [d.next_for(p).id for _ in range(5)] == [1, 3, 2, 0, 4]
    assert d.next_for(p) is None


def test_a_pod_queues_by_domain_and_people_pull_only_their_certified_domains():
    d = Desk("pod_0", "pod", 2, (0, 1, 2))
    narrow = StubPerson(1, domains=3, certified=(1,))
    broad = StubPerson(2, domains=3, certified=(0, 1, 5))  # 5 is not served here: ignored
    staffed(d, narrow, broad)
    assert narrow.desk_keys == (1,) and broad.desk_keys == (0, 1)
    assert d.coverage == {0: 1, 1: 2, 2: 0}
    a, b, c = ticket(1, domain=0), ticket(2, domain=1), ticket(3, domain=0)
    for seq, t in enumerate((a, b, c)):
        d.push(t, d.key_for(t), seq)
    assert d.next_for(broad) is a  # the oldest head over its keys
    assert d.next_for(narrow) is b
    assert d.next_for(narrow) is None  # c is domain 0
    assert d.next_for(broad) is c


def test_take_idle_prefers_the_named_person_and_marks_them_busy():
    a, b = StubPerson(1), StubPerson(2)
    d = staffed(Desk("pod_0", "pod", 2, (0, 1)), a, b)
    assert d.take_idle(0, b) is b
    assert d.take_idle(0, b) is a  # b is busy now: whoever is free
    assert d.take_idle(1) is None and d.idle_people() == []
    d.set_idle(a)
    assert d.idle_people() == [a]


def test_remove_member_reports_the_domains_nobody_serves_any_more():
    a = StubPerson(1, certified=(0,))
    b = StubPerson(2, certified=(0, 1))
    d = staffed(Desk("pod_0", "pod", 2, (0, 1)), a, b)
    assert d.remove_member(b) == [1]
    assert d.coverage == {0: 1, 1: 0} and d.members == [a]
    assert d.take_idle(1) is None


def test_hold_for_named_up_to_the_cap_and_owner_first_pull():
    a, b = StubPerson(1), StubPerson(2)
    d = staffed(Desk("pod_0", "pod", 2, (0, 1)), a, b)
    d.hold_cap = 1
    held, over, shared = ticket(1, domain=0), ticket(2, domain=0), ticket(3, domain=1)
    assert d.hold(held, 0, a)
    assert not d.hold(over, 0, a)  # at the cap: the caller queues it for anyone
    assert not d.hold(over, 0, StubPerson(9))  # not a member
    d.push(shared, 1, seq=0)
    assert d.queued == 2 and set(d.queued_tickets()) == {held, shared}
    assert d.next_for(b) is shared and d.next_for(b) is None  # b never takes a's ticket
    assert d.next_for(a) is held and not d.held and d.queued == 0


def test_release_held_returns_a_leavers_tickets_oldest_first():
    a = StubPerson(1)
    d = staffed(Desk("specialists", "specialist", 3, (0,)), a)
    d.hold_cap = 3
    ts = [ticket(i) for i in range(3)]
    for t in ts:
        d.hold(t, 0, a)
    assert d.release_held(a) == ts and d.queued == 0 and d.release_held(a) == []


def test_drain_empties_queues_and_holds():
    a = StubPerson(1)
    d = staffed(Desk("pilot_pod", "pod", 2, (0, 1)), a)
    d.hold_cap = 2
    x, y, z = ticket(1, domain=1), ticket(2, domain=0), ticket(3, domain=0)
    d.push(x, 1, 0)
    d.push(y, 0, 1)
    d.hold(z, 0, a)
    assert d.drain() == [y, x, z] and d.queued == 0 and not d.held
    assert d.queued_tickets() == []


def test_key_for_is_the_domain_only_on_domain_keyed_desks():
    t = ticket(domain=3)
    assert Desk("l2", "l2", 2, (0,)).key_for(t) == 0
    assert Desk("pod_0", "pod", 2, (0, 1, 2, 3)).key_for(t) == 3
    assert Desk("specialists", "specialist", 3, (3, 4)).key_for(t) == 3
