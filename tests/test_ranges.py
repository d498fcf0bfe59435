"""Plausible ranges in the config schema (``_f(plausible=..., why=...)``): the schema checks them,
:func:`model.config.ranged_parameters` lists them with dotted Hydra keys that
:func:`model.config.set_key` and the command line both accept, and every scalar numeric parameter
has one unless :data:`model.config.NOT_RANGED` says why not."""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from experiments.cli import register, to_config
from model import config as config_mod
from model.config import (
    NOT_RANGED,
    Config,
    ConfigError,
    RangedParameter,
    _f,
    ranged_parameters,
    schema_problems,
    set_key,
    to_dict,
    validate,
)

CONF = Path(__file__).resolve().parent.parent / "conf"


def _get(cfg, key: str):
    obj = cfg
    for part in key.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else getattr(obj, part)
    return obj


def _scalar_numeric_keys(obj, prefix: str = "") -> list[tuple[str, dataclasses.Field]]:
    out = []
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            out += _scalar_numeric_keys(value, key + ".")
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                out += _scalar_numeric_keys(item, f"{key}.{i}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append((key, f))
    return out


def _not_ranged() -> list[str]:
    return [k for keys in NOT_RANGED.values() for k in keys]


# --- the schema's own check ------------------------------------------------------------------
def test_the_schema_ranges_are_sound():
    assert schema_problems() == []


@dataclasses.dataclass
class _Tiny:
    outside: float = _f(0.5, range=(0.0, 1.0), plausible=(0.2, 1.5), why="x")
    missing_default: float = _f(0.5, range=(0.0, 1.0), plausible=(0.6, 0.9), why="x")
    inverted: float = _f(0.5, range=(0.0, 1.0), plausible=(0.7, 0.3), why="x")
    empty: float = _f(0.5, range=(0.0, 1.0), plausible=(0.5, 0.5), why="x")
    no_reason: float = _f(0.5, range=(0.0, 1.0), plausible=(0.2, 0.8))
    reason_only: float = _f(0.5, range=(0.0, 1.0), why="x")
    fractional_int: int = _f(3, range=(0, 10), plausible=(1.5, 4), why="x")
    open_above: float = _f(2.0, range=(0.0, None), plausible=(1.0, 1e9), why="fine")
    fine: int = _f(3, range=(0, 10), plausible=(1, 5), why="fine")


def test_bad_plausible_ranges_are_named_with_the_reason():
    problems = schema_problems(_Tiny())
    text = "\n".join(problems)
    assert "outside: plausible range (0.2, 1.5) must lie inside the allowed range (between 0.0 " \
           "and 1.0)" in text
    assert "missing_default: plausible range (0.6, 0.9) must contain the default 0.5" in text
    assert "inverted: plausible range (0.7, 0.3) needs low < high" in text
    assert "empty: plausible range (0.5, 0.5) needs low < high" in text
    assert "no_reason: plausible range (0.2, 0.8) needs its reason (why=...)" in text
    assert "reason_only: a reason (why=...) without a plausible range" in text
    assert "fractional_int: plausible range (1.5, 4) of an integer field needs whole-number " \
           "bounds" in text
    assert not any(p.startswith(("open_above", "fine")) for p in problems)
    assert len(problems) == 8  # the inverted range also misses its default


def test_validate_rejects_a_schema_with_a_bad_range(monkeypatch):
    """A bad range in the real schema (here a segment's) stops every run, naming the key."""
    monkeypatch.setitem(config_mod._SEGMENT_RANGES["smb"], "mrr", (500.0, 800.0, "x"))
    monkeypatch.setattr(config_mod, "_SCHEMA_PROBLEMS", None)
    with pytest.raises(ConfigError) as err:
        validate(Config())
    assert "schema: customers.segments.0.mrr: plausible range (500.0, 800.0) must contain the " \
           "default 400.0" in str(err.value)


def test_a_segment_range_for_an_unknown_segment_or_field_is_a_schema_problem(monkeypatch):
    monkeypatch.setitem(config_mod._SEGMENT_RANGES, "startup", {"mrr": (1.0, 2.0, "x")})
    monkeypatch.setitem(config_mod._SEGMENT_RANGES["smb"], "mrrr", (1.0, 2.0, "x"))
    text = "\n".join(schema_problems())
    assert "customers.segments: plausible ranges for 'startup', which is not a default item" in text
    assert "customers.segments.0.mrrr: plausible range for an unknown field" in text


# --- ranged_parameters ------------------------------------------------------------------------
def test_ranged_parameters_describe_the_schema():
    params = ranged_parameters()
    keys = [p.key for p in params]
    assert len(keys) == len(set(keys))
    assert all(isinstance(p, RangedParameter) for p in params)
    cfg = Config()
    for p in params:
        value = _get(cfg, p.key)
        assert p.default == value, p.key
        assert p.low < p.high and p.low <= p.default <= p.high, p.key
        assert p.integer == (type(value) is int), p.key
        assert p.why.strip() and p.src.strip(), p.key
    assert {"feedback.workflow_p", "workforce.salary.l1", "customers.segments.0.churn_monthly",
            "customers.segments.2.mrr", "workforce.planning.review_days"} <= set(keys)
    by_key = {p.key: p for p in params}
    assert by_key["workforce.planning.review_days"].integer
    assert not by_key["feedback.workflow_p"].integer
    assert by_key["customers.segments.2.churn_monthly"].low == 0.005  # per segment, not per field


def test_ranged_parameters_read_defaults_from_the_config_given():
    cfg = Config()
    cfg.feedback.workflow_p = 0.07
    cfg.customers.segments[1].mrr = 2500.0
    by_key = {p.key: p for p in ranged_parameters(cfg)}
    assert by_key["feedback.workflow_p"].default == 0.07
    assert by_key["customers.segments.1.mrr"].default == 2500.0


def test_ranged_parameters_are_in_schema_order():
    order = [k for k, _ in _scalar_numeric_keys(Config())]
    keys = [p.key for p in ranged_parameters()]
    assert keys == sorted(keys, key=order.index)


def test_every_scalar_numeric_parameter_is_ranged_or_excluded_with_a_reason():
    """A new numeric field needs a plausible range (``_f(..., plausible=(lo, hi), why=...)``) or
    an entry in ``model.config.NOT_RANGED`` with the reason, which docs/ODD.md §9 prints."""
    ranged = {p.key for p in ranged_parameters()}
    excluded = _not_ranged()
    keys = [k for k, _ in _scalar_numeric_keys(Config())]
    unaccounted = [k for k in keys if k not in ranged
                   and not any(fnmatch.fnmatchcase(k, pat) for pat in excluded)]
    assert not unaccounted, f"numeric parameters with neither a plausible range nor a reason " \
                            f"in NOT_RANGED: {unaccounted}"
    both = [k for k in ranged if any(fnmatch.fnmatchcase(k, pat) for pat in excluded)]
    assert not both, f"ranged and listed in NOT_RANGED: {both}"
    stale = [pat for pat in excluded if not any(fnmatch.fnmatchcase(k, pat) for k in keys)]
    assert not stale, f"NOT_RANGED names no parameter: {stale}"
    assert all(reason.strip() for reason in NOT_RANGED)


def test_every_assumed_numeric_parameter_is_ranged_unless_excluded():
    """The issue's rule, stated on its own: every ``[A]`` numeric parameter gets a range."""
    ranged = {p.key for p in ranged_parameters()}
    excluded = _not_ranged()
    assumed = [k for k, f in _scalar_numeric_keys(Config())
               if "[A" in (f.metadata.get("src") or "[A]")]
    missing = [k for k in assumed if k not in ranged
               and not any(fnmatch.fnmatchcase(k, pat) for pat in excluded)]
    assert not missing


# --- set_key ------------------------------------------------------------------------------------
def test_set_key_round_trips_every_ranged_key():
    base = Config()
    for p in ranged_parameters():
        cfg = copy.deepcopy(base)
        set_key(cfg, p.key, p.default)
        assert to_dict(cfg) == to_dict(base), p.key
        for value in (p.low, p.high):
            set_key(cfg, p.key, value)
            got = _get(cfg, p.key)
            assert got == value and type(got) is (int if p.integer else float), p.key
        validate(cfg)


def test_every_range_end_alone_is_a_valid_config():
    for p in ranged_parameters():
        for value in (p.low, p.high):
            cfg = Config()
            set_key(cfg, p.key, value)
            validate(cfg)


@pytest.mark.parametrize("key, hint", [
    ("feedback.workflow_q", "unknown key; allowed keys in feedback are"),
    ("nope", "unknown key; allowed keys in the top level are"),
    ("customers.segments.3.mrr", "unknown key: customers.segments has items 0..2"),
    ("customers.segments.x.mrr", "unknown key: customers.segments has items 0..2"),
    ("customers.segments[0].mrr", "unknown key; allowed keys in customers are"),
    ("customers.segments.0", "is a list item, not a parameter"),
    ("customers.segments", "is a group, not a parameter"),
    ("org.l1", "is a group, not a parameter"),
    ("feedback.workflow_p.x", "unknown key: feedback.workflow_p is a parameter, not a group"),
    ("org..l1", "not a dotted key"),
    ("", "not a dotted key"),
])
def test_set_key_rejects_unknown_paths(key, hint):
    cfg = Config()
    with pytest.raises(ConfigError) as err:
        set_key(cfg, key, 1.0)
    assert hint in str(err.value)
    assert to_dict(cfg) == to_dict(Config())


def test_set_key_keeps_types():
    cfg = Config()
    set_key(cfg, "workforce.planning.review_days", 14.0)
    assert cfg.workforce.planning.review_days == 14
    assert type(cfg.workforce.planning.review_days) is int
    set_key(cfg, "feedback.workflow_p", 0)
    assert type(cfg.feedback.workflow_p) is float
    set_key(cfg, "org.design", "generalist")
    assert cfg.org.design == "generalist"
    with pytest.raises(ConfigError, match="expects an integer, got 14.5"):
        set_key(cfg, "workforce.planning.review_days", 14.5)


# --- the same keys on the command line ------------------------------------------------------
def test_ranged_keys_are_hydra_overrides():
    """Every key, in the syntax ranged_parameters gives (list items by ``.<index>``), composes as
    a command-line override to the same Config that set_key builds."""
    register()
    params = ranged_parameters()
    overrides = [f"{p.key}={int(p.high) if p.integer else p.high}" for p in params]
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        composed = to_config(compose("config", overrides=overrides))
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        expected = to_config(compose("config"))
    for p in params:
        set_key(expected, p.key, p.high)
    assert to_dict(composed) == to_dict(expected)
