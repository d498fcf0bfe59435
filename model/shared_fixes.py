"""Shared fixes of correlated problems (``mechanisms.shared_fixes``; built only with
``mechanisms.correlated_problems``): solving one of a group of tickets with the same root cause
helps with the others. docs/ODD.md section 7.18 ("Shared fixes") states the rules.

A *root-cause group* is a ticket whose links fired and the correlated tickets it caused at linked
customers (:class:`model.customer_graph.CorrelatedProblems` numbers them; ``ticket.group``, -1
for a ticket in no group). Two rules, the same for every desk of every design:

* **Reuse.** A group is *solved* when one of its tickets closes for good after being resolved
  (not a script-shaped close: that leaves the problem unsolved). The solver remembers the answer,
  and writes it into their desk's shared notes with probability ``customers.shared_fixes.note_p``
  (stream ``shared_fixes``, one draw per such close). A person who then resolves another ticket
  of the group, and either solved the group themself or sits at a desk holding a note of it,
  does the work of resolving at ``customers.shared_fixes.reuse_factor`` x the work (the
  routing policy's ``resolve_factor`` hook). Each such piece counts one ``reused_solutions``.
* **Proactive contact.** A person who starts resolving a ticket of a group looks at the linked
  customers whose ticket of the group is *pending* (drawn, due on a later day, not yet written
  in). Each such customer n is reached with probability ``recognise_p x k(person, n)``, where
  ``k`` is how well the person knows n: 1 for n's named owner; else the larger of the
  relationship strength (model/relationships.py) and ``account_team_knowledge`` for a member of
  the pod that owns n. Nobody owns a customer in the tiered design, so there an L1 or L2 person
  recognises a group through the relationships they built, with the same chance as a pod owner
  with the same knowledge. A reached customer's pending ticket never arrives (a prevented
  problem, counted with the solved ones; no episode: the customer never meets the problem), and
  the contact costs ``contact_minutes`` of the resolver's time, added to the resolving piece.
  Each counts one ``proactive_contacts``.

Timing: a day's correlated tickets are merged into its arrivals at its start, so a contact
reaches a linked customer only before the midnight that begins the day their ticket is due. A group's solution is forgotten :data:`MEMORY_DAYS` after its last solve.
"""

from __future__ import annotations

from collections import deque

from model.mechanism import Hooks, Mechanism
from model.routing import RESOLVE
from model.streams import UniformBuffer

#: [A] days a group's solution is remembered after its last solve: a group's tickets arrive
#: within days of each other (exponential lag of mean ``correlation_delay_hours``)
MEMORY_DAYS = 30


class SharedFixes(Mechanism):
    """Reuse of a solved root cause, and proactive contacts of linked customers."""

    switch = "shared_fixes"

    @classmethod
    def enabled(cls, cfg) -> bool:
        """Only with correlated problems: without them no ticket shares a root cause."""
        m = cfg.mechanisms
        return bool(m.shared_fixes and m.correlated_problems)

    def __init__(self, model) -> None:
        super().__init__(model)
        s = model.cfg.customers.shared_fixes
        self.factor = s.reuse_factor
        self.note_p = s.note_p
        self.recognise_p = s.recognise_p
        self.team_k = s.account_team_knowledge
        self.contact_h = s.contact_minutes / 60.0
        self.rel_h = model.cfg.customers.relationships.half_life_days
        self.u = UniformBuffer(model.streams["shared_fixes"])
        self.problems = model.correlated.problems
        self.pods = model.pods
        # group -> (people who solved it, desks holding a note of it)
        self.solved: dict[int, tuple[set, set]] = {}
        self.last_solve: dict[int, int] = {}  # group -> day of its last solve
        self.expiry: deque[tuple[int, int]] = deque()  # (day, group) in solve order
        self._reset_day()

    def install(self, hooks: Hooks) -> None:
        """Reuse in the work of resolving; contacts while resolving; a group solved at a close."""
        hooks.set_resolve_factor(self.resolve_factor)
        hooks.plan.append(self.on_plan)
        hooks.close.append(self.on_close)

    def _reset_day(self) -> None:
        self.day_reused = 0
        self.day_contacts = 0
        self.day_solved = 0

    # --- engine and routing hooks (hot path) ----------------------------------------------------
    def resolve_factor(self, ticket, person) -> float:
        """Routing hook: the work factor of resolving ``ticket`` (a group member) for ``person``."""
        known = self.solved.get(ticket.group)
        if known is None:
            return 1.0
        solvers, notes = known
        if person in solvers or person.desk in notes:
            self.day_reused += 1
            return self.factor
        return 1.0

    def knows(self, person, customer) -> float:
        """How well ``person`` knows ``customer``, in [0, 1]: 1 for its named owner, else the
        larger of the relationship strength and ``account_team_knowledge`` in its owning pod."""
        if customer.owner is person:
            return 1.0
        k = customer.strength(person, self.model.day, self.rel_h) if customer.relations else 0.0
        if (k < self.team_k and customer.pod >= 0 and customer.pod < len(self.pods)
                and person.desk is self.pods[customer.pod]):
            k = self.team_k
        return k

    def on_plan(self, person, ticket, t: float) -> float:
        """Extra hours for this piece: the linked customers the resolver reaches."""
        if ticket.action != RESOLVE or ticket.group < 0:
            return 0.0
        pending = self.problems.pending_of(ticket.group)
        if not pending:
            return 0.0
        reached = 0
        for customer in pending:
            k = self.knows(person, customer)
            if k > 0.0 and self.u() < self.recognise_p * k:
                self.problems.cancel(ticket.group, customer)
                reached += 1
        self.day_contacts += reached
        return reached * self.contact_h

    def on_close(self, ticket, t: float) -> None:
        """A group ticket resolved for good: its solver knows the answer, and may note it."""
        person = ticket.resolver
        if ticket.group < 0 or ticket.script_closed or person is None:
            return
        noted = self.u() < self.note_p
        known = self.solved.get(ticket.group)
        if known is None:
            known = self.solved[ticket.group] = (set(), set())
            self.day_solved += 1
        known[0].add(person)
        if noted and person.desk is not None:
            known[1].add(person.desk)
        day = self.model.day
        self.last_solve[ticket.group] = day
        self.expiry.append((day, ticket.group))

    # --- end of day ----------------------------------------------------------------------------
    def day(self, model) -> None:
        """Forget the solutions not used for :data:`MEMORY_DAYS`."""
        cutoff = model.day - MEMORY_DAYS
        q = self.expiry
        while q and q[0][0] <= cutoff:
            _, group = q.popleft()
            if self.last_solve.get(group, cutoff + 1) <= cutoff:
                del self.last_solve[group]
                self.solved.pop(group, None)

    def series(self) -> dict:
        """Today's columns (then today's counters restart)."""
        row = {"reused_solutions": self.day_reused, "proactive_contacts": self.day_contacts,
               "groups_solved": self.day_solved}
        self._reset_day()
        return row

    @staticmethod
    def kpis(tables, cfg) -> dict:
        """Post-warm-up sums of the daily columns (0 with the mechanism off)."""
        s = tables["timeseries"]
        if "reused_solutions" not in s:
            return {"reused_solutions": 0, "proactive_contacts": 0}
        w = s[s["day"] >= cfg.sim.warmup_days]
        return {"reused_solutions": int(w["reused_solutions"].sum()),
                "proactive_contacts": int(w["proactive_contacts"].sum())}
