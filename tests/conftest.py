"""Shared test helpers.

Fixtures (all session-scoped, so hypothesis tests may use them too):

* ``small_cfg(design, events=False, **overrides)`` -- a factory for a small, fast, validated
  :class:`model.config.Config`: 40 simulated days, 5 warm-up days, 200 customers, progress off;
  a ``pilot`` design gets a short pilot window (days 10..25) that ends before the horizon.
  ``overrides`` use ``__`` for the dots of a config key, e.g.
  ``small_cfg("tiered", sim__calendar="always", org__l1__headcount=3)``.
* ``repo_root`` -- the repository root (a :class:`pathlib.Path`).
* ``contract`` -- the output contract of docs/design.md section 10 (summary keys, table columns).
"""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace

import pytest

from model.config import Config, validate

REPO_ROOT = Path(__file__).resolve().parent.parent

# ---- the contract of docs/design.md section 10 ------------------------------------------------
ROLES = ("l1", "l2", "engineer", "specialist", "generalist")
SUMMARY_KEYS = (
    "tickets_created", "tickets_resolved", "p_wait", "mean_wait_h", "mean_resolution_h",
    "median_resolution_h", "p90_resolution_h", "fcr_share", "handoffs_per_ticket",
    "explanations_per_ticket", "stalled_share", "reopen_share", "pingpong_share",
    *(f"headcount_{r}" for r in ROLES), *(f"attrition_annual_{r}" for r in ROLES),
    "promotions", "mean_proficiency", "cost_total", "cost_per_head", "cost_per_resolved_ticket",
    "cost_per_outcome", "customer_churn_annual", "retained_mrr_share", "named_requests",
    "named_honoured_share", "fixes_shipped", "tickets_deflected",
    "support_cost_per_customer_year", "lost_revenue_per_customer_year",
    "total_cost_per_customer_year", "net_contribution_per_customer_year",
    "problems_solved_or_prevented", "support_cost_per_problem", "cost_per_good_ticket",
    "seed", "config_hash",
    "version", "wall_seconds",
)
TICKET_COLUMNS = (
    "ticket_id", "customer_id", "class_id", "domain", "complexity", "created_h", "first_start_h",
    "resolved_h", "wait_h", "resolution_h", "handoffs", "explanations", "contacts", "reopened",
    "stalled", "pingpong", "max_level", "resolver_id", "resolver_role", "named_request",
    "honoured",
)
STAFF_COLUMNS = ("staff_id", "role", "hired_day", "left_day", "exit_reason", "promotions",
                 "final_proficiency")
CUSTOMER_COLUMNS = ("customer_id", "segment", "mrr", "joined_day", "churned_day", "episodes",
                    "mean_effort", "named_requests", "owner_changes")
EVENT_COLUMNS = ("ticket_id", "time_h", "activity", "desk", "staff_id")
# the columns of a ticket drawn at creation (identical across designs for one seed, docs/design.md §7)
INTRINSIC_TICKET_COLUMNS = ("ticket_id", "customer_id", "class_id", "domain", "complexity",
                            "created_h")

# ---- small configurations -------------------------------------------------------------------------
SMALL_DEFAULTS = {
    "sim.horizon_days": 40,
    "sim.warmup_days": 5,
    "sim.progress": False,
    "customers.count": 200,
}
PILOT_DEFAULTS = {"org.pilot.start_day": 10, "org.pilot.duration_days": 15}


def set_key(cfg: Config, dotted: str, value) -> None:
    """Set ``cfg.<dotted>`` (e.g. ``"org.l1.headcount"``); an unknown key is an error."""
    *path, last = dotted.split(".")
    obj = cfg
    for part in path:
        obj = getattr(obj, part)
    if not hasattr(obj, last):
        raise AttributeError(f"no config key {dotted!r}")
    setattr(obj, last, copy.deepcopy(value))


def make_small_cfg(design: str = "tiered", events: bool = False, **overrides) -> Config:
    """A small validated config for ``design``; see the module docstring."""
    cfg = Config()
    values = {"org.design": design, "sim.record_events": events, **SMALL_DEFAULTS}
    if design == "pilot":
        values.update(PILOT_DEFAULTS)
    values.update({k.replace("__", "."): v for k, v in overrides.items()})
    for key, value in values.items():
        set_key(cfg, key, value)
    return validate(cfg)


@pytest.fixture(scope="session")
def small_cfg():
    """Factory ``small_cfg(design, events=False, **overrides) -> Config``."""
    return make_small_cfg


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def contract() -> SimpleNamespace:
    return SimpleNamespace(summary_keys=SUMMARY_KEYS, tickets=TICKET_COLUMNS,
                           staff=STAFF_COLUMNS, customers=CUSTOMER_COLUMNS,
                           events=EVENT_COLUMNS, intrinsic=INTRINSIC_TICKET_COLUMNS)
