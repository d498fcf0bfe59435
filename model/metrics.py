"""KPIs as pure functions of a run's logs (post warm-up unless the name says otherwise)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from agents.staff import Role
from model.feedback import feedback_kpis
from model.loyalty import customer_kpis


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


def pilot_kpis(tickets: pd.DataFrame, start_h: float, end_h: float) -> dict:
    """Treated vs control segment during the pilot window (tickets created inside it)."""
    w = tickets[(tickets["created_h"] >= start_h) & (tickets["created_h"] < end_h)]
    out = {}
    for arm in ("treated", "control"):
        a = w[w["pilot_arm"] == arm]
        r = a[a["resolved_h"].notna()]
        out[f"pilot_{arm}_tickets"] = int(len(a))
        out[f"pilot_{arm}_mean_resolution_h"] = _mean(r["resolution_h"])
        out[f"pilot_{arm}_explanations_per_ticket"] = _mean(r["explanations"])
        out[f"pilot_{arm}_handoffs_per_ticket"] = _mean(r["handoffs"])
        out[f"pilot_{arm}_stalled_share"] = _mean(a["stalled"])
        out[f"pilot_{arm}_named_request_share"] = _mean(a["named_request"])
        out[f"pilot_{arm}_honoured_share"] = _mean(a.loc[a["named_request"], "honoured"])
        out[f"pilot_{arm}_good_outcomes"] = int((r["reopened"] == 0).sum())
    return out


def utilisation(series: pd.DataFrame, warmup_day: int, hours_per_day: float) -> dict:
    """Share of paid shift hours spent working tickets, by role (post warm-up), using the
    daily headcount on the floor."""
    s = _window(series, warmup_day)
    out = {}
    for role in Role:
        work, heads = f"work_h_{role.value}", f"headcount_{role.value}"
        if work in s and heads in s and s[heads].sum() > 0:
            out[f"utilisation_{role.value}"] = float(s[work].fillna(0).sum()) / (
                float(s[heads].sum()) * hours_per_day)
    return out


def summarise(tickets: pd.DataFrame, series: pd.DataFrame, staff: pd.DataFrame, cfg,
              customers: pd.DataFrame | None = None) -> dict:
    """The flat ``summary.json`` KPIs (DESIGN.md section 10)."""
    sim = cfg.sim
    warm_h = 24.0 * sim.warmup_days
    k = ticket_kpis(tickets, warm_h)
    k.update(staff_kpis(staff, series, sim.warmup_days))
    cust = customer_kpis(customers, series, cfg)  # {} with the customers mechanism off
    k.update(cost_kpis(series, sim.warmup_days, k["tickets_resolved"], k["good_outcomes"],
                       cust.get("churned_revenue", 0.0)))
    k["customer_churn_annual"] = 0.0
    k["retained_mrr_share"] = 1.0
    k.update(cust)
    if cust.get("customers_end"):  # support cost plus churned revenue, per retained customer
        k["cost_per_retained_customer"] = (k["cost_total"] + cust["churned_revenue"]) / cust[
            "customers_end"]
    k.update(feedback_kpis(series, sim.warmup_days))  # zeros / None with the feedback loop off
    if sim.calendar == "always":
        per_day = 24.0
    else:
        per_day = (sim.business_hours[1] - sim.business_hours[0]) * len(sim.workdays) / 7.0
    k.update(utilisation(series, sim.warmup_days, per_day))
    if cfg.org.design == "pilot":
        p = cfg.org.pilot
        k.update(pilot_kpis(tickets, 24.0 * p.start_day, 24.0 * (p.start_day + p.duration_days)))
    return {key: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for key, v in k.items()}
