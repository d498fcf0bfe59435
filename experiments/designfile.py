"""Design files: one run's parameter values read from a table, for sampled experiments.

A sampled experiment (the sensitivity analysis, ``experiments/sensitivity.py``) cannot be a
Cartesian Hydra sweep: its points are rows of a sample matrix. It writes the matrix to a CSV
file, one row per point (a ``sample`` column, then one column per config key, dotted as on the
command line), and sweeps ``sensitivity.sample=range(N)`` over it on any launcher. Each run then
reads its own row here, when the config is converted (``experiments/cli.py`` ``to_config``): the
row's values replace the composed ones before validation, so the run's ``config.yaml`` and its
config hash hold the values it ran with. An empty cell leaves that key at its composed value.
"""

from __future__ import annotations

import csv
from pathlib import Path

from model.config import Config, ConfigError, schema_field, set_key

SAMPLE = "sample"


def write_design(path: Path, keys: list[str], rows: list[list[float | None]],
                 integer: dict[str, bool] | None = None) -> None:
    """Write ``rows`` (one value per key, ``None`` = leave at the composed value) to ``path``;
    integer keys are rounded to whole numbers."""
    integer = integer or {}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([SAMPLE, *keys])
        for i, row in enumerate(rows):
            cells = []
            for key, v in zip(keys, row, strict=True):
                if v is None or v != v:  # None or NaN: not set in this row
                    cells.append("")
                elif integer.get(key):
                    cells.append(str(int(round(float(v)))))
                else:
                    cells.append(repr(float(v)))
            w.writerow([i, *cells])
    tmp.replace(path)


def read_row(path: str | Path, sample: int) -> dict[str, str]:
    """The non-empty cells of row ``sample`` of the design file at ``path``."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"invalid configuration:\n  - sensitivity.design = {str(path)!r}: "
                          "no such file")
    with p.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or reader.fieldnames[0] != SAMPLE:
            raise ConfigError(f"invalid configuration:\n  - sensitivity.design = {str(path)!r}: "
                              f"not a design file (its first column must be {SAMPLE!r})")
        for row in reader:
            if row[SAMPLE] == str(sample):
                return {k: v for k, v in row.items() if k != SAMPLE and v not in ("", None)}
    raise ConfigError(f"invalid configuration:\n  - sensitivity.sample = {sample}: "
                      f"no such row in {path}")


def apply_design_row(cfg: Config) -> Config:
    """Set the keys of the design row ``cfg.sensitivity.sample`` (a no-op when it is -1)."""
    s = cfg.sensitivity
    if s.sample < 0:
        return cfg
    if not s.design:
        raise ConfigError("invalid configuration:\n  - sensitivity.sample = "
                          f"{s.sample}: needs sensitivity.design, the design file")
    for key, text in read_row(s.design, s.sample).items():
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(f"invalid configuration:\n  - {key} = {text!r} in "
                              f"{s.design}: not a number") from None
        if schema_field(key)[1].type in ("int", int):  # a sample between two whole numbers
            value = float(round(value))
        set_key(cfg, key, value)
    return cfg


__all__ = ["SAMPLE", "apply_design_row", "read_row", "write_design"]
