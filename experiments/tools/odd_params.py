"""Generate the parameter tables of ``docs/ODD.md`` from the config schema (``model/config.py``).

The schema is the single source of truth: every field's default, its allowed range or choices and
its source (``field(metadata=...)``) are read from :class:`model.config.Config`, walked
recursively (nested dataclasses, and the list of :class:`~model.config.SegmentConfig` defaults).
One Markdown table is written per config group, with the plausible range and its reason of every
parameter that has one (``model.config.ranged_parameters``: what the global sensitivity analysis
samples) and, below the legend, the parameters left unranged and why (``model.config.NOT_RANGED``).
Units come from the key's name (``_h`` / ``_hours``
hours, ``_minutes``, ``_days``, ``_share`` / ``_p`` shares, ``headcount`` / ``size`` people,
``count`` a count, ``salary`` USD per year), from :data:`UNITS` where the name says too little,
and from the type for switches.

Usage::

    python -m experiments.tools.odd_params          # rewrite the block in docs/ODD.md
    python -m experiments.tools.odd_params --check  # exit 1 if the block is stale
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path
from typing import Any

from model.config import NOT_RANGED, Config, RangedParameter, ranged_parameters

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ODD.md"
BEGIN, END = "<!-- BEGIN PARAMS -->", "<!-- END PARAMS -->"

#: Units the name's suffix does not give (or gives too vaguely). Keys are dotted, with ``[*]``
#: standing for any list index. Checked before the suffix rules.
UNITS: dict[str, str] = {
    "seed": "integer",
    "experiment": "name (front-end bookkeeping)",
    "regime": "name (front-end bookkeeping)",
    "sim.business_hours": "hour of day [start, end)",
    "sim.workdays": "weekday (0 = Monday)",
    "sim.stalled_after_working_hours": "working hours",
    "demand.tickets_per_day": "tickets per calendar day",
    "demand.hourly_profile": "relative weight per hour (normalised to sum 1)",
    "demand.weekday_profile": "relative weight per weekday (normalised to mean 1)",
    "product.mean_work_hours": "hours of expert work",
    "product.service_cv": "coefficient of variation",
    "product.class_work_spread": "sd of log class mean work",
    "product.domains": "product domains",
    "product.classes": "issue classes",
    "product.zipf_s": "Zipf exponent",
    "product.complexity_mean": "complexity (0–1)",
    "product.complexity_concentration": "Beta a + b",
    "product.specialist_domains": "product domains",
    "customers.count": "customers",
    "customers.segments[*].name": "segment name",
    "customers.segments[*].share": "share of customers (0–1)",
    "customers.segments[*].mrr": "USD per month",
    "customers.segments[*].ticket_intensity": "relative ticket rate",
    "customers.domains_used_mean": "domains per customer",
    "customers.activity_sigma": "sd of log ticket rate",
    "customers.segments[*].churn_monthly": "probability per month",
    "customers.problem_correlation": "probability per link",
    "customers.relationship_weight": "× relationship effects (0 = none)",
    "customers.reference_goodwill": "goodwill (0–1)",
    "customers.graph.similarity_degree": "links per customer (mean)",
    "customers.graph.correlation_delay_hours": "calendar hours (mean)",
    "customers.goodwill.neutral": "goodwill (0–1)",
    "customers.goodwill.episode_weight": "share of the gap closed (0–1)",
    "customers.goodwill.stay_unresolved": "probability (0–1)",
    "customers.goodwill.stay_high_effort": "probability (0–1)",
    "customers.goodwill.stay_low_effort": "probability (0–1)",
    "customers.goodwill.high_effort_threshold": "effort points",
    "customers.goodwill.effort_per_day_open": "effort points per calendar day",
    "customers.goodwill.patience_days": "calendar days",
    "customers.goodwill.unhonoured_cost": "goodwill (0–1)",
    "customers.goodwill.wom_churn_hit": "goodwill (0–1)",
    "customers.goodwill.wom_loyal_lift": "goodwill (0–1) per month",
    "customers.goodwill.loyal_threshold": "goodwill (0–1)",
    "customers.relationships.gain": "share of the gap to 1 (0–1)",
    "customers.relationships.odds_ratio": "odds ratio at strength 1",
    "customers.relationships.named_request_per_strength": "probability per unit strength",
    "customers.relationships.goodwill_lift": "goodwill (0–1) at strength 1",
    "customers.growth.acquisition_monthly_share": "× customers.count per month",
    "customers.growth.referral_monthly_p": "probability per month",
    "customers.growth.expansion_monthly_share": "MRR growth per month",
    "org.reply_wait_hours": "calendar hours (mean)",
    "org.reopen_delay_hours": "calendar hours (mean)",
    "org.l1.mandate_complexity": "complexity (0–1)",
    "org.l1.script_time_factor": "× ticket work",
    "org.l1.script_close_half_load": "queued tickets per L1 person",
    "org.engineering.mean_fix_hours": "hours of expert work",
    "org.engineering.channel_context_loss": "× org.handoff.context_loss_p",
    "org.handoff.context_retention": "share of context kept (0–1)",
    "org.escalation.p": "probability (0–1)",
    "org.escalation.l2_work_factor": "× product.mean_work_hours",
    "org.pods.count": "pods",
    "org.pods.breadth": "domains per generalist",
    "org.pilot.start_day": "simulated day",
    "org.pilot.segment": "segment name",
    "workforce.proficiency.spread": "sd of proficiency",
    "workforce.novice_multiplier": "× expert handle time",
    "feedback.signal_retention_per_handoff": "share of signal detail kept per hand-off (0–1)",
    "feedback.script_signal_factor": "× signal detail",
    "feedback.evidence_threshold": "detail-weighted signals",
    "feedback.fixes_per_quarter": "fixes per 91 days",
    "feedback.fix_lead_time_weeks": "weeks",
    "feedback.fix_effect": "share of the class's arrivals (0–1)",
    "feedback.workflow_min_proficiency": "proficiency (0–1)",
    "feedback.deflection_share": "share of the class's arrivals (0–1)",
}

_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_hours", "hours"),
    ("_h", "hours"),
    ("_minutes", "minutes"),
    ("_days", "days"),
    ("_share", "probability / share (0–1)"),
    ("_p", "probability / share (0–1)"),
    ("headcount", "people"),
    ("size", "people"),
    ("count", "count"),
)


@dataclasses.dataclass(frozen=True)
class Row:
    """One parameter: dotted key, default, unit, allowed values, source, plausible range (why)."""

    key: str
    default: Any
    unit: str
    allowed: str
    source: str
    plausible: str = "—"


@dataclasses.dataclass
class Group:
    """One table: a config group (a dataclass node of the schema)."""

    key: str
    title: str
    note: str
    rows: list[Row]


# --- derivations -----------------------------------------------------------------------------
def unit_for(key: str, ftype: Any = None) -> str:
    """The unit of ``key``: :data:`UNITS`, then the name's suffix, then the type, else '—'."""
    generic = re.sub(r"\[\d+\]", "[*]", key)
    if generic in UNITS:
        return UNITS[generic]
    parts = generic.split(".")
    name = parts[-1]
    if "salary" in parts:
        return {"loading": "multiplier (wage -> loaded cost)",
                "annual_raise": "share per completed year of tenure"}.get(
            name, "USD per year (wage, before loading)")
    if parts[:2] == ["workforce", "proficiency"]:
        return "proficiency (0–1)"
    for suffix, unit in _SUFFIXES:
        if name.endswith(suffix):
            return unit
    if "bool" in str(ftype):
        return "on / off"
    return "—"


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return f"{x:.1f}"
    return str(x)


def allowed_for(meta: dict, ftype: Any = None) -> str:
    """Allowed values from the field metadata (``choices``, ``range``, ``length``)."""
    choices, rng, length = meta.get("choices"), meta.get("range"), meta.get("length")
    if choices:
        text = " \\| ".join(f"`{c}`" for c in choices)
    elif rng is not None:
        lo, hi = rng
        if lo is not None and hi is not None:
            text = f"[{_num(lo)}, {_num(hi)}]"
        elif lo is not None:
            text = f"≥ {_num(lo)}"
        else:
            text = f"≤ {_num(hi)}"
    elif "bool" in str(ftype):
        text = "`true` \\| `false`"
    else:
        text = "—"
    if "list" in str(ftype) and text != "—":
        text = f"each {text}"
    if length is not None:
        text = f"{text}; exactly {length} values"
    return text


def _cell(x: Any) -> str:
    if isinstance(x, bool):
        text = "true" if x else "false"
    elif isinstance(x, str):
        text = f'"{x}"'
    elif isinstance(x, list):
        text = "[" + ", ".join(_num(v) for v in x) + "]"
    else:
        text = _num(x)
    return f"`{text}`"


def _esc(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def plausible_for(param: RangedParameter | None) -> str:
    """``[low, high]: why`` of a ranged parameter, '—' for one without a plausible range."""
    if param is None:
        return "—"
    lo, hi = (int(v) if param.integer else v for v in (param.low, param.high))
    return f"[{_num(lo)}, {_num(hi)}]: {param.why}"


def _hydra_key(key: str) -> str:
    """``customers.segments[0].mrr`` -> ``customers.segments.0.mrr`` (Hydra's list syntax)."""
    return re.sub(r"\[(\d+)\]", r".\1", key)


def _doc(obj: Any) -> str:
    """First paragraph of a dataclass's own docstring ('' if it has none)."""
    doc = type(obj).__doc__ or ""
    if doc.startswith(type(obj).__name__ + "("):  # dataclass's generated signature
        return ""
    return " ".join(doc.strip().split("\n\n")[0].split())


# --- walking the schema ----------------------------------------------------------------------
def _is_dc_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and dataclasses.is_dataclass(value[0])


def _walk(obj: Any, prefix: str, title: str, note: str, out: list[Group],
          ranged: dict[str, RangedParameter]) -> None:
    group = Group(prefix.rstrip(".") or "(top level)", title, note, [])
    out.append(group)
    children: list[tuple] = []
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        meta = dict(f.metadata)
        if dataclasses.is_dataclass(value):
            children.append(("node", key, value, meta))
        elif _is_dc_list(value):
            children.append(("list", key, value, meta))
        else:
            group.rows.append(Row(key, value, unit_for(key, f.type), allowed_for(meta, f.type),
                                  meta.get("src") or "—", plausible_for(ranged.get(key))))
    for kind, key, value, meta in children:
        if kind == "node":
            _walk(value, key + ".", type(value).__name__, _doc(value), out, ranged)
        else:
            _walk_list(key, value, meta, out, ranged)
    if not group.rows:
        out.remove(group)


def _walk_list(key: str, items: list, meta: dict, out: list[Group],
               ranged: dict[str, RangedParameter]) -> None:
    """A list of dataclasses (customer segments): one row per item and field."""
    first = items[0]
    note = _doc(first)
    src = meta.get("src")
    if src:
        note = f"{note} Default list: {src}.".strip()
    group = Group(key, f"list of {type(first).__name__}", note, [])
    for i, item in enumerate(items):
        for f in dataclasses.fields(item):
            k = f"{key}[{i}].{f.name}"
            m = dict(f.metadata)
            group.rows.append(Row(k, getattr(item, f.name), unit_for(k, f.type),
                                  allowed_for(m, f.type), m.get("src") or "—",
                                  plausible_for(ranged.get(_hydra_key(k)))))
    out.append(group)


def groups(cfg: Config | None = None) -> list[Group]:
    """The schema's parameter groups, in declaration order (depth first)."""
    cfg = cfg if cfg is not None else Config()
    ranged = {r.key: r for r in ranged_parameters(cfg)}
    out: list[Group] = []
    _walk(cfg, "", "Config", "Run-level keys.", out, ranged)
    return out


def schema_keys() -> list[str]:
    """Every dotted key of the schema (list items indexed, e.g. ``customers.segments[0].mrr``)."""
    return [r.key for g in groups() for r in g.rows]


# --- rendering -------------------------------------------------------------------------------
def render() -> str:
    """The Markdown parameter tables (the block between the PARAMS markers in docs/ODD.md)."""
    lines = [
        "<!-- Generated by `python -m experiments.tools.odd_params` from model/config.py: do not edit "
        "by hand. -->",
        "",
        "Source `[A]` marks a stated assumption (docs/science.md §2), which is also the schema's "
        "marker for fields declared without a source. Ranges are inclusive; list-valued keys "
        "apply the range to each element.",
        "",
        "The last column, *plausible range (why)*, is the range a careful reader would accept for "
        "the parameter in a real SaaS support organisation, and its reason (a source's spread, or "
        "an assumption `[A]`). It is the input of the global sensitivity analysis of the verdict "
        "(`model.config.ranged_parameters()`), not a limit: any value in *allowed* runs. On the "
        "command line a segment's key indexes the list with a dot, e.g. "
        "`customers.segments.0.churn_monthly=0.02`.",
        "",
        "Numeric parameters left without a plausible range, and why (`model.config.NOT_RANGED`; "
        "lists such as the demand profiles, switches and choices are not ranged either: they are "
        "structure, not quantities to sample):",
        "",
        *(f"- {reason}: " + ", ".join(f"`{k}`" for k in keys)
          for reason, keys in NOT_RANGED.items()),
        "",
    ]
    for g in groups():
        name = g.key if g.key.startswith("(") else f"`{g.key}`"
        lines.append(f"#### {name} — {g.title}")
        lines.append("")
        if g.note:
            lines.append(_esc(g.note))
            lines.append("")
        lines.append("| key | default | unit | allowed | source | plausible range (why) |")
        lines.append("|---|---|---|---|---|---|")
        for r in g.rows:
            lines.append(f"| `{r.key}` | {_esc(_cell(r.default))} | {_esc(r.unit)} | "
                         f"{r.allowed} | {_esc(r.source)} | {_esc(r.plausible)} |")
        lines.append("")
    return "\n".join(lines)


def _split(text: str) -> tuple[str, str, str]:
    """``(before, block, after)`` around the PARAMS markers (markers stay in before/after)."""
    i, j = text.find(BEGIN), text.find(END)
    if i < 0 or j < 0 or j < i:
        raise ValueError(f"markers {BEGIN} ... {END} not found (in that order)")
    head = text[: i + len(BEGIN)]
    return head, text[len(head): j], text[j:]


def block(text: str) -> str:
    """The current content between the markers (without the surrounding newlines)."""
    return _split(text)[1].strip("\n")


def update(text: str) -> str:
    """``text`` with the PARAMS block replaced by :func:`render`."""
    head, _, tail = _split(text)
    return f"{head}\n{render().strip(chr(10))}\n{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the doc's parameter block is stale")
    ap.add_argument("--doc", type=Path, default=DOC, help=f"the document (default {DOC})")
    args = ap.parse_args(argv)
    try:
        text = args.doc.read_text(encoding="utf-8")
        new = update(text)
    except (OSError, ValueError) as err:
        print(f"odd_params: {args.doc}: {err}", file=sys.stderr)
        return 2
    if args.check:
        if new != text:
            print(f"odd_params: {args.doc} parameter tables are stale; run "
                  "`python -m experiments.tools.odd_params`", file=sys.stderr)
            return 1
        print(f"odd_params: {args.doc} parameter tables are up to date")
        return 0
    if new != text:
        args.doc.write_text(new, encoding="utf-8")
        print(f"odd_params: updated {args.doc}")
    else:
        print(f"odd_params: {args.doc} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
