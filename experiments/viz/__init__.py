"""``tiersim-viz``: watch the support organisation live in the browser (Mesa SolaraViz).

``tiersim-viz [--host 127.0.0.1] [--port 8765] [--open]`` (or ``make viz``, or
``python -m experiments.viz``) runs ``solara run`` on :mod:`experiments.viz.page` in-process and
prints the page's address once it answers. Each browser tab gets its own model.

The page shows, one simulated day per Step:

* a status line with the day counter and the day's headline numbers;
* the organisation as a network (:mod:`~experiments.viz.network`): staff grouped by desk (L1,
  L2, pods, specialists, engineering), coloured by role and sized by mean proficiency; arrows
  between desks for the hand-off routes, as wide as the hand-offs of the last 7 days; a sample
  of customers (at most ``CUSTOMER_SAMPLE`` = 60, drawn once per model with a generator of its
  own, so the model's random streams are untouched), coloured by goodwill (by segment where the
  model has none), sized by segment, each linked to its named owner (owned designs) or to the
  person who last resolved one of its tickets;
* live charts from the daily series (:mod:`~experiments.viz.charts`, one line per chart; a
  chart whose columns the model does not record is left out), plus the columns the page counts
  itself (``PAGE_COLUMNS``: good outcomes and churned revenue, see ``VizModel.frame``) for the
  cost charts, over the last ``COST_WINDOW`` days: support cost + lost revenue per customer-year
  (the headline, ``model.metrics.outcome_kpis``), and cost per head ($k a year) with the old
  cost per good outcome ($, a ticket closed without a reopen; ``model.metrics.cost_kpis``)
  (:mod:`~experiments.viz.kpis`).

Modules: ``controls`` (inputs, their defaults from the Hydra config, composed on first use --
never at import -- and their overrides), ``vizmodel`` (the model subclass the page drives),
``kpis`` (the cost KPIs over a window), ``charts`` (also the side-by-side ``PAIRS``),
``network`` (the org drawing), ``style`` (colours, fonts), ``runner`` (a tab's models, one or two
designs in lockstep, stepped and drawn under one lock), ``page`` (the Solara components: ▶ draws
every ``DRAW_EVERY`` days and on pause, Step always) and ``server`` (the command line).

The page's front-end packages are served from the local cache that ``make setup`` fills
(``experiments/tools/assets.py``), so it works with no internet. Figures are matplotlib PNGs.
"""

from __future__ import annotations

from typing import Any

from experiments.viz.charts import (
    CHARTS,
    PAIRS,
    Chart,
    Pair,
    available_charts,
    chart_alt,
    draw_chart,
    draw_pair,
    pair_alt,
    probe_columns,
    shown_charts,
    shown_pairs,
)
from experiments.viz.controls import (
    CONTROL_BY_KEY,
    CONTROLS,
    VIZ_OVERRIDES,
    Control,
    base_cfg,
    build_config,
    compose_cfg,
    control_defaults,
    model_params,
    overrides_for,
    parse_seed,
)
from experiments.viz.kpis import (
    COST_WINDOW,
    cost_per_customer_year,
    cost_per_good_outcome,
    cost_per_head,
    window_costs,
)
from experiments.viz.network import day_text, draw_network, network_alt
from experiments.viz.page import Page
from experiments.viz.runner import DRAW_EVERY, OTHER_DESIGN, Runner, png_bytes
from experiments.viz.server import main
from experiments.viz.vizmodel import (
    CUSTOMER_SAMPLE,
    HANDOFF_WINDOW_DAYS,
    PAGE_COLUMNS,
    VizModel,
)


def __getattr__(name: str) -> Any:
    """``SHOWN_CHARTS`` and ``BASE_CFG``, the module constants of the single-file page, now
    computed on first use (they compose the config)."""
    if name == "SHOWN_CHARTS":
        return shown_charts()
    if name == "BASE_CFG":
        return base_cfg()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CHARTS", "CONTROLS", "CONTROL_BY_KEY", "COST_WINDOW", "CUSTOMER_SAMPLE",
           "DRAW_EVERY", "HANDOFF_WINDOW_DAYS", "OTHER_DESIGN", "PAGE_COLUMNS", "PAIRS",
           "VIZ_OVERRIDES", "Chart", "Control", "Page", "Pair", "Runner", "VizModel",
           "available_charts", "base_cfg", "build_config", "chart_alt", "compose_cfg",
           "control_defaults", "cost_per_customer_year", "cost_per_good_outcome", "cost_per_head",
           "day_text", "draw_chart", "draw_network", "draw_pair", "main", "model_params",
           "network_alt", "overrides_for", "pair_alt", "parse_seed", "png_bytes", "probe_columns",
           "shown_charts", "shown_pairs", "window_costs"]
