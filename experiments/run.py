"""``tiersim [overrides]``: one simulation run (or a sweep with ``-m``), written to ``outputs/``.

Each run directory holds ``config.yaml``, ``summary.json``, ``timeseries.parquet``,
``tickets.parquet``, ``staff.parquet``, ``customers.parquet`` (and ``events.parquet`` with
``sim.record_events=true``). In a sweep, a run whose ``summary.json`` exists with the same config
hash is skipped, so rerunning an interrupted sweep only does what is missing; a run that fails
(an exception, or a configuration error of its own) writes ``error.txt`` in its directory and the
sweep goes on. The sweep's progress and its table of runs come from
:class:`experiments.callbacks.SweepCallback`; the exit code is 1 if any run of the sweep failed.

Before Hydra starts, :func:`experiments.cli.preflight` checks the command line (keys, types,
ranges, group choices, every value of a sweep, then the composed config) and exits 2 with one
line per problem; a sweep without ``hydra.sweep.dir`` gets a directory of its own, named from the
experiment and the overrides (:func:`experiments.cli.sweep_dir_name`), so that two sweep commands
never share one and a rerun finds its own. ``experiment=validation`` logs Erlang C beside the
run (:func:`erlang_c_reference`).

With a profile (``tiersim profile=<name>``, ``profile.name`` set, not ``-m``), the run is
handed over to :func:`experiments.profile.run_profile`: both designs on paired seeds for a
support leader's own org, and ``answer.md`` in the run directory
(``outputs/runs/<date>/<time>_profile_<name>/``).

Test hook: ``TIERSIM_TEST_FAIL_SEEDS=3,5`` makes the runs with those seeds raise inside the
simulation step (to test failure handling across launchers; never set it otherwise;
:func:`experiments.cli.injected_failure`).
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import traceback
import warnings
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments import callbacks, profile
from experiments.cli import (
    CONF_DIR,
    DayProgress,
    fail,
    injected_failure,
    preflight,
    register,
    sweep_dir_override,
    to_config,
)
from experiments.tables import num
from model.config import Config, ConfigError
from model.queueing import erlang_c
from model.runio import config_hash
from model.simulate import simulate, write_run

log = logging.getLogger("tiersim")

HEADLINE = ["tickets_created", "mean_wait_h", "mean_resolution_h", "median_resolution_h",
            "handoffs_per_ticket", "explanations_per_ticket", "stalled_share", "pingpong_share",
            "reopen_share", "cost_per_resolved_ticket"]


def _already_done(run_dir: Path, chash: str) -> bool:
    s = run_dir / "summary.json"
    if not s.exists():
        return False
    try:
        return json.loads(s.read_text()).get("config_hash") == chash
    except (OSError, ValueError):
        return False


def erlang_c_reference(config: Config, summary: dict) -> str | None:
    """For ``experiment=validation`` (docs/science.md section 1, V1: one pod owning every ticket,
    24/7, flat Poisson arrivals, exponential work, the mechanisms off), Erlang C's ``p_wait``
    and ``mean_wait_h`` for the run's own lambda, mu and c, beside the run's; ``None`` for any
    other experiment, or when an override has made the run something other than M/M/c."""
    org = config.org
    plain = (config.experiment == "validation" and org.design == "generalist"
             and org.ownership == "pod" and org.pods.count == 1
             and config.sim.calendar == "always" and config.demand.pattern == "flat"
             and config.product.service == "exponential" and config.product.domains == 1
             and config.product.engineering_share == 0 and config.product.specialist_share == 0)
    if not plain:
        return None
    c = org.pods.size
    lam, mu = config.demand.tickets_per_day / 24.0, 1.0 / config.product.mean_work_hours
    a = lam / mu
    if a >= c:
        return (f"M/M/{c} with lambda = {lam:g}/h, mu = {mu:g}/h: offered load {a:g} >= {c} "
                "servers, no steady state (Erlang C does not apply)")
    p_wait = erlang_c(c, a)
    wq = p_wait / (c * mu - lam)
    sim = [summary.get(k) for k in ("p_wait", "mean_wait_h")]
    shown = [f"{v:.{d}f}" if isinstance(v, float) else "n/a"  # the reference's decimals
             for v, d in zip(sim, (4, 5), strict=True)]
    return (f"Erlang C for M/M/{c} (lambda = {lam:g}/h, mu = {mu:g}/h): p_wait {p_wait:.4f} "
            f"(this run {shown[0]}), mean_wait_h {wq:.5f} (this run {shown[1]})")


def run_one(cfg: DictConfig) -> dict | None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    multirun = HydraConfig.get().mode.name == "MULTIRUN"
    try:
        config = to_config(cfg)
    except (ConfigError, ValueError) as err:
        if not multirun:
            fail(err)
        run_dir.mkdir(parents=True, exist_ok=True)  # one bad cell must not stop the sweep
        (run_dir / "error.txt").write_text(f"tiersim: {err}\n")
        log.error("run not started: %s", err)
        return None
    chash = config_hash(config)
    if multirun and _already_done(run_dir, chash):
        log.info("skip %s: finished before (same config hash)", run_dir.name)
        return json.loads((run_dir / "summary.json").read_text())
    # the completion marker must only ever describe this directory's files: drop a stale one
    (run_dir / "summary.json").unlink(missing_ok=True)
    label = f"{config.org.design} seed {config.seed}"
    try:
        injected_failure(config.seed)
        _, summary, tables = simulate(config, DayProgress(label, config.sim.progress))
    except Exception:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "error.txt").write_text(traceback.format_exc())
        log.error("run failed; traceback in %s", run_dir / "error.txt")
        if multirun:
            return None
        raise
    write_run(run_dir, summary, tables, OmegaConf.to_yaml(OmegaConf.structured(config)))
    (run_dir / "error.txt").unlink(missing_ok=True)
    lines = [f"{k:>26}: {num(summary[k])}" if isinstance(summary[k], float) else
             f"{k:>26}: {summary[k]}" for k in HEADLINE if summary.get(k) is not None]
    reference = erlang_c_reference(config, summary)
    if reference is not None:
        lines.append(reference)
    log.info("%s done in %.1f s -> %s\n%s", label, summary["wall_seconds"], run_dir,
             "\n".join(lines))
    return summary


register()
# conf/hydra/launcher/{submitit_local,ray}.yaml shadow the plugins' configs of the same name on
# purpose (project presets); Hydra still validates them against the plugins' schemas, and says so.
warnings.filterwarnings("ignore", message=r"(?s).*is validated against ConfigStore schema",
                        category=UserWarning)


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _main(cfg: DictConfig) -> dict | None:
    if cfg.profile.name and HydraConfig.get().mode.name != "MULTIRUN":
        profile.run_profile(cfg)  # tiersim profile=<name>: both designs and answer.md
        return None
    return run_one(cfg)


def _terminate(signum, frame) -> None:
    sys.exit(128 + signum)  # SIGTERM (kill, scancel) exits like Ctrl-C: the sweep's table is written


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    argv = sys.argv[1:]
    args, cfg = preflight(argv)  # a configuration error exits 2 here, before Hydra starts
    if args.multirun and cfg is not None:
        own_dir = sweep_dir_override(argv, cfg)  # each sweep command its own directory
        if own_dir is not None:
            sys.argv.append(own_dir)
    try:
        _main()
    except KeyboardInterrupt:  # finished runs are on disk; a sweep writes its table at exit
        print("tiersim: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(1 if callbacks.failed_runs() or profile.failed() else 0)


if __name__ == "__main__":
    main()
