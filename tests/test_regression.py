"""Regression baseline: the same config and seed give exactly the stored outputs.

Four short runs with every default mechanism on (tiered, generalist, pilot, and the generalist
design staffed to the target occupancy, where pods back each other up; 90 days, 400 customers,
seed 7) are reduced to their summary KPIs and a digest of each output table, and
compared with ``tests/baseline/regression.json``: KPIs and tables column by column, floats to
``FLOAT_DIGITS`` significant digits (see there), everything else exactly. The environment is locked
(``uv.lock``), so any difference is a change of model behaviour: either a bug, or an intended
change of a mechanism -- then record it in CHANGELOG.md with **[output]** and rewrite the baseline
on purpose with

    TIERSIM_UPDATE_BASELINE=1 .venv/bin/python -m pytest tests/test_regression.py

and commit the new JSON with the change (its diff shows which KPIs moved). A change of the tiered
design's output also changes the synthetic helpdesk exports made from a tiered run: remake them
with ``python -m experiments.tools.synth_exports`` (tests/test_importer.py checks they match).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_small_cfg

from experiments.calibrate import FITTED
from model.simulate import simulate

BASELINE = Path(__file__).resolve().parent / "baseline" / "regression.json"
UPDATE = os.environ.get("TIERSIM_UPDATE_BASELINE") == "1"
DESIGNS = ("tiered", "generalist", "pilot", "generalist_sized", "tiered_fitted")
#: the cases that are not a design's defaults: case -> (design, extra overrides); the tiered
#: design at the V3 fit (teams by product area, mis-routes, assignment lags: not yet the
#: defaults) pins those mechanisms
CASES = {"generalist_sized": ("generalist", {"org__staffing": "sized"}),
         "tiered_fitted": ("tiered", {k.replace(".", "__"): v for k, v in FITTED.items()})}
#: summary keys that describe the run, not the model's behaviour
VOLATILE = {"wall_seconds", "version", "config_hash"}
CONFIG = {"sim__horizon_days": 90, "sim__warmup_days": 10, "customers__count": 400, "seed": 7,
          "org__pilot__start_day": 20, "org__pilot__duration_days": 40}


#: significant digits of the floats in a table digest. numpy picks its exp/log kernels by the
#: CPU's vector extensions, so machines differ in the last bit of some floats (seen between an
#: AVX-512 machine and an AVX2 one: every summary KPI equal, table digests not); 10 digits is far
#: above that noise and far below any change of behaviour.
FLOAT_DIGITS = 10


def _column(col: pd.Series) -> str:
    """An order- and value-exact hash of one column (floats to ``FLOAT_DIGITS`` digits)."""
    if col.dtype.kind == "f" or str(col.dtype) == "Float64":
        col = col.astype("float64").map(lambda v: format(v, f".{FLOAT_DIGITS}g"))
    return f"{int(pd.util.hash_pandas_object(col, index=False).sum()) & (2**64 - 1):016x}"


def _same(a, b) -> bool:
    """Equal, floats to a relative 1e-``FLOAT_DIGITS`` (the last-bit noise between machines)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=10.0 ** -FLOAT_DIGITS, abs_tol=1e-300)
    return a == b


def digest(frame: pd.DataFrame) -> dict:
    """A fingerprint of a table: its shape and one hash per column, in column order (so a
    dropped or renamed column, a dropped row or a changed value is caught, and named)."""
    return {"shape": f"{frame.shape[0]}x{frame.shape[1]}",
            "columns": {str(c): _column(frame[c]) for c in frame.columns}}


def fingerprint(case: str) -> dict:
    design, extra = CASES.get(case, (case, {}))
    _, summary, tables = simulate(make_small_cfg(design, **CONFIG, **extra))
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
        BASELINE.write_text(json.dumps(data, indent=1) + "\n")
    if not BASELINE.exists():
        pytest.fail(f"{BASELINE} is missing: create it with TIERSIM_UPDATE_BASELINE=1")
    return json.loads(BASELINE.read_text())


@pytest.mark.parametrize("design", DESIGNS)
def test_outputs_match_the_regression_baseline(baseline, design):
    _compare(baseline[design], fingerprint(design), design)


def _compare(want: dict, got: dict, design: str) -> None:
    got = json.loads(json.dumps(got))  # the JSON round trip the file went through
    moved = {k: (want["summary"].get(k), v) for k, v in got["summary"].items()
             if not _same(want["summary"].get(k), v)}
    missing = sorted(set(want["summary"]) - set(got["summary"]))
    assert not moved and not missing, (
        f"{design}: summary KPIs moved (baseline, now): {moved}; keys gone: {missing}. "
        "If the change of behaviour is intended, see this module's docstring.")
    assert set(want["tables"]) == set(got["tables"]), (
        f"{design}: tables written (baseline, now): {sorted(want['tables'])}, "
        f"{sorted(got['tables'])}")
    changed = {}
    for name, now in got["tables"].items():
        was = want["tables"][name]
        cols = [c for c in {**was["columns"], **now["columns"]}
                if was["columns"].get(c) != now["columns"].get(c)]
        if was["shape"] != now["shape"] or cols or list(was["columns"]) != list(now["columns"]):
            changed[name] = {"shape": (was["shape"], now["shape"]), "columns changed": cols}
    assert not changed, f"{design}: output tables changed: {changed}"
