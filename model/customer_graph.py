"""The customer graph and correlated problems (``mechanisms.correlated_problems``).

**Graph** (networkx, undirected; nodes are positions in the list of every customer the run may
have, prospects included). ``customers.graph.agency_share`` of the accounts are *agencies*, and
``sub_account_share`` are sub-accounts, each attached to one agency (edge ``kind="agency"``):
an agency runs its sub-accounts' setups. *Similarity* links (``kind="similar"``) join customers
whose main product domain (largest usage share) is the same: ``similarity_degree x m / 2``
random pairs within a group of m. Word of mouth (model/customers.py) travels along every link.

**Correlated problems.** A shared root cause hits linked customers together. When a ticket of
class k reaches customer c at time t (it was drawn *and* kept by the demand filters), each
neighbour n of c gets a ticket of the same class with probability
``customers.problem_correlation`` if the link can carry k's root cause: every link for a
product-rooted class (customers who use the product the same way meet the same defect), agency
links only for a setup-rooted class (the agency's shared setup). It arrives at t + an exponential
lag of mean ``customers.graph.correlation_delay_hours``: the same day if that is before midnight,
else from a pending list merged into the arrivals of the day it falls on. Its other properties
(complexity, on-pattern, needs engineering, work) are drawn like any ticket of class k.
Correlated tickets do not trigger further ones (no cascades), and are dropped if the neighbour is
no longer a customer on the day they arrive.

**Root-cause groups.** A kept ticket whose links fired and the correlated tickets it caused share
a group number (``Ticket.group``; -1 for every other ticket), given in the order drawn and taking
no draw; the injector appends it to the day's columns. Correlated tickets due on a later day wait
in a pending list, by group (:meth:`CorrelatedProblems.pending_of`); shared fixes
(model/shared_fixes.py) may cancel one before it arrives (:meth:`CorrelatedProblems.cancel`).

**Common random numbers.** Every draw comes from the ``correlated`` stream, and the number of
draws never depends on the org design: one uniform per link of every *drawn* ticket (before the
demand filters), then the properties of every link that fired, whatever the filters decided. So
designs with the same seed see the same correlated tickets except where their customers differ.

**Volume.** Correlation redistributes demand rather than adding to it: the demand's base rate is
divided by ``1 + m`` where m is the expected number of correlated tickets per ticket at the start
(:func:`expected_extra`), so ``demand.tickets_per_day`` stays the org-wide rate at the start and
``problem_correlation`` changes how bursty the same-class arrivals are, not their mean.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from model.config import CustomerGraphConfig

AGENCY, SIMILAR = "agency", "similar"
#: columns of a pending correlated ticket: Ticket's arguments after the id, less ``created_h``,
#: plus its root-cause group
N_COLS = 10


def build_customer_graph(customers: list, g: CustomerGraphConfig, gen: np.random.Generator
                         ) -> nx.Graph:
    """Agencies and their sub-accounts plus similarity links, over ``customers`` (by position)."""
    n = len(customers)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    order = gen.permutation(n)
    n_ag = int(round(g.agency_share * n))
    n_sub = min(int(round(g.sub_account_share * n)), n - n_ag) if n_ag else 0
    agencies = order[:n_ag]
    if n_sub:
        parents = agencies[gen.integers(0, n_ag, size=n_sub)]
        for sub, ag in zip(order[n_ag:n_ag + n_sub].tolist(), parents.tolist(), strict=True):
            graph.add_edge(ag, sub, kind=AGENCY)
    main = np.array([int(np.argmax(c.usage)) for c in customers], dtype=np.int64)
    for d in np.unique(main).tolist():
        members = np.flatnonzero(main == d)
        m = len(members)
        if m < 2 or g.similarity_degree <= 0:
            continue
        pairs = gen.integers(0, m, size=(int(round(g.similarity_degree * m / 2)), 2))
        for a, b in members[pairs].tolist():
            if a != b and not graph.has_edge(a, b):
                graph.add_edge(a, b, kind=SIMILAR)
    return graph


def adjacency(graph: nx.Graph) -> tuple[list[list[int]], list[list[bool]]]:
    """Per node: neighbours in ascending order, and whether each link is an agency link."""
    nbrs, agency = [], []
    for v in range(graph.number_of_nodes()):
        nb = sorted(graph.adj[v])
        nbrs.append(nb)
        agency.append([graph.adj[v][u]["kind"] == AGENCY for u in nb])
    return nbrs, agency


def edge_table(graph: nx.Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The graph's links as columns, in ``graph.edges`` order: node a, node b, agency link?
    (a few bytes a link where the graph object takes a few hundred: it is not kept)."""
    edges = list(graph.edges(data="kind"))
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    return a, b, np.array([e[2] == AGENCY for e in edges], dtype=bool)


def expected_extra(p: float, weights: np.ndarray, active: np.ndarray, nbrs: list, agency: list,
                   setup_share: float) -> float:
    """Expected correlated tickets per ticket: ``p x E[links that carry the root cause to an
    active customer]``, tickets weighted by ``weights`` (activity) over active customers."""
    if p <= 0 or not active.any():
        return 0.0
    num = 0.0
    for v in np.flatnonzero(active).tolist():
        all_n = sum(1 for u in nbrs[v] if active[u])
        ag_n = sum(1 for u, a in zip(nbrs[v], agency[v], strict=True) if a and active[u])
        num += weights[v] * ((1.0 - setup_share) * all_n + setup_share * ag_n)
    return p * num / float(weights[active].sum())


class CorrelatedProblems:
    """Draws correlated tickets and merges the due ones into each day's arrivals.

    Args:
        model: the model (catalogue, demand parameters, config).
        everyone: every customer the run may have (the graph's nodes, by position).
        nbrs, agency: :func:`adjacency` of the customer graph.
        gen: the ``correlated`` stream.
    """

    def __init__(self, model, everyone: list, nbrs: list, agency: list,
                 gen: np.random.Generator) -> None:
        cfg = model.cfg
        self.p = cfg.customers.problem_correlation
        self.delay_h = cfg.customers.graph.correlation_delay_hours
        self.cat, self.demand, self.gen = model.catalogue, model.demand, gen
        self.everyone = everyone
        self.index = {c.unique_id: i for i, c in enumerate(everyone)}
        self.nbrs, self.agency = nbrs, agency
        self.deg = np.array([len(x) for x in nbrs], dtype=np.int64)
        self.pending_t = np.empty(0)  # correlated tickets not yet due: times and columns
        self.pending_cols: tuple = tuple([] for _ in range(N_COLS))
        self.today = 0  # correlated tickets merged today
        self.next_group = 0  # root-cause groups numbered in the order they are drawn
        # group -> customers whose correlated ticket of the group is pending (due on a later day)
        self.by_group: dict[int, list] = {}
        self.cancelled: set[tuple[int, int]] = set()  # (group, customer id) reached before due
        self.prevented = 0  # pending tickets cancelled so far

    def inject(self, day: int, raw: tuple, keep, times: np.ndarray, cols: tuple) -> tuple:
        """Demand injector: draw the tickets today's tickets cause; merge those due today.
        The day's columns gain a last one, each ticket's root-cause group (-1: none)."""
        new_t, new_cols, groups = self._draw(raw, keep, times)
        cols = (*cols, groups)
        if self.cancelled:  # reached before they wrote in (model/shared_fixes.py)
            gone = self.cancelled
            stay = [i for i, (c, g) in enumerate(zip(self.pending_cols[0], self.pending_cols[-1],
                                                     strict=True))
                    if (g, c.unique_id) not in gone]
            self.pending_t = self.pending_t[stay]
            self.pending_cols = tuple([c[i] for i in stay] for c in self.pending_cols)
            self.cancelled = set()
        all_t = np.concatenate([self.pending_t, new_t])
        all_cols = tuple(a + b for a, b in zip(self.pending_cols, new_cols, strict=True))
        end = 24.0 * (day + 1)
        due = (all_t < end).tolist()
        later = [i for i, d in enumerate(due) if not d]
        self.pending_t = all_t[later]
        self.pending_cols = tuple([c[i] for i in later] for c in all_cols)
        by_group: dict[int, list] = {}
        for c, g in zip(self.pending_cols[0], self.pending_cols[-1], strict=True):
            by_group.setdefault(g, []).append(c)
        self.by_group = by_group
        alive = [i for i, d in enumerate(due) if d and all_cols[0][i].active]
        self.today = len(alive)
        if not alive:
            return times, cols
        merged_t = np.concatenate([times, all_t[alive]])
        order = np.argsort(merged_t, kind="stable").tolist()
        merged = []
        for a, b in zip(cols, all_cols, strict=True):
            both = list(a) + [b[i] for i in alive]
            merged.append([both[j] for j in order])
        return merged_t[order], tuple(merged)

    def pending_of(self, group: int) -> list:
        """Customers (still customers) whose correlated ticket of ``group`` is pending: drawn,
        due on a later day, not yet arrived."""
        return [c for c in self.by_group.get(group, ()) if c.active]

    def cancel(self, group: int, customer) -> None:
        """``customer``'s pending ticket of ``group`` will not arrive (they were reached first)."""
        self.by_group[group].remove(customer)
        self.cancelled.add((group, customer.unique_id))
        self.prevented += 1

    def _draw(self, raw: tuple, keep, times: np.ndarray) -> tuple:
        """Correlated tickets caused by today's drawn tickets (those kept): times and columns
        (the last one their root-cause group), and the group of each kept ticket (-1: its
        links fired none)."""
        customers, cls = raw[0], np.asarray(raw[1], dtype=np.int64)
        src = np.array([self.index[c.unique_id] for c in customers], dtype=np.int64)
        deg = self.deg[src]
        u = self.gen.random(int(deg.sum()))  # one per link of every drawn ticket
        ticket = np.repeat(np.arange(len(src)), deg)
        nb = np.fromiter((v for s in src.tolist() for v in self.nbrs[s]), np.int64, len(u))
        ag = np.fromiter((a for s in src.tolist() for a in self.agency[s]), bool, len(u))
        fires = (u < self.p) & (ag | ~self.cat.setup_root[cls[ticket]])
        src_ticket = ticket[fires]
        lag = self.delay_h * self.gen.standard_exponential(len(src_ticket))
        props = self._properties(cls[src_ticket])  # drawn for every link that fired
        if keep is None:
            kept, hit = src_ticket, np.ones(len(src_ticket), bool)
        else:  # position of each drawn ticket among the kept ones
            kept = (np.cumsum(keep) - 1)[src_ticket]
            hit = keep[src_ticket]
        t = times[kept[hit]] + lag[hit] if hit.any() else np.empty(0)
        targets = [self.everyone[v] for v in nb[fires][hit].tolist()]
        # a root-cause group per kept ticket whose links fired (no draw: numbering only)
        sources = kept[hit]
        first, inverse = np.unique(sources, return_inverse=True)
        group_ids = self.next_group + np.arange(len(first), dtype=np.int64)
        self.next_group += len(first)
        groups = np.full(len(times), -1, dtype=np.int64)
        groups[first] = group_ids
        return (t, (targets, *[x[hit].tolist() for x in props], group_ids[inverse].tolist()),
                groups.tolist())

    def _properties(self, cls: np.ndarray) -> tuple:
        """Intrinsic properties of correlated tickets of classes ``cls``."""
        dom = self.cat.domain[cls]
        cx, on_pattern, needs_eng, spec, work, ework = self.demand.class_properties(
            cls, dom, self.gen)
        # in Ticket's argument order after the customer (see model/demand.py)
        return cls, dom, cx, on_pattern, needs_eng, spec, work, ework
