"""Customers: Mesa agents who raise tickets."""

from __future__ import annotations

import mesa
import numpy as np


class Customer(mesa.Agent):
    """A customer account.

    Attributes:
        segment: segment name (e.g. ``smb``, ``mid_market``, ``enterprise``).
        mrr: monthly recurring revenue.
        activity: relative ticket rate (segment intensity x individual spread).
        usage: product usage share per domain (sums to 1).
        owner: the named owner (a staff agent) in owned designs, else ``None``.
        pod: index of the owning pod in owned designs, else -1.
        pilot_arm: ``"treated"``, ``"control"`` or ``""``.
    """

    def __init__(self, model: mesa.Model, segment: str, mrr: float, activity: float,
                 usage: np.ndarray, joined_day: int = 0) -> None:
        super().__init__(model)
        self.segment = segment
        self.mrr = float(mrr)
        self.activity = float(activity)
        self.usage = usage
        self.joined_day = joined_day
        self.churned_day: int | None = None
        self.owner = None
        self.pod = -1
        self.owner_changes = 0
        self.pilot_arm = ""
        self.episodes = 0
        self.effort_sum = 0.0
        self.named_requests = 0

    def record_episode(self, explanations: int, contacts: int) -> None:
        """Remember one closed ticket's effort (explanations + extra contacts)."""
        self.episodes += 1
        self.effort_sum += explanations + max(contacts - 1, 0)

    @property
    def mean_effort(self) -> float:
        return self.effort_sum / self.episodes if self.episodes else float("nan")
