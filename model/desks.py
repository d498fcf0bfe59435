"""Desks: a team's (or pod's) queues and its register of idle people.

A desk keeps one queue per *key*: a single key (0) for a tiered team, one per product domain for
a pod of generalists, so a person pulls only work they are certified for. Idle people are kept in
insertion-ordered dicts per key, so finding a free person never scans the whole team.

A desk whose members own tickets can also *hold* a ticket for one person (``hold_cap`` > 0, set
by the customer mechanism for ``pod`` and ``specialist`` desks): a request by name waits for the
person asked for instead of going to whoever is free, up to ``hold_cap`` tickets per person, and
that person pulls held tickets before the shared queues (owner-first pull).
"""

from __future__ import annotations

import heapq
from collections import deque


class FifoQueue:
    """First come, first served."""

    __slots__ = ("_q",)

    def __init__(self) -> None:
        self._q: deque = deque()

    def push(self, prio: float, seq: int, ticket) -> None:
        self._q.append((0.0, seq, ticket))

    def head(self):
        return self._q[0] if self._q else None

    def pop(self):
        return self._q.popleft()[2]

    def __len__(self) -> int:
        return len(self._q)

    def items(self) -> list:
        return list(self._q)

    def drain(self) -> list:
        items = [x[2] for x in self._q]
        self._q.clear()
        return items


class PriorityQueue:
    """Non-preemptive priority: the smallest ``prio`` (the class's expected work) first, FCFS within."""

    __slots__ = ("_q",)

    def __init__(self) -> None:
        self._q: list = []

    def push(self, prio: float, seq: int, ticket) -> None:
        heapq.heappush(self._q, (prio, seq, ticket))

    def head(self):
        return self._q[0] if self._q else None

    def pop(self):
        return heapq.heappop(self._q)[2]

    def __len__(self) -> int:
        return len(self._q)

    def items(self) -> list:
        return sorted(self._q)

    def drain(self) -> list:
        items = [x[2] for x in sorted(self._q)]
        self._q.clear()
        return items


class Desk:
    """A team or pod: where tickets queue and whose members pull them.

    Args:
        name: unique node name in the org graph.
        kind: the rule set its members follow (``l1``, ``l2``, ``engineering``, ``specialist``,
            ``pod``).
        level: support line for ``max_level`` (1, 2 or 3).
        keys: queue keys (``(0,)`` or the domains served).
        discipline: ``fcfs`` or ``priority``.
        class_work: expected work per issue class, the priority key (shortest first).
    """

    def __init__(self, name: str, kind: str, level: int, keys: tuple[int, ...],
                 discipline: str = "fcfs", class_work: list[float] | None = None) -> None:
        self.name, self.kind, self.level = name, kind, level
        self.by_domain = keys != (0,) or kind == "pod"
        self.keys = keys
        qcls = PriorityQueue if discipline == "priority" else FifoQueue
        self._prio = class_work if discipline == "priority" else None
        self.queues = {k: qcls() for k in keys}
        self.idle: dict[int, dict] = {k: {} for k in keys}
        self.members: list = []
        self.queued = 0  # tickets waiting in this desk's queues
        self.redirect = None  # desk that takes over this desk's tickets once it has no members
        self.coverage = dict.fromkeys(keys, 0)  # members who serve each key
        self.hold_cap = 0  # tickets that may wait for one named person (0: no holding)
        self.held: dict = {}  # person -> deque of tickets waiting for that person
        # the product domains this team owns, when its kind is split into teams by product
        # area (org.l1.teams, org.l2.teams); None: every domain (the only team of its kind)
        self.area: frozenset | None = None

    def key_for(self, ticket) -> int:
        return ticket.domain if self.by_domain else 0

    def person_keys(self, person) -> tuple[int, ...]:
        if not self.by_domain:
            return (0,)
        return tuple(k for k in person.certified if k in self.queues)

    # --- membership -------------------------------------------------------------------------
    def add_member(self, person) -> None:
        person.desk = self
        person.desk_keys = self.person_keys(person)
        self.members.append(person)
        for k in person.desk_keys:
            self.coverage[k] += 1
        if person.ticket is None:
            self.set_idle(person)

    def remove_member(self, person) -> list[int]:
        """Take ``person`` off this desk; return the keys nobody serves any more."""
        self.set_busy(person)
        self.members.remove(person)
        lost = []
        for k in person.desk_keys:
            self.coverage[k] -= 1
            if self.coverage[k] == 0:
                lost.append(k)
        return lost

    # --- idle register ----------------------------------------------------------------------
    def set_idle(self, person) -> None:
        for k in person.desk_keys:
            self.idle[k][person] = None

    def set_busy(self, person) -> None:
        for k in person.desk_keys:
            self.idle[k].pop(person, None)

    def take_idle(self, key: int, preferred=None):
        """An idle person for ``key`` (``preferred`` if idle), marked busy; else ``None``."""
        idle = self.idle.get(key)
        if not idle:
            return None
        person = preferred if preferred is not None and preferred in idle else next(iter(idle))
        self.set_busy(person)
        return person

    def idle_people(self) -> list:
        seen: dict = {}
        for reg in self.idle.values():
            for p in reg:
                seen[p] = None
        return list(seen)

    # --- queues -----------------------------------------------------------------------------
    def hold(self, ticket, key: int, person) -> bool:
        """Queue ``ticket`` for ``person`` alone if they serve ``key`` here and have room."""
        if person.desk is not self or key not in person.desk_keys:
            return False
        q = self.held.get(person)
        if q is None:
            q = self.held[person] = deque()
        elif len(q) >= self.hold_cap:
            return False
        q.append(ticket)
        self.queued += 1
        return True

    def release_held(self, person) -> list:
        """The tickets held for ``person`` (who is leaving the desk), oldest first."""
        q = self.held.pop(person, None)
        if not q:
            return []
        self.queued -= len(q)
        return list(q)

    def push(self, ticket, key: int, seq: int) -> None:
        self.queues[key].push(self._prio[ticket.cls] if self._prio else 0.0, seq, ticket)
        self.queued += 1

    def next_for(self, person):
        """Pop the next ticket for this person: one held for them first, else the best queued
        ticket they may take (oldest / highest priority head)."""
        if self.held:
            q = self.held.get(person)
            if q:
                self.queued -= 1
                ticket = q.popleft()
                if not q:
                    del self.held[person]
                return ticket
        keys = person.desk_keys
        if len(keys) == 1:
            q = self.queues[keys[0]]
            if not q:
                return None
            self.queued -= 1
            return q.pop()
        best, best_q = None, None
        for k in keys:
            q = self.queues[k]
            h = q.head()  # (prio, seq, ticket); seq is unique, so tickets are never compared
            if h is not None and (best is None or h < best):
                best, best_q = h, q
        if best_q is None:
            return None
        self.queued -= 1
        return best_q.pop()

    def queued_tickets(self) -> list:
        out = [x[2] for q in self.queues.values() for x in q.items()]
        for q in self.held.values():
            out.extend(q)
        return out

    def drain(self) -> list:
        out = []
        for q in self.queues.values():
            out.extend(q.drain())
        for q in self.held.values():
            out.extend(q)
        self.held.clear()
        self.queued = 0
        return out
