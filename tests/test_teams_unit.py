"""Unit tier: teams by product area, triage mis-routes, lateral bounces and the assignment lag
(docs/ODD.md §7.8a-c), in hand-made scenarios with stub people and real desks.
"""

from __future__ import annotations

import dataclasses

import pytest
from unit_stubs import Seq, StubPerson, draws, engine, staffed, ticket

from agents.staff import Role
from model.desks import Desk
from model.engine import PresetArrivals
from model.org import team_areas, team_names, team_sizes
from model.routing import Draws, RoutingParams, TieredPolicy

P = RoutingParams(triage_h=0.25)


def team(name: str, kind: str, level: int, area: tuple[int, ...], uid: int,
         prof: float = 1.0, role: Role = Role.L2) -> Desk:
    d = staffed(Desk(name, kind, level, (0,)), StubPerson(uid, role, prof, domains=4))
    d.area = frozenset(area)
    return d


def teams_org(n_l1: int = 1, n_l2: int = 3, prof_l1: float = 0.5) -> dict[str, Desk]:
    """One L1 desk (or ``n_l1`` L1 teams) and ``n_l2`` L2 teams over 4 domains."""
    desks: dict[str, Desk] = {}
    if n_l1 == 1:
        desks["l1"] = staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1, Role.L1, prof_l1, 4))
    else:
        for i, area in enumerate(team_areas(4, n_l1)):
            desks[f"l1_{i}"] = team(f"l1_{i}", "l1", 1, area, 10 + i, prof_l1, Role.L1)
    for i, area in enumerate(team_areas(4, n_l2)):
        desks[f"l2_{i}"] = team(f"l2_{i}", "l2", 2, area, 20 + i)
    return desks


def build(desks, params=P, u=0.99, team_u=0.99, lag=None):
    e = engine(*desks.values())
    d = draws(u)
    pol = TieredPolicy(params, desks, e, Draws(d.u, d.exp, d.work_exp,
                                                team_u if callable(team_u) else Seq(team_u)))
    e.policy = pol
    if lag is not None:
        e.set_lag(lag)
    return pol, e


def run(e, *tickets):
    e.arrivals = PresetArrivals(list(tickets))
    e.run_until(1e6)


# --- teams ----------------------------------------------------------------------------------
def test_one_team_is_the_kind_itself_and_areas_partition_the_domains():
    assert team_names("l2", 1) == ["l2"]
    assert team_names("l2", 3) == ["l2_0", "l2_1", "l2_2"]
    areas = team_areas(8, 3)
    assert areas == [(0, 1, 2), (3, 4, 5), (6, 7)]
    assert sorted(d for a in areas for d in a) == list(range(8))


def test_team_sizes_split_evenly_without_a_measured_load():
    assert team_sizes("l2", 3, 11, None, None) == [4, 4, 3]
    assert team_sizes("l2", 1, 11, {"desk_l2": 5.0}, None) == [11]


# --- mis-routes -----------------------------------------------------------------------------
def test_without_misroutes_a_ticket_goes_to_its_home_team_and_takes_no_team_draw():
    desks = teams_org()
    counter = Seq(0.0)
    pol, e = build(desks, team_u=counter)
    t = ticket(domain=3, complexity=0.9)
    run(e, t)
    assert t.handoffs == 1 and t.max_level == 2 and t.desk is desks["l2_2"]
    assert counter.calls == 0


@pytest.mark.parametrize("u, wrong", [(0.29, True), (0.31, False)])
def test_the_misroute_probability_is_base_x_unfamiliarity_x_complexity(u, wrong):
    # 0.8 x (1 - 0.5) x (0.5 + 0.25) = 0.3
    params = dataclasses.replace(P, misroute_p=0.8)
    desks = teams_org(prof_l1=0.5)
    pol, e = build(desks, params)
    pol.team_u = Seq(u, 0.0)
    t = ticket(domain=0, complexity=0.25)
    assert (pol.route_to("l2", t, 0.5) is not desks["l2_0"]) is wrong


def test_a_misrouted_ticket_bounces_laterally_to_its_team_with_the_read_in_time():
    params = dataclasses.replace(P, misroute_p=1.0, writeup_h=0.1)
    desks = teams_org(prof_l1=0.0)
    # the L1 escalation: misroute (0.0 < p), then the first other team (l2_1); no lateral draw
    pol, e = build(desks, params, team_u=Seq(0.0, 0.0, 0.99))
    t = ticket(domain=0, complexity=0.9, work_h=2.0)
    run(e, t)
    assert t.handoffs == 2  # L1 -> l2_1 (wrong) -> l2_0 (home)
    assert t.resolver is desks["l2_0"].members[0] and not t.pingpong
    wrong = desks["l2_1"].members[0]
    assert wrong.busy_h == pytest.approx(0.25 + 0.1)  # read-in (triage, at most the work) + write-up


def test_a_wrong_team_may_bounce_to_another_wrong_team_and_back_is_pingpong():
    params = dataclasses.replace(P, misroute_p=1.0, lateral_wrong_p=0.5)
    desks = teams_org(n_l2=4, prof_l1=0.0)  # areas (0,), (1,), (2,), (3,)
    # escalation: misroute to l2_1; at l2_1: lateral wrong -> l2_2; at l2_2: lateral wrong ->
    # l2_1 (the first of the others: l2_1, l2_3); at l2_1: to its home team l2_0
    seq = Seq(0.0, 0.0, 0.1, 0.34, 0.1, 0.0, 0.9)
    pol, e = build(desks, params, team_u=seq)
    t = ticket(domain=0, complexity=0.9)
    run(e, t)
    assert t.handoffs == 4 and t.pingpong
    assert t.resolver is desks["l2_0"].members[0]


def test_the_intake_routes_to_l1_teams_with_the_same_rule():
    params = dataclasses.replace(P, misroute_p=1.0, intake_proficiency=0.0)
    desks = teams_org(n_l1=2, prof_l1=1.0)  # L1 experts: no misroute to L2
    pol, e = build(desks, params, u=0.0, team_u=Seq(0.0, 0.0))
    t = ticket(domain=0, complexity=0.1)  # within the mandate: L1 resolves (u = 0 < prof)
    run(e, t)
    assert t.handoffs == 1 and t.max_level == 1  # l1_1 (wrong) -> l1_0
    assert t.resolver is desks["l1_0"].members[0]


def test_a_push_back_goes_to_the_home_l1_team():
    params = dataclasses.replace(P, push_back_p=1.0)
    desks = teams_org(n_l1=2, prof_l1=0.0)
    pol, e = build(desks, params, u=0.0)
    t = ticket(domain=3, complexity=0.1)
    run(e, t)
    assert t.pushed_back and t.resolver is desks["l1_1"].members[0] and t.pingpong


# --- assignment lag -------------------------------------------------------------------------
def test_a_handed_off_ticket_is_pickable_only_after_the_lag_and_holds_no_one():
    desks = teams_org()
    pol, e = build(desks, lag=lambda: 3.0)
    t = ticket(domain=3, complexity=0.9, work_h=1.0)
    e.arrivals = PresetArrivals([t])
    e.run_until(0.26)  # L1's triage (0.25 h) is done: the ticket sits in l2_2's inbox
    assert e.in_inbox == 1 and e.in_wait == 0 and not desks["l2_2"].queued
    assert all(p.ticket is None for d in desks.values() for p in d.members)
    e.run_until(1e6)
    assert e.in_inbox == 0
    assert t.resolved_h == pytest.approx(0.25 + 3.0 + 1.0)
    assert e.transfer_waits == [pytest.approx(3.0)]


def test_without_a_lag_the_transfer_wait_is_the_queueing_alone():
    desks = teams_org()
    pol, e = build(desks)
    t = ticket(domain=3, complexity=0.9, work_h=1.0)
    run(e, t)
    assert e.transfer_waits == [0.0] and t.resolved_h == pytest.approx(1.25)
