"""KPIs as pure functions of a run's logs (post warm-up unless the name says otherwise).

The flow, staff, cost and utilisation KPIs are here; each mechanism's own KPIs are its
``Mechanism.kpis`` function (``model/mechanism.py``), which :func:`summarise` is handed and runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from agents.staff import Role


def _mean(s: pd.Series) -> float:
    return float(s.mean()) if len(s) else float("nan")


def ticket_kpis(tickets: pd.DataFrame, warmup_h: float) -> dict:
    """Flow KPIs over tickets created after the warm-up."""
    t = tickets[tickets["created_h"] >= warmup_h]
    res = t[t["resolved_h"].notna()]
    started = t[t["first_start_h"].notna()]
    good = res[res["reopened"] == 0]
    return {
        "tickets_created": int(len(t)),
        "tickets_resolved": int(len(res)),
        "p_wait": _mean(started["wait_h"] > 0),
        "mean_wait_h": _mean(started["wait_h"]),
        "mean_resolution_h": _mean(res["resolution_h"]),
        "median_resolution_h": float(res["resolution_h"].median()) if len(res) else math.nan,
        "p90_resolution_h": float(res["resolution_h"].quantile(0.9)) if len(res) else math.nan,
        "fcr_share": _mean((res["handoffs"] == 0) & (res["reopened"] == 0)
                           & (res["contacts"] == 1)),
        "handoffs_per_ticket": _mean(res["handoffs"]),
        "explanations_per_ticket": _mean(res["explanations"]),
        "contacts_per_ticket": _mean(res["contacts"]),
        "stalled_share": _mean(t["stalled"]),
        "reopen_share": _mean(res["reopened"] > 0),
        "pingpong_share": _mean(res["pingpong"]),
        "engineering_return_share": _mean(res["engineering_return"]),
        "unresolved_closes_share": _mean(res["near_miss"]) if "near_miss" in res else math.nan,
        "max_level_share_1": _mean(res["max_level"] == 1),
        "max_level_share_2": _mean(res["max_level"] == 2),
        "max_level_share_3": _mean(res["max_level"] == 3),
        "good_outcomes": int(len(good)),
        "staff_hours_per_ticket": _mean(res["cost_h"]),
        "named_requests": int(t["named_request"].sum()),
        "named_honoured_share": _mean(t.loc[t["named_request"].astype(bool), "honoured"]),
    }


def _window(series: pd.DataFrame, warmup_day: int) -> pd.DataFrame:
    return series[series["day"] >= warmup_day]


def _growth(series: pd.DataFrame, col: str, warmup_day: int) -> float:
    """Increase of a cumulative column over the post-warm-up window."""
    if col not in series or series.empty:
        return 0.0
    before = series.loc[series["day"] < warmup_day, col]
    start = float(before.iloc[-1]) if len(before) else 0.0
    return float(series[col].iloc[-1]) - start


def staff_kpis(staff: pd.DataFrame, series: pd.DataFrame, warmup_day: int) -> dict:
    """Headcount at the end, annualised attrition by role (exits / mean headcount / years),
    promotions and mean proficiency, over the post-warm-up window."""
    w = _window(series, warmup_day)
    years = len(w) / 365.0
    out = {}
    for role in Role:
        r = role.value
        active = staff[(staff["role"] == r) & staff["left_day"].isna()]
        out[f"headcount_{r}"] = int(len(active))
        heads = float(w[f"headcount_{r}"].mean()) if f"headcount_{r}" in w else 0.0
        exits = _growth(series, f"exits_cum_{r}", warmup_day)
        out[f"attrition_annual_{r}"] = exits / heads / years if heads > 0 and years > 0 else 0.0
    out["promotions"] = int(_growth(series, "promotions_cum", warmup_day))
    out["hires"] = int(_growth(series, "hires_cum", warmup_day))
    out["exits"] = int(_growth(series, "exits_cum", warmup_day))
    out["regretted_exits"] = int(_growth(series, "regretted_exits_cum", warmup_day))
    out["mean_proficiency"] = _mean(staff.loc[staff["left_day"].isna(), "final_proficiency"])
    return out


def cost_kpis(series: pd.DataFrame, warmup_day: int, resolved: int, good: int,
              churned_revenue: float = 0.0) -> dict:
    """Loaded salaries paid plus replacement cost of hires, over the post-warm-up window."""
    w = _window(series, warmup_day)
    years = len(w) / 365.0
    salary = _growth(series, "cost_salary_cum", warmup_day)
    hiring = _growth(series, "cost_hiring_cum", warmup_day)
    cost = salary + hiring
    heads = sum(float(w[c].mean()) for c in w.columns if c.startswith("headcount_"))
    return {
        "cost_total": cost,
        "cost_salary": salary,
        "cost_hiring": hiring,
        "cost_per_head": cost / heads / years if heads > 0 and years > 0 else math.nan,
        "cost_per_resolved_ticket": cost / resolved if resolved else math.nan,
        "cost_per_outcome": (cost + churned_revenue) / good if good else math.nan,
    }


def utilisation(series: pd.DataFrame, warmup_day: int, hours_per_day: float) -> dict:
    """Share of paid shift hours spent working tickets, by role, using the daily headcount on
    the floor: ``utilisation_<role>`` over the post-warm-up window, and
    ``utilisation_<role>_y<k>`` over its k-th year (days ``warmup + 365 (k - 1)`` to
    ``warmup + 365 k``; a last, shorter year is measured over the days it has)."""
    s = _window(series, warmup_day)
    out = _utilisation(s, hours_per_day, "")
    year = (s["day"] - warmup_day) // 365 + 1
    for k in sorted(year.unique().tolist()):
        out.update(_utilisation(s[year == k], hours_per_day, f"_y{k}"))
    return out


def _utilisation(s: pd.DataFrame, hours_per_day: float, suffix: str) -> dict:
    out = {}
    for role in Role:
        work, heads = f"work_h_{role.value}", f"headcount_{role.value}"
        if work in s and heads in s and s[heads].sum() > 0:
            out[f"utilisation_{role.value}{suffix}"] = float(s[work].fillna(0).sum()) / (
                float(s[heads].sum()) * hours_per_day)
    return out


def lifetime_value_factor(months: float, annual_rate: float) -> float:
    """Present value, at the churn date, of 1 a month paid at the end of each of the next
    ``months`` months (a fractional last month pro rata), discounted at ``annual_rate``."""
    if months <= 0:
        return 0.0
    r = (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0
    whole = math.floor(months)
    full = whole if r == 0 else (1.0 - (1.0 + r) ** -whole) / r
    return full + (months - whole) * (1.0 + r) ** -(whole + 1)


def customer_years(series: pd.DataFrame, warmup_day: int, customers: int) -> float:
    """Customer-years of the measured window: the daily count of paying customers summed over
    the window / 365 (``customers`` every day when the customers mechanism is off)."""
    w = _window(series, warmup_day)
    if "customers_active" in w:
        return float(w["customers_active"].sum()) / 365.0
    return customers * len(w) / 365.0


def outcome_kpis(k: dict, series: pd.DataFrame, customers: pd.DataFrame | None, cfg) -> dict:
    """The outcome accounting: rates per customer-year of the measured window, so runs of
    different horizons and designs that prevent different numbers of tickets compare.

    * ``support_cost_per_customer_year``: salaries and hiring (``cost_total``) / customer-years;
    * ``lost_revenue_per_customer_year``: each customer who left in the window takes their MRR
      for ``economics.customer_lifetime_months`` more months, discounted at
      ``economics.discount_rate_annual`` (:func:`lifetime_value_factor`), / customer-years;
    * ``total_cost_per_customer_year`` = the two added: **the headline**;
    * ``net_contribution_per_customer_year``: revenue received in the window (the daily MRR,
      expansion included) minus support cost, / customer-years;
    * ``problems_solved_or_prevented``: good closes (no reopen) + tickets prevented by fixes,
      snippets and workflows, and by proactive contacts (shared fixes), in the window; ``support_cost_per_problem``: support cost over them;
    * ``cost_per_good_ticket``: support cost / good closes (a ticket that never happens is not
      a loss here either: it only lowers the support cost).
    """
    w = _window(series, cfg.sim.warmup_days)
    n0 = cfg.customers.count
    cy = customer_years(series, cfg.sim.warmup_days, n0)
    cost = k["cost_total"]
    lost = 0.0
    if customers is not None and "mrr" in customers and len(customers):
        churned = customers["churned_day"].astype("float64")
        gone = customers[churned >= cfg.sim.warmup_days]
        e = cfg.economics
        lost = float(gone["mrr"].sum()) * lifetime_value_factor(e.customer_lifetime_months,
                                                                 e.discount_rate_annual)
    if "mrr" in w:
        revenue = float(w["mrr"].sum()) * 12.0 / 365.0
    else:
        mrr = float(customers["mrr"].sum()) if customers is not None and len(customers) else 0.0
        revenue = mrr * 12.0 / 365.0 * len(w)
    prevented = int(k.get("tickets_deflected") or 0) + int(k.get("proactive_contacts") or 0)
    problems = int(k["good_outcomes"]) + prevented

    def per(x: float, n: float) -> float:
        return x / n if n > 0 else math.nan

    return {
        "customer_years": cy,
        "support_cost_per_customer_year": per(cost, cy),
        "lost_revenue": lost,
        "lost_revenue_per_customer_year": per(lost, cy),
        "total_cost_per_customer_year": per(cost + lost, cy),
        "revenue": revenue,
        "net_contribution_per_customer_year": per(revenue - cost, cy),
        "problems_solved_or_prevented": problems,
        "support_cost_per_problem": per(cost, problems),
        "cost_per_good_ticket": per(cost, k["good_outcomes"]),
    }


def summarise(tickets: pd.DataFrame, series: pd.DataFrame, staff: pd.DataFrame, cfg,
              customers: pd.DataFrame | None = None,
              mechanism_kpis: Iterable[Callable[[dict, object], dict]] = ()) -> dict:
    """The flat ``summary.json`` KPIs (docs/design.md section 10).

    ``mechanism_kpis`` are the mechanisms' KPI functions ``f(tables, cfg) -> dict`` (the model's
    catalogue: ``[m.kpis for m in model.MECHANISMS]``); they see the tables ``tickets``,
    ``timeseries``, ``staff`` and ``customers``. A mechanism's ``churned_revenue`` enters the cost
    per outcome.
    """
    sim = cfg.sim
    warm_h = 24.0 * sim.warmup_days
    k = ticket_kpis(tickets, warm_h)
    k.update(staff_kpis(staff, series, sim.warmup_days))
    tables = {"tickets": tickets, "timeseries": series, "staff": staff, "customers": customers}
    mech: dict = {}
    for kpis in mechanism_kpis:
        mech.update(kpis(tables, cfg))
    k.update(cost_kpis(series, sim.warmup_days, k["tickets_resolved"], k["good_outcomes"],
                       mech.get("churned_revenue", 0.0)))
    k["customer_churn_annual"] = 0.0
    k["retained_mrr_share"] = 1.0
    k.update(mech)
    if mech.get("customers_end"):  # support cost plus churned revenue, per retained customer
        k["cost_per_retained_customer"] = (k["cost_total"] + mech["churned_revenue"]) / mech[
            "customers_end"]
    if sim.calendar == "always":
        per_day = 24.0
    else:
        per_day = (sim.business_hours[1] - sim.business_hours[0]) * len(sim.workdays) / 7.0
    k.update(utilisation(series, sim.warmup_days, per_day))
    k.update(outcome_kpis(k, series, customers, cfg))
    return {key: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for key, v in k.items()}


def pilot_cost_per_outcome(summary: dict) -> dict:
    """The pilot's work cost per good outcome, by arm (``pilot_<arm>_cost_per_outcome``), from
    the summary's ``pilot_<arm>_work_cost`` and ``pilot_<arm>_good_outcomes``."""
    out = {}
    for arm in ("treated", "control"):
        if f"pilot_{arm}_work_cost" in summary:
            good = summary.get(f"pilot_{arm}_good_outcomes", 0)
            out[f"pilot_{arm}_cost_per_outcome"] = (
                summary[f"pilot_{arm}_work_cost"] / good if good else float("nan"))
    return out
