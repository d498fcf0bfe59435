"""May these runs be pooled in one report? (``tiersim-report``, ``experiments/report.py``)

A report averages, pairs and plots the runs of one directory as one experiment. Runs that differ
in a setting nobody swept -- two sweep commands written into one directory, or runs left there
by an older version whose defaults differed -- would be pooled silently, and the report would
quote one horizon for runs of several. :func:`check_pooling` refuses that:

* the horizon and the warm-up (``sim.horizon_days``, ``sim.warmup_days``) must be the same in
  every run, swept or not: every figure and table has one time axis;
* any other config key whose value differs between runs must be explained by the runs' own
  overrides (``.hydra/overrides.yaml``, written by ``tiersim``): the key itself
  (``customers.problem_correlation=0.0``), a key under it, or a config group choice
  (``org=generalist``, ``product=simple``) whose file sets the key. The design and the seed
  always count as swept (``experiments.compare`` records no overrides). Bookkeeping keys
  (``experiment``, ``regime``, ``sim.progress``, ``sim.record_*``) never matter.

The message names each key that differs, its values and how many runs hold each.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml  # PyYAML: installed with omegaconf (its YAML parser)

ROOT = Path(__file__).resolve().parent.parent

STRICT = ("sim.horizon_days", "sim.warmup_days")  # one time axis per report, swept or not
IGNORED = {"seed", "experiment", "regime", "sim.progress", "sim.record_events",
           "sim.record_tickets"}
ALWAYS_SWEPT = ("org", "seed")  # the design (the org group) and the replicate
ABSENT = "(not set)"


class PoolingError(ValueError):
    """The runs of a directory cannot be pooled in one report (the message says which keys)."""


def load_yaml(path: Path) -> Any:
    """A YAML file as plain containers (libyaml's parser when present: 20x faster); an empty
    file gives ``{}``."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path) as f:
        return yaml.load(f, Loader=loader) or {}


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings to dotted keys; lists become text."""
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
    else:
        out[prefix.rstrip(".")] = json.dumps(obj) if isinstance(obj, list) else obj
    return out


def _overrides(run_dir: Path) -> list[tuple[str, str | None]]:
    """``(key or group, value)`` of each override the run was started with (none recorded: [])."""
    path = run_dir / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return []
    out = []
    for text in load_yaml(path) or []:
        key, _, value = str(text).partition("=")
        out.append((key.lstrip("+~").split("@")[0], value or None))
    return out


def _sources(run_dir: Path) -> list[Path]:
    """The run's config directories (``.hydra/hydra.yaml``), then this repository's ``conf/``."""
    found = []
    path = run_dir / ".hydra" / "hydra.yaml"
    if path.is_file():
        runtime = ((load_yaml(path) or {}).get("hydra") or {}).get("runtime") or {}
        found = [Path(s["path"]) for s in runtime.get("config_sources") or []
                 if s.get("schema") == "file" and s.get("path")]
    return [*found, ROOT / "conf"]


def group_keys(group: str, choice: str, sources: list[Path], seen: set | None = None) -> set[str]:
    """The dotted config keys that the option ``choice`` of config ``group`` sets (its package:
    the group's name, or the root with ``# @package _global_``), and those of the options its
    defaults list picks (``override /product: simple``)."""
    seen = set() if seen is None else seen
    if (group, choice) in seen:
        return set()
    seen.add((group, choice))
    for src in sources:
        path = src / group / f"{choice}.yaml"
        if path.is_file():
            break
    else:
        return set()
    text = path.read_text()
    is_global = any(line.strip().replace(" ", "") == "#@package_global_"
                    for line in text.splitlines()[:5])
    body = yaml.safe_load(text) or {}
    keys: set[str] = set()
    for entry in body.pop("defaults", None) or []:
        if isinstance(entry, dict):
            for target, option in entry.items():
                name = str(target).removeprefix("override ").strip().lstrip("/")
                if option is not None and name != "_self_":
                    keys |= group_keys(name, str(option), sources, seen)
    prefix = "" if is_global else f"{group.replace('/', '.')}."
    keys |= {f"{prefix}{k}" for k in flatten(body)}
    return keys


def _explained(key: str, swept: set[str], set_by_groups: set[str]) -> bool:
    return key in IGNORED or key in set_by_groups or any(
        key == o or key.startswith(f"{o}.") for o in swept)


def _values_text(by_value: dict[str, list[str]]) -> str:
    parts = []
    for value, runs in sorted(by_value.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:4]:
        parts.append(f"{value} ({len(runs)} run{'s' if len(runs) > 1 else ''}, e.g. {runs[0]})")
    more = len(by_value) - 4
    return ", ".join(parts) + (f", and {more} more values" if more > 0 else "")


def pooling_problems(sweep_dir: Path, run_dirs: list[Path]) -> list[str]:
    """One line per reason the runs in ``run_dirs`` (under ``sweep_dir``) cannot be pooled."""
    configs, swept, group_choices = {}, set(ALWAYS_SWEPT), defaultdict(set)
    sources: list[Path] = []
    for run_dir in run_dirs:
        name = str(run_dir.relative_to(sweep_dir))
        path = run_dir / "config.yaml"
        configs[name] = flatten(load_yaml(path) or {}) if path.is_file() else {}
        for key, value in _overrides(run_dir):
            swept.add(key)
            if value is not None and "." not in key:
                group_choices[key].add(value)
        sources += [s for s in _sources(run_dir) if s not in sources]
    set_by_groups: set[str] = set()
    for group, choices in group_choices.items():
        for choice in choices:
            set_by_groups |= group_keys(group, choice, sources)
    keys = sorted({k for cfg in configs.values() for k in cfg})
    strict, loose = [], []
    for key in keys:
        by_value: dict[str, list[str]] = defaultdict(list)
        for name, cfg in configs.items():
            by_value[str(cfg.get(key, ABSENT))].append(name)
        if len(by_value) < 2:
            continue
        if key in STRICT:
            strict.append(f"{key} = {_values_text(by_value)}")
        elif not _explained(key, swept, set_by_groups):
            loose.append(f"{key} = {_values_text(by_value)}")
    problems = []
    if strict:
        problems.append("the runs have different horizons or warm-ups, and a report has one time "
                        "axis: " + "; ".join(strict))
    if loose:
        problems.append("the runs differ in settings that none of their overrides sets (not one "
                        "sweep, or runs of an older version): " + "; ".join(loose))
    return problems


def check_pooling(sweep_dir: Path, run_dirs: list[Path]) -> None:
    """Raise :class:`PoolingError` saying which keys differ if the runs cannot be pooled."""
    problems = pooling_problems(Path(sweep_dir), run_dirs)
    if problems:
        raise PoolingError(
            f"cannot pool the {len(run_dirs)} runs under {sweep_dir} in one report:\n  - "
            + "\n  - ".join(problems)
            + "\nreport each sweep's own directory (tiersim -m writes each sweep command to its "
              "own), or sweep the differing keys in one command")
