"""Regression baseline: the same config and seed give exactly the stored outputs.

Three short runs with every default mechanism on (tiered, generalist, pilot; 90 days, 400
customers, seed 7) are reduced to their summary KPIs and a digest of each output table, and
compared *exactly* with ``tests/baseline/regression.json``. The environment is locked
(``uv.lock``), so any difference is a change of model behaviour: either a bug, or an intended
change of a mechanism -- then record it in CHANGELOG.md with **[output]** and rewrite the baseline
on purpose with

    TIERSIM_UPDATE_BASELINE=1 .venv/bin/python -m pytest tests/test_regression.py

and commit the new JSON with the change (its diff shows which KPIs moved).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_small_cfg

from model.runio import simulate

BASELINE = Path(__file__).resolve().parent / "baseline" / "regression.json"
UPDATE = os.environ.get("TIERSIM_UPDATE_BASELINE") == "1"
DESIGNS = ("tiered", "generalist", "pilot")
#: summary keys that describe the run, not the model's behaviour
VOLATILE = {"wall_seconds", "version", "config_hash"}
CONFIG = {"sim__horizon_days": 90, "sim__warmup_days": 10, "customers__count": 400, "seed": 7,
          "org__pilot__start_day": 20, "org__pilot__duration_days": 40}


def digest(frame: pd.DataFrame) -> str:
    """An order- and value-exact fingerprint of a table (hex of the summed row hashes, plus the
    shape and columns, so a dropped column or row is caught too)."""
    h = int(pd.util.hash_pandas_object(frame, index=False).sum()) if len(frame) else 0
    return f"{frame.shape[0]}x{frame.shape[1]}:{','.join(map(str, frame.columns))}:{h:016x}"


def fingerprint(design: str) -> dict:
    _, summary, tables = simulate(make_small_cfg(design, **CONFIG))
    kpis = {}
    for key, value in sorted(summary.items()):
        if key in VOLATILE:
            continue
        if isinstance(value, float) and math.isnan(value):
            value = "nan"
        kpis[key] = value
    return {"summary": kpis,
            "tables": {name: digest(t) for name, t in sorted(tables.items())}}


@pytest.fixture(scope="module")
def baseline() -> dict:
    if UPDATE:
        data = {d: fingerprint(d) for d in DESIGNS}
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    if not BASELINE.exists():
        pytest.fail(f"{BASELINE} is missing: create it with TIERSIM_UPDATE_BASELINE=1")
    return json.loads(BASELINE.read_text())


@pytest.mark.parametrize("design", DESIGNS)
def test_outputs_match_the_regression_baseline(baseline, design):
    want = baseline[design]
    got = json.loads(json.dumps(fingerprint(design)))  # the JSON round trip the file went through
    moved = {k: (want["summary"].get(k), v) for k, v in got["summary"].items()
             if want["summary"].get(k) != v}
    missing = sorted(set(want["summary"]) - set(got["summary"]))
    assert not moved and not missing, (
        f"{design}: summary KPIs moved (baseline, now): {moved}; keys gone: {missing}. "
        "If the change of behaviour is intended, see this module's docstring.")
    tables = {k: (want["tables"].get(k), v) for k, v in got["tables"].items()
              if want["tables"].get(k) != v}
    assert not tables and set(want["tables"]) == set(got["tables"]), (
        f"{design}: output tables changed (baseline, now): {tables}")
