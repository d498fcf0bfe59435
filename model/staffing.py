"""Staffing: how many people each desk has, at the start and over the years.

Two rules, the same for every design, so that no design is favoured by how it is staffed:

* **People needed** for a load of R people at full occupancy (:func:`people_needed`):
  ``max(R / target_occupancy, R + safety_beta sqrt(R))``, rounded up, at least
  ``min_headcount``. The square-root term (Borst, Mandelbaum & Reiman 2004) gives small desks
  the spare capacity that pooling gives large ones; beyond R of about 16 the occupancy target
  binds.
* **Initial sizing** (``org.staffing=sized``): a short measuring run of the same configuration,
  with every desk at twice its configured headcount (so nobody queues) and the talent flows
  (attrition, promotion, hiring, planning) switched off, measures the working hours each desk
  spends per working hour of the calendar after its first week. Each desk then gets the people
  needed for that load (none if it was configured with none); pods share their load
  equally (``org.pods.size``). A pod is also sized per domain (:func:`sized_pod`): its
  members queue per domain and each is certified in only ``org.pods.breadth`` of them, so
  each domain d the pod serves needs ``people_needed(R_d)`` *certified* people, at least
  ``workforce.planning.min_domain_headcount`` [A], where R_d is the pod's load in d. With
  ``org.staffing=fixed`` (the default) the configured headcounts are used as they are.
* **Headcount planning** (``mechanisms.planning``, :class:`Planning`): every
  ``workforce.planning.review_days`` each desk's occupancy over the review period (working
  hours of its members, plus its queue at the review valued at the period's mean hours per
  piece) gives its load R. If the people needed exceed the committed headcount, the plan grows
  to the need at once; if they are fewer and the committed occupancy is below
  ``target - tolerance``, it is cut towards the need by at most ``max_cut_share`` of the
  committed headcount (at least one person). A desk that is short opens seats (filled through the normal hiring lead time, onboarding and mentoring;
  an L2 seat promotes the best L1 as any L2 vacancy does); a desk that is long cancels open
  requisitions first, then does not replace its next leavers. Nobody is laid off [A].
  A pod's plan never goes below the smallest pod that can give each of its domains
  ``min_domain_headcount`` certified people, and a cut never drops a seat (a leaver's, or a
  requisition) whose domains would then have fewer certified people than that: the next
  leaver who can be spared is not replaced instead.
  The pilot pod is left out: it is a temporary secondment, not a desk with a plan.

Koole & Mandelbaum (2002) give 0.80 as the usual occupancy target (range 0.70-0.95).
"""

from __future__ import annotations

import copy
import math
from collections import Counter

from agents.staff import Role
from model.config import Config, ConfigError
from model.org import pod_certifications

ROLE_OF_KIND = {"l1": Role.L1, "l2": Role.L2, "engineering": Role.ENGINEER,
                "specialist": Role.SPECIALIST, "pod": Role.GENERALIST}
PROBE_SCALE = 2  # the measuring run's headcount multiple: enough that queues stay short
PROBE_SKIP_DAYS = 7  # the measuring run's empty-and-idle first week, not measured


def people_needed(load: float, target: float, beta: float, floor: int = 1) -> int:
    """People for a load of ``load`` people at full occupancy: the occupancy target, or the
    square-root staffing rule ``R + beta sqrt(R)`` (Borst, Mandelbaum & Reiman 2004) where that
    is more (small desks), at least ``floor``."""
    if load <= 0:
        return floor
    return max(floor, math.ceil(max(load / target, load + beta * math.sqrt(load)) - 1e-9))


def pod_domain_needs(cfg: Config, load: dict[str, float]) -> dict[int, int] | None:
    """Certified people each pod needs per domain it serves: ``people_needed`` for the pod's
    load in the domain (the measured load of all pods over ``org.pods.count``), at least
    ``workforce.planning.min_domain_headcount``. ``None`` without measured domain loads (fixed
    staffing)."""
    pc, count = cfg.workforce.planning, cfg.org.pods.count
    if count <= 0 or not any(k.startswith("pod_domain_") for k in load):
        return None
    regular = cfg.product.domains - (cfg.product.specialist_domains
                                     if cfg.product.specialist_share > 0 else 0)
    return {d: people_needed(load.get(f"pod_domain_{d}", 0.0) / count, pc.target_occupancy,
                             pc.safety_beta, pc.min_domain_headcount) for d in range(regular)}


def sized_pod(regular: tuple[int, ...], breadth: int, flexible_share: float,
              needs: dict[int, int], start: int) -> int:
    """The smallest pod of at least ``start`` people whose members, certified as the org
    builder certifies them for these needs (:func:`model.org.pod_certifications`), give every
    domain ``d`` at least ``needs[d]`` certified people."""
    for size in range(max(start, 1), 10001):
        try:
            certs = pod_certifications(regular, size, breadth, flexible_share, needs)
        except ConfigError:  # some domain still uncovered: a larger pod
            continue
        cover = Counter(d for c in certs for d in c)
        if all(cover[d] >= n for d, n in needs.items()):
            return size
    raise ConfigError(f"invalid configuration:\n  - org.pods.breadth = {breadth}: no pod of up "
                      f"to 10000 people gives every domain {max(needs.values())} certified "
                      "people; raise org.pods.breadth or org.pods.flexible_share")


# --- initial sizing ----------------------------------------------------------------------------
def _probe_config(cfg: Config) -> Config:
    probe = copy.deepcopy(cfg)
    o, s, m = probe.org, probe.sim, probe.mechanisms
    o.staffing = "fixed"
    if o.design == "pilot":  # the pilot pod is a later secondment from L2: size the tiered org
        o.design = "tiered"
    for part in (o.l1, o.l2, o.engineering, o.specialists):
        part.headcount *= PROBE_SCALE
    o.pods.size *= PROBE_SCALE
    s.horizon_days = PROBE_SKIP_DAYS + cfg.org.sizing_days
    s.warmup_days = 0
    s.record_tickets = s.record_events = s.progress = False
    m.attrition = m.promotion = m.hiring = m.planning = False
    return probe


def measure_load(cfg: Config) -> dict[str, float]:
    """People needed at 100 % occupancy, by desk kind: working hours per scheduled hour of one
    person, from the measuring run (the model, not a formula, so every mechanism's work counts).
    With pods, also ``pod_domain_<d>``: the pods' load in domain d (their load split by the
    hours of the pieces they finished in each domain)."""
    from model.model import TierSimModel  # the model builds its staffing from this module

    model = TierSimModel(_probe_config(cfg))
    for _ in range(PROBE_SKIP_DAYS):
        model.step()
    pod_h: Counter = Counter()

    def pod_work(person, ticket, t: float) -> None:
        if person.desk is not None and person.desk.kind == "pod":
            pod_h[ticket.domain] += person.piece_h

    model.engine.work_hooks.append(pod_work)
    start = {p.unique_id: p.busy_h for p in model.staff}
    t0 = model.engine.now
    while model.running:
        model.step()
    per_person_h = model.calendar.working_hours(t0, model.engine.now)
    load: dict[str, float] = {}
    for desk in model.desks.values():
        if desk.name == "pilot_pod":
            continue
        busy = sum(p.busy_h - start.get(p.unique_id, 0.0) for p in desk.members)
        load[desk.kind] = load.get(desk.kind, 0.0) + busy / per_person_h
    total = sum(pod_h.values())
    for d in (model.pods[0].keys if model.pods else ()):
        load[f"pod_domain_{d}"] = load["pod"] * pod_h[d] / total if total > 0 else 0.0
    return load


def sized_config(cfg: Config) -> tuple[Config, dict[str, float]]:
    """``cfg`` with every desk's headcount sized to the target occupancy, and the measured load."""
    load = measure_load(cfg)
    target = cfg.workforce.planning.target_occupancy
    out = copy.deepcopy(cfg)
    o = out.org

    pc = cfg.workforce.planning

    def need(kind: str, configured: int, share: int = 1) -> int:
        if configured <= 0:
            return configured
        total = people_needed(load.get(kind, 0.0), target, pc.safety_beta, pc.min_headcount)
        return max(1, math.ceil(total / share))

    o.l1.headcount = need("l1", o.l1.headcount)
    o.l2.headcount = need("l2", o.l2.headcount)
    o.engineering.headcount = need("engineering", o.engineering.headcount)
    o.specialists.headcount = need("specialist", o.specialists.headcount)
    needs = pod_domain_needs(cfg, load)
    if cfg.org.design == "generalist" and o.pods.size and needs is not None:
        o.pods.size = sized_pod(tuple(needs), o.pods.breadth, o.pods.flexible_share, needs,
                                need("pod", o.pods.size, o.pods.count))
    return out, load


# --- planning over time ------------------------------------------------------------------------
class Planning:
    """Each desk's headcount plan follows its measured occupancy (``mechanisms.planning``)."""

    def __init__(self, model) -> None:
        self.model, self.talent = model, model.talent
        self.pc = model.cfg.workforce.planning
        self.desks = [d for d in model.desks.values() if d.name != "pilot_pod"]
        self.snap: dict[int, float] = {}
        self.snap_pieces: dict[int, int] = {}
        self.left_busy: dict[str, float] = {}
        self.period_h = 0.0  # scheduled hours of one person since the last review
        self.staffed_h = dict.fromkeys((d.name for d in self.desks), 0.0)
        self.pod_floor = {d.name: self._pod_floor(d) for d in self.desks if d.kind == "pod"}
        self._reset()
        self.talent.exit_hooks.append(self._left)
        self.talent.keep_seat.append(self._keep)

    def _pod_floor(self, desk) -> int:
        """The smallest pod that certifies ``min_domain_headcount`` people in each domain."""
        pods = self.model.cfg.org.pods
        return sized_pod(desk.keys, pods.breadth, pods.flexible_share,
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

    def work_demand(self, desk) -> float:
        """Hours of work the desk met this period, plus its queue at the review valued at the
        period's mean hours per piece (a saturated desk's busy hours understate its load)."""
        busy = self.left_busy[desk.name] + sum(
            p.busy_h - self.snap.get(p.unique_id, 0.0) for p in desk.members)
        pieces = self.left_pieces[desk.name] + sum(
            p.tickets_worked - self.snap_pieces.get(p.unique_id, 0) for p in desk.members)
        return busy + (desk.queued * busy / pieces if pieces > 0 else 0.0)

    def _review(self, day: int) -> None:
        pc, t = self.pc, self.talent
        for desk in self.desks:
            committed = self.committed(desk)
            if committed <= 0 or self.staffed_h[desk.name] <= 0:
                continue
            demand = self.work_demand(desk)
            want = max(people_needed(demand / self.period_h, pc.target_occupancy,
                                     pc.safety_beta, pc.min_headcount),
                       self.pod_floor.get(desk.name, 0))
            if want > committed:
                t.plan_seats(ROLE_OF_KIND[desk.kind], desk, want - committed, day)
            elif (want < committed
                  and demand / (committed * self.period_h) < pc.target_occupancy - pc.tolerance):
                t.cut_seats(desk, min(committed - want,
                                      max(1, round(pc.max_cut_share * committed))))

    def series(self) -> dict:
        c = self.talent.counts
        return {"planned_seats_cum": c["planned_seats"], "cancelled_seats_cum": c["cancelled_seats"],
                "not_backfilled_cum": c["not_backfilled"]}
