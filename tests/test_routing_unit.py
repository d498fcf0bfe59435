"""Unit tier: each design's routing policy built from explicit inputs (no ``TierSimModel``).

A policy needs its parameters (:class:`RoutingParams`, minimal defaults), the desks, an engine
and its draws; the tests fix the uniform draw to decide each branch.
"""

from __future__ import annotations

import dataclasses

import networkx as nx
import pytest
from unit_stubs import Seq, StubCustomer, StubPerson, draws, engine, staffed, ticket

from agents.staff import Role
from model.config import Config
from model.desks import Desk
from model.engine import PresetArrivals
from model.routing import (
    ASK,
    ESCALATE,
    POLICIES,
    RESOLVE,
    RETURN,
    SCRIPT_CLOSE,
    GeneralistPolicy,
    PilotPolicy,
    RoutingParams,
    TieredPolicy,
    routing_params,
)

P = RoutingParams()  # the minimal rule set: mandate 0.5, no overhead, no asks, no reopens


def tiered_desks(prof_l1: float = 0.8) -> dict[str, Desk]:
    return {
        "l1": staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1, Role.L1, prof_l1)),
        "l2": staffed(Desk("l2", "l2", 2, (0,)), StubPerson(2, Role.L2, 1.0)),
        "engineering": staffed(Desk("engineering", "engineering", 3, (0,)),
                               StubPerson(3, Role.ENGINEER, 1.0)),
        "specialists": staffed(Desk("specialists", "specialist", 3, (0,)),
                               StubPerson(4, Role.SPECIALIST, 1.0)),
    }


def build(cls=TieredPolicy, params=P, desks=None, u=0.5, **kw):
    """A policy over ``desks`` with its engine, fed the uniform draw(s) ``u``."""
    desks = desks if desks is not None else tiered_desks()
    e = engine(*desks.values())
    pol = cls(params, desks, e, draws(u), **kw)
    e.policy = pol
    return pol, e


def run(pol, e, *tickets):
    e.arrivals = PresetArrivals(list(tickets))
    e.run_until(1e6)


# --- tiered ------------------------------------------------------------------------------------
def test_tiered_intake_is_always_l1():
    pol, _ = build()
    assert pol.intake(ticket(specialist=True)) == (pol.l1_desk, 0, None)


def test_tiered_l1_resolves_within_mandate_when_the_draw_is_below_proficiency():
    pol, _ = build(u=0.79)  # prof 0.8: resolve iff u < 0.8
    l1_person = pol.l1_desk.members[0]
    t = ticket(complexity=0.4, work_h=2.0)
    assert pol.plan(t, l1_person, 0.0) == 2.0 and t.action == RESOLVE
    pol.u = Seq(0.81)
    t = ticket(complexity=0.4, work_h=2.0)
    pol.plan(t, l1_person, 0.0)
    assert t.action == ESCALATE and t.target == (pol.l2_desk, 0, None)


def test_tiered_l1_escalates_beyond_mandate_without_a_draw():
    u = Seq(0.0)  # would resolve, if a draw were taken
    pol, _ = build(u=u, params=dataclasses.replace(P, triage_h=0.25, writeup_h=0.1))
    t = ticket(complexity=0.6, work_h=2.0)
    hours = pol.plan(t, pol.l1_desk.members[0], 0.0)
    assert t.action == ESCALATE and t.target[0] is pol.l2_desk
    assert hours == pytest.approx(0.25 + 0.1)  # triage + write-up
    assert u.calls == 0  # common random numbers: no routing draw spent on it


def test_tiered_end_to_end_within_and_beyond_mandate():
    pol, e = build(u=0.1)
    inside, beyond = ticket(1, complexity=0.3, work_h=1.0), ticket(2, complexity=0.9, work_h=1.0)
    run(pol, e, inside, beyond)
    assert inside.resolver.role == Role.L1 and inside.handoffs == 0 and inside.max_level == 1
    assert beyond.resolver.role == Role.L2 and beyond.handoffs == 1 and beyond.max_level == 2
    # L1 triages beyond-mandate work for min(work, triage_h) = 0 h, then L2 works it for 1 h
    assert beyond.resolved_h == pytest.approx(2.0)  # after inside's hour at L1


def test_tiered_slower_novice_multiplies_handle_time():
    params = dataclasses.replace(P, novice_multiplier=3.0)
    pol, _ = build(params=params, desks=tiered_desks(prof_l1=0.5), u=0.0)
    t = ticket(complexity=0.1, work_h=2.0)
    assert pol.plan(t, pol.l1_desk.members[0], 0.0) == pytest.approx(2.0 * (1 + 2.0 * 0.5))


def test_tiered_specialist_ticket_goes_l1_l2_specialists():
    pol, e = build(u=0.0)
    t = ticket(specialist=True, complexity=0.1)
    run(pol, e, t)
    assert t.resolver.role == Role.SPECIALIST and t.handoffs == 2
    assert t.handed_from == ["l1", "l2"] and t.max_level == 3


def test_tiered_bug_goes_to_engineering_and_back_to_the_escalating_l2_person():
    pol, e = build(u=0.0)
    t = ticket(needs_eng=True, eng_work_h=4.0, complexity=0.9)
    run(pol, e, t)
    l2_person = pol.l2_desk.members[0]
    assert t.fixed and t.resolver is l2_person and t.max_level == 3
    # l1 -> l2 -> engineering -> l2: the L2 -> L3 -> L2 return trip is no ping-pong
    assert t.handoffs == 3 and t.eng_return and not t.pingpong
    assert t.resolved_h == pytest.approx(4.0)  # triage and diagnosis are capped at 0 h here


def test_tiered_on_pattern_scripted_ticket_is_resolved_at_script_speed():
    params = dataclasses.replace(P, script_time_factor=0.5)
    pol, _ = build(params=params, scripted=[True], u=0.99)
    t = ticket(on_pattern=True, complexity=0.9, work_h=2.0)
    assert pol.plan(t, pol.l1_desk.members[0], 0.0) == 1.0 and t.action == RESOLVE


def test_tiered_script_close_of_an_off_pattern_ticket_under_load():
    params = dataclasses.replace(P, script_close_max_p=1.0, script_close_half_load=1.0)
    pol, _ = build(params=params, scripted=[True], u=0.4)
    pol.l1_desk.push(ticket(9), 0, 0)  # load 1 per person: p = 1.0 * 1 / (1 + 1) = 0.5
    t = ticket(on_pattern=False, complexity=0.9)
    pol.plan(t, pol.l1_desk.members[0], 0.0)
    assert t.action == SCRIPT_CLOSE


def test_l2_pushes_back_within_mandate_once():
    params = dataclasses.replace(P, push_back_p=1.0)
    pol, _ = build(params=params, u=0.0)
    t = ticket(complexity=0.2)
    pol.plan(t, pol.l2_desk.members[0], 0.0)
    assert t.action == ESCALATE and t.target[0] is pol.l1_desk and t.pushed_back
    pol.plan(t, pol.l1_desk.members[0], 0.0)
    assert t.action == RESOLVE  # L1 must finish what L2 sent back


def test_an_l1_l2_l1_bounce_is_pingpong_not_an_engineering_return():
    """L1 escalates (draw 0.9 >= proficiency 0.8), L2 pushes it back (0.9 < 1), L1 resolves:
    L1 gets back a ticket it handed away."""
    pol, e = build(params=dataclasses.replace(P, push_back_p=1.0), u=0.9)
    t = ticket(complexity=0.2)
    run(pol, e, t)
    assert t.handoffs == 2 and t.handed_from == ["l1", "l2"] and t.resolver.role == Role.L1
    assert t.pingpong and not t.eng_return


def test_a_false_bug_sent_back_by_engineering_is_an_engineering_return():
    """L2 reports a bug that is none (false_bug_p = 1, draw 0); engineering bounces it back to
    L2, which resolves it: a return from engineering, not ping-pong."""
    params = dataclasses.replace(P, false_bug_p=1.0)
    pol, e = build(params=params, u=0.0)
    pol.l2_desk.members[0].proficiency = [0.0, 0.0]  # unsure L2: p = false_bug_p x (1 - 0)
    t = ticket(complexity=0.9)
    run(pol, e, t)
    assert t.eng_checked and not t.fixed and t.max_level == 3 and t.handoffs == 3
    assert t.resolver.role == Role.L2 and t.eng_return and not t.pingpong


def test_bernoulli_mode_takes_one_draw_per_l1_decision():
    params = dataclasses.replace(P, bernoulli=True, escalation_p=0.3, l2_work_factor=2.0)
    u = Seq(0.2, 0.5)
    pol, _ = build(params=params, u=u)
    a, b = ticket(1, work_h=1.0), ticket(2, work_h=1.0)
    pol.plan(a, pol.l1_desk.members[0], 0.0)
    pol.plan(b, pol.l1_desk.members[0], 0.0)
    assert (a.action, b.action, u.calls) == (ESCALATE, RESOLVE, 2)
    assert pol.plan(a, pol.l2_desk.members[0], 0.0) == 2.0 and a.action == RESOLVE


def test_info_request_asks_the_customer_on_the_first_look_only():
    params = dataclasses.replace(P, info_request_p=0.5, reexplain_h=0.2)
    pol, _ = build(params=params, u=0.1)
    t = ticket(complexity=0.1)
    assert pol.plan(t, pol.l1_desk.members[0], 0.0) == 0.2
    assert t.action == ASK and t.contacts == 2 and t.asked_info
    pol.plan(t, pol.l1_desk.members[0], 0.0)
    assert t.action == RESOLVE


def test_context_loss_uses_the_org_graph_edge_multiplier():
    g = nx.DiGraph()
    g.add_edge("l1", "l2", context_loss=0.5)
    params = dataclasses.replace(P, context_loss_p=1.0, context_retention=0.9, writeup_h=0.0)
    for u, lost in ((0.49, True), (0.51, False)):
        pol, e = build(params=params, org_graph=g, u=0.0)
        pol.l2_desk.set_busy(pol.l2_desk.members[0])  # the ticket waits in L2's queue
        t = ticket(complexity=0.9)
        t.desk = pol.l1_desk
        pol.plan(t, pol.l1_desk.members[0], 0.0)
        pol.u = Seq(u)
        pol.finish(t, pol.l1_desk.members[0], 0.0)
        assert t.context_lost is lost and t.desk is pol.l2_desk and pol.l2_desk.queued == 1
        assert t.context == (1.0 if lost else 0.9)


def test_a_fix_that_does_not_hold_reopens_after_the_delay():
    params = dataclasses.replace(P, reopen=True, wrong_fix_reopen_p=1.0, reopen_delay_h=24.0)
    pol, e = build(params=params, desks=tiered_desks(prof_l1=0.5), u=Seq(0.0, 0.3, 0.9))
    t = ticket(complexity=0.1, work_h=1.0)
    run(pol, e, t)
    # L1 resolves (u=0 < 0.5); reopen p = 1.0 * (1 - 0.5) = 0.5 > 0.3: reopens 24 h later;
    # second pass resolves again, then u=0.9 >= 0.5: the fix holds
    assert t.reopened == 1 and t.resolved_h == pytest.approx(1.0 + 24.0 + 1.0)


# --- generalist --------------------------------------------------------------------------------
def generalist_desks() -> dict[str, Desk]:
    pods = [staffed(Desk(f"pod_{i}", "pod", 2, (0, 1)),
                    StubPerson(10 + 2 * i, Role.GENERALIST, certified=(0,)),
                    StubPerson(11 + 2 * i, Role.GENERALIST, certified=(0, 1 - i)))
            for i in range(2)]  # pod_0 serves domains 0 and 1; pod_1 only domain 0
    desks = {d.name: d for d in pods}
    desks["specialists"] = staffed(Desk("specialists", "specialist", 3, (0,)),
                                   StubPerson(4, Role.SPECIALIST))
    desks["engineering"] = staffed(Desk("engineering", "engineering", 3, (0,)),
                                   StubPerson(3, Role.ENGINEER))
    return desks


def test_generalist_sends_a_specialist_domain_ticket_to_specialists_at_intake():
    pol, e = build(GeneralistPolicy, desks=generalist_desks(), u=0.0)
    t = ticket(specialist=True, customer=StubCustomer(pod=0))
    assert pol.intake(t) == (pol.spec, 0, None)
    run(pol, e, t)
    assert t.resolver.role == Role.SPECIALIST and t.handoffs == 0


def test_generalist_routes_to_the_customers_pod_and_named_owner():
    desks = generalist_desks()
    owner = desks["pod_0"].members[1]
    c = StubCustomer(pod=0, owner=owner)
    named = dataclasses.replace(P, named_ownership=True)
    pol, _ = build(GeneralistPolicy, params=named, desks=desks)
    assert [d.name for d in pol.pods] == ["pod_0", "pod_1"]  # by default the pod desks
    assert pol.intake(ticket(domain=1, customer=c)) == (desks["pod_0"], 1, owner)
    pol, _ = build(GeneralistPolicy, desks=desks)  # pod ownership: no preferred person
    assert pol.intake(ticket(domain=1, customer=c)) == (desks["pod_0"], 1, None)


def test_generalist_sends_a_domain_the_pod_does_not_cover_to_a_pod_that_does():
    desks = generalist_desks()
    pol, _ = build(GeneralistPolicy, desks=desks, pods=[desks["pod_0"], desks["pod_1"]])
    assert pol.intake(ticket(domain=1, customer=StubCustomer(pod=1))) == (desks["pod_0"], 1, None)


def test_generalist_owner_resolves_and_takes_bugs_to_engineering_and_back():
    pol, e = build(GeneralistPolicy, desks=generalist_desks(), u=0.0)
    t = ticket(needs_eng=True, eng_work_h=2.0, complexity=0.9, customer=StubCustomer(pod=0))
    run(pol, e, t)
    assert t.fixed and t.resolver.role == Role.GENERALIST and t.handoffs == 2
    assert t.handed_from == ["pod_0", "engineering"]
    # owner -> engineering -> owner: an engineering return, not ping-pong (the tiered rule)
    assert t.eng_return and not t.pingpong


# --- pilot -------------------------------------------------------------------------------------
def pilot_desks() -> dict[str, Desk]:
    desks = tiered_desks()
    desks["pilot_pod"] = Desk("pilot_pod", "pod", 2, (0, 1))
    return desks


def test_pilot_is_tiered_until_the_pilot_runs_then_treated_tickets_go_to_the_pod():
    pol, _ = build(PilotPolicy, desks=pilot_desks())
    treated, control = StubCustomer(1, pilot_arm="treated"), StubCustomer(2, pilot_arm="control")
    assert pol.intake(ticket(domain=1, customer=treated)) == (pol.l1_desk, 0, None)
    pol.active = True
    assert pol.intake(ticket(domain=1, customer=treated)) == (pol.pod, 1, None)
    assert pol.intake(ticket(domain=1, customer=control)) == (pol.l1_desk, 0, None)
    assert pol.intake(ticket(specialist=True, customer=treated)) == (pol.spec, 0, None)


def test_pilot_pod_owns_a_treated_ticket_beyond_the_l1_mandate():
    desks = pilot_desks()
    pol, e = build(PilotPolicy, desks=desks, u=0.0)
    e.move(desks["l2"].members[0], desks["pilot_pod"])
    desks["pilot_pod"].members[0].certified = (0, 1)
    pol.active = True
    t = ticket(complexity=0.9, customer=StubCustomer(1, pilot_arm="treated"))
    run(pol, e, t)
    assert t.resolver.desk is desks["pilot_pod"] and t.handoffs == 0 and t.max_level == 2


# --- parameters from the config ----------------------------------------------------------------
def test_routing_params_read_the_config_in_hours_and_apply_the_overhead_switch():
    cfg = Config()
    p = routing_params(cfg)
    assert p.mandate == cfg.org.l1.mandate_complexity
    assert p.triage_h == cfg.org.l1.triage_minutes / 60
    assert p.writeup_h == cfg.org.handoff.writeup_minutes / 60
    assert p.named_ownership == (cfg.org.ownership == "named")
    cfg.mechanisms.handoff_overhead = False
    p = routing_params(cfg)
    assert (p.writeup_h, p.rebuild_h, p.context_loss_p, p.context_retention) == (0, 0, 0, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.mandate = 1.0  # type: ignore[misc]


def test_every_design_has_a_policy():
    assert set(POLICIES) == {"tiered", "generalist", "pilot"}
    for design, desks in (("tiered", tiered_desks()), ("generalist", generalist_desks()),
                          ("pilot", pilot_desks())):
        pol, _ = build(POLICIES[design], desks=desks)
        assert pol.params is P and pol.rules.keys() >= {"l1", "l2", "pod", "specialist"}


def test_return_action_goes_to_the_fallback_desk_when_the_escalating_desk_is_gone():
    desks = pilot_desks()
    pol, _ = build(PilotPolicy, desks=desks)
    t = ticket(needs_eng=True, eng_work_h=1.0)
    t.escalator = (desks["pilot_pod"], None)  # dissolved: no members
    t.desk = desks["engineering"]
    pol.plan(t, desks["engineering"].members[0], 0.0)
    assert t.action == RETURN and t.target == (pol.l2_desk, 0, None) and t.fixed
