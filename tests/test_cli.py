"""End-to-end tests of the ``tiersim`` console script (docs/design.md sections 9 and 10).

Each test runs the installed script in a subprocess from a temporary working directory (not the
repository) with short runs. Outputs are redirected into the test's temporary area with
``hydra.run.dir=...`` / ``hydra.sweep.dir=...``; one test checks the default location (the
repository's ``outputs/runs/``) and removes what it wrote. Independent runs are started
together, so the suite pays the interpreter start-up about once per group.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from model.config import from_dict
from model.runio import config_hash

SHORT = ["sim.horizon_days=20", "sim.warmup_days=2", "customers.count=100"]
TABLES = ("timeseries", "tickets", "staff", "customers")
TIMEOUT = 300


def tiersim_exe() -> Path:
    exe = Path(sys.executable).parent / "tiersim"
    assert exe.exists(), f"console script not installed next to {sys.executable}"
    return exe


def start(args: list[str], cwd: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    cwd.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "OC_CAUSE")}
    env.update(extra_env or {})
    return subprocess.Popen([str(tiersim_exe()), *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return finish(start(args, cwd))


def ok(res: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert res.returncode == 0, f"exit {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    assert "Traceback" not in res.stderr + res.stdout
    return res


# ---- single runs (started together) ---------------------------------------------------------------
SINGLE = {
    "default": [],
    "generalist": ["org=generalist", "seed=3"],
    "pilot": ["org=pilot", "org.pilot.start_day=5", "org.pilot.duration_days=7",
              "sim.record_events=true"],
    "validation": ["experiment=validation"],
}
BAD = {
    "bad_value": ["org.l1.headcount=-2"],
    "misspelt": ["org.l1.headcuont=3"],
    "misspelt_added": ["+org.l1.headcuont=3"],
    "bad_type": ["org.l1.headcount=abc"],
    "zero_demand": ["demand.tickets_per_day=0"],
    "uncovered": ["org=generalist", "org.pods.flexible_share=0.2", "org.pods.size=4",
                  "org.pods.breadth=2"],
    "bad_group": ["org=tierd"],
    "several": ["sed=3", "org.l1.headcount=abc", "product=complx"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """name -> (CompletedProcess, run_dir, cwd) for every run in SINGLE and BAD."""
    base = tmp_path_factory.mktemp("cli")
    procs = {}
    for name, extra in {**SINGLE, **BAD}.items():
        run_dir, cwd = base / "runs" / name, base / "cwd" / name
        procs[name] = (start([*extra, *SHORT, f"hydra.run.dir={run_dir}"], cwd), run_dir, cwd)
    return {name: (finish(p), run_dir, cwd) for name, (p, run_dir, cwd) in procs.items()}


def check_run_dir(run_dir: Path, contract) -> dict:
    """The contract files of one run directory; returns summary.json."""
    for name in ("config.yaml", "summary.json", *(f"{t}.parquet" for t in TABLES)):
        assert (run_dir / name).is_file(), f"{run_dir} lacks {name}"
    summary = json.loads((run_dir / "summary.json").read_text())
    missing = [k for k in contract.summary_keys if k not in summary]
    assert not missing, f"summary.json lacks contract keys {missing}"
    nested = [k for k, v in summary.items() if isinstance(v, dict | list)]
    assert not nested, f"summary.json is not flat: {nested}"
    for table, cols in (("tickets", contract.tickets), ("staff", contract.staff),
                        ("customers", contract.customers)):
        df = pd.read_parquet(run_dir / f"{table}.parquet")
        assert len(df) > 0, f"{table}.parquet is empty"
        lacking = [c for c in cols if c not in df.columns]
        assert not lacking, f"{table}.parquet lacks contract columns {lacking}"
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    cfg = OmegaConf.to_container(OmegaConf.load(run_dir / "config.yaml"))
    assert len(ts) == cfg["sim"]["horizon_days"], "timeseries: one row per simulated day"
    # the recorded config is complete: it rebuilds the very config that ran
    assert config_hash(from_dict(cfg)) == summary["config_hash"]
    assert summary["seed"] == cfg["seed"]
    return summary


def test_single_run_writes_the_contract_outputs(runs, contract):
    res, run_dir, cwd = runs["default"]
    ok(res)
    s = check_run_dir(run_dir, contract)
    assert s["seed"] == 0 and s["tickets_created"] > 0 and s["tickets_resolved"] > 0
    assert s["headcount_l1"] > 0 and s["headcount_generalist"] == 0
    assert not (run_dir / "events.parquet").exists()  # only with sim.record_events=true
    cfg = OmegaConf.load(run_dir / "config.yaml")
    assert cfg.sim.horizon_days == 20 and cfg.customers.count == 100
    assert "hydra" not in cfg
    prov = json.loads((run_dir / "provenance.json").read_text())
    assert prov["git_revision"] and prov["versions"]
    assert str(run_dir) in res.stdout + res.stderr, "the run directory is not reported"
    assert list(cwd.iterdir()) == [], "the run littered its working directory"


def test_generalist_seed_3(runs, contract):
    res, run_dir, _ = runs["generalist"]
    ok(res)
    s = check_run_dir(run_dir, contract)
    assert s["seed"] == 3
    assert s["headcount_generalist"] > 0 and s["headcount_l1"] == 0 and s["headcount_l2"] == 0
    assert OmegaConf.load(run_dir / "config.yaml").org.design == "generalist"
    staff = pd.read_parquet(run_dir / "staff.parquet")
    assert set(staff["role"]) <= {"generalist", "engineer", "specialist"}


def test_pilot_with_a_short_window_and_event_log(runs, contract):
    res, run_dir, _ = runs["pilot"]
    ok(res)
    s = check_run_dir(run_dir, contract)
    assert s["pilot_treated_tickets"] > 0 and s["pilot_control_tickets"] > 0
    ev = pd.read_parquet(run_dir / "events.parquet")
    assert list(ev.columns[: len(contract.events)]) == list(contract.events)
    assert (ev["desk"] == "pilot_pod").any()
    tickets = pd.read_parquet(run_dir / "tickets.parquet")
    assert set(ev["ticket_id"]) == set(tickets["ticket_id"])


def _assert_clean_failure(res, *needles, problems: int = 1):
    """Exit 2 (a configuration error) with a heading and one line per problem, no Hydra noise."""
    text = res.stderr + res.stdout
    assert res.returncode == 2, f"exit {res.returncode} for a bad config\n{text}"
    assert "Traceback" not in text, f"a Python traceback instead of a message:\n{text}"
    for noise in ("HYDRA_FULL_ERROR", "reference_type", "To append to your config"):
        assert noise not in text, f"Hydra's noise ({noise!r}) in the message:\n{text}"
    for needle in needles:
        assert needle in text, f"the message does not mention {needle!r}:\n{text}"
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines[0] == "tiersim: invalid configuration:", res.stderr
    assert len(lines) == 1 + problems and all(ln.startswith("  - ") for ln in lines[1:]), \
        f"not one line per problem:\n{res.stderr}"


@pytest.mark.parametrize(("name", "needles", "problems"), [
    ("bad_value", ("org.l1.headcount = -2: must be between 0 and 100000",), 1),
    ("misspelt", ("org.l1.headcuont: no such config key; did you mean org.l1.headcount?",), 1),
    ("misspelt_added", ("headcuont", "did you mean org.l1.headcount?"), 1),
    ("bad_type", ("org.l1.headcount = 'abc': expected a whole number",), 1),
    ("zero_demand", ("demand.tickets_per_day = 0.0: no ticket would ever arrive",), 1),
    ("uncovered", ("org.pods.flexible_share = 0.2", "leaves some of the 7 non-specialist "
                   "domains uncovered"), 1),
    ("bad_group", ("org=tierd: no such option; did you mean org=tiered?",), 1),
    ("several", ("sed: no such config key; did you mean seed?", "org.l1.headcount = 'abc'",
                 "product=complx: no such option; did you mean product=complex?"), 3),
])
def test_bad_config_fails_with_a_message_not_a_traceback(runs, name, needles, problems):
    res, run_dir, cwd = runs[name]
    _assert_clean_failure(res, *needles, problems=problems)
    assert not run_dir.exists(), "a run directory for a configuration that cannot run"
    assert list(cwd.iterdir()) == []


def test_bad_sweep_values_stop_the_sweep_before_it_starts(tmp_path):
    procs = {name: start(["-m", *extra, *SHORT, f"hydra.sweep.dir={tmp_path / name}"],
                         tmp_path / "cwd" / name)
             for name, extra in {
                 "values": ["org.l1.headcount=3,abc,-1", "seed=range(2)"],
                 "zero_demand": ["demand.tickets_per_day=0", "seed=0,1", "org=tiered,generalist"],
                 "launcher": ["hydra/launcher=nope", "seed=0,1"]}.items()}
    res = {name: finish(p) for name, p in procs.items()}
    _assert_clean_failure(res["values"], "org.l1.headcount = 'abc': expected a whole number",
                          "org.l1.headcount = -1: must be between 0 and 100000", problems=2)
    _assert_clean_failure(res["zero_demand"], "demand.tickets_per_day = 0.0: no ticket would "
                          "ever arrive", "(in each of the sweep's 2 configurations)")
    _assert_clean_failure(res["launcher"], "hydra/launcher=nope: no such option")
    for name in res:
        assert not (tmp_path / name).exists(), f"{name}: the sweep started"


def test_help_lists_the_main_keys_and_the_groups(tmp_path):
    res = ok(run(["--help"], tmp_path))
    for needle in ("Config groups (GROUP=OPTION):", "org: generalist, pilot, tiered",
                   "experiment: escalation_tax, pilot_quarter, regime_map",
                   "org.l1.headcount", "L1 people (tiered, pilot) [people; [0, 100000]; "
                   "default 17]", "sim.horizon_days", "--config-dir DIR +site=NAME",
                   "--multirun,-m"):
        assert needle in res.stdout, needle
    assert "Powered by Hydra" not in res.stdout


def test_validation_prints_erlang_c_beside_the_run(runs):
    res, _, _ = runs["validation"]
    ok(res)
    assert "Erlang C for M/M/12 (lambda = 100/h, mu = 10/h): p_wait 0.4494 (this run " \
        in res.stdout + res.stderr


def readme_settings_example(repo_root: Path) -> tuple[str, str, list[str]]:
    """The README's worked example of a settings file outside the repository: the file's path
    relative to its directory, its text, and the command's overrides."""
    text = (repo_root / "README.md").read_text()
    block = text.split("<!-- settings example -->", 2)[1]
    yaml_text = block.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = block.split("`", 2)[1]
    assert path.startswith("~/tiersim-settings/"), path
    rel = path.removeprefix("~/tiersim-settings/")
    command = block.split("```bash\n", 1)[1].split("```", 1)[0].split("\n")[0]
    words = command.split()
    assert words[:3] == ["tiersim", "--config-dir", "~/tiersim-settings"], command
    return rel, yaml_text, words[3:]


def test_a_settings_file_outside_the_repository(tmp_path, repo_root):
    """The README's worked example, as written there: --config-dir DIR +site=acme."""
    rel, yaml_text, overrides = readme_settings_example(repo_root)
    settings = tmp_path / "tiersim-settings"
    (settings / rel).parent.mkdir(parents=True)
    (settings / rel).write_text(yaml_text)
    run_dir = tmp_path / "run"
    res = ok(run(["--config-dir", str(settings), *overrides, *SHORT, f"hydra.run.dir={run_dir}"],
                 tmp_path / "cwd"))
    cfg = OmegaConf.load(run_dir / "config.yaml")
    site = OmegaConf.load(settings / rel)
    for key in ("demand.tickets_per_day", "org.l1.headcount", "org.l2.headcount",
                "workforce.salary.l1"):
        assert OmegaConf.select(cfg, key) == OmegaConf.select(site, key), (key, res.stderr)
    # a misspelt option of one's own group is a config error naming the options
    bad = run(["--config-dir", str(settings), "+site=acm", *SHORT], tmp_path / "cwd")
    _assert_clean_failure(bad, "site=acm: no such option; did you mean site=acme?")


# ---- a sweep ---------------------------------------------------------------------------------------
def test_sweep_writes_one_run_dir_per_combination(tmp_path, runs, contract):
    sweep_dir = tmp_path / "sweep"
    res = ok(run(["-m", "org=tiered,generalist", "seed=0,1", *SHORT,
                  f"hydra.sweep.dir={sweep_dir}"], tmp_path / "cwd"))
    summaries = sorted(sweep_dir.glob("*/summary.json"))
    assert len(summaries) == 4, (res.stdout, res.stderr)
    seen = set()
    for path in summaries:
        s = check_run_dir(path.parent, contract)
        seen.add((s["design"], s["seed"]))
    assert seen == set(itertools.product(["tiered", "generalist"], [0, 1]))
    assert list((tmp_path / "cwd").iterdir()) == []
    # whatever the launcher: the sweep's tiered seed-0 run equals the single run, byte for byte
    (single := runs["default"])[0].check_returncode()
    twin = next(p.parent for p in summaries
                if json.loads(p.read_text())["design"] == "tiered"
                and json.loads(p.read_text())["seed"] == 0)
    for t in TABLES:
        assert (twin / f"{t}.parquet").read_bytes() == (single[1] / f"{t}.parquet").read_bytes(), t


# ---- the default output location -------------------------------------------------------------------
def test_default_run_dir_is_under_the_repository_outputs(tmp_path, repo_root):
    seed = 900_000_000 + os.getpid() % 1_000_000  # unique: the run dir name carries the seed
    runs_root = repo_root / "outputs" / "runs"
    pattern = f"*/*_tiered_seed{seed}"
    before = set(runs_root.glob(pattern))
    cwd = tmp_path / "elsewhere"
    created: list[Path] = []
    try:
        res = ok(run([f"seed={seed}", *SHORT], cwd))
        created = sorted(set(runs_root.glob(pattern)) - before)
        assert len(created) == 1, (res.stdout, res.stderr)
        assert (created[0] / "summary.json").is_file()
        assert json.loads((created[0] / "summary.json").read_text())["seed"] == seed
        assert list(cwd.iterdir()) == [], "outputs went to the working directory"
    finally:
        for d in created or sorted(set(runs_root.glob(pattern)) - before):
            shutil.rmtree(d, ignore_errors=True)
            day = d.parent
            if day.is_dir() and not any(day.iterdir()):
                day.rmdir()
