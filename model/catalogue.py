"""The product's issue-class catalogue: K classes over D domains.

Class frequencies follow a Zipf law (``product.zipf_s``; 0 = equal). Each class has a domain, a
mean complexity, a mean work content (tied to complexity, normalised so the volume-weighted mean
is ``product.mean_work_hours``), a script (or none), an engineering share and a root cause
(customer setup or product). Specialist domains are the last ``product.specialist_domains``
domains; classes are placed in them greedily by rank so that they carry ``specialist_share``
of the expected volume.
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

    @property
    def classes(self) -> int:
        return len(self.freq)

    def volume_share(self, mask: np.ndarray) -> float:
        return float(self.freq[mask].sum())


def build_catalogue(p: ProductConfig, gen: np.random.Generator) -> Catalogue:
    k, d = p.classes, p.domains
    ranks = np.arange(1, k + 1, dtype=float)
    freq = ranks ** (-p.zipf_s)
    freq /= freq.sum()

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
