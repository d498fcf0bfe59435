"""The pilot (``org.design=pilot``) as one intervention: a pod drawn from L2 owns a treated share
of one customer segment end to end for a while, then hands back.

At build, the customers of ``org.pilot.segment`` are split into a treated and a control arm (one
uniform each from the ``customers`` stream). On ``org.pilot.start_day`` (before that day's
tickets are worked) the ``org.pilot.pod_size`` most proficient L2 people move to the pilot pod,
certified in every regular domain, and the pilot's routing policy starts sending the treated
arm's new tickets there; on ``start_day + duration_days`` the policy stops, tickets queued at the
pod are handed back to L2, and the pod's people return to L2. The org builder makes the (empty)
pilot pod and its routes; the routing policy (``PilotPolicy``, ``model/routing.py``) routes. This
module holds the rest: the arms, the two org changes and the pilot's cost accounting.
"""

from __future__ import annotations

import math

import pandas as pd

from agents.staff import Role
from model.mechanism import Hooks, Mechanism

ARMS = ("treated", "control")


def pilot_kpis(tickets: pd.DataFrame, start_h: float, end_h: float) -> dict:
    """Treated vs control segment during the pilot window (tickets created inside it)."""
    w = tickets[(tickets["created_h"] >= start_h) & (tickets["created_h"] < end_h)]
    out = {}
    for arm in ARMS:
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


def _mean(s: pd.Series) -> float:
    return float(s.mean()) if len(s) else math.nan


class Pilot(Mechanism):
    """The pilot intervention of one run (only in the ``pilot`` design)."""

    @classmethod
    def enabled(cls, cfg) -> bool:
        return cfg.org.design == "pilot"

    def __init__(self, model) -> None:
        super().__init__(model)
        self.p = p = model.cfg.org.pilot
        self.window_h = (24.0 * p.start_day, 24.0 * (p.start_day + p.duration_days))
        self.work = {arm: [0.0, 0.0] for arm in ARMS}  # [hours, $]
        seg = [c for c in model.customers if c.segment == p.segment]
        u = model.streams["customers"].random(len(seg))
        for c, x in zip(seg, u, strict=True):
            c.pilot_arm = "treated" if x < p.treated_share else "control"

    def install(self, hooks: Hooks) -> None:
        """The org changes on their mornings; the work hook of the cost accounting."""
        hooks.morning.append(self.morning)
        hooks.work.append(self.on_work)

    def morning(self, day: int) -> None:
        """The pod forms on the start day and hands back at the end."""
        p = self.p
        if day == p.start_day:
            self._start()
        elif day == p.start_day + p.duration_days:
            self._end()

    def on_work(self, person, ticket, t: float) -> None:
        """Hours and their salary value spent on each arm's tickets created inside the pilot
        window (salary / paid hours a year: idle time not counted)."""
        acc = self.work.get(ticket.customer.pilot_arm)
        if acc is None or not self.window_h[0] <= ticket.created_h < self.window_h[1]:
            return
        acc[0] += person.piece_h
        acc[1] += person.piece_h * person.salary / self.model.talent.paid_h_per_year

    def _start(self) -> None:
        m = self.model
        l2 = sorted((p for d in m.desks.values() if d.kind == "l2" for p in d.members),
                    key=lambda s: (-s.mean_proficiency(), s.unique_id))
        pod = m.desks["pilot_pod"]
        regular = pod.keys
        for person in l2[: self.p.pod_size]:
            person.certified = regular
            m.engine.move(person, pod)
        m.engine.policy.active = True

    def _end(self) -> None:
        m = self.model
        pod, policy = m.desks["pilot_pod"], m.engine.policy
        policy.active = False
        # replies and returns for the pod now go to L2 (with L2 teams by product area, to the
        # first team, which bounces a ticket outside its area to its own team like any wrong team)
        pod.redirect = next(d for d in m.desks.values() if d.kind == "l2")
        for ticket in pod.drain():  # queued treated tickets are handed back to their L2 team
            m.engine.handoff(ticket, pod, policy.home_team("l2", ticket), 0, None, m.engine.now,
                             False)
        for person in list(pod.members):
            if person.role == Role.L2:
                person.certified = tuple(range(m.cfg.product.domains))
            m.engine.move(person, person.home_desk)

    def summary(self) -> dict:
        """Per-arm work cost of the pilot window (``pilot_<arm>_work_hours``, ``_work_cost``, and
        ``_cost_per_head``: the hours-weighted loaded salary of the people who did the work)."""
        out = {}
        paid = self.model.talent.paid_h_per_year
        for arm, (hours, cost) in self.work.items():
            out[f"pilot_{arm}_work_hours"] = hours
            out[f"pilot_{arm}_work_cost"] = cost
            out[f"pilot_{arm}_cost_per_head"] = cost / hours * paid if hours > 0 else math.nan
        return out

    @staticmethod
    def kpis(tables: dict[str, pd.DataFrame], cfg) -> dict:
        """Treated vs control over the pilot window ({} in other designs)."""
        if cfg.org.design != "pilot" or "tickets" not in tables:
            return {}
        p = cfg.org.pilot
        return pilot_kpis(tables["tickets"], 24.0 * p.start_day,
                          24.0 * (p.start_day + p.duration_days))
