"""Customers: Mesa agents who raise tickets."""

from __future__ import annotations

import math

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

    The state a mechanism keeps on each customer (goodwill, renewal review, relationships …)
    is declared by that mechanism (``customer_state``, ``model/mechanism.py``) and set from
    :attr:`declared` at birth.
    """

    #: attribute -> factory ``f(customer)`` of its initial value, declared by mechanisms
    declared: dict = {}

    @classmethod
    def declare_state(cls, state: dict) -> None:
        """Add per-customer state a mechanism keeps (attribute -> factory of the initial value)."""
        cls.declared = {**cls.declared, **state}

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
        self.owner_since = joined_day
        for name, make in self.declared.items():
            setattr(self, name, make(self))

    # --- relationships (strength s in [0, 1] fades with half-life h days) -------------------
    def strength(self, person, day: int, h: float) -> float:
        """Relationship strength with ``person`` today (0 if none)."""
        v = self.relations.get(person)
        return 2.0 ** (v - day / h) if v is not None else 0.0

    def strengthen(self, person, day: int, gain: float, h: float) -> None:
        """A successful contact: s <- s + gain (1 - s), after today's fading."""
        s = self.strength(person, day, h)
        s += gain * (1.0 - s)
        if s > 0.0:
            self.relations[person] = math.log2(s) + day / h

    def strongest(self, day: int, h: float) -> tuple:
        """``(person, strength)`` of the strongest relationship, or ``(None, 0.0)``."""
        if not self.relations:
            return None, 0.0
        person = max(self.relations, key=self.relations.__getitem__)
        return person, 2.0 ** (self.relations[person] - day / h)

    def record_episode(self, explanations: int, contacts: int) -> None:
        """Remember one closed ticket's effort (explanations + extra contacts)."""
        self.episodes += 1
        self.effort_sum += explanations + max(contacts - 1, 0)

    @property
    def mean_effort(self) -> float:
        return self.effort_sum / self.episodes if self.episodes else float("nan")
