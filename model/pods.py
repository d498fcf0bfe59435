"""Pod rules: which domains each generalist is certified in, and how many people a pod needs.

Used by the org builder (``model/org.py``: certifications at build time), by initial sizing
(``model/sizing.py``: the smallest pod that covers every domain's need) and by headcount planning
(``model/staffing.py``: the pod floor a cut may not go under). The rules read only the config, so
this module stands on the ground floor beside it.

**People needed** for a load of R people at full occupancy (:func:`people_needed`): the
smallest c of at least R / target_occupancy rounded to the nearest person (the target is the
mean a desk should run at, not a cap), R + safety_beta sqrt(R) rounded up, and
``min_headcount``, at which an M/M/c desk picks up ``service_level`` of its work within
``answer_hours`` working hours (Erlang C, :mod:`model.queueing`; the wait in units of the desk's
mean hours per piece). The occupancy target binds on most desks; the service level adds people
only where pieces are long and the desk is small. The square-root term (Borst, Mandelbaum &
Reiman 2004) is off by default (``safety_beta`` 0): it sizes call centres, whose service levels
are seconds against minutes of talk time; a ticket desk answers in hours.
"""

from __future__ import annotations

import math
from collections import Counter

from model.config import Config, ConfigError, PlanningConfig
from model.queueing import wait_beyond


def people_needed(load: float, target: float, beta: float, floor: int = 1, *,
                  answer: float = 0.0, service_level: float = 0.0) -> int:
    """People for a load of ``load`` people at full occupancy: the occupancy target (rounded to
    the nearest person), or the square-root staffing rule ``R + beta sqrt(R)`` (Borst,
    Mandelbaum & Reiman 2004, rounded up) where that is more, at least ``floor``; then more, one at a time, while an M/M/c desk would leave more
    than ``1 - service_level`` of its work waiting beyond ``answer`` mean service times."""
    if load <= 0:
        return floor
    c = max(floor, math.floor(load / target + 0.5),
            math.ceil(load + beta * math.sqrt(load) - 1e-9) if beta > 0 else 0)
    if service_level > 0 and answer > 0:
        while wait_beyond(c, load, answer) > 1.0 - service_level:
            c += 1
    return c


def staff_for(load: float, pc: PlanningConfig, piece_h: float, floor: int | None = None) -> int:
    """:func:`people_needed` with the planning rule's settings (``workforce.planning.*``) for a
    desk whose pieces of work take ``piece_h`` working hours on average (0: unknown, the
    occupancy target alone)."""
    answer = pc.answer_hours / piece_h if piece_h > 0 else 0.0
    return people_needed(load, pc.target_occupancy, pc.safety_beta,
                         pc.min_headcount if floor is None else floor,
                         answer=answer, service_level=pc.service_level)


def pod_domain_needs(cfg: Config, load: dict[str, float]) -> dict[int, int] | None:
    """Certified people each pod needs per domain it serves: :func:`staff_for` the pod's
    load in the domain (the measured load of all pods over ``org.pods.count``), at least
    ``workforce.planning.min_domain_headcount``. ``None`` without measured domain loads (fixed
    staffing)."""
    pc, count = cfg.workforce.planning, cfg.org.pods.count
    if count <= 0 or not any(k.startswith("pod_domain_") for k in load):
        return None
    regular = cfg.product.domains - (cfg.product.specialist_domains
                                     if cfg.product.specialist_share > 0 else 0)
    piece_h = load.get("piece_h_pod", 0.0)
    return {d: staff_for(load.get(f"pod_domain_{d}", 0.0) / count, pc, piece_h,
                         pc.min_domain_headcount) for d in range(regular)}


def sized_pod(regular: tuple[int, ...], breadth: int, flexible_share: float,
              needs: dict[int, int], start: int) -> int:
    """The smallest pod of at least ``start`` people whose members, certified as the org
    builder certifies them for these needs (:func:`pod_certifications`), give every
    domain ``d`` at least ``needs[d]`` certified people."""
    for size in range(max(start, 1), 10001):
        try:
            certs = pod_certifications(regular, size, breadth, flexible_share, needs)
        except ConfigError:  # some domain still uncovered: a larger pod
            continue
        cover = Counter(d for c in certs for d in c)
        if all(cover[d] >= n for d, n in needs.items()):
            return size
    raise ConfigError(f"invalid configuration:\n  - org.pods.breadth = {breadth}: no pod of up "
                      f"to 10000 people gives every domain {max(needs.values())} certified "
                      "people; raise org.pods.breadth or org.pods.flexible_share")


def flexible_count(size: int, share: float) -> int:
    """Pod members who are flexible: ``share x size`` rounded half up (all of them at 1)."""
    return size if share >= 1.0 else min(size, int(math.floor(share * size + 0.5)))


def chain_stride(domains: int, members: int, breadth: int) -> int:
    """How far apart consecutive members' domain runs start: the smallest step that still covers
    the ring (``ceil(domains / members)``), so that each member's run overlaps the next one's and
    the pod is one chain of overlapping skills (Jordan & Graves 1995); ``breadth`` itself when no
    overlap can cover the ring (disjoint blocks, as many as needed)."""
    step = max(1, math.ceil(domains / max(members, 1)))
    return step if step < breadth else breadth


def pod_certifications(regular: tuple[int, ...], size: int, breadth: int,
                       flexible_share: float = 1.0,
                       needs: dict[int, int] | None = None) -> list[tuple[int, ...]]:
    """The domains each member of a pod is certified in (``org.pods.*``).

    The first ``flexible_count(size, flexible_share)`` members are *flexible*: each is
    certified in ``breadth`` consecutive domains of the ring of non-specialist domains, member j
    from domain ``j x chain_stride`` (:func:`chain_stride`): with ``breadth`` equal to the ring
    (the default, ``org.pods.breadth = 0``) everyone is certified everywhere; with a narrower
    breadth the runs overlap, so the members form one *chain* linking every domain to the next,
    which the cross-training literature finds nearly as good as full flexibility (Jordan & Graves
    1995; Wallace & Whitt 2005) -- not disjoint pools. The others are *specialised* in one
    domain each: round the ring after the flexible members, or, with ``needs`` (certified people
    wanted per domain: sized pods, model/sizing.py), each on the domain furthest short of its
    need (:func:`certify_by_need`). Raises :class:`ConfigError` if the pod leaves a domain
    uncovered (nobody could take its tickets).
    """
    r, b = len(regular), min(breadth, len(regular))
    n_flex = flexible_count(size, flexible_share)
    step = chain_stride(r, n_flex, b)
    certs = [tuple(sorted({regular[(j * step + x) % r] for x in range(b)}))
             for j in range(n_flex)]
    if needs is not None:
        certs += certify_by_need(regular, [1] * (size - n_flex), needs, certs)
    else:
        after = (n_flex - 1) * step + b  # round the ring after the last flexible run
        certs += [(regular[(after + k) % r],) for k in range(size - n_flex)]
    if size and len({d for c in certs for d in c}) < r:
        raise ConfigError(
            f"invalid configuration:\n  - org.pods.flexible_share = {flexible_share}: with "
            f"{n_flex} flexible member(s) of breadth {b} and {size - n_flex} specialised, a pod "
            f"of {size} leaves some of the {r} non-specialist domains uncovered; raise "
            "org.pods.flexible_share, org.pods.breadth or org.pods.size")
    return certs


def certify_by_need(regular: tuple[int, ...], widths: list[int], needs: dict[int, int],
                    already: list[tuple[int, ...]] = ()) -> list[tuple[int, ...]]:
    """Certify members one by one, member j in ``widths[j]`` consecutive domains of the ring
    (consecutive, so that related-domain learning still links them): the run with the most
    certified people still missing against ``needs`` (counting those ``already`` certified),
    then the least covered, then the one nearest to where the previous member's run ended."""
    r = len(regular)
    cover = dict.fromkeys(regular, 0)
    for c in already:
        for d in c:
            cover[d] += 1
    certs, nxt = [], 0
    for w in widths:
        def rank(s: int, w: int = w, nxt: int = nxt) -> tuple:
            run = [regular[(s + x) % r] for x in range(w)]
            short = sum(max(0, needs.get(d, 0) - cover[d]) for d in run)
            return -short, sum(cover[d] for d in run), (s - nxt) % r
        s = min(range(r), key=rank)
        run = tuple(sorted({regular[(s + x) % r] for x in range(w)}))
        for d in run:
            cover[d] += 1
        certs.append(run)
        nxt = (s + w) % r
    return certs


def regular_domains(cfg: Config) -> tuple[int, ...]:
    """The product's non-specialist domains (the ones pods serve)."""
    p = cfg.product
    return tuple(range(p.domains - (p.specialist_domains if p.specialist_share > 0 else 0)))


def breadth_of(cfg: Config) -> int:
    """Domains each generalist is certified in: ``org.pods.breadth``, or every regular domain
    when it is 0 (the default: the whole regular product surface)."""
    return cfg.org.pods.breadth or len(regular_domains(cfg))


def check_pods(cfg: Config) -> Config:
    """Raise :class:`ConfigError` if a fixed-staffing generalist pod, certified by the builder's
    own rule, would leave a non-specialist domain uncovered (checked before anything is built);
    else return ``cfg``. The config's own range and cross checks (:func:`model.config.validate`)
    come first."""
    o = cfg.org
    regular = regular_domains(cfg)
    b = breadth_of(cfg)
    if (o.design != "generalist" or o.staffing != "fixed" or o.pods.size < 1
            or b > len(regular) or o.pods.size * b < len(regular)):
        return cfg  # nothing to build, or the config's own checks already refuse it
    pod_certifications(regular, o.pods.size, b, o.pods.flexible_share)
    return cfg
