"""The customer network of a run: every customer it may have (prospects included) and the
customer graph among them (``model/customer_graph.py``).

Built once, by the model, when the customers mechanism or correlated problems is on; both read
it. Prospects (two pools, for sales and for referrals, drawn from the ``customer_graph`` stream)
exist only with the customers mechanism, which lets them join. The graph is not kept: its
adjacency lists serve word of mouth and correlated problems, its edge list the
``customer_links`` table.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from model.customer_graph import AGENCY, SIMILAR, adjacency, build_customer_graph, edge_table
from model.population import build_customers

MONTH_DAYS = 30  # [A] the review month (the customers mechanism's month)
POOL_MARGIN = 1.5  # prospects drawn per expected join over the horizon


def new_customer_segments(segments: list, mix: str) -> list:
    """The segments new customers are drawn from. ``steady``: shares proportional to
    ``share x churn_monthly``, the mix of the customers a base with the configured shares loses
    to churn, so that replacing them keeps the base's mix (all churn rates zero: the base's
    shares); ``base``: the configured shares."""
    weights = [s.share * s.churn_monthly for s in segments]
    if mix == "base" or sum(weights) <= 0:
        return list(segments)
    return [dataclasses.replace(s, share=w) for s, w in zip(segments, weights, strict=True)]


class CustomerNetwork:
    """Customers and prospects, by position, and the links among them.

    Attributes:
        pools: ``{"acquired": [...], "referral": [...]}`` prospects, in joining order.
        everyone: the initial customers, then the two pools (the graph's nodes, by position).
        nbrs, agency: adjacency lists of the graph (:func:`model.customer_graph.adjacency`).
        index: customer id -> position in ``everyone``.
    """

    def __init__(self, model, with_prospects: bool) -> None:
        cfg = model.cfg
        gen = model.streams["customer_graph"]
        self.pools = (self._pools(model, gen) if with_prospects
                      else {"acquired": [], "referral": []})
        self.everyone = model.customers + self.pools["acquired"] + self.pools["referral"]
        graph = build_customer_graph(self.everyone, cfg.customers.graph, gen)
        self.nbrs, self.agency = adjacency(graph)
        self.links = edge_table(graph)  # for the customer_links table; the graph is not kept
        self.index = {x.unique_id: i for i, x in enumerate(self.everyone)}

    @staticmethod
    def _pools(model, gen) -> dict:
        """Prospects for new logos and referrals, enough for the horizon with a margin."""
        cfg = model.cfg
        c, growth = cfg.customers, cfg.customers.growth
        months = cfg.sim.horizon_days / MONTH_DAYS
        out = {}
        mix = new_customer_segments(c.segments, growth.new_customer_mix)
        for source, rate in (("acquired", growth.acquisition_monthly_share),
                             ("referral", growth.referral_monthly_p)):
            n = math.ceil(c.count * rate * months * POOL_MARGIN) + (5 if rate > 0 else 0)
            pool = build_customers(model, dataclasses.replace(c, count=n, segments=mix),
                                   cfg.product.domains, gen)
            for x in pool:
                x.active, x.source, x.joined_day, x.churned_day = False, source, -1, -1
            out[source] = pool
        return out

    def links_table(self, ever: list) -> pd.DataFrame:
        """``customer_links``: the graph among customers who were ever customers (``ever``)."""
        ever_ids = {x.unique_id for x in ever}
        a, b, agency = (x.tolist() for x in self.links)
        rows = [(self.everyone[i].unique_id, self.everyone[j].unique_id, AGENCY if k else SIMILAR)
                for i, j, k in zip(a, b, agency, strict=True)]
        rows = [r for r in rows if r[0] in ever_ids and r[1] in ever_ids]
        df = pd.DataFrame(rows, columns=["customer_a", "customer_b", "kind"])
        return df.astype({"customer_a": "int64", "customer_b": "int64", "kind": "string"})
