"""Markdown tables for the studies' reports (plain text: no optional dependency)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd


def plain_cell(v: Any) -> str:
    """Floats to 3 decimals with thousands separators, anything else as ``str``."""
    return f"{v:,.3f}" if isinstance(v, float) else str(v)


def markdown(df: pd.DataFrame, *, index: str | None = None, fmt: dict[str, str] | None = None,
             cell: Callable[[Any], str] = plain_cell) -> str:
    """``df`` as a Markdown table.

    ``index``: the header of a first column holding ``df.index`` (``""`` for a blank header;
    ``None``: no index column). ``fmt``: per-column format strings (``"{:.3f}"``) applied to
    numbers; every other cell goes through ``cell``.
    """
    fmt = fmt or {}
    cols = list(df.columns)
    head = ([index] if index is not None else []) + [str(c) for c in cols]
    header = "| " + " | ".join(head) + " |"
    if index == "":  # a blank index header: "| | a | b |"
        header = "| | " + " | ".join(head[1:]) + " |"
    lines = [header, "|---" * len(head) + "|"]
    for i, row in zip(df.index, df.itertuples(index=False), strict=True):
        cells = [fmt[c].format(v) if c in fmt and isinstance(v, int | float) else cell(v)
                 for c, v in zip(cols, row, strict=True)]
        lines.append("| " + " | ".join(([str(i)] if index is not None else []) + cells) + " |")
    return "\n".join(lines)


__all__ = ["markdown", "plain_cell"]
