"""Directional tests with paired seeds (common random numbers): a change of one knob moves the
outputs in the direction the mechanism implies, on the same tickets."""

from __future__ import annotations

import statistics

import pytest

from model.config import Config, set_key
from model.simulate import simulate

SEEDS = (0, 1, 2)


def _cfg(design: str, seed: int) -> Config:
    c = Config(seed=seed)
    c.org.design = design
    c.sim.horizon_days = 150
    c.sim.warmup_days = 30
    c.sim.progress = False
    c.customers.count = 600
    return c


def _run(cfg: Config) -> dict:
    return simulate(cfg)[1]


def _switched(designs, switch: str, **settings) -> dict:
    """``simulate``'s (model, summary, tables) by (design, switch on, seed): each design on every
    seed of :data:`SEEDS` with ``mechanisms.<switch>`` on and off, ``settings`` (dotted keys
    with ``__``) applied to both."""
    out = {}
    for design in designs:
        for on in (True, False):
            for s in SEEDS:
                c = _cfg(design, s)
                for key, value in {**settings, f"mechanisms__{switch}": on}.items():
                    set_key(c, key.replace("__", "."), value)
                out[design, on, s] = simulate(c)
    return out


@pytest.fixture(scope="module")
def context_loss_runs():
    out = {}
    for design in ("tiered", "generalist"):
        for p in (0.3, 0.6):
            for s in SEEDS:
                c = _cfg(design, s)
                c.org.handoff.context_loss_p = p
                out[design, p, s] = _run(c)
    return out


def test_more_context_loss_slows_tiered(context_loss_runs):
    """Losing context more often on tiered hand-offs means more re-asking: more explanations
    and longer resolution, on every paired seed."""
    for s in SEEDS:
        lo, hi = context_loss_runs["tiered", 0.3, s], context_loss_runs["tiered", 0.6, s]
        assert hi["explanations_per_ticket"] > lo["explanations_per_ticket"]
        assert hi["mean_resolution_h"] > lo["mean_resolution_h"]


def test_context_loss_leaves_generalist_unchanged(context_loss_runs):
    """Owned tickets reach engineering with full context (channel multiplier 0): the generalist
    design's outputs are identical whatever org.handoff.context_loss_p is."""
    for s in SEEDS:
        lo, hi = context_loss_runs["generalist", 0.3, s], context_loss_runs["generalist", 0.6, s]
        for k in ("mean_resolution_h", "explanations_per_ticket", "handoffs_per_ticket",
                  "tickets_resolved"):
            assert hi[k] == lo[k], k


def test_longer_writeup_costs_tiered_more():
    """A longer hand-off write-up raises tiered resolution time on every seed, and raises it
    more than it raises generalist resolution time (few owned tickets are handed off)."""
    delta = {}
    for design in ("tiered", "generalist"):
        d = []
        for s in SEEDS:
            base, slow = _cfg(design, s), _cfg(design, s)
            slow.org.handoff.writeup_minutes = 60.0
            a, b = _run(base), _run(slow)
            if design == "tiered":
                assert b["mean_resolution_h"] > a["mean_resolution_h"]
            d.append(b["mean_resolution_h"] - a["mean_resolution_h"])
        delta[design] = statistics.mean(d)
    assert delta["tiered"] > delta["generalist"]


@pytest.mark.parametrize("design,knob,metric", [
    ("tiered", "l1", "mean_wait_h"),  # L1 takes every first touch
    ("tiered", "l2", "mean_resolution_h"),  # L2 never gives first touches: its queue is in resolution
    ("generalist", "pods", "mean_wait_h"),
    ("generalist", "pods", "mean_resolution_h"),
])
def test_more_staff_does_not_raise_waits(design, knob, metric):
    """Adding people to a team never makes the waits that team causes longer (mean over paired
    seeds). Headcount planning is off: it would undo the extra people. The team starts busy
    (L2 at 4 people, about 0.7-0.9 utilisation here), so that it causes waits to shorten."""
    base_v, more_v = [], []
    for s in SEEDS:
        base, more = _cfg(design, s), _cfg(design, s)
        base.mechanisms.planning = more.mechanisms.planning = False
        if knob == "l2":
            base.org.l2.headcount = more.org.l2.headcount = 4
        if knob == "pods":
            more.org.pods.size += 1
        else:
            getattr(more.org, knob).headcount += 3
        base_v.append(_run(base)[metric])
        more_v.append(_run(more)[metric])
    assert statistics.mean(more_v) <= statistics.mean(base_v)


def test_escalation_tax_shows_in_tiered():
    """On the same tickets, tiered hands off more, makes customers explain more and ping-pongs
    more than generalists who own tickets (the default comparison's headline, asserted)."""
    for s in SEEDS[:2]:
        t, g = _run(_cfg("tiered", s)), _run(_cfg("generalist", s))
        assert t["handoffs_per_ticket"] > 2 * g["handoffs_per_ticket"]
        assert t["explanations_per_ticket"] > g["explanations_per_ticket"]
        assert t["pingpong_share"] > g["pingpong_share"]


@pytest.fixture(scope="module")
def backup_runs():
    runs = _switched(["generalist"], "backup", org__staffing="sized")
    return {(on, s): summary for (_, on, s), (_, summary, _) in runs.items()}


def test_sister_pods_backing_each_other_up_shortens_waits(backup_runs):
    """Pods that take each other's tickets once they have waited ``org.backup_after_hours``
    (mechanisms.backup) cut the mean first-touch wait and the mean resolution on every paired
    seed; the tickets created are the same (backup changes who works, not what arrives)."""
    for s in SEEDS:
        on, off = backup_runs[True, s], backup_runs[False, s]
        assert on["backups_per_ticket"] > 0 and off["backups_per_ticket"] == 0
        assert on["mean_wait_h"] < off["mean_wait_h"]
        assert on["mean_resolution_h"] < off["mean_resolution_h"]
        assert on["handoffs_per_ticket"] == pytest.approx(off["handoffs_per_ticket"], abs=0.02)


def test_backup_changes_nothing_in_the_tiered_design():
    """The rule is by desk kind: tiering has one desk of each kind, so no sister desks."""
    runs = []
    for backup in (True, False):
        c = _cfg("tiered", 0)
        c.mechanisms.backup = backup
        runs.append(_run(c))
    on, off = runs
    for k in ("mean_wait_h", "mean_resolution_h", "total_cost_per_customer_year",
              "tickets_resolved"):
        assert on[k] == off[k], k


@pytest.fixture(scope="module")
def near_miss_runs():
    runs = _switched(["tiered", "generalist"], "near_miss_closes")
    return {k: (summary, tables["customers"], int(tables["tickets"]["near_miss"].sum()))
            for k, (_, summary, tables) in runs.items()}


def test_a_near_miss_close_is_an_unresolved_episode(near_miss_runs):
    """A script-shaped close of an off-pattern ticket that does not reopen (a near miss,
    ``mechanisms.near_miss_closes``) is an unresolved episode for the customer: on every paired
    seed, tiering (whose L1 closes tickets with the script under load) records more unresolved
    episodes with the switch on, as many more as it had near misses over the whole run (within
    5 %: the changed churn moves a few tickets; measured 132/132, 197/199, 197/197)."""
    for s in SEEDS:
        (on, cust_on, near_misses), (_, cust_off, _) = (near_miss_runs["tiered", True, s],
                                                          near_miss_runs["tiered", False, s])
        assert on["unresolved_closes_share"] > 0 and near_misses > 0
        extra = cust_on["episodes_unresolved"].sum() - cust_off["episodes_unresolved"].sum()
        assert abs(extra - near_misses) <= 0.05 * near_misses + 2


def test_near_miss_closes_change_nothing_without_script_closes(near_miss_runs):
    """Pods never close a ticket with a script they know does not fit: the generalist design's
    outputs are identical with the switch on or off (one rule, applied where the situation
    arises)."""
    for s in SEEDS:
        on = near_miss_runs["generalist", True, s][0]
        off = near_miss_runs["generalist", False, s][0]
        assert on["unresolved_closes_share"] == 0
        for k in ("total_cost_per_customer_year", "retained_mrr_share", "mean_resolution_h"):
            assert on[k] == off[k], k


@pytest.fixture(scope="module")
def shared_fix_runs():
    runs = _switched(["tiered", "generalist"], "shared_fixes", customers__problem_correlation=0.3)
    return {k: summary for k, (_, summary, _) in runs.items()}


@pytest.mark.parametrize("design", ["tiered", "generalist"])
def test_shared_fixes_reuse_answers_and_prevent_tickets(shared_fix_runs, design):
    """Shared fixes of correlated problems (docs/ODD.md section 7.18), problem_correlation 0.3:
    switched on, solutions are reused and linked customers are reached before they write in, so
    on every paired seed fewer tickets reach support and a resolved ticket takes fewer staff
    hours; switched off, neither happens (measured, 150 days: tickets 11389 -> 11158 tiered,
    10992 -> 10779 generalist on seed 0)."""
    for s in SEEDS:
        on, off = shared_fix_runs[design, True, s], shared_fix_runs[design, False, s]
        assert on["reused_solutions"] > 0 and on["proactive_contacts"] > 0
        assert off["reused_solutions"] == 0 and off["proactive_contacts"] == 0
        assert on["tickets_created"] < off["tickets_created"], s
        assert on["staff_hours_per_ticket"] < off["staff_hours_per_ticket"], s
