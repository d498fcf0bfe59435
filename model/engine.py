"""The event-driven ticket engine, in continuous time (hours as floats).

Tickets live on the engine's own binary heap, never as Mesa agents or Mesa events (each of those
costs several times a whole ticket's budget). The engine owns the mechanics every design shares:
queueing at desks, one ticket per person at a time, work that pauses outside shifts, hand-offs
(counting, ping-pong, engineering returns, context loss), waits for the customer's reply that hold no one, and
reopenings. *What* happens to a ticket after a piece of work is decided by the routing policy
(``model/routing.py``); the engine only carries it out.

Event kinds on the heap: ``FINISH`` (a person completes a piece of work), ``READY`` (a ticket
arrives at a desk after a customer reply, a reopen delay or a hand-off's assignment lag), ``SHIFT`` (a shift
starts: idle people pull queued work), ``BACKUP`` (the hourly check of sister desks' queues,
only while backup is set: :meth:`Engine.set_backup`). Arrivals are merged in from the day's
sorted arrival array without passing through the heap.

**Backup between sister desks** (one rule for every design): desks of the same kind (the pods of
the generalist design; any other kind with more than one desk) back each other up. A person with
nothing left in their own desk's queues may take the oldest ticket queued at a sister desk, for a
key they serve, once it has waited ``backup_after_h`` working hours there. People check when they
run out of work and at every whole working hour. The ticket stays its desk's (a follow-up goes
back there): the backup person covers one piece, as a pod-mate covers for an owner, paying the
rebuild of an unseen ticket if someone worked it before. Tickets held for a named person are not
taken.

**Assignment lag** (one rule for every hand-off, every desk, either design; ``set_lag``): a
ticket handed to a team becomes pickable there only after a lag, the time its team inbox takes
to be triaged, drawn in working hours (``Engine.lag``, ``None``: no lag, the ticket is queued at
once). It waits as a ``READY`` event and holds no one (``in_inbox`` counts it). The calendar
hours from every hand-off to the next start of work on the ticket (lag plus queueing) are kept
after the warm-up in ``transfer_waits`` (the log's transfer-queue wait, validation V3).
"""

from __future__ import annotations

import heapq
import math
from itertools import count

FINISH, READY, SHIFT, BACKUP = 0, 1, 2, 3


class PresetArrivals:
    """A fixed list of tickets arriving at their ``created_h`` (hand-made scenarios, tests): the
    interface the engine reads from a day's arrivals (``times``, ``next``, ``make(i)``), as
    :class:`model.demand.DayArrivals` provides it for a run."""

    __slots__ = ("times", "next", "_tickets")

    def __init__(self, tickets: list) -> None:
        self._tickets = sorted(tickets, key=lambda t: t.created_h)
        self.times = [t.created_h for t in self._tickets]
        self.next = 0

    def __len__(self) -> int:
        return len(self.times)

    def make(self, i: int):
        return self._tickets[i]


class Engine:
    """Runs ticket events in time order and keeps the per-event counters.

    Args:
        calendar: working time (``model/calendar.py``): when work may start, and when it ends.
        recorder: the run's counters and logs (``model/recorder.py``).
        stalled_after_h: working hours queued after which a ticket counts as stalled.
        policy: the routing policy (``model/routing.py``); may be set later, as the model does
            once the org is built (a policy needs its engine).
        desks: the desks whose idle people pull queued work when a shift starts.
    """

    def __init__(self, calendar, recorder, stalled_after_h: float = math.inf, *,
                 policy=None, desks=()) -> None:
        self.cal = calendar
        self.rec = recorder
        self.policy = policy
        self.stalled_after_h = stalled_after_h
        self.heap: list = []
        self._seq = count()
        self.now = 0.0
        self.arrivals = None  # DayArrivals for the day being run
        self.open_tickets = 0
        self.in_wait = 0  # tickets waiting for the customer or a reopen
        self.in_inbox = 0  # tickets handed to a team, waiting out the assignment lag
        self.lag = None  # () -> working hours of assignment lag after a hand-off (set_lag)
        self.transfer_waits: list = []  # calendar hours from a hand-off to the next start
        self.desks: list = list(desks)
        self.plan_hooks: list = []  # f(person, ticket, t) -> extra hours for the piece starting
        self.work_hooks: list = []  # f(person, ticket, t) after each piece (hours: person.piece_h)
        self.close_hooks: list = []  # f(ticket, t) when a ticket closes for good
        self.intake_hooks: list = []  # f(ticket, desk, key, preferred) -> preferred, new tickets
        self.sisters: dict = {}  # desk -> the other desks of its kind it backs up (set_backup)
        self.backup_after_h = math.inf  # working hours queued before a sister desk may take it
        self.backups = 0  # pieces of work a sister desk's person took, after the warm-up

    def set_backup(self, desks, after_h: float) -> None:
        """Let desks of the same kind back each other up (module docstring): every kind with
        more than one desk among ``desks``; ``after_h`` working hours queued first."""
        by_kind: dict = {}
        for d in desks:
            by_kind.setdefault(d.kind, []).append(d)
        self.sisters = {d: [s for s in group if s is not d]
                        for group in by_kind.values() if len(group) > 1 for d in group}
        self.backup_after_h = float(after_h)

    def set_lag(self, lag) -> None:
        """Give every hand-off an assignment lag: ``lag()`` draws it in working hours."""
        self.lag = lag

    # --- scheduling -------------------------------------------------------------------------
    def schedule(self, t: float, kind: int, obj, extra=None) -> None:
        heapq.heappush(self.heap, (t, next(self._seq), kind, obj, extra))

    def schedule_shifts(self, day: int) -> None:
        """The day's shift starts; with backup set, a check at every whole working hour (after
        the shift start at the same time)."""
        for t in self.cal.shift_starts(day):
            self.schedule(t, SHIFT, None)
        if self.sisters:
            is_open = self.cal.is_open
            for h in range(24):
                t = 24.0 * day + h
                if is_open(t):
                    self.schedule(t, BACKUP, None)

    # --- main loop --------------------------------------------------------------------------
    def run_until(self, t_end: float) -> None:
        """Process every event with time < ``t_end`` in time order (an arrival first on a tie).

        The hot loop: the methods it calls per event are looked up once per call of
        ``run_until`` (a day), not once per event (so is whether the event log wants a
        ``complete`` event per piece); ``start``, ``_finish`` and ``enqueue`` stay
        methods of the engine, so a hook on them (tests) still sees every call.
        """
        heap, arr, policy, rec = self.heap, self.arrivals, self.policy, self.rec
        pop, inf = heapq.heappop, math.inf
        # with the event log on, each piece's end is logged first (nothing is paid otherwise)
        finish = self._finish if rec.events is None else self._finish_logged
        enqueue = self.enqueue
        intake, intake_hooks = policy.intake, self.intake_hooks
        created, entered = rec.created, rec.entered
        a_times = arr.times if arr is not None else ()
        n_arr = len(a_times)
        i = arr.next if arr is not None else 0
        ta = a_times[i] if i < n_arr else inf  # the next arrival
        while True:
            th = heap[0][0] if heap else inf  # the next heap event
            if ta <= th:
                if ta >= t_end:
                    break
                self.now = ta
                ticket = arr.make(i)
                i += 1
                self.open_tickets += 1
                created(ticket)
                desk, key, preferred = intake(ticket)
                for hook in intake_hooks:  # a request by name (model/loyalty.py)
                    preferred = hook(ticket, desk, key, preferred)
                entered(desk.name)
                enqueue(ticket, desk, key, preferred, ta)
                ta = a_times[i] if i < n_arr else inf
                continue
            if th >= t_end:
                break
            t, _, kind, obj, extra = pop(heap)
            self.now = t
            if kind == FINISH:
                finish(obj, t)
            elif kind == READY:
                desk, key, preferred, inbox = extra
                if inbox:
                    self.in_inbox -= 1
                else:
                    self.in_wait -= 1
                enqueue(obj, desk, key, preferred, t)
            elif kind == SHIFT:
                self._shift_start(t)
            else:
                self._backup_check(t)
        if arr is not None:
            arr.next = i
        self.now = t_end

    # --- queueing and work ------------------------------------------------------------------
    def enqueue(self, ticket, desk, key: int, preferred, t: float) -> None:
        """Give the ticket to an idle eligible person at ``desk`` or queue it there."""
        while desk.redirect is not None and not desk.members:
            desk = desk.redirect
            key, preferred = desk.key_for(ticket), None
        ticket.desk = desk
        ticket.enq_h = t
        if desk.level > ticket.max_level:
            ticket.max_level = desk.level
        if preferred is not None and desk.hold_cap and ticket.named_request:
            # a request by name waits for its person (up to the desk's hold cap)
            if self.cal.is_open(t) and preferred in desk.idle.get(key, ()):
                desk.set_busy(preferred)
                self.start(preferred, ticket, t)
                return
            if desk.hold(ticket, key, preferred):
                self.rec.queued(ticket, desk, t)
                return
        if self.cal.is_open(t):
            person = desk.take_idle(key, preferred)
            if person is not None:
                self.start(person, ticket, t)
                return
        desk.push(ticket, key, next(self._seq))
        self.rec.queued(ticket, desk, t)

    def start(self, person, ticket, t: float) -> None:
        """``person`` starts the next piece of work on ``ticket`` at ``t``; its FINISH is
        scheduled ``hours`` of working time later."""
        if ticket.first_start_h < 0:
            ticket.first_start_h = t
            ticket.wait_h = t - ticket.created_h
        if t > ticket.enq_h:  # it waited in a queue
            self.add_queue_time(ticket, t)
        if ticket.handoff_h >= 0.0:  # the first start since a hand-off
            if ticket.handoff_h >= self.rec.warmup_h:
                self.transfer_waits.append(t - ticket.handoff_h)
            ticket.handoff_h = -1.0
        person.ticket = ticket
        hours = self.policy.plan(ticket, person, t)
        for hook in self.plan_hooks:  # work a mechanism adds to this piece (writing a workflow)
            hours += hook(person, ticket, t)
        ticket.visits += 1
        touched, uid = ticket.touched, person.unique_id
        if uid not in touched:
            touched.append(uid)
        person.busy_h += hours
        person.month_busy_h += hours
        person.piece_h = hours
        ticket.cost_h += hours
        self.rec.started(ticket, person, t, hours)
        heapq.heappush(self.heap,
                       (self.cal.advance(t, hours), next(self._seq), FINISH, person, None))

    def add_queue_time(self, ticket, t: float) -> None:
        """Add the working hours queued since ``enq_h``; past the threshold the ticket is stalled."""
        ticket.queue_wh += self.cal.working_hours(ticket.enq_h, t)
        ticket.enq_h = t
        if ticket.queue_wh > self.stalled_after_h:
            ticket.stalled = True

    def _finish(self, person, t: float) -> None:
        """``person`` completes a piece: the hooks, the policy's decision, then the next
        piece this person may pull (or the idle register)."""
        ticket = person.ticket
        person.ticket = None
        person.tickets_worked += 1
        for hook in self.work_hooks:
            hook(person, ticket, t)
        self.policy.finish(ticket, person, t)
        desk = person.desk
        if desk is None:  # off the floor
            return
        if person.leaving:  # quit while holding a ticket: gone now that it is done
            self.release(person)
            return
        if self.cal.is_open(t):
            nxt = desk.next_for(person)
            if nxt is None and desk in self.sisters:
                nxt = self.take_backup(person, t)
            if nxt is not None:
                self.start(person, nxt, t)
                return
        desk.set_idle(person)

    def _finish_logged(self, person, t: float) -> None:
        """:meth:`_finish` after the piece's ``complete`` event (only with the event log on)."""
        self.rec.completed(person.ticket, person, t)
        self._finish(person, t)

    def _shift_start(self, t: float) -> None:
        for desk in self.desks:
            if not desk.queued:
                continue
            for person in desk.idle_people():
                nxt = desk.next_for(person)
                if nxt is None:
                    continue
                desk.set_busy(person)
                self.start(person, nxt, t)
                if not desk.queued:
                    break

    # --- backup between sister desks -----------------------------------------------------------
    def take_backup(self, person, t: float):
        """The oldest ticket queued at a sister desk of ``person``'s, for a key they serve, if it
        has waited ``backup_after_h`` working hours there (taken off that queue); else ``None``.
        The heads of the queues are compared (the oldest ticket of a FIFO queue)."""
        best = None
        keys = person.desk_keys
        for sister in self.sisters[person.desk]:
            if not sister.queued:
                continue
            queues = sister.queues
            for k in keys:
                q = queues.get(k)
                if q:
                    ticket = q.head()[2]
                    if best is None or ticket.enq_h < best[0]:
                        best = (ticket.enq_h, sister, q)
        if best is None or self.cal.working_hours(best[0], t) < self.backup_after_h:
            return None
        _, sister, q = best
        sister.queued -= 1
        if t >= self.rec.warmup_h:
            self.backups += 1
        return q.pop()

    def _backup_check(self, t: float) -> None:
        """The hourly check: idle people take what has waited too long at a sister desk."""
        for desk in self.sisters:
            for person in desk.idle_people():
                ticket = self.take_backup(person, t)
                if ticket is not None:
                    desk.set_busy(person)
                    self.start(person, ticket, t)

    # --- what policies ask the engine to do --------------------------------------------------
    def handoff(self, ticket, src, dst, key: int, preferred, t: float, lost: bool,
                returning: bool = False) -> None:
        """Move a ticket from desk ``src`` to desk ``dst`` (a team change).

        A desk that gets back a ticket it had handed away marks it ping-pong, except on the
        return trip of a referral (``returning``: engineering sends a ticket back to the front
        line), which marks ``eng_return`` instead: the same rule in every design.
        """
        ticket.handoffs += 1
        if returning:
            ticket.eng_return = True
        elif dst.name in ticket.handed_from:
            ticket.pingpong = True
        if src.name not in ticket.handed_from:
            ticket.handed_from.append(src.name)
        if lost:
            ticket.context_lost = True
        self.rec.handoff(ticket, src, dst, t)
        self.rec.entered(dst.name)
        ticket.handoff_h = t
        if self.lag is not None:
            lag = self.lag()
            if lag > 0.0:  # the team's inbox: pickable once the lag has passed
                self.in_inbox += 1
                self.schedule(self.cal.advance(t, lag), READY, ticket, (dst, key, preferred, True))
                return
        self.enqueue(ticket, dst, key, preferred, t)

    def wait_customer(self, ticket, delay_h: float, desk, key: int, preferred, t: float) -> None:
        """The ticket waits ``delay_h`` calendar hours for the customer, holding no one."""
        self.in_wait += 1
        self.rec.waiting(ticket, t)
        self.schedule(t + delay_h, READY, ticket, (desk, key, preferred, False))

    def resolve(self, ticket, person, t: float, reopen_after_h: float | None) -> None:
        """Close the ticket; if ``reopen_after_h`` is set it comes back as a new contact."""
        ticket.resolved_h = t
        ticket.resolver = person
        if reopen_after_h is None:
            self.open_tickets -= 1
            ticket.customer.record_episode(ticket.explanations, ticket.contacts)
            self.rec.closed(ticket, t)
            for hook in self.close_hooks:
                hook(ticket, t)
            return
        self.rec.reopen_scheduled(ticket, t)
        ticket.reopened += 1
        ticket.contacts += 1
        ticket.needs_explain = True
        ticket.script_failed = ticket.script_failed or ticket.script_closed
        desk, key, preferred = self.policy.intake(ticket)
        self.rec.entered(desk.name)
        self.in_wait += 1
        self.schedule(t + reopen_after_h, READY, ticket, (desk, key, preferred, False))

    def release(self, person) -> None:
        """A person leaves their desk (pilot end, exit): keep them off every idle register."""
        if person.desk is not None:
            self._left(person.desk, person, person.desk.remove_member(person))
        person.desk = None

    def _left(self, desk, person, lost_keys: list[int]) -> None:
        """``person`` left ``desk``: tickets held for them rejoin the desk's shared queues, and
        tickets queued for a key nobody there serves any more go where intake sends them now
        (another pod's certified people, in owned designs), except at a team by product area,
        where they wait (its sister teams back it up). Queue time so far is kept."""
        now = self.now
        for ticket in desk.release_held(person):
            self.add_queue_time(ticket, now)
            self.enqueue(ticket, desk, desk.key_for(ticket), None, now)
        for key in lost_keys:
            stranded = desk.queues[key].drain()
            desk.queued -= len(stranded)
            for ticket in stranded:
                dst, k, preferred = self.policy.intake(ticket)
                if dst is desk or desk.area is not None:
                    # nowhere better (or a team by product area, whose sister teams back it up):
                    # wait for a hire
                    desk.push(ticket, key, next(self._seq))
                else:
                    self.add_queue_time(ticket, now)
                    self.enqueue(ticket, dst, k, preferred, now)

    def retire(self, person) -> None:
        """A person quits: off the floor now, or when the ticket in hand is done."""
        if person.ticket is None:
            self.release(person)
        else:
            person.leaving = True

    def move(self, person, desk) -> None:
        """Move a person to another desk; work in hand is finished first."""
        if person.desk is not None:
            self._left(person.desk, person, person.desk.remove_member(person))
        desk.add_member(person)
        if person.ticket is None and self.cal.is_open(self.now):
            nxt = desk.next_for(person)
            if nxt is not None:
                desk.set_busy(person)
                self.start(person, nxt, self.now)
