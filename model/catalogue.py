"""The product's issue-class catalogue: K classes over D domains.

Class frequencies follow a Zipf law (``product.zipf_s``; 0 = equal). Each class has a domain, a
mean complexity, a mean work content (tied to complexity, normalised so the volume-weighted mean
is ``product.mean_work_hours``), a script (or none), an engineering share and a root cause
(customer setup or product). Specialist domains are the last ``product.specialist_domains``
domains; classes are placed in them greedily by rank so that they carry ``specialist_share``
of the expected volume.

**An open catalogue.** Besides the K classes of the product at the start, releases add new
problem families at ``product.new_classes_per_year`` (a Poisson number each 30-day month, drawn
at build from the ``releases`` stream, so every design meets the same releases). A new class is
as large as a class of a random Zipf rank, placed in a random regular domain, with properties
drawn like any class; before its release day its frequency is 0. :meth:`Catalogue.release`
activates the classes due on a day: the class probabilities are renormalised over the active
classes. The rate at which customers contact support is an input (``demand.tickets_per_day``)
and stays so [A]: a release changes *what* customers ask about -- new problems that no article
documents and no fix has touched yet -- not how often they ask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.config import ProductConfig


@dataclass
class Catalogue:
    freq: np.ndarray  # (K,) probability of each class
    cdf: np.ndarray  # (K,) cumulative frequencies for inverse sampling
    domain: np.ndarray  # (K,) int domain of each class
    complexity: np.ndarray  # (K,) mean complexity in [0, 1]
    work_h: np.ndarray  # (K,) mean expert work, hours
    scripted: np.ndarray  # (K,) bool: a script exists for on-pattern tickets
    eng_p: np.ndarray  # (K,) probability a ticket of the class needs a code change
    setup_root: np.ndarray  # (K,) bool: root cause is the customer's setup (else product)
    specialist_domain: np.ndarray  # (D,) bool
    domains: int
    weight: np.ndarray | None = None  # (K + new,) Zipf weight of every class, released or not
    release_day: np.ndarray | None = None  # (K + new,) day each class appears (0: at the start)

    def release(self, day: int) -> bool:
        """Activate the classes released on ``day`` (freq, cdf and volume); True if any."""
        if self.release_day is None or not (self.release_day == day).any() or day == 0:
            return False
        active = self.release_day <= day
        w = np.where(active, self.weight, 0.0)
        self.freq = w / float(w.sum())
        self.cdf = np.cumsum(self.freq)
        return True

    @property
    def classes(self) -> int:
        return len(self.freq)

    def volume_share(self, mask: np.ndarray) -> float:
        return float(self.freq[mask].sum())


def build_catalogue(p: ProductConfig, gen: np.random.Generator, horizon_days: int = 0,
                    releases: np.random.Generator | None = None) -> Catalogue:
    """The product's classes at the start (from ``gen``) and, for a run of ``horizon_days``, the
    new classes its releases add (from ``releases``; module docstring)."""
    k = p.classes
    ranks = np.arange(1, k + 1, dtype=float)
    freq = ranks ** (-p.zipf_s)
    freq /= freq.sum()
    cat = _properties(p, freq, gen)
    if releases is None or p.new_classes_per_year <= 0 or horizon_days <= 30:
        return cat
    new = _releases(p, cat, horizon_days, releases)
    n = len(new["day"])
    cat.weight = np.concatenate([freq, new["weight"]])
    cat.release_day = np.concatenate([np.zeros(k, dtype=np.int64), new["day"]])
    cat.freq = np.concatenate([freq, np.zeros(n)])
    cat.cdf = np.cumsum(cat.freq)
    for name in ("domain", "complexity", "work_h", "scripted", "eng_p", "setup_root"):
        setattr(cat, name, np.concatenate([getattr(cat, name), new[name]]))
    return cat


def _releases(p: ProductConfig, cat: Catalogue, horizon_days: int,
              g: np.random.Generator) -> dict[str, np.ndarray]:
    """New classes, month by month (so a longer run's first months are a shorter run's): a
    Poisson number on day 30, 60, ... before the horizon, each as large as a class of a random
    Zipf rank, in a random regular domain, its other properties drawn by the base classes' laws."""
    k, d = p.classes, p.domains
    regular = d - (p.specialist_domains if p.specialist_share > 0 else 0)
    norm = float((np.arange(1, k + 1, dtype=float) ** (-p.zipf_s)).sum())
    conc = p.complexity_concentration
    cx_mean, cx_sd = float(cat.complexity.mean()), float(cat.complexity.std())
    if cx_sd < 1e-6:  # one base class, or all alike: the work law has no slope to extend
        cx_sd = float("inf")
    unit_work = float(cat.work_h[0] / np.exp(p.class_work_spread * (cat.complexity[0] - cx_mean)
                                             / cx_sd))
    eng_norm = max(float((cat.freq * np.clip(cat.complexity, 0.05, 1.0) ** 2).sum()), 1e-12)
    cols: dict[str, list] = {c: [] for c in ("day", "weight", "domain", "complexity", "work_h",
                                             "scripted", "eng_p", "setup_root")}
    for day in range(30, horizon_days, 30):
        n = int(g.poisson(p.new_classes_per_year * 30.0 / 365.0))
        rank = g.integers(1, k + 1, size=n).astype(float)
        cx = g.beta(p.complexity_mean * conc, (1 - p.complexity_mean) * conc, size=n)
        cols["day"] += [day] * n
        cols["weight"] += (rank ** (-p.zipf_s) / norm).tolist()
        cols["domain"] += g.integers(0, regular, size=n).tolist()
        cols["complexity"] += cx.tolist()
        cols["work_h"] += (unit_work * np.exp(p.class_work_spread * (cx - cx_mean) / cx_sd)).tolist()
        cols["scripted"] += (g.random(n) < p.scriptable_share).tolist()
        cols["eng_p"] += np.clip(np.clip(cx, 0.05, 1.0) ** 2 * p.engineering_share / eng_norm,
                                 0, 1).tolist()
        cols["setup_root"] += (g.random(n) < p.setup_root_share).tolist()
    dtypes = {"day": np.int64, "domain": np.int64, "scripted": bool, "setup_root": bool}
    return {c: np.asarray(v, dtype=dtypes.get(c, np.float64)) for c, v in cols.items()}


def _properties(p: ProductConfig, freq: np.ndarray, gen: np.random.Generator) -> Catalogue:
    """The classes of the product at the start."""
    k, d = p.classes, p.domains
    n_spec = p.specialist_domains if p.specialist_share > 0 else 0
    regular = d - n_spec
    spec_domain = np.zeros(d, dtype=bool)
    spec_domain[regular:] = True
    domain = gen.integers(0, regular, size=k)
    if n_spec:
        spec_vol, cum = 0.0, 0.0
        for i in range(k):  # greedy by rank: keep the specialist volume share on target
            cum += freq[i]
            if spec_vol + freq[i] <= p.specialist_share * cum + 1e-12 and i > 0:
                domain[i] = regular + (i % n_spec)
                spec_vol += freq[i]

    conc = p.complexity_concentration
    complexity = gen.beta(p.complexity_mean * conc, (1 - p.complexity_mean) * conc, size=k)
    log_work = p.class_work_spread * (complexity - complexity.mean()) / max(complexity.std(), 1e-9)
    work = np.exp(log_work)
    work *= p.mean_work_hours / float((freq * work).sum())

    scripted = gen.random(k) < p.scriptable_share
    # engineering share per class, volume-weighted mean = engineering_share; bugs sit in complex classes
    eng_raw = np.clip(complexity, 0.05, 1.0) ** 2
    eng_p = np.clip(eng_raw * p.engineering_share / max(float((freq * eng_raw).sum()), 1e-12), 0, 1)
    setup_root = gen.random(k) < p.setup_root_share
    return Catalogue(freq=freq, cdf=np.cumsum(freq), domain=domain, complexity=complexity,
                     work_h=work, scripted=scripted, eng_p=eng_p, setup_root=setup_root,
                     specialist_domain=spec_domain, domains=d)
