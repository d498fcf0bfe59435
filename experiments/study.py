"""The paired-seed study runner: one way to compose, run and collect the runs of a study.

A study is a list of :class:`Run` (tidy key columns plus Hydra overrides) and a *measure*, a
picklable function ``measure(cfg, key) -> result`` that runs the model for one composed
:class:`~model.config.Config` and returns what the study keeps (usually a dict: one row). The
runner composes every run's config exactly as the ``tiersim`` CLI does (``conf/config.yaml``,
the study's overrides, then the run's own), calls the measure for each run -- in this process
for ``jobs=1``, else on joblib's workers -- shows progress on a terminal, and returns the
results in run order; :func:`tidy` turns them into one table.

Usage::

    runs = paired_runs(("tiered", "generalist"), range(4))
    rows = run_study(runs, summary_row, overrides=["sim.horizon_days=730"], jobs=2)
    table = tidy(rows)

Paired seeds (common random numbers): runs that share a ``seed`` draw the same potential
ticket stream, so differences between designs are paired within a seed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from joblib import Parallel, delayed

from experiments.cli import CONF_DIR, app_config, register, to_config
from experiments.cli import compose as load_config
from model.config import Config
from model.simulate import simulate

Measure = Callable[[Config, dict], Any]


@dataclass(frozen=True)
class Run:
    """One run of a study: ``key`` names it (tidy columns: design, seed, variant ...) and
    ``overrides`` are its Hydra overrides, applied after the study's own."""

    key: dict[str, Any]
    overrides: tuple[str, ...] = field(default=())


def compose(overrides: Sequence[str] = (), experiment: str | None = None) -> Config:
    """The typed, validated config for ``overrides``, composed as the ``tiersim`` CLI does.

    ``experiment`` names the study in ``cfg.experiment`` (part of the config hash). It cannot be
    an override: ``experiment=NAME`` selects a sweep preset of ``conf/experiment/``, and a study
    that is not one of those presets would not compose.
    """
    register()
    if GlobalHydra.instance().is_initialized():  # inside a running Hydra app (tiersim profile=)
        cfg = to_config(app_config(load_config(list(overrides))))
    else:
        with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
            cfg = to_config(hydra_compose("config", overrides=list(overrides)))
    if experiment is not None:
        cfg.experiment = experiment
    return cfg


def paired_runs(designs: Iterable[str], seeds: Iterable[int],
                overrides: Sequence[str] = (), **key: Any) -> list[Run]:
    """Every design on every seed (seed-major: the runs of one seed are neighbours), with
    ``org=DESIGN seed=SEED`` plus ``overrides``; ``key`` adds constant columns (e.g. variant)."""
    designs = tuple(designs)
    return [Run({"design": d, "seed": s, **key}, (f"org={d}", f"seed={s}", *overrides))
            for s in seeds for d in designs]


def summary_row(cfg: Config, key: dict) -> dict:
    """The default measure: the run's ``summary.json`` KPIs."""
    return simulate(cfg)[1]


def _execute(i: int, run: Run, base: tuple[str, ...], experiment: str | None,
             measure: Measure) -> tuple[int, Any]:
    cfg = compose([*base, *run.overrides], experiment)
    return i, measure(cfg, dict(run.key))


class _Progress:
    """``label: k/n runs, elapsed`` on one terminal line (silent when stderr is not a tty)."""

    def __init__(self, label: str, n: int) -> None:
        self.label, self.n, self.done = label, n, 0
        self.t0 = time.perf_counter()
        self.tty = sys.stderr.isatty()

    def tick(self) -> None:
        self.done += 1
        if self.tty:
            end = "\n" if self.done == self.n else ""
            print(f"\r{self.label}: {self.done}/{self.n} runs, "
                  f"{time.perf_counter() - self.t0:.0f} s", end=end, file=sys.stderr, flush=True)


def run_study(runs: Sequence[Run], measure: Measure = summary_row, *,
              overrides: Sequence[str] = (), experiment: str | None = None, jobs: int = 1,
              label: str = "study") -> list[Any]:
    """``measure(cfg, key)`` for every run, in run order.

    ``overrides`` apply to every run (before the run's own); ``experiment`` names the study in
    the config (:func:`compose`). ``jobs=1`` runs in this process; otherwise joblib's workers
    (``-1``: every core) compose and run, so ``measure`` must be a module-level function (or a
    ``functools.partial`` of one).
    """
    base = tuple(overrides)
    progress = _Progress(label, len(runs))
    out: list[Any] = [None] * len(runs)
    if jobs == 1:
        results = (_execute(i, r, base, experiment, measure) for i, r in enumerate(runs))
    else:
        results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
            delayed(_execute)(i, r, base, experiment, measure) for i, r in enumerate(runs))
    for i, result in results:
        out[i] = result
        progress.tick()
    return out


def tidy(results: Iterable[dict | list[dict]]) -> pd.DataFrame:
    """One row per dict; a measure that returns a list of rows (a table) contributes each."""
    rows: list[dict] = []
    for r in results:
        rows.extend(r if isinstance(r, list) else [r])
    return pd.DataFrame(rows)


__all__ = ["Measure", "Run", "compose", "paired_runs", "run_study", "summary_row", "tidy"]
