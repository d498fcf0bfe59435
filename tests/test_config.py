"""Every config in conf/ composes and validates; bad values stop with a clear ConfigError that
names the key, the value and the allowed range (docs/design.md section 8); misspelt keys fail."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from experiments.cli import register, to_config
from model.config import Config, ConfigError, validate
from model.pods import check_pods
from model.sizing import build_model

CONF = Path(__file__).resolve().parent.parent / "conf"
GROUPS = ("org", "product", "customers", "workforce", "sim", "regime", "experiment")


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def compose_cfg(overrides: list[str], return_hydra_config: bool = False):
    register()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=overrides, return_hydra_config=return_hydra_config)


def load(overrides: list[str]) -> Config:
    return to_config(compose_cfg(overrides))


def test_the_contract_groups_exist():
    for group in GROUPS:
        assert (CONF / group).is_dir(), f"conf/{group}/ is missing"
    assert {"tiered", "generalist", "pilot"} <= set(options("org"))
    assert options("regime") and options("experiment")


def test_the_default_config_composes_and_validates():
    cfg = load([])
    assert isinstance(cfg, Config)
    assert cfg.org.design == "tiered" and cfg.seed == 0


@pytest.mark.parametrize("group", GROUPS)
def test_every_option_of_every_group_composes_and_validates(group):
    for option in options(group):
        cfg = load([f"{group}={option}"])
        if group == "org":
            assert cfg.org.design == option
        if group in ("regime", "experiment"):
            assert getattr(cfg, group) == option, f"{group}/{option}.yaml must set {group}: {option}"


@pytest.mark.parametrize(("org", "regime", "experiment"), list(itertools.product(
    options("org"), options("regime"), [None, *options("experiment")])))
def test_org_regime_experiment_combinations_compose_and_build(org, regime, experiment):
    overrides = [f"org={org}", f"regime={regime}"]
    if experiment is not None:
        overrides.append(f"experiment={experiment}")
    cfg = load(overrides)
    assert cfg.regime == regime
    if experiment is None:
        assert cfg.org.design == org
    # the model accepts it (validation and construction, no simulated days)
    cfg.customers.count = min(cfg.customers.count, 300)
    model = build_model(cfg)
    assert model.staff and model.customers


BAD = [
    # override, key, value as printed, range hint
    ("org.l1.headcount=-2", "org.l1.headcount", "-2", "between 0 and 100000"),
    ("org.l1.mandate_complexity=2", "org.l1.mandate_complexity", "2", "between 0.0 and 1.0"),
    ("org.l2.headcount=-1", "org.l2.headcount", "-1", "between 0 and 100000"),
    ("org.pods.size=-3", "org.pods.size", "-3", "between 0 and 10000"),
    ("product.zipf_s=-1", "product.zipf_s", "-1", "between 0.0 and 5.0"),
    ("org.design=flat", "org.design", "flat", "tiered, generalist, pilot"),
    ("sim.calendar=sometimes", "sim.calendar", "sometimes", "business, always"),
    ("org.queue_discipline=lifo", "org.queue_discipline", "lifo", "fcfs, priority"),
    ("org.ownership=nobody", "org.ownership", "nobody", "named, pod"),
    ("product.service=uniform", "product.service", "uniform", "lognormal, exponential"),
    ("product.engineering_share=1.5", "product.engineering_share", "1.5", "between 0.0 and 1.0"),
    ("customers.count=0", "customers.count", "0", "between 1 and"),
    ("demand.tickets_per_day=-5", "demand.tickets_per_day", "-5", ">= 0"),
    ("sim.warmup_days=400", "sim.warmup_days", "400", "sim.horizon_days (365)"),
    ("seed=-1", "seed", "-1", "between 0 and"),
    ("sim.start_date=2026-01-06", "sim.start_date", "2026-01-06", "must be a Monday"),
    ("sim.start_date=soon", "sim.start_date", "soon", "must be an ISO date"),
]


@pytest.mark.parametrize(("override", "key", "value", "hint"), BAD,
                         ids=[b[0] for b in BAD])
def test_bad_values_give_a_clear_config_error(override, key, value, hint):
    with pytest.raises(ConfigError) as err:
        load([override])
    _assert_names(str(err.value), key, value, hint)


@pytest.mark.parametrize(("org", "override", "key"), [
    ("generalist", "org.l1.headcount=-2", "org.l1.headcount"),
    ("generalist", "org.l1.script_close_max_p=7", "org.l1.script_close_max_p"),
    ("tiered", "org.pods.breadth=-1", "org.pods.breadth"),
])
def test_field_ranges_apply_whatever_the_design(org, override, key):
    """A value out of its field's range is rejected even where the design does not use it."""
    with pytest.raises(ConfigError) as err:
        load([f"org={org}", override])
    _assert_names(str(err.value), key, override.split("=")[1], "between")


def _assert_names(msg: str, key: str, value: str, hint: str) -> None:
    line = next((ln for ln in msg.splitlines() if key in ln), None)
    assert line is not None, f"the message does not name {key}:\n{msg}"
    assert value in line, f"the message does not show the value {value}:\n{msg}"
    assert hint in line, f"the message does not give the allowed range ({hint}):\n{msg}"


def _schema_fields(cls, prefix=""):
    for f in dataclasses.fields(cls):
        default = cls().__getattribute__(f.name)
        if dataclasses.is_dataclass(default):
            yield from _schema_fields(type(default), f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", f, default


def test_every_numeric_schema_field_carries_its_range_and_source():
    """The schema documents every number with a range (and a source); a field that lost its
    metadata is silently never range-checked."""
    missing = []
    for key, f, default in _schema_fields(Config):
        values = default if isinstance(default, list) else [default]
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if numeric and f.metadata.get("range") is None:
            missing.append(key)
        if not dataclasses.is_dataclass(values[0] if values else None) and "src" not in f.metadata:
            missing.append(f"{key} (src)")
    assert not missing, f"schema fields without range/source metadata: {missing}"


def test_warmup_not_shorter_than_horizon_is_rejected():
    with pytest.raises(ConfigError, match=r"sim\.warmup_days = 40: must be < sim\.horizon_days"):
        load(["sim.horizon_days=40", "sim.warmup_days=40"])


def test_the_start_date_is_an_iso_monday_string():
    """``sim.start_date`` dates day 0 of the event logs: a Monday, as the calendar's day 0 is."""
    assert load(["sim.start_date=2027-03-01"]).sim.start_date == "2027-03-01"
    assert Config().sim.start_date == "2026-01-05"  # the default is a Monday too
    cfg = Config()
    cfg.sim.start_date = dt.date(2026, 1, 5)  # a date object, not an ISO string
    with pytest.raises(ConfigError, match=r"sim\.start_date = datetime\.date\(2026, 1, 5\): "
                                          r"must be an ISO date string YYYY-MM-DD, got date"):
        validate(cfg)
    cfg.sim.start_date = "2026-01-11"
    with pytest.raises(ConfigError, match=r"2026-01-11 is a Sunday"):
        validate(cfg)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as err:
        load(["customers.count=0", "product.zipf_s=-1", "org.design=flat"])
    msg = str(err.value)
    for key in ("customers.count", "product.zipf_s", "org.design"):
        assert key in msg


@pytest.mark.parametrize("override", ["org.l1.headcuont=3", "sim.horizon_day=10", "sed=3"])
def test_a_misspelt_key_fails_at_compose_time(override):
    bad = override.split("=")[0].split(".")[-1]
    with pytest.raises(ConfigCompositionException, match=bad):
        compose_cfg([override])


def test_a_wrongly_typed_value_fails_at_compose_time():
    with pytest.raises(ConfigCompositionException, match="org.l1.headcount"):
        compose_cfg(["org.l1.headcount=abc"])


def test_an_added_misspelt_key_is_a_config_error():
    """``+org.l1.headcuont=3`` (the form Hydra itself suggests for a key it does not know)
    composes; the conversion must still stop it as a ConfigError naming the key, not let an
    OmegaConf exception escape (the CLI only turns ConfigError/ValueError into a clean message)."""
    cfg = compose_cfg(["+org.l1.headcuont=3"])
    with pytest.raises(ConfigError, match="headcuont"):
        to_config(cfg)


def test_output_roots_are_under_the_repository():
    cfg = compose_cfg(["seed=3", "org=generalist"], return_hydra_config=True)
    hydra = OmegaConf.to_container(cfg.hydra, resolve=False)
    root = str(CONF.parent)
    run_dir = OmegaConf.select(cfg, "hydra.run.dir")
    sweep_dir = OmegaConf.select(cfg, "hydra.sweep.dir")
    assert run_dir.startswith(f"{root}/outputs/runs/"), run_dir
    assert run_dir.endswith("_generalist_seed3"), run_dir
    assert sweep_dir == f"{root}/outputs/sweeps/default", sweep_dir
    assert hydra["job"]["chdir"] is False


def test_a_pod_that_leaves_a_domain_uncovered_is_a_config_error():
    with pytest.raises((ConfigError, ValueError), match="org.pods.flexible_share = 0.2"):
        check_pods(validate(load(["org=generalist", "org.pods.flexible_share=0.2",
                                  "org.pods.size=4", "org.pods.breadth=2"])))
