"""The page's cost KPIs over a trailing window of days, computed by ``model.metrics.cost_kpis``
and ``model.metrics.outcome_kpis`` (the summary's own definitions) on the window's rows of the
page's daily frame.

Over the whole run (a window as long as the frame) they are the summary's
``support_cost_per_customer_year``, ``lost_revenue_per_customer_year``,
``total_cost_per_customer_year`` (the headline), ``cost_per_head`` and the old
``cost_per_outcome``, with no warm-up; unlike ``summary.json`` the page's window can start on day
0, and churned revenue counts from day 0.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from model.config import EconomicsConfig
from model.metrics import cost_kpis, outcome_kpis

COST_WINDOW = 28  # days over which the cost charts average
YEAR_KEYS = ("support_cost_per_customer_year", "lost_revenue_per_customer_year",
             "total_cost_per_customer_year")
WINDOW_KEYS = (*YEAR_KEYS, "cost_per_head", "cost_per_outcome", "cost_per_outcome_support")


def window_costs(df: pd.DataFrame, end: int, window: int = COST_WINDOW, cfg=None,
                 ) -> dict[str, float]:
    """The cost KPIs over the ``window`` rows of ``df`` ending at row ``end`` (fewer at the
    start).

    * per customer-year (``model.metrics.outcome_kpis`` with the window as the measured
      window): support cost, lost revenue (the MRR of the customers who left in the window,
      ``lost_mrr_per_day``, over the customer lifetime, discounted: ``cfg.economics``, the
      defaults without a ``cfg``) and the two added, ``total_cost_per_customer_year`` (the
      headline). Customer-years: the ``customers_active`` column, else ``cfg.customers.count``
      each day (NaN without either);
    * ``cost_kpis``: cost per head ($ a year) and the old per good outcome with the churned
      revenue (``churned_revenue_per_day`` summed over the window) and with the support cost
      alone.

    ``df`` is the page's frame: one row per day with the cumulative costs (``cost_*_cum``),
    ``headcount_*``, ``good_outcomes`` (closes never reopened), ``churned_revenue_per_day``,
    ``lost_mrr_per_day`` and, with the customers mechanism, ``customers_active``.
    """
    lo = max(0, end - window + 1)
    rows = df.iloc[lo:end + 1]
    part = df.iloc[max(0, lo - 1):end + 1]  # with the day before: where cumulative costs start
    first = int(df["day"].iloc[lo])
    good = int(rows["good_outcomes"].fillna(0).sum())
    churned = (float(rows["churned_revenue_per_day"].fillna(0).sum())
               if "churned_revenue_per_day" in rows else 0.0)
    full = cost_kpis(part, first, 0, good, churned)
    support = cost_kpis(part, first, 0, good)
    # the customers who left in the window, one pseudo-row per day: (MRR lost that day, day)
    gone = (pd.DataFrame({"mrr": rows["lost_mrr_per_day"].fillna(0).astype(float),
                          "churned_day": rows["day"].astype(float)})
            if "lost_mrr_per_day" in rows else None)
    window_cfg = SimpleNamespace(
        sim=SimpleNamespace(warmup_days=first),
        customers=SimpleNamespace(count=cfg.customers.count if cfg is not None else 0),
        economics=cfg.economics if cfg is not None else EconomicsConfig())
    year = outcome_kpis({"cost_total": full["cost_total"], "good_outcomes": good},
                        part, gone, window_cfg)
    return {**{k: year[k] for k in YEAR_KEYS},
            "cost_per_head": full["cost_per_head"], "cost_per_outcome": full["cost_per_outcome"],
            "cost_per_outcome_support": support["cost_per_outcome"]}


def window_series(df: pd.DataFrame, key: str, window: int = COST_WINDOW, cfg=None) -> pd.Series:
    """``window_costs(df, day, window)[key]`` for every day of ``df``; the live page's frame
    carries them precomputed (``window_KEY`` columns, one new row per day: see
    ``VizModel.frame``), a hand-made frame gets them computed here."""
    col = f"window_{key}"
    if window == COST_WINDOW and col in df:
        return df[col]
    return pd.Series([window_costs(df, i, window, cfg)[key] for i in range(len(df))],
                     index=df.index, dtype=float)


def cost_per_customer_year(df: pd.DataFrame, part: str = "total", window: int = COST_WINDOW,
                           cfg=None) -> pd.Series:
    """$ per customer-year over the last ``window`` days: ``part`` ``"total"`` (support cost +
    lost revenue, the headline ``total_cost_per_customer_year``), ``"support"`` or ``"lost"``
    (``outcome_kpis``' ``support_cost_per_customer_year`` / ``lost_revenue_per_customer_year``)."""
    key = {"total": "total_cost_per_customer_year", "support": "support_cost_per_customer_year",
           "lost": "lost_revenue_per_customer_year"}[part]
    return window_series(df, key, window, cfg)


def cost_per_head(df: pd.DataFrame, window: int = COST_WINDOW) -> pd.Series:
    """Support cost per head and year, in $k, over the last ``window`` days
    (``cost_kpis``' ``cost_per_head``)."""
    return window_series(df, "cost_per_head", window) / 1000


def cost_per_good_outcome(df: pd.DataFrame, window: int = COST_WINDOW,
                          churned_revenue: bool = True) -> pd.Series:
    """The old ticket-denominated figure: $ per good outcome (a ticket closed without a
    reopen) over the last ``window`` days,
    NaN while the window has none (``cost_kpis``' ``cost_per_outcome``). With
    ``churned_revenue`` the cost includes the revenue of the customers who have left, as in
    ``summary.json``; without it, the support cost alone."""
    key = "cost_per_outcome" if churned_revenue else "cost_per_outcome_support"
    return window_series(df, key, window)


__all__ = ["COST_WINDOW", "cost_per_customer_year", "cost_per_good_outcome", "cost_per_head",
           "window_costs", "window_series"]
