"""Relationships and requests by name: a part of the customers mechanism (``mechanisms.customers``;
``customers.relationship_weight = 0`` makes every customer transactional).

Strength s with a staff member grows ``s <- s + gain (1 - s)`` each time the person resolves one
of the customer's tickets, and fades with ``relationships.half_life_days``. The person working a
ticket scales the odds of each avoidable extra step (a repeat contact; an avoidable escalation)
by ``odds_ratio ** (relationship_weight x s)`` (the ``repeat_odds`` hook). A new ticket asks for
the customer's strongest relationship by name with probability
``named_request_per_strength x relationship_weight x s``; the request is routed to that person
only at a desk whose members own tickets (``pod``, ``specialist``) where that person sits, and
there it waits for them if they are busy (up to ``relationships.hold_for_named`` tickets per
person). It is *honoured* if that person resolves the ticket; one that cannot be routed costs
the customer's goodwill (the customers mechanism's ``unhonoured`` rule). When a person leaves,
their relationships are dropped. ``docs/ODD.md`` section 7 states the rules with their sources.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from model.mechanism import Hooks
from model.routing import RESOLVE, SCRIPT_CLOSE
from model.streams import UniformBuffer

NAMED_DESKS = ("pod", "specialist")  # desks whose members own tickets: requests by name route
NAMED_COLUMNS = ("ticket_id", "day", "customer_id", "staff_id", "staff_desk", "intake_desk",
                 "routed")
#: per customer: staff agent -> log2(s) + day / h at the last contact (every relationship fades at
#: the same rate, so the largest value is the strongest relationship on any day)
CUSTOMER_STATE = {"relations": lambda x: {}}


def repeat_odds_ratio(strength: float, weight: float, odds_ratio: float) -> float:
    """Odds ratio on a repeat contact when the person working the ticket has ``strength``."""
    return odds_ratio ** (weight * strength)


def named_request_p(strength: float, weight: float, per_strength: float) -> float:
    """Probability that a new ticket asks for the person by name."""
    return min(1.0, per_strength * weight * strength)


class Relationships:
    """Relationship strengths, requests by name and their honouring, for one run.

    Args:
        model: the model (config, day, streams).
        unhonoured: ``f(customer)`` when a request by name cannot be routed to its person.
    """

    def __init__(self, model, unhonoured: Callable) -> None:
        c = model.cfg.customers
        self.model, self.unhonoured = model, unhonoured
        self.rel, self.w = c.relationships, c.relationship_weight
        self.rel_h = self.rel.half_life_days
        self.named_p = self.rel.named_request_per_strength
        self.odds = self.rel.odds_ratio
        self.u_named = UniformBuffer(model.streams["named_requests"])
        self.named: dict = {}  # ticket id -> the person a routed request by name asks for
        # person -> customers who gained a relationship with them (an exit drops those without
        # a scan of every customer and prospect)
        self.known_by: dict = {}
        self.named_log: list[tuple] = []
        self._reset_day()

    def install(self, hooks: Hooks) -> None:
        """Requests by name at intake, their honouring, the odds hook, holding, exits."""
        hooks.intake.append(self.on_intake)
        hooks.work.append(self.on_work)
        hooks.close.append(self.on_close)
        hooks.set_repeat_odds(self.repeat_odds)
        if self.w > 0:  # requests by name wait for their person where tickets are owned
            for kind in NAMED_DESKS:
                hooks.hold_named[kind] = self.rel.hold_for_named
        hooks.staff_exit.append(self.staff_exit)

    def _reset_day(self) -> None:
        self.day_named = self.day_named_closed = self.day_honoured = 0

    # --- engine hooks (hot path) ----------------------------------------------------------------
    def on_intake(self, ticket, desk, key: int, preferred):
        """A new ticket may ask for the customer's strongest relationship by name."""
        u = self.u_named()  # one draw per arrival, whatever happens (common random numbers)
        x = ticket.customer
        if not x.relations:
            return preferred
        person, s = x.strongest(self.model.day, self.rel_h)
        if person is None or u >= named_request_p(s, self.w, self.named_p):
            return preferred
        ticket.named_request = True
        x.named_requests += 1
        self.day_named += 1
        routed = desk.kind in NAMED_DESKS and person.desk is desk and key in person.desk_keys
        self.named_log.append((ticket.id, self.model.day, x.unique_id, person.unique_id,
                               person.desk.name if person.desk is not None else "", desk.name,
                               routed))
        if routed:
            self.named[ticket.id] = person
            return person
        self.unhonoured(x)  # cannot be honoured here
        return preferred

    def on_work(self, person, ticket, t: float) -> None:
        """A request by name is honoured if the named person resolves the ticket."""
        if ticket.named_request and ticket.action in (RESOLVE, SCRIPT_CLOSE):
            ticket.honoured = self.named.get(ticket.id) is person

    def repeat_odds(self, ticket, person) -> float:
        """Routing hook: a person who knows the customer needs fewer repeat contacts."""
        s = ticket.customer.strength(person, self.model.day, self.rel_h)
        return repeat_odds_ratio(s, self.w, self.odds) if s > 0.0 else 1.0

    def on_close(self, ticket, t: float) -> None:
        """The resolver's relationship with the customer grows; requests by name are counted."""
        x = ticket.customer
        self.named.pop(ticket.id, None)
        if ticket.named_request:
            self.day_named_closed += 1
            self.day_honoured += ticket.honoured
        r = ticket.resolver
        if r is not None:
            if r not in x.relations:
                self.known_by.setdefault(r, []).append(x)
            x.strengthen(r, self.model.day, self.rel.gain, self.rel_h)

    def staff_exit(self, person) -> None:
        """Staff-exit hook: ``person``'s relationships are lost."""
        for x in self.known_by.pop(person, ()):
            x.relations.pop(person, None)

    # --- outputs ----------------------------------------------------------------------------
    def series(self) -> dict:
        """Today's request-by-name columns (then today's counters restart)."""
        row = {"named_requests": self.day_named,
               "named_closed": self.day_named_closed,
               "named_honoured": self.day_honoured,
               "named_honoured_share": (self.day_honoured / self.day_named_closed
                                        if self.day_named_closed else math.nan)}
        self._reset_day()
        return row

    def tables(self) -> dict[str, pd.DataFrame]:
        """``named_requests``: one row per request by name."""
        df = pd.DataFrame(self.named_log, columns=list(NAMED_COLUMNS)).astype(
            {"ticket_id": "int64", "day": "int64", "customer_id": "int64", "staff_id": "int64",
             "routed": "bool"})
        return {"named_requests": df}
