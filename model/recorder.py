"""Recording: incremental counters, the daily series, and columnar ticket and event logs.

Counters are updated as events happen (never a scan of all agents per day). A closed ticket
becomes one row of the ticket log; rows are buffered as tuples and packed into compact columns
in chunks (integers in the narrowest type that holds the chunk, text as category codes), so a
long run's log takes about half the memory of its final table; ``frame()`` widens the columns
to the declared types (``frame(release=True)`` frees the compact columns as it goes: the output
step of a run).
"""

from __future__ import annotations

import ctypes

import numpy as np
import pandas as pd

from agents.staff import Role

TICKET_COLUMNS = [
    "ticket_id", "customer_id", "class_id", "domain", "complexity", "created_h", "first_start_h",
    "resolved_h", "wait_h", "resolution_h", "handoffs", "explanations", "contacts", "reopened",
    "stalled", "pingpong", "max_level", "resolver_id", "resolver_role", "named_request",
    "honoured", "engineering_return", "warmup", "needs_engineering", "specialist", "cost_h",
    "pilot_arm", "segment", "near_miss",
]
EVENT_COLUMNS = ["ticket_id", "time_h", "activity", "desk", "staff_id", "role"]
_I, _F, _B = "int64", "float64", "bool"
DTYPES = {  # explicit column types: fast conversion and a stable Parquet schema
    "ticket_id": _I, "customer_id": _I, "class_id": _I, "domain": _I, "complexity": _F,
    "created_h": _F, "first_start_h": _F, "resolved_h": _F, "wait_h": _F, "resolution_h": _F,
    "handoffs": _I, "explanations": _I, "contacts": _I, "reopened": _I, "stalled": _B,
    "pingpong": _B, "max_level": _I, "resolver_id": _I, "named_request": _B, "honoured": _B,
    "engineering_return": _B, "warmup": _B,
    "needs_engineering": _B, "specialist": _B, "cost_h": _F, "near_miss": _B, "time_h": _F, "staff_id": _I,
}
CHUNK = 65536
ROLE_TEXT = {role: role.value for role in Role}  # Enum.value is a slow property: read once


def _trim_heap() -> None:
    """Hand the C heap's free pages back to the OS (glibc's ``malloc_trim``; nothing elsewhere).
    The compact chunks are many small arrays on the heap, while each wide column is mapped
    afresh: without this, the chunks' memory freed by ``frame(release=True)`` stays with the
    process and the release lowers no peak."""
    global _LIBC
    if _LIBC is None:
        try:
            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim  # noqa: B018 - raises AttributeError if not glibc
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


_LIBC = None  # glibc, once looked up (False: not available)


def _narrow(a: np.ndarray) -> np.ndarray:
    """``a`` (int64) in the narrowest signed integer type that holds all its values."""
    if not len(a):
        return a
    lo, hi = int(a.min()), int(a.max())
    for t in (np.int8, np.int16, np.int32):
        info = np.iinfo(t)
        if info.min <= lo and hi <= info.max:
            return a.astype(t)
    return a


class _ChunkedLog:
    """Rows appended as tuples; every ``CHUNK`` rows they are packed into one compact array
    per column: integers narrowed (``_narrow``), booleans and floats as declared, text as
    ``(codes, labels)``. ``frame()`` concatenates and widens them (the compact chunks are kept:
    it may be called again, and rows may be appended after it); ``frame(release=True)`` frees
    them column by column instead, for a run's output step."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.rows: list[tuple] = []
        self.chunks: list[list] = []  # per chunk: one packed column per name in ``columns``
        self.n_packed = 0
        self.released = False

    def append(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self._check_not_released()
        packed = []
        for name, col in zip(self.columns, zip(*self.rows, strict=True), strict=True):  # in C
            dtype = DTYPES.get(name)
            if dtype is None:  # text: codes into the chunk's labels
                codes, labels = pd.factorize(np.array(col, dtype=object), use_na_sentinel=False)
                packed.append((_narrow(codes), labels))
            elif dtype == _I:
                packed.append(_narrow(np.array(col, dtype=np.int64)))
            else:
                packed.append(np.array(col, dtype=dtype))
        self.chunks.append(packed)
        self.n_packed += len(self.rows)
        self.rows = []

    def frame(self, release: bool = False) -> pd.DataFrame:
        """The log as a table with the declared column types.

        Args:
            release: free each column's compact chunks as soon as its wide column is built, so
                the log and its table are never both whole in memory (about 40 % less peak
                memory for a long run's output step). The log is spent afterwards: a later
                ``frame`` (or a ``flush`` of rows appended since) raises ``RuntimeError``.
        """
        self.flush()
        self._check_not_released()
        if not self.chunks:
            self.released = release
            return pd.DataFrame({c: pd.Series(dtype=DTYPES.get(c, "string")) for c in self.columns})
        data = {}
        for j, name in enumerate(self.columns):
            parts = [chunk[j] for chunk in self.chunks]
            if release:
                for chunk in self.chunks:
                    chunk[j] = None
            dtype = DTYPES.get(name)
            if dtype is None:
                text = np.concatenate([labels[codes] for codes, labels in parts])
                data[name] = pd.array(text, dtype="string")
            else:
                data[name] = np.concatenate(parts).astype(dtype, copy=False)
            del parts
            if release:
                _trim_heap()
        if release:
            self.chunks, self.released = [], True
        return pd.DataFrame(data, copy=False)  # the columns are new arrays: no second copy

    def _check_not_released(self) -> None:
        if self.released:
            raise RuntimeError("this log was handed over to its table by frame(release=True); "
                               "call frame() without release to keep it")

    def __len__(self) -> int:
        return len(self.rows) + self.n_packed


class Recorder:
    """Counters and logs for one run.

    Args:
        record_tickets: keep the ticket log (one row per ticket).
        record_events: keep the event log (one row per ticket event, with a ``complete`` event
            at the end of every piece of work: :meth:`completed`, which the engine calls only
            while this log is kept).
        warmup_h: tickets created before this hour are flagged ``warmup`` in the ticket log.
    """

    def __init__(self, record_tickets: bool = True, record_events: bool = False,
                 warmup_h: float = 0.0) -> None:
        self.warmup_h = warmup_h
        self.tickets = _ChunkedLog(TICKET_COLUMNS) if record_tickets else None
        self.events = _ChunkedLog(EVENT_COLUMNS) if record_events else None
        # cumulative counters
        self.n_created = 0
        self.n_closed = 0
        self.n_handoffs = 0
        self.n_reopens = 0
        self.n_starts = 0
        self.day_entries: dict[str, int] = {}  # tickets arriving at each desk today
        self.day_busy_h: dict[str, float] = {}  # hours of work started today, by role
        # today's counters, reset by the daily row
        self.day_created = 0
        self.day_closed = 0
        self.day_resolution_sum = 0.0
        self.day_handoffs = 0
        self.series: list[dict] = []

    # --- engine callbacks (hot path: keep cheap) ---------------------------------------------
    def created(self, t) -> None:
        self.n_created += 1
        self.day_created += 1
        if self.events is not None:
            self.events.append((t.id, t.created_h, "created", "", -1, ""))

    def queued(self, t, desk, now: float) -> None:
        if self.events is not None:
            self.events.append((t.id, now, "queued", desk.name, -1, ""))

    def started(self, t, person, now: float, hours: float) -> None:
        self.n_starts += 1
        role = person.role
        self.day_busy_h[role] = self.day_busy_h.get(role, 0.0) + hours
        if self.events is not None:
            self.events.append((t.id, now, "start", t.desk.name, person.unique_id,
                                ROLE_TEXT[role]))

    def completed(self, t, person, now: float) -> None:
        """``person`` completes a piece of work on ``t`` (event log only: the engine calls this
        only while the event log is kept, so it costs nothing otherwise)."""
        self.events.append((t.id, now, "complete", t.desk.name, person.unique_id,
                            ROLE_TEXT[person.role]))

    def entered(self, desk_name: str) -> None:
        """A ticket arrives at a desk: new, reopened or handed off."""
        self.day_entries[desk_name] = self.day_entries.get(desk_name, 0) + 1

    def handoff(self, t, src, dst, now: float) -> None:
        self.n_handoffs += 1
        self.day_handoffs += 1
        if self.events is not None:
            self.events.append((t.id, now, f"handoff_to_{dst.name}", src.name, -1, ""))

    def waiting(self, t, now: float) -> None:
        if self.events is not None:
            self.events.append((t.id, now, "wait_customer", t.desk.name, -1, ""))

    def reopen_scheduled(self, t, now: float) -> None:
        self.n_reopens += 1
        if self.events is not None:
            r = t.resolver
            self.events.append((t.id, now, "closed_reopens", t.desk.name, r.unique_id,
                                ROLE_TEXT[r.role]))

    def closed(self, t, now: float) -> None:
        self.n_closed += 1
        self.day_closed += 1
        self.day_resolution_sum += now - t.created_h
        if self.events is not None:
            r = t.resolver
            self.events.append((t.id, now, "resolved", t.desk.name, r.unique_id,
                                ROLE_TEXT[r.role]))
        if self.tickets is not None:
            self.tickets.append(self.row(t))

    def row(self, t) -> tuple:
        r = t.resolver
        resolved = t.resolved_h if t.resolved_h >= 0 and r is not None else float("nan")
        first = t.first_start_h if t.first_start_h >= 0 else float("nan")
        c = t.customer
        return (t.id, c.unique_id, t.cls, t.domain, t.complexity, t.created_h, first, resolved,
                t.wait_h if t.first_start_h >= 0 else float("nan"), resolved - t.created_h,
                t.handoffs, t.explanations, t.contacts, t.reopened, t.stalled, t.pingpong,
                t.max_level, r.unique_id if r is not None else -1,
                ROLE_TEXT[r.role] if r is not None else "", t.named_request, t.honoured,
                t.eng_return, t.created_h < self.warmup_h, t.needs_eng, t.specialist, t.cost_h,
                c.pilot_arm, c.segment, t.script_closed and r is not None)

    # --- daily series -----------------------------------------------------------------------
    def end_of_day(self, day: int, extra: dict) -> dict:
        row = {"day": day, "tickets_created": self.day_created, "tickets_resolved": self.day_closed,
               "mean_resolution_h": (self.day_resolution_sum / self.day_closed
                                     if self.day_closed else float("nan")),
               "handoffs": self.day_handoffs}
        for name, n in self.day_entries.items():
            row[f"entries_{name}"] = n
        for role, h in self.day_busy_h.items():
            row[f"work_h_{role}"] = h
        row.update(extra)
        self.series.append(row)
        self.day_created = self.day_closed = self.day_handoffs = 0
        self.day_resolution_sum = 0.0
        self.day_entries = {}
        self.day_busy_h = {}
        return row

    def timeseries(self) -> pd.DataFrame:
        return pd.DataFrame(self.series)
