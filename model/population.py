"""The customer population: segments, revenue, ticket activity and product usage by domain."""

from __future__ import annotations

import numpy as np

from agents.customer import Customer
from model.config import CustomersConfig


def build_customers(model, c: CustomersConfig, domains: int, gen: np.random.Generator
                    ) -> list[Customer]:
    """Create ``c.count`` customers (Mesa agents) with segment, MRR, activity and usage."""
    shares = np.array([s.share for s in c.segments])
    seg_idx = gen.choice(len(c.segments), size=c.count, p=shares / shares.sum())
    mrr_noise = gen.lognormal(-0.125, 0.5, size=c.count)  # mean 1
    sig = c.activity_sigma
    act_noise = gen.lognormal(-sig * sig / 2, sig, size=c.count) if sig > 0 else np.ones(c.count)
    k_extra = gen.poisson(max(c.domains_used_mean - 1.0, 0.0), size=c.count)
    out = []
    for i in range(c.count):
        seg = c.segments[seg_idx[i]]
        k = int(min(1 + k_extra[i], domains))
        used = gen.choice(domains, size=k, replace=False)
        usage = np.zeros(domains)
        usage[used] = gen.dirichlet(np.ones(k))
        out.append(Customer(model, seg.name, seg.mrr * mrr_noise[i],
                            seg.ticket_intensity * act_noise[i], usage))
    return out


class CustomerSampler:
    """Picks the customer who raises a ticket in a given domain, weighted by activity x usage."""

    def __init__(self, customers: list[Customer], domains: int) -> None:
        self.customers = customers
        fallback = np.array([c.activity for c in customers], dtype=np.float64)
        usage = np.array([c.usage for c in customers], dtype=np.float64).reshape(-1, domains)
        w = usage * fallback[:, None]  # activity x usage share, per customer and domain
        self.cdf = []
        for d in range(domains):
            col = w[:, d] if w[:, d].sum() > 0 else fallback  # nobody uses d: anyone may ask
            self.cdf.append(np.cumsum(col) / col.sum())

    def pick(self, domains: np.ndarray, u: np.ndarray) -> list[Customer]:
        idx = np.empty(len(domains), dtype=np.int64)
        for d in np.unique(domains):
            m = domains == d
            idx[m] = np.searchsorted(self.cdf[d], u[m], side="right")
        np.minimum(idx, len(self.customers) - 1, out=idx)
        cs = self.customers
        return [cs[i] for i in idx.tolist()]
