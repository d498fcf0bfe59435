"""Tables of agents at the end of a run: one row per person (``staff.parquet``) and one row per
customer (``customers.parquet``). Pure functions of the agent lists, used by ``model/simulate.py``
and by the customers mechanism, which adds its own columns."""

from __future__ import annotations

import pandas as pd


def staff_frame(staff: list) -> pd.DataFrame:
    """One row per person ever on the staff (the contract columns, then salary and workload)."""
    rows = [{"staff_id": s.unique_id, "role": s.role.value, "hired_day": s.hired_day,
             "left_day": s.left_day, "exit_reason": s.exit_reason, "promotions": s.promotions,
             "final_proficiency": s.mean_proficiency(), "salary": s.salary,
             "tickets_worked": s.tickets_worked, "busy_h": s.busy_h, "level": s.level,
             "regretted": s.regretted,
             "desk": s.desk.name if s.desk is not None else ""} for s in staff]
    df = pd.DataFrame(rows)
    df["left_day"] = df["left_day"].astype("Float64")
    return df


def customers_frame(customers: list) -> pd.DataFrame:
    """One row per customer who ever was one (prospects who never joined are not listed)."""
    rows = [{"customer_id": c.unique_id, "segment": c.segment, "mrr": c.mrr,
             "joined_day": c.joined_day, "churned_day": c.churned_day, "episodes": c.episodes,
             "mean_effort": c.mean_effort, "named_requests": c.named_requests,
             "owner_changes": c.owner_changes, "pilot_arm": c.pilot_arm,
             "owner_id": c.owner.unique_id if c.owner is not None else -1, "pod": c.pod}
            for c in customers]
    df = pd.DataFrame(rows)
    df["churned_day"] = df["churned_day"].astype("Float64")
    return df

