"""Staffing: how many people each desk has, at the start and over the years.

Two rules, the same for every design, so that no design is favoured by how it is staffed:

* **People needed** for a load (:func:`model.pods.staff_for`): the occupancy target, and more
  while the desk would miss its service level (Erlang C); each pod is a desk, sized and
  reviewed for its own load, as L1 and L2 are.
* **Initial sizing** (``org.staffing=sized``): ``model/sizing.py``, before the model is built.
* **Headcount planning** (``mechanisms.planning``, :class:`Planning`): every
  ``workforce.planning.review_days`` each desk's load R is the working hours of its members
  (leavers included) pooled over the last ``window_reviews`` periods (a quarter by default, so
  one busy or quiet month does not hire or shed people the next one does not need), plus its
  backlog at this review: the queue valued at the period's mean hours per piece, beyond what
  the desk's people clear within ``answer_hours`` (a saturated desk's busy hours understate its
  load; the backlog is not pooled, so a desk falling behind is seen at once). The plan adds the
  seats its pipeline will be missing: the desk's departures per day over the window (quits and
  promotions out) times the days a replacement takes to reach the floor (hiring lead time plus
  the role's onboarding), rounded, so that the people *on the floor* meet the need. If the
  people needed exceed the committed headcount, the plan grows to the need at once; if they are fewer and the committed occupancy is below
  ``target - tolerance``, it is cut towards the need by at most ``max_cut_share`` of the
  committed headcount (at least one person). A desk that is short opens seats (filled through the normal hiring lead time, onboarding and mentoring;
  an L2 seat promotes the best L1 as any L2 vacancy does); a desk that is long cancels open
  requisitions first, then does not replace its next leavers. Nobody is laid off [A]; but a
  surplus that outlasts ``redeploy_after_reviews`` reviews moves one person a review out of
  support (to another team of the company: an exit that is not attrition, with no severance
  and no replacement), the most recently hired person the desk can spare [A].
  A pod's plan never goes below the smallest pod that can give each of its domains
  ``min_domain_headcount`` certified people, and a cut never drops a seat (a leaver's, or a
  requisition) whose domains would then have fewer certified people than that: the next
  leaver who can be spared is not replaced instead.
  The pilot pod is left out: it is a temporary secondment, not a desk with a plan.

Koole & Mandelbaum (2002) give 0.80 as the usual occupancy target (range 0.70-0.95).
"""

from __future__ import annotations

from collections import Counter, deque

from agents.staff import Role
from model.mechanism import Hooks, Mechanism
from model.pods import breadth_of, sized_pod, staff_for

ROLE_OF_KIND = {"l1": Role.L1, "l2": Role.L2, "engineering": Role.ENGINEER,
                "specialist": Role.SPECIALIST, "pod": Role.GENERALIST}


# --- planning over time ------------------------------------------------------------------------
class Planning(Mechanism):
    """Each desk's headcount plan follows its measured occupancy (``mechanisms.planning``)."""

    switch = "planning"

    def __init__(self, model) -> None:
        super().__init__(model)
        self.talent = model.talent
        self.pc = model.cfg.workforce.planning
        self.desks = [d for d in model.desks.values() if d.name != "pilot_pod"]
        self.snap: dict[int, float] = {}
        self.snap_pieces: dict[int, int] = {}
        self.left_busy: dict[str, float] = {}
        self.period_h = 0.0  # scheduled hours of one person since the last review
        self.staffed_h = dict.fromkeys((d.name for d in self.desks), 0.0)
        self.pod_floor = {d.name: self._pod_floor(d) for d in self.desks if d.kind == "pod"}
        self.on_desk = {d.name: list(d.members) for d in self.desks}  # at the last review
        # (hours worked, scheduled hours of one person, pieces, departures) of each desk's last
        # ``window_reviews`` periods: the plan follows their pooled load
        self.history = {d.name: deque(maxlen=self.pc.window_reviews) for d in self.desks}
        self.long_for = dict.fromkeys((d.name for d in self.desks), 0)  # reviews with a surplus
        self._reset()

    def install(self, hooks: Hooks) -> None:
        """Leavers' hours count toward their desk's period; pod seats the plan must keep."""
        hooks.staff_exit.append(self._left)
        hooks.keep_seat.append(self._keep)

    def _pod_floor(self, desk) -> int:
        """The smallest pod that certifies ``min_domain_headcount`` people in each domain."""
        pods = self.model.cfg.org.pods
        return sized_pod(desk.keys, breadth_of(self.model.cfg), pods.flexible_share,
                         dict.fromkeys(desk.keys, self.pc.min_domain_headcount), 1)

    def pod_cover(self, desk) -> Counter:
        """Certified people per domain of a pod's committed plan: on the floor (leavers
        excluded), onboarding, and replacement requisitions (a new seat's domains are chosen
        only at hire, among the least covered, so it is not counted)."""
        t = self.talent
        people = [p for p in desk.members if not p.leaving and p.left_day is None]
        people += [p for _, p, d in t.onboarding if d is desk]
        people += [s[-1] for s in (*t.recruiting, *t.open_seats)
                   if s[-2] is desk and s[-1] is not None]
        return Counter(k for p in people for k in p.certified if k in desk.queues)

    def _keep(self, desk, predecessor) -> bool:
        """Talent hook: a pod seat the plan may not drop, since without it one of the domains
        it serves (any domain, for a new seat) would have fewer than ``min_domain_headcount``
        certified people. The seat is out of the plan when asked."""
        if desk is None or desk.name not in self.pod_floor:
            return False
        cover, m = self.pod_cover(desk), self.pc.min_domain_headcount
        domains = desk.keys if predecessor is None else predecessor.certified
        return any(cover[k] < m for k in domains if k in desk.queues)

    def _reset(self) -> None:
        staff = self.model.active_staff
        self.snap = {p.unique_id: p.busy_h for p in staff}
        self.snap_pieces = {p.unique_id: p.tickets_worked for p in staff}
        self.left_busy = dict.fromkeys((d.name for d in self.desks), 0.0)
        self.left_pieces = dict.fromkeys((d.name for d in self.desks), 0)
        self.period_h = 0.0
        for name in self.staffed_h:
            self.staffed_h[name] = 0.0

    def _left(self, person) -> None:
        desk = person.home_desk
        if desk is not None and desk.name in self.left_busy:
            self.left_busy[desk.name] += person.busy_h - self.snap.get(person.unique_id, 0.0)
            self.left_pieces[desk.name] += (person.tickets_worked
                                            - self.snap_pieces.get(person.unique_id, 0))

    def committed(self, desk) -> int:
        """On the floor + hired and onboarding + requisitions open - leavers not to be replaced."""
        t = self.talent
        return (len(desk.members) + sum(1 for _, _, d in t.onboarding if d is desk)
                + sum(1 for r in t.recruiting if r[2] is desk) - t.surplus.get(desk.name, 0))

    def day(self, model) -> None:
        cal, d = model.calendar, model.day
        hours = cal.working_hours(24.0 * d, 24.0 * (d + 1))
        self.period_h += hours
        for desk in self.desks:
            self.staffed_h[desk.name] += hours * len(desk.members)
        if (d + 1) % self.pc.review_days == 0 and self.period_h > 0:
            self._review(d)
            self._reset()

    def worked(self, desk) -> tuple[float, int]:
        """Working hours and pieces of work the desk's members (leavers included) did this
        period."""
        busy = self.left_busy[desk.name] + sum(
            p.busy_h - self.snap.get(p.unique_id, 0.0) for p in desk.members)
        pieces = self.left_pieces[desk.name] + sum(
            p.tickets_worked - self.snap_pieces.get(p.unique_id, 0) for p in desk.members)
        return busy, pieces

    def backlog(self, desk) -> float:
        """Hours of work in the desk's queue at the review, valued at the period's mean hours
        per piece, beyond what its people clear within ``answer_hours`` (a saturated desk's busy
        hours understate its load; a queue worked off within the answer time is a normal wait,
        not unmet work). The plan staffs the desk to clear it within a period."""
        busy, pieces = self.worked(desk)
        queued_h = desk.queued * busy / pieces if pieces > 0 else 0.0
        return max(0.0, queued_h - len(desk.members) * self.pc.answer_hours)

    def _review(self, day: int) -> None:
        pc, t = self.pc, self.talent
        for desk in self.desks:
            committed = self.committed(desk)
            if committed <= 0 or self.staffed_h[desk.name] <= 0:
                continue
            hist = self.history[desk.name]
            hist.append((*self.worked(desk), self.period_h, self.departures(desk)))
            busy, pieces, hours, gone = (sum(h[i] for h in hist) for i in range(4))
            # the work done pooled over the window, plus today's backlog (not pooled: a desk
            # falling behind is seen at once)
            load = busy / hours + self.backlog(desk) / self.period_h
            want = max(staff_for(load, pc, busy / pieces if pieces else 0.0),
                       self.pod_floor.get(desk.name, 0))
            want += int(gone / (len(hist) * pc.review_days) * self.pipeline_days(desk) + 0.5)
            if want > committed:
                t.plan_seats(ROLE_OF_KIND[desk.kind], desk, want - committed, day)
            elif want < committed and load / committed < pc.target_occupancy - pc.tolerance:
                t.cut_seats(desk, min(committed - want,
                                      max(1, round(pc.max_cut_share * committed))))
        for desk in self.desks:
            self._redeploy(desk, day)
        self.on_desk = {d.name: list(d.members) for d in self.desks}

    def departures(self, desk) -> int:
        """People on the desk at the last review who are gone from it (quits, promotions out;
        not the plan's own redeployments)."""
        now = set(desk.members)
        return sum(1 for p in self.on_desk[desk.name]
                   if p not in now and p.exit_reason != "redeployed")

    def pipeline_days(self, desk) -> float:
        """Days from a departure to the replacement's first day on the floor."""
        h = self.model.cfg.workforce.hiring
        role = ROLE_OF_KIND[desk.kind]
        return 7.0 * (h.lead_time_weeks + getattr(h.onboarding_weeks, role.value))

    def _redeploy(self, desk, day: int) -> None:
        """After ``redeploy_after_reviews`` reviews in a row with more people on the desk than
        its plan, the most recently hired person it can spare leaves support (one a review)."""
        after = self.pc.redeploy_after_reviews
        people = [p for p in desk.members if not p.leaving and p.left_day is None]
        if self.talent.surplus.get(desk.name, 0) <= 0 or len(people) <= self.committed(desk):
            self.long_for[desk.name] = 0
            return
        self.long_for[desk.name] += 1
        if after <= 0 or self.long_for[desk.name] < after:
            return
        if desk.name in self.pod_floor:  # a pod keeps min_domain_headcount in each domain
            cover, m = self.pod_cover(desk), self.pc.min_domain_headcount
            people = [p for p in people
                      if all(cover[k] - 1 >= m for k in p.certified if k in desk.queues)]
        if people:
            self.talent.leave(max(people, key=lambda p: (p.hired_day, p.unique_id)), day,
                              "redeployed")

    def series(self) -> dict:
        c = self.talent.counts
        return {"planned_seats_cum": c["planned_seats"], "cancelled_seats_cum": c["cancelled_seats"],
                "not_backfilled_cum": c["not_backfilled"], "redeployed_cum": c["redeployed"]}
