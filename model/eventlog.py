"""The event log for process-mining tools: ISO timestamps, XES and OCEL 2.0 (standard library only).

A run's event log (``events.parquet``, with ``sim.record_events``) holds simulated hours from
Monday 00:00 of day 0. :func:`timestamps` dates them from ``sim.start_date`` (the simulated clock,
written as UTC: the model has no time zone); ``model/simulate.py`` adds them as the column
``timestamp``. ``model/runio.py`` then writes the same log twice more, next to the Parquet file:

* ``events.xes.gz`` — XES (IEEE 1849-2016), gzip-compressed: one trace per ticket (the ticket's
  intrinsic properties and outcome flags as trace attributes), one event per row. A piece of work
  is the activity ``work`` with ``lifecycle:transition`` ``start`` and ``complete`` (the rows
  ``start`` and ``complete``); every other row is its own activity (``created``, ``queued``,
  ``handoff_to_<desk>``, ``wait_customer``, ``closed_reopens``, ``resolved``), with transition
  ``complete``. ``org:resource`` is the staff id, ``org:group`` the desk, ``org:role`` the
  person's role at the time; ``time_h`` keeps the simulated hour.
* ``events.ocel.json`` — OCEL 2.0 JSON: objects ``ticket``, ``staff``, ``desk`` and ``customer``;
  event types are the activities, with ``start work`` / ``complete work`` for a piece of work.
  Each event relates its ticket (qualifier ``ticket``), its desk (``desk``; a hand-off relates
  the sending desk as ``from`` and the receiving one as ``to``), the person (``resource``) and,
  on ``created``, the customer (``customer``); each ticket relates its customer (``raised by``).

A piece of work still in hand at the horizon has a start and no completion (the log is cut
there). Both files are deterministic: the same table gives the same bytes (the gzip header
carries no time stamp or file name).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

#: ``(name, XES type)`` of the ticket-log columns written as trace (XES) and object (OCEL)
#: attributes, where the ticket log has them: intrinsic properties, then outcome flags
TICKET_ATTRIBUTES = (
    ("customer_id", "int"), ("class_id", "int"), ("domain", "int"), ("complexity", "float"),
    ("segment", "string"), ("needs_engineering", "boolean"), ("specialist", "boolean"),
    ("warmup", "boolean"), ("handoffs", "int"), ("reopened", "int"), ("pingpong", "boolean"),
    ("engineering_return", "boolean"), ("resolver_role", "string"),
)
OCEL_TYPES = {"int": "integer", "float": "float", "boolean": "boolean", "string": "string"}
WORK = {"start": ("work", "start"), "complete": ("work", "complete")}  # XES (name, transition)
OCEL_WORK = {"start": "start work", "complete": "complete work"}
HANDOFF = "handoff_to_"
STATIC = "1970-01-01T00:00:00Z"  # OCEL 2.0: the time of an attribute value that never changes
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)


def timestamps(time_h, start: dt.date) -> pd.Series:
    """Simulated hours ``time_h`` as UTC timestamps (millisecond precision) from 00:00 of day 0,
    the date ``start`` (``sim.start_date``, :func:`model.config.parse_start_date`)."""
    base = np.datetime64(start.isoformat(), "ms")
    ms = np.rint(np.asarray(time_h, dtype="float64") * 3_600_000.0).astype("int64")
    return pd.Series(pd.to_datetime(base + ms.astype("timedelta64[ms]")).tz_localize("UTC"),
                     name="timestamp")


def iso(ts: pd.Series) -> list[str]:
    """Timestamps as ISO 8601 strings with milliseconds and an explicit UTC offset."""
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ms]")
    return [s + "+00:00" for s in np.datetime_as_string(naive, unit="ms").tolist()]


def _check(events: pd.DataFrame) -> None:
    need = ("ticket_id", "time_h", "activity", "desk", "staff_id", "role", "timestamp")
    missing = [c for c in need if c not in events.columns]
    if missing:
        raise ValueError(f"the event table lacks the column(s) {', '.join(missing)}; the XES and "
                         "OCEL logs need the table model.simulate.simulate builds "
                         "(its timestamp column dates the simulated hours from sim.start_date)")


def _by_ticket(events: pd.DataFrame) -> pd.DataFrame:
    """The events grouped by ticket (ids ascending), each ticket's events in log order."""
    order = np.argsort(events["ticket_id"].to_numpy(), kind="stable")
    return events.iloc[order].reset_index(drop=True)


def _ticket_attributes(tickets: pd.DataFrame | None) -> tuple[list[tuple[str, str]], dict]:
    """The attributes the ticket log has, and per ticket id their values (in that order)."""
    if tickets is None or not len(tickets):
        return [], {}
    attrs = [(c, t) for c, t in TICKET_ATTRIBUTES if c in tickets.columns]
    cols = [tickets[c].tolist() for c, _ in attrs]
    values = dict(zip(tickets["ticket_id"].tolist(), zip(*cols, strict=True), strict=True))
    return attrs, values


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def _xes_value(kind: str, v) -> str | None:
    if _missing(v):
        return None
    if kind == "boolean":
        return "true" if v else "false"
    if kind == "float":
        return repr(float(v))
    if kind == "int":
        return str(int(v))
    return str(v)


def write_xes(events: pd.DataFrame, path, tickets: pd.DataFrame | None = None) -> None:
    """Write ``events`` (with its ``timestamp`` column) as gzip-compressed XES to ``path``;
    ``tickets`` (the ticket log, optional) gives the trace attributes."""
    _check(events)
    ev = _by_ticket(events)
    attrs, values = _ticket_attributes(tickets)
    stamps = iso(ev["timestamp"])
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                mtime=0) as gz:
        buf: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n'
                          '<log xes.version="1849-2016" xes.features="" '
                          'xmlns="http://www.xes-standard.org/">\n']
        buf += [f'<extension name="{n}" prefix="{p}" uri="{u}"/>\n' for n, p, u in EXTENSIONS]
        buf.append('<global scope="trace"><string key="concept:name" value="UNKNOWN"/></global>\n'
                   '<global scope="event"><string key="concept:name" value="UNKNOWN"/>'
                   '<string key="lifecycle:transition" value="complete"/>'
                   '<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>'
                   '</global>\n'
                   '<classifier name="Activity" keys="concept:name"/>\n'
                   '<classifier name="Activity at desk" keys="concept:name org:group"/>\n'
                   '<string key="concept:name" value="tiersim"/>\n')
        current = None
        rows = zip(ev["ticket_id"].tolist(), ev["time_h"].tolist(), ev["activity"].tolist(),
                   ev["desk"].tolist(), ev["staff_id"].tolist(), ev["role"].tolist(), stamps,
                   strict=True)
        for tid, hour, act, desk, sid, role, stamp in rows:
            if tid != current:
                if current is not None:
                    buf.append("</trace>\n")
                buf.append(f'<trace><string key="concept:name" value="{tid}"/>')
                for (name, kind), v in zip(attrs, values.get(tid, ()), strict=False):
                    text = _xes_value(kind, v)
                    if text is not None:
                        buf.append(f'<{kind} key="{name}" value={quoteattr(text)}/>')
                buf.append("\n")
                current = tid
            name, transition = WORK.get(act, (act, "complete"))
            buf.append(f'<event><string key="concept:name" value={quoteattr(name)}/>'
                       f'<string key="lifecycle:transition" value="{transition}"/>'
                       f'<date key="time:timestamp" value="{stamp}"/>'
                       f'<float key="time_h" value="{hour!r}"/>')
            if desk:
                buf.append(f'<string key="org:group" value={quoteattr(desk)}/>')
            if sid >= 0:
                buf.append(f'<string key="org:resource" value="{sid}"/>'
                           f'<string key="org:role" value={quoteattr(role)}/>')
            buf.append("</event>\n")
            if len(buf) > 4096:
                gz.write("".join(buf).encode())
                buf = []
        if current is not None:
            buf.append("</trace>\n")
        buf.append("</log>\n")
        gz.write("".join(buf).encode())


def _ocel_value(kind: str, v):
    if _missing(v):
        return None
    return {"boolean": bool, "float": float, "int": int}.get(kind, str)(v)


def _ocel_parts(events: pd.DataFrame, tickets, staff, customers) -> tuple[dict, Iterator[dict]]:
    """The OCEL 2.0 document without its events, and an iterator over the events (so a long
    log is written one event at a time, never held as one big document)."""
    _check(events)
    attrs, values = _ticket_attributes(tickets)
    customer_of = {}
    if tickets is not None and "customer_id" in tickets.columns:
        customer_of = dict(zip(tickets["ticket_id"].tolist(), tickets["customer_id"].tolist(),
                               strict=True))
    acts = events["activity"]
    handoff = acts.str.startswith(HANDOFF)
    targets = set(acts[handoff].str.removeprefix(HANDOFF).unique().tolist())
    desks = (set(events.loc[events["desk"] != "", "desk"].unique().tolist()) | targets)
    people = sorted(set(events.loc[events["staff_id"] >= 0, "staff_id"].unique().tolist()))
    tids = sorted(set(events["ticket_id"].unique().tolist()))
    with_staff = events["staff_id"].ge(0).groupby(acts.to_numpy()).any()
    ticket_attrs = [(n, k) for n, k in attrs if n != "customer_id"]
    objects = []
    for tid in tids:
        vals = dict(zip([n for n, _ in attrs], values.get(tid, ()), strict=False))
        obj = {"id": f"ticket-{tid}", "type": "ticket",
               "attributes": [{"name": n, "time": STATIC, "value": _ocel_value(k, vals[n])}
                              for n, k in ticket_attrs
                              if n in vals and _ocel_value(k, vals[n]) is not None]}
        if tid in customer_of:
            obj["relationships"] = [{"objectId": f"customer-{customer_of[tid]}",
                                     "qualifier": "raised by"}]
        objects.append(obj)
    role_of = ({} if staff is None or not len(staff) else
               dict(zip(staff["staff_id"].tolist(), staff["role"].tolist(), strict=True)))
    objects += [{"id": f"staff-{s}", "type": "staff",
                 "attributes": ([{"name": "role", "time": STATIC, "value": str(role_of[s])}]
                                if s in role_of else [])} for s in people]
    objects += [{"id": f"desk-{d}", "type": "desk", "attributes": []} for d in sorted(desks)]
    segment_of = ({} if customers is None or "segment" not in customers.columns else
                  dict(zip(customers["customer_id"].tolist(), customers["segment"].tolist(),
                           strict=True)))
    objects += [{"id": f"customer-{c}", "type": "customer",
                 "attributes": ([{"name": "segment", "time": STATIC, "value": str(segment_of[c])}]
                                if c in segment_of else [])}
                for c in sorted({customer_of[t] for t in tids if t in customer_of})]
    object_types = [
        {"name": "ticket", "attributes": [{"name": n, "type": OCEL_TYPES[k]}
                                          for n, k in ticket_attrs]},
        {"name": "staff", "attributes": [{"name": "role", "type": "string"}] if role_of else []},
        {"name": "desk", "attributes": []},
        {"name": "customer",
         "attributes": [{"name": "segment", "type": "string"}] if segment_of else []},
    ]
    event_types = [{"name": OCEL_WORK.get(a, a),
                    "attributes": [{"name": "time_h", "type": "float"}]
                    + ([{"name": "role", "type": "string"}] if staffed else [])}
                   for a, staffed in sorted(with_staff.items(),
                                            key=lambda kv: OCEL_WORK.get(kv[0], kv[0]))]
    head = {"objectTypes": object_types, "eventTypes": event_types, "objects": objects}
    return head, _ocel_events(events, customer_of)


def _ocel_events(events: pd.DataFrame, customer_of: dict) -> Iterator[dict]:
    rows = zip(events["ticket_id"].tolist(), events["time_h"].tolist(),
               events["activity"].tolist(), events["desk"].tolist(),
               events["staff_id"].tolist(), events["role"].tolist(), iso(events["timestamp"]),
               strict=True)
    for i, (tid, hour, act, desk, sid, role, stamp) in enumerate(rows):
        rel = [{"objectId": f"ticket-{tid}", "qualifier": "ticket"}]
        if act.startswith(HANDOFF):
            rel += [{"objectId": f"desk-{desk}", "qualifier": "from"},
                    {"objectId": f"desk-{act.removeprefix(HANDOFF)}", "qualifier": "to"}]
        elif desk:
            rel.append({"objectId": f"desk-{desk}", "qualifier": "desk"})
        attributes = [{"name": "time_h", "value": hour}]
        if sid >= 0:
            rel.append({"objectId": f"staff-{sid}", "qualifier": "resource"})
            attributes.append({"name": "role", "value": role})
        if act == "created" and tid in customer_of:
            rel.append({"objectId": f"customer-{customer_of[tid]}", "qualifier": "customer"})
        yield {"id": f"e{i}", "type": OCEL_WORK.get(act, act), "time": stamp,
               "attributes": attributes, "relationships": rel}


def ocel(events: pd.DataFrame, tickets: pd.DataFrame | None = None,
         staff: pd.DataFrame | None = None, customers: pd.DataFrame | None = None) -> dict:
    """``events`` (with its ``timestamp`` column) as an OCEL 2.0 JSON document (a dict).

    ``tickets``, ``staff`` and ``customers`` (the run's tables, each optional) give the objects'
    attributes and the ticket-customer relations."""
    head, evs = _ocel_parts(events, tickets, staff, customers)
    return {**head, "events": list(evs)}


def write_ocel(events: pd.DataFrame, path, tickets: pd.DataFrame | None = None,
               staff: pd.DataFrame | None = None, customers: pd.DataFrame | None = None) -> None:
    """Write :func:`ocel` of the run's tables as OCEL 2.0 JSON to ``path``, one event at a time."""
    head, evs = _ocel_parts(events, tickets, staff, customers)
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps(head)[:-1] + ',"events":[')
        buf: list[str] = []
        for n, e in enumerate(evs):
            buf.append(("," if n else "") + dumps(e))
            if len(buf) >= 4096:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf) + "]}\n")
