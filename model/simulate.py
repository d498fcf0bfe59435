"""One run end to end: validate, size, build, run, summarise (and, with :func:`write_run`, write).

The top floor of ``model/``: it imports the sizing probe, the model, the metrics and the run
writer; nothing in ``model/`` imports it. Front ends (``experiments/``) and tests call
:func:`simulate`.
"""

from __future__ import annotations

import time

import pandas as pd

from model.config import Config, parse_start_date
from model.eventlog import timestamps
from model.frames import customers_frame, staff_frame
from model.metrics import pilot_cost_per_outcome, summarise
from model.model import TierSimModel
from model.recorder import TICKET_COLUMNS
from model.runio import config_hash, versions, write_run
from model.sizing import build_model

__all__ = ["simulate", "write_run"]


def simulate(cfg: Config, progress=None) -> tuple[TierSimModel, dict, dict[str, pd.DataFrame]]:
    """Run one simulation; return the model, the summary and the output tables."""
    t0 = time.perf_counter()
    model = build_model(cfg)
    model.run(progress)
    tables = {"timeseries": model.recorder.timeseries(), "staff": staff_frame(model.staff),
              "customers": customers_frame(model.customers)}
    # the logs are spent once tabulated: release their compact columns as the tables are built
    if model.recorder.tickets is not None:
        tables["tickets"] = model.recorder.tickets.frame(release=True)
    if model.recorder.events is not None:
        events = model.recorder.events.frame(release=True)
        # the simulated hours dated from sim.start_date: what process-mining tools read
        events["timestamp"] = timestamps(events["time_h"].to_numpy(),
                                         parse_start_date(cfg.sim.start_date))
        tables["events"] = events
    if model.network is not None:  # the graph among customers who were ever customers
        tables["customer_links"] = model.network.links_table(model.customers)
    for mech in model.mechanisms:  # mechanisms' own logs (e.g. feedback.parquet)
        tables.update(mech.tables())
    summary = summarise(tables.get("tickets", _empty_tickets()), tables["timeseries"],
                        tables["staff"], cfg, customers=tables["customers"],
                        mechanism_kpis=[k.kpis for k in model.mechanism_kinds])
    summary.update({"seed": cfg.seed, "design": cfg.org.design, "config_hash": config_hash(cfg),
                    "version": versions()["tiersim"], "wall_seconds": time.perf_counter() - t0,
                    "events_processed": model.recorder.n_starts})
    summary["backups_per_ticket"] = model.engine.backups / max(summary["tickets_created"], 1)
    summary.update({f"initial_headcount_{r}": n for r, n in model.initial_headcount.items()})
    summary.update(model.summary())
    summary.update(pilot_cost_per_outcome(summary))
    summary.update({f"sizing_load_{k}": v for k, v in model.sizing_load.items()})
    return model, summary, tables


def _empty_tickets() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in TICKET_COLUMNS})
