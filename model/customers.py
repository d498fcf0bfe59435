"""Customers (``mechanisms.customers``): goodwill from effort, renewals and churn, word of mouth,
referrals and expansion, and the ownership of customers in owned designs. Relationships and
requests by name (``model/relationships.py``) are a part of this mechanism, under its switch;
correlated problems (``model/correlated.py``) are switched on their own. Both read the customer
network (``model/network.py``).

**Episodes.** An issue episode is one ticket from creation to its final close, with all its
reopenings. Its *effort* follows the disloyalty drivers of Dixon, Freeman & Toman (2010)::

    effort = (contacts - 1) + handoffs + (explanations - 1)
             + customers.goodwill.effort_per_day_open x calendar days open

and its *category* is ``unresolved`` if it is still open ``customers.goodwill.patience_days``
calendar days after creation (judged at the end of that day, so a ticket stuck in a queue counts
even if it never closes), else ``high_effort`` if ``effort >= high_effort_threshold``, else
``low_effort``. A near miss -- the final close was a script-shaped close of an off-pattern
ticket, closed but not solved -- is ``unresolved`` whatever its effort
(``mechanisms.near_miss_closes``). Each category has a stay probability S (Gartner: 0.27 / 0.37 /
0.61).

**Goodwill** g in [0, 1] is the probability that the customer stays *if they reconsider the
vendor now* (the quantity Gartner's survey measured after a service interaction). An episode of
category k sets ``g <- g + episode_weight (S_k - g)``; at each monthly review g relaxes toward a
resting level ``neutral + relationships.goodwill_lift x relationship_weight x s_max`` with half-life
``goodwill.half_life_days`` (s_max: the customer's strongest relationship). Word of mouth: a churn
costs each linked customer ``wom_churn_hit``; a loyal customer (g >= ``loyal_threshold``) lifts
each neighbour by ``wom_loyal_lift`` a month. A request by name that cannot be honoured (the
desk does not route by name, or the person is not there) costs ``unhonoured_cost`` at intake.

**Renewal and churn.** Each customer has a review day in the 30-day month (stream ``loyalty``).
At a review the customer reconsiders the vendor with probability
``r = segment.churn_monthly / (1 - customers.reference_goodwill)`` (capped at 1) and then stays
with probability g; so the monthly churn hazard is ``r (1 - g)``, equal to the segment's
benchmark when g is at the reference level. V7 reads the decisions: among reconsiderations
within 30 days of an episode of category k, the share that stayed is about S_k (the
``renewals`` table). A customer who stays and is loyal expands MRR by
``growth.expansion_monthly_share`` and refers a new customer with ``growth.referral_monthly_p``.
New logos from sales arrive at ``growth.acquisition_monthly_share x customers.count`` a month.

**New customers and common random numbers.** Prospective customers (two pools: sales and
referrals, drawn at the start from the ``customer_graph`` stream) are in the demand's customer
sampler from day 0; a demand filter drops the tickets of anyone who is not a customer now
(prospects and churned customers). The demand's rate is scaled so that the initial customers
raise ``demand.tickets_per_day``. So the same seed gives every design the same drawn tickets; the
designs differ only in whose tickets are kept. A prospect carries ``churned_day = -1`` until it
joins, so ``churned_day is None`` means "a customer now" everywhere.

**Relationships** (``model/relationships.py``). Strength s with a staff member grows ``s <- s + gain (1 - s)`` each time the
person resolves one of the customer's tickets, and fades with ``relationships.half_life_days``.
The person working a ticket scales the odds of each avoidable extra step -- a repeat contact
(the customer is asked for information; a fix that does not hold) and an escalation (L1 passing
a ticket within its mandate up; L2 sending a false bug report to engineering) -- by
``odds_ratio ** (relationship_weight x s)`` (routing's ``repeat_odds`` hook). A new ticket asks
for the customer's strongest relationship by name with probability
``named_request_per_strength x relationship_weight x s``: the request is routed to that person
only at a desk whose members own tickets (``pod``, ``specialist``) and that person sits at
(generalist pods, the pilot pod); there it waits for them if they are busy (up to
``relationships.hold_for_named`` tickets per person, pulled before the shared queue; beyond that,
whoever is free takes it). It is *honoured* if that person resolves the ticket.
When a person leaves (the ``staff_exit`` hook), their relationships are dropped and their owned
customers pass to the least-loaded pod-mate (``owner_changes += 1``), then to the person hired into
their seat when that person reaches the floor (``owner_changes += 1``).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pandas as pd

from model.frames import customers_frame
from model.mechanism import Hooks, Mechanism
from model.network import MONTH_DAYS
from model.org import fitting_members
from model.relationships import CUSTOMER_STATE as RELATIONSHIP_STATE
from model.relationships import Relationships

UNRESOLVED, HIGH, LOW = "unresolved", "high_effort", "low_effort"
CATEGORIES = (UNRESOLVED, HIGH, LOW)
RENEWAL_COLUMNS = ("day", "customer_id", "segment", "goodwill", "last_episode",
                   "days_since_episode", "stayed")


# --- the mechanism's rules, as pure functions ------------------------------------------------
def effort_score(contacts: int, handoffs: int, explanations: int, days_open: float,
                 per_day: float) -> float:
    """Effort points of one episode (Dixon et al. 2010 drivers, plus time open)."""
    return (contacts - 1) + handoffs + (explanations - 1) + per_day * days_open


def effort_category(effort: float, threshold: float) -> str:
    """``high_effort`` or ``low_effort`` for a resolved episode."""
    return HIGH if effort >= threshold else LOW


def after_episode(g: float, stay: float, weight: float) -> float:
    """Goodwill after an episode whose category has stay probability ``stay``."""
    return g + weight * (stay - g)


def relax(g: float, rest: float, days: float, half_life: float) -> float:
    """Goodwill relaxed toward ``rest`` over ``days``."""
    return rest + (g - rest) * 0.5 ** (days / half_life)


def resting_goodwill(neutral: float, lift: float, weight: float, strength: float) -> float:
    """Where goodwill settles without episodes: higher for a customer who is known."""
    return min(1.0, neutral + lift * weight * strength)


def decision_rate(churn_monthly: float, reference_goodwill: float) -> float:
    """Monthly probability of reconsidering, so that churn = ``churn_monthly`` at the reference."""
    return min(1.0, churn_monthly / (1.0 - reference_goodwill))


def monthly_churn(g: float, rate: float) -> float:
    """Monthly churn hazard of a customer with goodwill ``g``."""
    return rate * (1.0 - g)


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


# --- the mechanism ---------------------------------------------------------------------------
class Customers(Mechanism):
    """Customers of one run: episodes and goodwill, reviews and churn, growth, ownership."""

    switch = "customers"
    customer_state = {
        "active": lambda x: True,  # a paying customer now (a prospect is False until it joins)
        "source": lambda x: "initial",  # or "acquired" (sales), "referral"
        "goodwill": lambda x: float("nan"),  # P(stay | the customer reconsiders the vendor)
        "review_day": lambda x: 0,  # day of the 30-day month of the renewal review
        "mrr_warmup": lambda x: float("nan"),  # MRR at the end of the warm-up (the NRR cohort)
        "last_episode": lambda x: "",  # category of the latest episode
        "last_episode_day": lambda x: -1,
        "episode_counts": lambda x: dict.fromkeys(CATEGORIES, 0),
        **RELATIONSHIP_STATE,
    }

    def __init__(self, model) -> None:
        super().__init__(model)
        cfg = model.cfg
        c = cfg.customers
        self.cfg = cfg
        self.gw, self.growth = c.goodwill, c.growth
        self.near_miss = cfg.mechanisms.near_miss_closes
        self.w = c.relationship_weight
        self.network = model.network
        self.pools = self.network.pools
        self.next = dict.fromkeys(self.pools, 0)
        self.everyone = self.network.everyone
        self.nbrs, self.index = self.network.nbrs, self.network.index
        self.lg = model.streams["loyalty"]
        review = self.lg.integers(0, MONTH_DAYS, size=len(self.everyone)).tolist()
        self.due: list[list] = [[] for _ in range(MONTH_DAYS)]
        for x, d in zip(self.everyone, review, strict=True):
            x.review_day = d
            x.goodwill = self.gw.neutral
            self.due[d].append(x)
        self.rate = {s.name: decision_rate(s.churn_monthly, c.reference_goodwill)
                     for s in c.segments}
        self.stay = {UNRESOLVED: self.gw.stay_unresolved, HIGH: self.gw.stay_high_effort,
                     LOW: self.gw.stay_low_effort}
        self.relationships = Relationships(model, self.unhonoured)
        self.pod_load = [0.0] * len(model.pods)
        self.owner_load: dict = {}
        for x in model.customers:
            self._load(x, +1)
        self.open: OrderedDict = OrderedDict()  # (customer id, created_h) -> customer
        self.overdue: set = set()  # episodes already counted as unresolved, still open
        self.interim: dict = {}  # leaver -> customers passed to a pod-mate until a successor
        self.decisions: list[tuple] = []
        self.n_active = len(model.customers)
        self.g_sum = self.gw.neutral * self.n_active
        self.mrr_total = sum(x.mrr for x in model.customers)
        self.missed = 0  # joins that found the prospect pool empty
        self._reset_day()
        if cfg.sim.warmup_days == 0:
            self._snapshot()

    def install(self, hooks: Hooks) -> None:
        """Tickets drawn over customers and prospects (a filter keeps today's customers'),
        episodes opened at arrival and closed at the close; ownership at staff exits."""
        hooks.draw_from(self.everyone, self._pool_scale(self.model))
        hooks.demand_filters.append(self.keep)
        hooks.arrivals.append(self.open_episodes)
        self.relationships.install(hooks)
        hooks.close.append(self.on_close)
        hooks.staff_exit.append(self.staff_exit)

    def _pool_scale(self, model) -> float:
        """Rate multiplier so that the initial customers raise ``demand.tickets_per_day``."""
        cat, d = model.catalogue, self.cfg.product.domains
        p_dom = np.bincount(cat.domain, weights=cat.freq, minlength=d)
        w_all = np.array([x.activity * x.usage for x in self.everyone])
        n0 = len(model.customers)
        act = np.array([x.activity for x in self.everyone])
        kept = 0.0
        for k in range(d):
            col = w_all[:, k] if w_all[:, k].sum() > 0 else act  # the sampler's fallback
            kept += p_dom[k] * col[:n0].sum() / col.sum()
        return 1.0 / kept if kept > 0 else 1.0

    def _reset_day(self) -> None:
        self.day_churned = self.day_joined = 0
        self.day_episodes = dict.fromkeys(CATEGORIES, 0)

    # --- demand hooks (start of each day) -----------------------------------------------------
    def keep(self, cls, domains, customers: list, u) -> np.ndarray:
        """Demand filter: only customers now raise tickets (not prospects, not churned)."""
        return np.fromiter((x.active for x in customers), bool, len(customers))

    def open_episodes(self, times: np.ndarray, cols: tuple) -> None:
        """Arrivals hook: every ticket that arrives today opens an episode."""
        opened = self.open
        for x, t in zip(cols[0], times.tolist(), strict=True):
            opened[(x.unique_id, t)] = x

    # --- engine hooks (hot path) ----------------------------------------------------------------
    def unhonoured(self, x) -> None:
        """A request by name that cannot be honoured costs goodwill."""
        self._set_goodwill(x, x.goodwill - self.gw.unhonoured_cost)

    def on_close(self, ticket, t: float) -> None:
        """The episode ends: its effort sets goodwill."""
        x, day = ticket.customer, self.model.day
        key = (x.unique_id, ticket.created_h)
        if key in self.overdue:  # already counted as unresolved
            self.overdue.discard(key)
        else:
            self.open.pop(key, None)
            if x.active:
                if self.near_miss and ticket.script_closed:  # closed, not solved: a near miss
                    self._episode(x, UNRESOLVED, day)
                    return
                effort = effort_score(ticket.contacts, ticket.handoffs, ticket.explanations,
                                      (t - ticket.created_h) / 24.0, self.gw.effort_per_day_open)
                self._episode(x, effort_category(effort, self.gw.high_effort_threshold), day)

    # --- goodwill -------------------------------------------------------------------------------
    def _set_goodwill(self, x, g: float) -> None:
        g = clip01(g)
        if x.active:
            self.g_sum += g - x.goodwill
        x.goodwill = g

    def _episode(self, x, category: str, day: int) -> None:
        self._set_goodwill(x, after_episode(x.goodwill, self.stay[category],
                                            self.gw.episode_weight))
        x.last_episode, x.last_episode_day = category, day
        x.episode_counts[category] += 1
        self.day_episodes[category] += 1

    def _word_of_mouth(self, x, delta: float) -> None:
        for v in self.nbrs[self.index[x.unique_id]]:
            n = self.everyone[v]
            if n.active:
                self._set_goodwill(n, n.goodwill + delta)

    # --- end of day -------------------------------------------------------------------------
    def day(self, model) -> None:
        """Unresolved episodes, renewal reviews, new logos, hand-overs to successors."""
        d = model.day
        self._overdue(d)
        self._reviews(d)
        self._acquire(d)
        self._handover(d)
        if d == self.cfg.sim.warmup_days - 1:
            self._snapshot()

    def _overdue(self, day: int) -> None:
        cutoff = 24.0 * (day + 1) - 24.0 * self.gw.patience_days
        opened = self.open
        while opened:
            key, x = next(iter(opened.items()))
            if key[1] >= cutoff:
                break
            opened.popitem(last=False)
            self.overdue.add(key)
            if x.active:
                self._episode(x, UNRESOLVED, day)

    def _reviews(self, day: int) -> None:
        due = self.due[day % MONTH_DAYS]
        u = self.lg.random((len(due), 3)).tolist()  # for every due customer: fixed draw count
        gw = self.gw
        for x, (u0, u1, u2) in zip(due, u, strict=True):
            if not x.active:
                continue
            if u0 < self.rate[x.segment]:
                stayed = u1 < x.goodwill
                since = day - x.last_episode_day if x.last_episode_day >= 0 else -1
                self.decisions.append((day, x.unique_id, x.segment, x.goodwill, x.last_episode,
                                       since, stayed))
                if not stayed:
                    self._churn(x, day)
                    continue
            s_max = x.strongest(day, self.relationships.rel_h)[1] if x.relations else 0.0
            rest = resting_goodwill(gw.neutral, self.relationships.rel.goodwill_lift, self.w,
                                    s_max)
            self._set_goodwill(x, relax(x.goodwill, rest, MONTH_DAYS, gw.half_life_days))
            if x.goodwill >= gw.loyal_threshold:
                gain = x.mrr * self.growth.expansion_monthly_share
                x.mrr += gain
                self.mrr_total += gain
                self._word_of_mouth(x, gw.wom_loyal_lift)
                if u2 < self.growth.referral_monthly_p:
                    self._join("referral", day)

    def _acquire(self, day: int) -> None:
        lam = self.cfg.customers.count * self.growth.acquisition_monthly_share / MONTH_DAYS
        for _ in range(int(self.lg.poisson(lam))):
            self._join("acquired", day)

    def _churn(self, x, day: int) -> None:
        x.active = False
        x.churned_day = day
        self.n_active -= 1
        self.g_sum -= x.goodwill
        self.mrr_total -= x.mrr
        self.day_churned += 1
        self._load(x, -1)
        self._word_of_mouth(x, -self.gw.wom_churn_hit)

    def _join(self, source: str, day: int) -> None:
        pool, i = self.pools[source], self.next[source]
        if i >= len(pool):
            self.missed += 1
            return
        self.next[source] = i + 1
        x = pool[i]
        x.active, x.churned_day, x.joined_day, x.owner_since = True, None, day, day
        x.goodwill = self.gw.neutral
        self.n_active += 1
        self.g_sum += x.goodwill
        self.mrr_total += x.mrr
        self.day_joined += 1
        self.model.customers.append(x)
        self._assign(x)

    def _snapshot(self) -> None:
        for x in self.model.customers:
            if x.active:
                x.mrr_warmup = x.mrr

    # --- ownership ----------------------------------------------------------------------------
    def _load(self, x, sign: int) -> None:
        if x.pod >= 0:
            self.pod_load[x.pod] += sign * x.activity
        if x.owner is not None:
            self.owner_load[x.owner] = self.owner_load.get(x.owner, 0.0) + sign * x.activity

    def _least_loaded(self, x, pod, exclude=None):
        """The least-loaded member of ``pod`` (not ``exclude``) certified in the customer's
        main domain, or of all members if none is."""
        ok = [p for p in pod.members if p is not exclude and p.left_day is None]
        ok = fitting_members(x, pod, ok) if ok else ok
        return min(ok, key=lambda p: (self.owner_load.get(p, 0.0), p.unique_id)) if ok else None

    def _assign(self, x) -> None:
        """A new customer joins the least-loaded pod (and owner) in owned designs."""
        pods = self.model.pods
        if not pods:
            return
        x.pod = min(range(len(pods)), key=lambda k: (self.pod_load[k], k))
        if self.cfg.org.ownership == "named":
            x.owner = self._least_loaded(x, pods[x.pod])
        self._load(x, +1)

    def staff_exit(self, person) -> None:
        """Staff-exit hook: the customers ``person`` owned pass to a pod-mate."""
        day = self.model.day
        if not self.model.pods:  # customers have owners only in owned designs (pods)
            return
        for x in self.everyone:
            if x.owner is person and x.active:
                self._load(x, -1)
                x.owner = self._least_loaded(x, self.model.pods[x.pod], exclude=person) \
                    if x.pod >= 0 else None
                x.owner_changes += 1
                x.owner_since = day
                self._load(x, +1)
                self.interim.setdefault(person, []).append(x)

    def _handover(self, day: int) -> None:
        """The person hired into a leaver's seat takes over the leaver's customers."""
        if not self.interim:
            return
        for p in getattr(self.model, "active_staff", self.model.staff):
            pred = getattr(p, "predecessor", None)
            if pred is None or pred not in self.interim or p.desk is None:
                continue
            for x in self.interim.pop(pred):
                if x.active and x.owner is not p:
                    self._load(x, -1)
                    x.owner, x.owner_changes, x.owner_since = p, x.owner_changes + 1, day
                    self._load(x, +1)

    # --- outputs ----------------------------------------------------------------------------
    def series(self) -> dict:
        """Today's columns of the daily series (then today's counters restart)."""
        row = {
            "customers_active": self.n_active,
            "customers_churned": self.day_churned,
            "customers_joined": self.day_joined,
            "mrr": self.mrr_total,
            "goodwill_mean": self.g_sum / self.n_active if self.n_active else math.nan,
            **self.relationships.series(),
            **{f"episodes_{k}": v for k, v in self.day_episodes.items()},
        }
        self._reset_day()
        return row

    def tables(self) -> dict[str, pd.DataFrame]:
        """``customers`` (the contract columns plus loyalty state), ``renewals`` (one row per
        reconsideration) and ``named_requests`` (one row per request by name)."""
        out = {}
        df = customers_frame(self.model.customers)
        cs, day = self.model.customers, self.model.day
        df["goodwill"] = [x.goodwill for x in cs]
        df["mrr_warmup"] = [x.mrr_warmup for x in cs]
        df["source"] = pd.array([x.source for x in cs], dtype="string")
        df["owner_since"] = [x.owner_since for x in cs]
        for k in CATEGORIES:
            df[f"episodes_{k}"] = [x.episode_counts[k] for x in cs]
        df["relationship_max"] = [x.strongest(day, self.relationships.rel_h)[1] for x in cs]
        out["customers"] = df
        out["renewals"] = pd.DataFrame(self.decisions, columns=list(RENEWAL_COLUMNS)).astype(
            {"day": "int64", "customer_id": "int64", "goodwill": "float64",
             "days_since_episode": "int64", "stayed": "bool"})
        out.update(self.relationships.tables())
        return out

    @staticmethod
    def kpis(tables: dict[str, pd.DataFrame], cfg) -> dict:
        """:func:`customer_kpis` of the run."""
        return customer_kpis(tables.get("customers"), tables["timeseries"], cfg)


# --- KPIs (pure functions of the run's tables) ----------------------------------------------
def customer_kpis(customers: pd.DataFrame | None, series: pd.DataFrame, cfg) -> dict:
    """Churn, retained MRR, NRR and churned revenue over the post-warm-up window ({} when the
    customers mechanism is off). Annual churn is churns per customer-year of exposure."""
    if customers is None or not cfg.mechanisms.customers or "customers_active" not in series:
        return {}
    sim = cfg.sim
    w = series[series["day"] >= sim.warmup_days]
    years = w["customers_active"].sum() / 365.0
    churned_day = customers["churned_day"].astype("float64")
    post = customers[churned_day >= sim.warmup_days]
    cohort = customers[customers["mrr_warmup"].notna()]
    alive = cohort[cohort["churned_day"].isna()]
    base = float(cohort["mrr_warmup"].sum())
    left_months = (sim.horizon_days - post["churned_day"].astype("float64")) / (365.0 / 12)
    joined = customers[customers["joined_day"] >= sim.warmup_days]
    return {
        "customer_churn_annual": float(w["customers_churned"].sum()) / years if years else 0.0,
        "retained_mrr_share": float(alive["mrr_warmup"].sum()) / base if base else 1.0,
        "nrr": float(alive["mrr"].sum()) / base if base else 1.0,
        "churned_mrr": float(post["mrr"].sum()),
        "churned_revenue": float((post["mrr"] * left_months).sum()),
        "customers_end": int(customers["churned_day"].isna().sum()),
        "customers_churned": int(len(post)),
        "customers_acquired": int((joined["source"] == "acquired").sum()),
        "customers_referred": int((joined["source"] == "referral").sum()),
        "mrr_end": float(w["mrr"].iloc[-1]) if len(w) else math.nan,
        "goodwill_mean": float(w["goodwill_mean"].mean()) if len(w) else math.nan,
    }
