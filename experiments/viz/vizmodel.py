"""The model the page drives: :class:`TierSimModel` plus what the page observes and draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from experiments.viz.controls import build_config
from experiments.viz.kpis import COST_WINDOW, window_costs
from experiments.viz.style import SEGMENT_STYLE
from model.config import ConfigError
from model.model import TierSimModel
from model.sizing import sized_config

CUSTOMER_SAMPLE = 60  # customers drawn in the network view
HANDOFF_WINDOW_DAYS = 7
PAGE_COLUMNS = ("payroll_per_day", "good_outcomes", "churned_revenue_per_day",  # VizModel.frame
                "lost_mrr_per_day")


class VizModel(TierSimModel):
    """:class:`TierSimModel` built from the page's controls, plus what the page draws.

    Keyword arguments are the control keys (``CONTROLS``); missing ones take their defaults.
    Invalid settings do not crash the page: the model is built from the defaults and
    ``config_error`` says why. Observation only: hooks on the recorder count hand-offs between
    desks and remember who last resolved each sampled customer's ticket; nothing here draws from
    the model's random streams.
    """

    def __init__(self, **params: Any) -> None:
        params.pop("scenario", None)  # Mesa's Reset passes the model's default scenario
        self.config_error = ""
        try:
            cfg = build_config(params)
        except (ConfigError, ValueError) as err:
            self.config_error = str(err).replace("invalid configuration:\n  - ", "")
            cfg = build_config({})
        load = None
        if cfg.org.staffing == "sized":  # desks sized by a measuring run before the build
            cfg, load = sized_config(cfg)
        super().__init__(cfg, collect=True, sizing_load=load)
        self.params = dict(params)
        paying = [c for c in self.customers if getattr(c, "active", True)]  # not prospects
        n = min(CUSTOMER_SAMPLE, len(paying))
        pick = np.random.default_rng([cfg.seed, 0x71E5]).choice(len(paying), n, replace=False)
        order = {name: i for i, name in enumerate(SEGMENT_STYLE)}
        owned = cfg.org.design == "generalist"
        self.sample = sorted(  # owned designs: by pod and owner, so the ownership blocks show
            (paying[i] for i in pick),
            key=lambda c: (c.pod, c.owner.unique_id if c.owner is not None else -1)
            if owned else (order.get(c.segment, 99), c.unique_id))
        self._sample_ids = {c.unique_id for c in self.sample}
        self.last_resolver: dict[int, Any] = {}
        self.handoff_days: list[dict[tuple[str, str], int]] = []
        self._handoffs_today: dict[tuple[str, str], int] = {}
        self._good_today = 0
        self._lost_mrr = 0.0  # MRR of every customer who has left so far
        self.viz_rows: list[dict] = []
        self._costs: list[dict] = []  # window_costs per day, computed once (frame)
        self._hook_recorder()

    def _hook_recorder(self) -> None:
        rec = self.recorder
        closed, handoff = rec.closed, rec.handoff

        def on_closed(t, now):
            closed(t, now)
            if not t.reopened:  # a good outcome: closed for good without a reopen
                self._good_today += 1
            if t.customer.unique_id in self._sample_ids:
                self.last_resolver[t.customer.unique_id] = t.resolver

        def on_handoff(t, src, dst, now):
            handoff(t, src, dst, now)
            pair = (src.name, dst.name)
            self._handoffs_today[pair] = self._handoffs_today.get(pair, 0) + 1

        rec.closed, rec.handoff = on_closed, on_handoff

    def step(self) -> None:
        super().step()
        active = [s for s in self.staff if s.left_day is None]
        lost_mrr = sum(c.mrr for c in self.customers
                       if c.churned_day is not None and c.churned_day >= 0)
        self.viz_rows.append({"day": self.day - 1,
                              "payroll_per_day": sum(s.salary for s in active) / 365.0,
                              "good_outcomes": self._good_today,
                              "churned_revenue_per_day": lost_mrr * 12 / 365.0,
                              "lost_mrr_per_day": lost_mrr - self._lost_mrr})
        self._lost_mrr = lost_mrr
        self.handoff_days.append(self._handoffs_today)
        self._handoffs_today = {}
        self._good_today = 0

    # --- what the page reads ----------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """The daily series plus the page's own columns (``PAGE_COLUMNS``; cached per day).

        The daily series has no count of good outcomes and no churned revenue, so the page
        observes them itself, each day:

        * ``good_outcomes``: tickets closed that day that were never reopened (the recorder's
          ``closed`` callback, where ``ticket.reopened == 0``: the test ``model.metrics``
          applies to the ticket log). ``tickets_resolved`` counts the same closes, reopened or
          not, so ``good_outcomes <= tickets_resolved`` every day.
        * ``churned_revenue_per_day``: the monthly revenue (MRR, frozen at churn) of every
          customer who has left so far, per day (x 12 / 365). Summed over the days from a
          customer's churn to the horizon it is that customer's share of the ``churned_revenue``
          that ``model.metrics.cost_kpis`` adds to the support cost in ``cost_per_outcome``.
        * ``lost_mrr_per_day``: the MRR (frozen at churn) of the customers who left that day;
          valued over the customer lifetime it is the lost revenue of
          ``model.metrics.outcome_kpis`` (customers who have left never come back).
        * ``payroll_per_day``: salaries of the staff on the books (used only if the model books
          no costs).

        Should the model's own series gain one of these columns, its values are used instead.
        The cost KPIs of the trailing ``COST_WINDOW`` days (``window_*`` columns,
        ``experiments.viz.kpis``) are computed once per day and kept.
        """
        cached = getattr(self, "_frame_cache", None)
        if cached is not None and cached[0] == self.day:
            return cached[1]
        if self.recorder.series:
            series = pd.DataFrame(self.recorder.series)
            own = pd.DataFrame(self.viz_rows)
            own = own[[c for c in own if c == "day" or c not in series]]
            df = series.merge(own, on="day", how="left")
            if "cost_salary_cum" not in df:  # a model that books no costs: its payroll
                df["cost_salary_cum"] = df["payroll_per_day"].cumsum()
            df = df.join(self._window_costs(df))
        else:
            df = pd.DataFrame({"day": pd.Series(dtype=int)})
        self._frame_cache = (self.day, df)
        return df

    def _window_costs(self, df: pd.DataFrame) -> pd.DataFrame:
        """The ``window_*`` cost columns; past days' values never change, so only the days
        added since the last call are computed."""
        for i in range(len(self._costs), len(df)):
            self._costs.append(window_costs(df, i, COST_WINDOW, self.cfg))
        return pd.DataFrame(self._costs[:len(df)], index=df.index).add_prefix("window_")

    def recent_handoffs(self, days: int = HANDOFF_WINDOW_DAYS) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for day in self.handoff_days[-days:]:
            for pair, n in day.items():
                out[pair] = out.get(pair, 0) + n
        return out

