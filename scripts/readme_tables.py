"""Generate the README's result tables from the package, or check them.

Every number in the README's result tables (``densing reproduce`` against the paper, the
sensitivity table, the frame's held-out validation and its variants, the bundled data's
coverage) comes from the public API and the bundled data. Each table sits between HTML
comment markers::

    <!-- readme_tables:NAME -->
    ...
    <!-- /readme_tables:NAME -->

``python scripts/readme_tables.py`` rewrites every marked block in place;
``python scripts/readme_tables.py --check`` rewrites nothing and exits 1 naming the table, the
row, the column and the first differing cell when the README and the code disagree beyond
the rounding the README shows (numbers are compared at the README's precision, text
exactly). Performance numbers stay with ``benchmarks/``.

Each table has one small builder (``build_<name>``) that reads what it needs from a shared,
lazily computed :class:`Results`, so one table can be adapted without touching the others.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: the settings the README states for the headline and the sensitivity table
N_BOOTSTRAP = 1000
SEED = 0
HOLDOUT_MIN_PARAMS = 4e9

__all__ = [
    "BUILDERS",
    "Results",
    "build_all",
    "check",
    "compare_blocks",
    "main",
    "read_blocks",
    "replace_blocks",
]


@dataclass
class Results:
    """The package's results the tables read, each computed once on first use."""

    cache: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def reproduction(self) -> Any:
        """``densing.reproduce()`` with the README's settings."""
        import densing

        return densing.reproduce(n_bootstrap=N_BOOTSTRAP, random_state=SEED)

    @cached_property
    def sensitivity(self) -> pd.DataFrame:
        """``densing.sensitivity()`` with the README's settings."""
        import densing

        table = densing.sensitivity(n_bootstrap=N_BOOTSTRAP, random_state=SEED, progress=False)
        self.cache["robustness"] = table[table["group"] != "analysis choice"]
        return table[table["group"] == "analysis choice"].reset_index(drop=True)

    @property
    def robustness(self) -> pd.DataFrame:
        """The robustness rows of ``densing.sensitivity()`` (frontier rules, drop-one,
        windows)."""
        _ = self.sensitivity
        out: pd.DataFrame = self.cache["robustness"]
        return out

    def holdout(self, **frame_kwargs: Any) -> tuple[pd.DataFrame, Any]:
        """``holdout_validation`` at 4e9 (as ``densing frame validate``), cached per setting."""
        key = repr(sorted(frame_kwargs.items()))
        if key not in self.cache:
            from densing import load_reference_runs
            from densing.exceptions import FitQualityWarning
            from densing.reference import (
                DEFAULT_FRAME_BENCHMARKS,
                DEFAULT_PARAM_COUNT,
                holdout_validation,
            )

            kw = {"benchmarks": list(DEFAULT_FRAME_BENCHMARKS),
                  "param_count": DEFAULT_PARAM_COUNT, **frame_kwargs}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FitQualityWarning)
                self.cache[key] = holdout_validation(
                    load_reference_runs("olmo-ladder"), HOLDOUT_MIN_PARAMS, progress=False,
                    **kw)
        out: tuple[pd.DataFrame, Any] = self.cache[key]
        return out


# ---------------------------------------------------------------- formatting helpers

def _f(x: float, digits: int) -> str:
    """Fixed-point with ``digits`` decimals."""
    return f"{x:.{digits}f}"


def _g(x: float, sig: int = 2) -> str:
    """``sig`` significant figures, trailing zeros kept (0.0020, not 0.002)."""
    return f"{x:#.{sig}g}".rstrip(".")


def _ci(lo: float, hi: float, fmt: Callable[[float], str]) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "–"
    return f"{fmt(lo)} – {fmt(hi)}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    sep = align or "|" + "---|" * len(header)
    return "\n".join([_row(header), sep, *(_row(r) for r in rows)])


_STATUS_TEXT = {
    "below_floor": "below the frame's floor",
    "above_ceiling": "above ceiling",
    "above_frame_range": "above frame range",
    "near_asymptote": "at the asymptote",
}


# ---------------------------------------------------------------- the tables

def _ci_open(lo: float, hi: float, fmt: Callable[[float], str], top: str = "unbounded") -> str:
    """An interval whose upper end may be unbounded (``inf`` or NaN above a finite low)."""
    if math.isfinite(lo) and not math.isfinite(hi):
        return f"{fmt(lo)} – {top}"
    return _ci(lo, hi, fmt)


def build_reproduce(res: Results) -> str:
    """Headline against the paper. Reads ``Reproduction.comparison()``: ``paper_figure``,
    ``paper``, ``densing``, ``ci_low``, ``ci_high`` (the joint interval), ``ratio``,
    ``paper_in_ci`` per quantity."""
    cmp = res.reproduction.comparison().set_index("quantity")

    def verdict(q: str, ratio_text: str | None = None) -> str:
        word = str(cmp.at[q, "verdict"]) if "verdict" in cmp.columns else ""
        word = word.replace("not tested: the interval includes zero growth",
                            "not tested (the interval reaches zero growth)") or "–"
        return f"{word} ({ratio_text})" if ratio_text and word != "–" else word

    def fig(q: str) -> str:
        return str(cmp.at[q, "paper_figure"]) if "paper_figure" in cmp.columns else "–"

    rows: list[list[str]] = []
    for q, label, ratio in (
        ("doubling time (months), arxiv", "doubling time, arXiv v2 (months)", "densing/paper = "),
        ("doubling time (months), journal", "doubling time, journal (months)", ""),
        ("doubling time (months), from the paper's A",
         "doubling time from the paper's A (months)", ""),
        ("doubling time (months), envelope (paper's rule)",
         "doubling time, running-max envelope (months; its own interval)", ""),
    ):
        if q not in cmp.index:
            continue
        r = cmp.loc[q]
        rows.append([label, fig(q), f"{float(r['paper']):.3g}", f"**{_f(r['densing'], 1)}**",
                     _ci_open(r["ci_low"], r["ci_high"], lambda x: _f(x, 1)),
                     verdict(q, ratio + _f(r["ratio"], 2))])
    q = "slope A (per day)"
    r = cmp.loc[q]
    rows.append(["slope A (per day)", fig(q), f"{r['paper']:g}", _g(r["densing"]),
                 _ci(r["ci_low"], r["ci_high"], _g), verdict(q)])
    for q, label in (("R^2 of the frontier fit", "R² of the frontier fit"),
                     ("R^2 of the envelope fit (paper's rule)",
                      "R² of the running-max envelope (the paper's rule)"),
                     ("pseudo-R1 of the quantile line",
                      "pseudo-R¹ of the 0.9-quantile line (Koenker–Machado)")):
        if q in cmp.index:
            r = cmp.loc[q]
            paper_cell = "–" if r["paper"] != r["paper"] else f"{r['paper']:g}"
            rows.append([label, fig(q), paper_cell, _f(r["densing"], 2), "–", "–"])
    for part, label in (("before", "slope before ChatGPT (per day, all dates)"),
                        ("after", "slope after ChatGPT (per day)")):
        q = f"slope {part} ChatGPT (per day)"
        if q in cmp.index:
            r = cmp.loc[q]
            rows.append([label, fig(q), f"{r['paper']:g}", _g(r["densing"]),
                         _ci(r["ci_low"], r["ci_high"], _g), verdict(q)])
    q = "pruned/distilled models denser than parent"
    if q in cmp.index:
        r = cmp.loc[q]
        text = str(r["densing"])
        rows.append(["pruned/distilled denser than parent?", fig(q),
                     "no" if r["paper"] == "none" else str(r["paper"]),
                     "untestable" if text.startswith("untestable") else text, "–", "–"])
    return _table(["quantity", "paper's figure", "paper", "densing", "densing 95% interval",
                   "paper's figure vs the interval"], rows)


def build_reproduce_notes(res: Results) -> str:
    """The sentence under the headline table. Reads ``Reproduction.trend`` (``n_models_``,
    ``frontier_``, ``all_points_``) and ``diagnostics`` (``n_censored``,
    ``censored_by_status``, ``undated_models``, ``share_extrapolated``,
    ``n_beyond_reference_score``)."""
    rep = res.reproduction
    t, d = rep.trend, rep.diagnostics
    members = ", ".join(str(m) for m in t.frontier_["model"])
    by = ", ".join(f"{v} {_STATUS_TEXT.get(k, k)}" for k, v in d["censored_by_status"].items())
    ap = t.all_points_
    lo, hi = ap.doubling_time_months_ci
    where = ("on the envelope" if t.frontier == "running_max" else
             f"on or above the {t.quantile:g}-quantile line" if t.frontier == "quantile"
             else "in the fit")
    return (
        f"{t.n_models_} models in the window, {t.n_frontier_} {where} ({members}), "
        f"{d['n_censored']} censored ({by or 'none'}), {len(d['undated_models'])} models "
        f"without a release date left out. {100 * d['share_extrapolated']:.0f} % of the N̂ "
        "lie outside the reference sizes (extrapolation, [trap 4]"
        "(docs/method.md#trap-extrapolation)), and "
        f"{d['n_beyond_reference_score']} of the {t.n_models_} models score above every "
        "reference checkpoint (the sigmoid is extrapolated too, [trap 2]"
        "(docs/method.md#trap-score-transfer)). The "
        f"all-points fit gives {_f(ap.doubling_time_months, 1)} months "
        f"({_ci(lo, hi, lambda x: _f(x, 1))})."
    )


#: README label of each ``SENSITIVITY_VARIANTS`` row, in order
SENSITIVITY_LABELS = [
    "default",
    "HellaSwag only",
    "ARC-Challenge only",
    "loss law + E",
    "D0 = 5T tokens",
    "D0 = 5T, loss law + E",
    "all points (OLS)",
    "running-max envelope (the paper's rule)",
    "all release dates",
    "dense models only",
    "total parameters (frame and targets)",
    "total parameters, exact architecture totals",
]


def _envelope_of_error(msg: str) -> str:
    if "single model" in msg:
        return "1"
    m = re.search(r"(\d+) (?:members|models)", msg)
    return m.group(1) if m else "–"


def build_sensitivity(res: Results) -> str:
    """Reads ``sensitivity()``: ``doubling_months``, ``ci_low``/``ci_high`` (joint),
    ``ci_low_models_only``/``ci_high_models_only`` (calibrated), ``r2``, ``n_models``,
    ``n_censored``, ``n_lower_bounds``, ``envelope_months``,
    ``n_bounds_on_frontier`` per variant (``error`` where none fits)."""
    df = res.sensitivity
    if len(df) != len(SENSITIVITY_LABELS):
        raise RuntimeError(f"sensitivity has {len(df)} variants, the README labels "
                           f"{len(SENSITIVITY_LABELS)}: update SENSITIVITY_LABELS")

    def months(x: float) -> str:
        return _g(x, 2) if x < 1 else _f(x, 1)

    rows = []
    for label, (_, r) in zip(SENSITIVITY_LABELS, df.iterrows(), strict=True):
        err = r.get("error")
        if isinstance(err, str):
            rows.append([label, "–", "–", "–", "–", "–", _envelope_of_error(err), "–", "–", "–"])
            continue
        # a quantile line has no R² (its fit quality is the pseudo-R¹ of the reproduce table)
        r2 = _f(r["r2"], 2) if math.isfinite(float(r["r2"])) else "–"
        bounds = int(r["n_lower_bounds"]) if r["n_lower_bounds"] == r["n_lower_bounds"] else 0
        env = r.get("envelope_months")
        rows.append([label, _f(r["doubling_months"], 1),
                     _ci_open(r["ci_low"], r["ci_high"], months, "∞"),
                     _ci_open(r["ci_low_models_only"], r["ci_high_models_only"], months, "∞"),
                     r2, str(int(r["n_models"])), str(int(r["n_censored"])), str(bounds),
                     "–" if env is None or env != env else months(env)])
    return _table(["variant (one change from the default)", "doubling (months)",
                   "95% interval", "models only", "R²", "models", "censored",
                   "of which bounds", "envelope (months)"], rows)


def build_robustness(res: Results) -> str:
    """The robustness rows of ``sensitivity()``: ``group``, ``variant``,
    ``doubling_months``, ``ci_low``, ``ci_high``, ``n_models``, ``interval``."""
    rows = []
    for _, r in res.robustness.iterrows():
        same = r.get("same_line_without")
        name = str(r["variant"]) + (f" (the same line without {same})"
                                    if isinstance(same, str) and same else "")
        rows.append([str(r["group"]), name, _f(r["doubling_months"], 1),
                     _ci_open(r["ci_low"], r["ci_high"], lambda x: _f(x, 1), "∞"),
                     str(int(r["n_models"])), str(r["interval"])])
    return _table(["group", "row", "doubling (months)", "95% interval", "models",
                   "interval"], rows)


#: the measured coverage table (written by ``python tests/test_coverage.py --write``)
COVERAGE_JSON = ROOT / "docs" / "coverage.json"


def build_coverage(res: Results) -> str:
    """The quantile headline's simulated coverage per design, from ``docs/coverage.json``
    (``design``, ``coverage``, ``bias``, ``rmse``, ``median_width``, ``share_unbounded``,
    ``reps``, ``n_boot``)."""
    import json

    del res
    data = json.loads(COVERAGE_JSON.read_text())
    rows = [[d["design"], str(d["reps"]), f"{d['coverage']:.3f}", f"{100 * d['bias']:+.1f} %",
             f"{100 * d['rmse']:.0f} %", _g(d["median_width"], 2),
             f"{100 * d['share_unbounded']:.0f} %"] for d in data["designs"]]
    return _table(["design", "reps", "coverage (nominal 0.95)", "bias", "RMSE",
                   "median width (slope/day)", "unbounded"], rows)


def build_holdout(res: Results) -> str:
    """Reads ``holdout_validation(runs, 4e9)`` of the default frame: ``abs_error``,
    ``self_check_rho``, ``self_check_status`` per benchmark and held-out run."""
    table, _ = res.holdout()
    runs = list(table.sort_values("n_params")["run"].unique())
    if len(runs) != 2:
        raise RuntimeError(f"expected two held-out runs (7B, 13B), got {runs}")
    labels = {"average": "**average** (9 tasks)",
              "average_llv1": "average_llv1 (HellaSwag + ARC-C)",
              "mmlu": "mmlu (4 subject groups, weighted by test size)"}
    order = ["average", "average_llv1"] + sorted(
        b for b in table["benchmark"].unique() if b not in ("average", "average_llv1"))
    rows = []
    for bench in order:
        sub = table[table["benchmark"] == bench].set_index("run")
        errs = [_f(sub.at[run, "abs_error"], 3) for run in runs]
        status = [str(sub.at[run, "self_check_status"]) for run in runs]
        if all(s == "ok" for s in status):
            rho = " / ".join(_g(sub.at[run, "self_check_rho"], 3) for run in runs)
        else:
            bad = sorted({s for s in status if s != "ok"})
            rho = "censored (" + ", ".join(_STATUS_TEXT.get(s, s) for s in bad) + ")"
        cells: list[str] = [labels.get(bench, str(bench)), *errs, rho]
        if bench == "average":
            cells = [cells[0]] + [f"**{c}**" for c in cells[1:]]
        rows.append(cells)
    rows.append(["**mean**", "", "", f"**{_f(table['abs_error'].mean(), 3)}**"])
    return _table(["benchmark", "7B error", "13B error", "self-check ρ (7B / 13B)"], rows)


def build_holdout_verdict(res: Results) -> str:
    """The sentence under the held-out table. Reads ``holdout_validation`` of the default
    frame (``abs_error`` per benchmark and run) and ``densing.reference.HOLDOUT_BAR``."""
    from densing.reference import HOLDOUT_BAR

    table, _ = res.holdout()
    mean = float(table["abs_error"].mean())
    parts = [f"The mean is {_f(mean, 3)} ({'within' if mean <= 0.045 else 'over'} 0.045)."]
    for bench, what in (("average", "`average`"),
                        ("average_llv1", "**`average_llv1`, the headline's benchmark,**")):
        sub = table[table["benchmark"] == bench].sort_values("n_params")
        errs = " / ".join(f"{100 * e:.1f}" for e in sub["abs_error"])
        worst = float(sub["abs_error"].max())
        verdict = "meets" if worst <= HOLDOUT_BAR else "misses"
        parts.append(f"{what} {verdict} the {100 * HOLDOUT_BAR:g}-point bar "
                     f"({errs} points on 7B / 13B).")
    return " ".join(parts)


def build_frame_variants(res: Results) -> str:
    """Reads ``holdout_validation`` (mean ``abs_error``, ``self_check_status``) for the
    default frame, ``irreducible=True``, ``floor="chance"`` (its arc_challenge ceiling
    ``c + d``) and the default benchmarks plus BoolQ."""
    from densing.reference import DEFAULT_FRAME_BENCHMARKS

    base, _ = res.holdout()
    e_tab, _ = res.holdout(irreducible=True)
    bad = e_tab.loc[e_tab["self_check_status"] != "ok", "self_check_status"].value_counts()
    why = ", ".join(f"{int(n)} {_STATUS_TEXT.get(str(k), str(k))}" for k, n in bad.items())
    ch_tab, ch_frame = res.holdout(floor="chance")
    p = ch_frame["arc_challenge"].score_law.params_
    ceiling = float(p["c"] + p["d"])
    bq_tab, _ = res.holdout(benchmarks=[*DEFAULT_FRAME_BENCHMARKS, "boolq"])
    boolq = float(bq_tab.loc[bq_tab["benchmark"] == "boolq", "abs_error"].mean())
    rows = [
        ["**default: no E, fitted sigmoid floor, non-embedding parameters**",
         f"**{_f(base['abs_error'].mean(), 3)}**"],
        ["loss law + E", f"{_f(e_tab['abs_error'].mean(), 3)} ({int(bad.sum())} of "
                         f"{len(e_tab)} held-out self-checks censored: {why})"],
        ["no E, sigmoid floor fixed at chance level",
         f"{_f(ch_tab['abs_error'].mean(), 3)} (ARC-C ceiling collapses to "
         f"{_f(ceiling, 2)})"],
        ["default + BoolQ", f"BoolQ alone: {_f(boolq, 3)} error; left out of the default "
                            "frame"],
    ]
    return _table(["frame variant", "mean held-out error"], rows)


def build_data(res: Results) -> str:
    """Reads ``load_models()`` (``in_obsscaling``, ``release_date``,
    ``n_params_nonembedding``), ``load_scores()`` and ``load_paper_models()``."""
    import densing

    m = densing.load_models()
    s = densing.load_scores()
    obs = m[m["in_obsscaling"].astype(bool)]
    llv1 = s[s["protocol"].str.startswith("llv1:")]
    rows = [
        ["`load_models()`", f"{len(m)} open base models: {len(obs)} of ObsScaling "
         f"({int(obs['release_date'].notna().sum())} dated) and {len(m) - len(obs)} more of "
         f"the densing paper; {int(m['n_params_nonembedding'].notna().sum())} with "
         "non-embedding counts"],
        ["`load_scores()`", f"{len(s):,} scores under {s['protocol'].nunique()} protocols; "
         f"{len(llv1)} Open LLM Leaderboard v1 scores of {llv1['model'].nunique()} models"],
        ["`load_paper_models()`", f"{len(densing.load_paper_models())} models of the densing "
         "paper's figures"],
    ]
    return _table(["table", "coverage"], rows)


#: every marked block of the README and its builder
def build_sensitivity_range(res: Results) -> str:
    """The range sentence under the headline's differences. Reads ``sensitivity()``:
    ``doubling_months``, ``n_lower_bounds``, ``ci_low``,
    ``ci_high`` per variant, and the ``total parameters`` row."""
    df = res.sensitivity.assign(label=SENSITIVITY_LABELS).set_index("label")
    ok = df[df["doubling_months"].notna()]
    lo_lab, hi_lab = ok["doubling_months"].idxmin(), ok["doubling_months"].idxmax()
    cens = ok[ok["n_lower_bounds"] >= 10].sort_values("n_lower_bounds", ascending=False)
    parts = [f"Under other defensible choices the doubling time ranges from "
             f"{_f(ok.at[lo_lab, 'doubling_months'], 1)} months ({lo_lab}) to "
             f"{_f(ok.at[hi_lab, 'doubling_months'], 1)} months ({hi_lab}) with censored "
             "models at the top kept as bounds (table below)."]
    if len(cens):
        parts.append("Models censored at the top enter the quantile headline as lower bounds ("
                     + "; ".join(f"{lab}: {int(r['n_lower_bounds'])}"
                                 for lab, r in cens.iterrows()) + ").")
    tot = df.loc["total parameters (frame and targets)"]
    parts.append(f"With total parameter counts for frame and targets (the previous default) "
                 f"it is {_f(tot['doubling_months'], 1)} months "
                 f"({_ci_open(tot['ci_low'], tot['ci_high'], lambda x: _f(x, 1))}, joint).")
    return " ".join(parts)


#: censored variants of the bounds table: README label -> reproduce() settings
BOUNDS_VARIANTS: dict[str, dict[str, Any]] = {
    "ARC-Challenge only": {"benchmark": "arc_challenge"},
    "loss law + E": {"irreducible": True},
    "D0 = 5T, loss law + E": {"tokens": 5e12, "irreducible": True},
}


def build_bounds(res: Results) -> str:
    """Each censored variant's doubling time per frontier, with censored models dropped and
    kept as lower bounds: the headline's densities (``compute_density`` through
    ``model_densities``, the paper's window) fitted by ``DensingTrend`` with
    ``censored="drop"`` and with ``censored="bound"`` on ``density_bounds`` (point
    estimates; ``n_bounds_``, ``n_models_``)."""
    import densing
    from densing.density import density_bounds
    from densing.exceptions import DensingError, DensingWarning
    from densing.report import PAPER_WINDOW, REPRODUCE_BENCHMARK

    def months(x: float) -> str:
        return "∞" if not math.isfinite(x) else _f(x, 1)

    scores, models = densing.load_scores("llv1:"), densing.load_models()
    rows = []
    for label, kw in BOUNDS_VARIANTS.items():
        bench = kw.get("benchmark", REPRODUCE_BENCHMARK)
        tokens = kw.get("tokens", 1e12)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DensingWarning)
            fr = densing.load_frame("olmo-ladder", irreducible=kw.get("irreducible", False))
            per = densing.model_densities(densing.compute_density(
                scores, models, fr, tokens=tokens, protocol_map=densing.LLV1_PROTOCOL_MAP),
                bench)
            bounded = density_bounds(per, fr, bench, tokens)
        cells, n_bounds = [label], "–"
        for frontier in ("running_max", "quantile", "all"):
            out = []
            for mode, table in (("drop", per), ("bound", bounded)):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DensingWarning)
                        t = densing.DensingTrend(frontier=frontier, window=PAPER_WINDOW,
                                                 n_bootstrap=0, censored=mode).fit(table)
                except DensingError:
                    out.append("–")
                    continue
                out.append(months(t.doubling_time_months_))
                if mode == "bound":
                    n_bounds = f"{t.n_bounds_} of {t.n_models_}"
            cells.append(" → ".join(out))
        rows.append([*cells, n_bounds])
    return _table(["variant", "envelope: dropped → bounds", "q = 0.9 line",
                   "all points (Tobit)", "bounds"], rows)


def _chatgpt(res: Results) -> tuple[list[dict[str, Any]], str, dict[str, list[str]]]:
    """``scripts/compare_chatgpt_periods.py``'s rows on the headline's densities (cached)."""
    if "chatgpt" not in res.cache:
        import importlib.util

        spec = importlib.util.spec_from_file_location(
            "compare_chatgpt_periods", ROOT / "scripts" / "compare_chatgpt_periods.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        res.cache["chatgpt"] = mod.period_table(res.reproduction.densities, N_BOOTSTRAP)
    out: tuple[list[dict[str, Any]], str, dict[str, list[str]]] = res.cache["chatgpt"]
    return out


def build_chatgpt_periods(res: Results) -> str:
    """The like-for-like pre/post-ChatGPT table (``period_table`` of
    ``scripts/compare_chatgpt_periods.py``, 1,000 resamples, seed 0)."""
    return _chatgpt(res)[1]


def build_chatgpt_notes(res: Results) -> str:
    """The sentences under that table: which "before" slopes exclude 0, the envelope's
    members and ratios."""
    rows, _, members = _chatgpt(res)
    env = {r["before_from"]: r for r in rows if r["frontier"] == "running_max"}
    others = [r for r in rows if r["frontier"] != "running_max"]
    zero = all(r["before_ci"][0] <= 0 <= r["before_ci"][1] for r in others)
    all_d, gpt3 = env["all dates"], env["2020-05-28"]

    def ratio(r: dict[str, Any]) -> str:
        return f"{r['ratio']:.1f} ({r['ratio_ci'][0]:.1f} – {r['ratio_ci'][1]:.1f})"

    paper = 0.0073 / 0.0048
    inside = gpt3["ratio_ci"][0] <= paper <= gpt3["ratio_ci"][1]
    text = [f"The all-dates \"before\" envelope has {len(members['all dates'])} members "
            f"({', '.join(members['all dates'])}); from GPT-3 on, "
            f"{len(members['2020-05-28'])} ({', '.join(members['2020-05-28'])})."]
    if zero:
        text.append("Only the envelope has a \"before\" slope whose interval excludes 0; the "
                    "0.9-quantile and all-points \"before\" slopes are indistinguishable from "
                    "0, so their ratios are undefined.")
    text.append(f"From GPT-3 on, the envelope's ratio is {ratio(gpt3)}, an interval that "
                f"{'contains' if inside else 'excludes'} the paper's ≈ {paper:.1f} "
                f"(0.0073 / 0.0048); from all dates it is {ratio(all_d)}. The \"after "
                "ChatGPT\" speed-up the bundled data show rests on a handful of pre-ChatGPT "
                "envelope models.")
    return " ".join(text)


BUILDERS: dict[str, Callable[[Results], str]] = {
    "reproduce": build_reproduce,
    "reproduce_notes": build_reproduce_notes,
    "sensitivity": build_sensitivity,
    "robustness": build_robustness,
    "coverage": build_coverage,
    "sensitivity_range": build_sensitivity_range,
    "bounds": build_bounds,
    "holdout": build_holdout,
    "holdout_verdict": build_holdout_verdict,
    "frame_variants": build_frame_variants,
    "data": build_data,
    "chatgpt_periods": build_chatgpt_periods,
    "chatgpt_notes": build_chatgpt_notes,
}


# ---------------------------------------------------------------- markers and the check

_BLOCK = re.compile(
    r"<!-- readme_tables:(?P<name>[a-z_]+) -->\n(?P<body>.*?)\n?<!-- /readme_tables:(?P=name) -->",
    re.S)
_NUMBER = re.compile(r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?")


def read_blocks(text: str) -> dict[str, str]:
    """The body of every marked block, by name."""
    return {m["name"]: m["body"] for m in _BLOCK.finditer(text)}


def replace_blocks(text: str, blocks: dict[str, str]) -> str:
    """``text`` with each named block's body replaced (unknown names left as they are)."""
    def sub(m: re.Match[str]) -> str:
        name = m["name"]
        body = blocks.get(name, m["body"])
        return f"<!-- readme_tables:{name} -->\n{body}\n<!-- /readme_tables:{name} -->"

    return _BLOCK.sub(sub, text)


def build_all(res: Results | None = None, names: list[str] | None = None) -> dict[str, str]:
    """Run the builders (all, or those named) and return each block's body."""
    res = res or Results()
    return {name: BUILDERS[name](res) for name in (names or list(BUILDERS))}


def _cells(line: str) -> list[str]:
    if line.startswith("|"):
        return [c.strip() for c in line.strip().strip("|").split("|")]
    return [line.strip()]


def _number(tok: str) -> tuple[float, int]:
    digits = len(tok.split(".")[1]) if "." in tok else 0
    return float(tok.replace(",", "")), digits


def _cell_diff(readme: str, code: str) -> str | None:
    """Why two cells differ, or ``None`` when they agree at the README's precision."""
    if _NUMBER.sub("#", readme) != _NUMBER.sub("#", code):
        return "text differs"
    for a, b in zip(_NUMBER.findall(readme), _NUMBER.findall(code), strict=True):
        (x, d), (y, _) = _number(a), _number(b)
        if abs(x - y) > 0.5 * 10.0 ** -d * (1 + 1e-9):
            return f"{a} in the README, {b} from the code"
    return None


def compare_blocks(name: str, readme: str, code: str) -> str | None:
    """The first disagreement of one block, as one line, or ``None``."""
    r_lines, c_lines = readme.strip("\n").split("\n"), code.strip("\n").split("\n")
    header = _cells(c_lines[0]) if c_lines and c_lines[0].startswith("|") else []
    for i, (rl, cl) in enumerate(zip(r_lines, c_lines, strict=False), start=1):
        rc, cc = _cells(rl), _cells(cl)
        if len(rc) != len(cc):
            return (f"table '{name}', line {i}: {len(rc)} cells in the README, {len(cc)} "
                    "from the code")
        for j, (a, b) in enumerate(zip(rc, cc, strict=True)):
            why = _cell_diff(a, b)
            if why is not None:
                col = f", column '{header[j]}'" if j < len(header) else ""
                row = f" ('{cc[0]}')" if len(cc) > 1 else ""
                return (f"table '{name}', line {i}{row}{col}: {why}: README {a!r}, "
                        f"code {b!r}")
    if len(r_lines) != len(c_lines):
        return (f"table '{name}': {len(r_lines)} lines in the README, {len(c_lines)} from "
                "the code")
    return None


def check(text: str, blocks: dict[str, str]) -> list[str]:
    """Every disagreement between the README ``text`` and the generated ``blocks``."""
    have = read_blocks(text)
    problems = []
    for name, body in blocks.items():
        if name not in have:
            problems.append(f"table '{name}': no <!-- readme_tables:{name} --> markers in "
                            "the README")
            continue
        why = compare_blocks(name, have[name], body)
        if why is not None:
            problems.append(why)
    return problems


#: the documents whose marked blocks this script fills: the README and every docs page
DOCS = ROOT / "docs"
#: the cross-validation table of scripts/select_frame_settings.py, re-rendered from its JSON
_CV = re.compile(r"<!-- select_frame_settings:cv -->\n(?P<body>.*?)\n?"
                 r"<!-- /select_frame_settings:cv -->", re.S)


def documents(readme: Path = README, docs: Path | None = DOCS) -> list[Path]:
    """The README and the markdown pages of ``docs`` (not the build output), in order."""
    pages = sorted(p for p in docs.glob("*.md")) if docs is not None and docs.is_dir() else []
    return [readme, *pages]


def cv_table(selection_json: Path) -> str:
    """The select_frame_settings cross-validation table, from its saved ``--json`` result."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location(
        "select_frame_settings", ROOT / "scripts" / "select_frame_settings.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("select_frame_settings", mod)
    spec.loader.exec_module(mod)
    with open(selection_json, encoding="utf-8") as fh:
        saved = json.load(fh)
    return str(mod._markdown(saved)).strip("\n")


def _cv_sub(text: str, body: str) -> str:
    return _CV.sub(lambda m: f"<!-- select_frame_settings:cv -->\n{body}\n"
                             "<!-- /select_frame_settings:cv -->", text)


def check_documents(texts: dict[Path, str], blocks: dict[str, str],
                    cv: str | None = None) -> list[str]:
    """Every disagreement of the marked blocks in ``texts`` (path -> text) with the code.

    Each generated block must appear in at least one document; every copy of it is checked.
    ``cv`` is the cross-validation table; each ``select_frame_settings:cv`` block must equal it.
    """
    problems = []
    found = {name: [path for path, text in texts.items() if name in read_blocks(text)]
             for name in blocks}
    for name, paths in found.items():
        if not paths:
            problems.append(f"table '{name}': no <!-- readme_tables:{name} --> markers in "
                            f"{', '.join(p.name for p in texts)}")
        for path in paths:
            why = compare_blocks(name, read_blocks(texts[path])[name], blocks[name])
            if why is not None:
                problems.append(f"{path.name}: {why}")
    if cv is not None:
        for path, text in texts.items():
            for m in _CV.finditer(text):
                why = compare_blocks("select_frame_settings:cv", m["body"], cv)
                if why is not None:
                    problems.append(f"{path.name}: {why}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line: rewrite the tables of the README and docs pages, or ``--check`` them."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="change nothing; exit 1 when a document disagrees with the code")
    ap.add_argument("--readme", type=Path, default=README)
    ap.add_argument("--docs", type=Path, default=DOCS,
                    help="folder of markdown pages also filled and checked (default: docs/)")
    ap.add_argument("--only", action="append", choices=list(BUILDERS),
                    help="only this table (repeatable)")
    args = ap.parse_args(argv)
    paths = documents(args.readme, args.docs)
    texts = {p: p.read_text(encoding="utf-8") for p in paths}
    blocks = build_all(names=args.only)
    selection = (args.docs / "frame_selection.json") if args.docs is not None else None
    cv = cv_table(selection) if selection is not None and selection.exists() else None
    if args.check:
        problems = check_documents(texts, blocks, cv)
        for p in problems:
            print(f"a document disagrees with the code: {p}", file=sys.stderr)
        if not problems:
            print(f"tables agree with the code: {', '.join(blocks)}")
        return 1 if problems else 0
    missing = [n for n in blocks if not any(n in read_blocks(t) for t in texts.values())]
    if missing:
        print(f"no markers for {', '.join(missing)} in {', '.join(p.name for p in paths)}",
              file=sys.stderr)
        return 1
    for path, text in texts.items():
        new = replace_blocks(text, blocks)
        if cv is not None:
            new = _cv_sub(new, cv)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
