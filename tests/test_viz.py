"""The browser page (``tiersim-viz``, experiments/viz/): controls, drawing, offline assets, and
a real browser session (Playwright driving Debian's chromium).

The browser test is marked ``browser`` but runs in the default suite: without chromium it fails
and says how to install it (``.ci/run`` installs it on CI).
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import pandas as pd
import pytest
import solara
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from experiments import viz
from experiments.cli import CONF_DIR, register, to_config
from experiments.tools import assets
from experiments.tools import viz_browser as vb
from model.config import ConfigError
from model.customers import Customers, customer_kpis
from model.metrics import cost_kpis, lifetime_value_factor, outcome_kpis, ticket_kpis
from model.model import TierSimModel


def cli_config(overrides: list[str] = ()):
    """The config the ``tiersim`` CLI composes (same directory and primary config)."""
    register()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose("config", overrides=list(overrides))


# --- controls ------------------------------------------------------------------------------------
def test_control_defaults_equal_the_hydra_config():
    cfg = cli_config()
    defaults = viz.control_defaults()
    assert defaults["org.design"] == cfg.org.design
    assert defaults["org.l1.headcount"] == cfg.org.l1.headcount
    assert defaults["org.l2.headcount"] == cfg.org.l2.headcount
    assert defaults["org.pods.count"] == cfg.org.pods.count
    assert defaults["org.pods.size"] == cfg.org.pods.size
    assert defaults["l1_l2_cost_ratio"] == pytest.approx(
        cfg.workforce.salary.l1 / cfg.workforce.salary.l2)
    assert int(defaults["seed"]) == cfg.seed
    assert defaults["regime"] == cfg.regime
    assert defaults["customers.relationship_weight"] == cfg.customers.relationship_weight
    assert defaults["customers.problem_correlation"] == cfg.customers.problem_correlation
    for control in viz.CONTROLS:  # any plain config key
        if control.default is None and control.overrides is None:
            assert defaults[control.key] == OmegaConf.select(cfg, control.key), control.key
    # every control is on the page with that default
    params = viz.model_params()
    assert set(params) == {c.key for c in viz.CONTROLS}
    assert {k: p["value"] for k, p in params.items()} == defaults


def test_default_page_model_has_the_cli_config():
    """Untouched controls build exactly the CLI's config (bar the page's long horizon)."""
    page = viz.build_config({})
    cli = to_config(cli_config(viz.VIZ_OVERRIDES))
    assert dataclasses.asdict(page) == dataclasses.asdict(cli)
    assert page.sim.horizon_days >= 3650 and page.sim.progress is False


def test_controls_become_overrides():
    cfg = viz.build_config({"org.design": "generalist", "org.pods.count": 3,
                            "org.pods.size": 6, "seed": " 7 ", "l1_l2_cost_ratio": 0.5})
    assert (cfg.org.design, cfg.org.ownership) == ("generalist", "named")
    assert (cfg.org.pods.count, cfg.org.pods.size, cfg.seed) == (3, 6, 7)
    assert cfg.workforce.salary.l1 == pytest.approx(0.5 * cfg.workforce.salary.l2)
    with pytest.raises(ConfigError, match="seed"):
        viz.build_config({"seed": "abc"})
    with pytest.raises(ConfigError, match="unknown control"):
        viz.build_config({"org.l3.headcount": 2})


def test_invalid_settings_fall_back_to_the_defaults_with_a_message():
    m = viz.VizModel(**{"seed": "-3"})
    assert "seed" in m.config_error and m.cfg.seed == 0
    m = viz.VizModel(**{"org.design": "pilot", "org.l2.headcount": 1})
    assert "org.l2.headcount" in m.config_error or "pod_size" in m.config_error


def test_viz_model_only_observes():
    """The page's hooks leave the run as the CLI's model would produce it."""
    page = viz.VizModel(**{"org.design": "generalist"})
    plain = TierSimModel(viz.build_config({"org.design": "generalist"}))
    for _ in range(12):
        page.step()
        plain.step()
    pd.testing.assert_frame_equal(pd.DataFrame(page.recorder.series),
                                  pd.DataFrame(plain.recorder.series))
    assert page.steps == 12 and page.day == 12
    assert len(page.viz_rows) == 12 and len(page.frame()) == 12
    handoffs = sum(sum(d.values()) for d in page.handoff_days)
    assert handoffs == sum(r["handoffs"] for r in page.recorder.series)


@pytest.mark.parametrize("design", ["tiered", "generalist", "pilot"])
def test_network_and_charts_draw(design):
    m = viz.VizModel(**{"org.design": design})
    charts = viz.SHOWN_CHARTS if design == "tiered" else viz.SHOWN_CHARTS[:1]
    for day in (0, 6):
        while m.day < day:
            m.step()
        assert len(viz.png_bytes(viz.draw_network(m))) > 10_000
        for chart in charts:
            assert len(viz.png_bytes(viz.draw_chart(chart, m))) > 5_000
            assert f"day {day}" in viz.chart_alt(chart, m)
    assert 0 < len(m.sample) <= viz.CUSTOMER_SAMPLE
    alt = viz.network_alt(m)
    assert (("Pod 0" in alt) == (design == "generalist")) and "Engineering" in alt
    if design == "generalist":  # every drawn customer is linked to its named owner
        assert all(c.owner is not None for c in m.sample)


def test_a_reused_chart_figure_draws_what_a_new_one_draws():
    """The page updates its chart figures in place (``cache``): same PNG as a new figure,
    day after day (the first days change the legend's layout, so figures are also rebuilt)."""
    m = viz.VizModel()
    cache: dict = {}
    reused = 0
    for day in (0, 1, 2, 9, 40):
        while m.day < day:
            m.step()
        for chart in viz.SHOWN_CHARTS:
            before = cache.get((chart.title, id(m)))
            kept = viz.draw_chart(chart, m, cache=cache)
            reused += before is not None and kept is before[1]
            assert viz.png_bytes(kept) == viz.png_bytes(viz.draw_chart(chart, m)), (day, chart)
    assert reused >= len(viz.SHOWN_CHARTS)  # most figures were updated, not made again


def test_chart_list():
    titles = [c.title for c in viz.SHOWN_CHARTS]
    for must in ("Backlog at midnight", "Resolution time, creation to close",
                 "Headcount by role", "Cost per customer-year", "Cost per head; old cost per good",
                 "Hand-offs per resolved ticket"):
        assert any(t.startswith(must) for t in titles), must
    # a chart whose columns are not recorded is left out
    assert viz.available_charts({"backlog"}) == []


def _cost_chart():
    return next(c for c in viz.SHOWN_CHARTS if c.title.startswith("Cost per head"))


def _year_chart():
    return next(c for c in viz.SHOWN_CHARTS if c.title.startswith("Cost per customer-year"))


def test_cost_series_on_a_hand_made_frame():
    """Cost per head and per good outcome against answers worked out by hand."""
    df = pd.DataFrame({
        "day": [0, 1, 2, 3],
        "cost_salary_cum": [100.0, 200.0, 300.0, 400.0],
        "cost_hiring_cum": [0.0, 0.0, 50.0, 50.0],  # daily cost: 100, 100, 150, 100
        "tickets_resolved": [2, 0, 3, 2],
        "good_outcomes": [1, 0, 3, 1],  # the closes that were never reopened
        "churned_revenue_per_day": [0.0, 10.0, 10.0, 30.0],
        "headcount_l1": [1, 1, 1, 1],
        "headcount_l2": [1, 1, 1, 1],
        "customers_active": [9, 9, 8, 8],
        "lost_mrr_per_day": [0.0, 0.0, 100.0, 0.0],  # one customer paying 100 a month left
    })
    # whole history: cumulative cost / cumulative good outcomes
    assert viz.cost_per_good_outcome(df, churned_revenue=False).tolist() == [
        100.0, 200.0, 350.0 / 4, 450.0 / 5]
    assert viz.cost_per_good_outcome(df).tolist() == [100.0, 210.0, 370.0 / 4, 500.0 / 5]
    # a 2-day window; NaN where the window has no good outcome
    two = viz.cost_per_good_outcome(df, window=2, churned_revenue=False)
    assert two.tolist() == [100.0, 200.0, 250.0 / 3, 250.0 / 4]
    one = viz.cost_per_good_outcome(df, window=1, churned_revenue=False)
    assert one.isna().tolist() == [False, True, False, False]
    # mean daily cost 112.5 a year over 2 heads, in $k
    assert viz.cost_per_head(df).iloc[-1] == pytest.approx(112.5 * 365 / 2 / 1000)
    # the chart's lines: per head, and per good outcome with and without churned revenue
    (_, head), (_, outcome) = [(y, fn(df)) for y, fn in _cost_chart().panels]
    assert list(head.values())[0][0].iloc[-1] == pytest.approx(20.53125)
    assert outcome["support cost only ($)"][0].iloc[-1] == pytest.approx(90.0)
    assert outcome["incl. churned revenue ($)"][0].iloc[-1] == pytest.approx(100.0)
    # no customers mechanism: no churned revenue line
    assert list(_cost_chart().panels[1][1](df.drop(columns="customers_active"))) == [
        "support cost only ($)"]
    # per customer-year, 2-day window (days 2-3): support cost 250 over 16 customer-days;
    # lost revenue 100 a month over the default 36 months at 10 % a year
    lvf = lifetime_value_factor(36.0, 0.10)
    cy = 16 / 365
    assert viz.cost_per_customer_year(df, "support", window=2).iloc[-1] == pytest.approx(250 / cy)
    assert viz.cost_per_customer_year(df, "lost", window=2).iloc[-1] == pytest.approx(
        100 * lvf / cy)
    assert viz.cost_per_customer_year(df, window=2).iloc[-1] == pytest.approx(
        (250 + 100 * lvf) / cy)
    assert viz.cost_per_customer_year(df, "lost", window=1).iloc[-1] == 0.0  # day 3: nobody left
    ((ylabel, lines),) = _year_chart().panels
    assert "customer" in ylabel and list(lines(df)) == [
        "support + lost revenue", "support cost", "lost revenue"]
    assert lines(df)["support + lost revenue"][0].iloc[-1] == pytest.approx(
        viz.cost_per_customer_year(df).iloc[-1])


@pytest.mark.parametrize("design", ["tiered", "generalist"])
def test_cost_per_good_outcome_matches_the_summary_kpi(design):
    """Over the whole run, the page's cost per head and per good outcome are the summary's
    ``cost_per_head`` and ``cost_per_outcome`` (no warm-up, horizon = today)."""
    m = viz.VizModel(**{"org.design": design})
    for _ in range(35):
        m.step()
    df = m.frame()
    good = ticket_kpis(m.recorder.tickets.frame(), 0.0)
    assert int(df["good_outcomes"].sum()) == good["good_outcomes"] > 0
    assert (df["good_outcomes"] <= df["tickets_resolved"]).all()
    assert good["good_outcomes"] < good["tickets_resolved"]  # some tickets were reopened
    loyalty = next(x for x in m.mechanisms if isinstance(x, Customers))
    cfg = dataclasses.replace(m.cfg, sim=dataclasses.replace(m.cfg.sim, warmup_days=0,
                                                             horizon_days=m.day))
    churn = customer_kpis(loyalty.tables()["customers"], m.recorder.timeseries(), cfg)
    assert churn["churned_revenue"] > 0
    assert df["churned_revenue_per_day"].sum() == pytest.approx(churn["churned_revenue"])
    kpi = cost_kpis(m.recorder.timeseries(), 0, good["tickets_resolved"],
                    good["good_outcomes"], churn["churned_revenue"])
    whole = len(df)
    assert viz.cost_per_good_outcome(df, window=whole).iloc[-1] == pytest.approx(
        kpi["cost_per_outcome"])
    assert viz.cost_per_head(df, window=whole).iloc[-1] * 1000 == pytest.approx(
        kpi["cost_per_head"])
    alt = viz.chart_alt(_cost_chart(), m)
    assert "support cost only ($)" in alt and "incl. churned revenue ($)" in alt
    # the headline per customer-year: model.metrics.outcome_kpis over the whole run
    year = outcome_kpis({**kpi, **good}, m.recorder.timeseries(),
                        loyalty.tables()["customers"], cfg)
    assert year["lost_revenue_per_customer_year"] > 0
    for part, key in (("total", "total_cost_per_customer_year"),
                      ("support", "support_cost_per_customer_year"),
                      ("lost", "lost_revenue_per_customer_year")):
        assert viz.cost_per_customer_year(df, part, window=whole).iloc[-1] == pytest.approx(
            year[key]), key
    alt = viz.chart_alt(_year_chart(), m)
    assert all(f"{lab}: " in alt for lab in ("support + lost revenue", "support cost",
                                             "lost revenue")), alt


def test_runner_steps_both_designs_in_lockstep_on_one_seed():
    """Side by side: the other design on the same controls and seed, caught up to today when
    switched on, is the run it would have been from day 0; both step together."""
    r = viz.Runner({"seed": "3"})
    r.step(4)
    r.add_partner()
    assert [m.cfg.org.design for m in r.models] == ["tiered", "generalist"]
    assert [m.cfg.seed for m in r.models] == [3, 3] and [m.day for m in r.models] == [4, 4]
    r.step(2)
    assert [m.day for m in r.models] == [6, 6]
    alone = viz.VizModel(**{"seed": "3", "org.design": "generalist"})
    for _ in range(6):
        alone.step()
    pd.testing.assert_frame_equal(pd.DataFrame(r.models[1].recorder.series),
                                  pd.DataFrame(alone.recorder.series))
    assert viz.OTHER_DESIGN == {"tiered": "generalist", "generalist": "tiered",
                                "pilot": "tiered"}
    drawing = r.draw()
    assert drawing.day == 6 and len(drawing.networks) == 2
    assert len(drawing.charts) == len(viz.shown_pairs())
    assert r.draw() is drawing  # drawn once a day
    first = drawing.charts[0].alt
    backlog = [x["backlog"] for x in (r.models[0].recorder.series[-1],
                                      r.models[1].recorder.series[-1])]
    assert first == (f"Open tickets at midnight, day 6: tiered: {backlog[0]}; "
                     f"generalist: {backlog[1]}")
    assert all(img.src.startswith("data:image/png;base64,") for img in drawing.charts)
    status = r.status()
    assert status.day == 6 and len(status.lines) == 2
    assert status.lines[1].startswith("design: generalist · seed 3")
    r.drop_partner()
    assert len(r.draw().networks) == 1 and len(r.drawing.charts) == len(viz.SHOWN_CHARTS)


def test_side_by_side_charts():
    titles = [p.chart for p in viz.PAIRS]
    assert all(any(c.title.startswith(t) for c in viz.SHOWN_CHARTS) for t in titles)
    m = viz.VizModel(**{"org.design": "pilot"})
    for _ in range(3):
        m.step()
    for pair in viz.shown_pairs():  # each pair's line is a line of its chart
        assert f"{m.cfg.org.design}: " in viz.pair_alt(pair, [m]), pair
        assert len(viz.png_bytes(viz.draw_pair(pair, [m]))) > 5_000


# --- offline front-end assets --------------------------------------------------------------------
def test_asset_list_matches_what_solara_asks_for():
    root = Path(solara.__file__).parent
    asked = set()
    for f in [root / "server/templates/solara.html.j2", root / "widgets/vue/gridlayout.vue"]:
        for m in re.finditer(r"(?:cdn\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/",
                             f.read_text()):
            asked.add(m.group(1))
    asked.add("font-awesome@4.5.0")  # the template takes it from a setting
    assert asked == {folder for folder, _ in assets.ASSETS}


def test_assets_are_installed():
    assert assets.missing() == [], "front-end assets missing: run `make setup`"


# --- the page in a real browser --------------------------------------------------------------------
PLAY_SECONDS = 15  # how long the browser test plays to measure days per second
MIN_DAYS_PER_S = 8  # asserted; measured 23 to 28 here: a margin of about 3 for a busier machine


@pytest.mark.browser
def test_page_in_chromium(record_property):
    """Loads, renders charts and network, Step / Play / Pause, the play speed (days per second,
    reported), the two designs side by side, design + Reset, typed seed, a second tab with its
    own model; no tab, no Mesa controls, no badge, no warning, no console errors, nothing
    fetched from outside."""
    if not Path(vb.CHROMIUM).exists():
        pytest.fail(vb.MISSING_CHROMIUM)
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    n_charts = len(viz.SHOWN_CHARTS)
    errors: list[str] = []
    outside: list[str] = []
    with vb.serve() as server, sync_playwright() as pw:
        browser = vb.launch(pw)

        def new_tab():
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            vb.offline(page, outside)
            page.goto(server.url)
            vb.wait_rendered(page, n_charts)
            return page

        page = new_tab()
        assert page.locator("text=Loading app").count() == 0
        assert vb.day(page).startswith("Day 0")
        body = page.inner_text("body")
        for gone in ("Page 0", "PAGE 0", "Render Interval", "Use Threads", "Play Interval",
                     "runs on Solara"):
            assert gone not in body, gone
        assert "Days per Step: 1" in body and f"redraw every {viz.DRAW_EVERY} days" in body
        charts0 = vb.alts(page, "tiersim-chart")
        src0 = page.get_attribute("img.tiersim-chart", "src")

        started = time.perf_counter()
        vb.step(page)  # Step: one day, drawn
        vb.wait_day(page, r"^Day 1\b")
        vb.wait_drawn(page, 1)
        step_s = time.perf_counter() - started
        charts1 = vb.alts(page, "tiersim-chart")
        assert charts1 != charts0 and "no data yet" not in charts1[0]
        cost = [a for a in charts1 if a.startswith("Cost per head; old cost per good outcome")]
        assert len(cost) == 1 and "per person, a year ($k): " in cost[0], charts1
        assert "support cost only ($): " in cost[0] and "n/a" not in cost[0], cost
        year = [a for a in charts1 if a.startswith("Cost per customer-year")]
        assert len(year) == 1 and "support + lost revenue: " in year[0], charts1
        assert "support cost: " in year[0] and "n/a" not in year[0], year
        assert page.get_attribute("img.tiersim-chart", "src") != src0

        # Play: the day counter runs ahead of the drawing (redrawn every DRAW_EVERY days) ...
        days, secs, lag = vb.play_for(page, PLAY_SECONDS)
        paused = vb.wait_still(page)  # ... and Pause: the step under way still lands
        rate = days / secs
        record_property("measured: days per second on ▶", f"{rate:.1f} ({days} days in "
                        f"{secs:.1f} s, redraw every {viz.DRAW_EVERY} days)")
        record_property("measured: seconds per Step", f"{step_s:.2f}")
        assert rate >= MIN_DAYS_PER_S, f"{rate:.1f} days per second on ▶"
        assert 0 < lag <= viz.DRAW_EVERY + 30, lag  # not a redraw per day, but every N days
        vb.wait_drawn(page, vb.day_number(page))  # on pause: drawn at once, today
        assert vb.alts(page, "tiersim-chart") != charts1

        # the two designs side by side on one seed: the other design caught up, in lockstep
        today = vb.day_number(page)
        vb.side_by_side(page)
        vb.wait_drawn(page, today)
        nets = vb.alts(page, "tiersim-network")
        assert [n.split(",")[0] for n in nets] == ["Organisation (tiered)",
                                                   "Organisation (generalist)"], nets
        pairs = vb.alts(page, "tiersim-chart")
        assert len(pairs) == len(viz.shown_pairs()) >= 5, pairs
        assert all("tiered: " in a and "generalist: " in a for a in pairs), pairs
        lines = page.eval_on_selector_all(".tiersim-status", "es => es.map(e => e.innerText)")
        assert [x.split(" · ")[:2] for x in lines] == [["design: tiered", "seed 0"],
                                                       ["design: generalist", "seed 0"]]
        vb.step(page)
        vb.wait_day(page, rf"^Day {today + 1}\b")
        vb.wait_drawn(page, today + 1)
        days2, secs2, _ = vb.play_for(page, 8)
        vb.wait_still(page)
        record_property("measured: days per second on ▶, side by side",
                        f"{days2 / secs2:.1f} ({days2} days in {secs2:.1f} s, redraw every "
                        f"{viz.DRAW_EVERY} days)")
        vb.set_draw_every(page, 5)  # the redraw interval is the slider's
        _, _, lag5 = vb.play_for(page, 3)
        vb.wait_still(page)
        assert 0 < lag5 <= 5 + 15, lag5
        vb.wait_drawn(page, vb.day_number(page))
        vb.side_by_side(page, False)
        vb.wait_rendered(page, n_charts)
        paused = vb.day(page)

        # a second tab has a model of its own
        other = new_tab()
        assert vb.day(other).startswith("Day 0")
        vb.step(other)
        vb.wait_day(other, r"^Day 1\b")
        assert vb.day(page) == paused

        # change the design and the seed, Reset: a new model from the controls
        vb.choose_design(page, "generalist")
        page.get_by_role("textbox", name=re.compile("^Seed")).fill("7")
        page.get_by_role("button", name="Reset").click()
        page.wait_for_function(
            "() => document.querySelector('.tiersim-status')?.innerText"
            ".includes('design: generalist · seed 7')")
        vb.wait_day(page, r"^Day 0\b")
        page.wait_for_function(  # the network is the new model's
            "() => document.querySelector('img.tiersim-network')?.alt.includes('(generalist)')")
        vb.wait_rendered(page, n_charts)
        network = vb.alts(page, "tiersim-network")[0]
        assert "Organisation (generalist), day 0" in network and "Pod 0 (5 generalist" in network
        assert "L1" not in network
        page.get_by_text("Side by side: generalist and tiered, same seed").wait_for()
        vb.set_step_days(page, 3)  # Days per Step
        vb.step(page)
        vb.wait_day(page, r"^Day 3\b")
        vb.wait_drawn(page, 3)
        browser.close()

    assert errors == [], f"browser console errors: {errors}"
    assert outside == [], f"the page asked for outside addresses: {outside}"
    log = server.text()
    assert "Could not load URL" not in log and "Traceback" not in log, log[-3000:]
    assert "Warning" not in log, log[-3000:]  # e.g. Solara's cookie warning on every load
    assert time.perf_counter() - t0 < 300
