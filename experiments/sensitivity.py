"""``tiersim-sensitivity``: what would you have to believe for each design to win?

A global sensitivity analysis of the verdict, built on SALib, over every parameter with a
plausible range in the schema (``model.config.ranged_parameters``). The output analysed is the
paired gap *generalist - tiered* of each KPI in :data:`OUTPUTS` (the headline first: the total
cost per customer-year), on common random numbers: both designs run on the same seeds.

Three stages, each a set of points (parameter vectors) evaluated by an *evaluator*:

1. **Screening** (Morris elementary effects): ``trajectories`` x (D + 1) points over all D ranged
   parameters; ranks them by mu* (mean absolute effect) with sigma (interaction or
   non-linearity) and a bootstrap interval of mu*. With ``groups`` (the quick design) it screens
   the G config sections first (SALib's group screening, ``trajectories`` x (G + 1) points),
   then the parameters of the ``detail_groups`` most influential sections one by one.
2. **Variance** (Sobol' first-order S1 and total ST indices, Saltelli/Sobol' sampling): the
   ``top`` most influential parameters by mu* of the headline, ``sobol_n`` x (k + 2) points, the
   other parameters at their defaults. Its base sample is uniform over the k-box, so it also
   gives the share of that space where each design wins.
3. **One at a time**: the ``oat`` most influential parameters, each at ``levels`` evenly spaced
   values over its plausible range (the others at their defaults), plus the defaults, on
   ``oat_seeds`` paired seeds: the tornado figure (the gap at the two ends of each range) and the
   **switching values** -- where the mean gap changes sign (linear interpolation between grid
   values), with an interval from where the band mean +/- t x standard error crosses zero.

The :class:`SweepEvaluator` runs each stage's points as one ``tiersim -m`` sweep (both designs x
seeds x ``sensitivity.sample=range(N)`` over a design file: ``experiments/designfile.py``), so it
runs on any launcher (``hydra/launcher=...``), shows the sweep's progress, and a rerun of the same
command skips every finished run (resume). The :class:`FunctionEvaluator` evaluates a Python
function instead -- the same code path, used by the tests on the Ishigami function, whose Sobol
indices are known.

``--quick`` is a small design for a first look (short runs, few trajectories, group screening);
it is labelled as such in ``sensitivity.md``. Writes, under ``--out``: ``sensitivity.md``, ``morris.csv``,
``sobol.csv``, ``oat.csv``, ``switching.csv``, ``tornado.{pdf,svg,png}`` and one sweep directory
per stage.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy import stats

from experiments.cli import ROOT, fail
from experiments.designfile import write_design
from model.config import ConfigError, RangedParameter, ranged_parameters

#: (summary key, label, unit, lower is better): the gap generalist - tiered of each is analysed
OUTPUTS = (
    ("total_cost_per_customer_year", "total cost (headline)", "$/customer-year", True),
    ("support_cost_per_problem", "support cost per problem", "$/problem", True),
    ("retained_mrr_share", "retained MRR", "share", False),
    ("mean_resolution_h", "mean resolution time", "h", True),
)
HEADLINE = OUTPUTS[0][0]
DESIGNS = ("tiered", "generalist")


@dataclass(frozen=True)
class Plan:
    """The size of the analysis."""

    trajectories: int = 10  # Morris trajectories (each D + 1 points)
    levels: int = 4  # Morris grid levels
    top: int = 5  # parameters in the Sobol stage
    sobol_n: int = 64  # Sobol base sample (a power of 2); points = sobol_n x (top + 2)
    oat: int = 8  # parameters in the one-at-a-time stage
    oat_levels: int = 5  # values per parameter over its plausible range
    seeds: int = 1  # paired seeds per point in the screening and Sobol stages
    oat_seeds: int = 3  # paired seeds per point in the one-at-a-time stage
    horizon_days: int = 3 * 365 + 60  # run length (the warm-up included)
    seed: int = 12345  # the sampler's seed (SALib)
    quick: bool = False
    # screen groups first: Morris over the config sections (``group_of``), then the parameters
    # of the ``detail_groups`` most influential sections one by one (``detail_trajectories``)
    groups: bool = False
    detail_groups: int = 2
    detail_trajectories: int = 2

    def runs(self, params: Sequence[RangedParameter]) -> int:
        """Model runs (both designs) the whole analysis takes over ``params`` (with groups: at
        most, the detail stage taken over the largest sections)."""
        d = len(params)
        k, m = min(self.top, d), min(self.oat, d)
        if self.groups:
            sizes = sorted(Counter(group_of(p.key) for p in params).values(), reverse=True)
            n = sum(sizes[: self.detail_groups])
            screen = (self.trajectories * (len(sizes) + 1)
                      + self.detail_trajectories * (n + 1))
        else:
            screen = self.trajectories * (d + 1)
        points = ((screen + self.sobol_n * (k + 2)) * self.seeds
                  + (m * self.oat_levels + 1) * self.oat_seeds)
        return 2 * points


QUICK = Plan(trajectories=3, top=3, sobol_n=8, oat=4, oat_levels=3, oat_seeds=2,
             horizon_days=240, quick=True, groups=True, detail_groups=2, detail_trajectories=2)


def group_of(key: str) -> str:
    """A parameter's config section: ``customers.goodwill.stay_low_effort`` ->
    ``customers.goodwill``; ``customers.segments.1.mrr`` -> ``customers.segments.1``."""
    return key.rsplit(".", 1)[0] if "." in key else key


# ---- evaluators ------------------------------------------------------------------------------------
Evaluator = Callable[[str, list[str], np.ndarray, int], pd.DataFrame]
"""``evaluate(stage, keys, X, seeds)`` -> one row per (point, seed): ``point``, ``seed`` and the
gap generalist - tiered of every output. ``X`` has one row per point and one column per key;
NaN leaves that key at its default."""


@dataclass
class FunctionEvaluator:
    """Evaluates ``fn(values: dict[key, float], seed) -> dict[output, gap]`` at every point; a
    missing key (NaN) takes its default from ``defaults``."""

    fn: Callable[[dict[str, float], int], dict[str, float]]
    defaults: dict[str, float]
    calls: int = 0

    def __call__(self, stage: str, keys: list[str], X: np.ndarray, seeds: int) -> pd.DataFrame:
        rows = []
        for i, x in enumerate(X):
            values = dict(self.defaults)
            values.update({k: float(v) for k, v in zip(keys, x, strict=True) if v == v})
            for s in range(seeds):
                self.calls += 1
                rows.append({"point": i, "seed": s, **self.fn(values, s)})
        return pd.DataFrame(rows)


@dataclass
class SweepEvaluator:
    """Runs each stage as one ``tiersim -m`` sweep under ``out/<stage>/``."""

    out: Path
    horizon_days: int
    overrides: Sequence[str] = ()
    python: str = sys.executable
    outputs: tuple[str, ...] = tuple(o[0] for o in OUTPUTS)
    integer: dict[str, bool] = field(default_factory=dict)

    def command(self, stage: str, n_points: int, seeds: int) -> list[str]:
        sweep = (self.out / stage).resolve()
        return [self.python, "-m", "experiments.run", "-m", "experiment=sensitivity",
                f"hydra.sweep.dir={sweep}",
                "hydra.job.config.override_dirname.exclude_keys=[sensitivity.design]",
                f"sensitivity.design={sweep / 'design.csv'}",
                f"sensitivity.sample=range({n_points})", f"org={','.join(DESIGNS)}",
                f"seed=range({seeds})", f"sim.horizon_days={self.horizon_days}",
                *self.overrides]

    def __call__(self, stage: str, keys: list[str], X: np.ndarray, seeds: int) -> pd.DataFrame:
        from experiments.callbacks import collect_runs

        sweep = self.out / stage
        rows = [[None if v != v else float(v) for v in x] for x in X]
        write_design(sweep / "design.csv", keys, rows, self.integer)
        cmd = self.command(stage, len(X), seeds)
        print(f"sensitivity: stage {stage}: {len(X)} points x {seeds} seed(s) x 2 designs = "
              f"{2 * len(X) * seeds} runs -> {sweep}", file=sys.stderr, flush=True)
        code = subprocess.call(cmd, cwd=ROOT)
        runs = collect_runs(sweep)
        if code != 0 or runs.empty or (runs["status"] != "ok").any():
            bad = runs[runs["status"] != "ok"] if not runs.empty else runs
            raise RuntimeError(
                f"stage {stage}: {len(bad)} run(s) did not finish (sweep exit code {code}); "
                f"see {sweep} (error.txt in each failed run). Run the same command again to "
                "resume: finished runs are skipped.")
        return paired_gaps(runs, self.outputs, len(X), seeds)


def paired_gaps(runs: pd.DataFrame, outputs: Sequence[str], n_points: int,
                seeds: int) -> pd.DataFrame:
    """Per (point, seed): generalist - tiered of each output, from a sweep's run table."""
    runs = runs.rename(columns={"sensitivity.sample": "point"})
    need = {(p, s, d) for p in range(n_points) for s in range(seeds) for d in DESIGNS}
    have = set(zip(runs["point"], runs["seed"], runs["org"], strict=True))
    if need - have:
        raise RuntimeError(f"{len(need - have)} runs missing from the sweep's table")
    wide = runs.pivot_table(index=["point", "seed"], columns="org", values=list(outputs),
                            aggfunc="first")
    out = pd.DataFrame({o: wide[(o, "generalist")] - wide[(o, "tiered")] for o in outputs})
    return out.reset_index()


# ---- the analysis --------------------------------------------------------------------------------
def salib_problem(params: Sequence[RangedParameter]) -> dict:
    return {"num_vars": len(params), "names": [p.key for p in params],
            "bounds": [[p.low, p.high] for p in params]}


def _mean_by_point(gaps: pd.DataFrame, outputs: Sequence[str], n: int) -> pd.DataFrame:
    m = gaps.groupby("point")[list(outputs)].mean()
    return m.reindex(range(n))


def screening(params: Sequence[RangedParameter], evaluate: Evaluator, plan: Plan,
              outputs: Sequence[str], *, stage: str = "screening", groups: bool = False,
              trajectories: int | None = None, seed: int | None = None
              ) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Morris: the index table (one row per parameter -- or, with ``groups``, per config
    section: SALib's group screening, whose sigma is undefined for a group of several -- and
    output), the points and their mean gaps."""
    problem = salib_problem(params)
    if groups:
        problem["groups"] = [group_of(p.key) for p in params]
    r_ = trajectories or plan.trajectories
    sd = plan.seed if seed is None else seed
    X = morris_sample.sample(problem, r_, num_levels=plan.levels, seed=sd)
    Y = _mean_by_point(evaluate(stage, problem["names"], X, plan.seeds), outputs, len(X))
    rows = []
    for o in outputs:
        r = morris_analyze.analyze(problem, X, Y[o].to_numpy(), num_levels=plan.levels, seed=sd)
        for j, name in enumerate(r["names"]):
            rows.append({"output": o, "parameter": str(name), "mu": float(r["mu"][j]),
                         "mu_star": float(r["mu_star"][j]), "sigma": float(r["sigma"][j]),
                         "mu_star_conf": float(r["mu_star_conf"][j]),
                         "level": "group" if groups else "parameter"})
    return pd.DataFrame(rows), X, Y


def ranking(morris: pd.DataFrame, output: str = HEADLINE) -> list[str]:
    """Parameters by mu* of ``output``, largest first (ties by name)."""
    m = morris[morris["output"] == output]
    if "level" in m and (m["level"] == "parameter").any():
        m = m[m["level"] == "parameter"]
    m = m.sort_values(["mu_star", "parameter"], ascending=[False, True])
    return m["parameter"].tolist()


def variance(params: Sequence[RangedParameter], evaluate: Evaluator, plan: Plan,
             outputs: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Sobol' S1 and ST of each output over ``params`` (the others at their defaults)."""
    problem = salib_problem(params)
    X = sobol_sample.sample(problem, plan.sobol_n, calc_second_order=False, seed=plan.seed)
    Y = _mean_by_point(evaluate("variance", problem["names"], X, plan.seeds), outputs, len(X))
    rows = []
    for o in outputs:
        y = Y[o].to_numpy()
        if np.nanvar(y) == 0:  # the output does not move over this box: no variance to share
            r = {k: np.zeros(len(params)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            r = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=plan.seed)
        for j, p in enumerate(params):
            rows.append({"output": o, "parameter": p.key, "S1": float(r["S1"][j]),
                         "S1_conf": float(r["S1_conf"][j]), "ST": float(r["ST"][j]),
                         "ST_conf": float(r["ST_conf"][j])})
    return pd.DataFrame(rows), X, Y


def base_points(X: np.ndarray, k: int, n: int) -> np.ndarray:
    """The rows of a Saltelli/Sobol' sample (no second order) that form its base matrix A: a
    uniform quasi-random sample of the k-box (every (k + 2)-th row)."""
    return np.arange(n) * (k + 2)


def one_at_a_time(params: Sequence[RangedParameter], evaluate: Evaluator, plan: Plan,
                  outputs: Sequence[str]) -> pd.DataFrame:
    """Each parameter at ``oat_levels`` values over its range, the others at their defaults,
    plus the all-defaults point: one row per (parameter, value, seed)."""
    keys = [p.key for p in params]
    X, meta = [[math.nan] * len(keys)], [("(defaults)", math.nan)]
    for j, p in enumerate(params):
        for v in np.linspace(p.low, p.high, plan.oat_levels):
            v = float(round(v)) if p.integer else float(v)
            row = [math.nan] * len(keys)
            row[j] = v
            X.append(row)
            meta.append((p.key, v))
    gaps = evaluate("oat", keys, np.array(X, dtype=float), plan.oat_seeds)
    gaps["parameter"] = [meta[i][0] for i in gaps["point"]]
    gaps["value"] = [meta[i][1] for i in gaps["point"]]
    return gaps[["parameter", "value", "seed", *outputs]]


@dataclass(frozen=True)
class Switch:
    """Where the mean gap of an output changes sign along one parameter."""

    parameter: str
    output: str
    value: float | None  # the first sign change (None: none over the plausible range)
    low: float | None  # interval: where mean -/+ t x SE crosses zero (None: beyond the range)
    high: float | None
    winner_low: str  # the design ahead at the low end of the range
    winner_high: str
    crossings: int = 0  # sign changes over the range (more than one: the gap is not monotone)


def crossings(x: np.ndarray, y: np.ndarray) -> list[float]:
    """Every zero crossing of the piecewise-linear curve (x, y), in order."""
    out = []
    for i in range(len(x)):
        if y[i] == 0:
            out.append(float(x[i]))
        elif i + 1 < len(x) and y[i] * y[i + 1] < 0:
            a, b = y[i], y[i + 1]
            out.append(float(x[i] + (x[i + 1] - x[i]) * a / (a - b)))
    return out


def _crossing(x: np.ndarray, y: np.ndarray) -> float | None:
    found = crossings(x, y)
    return found[0] if found else None


def _ahead(gap: float, lower_is_better: bool) -> str:
    if gap == 0:
        return "tie"
    return "generalist" if (gap < 0) == lower_is_better else "tiered"


def switching_values(oat: pd.DataFrame, output: str = HEADLINE,
                     lower_is_better: bool = True, confidence: float = 0.95) -> list[Switch]:
    """For each parameter of the one-at-a-time table: the value at which the mean gap of
    ``output`` changes sign, with an interval from the seed-to-seed spread (Student t on the
    paired gaps at each grid value; none with one seed)."""
    out = []
    for name, g in oat[oat["parameter"] != "(defaults)"].groupby("parameter", sort=False):
        by = g.groupby("value")[output]
        x = np.array(sorted(by.groups))
        mean = by.mean().reindex(x).to_numpy()
        n = by.count().reindex(x).to_numpy()
        sd = by.std(ddof=1).reindex(x).to_numpy()
        root = _crossing(x, mean)
        lo = hi = None
        if (n > 1).all():
            half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n)
            ends = [c for c in (_crossing(x, mean - half), _crossing(x, mean + half))
                    if c is not None]
            if root is not None and ends:
                lo, hi = min(ends + [root]), max(ends + [root])
        out.append(Switch(name, output, root, lo, hi, _ahead(mean[0], lower_is_better),
                          _ahead(mean[-1], lower_is_better), len(crossings(x, mean))))
    return out


# ---- the whole analysis -------------------------------------------------------------------------
@dataclass
class Result:
    params: list[RangedParameter]
    plan: Plan
    morris: pd.DataFrame
    screening_gaps: pd.DataFrame
    sobol: pd.DataFrame
    sobol_params: list[str]
    sobol_gaps: pd.DataFrame
    sobol_base: np.ndarray
    oat: pd.DataFrame
    switches: dict[str, list[Switch]]
    wall_seconds: float
    evaluations: int  # (point, seed) pairs evaluated, each a run of both designs


def analyse(params: Sequence[RangedParameter], evaluate: Evaluator, plan: Plan,
            outputs: Sequence[tuple[str, str, str, bool]] = OUTPUTS) -> Result:
    """Screening, variance and one-at-a-time stages, in that order."""
    t0 = time.perf_counter()
    params = list(params)
    if len(params) < 2:
        raise ValueError("the analysis needs at least two ranged parameters")
    keys = [o[0] for o in outputs]
    morris, x_screen, y_screen = screening(params, evaluate, plan, keys, groups=plan.groups)
    screened = len(x_screen)
    if plan.groups:  # then the parameters of the most influential sections, one by one
        chosen: set[str] = set()
        for g in ranking(morris, keys[0]):  # at least detail_groups sections, 2 parameters
            if len(chosen) >= plan.detail_groups and \
                    sum(group_of(p.key) in chosen for p in params) >= 2:
                break
            chosen.add(g)
        detail = [p for p in params if group_of(p.key) in chosen]
        m2, x2, _ = screening(detail, evaluate, plan, keys, stage="detail",
                              trajectories=plan.detail_trajectories, seed=plan.seed + 1)
        morris = pd.concat([morris, m2], ignore_index=True)
        screened += len(x2)
    order = ranking(morris, keys[0])
    by_key = {p.key: p for p in params}
    top = [by_key[k] for k in order[: min(plan.top, len(params))]]
    sobol, x_sobol, y_sobol = variance(top, evaluate, plan, keys)
    oat_params = [by_key[k] for k in order[: min(plan.oat, len(params))]]
    oat = one_at_a_time(oat_params, evaluate, plan, keys)
    switches = {o: switching_values(oat, o, better) for o, _, _, better in outputs}
    base = base_points(x_sobol, len(top), plan.sobol_n)
    evaluations = (screened + len(x_sobol)) * plan.seeds + len(oat)
    return Result(params, plan, morris, y_screen, sobol, [p.key for p in top], y_sobol, base,
                  oat, switches, time.perf_counter() - t0, evaluations)


def win_shares(y: pd.DataFrame, output: str, lower_is_better: bool) -> dict[str, float]:
    """Share of points where each design is ahead on ``output``."""
    g = y[output].dropna()
    if g.empty:
        return {"generalist": math.nan, "tiered": math.nan, "tie": math.nan}
    gen = (g < 0) if lower_is_better else (g > 0)
    tie = g == 0
    return {"generalist": float(gen.mean()), "tiered": float((~gen & ~tie).mean()),
            "tie": float(tie.mean())}


# ---- writing ----------------------------------------------------------------------------------------
def _num(v: float | None, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 10 ** -digits):
        return f"{v:,.0f}" if a >= 1e5 else f"{v:.2g}"
    return f"{v:,.{digits}f}" if a < 1000 else f"{v:,.0f}"


def _short(v: float) -> str:
    """A parameter value for a figure label: 60,000 / 0.05 / 2."""
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def tornado(result: Result, path_stem: Path, output: str = HEADLINE,
            label: str = "total cost per customer-year", unit: str = "$/customer-year") -> None:
    """Horizontal bars: the mean gap at the low and the high end of each one-at-a-time
    parameter's range, around the gap at the defaults; written as PDF, SVG and PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments.figures import OKABE_ITO, PAGE_IN, STYLE

    with plt.style.context(["default", str(STYLE)]):
        _tornado(result, path_stem, output, label, unit, plt, OKABE_ITO, PAGE_IN)


def _tornado(result, path_stem, output, label, unit, plt, colours, width) -> None:
    oat = result.oat
    base = float(oat.loc[oat["parameter"] == "(defaults)", output].mean())
    rows = []
    for name, g in oat[oat["parameter"] != "(defaults)"].groupby("parameter", sort=False):
        by = g.groupby("value")[output].mean()
        rows.append((name, by.index.min(), by.iloc[0], by.index.max(), by.iloc[-1]))
    rows.sort(key=lambda r: abs(r[4] - r[2]))
    fig, ax = plt.subplots(figsize=(width, 0.42 * len(rows) + 1.9))
    h = 0.38
    for i, (_name, xlo, ylo, xhi, yhi) in enumerate(rows):
        ax.barh(i + h / 2, ylo - base, left=base, color=colours["sky"], height=h,
                label="at the low end of its range" if i == 0 else None)
        ax.barh(i - h / 2, yhi - base, left=base, color=colours["orange"], height=h,
                label="at the high end of its range" if i == 0 else None)
        for y, x, v in ((i + h / 2, ylo, xlo), (i - h / 2, yhi, xhi)):
            right = x >= base
            ax.text(x, y, f" {_short(v)} ", va="center",
                    ha="left" if right else "right", fontsize="small")
    ax.axvline(base, color="0.3", lw=1, label="all at their defaults")
    ax.axvline(0, color="0.0", lw=1, ls=":", label="no difference")
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_xlabel(f"gap in {label}, generalist − tiered ({unit})\n"
                  "negative: the generalists are ahead")
    ax.margins(x=0.2, y=0.08)
    fig.legend(loc="outside lower center", ncol=2, frameon=False)
    title = "One parameter at a time over its plausible range"
    if result.plan.quick:
        title += " (quick design)"
    ax.set_title(title)
    for ext in ("pdf", "svg", "png"):
        fig.savefig(path_stem.with_suffix(f".{ext}"), dpi=200 if ext == "png" else None)
    plt.close(fig)


def write_report(result: Result, out: Path, setting: str,
                 outputs: Sequence[tuple[str, str, str, bool]] = OUTPUTS) -> Path:
    """``sensitivity.md`` and the CSV tables; returns the report's path."""
    out.mkdir(parents=True, exist_ok=True)
    result.morris.to_csv(out / "morris.csv", index=False)
    result.sobol.to_csv(out / "sobol.csv", index=False)
    result.oat.to_csv(out / "oat.csv", index=False)
    sw = pd.DataFrame([s.__dict__ for ss in result.switches.values() for s in ss])
    sw.to_csv(out / "switching.csv", index=False)
    plan, d = result.plan, len(result.params)
    head, label, unit, better = outputs[0]
    lines = ["# What would you have to believe? Sensitivity of the verdict", ""]
    if plan.quick:
        lines += ["**Quick design** (`--quick`): few trajectories, short runs, few seeds — a first "
                  "look at which beliefs matter, not numbers to quote.", ""]
    lines += [f"Setting: {setting}. Gap = generalist − tiered on paired seeds (common random "
              f"numbers); for costs and times a negative gap means the generalists are ahead. "
              f"{d} parameters with a plausible range (docs/ODD.md parameter tables); "
              f"{result.evaluations:,} paired evaluations ({2 * result.evaluations:,} model runs); "
              f"{result.wall_seconds / 60:.1f} min.", ""]
    # defaults
    at_def = result.oat[result.oat["parameter"] == "(defaults)"]
    lines += ["## At the defaults", "",
              f"| output | mean gap | per seed ({plan.oat_seeds} seed{'s' if plan.oat_seeds > 1 else ''}) |", "|---|---|---|"]
    for o, lab, un, _ in outputs:
        vals = at_def[o].tolist()
        lines.append(f"| {lab} ({un}) | {_num(float(np.mean(vals)))} | "
                     f"{', '.join(_num(v) for v in vals)} |")
    # ranking
    mh = result.morris[result.morris["output"] == head]
    if plan.groups:
        g = mh[mh["level"] == "group"].sort_values(["mu_star", "parameter"],
                                                    ascending=[False, True])
        n_groups = len(g)
        lines += ["", f"## Which beliefs matter: Morris screening of the {label} gap", "",
                  f"First the {n_groups} config sections as groups (SALib's group screening: "
                  f"{plan.trajectories} trajectories × {n_groups + 1} points, {plan.levels} "
                  f"levels, {plan.seeds} paired seed(s) per point): μ* of a section is the mean "
                  f"absolute effect of moving all its parameters at once ({unit}), with its 95 % "
                  "bootstrap interval.", "",
                  "| rank | section | parameters | μ* | ± |", "|---|---|---|---|---|"]
        sizes = Counter(group_of(p.key) for p in result.params)
        for i, r in enumerate(g.itertuples(), 1):
            lines.append(f"| {i} | `{r.parameter}` | {sizes.get(r.parameter, 0)} | "
                         f"{_num(r.mu_star)} | {_num(r.mu_star_conf)} |")
        detail = mh[mh["level"] == "parameter"]
        lines += ["", f"Then the {len(detail)} parameters of the most influential sections one "
                  f"by one ({plan.detail_trajectories} trajectories × {len(detail) + 1} "
                  "points). μ*: mean absolute elementary effect over the whole plausible range, "
                  "with its 95 % bootstrap interval; σ: spread of the effects (interactions or "
                  "curvature); μ: signed mean (negative: raising the parameter favours the "
                  "generalists).", ""]
    else:
        detail = mh
        lines += ["", f"## Which beliefs matter: Morris screening of the {label} gap", "",
                  f"{plan.trajectories} trajectories × {d + 1} points, {plan.levels} levels, "
                  f"{plan.seeds} paired seed(s) per point. μ*: mean absolute elementary effect "
                  f"({unit} over the whole plausible range), with its 95 % bootstrap interval; "
                  "σ: spread of the effects (interactions or curvature); μ: signed mean "
                  "(negative: raising the parameter favours the generalists).", ""]
    m = detail.set_index("parameter")
    lines += ["| rank | parameter | μ* | ± | σ | μ |", "|---|---|---|---|---|---|"]
    for i, k in enumerate(ranking(result.morris, head), 1):
        r = m.loc[k]
        lines.append(f"| {i} | `{k}` | {_num(r.mu_star)} | {_num(r.mu_star_conf)} | "
                     f"{_num(r.sigma)} | {_num(r.mu)} |")
    # sobol
    s = result.sobol
    lines += ["", "## How much of the variance each explains: Sobol' indices", "",
              f"The {len(result.sobol_params)} most influential parameters, the others at their "
              f"defaults; {plan.sobol_n} × ({len(result.sobol_params)} + 2) points. S1: share of "
              "the output's variance from the parameter alone; ST: including its interactions "
              "(95 % bootstrap intervals). With few points the intervals are wide and S1 can be "
              "slightly negative: read them, not the point values.", ""]
    for o, lab, _un, _ in outputs:
        lines += [f"**{lab}**", "", "| parameter | S1 | ST |", "|---|---|---|"]
        for _, r in s[s["output"] == o].iterrows():
            lines.append(f"| `{r.parameter}` | {_num(r.S1, 2)} ± {_num(r.S1_conf, 2)} | "
                         f"{_num(r.ST, 2)} ± {_num(r.ST_conf, 2)} |")
        lines.append("")
    # who wins where
    lines += ["## Where each design is ahead", "",
              "Share of the sampled points where each design is ahead: over the Sobol' stage's "
              f"base sample (uniform over the {len(result.sobol_params)} most influential "
              "parameters' ranges, the others at their defaults) and over the Morris points (all "
              "parameters; a grid design, not a uniform sample).", "",
              "| output | generalist ahead (Sobol') | tiered ahead (Sobol') | generalist ahead "
              "(Morris) | tiered ahead (Morris) |", "|---|---|---|---|---|"]
    base = result.sobol_gaps.iloc[result.sobol_base]
    for o, lab, _, better in outputs:
        a, b = win_shares(base, o, better), win_shares(result.screening_gaps, o, better)
        lines.append(f"| {lab} | {a['generalist']:.0%} | {a['tiered']:.0%} | "
                     f"{b['generalist']:.0%} | {b['tiered']:.0%} |")
    # switching values
    lines += ["", "## Switching values", "",
              f"Each of the {len({s.parameter for s in result.switches[head]})} most influential "
              f"parameters over its plausible range ({plan.oat_levels} values), the others at "
              f"their defaults, {plan.oat_seeds} paired seed(s): the value at which the mean gap "
              "changes sign (linear interpolation), and the interval where the 95 % t-band of "
              "the paired gaps crosses zero (— where it does not within the range).", ""]
    for o, lab, _, _ in outputs:
        lines += [f"**{lab}**", "", "| parameter | range | ahead at low end | ahead at high end "
                  "| switches at | interval |", "|---|---|---|---|---|---|"]
        rng = {p.key: p for p in result.params}
        for sw_ in result.switches[o]:
            p = rng[sw_.parameter]
            at = _num(sw_.value) if sw_.value is not None else "no switch in range"
            if sw_.crossings > 1:
                at += f" (and {sw_.crossings - 1} more)"
            iv = (f"[{_num(sw_.low)}, {_num(sw_.high)}]" if sw_.low is not None else "—")
            lines.append(f"| `{sw_.parameter}` | {_num(p.low)}–{_num(p.high)} | "
                         f"{sw_.winner_low} | {sw_.winner_high} | {at} | {iv} |")
        lines.append("")
    lines += ["![tornado](tornado.png)", "",
              "Files: `morris.csv`, `sobol.csv`, `oat.csv` (every run's paired gap), "
              "`switching.csv`, `tornado.pdf`/`.svg`/`.png`; one sweep directory per stage "
              "(`screening/`, `detail/` with groups, `variance/`, `oat/`)."]
    path = out / "sensitivity.md"
    path.write_text("\n".join(lines) + "\n")
    tornado(result, out / "tornado", head, label, unit)
    return path


# ---- command line ---------------------------------------------------------------------------------
def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{v} must be at least 1")
    return v


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    p = argparse.ArgumentParser(
        prog="tiersim-sensitivity",
        description="Global sensitivity analysis of the verdict (generalist - tiered on paired "
                    "seeds): Morris screening over every parameter with a plausible range, Sobol' "
                    "indices on the most influential, switching values. Extra arguments are Hydra "
                    "overrides for every run (e.g. product=complex hydra/launcher=ray).")
    p.add_argument("--quick", action="store_true",
                   help="a small design for a first look (minutes on 2 cores), labelled as such")
    p.add_argument("--trajectories", type=_positive, help="Morris trajectories")
    p.add_argument("--groups", action=argparse.BooleanOptionalAction, default=None,
                   help="screen the config sections first, then the parameters of the most "
                        "influential ones (default: on with --quick, off otherwise)")
    p.add_argument("--top", type=_positive, help="parameters in the Sobol' stage")
    p.add_argument("--sobol-n", type=_positive, help="Sobol' base sample size (a power of 2)")
    p.add_argument("--oat", type=_positive, help="parameters in the one-at-a-time stage")
    p.add_argument("--oat-levels", type=_positive, help="values per one-at-a-time parameter (>= 2)")
    p.add_argument("--seeds", type=_positive, help="paired seeds per screening/Sobol' point")
    p.add_argument("--oat-seeds", type=_positive, help="paired seeds per one-at-a-time point")
    p.add_argument("--horizon-days", type=_positive, help="run length, warm-up included")
    p.add_argument("--params", help="comma-separated keys to analyse (default: every ranged one)")
    p.add_argument("--out", type=Path, help="output directory (default outputs/sensitivity/"
                   "<quick|full>)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    return p.parse_known_args(list(argv))


def plan_from(args: argparse.Namespace) -> Plan:
    plan = QUICK if args.quick else Plan()
    for name in ("trajectories", "top", "sobol_n", "oat", "oat_levels", "seeds", "oat_seeds",
                 "horizon_days", "groups"):
        v = getattr(args, name)
        if v is not None:
            plan = replace(plan, **{name: v})
    if plan.sobol_n & (plan.sobol_n - 1):
        raise ValueError(f"--sobol-n {plan.sobol_n}: must be a power of 2 (Sobol' sequences)")
    if plan.oat_levels < 2:
        raise ValueError(f"--oat-levels {plan.oat_levels}: needs at least 2 values")
    return plan


def select(params: list[RangedParameter], spec: str | None) -> list[RangedParameter]:
    if not spec:
        return params
    by_key = {p.key: p for p in params}
    want = [k.strip() for k in spec.split(",") if k.strip()]
    unknown = [k for k in want if k not in by_key]
    if unknown:
        import difflib

        hints = [f"{k} (did you mean {', '.join(difflib.get_close_matches(k, by_key, 2))}?)"
                 if difflib.get_close_matches(k, by_key, 2) else k for k in unknown]
        raise ValueError("--params: no plausible range for " + "; ".join(hints))
    return [by_key[k] for k in want]


def main(argv: Sequence[str] | None = None) -> None:
    args, overrides = parse_args(sys.argv[1:] if argv is None else argv)
    bad = [o for o in overrides if o.startswith("-")]
    if bad:
        fail(ValueError(f"unknown option {bad[0]} (see tiersim-sensitivity --help)"))
    try:
        plan = plan_from(args)
        params = select(ranged_parameters(), args.params)
        if len(params) < 2:
            raise ValueError("--params: name at least two parameters")
    except (ValueError, ConfigError) as err:
        fail(err)
    out = args.out or ROOT / "outputs" / "sensitivity" / ("quick" if plan.quick else "full")
    print(f"sensitivity: {len(params)} parameters, {'at most ' if plan.groups else ''}"
          f"{plan.runs(params):,} runs of "
          f"{plan.horizon_days} days{' (quick design)' if plan.quick else ''} -> {out}",
          file=sys.stderr)
    if args.dry_run:
        return
    evaluator = SweepEvaluator(out, plan.horizon_days, overrides,
                               integer={p.key: p.integer for p in params})
    try:
        result = analyse(params, evaluator, plan)
    except RuntimeError as err:
        fail(err, code=1)
    setting = (f"defaults{' with ' + ' '.join(overrides) if overrides else ''}, "
               f"org.staffing=sized, {plan.horizon_days}-day runs")
    path = write_report(result, out, setting)
    print(path.read_text())
    print(f"sensitivity: wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
