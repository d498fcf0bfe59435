"""Make the small synthetic helpdesk exports in ``examples/exports/`` from a simulated tiered org.

No real customer data: every row is a ticket of one short tiersim run (the tiered design, the
settings in :data:`RUN`), written the way a Zendesk, Freshdesk or generic export would hold it
(the column headers of ``experiments/importer.py``'s formats):

* created / solved: the ticket's creation and final close, dated from ``sim.start_date``
  (blank solved time: still open at the horizon);
* group: the ticket's product domain (``Area 1`` .. ``Area 8``; the model's hand-offs move a
  ticket between desks, not between domains);
* organisation: the customer (``Customer <id>``);
* Zendesk's ``Group stations`` = hand-offs + 1 (groups the ticket passed through),
  ``Assignee stations`` = changes of the person working it + 1 (from the event log), ``Reopens``
  = times reopened; the generic format's ``handoffs`` and ``reopens`` are the counts themselves;
  Freshdesk's export has no such columns, so its file has none.

Only tickets created after the warm-up are exported (an org's export has no empty-and-idle
start). The run is deterministic, so the files are too: ``tests/test_importer.py`` checks that the
shipped files are what this script makes.

Usage::

    python -m experiments.tools.synth_exports            # rewrite examples/exports/*.csv
    python -m experiments.tools.synth_exports --out DIR  # write them elsewhere
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from model.config import Config, parse_start_date, set_key, validate
from model.eventlog import timestamps
from model.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "examples" / "exports"

#: The simulated org the exports come from: 300 customers raising 22 tickets a day (2.2 tickets
#: per customer-month [A], the default contact rate), 90 days after a 30-day warm-up, every desk
#: sized to the target occupancy.
RUN = {
    "org.design": "tiered",
    "org.staffing": "sized",
    "customers.count": 300,
    "demand.tickets_per_day": 22.0,
    "sim.horizon_days": 120,
    "sim.warmup_days": 30,
    "sim.record_events": True,
    "sim.progress": False,
    "seed": 0,
}
FILES = {"zendesk": "zendesk_tickets.csv", "freshdesk": "freshdesk_tickets.csv",
         "generic": "generic_tickets.csv"}


def run_config() -> Config:
    cfg = Config()
    for key, value in RUN.items():
        set_key(cfg, key, value)
    return validate(cfg)


def simulated_tickets(cfg: Config | None = None) -> pd.DataFrame:
    """One row per ticket created after the warm-up: id, created / solved timestamps (solved
    NaT if open at the horizon), domain, customer, hand-offs, reopens, assignee stations."""
    cfg = cfg or run_config()
    _, _, tables = simulate(cfg)
    t = tables["tickets"]
    t = t[t["created_h"] >= cfg.sim.warmup_days * 24.0].sort_values("ticket_id")
    start = parse_start_date(cfg.sim.start_date)
    ev = tables["events"]
    starts = ev[ev["activity"] == "start"].sort_values(["ticket_id", "time_h"], kind="stable")
    changed = starts["staff_id"].ne(starts.groupby("ticket_id")["staff_id"].shift())
    stations = changed.groupby(starts["ticket_id"]).sum()
    solved = timestamps(t["resolved_h"].fillna(0.0).to_numpy(), start)
    solved[t["resolved_h"].isna().to_numpy()] = pd.NaT
    return pd.DataFrame({
        "id": t["ticket_id"].to_numpy() + 1,  # helpdesk ids start at 1
        "created": timestamps(t["created_h"].to_numpy(), start).to_numpy(),
        "solved": solved.to_numpy(),
        "group": [f"Area {d + 1}" for d in t["domain"].tolist()],
        "organization": [f"Customer {c}" for c in t["customer_id"].tolist()],
        "handoffs": t["handoffs"].to_numpy(),
        "reopens": t["reopened"].to_numpy(),
        "assignee_stations": stations.reindex(t["ticket_id"]).fillna(0).astype(int).to_numpy(),
    })


def _stamp(ts: pd.Series, fmt: str) -> list[str]:
    """Timestamps to whole seconds in ``fmt``; blank where missing."""
    ts = pd.to_datetime(ts, utc=True).dt.floor("s").dt.tz_localize(None)
    return ["" if pd.isna(x) else x.strftime(fmt) for x in ts]


def rows(tickets: pd.DataFrame, fmt: str) -> tuple[list[str], list[list]]:
    """The header and rows of ``tickets`` as an export of format ``fmt``."""
    open_ = tickets["solved"].isna().to_numpy()
    if fmt == "zendesk":  # ISO 8601 in UTC, as Zendesk's API writes timestamps
        created, solved = (_stamp(tickets[c], "%Y-%m-%dT%H:%M:%SZ") for c in ("created", "solved"))
        header = ["Id", "Status", "Group", "Organization", "Created at", "Solved at",
                  "Group stations", "Assignee stations", "Reopens"]
        status = np.where(open_, "Open", "Solved")
        body = zip(tickets["id"], status, tickets["group"], tickets["organization"], created,
                   solved, tickets["handoffs"] + 1, tickets["assignee_stations"],
                   tickets["reopens"], strict=True)
    elif fmt == "freshdesk":
        created, solved = (_stamp(tickets[c], "%Y-%m-%d %H:%M:%S") for c in ("created", "solved"))
        header = ["Ticket ID", "Status", "Group", "Created time", "Resolved time", "Company Name"]
        status = np.where(open_, "Open", "Resolved")
        body = zip(tickets["id"], status, tickets["group"], created, solved,
                   tickets["organization"], strict=True)
    elif fmt == "generic":
        created, solved = (_stamp(tickets[c], "%Y-%m-%d %H:%M:%S") for c in ("created", "solved"))
        header = ["ticket_id", "created_at", "solved_at", "group", "organization", "handoffs",
                  "reopens"]
        body = zip(tickets["id"], created, solved, tickets["group"], tickets["organization"],
                   tickets["handoffs"], tickets["reopens"], strict=True)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return header, [[int(v) if isinstance(v, np.integer) else v for v in row] for row in body]


def csv_text(tickets: pd.DataFrame, fmt: str) -> str:
    header, body = rows(tickets, fmt)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(body)
    return buf.getvalue()


def write_all(out: Path = OUT) -> dict[str, Path]:
    """Write the three exports to ``out``; return format -> path."""
    out.mkdir(parents=True, exist_ok=True)
    tickets = simulated_tickets()
    paths = {}
    for fmt, name in FILES.items():
        path = out / name
        path.write_text(csv_text(tickets, fmt), encoding="utf-8")
        paths[fmt] = path
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m experiments.tools.synth_exports",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help=f"directory (default {OUT})")
    args = ap.parse_args(argv)
    for fmt, path in write_all(args.out).items():
        n = sum(1 for _ in path.open(encoding="utf-8")) - 1
        print(f"{fmt}: {path} ({n} tickets)")


if __name__ == "__main__":
    main()
