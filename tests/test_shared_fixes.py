"""Shared fixes of correlated problems (``mechanisms.shared_fixes``, model/shared_fixes.py):
the root-cause groups, the reuse rule and the recognition rule (one rule for every desk), the
proactive contacts that keep a pending ticket from arriving, and the switch's neutral cases."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from model.model import TierSimModel
from model.routing import RESOLVE
from model.shared_fixes import SharedFixes
from model.simulate import simulate

#: correlated problems, with the mechanism switched on (it lands off by default for now)
CORR = {"customers__problem_correlation": 0.3, "mechanisms__shared_fixes": True}


def _model(small_cfg, design: str, **kw) -> TierSimModel:
    return TierSimModel(small_cfg(design, seed=3, **{**CORR, **kw}))


def _mech(model) -> SharedFixes:
    return next(m for m in model.mechanisms if isinstance(m, SharedFixes))


def _arrivals(model) -> list:
    arr = model.engine.arrivals
    return [arr.make(i) for i in range(len(arr))]


def test_a_group_is_one_root_cause_at_linked_customers(small_cfg):
    """Every root-cause group (drawn today or pending) is one class, at most one ticket per
    customer, and numbered below the group counter; without correlation no ticket has a group."""
    model = _model(small_cfg, "tiered")
    members: dict[int, list] = {}
    for _ in range(10):
        model._draw_demand()
        for t in _arrivals(model):
            if t.group >= 0:
                members.setdefault(t.group, []).append((t.customer.unique_id, t.cls))
        model.engine.arrivals = None
        model.day += 1
    problems = model.correlated.problems
    pend = problems.pending_cols
    for c, cls, g in zip(pend[0], pend[1], pend[-1], strict=True):
        members.setdefault(g, []).append((c.unique_id, cls))
    assert len(members) > 20
    assert max(members) < problems.next_group
    assert sum(len(v) > 1 for v in members.values()) > 10  # groups seen with their echoes
    for g, rows in members.items():
        assert len({cls for _, cls in rows}) == 1, g
        assert len({c for c, _ in rows}) == len(rows), g
    model0 = _model(small_cfg, "tiered", customers__problem_correlation=0.0)
    model0._draw_demand()
    assert all(t.group == -1 for t in _arrivals(model0))


#: per design, the desk of the solver and their colleague, and another desk
DESKS = {"tiered": ("l2", "l1"), "generalist": ("pod_0", "pod_1")}


@pytest.mark.parametrize("design", ["tiered", "generalist"])
def test_reuse_is_one_rule_whatever_the_design(small_cfg, design):
    """The solver reuses their answer; a colleague at the same desk reuses it when it was noted;
    anyone else, or a group nobody solved, does the full work: the same in either design."""
    for note_p, colleague in ((1.0, 0.3), (0.0, 1.0)):
        model = _model(small_cfg, design, customers__shared_fixes__note_p=note_p)
        mech = _mech(model)
        mine, theirs = DESKS[design]
        solver, mate = model.desks[mine].members[:2]
        stranger = model.desks[theirs].members[0]
        customer = model.customers[0]
        closed = SimpleNamespace(group=5, script_closed=False, resolver=solver,
                                 customer=customer)
        mech.on_close(closed, 0.0)
        t5, t6 = SimpleNamespace(group=5), SimpleNamespace(group=6)
        assert mech.resolve_factor(t5, solver) == 0.3
        assert mech.resolve_factor(t5, mate) == colleague
        assert mech.resolve_factor(t5, stranger) == 1.0
        assert mech.resolve_factor(t6, solver) == 1.0
        # a script-shaped close leaves the problem unsolved: nothing to reuse
        mech.on_close(SimpleNamespace(group=6, script_closed=True, resolver=solver,
                                      customer=customer), 0.0)
        assert mech.resolve_factor(t6, solver) == 1.0


def test_recognition_follows_knowledge_not_the_design(small_cfg):
    """k = 1 for the named owner, ``account_team_knowledge`` for a member of the owning pod, the
    relationship strength for anyone who has one (an L2 person in the tiered design included),
    0 for a stranger."""
    gen = _model(small_cfg, "generalist", org__ownership="named")
    mech = _mech(gen)
    customer = gen.customers[0]
    pod = gen.pods[customer.pod]
    owner = customer.owner
    mate = next(p for p in pod.members if p is not owner)
    outsider = next(p for p in gen.staff if p.desk is not pod)
    assert mech.knows(owner, customer) == 1.0
    assert mech.knows(mate, customer) == gen.cfg.customers.shared_fixes.account_team_knowledge
    assert mech.knows(outsider, customer) == 0.0
    tiered = _model(small_cfg, "tiered")
    tmech = _mech(tiered)
    x = tiered.customers[0]
    l2 = tiered.desks["l2"].members[0]
    assert tmech.knows(l2, x) == 0.0
    x.strengthen(l2, tiered.day, 0.6, tiered.cfg.customers.relationships.half_life_days)
    assert tmech.knows(l2, x) == pytest.approx(0.6)
    outsider.desk = None  # the same strength gives a pod's outsider the same knowledge
    customer.strengthen(outsider, gen.day, 0.6, gen.cfg.customers.relationships.half_life_days)
    assert mech.knows(outsider, customer) == pytest.approx(0.6)


def test_a_resolver_who_knows_reaches_every_pending_customer_and_pays_for_it(small_cfg):
    """With ``recognise_p`` 1 and full knowledge every pending customer of the group is reached
    (``contact_minutes`` each, added to the piece) and their tickets leave the pending list;
    a stranger reaches nobody and adds nothing."""
    model = _model(small_cfg, "tiered", customers__shared_fixes__recognise_p=1.0)
    mech = _mech(model)
    problems = model.correlated.problems
    while not problems.by_group:
        model._draw_demand()
        model.engine.arrivals = None
        model.day += 1
    group, waiting = max(problems.by_group.items(), key=lambda kv: len(kv[1]))
    waiting = list(waiting)
    person = model.desks["l2"].members[0]
    ticket = SimpleNamespace(action=RESOLVE, group=group)
    mech.knows = lambda p, c: 0.0  # a stranger
    assert mech.on_plan(person, ticket, 0.0) == 0.0
    mech.knows = lambda p, c: 1.0
    hours = mech.on_plan(person, ticket, 0.0)
    n = len([c for c in waiting if c.active])
    assert n > 0 and hours == pytest.approx(n * 10.0 / 60.0)
    assert problems.pending_of(group) == [] and mech.day_contacts == n
    model._draw_demand()  # the next day's merge drops them
    assert group not in set(problems.pending_cols[-1])
    assert group not in {t.group for t in _arrivals(model)}


def test_a_reached_customers_ticket_never_arrives(small_cfg):
    """In a whole run, no ticket of a (group, customer) that was reached ever arrives."""
    model = _model(small_cfg, "generalist", customers__shared_fixes__recognise_p=1.0)
    problems = model.correlated.problems
    reached: set = set()
    cancel = problems.cancel

    def spy(group, customer):
        reached.add((group, customer.unique_id))
        cancel(group, customer)

    problems.cancel = spy
    arrived: set = set()
    model.hooks.arrivals.append(lambda times, cols: arrived.update(
        (g, c.unique_id) for c, g in zip(cols[0], cols[-1], strict=True) if g >= 0))
    model.run()
    assert len(reached) > 5
    assert not reached & arrived


def test_off_or_uncorrelated_leaves_the_outputs_alone(small_cfg):
    """Switched off: no column and zero KPIs. With ``problem_correlation`` 0 it has nothing to
    act on: the same summary and tickets as switched off. Without correlated problems it is not
    built."""
    runs = {}
    for corr in (0.0, 0.3):
        for on in (True, False):
            runs[corr, on] = simulate(small_cfg("generalist", seed=4,
                                                customers__problem_correlation=corr,
                                                mechanisms__shared_fixes=on))
    _, s_off, t_off = runs[0.3, False]
    assert "reused_solutions" not in t_off["timeseries"]
    assert s_off["reused_solutions"] == 0 and s_off["proactive_contacts"] == 0
    _, s_on, _ = runs[0.3, True]
    assert s_on["reused_solutions"] > 0
    (_, a, ta), (_, b, tb) = runs[0.0, True], runs[0.0, False]
    assert a["reused_solutions"] == 0 and a["proactive_contacts"] == 0
    assert {k: v for k, v in a.items() if k not in ("wall_seconds", "config_hash")} == {
        k: v for k, v in b.items() if k not in ("wall_seconds", "config_hash")}
    assert ta["tickets"].equals(tb["tickets"])
    model = TierSimModel(small_cfg("tiered", mechanisms__correlated_problems=False,
                                   mechanisms__shared_fixes=True))
    assert not any(isinstance(m, SharedFixes) for m in model.mechanisms)
