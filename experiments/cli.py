"""Hydra front end shared by the command-line tools: schema registration, config conversion,
clear error messages, the check of command-line overrides, progress output.

:func:`override_problems` checks overrides before Hydra sees them (Hydra's own errors come with
a stack-trace hint and, for a misspelt key, a ``+key`` suggestion that cannot work): every key
against the schema (:class:`model.config.Config`, with the closest valid key), every value --
each value of a sweep -- for its type and range, every config group choice against the options
on the search path (``conf/``, ``--config-dir``, ``hydra.searchpath``). :func:`preflight` adds
the composed config's own checks (:func:`to_config`: the cross-checks of
:func:`model.config.validate` and the pod check) and exits 2 with one line per problem.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments.designfile import apply_design_row
from model.config import Config, ConfigError, field_problems, schema_field, validate
from model.pods import check_pods

ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = str(ROOT / "conf")


def register() -> None:
    """Register the schema and the ``${tiersim_root:}`` and ``${tiersim_help:}`` resolvers
    (idempotent)."""
    ConfigStore.instance().store(name="base_config", node=Config)
    if not OmegaConf.has_resolver("tiersim_root"):
        OmegaConf.register_new_resolver("tiersim_root", lambda: str(ROOT))
    if not OmegaConf.has_resolver("tiersim_run_name"):  # hydra.run.dir (conf/config.yaml)
        OmegaConf.register_new_resolver("tiersim_run_name", run_dir_name)
    if not OmegaConf.has_resolver("tiersim_help"):  # tiersim --help (conf/config.yaml)
        OmegaConf.register_new_resolver("tiersim_help", _help_template)


def _help_template() -> str:
    from experiments.cli_help import help_template

    return help_template()


def to_config(cfg: DictConfig) -> Config:
    """Convert the composed Hydra config into the typed, validated :class:`Config`."""
    plain = OmegaConf.to_container(cfg, resolve=True)
    plain.pop("hydra", None)
    try:
        obj = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(Config), plain))
    except OmegaConfBaseException as err:  # e.g. `+org.l1.headcuont=3`: an added unknown key
        key = getattr(err, "full_key", None) or "?"
        raise ConfigError(f"invalid configuration:\n  - {key}: {str(err).splitlines()[0]}") from None
    return check_pods(validate(apply_design_row(obj)))


def injected_failure(seed: int) -> None:
    """Raise for the seeds listed in ``TIERSIM_TEST_FAIL_SEEDS`` (tests of failure handling in
    ``tiersim`` runs, sweeps and profiles; never set it otherwise)."""
    listed = os.environ.get("TIERSIM_TEST_FAIL_SEEDS", "")
    if str(seed) in {s.strip() for s in listed.split(",")}:
        raise RuntimeError(f"injected failure for seed {seed} (TIERSIM_TEST_FAIL_SEEDS)")


def run_dir_name(design: str, seed: int, profile: str) -> str:
    """The last part of a ``tiersim`` run directory (``${tiersim_run_name:...}`` in
    conf/config.yaml): ``profile_<name>`` for a profile, else ``<design>_seed<seed>``."""
    return f"profile_{profile}" if profile else f"{design}_seed{seed}"


def fail(err: Exception, code: int = 2) -> None:
    """Print a user error (no traceback) and exit with a non-zero code."""
    print(f"tiersim: {err}", file=sys.stderr)
    sys.exit(code)


class DayProgress:
    """Simulated-day progress on a terminal (silent when stderr is not a terminal)."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.last = -1

    def __call__(self, day: int, horizon: int) -> None:
        if not self.enabled:
            return
        pct = int(100 * day / horizon)
        if pct != self.last:
            self.last = pct
            end = "\n" if day >= horizon else ""
            print(f"\r{self.label}: day {day}/{horizon} ({pct}%)", end=end, file=sys.stderr,
                  flush=True)


# ---- the check of command-line overrides -----------------------------------------------------------
CONFIG_NAME = "config"
SWEEPS_DIR = ROOT / "outputs" / "sweeps"
#: what conf/config.yaml sets hydra.sweep.dir to; replaced by a directory per sweep command
DEFAULT_SWEEP_DIR = "${tiersim_root:}/outputs/sweeps/${experiment}"
_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
               "str": "text"}
_LIST_WORDS = {"int": "whole numbers, e.g. [0, 1, 2]", "float": "numbers, e.g. [9.0, 17.0]"}


def hydra_args(argv: list[str]) -> argparse.Namespace:
    """``argv`` read by Hydra's own argument parser (flags, ``--config-dir``, the overrides)."""
    from hydra._internal.utils import get_args_parser

    return get_args_parser().parse_args(argv)


def _loader(config_dir: str | None, searchpath: list[str]):
    """A Hydra config loader on the tiersim search path: ``conf/``, the plugins' configs,
    ``--config-dir`` and ``hydra.searchpath`` entries, as ``tiersim`` itself composes."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path
    from hydra.core.config_search_path import SearchPathQuery

    register()
    path = create_config_search_path(f"file://{CONF_DIR}")
    for extra in searchpath:
        path.prepend(provider="hydra.searchpath in command-line", path=extra,
                     anchor=SearchPathQuery(provider="schema"))
    if config_dir is not None:
        path.prepend(provider="command-line", path=f"file://{os.path.abspath(config_dir)}",
                     anchor=SearchPathQuery(provider="schema"))
    return ConfigLoaderImpl(config_search_path=path)


def _values(ov) -> list[Any] | None:
    """Every value an override gives (each value of a sweep); ``None`` for an interval or a glob."""
    if ov.is_interval_sweep() or type(ov.value()).__name__ == "Glob":
        return None
    return list(ov.sweep_iterator()) if ov.is_sweep_override() else [ov.value()]


def _shown(value: Any) -> str:
    return "null" if value is None else repr(value) if isinstance(value, str) else str(value)


def _type_word(f: dataclasses.Field) -> str:
    t = str(f.type)
    inner = re.fullmatch(r"list\[(\w+)\]", t)
    if inner:
        return f"a list of {_LIST_WORDS.get(inner[1], inner[1])}"
    return _TYPE_WORDS.get(t, f"a {t}")


def _key_problems(ov) -> list[str]:
    """Problems of an override of one config key: unknown key (with the closest one), value of
    the wrong type, out of range or not one of the choices."""
    key = ov.key_or_group
    try:
        owner, f = schema_field(key)
    except ConfigError as err:
        if ov.is_add() and "." not in key:
            return [f"{key}: no such config key or config group; a group of your own needs its "
                    f"directory: tiersim --config-dir DIR +{key}=NAME (reads DIR/{key}/NAME.yaml)"]
        return [str(err)]
    if ov.is_delete():
        return [f"~{key}: schema keys cannot be deleted; set a value instead"]
    if ov.is_add() and not ov.is_force_add():
        return [f"+{key}: the key exists already; write {key}=... without the +"]
    values = _values(ov)
    if values is None:
        return []
    problems = []
    for value in values:
        try:
            merged = OmegaConf.merge(OmegaConf.structured(owner), {f.name: value})
        except OmegaConfBaseException:
            problems.append(f"{key} = {_shown(value)}: expected {_type_word(f)}")
            continue
        node = merged[f.name]
        plain = OmegaConf.to_container(node) if OmegaConf.is_config(node) else node
        problems += field_problems(key, plain, f)
    return problems


def _group_problems(ov, loader, known: dict) -> list[str]:
    """Problems of a config group choice: an option that does not exist (with the closest one),
    or a group that is not in the defaults list and lacks the ``+``."""
    group = ov.key_or_group
    options = loader.get_group_options(group)
    if group not in known and not ov.is_add() and not ov.is_force_add() and not ov.is_delete():
        return [f"{group}={ov.get_value_element_as_str() if not ov.is_sweep_override() else '...'}:"
                f" the group {group} is not chosen by default; add it with +{group}=NAME"]
    values = _values(ov)
    problems = []
    for value in values or []:
        if value is None or ov.is_delete():
            continue
        if str(value) not in options:
            near = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
            hint = f"did you mean {group}={near[0]}? " if near else ""
            problems.append(f"{group}={value}: no such option; {hint}the options are "
                            f"{', '.join(options) or 'none'}")
    return problems


def override_problems(overrides: list[str], config_dir: str | None = None) -> list[str]:
    """One line per problem of the command-line ``overrides`` (empty if they are all valid).

    Keys are checked against the schema, values (every value of a sweep) for type and range,
    group choices against the options on the search path; ``hydra.*`` keys are Hydra's own and
    left to it, but for its config groups (``hydra/launcher=...``)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from hydra.types import RunMode

    problems, parsed = [], []
    parser = OverridesParser.create()
    for text in overrides:
        try:
            parsed.append(parser.parse_override(text))
        except HydraException as err:
            reason = str(err).strip().splitlines()[-1] if str(err).strip() else "not key=value"
            problems.append(f"{text}: cannot read this override ({reason})")
    searchpath = []
    for ov in parsed:
        if ov.get_key_element() == "hydra.searchpath":
            value = ov.value()
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"hydra.searchpath = {_shown(value)}: expected a list of paths,"
                                " e.g. [file:///home/me/tiersim-conf]")
            else:
                searchpath = value
    if config_dir is not None and not os.path.isdir(config_dir):
        problems.append(f"--config-dir {config_dir}: no such directory")
        config_dir = None
    loader = _loader(config_dir, searchpath)
    known = loader.compute_defaults_list(CONFIG_NAME, [], RunMode.RUN).overrides.known_choices
    for ov in parsed:
        key = ov.key_or_group
        if ov.package is not None and not loader.repository.group_exists(key):
            problems.append(f"{ov.input_line}: {key} is not a config group")
        elif "/" in key or ("." not in key and loader.repository.group_exists(key)):
            if loader.repository.group_exists(key):
                problems += _group_problems(ov, loader, known)
            elif not key.startswith("hydra/"):
                problems.append(f"{key}: no such config group")
        elif key == "hydra" or key.startswith("hydra."):
            continue  # Hydra's own settings (hydra.sweep.dir, hydra.launcher.n_jobs, ...)
        else:
            problems += _key_problems(ov)
    return problems


def _hydra_message(err: BaseException) -> str:
    """A Hydra or OmegaConf error in one line, without Hydra's hints (stack traces, ``+key``,
    reference types); an unknown key in a config file gets the closest valid key."""
    lines = []
    for e in (err, err.__cause__):
        if e is not None:
            lines += [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
    where = next((m[1] for ln in lines if (m := re.match(r"(In '[^']+'):", ln))), None)
    full_key = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("full_key:")),
                    None)
    if full_key and any(" not in " in ln for ln in lines) and not full_key.startswith("hydra"):
        try:
            schema_field(full_key)
        except ConfigError as unknown:
            return f"{where}: {unknown}" if where else str(unknown)
    kept = []
    for ln in lines:
        ln = re.sub(r"^In '[^']+': ", "", ln)
        ln = re.sub(r"\w+ raised while composing config:?$", "", ln).strip()
        if ln and not ln.startswith(("To append", "Set the environment", "full_key",
                                     "reference_type", "object_type")):
            kept.append(ln.rstrip(".:"))
    text = ": ".join(dict.fromkeys(kept)) or type(err).__name__
    return f"{where}: {text}" if where else text


def config_error(problems: list[str], code: int = 2) -> None:
    """Print ``problems`` one per line under one heading and exit with ``code``."""
    print("tiersim: invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems),
          file=sys.stderr)
    sys.exit(code)


def _problems_of(err: ConfigError) -> list[str]:
    lines = [ln.strip() for ln in str(err).splitlines()]
    return [ln[2:] for ln in lines if ln.startswith("- ")] or [str(err)]


def compose(overrides: list[str], config_dir: str | None = None, multirun: bool = False,
            searchpath: list[str] = ()) -> DictConfig:
    """The composed Hydra config (``hydra`` node included) of ``overrides``; sweep overrides
    stay at their defaults in ``multirun`` mode (as Hydra composes a sweep's master config)."""
    from hydra.types import RunMode

    return _loader(config_dir, list(searchpath)).load_configuration(
        CONFIG_NAME, list(overrides), RunMode.MULTIRUN if multirun else RunMode.RUN)


def app_config(cfg: DictConfig) -> DictConfig:
    """``cfg`` without its ``hydra`` node (what :func:`to_config` converts)."""
    plain = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
    return plain


def sweep_jobs(cfg: DictConfig, overrides: list[str]) -> list[list[str]]:
    """The override list of every job of a sweep (the experiment's ``hydra.sweeper.params``,
    then the command line), as Hydra's basic sweeper expands it."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = [f"{k}={v}" for k, v in (cfg.hydra.sweeper.get("params") or {}).items()]
    parsed = OverridesParser.create().parse_overrides(
        [*params, *[o for o in overrides if not o.lstrip("+~").startswith("hydra")]])
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def check_overrides(overrides: list[str], config_dir: str | None = None) -> None:
    """Exit 2 with one line per problem if ``overrides`` are not valid (:func:`override_problems`)."""
    problems = override_problems(overrides, config_dir)
    if problems:
        config_error(problems)


def preflight(argv: list[str]) -> tuple[argparse.Namespace, DictConfig | None]:
    """Check ``tiersim``'s command line before Hydra runs it; exit 2 on a configuration error.

    The overrides (:func:`override_problems`); then the composed config: for one run, its
    cross-checks (:func:`to_config`); for a sweep, those of every distinct configuration of
    the sweep, seeds aside: if none could run, the sweep does not start (if only some cells are
    invalid, those runs fail on their own and the rest go on). Returns Hydra's parsed arguments
    and the composed config (``None`` for ``--help``, ``--info`` and the like)."""
    args = hydra_args(argv)
    if args.help or args.hydra_help or args.info or args.shell_completion \
            or args.experimental_rerun or args.config_name or args.config_path:
        return args, None  # not a run of tiersim's own primary config: Hydra's business
    check_overrides(args.overrides, args.config_dir)
    searchpath = _searchpath(args.overrides)
    try:
        cfg = compose(args.overrides, args.config_dir, args.multirun, searchpath)
    except Exception as err:  # anything Hydra still refuses, in one line
        config_error([_hydra_message(err)])
    if args.cfg is not None:
        return args, cfg
    if not args.multirun:
        try:
            to_config(app_config(cfg))
        except (ConfigError, ValueError) as err:
            config_error(_problems_of(err))
        return args, cfg
    if not str(cfg.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return args, cfg
    try:
        jobs = sweep_jobs(cfg, args.overrides)
    except Exception as err:  # e.g. an experiment's hydra.sweeper.params that do not parse
        config_error([_hydra_message(err)])
    cells = {tuple(o for o in job if not o.startswith("seed=")) for job in jobs}
    first: list[str] | None = None
    for cell in cells:
        try:
            to_config(app_config(compose(list(cell), args.config_dir, False, searchpath)))
            return args, cfg  # at least one configuration of the sweep runs
        except (ConfigError, ValueError) as err:
            first = first or _problems_of(err)
        except Exception as err:
            first = first or [_hydra_message(err)]
    if first:
        many = f" (in each of the sweep's {len(cells)} configurations)" if len(cells) > 1 else ""
        config_error([f"{p}{many}" for p in first])
    return args, cfg


def _searchpath(overrides: list[str]) -> list[str]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    for ov in OverridesParser.create().parse_overrides(overrides):
        if ov.get_key_element() == "hydra.searchpath":
            return list(ov.value())
    return []


def sweep_dir_name(overrides: list[str], experiment: str) -> str:
    """The directory of one sweep command under ``outputs/sweeps/``: the experiment, then every
    override of the command line but Hydra's own (sorted by key, so their order does not
    matter): ``key=value`` for a fixed value, the key alone for a swept one (so a rerun with more
    seeds or values extends the same sweep and reuses its finished runs), e.g.
    ``default,org,seed,sim.horizon_days=120``. The experiment alone when nothing else is given
    (``outputs/sweeps/regime_map``). Characters other than letters, digits and ``._=+-`` become
    ``_``; a name longer than 120 characters is cut and ends in a hash of the whole."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    items: dict[str, str] = {}  # the last override of a key wins, as in Hydra
    for ov in OverridesParser.create().parse_overrides(overrides):
        key = ov.key_or_group
        if key == "hydra" or key.startswith(("hydra.", "hydra/")):
            continue
        if key == "experiment" and not ov.is_sweep_override():
            continue
        prefix = "~" if ov.is_delete() else ""
        text = f"{prefix}{key}" if ov.is_sweep_override() or ov.is_delete() else \
            f"{key}={ov.get_value_element_as_str()}"
        items[key] = text
    name = ",".join([experiment, *(items[k] for k in sorted(items))])
    name = re.sub(r"[^A-Za-z0-9._=+,~-]", "_", name)
    if len(name) > 120:
        name = f"{name[:110]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return name


def sweep_dir_override(argv: list[str], cfg: DictConfig) -> str | None:
    """``hydra.sweep.dir=...`` naming this sweep's own directory (:func:`sweep_dir_name`), or
    ``None`` when the command line or a config file sets ``hydra.sweep.dir`` itself."""
    args = hydra_args(argv)
    node = cfg.hydra.sweep._get_node("dir")
    if node is None or node._value() != DEFAULT_SWEEP_DIR:
        return None  # set in an experiment or a settings file of the user's
    if any(o.split("=", 1)[0].lstrip("+") == "hydra.sweep.dir" for o in args.overrides):
        return None
    name = sweep_dir_name(args.overrides, str(cfg.get("experiment") or "default"))
    return f"hydra.sweep.dir='${{tiersim_root:}}/outputs/sweeps/{name}'"


__all__ = ["CONF_DIR", "ROOT", "ConfigError", "DayProgress", "app_config", "check_overrides",
           "compose",
           "config_error", "fail", "injected_failure", "override_problems", "run_dir_name", "preflight", "register",
           "sweep_dir_name", "sweep_dir_override", "to_config"]
