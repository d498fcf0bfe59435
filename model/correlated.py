"""Correlated problems (``mechanisms.correlated_problems``) as a mechanism: a shared root cause
hits linked customers together. The rules and the draws are in
:class:`model.customer_graph.CorrelatedProblems`; this module plugs them into a run."""

from __future__ import annotations

import numpy as np

from model.customer_graph import CorrelatedProblems, expected_extra
from model.mechanism import Hooks, Mechanism


class Correlated(Mechanism):
    """Adds the tickets that today's tickets cause at linked customers."""

    switch = "correlated_problems"
    name = "correlated"  # shared fixes (built after it) reach the pending tickets

    def __init__(self, model) -> None:
        super().__init__(model)
        net = model.network
        self.problems = CorrelatedProblems(model, net.everyone, net.nbrs, net.agency,
                                           model.streams["correlated"])
        active = np.array([x.active for x in net.everyone])
        act = np.array([x.activity for x in net.everyone])
        cat = model.catalogue
        setup_share = float(cat.freq[cat.setup_root].sum())
        self.extra = expected_extra(model.cfg.customers.problem_correlation, act, active,
                                    net.nbrs, net.agency, setup_share)

    def install(self, hooks: Hooks) -> None:
        """An injector of correlated tickets; the base rate makes room for them."""
        hooks.demand_injectors.append(self.problems.inject)
        hooks.expect_extra(self.extra)

    def series(self) -> dict:
        return {"correlated_tickets": self.problems.today}
