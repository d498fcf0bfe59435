"""Hydra front end shared by the command-line tools: schema registration, config conversion,
clear error messages, progress output."""

from __future__ import annotations

import sys
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from experiments.designfile import apply_design_row
from model.config import Config, ConfigError, validate
from model.pods import check_pods

ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = str(ROOT / "conf")


def register() -> None:
    """Register the schema and the ``${tiersim_root:}`` resolver (idempotent)."""
    ConfigStore.instance().store(name="base_config", node=Config)
    if not OmegaConf.has_resolver("tiersim_root"):
        OmegaConf.register_new_resolver("tiersim_root", lambda: str(ROOT))


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


__all__ = ["CONF_DIR", "ROOT", "ConfigError", "DayProgress", "fail", "register", "to_config"]
