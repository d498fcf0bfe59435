"""Typed configuration schema and its validation.

One dataclass per config group. Every field carries its unit in the name or docstring, and its
range and source in ``field(metadata=...)``: ``range`` is ``(low, high)`` (``None`` = open),
``choices`` a tuple of allowed strings, ``src`` the literature anchor or ``[A]`` for a stated
assumption (see docs/science.md §2). :func:`validate` walks the tree and reports every violation at
once, naming the key, the value and the allowed range.

A field that is a belief about the world also carries ``plausible`` ``(low, high)`` and ``why``:
the range a careful reader would accept in a real SaaS support org, and its reason (the customer
segments' ranges are per segment, in the ``customers.segments`` field's ``plausible`` table).
:func:`ranged_parameters` lists them with their dotted Hydra keys for the global sensitivity
analysis; :func:`set_key` sets a value by such a key; :func:`schema_problems` checks each range
against its hard ``range`` and default (:func:`validate` reports those too).

This module is pure Python: the Hydra front end registers these classes with its ConfigStore
(``experiments/cli.py``); the model never imports Hydra.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or out of range."""


def _f(default: Any, *, range: tuple | None = None, choices: tuple | None = None,
       src: str = "[A]", length: int | None = None, plausible: tuple | None = None,
       why: str = "") -> Any:
    """A schema field. ``plausible`` is ``(low, high)``, the range a careful reader would accept
    for this parameter in a real SaaS support org (inside ``range``, around the default), and
    ``why`` one clause giving its reason; together they feed the sensitivity analysis
    (:func:`ranged_parameters`)."""
    meta = {"range": range, "choices": choices, "src": src, "length": length,
            "plausible": plausible, "why": why}
    if isinstance(default, list):
        return field(default_factory=lambda d=default: list(d), metadata=meta)
    return field(default=default, metadata=meta)


# ------------------------------------------------------------------------------------------------
@dataclass
class SimConfig:
    """Clock, calendar and recording."""

    horizon_days: int = _f(365, range=(1, 36500))
    warmup_days: int = _f(60, range=(0, 36500), src="[A] discard the empty-and-idle start")
    calendar: str = _f("business", choices=("business", "always"))
    business_hours: list[float] = _f([9.0, 17.0], range=(0.0, 24.0), length=2,
                                     src="[A] one 8-hour shift")
    workdays: list[int] = _f([0, 1, 2, 3, 4], range=(0, 6), src="[A] Monday..Friday (0 = Monday)")
    stalled_after_working_hours: float = _f(8.0, range=(0.0, None),
                                            src="[A] a working day in queues, summed over hand-offs")
    record_tickets: bool = _f(True)
    record_events: bool = _f(False)
    start_date: str = _f("2026-01-05", src="[A] any Monday (day 0 of the calendar is a Monday): "
                                           "the date of day 0 in the event log's timestamps")
    progress: bool = _f(True)


@dataclass
class DemandConfig:
    """Ticket arrivals: a non-homogeneous Poisson process (Brown et al. 2005, JASA 100:36-50)."""

    pattern: str = _f("profile", choices=("profile", "flat"),
                      src="flat = homogeneous Poisson (queueing-theory checks)")
    tickets_per_day: float = _f(110.0, range=(0.0, None),
                                src="[A] org-wide mean per calendar day at the start; 0 is "
                                    "refused (no ticket would arrive)",
                                plausible=(55.0, 220.0),
                                why="[A] half to double the contact rate (2.2 tickets per customer-"
                                    "month at 1,500 customers)")
    hourly_profile: list[float] = _f(
        [0.2, 0.15, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 2.0, 2.1, 2.0,
         1.7, 1.9, 2.0, 1.9, 1.6, 1.1, 0.7, 0.5, 0.4, 0.35, 0.3, 0.25],
        range=(0.0, None), length=24, src="Brown et al. 2005 (intraday shape); [A] values")
    weekday_profile: list[float] = _f([1.15, 1.1, 1.05, 1.05, 1.0, 0.35, 0.3],
                                      range=(0.0, None), length=7, src="[A] quiet weekends")


@dataclass
class ProductConfig:
    """Issue-class catalogue: K classes over D domains."""

    service: str = _f("lognormal", choices=("lognormal", "exponential"),
                      src="Brown et al. 2005 (service times close to lognormal)")
    mean_work_hours: float = _f(0.6, range=(1e-6, None),
                                src="[A] expert work 10/45/180 min simple/medium/complex",
                                plausible=(0.4, 0.9),
                                why="[A] the 10/45/180-min anchor's work 2/3 to 1.5 times")
    service_cv: float = _f(1.0, range=(0.05, 5.0), src="Brown et al. 2005 (CV about 1)",
                           plausible=(0.7, 1.5),
                           why="CV 0.7-1.5 (docs/science.md §2; Brown et al. 2005)")
    class_work_spread: float = _f(0.8, range=(0.0, 3.0),
                                  src="[A] sd of log class mean work, tied to complexity",
                                  plausible=(0.4, 1.2),
                                  why="[A] one sd spans x1.5 to x3.3 of a class's mean work")
    domains: int = _f(8, range=(1, 64),
                      plausible=(3, 14),
                      why="the simple and complex product presets (conf/product: 3 and 14)")
    classes: int = _f(200, range=(1, 100000), src="computed: BPIC 2013 (Zipf over ~200 classes)",
                      plausible=(100, 400),
                      why="[A] half to double BPIC 2013's ~200 (one organisation's log)")
    zipf_s: float = _f(1.0, range=(0.0, 5.0),
                       src="computed: BPIC 2013 class sizes, Zipf slope -0.99 "
                           "(docs/calibration/bpic2013.yaml)",
                       plausible=(0.8, 1.5),
                       why="s 1.0-1.5 (docs/science.md §2); [A] down to 0.8, as BPIC 2013 "
                           "itself gives 0.99")
    complexity_mean: float = _f(0.42, range=(0.01, 0.99), src="[A] tuned to level mix 0.60/0.33/0.07",
                                plausible=(0.3, 0.55),
                                why="the simple and complex product presets (conf/product)")
    complexity_concentration: float = _f(4.0, range=(0.1, 1000.0), src="[A] Beta a+b",
                                         plausible=(2.0, 8.0),
                                         why="[A] half to double: near-uniform to peaked complexity")
    scriptable_share: float = _f(0.6, range=(0.0, 1.0), src="[A] share of classes with a script",
                                 plausible=(0.35, 0.85),
                                 why="the complex and simple product presets (conf/product)")
    off_pattern_share: float = _f(0.25, range=(0.0, 1.0),
                                  src="[A] share of a class's tickets the script does not fit",
                                  plausible=(0.1, 0.4),
                                  why="[A] scripts that fit nearly every ticket to 6 in 10")
    engineering_share: float = _f(0.07, range=(0.0, 1.0), src="computed: BPIC 2013 L3 share 0.072",
                                  plausible=(0.04, 0.12),
                                  why="[A] around BPIC 2013's 0.072 (one organisation's log)")
    specialist_share: float = _f(0.08, range=(0.0, 1.0), src="[A] volume in specialist domains",
                                 plausible=(0.03, 0.15),
                                 why="[A] a niche to a large specialist area")
    specialist_domains: int = _f(1, range=(0, 63), src="[A]",
                                 plausible=(1, 2), why="[A] one or two specialist domains")
    setup_root_share: float = _f(0.4, range=(0.0, 1.0),
                                 src="[A] classes whose root cause is the customer's setup",
                                 plausible=(0.2, 0.6),
                                 why="[A] mostly product bugs to mostly customers' setups")
    root_causes_per_class: int = _f(4, range=(1, 100),
                                    src="[A] a class is a problem family: one product fix "
                                        "ends one of its root causes (equal shares)",
                                    plausible=(2, 8), why="[A] half to double")
    new_classes_per_year: float = _f(12.0, range=(0.0, 10000.0),
                                     src="[A] about one new problem family per monthly release; "
                                         "each as large as a class of a random Zipf rank",
                                     plausible=(4.0, 24.0),
                                     why="[A] a new problem family a quarter to two a month")
    history_years: float = _f(3.0, range=(0.0, 50.0),
                              src="[A] years of support before the run: the product fixes and "
                                  "knowledge-base articles they left (the same for every design)",
                              plausible=(1.0, 6.0), why="[A] a young product to a mature one")


@dataclass
class SegmentConfig:
    """One customer segment."""

    name: str = _f("smb")
    share: float = _f(0.7, range=(0.0, 1.0),
                      src="[A] share of the installed base (the customers at the start)")
    mrr: float = _f(400.0, range=(0.0, None), src="[A] monthly recurring revenue")
    ticket_intensity: float = _f(1.0, range=(0.0, None), src="[A] relative tickets per customer")
    churn_monthly: float = _f(0.01, range=(0.0, 1.0),
                              src="practitioner benchmarks (weak): SMB 3-5 %, mid-market 1 %, "
                                  "enterprise 0.5-2 % a month, at customers.reference_goodwill")


def _default_segments() -> list[SegmentConfig]:
    return [SegmentConfig("smb", 0.70, 400.0, 1.0, 0.03),
            SegmentConfig("mid_market", 0.25, 3000.0, 2.5, 0.01),
            SegmentConfig("enterprise", 0.05, 20000.0, 6.0, 0.0075)]


#: Plausible ranges of the default segments' fields, by segment name and field: ``(low, high,
#: why)``. Left out: ``share`` (the shares must sum to 1, so one cannot move alone) and SMB's
#: ``ticket_intensity`` (the reference: intensities are relative, ``demand.tickets_per_day``
#: sets the level).
_SEGMENT_RANGES: dict[str, dict[str, tuple[float, float, str]]] = {
    "smb": {
        "mrr": (200.0, 800.0, "[A] half to double"),
        "churn_monthly": (0.02, 0.05, "SMB 3-5 % a month (practitioner benchmarks, weak: "
                                      "docs/science.md §2); [A] down to 2 %, as the default "
                                      "is the benchmark's low end"),
    },
    "mid_market": {
        "mrr": (1500.0, 6000.0, "[A] half to double"),
        "ticket_intensity": (1.5, 4.0, "[A] tickets per customer 1.5-4 x SMB's"),
        "churn_monthly": (0.005, 0.02, "[A] half to double the mid-market benchmark of 1 % a "
                                       "month (docs/science.md §2)"),
    },
    "enterprise": {
        "mrr": (10000.0, 40000.0, "[A] half to double"),
        "ticket_intensity": (3.0, 10.0, "[A] tickets per customer 3-10 x SMB's"),
        "churn_monthly": (0.005, 0.02, "enterprise 0.5-2 % a month (practitioner benchmarks, "
                                       "weak: docs/science.md §2)"),
    },
}


@dataclass
class CustomerGraphConfig:
    """The customer graph (model/customer_graph.py): agencies and their sub-accounts, plus
    similarity links between customers who use the same main product domain."""

    agency_share: float = _f(0.03, range=(0.0, 1.0), src="[A] accounts that are agencies",
                             plausible=(0.01, 0.06), why="[A] a third to double")
    sub_account_share: float = _f(0.15, range=(0.0, 1.0),
                                  src="[A] accounts that are an agency's sub-accounts",
                                  plausible=(0.05, 0.25), why="[A] a third to 1.7 times")
    similarity_degree: float = _f(2.0, range=(0.0, 100.0),
                                  src="[A] mean similarity links per customer (same main domain)",
                                  plausible=(1.0, 4.0), why="[A] half to double")
    correlation_delay_hours: float = _f(24.0, range=(0.0, None),
                                        src="[A] mean (exponential) lag of a correlated ticket "
                                            "behind the ticket that revealed the root cause",
                                        plausible=(6.0, 72.0),
                                        why="[A] the same working day to three days")


@dataclass
class GoodwillConfig:
    """Goodwill g in [0, 1] (model/customers.py): the probability that the customer stays when
    they reconsider the vendor. Each closed issue episode pulls g toward the stay probability of
    its category (Gartner survey: unresolved 0.27, high effort 0.37, low effort 0.61)."""

    neutral: float = _f(0.75, range=(0.0, 1.0),
                        src="[A] resting goodwill without recent episodes; above low effort "
                            "because service contacts drive disloyalty more than loyalty "
                            "(Dixon, Freeman & Toman 2010)",
                        plausible=(0.65, 0.85), why="[A] +-0.1; above stay_low_effort's 0.61")
    half_life_days: float = _f(180.0, range=(1.0, None),
                               src="[A] goodwill relaxes toward its resting level (monthly step)",
                               plausible=(90.0, 365.0), why="[A] a quarter to a year")
    episode_weight: float = _f(0.9, range=(0.0, 1.0),
                               src="[A] pull of one episode toward its stay probability (recency)",
                               plausible=(0.6, 1.0),
                               why="[A] some memory of earlier episodes to the last one only")
    stay_unresolved: float = _f(0.27, range=(0.0, 1.0), src="Gartner survey (~6,000 customers)",
                                plausible=(0.17, 0.37),
                                why="Gartner survey +-0.1 (docs/science.md §2)")
    stay_high_effort: float = _f(0.37, range=(0.0, 1.0), src="Gartner survey (~6,000 customers)",
                                 plausible=(0.27, 0.47),
                                 why="Gartner survey +-0.1 (docs/science.md §2)")
    stay_low_effort: float = _f(0.61, range=(0.0, 1.0), src="Gartner survey (~6,000 customers)",
                                plausible=(0.51, 0.71),
                                why="Gartner survey +-0.1 (docs/science.md §2)")
    high_effort_threshold: float = _f(2.0, range=(0.0, None),
                                      src="[A] effort points (repeat contacts + transfers + "
                                          "repeated explanations + days open; Dixon et al. 2010)",
                                      plausible=(1.0, 3.0),
                                      why="[A] one to three effort points (a transfer and a repeat "
                                          "contact)")
    effort_per_day_open: float = _f(0.25, range=(0.0, None),
                                    src="[A] effort points per calendar day the issue is open",
                                    plausible=(0.1, 0.5),
                                    why="[A] a point per 10 days to per 2 days open")
    patience_days: float = _f(7.0, range=(0.0, None),
                              src="[A] open longer than this (calendar days): unresolved",
                              plausible=(3.0, 14.0), why="[A] half a week to two weeks")
    unhonoured_cost: float = _f(0.02, range=(0.0, 1.0),
                                src="[A] goodwill lost when a request by name cannot be honoured "
                                    "(a tiered queue; the person works elsewhere)",
                                plausible=(0.0, 0.05),
                                why="[A] customers do not mind (0) to 2.5 times")
    wom_churn_hit: float = _f(0.05, range=(0.0, 1.0),
                              src="[A] neighbours' goodwill lost when a customer churns; "
                                  "negative word of mouth dominates (Dixon et al. 2010)",
                              plausible=(0.0, 0.1), why="[A] no word of mouth (0) to double")
    wom_loyal_lift: float = _f(0.01, range=(0.0, 1.0),
                               src="[A] neighbours' goodwill gained a month from a loyal customer",
                               plausible=(0.0, 0.02), why="[A] no word of mouth (0) to double")
    loyal_threshold: float = _f(0.7, range=(0.0, 1.0),
                                src="[A] goodwill at or above which a customer expands, refers "
                                    "and speaks well of the vendor",
                                plausible=(0.6, 0.8), why="[A] +-0.1")


@dataclass
class RelationshipConfig:
    """Strength s in [0, 1] of each customer's relationship with each staff member."""

    gain: float = _f(0.1, range=(0.0, 1.0),
                     src="[A] s += gain (1 - s) when the person resolves the customer's ticket",
                     plausible=(0.05, 0.2),
                     why="[A] half to double: a strong relationship after about 5 to 20 resolved "
                         "tickets")
    half_life_days: float = _f(730.0, range=(1.0, None),
                               src="[A] relationships fade over years; continuity effects grow "
                                   "over years (Pereira Gray et al. 2018)",
                               plausible=(365.0, 1825.0), why="[A] one to five years")
    odds_ratio: float = _f(0.7, range=(0.01, 1.0),
                           src="odds ratio on repeat contact at s = 1 (range 0.6-0.9): Sandvik "
                               "et al. 2022, Pereira Gray et al. 2018 (continuity of care)",
                           plausible=(0.6, 0.9),
                           why="0.6-0.9 (docs/science.md §2; Sandvik et al. 2022, Pereira Gray et "
                               "al. 2018)")
    named_request_per_strength: float = _f(0.3, range=(0.0, 1.0),
                                           src="[A] P(request by name) = this x s x weight",
                                           plausible=(0.0, 0.6),
                                           why="0-0.6 (docs/science.md §2, [A])")
    hold_for_named: int = _f(2, range=(0, 1000),
                             src="[A] tickets that may wait for a person asked for by name at a "
                                 "desk that owns tickets (pod, specialist), pulled by that person "
                                 "first; further requests go to whoever is free; 0: never wait",
                             plausible=(0, 4), why="[A] never wait (0) to double")
    goodwill_lift: float = _f(0.15, range=(0.0, 1.0),
                              src="[A] resting goodwill gained at s = 1; relationships > "
                                  "pseudo-relationships > encounters (Gutek et al. 1999)",
                              plausible=(0.05, 0.25), why="[A] a third to 1.7 times")


@dataclass
class CustomerGrowthConfig:
    """New logos, referrals and expansion."""

    acquisition_monthly_share: float = _f(0.02, range=(0.0, 1.0),
                                          src="[A] new logos from sales a month, as a share of "
                                              "customers.count (about the baseline churn)",
                                          plausible=(0.01, 0.04),
                                          why="[A] half to double (about the baseline churn)")
    referral_monthly_p: float = _f(0.005, range=(0.0, 1.0),
                                   src="[A] a loyal customer brings a new one, per month",
                                   plausible=(0.0, 0.01), why="[A] no referrals (0) to double")
    expansion_monthly_share: float = _f(0.01, range=(0.0, 1.0),
                                        src="[A] MRR growth a month of a loyal customer",
                                        plausible=(0.0, 0.02),
                                        why="[A] none to 27 % a year for a loyal customer")
    new_customer_mix: str = _f("steady", choices=("steady", "base"),
                               src="[A] segment mix of new customers (sales and referrals): "
                                   "steady = each segment in proportion to share x churn_monthly, "
                                   "so new customers replace each segment's churn and the "
                                   "installed base keeps its mix; base = the installed base's "
                                   "shares (the base then drifts toward the low-churn segments)")


@dataclass
class SharedFixesConfig:
    """Shared fixes of correlated problems (``mechanisms.shared_fixes``, model/shared_fixes.py):
    a root cause solved once is reused by whoever can ask the solver, and a resolver who knows a
    linked customer may reach them before their ticket arrives. One rule for every desk."""

    reuse_factor: float = _f(0.3, range=(0.0, 1.0),
                             src="[A] work of resolving a ticket whose root cause the person "
                                 "can reuse (they solved it, or a note at their desk says how) / "
                                 "full work; below org.l1.script_time_factor (0.5): the answer "
                                 "to this very root cause, not a general script",
                             plausible=(0.15, 0.6),
                             why="[A] half to double; a known answer saves 40-85 % of the work")
    note_p: float = _f(0.5, range=(0.0, 1.0),
                       src="[A] the solver writes the solution into their desk's shared notes "
                           "(the desk's colleagues can reuse it; the solver always can)",
                       plausible=(0.2, 0.8), why="[A] from rarely to as a habit")
    recognise_p: float = _f(0.5, range=(0.0, 1.0),
                            src="[A] a resolver who knows a linked customer fully (its named "
                                "owner) sees that the problem will hit them too and reaches "
                                "them; scaled by how well the resolver knows the customer",
                            plausible=(0.25, 0.9), why="[A] half to nearly always")
    account_team_knowledge: float = _f(0.5, range=(0.0, 1.0),
                                       src="[A] how well a member of the pod that owns an "
                                           "account knows it, relative to its named owner (1)",
                                       plausible=(0.25, 0.75), why="[A] half to 1.5 times")
    contact_minutes: float = _f(10.0, range=(0.0, None),
                                src="[A] staff time to reach one linked customer with the fix "
                                    "(a short e-mail or call), added to the resolving piece",
                                plausible=(5.0, 20.0), why="[A] half to double")


@dataclass
class CustomersConfig:
    """Customer population; loyalty (``mechanisms.customers``) and correlated problems
    (``mechanisms.correlated_problems``) on the customer graph (model/correlated.py)."""

    count: int = _f(1500, range=(1, 10_000_000))
    segments: list[SegmentConfig] = field(default_factory=_default_segments,
                                          metadata={"src": "[A] SMB / mid-market / enterprise",
                                                    "plausible": _SEGMENT_RANGES})
    domains_used_mean: float = _f(3.0, range=(1.0, None), src="[A] product domains a customer uses",
                                  plausible=(1.5, 5.0),
                                  why="[A] one or two product areas to most of them")
    activity_sigma: float = _f(0.8, range=(0.0, 5.0), src="[A] lognormal spread of ticket rates",
                               plausible=(0.4, 1.2),
                               why="[A] one sd spans x1.5 to x3.3 of a customer's ticket rate")
    problem_correlation: float = _f(0.05, range=(0.0, 1.0),
                                    src="[A] P(a linked customer gets a ticket of the same class "
                                        "soon after); 0 = independent problems (docs/design.md §8)",
                                    plausible=(0.0, 0.3),
                                    why="the regime presets: 0 (telco_1990, independent problems) "
                                        "to 0.3 (saas_2026)")
    relationship_weight: float = _f(1.0, range=(0.0, 3.0),
                                    src="[A] how much being known matters; 0 = transactional "
                                        "(docs/design.md §8), 1 = the docs/science.md anchors "
                                        "at face value",
                                    plausible=(0.5, 2.0),
                                    why="[A] half to double the docs/science.md anchors; 0 "
                                        "(transactional, telco_1990) is not a SaaS org")
    reference_goodwill: float = _f(0.6, range=(0.01, 0.99),
                                   src="[A] goodwill at which segments churn at churn_monthly",
                                   plausible=(0.5, 0.7),
                                   why="[A] +-0.1")
    graph: CustomerGraphConfig = field(default_factory=CustomerGraphConfig)
    shared_fixes: SharedFixesConfig = field(default_factory=SharedFixesConfig)
    goodwill: GoodwillConfig = field(default_factory=GoodwillConfig)
    relationships: RelationshipConfig = field(default_factory=RelationshipConfig)
    growth: CustomerGrowthConfig = field(default_factory=CustomerGrowthConfig)


@dataclass
class L1Config:
    teams: int = _f(1, range=(1, 64),
                    src="L1 teams by product area, each with its own queue, at most one per "
                        "product domain (docs/ODD.md §7.8a); 1: one L1 desk. The BPIC 2013 V3 "
                        "fit 2026-12-03 has 3 (experiments/calibrate.py FITTED), not yet the "
                        "default")
    headcount: int = _f(17, range=(0, 100000),
                         src="[A] occupancy about 0.31 at default demand; org.staffing=sized "
                             "staffs every desk to the target instead")
    mandate_complexity: float = _f(0.5, range=(0.0, 1.0),
                                   src="calibrated: BPIC 2013 level mix; kept by the V3 fit 2026-12-03 (experiments/calibrate.py)",
                                   plausible=(0.4, 0.6),
                                   why="[A] around the BPIC 2013 calibration (V3 level mix +-0.08)")
    triage_minutes: float = _f(10.0, range=(0.0, None), src="[A] L1 time before escalating",
                               plausible=(5.0, 20.0), why="[A] half to double")
    script_time_factor: float = _f(0.5, range=(0.01, 10.0),
                                   src="[A] work of an on-pattern ticket of a scripted class, "
                                       "from the script / knowledge base, / full work: one rule "
                                       "for whoever works it (any desk, either design)",
                                   plausible=(0.3, 0.8),
                                   why="[A] a script saves 20-70 % of the work")
    script_close_max_p: float = _f(0.5, range=(0.0, 1.0),
                                   src="[A] off-pattern tickets closed with the script, at saturation",
                                   plausible=(0.25, 0.75), why="[A] half to 1.5 times")
    script_close_half_load: float = _f(2.0, range=(1e-6, None),
                                       src="[A] queued tickets per L1 person at half saturation",
                                       plausible=(1.0, 4.0), why="[A] half to double")


@dataclass
class L2Config:
    teams: int = _f(1, range=(1, 64),
                    src="L2 teams by product area, each with its own queue, at most one per "
                        "product domain (docs/ODD.md §7.8a); 1: one L2 desk. The BPIC 2013 V3 "
                        "fit 2026-12-03 has 3 (experiments/calibrate.py FITTED), not yet the "
                        "default")
    headcount: int = _f(11, range=(0, 100000), src="[A] occupancy about 0.9 at default demand")
    diagnose_minutes: float = _f(30.0, range=(0.0, None), src="[A] time to confirm a bug",
                                 plausible=(15.0, 60.0), why="[A] half to double")
    push_back_p: float = _f(0.35, range=(0.0, 1.0),
                            src="[A] within-mandate escalations sent back to L1 (BPIC 2013: 15.5 % "
                                "moved down); the V3 fit 2026-12-03 has 0.5 (not yet the default)",
                            plausible=(0.15, 0.5),
                            why="[A] from BPIC 2013's 15.5 % moved down to half")
    false_bug_p: float = _f(0.7, range=(0.0, 1.0),
                            src="calibrated: BPIC 2013 (V3 grid; kept by the V3 fit 2026-12-03); complex non-bugs sent to "
                                "engineering, x (1 - proficiency)",
                            plausible=(0.5, 0.9),
                            why="[A] around the BPIC 2013 calibration (V3 grid)")


@dataclass
class EngineeringConfig:
    headcount: int = _f(6, range=(0, 100000), src="[A] occupancy about 0.84 at default demand")
    mean_fix_hours: float = _f(3.0, range=(1e-6, None), src="[A] engineering work per bug",
                               plausible=(1.5, 6.0), why="[A] half to double")
    channel_context_loss: float = _f(0.0, range=(0.0, 1.0),
                                     src="[A] owned designs' engineering channel, relative to "
                                         "org.handoff.context_loss_p (0 = full context, docs/design.md §6)",
                                     plausible=(0.0, 0.5),
                                     why="[A] full context (0) to half a hand-off's loss")


@dataclass
class SpecialistsConfig:
    headcount: int = _f(2, range=(0, 100000), src="[A]")


@dataclass
class PodsConfig:
    count: int = _f(4, range=(0, 10000), src="[A]")
    size: int = _f(5, range=(0, 10000), src="[A] 20 generalists vs 28 L1 + L2")
    breadth: int = _f(0, range=(0, 64),
                      src="domains each generalist is certified in; 0 = the whole regular product "
                          "surface, as the founding argument describes them (a narrower number is "
                          "a sensitivity: members then form a chain of overlapping domain sets)")
    flexible_share: float = _f(1.0, range=(0.0, 1.0),
                               src="[A] share of each pod certified in org.pods.breadth domains "
                                   "(flexible); the rest in one domain each (specialised, spread "
                                   "evenly); 1 = every member flexible (Pinker & Shumsky 2000: V4)")


@dataclass
class HandoffConfig:
    writeup_minutes: float = _f(6.0, range=(0.0, None), src="[A] docs/science.md section 2",
                                plausible=(3.0, 12.0), why="[A] half to double")
    rebuild_minutes: float = _f(8.0, range=(0.0, None), src="[A] receiver reads into an unseen ticket",
                                plausible=(4.0, 16.0), why="[A] half to double")
    context_loss_p: float = _f(0.3, range=(0.0, 1.0),
                               src="[A]; structured notes cut loss ~25 % (Starmer et al. 2014)",
                               plausible=(0.15, 0.45),
                               why="[A] half to 1.5 times; structured notes cut loss ~25 % (Starmer"
                                   " et al. 2014)")
    context_retention: float = _f(0.8, range=(0.0, 1.0), src="[A] context kept by a hand-off that is not lost",
                                  plausible=(0.6, 0.95), why="[A] a fair to a near-complete note")
    reexplain_minutes: float = _f(5.0, range=(0.0, None), src="[A] staff time to re-ask the customer",
                                  plausible=(2.0, 10.0), why="[A] 0.4 to double")
    misroute_p: float = _f(0.35, range=(0.0, 1.0),
                           src="calibrated: BPIC 2013 V3 fit 2026-12-03 (experiments/calibrate.py): base probability that a router (L1 triage; the intake "
                               "for L1 teams) sends a ticket to the wrong team of a line split "
                               "into teams, x (1 - proficiency in the domain) x (0.5 + "
                               "complexity) [A: shape]; 0: no mis-routes",
                           plausible=(0.2, 0.5), why="[A] around the V3 fit (search steps)")
    intake_proficiency: float = _f(0.0, range=(0.0, 1.0),
                                   src="[A] the intake's reading of a new ticket when it routes "
                                       "to one of several L1 teams (a dispatcher or the "
                                       "customer's choice of form: the ticket's text only, 0)",
                                   plausible=(0.0, 0.5),
                                   why="[A] the text only, up to half an agent's reading")
    lateral_wrong_p: float = _f(0.4, range=(0.0, 1.0),
                                src="calibrated: BPIC 2013 V3 fit 2026-12-03 (experiments/calibrate.py): probability that a wrong team bounces a ticket "
                                    "to another wrong team rather than its own (the top of the "
                                    "searched values)",
                                plausible=(0.2, 0.6), why="[A] around the V3 fit")
    lateral_context_loss: float = _f(1.0, range=(0.0, None),
                                     src="[A] context-loss multiplier of a lateral hand-off "
                                         "between teams of one kind (org graph edge)",
                                     plausible=(0.5, 1.0),
                                     why="[A] half to the same as a hand-off between lines")
    lag_median_hours: float = _f(0.0, range=(0.0, None),
                                 src="median assignment lag (working hours) between a ticket "
                                     "reaching a team and it being pickable there (team inbox "
                                     "triage), lognormal [A: shape]; 0: none. The BPIC 2013 V3 "
                                     "fit 2026-12-03 has 0.25 (experiments/calibrate.py FITTED; "
                                     "the log's transfer-queue wait: median 0.73 h, p90 58.2 h), "
                                     "not yet the default",
                                 plausible=(0.0, 0.5),
                                 why="[A] none (today's default) to twice the V3 fit")
    lag_sigma: float = _f(3.0, range=(0.0, 10.0),
                          src="calibrated: BPIC 2013 V3 fit 2026-12-03 (experiments/calibrate.py): log-sd of the lognormal assignment lag (the top of the "
                              "searched values; the log's p90/median alone gives 3.4)",
                          plausible=(2.0, 3.5), why="[A] around the V3 fit and the log's skew")


@dataclass
class EscalationConfig:
    """``mechanistic`` decides from complexity, mandate and skill; ``bernoulli`` is the
    queueing-theory mode (V2): L1 works every ticket, then escalates with probability ``p``
    independently of the ticket; L2 resolves; a resolved ticket reopens with ``reopen_p``."""

    mode: str = _f("mechanistic", choices=("mechanistic", "bernoulli"))
    p: float = _f(0.3, range=(0.0, 1.0))
    reopen_p: float = _f(0.0, range=(0.0, 0.99))
    l2_work_factor: float = _f(1.0, range=(1e-6, None),
                               src="bernoulli mode: L2 mean work / product.mean_work_hours")


@dataclass
class PilotConfig:
    start_day: int = _f(90, range=(0, None))
    duration_days: int = _f(91, range=(1, None), src="a quarter")
    segment: str = _f("mid_market")
    treated_share: float = _f(0.5, range=(0.01, 0.99), src="[A] half treated, half matched control")
    pod_size: int = _f(3, range=(1, 10000),
                       src="[A] drawn from the L2 team; 3 of 11 keeps L2's load about level")


@dataclass
class OrgConfig:
    design: str = _f("tiered", choices=("tiered", "generalist", "pilot"))
    staffing: str = _f("fixed", choices=("fixed", "sized"),
                       src="[A] fixed: the headcounts below; sized: every desk staffed to "
                           "workforce.planning.target_occupancy from a short measuring run")
    sizing_days: int = _f(42, range=(7, 3650), src="[A] length of the measuring run (sized)")
    ownership: str = _f("named", choices=("named", "pod"))
    queue_discipline: str = _f("fcfs", choices=("fcfs", "priority"),
                               src="van Dijk & van der Sluis 2008 (priority for short work)")
    info_request_p: float = _f(0.3, range=(0.0, 1.0),
                               src="[A]; Gupta et al. 2018: 57 % of IT tickets ask the user for input",
                               plausible=(0.15, 0.57),
                               why="[A] half, up to Gupta et al. 2018's 57 % of IT tickets")
    reply_wait_hours: float = _f(6.0, range=(0.0, None), src="[A] mean customer reply delay (calendar h)",
                                 plausible=(2.0, 24.0), why="[A] within a working morning to a day")
    close_minutes: float = _f(10.0, range=(0.0, None), src="[A] closing with the customer after a fix",
                              plausible=(5.0, 15.0), why="[A] half to 1.5 times")
    reopen_delay_hours: float = _f(48.0, range=(0.0, None), src="[A] mean delay before a reopen",
                                   plausible=(24.0, 120.0), why="[A] a day to five days")
    wrong_fix_reopen_p: float = _f(0.08, range=(0.0, 1.0),
                                   src="[A] x (1 - proficiency); BPIC 2013 overall reopen 6.8 %; "
                                       "the V3 fit 2026-12-03 has 1.0, the top of the range "
                                       "(not yet the default)",
                                   plausible=(0.04, 0.16),
                                   why="[A] half to double; reopens 1-7 % overall (docs/science.md "
                                       "§2)")
    script_reopen_p: float = _f(0.3, range=(0.0, 1.0), src="[A] off-pattern script close reopens",
                                plausible=(0.15, 0.5), why="[A] half to 1.7 times")
    backup_after_hours: float = _f(4.0, range=(0.0, None),
                                   src="[A] working hours a ticket waits at its desk before a "
                                       "person of a sister desk (same kind: another pod) who runs "
                                       "out of work may take it (mechanisms.backup); the default "
                                       "answer time of workforce.planning.answer_hours",
                                   plausible=(1.0, 8.0),
                                   why="[A] an hour to a whole working day")
    l1: L1Config = field(default_factory=L1Config)
    l2: L2Config = field(default_factory=L2Config)
    engineering: EngineeringConfig = field(default_factory=EngineeringConfig)
    specialists: SpecialistsConfig = field(default_factory=SpecialistsConfig)
    pods: PodsConfig = field(default_factory=PodsConfig)
    handoff: HandoffConfig = field(default_factory=HandoffConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    pilot: PilotConfig = field(default_factory=PilotConfig)


@dataclass
class SalaryConfig:
    """Annual *wage* per role (US, unloaded) and one loading factor for the employer's costs on
    top (benefits, payroll taxes, paid leave): a person costs ``<role> x loading`` a year at
    hire, plus ``annual_raise`` per completed year of tenure *inside the run*, the same rule for
    every role (model/talent.py). Wages are BLS Occupational Employment and Wage Statistics
    (OEWS) national medians, May 2023: the median is the typical incumbent, which the model's
    staff at default proficiency are meant to be (the mean is pulled up by the right tail).
    Figures marked [A] were recalled, not read off the table; see docs/science.md section 2."""

    l1: float = _f(59000.0, range=(0.0, None),
                   src="BLS OEWS May 2023, 15-1232 Computer User Support Specialists, median, "
                       "rounded to $1k [A: recalled, not checked; May 2024 median $60,340]",
                   plausible=(45000.0, 76000.0),
                   why="0.77-1.29 x median: the interquartile spread of 15-1151 user-support wages "
                       "(BLS OES May 2018, $39,310-$65,640 around $50,980)")
    l2: float = _f(73000.0, range=(0.0, None),
                   src="BLS OEWS May 2023, 15-1231 Computer Network Support Specialists, median, "
                       "rounded to $1k [A: recalled, not checked; May 2021 median $62,760]",
                   plausible=(56000.0, 94000.0),
                   why="[A] 0.77-1.29 x median, L1's interquartile spread (BLS OES May 2018)")
    generalist: float = _f(91000.0, range=(0.0, None),
                           src="[A] l2 x 1.25: a 25 % premium over L2 for breadth "
                               "(org.pods.breadth domains); no wage series for the role, range it",
                           plausible=(80300.0, 109500.0),
                           why="L2 x 1.1-1.5 at the default L2 (docs/science.md §2, [A])")
    specialist: float = _f(102000.0, range=(0.0, None),
                           src="[A] l2 x 1.4: a 40 % premium over L2 for depth in a specialist "
                               "domain; no wage series for the role, range it",
                           plausible=(87600.0, 116800.0), why="[A] L2 x 1.2-1.6 at the default L2")
    engineer: float = _f(132000.0, range=(0.0, None),
                         src="BLS OEWS May 2023, 15-1252 Software Developers, median, rounded to "
                             "$1k [A: recalled as $132,270, not checked]",
                         plausible=(102000.0, 170000.0),
                         why="[A] 0.77-1.29 x median, L1's interquartile spread (BLS OES May 2018)")
    loading: float = _f(1.42, range=(1.0, 3.0),
                        src="BLS ECEC Dec 2023, private industry: wages and salaries 70.4 % of "
                            "total compensation; 1 / 0.704 = 1.42",
                        plausible=(1.3, 1.45), why="1.3-1.45 (docs/science.md §2)")
    annual_raise: float = _f(0.03, range=(0.0, 1.0),
                             src="[A] raise per completed year of tenure inside the run, every "
                                 "role alike; US salary-increase budgets ran about 3-4 % a year "
                                 "in 2022-24 (WorldatWork), partly inflation, which the model "
                                 "does not have",
                             plausible=(0.02, 0.05),
                             why="2-5 % (docs/science.md §2; WorldatWork 3-4 % in 2022-24)")


@dataclass
class ProficiencyConfig:
    """Proficiency in [0, 1] per role of the staff present at day 0."""

    l1: float = _f(0.75, range=(0.0, 1.0), src="[A] L1 level mix near BPIC 2013's 0.60",
                   plausible=(0.65, 0.85), why="[A] +-0.1")
    l2: float = _f(0.9, range=(0.0, 1.0), src="[A]", plausible=(0.8, 0.95), why="[A] -0.1 to +0.05")
    generalist: float = _f(0.9, range=(0.0, 1.0), src="[A] in certified domains",
                           plausible=(0.8, 0.95), why="[A] -0.1 to +0.05")
    specialist: float = _f(0.95, range=(0.0, 1.0), src="[A]",
                           plausible=(0.85, 0.99), why="[A] -0.1 to +0.04")
    engineer: float = _f(0.95, range=(0.0, 1.0), src="[A]",
                         plausible=(0.85, 0.99), why="[A] -0.1 to +0.04")
    spread: float = _f(0.05, range=(0.0, 0.5), src="[A] sd across people",
                       plausible=(0.02, 0.1), why="[A] 0.4 to double")


@dataclass
class LearningConfig:
    """Learning by doing: per person and domain, p = a (1 - exp(-E / tau)) (Heathcote et al. 2000)."""

    tau_simple: float = _f(40.0, range=(1.0, 100000.0),
                           src="[A] tickets to 63 % of the gap, script-level work (L1)",
                           plausible=(10.0, 120.0),
                           why="tau 10-500 (docs/science.md §2, [A]): L1 proficient in weeks to "
                               "about 4 months")
    tau_complex: float = _f(150.0, range=(1.0, 100000.0),
                            src="[A] tickets to 63 % of the gap, complex work (other roles)",
                            plausible=(50.0, 500.0), why="tau 10-500 (docs/science.md §2, [A])")
    transfer: float = _f(0.3, range=(0.0, 1.0),
                         src="KC & Staats 2012 (related experience counts, less than focal)",
                         plausible=(0.0, 0.6), why="0-0.6 (docs/science.md §2; KC & Staats 2012)")
    veteran_ramp: float = _f(0.64, range=(0.1, 1.0),
                             src="De Grip et al. 2016 (-36 % time to proficiency beside veterans)",
                             plausible=(0.5, 0.9), why="0.5-0.9 (docs/science.md §2)")
    mentored_months: float = _f(6.0, range=(0.0, 120.0), src="[A] how long a mentor speeds the ramp",
                                plausible=(3.0, 12.0), why="[A] half to double")
    monthly_retention: float = _f(0.90, range=(0.0, 1.0),
                                  src="Argote, Beckman & Epple 1990; Kim 2009 (unused skill)",
                                  plausible=(0.75, 0.98),
                                  why="0.75-0.98 (docs/science.md §2; Argote et al. 1990)")
    variety_gain: float = _f(0.2, range=(0.0, 2.0),
                             src="[A] inverted U of variety on learning (Narayanan et al. 2009)",
                             plausible=(0.0, 0.4), why="[A] no variety effect (0) to double")
    variety_peak_domains: int = _f(3, range=(1, 64), src="[A] domains a month at the top of the U",
                                   plausible=(2, 5), why="[A] two to five domains a month")
    asymptote_mean: float = _f(0.95, range=(0.05, 1.0), src="[A] personal ceiling of proficiency",
                               plausible=(0.9, 0.99), why="[A] -0.05 to +0.04")
    asymptote_sd: float = _f(0.04, range=(0.0, 0.5), src="[A]",
                             plausible=(0.02, 0.08), why="[A] half to double")


@dataclass
class RoleRates:
    """Annual quit rate of a *reference* employee by role: past early tenure, not burnt out, not
    stagnating, paid at market. The drivers raise it for others, so these are set below the
    observed averages they are calibrated to reproduce at default settings (docs/science.md section 2:
    L1 0.35, L2 0.20, generalist 0.15, engineer 0.12)."""

    l1: float = _f(0.19, range=(0.0, 5.0), src="[A] -> emergent ~0.35 (Holman et al. 2007)",
                   plausible=(0.14, 0.33),
                   why="emergent L1 attrition 0.25-0.60 (docs/science.md §2; Holman et al. "
                       "2007) x 0.19 / 0.35, [A] as if the drivers scaled in proportion")
    l2: float = _f(0.125, range=(0.0, 5.0), src="[A] -> emergent ~0.20",
                   plausible=(0.08, 0.2), why="[A] 2/3 to 1.6 times")
    generalist: float = _f(0.11, range=(0.0, 5.0), src="[A] -> emergent ~0.15",
                           plausible=(0.07, 0.18), why="[A] 2/3 to 1.6 times")
    specialist: float = _f(0.11, range=(0.0, 5.0), src="[A] -> emergent ~0.15",
                           plausible=(0.07, 0.18), why="[A] 2/3 to 1.6 times")
    engineer: float = _f(0.08, range=(0.0, 5.0), src="[A] -> emergent ~0.12",
                         plausible=(0.05, 0.13), why="[A] 2/3 to 1.6 times")


@dataclass
class AttritionConfig:
    """Monthly quit hazard = base x early tenure x burnout x stagnation x market (Batt 2002)."""

    annual: RoleRates = field(default_factory=RoleRates)
    early_months: float = _f(3.0, range=(0.0, 120.0), src="practitioner surveys",
                             plausible=(2.0, 6.0),
                             why="[A] the first two months to the first half-year")
    early_multiplier: float = _f(2.0, range=(1.0, 10.0), src="practitioner surveys (1.5-3)",
                                 plausible=(1.5, 3.0),
                                 why="1.5-3 (docs/science.md §2; practitioner surveys)")
    burnout_threshold: float = _f(0.85, range=(0.0, 1.0),
                                  src="[A] utilisation above which load wears people out",
                                  plausible=(0.75, 0.95), why="[A] +-0.1")
    burnout_gain: float = _f(1.0, range=(0.0, 20.0), src="[A] Batt 2002 (direction)",
                             plausible=(0.5, 2.0), why="[A] half to double")
    stagnation_months: float = _f(12.0, range=(0.0, 600.0),
                                  src="[A] skilled and unpromoted this long: talent ceiling",
                                  plausible=(6.0, 24.0), why="[A] half to double")
    stagnation_skill: float = _f(0.85, range=(0.0, 1.0), src="[A] share of own ceiling reached",
                                 plausible=(0.75, 0.95), why="[A] +-0.1")
    stagnation_multiplier: float = _f(1.3, range=(1.0, 10.0), src="[A] Batt 2002 (no growth path)",
                                      plausible=(1.1, 1.6),
                                      why="[A] +10 % to +60 % quits without a growth path")
    market_premium: float = _f(0.6, range=(0.0, 5.0),
                               src="[A] outside pay rises with skill above the role's typical "
                                   "(workforce.proficiency.<role>)",
                               plausible=(0.3, 1.0), why="[A] half to 1.7 times")
    market_elasticity: float = _f(2.0, range=(0.0, 10.0), src="[A] Batt 2002 (relative pay)",
                                  plausible=(1.0, 4.0), why="[A] half to double")
    initial_tenure_months: float = _f(24.0, range=(0.0, 600.0),
                                      src="[A] mean tenure of the staff at day 0 (exponential)",
                                      plausible=(12.0, 48.0), why="[A] half to double")


@dataclass
class PromotionConfig:
    """Promotions move people (L1 -> L2 on an L2 vacancy) or raise a generalist's level (senior,
    lead); pay follows the role (``workforce.salary``), never the level: the tenure raise
    ``workforce.salary.annual_raise`` is the one pay rule for every role."""

    min_tenure_months: float = _f(6.0, range=(0.0, 600.0), src="[A] before an L1 can move to L2",
                                  plausible=(3.0, 12.0), why="[A] half to double")
    min_proficiency: float = _f(0.6, range=(0.0, 1.0), src="[A]",
                                plausible=(0.5, 0.75), why="[A] -0.1 to +0.15")
    senior_months: float = _f(24.0, range=(0.0, 600.0), src="[A] generalist growth in place",
                              plausible=(12.0, 36.0), why="[A] half to 1.5 times")
    lead_months: float = _f(48.0, range=(0.0, 600.0), src="[A]",
                            plausible=(36.0, 72.0), why="[A] 3/4 to 1.5 times")
    level_skill: float = _f(0.8, range=(0.0, 1.0), src="[A] proficiency needed for a level",
                            plausible=(0.7, 0.9), why="[A] +-0.1")
    from_short_l1: bool = _f(False,
                             src="[A] an L2 vacancy promotes an L1 only while no L1 seat is "
                                 "waiting for a hire; else it is hired from outside (true: "
                                 "promote regardless, draining a desk already short)")


@dataclass
class RoleWeeks:
    l1: float = _f(3.0, range=(0.0, 104.0), src="BLS: CSR on-the-job training 2-4 weeks",
                   plausible=(2.0, 4.0), why="2-4 weeks (BLS, docs/science.md §2)")
    l2: float = _f(4.0, range=(0.0, 104.0), src="[A]",
                   plausible=(2.0, 8.0), why="[A] half to double")
    generalist: float = _f(8.0, range=(0.0, 104.0),
                           src="[A] L2's 4 weeks + 4 for breadth (org.pods.breadth domains): "
                               "part of the price of breadth, with the salary premium",
                           plausible=(5.0, 12.0), why="[A] L2's range plus 3-4 weeks for breadth")
    specialist: float = _f(6.0, range=(0.0, 104.0), src="[A]",
                           plausible=(4.0, 10.0), why="[A] 2/3 to 1.7 times")
    engineer: float = _f(6.0, range=(0.0, 104.0), src="[A]",
                         plausible=(4.0, 12.0), why="[A] 2/3 to double")


@dataclass
class RoleProficiency:
    l1: float = _f(0.05, range=(0.0, 1.0), src="[A] novice",
                   plausible=(0.0, 0.2), why="[A] a novice to some prior support experience")
    l2: float = _f(0.6, range=(0.0, 1.0), src="[A] experienced external hire",
                   plausible=(0.45, 0.75), why="[A] +-0.15")
    generalist: float = _f(0.45, range=(0.0, 1.0),
                           src="[A] below L2's 0.6: a hire rarely knows all of a pod's domains "
                               "(part of the price of breadth)",
                           plausible=(0.3, 0.6), why="[A] +-0.15, at most L2's")
    specialist: float = _f(0.6, range=(0.0, 1.0), src="[A]",
                           plausible=(0.45, 0.75), why="[A] +-0.15")
    engineer: float = _f(0.6, range=(0.0, 1.0), src="[A]", plausible=(0.45, 0.75), why="[A] +-0.15")


@dataclass
class HiringConfig:
    lead_time_weeks: float = _f(8.0, range=(0.0, 520.0), src="[A] 4-16 weeks",
                                plausible=(4.0, 16.0), why="4-16 weeks (docs/science.md §2, [A])")
    onboarding_weeks: RoleWeeks = field(default_factory=RoleWeeks)
    hire_proficiency: RoleProficiency = field(default_factory=RoleProficiency)
    mentoring_hours_per_week: float = _f(4.0, range=(0.0, 40.0),
                                         src="[A] senior time per new hire while onboarding",
                                         plausible=(2.0, 8.0), why="[A] half to double")
    replacement_cost_months: float = _f(3.5, range=(0.0, 24.0),
                                        src="Holman et al. 2007 (3-4 months of salary)",
                                        plausible=(3.0, 4.0),
                                        why="3-4 months of salary (Holman et al. 2007)")


@dataclass
class PlanningConfig:
    """Headcount planning (``mechanisms.planning``, model/staffing.py) and initial sizing
    (``org.staffing=sized``), one rule for every desk of either design: a desk (each pod is
    one) with a load of R people at full occupancy needs at least R / target_occupancy people,
    more while an M/M/c desk would pick up less than service_level of its work within
    answer_hours working hours (Erlang C with the desk's mean hours per piece); safety_beta
    adds the square-root term R + beta sqrt(R) if set. Each review, every desk's headcount
    plan follows that need (hires through the normal lead time when short; open requisitions
    cancelled, then leavers not replaced, when long; no lay-offs). The load is pooled over the
    last window_reviews reviews."""

    target_occupancy: float = _f(0.80, range=(0.05, 1.0), src="Koole & Mandelbaum 2002 (0.70-0.95)",
                                 plausible=(0.7, 0.95), why="0.70-0.95 (Koole & Mandelbaum 2002)")
    tolerance: float = _f(0.05, range=(0.0, 0.5),
                          src="[A] no change while occupancy is within target +- tolerance",
                          plausible=(0.02, 0.1), why="[A] 0.4 to double")
    review_days: int = _f(30, range=(7, 3650), src="[A] monthly headcount review",
                          plausible=(14, 91), why="[A] fortnightly to quarterly")
    max_cut_share: float = _f(0.1, range=(0.0, 1.0),
                              src="[A] largest cut of a desk's plan per review (at least 1 "
                                  "person); growth goes to the full need at once",
                              plausible=(0.05, 0.25), why="[A] half to 2.5 times")
    window_reviews: int = _f(3, range=(1, 120),
                             src="[A] the plan follows the load of the last 3 reviews (a "
                                 "rolling quarter), not one month's",
                             plausible=(1, 6), why="[A] the last review only to half a year")
    redeploy_after_reviews: int = _f(3, range=(0, 1000),
                                     src="[A] a desk above its plan for 3 reviews in a row moves "
                                         "one person a review out of support (0: never; the "
                                         "surplus waits for leavers)",
                                     plausible=(1, 6),
                                     why="[A] after one review to half a year (0, never, is a "
                                         "switch)")
    answer_hours: float = _f(4.0, range=(0.0, None),
                             src="[A] written support: work picked up within half a working "
                                 "day (0: no service-level check)",
                             plausible=(2.0, 8.0), why="[A] a quarter to a whole working day")
    service_level: float = _f(0.8, range=(0.0, 0.999),
                              src="[A] the contact-centre 80/20 convention (80 % within the "
                                  "answer time; Koole 2013, ch. 2)",
                              plausible=(0.7, 0.9), why="[A] 70-90 % around the 80/20 convention")
    safety_beta: float = _f(0.0, range=(0.0, 10.0),
                            src="Borst, Mandelbaum & Reiman 2004 (square-root staffing "
                                "c = R + beta sqrt(R), beta about 0.5-1.5 for call centres; 0 "
                                "here: a ticket desk's service level is hours, not seconds)",
                            plausible=(0.0, 0.5),
                            why="[A] none (0) up to the bottom of the call-centre 0.5-1.5 (Borst et"
                                " al. 2004)")
    min_headcount: int = _f(2, range=(1, 1000),
                            src="[A] smallest planned desk: cover for absence and leavers",
                            plausible=(1, 3), why="[A] one to three people")
    min_domain_headcount: int = _f(2, range=(1, 1000),
                                   src="[A] fewest people certified in each domain of a pod "
                                       "(sized pods, planning cuts): one alone has no cover for "
                                       "a long ticket in hand, absence or a quit",
                                   plausible=(1, 3), why="[A] one to three people")


@dataclass
class WorkforceConfig:
    salary: SalaryConfig = field(default_factory=SalaryConfig)
    proficiency: ProficiencyConfig = field(default_factory=ProficiencyConfig)
    novice_multiplier: float = _f(1.65, range=(1.0, 10.0),
                                  src="De Grip, Sauermann & Sieben 2016 (+64 % in year one)",
                                  plausible=(1.3, 2.5), why="1.3-2.5 (docs/science.md §2)")
    learning: LearningConfig = field(default_factory=LearningConfig)
    attrition: AttritionConfig = field(default_factory=AttritionConfig)
    promotion: PromotionConfig = field(default_factory=PromotionConfig)
    hiring: HiringConfig = field(default_factory=HiringConfig)
    planning: PlanningConfig = field(default_factory=PlanningConfig)


@dataclass
class FeedbackConfig:
    """Product-feedback loop (``mechanisms.feedback``, model/feedback.py): class signals that fade
    at each hand-off, product fixes on a planning cadence, workflows and snippets."""

    signal_retention_per_handoff: float = _f(0.7, range=(0.0, 1.0),
                                             src="[A] docs/science.md section 2 (range 0.5-0.9)",
                                             plausible=(0.5, 0.9),
                                             why="0.5-0.9 (docs/science.md §2, [A])")
    script_signal_factor: float = _f(0.3, range=(0.0, 1.0),
                                     src="[A] a script close records the symptom it matched, "
                                         "not the root cause; an end-to-end owner sees it (1)",
                                     plausible=(0.1, 0.6), why="[A] a third to double")
    evidence_half_life_days: float = _f(91.0, range=(1.0, None),
                                        src="[A] product weighs about a quarter's signals",
                                        plausible=(45.0, 182.0), why="[A] half to double")
    evidence_threshold: float = _f(20.0, range=(0.0, None),
                                   src="[A] detail-weighted signals before product considers a class",
                                   plausible=(10.0, 40.0), why="[A] half to double")
    planning_interval_days: int = _f(91, range=(1, 3650), src="[A] quarterly planning",
                                     plausible=(30, 182), why="[A] monthly to half-yearly")
    fixes_per_quarter: float = _f(2.0, range=(0.0, 1000.0),
                                  src="[A] product capacity for support-driven fixes",
                                  plausible=(1.0, 4.0), why="[A] half to double")
    fix_lead_time_weeks: float = _f(8.0, range=(0.0, 520.0), src="[A] docs/science.md section 2 (2-26)",
                                    plausible=(2.0, 26.0),
                                    why="2-26 weeks (docs/science.md §2, [A])")
    fix_effect: float = _f(0.8, range=(0.0, 1.0),
                           src="[A] share of a fixed class's arrivals removed; Amazon cut contacts "
                               "per order 90 % in 5 years (Price & Jaffe 2008)",
                           plausible=(0.5, 0.95),
                           why="[A] half to nearly all of the class's arrivals")
    workflow_p: float = _f(0.05, range=(0.0, 1.0),
                           src="[A] an eligible resolver writes a workflow or snippet",
                           plausible=(0.02, 0.1), why="[A] 0.4 to double")
    workflow_hours: float = _f(1.5, range=(0.0, None), src="[A] writing a workflow or KB article",
                               plausible=(0.75, 3.0), why="[A] half to double")
    workflow_min_proficiency: float = _f(0.85, range=(0.0, 1.0),
                                         src="[A] above L1's, at L2's and generalists' starting level",
                                         plausible=(0.75, 0.9), why="[A] -0.1 to +0.05")
    workflow_half_life_days: float = _f(365.0, range=(1.0, None),
                                        src="[A] a customer's setup changes: a workflow stops "
                                            "holding after an exponential time of this half-life",
                                        plausible=(182.0, 730.0), why="[A] half to double")
    deflection_share: float = _f(0.5, range=(0.0, 1.0),
                                 src="[A] docs/science.md section 2 (0.2-0.9); KCS; Price & Jaffe 2008",
                                 plausible=(0.2, 0.9), why="0.2-0.9 (docs/science.md §2, [A])")


@dataclass
class EconomicsConfig:
    """How lost revenue is valued in the outcome accounting (``model/metrics.py``,
    ``outcome_kpis``): a customer who leaves takes the MRR they would have paid over
    ``customer_lifetime_months`` more months, discounted at ``discount_rate_annual``."""

    customer_lifetime_months: float = _f(
        36.0, range=(0.0, 600.0),
        src="[A] months of revenue a churned customer would still have paid; 3 years is a "
            "common customer-lifetime-value horizon (1 / annual churn of 10-15 % gives 7-10 "
            "years; range 12-120)",
                                         plausible=(12.0, 120.0),
                                         why="[A] 1-10 years (1 / annual churn of 10-15 % gives "
                                             "7-10)")
    discount_rate_annual: float = _f(
        0.10, range=(0.0, 1.0),
        src="[A] cost of capital for discounting future MRR (range 0.05-0.20)",
                                     plausible=(0.05, 0.2), why="[A] 5-20 % cost of capital")


@dataclass
class MechanismsConfig:
    """Switches for the mechanisms this version implements (docs/design.md section 5)."""

    handoff_overhead: bool = _f(True)
    backup: bool = _f(True, src="desks of the same kind back each other up (org.backup_after_hours)")
    reopen: bool = _f(True)
    near_miss_closes: bool = _f(True, src="a script-shaped close of an off-pattern ticket that is "
                                          "not reopened leaves the problem unsolved: an "
                                          "unresolved episode for the customer "
                                          "(with mechanisms.customers)")
    learning: bool = _f(True)
    attrition: bool = _f(True)
    promotion: bool = _f(True)
    hiring: bool = _f(True)
    planning: bool = _f(True)
    feedback: bool = _f(True)
    customers: bool = _f(True)
    correlated_problems: bool = _f(True)
    shared_fixes: bool = _f(False, src="solving one of a group of correlated problems helps with "
                                       "the others: the answer is reused and linked customers "
                                       "may be reached before they write in (with "
                                       "mechanisms.correlated_problems); off by default until "
                                       "the experiments of docs/results.md are rerun with it")


@dataclass
class SensitivityConfig:
    """The row of a sampled experiment's design file this run takes (``experiments/designfile.py``,
    ``experiments/sensitivity.py``): front-end bookkeeping, applied before validation; the model
    never reads it."""

    design: str = _f("", src="path of the design file (CSV) of a sampled experiment; empty: none")
    sample: int = _f(-1, range=(-1, None), src="the design file's row for this run; -1: none")


@dataclass
class ObservedConfig:
    """What a helpdesk export says about the org (written by ``tiersim-import``; -1 = unknown).
    Compared with the model's tiered run in ``answer.md``; the model never reads it."""

    tickets_per_day: float = _f(-1.0, range=(-1.0, None), src="export: tickets created per calendar day")
    handoffs_mean: float = _f(-1.0, range=(-1.0, None),
                              src="export: group changes per ticket after the first assignment")
    no_handoff_share: float = _f(-1.0, range=(-1.0, 1.0), src="export: tickets never reassigned")
    reopen_share: float = _f(-1.0, range=(-1.0, 1.0), src="export: tickets reopened at least once")
    resolution_hours_median: float = _f(-1.0, range=(-1.0, None),
                                        src="export: median created -> solved, calendar hours")
    resolution_hours_median_by_handoffs: list[float] = _f(
        [], range=(-1.0, None),
        src="export: median created -> solved (calendar hours) of the solved tickets with 0, 1, "
            "2 and 3 or more hand-offs; -1 where there are none; empty = unknown")
    tickets: int = _f(0, range=(0, None), src="export: tickets read")
    source: str = _f("", src="export file and format the figures came from")


@dataclass
class ProfileConfig:
    """A support leader's own org (``conf/profile/<name>.yaml``, ``tiersim profile=<name>``):
    front-end bookkeeping; the profile file sets the ordinary keys (customers, demand, product,
    salaries, today's tiered headcounts) and this section says how to answer for it
    (``experiments/profile.py``). The model never reads it."""

    name: str = _f("", src="the profile's name; empty: no profile (tiersim runs one run)")
    description: str = _f("")
    seeds: int = _f(8, range=(2, 1000), src="paired seeds per design for answer.md")
    tickets_per_customer_month: float = _f(
        0.0, range=(0.0, None),
        src="tickets per customer per month at the start; > 0 sets demand.tickets_per_day to "
            "this x customers.count x 12 / 365; 0 keeps demand.tickets_per_day")
    occupancy: float = _f(0.0, range=(0.0, 1.0),
                          src="target occupancy both designs are staffed to; 0 = today's, "
                              "measured on a short tiered run at the profile's headcounts")
    observed: ObservedConfig = field(default_factory=ObservedConfig)


@dataclass
class Config:
    seed: int = _f(0, range=(0, 2**63 - 1))
    sim: SimConfig = field(default_factory=SimConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    product: ProductConfig = field(default_factory=ProductConfig)
    customers: CustomersConfig = field(default_factory=CustomersConfig)
    org: OrgConfig = field(default_factory=OrgConfig)
    workforce: WorkforceConfig = field(default_factory=WorkforceConfig)
    mechanisms: MechanismsConfig = field(default_factory=MechanismsConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)
    profile: ProfileConfig = field(default_factory=ProfileConfig)
    # Front-end bookkeeping (ignored by the model): the experiment's name and the output root.
    experiment: str = _f("default")
    regime: str = _f("none")


#: The numeric parameters deliberately left without a plausible range, by reason (dotted Hydra
#: keys; ``*`` stands for any segment index). Every other scalar numeric field has one
#: (tests/test_ranges.py). Lists (profiles, business hours, workdays), switches and choices are
#: not ranged either: they are structure, not quantities to sample.
NOT_RANGED: dict[str, tuple[str, ...]] = {
    "simulation controls and observation": (
        "seed", "sim.horizon_days", "sim.warmup_days", "sim.stalled_after_working_hours",
        "org.sizing_days", "sensitivity.sample"),
    "a profile's own org: how to answer for it and what its helpdesk export says "
    "(`conf/profile/`, `tiersim-import`), facts rather than beliefs": (
        "profile.seeds", "profile.occupancy", "profile.tickets_per_customer_month",
        "profile.observed.*"),
    "the size of the organisation studied, a scenario rather than a belief (the contact rate "
    "per customer is ranged through `demand.tickets_per_day`)": (
        "customers.count",),
    "constrained or a reference (the segments' shares must sum to 1; ticket intensities are "
    "relative to SMB's)": (
        "customers.segments.*.share", "customers.segments.0.ticket_intensity"),
    "staffing decisions, which `org.staffing=sized` sets from the load": (
        "org.l1.headcount", "org.l2.headcount", "org.engineering.headcount",
        "org.specialists.headcount"),
    "the tiered org's team structure, fitted to BPIC 2013 with the hand-off rates: a "
    "description of the organisation studied rather than a belief": (
        "org.l1.teams", "org.l2.teams"),
    "the generalist design's own levers, which define the design compared": (
        "org.pods.count", "org.pods.size", "org.pods.breadth", "org.pods.flexible_share"),
    "used in the queueing-theory mode only (`org.escalation.mode=bernoulli`)": (
        "org.escalation.p", "org.escalation.reopen_p", "org.escalation.l2_work_factor"),
    "the pilot design's experiment controls (`org=pilot`)": (
        "org.pilot.start_day", "org.pilot.duration_days", "org.pilot.treated_share",
        "org.pilot.pod_size"),
}


# ------------------------------------------------------------------------------------------------
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_start_date(value) -> dt.date:
    """``value`` as a date: an ISO date string (``YYYY-MM-DD``) that falls on a Monday, as day 0
    of the simulated calendar does. Raises ``ValueError`` naming what is wrong."""
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO date string YYYY-MM-DD, got {type(value).__name__}")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO date YYYY-MM-DD") from None
    if day.weekday() != 0:
        raise ValueError(f"must be a Monday (day 0 of the simulated calendar is a Monday); "
                         f"{day.isoformat()} is a {WEEKDAYS[day.weekday()]}")
    return day


def _range_text(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"between {lo} and {hi}"
    if lo is not None:
        return f">= {lo}"
    return f"<= {hi}"


def _check_value(key: str, value: Any, ftype: Any, meta: dict, errors: list[str]) -> None:
    rng, choices = meta.get("range"), meta.get("choices")
    values = value if isinstance(value, list) else [value]
    if meta.get("length") is not None and isinstance(value, list) and len(value) != meta["length"]:
        errors.append(f"{key} = {value!r}: needs exactly {meta['length']} values")
    for v in values:
        if isinstance(v, bool) and "bool" not in str(ftype):
            errors.append(f"{key} = {v!r}: expected a number, got a boolean")
        elif choices is not None and v not in choices:
            errors.append(f"{key} = {v!r}: allowed values are {', '.join(choices)}")
        elif rng is not None and isinstance(v, int | float):
            lo, hi = rng
            if (lo is not None and v < lo) or (hi is not None and v > hi) or v != v:
                errors.append(f"{key} = {v!r}: must be {_range_text(lo, hi)}")


def _walk(obj: Any, prefix: str, errors: list[str]) -> None:
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            _walk(value, key + ".", errors)
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                _walk(item, f"{key}[{i}].", errors)
        else:
            _check_value(key, value, f.type, dict(f.metadata), errors)


def _cross_checks(cfg: Config, errors: list[str]) -> None:
    sim, prod, org = cfg.sim, cfg.product, cfg.org
    try:
        parse_start_date(sim.start_date)
    except ValueError as e:
        errors.append(f"sim.start_date = {sim.start_date!r}: {e}")
    if sim.warmup_days >= sim.horizon_days:
        errors.append(f"sim.warmup_days = {sim.warmup_days}: must be < sim.horizon_days "
                      f"({sim.horizon_days})")
    if sim.calendar == "business":
        lo, hi = sim.business_hours
        if not lo < hi:
            errors.append(f"sim.business_hours = {sim.business_hours}: start must be before end")
        if not sim.workdays:
            errors.append("sim.workdays = []: at least one working weekday is needed")
    if sum(cfg.demand.hourly_profile) <= 0 or sum(cfg.demand.weekday_profile) <= 0:
        errors.append("demand.hourly_profile / weekday_profile: need a positive total")
    if cfg.demand.tickets_per_day <= 0:
        errors.append(f"demand.tickets_per_day = {cfg.demand.tickets_per_day}: no ticket would "
                      "ever arrive (every KPI would be empty); must be > 0")
    elif sum(s.share * s.ticket_intensity for s in cfg.customers.segments) <= 0:
        errors.append("customers.segments[*].ticket_intensity: zero in every segment with "
                      "customers, so no ticket would ever arrive; at least one must be > 0")
    spec = prod.specialist_domains if prod.specialist_share > 0 else 0
    if prod.specialist_share > 0 and prod.specialist_domains < 1:
        errors.append(f"product.specialist_domains = {prod.specialist_domains}: must be >= 1 "
                      "when product.specialist_share > 0")
    if spec >= prod.domains:
        errors.append(f"product.specialist_domains = {prod.specialist_domains}: must be < "
                      f"product.domains ({prod.domains}) when product.specialist_share > 0")
    regular = prod.domains - spec
    if spec and org.specialists.headcount < 1:
        errors.append(f"org.specialists.headcount = {org.specialists.headcount}: must be >= 1 "
                      "when product.specialist_share > 0")
    if prod.engineering_share > 0 and org.engineering.headcount < 1:
        errors.append(f"org.engineering.headcount = {org.engineering.headcount}: must be >= 1 "
                      "when product.engineering_share > 0")
    if abs(sum(s.share for s in cfg.customers.segments) - 1.0) > 1e-6:
        errors.append("customers.segments[*].share: shares must sum to 1, got "
                      f"{sum(s.share for s in cfg.customers.segments):.4f}")
    if org.design in ("tiered", "pilot"):
        if org.l1.headcount < 1:
            errors.append(f"org.l1.headcount = {org.l1.headcount}: must be >= 1 for design "
                          f"{org.design}")
        if org.l2.headcount < 1 and (org.escalation.mode == "mechanistic" or org.escalation.p > 0):
            errors.append(f"org.l2.headcount = {org.l2.headcount}: must be >= 1 for design "
                          f"{org.design}")
        for part in ("l1", "l2"):
            c = getattr(org, part)
            n = min(c.teams, prod.domains)  # at most one team per domain (model/org.py)
            if n > 1 and org.staffing == "fixed" and 0 < c.headcount < n:
                errors.append(f"org.{part}.headcount = {c.headcount}: at least one person per "
                              f"team (org.{part}.teams = {c.teams})")
    if org.design == "generalist":
        if org.pods.count < 1 or org.pods.size < 1:
            errors.append(f"org.pods.count = {org.pods.count}, org.pods.size = {org.pods.size}: "
                          "both must be >= 1 for design generalist")
        breadth = org.pods.breadth or regular  # 0: every regular domain
        if org.pods.breadth > regular:
            errors.append(f"org.pods.breadth = {org.pods.breadth}: must be <= the "
                          f"{regular} non-specialist product domains")
        elif org.pods.size * breadth < regular:
            errors.append(f"org.pods.size x org.pods.breadth = {org.pods.size * breadth}: "
                          f"a pod must cover all {regular} non-specialist domains")
    if org.design == "pilot":
        names = [s.name for s in cfg.customers.segments]
        if org.pilot.segment not in names:
            errors.append(f"org.pilot.segment = {org.pilot.segment!r}: allowed values are "
                          f"{', '.join(names)}")
        if org.pilot.pod_size >= org.l2.headcount:
            errors.append(f"org.pilot.pod_size = {org.pilot.pod_size}: must be < "
                          f"org.l2.headcount ({org.l2.headcount}), or L2 is left empty")
        if org.pilot.start_day >= sim.horizon_days:
            errors.append(f"org.pilot.start_day = {org.pilot.start_day}: must be < "
                          f"sim.horizon_days ({sim.horizon_days})")


# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RangedParameter:
    """A parameter with a plausible range: what the sensitivity analysis samples."""

    key: str          # dotted Hydra override path, e.g. "feedback.workflow_p"
    default: float
    low: float
    high: float
    integer: bool     # an int field: samples are rounded
    why: str
    src: str


def _is_int(f: dataclasses.Field) -> bool:
    return f.type in ("int", int)


def _is_dc_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and dataclasses.is_dataclass(value[0])


def _ranged(obj: Any, prefix: str, out: list[RangedParameter]) -> None:
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        meta = f.metadata
        if dataclasses.is_dataclass(value):
            _ranged(value, key + ".", out)
        elif _is_dc_list(value):
            table = meta.get("plausible") or {}
            for i, item in enumerate(value):
                ranges = table.get(getattr(item, "name", None), {})
                for g in dataclasses.fields(item):
                    if g.name in ranges:
                        lo, hi, why = ranges[g.name]
                        out.append(RangedParameter(
                            f"{key}.{i}.{g.name}", float(getattr(item, g.name)), float(lo),
                            float(hi), _is_int(g), why, g.metadata.get("src") or "[A]"))
        elif meta.get("plausible") is not None:
            lo, hi = meta["plausible"]
            out.append(RangedParameter(key, float(value), float(lo), float(hi), _is_int(f),
                                       meta.get("why", ""), meta.get("src") or "[A]"))


def ranged_parameters(cfg: Config | None = None) -> list[RangedParameter]:
    """Every field with a plausible range, in schema order; defaults read from ``cfg`` (default Config()).

    The ranges are the schema's, whatever ``cfg`` holds: a config that departs from the schema's
    defaults (e.g. ``regime=telco_1990``: ``workforce.salary.l1`` 36,500,
    ``customers.relationship_weight`` 0) may have a default outside ``[low, high]``. Segment keys
    index the list as Hydra does: ``customers.segments.0.churn_monthly``; a segment gets its
    ranges by name (``smb``, ``mid_market``, ``enterprise``)."""
    out: list[RangedParameter] = []
    _ranged(cfg if cfg is not None else Config(), "", out)
    return out


def set_key(cfg: Config, key: str, value) -> None:
    """Set the field at dotted path ``key`` on ``cfg`` in place (ConfigError for an unknown path).

    The path is Hydra's override syntax: list elements by index, e.g.
    ``customers.segments.0.churn_monthly``. An int field takes a whole-valued float as an int
    (and rejects a fractional one); a float field takes an int as a float. The value's range is
    :func:`validate`'s business."""

    def bad(reason: str) -> ConfigError:
        return ConfigError(f"invalid configuration:\n  - {key}: {reason}")

    parts = key.split(".") if isinstance(key, str) and key else []
    if not parts or any(not p for p in parts):
        raise bad("not a dotted key")
    obj: Any = cfg
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "the top level"
        last = depth == len(parts) - 1
        if _is_dc_list(obj):
            if not part.isdigit() or int(part) >= len(obj):
                raise bad(f"unknown key: {here} has items 0..{len(obj) - 1}")
            if last:
                raise bad("is a list item, not a parameter")
            obj = obj[int(part)]
            continue
        if not dataclasses.is_dataclass(obj):
            raise bad(f"unknown key: {here} is a parameter, not a group")
        known = {f.name: f for f in dataclasses.fields(obj)}
        if part not in known:
            raise bad(f"unknown key; allowed keys in {here} are {', '.join(known)}")
        current = getattr(obj, part)
        if not last:
            obj = current
            continue
        if dataclasses.is_dataclass(current) or _is_dc_list(current):
            raise bad("is a group, not a parameter")
        f = known[part]
        if isinstance(value, bool) or not isinstance(value, int | float):
            pass  # strings, lists, booleans: as given
        elif _is_int(f):
            if value != int(value):
                raise bad(f"expects an integer, got {value!r}")
            value = int(value)
        elif f.type in ("float", float):
            value = float(value)
        setattr(obj, part, value)


def _plausible_problems(key: str, default: Any, rng: tuple | None, plausible: Any, why: str,
                        integer: bool) -> list[str]:
    if not (isinstance(plausible, tuple) and len(plausible) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in plausible)):
        return [f"{key}: plausible range {plausible!r} must be a (low, high) pair of numbers"]
    lo, hi = plausible
    errors = []
    if not lo < hi:
        errors.append(f"{key}: plausible range ({lo}, {hi}) needs low < high")
    if rng is not None:
        rlo, rhi = rng
        if (rlo is not None and lo < rlo) or (rhi is not None and hi > rhi):
            errors.append(f"{key}: plausible range ({lo}, {hi}) must lie inside the allowed "
                          f"range ({_range_text(rlo, rhi)})")
    if not (isinstance(default, int | float) and lo <= default <= hi):
        errors.append(f"{key}: plausible range ({lo}, {hi}) must contain the default "
                      f"{default!r}")
    if integer and not (float(lo).is_integer() and float(hi).is_integer()):
        errors.append(f"{key}: plausible range ({lo}, {hi}) of an integer field needs "
                      "whole-number bounds")
    if not why.strip():
        errors.append(f"{key}: plausible range ({lo}, {hi}) needs its reason (why=...)")
    return errors


def schema_problems(root: Any = None) -> list[str]:
    """The schema's own faults in the plausible ranges of ``root`` (a dataclass instance; default
    ``Config()``): a range outside the hard ``range``, not containing the default, with low >=
    high, without a reason, or a reason without a range. Empty when the schema is sound."""
    errors: list[str] = []

    def walk(obj: Any, prefix: str) -> None:
        for f in dataclasses.fields(obj):
            key = f"{prefix}{f.name}"
            value = getattr(obj, f.name)
            meta = f.metadata
            if dataclasses.is_dataclass(value):
                walk(value, key + ".")
            elif _is_dc_list(value):
                table = meta.get("plausible") or {}
                by_name = {getattr(item, "name", None): (i, item) for i, item in enumerate(value)}
                for name, ranges in table.items():
                    if name not in by_name:
                        errors.append(f"{key}: plausible ranges for {name!r}, which is not a "
                                      "default item")
                        continue
                    i, item = by_name[name]
                    fields = {g.name: g for g in dataclasses.fields(item)}
                    for fname, (lo, hi, why) in ranges.items():
                        k = f"{key}.{i}.{fname}"
                        if fname not in fields:
                            errors.append(f"{k}: plausible range for an unknown field")
                            continue
                        g = fields[fname]
                        errors.extend(_plausible_problems(
                            k, getattr(item, fname), g.metadata.get("range"), (lo, hi), why,
                            _is_int(g)))
            elif meta.get("plausible") is not None:
                errors.extend(_plausible_problems(key, value, meta.get("range"),
                                                  meta["plausible"], meta.get("why", ""),
                                                  _is_int(f)))
            elif meta.get("why"):
                errors.append(f"{key}: a reason (why=...) without a plausible range")

    walk(root if root is not None else Config(), "")
    return errors


_SCHEMA_PROBLEMS: list[str] | None = None


def schema_field(key: str) -> tuple[type, dataclasses.Field]:
    """The dataclass holding the dotted config ``key`` and its field, e.g. ``"org.l1.headcount"``
    -> ``(L1Config, <field headcount>)``; a list of segments takes an index
    (``customers.segments.0.mrr``). Raises :class:`ConfigError` naming the first unknown part,
    with the closest valid key when one is close (:mod:`difflib`)."""
    cls: type = Config
    parts = key.split(".")
    i = 0
    while True:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        name = parts[i]
        if name not in fields:
            here = ".".join(parts[:i])
            near = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
            if near:
                hint = f"did you mean {'.'.join([*parts[:i], near[0]])}?"
            else:
                near = difflib.get_close_matches(key, leaf_keys(), n=1, cutoff=0.75)
                hint = (f"did you mean {near[0]}?" if near else
                        f"the keys of {here or 'the top level'} are {', '.join(fields)}")
            raise ConfigError(f"{key}: no such config key; {hint}")
        f = fields[name]
        if i == len(parts) - 1:
            return cls, f
        sub = _subclass(cls, name)
        if sub is None and name == "segments" and cls is CustomersConfig:
            if not parts[i + 1].isdigit():
                raise ConfigError(f"{key}: {'.'.join(parts[:i + 1])} is a list: give an index, "
                                  f"e.g. {'.'.join(parts[:i + 1])}.0.{parts[i + 1]}")
            i += 1
            if i == len(parts) - 1:
                return cls, f
            sub = SegmentConfig
        if sub is None:
            raise ConfigError(f"{key}: {'.'.join(parts[:i + 1])} is a value, not a group of keys")
        cls, i = sub, i + 1


def leaf_keys(cls: type | None = None, prefix: str = "") -> list[str]:
    """Every dotted key of the schema that holds a value (segments as ``customers.segments.0.*``)."""
    out: list[str] = []
    default = (cls or Config)()
    for f in dataclasses.fields(default):
        value = getattr(default, f.name)
        if dataclasses.is_dataclass(value):
            out += leaf_keys(type(value), f"{prefix}{f.name}.")
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            out += leaf_keys(type(value[0]), f"{prefix}{f.name}.0.")
        else:
            out.append(f"{prefix}{f.name}")
    return out


def field_problems(key: str, value: Any, f: dataclasses.Field) -> list[str]:
    """What is wrong with ``value`` (already of the field's type) for the field ``f`` at ``key``:
    its range, choices or length, in :func:`validate`'s words (empty if nothing)."""
    errors: list[str] = []
    if dataclasses.is_dataclass(value) or (isinstance(value, list) and value
                                           and dataclasses.is_dataclass(value[0])):
        return errors
    _check_value(key, value, f.type, dict(f.metadata), errors)
    return errors


def validate(cfg: Config) -> Config:
    """Check every value and cross-constraint; raise :class:`ConfigError` listing all problems
    (the schema's own plausible-range faults, :func:`schema_problems`, included)."""
    global _SCHEMA_PROBLEMS
    if _SCHEMA_PROBLEMS is None:
        _SCHEMA_PROBLEMS = schema_problems()
    errors: list[str] = [f"schema: {e}" for e in _SCHEMA_PROBLEMS]
    _walk(cfg, "", errors)
    if not errors:
        _cross_checks(cfg, errors)
    if errors:
        raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(errors))
    return cfg


def from_dict(data: dict) -> Config:
    """Build a :class:`Config` from a nested plain dict (unknown keys are an error)."""

    def build(cls: type, d: dict, prefix: str) -> Any:
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs = {}
        for k, v in d.items():
            if k not in known:
                raise ConfigError(f"invalid configuration:\n  - {prefix}{k}: unknown key; "
                                  f"allowed keys are {', '.join(known)}")
            sub = _subclass(cls, k)
            if sub is not None and isinstance(v, dict):
                kwargs[k] = build(sub, v, f"{prefix}{k}.")
            elif k == "segments" and isinstance(v, list):
                kwargs[k] = [build(SegmentConfig, s, f"{prefix}{k}[{i}].") for i, s in enumerate(v)]
            else:
                kwargs[k] = v
        return cls(**kwargs)

    return build(Config, data, "")


def _subclass(cls: type, name: str) -> type | None:
    default = cls()
    value = getattr(default, name)
    return type(value) if dataclasses.is_dataclass(value) else None


def to_dict(cfg: Config) -> dict:
    return dataclasses.asdict(cfg)

