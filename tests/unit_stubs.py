"""Small stand-ins for the unit tier: people, customers and tickets without a ``TierSimModel``.

The engine, desks and policies read only a handful of attributes of a person or a customer;
these stubs carry exactly those, so a unit test builds its scenario in a few lines.
"""

from __future__ import annotations

from agents.staff import Role
from model.calendar import AlwaysCalendar
from model.desks import Desk
from model.engine import Engine
from model.recorder import Recorder
from model.routing import Draws
from model.tickets import Ticket


class StubPerson:
    """A support person as the engine, desks and rules see one."""

    def __init__(self, uid: int, role: Role = Role.L1, proficiency: float = 1.0,
                 domains: int = 2, certified: tuple[int, ...] | None = None) -> None:
        self.unique_id = uid
        self.role = role
        self.proficiency = [proficiency] * domains
        self.certified = certified if certified is not None else tuple(range(domains))
        self.desk = None
        self.desk_keys: tuple[int, ...] = ()
        self.ticket = None
        self.slowdown = 1.0
        self.busy_h = self.month_busy_h = self.piece_h = 0.0
        self.tickets_worked = 0
        self.leaving = False

    def __repr__(self) -> str:
        return f"StubPerson({self.unique_id})"


class StubCustomer:
    """A customer as intake and the ticket log see one."""

    def __init__(self, uid: int = 0, pod: int = 0, owner=None, pilot_arm: str = "",
                 segment: str = "smb") -> None:
        self.unique_id, self.pod, self.owner = uid, pod, owner
        self.pilot_arm, self.segment = pilot_arm, segment
        self.episodes = 0

    def record_episode(self, explanations: int, contacts: int) -> None:
        self.episodes += 1


def ticket(tid: int = 1, *, created_h: float = 0.0, work_h: float = 1.0, complexity: float = 0.1,
           domain: int = 0, cls: int = 0, customer=None, on_pattern: bool = False,
           needs_eng: bool = False, specialist: bool = False, eng_work_h: float = 0.0) -> Ticket:
    """A hand-made ticket (keywords for the intrinsic properties that matter to a test)."""
    return Ticket(tid, customer if customer is not None else StubCustomer(), cls, domain,
                  complexity, on_pattern, needs_eng, specialist, work_h, eng_work_h, created_h)


def staffed(desk: Desk, *people: StubPerson) -> Desk:
    """``desk`` with ``people`` as members (idle)."""
    for p in people:
        desk.add_member(p)
    return desk


def engine(*desks: Desk, calendar=None, stalled_after_h: float = 1e9, policy=None) -> Engine:
    """An engine over ``desks`` (24/7 calendar by default) that records tickets."""
    return Engine(calendar or AlwaysCalendar(), Recorder(record_tickets=True),
                  stalled_after_h, policy=policy, desks=desks)


class Seq:
    """A draw callable returning the given values in turn (then the last one forever), and
    counting the draws taken: CRN tests check how many draws a decision consumes."""

    def __init__(self, *values: float) -> None:
        self.values, self.calls = list(values), 0

    def __call__(self) -> float:
        v = self.values[min(self.calls, len(self.values) - 1)]
        self.calls += 1
        return v


def draws(u: float | Seq = 0.5, exp: float = 1.0, work_exp: float = 1.0) -> Draws:
    """Fixed draws: ``u`` (a constant or a :class:`Seq`), unit exponentials by default."""
    return Draws(u if callable(u) else Seq(u), Seq(exp), Seq(work_exp))
