"""Routing policies: where a ticket enters, and what each piece of work decides.

A policy answers two questions for the engine:

* ``intake(ticket)`` — which desk, queue key and preferred person a new (or reopened) ticket
  goes to;
* ``plan(ticket, person, t)`` — how many working hours the next piece of work takes, and what
  happens when it is done (stored on the ticket and executed by ``finish``).

The rule a person follows depends on the *desk* they sit at (``l1``, ``l2``, ``engineering``,
``specialist``, ``pod``), not on their design, so a pilot pod of former L2 staff works as owners
while in the pod. Hand-off parameters (context loss) are attributes of the org graph's edges:
a design is data. Adding a design means adding an intake rule and a graph (``model/org.py``).

A policy is built from explicit inputs: its parameters (``routing_params(cfg)``, a frozen
:class:`RoutingParams`), the desks, the engine it drives and its random draws (:class:`Draws`);
``make_policy(design, model)`` gathers them from a built model. Unit tests build one from a
handful of stub desks and fixed draws (tests/test_routing_unit.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from model.streams import ExpBuffer, UniformBuffer

# actions decided by plan(), executed by finish()
RESOLVE, SCRIPT_CLOSE, ESCALATE, ASK, RETURN = range(5)


@dataclass(frozen=True)
class RoutingParams:
    """The configuration a policy reads, in working hours and probabilities.

    ``routing_params(cfg)`` builds it from a run's config (switches already applied: with
    ``mechanisms.handoff_overhead`` off, the write-up, rebuild and context-loss values are
    neutral). The defaults are a *minimal* rule set for unit tests, not the config's defaults:
    no hand-off overhead, no questions to the customer, no reopenings, no push-backs or false
    bug reports, novices as fast as experts, and an L1 mandate of 0.5.
    """

    novice_multiplier: float = 1.0  # handle time of a novice relative to an expert
    exponential_service: bool = False  # fresh memoryless work on a repeat visit
    mean_work_h: float = 1.0
    bernoulli: bool = False  # escalation.mode: a coin per ticket instead of the mandate rules
    escalation_p: float = 0.0
    bernoulli_reopen_p: float = 0.0
    l2_work_factor: float = 1.0
    mandate: float = 0.5  # L1 resolves up to this complexity
    triage_h: float = 0.0
    script_time_factor: float = 1.0  # on-pattern ticket of a scripted class, any desk
    script_close_max_p: float = 0.0
    script_close_half_load: float = 1.0
    diagnose_h: float = 0.0
    push_back_p: float = 0.0
    false_bug_p: float = 0.0
    writeup_h: float = 0.0
    rebuild_h: float = 0.0
    reexplain_h: float = 0.0
    context_loss_p: float = 0.0
    context_retention: float = 1.0
    info_request_p: float = 0.0
    reply_wait_h: float = 1.0
    close_h: float = 0.0
    reopen: bool = False  # mechanisms.reopen: a fix may not hold
    reopen_delay_h: float = 1.0
    wrong_fix_reopen_p: float = 0.0
    script_reopen_p: float = 0.0
    named_ownership: bool = False  # org.ownership == "named" (generalist intake)
    misroute_p: float = 0.0  # base probability of routing to the wrong team of a kind
    lateral_wrong_p: float = 0.0  # a wrong team bounces it to another wrong team
    intake_proficiency: float = 0.0  # the intake's reading of a ticket (routing to L1 teams)


def routing_params(cfg) -> RoutingParams:
    """The routing parameters of config ``cfg`` (a validated :class:`model.config.Config`)."""
    o, h = cfg.org, cfg.org.handoff
    overhead = cfg.mechanisms.handoff_overhead
    return RoutingParams(
        novice_multiplier=cfg.workforce.novice_multiplier,
        exponential_service=cfg.product.service == "exponential",
        mean_work_h=cfg.product.mean_work_hours,
        bernoulli=o.escalation.mode == "bernoulli",
        escalation_p=o.escalation.p,
        bernoulli_reopen_p=o.escalation.reopen_p,
        l2_work_factor=o.escalation.l2_work_factor,
        mandate=o.l1.mandate_complexity,
        triage_h=o.l1.triage_minutes / 60,
        script_time_factor=o.l1.script_time_factor,
        script_close_max_p=o.l1.script_close_max_p,
        script_close_half_load=o.l1.script_close_half_load,
        diagnose_h=o.l2.diagnose_minutes / 60,
        push_back_p=o.l2.push_back_p,
        false_bug_p=o.l2.false_bug_p,
        writeup_h=h.writeup_minutes / 60 if overhead else 0.0,
        rebuild_h=h.rebuild_minutes / 60 if overhead else 0.0,
        reexplain_h=h.reexplain_minutes / 60,
        context_loss_p=h.context_loss_p if overhead else 0.0,
        context_retention=h.context_retention if overhead else 1.0,
        info_request_p=o.info_request_p,
        reply_wait_h=o.reply_wait_hours,
        close_h=o.close_minutes / 60,
        reopen=cfg.mechanisms.reopen,
        reopen_delay_h=o.reopen_delay_hours,
        wrong_fix_reopen_p=o.wrong_fix_reopen_p,
        script_reopen_p=o.script_reopen_p,
        named_ownership=o.ownership == "named",
        misroute_p=h.misroute_p,
        lateral_wrong_p=h.lateral_wrong_p,
        intake_proficiency=h.intake_proficiency,
    )


@dataclass(frozen=True)
class Draws:
    """The random draws a policy takes, as zero-argument callables: ``u`` Uniform(0, 1)
    (decisions), ``exp`` and ``work_exp`` standard exponential (reply / reopen delays, fresh
    work), ``team_u`` Uniform(0, 1) for the choice of a team (mis-routes and lateral bounces;
    ``None``: ``u``). Tests pass constants; a run draws from its named streams
    (``from_streams``)."""

    u: Callable[[], float]
    exp: Callable[[], float]
    work_exp: Callable[[], float]
    team_u: Callable[[], float] | None = None

    @classmethod
    def from_streams(cls, streams) -> Draws:
        """Batched draws from the ``routing``, ``replies``, ``work`` and ``teams`` streams."""
        return cls(UniformBuffer(streams["routing"]), ExpBuffer(streams["replies"]),
                   ExpBuffer(streams["work"]), UniformBuffer(streams["teams"]))


class _NoScripts:
    """``scripted`` when no issue class has a script."""

    def __getitem__(self, cls: int) -> bool:
        return False


class Policy:
    """Shared rules; subclasses set ``intake``.

    Args:
        params: the routing parameters (``routing_params(cfg)``).
        desks: the desks by name; the rules use ``l1``, ``l2``, ``engineering`` and
            ``specialists`` when present.
        engine: carries out ``finish``'s decisions (``resolve``, ``handoff``, ``wait_customer``).
        draws: the random draws (``Draws.from_streams(streams)`` in a run).
        scripted: per issue class, whether a script exists (the catalogue's ``scripted``);
            ``None``: no class has one.
        org_graph: the org graph, whose edges carry each hand-off route's ``context_loss``
            multiplier; ``None``: every route's multiplier is 1.
    """

    def __init__(self, params: RoutingParams, desks: Mapping, engine, draws: Draws, *,
                 scripted: Sequence[bool] | None = None, org_graph=None) -> None:
        self.params = params
        self.engine = engine
        self.org = org_graph
        self.desks = desks
        self.scripted = scripted if scripted is not None else _NoScripts()
        # copied to plain attributes: the rules read them on the hot path
        p = params
        self.reopen_on = p.reopen
        self.m0 = p.novice_multiplier
        self.exp_mode = p.exponential_service
        self.mean_work = p.mean_work_h
        self.bernoulli = p.bernoulli
        self.esc_p, self.reopen_p = p.escalation_p, p.bernoulli_reopen_p
        self.l2_factor = p.l2_work_factor
        self.mandate = p.mandate
        self.triage_h = p.triage_h
        self.script_factor = p.script_time_factor
        self.script_max = p.script_close_max_p
        self.script_half = p.script_close_half_load
        self.diag_h = p.diagnose_h
        self.push_back_p = p.push_back_p
        self.false_bug_p = p.false_bug_p
        self.writeup_h = p.writeup_h
        self.rebuild_h = p.rebuild_h
        self.reexplain_h = p.reexplain_h
        self.loss_p = p.context_loss_p
        self.retention = p.context_retention
        self.info_p = p.info_request_p
        self.reply_h = p.reply_wait_h
        self.close_h = p.close_h
        self.reopen_delay = p.reopen_delay_h
        self.wrong_fix_p = p.wrong_fix_reopen_p
        self.script_reopen_p = p.script_reopen_p
        self.repeat_odds = None  # f(ticket, person) -> odds ratio on repeat contacts (loyalty.py)
        self.resolve_factor = None  # f(ticket, person) -> factor on the work of resolving
        self._loss: dict[tuple[str, str], float] = {}  # route -> context_loss (_edge_loss)
        self.u, self.exp, self.work_exp = draws.u, draws.exp, draws.work_exp
        self.team_u = draws.team_u if draws.team_u is not None else draws.u
        self.rules = {"l1": self._l1, "l2": self._l2, "engineering": self._engineering,
                      "specialist": self._owner, "pod": self._owner}
        self.eng = desks.get("engineering")
        self.spec = desks.get("specialists")
        self.misroute_p = p.misroute_p
        self.lateral_p = p.lateral_wrong_p
        self.intake_prof = p.intake_proficiency
        # kinds split into teams by product area (desks with an ``area``): the teams, and the
        # team that owns each domain
        self.teams: dict[str, list] = {}
        for d in desks.values():
            if getattr(d, "area", None) is not None:
                self.teams.setdefault(d.kind, []).append(d)
        self.home: dict[str, dict] = {kind: {dom: d for d in ts for dom in d.area}
                                      for kind, ts in self.teams.items()}
        self.l1_desk = desks.get("l1") or (self.teams["l1"][0] if "l1" in self.teams else None)
        self.l2_desk = desks.get("l2") or (self.teams["l2"][0] if "l2" in self.teams else None)

    # --- teams by product area ----------------------------------------------------------------
    def home_team(self, kind: str, ticket):
        """The team of ``kind`` that owns the ticket's domain (the only desk of a kind that is
        not split into teams)."""
        home = self.home.get(kind)
        if home is None:
            return self.l1_desk if kind == "l1" else self.l2_desk
        return home[ticket.domain]

    def route_to(self, kind: str, ticket, proficiency: float):
        """The team of ``kind`` a router whose proficiency in the ticket's domain is
        ``proficiency`` sends it to: its home team, except that with probability
        ``misroute_p x (1 - proficiency) x (0.5 + complexity)`` (at most 1) [A] it reads the
        ticket wrongly and sends it to another team of the kind, uniformly. One rule wherever a
        ticket is routed to one of several teams (L1 triage to L2 teams, the intake to L1
        teams); no draw is taken when the kind is one desk or ``misroute_p`` is 0."""
        home = self.home.get(kind)
        if home is None:
            return self.l1_desk if kind == "l1" else self.l2_desk
        right = home[ticket.domain]
        if self.misroute_p > 0.0:
            p = self.misroute_p * (1.0 - proficiency) * (0.5 + ticket.complexity)
            if self.team_u() < p:
                return self._other_team(kind, (right,))
        return right

    def _other_team(self, kind: str, not_these: tuple):
        others = [d for d in self.teams[kind] if d not in not_these]
        if not others:
            return not_these[0]
        return others[min(int(self.team_u() * len(others)), len(others) - 1)]

    def _bounce(self, ticket, person) -> float:
        """A wrong team's person reads into the ticket (``min(work, triage)``), sees it is not
        their area and hands it laterally: to its home team, or with ``lateral_wrong_p`` (when
        there is another wrong team) to another wrong team, uniformly."""
        desk = ticket.desk
        right = self.home[desk.kind][ticket.domain]
        dst = right
        if (self.lateral_p > 0.0 and len(self.teams[desk.kind]) > 2
                and self.team_u() < self.lateral_p):
            dst = self._other_team(desk.kind, (desk, right))
        return self._escalate(ticket, dst, 0, None,
                              min(self._work(ticket, person), self.triage_h))

    # --- intake -----------------------------------------------------------------------------
    def intake(self, ticket):
        raise NotImplementedError

    # --- work -------------------------------------------------------------------------------
    def plan(self, ticket, person, t: float) -> float:
        """Hours of the next piece of work; sets ``ticket.action`` / ``ticket.target``."""
        hours = 0.0
        new_to_me = person.unique_id not in ticket.touched
        if new_to_me and ticket.touched:
            hours += self.rebuild_h * (2.0 - ticket.context)
        if ticket.needs_explain and new_to_me:
            ticket.explanations += 1
        ticket.needs_explain = False
        if ticket.context_lost:  # nothing usable came with the hand-off: ask the customer again
            ticket.context_lost = False
            ticket.context = 1.0
            ticket.explanations += 1
            ticket.contacts += 1
            ticket.action = ASK
            return hours + self.reexplain_h
        desk = ticket.desk
        if desk is not None and desk.area is not None and ticket.domain not in desk.area:
            # mis-routed: not this team's area
            return hours + self._bounce(ticket, person)
        if not ticket.asked_info:  # the first person to look may need input from the customer
            ticket.asked_info = True
            if self.info_p > 0 and self.u() < self._repeat_p(self.info_p, ticket, person):
                ticket.contacts += 1
                ticket.action = ASK
                return hours + self.reexplain_h
        return hours + self.rules[person.desk.kind](ticket, person)

    def _work(self, ticket, person, factor: float = 1.0) -> float:
        """Expert work x skill multiplier. In exponential mode a repeat visit draws fresh work
        (memoryless: the work left after a failed attempt is again exponential)."""
        if self.exp_mode and ticket.visits > 0:
            w = self.mean_work * self.work_exp()
        else:
            w = ticket.work_h
        return w * factor * self._mult(person, ticket.domain)

    def _resolve_work(self, ticket, person) -> float:
        """The work of resolving ``ticket``: one rule for every desk of every design. An
        on-pattern ticket of a scripted class is worked from the script / knowledge base at
        ``script_time_factor`` x the work, whoever works it (L1, L2, a pod owner, a specialist);
        any other ticket takes the full work. No draw depends on the factor (common random
        numbers). A solution the person can reuse (the ``resolve_factor`` hook: shared fixes of
        correlated problems, model/shared_fixes.py) multiplies the work by its factor."""
        factor = self.script_factor if self.scripted[ticket.cls] and ticket.on_pattern else 1.0
        if self.resolve_factor is not None and ticket.group >= 0:
            factor *= self.resolve_factor(ticket, person)
        return self._work(ticket, person, factor)

    def _mult(self, person, domain: int) -> float:
        """Handle time relative to an expert: 1 + (m0 - 1)(1 - proficiency) (docs/science.md §2),
        slowed while the person mentors a newcomer."""
        return (1.0 + (self.m0 - 1.0) * (1.0 - person.proficiency[domain])) * person.slowdown

    def _escalate(self, ticket, dst, key, preferred, hours: float) -> float:
        ticket.action = ESCALATE
        ticket.target = (dst, key, preferred)
        return hours + self.writeup_h

    # --- rules by desk kind -----------------------------------------------------------------
    def _l1(self, ticket, person) -> float:
        if self.bernoulli:
            h = self._work(ticket, person)
            if self.u() < self.esc_p:
                ticket.action = ESCALATE
                ticket.target = (self.route_to("l2", ticket, person.proficiency[ticket.domain]),
                                 0, None)
                return h + self.writeup_h
            ticket.action = RESOLVE
            return h
        prof = person.proficiency[ticket.domain]
        if ticket.pushed_back:  # L2 sent it back down: L1 must finish it
            ticket.action = RESOLVE
            return self._resolve_work(ticket, person)
        triage = min(self._work(ticket, person), self.triage_h)
        if ticket.specialist or ticket.needs_eng:
            return self._escalate(ticket, self.route_to("l2", ticket, prof), 0, None, triage)
        scripted = self.scripted[ticket.cls]
        if scripted and ticket.on_pattern:
            ticket.action = RESOLVE
            return self._resolve_work(ticket, person)
        if scripted and not ticket.script_failed and self.script_max > 0:
            desk = person.desk
            load = desk.queued / max(len(desk.members), 1)
            if self.u() < self.script_max * load / (load + self.script_half):
                ticket.action = SCRIPT_CLOSE  # script-shaped close of an off-pattern ticket
                return self._work(ticket, person, self.script_factor)
        # within the mandate L1 resolves with probability prof; knowing the customer scales
        # the odds of escalating anyway (1 - prof) by the relationship's odds ratio
        if (ticket.complexity <= self.mandate
                and self.u() < 1.0 - self._repeat_p(1.0 - prof, ticket, person)):
            ticket.action = RESOLVE
            return self._resolve_work(ticket, person)
        return self._escalate(ticket, self.route_to("l2", ticket, prof), 0, None, triage)

    def _l2(self, ticket, person) -> float:
        if self.bernoulli:
            ticket.action = RESOLVE
            return self._work(ticket, person, self.l2_factor)
        if ticket.fixed:
            ticket.action = RESOLVE
            return self.close_h
        diag = min(self._work(ticket, person), self.diag_h)
        if ticket.specialist:
            return self._escalate(ticket, self.spec, 0, None, diag)
        if ticket.needs_eng:
            ticket.escalator = (ticket.desk, person)
            return self._escalate(ticket, self.eng, 0, None, diag)
        if (ticket.complexity <= self.mandate and not ticket.pushed_back
                and self.u() < self.push_back_p):
            ticket.pushed_back = True
            return self._escalate(ticket, self.home_team("l1", ticket), 0, None, diag)
        if (not ticket.eng_checked and ticket.complexity > self.mandate and self.eng is not None
                and self.u() < self._repeat_p(self.false_bug_p
                                              * (1.0 - person.proficiency[ticket.domain]),
                                              ticket, person)):
            ticket.escalator = (ticket.desk, person)
            return self._escalate(ticket, self.eng, 0, None, diag)
        ticket.action = RESOLVE
        return self._resolve_work(ticket, person)

    def _engineering(self, ticket, person) -> float:
        desk, who = ticket.escalator
        if not desk.members:
            # the escalating desk was dissolved (pilot end) or is empty for now: back to the
            # fallback desk if it can take the ticket's domain, else it waits for a hire
            back = self._fallback_desk(ticket)
            if back is not None and back.key_for(ticket) in back.queues:
                desk, who = back, None
        key = desk.key_for(ticket)
        ticket.action, ticket.target = RETURN, (desk, key, who)
        if ticket.needs_eng:
            ticket.fixed = True
            return ticket.eng_work_h * self._mult(person, ticket.domain) + self.writeup_h
        ticket.eng_checked = True  # not a bug: bounce it back
        return min(self._work(ticket, person), self.diag_h) + self.writeup_h

    def _owner(self, ticket, person) -> float:
        """Pods and specialists own the ticket to resolution; bugs go to engineering and back."""
        if ticket.fixed:
            ticket.action = RESOLVE
            return self.close_h
        if ticket.needs_eng and self.eng is not None:
            ticket.escalator = (ticket.desk, person)
            diag = min(self._work(ticket, person), self.diag_h)
            return self._escalate(ticket, self.eng, 0, None, diag)
        ticket.action = RESOLVE
        return self._resolve_work(ticket, person)

    def _fallback_desk(self, ticket):
        return self.home_team("l2", ticket)

    # --- after work -------------------------------------------------------------------------
    def finish(self, ticket, person, t: float) -> None:
        action = ticket.action
        eng = self.engine
        if action in (RESOLVE, SCRIPT_CLOSE):
            ticket.script_closed = action == SCRIPT_CLOSE
            eng.resolve(ticket, person, t, self._reopen_after(ticket, person))
        elif action in (ESCALATE, RETURN):
            dst, key, preferred = ticket.target
            ticket.target = None
            lost = self.loss_p > 0 and self.u() < self.loss_p * self._edge_loss(ticket.desk, dst)
            if not lost:
                ticket.context *= self.retention
            eng.handoff(ticket, ticket.desk, dst, key, preferred, t, lost,
                        returning=action == RETURN)
        else:  # ASK: wait for the customer, then back to the same person if they are free
            desk = ticket.desk
            eng.wait_customer(ticket, self.reply_h * self.exp(), desk, desk.key_for(ticket),
                              person, t)

    def _edge_loss(self, src, dst) -> float:
        """The org graph's ``context_loss`` multiplier of the hand-off route ``src -> dst``
        (looked up once per route: the graph does not change during a run)."""
        route = (src.name, dst.name)
        loss = self._loss.get(route)
        if loss is None:
            loss = 1.0 if self.org is None else self.org.edges[route]["context_loss"]
            self._loss[route] = loss
        return loss

    def _reopen_after(self, ticket, person) -> float | None:
        if self.bernoulli:
            p = self.reopen_p
        elif not self.reopen_on:
            return None
        elif ticket.script_closed:
            p = self.script_reopen_p
        else:
            p = self._repeat_p(self.wrong_fix_p * (1.0 - person.proficiency[ticket.domain]),
                               ticket, person)
        if p <= 0 or self.u() >= p:
            return None
        if self.exp_mode:
            ticket.work_h = self.mean_work * self.work_exp()
        return self.reopen_delay * self.exp()

    def _repeat_p(self, p: float, ticket, person) -> float:
        """``p`` with its odds scaled by the relationship hook (``p`` unchanged without one, or
        when the person does not know the customer). Used for the avoidable extra steps: asking
        the customer again, a fix that does not hold, an L1 escalation, a false bug report."""
        if self.repeat_odds is None:
            return p
        r = self.repeat_odds(ticket, person)
        if r == 1.0 or p >= 1.0:
            return p
        return p * r / (1.0 - p + p * r)


class TieredPolicy(Policy):
    """Every ticket enters the L1 queue."""

    def intake(self, ticket):
        return self.route_to("l1", ticket, self.intake_prof), 0, None


class GeneralistPolicy(Policy):
    """Customers are owned by pods (and, with ``named`` ownership, a named person).

    Specialist-domain tickets go straight to specialists; everything else to the customer's pod,
    to the named owner if they are certified in the domain and free, else to a certified
    pod-mate (covering), else it waits in the pod's queue for that domain.
    """

    def __init__(self, params: RoutingParams, desks: Mapping, engine, draws: Draws, *,
                 pods: Sequence | None = None, scripted: Sequence[bool] | None = None,
                 org_graph=None) -> None:
        super().__init__(params, desks, engine, draws, scripted=scripted, org_graph=org_graph)
        # the model's own list (not a copy); by default the ``pod`` desks in ``desks``' order
        self.pods = pods if pods is not None else [d for d in desks.values() if d.kind == "pod"]
        self.named = params.named_ownership

    def intake(self, ticket):
        if ticket.specialist:
            return self.spec, 0, None
        customer = ticket.customer
        desk = self.pods[customer.pod]
        d = ticket.domain
        if not desk.coverage[d]:  # nobody in the pod serves d (a leaver): a pod that does
            other = max(self.pods, key=lambda p: p.coverage[d])
            return (other, d, None) if other.coverage[d] else (desk, d, None)
        owner = customer.owner if self.named else None
        return desk, d, owner

    def _fallback_desk(self, ticket):  # pragma: no cover - pods are never dissolved
        return self.pods[0]


class PilotPolicy(TieredPolicy):
    """Tiered, except the treated segment's tickets go to the pilot pod while it runs."""

    def __init__(self, params: RoutingParams, desks: Mapping, engine, draws: Draws, *,
                 scripted: Sequence[bool] | None = None, org_graph=None) -> None:
        super().__init__(params, desks, engine, draws, scripted=scripted, org_graph=org_graph)
        self.pod = desks["pilot_pod"]
        self.active = False  # set by the model while the pilot runs

    def intake(self, ticket):
        if self.active and ticket.customer.pilot_arm == "treated":
            if ticket.specialist:
                return self.spec, 0, None
            return self.pod, ticket.domain, None
        return self.route_to("l1", ticket, self.intake_prof), 0, None


POLICIES = {"tiered": TieredPolicy, "generalist": GeneralistPolicy, "pilot": PilotPolicy}


def make_policy(design: str, model) -> Policy:
    """The policy of ``design`` for a built model (its config, desks, engine, catalogue, org
    graph and streams; ``model.pods`` for the generalist design)."""
    try:
        cls = POLICIES[design]
    except KeyError:  # pragma: no cover - validated in config
        raise ValueError(f"unknown org.design {design!r}; known: {', '.join(POLICIES)}") from None
    extra = {"pods": model.pods} if cls is GeneralistPolicy else {}
    return cls(routing_params(model.cfg), model.desks, model.engine,
               Draws.from_streams(model.streams), scripted=model.catalogue.scripted,
               org_graph=model.org_graph, **extra)

