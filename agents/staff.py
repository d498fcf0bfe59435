"""Support staff: Mesa agents who work one ticket at a time."""

from __future__ import annotations

from enum import StrEnum

import mesa
import numpy as np


class Role(StrEnum):
    L1 = "l1"
    L2 = "l2"
    ENGINEER = "engineer"
    SPECIALIST = "specialist"
    GENERALIST = "generalist"


class SupportStaff(mesa.Agent):
    """One support person.

    Attributes:
        role: tier or job family (:class:`Role`).
        desk: the desk (team or pod) whose queues this person serves.
        proficiency: per product domain, in [0, 1] (1 = expert). Constant in this version.
        certified: domains this person takes tickets in (all domains for tiered roles).
        salary: loaded annual salary.
        ticket: the ticket in hand, or ``None`` when idle.
    """

    def __init__(self, model: mesa.Model, role: Role, proficiency: np.ndarray,
                 certified: tuple[int, ...], salary: float, hired_day: int = 0) -> None:
        super().__init__(model)
        self.role = role
        self.proficiency = proficiency
        self.certified = certified
        self.salary = float(salary)
        self.hired_day = hired_day
        self.left_day: int | None = None
        self.exit_reason = ""
        self.promotions = 0
        self.desk = None
        self.desk_keys: tuple[int, ...] = ()
        self.home_desk = None
        self.ticket = None
        self.busy_h = 0.0  # hours spent working tickets
        self.piece_h = 0.0  # hours of the piece of work in hand (or last finished)
        self.tickets_worked = 0

    @property
    def busy(self) -> bool:
        return self.ticket is not None

    def mean_proficiency(self) -> float:
        return float(np.mean([self.proficiency[d] for d in self.certified]))
