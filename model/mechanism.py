"""The mechanism contract: how a mechanism plugs into a run, in one place.

A *mechanism* (talent, headcount planning, customers, correlated problems and their shared fixes,
the feedback loop, the pilot) is one class in one module, with this lifecycle:

1. **Declare.** Class attributes name its switch under ``mechanisms.*`` (:attr:`Mechanism.switch`;
   the mechanism is built only when :meth:`Mechanism.enabled` says so) and the per-agent state it
   needs (:attr:`Mechanism.staff_state`, :attr:`Mechanism.customer_state`: attribute -> factory
   of its initial value). The model's catalogue of mechanisms declares that state on the agent
   classes once (:func:`declare_agent_state`), so an agent has it from birth whether or not the
   mechanism runs, and the agent classes do not list other modules' state.
2. **Build.** ``Mechanism(model)`` reads the config and the model's parts and sets up its own
   state. It changes nothing outside itself.
3. **Install.** :meth:`Mechanism.install` registers on the :class:`Hooks` the model owns. This is
   the only way a mechanism acts on other objects: the engine, the demand, the desks, the
   routing policy and the talent market read the hook lists; nobody reaches into a mechanism.
4. **Each day.** The ``morning`` hooks run before the day's tickets are worked;
   :meth:`Mechanism.day` runs its end-of-day process (monthly and quarterly work
   runs on its day inside it), in the order of the model's catalogue; then
   :meth:`Mechanism.series` gives its columns of the daily row.
5. **At the end.** :meth:`Mechanism.tables` gives its output tables (``<name>.parquet``) and
   :meth:`Mechanism.summary` the run-level figures only the live mechanism knows;
   :meth:`Mechanism.kpis` (a static, pure function of the run's tables and config, run whether
   or not the mechanism was on, so its summary keys always exist) gives its summary KPIs.

Adding a mechanism means one new module with a subclass of :class:`Mechanism`, its config
section (``model/config.py``) and its ODD section (``docs/ODD.md``); then one line in the model's
catalogue (``MECHANISMS`` in ``model/model.py``). ``docs/mechanisms.md`` walks through an example.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pandas as pd

from agents.customer import Customer
from agents.staff import SupportStaff


class Hooks:
    """The hook points of one run, owned by the model; mechanisms register on them.

    Engine (per piece of work and per ticket; the hot path, so plain lists of functions):

    * ``plan``: ``f(person, ticket, t) -> hours`` extra work added to a piece starting
      (writing a workflow);
    * ``work``: ``f(person, ticket, t)`` after each piece of work (``person.piece_h`` hours);
    * ``close``: ``f(ticket, t)`` when a ticket closes for good;
    * ``intake``: ``f(ticket, desk, key, preferred) -> preferred`` for a new ticket (the person
      it asks for by name);
    * ``repeat_odds``: at most one ``f(ticket, person) -> odds ratio`` on the avoidable extra
      steps of a ticket (relationships); ``None`` leaves the odds alone.
    * ``resolve_factor``: at most one ``f(ticket, person) -> factor`` on the work of resolving a
      ticket of a root-cause group (shared fixes: a solution the person can reuse); ``None``
      leaves the work alone.

    Demand (once a day):

    * ``demand_filters``: ``f(cls, domains, customers, u) -> bool mask`` of drawn tickets that
      still happen (fixes, workflows, churned customers);
    * ``demand_injectors``: ``f(day, raw, keep, times, cols) -> (times, cols)`` tickets added
      to the day (correlated problems);
    * ``arrivals``: ``f(times, cols)`` the day's final arrivals, after filters and injectors;
    * the drawing population and the rate: :meth:`draw_from` (who may raise tickets, prospects
      included, with the rate multiplier that keeps ``demand.tickets_per_day`` at the start) and
      :meth:`prevent_at_start` (the share of drawn tickets that prevention already in place at
      the start lets through) and :meth:`expect_extra` (tickets a mechanism adds per drawn
      ticket): the rate is divided by both, so the start rate stays as configured.

    The day:

    * ``morning``: ``f(day)`` after the day's tickets are drawn, before they are worked (dated
      org changes: the pilot pod forms and hands back).

    Desks and people:

    * ``hold_named``: desk kind -> how many requests by name a person at such a desk holds;
    * ``staff_exit``: ``f(person)`` when someone leaves;
    * ``keep_seat``: ``f(desk, predecessor) -> bool``: planning may not drop this seat.
    """

    def __init__(self) -> None:
        self.plan: list[Callable] = []
        self.work: list[Callable] = []
        self.close: list[Callable] = []
        self.intake: list[Callable] = []
        self.repeat_odds: Callable | None = None
        self.resolve_factor: Callable | None = None
        self.demand_filters: list[Callable] = []
        self.demand_injectors: list[Callable] = []
        self.arrivals: list[Callable] = []
        self.population: list | None = None
        self.population_scale = 1.0
        self.kept_at_start = 1.0
        self.extra_per_ticket = 0.0
        self.morning: list[Callable] = []
        self.hold_named: dict[str, int] = {}
        self.staff_exit: list[Callable] = []
        self.keep_seat: list[Callable] = []

    def set_repeat_odds(self, fn: Callable) -> None:
        """Register the one ``repeat_odds`` function (a second one is a wiring error)."""
        if self.repeat_odds is not None:
            raise RuntimeError("two mechanisms registered repeat_odds")
        self.repeat_odds = fn

    def set_resolve_factor(self, fn: Callable) -> None:
        """Register the one ``resolve_factor`` function (a second one is a wiring error)."""
        if self.resolve_factor is not None:
            raise RuntimeError("two mechanisms registered resolve_factor")
        self.resolve_factor = fn

    def draw_from(self, customers: list, scale: float) -> None:
        """Tickets are drawn over ``customers`` (prospects included), the rate times ``scale``."""
        if self.population is not None:
            raise RuntimeError("two mechanisms set the demand's population")
        self.population, self.population_scale = customers, scale

    def prevent_at_start(self, kept: float) -> None:
        """Only ``kept`` of the drawn tickets happen at the start (prevention already in place):
        the rate is divided by it, so ``demand.tickets_per_day`` is the rate that reaches
        support at the start."""
        self.kept_at_start *= kept

    def expect_extra(self, per_ticket: float) -> None:
        """A mechanism adds ``per_ticket`` tickets per drawn ticket at the start."""
        self.extra_per_ticket += per_ticket

    def demand_scale(self) -> float:
        """The demand's rate multiplier the registrations ask for."""
        scale = 1.0
        scale *= self.population_scale
        scale /= self.kept_at_start
        scale /= 1.0 + self.extra_per_ticket
        return scale


class Mechanism:
    """Base class of a mechanism (lifecycle in the module docstring).

    Subclasses set :attr:`switch` (and override :meth:`enabled` when more than one switch turns
    them on), override what they use of :meth:`install`, :meth:`day`, :meth:`series`,
    :meth:`tables` and :meth:`kpis`, and declare the per-agent state they keep.
    """

    #: ``mechanisms.<switch>`` turns it on; ``""`` for a part every run has (payroll).
    switch: ClassVar[str] = ""
    #: the model attribute it is reachable by (``model.talent``), for mechanisms that use it;
    #: ``""``: none (others never reach into it)
    name: ClassVar[str] = ""
    #: attribute -> factory of its initial value, on every :class:`SupportStaff` / :class:`Customer`
    staff_state: ClassVar[dict[str, Callable[[], Any]]] = {}
    customer_state: ClassVar[dict[str, Callable[[], Any]]] = {}

    def __init__(self, model) -> None:
        self.model = model

    @classmethod
    def enabled(cls, cfg) -> bool:
        """Whether a run with ``cfg`` builds this mechanism."""
        return not cls.switch or bool(getattr(cfg.mechanisms, cls.switch))

    def install(self, hooks: Hooks) -> None:
        """Register on the run's hooks (nothing by default)."""

    def day(self, model) -> None:
        """End-of-day process (nothing by default)."""

    def series(self) -> dict:
        """Today's columns of the daily series."""
        return {}

    def tables(self) -> dict[str, pd.DataFrame]:
        """Output tables, by file name without extension."""
        return {}

    def summary(self) -> dict:
        """Run-level summary figures only the live mechanism knows (not in its tables)."""
        return {}

    @staticmethod
    def kpis(tables: dict[str, pd.DataFrame], cfg) -> dict:
        """Summary KPIs from the run's tables (``timeseries``, ``tickets``, ``staff``,
        ``customers`` …); keys must exist whether or not the mechanism was on."""
        return {}


def declare_agent_state(mechanisms) -> None:
    """Declare each mechanism's per-agent state on the agent classes (idempotent)."""
    for mech in mechanisms:
        SupportStaff.declare_state(mech.staff_state)
        Customer.declare_state(mech.customer_state)
