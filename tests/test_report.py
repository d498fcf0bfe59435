"""Figures and the generated write-up (``tiersim-report``, experiments/figures.py and report.py).

Each figure function is drawn from small synthetic tables and must return a Figure whose axes
are labelled; the report command runs on a smoke sweep (tiered and generalist x 2 seeds, 30 days)
built here with ``simulate`` + ``write_run`` and must write every file it announces, skipping the
figures the sweep has no data for with a message instead of failing.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from omegaconf import OmegaConf

from experiments import figures as F
from experiments import report as R
from model.config import Config, validate
from model.simulate import simulate, write_run

DESIGNS = ("tiered", "generalist")


# ---- synthetic tables --------------------------------------------------------------------------
def _tag(df: pd.DataFrame, design: str, seed: int) -> pd.DataFrame:
    return df.assign(run=f"org={design},seed={seed}", design=design, seed=seed)


def synthetic_tickets(seed: int, days: int = 120, n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    created = np.sort(rng.uniform(0, 24 * days, n))
    handoffs = rng.poisson(0.8, n)
    res = rng.lognormal(1.5 + 0.5 * handoffs, 1.0)
    resolved = np.where(created + res < 24 * days, created + res, np.nan)
    return pd.DataFrame({
        "created_h": created, "resolved_h": resolved, "resolution_h": resolved - created,
        "handoffs": handoffs, "explanations": 1 + rng.poisson(0.2, n),
        "stalled": rng.random(n) < 0.02,
        "pilot_arm": rng.choice(["treated", "control", ""], n)})


def synthetic_series(design: str, seed: int, days: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = np.arange(days)
    return _tag(pd.DataFrame({
        "day": d, "tickets_resolved": rng.poisson(50, days),
        "mean_resolution_h": rng.gamma(5, 3, days), "backlog": rng.poisson(40, days),
        "promotions_cum": np.cumsum(rng.random(days) < 0.02),
        f"proficiency_{'l1' if design == 'tiered' else 'generalist'}": 0.8 + 0.1 * (1 - np.exp(
            -d / 30)),
        "proficiency_engineer": np.full(days, 0.9),
        "proficiency_p10": np.full(days, 0.75), "proficiency_p90": np.full(days, 0.95),
        "named_requests": rng.poisson(5, days)}), design, seed)


def synthetic_staff(design: str, seed: int, horizon: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 60
    hired = np.concatenate([-rng.integers(0, 900, n // 2), rng.integers(1, horizon, n // 2)])
    left = np.where(rng.random(n) < 0.4, np.minimum(hired.clip(min=0) + rng.integers(5, 300, n),
                                                    horizon - 1), np.nan)
    role = rng.choice(["l1", "l2"] if design == "tiered" else ["generalist"], n)
    return _tag(pd.DataFrame({
        "role": role, "hired_day": hired, "left_day": pd.array(left, dtype="Float64"),
        "exit_reason": np.where(np.isnan(left), "", "quit"), "regretted": rng.random(n) < 0.5}),
        design, seed)


def synthetic_customers(seed: int, n: int = 300, horizon: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    churned = np.where(rng.random(n) < 0.3, rng.integers(0, horizon, n), np.nan)
    return pd.DataFrame({"customer_id": range(n), "joined_day": 0,
                         "churned_day": pd.array(churned, dtype="Float64"),
                         "mrr": rng.lognormal(6, 1, n)})


@pytest.fixture(scope="module")
def tables():
    weekly, handoffs, pilot, series, staff, retention, runs = [], [], [], [], [], [], []
    for design in DESIGNS:
        for seed in range(3):
            t = synthetic_tickets(seed + (10 if design == "generalist" else 0))
            weekly.append(_tag(F.weekly_ticket_table(t, 120), design, seed))
            handoffs.append(_tag(F.handoff_table(t, 10), design, seed))
            pilot.append(_tag(F.pilot_table(t, 120), "pilot", seed))
            series.append(synthetic_series(design, seed))
            staff.append(synthetic_staff(design, seed))
            retention.append(_tag(F.retention_table(synthetic_customers(seed), 10, 120),
                                  design, seed))
            for share in (0.3, 0.9):
                for weight in (0.0, 1.5):
                    base = 200 + 100 * share - 20 * weight + seed
                    runs.append({"design": design, "seed": seed,
                                 "product.scriptable_share": share,
                                 "customers.relationship_weight": weight,
                                 "cost_per_head": 70e3 if design == "tiered" else 100e3,
                                 "cost_per_resolved_ticket": base / 2,
                                 "cost_per_outcome": base * (1.1 if design == "generalist"
                                                             else 1.0),
                                 "total_cost_per_customer_year": 60 * base
                                 * (0.9 if design == "generalist" else 1.0),
                                 "support_cost_per_problem": base / 3})
    return {k: pd.concat(v, ignore_index=True) for k, v in {
        "weekly": weekly, "handoffs": handoffs, "pilot": pilot, "series": series,
        "staff": staff, "retention": retention}.items()} | {"runs": pd.DataFrame(runs)}


def assert_labelled(fig: Figure) -> None:
    """Every axis that shows tick labels has a non-empty label; the figure renders."""
    assert isinstance(fig, Figure)
    plotted = [ax for ax in fig.axes if ax.axison and not hasattr(ax, "_colorbar")]
    assert plotted, "no axes drawn"
    for ax in plotted:
        if any(t.get_visible() for t in ax.get_xticklabels()):
            assert ax.get_xlabel().strip(), f"x axis without a label: {ax.get_title()!r}"
        if any(t.get_visible() for t in ax.get_yticklabels()):
            assert ax.get_ylabel().strip(), f"y axis without a label: {ax.get_title()!r}"
    assert any(ax.get_xlabel().strip() for ax in plotted)
    assert any(ax.get_ylabel().strip() for ax in plotted)
    fig.savefig(io.BytesIO(), format="png", dpi=50)


# ---- each figure on synthetic tables ---------------------------------------------------------
def test_kpis_over_time(tables):
    assert_labelled(F.fig_kpis_over_time(tables["series"], tables["weekly"], warmup_day=10))


def test_talent_flows(tables):
    assert_labelled(F.fig_talent_flows(tables["staff"], tables["series"], 400, warmup_day=10))


def test_staff_survival(tables):
    assert_labelled(F.fig_staff_survival(tables["staff"], 400))


def test_proficiency(tables):
    assert_labelled(F.fig_proficiency(tables["series"], warmup_day=10))


def test_customers(tables):
    assert_labelled(F.fig_customers(tables["retention"], tables["series"], warmup_day=10))


def test_escalation_tax(tables):
    bpic = F.bpic_table(R.BPIC_FALLBACK)
    assert_labelled(F.fig_escalation_tax(tables["handoffs"], bpic))


def test_costs(tables):
    assert_labelled(F.fig_costs(tables["runs"]))


def test_costs_lead_with_the_headline(tables):
    fig = F.fig_costs(tables["runs"])
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.axison]
    assert titles[0] == "a  Total cost per customer-year (headline)"
    assert titles[1] == "b  Support cost per problem" and titles[-1].endswith("Old: cost per "
                                                                              "good outcome")
    labels = [ax.get_ylabel() for ax in fig.axes if ax.axison]
    assert labels[:2] == ["$ per customer-year", "$ per problem"]


def test_regime_maps_side_by_side(tables):
    """The headline and the support cost per problem, one panel each, each with its scale."""
    conds = ["product.scriptable_share", "customers.relationship_weight"]
    fig = F.fig_regime_maps(tables["runs"], conds)
    assert_labelled(fig)
    titles = [sf.get_suptitle() for sf in fig.subfigs]
    assert titles == ["a  Total cost per customer-year ($ per customer-year)",
                      "b  Support cost per problem ($ per problem)"]
    bars = [ax for ax in fig.axes if hasattr(ax, "_colorbar")]
    assert len(bars) == 2 and "total cost per customer-year" in bars[0].get_ylabel()
    cells = [t.get_text() for ax in fig.axes if not hasattr(ax, "_colorbar") for t in ax.texts]
    assert len(cells) == 8
    # generalist 10 % cheaper per customer-year in every cell, costlier per problem never
    assert all(t.startswith("Generalist") and "-10 %" in t for t in cells[:4]), cells
    with pytest.raises(F.MissingData, match="support_cost_per_problem"):
        F.fig_regime_maps(tables["runs"].drop(columns="support_cost_per_problem"), conds)


def test_regime_map(tables):
    fig = F.fig_regime_map(tables["runs"], ["product.scriptable_share",
                                            "customers.relationship_weight"])
    assert_labelled(fig)
    cells = [t.get_text() for ax in fig.axes if not hasattr(ax, "_colorbar") for t in ax.texts]
    assert len(cells) == 4 and all("%" in t for t in cells)  # one annotated cell each


def test_pilot(tables):
    assert_labelled(F.fig_pilot(tables["pilot"], 30, 90, warmup_day=10))


# ---- what the bands, bars, lines and legends say they are ------------------------------------
def _legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for leg in fig.legends for t in leg.get_texts()]


def test_a_band_over_few_runs_is_their_range_and_says_so(tables):
    three = pd.DataFrame({"x": [0, 0, 0], "v": [1.0, 2.0, 6.0]})
    band = F.quantile_band(three, "x", "v")
    assert (band["low"].iloc[0], band["high"].iloc[0]) == (1.0, 6.0)  # min-max, as labelled
    many = pd.DataFrame({"x": 0, "v": np.arange(1.0, 21.0)})  # 20 runs: percentiles
    band = F.quantile_band(many, "x", "v")
    assert band["low"].iloc[0] == pytest.approx(np.quantile(np.arange(1.0, 21.0), 0.05))
    assert band["low"].iloc[0] > 1.0 and band["high"].iloc[0] < 20.0
    assert F.band_text(3) == "Range of runs (min–max)"
    assert F.band_text(F.MIN_RUNS_PERCENTILE) == "5th–95th percentile of runs"
    fig = F.fig_kpis_over_time(tables["series"], tables["weekly"], warmup_day=10)  # 3 runs
    assert "Range of runs (min–max)" in _legend_texts(fig)
    assert "5th–95th percentile of runs" not in _legend_texts(fig)
    series = pd.concat([synthetic_series(d, s) for d in DESIGNS for s in range(20)],
                       ignore_index=True)
    weekly = pd.concat([_tag(F.weekly_ticket_table(synthetic_tickets(s), 120), d, s)
                        for d in DESIGNS for s in range(20)], ignore_index=True)
    fig = F.fig_kpis_over_time(series, weekly, warmup_day=10)
    assert "5th–95th percentile of runs" in _legend_texts(fig)
    assert F.band_caption(3).startswith("range across runs (min–max")
    assert F.band_caption(25) == "5th–95th percentile across runs"
    fig = F.fig_customers(tables["retention"], tables["series"], warmup_day=10)
    assert "Range of runs (min–max)" in _legend_texts(fig)
    fig = F.fig_pilot(tables["pilot"], 30, 90, warmup_day=10)
    assert {"Range of runs (min–max)", "95 % t-interval"} <= set(_legend_texts(fig))


def test_the_proficiency_band_is_not_the_warm_up_grey(tables):
    from matplotlib.colors import to_rgb

    fig = F.fig_proficiency(tables["series"], warmup_day=10)
    texts = _legend_texts(fig)
    handles = fig.legends[0].legend_handles
    band = to_rgb(handles[texts.index("10th–90th percentile, all staff")].get_facecolor())
    warm = to_rgb(handles[texts.index("Warm-up")].get_facecolor())
    assert band != warm
    assert max(band) - min(band) > 0.3  # a colour, not another grey


def test_escalation_tax_joins_a_series_across_an_empty_bin(tables):
    # a design that never hands a ticket off exactly once: bins 0 and 2 only, one line
    h = tables["handoffs"].copy()
    gen = h["design"] == "generalist"
    h.loc[gen & ~h["bin"].astype(str).isin(["0", "2"]), "median_resolution_days"] = np.nan
    fig = F.fig_escalation_tax(h)
    ax_time = fig.axes[1]
    colour = F.design_colour("generalist")
    lines = [ln for ln in ax_time.get_lines() if ln.get_color() == colour
             and ln.get_linestyle() != "None" and len(ln.get_xdata()) > 1]
    assert len(lines) == 1
    xy = lines[0].get_xydata()
    assert len(xy) == 2 and np.isfinite(xy).all()  # one segment from bin 0 to bin 2
    assert xy[1, 0] - xy[0, 0] == pytest.approx(2.0)


def test_staff_survival_legend_shows_styles_as_drawn(tables):
    import matplotlib as mpl

    fig = F.fig_staff_survival(tables["staff"], 400)
    leg = fig.legends[0]
    texts = [t.get_text() for t in leg.get_texts()]
    by = dict(zip(texts, leg.legend_handles, strict=True))
    # a role is a colour (its curve is solid or dashed by its number of exits, per panel)
    for role in ("L1", "L2", "Generalist"):
        assert isinstance(by[role], mpl.patches.Rectangle), role
    assert f"Fewer than {F.MIN_EXITS_BAND} exits" in by
    assert by[f"Fewer than {F.MIN_EXITS_BAND} exits"].get_linestyle() == "--"
    assert any(t.startswith(f"{F.MIN_EXITS_BAND}+ exits") for t in texts)
    styles = {ln.get_linestyle() for ax in fig.axes for ln in ax.get_lines()}
    assert styles <= {"-", "--"}


def test_cost_bars_are_t_intervals_wider_than_the_runs_at_three_runs(tables):
    mean, lo, hi = F._mean_ci(np.array([1.0, 2.0, 6.0]))
    assert mean == 3.0 and lo < 1.0 and hi > 6.0  # not the min-max of a 3-run bootstrap
    assert all(np.isnan(F._mean_ci(np.array([4.0]))[1:]))  # one run: no bar
    assert "Mean across runs, 95 % t-interval" in _legend_texts(F.fig_costs(tables["runs"]))


def test_regime_cells_use_the_t_interval(tables):
    from experiments.stats import t_interval

    runs = tables["runs"]
    cells = F.regime_cells(runs, "product.scriptable_share", "customers.relationship_weight",
                           "total_cost_per_customer_year", "tiered", "generalist",
                           ["product.scriptable_share", "customers.relationship_weight"])
    a = runs[(runs["design"] == "tiered") & (runs["product.scriptable_share"] == 0.3)
             & (runs["customers.relationship_weight"] == 0.0)].sort_values("seed")
    b = runs[(runs["design"] == "generalist") & (runs["product.scriptable_share"] == 0.3)
             & (runs["customers.relationship_weight"] == 0.0)].sort_values("seed")
    d = b["total_cost_per_customer_year"].to_numpy() - a["total_cost_per_customer_year"].to_numpy()
    lo, hi = t_interval(d)
    base = a["total_cost_per_customer_year"].mean()
    row = cells.iloc[0]
    assert row["low_pct"] == pytest.approx(100 * lo / base)
    assert row["high_pct"] == pytest.approx(100 * hi / base)


def test_condition_values_and_table_cells_are_fixed_point():
    from experiments.tables import markdown, plain_cell

    assert F._fmt(1e6) == "1000000" and F._fmt(36500.0) == "36500" and F._fmt(0.35) == "0.35"
    assert F._fmt(2.5e-7) == "0.00000025" and F._fmt(3) == "3" and F._fmt("saas") == "saas"
    assert plain_cell(6.274e-06) == "0.00000627" and plain_cell(79520.4) == "79,520.400"
    assert plain_cell(0.0) == "0.000"
    text = markdown(pd.DataFrame({"a": [6.274e-06, 7.952e04], "b": ["x", "y"]}))
    assert "e-0" not in text and "e+0" not in text


def test_kaplan_meier_without_truncation_matches_hand_computation():
    # 5 people from t=0: exits at 1, 2, censored at 3, exit at 4, censored at 5
    times, surv, _, at_risk = F.kaplan_meier(np.zeros(5), [1, 2, 3, 4, 5],
                                             [True, True, False, True, False])
    assert list(times) == [1, 2, 4] and list(at_risk) == [5, 4, 2]
    assert surv == pytest.approx([0.8, 0.6, 0.3])


def test_a_figure_without_its_data_says_what_is_missing(tables):
    bare = tables["series"][["run", "design", "seed", "day", "mean_resolution_h",
                             "tickets_resolved", "backlog"]]
    with pytest.raises(F.MissingData, match="proficiency"):
        F.fig_proficiency(bare)
    with pytest.raises(F.MissingData, match="fewer than two conditions"):
        F.fig_regime_map(tables["runs"], ["product.scriptable_share"])
    with pytest.raises(F.MissingData, match="nobody left"):
        F.fig_staff_survival(tables["staff"].assign(left_day=pd.NA), 400)
    with pytest.raises(F.MissingData, match="customers"):
        F.fig_customers(None, bare)


def test_conditions_are_what_varies_within_a_design():
    rows = [{"design": d, "seed": s, "org.l1.headcount": 17 if d == "tiered" else 0,
             "product.domains": dom, "regime": reg,
             "customers.relationship_weight": 0.0 if reg == "telco_1990" else 1.0}
            for d in DESIGNS for s in (0, 1) for dom in (4, 8)
            for reg in ("telco_1990", "saas_2026")]
    runs = pd.DataFrame(rows)
    keys = ["seed", "org.l1.headcount", "product.domains", "regime",
            "customers.relationship_weight"]
    # the design's own settings and the seed are not conditions; a bundle counts once
    assert R.conditions_of(runs, keys) == ["product.domains", "customers.relationship_weight"]


# ---- the report command on a smoke sweep ---------------------------------------------------------
def smoke_config(design: str, seed: int) -> Config:
    cfg = Config()
    cfg.org.design, cfg.seed = design, seed
    cfg.sim.horizon_days, cfg.sim.warmup_days, cfg.sim.progress = 30, 5, False
    cfg.customers.count = 100
    return validate(cfg)


@pytest.fixture(scope="module")
def smoke_sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep") / "smoke"
    for design in DESIGNS:
        for seed in (0, 1):
            cfg = smoke_config(design, seed)
            _, summary, tabs = simulate(cfg)
            write_run(root / f"org={design},seed={seed}", summary, tabs,
                      OmegaConf.to_yaml(OmegaConf.structured(cfg)))
    return root


@pytest.fixture(scope="module")
def smoke_report(smoke_sweep):
    """Run the report once; its progress and skip messages, as printed, are kept."""
    messages: list[str] = []

    def log(msg: str) -> None:
        messages.append(msg)
        R.say(msg)

    path, produced = R.report(smoke_sweep, log=log)
    return path.read_text(), "\n".join(messages), produced


def test_report_writes_every_file(smoke_sweep, smoke_report):
    report, messages, produced = smoke_report
    figs = smoke_sweep / "figures"
    made = sorted(p.stem for p in figs.glob("*.png"))
    assert made == sorted(p.spec.name for p in produced if p.number)
    for core in ("kpis_over_time", "escalation_tax", "costs", "customers"):
        assert core in made, messages
    for name in made:
        for ext in ("pdf", "svg", "png"):
            assert (figs / f"{name}.{ext}").stat().st_size > 0
        assert f"figures/{name}.png" in report
    assert "<text" in (figs / "kpis_over_time.svg").read_text()  # svg.fonttype none: real text
    for spec in R.FIGURES:  # each figure either made or skipped with its reason, never silent
        assert spec.name in made or f"skipped figure {spec.name}:" in messages
    for heading in ("## Comparison of designs", "### generalist vs tiered", "## Provenance"):
        assert heading in report
    assert "[95 % CI]" in report and "| old cost per outcome | $/ticket |" in report
    assert "95 % Student t-interval" in report and "bootstrap" not in report
    assert "range across runs (min–max" in report  # 2 runs per design: no percentile band
    # the headline leads: total cost per customer-year, then support cost, lost revenue, net
    # contribution, support cost per problem, then the flow KPIs
    rows = [line.split(" | ")[0].lstrip("| ") for line in report.splitlines()
            if line.startswith("| ") and " | $/cust-yr | " in line or " | $/problem | " in line]
    order = ["total cost (headline)", "support cost", "lost revenue", "net contribution",
             "support cost per problem"]  # a KPI equal in both designs (no churn yet) is left out
    assert rows[0] == "total cost (headline)" and "support cost per problem" in rows, rows
    assert rows[:len([r for r in order if r in rows])] == [r for r in order if r in rows], rows
    assert report.index("| total cost (headline) |") < report.index("| mean resolution |") \
        < report.index("| old cost per outcome |")
    assert "**Headline** (total cost per customer-year" in report
    assert "e+0" not in report.split("## Figures")[0]  # no scientific notation
    hashes = {json.loads((d / "summary.json").read_text())["config_hash"]
              for d in smoke_sweep.iterdir() if (d / "summary.json").is_file()}
    assert len(hashes) == 4 and all(h in report for h in hashes)
    assert "git revision" in report and "seeds 0–1" in report
    assert (smoke_sweep / "report_generalist_vs_tiered.csv").is_file()


def test_report_skips_figures_without_data_with_a_message(smoke_report):
    report, messages, _ = smoke_report
    # no pilot runs, no swept condition, 30 days (less than a quarter after the warm-up)
    assert "skipped figure pilot:" in messages and "org=pilot" in messages
    assert "skipped figure regime_map: regime map: the sweep varies fewer than two" in messages
    assert "skipped figure talent_flows: talent flows: less than one quarter" in messages
    assert "### Figures not drawn" in report and "`pilot`" in report


def test_report_without_runs_is_a_clear_error(tmp_path, capsys):
    assert R.main([str(tmp_path)]) == 2
    assert "no finished runs" in capsys.readouterr().err
    assert R.main([str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err
