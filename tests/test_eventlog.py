"""The event log for process-mining tools (model/eventlog.py, docs/design.md section 10).

A run with ``sim.record_events=true`` writes ``events.xes.gz`` (XES) and ``events.ocel.json``
(OCEL 2.0) next to ``events.parquet``; pm4py (a test-only dependency: the project itself never
imports it) reads both back and discovers a process model from them. The pure parts —
timestamps, the XES text, the errors — are checked without a run.
"""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from model.eventlog import OCEL_WORK, ocel, timestamps, write_ocel, write_xes
from model.recorder import EVENT_COLUMNS
from model.simulate import simulate, write_run

pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")
ROOT = Path(__file__).resolve().parent.parent
XES_NS = {"x": "http://www.xes-standard.org/"}
MONDAY = dt.date(2026, 1, 5)


def _events(rows, start=MONDAY) -> pd.DataFrame:
    ev = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    ev["timestamp"] = timestamps(ev["time_h"].to_numpy(), start)
    return ev


# ---- pure parts ---------------------------------------------------------------------------------
def test_timestamps_date_the_simulated_hours_from_the_start_date():
    ts = timestamps([0.0, 33.5, 24 * 7 + 9.25, 1.0 / 3_600_000 * 0.4], MONDAY)
    assert list(ts) == [pd.Timestamp("2026-01-05T00:00", tz="UTC"),
                        pd.Timestamp("2026-01-06T09:30", tz="UTC"),
                        pd.Timestamp("2026-01-12T09:15", tz="UTC"),
                        pd.Timestamp("2026-01-05T00:00", tz="UTC")]  # to the millisecond
    assert str(timestamps([1.5], dt.date(2027, 3, 1)).iloc[0]) == "2027-03-01 01:30:00+00:00"


def test_xes_is_one_trace_per_ticket_with_a_work_start_and_complete(tmp_path):
    """Two tickets, events interleaved in time: each trace holds its own events in order; a
    piece of work is one activity ``work`` with two transitions; desk names are escaped."""
    ev = _events([
        (7, 1.0, "created", "", -1, ""), (3, 1.5, "created", "", -1, ""),
        (7, 9.0, "start", 'a&b"<', 4, "l1"), (3, 9.0, "queued", 'a&b"<', -1, ""),
        (7, 9.5, "complete", 'a&b"<', 4, "l1"), (7, 9.5, "resolved", 'a&b"<', 4, "l1"),
    ])
    tickets = pd.DataFrame({"ticket_id": [3, 7], "customer_id": [11, 12],
                            "complexity": [0.25, 0.5], "warmup": [True, False],
                            "segment": ["smb", "enterprise"]})
    path = tmp_path / "log.xes.gz"
    write_xes(ev, path, tickets)
    root = ET.fromstring(gzip.decompress(path.read_bytes()))
    traces = root.findall("x:trace", XES_NS)

    def attrs(el):
        return {a.get("key"): a.get("value") for a in el if a.tag != f"{{{XES_NS['x']}}}event"}

    assert [attrs(t)["concept:name"] for t in traces] == ["3", "7"]
    assert attrs(traces[1]) == {"concept:name": "7", "customer_id": "12", "complexity": "0.5",
                                "warmup": "false", "segment": "enterprise"}
    events = [attrs(e) for e in traces[1].findall("x:event", XES_NS)]
    assert [(e["concept:name"], e["lifecycle:transition"]) for e in events] == [
        ("created", "complete"), ("work", "start"), ("work", "complete"),
        ("resolved", "complete")]
    assert events[1] == {"concept:name": "work", "lifecycle:transition": "start",
                         "time:timestamp": "2026-01-05T09:00:00.000+00:00", "time_h": "9.0",
                         "org:group": 'a&b"<', "org:resource": "4", "org:role": "l1"}
    assert "org:resource" not in events[0] and "org:group" not in events[0]
    # the same table gives the same bytes (no time stamp in the gzip header)
    again = tmp_path / "again.xes.gz"
    write_xes(ev, again, tickets)
    assert again.read_bytes() == path.read_bytes()


def test_ocel_relates_tickets_desks_people_and_customers(tmp_path):
    ev = _events([(5, 2.0, "created", "", -1, ""), (5, 9.0, "start", "l1", 8, "l1"),
                  (5, 9.5, "complete", "l1", 8, "l1"), (5, 9.5, "handoff_to_l2", "l1", -1, "")])
    tables = (pd.DataFrame({"ticket_id": [5], "customer_id": [2], "class_id": [9]}),
              pd.DataFrame({"staff_id": [8], "role": ["l2"]}),
              pd.DataFrame({"customer_id": [2], "segment": ["smb"]}))
    doc = ocel(ev, *tables)
    write_ocel(ev, tmp_path / "log.json", *tables)  # written one event at a time: the same
    assert json.loads((tmp_path / "log.json").read_text()) == doc
    assert [e["type"] for e in doc["events"]] == ["created", OCEL_WORK["start"],
                                                 OCEL_WORK["complete"], "handoff_to_l2"]
    rel = [{(r["objectId"], r["qualifier"]) for r in e["relationships"]} for e in doc["events"]]
    assert rel[0] == {("ticket-5", "ticket"), ("customer-2", "customer")}
    assert rel[1] == {("ticket-5", "ticket"), ("desk-l1", "desk"), ("staff-8", "resource")}
    assert rel[3] == {("ticket-5", "ticket"), ("desk-l1", "from"), ("desk-l2", "to")}
    objects = {o["id"]: o for o in doc["objects"]}
    assert set(objects) == {"ticket-5", "staff-8", "desk-l1", "desk-l2", "customer-2"}
    assert objects["ticket-5"]["relationships"] == [{"objectId": "customer-2",
                                                     "qualifier": "raised by"}]
    assert objects["staff-8"]["attributes"][0]["value"] == "l2"  # the role at the end
    assert doc["events"][1]["attributes"] == [{"name": "time_h", "value": 9.0},
                                              {"name": "role", "value": "l1"}]  # role then
    assert doc["events"][0]["time"] == "2026-01-05T02:00:00.000+00:00"
    types = {t["name"]: [a["name"] for a in t["attributes"]] for t in doc["eventTypes"]}
    assert types["created"] == ["time_h"] and types["start work"] == ["time_h", "role"]


@pytest.mark.parametrize("writer", [write_xes, write_ocel])
def test_an_event_table_without_timestamps_is_refused(tmp_path, writer):
    ev = pd.DataFrame([(1, 0.5, "created", "", -1, "")], columns=EVENT_COLUMNS)
    with pytest.raises(ValueError, match="lacks the column.*timestamp.*sim.start_date"):
        writer(ev, tmp_path / "log")


def test_nothing_outside_the_tests_imports_pm4py():
    """pm4py is AGPL and a test-only dependency: the model and the front ends never import it."""
    bad = []
    for pkg in ("model", "agents", "experiments"):
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                bad += [f"{path.relative_to(ROOT)}: {n}" for n in names
                        if n.split(".")[0] == "pm4py"]
    assert not bad, bad


# ---- a run, read back with pm4py ----------------------------------------------------------------
@pytest.fixture(scope="module", params=["tiered", "generalist"])
def run_dir(request, small_cfg, tmp_path_factory):
    """A 30-day small run of each design with the event log on, written as a run directory."""
    cfg = small_cfg(request.param, events=True, seed=4, sim__horizon_days=30,
                    sim__start_date="2026-03-02")
    _, summary, tables = simulate(cfg)
    out = tmp_path_factory.mktemp(f"eventlog_{request.param}")
    write_run(out, summary, tables, json.dumps({"design": request.param}))
    return request.param, out, tables


def test_the_run_writes_xes_and_ocel_next_to_the_parquet_log(run_dir):
    _, out, tables = run_dir
    for name in ("events.parquet", "events.xes.gz", "events.ocel.json"):
        assert (out / name).is_file(), name
    ev = pd.read_parquet(out / "events.parquet")
    assert ev["timestamp"].min() >= pd.Timestamp("2026-03-02", tz="UTC")
    assert (ev["timestamp"] == timestamps(ev["time_h"].to_numpy(), dt.date(2026, 3, 2))).all()
    assert (ev["activity"] == "complete").sum() > 0.9 * (ev["activity"] == "start").sum()


def test_pm4py_reads_the_xes_log_and_discovers_the_process(run_dir):
    pm4py = pytest.importorskip("pm4py")
    design, out, tables = run_dir
    ev = tables["events"]
    log = pm4py.read_xes(str(out / "events.xes.gz"))
    assert len(log) == len(ev)
    assert sorted(log["case:concept:name"].astype(int).unique()) == sorted(ev["ticket_id"].unique())
    assert (log["lifecycle:transition"] == "start").sum() == (ev["activity"] == "start").sum()
    assert (log["lifecycle:transition"].eq("complete") & log["concept:name"].eq("work")).sum() \
        == (ev["activity"] == "complete").sum()
    assert log["time:timestamp"].min() == ev["timestamp"].min()
    assert set(log["org:resource"].dropna().astype(int)) == set(ev.loc[ev["staff_id"] >= 0,
                                                                       "staff_id"])
    assert log["case:warmup"].any() and not log["case:warmup"].all()
    # a process model: the directly-follows graph of the completed steps
    done = log[log["lifecycle:transition"] == "complete"]
    dfg, starts, ends = pm4py.discover_dfg(done)
    assert set(starts) == {"created"}
    first = "l2_1" if design == "tiered" else "engineering"  # an L2 team (ODD §7.8a)
    assert ("created", "queued") in dfg and ("work", "resolved") in dfg
    assert ("work", f"handoff_to_{first}") in dfg
    net, im, fm = pm4py.discover_petri_net_inductive(done)
    labels = {t.label for t in net.transitions if t.label}
    assert {"created", "work", "resolved", f"handoff_to_{first}"} <= labels


def test_pm4py_reads_the_ocel_log_with_its_objects(run_dir):
    pm4py = pytest.importorskip("pm4py")
    design, out, tables = run_dir
    ev = tables["events"]
    log = pm4py.read_ocel2_json(str(out / "events.ocel.json"))
    assert len(log.events) == len(ev)
    assert set(pm4py.ocel_get_object_types(log)) == {"ticket", "staff", "desk", "customer"}
    counts = log.objects["ocel:type"].value_counts()
    assert counts["ticket"] == ev["ticket_id"].nunique()
    assert counts["staff"] == ev.loc[ev["staff_id"] >= 0, "staff_id"].nunique()
    acts = set(log.events["ocel:activity"])
    assert {"created", "queued", "start work", "complete work", "resolved"} <= acts
    # every event relates its ticket; every piece of work its person and desk
    rel = log.relations
    per_event = rel.groupby("ocel:eid")["ocel:type"].agg(set)
    assert all("ticket" in s for s in per_event)
    work = rel[rel["ocel:activity"].isin(["start work", "complete work"])]
    assert set(work["ocel:type"]) == {"ticket", "staff", "desk"}
    assert set(log.o2o["ocel:qualifier"]) == {"raised by"}
    # an object-centric process model over the four object types
    ocdfg = pm4py.discover_ocdfg(log)
    assert {"ticket", "staff", "desk"} <= set(ocdfg["edges"]["event_couples"])
    if design == "tiered":
        assert "handoff_to_l2_1" in acts
