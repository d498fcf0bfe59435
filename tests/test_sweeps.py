"""Sweeps (docs/design.md sections 7 and 9, issue 7): launchers, resume, failures, the table of runs.

End to end through the ``tiersim`` console script (helpers from ``test_cli``) with tiny runs, the
sweep directory redirected into the test's temporary area. The sweeps that do not depend on one
another start together, as in ``test_cli``. A run is made to fail with the test hook
``TIERSIM_TEST_FAIL_SEEDS`` of ``experiments/run.py``. Ray starts a private local instance,
which takes long enough to sit in the slow suite.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_cli import TIMEOUT, finish, ok, run, start

from experiments.callbacks import (
    collect_runs,
    find_run_dirs,
    format_summary,
    progress_line,
    write_table,
)

TINY = ["sim.horizon_days=15", "sim.warmup_days=2", "customers.count=80"]
TABLES = ("timeseries", "tickets", "staff", "customers")
LAUNCHERS = {  # name -> the overrides that pick it; the default (joblib) runs the failing sweep
    "basic": ["hydra/launcher=basic"],          # Hydra's in-process, one run after the other
    "submitit_local": ["hydra/launcher=submitit_local"],
}
SEEDS = ["seed=0,2"]
FAILING = ["seed=0,1,2"]  # seed 1 fails (TIERSIM_TEST_FAIL_SEEDS): 0 and 2 match SEEDS


def sweep_cmd(sweep_dir: Path, *extra: str) -> list[str]:
    return ["-m", *extra, *TINY, f"hydra.sweep.dir={sweep_dir}"]


def table(sweep_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(sweep_dir / "runs.parquet")
    csv = pd.read_csv(sweep_dir / "runs.csv")
    assert list(csv.columns) == list(df.columns) and len(csv) == len(df)
    return df


def by_seed(df: pd.DataFrame) -> dict[int, str]:
    return dict(zip(df["seed"], df["status"], strict=True))


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """name -> (CompletedProcess, sweep dir): seeds 0 and 2 on each launcher of LAUNCHERS, and
    ``failing``: seeds 0, 1, 2 on the default launcher with seed 1 failing."""
    base = tmp_path_factory.mktemp("sweeps")
    procs = {name: (start(sweep_cmd(base / name, *extra, *SEEDS), base / "cwd" / name), base / name)
             for name, extra in LAUNCHERS.items()}
    fail_dir = base / "failing"
    procs["failing"] = (start(sweep_cmd(fail_dir, *FAILING), base / "cwd" / "failing",
                              {"TIERSIM_TEST_FAIL_SEEDS": "1"}), fail_dir)
    return {name: (finish(p), d) for name, (p, d) in procs.items()}


def assert_same_run_outputs(dir_a: Path, dir_b: Path) -> None:
    """Every run of ``dir_a`` is in ``dir_b`` with byte-identical tables and the same KPIs."""
    runs_a = [p.relative_to(dir_a) for p in find_run_dirs(dir_a)]
    assert runs_a
    for rel in runs_a:
        for t in TABLES:
            a, b = (dir_a / rel / f"{t}.parquet").read_bytes(), (dir_b / rel / f"{t}.parquet").read_bytes()
            assert a == b, f"{rel}/{t}.parquet differs between {dir_a.name} and {dir_b.name}"
        sa, sb = (json.loads((d / rel / "summary.json").read_text()) for d in (dir_a, dir_b))
        sa.pop("wall_seconds"), sb.pop("wall_seconds")
        assert sa == sb


# ---- launchers ----------------------------------------------------------------------------------
def test_outputs_are_byte_identical_across_launchers(sweeps):
    for name in LAUNCHERS:
        ok(sweeps[name][0])
    basic = sweeps["basic"][1]
    for name in ("submitit_local", "failing"):  # failing: the default launcher (joblib)
        assert_same_run_outputs(basic, sweeps[name][1])
    assert (sweeps["submitit_local"][1] / ".submitit").is_dir()  # it really went through submitit


@pytest.mark.slow
def test_ray_launcher_on_a_local_instance(sweeps, tmp_path):
    pytest.importorskip("ray", reason="hydra-ray-launcher's ray is not installed (uv sync)")
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    sweep_dir = tmp_path / "ray"
    res = ok(run(sweep_cmd(sweep_dir, "hydra/launcher=ray_local", *SEEDS), tmp_path / "cwd"))
    assert "2/2 runs done" in res.stderr
    assert_same_run_outputs(sweeps["basic"][1], sweep_dir)
    assert set(table(sweep_dir)["status"]) == {"ok"}


def test_every_launcher_preset_composes(repo_root):
    from hydra import compose, initialize_config_dir

    from experiments.cli import CONF_DIR, register

    register()
    presets = {p.stem for p in (repo_root / "conf" / "hydra" / "launcher").glob("*.yaml")}
    assert presets >= {"local", "slurm", "submitit_local", "ray", "ray_local"}
    launchers = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # schema matching of the shadowing presets
        for name in [None, *sorted(presets)]:
            with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
                extra = [f"hydra/launcher={name}"] if name else []
                cfg = compose("config", overrides=extra, return_hydra_config=True)
            launchers[name] = cfg.hydra.launcher
    assert launchers[None] == launchers["local"], "the default is not the local preset"
    assert launchers["local"]._target_.endswith("JoblibLauncher") and launchers["local"].n_jobs == -1
    slurm = launchers["slurm"]
    assert slurm._target_.endswith("submitit_launcher.SlurmLauncher")
    assert {"partition", "timeout_min", "mem_gb", "cpus_per_task", "account"} <= set(slurm)
    assert launchers["submitit_local"]._target_.endswith("submitit_launcher.LocalLauncher")
    assert launchers["ray"]._target_.endswith("RayLauncher")
    assert launchers["ray"].ray.init.address == "auto"
    assert launchers["ray_local"].ray.init.address is None


# ---- the table and the summary ------------------------------------------------------------------
def test_sweep_ends_with_a_table_a_summary_and_progress(sweeps):
    res, sweep_dir = sweeps["basic"]
    ok(res)
    df = table(sweep_dir)
    assert len(df) == 2 and set(df["status"]) == {"ok"} and df["error"].isna().all()
    assert list(df.columns[:2]) == ["run", "status"]
    for col in ("seed", "sim.horizon_days", "customers.count"):  # the overrides, typed
        assert col in df and pd.api.types.is_integer_dtype(df[col]), col
    for row in df.itertuples():
        summary = json.loads((sweep_dir / row.run / "summary.json").read_text())
        for key, value in summary.items():
            cell = df.loc[row.Index, key]
            assert pd.isna(cell) if value is None else cell == value, key
    assert "2 runs: 2 ok, 0 failed, 0 missing" in res.stdout
    assert "2/2 runs done (2 new, 0 skipped, 0 failed)" in res.stderr
    assert not (sweep_dir / ".progress").exists()


# ---- failures and resuming ----------------------------------------------------------------------
def test_a_failing_run_is_recorded_and_a_rerun_redoes_only_what_is_missing(sweeps, tmp_path):
    res, sweep_dir = sweeps["failing"]
    assert res.returncode == 1, (res.stdout, res.stderr)
    df = table(sweep_dir)
    dirs = {row.seed: sweep_dir / row.run for row in df.itertuples()}
    assert set(dirs) == {0, 1, 2} and set(find_run_dirs(sweep_dir)) == set(dirs.values())
    err = (dirs[1] / "error.txt").read_text()
    assert "Traceback" in err and "injected failure for seed 1" in err
    assert not (dirs[1] / "summary.json").exists()
    assert all((dirs[s] / "summary.json").is_file() for s in (0, 2))
    assert by_seed(df) == {0: "ok", 1: "failed", 2: "ok"}
    failed = df.set_index("seed").loc[1]
    assert failed["error"] == "RuntimeError: injected failure for seed 1 (TIERSIM_TEST_FAIL_SEEDS)"
    assert pd.isna(failed["mean_resolution_h"])
    assert "3 runs: 2 ok, 1 failed, 0 missing" in res.stdout

    # a run killed mid-write has no summary.json (written last, atomically): delete one
    (dirs[2] / "summary.json").unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in dirs[0].iterdir() if p.name != "run.log"}
    res = ok(run(sweep_cmd(sweep_dir, *FAILING), tmp_path / "cwd"))
    assert "3/3 runs done (2 new, 1 skipped, 0 failed)" in res.stderr
    assert {p.name: p.stat().st_mtime_ns for p in dirs[0].iterdir() if p.name != "run.log"} == kept
    assert not (dirs[1] / "error.txt").exists()
    assert by_seed(table(sweep_dir)) == {0: "ok", 1: "ok", 2: "ok"}


def test_an_interrupted_sweep_keeps_its_finished_runs_and_resumes(tmp_path):
    # A SIGINT that lands while Hydra itself is between jobs can exit 1 instead of 130 (a race
    # in the signal's timing, not in the sweep): try the interrupt up to three times.
    for attempt in range(3):
        sweep_dir = tmp_path / f"sweep{attempt}"
        cmd = sweep_cmd(sweep_dir, "hydra/launcher=basic", "seed=0,1,2")
        proc = start(cmd, tmp_path / "cwd")
        deadline = time.monotonic() + TIMEOUT
        while not list(sweep_dir.glob("*/summary.json")):  # interrupt once a run is done
            assert proc.poll() is None and time.monotonic() < deadline, "no run finished"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        res = finish(proc)
        if res.returncode == 130:
            break
    assert res.returncode == 130, (res.stdout, res.stderr)
    assert "sweep interrupted" in res.stdout
    df = table(sweep_dir)  # written at exit, with a row for every run of the sweep
    statuses = by_seed(df)
    assert sorted(statuses) == [0, 1, 2] and statuses[0] == "ok"
    assert "missing" in statuses.values()
    done = sorted(s for s, st in statuses.items() if st == "ok")
    stamps = {s: (sweep_dir / df.set_index("seed").loc[s, "run"] / "summary.json").stat().st_mtime_ns
              for s in done}

    res = ok(run(cmd, tmp_path / "cwd"))
    assert f"3/3 runs done ({3 - len(done)} new, {len(done)} skipped, 0 failed)" in res.stderr
    df = table(sweep_dir)
    assert by_seed(df) == dict.fromkeys(range(3), "ok")
    for s, stamp in stamps.items():  # finished runs were not redone
        assert (sweep_dir / df.set_index("seed").loc[s, "run"] / "summary.json").stat().st_mtime_ns \
            == stamp


# ---- each sweep command its own directory --------------------------------------------------------
def test_each_sweep_command_gets_its_own_directory_and_a_rerun_finds_it(tmp_path, repo_root):
    """Without hydra.sweep.dir, a sweep lands in outputs/sweeps/<experiment>,<overrides>/: two
    sweeps of different horizons never share a directory; the same sweep, its overrides in
    another order, resumes in its own."""
    seed = 800_000_000 + os.getpid() % 1_000_000  # a directory of this test's own
    sweeps = repo_root / "outputs" / "sweeps"
    first = ["-m", "hydra/launcher=basic", "org=tiered,generalist", f"seed={seed}", *TINY]
    name = f"default,customers.count=80,org,seed={seed},sim.horizon_days=15,sim.warmup_days=2"
    other = name.replace("sim.horizon_days=15", "sim.horizon_days=16")
    try:
        res = ok(run(first, tmp_path / "cwd"))
        assert f"sweep finished: {sweeps / name}" in res.stdout
        assert len(find_run_dirs(sweeps / name)) == 2
        again = ok(run(["-m", *reversed(first[1:])], tmp_path / "cwd"))
        assert "2/2 runs done (0 new, 2 skipped, 0 failed)" in again.stderr
        longer = ok(run([*first, "sim.horizon_days=16"], tmp_path / "cwd"))
        assert f"sweep finished: {sweeps / other}" in longer.stdout
        assert len(find_run_dirs(sweeps / name)) == 2 and len(find_run_dirs(sweeps / other)) == 2
        assert list((tmp_path / "cwd").iterdir()) == []
    finally:
        for d in (name, other):
            shutil.rmtree(sweeps / d, ignore_errors=True)


# ---- the table from a directory (no simulation) -------------------------------------------------
def _fake_run(root: Path, overrides: list[str], summary: dict | None = None,
              error: str | None = None) -> Path:
    d = root / ",".join(overrides)
    (d / ".hydra").mkdir(parents=True)
    (d / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    if summary is not None:
        (d / "summary.json").write_text(json.dumps(summary))
    if error is not None:
        (d / "error.txt").write_text(error)
    return d


def test_collect_runs_statuses_overrides_and_missing_jobs(tmp_path):
    _fake_run(tmp_path, ["org=tiered", "seed=0", "x=1"],
              {"seed": 0, "mean_resolution_h": 10.0, "design": "tiered"})
    _fake_run(tmp_path, ["org=generalist", "seed=0", "x=abc"],
              {"seed": 0, "mean_resolution_h": 8.0, "design": "generalist"})
    _fake_run(tmp_path, ["org=tiered", "seed=1", "x=1"], None,
              "Traceback (most recent call last):\n  ...\nValueError: boom\n\n")
    _fake_run(tmp_path, ["org=generalist", "seed=1", "x=1"])  # started, killed
    (tmp_path / ".submitit" / "123").mkdir(parents=True)  # launcher files: not runs
    (tmp_path / ".submitit" / "123" / "error.txt").write_text("not a run")
    expected = [["org=tiered", "seed=2", "x=1"]]  # never started
    df = collect_runs(tmp_path, expected)
    assert len(df) == 5
    assert list(df.columns[:5]) == ["run", "status", "org", "seed", "x"]
    assert df.columns[-1] == "error"
    st = Counter(df["status"])
    assert st == {"ok": 2, "failed": 1, "missing": 2}
    failed = df[df["status"] == "failed"].iloc[0]
    assert failed["error"] == "ValueError: boom" and failed["seed"] == 1
    assert df[df["run"].isna()].iloc[0]["seed"] == 2  # the job that never started
    write_table(df, tmp_path)  # a column mixing 1 and "abc" is stored as text
    back = pd.read_parquet(tmp_path / "runs.parquet")
    assert sorted(back["x"].astype(str)) == ["1", "1", "1", "1", "abc"]
    text = format_summary(df)
    assert "5 runs: 2 ok, 1 failed, 2 missing" in text and "ValueError: boom" in text
    assert "median by org:" in text


def test_a_failure_after_an_older_success_counts_as_failed(tmp_path):
    d = _fake_run(tmp_path, ["seed=0"], {"seed": 0})
    time.sleep(0.02)
    (d / "error.txt").write_text("RuntimeError: newer\n")
    assert collect_runs(tmp_path).loc[0, "status"] == "failed"


def test_progress_line():
    counts = Counter(ok=2, skipped=1, failed=1)
    assert progress_line(counts, 8, 30.0) == (
        "tiersim sweep: 4/8 runs done (2 new, 1 skipped, 1 failed) | elapsed 0:00:30"
        " | ~0:00:40 left")  # 3 new runs in 30 s -> 10 s a run, 4 to go
    assert progress_line(Counter(skipped=3), 8, 2.0).endswith("| estimating")
    assert progress_line(counts, None, 5.0).startswith("tiersim sweep: 4/? runs done")


def test_the_sweep_summary_prints_fixed_point_numbers():
    """The closing summary's medians are never in scientific notation (a share of 6e-06, a cost
    of 12,345): fixed point with thousands separators, as in every report table."""
    import re

    import pandas as pd

    from experiments.callbacks import format_summary

    df = pd.DataFrame({"run": ["a", "b"], "status": ["ok", "ok"], "seed": [0, 1],
                       "org": ["tiered", "tiered"],
                       "total_cost_per_customer_year": [12345.6, 12000.0],
                       "stalled_share": [6.2e-06, 6.4e-06]})
    text = format_summary(df, kpis=("total_cost_per_customer_year", "stalled_share"))
    assert "12,173" in text and "0.00000630" in text, text
    assert not re.search(r"\de[+-]\d", text), text
