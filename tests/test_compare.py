"""``make run`` (experiments.compare): its options are checked before any run, its numbers are
fixed-point, its table is means with the mean paired difference, and its verdict in words says
what the table says (the sign, the winner, whether the interval excludes zero)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from experiments import compare
from experiments.compare import (
    HIGHER_IS_BETTER,
    KPIS,
    ONE_SEED,
    VERDICT_KPIS,
    interval_text,
    num,
    paired_table,
    verdict_lines,
    warning_lines,
)

SMOKE = ["sim.horizon_days=40", "sim.warmup_days=5", "org.sizing_days=7", "customers.count=200"]


# ---- options -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("argv", "names"), [
    (["--seeds", "0"], ["--seeds 0"]),
    (["--seeds", "-2"], ["--seeds -2"]),
    (["--jobs", "0"], ["--jobs 0"]),
    (["--jobs", "-3"], ["--jobs -3"]),
    (["--precision", "0"], ["--precision 0.0"]),
    (["--precision", "-0.1"], ["--precision -0.1"]),
    (["--precision", "1.5"], ["--precision 1.5"]),
    (["--precision", "nan"], ["--precision nan"]),
    (["--resamples", "0"], ["--resamples 0"]),
    (["--seeds", "0", "--jobs", "0"], ["--seeds 0", "--jobs 0"]),
])
def test_a_bad_option_is_one_line_and_exit_2_before_any_run(argv, names, capsys, tmp_path):
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exc:
        compare.main([*argv, "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("tiersim: compare: ")
    assert all(n in err for n in names), err
    assert "Traceback" not in err and not out.exists()  # nothing was run or written


def test_out_must_be_a_directory(tmp_path, capsys):
    afile = tmp_path / "a_file"
    afile.write_text("x")
    with pytest.raises(SystemExit) as exc:
        compare.main(["--out", str(afile)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip() == \
        f"tiersim: compare: --out {afile}: exists and is not a directory"
    blocked = afile / "below"  # a directory under a file cannot be created
    with pytest.raises(SystemExit) as exc:
        compare.main(["--out", str(blocked), *SMOKE])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"tiersim: compare: --out {blocked}: cannot create it")


def test_out_that_cannot_be_created_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    from pathlib import Path

    def refuse(self, *a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(SystemExit) as exc:
        compare.main(["--out", str(tmp_path / "locked"), "--seeds", "1", *SMOKE])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == f"tiersim: compare: --out {tmp_path / 'locked'}: cannot create it " \
                  "(Permission denied)"


def test_an_unknown_interval_method_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        compare.main(["--interval", "percentile"])
    assert exc.value.code == 2
    assert "--interval" in capsys.readouterr().err


# ---- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "sign", "text"), [
    (79520.4, False, "79,520"),
    (-1810.2, True, "-1,810"),
    (9.916, False, "9.92"),
    (42.25, True, "+42.2"),
    (0.2671, False, "0.267"),
    (6.274e-06, True, "+0.00000627"),
    (-0.0004, True, "-0.000400"),
    (0.0, True, "+0.000"),
    (float("nan"), False, "-"),
])
def test_numbers_are_fixed_point(value, sign, text):
    assert num(value, sign) == text


def test_no_magnitude_gives_scientific_notation():
    for e in range(-12, 10):
        for v in (1.234 * 10.0 ** e, -9.87 * 10.0 ** e):
            s = num(v, True)
            assert "e" not in s.lower(), (v, s)
            assert float(s.replace(",", "")) == pytest.approx(v, rel=0.06, abs=0.5e-3 if
                                                              abs(v) >= 1e-3 else 0)


# ---- the table and the verdict -------------------------------------------------------------------
def fake_runs(diffs: dict[str, list[float]], base: float = 100.0) -> pd.DataFrame:
    """Two designs on len(diffs[...]) seeds: tiered = base + seed, generalist = tiered + diff."""
    n = len(next(iter(diffs.values())))
    rows = []
    for seed in range(n):
        t = {k: base + seed for k in diffs}
        rows.append({"design": "tiered", "seed": seed, **t})
        rows.append({"design": "generalist", "seed": seed,
                     **{k: t[k] + diffs[k][seed] for k in diffs}})
    return pd.DataFrame(rows)


def check_verdict(tab: pd.DataFrame, verdict: list[str], runs: pd.DataFrame | None = None) -> None:
    """The verdict says what the table says: one line per verdict KPI, the table's signed
    difference and interval verbatim, 'excludes zero' exactly when the interval does, and the
    design named ahead is the one the difference's sign favours."""
    rows = {r.kpi: r for r in tab.itertuples()}
    keys = [k for k in VERDICT_KPIS if k in rows]
    assert len(verdict) == len(keys)
    labels = {k: lab.replace(" (headline)", "") for k, lab, _ in KPIS}
    for k, line in zip(keys, verdict, strict=True):
        r = rows[k]
        assert line.startswith(f"- {labels[k]}:"), line
        assert f"generalist - tiered {num(r.diff_mean, True)}" in line, line
        # the stated sign is the table's sign
        assert num(r.diff_mean, True)[0] == ("+" if r.diff_mean >= 0 else "-")
        lower = r.diff_mean < 0
        better = "generalist" if lower != (k in HIGHER_IS_BETTER) else "tiered"
        if r.seeds < 2:
            assert ONE_SEED in line and "nan" not in line.lower()
            assert ("lower" if lower else "higher") in line
            continue
        assert interval_text(r) in line
        excludes = r.ci95_low > 0 or r.ci95_high < 0
        assert ("excludes zero" in line) == excludes, line
        assert ("includes zero" in line) == (not excludes), line
        assert f"{better} ahead" in line, line
        other = "tiered" if better == "generalist" else "generalist"
        assert f"{other} ahead" not in line
    if runs is not None:  # design columns are means, the difference the mean paired difference
        wide = runs.pivot(index="seed", columns="design")
        for k in keys:
            t, g = wide[k]["tiered"].astype(float), wide[k]["generalist"].astype(float)
            assert rows[k].tiered == pytest.approx(t.mean())
            assert rows[k].generalist == pytest.approx(g.mean())
            assert rows[k].diff_mean == pytest.approx((g - t).mean())


def test_verdict_names_the_winner_only_when_the_interval_excludes_zero():
    runs = fake_runs({
        "total_cost_per_customer_year": [-10.0, -12.0, -11.0, -9.0],  # generalist clearly lower
        "support_cost_per_customer_year": [5.0, -6.0, 4.0, -2.0],  # mixed: no winner
        "net_contribution_per_customer_year": [-3.0, -4.0, -2.0, -3.0],  # higher is better
        "median_resolution_h": [2.0, 1.0, 3.0, 2.0],  # tiered clearly faster
    })
    tab = paired_table(runs)
    verdict = verdict_lines(tab)
    check_verdict(tab, verdict, runs)
    by = dict(zip([k for k in VERDICT_KPIS if k in set(tab["kpi"])], verdict, strict=True))
    assert "**generalist ahead**" in by["total_cost_per_customer_year"]  # -10.5 of 101.5
    assert "-10.3 % of tiered's 102" in by["total_cost_per_customer_year"]
    assert "no clear winner" in by["support_cost_per_customer_year"]
    assert "**tiered ahead**" in by["net_contribution_per_customer_year"]
    assert "**tiered ahead**" in by["median_resolution_h"]
    # t-interval of {-10, -12, -11, -9}: -10.5 ± 3.182446 · 1.290994 / 2
    r = tab.set_index("kpi").loc["total_cost_per_customer_year"]
    assert (r.ci95_low, r.ci95_high) == pytest.approx((-10.5 - 2.054260, -10.5 + 2.054260),
                                                      abs=1e-5)
    assert r.interval == "t"


def test_one_seed_gives_no_interval_and_no_nan():
    runs = fake_runs({"total_cost_per_customer_year": [-10.0],
                      "median_resolution_h": [3.0]})
    tab = paired_table(runs)
    assert (tab["interval"] == ONE_SEED).all() and tab["ci95_low"].isna().all()
    verdict = verdict_lines(tab)
    check_verdict(tab, verdict)
    text = compare.format_table(tab)
    assert ONE_SEED in text and "nan" not in text.lower()
    warn = warning_lines(tab, 1, 0.05, "t")
    assert len(warn) == 1 and warn[0].startswith("warning: 1 seed")


def test_too_few_seeds_for_the_precision_is_one_warning_line():
    runs = fake_runs({"total_cost_per_customer_year": [-10.0, -30.0, 5.0],
                      "median_resolution_h": [0.0, 0.0, 0.0]})
    tab = paired_table(runs, precision=0.05)
    need = tab.set_index("kpi")["seeds_needed"]
    assert need["total_cost_per_customer_year"] > 3 and need["median_resolution_h"] == 2
    warn = warning_lines(tab, 3, 0.05, "t")
    assert len(warn) == 1
    assert warn[0].startswith("warning: 3 seeds run;") and "1 of 2 KPIs" in warn[0]
    assert f"{need['total_cost_per_customer_year']:,.0f} seeds" in warn[0]
    assert warning_lines(paired_table(runs, precision=1.0), 3, 1.0, "t") == []
    boot = warning_lines(paired_table(runs, precision=1.0, method="bootstrap",
                                      n_resamples=500), 3, 1.0, "bootstrap")
    assert len(boot) == 1 and "too narrow" in boot[0]


def _parse_table(text: str) -> dict[str, str]:
    """label -> the difference cell, from the printed table."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(.{28})\s*\S+\s+\S+\s+\S+\s{3}(\S+ (?:\[[^]]+\]|n/a \(1 seed\)))", line)
        if m:
            out[m.group(1).strip()] = m.group(2)
    return out


# ---- end to end (smoke size) ---------------------------------------------------------------------
def test_make_run_ends_with_a_verdict_consistent_with_its_table(tmp_path, capsys):
    out = tmp_path / "compare"
    assert compare.main(["--seeds", "3", "--jobs", "2", "--out", str(out), *SMOKE]) == 0
    printed = capsys.readouterr().out
    tab = pd.read_csv(out / "comparison.csv")
    runs = pd.read_parquet(out / "runs.parquet")
    md = (out / "comparison.md").read_text()
    for text in (printed, md):
        verdict = [ln.replace("**", "") for ln in text.splitlines() if ln.startswith("- ")]
        check_verdict(tab, verdict, runs)
        cells = _parse_table(text)
        for r in tab.itertuples():  # the table prints the same numbers the verdict quotes
            assert cells[r.label] == f"{num(r.diff_mean, True)} {interval_text(r)}"
        assert "horizon 40 days: a 5-day warm-up, then 35 days measured" in text
        assert "org.staffing=sized" in text and "3 paired seeds (seeds 0-2)" in text
        assert "Headcount, tiered" in text and "Headcount, generalist" in text
        assert "docs/results.md" in text and "experiment=regime_map" in text
        assert "e+0" not in text and "e-0" not in text and "nan" not in text.lower()
    # stdout ends with the verdict and the setting, after the table
    assert printed.index("total cost (headline)") < printed.index("verdict (generalist vs tiered")
    assert printed.rstrip().splitlines()[-1].startswith("Read on: docs/results.md")
    # the start headcount is the runs' initial headcount, as the verdict says
    start = runs[runs["design"] == "tiered"].filter(like="initial_headcount_").sum(axis=1).mean()
    line = next(ln for ln in printed.splitlines() if ln.startswith("Headcount, tiered"))
    assert line.split(": ", 1)[1].startswith(f"{start:.0f} (" if start == round(start)
                                             else f"{start:.1f} (")
    seeds_needed = tab["seeds_needed"]
    if (seeds_needed > 3).any():
        assert any(ln.startswith("warning: 3 seeds run;") for ln in printed.splitlines())


def test_one_seed_run_says_na_not_nan(tmp_path, capsys):
    out = tmp_path / "one"
    assert compare.main(["--seeds", "1", "--jobs", "1", "--out", str(out), *SMOKE]) == 0
    printed = capsys.readouterr().out
    assert "nan" not in printed.lower() and ONE_SEED in printed
    assert "warning: 1 seed: no interval" in printed
    tab = pd.read_csv(out / "comparison.csv")
    assert (tab["interval"] == ONE_SEED).all()
    assert np.isnan(tab["ci95_low"]).all() and not math.isnan(tab["diff_mean"].iloc[0])


def test_make_run_passes_args_through(repo_root):
    """``make run ARGS="..."`` hands the options and overrides to experiments.compare (a dry
    run: make prints the command without running it)."""
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    args = "--seeds 10 org.handoff.context_loss_p=0.6"
    make = ["make", "--no-print-directory", "-n", "run"]  # also when run from make itself
    res = subprocess.run([*make, f"ARGS={args}"], cwd=repo_root, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    assert f"-m experiments.compare {args}" in res.stdout
    plain = subprocess.run(make, cwd=repo_root, capture_output=True, text=True, timeout=60)
    assert plain.stdout.rstrip().splitlines()[-1].rstrip().endswith("-m experiments.compare")
