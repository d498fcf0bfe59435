"""The page's controls: defaults from the composed Hydra config, values to overrides.

The controls (``CONTROLS``, one line per control) default to the values of the same Hydra config
as the ``tiersim`` CLI (``conf/config.yaml``). The config is composed on first use (:func:`base_cfg`),
never at import. Reset composes the config again with the controls as overrides
(:func:`build_config`); the page always runs a long horizon (``VIZ_OVERRIDES``) so that Play
keeps going.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from experiments import study
from experiments.cli import CONF_DIR, register
from model.config import Config, ConfigError

VIZ_OVERRIDES = ["sim.horizon_days=3650", "sim.progress=false"]  # Play runs up to 10 years


def compose_cfg(overrides: list[str] | None = None) -> DictConfig:
    """Compose ``conf/config.yaml`` exactly as the CLI does (plus ``overrides``)."""
    register()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose("config", overrides=list(overrides or []))


@cache
def base_cfg() -> DictConfig:
    """The CLI's config, composed once, on first use (not at import: importing the page must
    not need Hydra's config directory)."""
    return compose_cfg()


def parse_seed(value: Any) -> int:
    """The seed typed on the page, or a :class:`ConfigError` saying what to type."""
    text = str(value).strip()
    try:
        seed = int(text)
    except ValueError:
        raise ConfigError(f"invalid configuration:\n  - seed = {text!r}: type a whole number "
                          ">= 0, e.g. 7") from None
    if seed < 0:
        raise ConfigError(f"invalid configuration:\n  - seed = {seed}: must be >= 0")
    return seed


def _slider_int(lo: int, hi: int, step: int = 1) -> dict:
    return {"type": "SliderInt", "min": lo, "max": hi, "step": step}


def _slider_float(lo: float, hi: float, step: float) -> dict:
    return {"type": "SliderFloat", "min": lo, "max": hi, "step": step}


def _select(*values: str) -> dict:
    return {"type": "Select", "values": list(values)}


@dataclass(frozen=True)
class Control:
    """One input on the page.

    ``key`` names the parameter; for a plain config key (``org.l1.headcount``) the default is the
    composed config's value and the override is ``key=value``. Derived controls give ``default``
    (composed config -> value) and ``overrides`` (value, composed base config -> Hydra overrides).
    """

    key: str
    label: str
    widget: dict
    default: Callable[[DictConfig], Any] | None = None
    overrides: Callable[[Any, DictConfig], list[str]] | None = None
    fmt: Callable[[Any], str] = str  # the value as shown next to the label

    def default_from(self, cfg: DictConfig) -> Any:
        return self.default(cfg) if self.default else OmegaConf.select(cfg, self.key)

    def to_overrides(self, value: Any, base: DictConfig) -> list[str]:
        return self.overrides(value, base) if self.overrides else [f"{self.key}={value}"]


def _ratio_overrides(value: Any, base: DictConfig) -> list[str]:
    l1, l2 = base.workforce.salary.l1, base.workforce.salary.l2
    if math.isclose(float(value), l1 / l2, rel_tol=1e-9):
        return []  # untouched: keep the config's own L1 salary
    return [f"workforce.salary.l1={float(value) * l2:.2f}"]


def _ratio_text(v: float) -> str:
    l2 = base_cfg().workforce.salary.l2
    return f"{v:.2f} (L1 ${v * l2 / 1000:.0f}k a year, L2 ${l2 / 1000:.0f}k)"


REGIMES = sorted(p.stem for p in (Path(CONF_DIR) / "regime").glob("*.yaml"))
CONTROLS: list[Control] = [
    Control("org.design", "Org design",
            _select("tiered", "generalist", "pilot"), overrides=lambda v, _: [f"org={v}"]),
    Control("org.l1.headcount", "L1 agents (tiered, pilot)", _slider_int(1, 60)),
    Control("org.l2.headcount", "L2 engineers (tiered, pilot)", _slider_int(4, 40)),
    Control("org.pods.count", "Pods (generalist)", _slider_int(1, 12)),
    Control("org.pods.size", "People per pod (generalist)", _slider_int(2, 12)),
    Control("l1_l2_cost_ratio", "L1 / L2 salary", _slider_float(0.3, 1.0, 0.01),
            default=lambda c: c.workforce.salary.l1 / c.workforce.salary.l2,
            overrides=_ratio_overrides,
            fmt=_ratio_text),
    Control("seed", "Seed (a whole number; applies on Reset)", {"type": "InputText"},
            default=lambda c: str(c.seed), overrides=lambda v, _: [f"seed={parse_seed(v)}"]),
    Control("regime", "Regime (conf/regime)", _select(*REGIMES),
            overrides=lambda v, _: [f"regime={v}"]),
    Control("customers.relationship_weight", "Relationship weight (0 = transactional)",
            _slider_float(0.0, 3.0, 0.05), fmt=lambda v: f"{v:.2f}"),
    Control("customers.problem_correlation", "Problem correlation on the customer graph",
            _slider_float(0.0, 1.0, 0.01), fmt=lambda v: f"{v:.2f}"),
]

CONTROL_BY_KEY = {c.key: c for c in CONTROLS}


def control_defaults(base: DictConfig | None = None) -> dict[str, Any]:
    """Each control's default: its value in ``base`` (default: the CLI's config)."""
    base = base_cfg() if base is None else base
    return {c.key: c.default_from(base) for c in CONTROLS}


def model_params(base: DictConfig | None = None) -> dict[str, dict]:
    """SolaraViz ``model_params``: one user input per control, its default from the config."""
    base = base_cfg() if base is None else base
    return {c.key: {**c.widget, "label": c.label, "value": c.default_from(base)}
            for c in CONTROLS}


def overrides_for(params: dict[str, Any], base: DictConfig | None = None) -> list[str]:
    """The Hydra overrides for the controls' values (``params``; missing ones: defaults)."""
    base = base_cfg() if base is None else base
    known = CONTROL_BY_KEY
    unknown = set(params) - set(known)
    if unknown:
        raise ConfigError(f"invalid configuration:\n  - unknown control(s): {sorted(unknown)}")
    out: list[str] = []
    for key, value in {**control_defaults(base), **params}.items():
        out.extend(known[key].to_overrides(value, base))
    return out


def build_config(params: dict[str, Any] | None = None) -> Config:
    """The typed, validated :class:`Config` for the page's controls (compose + overrides)."""
    return study.compose([*overrides_for(params or {}), *VIZ_OVERRIDES])

