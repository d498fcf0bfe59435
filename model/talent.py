"""Talent dynamics: learning by doing, forgetting, attrition, promotion chains, hiring, payroll.

Each person's proficiency in domain ``d`` follows an exponential approach to their own ceiling
``a``: ``p_d = a (1 - exp(-E_d / tau))`` (Heathcote, Brown & Mewhort 2000), where ``E_d`` is
experience in tickets. Working a piece in ``d`` adds 1 (scaled by the variety factor) to ``E_d``
and ``transfer`` to the two neighbouring domains (domains form a ring of related product areas,
[A]); new hires with a mentor ramp with ``tau x veteran_ramp``; experience in domains unused for
a month decays by ``monthly_retention``. The engine reads ``person.proficiency`` for handle time
(``1 + (m0 - 1)(1 - p)``) and L1's resolve-or-escalate draw, so skill feeds the ticket flow.

Monthly reviews (every ``review_interval`` days) draw quits with a hazard that multiplies the
role's base rate by early tenure, burnout, stagnation and market value over pay (Batt 2002).
A vacancy at L2 promotes the best qualified L1 (opening an L1 seat: the vacancy chain);
generalists grow in place (senior, lead). Pay is one rule for every role: the role's wage x
``workforce.salary.loading`` at hire (and for the day-0 staff, whatever their drawn tenure), then
a raise of ``annual_raise`` per completed year of tenure inside the run; a promotion to L2 pays at
least L2's wage with the raises earned so far; levels carry no pay. Vacancies are backfilled
after the hiring lead time; hires onboard off the floor, then start at novice proficiency beside
a mentor whose capacity the mentoring takes.
"""

from __future__ import annotations

import math

import numpy as np

from agents.staff import Role, SupportStaff
from model.config import Config
from model.mechanism import Hooks, Mechanism
from model.pods import breadth_of

MONTH_DAYS = 30  # [A] the talent processes' month
YEAR_DAYS = 365  # a year of tenure (pay raises)
SENIOR_ROLES = (Role.L2, Role.GENERALIST, Role.SPECIALIST, Role.ENGINEER)


def mean_proficiencies(people: list[SupportStaff]) -> list[float]:
    """``[p.mean_proficiency() for p in people]``, with one numpy call per group of people
    certified in the same number of domains instead of one per person (the daily series).

    Bit for bit the same values: numpy reduces each row of a C-contiguous 2-D array over its
    last axis with the same pairwise summation as a 1-D array of that row (checked for row
    lengths 1-64).
    """
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(people):
        groups.setdefault(len(p.certified), []).append(i)
    out = [0.0] * len(people)
    for idx in groups.values():
        rows = np.array([[people[i].proficiency[d] for d in people[i].certified] for i in idx],
                        dtype=np.float64)
        for i, v in zip(idx, rows.mean(axis=1).tolist(), strict=True):
            out[i] = v
    return out


class Talent(Mechanism):
    """The talent market of one run: learning, attrition, promotion, hiring and payroll.

    Payroll always runs; the rest follows ``mechanisms.learning``, ``attrition``, ``promotion``
    and ``hiring``. Fires the ``staff_exit`` hooks when someone leaves and asks the
    ``keep_seat`` hooks before it drops a seat.
    """

    name = "talent"
    staff_state = {
        "level": lambda p: 0,  # generalist growth in place: 0 junior, 1 senior, 2 lead
        "raises": lambda p: 0,  # tenure raises granted (completed years inside the run)
        "last_promotion_day": lambda p: p.hired_day,
        "asymptote": lambda p: 1.0,  # personal ceiling of proficiency
        "tau": lambda p: 1.0,  # tickets to cover 63 % of the gap to the ceiling
        "experience": lambda p: [0.0] * len(p.proficiency),  # tickets' worth, per domain
        "month_domains": lambda p: set(),  # domains worked this month (variety, forgetting)
        "mentor": lambda p: None,
        "mentor_until": lambda p: -1,  # day until which the mentor speeds this person's ramp
        "mentee_until": lambda p: -1,  # day until which this person mentors a newcomer
        "regretted": lambda p: False,  # a quit of someone above the median proficiency
        "predecessor": lambda p: None,  # the leaver whose seat this person fills
        "prev_desk": lambda p: None,
    }

    def __init__(self, model) -> None:
        super().__init__(model)
        cfg: Config = model.cfg
        self.cfg = cfg
        m, w = cfg.mechanisms, cfg.workforce
        self.learning, self.attrition = m.learning, m.attrition
        self.promotion, self.hiring = m.promotion, m.hiring
        self.w, self.lc = w, w.learning
        self.gen = model.streams["talent"]
        d = cfg.product.domains
        self.domains = d
        self.related = [tuple({(x - 1) % d, (x + 1) % d} - {x}) for x in range(d)]
        self._gain = [0.0] + [self.variety_gain(n) for n in range(1, d + 1)]
        sim = cfg.sim
        self.shift_h_per_week = (24.0 * 7 if sim.calendar == "always" else
                                 (sim.business_hours[1] - sim.business_hours[0]) * len(sim.workdays))
        self.paid_h_per_year = self.shift_h_per_week * 52.0  # for hourly salary values
        self.open_seats: list[tuple] = []  # (role, desk, predecessor) opened today
        self.recruiting: list[tuple] = []  # (arrival day, role, desk, predecessor)
        self.onboarding: list[tuple] = []  # (day on the floor, person, desk)
        self.vacancies = dict.fromkeys(Role, 0)
        self.counts = dict.fromkeys(("hires", "exits", "regretted", "promotions", "planned_seats",
                                     "cancelled_seats", "not_backfilled", "redeployed"), 0)
        self.surplus: dict[str, int] = {}  # desk name -> leavers not to be replaced (planning)
        self.exits_by_role = dict.fromkeys(Role, 0)
        self.cost_salary = 0.0  # cumulative loaded salary paid
        self.cost_hiring = 0.0  # cumulative replacement cost of hires
        # the same costs by the wage each is proportional to (``pay_rate``: the role whose
        # workforce.salary value set the person's pay), over the run and before the measured
        # window: salaries change only costs, so a caller can price another salary exactly
        # (experiments/profile.py); not an output of the run
        self.pay_rate: dict[int, Role] = {}
        self.cost_by_rate = dict.fromkeys(Role, 0.0)
        self.cost_by_rate_before_window = dict.fromkeys(Role, 0.0)
        self.warmup_days = cfg.sim.warmup_days
        self.exit_hooks: list = []  # the run's staff_exit hooks (install)
        self.keep_seat: list = []  # the run's keep_seat hooks (install)
        for person in model.staff:
            self._init_person(person)
            mean_days = w.attrition.initial_tenure_months * MONTH_DAYS
            person.hired_day = -int(self.gen.exponential(mean_days)) if mean_days > 0 else 0
            person.last_promotion_day = person.hired_day
            # the role's salary whatever the drawn tenure: no raise is backdated before day 0
            person.salary = self.role_salary(person.role)
            self.pay_rate[person.unique_id] = person.role

    def install(self, hooks: Hooks) -> None:
        """Learning on each piece of work; the exit and keep-seat hooks it fires and asks."""
        self.exit_hooks, self.keep_seat = hooks.staff_exit, hooks.keep_seat
        if self.learning:
            hooks.work.append(self.learn)

    # --- learning ---------------------------------------------------------------------------
    def _init_person(self, person: SupportStaff) -> None:
        """A personal ceiling and tau, and the experience that matches present proficiency."""
        if not self.learning:
            return
        lc = self.lc
        person.asymptote = float(np.clip(self.gen.normal(lc.asymptote_mean, lc.asymptote_sd),
                                         0.05, 1.0))
        person.tau = lc.tau_simple if person.role == Role.L1 else lc.tau_complex
        p = np.minimum(person.proficiency, person.asymptote * 0.999)
        person.experience = (-person.tau * np.log1p(-p / person.asymptote)).tolist()
        person.proficiency = p.tolist()

    def variety_gain(self, n_domains: int) -> float:
        """Experience a piece adds when it is the person's ``n_domains``-th domain this month:
        the inverted U of variety (peak at ``variety_peak_domains``), at least 0.5."""
        lc = self.lc
        x = n_domains / lc.variety_peak_domains
        return max(0.5, 1.0 + lc.variety_gain * x * (2.0 - x))

    def learn(self, person: SupportStaff, ticket, t: float) -> None:
        """Work hook: a piece of work in ``ticket.domain`` adds experience there and nearby."""
        d = ticket.domain
        seen = person.month_domains
        seen.add(d)
        gain = self._gain[len(seen)]  # hot path: variety_gain, tabulated
        tau = person.tau
        if person.mentor_until > self.model.day:
            tau *= self.lc.veteran_ramp
        exp_, prof, a = person.experience, person.proficiency, person.asymptote
        exp_[d] += gain
        prof[d] = a * (1.0 - math.exp(-exp_[d] / tau))
        if self.related[d]:
            step = gain * self.lc.transfer
            for r in self.related[d]:
                exp_[r] += step
                prof[r] = a * (1.0 - math.exp(-exp_[r] / tau))

    @staticmethod
    def _refresh(person: SupportStaff, d: int, tau: float) -> None:
        person.proficiency[d] = person.asymptote * (1.0 - math.exp(-person.experience[d] / tau))

    def _forget(self, model) -> None:
        """Experience in domains not worked this month decays by ``monthly_retention``."""
        keep = self.lc.monthly_retention
        for p in model.active_staff:
            for d in range(self.domains):
                if d not in p.month_domains:
                    p.experience[d] *= keep
                    self._refresh(p, d, p.tau)

    # --- the day ----------------------------------------------------------------------------
    def day(self, model) -> None:
        """Payroll; hires arriving and joining the floor; monthly forgetting, reviews, growth."""
        day = model.day
        self._raises(model, day)
        self._pay(model)
        self._arrivals(day)
        if (day + 1) % MONTH_DAYS == 0:
            if self.learning:
                self._forget(model)
            if self.attrition:
                self._reviews(model, day)
            if self.promotion:
                self._grow_in_place(model, day)
            for p in model.active_staff:
                p.month_busy_h = 0.0
                p.month_domains = set()
        self._recruit(day)

    # --- pay ---------------------------------------------------------------------------------
    def role_salary(self, role: Role, raises: int = 0) -> float:
        """The loaded annual salary of ``role`` after ``raises`` tenure raises: wage x loading x
        (1 + annual_raise) ** raises -- the same rule for every role."""
        s = self.w.salary
        return getattr(s, role.value) * s.loading * (1.0 + s.annual_raise) ** raises

    @staticmethod
    def years_in_run(p: SupportStaff, day: int) -> int:
        """Completed years of tenure inside the run on ``day`` (tenure before day 0 not counted)."""
        return max(0, day - max(p.hired_day, 0)) // YEAR_DAYS

    def _raises(self, model, day: int) -> None:
        """Each completed year of tenure inside the run raises pay by ``annual_raise``, for
        everyone on the payroll (on the floor or onboarding) alike."""
        step = 1.0 + self.w.salary.annual_raise
        for p in (*model.active_staff, *(q for _, q, _ in self.onboarding)):
            due = self.years_in_run(p, day)
            if due > p.raises:
                p.salary *= step ** (due - p.raises)
                p.raises = due

    def _pay(self, model) -> None:
        if model.day == self.warmup_days:  # the cumulative costs before the measured window
            self.cost_by_rate_before_window = dict(self.cost_by_rate)
        payroll = sum(p.salary for p in model.active_staff)
        payroll += sum(p.salary for _, p, _ in self.onboarding)
        self.cost_salary += payroll / 365.0
        for p in (*model.active_staff, *(q for _, q, _ in self.onboarding)):
            self.cost_by_rate[self.pay_rate.get(p.unique_id, p.role)] += p.salary / 365.0

    # --- attrition --------------------------------------------------------------------------
    def quit_hazard(self, p: SupportStaff, day: int) -> float:
        """Monthly quit probability: base x early tenure x burnout x stagnation x market."""
        a = self.w.attrition
        base = min(getattr(a.annual, p.role.value), 0.999)
        h = 1.0 - (1.0 - base) ** (1.0 / 12.0)
        if (day - p.hired_day) / MONTH_DAYS < a.early_months:
            h *= a.early_multiplier
        util = p.month_busy_h / (self.shift_h_per_week * MONTH_DAYS / 7.0)
        if util > a.burnout_threshold:
            h *= 1.0 + a.burnout_gain * (util - a.burnout_threshold) / (1.0 - a.burnout_threshold
                                                                        + 1e-9)
        skill = p.mean_proficiency()
        stalled = (day - p.last_promotion_day) / MONTH_DAYS >= a.stagnation_months
        if stalled and skill >= a.stagnation_skill * p.asymptote:
            h *= a.stagnation_multiplier
        ref = getattr(self.w.proficiency, p.role.value)  # the role's typical incumbent
        h *= (1.0 + a.market_premium * max(0.0, skill - ref)) ** a.market_elasticity
        return min(h, 1.0)

    def _reviews(self, model, day: int) -> None:
        people = list(model.active_staff)
        u = self.gen.random(len(people))
        skills = sorted(p.mean_proficiency() for p in people)
        median = skills[len(skills) // 2] if skills else 0.0
        for p, x in zip(people, u, strict=True):
            if x < self.quit_hazard(p, day):
                self.leave(p, day, "quit", regretted=p.mean_proficiency() >= median)

    def leave(self, p: SupportStaff, day: int, reason: str, regretted: bool = False) -> None:
        """``p`` leaves, taking their skill; the work in hand is finished first."""
        p.left_day, p.exit_reason, p.regretted = day, reason, regretted
        self.model.active_staff.remove(p)
        if reason == "redeployed":  # moved out of support by the plan: not attrition
            self.counts["redeployed"] += 1
        else:
            self.counts["exits"] += 1
            self.counts["regretted"] += regretted
            self.exits_by_role[p.role] += 1
        self.model.engine.retire(p)
        for hook in self.exit_hooks:
            hook(p)
        self._open_seat(p.role, p.home_desk, p, day)

    # --- promotion and vacancy chains -------------------------------------------------------
    def _open_seat(self, role: Role, desk, predecessor, day: int) -> None:
        """An L2 seat promotes the best qualified L1 if there is one, opening an L1 seat, unless
        L1 already waits for a hire (``workforce.promotion.from_short_l1``): then it is hired
        from outside. A seat of a desk whose plan is above need (``surplus``) is not refilled."""
        if self._absorbed(desk, predecessor):
            return
        if (role == Role.L2 and self.promotion
                and (self.w.promotion.from_short_l1 or self.vacancies[Role.L1] == 0)
                and (moved := self._promote_l1(desk, day))):
            role, desk, predecessor = Role.L1, moved.prev_desk, None
            if self._absorbed(desk):
                return
        self.vacancies[role] += 1
        self.open_seats.append((role, desk, predecessor))

    def _absorbed(self, desk, predecessor=None) -> bool:
        if (desk is None or self.surplus.get(desk.name, 0) <= 0
                or self._kept(desk, predecessor)):
            return False
        self.surplus[desk.name] -= 1
        self.counts["not_backfilled"] += 1
        return True

    # --- headcount plan changes (model/staffing.py) -----------------------------------------
    def plan_seats(self, role: Role, desk, n: int, day: int) -> None:
        """The plan grows by ``n``: first keep leavers' seats, then open new ones."""
        keep = min(n, self.surplus.get(desk.name, 0))
        if keep:
            self.surplus[desk.name] -= keep
        for _ in range(n - keep):
            self.counts["planned_seats"] += 1
            self._open_seat(role, desk, None, day)
        self._recruit(day)

    def _kept(self, desk, predecessor) -> bool:
        """Whether a planning hook keeps the seat (a pod domain would fall below its minimum)."""
        return any(keep(desk, predecessor) for keep in self.keep_seat)

    def cut_seats(self, desk, n: int) -> None:
        """The plan shrinks by ``n``: cancel the latest requisitions the plan can spare, then stop
        replacing leavers."""
        mine = sorted((r for r in self.recruiting if r[2] is desk), key=lambda r: -r[0])
        cancelled = 0
        for r in mine:
            if cancelled == n:
                break
            i = self.recruiting.index(r)
            del self.recruiting[i]  # out while the hooks judge the plan without it
            if self._kept(desk, r[3]):
                self.recruiting.insert(i, r)
                continue
            self.vacancies[r[1]] -= 1
            self.counts["cancelled_seats"] += 1
            cancelled += 1
        rest = n - cancelled
        if rest:
            self.surplus[desk.name] = self.surplus.get(desk.name, 0) + rest

    def _promote_l1(self, l2_desk, day: int):
        pr = self.w.promotion
        ok = [p for p in self.model.active_staff if p.role == Role.L1
              and (day - p.hired_day) / MONTH_DAYS >= pr.min_tenure_months
              and p.mean_proficiency() >= pr.min_proficiency]
        if not ok or l2_desk is None:
            return None
        best = max(ok, key=lambda p: (p.mean_proficiency(), -p.unique_id))
        best.prev_desk = best.home_desk
        best.role, best.home_desk = Role.L2, l2_desk
        l2_pay = self.role_salary(Role.L2, best.raises)
        if l2_pay >= best.salary:
            self.pay_rate[best.unique_id] = Role.L2
        best.salary = max(best.salary, l2_pay)
        best.tau = self.lc.tau_complex
        best.promotions += 1
        best.last_promotion_day = day
        self.counts["promotions"] += 1
        self.model.engine.move(best, l2_desk)
        return best

    def _grow_in_place(self, model, day: int) -> None:
        """Generalists become senior, then lead (no change of seat, no change of pay: pay
        follows the tenure rule of every role, ``_raises``)."""
        pr = self.w.promotion
        for p in model.active_staff:
            if p.role != Role.GENERALIST or p.level >= 2:
                continue
            need = pr.senior_months if p.level == 0 else pr.lead_months
            if ((day - p.hired_day) / MONTH_DAYS >= need
                    and p.mean_proficiency() >= pr.level_skill * p.asymptote):
                p.level += 1
                p.promotions += 1
                p.last_promotion_day = day
                self.counts["promotions"] += 1

    # --- hiring and onboarding --------------------------------------------------------------
    def _recruit(self, day: int) -> None:
        """Seats opened today are filled after the lead time (never, with hiring off)."""
        if self.hiring:
            lead = int(round(self.w.hiring.lead_time_weeks * 7))
            self.recruiting += [(day + lead, *seat) for seat in self.open_seats]
        self.open_seats = []

    def _arrivals(self, day: int) -> None:
        due = [r for r in self.recruiting if r[0] <= day]
        self.recruiting = [r for r in self.recruiting if r[0] > day]
        for _, role, desk, predecessor in due:
            self.onboarding.append(self._hire(role, desk, predecessor, day))
        ready = [o for o in self.onboarding if o[0] <= day]
        self.onboarding = [o for o in self.onboarding if o[0] > day]
        for _, person, desk in ready:
            self._join(person, desk)

    def _hire(self, role: Role, desk, predecessor, day: int) -> tuple:
        """A hire arrives: paid, off the floor for the role's onboarding weeks, with a mentor."""
        h = self.w.hiring
        prof0 = getattr(h.hire_proficiency, role.value)
        if predecessor is not None:
            cert = predecessor.certified
        elif role == Role.GENERALIST and desk is not None:  # a new seat in a pod
            cert = self._least_covered(desk)
        else:
            cert = tuple(range(self.domains))
        prof = np.full(self.domains, prof0)
        if role == Role.GENERALIST:  # uncertified domains: barely known (as at day 0)
            prof[[x for x in range(self.domains) if x not in cert]] = min(prof0, 0.3)
        p = SupportStaff(self.model, role, prof, cert, self.role_salary(role), day)
        p.home_desk, p.predecessor, p.last_promotion_day = desk, predecessor, day
        self._init_person(p)
        self.model.staff.append(p)
        self.model.staff_graph.add_node(p.unique_id, role=role.value)
        self.vacancies[role] -= 1
        self.counts["hires"] += 1
        self.cost_hiring += h.replacement_cost_months * p.salary / 12.0
        self.pay_rate[p.unique_id] = role
        self.cost_by_rate[role] += h.replacement_cost_months * p.salary / 12.0
        weeks = getattr(h.onboarding_weeks, role.value)
        floor_day = day + int(round(weeks * 7))
        p.mentor = self._mentor_for(desk, floor_day)
        if p.mentor is not None:
            p.mentor_until = floor_day + int(self.lc.mentored_months * MONTH_DAYS)
            self.model.staff_graph.add_edge(p.mentor.unique_id, p.unique_id, kind="mentor")
        return floor_day, p, desk

    def _least_covered(self, desk) -> tuple[int, ...]:
        """The pod's ``org.pods.breadth`` domains with the fewest certified members (on the
        floor or onboarding, so that hires arriving together spread over the thin domains)."""
        cover = {k: 0 for k in desk.keys}
        for p in (*desk.members, *(q for _, q, d in self.onboarding if d is desk)):
            for k in p.certified:
                if k in cover:
                    cover[k] += 1
        ranked = sorted(cover, key=lambda k: (cover[k], k))
        return tuple(sorted(ranked[: breadth_of(self.model.cfg)]))

    def _mentor_for(self, desk, until: int):
        """The most proficient free veteran of the desk; mentoring takes part of their time."""
        free = [p for p in (desk.members if desk is not None else []) if p.mentee_until <= self.model.day]
        if not free:
            return None
        mentor = max(free, key=lambda p: (p.mean_proficiency(), -p.unique_id))
        mentor.mentee_until = until
        share = min(self.w.hiring.mentoring_hours_per_week / self.shift_h_per_week, 0.9)
        mentor.slowdown = 1.0 / (1.0 - share)
        return mentor

    def _join(self, p: SupportStaff, desk) -> None:
        """Onboarding over: onto the floor; the mentor gets their time back; the seat's
        customers pass to the newcomer."""
        if p.mentor is not None:
            p.mentor.slowdown = 1.0
        self.model.active_staff.append(p)
        self.model.engine.move(p, desk)
        if p.predecessor is not None and self.model.pods:  # owners exist only with pods
            for c in self.model.customers:
                if c.owner is p.predecessor:
                    c.owner = p
                    c.owner_changes += 1

    # --- outputs ----------------------------------------------------------------------------
    def series(self) -> dict:
        m = self.model
        row = {"hires_cum": self.counts["hires"], "exits_cum": self.counts["exits"],
               "regretted_exits_cum": self.counts["regretted"],
               "promotions_cum": self.counts["promotions"],
               "cost_salary_cum": self.cost_salary, "cost_hiring_cum": self.cost_hiring,
               "onboarding": len(self.onboarding), "recruiting": len(self.recruiting)}
        for role in Role:
            row[f"vacancies_{role.value}"] = self.vacancies[role]
            row[f"exits_cum_{role.value}"] = self.exits_by_role[role]
        by_role: dict = {}
        for p, skill in zip(m.active_staff, mean_proficiencies(m.active_staff), strict=True):
            by_role.setdefault(p.role, []).append(skill)
        for role, v in by_role.items():
            row[f"proficiency_{role.value}"] = float(np.mean(v))
        allp = [x for v in by_role.values() for x in v]
        if allp:
            row["proficiency_p10"] = float(np.quantile(allp, 0.1))
            row["proficiency_p90"] = float(np.quantile(allp, 0.9))
        mentors = sum(1 for p in m.active_staff if p.slowdown > 1.0)
        seniors = sum(1 for p in m.active_staff if p.role in SENIOR_ROLES)
        row["senior_training_share"] = (mentors * self.w.hiring.mentoring_hours_per_week
                                        / (seniors * self.shift_h_per_week) if seniors else 0.0)
        return row
