"""Ticket demand: a non-homogeneous Poisson process, and each ticket's intrinsic properties.

Arrivals are piecewise-constant in the hour (exact for a rate constant within each hour): the
count in hour h of day d is Poisson(rate x weekday weight x hourly weight), placed uniformly in
the hour. Every draw here comes from the ``demand`` and ``tickets`` streams, and the number of
draws never depends on the org design, so one seed gives every design the identical tickets.
"""

from __future__ import annotations

import math

import numpy as np

from model.catalogue import Catalogue
from model.config import Config
from model.population import CustomerSampler
from model.tickets import Ticket

TICKET_CONCENTRATION = 10.0  # [A] Beta a+b of a ticket's complexity around its class mean
#: the columns :meth:`Demand.day` draws: Ticket's arguments after the id, less ``created_h``;
#: an injector may append more (correlated problems: the root-cause group), which DayArrivals
#: passes after ``created_h``
N_TICKET_COLS = 9


class DayArrivals:
    """One day's arrivals, as columns; ``make(i)`` builds the i-th ticket record when it arrives.
    Columns beyond the first :data:`N_TICKET_COLS` are Ticket's optional arguments after
    ``created_h`` (the root-cause group)."""

    __slots__ = ("times", "next", "_rows", "_first_id")

    def __init__(self, times: list[float], cols: tuple, first_id: int) -> None:
        self.times = times
        self.next = 0
        n = N_TICKET_COLS  # one tuple per ticket, built in C
        self._rows = list(zip(*cols[:n], times, *cols[n:], strict=True))
        self._first_id = first_id

    def __len__(self) -> int:
        return len(self.times)

    def make(self, i: int) -> Ticket:
        return Ticket(self._first_id + i, *self._rows[i])


class Demand:
    """Draws each day's tickets."""

    def __init__(self, cfg: Config, catalogue: Catalogue, sampler: CustomerSampler | None,
                 demand_gen: np.random.Generator, ticket_gen: np.random.Generator) -> None:
        d, p = cfg.demand, cfg.product
        self.cat, self.sampler = catalogue, sampler
        self.dg, self.tg = demand_gen, ticket_gen
        self.base_rate = d.tickets_per_day
        self.scale = 1.0  # rate multiplier the mechanisms' registrations set (model/mechanism.py)
        if d.pattern == "flat":
            self.hour_w = np.full(24, 1.0 / 24)
            self.day_w = np.ones(7)
        else:
            self.hour_w = np.asarray(d.hourly_profile, float) / sum(d.hourly_profile)
            self.day_w = np.asarray(d.weekday_profile, float) / np.mean(d.weekday_profile)
        self.exponential = p.service == "exponential"
        self.mean_work = p.mean_work_hours
        self.sigma = math.sqrt(math.log(1 + p.service_cv ** 2))
        self.fix_mean = cfg.org.engineering.mean_fix_hours
        self._off_pattern = p.off_pattern_share
        self.next_id = 0
        # f(cls, domains, customers, u) -> bool mask of tickets that still happen (product fixes,
        # workflows, churned customers); u is one uniform per ticket, drawn whatever the filters,
        # so filtering never shifts the other draws (common random numbers).
        self.filters: list = []
        self.filtered = 0  # tickets prevented so far
        # f(day, raw_cols, keep, times, cols) -> (times, cols): tickets a mechanism adds to the
        # day (correlated problems), given the drawn columns before filtering and the kept ones.
        self.injectors: list = []
        # f(times, cols): the day's final arrivals, after filters and injectors (episodes open)
        self.arrival_hooks: list = []

    def day(self, day: int) -> DayArrivals:
        self.cat.release(day)  # the classes a release adds today (the same in every design)
        rates = self.base_rate * self.scale * self.day_w[day % 7] * self.hour_w
        counts = self.dg.poisson(rates)
        n = int(counts.sum())
        times = np.repeat(np.arange(24, dtype=float), counts) + self.dg.random(n)
        times.sort()
        times += 24.0 * day
        cols, keep = self._properties(n)
        raw = cols
        if keep is not None:
            self.filtered += int(n - keep.sum())
            idx = np.flatnonzero(keep).tolist()
            cols = tuple([c[i] for i in idx] for c in cols)
            times = times[keep]
        for f in self.injectors:
            times, cols = f(day, raw, keep, times, cols)
        for f in self.arrival_hooks:
            f(times, cols)
        arr = DayArrivals(times.tolist(), cols, self.next_id)
        self.next_id += len(arr)
        return arr

    def class_properties(self, cls: np.ndarray, dom: np.ndarray, g: np.random.Generator) -> tuple:
        """Complexity, on-pattern, needs-engineering, specialist, work and fix work of tickets of
        classes ``cls`` (domains ``dom``), drawn from ``g`` (also used for correlated tickets)."""
        cat, n = self.cat, len(cls)
        cm = cat.complexity[cls]
        cx = g.beta(cm * TICKET_CONCENTRATION, (1 - cm) * TICKET_CONCENTRATION)
        on_pattern = g.random(n) >= self._off_pattern
        needs_eng = g.random(n) < cat.eng_p[cls]
        spec = cat.specialist_domain[dom]
        if self.exponential:  # theory mode: memoryless work with the catalogue-wide mean
            work = self.mean_work * g.standard_exponential(n)
            ework = self.fix_mean * g.standard_exponential(n)
        else:
            s = self.sigma
            work = cat.work_h[cls] * np.exp(s * g.standard_normal(n) - s * s / 2)
            ework = self.fix_mean * np.exp(s * g.standard_normal(n) - s * s / 2)
        return cx, on_pattern, needs_eng, spec, work, ework

    def _properties(self, n: int) -> tuple:
        cat, g = self.cat, self.tg
        cls = np.minimum(np.searchsorted(cat.cdf, g.random(n), side="right"), cat.classes - 1)
        dom = cat.domain[cls]
        customers = self.sampler.pick(dom, g.random(n))
        cx, on_pattern, needs_eng, spec, work, ework = self.class_properties(cls, dom, g)
        u_keep = g.random(n)
        keep = None
        for f in self.filters:
            k = f(cls, dom, customers, u_keep)
            keep = k if keep is None else keep & k
        # in the order of Ticket's arguments after the id (created_h is appended by DayArrivals)
        cols = (customers, cls.tolist(), dom.tolist(), cx.tolist(), on_pattern.tolist(),
                needs_eng.tolist(), spec.tolist(), work.tolist(), ework.tolist())
        return cols, keep
