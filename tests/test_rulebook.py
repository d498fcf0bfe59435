"""One rulebook for both designs: the designs differ in routing and ownership only.

* Script / knowledge-base speed: whoever works an on-pattern ticket of a scripted class (an L1,
  an L2, a pod owner, a specialist) works it at ``script_time_factor`` x the work; the factor
  takes no draw (common random numbers).
* Pay: the role's wage x ``workforce.salary.loading`` at hire and at day 0 (no raise backdated
  from the drawn tenure of the day-0 staff), then ``annual_raise`` per completed year of tenure
  inside the run, for every role alike; generalist levels carry no pay.
"""

from __future__ import annotations

import dataclasses

import pytest
from unit_stubs import Seq, StubCustomer, StubPerson, draws, engine, staffed, ticket

from agents.staff import Role
from model.desks import Desk
from model.model import TierSimModel
from model.routing import RESOLVE, GeneralistPolicy, RoutingParams, TieredPolicy

# a novice-slowed person (the multiplier matters) and a script at a third of the work
P = RoutingParams(novice_multiplier=2.0, script_time_factor=1 / 3)
PROF = 0.6
MULT = 1.0 + (2.0 - 1.0) * (1.0 - PROF)


def _tiered(u, params):
    desks = {
        "l1": staffed(Desk("l1", "l1", 1, (0,)), StubPerson(1, Role.L1, PROF)),
        "l2": staffed(Desk("l2", "l2", 2, (0,)), StubPerson(2, Role.L2, PROF)),
        "engineering": staffed(Desk("engineering", "engineering", 3, (0,)),
                               StubPerson(3, Role.ENGINEER, PROF)),
        "specialists": staffed(Desk("specialists", "specialist", 3, (0,)),
                               StubPerson(4, Role.SPECIALIST, PROF)),
    }
    return TieredPolicy(params, desks, engine(*desks.values()), draws(u), scripted=[True, False])


def _generalist(u, params):
    desks = {"pod_0": staffed(Desk("pod_0", "pod", 2, (0, 1)),
                              StubPerson(5, Role.GENERALIST, PROF))}
    return GeneralistPolicy(params, desks, engine(*desks.values()), draws(u), scripted=[True, False])


def _work_at(desk_kind: str, t, params: RoutingParams = P):
    """Hours ``plan`` gives for ``t`` at a desk of ``desk_kind`` (the ticket taken to that desk's
    resolving rule), and the uniform draws it took."""
    u = Seq(0.0)
    if desk_kind == "pod":
        pol = _generalist(u, params)
        person = pol.pods[0].members[0]
    else:
        pol = _tiered(u, params)
        person = {"l1": pol.l1_desk, "l2": pol.l2_desk,
                  "specialist": pol.spec}[desk_kind].members[0]
    t.asked_info = True  # the first look's question to the customer is not this test's concern
    hours = pol.plan(t, person, 0.0)
    assert t.action == RESOLVE
    return hours, u.calls


DESKS = ("l1", "l2", "pod", "specialist")


# --- script / knowledge-base speed: unit ------------------------------------------------------
@pytest.mark.parametrize("desk_kind", DESKS)
def test_an_on_pattern_scripted_ticket_takes_script_time_at_every_desk(desk_kind):
    """The same ticket, the same proficiency: the same work time, whoever works it (before: L1
    at the script's speed, L2 and owners at full work)."""
    t = ticket(cls=0, on_pattern=True, complexity=0.9, work_h=3.0,
               customer=StubCustomer(pod=0))
    hours, _ = _work_at(desk_kind, t)
    assert hours == pytest.approx(3.0 * (1 / 3) * MULT)


@pytest.mark.parametrize("desk_kind", DESKS)
@pytest.mark.parametrize("cls, on_pattern", [(0, False), (1, True)])
def test_other_tickets_take_full_work_at_every_desk(desk_kind, cls, on_pattern):
    """Off-pattern tickets of a scripted class, and tickets of a class without a script, take
    the full work (L1 resolving within its mandate)."""
    t = ticket(cls=cls, on_pattern=on_pattern, complexity=0.3 if desk_kind == "l1" else 0.9,
               work_h=3.0, customer=StubCustomer(pod=0))
    hours, _ = _work_at(desk_kind, t)
    assert hours == pytest.approx(3.0 * MULT)


@pytest.mark.parametrize("desk_kind", ("l2", "pod", "specialist"))
def test_the_script_factor_takes_no_draw(desk_kind):
    """Common random numbers: the draws a resolve takes do not depend on the script factor or on
    whether the class has a script."""
    calls = set()
    for cls in (0, 1):
        for factor in (1 / 3, 1.0):
            t = ticket(cls=cls, on_pattern=True, complexity=0.9, work_h=3.0,
                       customer=StubCustomer(pod=0))
            params = dataclasses.replace(P, script_time_factor=factor)
            calls.add(_work_at(desk_kind, t, params)[1])
    assert len(calls) == 1


# --- pay: one rule for every role ---------------------------------------------------------------
def _expected(model, role: Role, raises: int) -> float:
    s = model.cfg.workforce.salary
    return getattr(s, role.value) * s.loading * (1.0 + s.annual_raise) ** raises


@pytest.mark.parametrize("design", ["tiered", "generalist", "pilot"])
def test_everyone_starts_at_the_role_salary_whatever_their_drawn_tenure(small_cfg, design):
    """At day 0 and through the first reviews (day 29, 59: generalists with long drawn tenure
    reach senior) nobody is paid other than wage x loading."""
    cfg = small_cfg(design, sim__horizon_days=70, workforce__attrition__initial_tenure_months=120.0)
    model = TierSimModel(cfg)
    for p in model.staff:
        assert p.salary == pytest.approx(_expected(model, p.role, 0)), p.role
    model.run()
    if design == "generalist":
        assert max(p.level for p in model.staff) >= 1  # levels still happen ...
    for p in model.staff:
        if p.promotions == 0 or p.role == Role.GENERALIST:
            assert p.salary == pytest.approx(_expected(model, p.role, 0)), p.role  # ... unpaid


@pytest.fixture(scope="module")
def year_runs(small_cfg):
    """Tiered and generalist on one seed for 400 days, every day-0 person staying (no quits, and
    no redeployment of a desk's lasting surplus)."""
    out = {}
    for design in ("tiered", "generalist"):
        cfg = small_cfg(design, sim__horizon_days=400, mechanisms__attrition=False,
                        workforce__planning__redeploy_after_reviews=0)
        m = TierSimModel(cfg)
        m.run()
        out[design] = m
    return out


def test_after_a_year_an_l1_and_a_generalist_get_the_same_raise(year_runs):
    tiered, gen = year_runs["tiered"], year_runs["generalist"]
    l1 = [p for p in tiered.staff if p.role == Role.L1 and p.hired_day <= 0]
    gens = [p for p in gen.staff if p.role == Role.GENERALIST and p.hired_day <= 0]
    assert l1 and gens
    r = tiered.cfg.workforce.salary.annual_raise
    assert r > 0
    for model, people in ((tiered, l1), (gen, gens)):
        for p in people:
            assert p.raises == 1
            assert p.salary / _expected(model, p.role, 0) == pytest.approx(1.0 + r)


@pytest.mark.parametrize("design", ["tiered", "generalist"])
def test_nobody_gets_more_raises_than_completed_years_in_the_run(small_cfg, design):
    """With churn (hires at any day) over 800 days: raises = completed years of tenure inside
    the run, and pay = the role's rule after those raises (a promoted L1 is paid as L2)."""
    cfg = small_cfg(design, sim__horizon_days=800, workforce__attrition__annual__l1=0.8,
                    workforce__attrition__annual__generalist=0.6,
                    workforce__attrition__initial_tenure_months=60.0)
    model = TierSimModel(cfg)
    model.run()
    talent = model.talent
    last = cfg.sim.horizon_days - 1
    seen = set()
    for p in model.staff:
        end = p.left_day if p.left_day is not None else last
        years = talent.years_in_run(p, end)
        assert p.raises == years <= (end - max(p.hired_day, 0)) // 365
        assert p.salary == pytest.approx(_expected(model, p.role, p.raises))
        seen.add(p.raises)
    assert {0, 1, 2} <= seen  # hires, and day-0 staff with two years in the run


def test_the_loading_multiplies_every_roles_pay_and_nothing_else(small_cfg):
    """Pay does not feed behaviour: doubling the loading doubles the salary bill exactly."""
    costs = []
    for loading in (1.42, 2.84):
        m = TierSimModel(small_cfg("tiered", sim__horizon_days=60,
                                   workforce__salary__loading=loading))
        m.run()
        costs.append(m.talent.cost_salary)
    assert costs[1] == pytest.approx(2.0 * costs[0])


# --- directional, paired seeds ------------------------------------------------------------------
def test_pods_work_faster_with_faster_scripts_on_paired_seeds(small_cfg):
    """The script speed now reaches pod owners: a faster script lowers the hours generalists
    spend on tickets on every paired seed (before: no effect on the generalist design)."""
    for seed in (0, 1, 2):
        busy = []
        for factor in (1.0, 0.25):
            m = TierSimModel(small_cfg("generalist", seed=seed, org__l1__script_time_factor=factor,
                                       mechanisms__learning=False))
            m.run()
            busy.append(sum(p.busy_h for p in m.staff if p.role == Role.GENERALIST))
        assert busy[1] < 0.95 * busy[0], (seed, busy)


# --- assignment lag and teams: one rule for every hand-off in either design -----------------
@pytest.mark.parametrize("design", ["tiered", "generalist"])
def test_the_assignment_lag_applies_to_every_hand_off_in_both_designs(small_cfg, design):
    """With a constant lag (sigma 0) of 2 working hours, no ticket is picked up sooner than 2
    calendar hours after any hand-off, in either design; without it, some are."""
    waits = {}
    for lag in (0.0, 2.0):
        cfg = small_cfg(design, org__handoff__lag_median_hours=lag, org__handoff__lag_sigma=0.0)
        m = TierSimModel(cfg)
        m.run()
        waits[lag] = m.engine.transfer_waits
    assert waits[2.0] and min(waits[2.0]) >= 2.0 - 1e-9
    assert min(waits[0.0]) < 2.0


def test_the_org_graph_has_lateral_edges_with_their_context_loss(small_cfg):
    from model.org import team_areas
    cfg = small_cfg("tiered", org__l1__teams=1, org__l2__teams=3,
                    org__handoff__lateral_context_loss=0.5)
    m = TierSimModel(cfg)
    g = m.org_graph
    assert g.edges["l2_0", "l2_2"]["context_loss"] == 0.5
    assert g.edges["l1", "l2_1"]["context_loss"] == 1.0
    assert {m.desks[n].area for n in ("l2_0", "l2_1", "l2_2")} == {
        frozenset(a) for a in team_areas(cfg.product.domains, 3)}
    assert sum(len(m.desks[n].members) for n in ("l2_0", "l2_1", "l2_2")) == cfg.org.l2.headcount


@pytest.mark.parametrize("design", ["tiered", "pilot"])
def test_teams_by_product_area_run_with_misroutes_in_the_tiered_and_pilot_designs(small_cfg,
                                                                                  design):
    cfg = small_cfg(design, org__l1__teams=2, org__l2__teams=3, org__handoff__misroute_p=0.5,
                    org__handoff__lateral_wrong_p=0.3, org__handoff__lag_median_hours=0.5,
                    org__handoff__lag_sigma=1.5)
    m = TierSimModel(cfg)
    m.run()
    assert m.recorder.n_closed > 0 and m.recorder.n_handoffs > 0
    assert any(d.kind == "l2" and d.area is not None for d in m.desks.values())
    assert m.engine.transfer_waits
