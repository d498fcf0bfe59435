"""Markdown tables for the studies' reports (plain text: no optional dependency)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd


def num(v: float | None, sign: bool = False) -> str:
    """A readable number, never in scientific notation: thousands separated and no decimals
    from 100 on, 3 significant digits below (fixed point, e.g. 0.00000627); ``-`` for a missing
    value."""
    if v is None or pd.isna(v):
        return "-"
    s = "+" if sign else ""
    a = abs(v)
    if not math.isfinite(a):
        return f"{v:{s}}"
    if a >= 100:
        return f"{v:{s},.0f}"
    if a >= 10:
        return f"{v:{s}.1f}"
    if a >= 1:
        return f"{v:{s}.2f}"
    if a >= 0.001 or a == 0:
        return f"{v:{s}.3f}"
    return f"{v:{s}.{2 - math.floor(math.log10(a))}f}"


def plain_cell(v: Any) -> str:
    """Floats to 3 decimals with thousands separators (below 0.001: 3 significant digits, still
    fixed point), anything else as ``str``."""
    if not isinstance(v, float):
        return str(v)
    if math.isfinite(v) and 0 < abs(v) < 0.0005:  # ,.3f would print 0.000
        return num(v)
    return f"{v:,.3f}"


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


__all__ = ["markdown", "num", "plain_cell"]
