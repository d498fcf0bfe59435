"""``tiersim --help``: the main config keys with their meaning, unit, allowed range and default.

Hydra prints ``hydra.help.template`` for ``--help``; ``conf/config.yaml`` sets it to
``${tiersim_help:}``, a resolver (registered in ``experiments/cli.py``) that returns
:func:`help_template`. The meanings are written here, one line per key; the unit, the allowed
values and the default are read from the schema (``model/config.py``) through the same helpers
that write the parameter tables of ``docs/ODD.md`` (``experiments/tools/odd_params.py``), so they
cannot drift from the code. Hydra fills in ``$APP_CONFIG_GROUPS`` (the groups and their options,
including those of ``--config-dir``) and ``$FLAGS_HELP`` (its own flags).
"""

from __future__ import annotations

import dataclasses
import textwrap
from typing import Any

from experiments.tools.odd_params import allowed_for, groups, unit_for
from model.config import MechanismsConfig, schema_field

#: The keys ``tiersim --help`` lists, with what each means (unit, range and default come from the
#: schema). Every key must exist in the schema (tests/test_overrides.py checks it).
MAIN_KEYS: dict[str, str] = {
    "seed": "random seed; the same seed gives every design the same tickets",
    "sim.horizon_days": "simulated days of one run",
    "sim.warmup_days": "first days left out of every KPI",
    "sim.calendar": "business: staff work business hours; always: 24/7",
    "sim.record_events": "also write events.parquet (an event log for process mining)",
    "demand.tickets_per_day": "tickets arriving per calendar day, whole organisation, at the start",
    "org.design": "set with org=tiered|generalist|pilot (the group also sets its own keys)",
    "org.staffing": "fixed: the headcounts below; sized: every desk to the target occupancy",
    "org.l1.headcount": "L1 people (tiered, pilot)",
    "org.l2.headcount": "L2 people (tiered, pilot)",
    "org.engineering.headcount": "engineers who fix bugs (every design)",
    "org.specialists.headcount": "specialists for the specialist domains (every design)",
    "org.pods.count": "generalist pods",
    "org.pods.size": "generalists per pod",
    "org.pods.breadth": "domains each generalist is certified in (0 = every regular domain)",
    "org.ownership": "generalist customers owned by a named person or by the pod",
    "org.queue_discipline": "order in which queued tickets are taken",
    "org.handoff.context_loss_p": "chance a hand-off loses the context (customer asked again)",
    "product.service": "distribution of the work per ticket",
    "product.mean_work_hours": "mean expert work per ticket",
    "product.domains": "product areas (a generalist's breadth is counted in these)",
    "product.classes": "issue classes (Zipf frequencies)",
    "product.engineering_share": "share of tickets that are bugs for engineering",
    "product.specialist_share": "share of tickets in specialist domains",
    "customers.count": "customers at the start",
    "customers.problem_correlation": "chance a linked customer gets the same problem soon after",
    "customers.relationship_weight": "how much being known matters (0 = transactional)",
    "workforce.salary.l1": "L1 annual wage (before the employer's loading)",
    "workforce.salary.l2": "L2 annual wage (before the employer's loading)",
    "workforce.salary.generalist": "generalist annual wage (before the employer's loading)",
    "workforce.planning.target_occupancy": "share of paid time desks are sized to be busy",
    "economics.customer_lifetime_months": "months of revenue a customer who leaves takes along",
}
#: every switch of ``mechanisms.*``, with its default (the schema's fields, in order)
MECHANISMS = {f.name: f.default for f in dataclasses.fields(MechanismsConfig)}


def _wrapped(text: str, indent: int = 39, width: int = 100) -> list[str]:
    """``text`` wrapped to ``width`` columns, each line indented ``indent`` spaces."""
    return [" " * indent + line for line in textwrap.wrap(text, width - indent)]


def _defaults() -> dict[str, Any]:
    return {r.key: r.default for g in groups() for r in g.rows}


def _plain(text: str) -> str:
    """odd_params' Markdown cell as plain terminal text."""
    return text.replace("\\|", "|").replace("`", "")


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}" if isinstance(v, float) else str(v)


def key_lines() -> list[str]:
    """One line per key of :data:`MAIN_KEYS`: key, meaning, then unit; allowed; default."""
    defaults = _defaults()
    width = max(len(k) for k in MAIN_KEYS)
    lines = []
    for key, meaning in MAIN_KEYS.items():
        _, f = schema_field(key)
        facts = [unit_for(key, f.type), _plain(allowed_for(dict(f.metadata), f.type)),
                 f"default {_value(defaults[key])}"]
        lines.append(f"  {key:<{width}}  {meaning} [{'; '.join(x for x in facts if x != '—')}]")
    return lines


def help_template() -> str:
    """The text of ``tiersim --help`` (a :class:`string.Template` for Hydra: ``$`` doubled)."""
    text = "\n".join([
        "tiersim: an agent-based model of a SaaS support organisation, strict tiers "
        "(L1/L2/L3) against technical generalists.",
        "",
        "Usage:",
        "  tiersim [KEY=VALUE ...]             one run -> outputs/runs/<date>/<time>_<design>_seed<seed>/",
        "  tiersim -m [KEY=V1,V2 ...]          a sweep, one run per combination -> "
        "outputs/sweeps/<experiment>,<overrides>/",
        "  tiersim -m experiment=NAME          a prepared experiment -> outputs/sweeps/NAME/",
        "  tiersim --config-dir DIR +site=NAME your own settings in DIR/site/NAME.yaml "
        "(outside the repository)",
        "  tiersim [KEY=VALUE ...] --cfg job   print the composed config; run nothing",
        "",
        "Examples: tiersim org=generalist seed=3    tiersim -m org=tiered,generalist "
        "'seed=range(4)'",
        "",
        "Config groups (GROUP=OPTION):",
        "__GROUPS__",
        "Main keys (KEY=VALUE) [unit; allowed values; default]:",
        *key_lines(),
        "  mechanisms.<name>                    switch a mechanism on or off with "
        "mechanisms.<name>=true|false [on / off]; on by default:",
        *_wrapped(", ".join(k for k, on in MECHANISMS.items() if on)),
        "                                       off by default: "
        + ", ".join(k for k, on in MECHANISMS.items() if not on),
        "",
        "Every key, with its unit, range and source: docs/ODD.md section 9. A misspelt key, a "
        "wrong type, a value out of range or an impossible combination stops before the run "
        "with one line per problem and exit code 2.",
        "",
        "Hydra's flags:",
        "__FLAGS__",
    ])
    text = text.replace("$", "$$")
    return text.replace("__GROUPS__", "$APP_CONFIG_GROUPS").replace("__FLAGS__", "$FLAGS_HELP")
