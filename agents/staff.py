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
        # talent state (model/talent.py)
        self.level = 0  # generalist growth in place: 0 junior, 1 senior, 2 lead
        self.last_promotion_day = hired_day
        self.asymptote = 1.0  # personal ceiling of proficiency
        self.tau = 1.0  # tickets to cover 63 % of the gap to the ceiling
        self.experience: list[float] = [0.0] * len(proficiency)  # tickets' worth, per domain
        self.month_busy_h = 0.0
        self.month_domains: set[int] = set()
        self.mentor = None
        self.mentor_until = -1  # day until which the mentor speeds this person's ramp
        self.mentee_until = -1  # day until which this person mentors a newcomer
        self.slowdown = 1.0  # handle-time factor while mentoring (capacity taken)
        self.leaving = False  # quit while holding a ticket: leaves when it is done
        self.regretted = False
        self.predecessor = None
        self.prev_desk = None
        self.busy_h = 0.0  # hours spent working tickets
        self.piece_h = 0.0  # hours of the piece of work in hand (or last finished)
        self.tickets_worked = 0

    @property
    def busy(self) -> bool:
        return self.ticket is not None

    def mean_proficiency(self) -> float:
        return float(np.mean([self.proficiency[d] for d in self.certified]))
