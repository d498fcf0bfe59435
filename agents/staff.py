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
        proficiency: per product domain, in [0, 1] (1 = expert); it changes with work when the
            learning mechanism is on (``model/talent.py``).
        certified: domains this person takes tickets in (all domains for tiered roles).
        salary: loaded annual salary.
        ticket: the ticket in hand, or ``None`` when idle.

    The state the engine reads (hours worked, the mentoring slowdown, a pending quit) is listed
    here; the state a mechanism keeps on each person is declared by that mechanism
    (``staff_state``, ``model/mechanism.py``) and set from :attr:`declared` at birth.
    """

    #: attribute -> factory ``f(person)`` of its initial value, declared by mechanisms
    declared: dict = {}

    @classmethod
    def declare_state(cls, state: dict) -> None:
        """Add per-person state a mechanism keeps (attribute -> factory of the initial value)."""
        cls.declared = {**cls.declared, **state}

    def __init__(self, model: mesa.Model, role: Role, proficiency: np.ndarray,
                 certified: tuple[int, ...], salary: float, hired_day: int = 0) -> None:
        super().__init__(model)
        self.role = role
        self.proficiency: list[float] = [float(x) for x in proficiency]  # lists: fast scalar access
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
        # read and written by the engine
        self.month_busy_h = 0.0  # hours worked this month (burnout)
        self.slowdown = 1.0  # handle-time factor while mentoring (capacity taken)
        self.leaving = False  # quit while holding a ticket: leaves when it is done
        self.busy_h = 0.0  # hours spent working tickets
        self.piece_h = 0.0  # hours of the piece of work in hand (or last finished)
        self.tickets_worked = 0
        for name, make in self.declared.items():
            setattr(self, name, make(self))

    @property
    def busy(self) -> bool:
        return self.ticket is not None

    def mean_proficiency(self) -> float:
        return float(np.mean([self.proficiency[d] for d in self.certified]))
