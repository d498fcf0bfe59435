"""Named, independent random streams derived from one seed (common random numbers).

Each stochastic process draws from its own ``numpy.random.Generator``, spawned from
``SeedSequence(seed)`` with a spawn key computed from the stream's *name* (a CRC-32 of the
UTF-8 bytes: stable across runs, platforms and Python versions, unlike ``hash()``). So the same
seed gives every org design the identical ticket stream, and adding draws to one process never
shifts another's.
"""

from __future__ import annotations

import zlib

import numpy as np

#: The streams the model uses, and what draws from each.
STREAM_NAMES = {
    "catalogue": "the issue-class catalogue (frequencies, domains, work, scripts)",
    "releases": "the new problem families each month's release adds (model/catalogue.py)",
    "demand": "arrival counts and times",
    "tickets": "intrinsic ticket properties (class, customer, complexity, work)",
    "customers": "customer population and pilot assignment",
    "staff": "staff proficiency draws",
    "routing": "decisions taken while tickets are worked (escalation, context loss, reopen)",
    "replies": "customer reply and reopen delays",
    "work": "fresh memoryless work draws in exponential mode",
    "feedback": "whether an eligible resolver writes a workflow or snippet, and how long a "
                "workflow holds (feedback loop)",
    "talent": "personal ceilings, initial tenure, quits",
    "customer_graph": "prospective customers and the customer graph's links (model/customer_graph.py)",
    "loyalty": "review days, renewal decisions, referrals and new logos (model/customers.py)",
    "named_requests": "whether a new ticket asks for a person by name (one draw per arrival)",
    "correlated": "correlated tickets along the customer graph (one draw per link of a drawn ticket)",
    "shared_fixes": "whether a solver writes a correlated problem's solution down for the desk, "
                    "and whether a resolver recognises a linked customer (model/shared_fixes.py)",
    "teams": "which team of a kind a ticket is routed to (mis-routes) and where a wrong team "
             "bounces it (model/routing.py)",
    "lag": "assignment lags after hand-offs (model/engine.py)",
}


class Streams:
    """Lazily created named generators for one run seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            if name not in STREAM_NAMES:
                raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAM_NAMES)}")
            key = zlib.crc32(name.encode("utf-8"))
            gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,))))
            self._gens[name] = gen
        return gen


class DrawBuffer:
    """Draws of one distribution from one stream, fetched in batches to keep the hot path cheap:
    the generator's method :attr:`method` (``random``, ``standard_exponential``, ...) fills the
    batch. The subclasses name the distribution."""

    __slots__ = ("_gen", "_buf", "_i", "_n")
    method = "random"

    def __init__(self, gen: np.random.Generator, batch: int = 4096) -> None:
        self._gen, self._n = gen, batch
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        i = self._i
        if i >= len(self._buf):
            self._buf = getattr(self._gen, self.method)(self._n).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]


class UniformBuffer(DrawBuffer):
    """Uniform(0,1) draws in batches."""

    __slots__ = ()
    method = "random"


class ExpBuffer(DrawBuffer):
    """Standard exponential draws (mean 1) in batches."""

    __slots__ = ()
    method = "standard_exponential"


class NormalBuffer(DrawBuffer):
    """Standard normal draws in batches."""

    __slots__ = ()
    method = "standard_normal"
