"""``tiersim [overrides]``: one simulation run (or a sweep with ``-m``), written to ``outputs/``.

Each run directory holds ``config.yaml``, ``summary.json``, ``timeseries.parquet``,
``tickets.parquet``, ``staff.parquet``, ``customers.parquet`` (and ``events.parquet`` with
``sim.record_events=true``). In a sweep, a run whose ``summary.json`` exists with the same config
hash is skipped, so rerunning an interrupted sweep only does what is missing.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from experiments.cli import CONF_DIR, DayProgress, fail, register, to_config
from model.config import ConfigError
from model.runio import config_hash, simulate, write_run

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


def run_one(cfg: DictConfig) -> dict | None:
    try:
        config = to_config(cfg)
    except (ConfigError, ValueError) as err:
        fail(err)
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    chash = config_hash(config)
    multirun = HydraConfig.get().mode.name == "MULTIRUN"
    if multirun and _already_done(run_dir, chash):
        log.info("skip %s: finished before (same config hash)", run_dir.name)
        return json.loads((run_dir / "summary.json").read_text())
    label = f"{config.org.design} seed {config.seed}"
    try:
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
    lines = [f"{k:>26}: {summary[k]:.4g}" if isinstance(summary[k], float) else
             f"{k:>26}: {summary[k]}" for k in HEADLINE if summary.get(k) is not None]
    log.info("%s done in %.1f s -> %s\n%s", label, summary["wall_seconds"], run_dir,
             "\n".join(lines))
    return summary


register()


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _main(cfg: DictConfig) -> None:
    run_one(cfg)


def main() -> None:
    sys.exit(_main())


if __name__ == "__main__":
    main()
