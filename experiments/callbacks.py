"""Sweep book-keeping for ``tiersim -m``: progress while it runs, one tidy table when it ends.

:class:`SweepCallback` is registered in ``conf/config.yaml`` under ``hydra.callbacks``. Hydra
calls ``on_multirun_*`` in the main process and ``on_job_*`` wherever the job runs (a joblib
worker, a submitit job, a Ray task), so the two sides talk through the shared file system:

* each finished job appends one line (``ok`` | ``skipped`` | ``failed``, run dir) to
  ``<sweep dir>/.progress`` with a single ``O_APPEND`` write;
* a thread of the main process reads that file and prints ``runs done / total, elapsed, estimate
  of the time left`` to stderr whenever it changes;
* at the end (or on exit, if the sweep was interrupted) the main process scans the sweep
  directory and writes ``runs.parquet`` and ``runs.csv``: one row per run, its overrides as
  columns, every KPI of its ``summary.json``, ``status`` (``ok`` | ``failed`` | ``missing``)
  and, for failed runs, the last line of ``error.txt``; then prints a short summary.

A run is finished when its ``summary.json`` exists: ``model.runio.write_run`` writes it last,
through a temporary file and an atomic rename, so a killed run never leaves one behind.

``python -m experiments.callbacks SWEEP_DIR`` rebuilds the table of an existing sweep directory.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from experiments.tables import num
from model.runio import write_parquet

log = logging.getLogger("tiersim")

PROGRESS_FILE = ".progress"
TABLE = "runs"  # runs.parquet, runs.csv
# the sweep's printed summary: the headline cost (total cost per customer-year) first
HEADLINE_KPIS = ("total_cost_per_customer_year", "support_cost_per_problem", "mean_resolution_h",
                 "explanations_per_ticket", "stalled_share")
STATUSES = ("ok", "failed", "missing")
REPLICATE_KEY = "seed"  # varied in every sweep: summarised as a count, not per value
_UNFINISHED = Counter()  # jobs of this process's sweeps that failed or never reported


def failed_runs() -> int:
    """How many jobs of the sweeps run by this process failed or never finished."""
    return _UNFINISHED["failed"]


# ---- the table -----------------------------------------------------------------------------------
def run_status(run_dir: Path) -> tuple[str, str]:
    """``(status, last line of error.txt)`` of one run directory.

    ``ok`` if ``summary.json`` exists and is newer than any ``error.txt`` (a rerun that failed
    after an older success counts as failed); ``failed`` if ``error.txt`` exists; else
    ``missing`` (never started, or killed before it finished).
    """
    summary, error = run_dir / "summary.json", run_dir / "error.txt"
    has_summary, has_error = summary.is_file(), error.is_file()
    if has_error and (not has_summary or error.stat().st_mtime >= summary.stat().st_mtime):
        lines = [ln for ln in error.read_text(errors="replace").splitlines() if ln.strip()]
        return "failed", (lines[-1].strip()[:500] if lines else "")
    return ("ok", "") if has_summary else ("missing", "")


def find_run_dirs(sweep_dir: Path) -> list[Path]:
    """Every run directory under ``sweep_dir`` (hidden directories such as ``.submitit`` skipped).

    A run directory holds ``summary.json``, ``error.txt`` or Hydra's ``.hydra/overrides.yaml``.
    """
    found = []
    for root, dirs, files in os.walk(sweep_dir):
        here = Path(root)
        if here != sweep_dir and ("summary.json" in files or "error.txt" in files or
                                  (here / ".hydra" / "overrides.yaml").is_file()):
            found.append(here)
            dirs[:] = []
        else:
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    return sorted(found)


def _overrides_of(run_dir: Path) -> list[str]:
    saved = run_dir / ".hydra" / "overrides.yaml"
    if saved.is_file():
        return [str(o) for o in OmegaConf.load(saved)]
    return [item for item in run_dir.name.split(",") if "=" in item]  # hydra.output_subdir=null


def parse_overrides(overrides: list[str]) -> dict[str, Any]:
    """``["org=tiered", "seed=3"]`` -> ``{"org": "tiered", "seed": 3}`` (typed by Hydra's parser)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    out: dict[str, Any] = {}
    parser = OverridesParser.create()
    for text in overrides:
        try:
            ov = parser.parse_override(text)
            value = ov.value()
            out[ov.key_or_group] = value if isinstance(value, str | int | float | bool) or \
                value is None else str(value)
        except HydraException:  # e.g. a piece of a directory name: keep the text
            key, _, value = text.partition("=")
            out[key.lstrip("+~")] = value
    return out


def _arrow_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet can store: a column mixing types (e.g. 3 and "abc") becomes text."""
    for col in [c for c in df.columns if pd.api.types.is_object_dtype(df[c])]:
        try:
            pa.array(df[col])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            df[col] = df[col].map(lambda v: v if v is None or pd.isna(v) else str(v))
    return df


def collect_runs(sweep_dir: Path, expected: list[list[str]] | None = None) -> pd.DataFrame:
    """One row per run of ``sweep_dir``: ``run, status``, overrides, KPIs, ``error``.

    ``expected`` (the override lists of the sweep that just ran) adds a ``missing`` row for every
    job that left no directory at all.
    """
    sweep_dir = Path(sweep_dir)
    rows, override_keys, seen = [], {}, set()
    for run_dir in find_run_dirs(sweep_dir):
        overrides = _overrides_of(run_dir)
        seen.add(frozenset(overrides))
        status, error = run_status(run_dir)
        error = error or None
        kpis = {}
        if status == "ok":
            kpis = json.loads((run_dir / "summary.json").read_text())
        params = parse_overrides(overrides)
        override_keys.update(dict.fromkeys(params))
        rows.append({"run": str(run_dir.relative_to(sweep_dir)), "status": status,
                     **params, **kpis, "error": error})
    for overrides in expected or []:
        if frozenset(overrides) not in seen:
            params = parse_overrides(overrides)
            override_keys.update(dict.fromkeys(params))
            rows.append({"run": None, "status": "missing", **params, "error": None})
    df = pd.DataFrame(rows, columns=["run", "status", "error"] if not rows else None)
    keys = [k for k in override_keys if k in df]
    rest = sorted(c for c in df.columns if c not in ("run", "status", "error", *keys))
    df = df[["run", "status", *keys, *rest, "error"]]
    if keys:
        df = df.sort_values(keys, kind="stable", key=_sort_key).reset_index(drop=True)
    df.attrs["overrides"] = keys
    return _arrow_safe(df)


def _sort_key(col: pd.Series) -> pd.Series:
    num = pd.to_numeric(col, errors="coerce")
    return num if num.notna().all() else col.astype(str)


def write_table(df: pd.DataFrame, sweep_dir: Path) -> tuple[Path, Path]:
    """Write ``runs.parquet`` and ``runs.csv`` atomically; return their paths."""
    pq, csv = Path(sweep_dir) / f"{TABLE}.parquet", Path(sweep_dir) / f"{TABLE}.csv"
    write_parquet(df, pq)
    tmp = csv.with_name(f".{csv.name}.tmp")
    df.to_csv(tmp, index=False)
    os.replace(tmp, csv)
    return pq, csv


def varied_overrides(df: pd.DataFrame) -> list[str]:
    """Override columns with more than one value."""
    keys = df.attrs.get("overrides") or []
    return [k for k in keys if df[k].astype(str).nunique(dropna=False) > 1]


def format_summary(df: pd.DataFrame, kpis=HEADLINE_KPIS) -> str:
    """Runs ok / failed / missing, the failures, and the median of ``kpis`` per varied override."""
    counts = Counter(df["status"]) if len(df) else Counter()
    lines = [f"{len(df)} runs: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)]
    for r in df[df["status"] == "failed"].itertuples():
        lines.append(f"  failed  {r.run}: {r.error}")
    done = df[df["status"] == "ok"]
    kpis = [k for k in kpis if k in done and pd.api.types.is_numeric_dtype(done[k])]
    if done.empty or not kpis:
        return "\n".join(lines)
    varied = varied_overrides(df)
    if REPLICATE_KEY in varied:
        lines.append(f"ok runs cover {done[REPLICATE_KEY].nunique()} seeds")
    groups = [k for k in varied if k != REPLICATE_KEY]
    fmt = dict.fromkeys(kpis, num)  # fixed point, never scientific notation
    if not groups:
        med = done[kpis].median().to_frame("median over ok runs").T
        lines.append(med.to_string(formatters=fmt))
    for key in groups:
        col = done[key] if pd.api.types.is_numeric_dtype(done[key]) else done[key].astype(str)
        cells = done.groupby(col)
        tab = cells[kpis].median()
        tab.insert(0, "runs", cells.size())
        lines.append(f"median by {key}:")
        lines.append(tab.reset_index().to_string(index=False, formatters=fmt))
    return "\n".join(lines)


def pooling_note(sweep_dir: Path, df: pd.DataFrame) -> str | None:
    """A warning when the medians of :func:`format_summary` pool finished runs that one report
    would refuse to pool (``experiments/pooling.py``: different horizons, or settings no override
    sets -- older runs in a directory given with ``hydra.sweep.dir``); ``None`` otherwise."""
    from experiments.pooling import pooling_problems

    done = [Path(sweep_dir) / r for r in df.loc[df["status"] == "ok", "run"].dropna()] \
        if len(df) else []
    problems = pooling_problems(Path(sweep_dir), done) if len(done) > 1 else []
    if not problems:
        return None
    return ("warning: the medians above pool runs that differ beyond this sweep's overrides:\n  - "
            + "\n  - ".join(problems))


# ---- progress ------------------------------------------------------------------------------------
def append_progress(path: Path, status: str, run: str) -> None:
    """One line per finished job; a single ``O_APPEND`` write, so workers never interleave."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{status}\t{run}\n".encode())
    finally:
        os.close(fd)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def progress_line(counts: Counter, total: int | None, elapsed: float) -> str:
    """``runs done / total (…), elapsed, estimate`` for ``counts`` of ok / skipped / failed."""
    done = sum(counts.values())
    new = counts["ok"] + counts["failed"]
    text = (f"tiersim sweep: {done}/{total if total is not None else '?'} runs done "
            f"({counts['ok']} new, {counts['skipped']} skipped, {counts['failed']} failed) | "
            f"elapsed {_clock(elapsed)}")
    if total is not None and done < total:
        # throughput of this session's new runs (skips are instant and would flatter it)
        text += f" | ~{_clock(elapsed / new * (total - done))} left" if new else " | estimating"
    return text


class ProgressMonitor:
    """Main-process thread: prints a progress line whenever ``.progress`` gains lines."""

    def __init__(self, path: Path, total: int | None, every_s: float = 1.0, stream=None) -> None:
        self.path, self.total, self.every_s = path, total, every_s
        self.stream = stream or sys.stderr
        self.t0 = time.monotonic()
        self.shown = -1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sweep-progress", daemon=True)

    def start(self) -> ProgressMonitor:
        self.path.write_text("")  # this session only
        self._thread.start()
        return self

    def counts(self) -> Counter:
        try:
            text = self.path.read_text()
        except OSError:
            return Counter()
        return Counter(ln.split("\t", 1)[0] for ln in text.splitlines() if ln)

    def poll(self) -> None:
        counts = self.counts()
        n = sum(counts.values())
        if n != self.shown:
            self.shown = n
            clear = "\r\033[K" if self.stream.isatty() else ""  # over a day-progress line
            print(clear + progress_line(counts, self.total, time.monotonic() - self.t0),
                  file=self.stream, flush=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self.poll()

    def stop(self) -> Counter:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.poll()
        counts = self.counts()
        self.path.unlink(missing_ok=True)
        return counts


# ---- the callback --------------------------------------------------------------------------------
def expected_jobs(config: DictConfig) -> list[list[str]] | None:
    """The override list of every job of this sweep (basic sweeper only; else ``None``)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not str(config.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    loader = GlobalHydra.instance().config_loader() if GlobalHydra.instance().is_initialized() \
        else None
    params = [f"{k}={v}" for k, v in (config.hydra.sweeper.get("params") or {}).items()]
    args = [*params, *OmegaConf.to_container(config.hydra.overrides.task)]
    overrides = OverridesParser.create(config_loader=loader).parse_overrides(args)
    return [job for batch in BasicSweeper.split_arguments(overrides, None) for job in batch]


class SweepCallback(Callback):
    """Progress during a ``-m`` sweep and the tidy table of its runs at the end (module doc).

    Args:
        kpis: the KPIs whose medians the closing summary prints per varied override.
        progress_every_s: how often the main process looks at the progress file.
    """

    def __init__(self, kpis=HEADLINE_KPIS, progress_every_s: float = 1.0) -> None:
        self.kpis = list(kpis)
        self.progress_every_s = float(progress_every_s)
        self.sweep_dir: str | None = None
        self.expected: list[list[str]] | None = None
        self._job_t0 = 0.0
        self._monitor: ProgressMonitor | None = None  # main process only

    def __getstate__(self) -> dict:  # shipped to every job with Hydra's context: keep it small
        state = dict(self.__dict__)
        state["_monitor"] = None  # a thread
        state["expected"] = None  # the whole job list
        return state

    # main process
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir)).absolute()
        sweep_dir.mkdir(parents=True, exist_ok=True)
        self.sweep_dir = str(sweep_dir)
        try:
            self.expected = expected_jobs(config)
        except Exception as err:  # the sweeper will report a bad sweep itself
            log.debug("cannot list the sweep's jobs: %s", err)
            self.expected = None
        total = len(self.expected) if self.expected is not None else None
        self._monitor = ProgressMonitor(sweep_dir / PROGRESS_FILE, total,
                                        self.progress_every_s).start()
        atexit.register(self._finish, interrupted=True)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        atexit.unregister(self._finish)
        self._finish(interrupted=False)

    def _finish(self, interrupted: bool) -> None:
        if self._monitor is None or self.sweep_dir is None:
            return
        counts = self._monitor.stop()
        total = self._monitor.total
        self._monitor = None
        silent = max(0, total - sum(counts.values())) if total is not None else 0
        _UNFINISHED["failed"] += counts["failed"] + silent
        sweep_dir = Path(self.sweep_dir)
        try:
            df = collect_runs(sweep_dir, self.expected)
            pq, csv = write_table(df, sweep_dir)
        except Exception as err:  # the runs are safe on disk; say why the table is not
            print(f"tiersim sweep: could not write the table of runs: {err!r}", file=sys.stderr)
            return
        head = "sweep interrupted" if interrupted else "sweep finished"
        note = pooling_note(sweep_dir, df)
        print(f"\n{head}: {sweep_dir}\n{format_summary(df, self.kpis)}\n"
              f"table of every run: {pq} (+ {csv.name})" + (f"\n{note}" if note else ""),
              flush=True)

    # wherever the job runs
    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._job_t0 = time.time()

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        if self.sweep_dir is None:  # a single run: no sweep to report on
            return
        run_dir = Path(str(config.hydra.runtime.output_dir))
        summary, error = run_dir / "summary.json", run_dir / "error.txt"
        # file times come from a coarse kernel clock: allow it half a second behind time.time()
        since = self._job_t0 - 0.5
        if job_return.status != JobStatus.COMPLETED or \
                (error.is_file() and error.stat().st_mtime >= since):
            status = "failed"
        elif summary.is_file() and summary.stat().st_mtime < since:
            status = "skipped"  # finished in an earlier session
        else:
            status = "ok"
        try:
            append_progress(Path(self.sweep_dir) / PROGRESS_FILE, status, run_dir.name)
        except OSError as err:  # progress is cosmetic; never fail a run for it
            log.warning("progress not recorded: %s", err)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.callbacks SWEEP_DIR``: (re)write the table of a sweep directory."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python -m experiments.callbacks SWEEP_DIR", file=sys.stderr)
        return 2
    sweep_dir = Path(argv[0])
    df = collect_runs(sweep_dir)
    pq, _ = write_table(df, sweep_dir)
    note = pooling_note(sweep_dir, df)
    print(f"{format_summary(df)}\ntable of every run: {pq}" + (f"\n{note}" if note else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
