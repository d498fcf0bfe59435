"""The Mesa model: one ``step()`` is one calendar day."""

from __future__ import annotations

import gc
from contextlib import contextmanager

import mesa
import networkx as nx

from agents.customer import Customer
from agents.staff import Role, SupportStaff
from model.calendar import make_calendar
from model.catalogue import build_catalogue
from model.config import Config, validate
from model.demand import Demand
from model.engine import Engine
from model.feedback import Feedback
from model.loyalty import Loyalty
from model.org import assign_owners, build_org
from model.pods import check_pods
from model.population import CustomerSampler, build_customers
from model.recorder import Recorder
from model.routing import make_policy
from model.staffing import Planning
from model.streams import Streams
from model.talent import Talent


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off for the duration (restored after).

    A run makes next to no reference cycles (16 unreachable objects after 120 default days),
    but allocates millions of tracked objects (tickets, rows, event tuples), and each collection
    of the older generations traverses every live object: 12-14 % of the CPU of a large run.
    Reference counting still frees everything that is not in a cycle. Nested use is safe.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TierSimModel(mesa.Model):
    """A SaaS support organisation under one org design.

    One ``step()`` is one calendar day, in this order:

    1. ``_draw_demand`` — today's tickets, from the ``demand`` and ``tickets`` streams
       (identical across designs for one seed);
    2. ``_org_changes`` — dated org changes (the pilot pod forms and later hands back);
    3. ``_work_tickets`` — the engine works every ticket event until midnight: arrivals, starts,
       completions, hand-offs, customer replies, reopenings, shift starts;
    4. ``_daily_processes`` — each mechanism's end-of-day process, in a fixed order: talent
       (forgetting, attrition reviews, promotions, hiring), headcount planning, customers (renewals, churn, word of
       mouth), feedback (product planning, fixes shipping); monthly and quarterly work runs on
       its day inside each;
    5. ``_record_day`` — one row of the daily series (and Mesa's DataCollector, for the viz).

    Mechanisms plug in as objects with ``day(model)`` (end-of-day work) and ``series()``
    (their columns of the daily row), plus engine hooks (``Engine.plan_hooks``: extra hours for
    a piece of work starting; ``Engine.work_hooks``: a piece of work finished; ``Engine.close_hooks``: a ticket closed for good) and demand filters
    (``Demand.filters``: tickets that product fixes or workflows prevent), ``Engine.intake_hooks``
    (a new ticket's preferred person: requests by name), ``Demand.injectors`` (tickets added to a
    day: correlated problems) and ``Policy.repeat_odds`` (relationships scale repeat contacts).

    Staff and customers are Mesa agents updated by direct calls from the engine; tickets are
    records on the engine's own heap.
    """

    def __init__(self, cfg: Config, *, collect: bool = False,
                 sizing_load: dict[str, float] | None = None) -> None:
        validate(cfg)
        check_pods(cfg)
        if cfg.org.staffing == "sized" and sizing_load is None:
            raise ValueError("org.staffing=sized: build the model with model.sizing.build_model "
                             "(or run it with model.simulate.simulate), which sizes the desks "
                             "before the model is built")
        super().__init__(rng=cfg.seed)
        # measured desk loads (org.staffing=sized: the desks were sized from them)
        self.sizing_load: dict[str, float] = dict(sizing_load or {})
        self.cfg = cfg
        self.streams = Streams(cfg.seed)
        self.day = 0
        self.catalogue = build_catalogue(cfg.product, self.streams["catalogue"])
        self.calendar = make_calendar(cfg.sim.calendar, cfg.sim.business_hours, cfg.sim.workdays)
        self.recorder = Recorder(cfg.sim.record_tickets, cfg.sim.record_events)
        self.engine = Engine(self.calendar, self.recorder,
                             cfg.sim.stalled_after_working_hours)
        self.customers: list[Customer] = build_customers(
            self, cfg.customers, cfg.product.domains, self.streams["customers"])
        self.pods: list = []
        org = build_org(self, cfg, self.streams["staff"])
        self.desks, self.org_graph, self.staff = org.desks, org.graph, org.staff
        self.active_staff: list[SupportStaff] = list(self.staff)  # on the payroll, not onboarding
        self.staff_graph = nx.Graph()  # mentoring (and, later, collaboration) ties
        self.staff_graph.add_nodes_from((s.unique_id, {"role": s.role.value}) for s in self.staff)
        self.engine.desks = list(self.desks.values())
        if cfg.org.design == "generalist":
            assign_owners(self.customers, self.pods, cfg.org.ownership == "named")
        self.pilot_work = {"treated": [0.0, 0.0], "control": [0.0, 0.0]}  # [hours, $]
        if cfg.org.design == "pilot":
            self._choose_pilot_arms()
            self.engine.work_hooks.append(self._pilot_work)
        self.engine.policy = make_policy(cfg.org.design, self)
        self.demand = Demand(cfg, self.catalogue, CustomerSampler(self.customers, cfg.product.domains),
                             self.streams["demand"], self.streams["tickets"])
        self.talent = Talent(self)
        self.mechanisms: list = [self.talent]  # end-of-day processes, in schedule order
        if cfg.mechanisms.planning:  # headcount plans follow occupancy (model/staffing.py)
            self.mechanisms.append(Planning(self))
        self.initial_headcount = {r.value: n for r, n in self.headcount.items()}
        if cfg.mechanisms.customers or cfg.mechanisms.correlated_problems:
            self.mechanisms.append(Loyalty(self))  # customers and networks (model/loyalty.py)
        if cfg.mechanisms.feedback:  # last: product planning runs after talent and customers
            self.mechanisms.append(Feedback(self))
        self.datacollector = mesa.DataCollector(model_reporters={
            "backlog": lambda m: m.engine.open_tickets,
            "resolved_today": lambda m: m.recorder.series[-1]["tickets_resolved"]
            if m.recorder.series else 0,
            "mean_resolution_h": lambda m: m.recorder.series[-1]["mean_resolution_h"]
            if m.recorder.series else float("nan"),
        }) if collect else None

    # --- the day ----------------------------------------------------------------------------
    def step(self) -> None:
        """One calendar day (phases in the class docstring)."""
        self._draw_demand()
        self._org_changes()
        self._work_tickets()
        self._daily_processes()
        self._record_day()
        self.day += 1
        if self.day >= self.cfg.sim.horizon_days:
            self.running = False

    def _draw_demand(self) -> None:
        self.engine.arrivals = self.demand.day(self.day)
        self.engine.schedule_shifts(self.day)

    def _org_changes(self) -> None:
        p = self.cfg.org.pilot
        if self.cfg.org.design != "pilot":
            return
        if self.day == p.start_day:
            self._start_pilot()
        elif self.day == p.start_day + p.duration_days:
            self._end_pilot()

    def _work_tickets(self) -> None:
        self.engine.run_until(24.0 * (self.day + 1))

    def _daily_processes(self) -> None:
        for mech in self.mechanisms:
            mech.day(self)

    def _record_day(self) -> None:
        extra = {"backlog": self.engine.open_tickets,
                 "queued": sum(d.queued for d in self.desks.values()),
                 "waiting_customer": self.engine.in_wait}
        for name, d in self.desks.items():
            extra[f"queue_{name}"] = d.queued
        for role, n in self.headcount.items():
            extra[f"headcount_{role.value}"] = n
        for mech in self.mechanisms:
            extra.update(mech.series())
        self.recorder.end_of_day(self.day, extra)
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def run(self, progress=None) -> None:
        """Run to the horizon; ``progress(day, horizon)`` is called after each day if given."""
        with _collector_paused():
            while self.running:
                self.step()
                if progress is not None:
                    progress(self.day, self.cfg.sim.horizon_days)
        self.finalize()

    def finalize(self) -> None:
        """Log the tickets still open at the horizon (unresolved rows)."""
        if self.recorder.tickets is None:
            return
        open_tickets = {}
        for person in self.staff:
            if person.ticket is not None:
                open_tickets[person.ticket.id] = person.ticket
        for d in self.desks.values():
            for t in d.queued_tickets():
                self.engine.add_queue_time(t, self.engine.now)  # queued at the horizon
                open_tickets[t.id] = t
        for _, _, kind, obj, _ in self.engine.heap:
            if kind == 1:  # READY
                open_tickets[obj.id] = obj
        for t in sorted(open_tickets.values(), key=lambda t: t.id):
            t.resolver = None
            self.recorder.tickets.append(self.recorder.row(t))

    # --- pilot ------------------------------------------------------------------------------
    def _choose_pilot_arms(self) -> None:
        p = self.cfg.org.pilot
        seg = [c for c in self.customers if c.segment == p.segment]
        u = self.streams["customers"].random(len(seg))
        for c, x in zip(seg, u, strict=True):
            c.pilot_arm = "treated" if x < p.treated_share else "control"

    def _pilot_work(self, person, ticket, t: float) -> None:
        """Work hook (pilot design): hours and their salary value spent on each arm's tickets
        created inside the pilot window (salary / paid hours a year: idle time not counted)."""
        arm = ticket.customer.pilot_arm
        p = self.cfg.org.pilot
        if arm not in self.pilot_work or not 24.0 * p.start_day <= ticket.created_h < 24.0 * (
                p.start_day + p.duration_days):
            return
        acc = self.pilot_work[arm]
        acc[0] += person.piece_h
        acc[1] += person.piece_h * person.salary / self.talent.paid_h_per_year

    def pilot_summary(self) -> dict:
        """Per-arm work cost of the pilot window (``pilot_<arm>_work_hours``, ``_work_cost``, and
        ``_cost_per_head``: the hours-weighted loaded salary of the people who did the work)."""
        if self.cfg.org.design != "pilot":
            return {}
        out = {}
        for arm, (hours, cost) in self.pilot_work.items():
            out[f"pilot_{arm}_work_hours"] = hours
            out[f"pilot_{arm}_work_cost"] = cost
            out[f"pilot_{arm}_cost_per_head"] = (cost / hours * self.talent.paid_h_per_year
                                                 if hours > 0 else float("nan"))
        return out

    def _start_pilot(self) -> None:
        p = self.cfg.org.pilot
        l2 = sorted(self.desks["l2"].members, key=lambda s: (-s.mean_proficiency(), s.unique_id))
        pod = self.desks["pilot_pod"]
        regular = pod.keys
        for person in l2[: p.pod_size]:
            person.certified = regular
            self.engine.move(person, pod)
        self.engine.policy.active = True

    def _end_pilot(self) -> None:
        pod, l2 = self.desks["pilot_pod"], self.desks["l2"]
        self.engine.policy.active = False
        pod.redirect = l2  # replies and returns for the pod now go to L2
        for ticket in pod.drain():  # queued treated tickets are handed back to L2
            self.engine.handoff(ticket, pod, l2, 0, None, self.engine.now, False)
        for person in list(pod.members):
            if person.role == Role.L2:
                person.certified = tuple(range(self.cfg.product.domains))
            self.engine.move(person, person.home_desk)

    # --- views ------------------------------------------------------------------------------
    @property
    def headcount(self) -> dict:
        """People on the floor by role (hires still onboarding not counted)."""
        counts = dict.fromkeys(Role, 0)
        for s in self.active_staff:
            counts[s.role] += 1
        return counts

