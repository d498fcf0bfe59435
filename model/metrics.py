"""KPIs as pure functions of a run's logs (post warm-up unless the name says otherwise)."""

from __future__ import annotations

import math

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
        "max_level_share_1": _mean(res["max_level"] == 1),
        "max_level_share_2": _mean(res["max_level"] == 2),
        "max_level_share_3": _mean(res["max_level"] == 3),
        "good_outcomes": int(len(good)),
        "staff_hours_per_ticket": _mean(res["cost_h"]),
        "named_requests": int(t["named_request"].sum()),
        "named_honoured_share": _mean(t.loc[t["named_request"].astype(bool), "honoured"]),
    }


def staff_kpis(staff: pd.DataFrame, days: float) -> dict:
    """Headcount at the end, annualised attrition by role (0 while attrition is not modelled)."""
    out = {}
    years = days / 365.0
    for role in Role:
        r = staff[staff["role"] == role.value]
        active = r[r["left_day"].isna()]
        out[f"headcount_{role.value}"] = int(len(active))
        exits = int(r["left_day"].notna().sum())
        out[f"attrition_annual_{role.value}"] = (exits / max(len(r), 1) / years) if len(r) else 0.0
    out["promotions"] = int(staff["promotions"].sum()) if len(staff) else 0
    out["mean_proficiency"] = _mean(staff.loc[staff["left_day"].isna(), "final_proficiency"])
    return out


def cost_kpis(staff: pd.DataFrame, days: float, resolved: int, good: int,
              churned_revenue: float = 0.0) -> dict:
    """Loaded salary cost of everyone on the payroll over ``days`` (post warm-up)."""
    years = days / 365.0
    cost = float(staff["salary"].sum()) * years
    heads = max(len(staff[staff["left_day"].isna()]), 1)
    return {
        "cost_total": cost,
        "cost_per_head": cost / heads / years if years > 0 else math.nan,
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
    return out


def utilisation(series: pd.DataFrame, staff: pd.DataFrame, warmup_day: int,
                hours_per_day: float) -> dict:
    """Share of paid shift hours spent working tickets, by role (post warm-up)."""
    s = series[series["day"] >= warmup_day]
    out = {}
    for role in Role:
        col = f"work_h_{role.value}"
        n = int((staff["role"] == role.value).sum())
        if n and col in s:
            out[f"utilisation_{role.value}"] = float(s[col].fillna(0).sum()) / (
                n * hours_per_day * len(s))
    return out


def summarise(tickets: pd.DataFrame, series: pd.DataFrame, staff: pd.DataFrame, cfg) -> dict:
    """The flat ``summary.json`` KPIs (DESIGN.md section 10)."""
    sim = cfg.sim
    warm_h = 24.0 * sim.warmup_days
    days = sim.horizon_days - sim.warmup_days
    k = ticket_kpis(tickets, warm_h)
    k.update(staff_kpis(staff, days))
    k.update(cost_kpis(staff, days, k["tickets_resolved"], k["good_outcomes"]))
    k["customer_churn_annual"] = 0.0
    k["retained_mrr_share"] = 1.0
    k["fixes_shipped"] = 0
    k["tickets_deflected"] = 0
    if sim.calendar == "always":
        per_day = 24.0
    else:
        per_day = (sim.business_hours[1] - sim.business_hours[0]) * len(sim.workdays) / 7.0
    k.update(utilisation(series, staff, sim.warmup_days, per_day))
    if cfg.org.design == "pilot":
        p = cfg.org.pilot
        k.update(pilot_kpis(tickets, 24.0 * p.start_day, 24.0 * (p.start_day + p.duration_days)))
    return {key: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for key, v in k.items()}
