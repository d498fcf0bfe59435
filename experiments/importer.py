"""``tiersim-import EXPORT.csv --format zendesk|freshdesk|generic --name NAME``: a profile from a
helpdesk ticket export.

It reads a CSV ticket export (one row per ticket) and writes ``conf/profile/<name>.yaml`` (or
``--out``), a Hydra config group file for ``tiersim profile=<name>``, holding what the export
measures about the org:

* ``demand.tickets_per_day`` — tickets created per calendar day over the export's window (the
  calendar days from the first ticket's to the last ticket's creation date);
* ``demand.hourly_profile`` — arrivals by hour of day as written in the export (its time zone),
  scaled to mean 1 (the model uses the shares: ``model/demand.py`` divides by the sum);
* ``demand.weekday_profile`` — arrivals per calendar day of each weekday, Monday first, scaled to
  mean 1 (as ``model/demand.py`` expects: ``tickets_per_day`` is the mean over the week), each
  weekday's count divided by how often that weekday occurs in the window (left at the default if
  the window is shorter than a week);
* ``customers.count`` — organisations that raised a ticket in the window (a lower bound: one
  that raised none is not in the export; ``--customers N`` gives the real count), and
  ``profile.tickets_per_customer_month`` = tickets per day x 365 / 12 / customers (consistent
  with ``demand.tickets_per_day``);
* ``product.domains`` — the number of groups (ticket mix by group in the file's comments);
* ``profile.observed.*`` — the export's own figures, which ``tiersim profile=<name>`` compares
  with the model: tickets per day, hand-offs per solved ticket and the share never handed off,
  the share of solved tickets reopened at least once, the median resolution time (created to
  solved, calendar hours) overall and by hand-off count (0, 1, 2, 3+).

Hand-offs and reopens come from the format's columns (:data:`FORMATS`): Zendesk's ``Group
stations`` - 1 and ``Reopens``; a Freshdesk export has neither, so both stay unknown (-1) unless
``--column handoffs=HEADER`` / ``--column reopens=HEADER`` names a column of your own; the generic
format has ``handoffs`` and ``reopens`` columns (optional). Every figure the export cannot give is
left -1 and the file says so; nothing is invented.

A bad export — missing file, empty file, a required column missing, an unparseable date or count,
a ticket solved before it was created — is one line on stderr naming the column (and row and
value) and exit code 2. Tickets still open (no solved time), duplicate ticket ids and tickets
without an organisation are counted and reported, not silently dropped; ``--drop-negative``
imports an export with tickets solved before they were created, without those tickets, and says
how many.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PROFILE_DIR = ROOT / "conf" / "profile"
PROG = "tiersim-import"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HANDOFF_BINS = ("0", "1", "2", "3+")
MAX_DOMAINS = 64  # product.domains' upper bound (model/config.py)
MIN_WEEKDAY_DAYS = 7  # a weekday profile needs every weekday in the window

#: The export's fields, in the order a message lists them, with what each holds
FIELDS = {
    "ticket_id": "ticket id",
    "created": "creation time",
    "solved": "solved (resolved) time; blank while open",
    "group": "group (team) the ticket is in",
    "organization": "organisation (company) of the requester",
    "group_stations": "groups the ticket passed through (hand-offs + 1)",
    "assignee_stations": "agents the ticket was assigned to",
    "handoffs": "hand-offs (group changes) of the ticket",
    "reopens": "times the ticket was reopened",
}


@dataclass(frozen=True)
class Format:
    """A ticket export's layout: the header of each field, which are required, and where its
    column names come from."""

    name: str
    columns: dict[str, str]
    required: tuple[str, ...]
    source: str
    missing: dict[str, str] = field(default_factory=dict)  # field -> why the export lacks it


FORMATS = {
    "zendesk": Format(
        "zendesk",
        {"ticket_id": "Id", "created": "Created at", "solved": "Solved at", "group": "Group",
         "organization": "Organization", "group_stations": "Group stations",
         "assignee_stations": "Assignee stations", "reopens": "Reopens"},
        ("ticket_id", "created", "solved", "group", "organization", "group_stations", "reopens"),
        "Zendesk Support's CSV ticket export (Admin Center > Account > Tools > Reports > "
        "Export); the headers as public code reading that export lists them (Summation column, "
        "Id, Requester, ..., Group, ..., Created at, ..., Organization, ..., Solved at, ..., "
        "Group stations, Assignee stations, Reopens, Replies, ...); Group stations, Assignee "
        "stations and Reopens are the ticket metrics group_stations ('number of groups the "
        "ticket passed through'), assignee_stations and reopens of Zendesk's Ticket Metrics API "
        "(developer.zendesk.com)",
    ),
    "freshdesk": Format(
        "freshdesk",
        {"ticket_id": "Ticket ID", "created": "Created time", "solved": "Resolved time",
         "group": "Group", "organization": "Company Name"},
        ("ticket_id", "created", "solved", "group", "organization"),
        "Freshdesk's ticket export (Tickets > Export, CSV): the headers as public code reading "
        "that export lists them (Ticket ID, Subject, Status, Priority, Source, Type, Agent, "
        "Group, Created time, Due by Time, Resolved time, Closed time, Last update time, ...), "
        "and Company Name, the label of the company field one adds to the export; not checked "
        "against Freshdesk's own documentation: --column renames a header that differs",
        {"handoffs": "a Freshdesk ticket export has no group-change count",
         "reopens": "a Freshdesk ticket export has no reopen count"},
    ),
    "generic": Format(
        "generic",
        {f: f for f in ("ticket_id", "group", "organization", "handoffs", "reopens")}
        | {"created": "created_at", "solved": "solved_at"},
        ("ticket_id", "created", "solved", "group", "organization"),
        "tiersim's generic layout (docs/design.md section 9): ticket_id, created_at, solved_at, "
        "group, organization, and optionally handoffs and reopens",
    ),
}

#: ISO 8601 date-times: ``YYYY-MM-DD[ T]HH:MM[:SS[.fff]]`` and an optional ``Z`` / UTC offset
_ISO = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*"
                  r"(Z|UTC|[+-]\d{2}:?\d{2})?\s*$")


class ExportError(ValueError):
    """The export cannot be read: the message names the file, column, row and value."""


@dataclass
class Tickets:
    """The export read into one row per ticket (columns ``created_local``, ``created``,
    ``solved``, ``group``, ``organization``, ``handoffs``, ``reopens``, ``assignee_stations``),
    with the oddities counted on the way."""

    frame: pd.DataFrame
    path: Path
    fmt: Format
    rows_read: int
    handoffs_from: str | None  # the column hand-offs came from, or None (unknown)
    reopens_from: str | None
    notes: list[str]  # non-fatal oddities, one sentence each
    has_times: bool = True  # the creation times have a time of day (not dates alone)


# ---- reading ------------------------------------------------------------------------------------
def _columns(fmt: Format, overrides: dict[str, str]) -> dict[str, str]:
    cols = dict(fmt.columns)
    cols.update(overrides)
    return cols


def _row(i: int) -> int:
    """The CSV line of data row ``i`` (the header is line 1)."""
    return i + 2


def parse_times(values: pd.Series, column: str, where: str, date_format: str | None
                ) -> tuple[pd.Series, pd.Series]:
    """``values`` (text; blank = missing) as (wall-clock time as written, absolute time).

    The wall-clock time gives the hour and weekday of arrival in the export's own time zone;
    the absolute time (an offset, where written, applied; none = the wall clock) gives
    durations. Raises :class:`ExportError` naming the column, the first bad row and its value."""
    text = values.fillna("").astype(str).str.strip()
    blank = text.eq("")
    offset_h = pd.Series(0.0, index=values.index)
    if date_format is not None:
        parsed = pd.to_datetime(text.where(~blank), format=date_format, errors="coerce")
        bad = parsed.isna() & ~blank
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ExportError(f"{where}: column {column!r}, row {_row(i)}: cannot read "
                              f"{text.iloc[i]!r} as a date-time in --date-format {date_format!r}")
        if getattr(parsed.dt, "tz", None) is not None:
            offset_h = parsed.apply(lambda t: t.utcoffset().total_seconds() / 3600
                                    if pd.notna(t) else 0.0)
            parsed = parsed.dt.tz_localize(None)
        local = parsed
    else:
        parts = text.str.extract(_ISO)
        bad = parts[0].isna() & ~blank
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ExportError(
                f"{where}: column {column!r}, row {_row(i)}: cannot read {text.iloc[i]!r} as a "
                "date-time; expected ISO 8601 (YYYY-MM-DD HH:MM[:SS], optionally T, Z or an "
                "offset such as +01:00); another layout: --date-format, e.g. '%d/%m/%Y %H:%M'")
        stamp = (parts[0] + " " + parts[1].fillna("00:00")).where(~blank)
        local = pd.to_datetime(stamp, format="mixed", errors="coerce")
        bad = local.isna() & ~blank
        if bad.any():  # e.g. 2026-02-30 or 25:00
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ExportError(f"{where}: column {column!r}, row {_row(i)}: {text.iloc[i]!r} is "
                              "not a valid date-time")
        off = parts[2].fillna("").str.replace(":", "", regex=False)
        signed = off.str.match(r"^[+-]\d{4}$")
        if signed.any():
            sign = np.where(off[signed].str[0] == "-", -1.0, 1.0)
            offset_h[signed] = sign * (off[signed].str[1:3].astype(float)
                                       + off[signed].str[3:5].astype(float) / 60.0)
    absolute = local - pd.to_timedelta(offset_h, unit="h")
    return local, absolute


def _counts(values: pd.Series, column: str, where: str) -> pd.Series:
    """A column of whole counts >= 0 (blank = unknown, NaN)."""
    text = values.fillna("").astype(str).str.strip()
    blank = text.eq("")
    num = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = (~blank) & (num.isna() | (num < 0) | (num != np.floor(num)))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ExportError(f"{where}: column {column!r}, row {_row(i)}: {text.iloc[i]!r} is not "
                          "a whole number >= 0")
    return num.astype(float)


def read_export(path: Path, fmt: Format, overrides: dict[str, str] | None = None,
                date_format: str | None = None, drop_negative: bool = False) -> Tickets:
    """Read ``path`` as an export of format ``fmt``; raises :class:`ExportError`."""
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise ExportError(f"{where}: no such file")
    if path.stat().st_size == 0:
        raise ExportError(f"{where}: the file is empty (no header row, no tickets)")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                          skipinitialspace=True)
    except UnicodeDecodeError as err:
        raise ExportError(f"{where}: not UTF-8 text ({err.reason} at byte {err.start}); save the "
                          "export as CSV UTF-8") from None
    except pd.errors.EmptyDataError:
        raise ExportError(f"{where}: the file is empty (no header row, no tickets)") from None
    except pd.errors.ParserError as err:
        raise ExportError(f"{where}: not a readable CSV file ({str(err).strip()})") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    cols = _columns(fmt, overrides or {})
    missing = [f for f in fmt.required if cols.get(f) not in raw.columns]
    if missing:
        f = missing[0]
        shown = ", ".join(repr(c) for c in raw.columns[:12]) + (
            ", ..." if len(raw.columns) > 12 else "")
        more = f" (and {len(missing) - 1} more required column(s))" if len(missing) > 1 else ""
        raise ExportError(f"{where}: no column {cols[f]!r} ({FIELDS[f]}), which a {fmt.name} "
                          f"export needs{more}; the header has {shown}; if your export names it "
                          f"differently: --column {f}='<its header>'")
    if raw.empty:
        raise ExportError(f"{where}: no tickets (a header row and nothing else)")
    notes: list[str] = []
    ids = raw[cols["ticket_id"]].str.strip()
    blank_id = ids.eq("")
    if blank_id.any():
        i = int(np.flatnonzero(blank_id.to_numpy())[0])
        raise ExportError(f"{where}: column {cols['ticket_id']!r}, row {_row(i)}: no ticket id")
    created_local, created = parse_times(raw[cols["created"]], cols["created"], where, date_format)
    has_times = not (created_local.dt.normalize() == created_local).all()
    if not has_times:
        notes.append(f"column {cols['created']!r} holds dates without a time of day: "
                     "demand.hourly_profile is left at the default")
    if created.isna().any():
        i = int(np.flatnonzero(created.isna().to_numpy())[0])
        raise ExportError(f"{where}: column {cols['created']!r}, row {_row(i)}: no creation time")
    _, solved = parse_times(raw[cols["solved"]], cols["solved"], where, date_format)
    negative = (solved < created).fillna(False)
    if negative.any():
        i = int(np.flatnonzero(negative.to_numpy())[0])
        n = int(negative.sum())
        if not drop_negative:
            raise ExportError(
                f"{where}: column {cols['solved']!r}, row {_row(i)}: ticket "
                f"{ids.iloc[i]} solved ({raw[cols['solved']].iloc[i]}) before it was created "
                f"({raw[cols['created']].iloc[i]}); {n} such ticket(s); --drop-negative imports "
                "the export without them")
        notes.append(f"{n} ticket(s) solved before they were created were dropped "
                     f"(--drop-negative; the first: row {_row(i)}, ticket {ids.iloc[i]})")
    frame = pd.DataFrame({"ticket_id": ids, "created_local": created_local, "created": created,
                          "solved": solved,
                          "group": raw[cols["group"]].str.strip(),
                          "organization": raw[cols["organization"]].str.strip()})
    handoffs_from = reopens_from = None
    if cols.get("handoffs") in raw.columns:
        handoffs_from = cols["handoffs"]
        frame["handoffs"] = _counts(raw[handoffs_from], handoffs_from, where)
    elif cols.get("group_stations") in raw.columns:
        handoffs_from = f"{cols['group_stations']} - 1"
        stations = _counts(raw[cols["group_stations"]], cols["group_stations"], where)
        zero = stations.eq(0)
        if zero.any():
            notes.append(f"{int(zero.sum())} ticket(s) with {cols['group_stations']} = 0 (never "
                         "in a group) counted as 0 hand-offs")
        frame["handoffs"] = (stations - 1).clip(lower=0)
    else:
        frame["handoffs"] = np.nan
    if cols.get("reopens") in raw.columns:
        reopens_from = cols["reopens"]
        frame["reopens"] = _counts(raw[reopens_from], reopens_from, where)
    else:
        frame["reopens"] = np.nan
    if cols.get("assignee_stations") in raw.columns:
        frame["assignee_stations"] = _counts(raw[cols["assignee_stations"]],
                                             cols["assignee_stations"], where)
    else:
        frame["assignee_stations"] = np.nan
    frame = frame[~negative.to_numpy()]
    if frame.empty:
        raise ExportError(f"{where}: no tickets left after dropping those solved before they "
                          "were created")
    dup = frame["ticket_id"].duplicated(keep="last")
    if dup.any():
        notes.append(f"{int(dup.sum())} row(s) repeat an earlier ticket id; the last row of each "
                     "ticket was kept")
        frame = frame[~dup.to_numpy()]
    return Tickets(frame.reset_index(drop=True), path, fmt, len(raw), handoffs_from,
                   reopens_from, notes, has_times)


# ---- the profile's figures ------------------------------------------------------------------------
@dataclass
class Measures:
    first: pd.Timestamp
    last: pd.Timestamp
    days: int
    tickets: int
    solved: int
    tickets_per_day: float
    hourly: list[float]
    weekday: list[float]
    organizations: int
    no_org: int
    groups: pd.Series  # group -> tickets, largest first
    handoffs_mean: float
    no_handoff_share: float
    handoffs_known: int
    reopen_share: float
    reopens_known: int
    resolution_median: float
    by_handoffs: list[tuple[str, int, float, float]]  # bin, solved tickets, median, p90


def _mean_one(values: np.ndarray) -> list[float]:
    m = float(np.mean(values))
    return [round(float(v) / m, 4) if m > 0 else 1.0 for v in values]


def measure(t: Tickets) -> Measures:
    f = t.frame
    local = f["created_local"]
    first_day, last_day = local.min().normalize(), local.max().normalize()
    days = int((last_day - first_day).days) + 1
    hourly = np.bincount(local.dt.hour.to_numpy(), minlength=24).astype(float)
    calendar = pd.date_range(first_day, last_day, freq="D")
    occurs = np.bincount(calendar.day_of_week, minlength=7).astype(float)
    per_weekday = np.bincount(local.dt.day_of_week.to_numpy(), minlength=7).astype(float)
    weekday = np.divide(per_weekday, occurs, out=np.zeros(7), where=occurs > 0)
    solved = f[f["solved"].notna()]
    hours = (solved["solved"] - solved["created"]).dt.total_seconds() / 3600.0
    known_h = solved["handoffs"].notna()
    known_r = solved["reopens"].notna()
    orgs = f["organization"]
    by = []
    h = solved["handoffs"]
    for label, mask in zip(HANDOFF_BINS, (h == 0, h == 1, h == 2, h >= 3), strict=True):
        n = int(mask.sum())
        by.append((label, n, float(hours[mask].median()) if n else -1.0,
                   float(hours[mask].quantile(0.9)) if n else -1.0))
    return Measures(
        first=f["created_local"].min(), last=f["created_local"].max(), days=days,
        tickets=len(f), solved=len(solved), tickets_per_day=len(f) / days,
        hourly=_mean_one(hourly), weekday=_mean_one(weekday),
        organizations=int(orgs[orgs.ne("")].nunique()), no_org=int(orgs.eq("").sum()),
        groups=f["group"].replace("", "(no group)").value_counts(),
        handoffs_mean=float(h[known_h].mean()) if known_h.any() else -1.0,
        no_handoff_share=float((h[known_h] == 0).mean()) if known_h.any() else -1.0,
        handoffs_known=int(known_h.sum()),
        reopen_share=(float((solved["reopens"][known_r] > 0).mean()) if known_r.any()
                      else -1.0),
        reopens_known=int(known_r.sum()),
        resolution_median=float(hours.median()) if len(hours) else -1.0,
        by_handoffs=by if known_h.any() else [],
    )


# ---- the profile file ---------------------------------------------------------------------------
def _num(x: float, digits: int = 4) -> str:
    return repr(round(float(x), digits))


def _list(values) -> str:
    return "[" + ", ".join(_num(v) for v in values) + "]"


def _comment(text: str) -> list[str]:
    """``text`` as YAML comment lines of at most 100 characters."""
    return ["# " + line for line in textwrap.wrap(text, 98, break_on_hyphens=False)]


def profile_yaml(t: Tickets, m: Measures, name: str, customers: int | None) -> str:
    """The text of ``conf/profile/<name>.yaml`` for the export ``t`` and its figures ``m``."""
    fmt = t.fmt
    digest = hashlib.sha256(t.path.read_bytes()).hexdigest()[:16]
    n_customers = customers if customers is not None else m.organizations
    groups = len(m.groups)
    set_domains = 2 <= groups <= MAX_DOMAINS
    src = f"{t.path.name} ({fmt.name} export)"
    per_cust_month = (m.tickets_per_day * 365.0 / 12.0 / n_customers) if n_customers else 0.0
    lines = [
        "# @package _global_",
        f"# Profile {name!r}, written by tiersim-import from {t.path.name} "
        f"(format {fmt.name}, sha256 {digest}...).",
        *_comment(f"Columns: {fmt.source}."),
        *_comment(f"{m.tickets} tickets created {m.first:%Y-%m-%d %H:%M} .. "
                  f"{m.last:%Y-%m-%d %H:%M} ({m.days} calendar days; {t.rows_read} rows read), "
                  f"{m.solved} solved, {m.tickets - m.solved} still open (no solved time)."),
    ]
    for note in t.notes:
        lines += _comment(f"Note: {note}.")
    measured = ["demand.tickets_per_day", "demand.hourly_profile", "demand.weekday_profile",
                "customers.count" + (" (--customers)" if customers is not None else ""),
                "profile.tickets_per_customer_month"]
    if set_domains:
        measured.append("product.domains")
    week = m.days >= MIN_WEEKDAY_DAYS
    if not week:
        measured.remove("demand.weekday_profile")
    hours = t.has_times
    if not hours:
        measured.remove("demand.hourly_profile")
    lines += [
        "#",
        *_comment("Measured from the export: " + ", ".join(measured) + ", profile.observed.*."),
        "# Left at the model's defaults (a ticket export does not hold them): headcounts and "
        "salaries",
        "# (org.*, workforce.*: fill in today's tiered headcounts), business hours and workdays "
        "(sim.*),",
        "# customer segments and their revenue (customers.segments), the product catalogue beyond "
        "the",
        "# number of domains (product.*), and every mechanism's parameters.",
        "#",
        *_comment("Hand-offs: " + (
            f"from {t.handoffs_from!r}, over the {m.handoffs_known} solved tickets with a value"
            if t.handoffs_from else "unknown (-1): " + fmt.missing.get(
                "handoffs", "no hand-off column in this export")
            + "; --column handoffs=HEADER names one") + "."),
        *_comment("Reopens: " + (
            f"from {t.reopens_from!r}, over the {m.reopens_known} solved tickets with a value"
            if t.reopens_from else "unknown (-1): " + fmt.missing.get(
                "reopens", "no reopen column in this export")
            + "; --column reopens=HEADER names one") + "."),
        *_comment(f"Customers: {m.organizations} organisations raised a ticket in the window"
                  + (f"; {m.no_org} ticket(s) without an organisation" if m.no_org else "")
                  + ("; customers.count is --customers." if customers is not None else
                     " (a lower bound on the customer base: --customers N gives the real "
                     "count).")),
        "#",
        f"# Ticket mix by group ({groups} group(s)"
        + ("; product.domains = the number of groups" if set_domains else
           "; product.domains left at the default: it needs 2 to 64") + "):",
    ]
    for g, n in m.groups.items():
        lines.append(f"#   {g}: {n} ({n / m.tickets:.1%})")
    if m.by_handoffs:
        lines += ["#", "# Resolution time (created -> solved, calendar hours) of solved tickets "
                  "by hand-offs:", "#   hand-offs  tickets  median     p90"]
        for label, n, med, p90 in m.by_handoffs:
            lines.append(f"#   {label:>9}  {n:>7}  " + (f"{med:>6.1f}  {p90:>6.1f}" if n else
                                                        "     -       -"))
    lines += [
        "demand:",
        f"  tickets_per_day: {_num(m.tickets_per_day)}",
        (f"  hourly_profile: {_list(m.hourly)}  # hour 0..23, mean 1" if hours else
         "  # hourly_profile: left at the default (no times of day in the export)"),
        (f"  weekday_profile: {_list(m.weekday)}  # Monday..Sunday, mean 1" if week else
         f"  # weekday_profile: left at the default; the export covers {m.days} day(s), fewer "
         f"than the {MIN_WEEKDAY_DAYS} it takes to see every weekday"),
        "customers:",
        f"  count: {n_customers}",
    ]
    if set_domains:
        lines += ["product:", f"  domains: {groups}"]
    lines += [
        "profile:",
        f"  name: {json.dumps(name)}",
        f"  description: {json.dumps(f'imported from {src} by tiersim-import')}",
        f"  tickets_per_customer_month: {_num(per_cust_month)}",
        "  observed:",
        f"    tickets_per_day: {_num(m.tickets_per_day)}",
        f"    handoffs_mean: {_num(m.handoffs_mean)}",
        f"    no_handoff_share: {_num(m.no_handoff_share)}",
        f"    reopen_share: {_num(m.reopen_share)}",
        f"    resolution_hours_median: {_num(m.resolution_median)}",
        "    resolution_hours_median_by_handoffs: "
        + (_list([med for _, _, med, _ in m.by_handoffs]) if m.by_handoffs else "[]")
        + "  # 0, 1, 2, 3+ hand-offs",
        f"    tickets: {m.tickets}",
        f"    source: {json.dumps(src)}",
    ]
    return "\n".join(lines) + "\n"


def check_profile(text: str) -> None:
    """The profile's keys and values must pass the schema (``experiments.cli.to_config``);
    raises ``ConfigError`` otherwise (a bug of this importer, not of the export)."""
    import yaml
    from omegaconf import OmegaConf

    from experiments.cli import to_config

    to_config(OmegaConf.create(yaml.safe_load(text)))


# ---- command line ---------------------------------------------------------------------------------
def fail(message: str, code: int = 2) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)
    sys.exit(code)


def _target(out: Path | None, name: str) -> Path:
    if out is None:
        return PROFILE_DIR / f"{name}.yaml"
    if out.suffix in (".yaml", ".yml"):
        return out
    return out / "profile" / f"{name}.yaml"


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr (and exit code 2), like a bad export."""

    def error(self, message: str):
        fail(f"{message} (tiersim-import --help lists the options)")


def parser() -> argparse.ArgumentParser:
    ap = _Parser(
        prog=PROG, description="Write a tiersim profile (conf/profile/<name>.yaml) from a "
        "helpdesk CSV ticket export: arrivals by hour and weekday, hand-offs, reopens, "
        "resolution times, the ticket mix by group.",
        epilog="Column headers per format: " + "; ".join(
            f"{f.name}: " + ", ".join(f"{k}={v!r}" for k, v in f.columns.items())
            for f in FORMATS.values()))
    ap.add_argument("export", type=Path, help="the CSV ticket export")
    ap.add_argument("--format", required=True, choices=tuple(FORMATS), dest="fmt",
                    help="the export's layout")
    ap.add_argument("--name", required=True, help="profile name (letters, digits, _ and -)")
    ap.add_argument("--out", type=Path, default=None,
                    help="a .yaml file, or a directory: writes DIR/profile/<name>.yaml, for "
                         "`tiersim --config-dir DIR profile=<name>` (default: conf/profile/)")
    ap.add_argument("--customers", type=int, default=None,
                    help="customers.count (default: the organisations in the export)")
    ap.add_argument("--column", action="append", default=[], metavar="FIELD=HEADER",
                    help=f"the header of a field in this export, e.g. --column "
                         f"reopens='Reopen count'; fields: {', '.join(FIELDS)}")
    ap.add_argument("--date-format", default=None,
                    help="strftime layout of the dates if not ISO 8601, e.g. '%%d/%%m/%%Y %%H:%%M'")
    ap.add_argument("--drop-negative", action="store_true",
                    help="import without the tickets solved before they were created")
    ap.add_argument("--force", action="store_true", help="replace an existing profile file")
    return ap


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", args.name) or args.name == "none":
        fail(f"--name {args.name!r}: use letters, digits, _ and - (and not 'none', the "
             "no-profile option)")
    if args.customers is not None and args.customers < 1:
        fail(f"--customers {args.customers}: must be >= 1")
    overrides = {}
    for item in args.column:
        key, sep, header = item.partition("=")
        if not sep or key.strip() not in FIELDS or not header.strip():
            fail(f"--column {item!r}: expected FIELD=HEADER with FIELD one of "
                 f"{', '.join(FIELDS)}")
        overrides[key.strip()] = header.strip()
    target = _target(args.out, args.name)
    if target.exists() and not args.force:
        fail(f"{target} exists; --force replaces it")
    fmt = FORMATS[args.fmt]
    try:
        tickets = read_export(args.export, fmt, overrides, args.date_format, args.drop_negative)
    except ExportError as err:
        fail(str(err))
    m = measure(tickets)
    text = profile_yaml(tickets, m, args.name, args.customers)
    try:
        check_profile(text)
    except ValueError as err:  # ConfigError: e.g. --customers above the schema's range
        fail("the profile would not pass tiersim's checks: "
             + "; ".join(ln.strip(" -") for ln in str(err).splitlines()[1:] or [str(err)]))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    unknown = "unknown (-1)"
    print(f"{PROG}: {args.export} ({fmt.name}): {m.tickets} tickets over {m.days} days, "
          f"{m.solved} solved, {m.tickets - m.solved} open")
    for note in tickets.notes:
        print(f"  note: {note}")
    print(f"  tickets per day {m.tickets_per_day:.2f}; hand-offs per solved ticket "
          + (f"{m.handoffs_mean:.3f}" if m.handoffs_mean >= 0 else unknown)
          + "; reopened share " + (f"{m.reopen_share:.3f}" if m.reopen_share >= 0 else unknown)
          + f"; median resolution {m.resolution_median:.1f} h; {len(m.groups)} groups; "
          f"{m.organizations} organisations")
    where = "" if args.out is None or target.parent.name != "profile" else \
        f"--config-dir {target.parent.parent} "
    print(f"  wrote {target}; run it with: tiersim {where}profile={args.name}")


if __name__ == "__main__":
    main()
