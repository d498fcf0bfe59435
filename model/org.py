"""Org designs as data: desks, the staff who sit at them, and the org graph of escalation routes.

Each builder returns the desks and a ``networkx.DiGraph`` whose nodes are desk names and whose
edges are the hand-off routes, with attribute ``context_loss`` (multiplier on
``org.handoff.context_loss_p``). Routing reads the graph; no ``if tiered:`` elsewhere.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from agents.staff import Role, SupportStaff
from model.config import Config
from model.desks import Desk
from model.pods import breadth_of, pod_certifications, pod_domain_needs, staff_for


def team_count(part, domains: int) -> int:
    """Teams of a line (``org.l1`` / ``org.l2``): ``teams``, at most one per product domain."""
    return max(1, min(part.teams, domains))


def team_names(kind: str, n: int) -> list[str]:
    """Desk names of a kind split into ``n`` teams: the kind itself for one team (today's
    single desk), else ``<kind>_0`` ... ``<kind>_<n-1>``."""
    return [kind] if n <= 1 else [f"{kind}_{i}" for i in range(n)]


def team_areas(domains: int, n: int) -> list[tuple[int, ...]]:
    """The product domains each of ``n`` teams owns: contiguous blocks, as equal as possible
    (the first teams take one more) [A]."""
    base, extra = divmod(domains, n)
    out, d = [], 0
    for i in range(n):
        size = base + (i < extra)
        out.append(tuple(range(d, d + size)))
        d += size
    return out


def team_sizes(kind: str, n: int, headcount: int, load: dict | None, planning) -> list[int]:
    """People per team: with a measured load per team (``org.staffing=sized``: ``desk_<name>``
    in ``load``) each team is sized as the desk it is, for its own load (as each pod is);
    otherwise ``headcount`` is split as evenly as possible."""
    names = team_names(kind, n)
    if n > 1 and headcount > 0 and load is not None and all(f"desk_{x}" in load for x in names):
        piece = load.get(f"piece_h_{kind}", 0.0)
        return [staff_for(load[f"desk_{x}"], planning, piece) for x in names]
    base, extra = divmod(headcount, n)
    return [base + (i < extra) for i in range(n)]


class OrgBuilder:
    def __init__(self, model, cfg: Config, gen: np.random.Generator) -> None:
        self.model, self.cfg, self.gen = model, cfg, gen
        self.class_work = model.catalogue.work_h.tolist()
        p = cfg.product
        self.domains = p.domains
        n_spec = p.specialist_domains if p.specialist_share > 0 else 0
        self.regular = tuple(range(p.domains - n_spec))
        self.special = tuple(range(p.domains - n_spec, p.domains))
        self.disc = cfg.org.queue_discipline
        self.desks: dict[str, Desk] = {}
        self.graph = nx.DiGraph()
        self.staff: list[SupportStaff] = []

    # --- people -----------------------------------------------------------------------------
    def hire(self, role: Role, certified: tuple[int, ...], desk: Desk) -> SupportStaff:
        wf = self.cfg.workforce
        mean = getattr(wf.proficiency, role.value)
        prof = np.clip(self.gen.normal(mean, wf.proficiency.spread, size=self.domains), 0.0, 1.0)
        if role == Role.GENERALIST:  # uncertified domains: barely known
            mask = np.ones(self.domains, bool)
            mask[list(certified)] = False
            prof[mask] = np.minimum(prof[mask], 0.3)
        person = SupportStaff(self.model, role, prof, certified, getattr(wf.salary, role.value))
        person.home_desk = desk
        desk.add_member(person)
        self.staff.append(person)
        return person

    def desk(self, name: str, kind: str, level: int, keys: tuple[int, ...] = (0,)) -> Desk:
        d = Desk(name, kind, level, keys, self.disc, self.class_work)
        self.desks[name] = d
        self.graph.add_node(name, kind=kind, level=level)
        return d

    def route(self, a: str, b: str, context_loss: float = 1.0) -> None:
        self.graph.add_edge(a, b, context_loss=context_loss)

    # --- shared parts -----------------------------------------------------------------------
    def _engineering_and_specialists(self) -> None:
        o = self.cfg.org
        if o.engineering.headcount:
            eng = self.desk("engineering", "engineering", 3)
            for _ in range(o.engineering.headcount):
                self.hire(Role.ENGINEER, tuple(range(self.domains)), eng)
        if self.special:
            spec = self.desk("specialists", "specialist", 2)
            for _ in range(o.specialists.headcount):
                self.hire(Role.SPECIALIST, self.special, spec)

    def _teams(self, kind: str, level: int, role: Role, part) -> list[str]:
        """The desks of a line split into ``part.teams`` teams by product area (one desk, named
        after its kind, for one team), staffed, with lateral routes between its teams."""
        everything = tuple(range(self.domains))
        n = team_count(part, self.domains)
        names = team_names(kind, n)
        sizes = team_sizes(kind, n, part.headcount, self.model.sizing_load,
                           self.cfg.workforce.planning)
        for name, area, size in zip(names, team_areas(self.domains, n), sizes, strict=True):
            d = self.desk(name, kind, level)
            if n > 1:
                d.area = frozenset(area)
            for _ in range(size):
                self.hire(role, everything, d)
        lateral = self.cfg.org.handoff.lateral_context_loss
        for a in names:
            for b in names:
                if a != b:
                    self.route(a, b, lateral)
        return names

    def _tiered_core(self) -> None:
        o = self.cfg.org
        l1s = self._teams("l1", 1, Role.L1, o.l1)
        l2s = self._teams("l2", 2, Role.L2, o.l2)
        self._engineering_and_specialists()
        for a in l1s:
            for b in l2s:
                self.route(a, b)
                self.route(b, a)
        for b in l2s:
            if "engineering" in self.desks:
                self.route(b, "engineering")
                self.route("engineering", b)
            if "specialists" in self.desks:
                self.route(b, "specialists")
        if "specialists" in self.desks and "engineering" in self.desks:
            self.route("specialists", "engineering")
            self.route("engineering", "specialists")

    # --- designs ----------------------------------------------------------------------------
    def tiered(self) -> None:
        self._tiered_core()

    def generalist(self) -> None:
        o = self.cfg.org
        chan = o.engineering.channel_context_loss
        self._engineering_and_specialists()
        pods = []
        certs = pod_certifications(self.regular, o.pods.size, breadth_of(self.cfg),
                                   o.pods.flexible_share,
                                   pod_domain_needs(self.cfg, self.model.sizing_load))
        for i in range(o.pods.count):
            pod = self.desk(f"pod_{i}", "pod", 1, self.regular)
            for cert in certs:
                self.hire(Role.GENERALIST, cert, pod)
            pods.append(pod)
            if "engineering" in self.desks:
                self.route(pod.name, "engineering", chan)
                self.route("engineering", pod.name, chan)
        if "specialists" in self.desks and "engineering" in self.desks:
            self.route("specialists", "engineering", chan)
            self.route("engineering", "specialists", chan)
        self.model.pods = pods

    def pilot(self) -> None:
        self._tiered_core()
        self.desk("pilot_pod", "pod", 1, self.regular)
        chan = self.cfg.org.engineering.channel_context_loss
        if "engineering" in self.desks:
            self.route("pilot_pod", "engineering", chan)
            self.route("engineering", "pilot_pod", chan)
        for name, d in list(self.desks.items()):  # handing back at the end of the pilot
            if d.kind == "l2":
                self.route("pilot_pod", name)


def build_org(model, cfg: Config, gen: np.random.Generator) -> OrgBuilder:
    b = OrgBuilder(model, cfg, gen)
    getattr(b, cfg.org.design)()
    return b


def main_domain(customer, keys: tuple[int, ...]) -> int:
    """The domain among ``keys`` the customer uses most (ties: the lowest)."""
    return max(keys, key=lambda d: (customer.usage[d], -d))


def fitting_members(customer, desk: Desk, members: list) -> list:
    """The members certified in the customer's main domain, or all of them if none is (an
    owner is matched to the domains the customer uses)."""
    main = main_domain(customer, desk.keys)
    return [p for p in members if main in p.certified] or members


def assign_owners(customers: list, pods: list[Desk], named: bool) -> None:
    """Balance customers over pods (and owners within pods) by expected ticket load; a named
    owner is certified in the customer's main domain where the pod has such a member."""
    pod_load = [0.0] * len(pods)
    person_load: dict = {}
    for c in sorted(customers, key=lambda c: (-c.activity, c.unique_id)):
        i = min(range(len(pods)), key=lambda k: (pod_load[k], k))
        pod_load[i] += c.activity
        c.pod = i
        if named:
            members = fitting_members(c, pods[i], pods[i].members)
            owner = min(members, key=lambda p: (person_load.get(p, 0.0), p.unique_id))
            person_load[owner] = person_load.get(owner, 0.0) + c.activity
            c.owner = owner
