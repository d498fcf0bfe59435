"""The sensitivity analysis (experiments/sensitivity.py) and design files
(experiments/designfile.py).

The analysis code path is checked on the Ishigami function, whose Sobol' indices are known
(Ishigami & Homma 1990; a = 7, b = 0.1 on [-pi, pi]^3: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442,
0.244); the switching values on curves whose roots are known; the sweep path end to end on a
tiny design of real model runs.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from experiments import sensitivity as sa
from experiments.designfile import apply_design_row, read_row, write_design
from model.config import Config, ConfigError, RangedParameter, ranged_parameters

ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)
TOY = (("y", "toy", "u", True),)


def _ishigami(v: dict, seed: int) -> dict:
    x1, x2, x3 = v["x1"], v["x2"], v["x3"]
    return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3 ** 4 * math.sin(x1) - 3.5}


def _toy_params() -> list[RangedParameter]:
    return [RangedParameter(f"x{i}", 0.0, -math.pi, math.pi, False, "toy", "[A]")
            for i in (1, 2, 3)]


@pytest.fixture(scope="module")
def ishigami():
    ev = sa.FunctionEvaluator(_ishigami, {"x1": 0.0, "x2": 0.0, "x3": 0.0})
    plan = sa.Plan(trajectories=20, top=3, sobol_n=1024, oat=3, oat_levels=9, seeds=1,
                   oat_seeds=1)
    return sa.analyse(_toy_params(), ev, plan, outputs=TOY), ev


def test_sobol_indices_of_the_ishigami_function(ishigami):
    """Exact ground truth through the same code path the model runs take: S1 and ST within 0.08
    of the analytic values at 1024 x 5 points (SALib's bootstrap intervals are about +-0.07)."""
    result, _ = ishigami
    s = result.sobol.set_index("parameter")
    for i, (s1, st) in enumerate(zip(ISHIGAMI_S1, ISHIGAMI_ST, strict=True), 1):
        assert s.loc[f"x{i}", "S1"] == pytest.approx(s1, abs=0.08)
        assert s.loc[f"x{i}", "ST"] == pytest.approx(st, abs=0.08)


def test_morris_ranks_the_ishigami_parameters_and_the_plan_counts_the_calls(ishigami):
    """x3 acts only through its interaction with x1: the smallest mu*, and a sigma above its
    mu (non-additive); every stage evaluated exactly the points the plan says."""
    result, ev = ishigami
    assert sa.ranking(result.morris, "y")[-1] == "x3"
    m = result.morris.set_index("parameter")
    assert m.loc["x3", "sigma"] > abs(m.loc["x3", "mu"])
    assert ev.calls == 20 * 4 + 1024 * 5 + (3 * 9 + 1) == result.evaluations
    assert result.plan.runs(_toy_params()) == 2 * ev.calls


def test_the_switching_value_of_the_ishigami_x2_curve(ishigami):
    """Along x2 (x1 = x3 = 0), y = 7 sin^2(x2) - 3.5 crosses zero at +-pi/4 and +-3 pi/4: the
    first crossing of the 9-point grid is -3 pi/4 exactly (grid points are -pi, -3 pi/4, ...),
    and there are four."""
    result, _ = ishigami
    sw = {s.parameter: s for s in result.switches["y"]}
    assert sw["x2"].value == pytest.approx(-3 * math.pi / 4)
    assert sw["x2"].crossings == 4
    assert sw["x3"].value is None and sw["x3"].crossings == 0  # sin(0) = 0: flat at -3.5
    assert sw["x3"].winner_low == sw["x3"].winner_high == "generalist"


def test_group_screening_then_the_parameters_of_the_top_sections(tmp_path):
    """The quick design's screening: the sections first (here ``a`` = {x1, x3} and ``b`` = {x2}
    of the Ishigami function), then one by one the parameters of the top section(s) until there
    are two; the detail stage finds x3 acting only with x1; the plan's run count is exact when
    the largest sections rank first, an upper bound otherwise."""
    params = [RangedParameter(k, 0.0, -math.pi, math.pi, False, "toy", "[A]")
              for k in ("a.x1", "b.x2", "a.x3")]

    def fn(v, seed):
        return _ishigami({"x1": v["a.x1"], "x2": v["b.x2"], "x3": v["a.x3"]}, seed)

    ev = sa.FunctionEvaluator(fn, {p.key: 0.0 for p in params})
    plan = sa.Plan(trajectories=10, top=2, sobol_n=64, oat=2, oat_levels=3, oat_seeds=1,
                   groups=True, detail_groups=1, detail_trajectories=10)
    result = sa.analyse(params, ev, plan, outputs=TOY)
    m = result.morris
    assert set(m.loc[m["level"] == "group", "parameter"]) == {"a", "b"}
    detail = set(m.loc[m["level"] == "parameter", "parameter"])
    assert detail == {"a.x1", "a.x3"}  # section a (2 parameters) ranks first: mu* 10.2 vs 7.9
    assert sa.ranking(m, "y") == ["a.x1", "a.x3"]
    assert ev.calls == 10 * 3 + 10 * 3 + 64 * 4 + (2 * 3 + 1) == result.evaluations
    assert result.plan.runs(params) == 2 * ev.calls
    assert sa.group_of("customers.segments.1.mrr") == "customers.segments.1"
    text = sa.write_report(result, tmp_path, "toy", outputs=TOY).read_text()
    assert "First the 2 config sections as groups" in text and "| 1 | `a` | 2 |" in text
    assert "Then the 2 parameters of the most influential sections" in text


def test_switching_values_on_a_line_with_noise():
    """gap = 100 (x - 0.3) + noise on 4 seeds: the mean crosses at 0.3 (the noise sums to zero
    per grid value), the t-band's crossings bracket it; a line that never crosses gives none."""
    noise = np.array([-3.0, -1.0, 1.0, 3.0])
    rows = [{"parameter": "p", "value": x, "seed": s, "g": 100 * (x - 0.3) + noise[s]}
            for x in np.linspace(0, 1, 5) for s in range(4)]
    rows += [{"parameter": "q", "value": x, "seed": s, "g": 5.0 + x + noise[s]}
             for x in np.linspace(0, 1, 3) for s in range(4)]
    sw = {s.parameter: s for s in sa.switching_values(pd.DataFrame(rows), "g", True)}
    assert sw["p"].value == pytest.approx(0.3)
    assert sw["p"].low < 0.3 < sw["p"].high
    assert sw["p"].winner_low == "generalist" and sw["p"].winner_high == "tiered"
    # t(0.975, 3) x sd/2 = 3.182 x 2.582 / 2: the band is +-4.108, so it crosses +-0.0411 away
    assert sw["p"].high - 0.3 == pytest.approx(3.18245 * np.std(noise, ddof=1) / 2 / 100,
                                               rel=1e-4)
    assert sw["q"].value is None and sw["q"].low is None and sw["q"].winner_low == "tiered"
    # higher is better (retained revenue): the same curve names the other design
    assert sa.switching_values(pd.DataFrame(rows), "g", False)[0].winner_low == "tiered"


def test_the_report_and_the_tornado_figure(ishigami, tmp_path):
    result, _ = ishigami
    path = sa.write_report(result, tmp_path, "toy setting", outputs=TOY)
    text = path.read_text()
    for needle in ("## Which beliefs matter", "## How much of the variance", "## Switching values",
                   "## Where each design is ahead", "`x2`", "-2.356 (and 3 more)", "toy setting"):
        assert needle in text, needle
    assert "Quick design" not in text
    for ext in ("pdf", "svg", "png"):
        assert (tmp_path / f"tornado.{ext}").stat().st_size > 1000
    for name in ("morris", "sobol", "oat", "switching"):
        assert not pd.read_csv(tmp_path / f"{name}.csv").empty


def test_the_sobol_base_rows_are_a_uniform_sample():
    """The rows taken as the base sample (every (k + 2)-th) are SALib's matrix A: over many
    points each coordinate's mean is the middle of its range."""
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [10, 30]]}
    X = sobol_sample.sample(problem, 256, calc_second_order=False, seed=1)
    A = X[sa.base_points(X, 2, 256)]
    assert A.shape == (256, 2)
    assert A[:, 0].mean() == pytest.approx(0.5, abs=0.02)
    assert A[:, 1].mean() == pytest.approx(20.0, abs=0.4)
    assert len(np.unique(A[:, 0])) == 256


# ---- design files ---------------------------------------------------------------------------------
def test_a_design_row_sets_its_keys_and_leaves_empty_cells_alone(tmp_path):
    path = tmp_path / "design.csv"
    write_design(path, ["feedback.workflow_p", "org.l1.headcount"],
                 [[0.07, None], [None, 12.6]], integer={"org.l1.headcount": True})
    assert read_row(path, 0) == {"feedback.workflow_p": "0.07"}
    cfg = Config()
    cfg.sensitivity.design, cfg.sensitivity.sample = str(path), 1
    before = cfg.feedback.workflow_p
    apply_design_row(cfg)
    assert cfg.org.l1.headcount == 13 and isinstance(cfg.org.l1.headcount, int)
    assert cfg.feedback.workflow_p == before
    cfg.sensitivity.sample = 0
    assert apply_design_row(cfg).feedback.workflow_p == 0.07


@pytest.mark.parametrize("content, sample, message", [
    (None, 0, "no such file"),
    ("key,feedback.workflow_p\n0,0.1\n", 0, "not a design file"),
    ("sample,feedback.workflow_p\n0,0.1\n", 3, "no such row"),
    ("sample,feedback.workflow_p\n0,abc\n", 0, "not a number"),
    ("sample,feedback.no_such_key\n0,0.1\n", 0, "no_such_key"),
])
def test_bad_design_files_are_config_errors(tmp_path, content, sample, message):
    path = tmp_path / "design.csv"
    if content is not None:
        path.write_text(content)
    cfg = Config()
    cfg.sensitivity.design, cfg.sensitivity.sample = str(path), sample
    with pytest.raises(ConfigError, match=message):
        apply_design_row(cfg)


def test_a_sample_without_a_design_file_is_a_config_error():
    cfg = Config()
    cfg.sensitivity.sample = 0
    with pytest.raises(ConfigError, match="needs sensitivity.design"):
        apply_design_row(cfg)
    assert apply_design_row(Config()) == Config()  # sample -1: nothing happens


# ---- the command line -------------------------------------------------------------------------------
def _cli(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.sensitivity", *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("args, message", [
    (("--sobol-n", "6"), "power of 2"),
    (("--oat-levels", "1"), "at least 2 values"),
    (("--trajectories", "0"), "must be at least 1"),
    (("--params", "feedback.workflow_q"), "did you mean feedback.workflow_p"),
    (("--params", "feedback.workflow_p"), "at least two parameters"),
])
def test_bad_options_are_one_line_and_exit_2(args, message):
    r = _cli(*args, "--dry-run")
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_the_quick_plan_is_labelled_and_sized():
    """``--quick --dry-run`` prints the plan: every ranged parameter, the run count, the label."""
    r = _cli("--quick", "--dry-run")
    assert r.returncode == 0, r.stderr
    params = ranged_parameters()
    assert (f"{len(params)} parameters, at most {sa.QUICK.runs(params):,} runs of 240 days "
            "(quick design)") in r.stderr


def test_a_tiny_analysis_of_real_runs_end_to_end(tmp_path):
    """The sweep path: three stages as ``tiersim -m`` sweeps over design files (2 parameters,
    the smallest plan, a small org, 75-day runs), the report written; a rerun resumes (every
    run skipped, the same report)."""
    keys = [p.key for p in ranged_parameters()][:2]
    args = ("--params", ",".join(keys), "--trajectories", "1", "--top", "2", "--sobol-n", "1",
            "--oat", "2", "--oat-levels", "2", "--oat-seeds", "2", "--horizon-days", "75",
            "--out", str(tmp_path), "customers.count=150", "demand.tickets_per_day=12",
            "hydra.launcher.n_jobs=2")
    r = _cli(*args, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    report = (tmp_path / "sensitivity.md").read_text()
    assert all(f"`{k}`" in report for k in keys)
    oat = pd.read_csv(tmp_path / "oat.csv")
    assert len(oat) == (2 * 2 + 1) * 2  # (parameters x levels + defaults) x seeds
    design = pd.read_csv(tmp_path / "oat" / "design.csv")
    assert design.shape == (5, 3)
    # the runs took their rows: the config each wrote holds the design's value
    runs = pd.read_parquet(tmp_path / "oat" / "runs.parquet")
    assert (runs["status"] == "ok").all() and len(runs) == 5 * 2 * 2
    again = _cli(*args, timeout=900)
    assert again.returncode == 0
    assert (tmp_path / "sensitivity.md").read_text().split("min.")[1] == report.split("min.")[1]
