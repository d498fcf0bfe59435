"""Writing a run directory (docs/design.md section 10) and its provenance: files only, no model.

``model/simulate.py`` runs a simulation and hands its summary and tables to :func:`write_run`.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.config import Config, to_dict
from model.eventlog import write_ocel, write_xes

PACKAGES = ("tiersim", "mesa", "numpy", "pandas", "pyarrow", "networkx", "hydra-core")


def config_hash(cfg: Config) -> str:
    """SHA-256 (first 16 hex) of the canonical JSON of the config, excluding nothing."""
    blob = json.dumps(to_dict(cfg), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def versions() -> dict:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def git_revision() -> str:
    here = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (rev + ("-dirty" if dirty else "")) if rev else "unknown"


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


ROW_GROUP = 1 << 20  # rows per Parquet row group: fixed, so identical data gives identical bytes


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """``df`` to ``path`` with no pandas index, zstd, ``ROW_GROUP`` rows per row group.

    A table of more than one row group is converted to Arrow one row group at a time, so the
    writer holds one row group's Arrow copy beside the table rather than a copy of all of it
    (about 1 GB less peak memory for a 5-million-row ticket table). The file's bytes are those of
    ``df.to_parquet`` (same schema, its pandas metadata included, and the same row groups).
    """
    if len(df) <= ROW_GROUP:
        _atomic_write(path, lambda p: df.to_parquet(p, index=False, compression="zstd",
                                                    row_group_size=ROW_GROUP))
        return

    def write(p) -> None:
        first = pa.Table.from_pandas(df.iloc[:ROW_GROUP], preserve_index=False)
        with pq.ParquetWriter(p, first.schema, compression="zstd") as writer:
            writer.write_table(first, row_group_size=ROW_GROUP)
            del first
            for a in range(ROW_GROUP, len(df), ROW_GROUP):
                part = pa.Table.from_pandas(df.iloc[a:a + ROW_GROUP], schema=writer.schema,
                                            preserve_index=False)
                writer.write_table(part, row_group_size=ROW_GROUP)

    _atomic_write(path, write)


def write_json(obj: dict, path: Path) -> None:
    def w(p):
        with open(p, "w") as f:
            json.dump(obj, f, indent=2, sort_keys=True, default=str)
            f.write("\n")
    _atomic_write(path, w)


def write_run(run_dir: Path, summary: dict, tables: dict[str, pd.DataFrame],
              config_yaml: str) -> None:
    """Write the run directory; ``summary.json`` last, so its presence marks a complete run.

    Each table becomes ``<name>.parquet``; an ``events`` table (with its ``timestamp`` column,
    as :func:`model.simulate.simulate` builds it) is also written as ``events.xes.gz`` (XES) and
    ``events.ocel.json`` (OCEL 2.0) for process-mining tools (``model/eventlog.py``)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(config_yaml)
    for name, df in tables.items():
        write_parquet(df, run_dir / f"{name}.parquet")
    events = tables.get("events")
    if events is not None:  # the same log for process-mining tools (model/eventlog.py)
        tickets, staff, customers = (tables.get(k) for k in ("tickets", "staff", "customers"))
        _atomic_write(run_dir / "events.xes.gz", lambda p: write_xes(events, p, tickets))
        _atomic_write(run_dir / "events.ocel.json",
                      lambda p: write_ocel(events, p, tickets, staff, customers))
    meta = {"versions": versions(), "git_revision": git_revision()}
    write_json(meta, run_dir / "provenance.json")
    write_json(summary, run_dir / "summary.json")
