"""Initial sizing (``org.staffing=sized``): measure each desk's load, then build the model staffed
to the target occupancy.

A short measuring run of the same configuration, with every desk at twice its configured
headcount (so nobody queues) and the talent flows (attrition, promotion, hiring, planning)
switched off, measures the working hours each desk spends per working hour of the calendar after
its first week, and its mean hours per piece of work. Each desk then gets the people needed for
that load by the planning rule (:func:`model.pods.staff_for`; none if it was configured with
none). Pods share their load equally and each pod is sized as the desk it is, for its own share
(``org.pods.size``), as headcount planning later reviews it. A pod is also sized per domain
(:func:`model.pods.sized_pod`): its members queue per domain and each is certified in only
``org.pods.breadth`` of them, so each domain d the pod serves needs ``staff_for(R_d)``
*certified* people, at least ``workforce.planning.min_domain_headcount`` [A], where R_d is the
pod's load in d. The world the run measures is the one the model starts in: the product's
history (``product.history_years``) is in place from day 0, so the measuring run sees the
steady-state load, not a burn-in. A line split into teams by
product area (``org.l1.teams``, ``org.l2.teams``) has each team sized for its own measured load
(``desk_<name>``), as each pod is. With
``org.staffing=fixed`` (the default) the configured headcounts are used as they are.

This module stands above the model: it builds a measuring model, then the sized one. The model
never imports it (:func:`build_model` is how a caller gets a model of either staffing mode).
"""

from __future__ import annotations

import copy
from collections import Counter

from model.config import Config
from model.model import TierSimModel
from model.org import team_count, team_sizes
from model.pods import breadth_of, pod_domain_needs, sized_pod, staff_for

PROBE_SCALE = 2  # the measuring run's headcount multiple: enough that queues stay short
PROBE_SKIP_DAYS = 7  # the measuring run's empty-and-idle first week, not measured


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
    hours of the pieces they finished in each domain); and ``piece_h_<kind>``, the mean working
    hours of a piece of work at each desk kind (for the service-level check)."""
    model = TierSimModel(_probe_config(cfg))
    for _ in range(PROBE_SKIP_DAYS):
        model.step()
    pod_h: Counter = Counter()

    def pod_work(person, ticket, t: float) -> None:
        if person.desk is not None and person.desk.kind == "pod":
            pod_h[ticket.domain] += person.piece_h

    model.engine.work_hooks.append(pod_work)
    start = {p.unique_id: p.busy_h for p in model.staff}
    done = {p.unique_id: p.tickets_worked for p in model.staff}
    t0 = model.engine.now
    while model.running:
        model.step()
    per_person_h = model.calendar.working_hours(t0, model.engine.now)
    load: dict[str, float] = {}
    busy_h: Counter = Counter()
    pieces: Counter = Counter()
    for desk in model.desks.values():
        if desk.name == "pilot_pod":
            continue
        busy = sum(p.busy_h - start.get(p.unique_id, 0.0) for p in desk.members)
        busy_h[desk.kind] += busy
        pieces[desk.kind] += sum(p.tickets_worked - done.get(p.unique_id, 0) for p in desk.members)
        load[desk.kind] = load.get(desk.kind, 0.0) + busy / per_person_h
        if desk.area is not None:  # one team of a line split into teams by product area
            load[f"desk_{desk.name}"] = busy / per_person_h
    for kind, n in pieces.items():
        load[f"piece_h_{kind}"] = busy_h[kind] / n if n else 0.0
    total = sum(pod_h.values())
    for d in (model.pods[0].keys if model.pods else ()):
        load[f"pod_domain_{d}"] = load["pod"] * pod_h[d] / total if total > 0 else 0.0
    return load


def sized_config(cfg: Config) -> tuple[Config, dict[str, float]]:
    """``cfg`` with every desk's headcount sized to the target occupancy, and the measured load."""
    load = measure_load(cfg)
    out = copy.deepcopy(cfg)
    o = out.org
    pc = cfg.workforce.planning

    def need(kind: str, configured: int, share: int = 1) -> int:
        """One desk's people for its share of the kind's load (pods split it equally)."""
        if configured <= 0:
            return configured
        return staff_for(load.get(kind, 0.0) / share, pc, load.get(f"piece_h_{kind}", 0.0))

    for kind in ("l1", "l2"):  # a line split into teams: each team sized for its own load
        part = getattr(o, kind)
        n = team_count(part, cfg.product.domains)
        part.headcount = (sum(team_sizes(kind, n, part.headcount, load, pc))
                          if n > 1 else need(kind, part.headcount))
    o.engineering.headcount = need("engineering", o.engineering.headcount)
    o.specialists.headcount = need("specialist", o.specialists.headcount)
    needs = pod_domain_needs(cfg, load)
    if cfg.org.design == "generalist" and o.pods.size and needs is not None:
        o.pods.size = sized_pod(tuple(needs), breadth_of(cfg), o.pods.flexible_share, needs,
                                need("pod", o.pods.size, o.pods.count))
    return out, load


def build_model(cfg: Config, *, collect: bool = False) -> TierSimModel:
    """The model for ``cfg``: with ``org.staffing=sized`` the desks are first sized to the target
    occupancy by a measuring run (:func:`sized_config`); with ``fixed``, as configured."""
    if cfg.org.staffing == "sized":
        sized, load = sized_config(cfg)
        return TierSimModel(sized, collect=collect, sizing_load=load)
    return TierSimModel(cfg, collect=collect)
