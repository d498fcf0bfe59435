"""Every experiment of conf/experiment/ runs end to end as a sweep in a smoke size, and the
report reads it: the regime map, the pilot, the talent drain and the escalation tax."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from experiments.cli import CONF_DIR, register, to_config
from experiments.report import report

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ["sim.horizon_days=16", "sim.warmup_days=3", "org.sizing_days=7",
         "customers.count=200", "sim.progress=false", "hydra.launcher.n_jobs=2"]
EXPERIMENTS = {  # name -> (extra overrides, runs)
    "talent_drain": (["seed=range(1)"], 2),
    "pilot_quarter": (["seed=range(2)", "org.pilot.start_day=5", "org.pilot.duration_days=6"], 2),
    # smaller than the real grids: a command-line value replaces that key's sweep list
    "escalation_tax": (["seed=range(1)", "org.handoff.rebuild_minutes=8.0"], 2 * 3),
    "regime_map": (["seed=range(1)", "customers.problem_correlation=0.0",
                    "workforce.salary.l1=36500.0"], 2 * 2 * 2),
}


def load(overrides: list[str]):
    register()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return to_config(compose("config", overrides=overrides))


def sweep(name: str, out: Path, extra: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "experiments.run", "-m", f"experiment={name}", *SMOKE, *extra,
         f"hydra.sweep.dir={out}"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_runs_as_a_sweep(name, tmp_path):
    extra, n = EXPERIMENTS[name]
    out = tmp_path / name
    res = sweep(name, out, extra)
    assert res.returncode == 0, res.stderr[-3000:]
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == n and (runs["status"] == "ok").all()
    one = json.loads(next(out.glob("*/summary.json")).read_text())
    assert one["initial_headcount_l1"] + one["initial_headcount_generalist"] > 0  # sized
    assert (out / next(out.glob("*/")).name / "config.yaml").exists()
    if name == "regime_map":
        assert set(runs["product"]) == {"simple", "complex"}
        assert set(runs["org"]) == {"tiered", "generalist"}
    if name == "pilot_quarter":
        assert "pilot_treated_cost_per_outcome" in one
    if name in ("regime_map", "pilot_quarter"):
        path, produced = report(out, log=lambda m: None)
        made = {p.spec.name for p in produced if p.number}
        want = {"regime_map", "regime_map_loyalty", "regime_map_resolution"} \
            if name == "regime_map" else {"pilot"}
        assert want <= made, [(p.spec.name, p.skipped) for p in produced]
        text = path.read_text()
        if name == "pilot_quarter":
            assert "## The pilot: treated vs matched control" in text
            tab = pd.read_csv(out / "report_pilot.csv")
            assert {"named_request_share", "cost_per_outcome", "stalled_share"} <= set(tab["key"])


def test_regime_bundles_set_all_four_conditions():
    telco, saas = load(["regime=telco_1990"]), load(["regime=saas_2026"])
    assert telco.product.domains < saas.product.domains
    assert telco.product.scriptable_share > saas.product.scriptable_share
    assert telco.product.complexity_mean < saas.product.complexity_mean
    assert telco.customers.problem_correlation == 0 < saas.customers.problem_correlation
    assert telco.workforce.salary.l1 / telco.workforce.salary.l2 < \
        saas.workforce.salary.l1 / saas.workforce.salary.l2
    assert telco.customers.relationship_weight == 0 < saas.customers.relationship_weight
    assert telco.org.staffing == saas.org.staffing == "sized"
    # a regime changes inputs only: the design's rules come from org=
    assert load(["regime=telco_1990", "org=generalist"]).org.design == "generalist"


def test_make_run_compare_leads_with_the_headline(tmp_path, capsys):
    """``make run`` (experiments.compare) in a smoke size: the comparison leads with the outcome
    accounting, keeps the old cost per outcome as a labelled secondary row, shows utilisation
    by role and year, and prints no number in scientific notation."""
    from experiments import compare

    out = tmp_path / "compare"
    assert compare.main(["--seeds", "2", "--jobs", "2", "--out", str(out), "--resamples", "500",
                         "sim.horizon_days=40", "sim.warmup_days=5", "org.sizing_days=7",
                         "customers.count=200"]) == 0
    printed = capsys.readouterr().out
    tab = pd.read_csv(out / "comparison.csv")
    assert tab["kpi"].tolist()[:6] == [
        "total_cost_per_customer_year", "support_cost_per_customer_year",
        "lost_revenue_per_customer_year", "net_contribution_per_customer_year",
        "support_cost_per_problem", "mean_wait_h"]
    assert tab["kpi"].tolist()[-1] == "cost_per_outcome"
    md = (out / "comparison.md").read_text()
    for text in (md, printed):
        table = text[text.index("total cost (headline)"):]  # the verdict may come first
        assert table.index("support cost per problem") < table.index("wait for first touch") \
            < table.index("\nold cost per outcome")
        assert "$/cust-yr" in text and "$/problem" in text and "$/ticket" in text
        assert "e+0" not in text and "e-0" not in text
    assert "## Utilisation by role" in md and "utilisation by role" in printed
    util = pd.read_csv(out / "utilisation.csv")
    assert {"l1", "l2", "generalist"} <= set(util["role"])
    assert {"window", "year 1"} <= set(util["period"])
    assert util.loc[util["role"] == "l1", "generalist"].isna().all()
