"""The product-feedback loop (``mechanisms.feedback``): class signals that fade at each
hand-off, product fixes shipped on a planning cadence, and workflows and snippets written by
people with the mandate that end a class of tickets for one customer or shrink it for everyone.

Three processes (docs/design.md section 5; docs/ODD.md section 7.17 states them with formulas):

* **Signals.** Every ticket closed for good emits a signal about its class's root cause with
  detail ``d = rho ** (handoffs + relay) * s``: ``rho`` = ``feedback.signal_retention_per_handoff``,
  ``handoffs`` the ticket's hand-offs, ``relay`` the hand-offs the signal itself needs beyond the
  first to reach engineering (the team that could do something) from the resolver's desk, read
  off the org graph (L1 -> L2 -> engineering: 1; L2, pods, specialists: 0), and ``s`` = 1 when the
  resolver diagnosed the ticket and ``feedback.script_signal_factor`` when it was closed from a
  script (the script records the symptom it matched, not the cause). Each class's evidence is the
  sum of its signals' detail, fading with half-life ``feedback.evidence_half_life_days``.
* **Product planning.** Every ``feedback.planning_interval_days`` the product team picks, up to
  its capacity, the product-rooted classes with the most evidence at or above
  ``feedback.evidence_threshold`` (and no fix pending); each fix ships
  ``feedback.fix_lead_time_weeks`` later and ends one of the class's
  ``product.root_causes_per_class`` root causes: ``feedback.fix_effect / root causes`` more of the
  class's later arrivals are removed, and the evidence that led to it is spent. A class can be
  fixed again, once per root cause. Setup-rooted classes are not product's to fix.
* **Workflows and snippets.** A person with the mandate (desk kinds in :data:`MANDATE_DESKS`:
  L2, pods, specialists -- not L1, who works from scripts) and proficiency in the ticket's domain
  of at least ``feedback.workflow_min_proficiency``, resolving a ticket, writes with probability
  ``feedback.workflow_p`` (stream ``feedback``): for a setup-rooted class the customer has raised
  before, a *workflow* that fixes their setup (their later tickets of the class do not happen
  until their setup changes: the workflow holds for an exponential time of half-life
  ``feedback.workflow_half_life_days``, drawn from the ``feedback`` stream); for
  a product-rooted class with no snippet yet, a *snippet* (KB article) that deflects
  ``feedback.deflection_share`` of the class for everyone. The writing takes
  ``feedback.workflow_hours``, added to that piece of work (the person is busy for it, it counts in
  the ticket's ``cost_h`` and the role's work hours), so the ticket closes that much later.

**History.** The run starts with the product ``product.history_years`` old: the fixes product's
capacity shipped over those years (each on the class with the most remaining volume) and a
knowledge-base article for every product-rooted class expected to have had one are in place on
day 0, the same in every design (:meth:`Feedback._history`). Classes a release adds later start
with neither.

Prevented tickets never exist: a :class:`model.demand.Demand` filter drops them when each day's
tickets are drawn, from the one uniform per ticket the demand draws whatever the filters, so the
tickets that remain are exactly those of the unfiltered stream (common random numbers). A fix and
a snippet on one class combine as independent cuts, 1 - (1 - fix)(1 - deflection); a dropped
ticket is attributed to the fix when its uniform is below the fix's cut. Effects start with the
next day's draw.
"""

from __future__ import annotations

import math
from collections import deque

import networkx as nx
import numpy as np
import pandas as pd

from model.mechanism import Hooks, Mechanism
from model.routing import RESOLVE
from model.streams import UniformBuffer

#: Desk kinds whose people may write workflows and snippets (the mandate, docs/design.md section 5):
#: L1 works from scripts it does not own.
MANDATE_DESKS = frozenset({"l2", "pod", "specialist"})
#: Share of the most frequent classes whose product-rooted members define the restricted fix lead
#: time (``mean_fix_lead_time_top_days``): docs/science.md section 2, the top 20 % of classes carry
#: about 82 % of the volume (BPIC 2013).
TOP_CLASS_SHARE = 0.2
#: Trailing window of the contacts-per-customer series, days.
WINDOW_DAYS = 30
#: Planning capacity is stated per quarter of this many days.
QUARTER_DAYS = 91.0

_KINDS = ("fix", "snippet", "workflow")
LOG_COLUMNS = ("day", "kind", "class_id", "root", "customer_id", "staff_id", "desk",
               "planned_day", "evidence", "first_ticket_day", "lead_time_days")
_LOG_DTYPES = {"day": "int64", "kind": "string", "class_id": "int64", "root": "string",
               "customer_id": "int64", "staff_id": "int64", "desk": "string",
               "planned_day": "int64", "evidence": "float64", "first_ticket_day": "int64",
               "lead_time_days": "int64"}


def _is_active(customer) -> bool:
    """A paying customer today (not churned; not a prospect that has yet to join)."""
    return customer.churned_day is None and getattr(customer, "active", True)


class Feedback(Mechanism):
    """The feedback loop of one run: hooks into the engine and the demand, and a daily process.

    Attributes:
        evidence: per class, the summed (fading) detail of its signals.
        fix_cut, snippet_cut: per class, the share of arrivals removed by a fix / a snippet.
        prevented: ``(customer_id, class_id)`` pairs whose recurrence a workflow ended.
        first_day: per class, the day of its first ticket (-1 before it).
        log: one dict per fix shipped, snippet and workflow written (the ``feedback`` table).
    """

    switch = "feedback"

    def __init__(self, model) -> None:
        super().__init__(model)
        f = model.cfg.feedback
        cat = model.catalogue
        self.rho = f.signal_retention_per_handoff
        self.script_s = f.script_signal_factor
        self.decay = 0.5 ** (1.0 / f.evidence_half_life_days)
        self.threshold = f.evidence_threshold
        self.interval = f.planning_interval_days
        self.quota = f.fixes_per_quarter * f.planning_interval_days / QUARTER_DAYS
        self.lead_days = round(7.0 * f.fix_lead_time_weeks)
        self.fix_effect = f.fix_effect
        self.p_write = f.workflow_p
        self.write_h = f.workflow_hours
        self.min_prof = f.workflow_min_proficiency
        self.deflection = f.deflection_share
        self.u = UniformBuffer(model.streams["feedback"])
        self.setup = cat.setup_root.copy()
        self.scripted = cat.scripted
        self.bernoulli = model.cfg.org.escalation.mode == "bernoulli"
        k = cat.classes
        self.evidence = np.zeros(k)
        self.fix_cut = np.zeros(k)
        self.snippet_cut = np.zeros(k)
        self.drop = np.zeros(k)  # combined share of a class's arrivals prevented
        self.causes = model.cfg.product.root_causes_per_class
        self.n_fix = np.zeros(k, dtype=np.int64)  # fixes planned or shipped, per class
        self.pending_fix = np.zeros(k, dtype=bool)  # a fix is planned and not shipped yet
        self.half_life = f.workflow_half_life_days
        self.first_day = np.full(k, -1, dtype=np.int64)
        # (customer_id, class_id) -> day the workflow stops holding (the setup changed)
        self.prevented: dict[tuple[int, int], float] = {}
        self.history: set[tuple[int, int]] = set()  # (customer, setup class) closed before
        self.pending: dict[int, tuple[str, int]] = {}  # ticket id -> writing in progress
        self.due: dict[int, list[tuple[int, int, float]]] = {}  # ship day -> planned fixes
        self.quota_left = 0.0
        self.relay: dict[str, int] = {}
        n_top = max(1, math.ceil(TOP_CLASS_SHARE * k))
        top = np.zeros(k, dtype=bool)
        top[np.argsort(-cat.freq, kind="stable")[:n_top]] = True
        self.top = top & ~self.setup  # catalogue-defined: the same set in every design
        self.log: list[dict] = []
        self._history(model, f)
        self.window: deque[int] = deque(maxlen=WINDOW_DAYS)
        self.active = sum(1 for c in model.customers if _is_active(c))
        self._reset_day()

    def install(self, hooks: Hooks) -> None:
        """Workflows and snippets written during work; signals at each close; prevention."""
        hooks.plan.append(self.on_plan)
        hooks.work.append(self.on_work)
        hooks.close.append(self.on_close)
        hooks.demand_filters.append(self.keep)
        freq = self.model.catalogue.freq  # the history's prevention is in place on day 0
        hooks.prevent_at_start(float((freq * (1.0 - self.drop)).sum()))

    @property
    def planned(self) -> np.ndarray:
        """Classes product will not plan a fix for now: one is pending, or every root cause is
        fixed."""
        return self.pending_fix | (self.n_fix >= self.causes)

    def _history(self, model, f) -> None:
        """What ``product.history_years`` of support before the run left, the same in every
        design: the fixes product planning's capacity shipped over those years, each on the
        class with the most remaining volume then (evidence follows volume), and a knowledge-base
        article for every product-rooted class expected to have had one written (expected
        tickets over the history x ``workflow_p`` >= 1)."""
        years = model.cfg.product.history_years
        if years <= 0:
            return
        cat = model.catalogue
        base = (cat.freq > 0) & ~self.setup
        n = int(years * 365.0 / self.interval * self.quota)
        for _ in range(n):
            vol = np.where(base & (self.n_fix < self.causes), cat.freq * (1.0 - self.fix_cut), -1.0)
            cls = int(np.argmax(vol))
            if vol[cls] <= 0:
                break
            self.n_fix[cls] += 1
            self.fix_cut[cls] = min(1.0, self.fix_cut[cls] + self.fix_effect / self.causes)
        tickets = cat.freq * model.cfg.demand.tickets_per_day * 365.0 * years
        self.snippet_cut[base & (tickets * self.p_write >= 1.0)] = self.deflection
        for cls in np.flatnonzero(base).tolist():
            self._update_drop(cls)

    def _holds(self, key: tuple[int, int]) -> bool:
        """A workflow for ``key`` exists and still holds today (an expired one is forgotten)."""
        until = self.prevented.get(key)
        if until is None:
            return False
        if self.model.day < until:
            return True
        del self.prevented[key]
        return False

    def _reset_day(self) -> None:
        self.n_signals = 0
        self.detail_sum = 0.0
        self.n_shipped = 0
        self.lead_sum = 0.0
        self.n_planned = 0
        self.defl = dict.fromkeys(_KINDS, 0)
        self.written = {"snippet": 0, "workflow": 0}
        self.written_h = 0.0

    # --- demand filter (start of each day) ----------------------------------------------------
    def keep(self, cls: np.ndarray, domains: np.ndarray, customers: list, u: np.ndarray
             ) -> np.ndarray:
        """Mask of today's drawn tickets that still happen; counts the prevented ones."""
        keep = u >= self.drop[cls]
        wf = np.zeros(len(cls), dtype=bool)
        if self.prevented:
            for i in np.flatnonzero(keep & self.setup[cls]).tolist():
                if self._holds((customers[i].unique_id, int(cls[i]))):
                    wf[i] = True
            keep &= ~wf
        gone = ~keep
        if gone.any():  # tickets of customers who already left would not exist anyway
            gone &= np.fromiter((_is_active(c) for c in customers), bool, len(cls))
            by_fix = gone & (u < self.fix_cut[cls])
            self.defl["fix"] += int(by_fix.sum())
            self.defl["workflow"] += int((gone & wf).sum())
            self.defl["snippet"] += int((gone & ~wf & ~by_fix).sum())
        seen = cls[keep]
        new = seen[self.first_day[seen] < 0]
        if len(new):
            self.first_day[new] = self.model.day
        return keep

    # --- engine hooks (hot path) -----------------------------------------------------------------
    def on_plan(self, person, ticket, t: float) -> float:
        """Extra hours for this piece: a resolver with the mandate may write a workflow/snippet."""
        if ticket.action != RESOLVE or person.desk.kind not in MANDATE_DESKS:
            return 0.0
        cls = ticket.cls
        if self.setup[cls]:
            key = (ticket.customer.unique_id, cls)
            if key not in self.history or self._holds(key):
                return 0.0
            kind = "workflow"
        elif self.snippet_cut[cls] > 0.0 or self.drop[cls] >= 1.0:
            return 0.0
        else:
            kind = "snippet"
        if person.proficiency[ticket.domain] < self.min_prof or self.u() >= self.p_write:
            return 0.0
        self.pending[ticket.id] = (kind, person.desk.kind)
        self.written_h += self.write_h
        return self.write_h

    def on_work(self, person, ticket, t: float) -> None:
        """A piece ended: a workflow or snippet written during it takes effect."""
        if not self.pending:
            return
        job = self.pending.pop(ticket.id, None)
        if job is None:
            return
        kind, desk = job
        cls = ticket.cls
        customer = -1
        if kind == "workflow":
            customer = ticket.customer.unique_id
            life = -math.log(1.0 - self.u()) * self.half_life / math.log(2.0)
            self.prevented[(customer, cls)] = self.model.day + life
        elif self.snippet_cut[cls] == 0.0:
            self.snippet_cut[cls] = self.deflection
            self._update_drop(cls)
        else:
            return  # a colleague's snippet for the class landed first
        self.written[kind] += 1
        self._record(kind, cls, customer=customer, staff=person.unique_id, desk=desk)

    def on_close(self, ticket, t: float) -> None:
        """A ticket closed for good: its signal reaches product."""
        d = self.rho ** (ticket.handoffs + self._relay(ticket.desk.name))
        if self._from_script(ticket):
            d *= self.script_s
        self.evidence[ticket.cls] += d
        self.n_signals += 1
        self.detail_sum += d
        if self.setup[ticket.cls]:
            self.history.add((ticket.customer.unique_id, ticket.cls))

    def _from_script(self, ticket) -> bool:
        """Closed from a script: a script-shaped close, or L1's scripted resolve of an
        on-pattern ticket (``Policy._l1``, step 4)."""
        if ticket.script_closed:
            return True
        return (ticket.desk.kind == "l1" and not self.bernoulli and not ticket.pushed_back
                and bool(self.scripted[ticket.cls]) and ticket.on_pattern)

    def _relay(self, desk: str) -> int:
        """Hand-offs a signal needs beyond the first from ``desk`` to engineering (org graph)."""
        r = self.relay.get(desk)
        if r is None:
            g = self.model.org_graph
            try:
                r = max(nx.shortest_path_length(g, desk, "engineering") - 1, 0)
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                r = 0  # no engineering desk: product hears the resolver's desk directly
            self.relay[desk] = r
        return r

    # --- end of day ----------------------------------------------------------------------------
    def day(self, model) -> None:
        """Fade the evidence, plan on the planning day, ship the fixes due today."""
        self.evidence *= self.decay
        if (model.day + 1) % self.interval == 0:
            self._plan(model.day)
        for cls, planned_day, ev in self.due.pop(model.day, ()):
            self._ship(cls, planned_day, ev)
        if model.day % WINDOW_DAYS == 0:  # customers come and go slowly: a monthly count will do
            self.active = sum(1 for c in model.customers if _is_active(c))

    def _plan(self, day: int) -> None:
        """Pick the classes with the most evidence at or above the threshold, up to capacity."""
        self.quota_left += self.quota
        n = int(self.quota_left)
        self.quota_left -= n  # unused capacity is not banked, only the fraction carries over
        if n <= 0:
            return
        ok = (~self.setup & ~self.planned & (self.model.catalogue.freq > 0)
              & (self.evidence >= self.threshold))
        cand = np.flatnonzero(ok)
        if not len(cand):
            return
        order = cand[np.lexsort((cand, -self.evidence[cand]))][:n]
        ship = day + self.lead_days
        for cls in order.tolist():
            self.pending_fix[cls] = True
            self.n_fix[cls] += 1
            self.evidence[cls] = 0.0  # the signals that led to this root cause are spent
            self.n_planned += 1
            self.due.setdefault(ship, []).append((cls, day, float(self.evidence[cls])))

    def _ship(self, cls: int, planned_day: int, evidence: float) -> None:
        self.pending_fix[cls] = False
        self.fix_cut[cls] = min(1.0, self.fix_cut[cls] + self.fix_effect / self.causes)
        self._update_drop(cls)
        lead = self.model.day - int(self.first_day[cls])
        self.n_shipped += 1
        self.lead_sum += lead
        self._record("fix", cls, planned_day=planned_day, evidence=evidence, lead=lead)

    def impose_fixes(self, classes, effect: float | None = None) -> None:
        """Fix ``classes`` now, outside product planning (scenarios and tests): each loses
        ``effect`` (default ``feedback.fix_effect``) of its arrivals from the next day's draw.
        Logged with kind ``imposed``; not counted in ``fixes_shipped``."""
        for cls in np.atleast_1d(classes).tolist():
            self.n_fix[cls] = self.causes
            self.fix_cut[cls] = self.fix_effect if effect is None else effect
            self._update_drop(cls)
            self._record("imposed", cls)

    def _update_drop(self, cls: int) -> None:
        self.drop[cls] = 1.0 - (1.0 - self.fix_cut[cls]) * (1.0 - self.snippet_cut[cls])

    def _record(self, kind: str, cls: int, *, customer: int = -1, staff: int = -1,
                desk: str = "", planned_day: int = -1, evidence: float = math.nan,
                lead: int = -1) -> None:
        self.log.append({"day": self.model.day, "kind": kind, "class_id": int(cls),
                         "root": "setup" if self.setup[cls] else "product",
                         "customer_id": customer, "staff_id": staff, "desk": desk,
                         "planned_day": planned_day, "evidence": evidence,
                         "first_ticket_day": int(self.first_day[cls]), "lead_time_days": lead})

    # --- outputs -------------------------------------------------------------------------------
    def series(self) -> dict:
        """Today's columns of the daily series (then today's counters restart)."""
        created = self.model.recorder.day_created
        self.window.append(created)
        per_cust = (sum(self.window) * WINDOW_DAYS / len(self.window) / self.active
                    if self.active else math.nan)
        waiting = self.top & (self.first_day >= 0) & (self.fix_cut == 0.0)
        row = {
            "fixes_planned": self.n_planned,
            "fixes_shipped": self.n_shipped,
            "fix_lead_time_days": self.lead_sum,
            "fixes_total": int((self.fix_cut > 0).sum()),
            "top_classes": int(self.top.sum()),
            "top_classes_waiting": int(waiting.sum()),
            "tickets_deflected": sum(self.defl.values()),
            **{f"deflected_{k}": v for k, v in self.defl.items()},
            "snippets_written": self.written["snippet"],
            "workflows_written": self.written["workflow"],
            "workflow_h": self.written_h,
            "signals": self.n_signals,
            "signal_detail": self.detail_sum,
            "evidence_open": float(self.evidence[~self.setup & ~self.planned].sum()),
            "active_customers": self.active,
            "tickets_per_customer_30d": per_cust,
        }
        self._reset_day()
        return row

    def tables(self) -> dict[str, pd.DataFrame]:
        """The ``feedback`` table: one row per fix shipped, snippet and workflow written."""
        data = {c: [r[c] for r in self.log] for c in LOG_COLUMNS}
        return {"feedback": pd.DataFrame({c: pd.array(v, dtype=_LOG_DTYPES[c])
                                          for c, v in data.items()})}

    @staticmethod
    def kpis(tables: dict[str, pd.DataFrame], cfg) -> dict:
        """:func:`feedback_kpis` of the run (zeros and ``nan`` with the loop off)."""
        return feedback_kpis(tables["timeseries"], cfg.sim.warmup_days)


def feedback_kpis(series: pd.DataFrame, warmup_day: int) -> dict:
    """Summary KPIs of the feedback loop from the daily series (post warm-up unless named
    otherwise); zeros and ``nan`` when the mechanism is off (its columns are absent)."""
    nan = math.nan
    if "fixes_shipped" not in series:
        return {"fixes_shipped": 0, "tickets_deflected": 0, "mean_fix_lead_time_days": nan,
                "mean_fix_lead_time_top_days": nan, "mean_signal_detail": nan,
                "snippets_written": 0, "workflows_written": 0, "workflow_h": 0.0,
                "tickets_per_customer_30d": nan}
    s = series[series["day"] >= warmup_day]
    fixes = int(s["fixes_shipped"].sum())
    signals = float(s["signals"].sum())
    days = len(s)
    cust = float(s["active_customers"].mean()) if days else nan
    top = int(series["top_classes"].iloc[0]) if len(series) else 0
    return {
        "fixes_shipped": fixes,
        "tickets_deflected": int(s["tickets_deflected"].sum()),
        "mean_fix_lead_time_days": float(s["fix_lead_time_days"].sum()) / fixes if fixes else nan,
        # whole run: restricted mean over the top product classes, unfixed ones counted to the
        # horizon (the integral of the classes still waiting), so designs compare on one set
        "mean_fix_lead_time_top_days": float(series["top_classes_waiting"].sum()) / top
        if top else nan,
        "mean_signal_detail": float(s["signal_detail"].sum()) / signals if signals else nan,
        "snippets_written": int(s["snippets_written"].sum()),
        "workflows_written": int(s["workflows_written"].sum()),
        "workflow_h": float(s["workflow_h"].sum()),
        "tickets_per_customer_30d": float(s["tickets_created"].sum()) * WINDOW_DAYS / days / cust
        if days and cust else nan,
    }
