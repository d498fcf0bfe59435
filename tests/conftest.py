"""Shared test helpers.

Fixtures (all session-scoped, so hypothesis tests may use them too):

* ``small_cfg(design, events=False, **overrides)`` -- a factory for a small, fast, validated
  :class:`model.config.Config`: 40 simulated days, 5 warm-up days, 200 customers, progress off;
  a ``pilot`` design gets a short pilot window (days 10..25) that ends before the horizon.
  ``overrides`` use ``__`` for the dots of a config key, e.g.
  ``small_cfg("tiered", sim__calendar="always", org__l1__headcount=3)``.
* ``repo_root`` -- the repository root (a :class:`pathlib.Path`).
* ``contract`` -- the output contract of docs/design.md section 10 (summary keys, table columns).

Test tiers (markers registered in pyproject.toml): every test gets exactly one of ``unit``,
``model``, ``validation`` or ``e2e`` from ``TIERS`` below (file -> tier, with per-test
overrides in ``TIER_OVERRIDES``); a test file missing from the table stops the run, so a new
file must be given a tier here. ``make check`` runs ``unit`` and ``model`` (not slow).
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
    "engineering_return_share", "unresolved_closes_share", "backups_per_ticket",
    *(f"headcount_{r}" for r in ROLES), *(f"attrition_annual_{r}" for r in ROLES),
    "promotions", "mean_proficiency", "cost_total", "cost_per_head", "cost_per_resolved_ticket",
    "cost_per_outcome", "customer_churn_annual", "retained_mrr_share", "named_requests",
    "named_honoured_share", "fixes_shipped", "tickets_deflected", "reused_solutions",
    "proactive_contacts",
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
    "honoured", "engineering_return", "warmup",
)
STAFF_COLUMNS = ("staff_id", "role", "hired_day", "left_day", "exit_reason", "promotions",
                 "final_proficiency")
CUSTOMER_COLUMNS = ("customer_id", "segment", "mrr", "joined_day", "churned_day", "episodes",
                    "mean_effort", "named_requests", "owner_changes")
EVENT_COLUMNS = ("ticket_id", "time_h", "activity", "desk", "staff_id", "role")
# the columns of a ticket drawn at creation (identical across designs for one seed, docs/design.md §7)
INTRINSIC_TICKET_COLUMNS = ("ticket_id", "customer_id", "class_id", "domain", "complexity",
                            "created_h")

# ---- test tiers --------------------------------------------------------------------------------
#: unit: the engine, desks, routing, calendar, streams (and other pieces) alone, with stubs;
#: model: whole-model invariants, the regression baseline, reproducibility on short runs;
#: validation: statistical, directional (paired-seed) and queueing-theory checks;
#: e2e: the CLI, sweeps and launchers, experiments, the report, the browser page.
TIER_NAMES = ("unit", "model", "validation", "e2e")
TIERS = {
    # unit
    "test_engine_unit.py": "unit",
    "test_desks_unit.py": "unit",
    "test_routing_unit.py": "unit",
    "test_teams_unit.py": "unit",
    "test_calendar_unit.py": "unit",
    "test_layering.py": "unit",
    "test_stats.py": "unit",
    "test_compare.py": "unit",
    "test_config.py": "unit",
    "test_ranges.py": "unit",
    "test_sensitivity.py": "unit",  # the command-line and sweep tests: e2e (TIER_OVERRIDES)
    "test_overrides.py": "unit",
    "test_importer.py": "unit",  # the synthetic exports and the round trip: model; the CLI: e2e
    # model
    "test_regression.py": "model",
    "test_repro.py": "model",
    "test_properties.py": "model",
    "test_odd.py": "model",
    "test_customers.py": "model",
    "test_feedback.py": "model",
    "test_shared_fixes.py": "model",
    "test_staffing.py": "model",
    "test_talent.py": "model",
    "test_rulebook.py": "model",
    "test_mechanism.py": "model",
    "test_outcomes.py": "model",
    "test_world.py": "model",
    "test_eventlog.py": "model",
    "test_profile.py": "model",  # its arithmetic: unit, the command: e2e (TIER_OVERRIDES)
    # validation
    "test_theory.py": "validation",
    "test_directional.py": "validation",
    "test_v4.py": "validation",
    "test_v3.py": "validation",
    # e2e
    "test_cli.py": "e2e",
    "test_sweeps.py": "e2e",
    "test_experiments.py": "e2e",
    "test_bench_smoke.py": "e2e",
    "test_report.py": "e2e",
    "test_viz.py": "e2e",
    "test_docs.py": "e2e",
    "test_study.py": "e2e",
}
#: ``file::test`` -> tier, where a file mixes tiers (parametrised tests: the function's name)
TIER_OVERRIDES = {
    # tiersim profile=<name>: the switching-value arithmetic on constructed tables; the command
    **{f"test_profile.py::{t}": "unit" for t in (
        "test_salary_gap_is_the_run_repriced_exactly",
        "test_switching_values_on_a_constructed_table",
        "test_no_switch_in_range_and_the_cost_check", "test_the_band_reaches_the_end_of_the_range",
        "test_lifetime_gaps_use_the_value_factor")},
    **{f"test_profile.py::{t}": "e2e" for t in (
        "test_tiersim_profile_example_writes_an_answer",
        "test_a_failed_run_keeps_the_others_and_exits_1")},
    # make run end to end in a smoke size (the rest of the file: options, numbers, the verdict)
    "test_compare.py::test_make_run_ends_with_a_verdict_consistent_with_its_table": "e2e",
    "test_compare.py::test_one_seed_run_says_na_not_nan": "e2e",
    **{f"test_sensitivity.py::{t}": "e2e" for t in (
        "test_bad_options_are_one_line_and_exit_2", "test_the_quick_plan_is_labelled_and_sized",
        "test_a_tiny_analysis_of_real_runs_end_to_end")},
    # tiersim-import: the shipped exports are the script's (one short run), the round trip (12
    # short runs); the module's entry point in a subprocess
    "test_importer.py::test_the_shipped_exports_are_what_the_script_makes": "model",
    "test_importer.py::test_round_trip_export_profile_run_matches_the_export": "model",
    "test_importer.py::test_the_module_entry_point_exits_2_with_one_line": "e2e",
    # long runs (400-800 days each) of the pay rule: validation, to keep make check fast
    "test_rulebook.py::test_nobody_gets_more_raises_than_completed_years_in_the_run": "validation",
    "test_rulebook.py::test_after_a_year_an_l1_and_a_generalist_get_the_same_raise": "validation",
    "test_world.py::test_the_world_does_not_drain": "validation",  # 4 three-year runs
    "test_world.py::test_staffing_keeps_every_front_line_role_near_the_target_in_every_year":
        "validation",  # the same 4 runs
    "test_world.py::test_the_customer_base_keeps_its_segment_mix": "validation",  # the same 4 runs
    # the rulebook's routing rules with stub desks; its paired-seed check
    **{f"test_rulebook.py::{t}": "unit" for t in (
        "test_an_on_pattern_scripted_ticket_takes_script_time_at_every_desk",
        "test_other_tickets_take_full_work_at_every_desk",
        "test_the_script_factor_takes_no_draw")},
    "test_rulebook.py::test_pods_work_faster_with_faster_scripts_on_paired_seeds": "validation",
    # composes every org x regime x experiment and builds each model (63 cases): a CLI smoke
    "test_config.py::test_org_regime_experiment_combinations_compose_and_build": "e2e",
    # a desk alone, with stub people
    "test_customers.py::test_desks_hold_a_named_ticket_for_its_person_up_to_the_cap": "unit",
    # V7 / V8 and directional checks with paired seeds
    "test_customers.py::test_v7_stay_probability_after_an_episode_matches_gartner": "validation",
    "test_customers.py::test_v7_full": "validation",
    "test_customers.py::test_v8_repeat_contact_odds_fall_with_continuity": "validation",
    "test_customers.py::test_v8_an_owners_departure_resets_the_odds": "validation",
    "test_customers.py::test_v8_satisfaction_ranks_relationship_over_pod_over_queue":
        "validation",
    "test_customers.py::test_v8_full": "validation",
    "test_customers.py::test_named_requests_wait_for_their_person_and_are_honoured_more_often":
        "validation",
    "test_customers.py::test_transactional_customers_ask_for_nobody": "validation",
    "test_customers.py::test_being_known_matters_where_relationships_form": "validation",
    "test_customers.py::test_more_handoffs_lower_goodwill": "validation",
    "test_customers.py::test_problem_correlation_makes_same_class_arrivals_burstier":
        "validation",
    "test_feedback.py::test_removing_top_k_classes_cuts_volume_by_their_share": "validation",
    "test_feedback.py::test_snippet_classes_shrink_by_about_the_deflection_share": "validation",
    "test_feedback.py::test_lower_signal_retention_means_later_fixes_and_more_tickets":
        "validation",
    "test_feedback.py::test_lower_signal_retention_full": "validation",
    "test_feedback.py::test_tiered_signals_reach_product_with_less_detail": "validation",
    "test_staffing.py::test_sized_desks_run_near_the_target_occupancy": "validation",
    "test_staffing.py::test_an_overstaffed_desk_stops_replacing_leavers": "validation",
    "test_staffing.py::test_an_understaffed_desk_hires_through_the_lead_time": "validation",
    "test_talent.py::test_v5_new_l1_cohort_is_about_1_64_times_as_productive_after_a_year":
        "validation",
    "test_talent.py::test_v5_beside_veterans_a_cohort_reaches_90_percent_about_36_percent_sooner":
        "validation",
    "test_talent.py::test_v6_a_paused_domain_regresses_by_the_retention_rate_and_reconverges":
        "validation",
    "test_talent.py::test_v6_knowledge_stock_falls_as_attrition_rises": "validation",
    "test_talent.py::test_higher_l1_attrition_lowers_skill_and_raises_escalations": "validation",
    "test_talent.py::test_no_promotion_path_makes_the_best_l1s_quit_more": "validation",
}


def _check_tier_table() -> None:
    """Every tier is known, and every override names a test that exists (a renamed test
    would silently fall back to its file's tier)."""
    bad = {k: v for k, v in {**TIERS, **TIER_OVERRIDES}.items() if v not in TIER_NAMES}
    stray = []
    for key in TIER_OVERRIDES:
        name, test = key.split("::")
        path = REPO_ROOT / "tests" / name
        if name not in TIERS or not path.is_file() or f"def {test}(" not in path.read_text():
            stray.append(key)
    if bad or stray:
        raise pytest.UsageError(f"tests/conftest.py tier table: unknown tiers {bad}; "
                                f"overrides naming no test of a file in TIERS: {stray}")


@pytest.hookimpl(tryfirst=True)  # before -m deselects: every collected test gets its tier
def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test with its tier; a test file without one stops the run."""
    _check_tier_table()
    missing = set()
    for item in items:
        name = item.path.name
        tier = TIER_OVERRIDES.get(f"{name}::{item.originalname}", TIERS.get(name))
        if tier is None:
            missing.add(name)
        else:
            item.add_marker(getattr(pytest.mark, tier))
    if missing:
        raise pytest.UsageError(
            f"test file(s) {', '.join(sorted(missing))} have no tier: add them to TIERS in "
            f"tests/conftest.py (one of {', '.join(TIER_NAMES)})")


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


def pytest_terminal_summary(terminalreporter):
    """The measurements tests record with ``record_property("measured: WHAT", value)`` (the
    page's speed, ``tests/test_viz.py``), in the report."""
    for outcome in ("passed", "failed"):
        for rep in terminalreporter.stats.get(outcome, []):
            for name, value in getattr(rep, "user_properties", ()):
                if str(name).startswith("measured: "):
                    terminalreporter.write_line(f"{rep.nodeid}: {name[10:]}: {value}")
