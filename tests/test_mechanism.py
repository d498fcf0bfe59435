"""The mechanism contract (model/mechanism.py), exercised by a toy mechanism written the way
docs/mechanisms.md tells a newcomer to write one: a coffee break before every tenth piece of work.

It declares per-person state, registers a ``plan`` hook (extra minutes on a piece starting) and a
``work`` hook, runs a daily process, adds a column to the daily row, writes a table and has a KPI
function -- and it changes the model's results only through those hooks.
"""

from __future__ import annotations

import pandas as pd
import pytest

from agents.staff import SupportStaff
from model.mechanism import Hooks, Mechanism
from model.metrics import summarise
from model.model import MECHANISMS, TierSimModel

BREAK_EVERY = 10  # pieces of work between two coffee breaks
BREAK_H = 0.25  # a quarter of an hour


class CoffeeBreak(Mechanism):
    """Before every tenth piece of work a person takes a quarter-hour coffee break."""

    staff_state = {"pieces_since_coffee": lambda person: 0}

    def __init__(self, model) -> None:
        super().__init__(model)
        self.today = 0
        self.log: list[tuple[int, int]] = []  # (day, breaks)

    def install(self, hooks: Hooks) -> None:
        hooks.plan.append(self.before_piece)
        hooks.work.append(self.after_piece)

    def before_piece(self, person, ticket, t: float) -> float:
        if person.pieces_since_coffee + 1 < BREAK_EVERY:
            return 0.0
        self.today += 1
        return BREAK_H

    def after_piece(self, person, ticket, t: float) -> None:
        person.pieces_since_coffee = (person.pieces_since_coffee + 1) % BREAK_EVERY

    def day(self, model) -> None:
        self.log.append((model.day, self.today))

    def series(self) -> dict:
        row = {"coffee_breaks": self.today}
        self.today = 0
        return row

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"coffee": pd.DataFrame(self.log, columns=["day", "breaks"])}

    @staticmethod
    def kpis(tables: dict[str, pd.DataFrame], cfg) -> dict:
        s = tables["timeseries"]
        return {"coffee_breaks": int(s["coffee_breaks"].sum()) if "coffee_breaks" in s else 0}


def _run(cfg, mechanisms):
    model = TierSimModel(cfg, mechanisms=mechanisms)
    model.run()
    tickets, series = model.recorder.tickets.frame(), model.recorder.timeseries()
    return model, tickets, series


def test_a_new_mechanism_plugs_in_through_the_contract(small_cfg):
    cfg = small_cfg("tiered", seed=3)
    model, tickets, series = _run(cfg, (*MECHANISMS, CoffeeBreak))
    coffee = next(m for m in model.mechanisms if isinstance(m, CoffeeBreak))
    assert model.hooks.plan[-1] == coffee.before_piece  # registered, last in catalogue order
    assert all(hasattr(p, "pieces_since_coffee") for p in model.staff)  # declared state
    worked = sum(p.tickets_worked for p in model.staff)
    assert series["coffee_breaks"].sum() == pytest.approx(worked / BREAK_EVERY, abs=len(model.staff))
    assert coffee.tables()["coffee"]["breaks"].sum() == series["coffee_breaks"].sum()
    summary = summarise(tickets, series, pd.DataFrame({"role": [], "left_day": [],
                                                       "final_proficiency": []}), cfg,
                        mechanism_kpis=[k.kpis for k in model.mechanism_kinds])
    assert summary["coffee_breaks"] == series["coffee_breaks"].sum() > 0


def test_the_break_costs_hours_and_nothing_else_moves(small_cfg):
    """Directional, paired seed: the same first day's tickets arrive (common random numbers;
    later days differ as churn and fixes follow the service); the breaks cost staff hours."""
    cfg = small_cfg("tiered", seed=4)
    _, base, _ = _run(cfg, MECHANISMS)
    _, coffee, _ = _run(cfg, (*MECHANISMS, CoffeeBreak))
    cols = ["ticket_id", "customer_id", "class_id", "created_h"]

    def day0(t: pd.DataFrame) -> pd.DataFrame:
        return t[t["created_h"] < 24.0].sort_values("ticket_id")[cols].reset_index(drop=True)

    assert len(day0(base)) > 0 and day0(base).equals(day0(coffee))
    per_ticket = (coffee["cost_h"].mean(), base["cost_h"].mean())
    assert per_ticket[0] > per_ticket[1], per_ticket


def test_a_second_repeat_odds_provider_is_a_wiring_error():
    hooks = Hooks()
    hooks.set_repeat_odds(lambda t, p: 1.0)
    with pytest.raises(RuntimeError, match="repeat_odds"):
        hooks.set_repeat_odds(lambda t, p: 1.0)


def test_the_demand_scale_composes_in_a_fixed_order():
    hooks = Hooks()
    hooks.expect_extra(0.25)  # registered first, applied second
    hooks.draw_from([], 1.5)
    assert hooks.demand_scale() == 1.5 / 1.25


def test_declared_state_reaches_every_agent(small_cfg):
    model = TierSimModel(small_cfg("generalist", seed=1))
    talent_state = next(k for k in MECHANISMS if k.__name__ == "Talent").staff_state
    for person in model.staff:
        assert all(hasattr(person, name) for name in talent_state)
    assert {"goodwill", "relations", "active"} <= set(model.customers[0].__dict__)
    assert "asymptote" in SupportStaff.declared
