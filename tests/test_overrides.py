"""The command line's checks and helpers (issue 19, items 3-5 and 9), without running the model:
the override check (``experiments/cli.py``: unknown keys with the closest key, wrong types, ranges,
group choices, every value of a sweep), zero demand, the sweep directory's name, the report's
pooling check (``experiments/pooling.py``), the help text (``experiments/cli_help.py``) and the
Erlang C reference of ``experiment=validation``. The same paths end to end through the
``tiersim`` script are in ``test_cli.py``."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
import yaml

from experiments import cli_help, pooling
from experiments import report as R
from experiments.cli import (
    _hydra_message,
    app_config,
    compose,
    override_problems,
    preflight,
    sweep_dir_name,
    to_config,
)
from experiments.run import erlang_c_reference
from model.config import Config, ConfigError, leaf_keys, schema_field, validate


# ---- keys of the schema ---------------------------------------------------------------------------
def test_every_leaf_key_resolves_to_its_field():
    keys = leaf_keys()
    assert "org.l1.headcount" in keys and "customers.segments.0.mrr" in keys
    for key in keys:
        owner, f = schema_field(key)
        assert f.name == key.split(".")[-1]


@pytest.mark.parametrize(("key", "hint"), [
    ("org.l1.headcont", "did you mean org.l1.headcount?"),
    ("sed", "did you mean seed?"),
    ("sim.horizon_day", "did you mean sim.horizon_days?"),
    ("org.headcount", "did you mean org.l2.headcount?"),
    ("customers.segments.mrr", "is a list: give an index"),
    ("org.l1.headcount.x", "is a value, not a group of keys"),
    ("zzz", "the keys of the top level are seed, sim"),
])
def test_an_unknown_key_names_the_closest_valid_one(key, hint):
    with pytest.raises(ConfigError, match="no such config key|list|value") as err:
        schema_field(key)
    assert hint in str(err.value)


# ---- overrides ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("overrides", "expected"), [
    (["org.l1.headcont=5"], ["org.l1.headcont: no such config key; did you mean "
                             "org.l1.headcount?"]),
    (["org.l1.headcount=abc"], ["org.l1.headcount = 'abc': expected a whole number"]),
    (["org.l1.headcount=-2"], ["org.l1.headcount = -2: must be between 0 and 100000"]),
    (["sim.calendar=weekdays"], ["sim.calendar = 'weekdays': allowed values are business, "
                                 "always"]),
    (["sim.business_hours=[9,abc]"], ["sim.business_hours = [9, 'abc']: expected a list of "
                                      "numbers, e.g. [9.0, 17.0]"]),
    (["org=tierd"], ["org=tierd: no such option; did you mean org=tiered? the options are "
                     "generalist, pilot, tiered"]),
    (["hydra/launcher=nope"], ["hydra/launcher=nope: no such option; the options are basic, "
                               "joblib, local, ray, ray_aws, ray_local, slurm, submitit_local, "
                               "submitit_slurm"]),
    (["+org.l1.headcount=4"], ["+org.l1.headcount: the key exists already; write "
                               "org.l1.headcount=... without the +"]),
    (["~seed"], ["~seed: schema keys cannot be deleted; set a value instead"]),
    (["org.l1.headcount"], ["org.l1.headcount: cannot read this override"]),
    (["+site=acme"], ["site: no such config key or config group; a group of your own needs its "
                      "directory: tiersim --config-dir DIR +site=NAME (reads "
                      "DIR/site/NAME.yaml)"]),
])
def test_each_bad_override_gives_one_line(overrides, expected):
    problems = override_problems(overrides)
    assert len(problems) == len(expected), problems
    for got, want in zip(problems, expected, strict=True):
        assert got.startswith(want), got
        assert "HYDRA_FULL_ERROR" not in got and "reference_type" not in got and "+org" not in \
            got.replace("+org.l1.headcount:", "")


def test_every_value_of_a_sweep_is_checked():
    problems = override_problems(["org.l1.headcount=3,-5,x", "seed=range(2)",
                                  "org=tiered,generalsit", "sim.horizon_days=range(0,3)"])
    assert problems == [
        "org.l1.headcount = -5: must be between 0 and 100000",
        "org.l1.headcount = 'x': expected a whole number",
        "org=generalsit: no such option; did you mean org=generalist? the options are "
        "generalist, pilot, tiered",
        "sim.horizon_days = 0: must be between 1 and 36500",
    ]


def test_all_problems_are_reported_at_once():
    problems = override_problems(["sed=3", "org.l1.headcount=abc", "product=complx"])
    assert [p.split(":")[0].split(" ")[0] for p in problems] == [
        "sed", "org.l1.headcount", "product=complx"]


def test_valid_overrides_pass(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "acme.yaml").write_text("# @package _global_\norg:\n  l1:\n"
                                                 "    headcount: 12\n")
    assert override_problems([
        "org=tiered,generalist", "seed=range(4)", "org.l1.headcount=3,5", "experiment=validation",
        "regime=telco_1990", "product=glob(*)", "customers.segments.0.mrr=500",
        "sim.business_hours=[8,16]", "org.l1={headcount: 3}", "hydra.sweep.dir=/tmp/x",
        "hydra/launcher=basic", "hydra.launcher.n_jobs=2", "++org.l1.headcount=4",
        "+site=acme"], config_dir=str(tmp_path)) == []


def test_a_group_of_ones_own_needs_the_plus_and_an_existing_directory(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "acme.yaml").write_text("# @package _global_\nseed: 4\n")
    assert override_problems(["site=acme"], config_dir=str(tmp_path)) == [
        "site=acme: the group site is not chosen by default; add it with +site=NAME"]
    assert override_problems(["+site=acm"], config_dir=str(tmp_path)) == [
        "site=acm: no such option; did you mean site=acme? the options are acme"]
    missing = str(tmp_path / "nope")
    assert override_problems(["seed=1"], config_dir=missing) == [
        f"--config-dir {missing}: no such directory"]


def test_zero_demand_is_a_config_error():
    cfg = Config()
    cfg.demand.tickets_per_day = 0.0
    with pytest.raises(ConfigError, match=r"demand.tickets_per_day = 0.0: no ticket would ever "
                                          r"arrive"):
        validate(cfg)
    cfg = Config()
    for seg in cfg.customers.segments:
        seg.ticket_intensity = 0.0
    with pytest.raises(ConfigError, match=r"ticket_intensity: zero in every segment"):
        validate(cfg)


# ---- the sweep's directory ------------------------------------------------------------------------
def test_a_sweep_directory_is_named_from_the_experiment_and_the_overrides():
    a = sweep_dir_name(["org=tiered,generalist", "seed=range(4)", "sim.horizon_days=120"],
                       "default")
    assert a == "default,org,seed,sim.horizon_days=120"
    # the same sweep with its overrides in another order, more seeds, another launcher or an
    # explicit hydra setting: the same directory (so it resumes)
    assert sweep_dir_name(["sim.horizon_days=120", "hydra/launcher=basic", "seed=range(8)",
                           "org=generalist,tiered", "hydra.launcher.n_jobs=2"], "default") == a
    assert sweep_dir_name(["org=tiered,generalist", "seed=range(4)"], "default") != a
    assert sweep_dir_name(["org=tiered,generalist", "seed=range(4)", "sim.horizon_days=365",
                           "sim.horizon_days=120"], "default") == a  # the last one wins
    assert sweep_dir_name(["experiment=regime_map"], "regime_map") == "regime_map"
    assert sweep_dir_name(["experiment=talent_drain", "sim.horizon_days=365"],
                          "talent_drain") == "talent_drain,sim.horizon_days=365"
    assert sweep_dir_name(["+site=acme", "sim.business_hours=[8,16]"], "default") == \
        "default,sim.business_hours=_8,16_,site=acme"
    long = sweep_dir_name([f"org.handoff.{k}=0.5" for k in (
        "writeup_minutes", "rebuild_minutes", "context_loss_p", "context_retention",
        "reexplain_minutes")], "default")
    assert len(long) <= 120 and long.startswith("default,org.handoff.context_loss_p=0.5")


# ---- pooling runs in one report -------------------------------------------------------------------
def fake_run(root: Path, overrides: list[str], config: dict, design: str = "tiered") -> Path:
    d = root / (",".join(overrides) or design)
    (d / ".hydra").mkdir(parents=True)
    if overrides:
        (d / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (d / "config.yaml").write_text(yaml.safe_dump(config))
    (d / "summary.json").write_text(json.dumps({"design": design, "seed": config["seed"]}))
    return d


def cfg(seed: int = 0, horizon: int = 120, **extra) -> dict:
    out = {"seed": seed, "sim": {"horizon_days": horizon, "warmup_days": 20},
           "org": {"design": "tiered", "pods": {"breadth": 0}}, "product": {"domains": 8}}
    for key, value in extra.items():
        node = out
        *path, leaf = key.split("__")
        for p in path:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


def test_runs_of_different_horizons_are_not_pooled(tmp_path, capsys):
    for seed in (0, 1):
        fake_run(tmp_path, [f"seed={seed}", "sim.horizon_days=120"], cfg(seed, 120))
        fake_run(tmp_path, [f"seed={seed}"], cfg(seed, 365))
    problems = pooling.pooling_problems(tmp_path, R.find_run_dirs(tmp_path))
    assert len(problems) == 1
    assert problems[0].startswith("the runs have different horizons or warm-ups")
    assert "sim.horizon_days = 120 (2 runs, e.g. seed=0,sim.horizon_days=120), 365 (2 runs" \
        in problems[0]
    assert R.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot pool the 4 runs" in err and "sim.horizon_days" in err
    assert "Traceback" not in err


def test_a_setting_no_override_explains_is_not_pooled(tmp_path):
    fake_run(tmp_path, ["seed=0"], cfg(0))
    fake_run(tmp_path, ["seed=1"], cfg(1, product__domains=4, customers__count=90))
    problems = pooling.pooling_problems(tmp_path, R.find_run_dirs(tmp_path))
    assert len(problems) == 1 and problems[0].startswith(
        "the runs differ in settings that none of their overrides sets")
    assert "customers.count = " in problems[0] and "product.domains = " in problems[0]
    with pytest.raises(pooling.PoolingError, match="product.domains"):
        pooling.check_pooling(tmp_path, R.find_run_dirs(tmp_path))


def test_swept_keys_and_the_keys_their_groups_set_may_differ(tmp_path):
    # product=simple is a global-package group that also sets org.pods.breadth
    for prod, domains, breadth in (("simple", 3, 2), ("complex", 12, 0)):
        for corr in (0.0, 0.3):
            fake_run(tmp_path, [f"product={prod}", f"customers.problem_correlation={corr}",
                                "seed=0"],
                     cfg(0, product__domains=domains, org__pods__breadth=breadth,
                         customers__problem_correlation=corr))
    assert pooling.pooling_problems(tmp_path, R.find_run_dirs(tmp_path)) == []
    assert "org.pods.breadth" in pooling.group_keys("product", "simple", [R.ROOT / "conf"])
    # regime=telco_1990 picks product=simple through its defaults list
    assert {"product.domains", "workforce.salary.l1"} <= pooling.group_keys(
        "regime", "telco_1990", [R.ROOT / "conf"])


def test_designs_without_recorded_overrides_pool(tmp_path):
    """experiments.compare writes no .hydra/: the design and the seed are always swept."""
    for design in ("tiered", "generalist"):
        for seed in (0, 1):
            c = cfg(seed)
            c["org"]["design"] = design
            d = tmp_path / f"{design}_seed{seed}"
            d.mkdir()
            (d / "config.yaml").write_text(yaml.safe_dump(c))
            (d / "summary.json").write_text("{}")
    assert pooling.pooling_problems(tmp_path, R.find_run_dirs(tmp_path)) == []


# ---- help -------------------------------------------------------------------------------------
def test_help_lists_the_main_keys_with_unit_range_and_default():
    lines = cli_help.key_lines()
    assert len(lines) == len(cli_help.MAIN_KEYS)
    for key, line in zip(cli_help.MAIN_KEYS, lines, strict=True):
        schema_field(key)  # every listed key exists
        assert line.split()[0] == key and "default " in line
    by_key = dict(zip(cli_help.MAIN_KEYS, lines, strict=True))
    assert "[people; [0, 100000]; default 17]" in by_key["org.l1.headcount"]
    assert "[days; [1, 36500]; default 365]" in by_key["sim.horizon_days"]
    assert "business | always" in by_key["sim.calendar"]


def test_help_template_is_a_valid_hydra_template():
    text = string.Template(cli_help.help_template()).substitute(
        APP_CONFIG_GROUPS="org: generalist, pilot, tiered\n", FLAGS_HELP="--help,-h")
    assert "org: generalist, pilot, tiered" in text and "--config-dir DIR +site=NAME" in text
    assert "org.l1.headcount" in text and "handoff_overhead" in text


# ---- experiment=validation: Erlang C beside the run -------------------------------------------
def test_validation_reports_erlang_c():
    config = to_config(app_config(compose(["experiment=validation"])))
    line = erlang_c_reference(config, {"p_wait": 0.45, "mean_wait_h": 0.0223})
    assert line == ("Erlang C for M/M/12 (lambda = 100/h, mu = 10/h): p_wait 0.4494 "
                    "(this run 0.4500), mean_wait_h 0.02247 (this run 0.02230)")
    overloaded = to_config(app_config(compose(["experiment=validation", "org.pods.size=9"])))
    assert "no steady state" in erlang_c_reference(overloaded, {})
    assert erlang_c_reference(to_config(app_config(compose([]))), {}) is None
    changed = to_config(app_config(compose(["experiment=validation",
                                             "product.service=lognormal"])))
    assert erlang_c_reference(changed, {}) is None


# ---- errors inside a settings file, and the exit code ---------------------------------------------
def test_an_unknown_key_in_a_settings_file_names_the_file_and_the_closest_key(tmp_path, capsys):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "x.yaml").write_text("# @package _global_\norg:\n  l1:\n"
                                              "    headcont: 3\n")
    with pytest.raises(Exception) as err:
        compose(["+site=x"], str(tmp_path))
    assert _hydra_message(err.value) == ("In 'site/x': org.l1.headcont: no such config key; "
                                         "did you mean org.l1.headcount?")
    with pytest.raises(SystemExit) as ex:
        preflight(["--config-dir", str(tmp_path), "+site=x"])
    assert ex.value.code == 2
    assert capsys.readouterr().err == (
        "tiersim: invalid configuration:\n  - In 'site/x': org.l1.headcont: no such config key; "
        "did you mean org.l1.headcount?\n")


def test_preflight_passes_a_valid_command_and_leaves_help_to_hydra():
    args, cfg = preflight(["-m", "org=tiered,generalist", "seed=range(2)"])
    assert args.multirun and cfg.org.design == "tiered"
    assert preflight(["--help", "org.l1.headcont=3"])[1] is None


def test_a_sweep_whose_jobs_cannot_be_listed_is_a_config_error(monkeypatch, capsys):
    from hydra.errors import HydraException

    import experiments.cli as cli

    def broken(cfg, overrides):
        raise HydraException("Error parsing override 'seed=range('")

    monkeypatch.setattr(cli, "sweep_jobs", broken)
    with pytest.raises(SystemExit) as ex:
        preflight(["-m", "seed=0,1"])
    assert ex.value.code == 2
    assert capsys.readouterr().err == ("tiersim: invalid configuration:\n"
                                       "  - Error parsing override 'seed=range('\n")


@pytest.mark.parametrize(("overrides", "expected"), [
    (["hydra.searchpath=3"], "hydra.searchpath = 3: expected a list of paths"),
    (["nope@pkg=x"], "nope@pkg=x: nope is not a config group"),
    (["org/nope=x"], "org/nope: no such config group"),
])
def test_other_bad_overrides(overrides, expected):
    assert override_problems(overrides) == [expected] or \
        override_problems(overrides)[0].startswith(expected)


def test_the_sweep_summary_warns_when_it_pools_runs_that_differ(tmp_path):
    from experiments.callbacks import collect_runs, pooling_note

    for seed in (0, 1):
        fake_run(tmp_path, [f"seed={seed}", "sim.horizon_days=120"], cfg(seed, 120))
    assert pooling_note(tmp_path, collect_runs(tmp_path)) is None
    fake_run(tmp_path, ["seed=0"], cfg(0, 365))
    note = pooling_note(tmp_path, collect_runs(tmp_path))
    assert note.startswith("warning: the medians above pool runs that differ")
    assert "sim.horizon_days = 120 (2 runs" in note


def test_another_primary_config_is_left_to_hydra():
    assert preflight(["-cn", "other", "org.l1.headcont=3"])[1] is None
