"""The Mesa model: one ``step()`` is one calendar day."""

from __future__ import annotations

import gc
import math
from collections.abc import Sequence
from contextlib import contextmanager

import mesa
import networkx as nx

from agents.customer import Customer
from agents.staff import Role, SupportStaff
from model.calendar import make_calendar
from model.catalogue import build_catalogue
from model.config import Config, validate
from model.correlated import Correlated
from model.customers import Customers
from model.demand import Demand
from model.engine import Engine
from model.feedback import Feedback
from model.mechanism import Hooks, Mechanism, declare_agent_state
from model.network import CustomerNetwork
from model.org import assign_owners, build_org
from model.pilot import Pilot
from model.pods import check_pods
from model.population import CustomerSampler, build_customers
from model.recorder import Recorder
from model.routing import make_policy
from model.shared_fixes import SharedFixes
from model.staffing import Planning
from model.streams import NormalBuffer, Streams
from model.talent import Talent

#: The mechanisms, in the order of their end-of-day processes and of their daily columns. Each
#: is built when its switch is on (``Mechanism.enabled``); every one's KPI function runs.
MECHANISMS = (Pilot, Talent, Planning, Correlated, SharedFixes, Customers, Feedback)
declare_agent_state(MECHANISMS)


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
    2. ``_morning`` — dated changes before work starts (the ``morning`` hooks: the pilot pod
       forms and later hands back);
    3. ``_work_tickets`` — the engine works every ticket event until midnight: arrivals, starts,
       completions, hand-offs, customer replies, reopenings, shift starts;
    4. ``_daily_processes`` — each mechanism's end-of-day process, in the order of
       ``MECHANISMS``: talent (payroll, forgetting, attrition reviews, promotions, hiring),
       headcount planning, customers (renewals, churn, word of mouth), feedback (product
       planning, fixes shipping); monthly and quarterly work runs on its day inside each;
    5. ``_record_day`` — one row of the daily series (and Mesa's DataCollector, for the viz).

    Mechanisms follow one contract (``model/mechanism.py``): each is built from the model,
    then registers on the run's :class:`~model.mechanism.Hooks`, which the engine, the demand,
    the desks, the routing policy and the talent market read. Staff and customers are Mesa
    agents updated by direct calls from the engine; tickets are records on the engine's own heap.
    """

    def __init__(self, cfg: Config, *, collect: bool = False,
                 sizing_load: dict[str, float] | None = None,
                 mechanisms: Sequence[type[Mechanism]] = MECHANISMS) -> None:
        validate(cfg)
        check_pods(cfg)
        if cfg.org.staffing == "sized" and sizing_load is None:
            raise ValueError("org.staffing=sized: build the model with model.sizing.build_model "
                             "(or run it with model.simulate.simulate), which sizes the desks "
                             "before the model is built")
        super().__init__(rng=cfg.seed)
        self.mechanism_kinds = tuple(mechanisms)  # the catalogue (every one's KPIs run)
        declare_agent_state(self.mechanism_kinds)  # before any agent is built (idempotent)
        # measured desk loads (org.staffing=sized: the desks were sized from them)
        self.sizing_load: dict[str, float] = dict(sizing_load or {})
        self.cfg = cfg
        self.streams = Streams(cfg.seed)
        self.day = 0
        self.catalogue = build_catalogue(cfg.product, self.streams["catalogue"],
                                         cfg.sim.horizon_days, self.streams["releases"])
        self.calendar = make_calendar(cfg.sim.calendar, cfg.sim.business_hours, cfg.sim.workdays)
        self.recorder = Recorder(cfg.sim.record_tickets, cfg.sim.record_events,
                                 24.0 * cfg.sim.warmup_days)
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
        if cfg.mechanisms.backup:
            self.engine.set_backup(self.engine.desks, cfg.org.backup_after_hours)
        h = cfg.org.handoff
        if h.lag_median_hours > 0:  # the assignment lag after every hand-off
            normal, med, sigma = NormalBuffer(self.streams["lag"]), h.lag_median_hours, h.lag_sigma
            self.engine.set_lag(lambda: med * math.exp(sigma * normal()))
        if cfg.org.design == "generalist":
            assign_owners(self.customers, self.pods, cfg.org.ownership == "named")
        self.engine.policy = make_policy(cfg.org.design, self)
        self.demand = Demand(cfg, self.catalogue, None, self.streams["demand"],
                             self.streams["tickets"])
        self.hooks = self._hooks()
        self.network = (CustomerNetwork(self, Customers.enabled(cfg))
                        if Customers.enabled(cfg) or Correlated.enabled(cfg) else None)
        self.mechanisms: list = []  # built in schedule order; each then installs its hooks
        for kind in self.mechanism_kinds:
            if kind.enabled(cfg):
                mech = kind(self)
                if kind.name:  # reachable by name for the mechanisms built after it
                    setattr(self, kind.name, mech)
                self.mechanisms.append(mech)
        for mech in self.mechanisms:
            mech.install(self.hooks)
        self._apply_hooks()
        self.initial_headcount = {r.value: n for r, n in self.headcount.items()}
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
        self._morning()
        self._work_tickets()
        self._daily_processes()
        self._record_day()
        self.day += 1
        if self.day >= self.cfg.sim.horizon_days:
            self.running = False

    def _draw_demand(self) -> None:
        self.engine.arrivals = self.demand.day(self.day)
        self.engine.schedule_shifts(self.day)

    def _morning(self) -> None:
        for hook in self.hooks.morning:
            hook(self.day)

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

    # --- hooks -----------------------------------------------------------------------------
    def _hooks(self) -> Hooks:
        """The run's hook registry; the engine and the demand read its lists."""
        hooks = Hooks()
        e, d = self.engine, self.demand
        e.plan_hooks, e.work_hooks, e.close_hooks = hooks.plan, hooks.work, hooks.close
        e.intake_hooks = hooks.intake
        d.filters, d.injectors, d.arrival_hooks = (hooks.demand_filters, hooks.demand_injectors,
                                                   hooks.arrivals)
        return hooks

    def _apply_hooks(self) -> None:
        """What the mechanisms registered that is set once: the demand's population and rate,
        how many requests by name a person holds, the routing policy's odds and resolve-work
        hooks."""
        h = self.hooks
        self.demand.sampler = CustomerSampler(h.population if h.population is not None
                                              else self.customers, self.cfg.product.domains)
        self.demand.scale = h.demand_scale()
        for desk in self.desks.values():
            if desk.kind in h.hold_named:
                desk.hold_cap = h.hold_named[desk.kind]
        self.engine.policy.repeat_odds = h.repeat_odds
        self.engine.policy.resolve_factor = h.resolve_factor

    def summary(self) -> dict:
        """Run-level figures only the live mechanisms know (e.g. the pilot's work cost)."""
        out: dict = {}
        for mech in self.mechanisms:
            out.update(mech.summary())
        return out

    # --- views ------------------------------------------------------------------------------
    @property
    def headcount(self) -> dict:
        """People on the floor by role (hires still onboarding not counted)."""
        counts = dict.fromkeys(Role, 0)
        for s in self.active_staff:
            counts[s.role] += 1
        return counts

