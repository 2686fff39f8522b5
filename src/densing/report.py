"""End-to-end reproduction of the densing law on the bundled data, and its sensitivity.

:func:`reproduce` runs the whole pipeline -- reference frame, densities of the bundled open base
models, the densing-law trend with bootstrap intervals, the pre/post-ChatGPT comparison and
the pruned/distilled check -- and sets densing's numbers beside the paper's claims
(:data:`PAPER_CLAIMS`). :func:`sensitivity` repeats the headline under every defensible
analysis choice, because on real data it moves a lot with them (METHOD.md).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from densing._headline import (
    _DAYS_PER_MONTH,
    _TOP_CENSORED,
    _bounds_dict,
    _cmp,
    _compressed_pairs,
    _holdout_check,
    _holdout_note,
    _joint_interval,
    _measurement_slopes,
    _months,
    _parse_window,
    _pct,
)
from densing._io import to_plain
from densing._progress import disable, show_progress_flag
from densing._progress import progress as _bar
from densing._summary import Summary
from densing._validation import (
    check_frontier,
    check_n_bootstrap,
    check_param_count_name,
    check_random_state,
    check_tokens,
    format_value,
)
from densing.conventions import frame_model_param_count
from densing.density import LLV1_PROTOCOL_MAP, compute_density, density_draws, model_densities
from densing.exceptions import DensingWarning, InputError
from densing.reference import (
    DEFAULT_PARAM_COUNT,
    ReferenceFrame,
    load_frame,
)
from densing.trend import DensingTrend, PeriodComparison, density_bounds

#: The paper's claims that densing compares itself with (Xiao et al., "Densing Law of LLMs").
PAPER_CLAIMS: dict[str, dict[str, Any]] = {
    "doubling_time_months_arxiv": {
        "value": 3.3, "slope_per_day": 0.0073, "r2": 0.912,
        "source": "arXiv:2412.04315 v2, Fig. 1 (29 open base models, 2023-02..2024-10)",
    },
    "doubling_time_months_journal": {
        "value": 3.5, "r2": 0.934,
        "source": "Nature Machine Intelligence 2025 (51 models)",
    },
    "slope_before_chatgpt": {
        "value": 0.0048, "source": "arXiv:2412.04315 v2, MMLU density before 2022-11-30",
    },
    "slope_after_chatgpt": {
        "value": 0.0073, "source": "arXiv:2412.04315 v2, MMLU density after 2022-11-30",
    },
    "compressed_not_denser": {
        "value": True,
        "source": "arXiv:2412.04315 v2, Sec. 4: pruned/distilled models (e.g. "
        "Llama-3.1-Minitron-4B, Gemma-2-2B) are not denser than their originals",
    },
}

#: the paper's window of release dates (Llama-1 to the last models it shows)
PAPER_WINDOW = ("2023-02-24", "2024-10-01")

#: the split date of the pre/post-ChatGPT comparison
CHATGPT_DATE = "2022-11-30"

#: benchmark used by default for the bundled Open LLM Leaderboard v1 scores
REPRODUCE_BENCHMARK = "average_llv1"


@dataclass(repr=False)
class Reproduction:
    """The outcome of :func:`reproduce`.

    Attributes
    ----------
    trend
        The fitted :class:`DensingTrend` in the window.
    periods
        :meth:`DensingTrend.compare_periods` on all dates (``None`` when a period is too
        small).
    densities
        Per-model densities used (one row per model, all statuses).
    per_benchmark
        The full :func:`compute_density` table.
    compressed
        One row per compressed model with a dated parent: densities of both.
    settings
        The analysis choices.
    diagnostics
        Censoring counts, extrapolation share, frontier members.
    intervals
        The headline's intervals: ``"joint"`` (the calibrated models-only slope interval
        widened in quadrature by the slope spread that score noise and frame draws cause; the
        headline ``ci95_months``), ``"models_only"`` (the trend's ``ci_``: calibrated by
        default), ``"percentile"`` (the case bootstrap's) and ``"measurement"`` (the slope
        spread from score noise and frame draws alone). Each maps ``slope_per_day`` and
        ``doubling_time_months`` to ``(low, high)``.
    trend_bounds
        The same frontier with models censored at the top kept as lower bounds
        (``DensingTrend(censored="bound")``, percentile interval), shown beside the headline;
        ``None`` when it cannot be fitted.
    """

    trend: DensingTrend
    periods: PeriodComparison | None
    densities: pd.DataFrame
    per_benchmark: pd.DataFrame
    compressed: pd.DataFrame
    settings: dict[str, Any]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    intervals: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    trend_bounds: DensingTrend | None = None

    def comparison(self) -> pd.DataFrame:
        """densing's figures beside the paper's claims, with the ratio and CI coverage.

        The doubling-time and slope rows carry the headline (joint) interval. The paper's
        stated doubling time (3.3 months) and its stated slope (A = 0.0073 per day, i.e.
        ln 2 / A = 95 days = 3.1 months) disagree with each other, so each is its own row and
        ``paper_figure`` says which of the paper's figures a row compares to.

        Returns
        -------
        pandas.DataFrame
            One row per claim: ``quantity``, ``paper``, ``densing``, ``ci_low``,
            ``ci_high``, ``ratio`` (densing / paper), ``paper_in_ci``, ``source``,
            ``paper_figure``.
        """
        t = self.trend
        ci = self.intervals.get("joint", t.ci_)
        lo, hi = ci.get("doubling_time_months", (math.nan, math.nan))
        slo, shi = ci.get("slope_per_day", (math.nan, math.nan))
        rows = []
        figures = {
            "doubling_time_months_arxiv": "stated doubling time, 3.3 months (abstract, Fig. 1)",
            "doubling_time_months_journal": "stated doubling time, 3.5 months (journal)",
        }
        for key in ("doubling_time_months_arxiv", "doubling_time_months_journal"):
            c = PAPER_CLAIMS[key]
            rows.append(_cmp(f"doubling time (months), {key.rsplit('_', 1)[-1]}", c["value"],
                             t.doubling_time_months_, lo, hi, c["source"], figures[key]))
        c = PAPER_CLAIMS["doubling_time_months_arxiv"]
        implied = math.log(2) / c["slope_per_day"] / _DAYS_PER_MONTH
        rows.append(_cmp("doubling time (months), from the paper's A", implied,
                         t.doubling_time_months_, lo, hi, c["source"],
                         f"ln 2 / A with A = {c['slope_per_day']:g}/day (Fig. 1): "
                         f"{math.log(2) / c['slope_per_day']:.0f} days = {implied:.2f} months"))
        rows.append(_cmp("slope A (per day)", c["slope_per_day"], t.slope_per_day_, slo, shi,
                         c["source"], "stated slope A = 0.0073/day (Fig. 1)"))
        rows.append(_cmp("R^2 of the frontier fit", c["r2"], t.r2_, math.nan, math.nan,
                         c["source"], "stated R^2 = 0.912 (Fig. 1)"))
        if self.periods is not None:
            p = self.periods
            for key, part in (("slope_before_chatgpt", "before"), ("slope_after_chatgpt", "after")):
                fit = p.before if part == "before" else p.after
                est = fit.slope_per_day
                pci = fit.slope_ci
                rows.append(_cmp(f"slope {part} ChatGPT (per day)", PAPER_CLAIMS[key]["value"],
                                 est, pci[0], pci[1], PAPER_CLAIMS[key]["source"],
                                 f"stated MMLU-density slope {part} ChatGPT, "
                                 f"{PAPER_CLAIMS[key]['value']:g}/day (Sec. 4)"))
        if len(self.compressed):
            both = self.compressed.dropna(subset=["density", "parent_density"])
            denser = int((both["density"] > both["parent_density"]).sum())
            verdict = (f"{denser} of {len(both)}" if len(both) else
                       f"untestable: 0 of {len(self.compressed)} pairs have both densities")
            rows.append({
                "quantity": "pruned/distilled models denser than parent",
                "paper": "none", "densing": verdict,
                "ci_low": math.nan, "ci_high": math.nan, "ratio": math.nan,
                "paper_in_ci": None, "source": PAPER_CLAIMS["compressed_not_denser"]["source"],
                "paper_figure": "stated: no pruned/distilled model denser than its parent",
            })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The headline as plain values (the ``--json`` output of ``densing reproduce``)."""
        t = self.trend
        joint = self.intervals.get("joint", t.ci_)
        ci = joint.get("doubling_time_months", (math.nan, math.nan))
        models_only = t.ci_.get("doubling_time_months", (math.nan, math.nan))
        periods = None
        if self.periods is not None:
            periods = to_plain(self.periods.to_dict(), nan_to_none=False)
        return {
            "doubling_time_days": t.doubling_time_days_,
            "doubling_time_months": t.doubling_time_months_,
            "ci95_months": [ci[0], ci[1]],
            "ci95_months_models_only": [models_only[0], models_only[1]],
            "ci95_months_percentile": list(
                self.intervals.get("percentile", {}).get("doubling_time_months",
                                                        (math.nan, math.nan))),
            "slope_per_day": t.slope_per_day_,
            "slope_ci95": list(joint.get("slope_per_day", (math.nan, math.nan))),
            "slope_ci95_models_only": list(t.ci_.get("slope_per_day", (math.nan, math.nan))),
            "r2": t.r2_,
            "n_models": t.n_models_,
            "n_frontier": t.n_frontier_,
            "n_censored": self.diagnostics["n_censored"],
            "n_undated": len(self.diagnostics["undated_models"]),
            "n_missing_params": len(self.diagnostics.get("missing_params_models", [])),
            "n_lower_bounds": self.diagnostics["n_lower_bounds"],
            "with_bounds": _bounds_dict(self.trend_bounds),
            "frontier": [
                {"model": str(m), "release_date": pd.Timestamp(str(d)).date().isoformat(),
                 "density": float(x)}
                for m, d, x in zip(t.frontier_["model"], t.frontier_["release_date"],
                                   t.frontier_["density"], strict=True)
            ],
            "all_points": to_plain(t.to_dict()["all_points"], nan_to_none=False),
            "periods": periods,
            "window": list(self.settings["window"]),
            "frame": self.settings["frame"],
            "settings": to_plain(self.settings, nan_to_none=False),
            "diagnostics": to_plain(self.diagnostics, nan_to_none=False),
            "comparison": to_plain(self.comparison().to_dict(orient="records"), nan_to_none=False),
            "compressed": to_plain(self.compressed.to_dict(orient="records"), nan_to_none=False),
        }

    def summary(self, detail: bool = True) -> Summary:
        """The reproduction as a :class:`~densing._summary.Summary` (it prints nothing).

        Parameters
        ----------
        detail
            ``True``: the full report of ``densing reproduce`` (comparison with the paper,
            the trend's own summary, diagnostics, compressed models). ``False``: a compact
            one (headline and comparison), as notebooks show it.

        Returns
        -------
        Summary
            The report.
        """
        s = self.settings
        title = (f"densing reproduce: frame={s['frame']} benchmark={s['benchmark']} "
                 f"D0={s['tokens']:.3g} params={s['param_count']} window={s['window'][0]}.."
                 f"{s['window'][1]} frontier={s['frontier']}")
        cmp = self.comparison().drop(columns=["source"])
        if not detail:
            t = self.trend
            lo, hi = self.intervals.get("joint", t.ci_)["doubling_time_months"]
            paper = PAPER_CLAIMS["doubling_time_months_arxiv"]["value"]
            out = Summary(title, header=[
                ("doubling time", f"{t.doubling_time_months_:.3g} months "
                                  f"({100 * float(t.ci):g}% CI {lo:.3g} .. {hi:.3g}); "
                                  f"paper {paper:g}"),
                ("models used", f"{t.n_models_} ({t.n_frontier_} on the frontier, "
                                f"{t.n_censored_} censored)"),
                (t.line_.r2_name, f"{t.r2_:.3f}"),
            ])
            note = _holdout_note(self.diagnostics.get("holdout"))
            if note:
                out.add_note(note)
            return out.add_table(cmp)
        out = Summary(title).add_table(cmp)
        out.add_summary(self.trend.summary())
        d = self.diagnostics
        for name, label in (("joint", "joint (models, score noise, frame; the headline)"),
                            ("models_only", "models only"),
                            ("percentile", "case bootstrap percentile (uncalibrated)")):
            if name in self.intervals:
                lo, hi = self.intervals[name]["doubling_time_months"]
                out.add_note(f"95% interval of the doubling time, {label}: {lo:.3g} .. "
                             f"{hi:.3g} months")
        tb = self.trend_bounds
        if tb is not None:
            blo, bhi = tb.ci_["doubling_time_months"]
            out.add_note(f"With the {d['n_lower_bounds']} models censored at the top kept as "
                         f"lower bounds: {tb.doubling_time_months_:.3g} months (percentile "
                         f"{blo:.3g} .. {bhi:.3g}); {tb.n_bounds_on_frontier_} bound(s) on "
                         "the frontier")
        by = ", ".join(f"{k} {v}" for k, v in d["censored_by_status"].items()) or "none"
        missing = d.get("missing_params_models", [])
        out.add_note(f"Censored models in the window: {d['n_censored']} ({by}); without a "
                     f"{s['param_count']} parameter count (left out): {len(missing)}"
                     + (f" ({', '.join(missing)})" if missing else "")
                     + f"; without a release date (left out): {len(d['undated_models'])}")
        note = _holdout_note(d.get("holdout"))
        if note:
            out.add_note(note)
        out.add_note(f"N_hat outside the reference sizes (extrapolated): {d['n_extrapolated']} "
                     f"of {d['n_ok']} ({100 * d['share_extrapolated']:.0f}%); scores above "
                     "every reference checkpoint's (sigmoid extrapolated): "
                     f"{d['n_beyond_reference_score']}")
        if len(self.compressed):
            out.add_table(self.compressed, caption="Compressed models vs parents (density):",
                          float_format=".3g")
        return out

    def print(self) -> None:
        """Print :meth:`summary`: the comparison, the trend summary and the diagnostics."""
        print(self.summary().as_text())

    def _repr_html_(self) -> str:
        return self.summary(detail=False).as_html()

    def __repr__(self) -> str:
        t = self.trend
        lo, hi = self.intervals.get("joint", t.ci_)["doubling_time_months"]
        return (f"<Reproduction {self.settings['frame']}/{self.settings['benchmark']}: "
                f"{t.n_models_} models, doubling {t.doubling_time_months_:.2g} mo "
                f"({100 * float(t.ci):g}% CI {lo:.2g}..{hi:.2g}), paper "
                f"{PAPER_CLAIMS['doubling_time_months_arxiv']['value']:g}>")


def _check_settings(*, n_bootstrap: Any, random_state: Any, tokens: Any, frontier: Any,
                    benchmark: Any, frame_bootstrap: Any) -> None:
    """Check the settings of :func:`reproduce` before any work (one-line errors)."""
    check_n_bootstrap(n_bootstrap)
    _check_int_seed(random_state)
    check_n_bootstrap(frame_bootstrap, "frame_bootstrap", minimum=1)
    check_tokens(tokens)
    check_frontier(frontier)
    if not isinstance(benchmark, str) or not benchmark:
        raise InputError(f"benchmark={format_value(benchmark)} must be a benchmark name "
                         f"(e.g. {REPRODUCE_BENCHMARK!r})")


def _check_int_seed(random_state: Any) -> int:
    """The reproduction's seed: an integer >= 0 (every bootstrap is seeded from it)."""
    seed = check_random_state(random_state)
    if not isinstance(seed, int):
        raise InputError(f"random_state={format_value(random_state)} must be a non-negative "
                         "integer (e.g. 0): every bootstrap of the reproduction is seeded")
    return seed


def reproduce(
    frame: ReferenceFrame | str = "olmo-ladder",
    *,
    benchmark: str = REPRODUCE_BENCHMARK,
    tokens: float = 1e12,
    window: Any = PAPER_WINDOW,
    frontier: str = "running_max",
    n_bootstrap: int = 1000,
    random_state: int = 0,
    param_count: str | None = None,
    irreducible: bool = False,
    dense_only: bool = False,
    exact_params: bool = False,
    joint: bool = False,
    frame_bootstrap: int = 200,
    interval: str = "calibrated",
    scores: pd.DataFrame | None = None,
    models: pd.DataFrame | None = None,
    protocol_map: dict[str, str] | None = None,
) -> Reproduction:
    """Reproduce the densing law on the bundled (or given) data.

    Parameters
    ----------
    frame
        Reference frame, its name or a saved JSON path.
    benchmark
        Benchmark whose density represents each model (default ``average_llv1``: the mean of
        the Open LLM Leaderboard v1 HellaSwag and ARC-Challenge scores, mapped explicitly onto
        the frame's rc protocol).
    tokens
        Data budget ``D0``.
    window
        ``(start, end)`` or ``"START:END"`` of release dates for the headline fit (default:
        the paper's window); ``None`` uses all dates.
    frontier
        ``running_max`` (paper), ``quantile`` or ``all``.
    n_bootstrap
        Trend bootstrap resamples over models.
    random_state
        Seed for every bootstrap.
    param_count
        ``total`` or ``non_embedding``: frame and targets are counted alike. ``None``
        (default): the bundled frames' convention, ``non_embedding`` (chosen by
        cross-validation inside the ladder), or a given frame's own.
    irreducible
        Loss law with ``+ E`` (when ``frame`` is a name).
    dense_only
        Leave out mixture-of-experts models.
    exact_params
        With ``param_count="total"``: use the models' exact architecture totals (column
        ``n_params_arch``) instead of the nominal sizes where known (e.g. Gemma-2B: 2.51e9
        instead of 2e9). Non-embedding counts are architecture counts already.
    joint
        Also feed the frame's density draws into a case bootstrap of the trend
        (``intervals["percentile"]``). The headline interval is joint either way (see
        Notes).
    frame_bootstrap
        Reference-run resamples of the frame (when ``frame`` is a name), used by the joint
        interval (and by ``joint``).
    interval
        The trend's models-only interval: ``"calibrated"`` (default; simulated coverage
        checked, ``densing.trend._calibrate``) or ``"percentile"`` (case bootstrap).
    scores, models
        Override the bundled ``load_scores("llv1:")`` and ``load_models()``.
    protocol_map
        Override :data:`~densing.density.LLV1_PROTOCOL_MAP`.

    Returns
    -------
    Reproduction
        Trend, periods, densities, diagnostics and the comparison with the paper.

    Notes
    -----
    The headline interval (``intervals["joint"]``, ``ci95_months`` in ``to_dict``)
    propagates three sources together: model resampling (the trend's calibrated interval),
    score noise (each score's binomial standard error from its benchmark's size,
    :data:`densing.density.BENCHMARK_SIZES`) and the frame's bootstrap draws. The last two
    are drawn together and the frontier refitted per draw; that slope spread is added in
    quadrature to each side of the calibrated interval. Models censored at the top are
    dropped from the headline and kept as lower bounds in ``trend_bounds`` beside it.
    """
    from densing.datasets import load_models, load_scores

    _check_settings(n_bootstrap=n_bootstrap, random_state=random_state, tokens=tokens,
                    frontier=frontier, benchmark=benchmark, frame_bootstrap=frame_bootstrap)
    start, end = _parse_window(window)
    if param_count is not None:
        check_param_count_name(param_count, ("total", "non_embedding"))
    if interval not in ("calibrated", "percentile"):
        raise InputError(f"interval={format_value(interval)} must be 'calibrated' or "
                         "'percentile'")
    if isinstance(frame, ReferenceFrame):
        fr = frame
        frame_name = fr.name
    else:
        frame_name = str(frame)
        kw: dict[str, Any] = {"irreducible": irreducible,
                              "param_count": param_count or DEFAULT_PARAM_COUNT,
                              "n_bootstrap": frame_bootstrap, "random_state": random_state}
        fr = load_frame(frame, **kw)
    param_count = param_count or frame_model_param_count(fr)
    sc = load_scores("llv1:") if scores is None else scores
    md = load_models() if models is None else models
    if exact_params and "n_params_arch" in md.columns:
        md = md.assign(n_params=md["n_params_arch"].fillna(md["n_params"]))
    if dense_only and "is_moe" in md.columns:
        md = md[~md["is_moe"].fillna(False).astype(bool)]
        sc = sc[sc["model"].isin(md["model"])]
    if param_count == "non_embedding" and (
        "n_params_nonembedding" not in md.columns or md["n_params_nonembedding"].isna().all()
    ):
        raise InputError(
            "param_count='non_embedding' needs non-embedding counts of the target models "
            "(column n_params_nonembedding), which this models table lacks; pass models= with "
            "that column (densing.evaluate.count_parameters computes it)"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)
        per_bench = compute_density(
            sc, md, fr, tokens=tokens, param_count=param_count,  # type: ignore[arg-type]
            protocol_map=LLV1_PROTOCOL_MAP if protocol_map is None else protocol_map,
        )
    per_model = model_densities(per_bench, benchmark)
    in_win = per_model[per_model["release_date"].notna()]  # undated: n_undated, not censored
    if start is not None:
        in_win = in_win[in_win["release_date"] >= pd.Timestamp(start)]
    if end is not None:
        in_win = in_win[in_win["release_date"] <= pd.Timestamp(end)]
    draws = None
    if joint and fr.n_draws_ > 0:
        ok = per_model["status"] == "ok"
        nd = np.full((fr.n_draws_, len(per_model)), np.nan)
        nd[:, ok.to_numpy()] = density_draws(per_model[ok], fr, benchmark, tokens)
        reps = int(np.ceil(n_bootstrap / nd.shape[0]))
        draws = np.tile(nd, (reps, 1))[:n_bootstrap]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)
        # the models-only trend: the frame draws enter the joint interval below, not here
        trend = DensingTrend(frontier=frontier, start=start, end=end,  # type: ignore[arg-type]
                             n_bootstrap=n_bootstrap, random_state=random_state,
                             interval=interval)
        trend.fit(per_model)
        percentile = dict(trend.ci_percentile_)
        if draws is not None:
            percentile = dict(DensingTrend(
                frontier=frontier, start=start, end=end,  # type: ignore[arg-type]
                n_bootstrap=n_bootstrap, random_state=random_state, interval="percentile",
            ).fit(per_model, density_draws=draws).ci_percentile_)
        _, m_slopes = _measurement_slopes(
            per_model, per_bench, fr, benchmark=benchmark, tokens=tokens, frontier=frontier,
            start=start, end=end, random_state=random_state, n_draws=frame_bootstrap,
        )
        intervals = {
            "joint": _joint_interval(trend, m_slopes),
            "models_only": dict(trend.ci_),
            "percentile": percentile,
            "measurement": {"slope_per_day": _pct(m_slopes, float(trend.ci)),
                            "doubling_time_months": _months(*_pct(m_slopes, float(trend.ci)))},
        }
        try:
            trend_bounds: DensingTrend | None = DensingTrend(
                frontier=frontier, start=start, end=end,  # type: ignore[arg-type]
                n_bootstrap=n_bootstrap, random_state=random_state, censored="bound",
            ).fit(density_bounds(per_model, fr, benchmark, tokens))
        except InputError:
            trend_bounds = None
        try:
            periods: PeriodComparison | None = DensingTrend(
                frontier=frontier, n_bootstrap=n_bootstrap, random_state=random_state,  # type: ignore[arg-type]
            ).fit(per_model).compare_periods(CHATGPT_DATE)
        except InputError:
            periods = None
    ok_win = in_win[in_win["status"] == "ok"]
    # censored: the frame cannot express the score (a bound); missing_params is not censoring
    cens_status = in_win.loc[~in_win["status"].isin(["ok", "missing_params"]), "status"]
    censored = cens_status.value_counts().to_dict()
    diagnostics = {
        "n_censored": int(sum(censored.values())),
        "n_lower_bounds": int(sum(v for k, v in censored.items() if k in _TOP_CENSORED)),
        "censored_by_status": {str(k): int(v) for k, v in censored.items()},
        "n_ok": len(ok_win),
        "n_extrapolated": int(ok_win["extrapolated"].sum()),
        "share_extrapolated": float(ok_win["extrapolated"].mean()) if len(ok_win) else math.nan,
        "n_beyond_reference_score": int(ok_win["beyond_reference_score"].sum()),
        "frame_flags": {b: f.flags for b, f in (fr.fits_ or {}).items() if f.flags},
        "score_range": list(fr.valid_score_range(benchmark, tokens)),
        "n_scored_models": int(per_model.shape[0]),
        "undated_models": sorted(per_model.loc[per_model["release_date"].isna(), "model"]),
        "missing_params_models": sorted(in_win.loc[in_win["status"] == "missing_params",
                                                   "model"]),
        "holdout": _holdout_check(fr, benchmark),
    }
    settings = {
        "frame": frame_name, "benchmark": benchmark, "tokens": tokens,
        "window": [start, end], "frontier": frontier, "n_bootstrap": n_bootstrap,
        "random_state": random_state, "param_count": param_count,
        "irreducible": fr.irreducible, "dense_only": dense_only, "joint": joint,
        "exact_params": exact_params, "interval": interval, "frame_bootstrap": frame_bootstrap,
    }
    return Reproduction(
        trend=trend, periods=periods, densities=per_model, per_benchmark=per_bench,
        compressed=_compressed_pairs(per_model, md), settings=settings, diagnostics=diagnostics,
        intervals=intervals, trend_bounds=trend_bounds,
    )


#: the analysis choices that :func:`sensitivity` varies, one at a time from the default
SENSITIVITY_VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("default (average_llv1, no E, D0=1T, envelope, paper window, non-embedding params)", {}),
    ("benchmark: hellaswag only", {"benchmark": "hellaswag"}),
    ("benchmark: arc_challenge only", {"benchmark": "arc_challenge"}),
    ("loss law + E", {"irreducible": True}),
    ("D0 = 5T tokens", {"tokens": 5e12}),
    ("D0 = 5T tokens, loss law + E", {"tokens": 5e12, "irreducible": True}),
    ("all points (OLS)", {"frontier": "all"}),
    ("upper-quantile frontier (q=0.9)", {"frontier": "quantile"}),
    ("all release dates", {"window": None}),
    ("dense models only", {"dense_only": True}),
    ("total parameters (frame and targets)", {"param_count": "total"}),
    ("total parameters, exact architecture totals", {"param_count": "total",
                                                      "exact_params": True}),
]


def sensitivity(
    n_bootstrap: int = 1000, random_state: int = 0, progress: bool | None = None,
    quiet: bool | None = None, **base: Any,
) -> pd.DataFrame:
    """The headline under every defensible analysis choice, one row per variant.

    Parameters
    ----------
    n_bootstrap
        Trend bootstrap resamples per variant.
    random_state
        Seed.
    progress
        ``False`` hides the progress bar, ``True`` shows it even off a terminal, ``None``
        (default) shows it only on a terminal.
    quiet
        Deprecated alias: ``quiet=True`` is ``progress=False``.
    **base
        Settings shared by every variant (passed to :func:`reproduce`).

    Returns
    -------
    pandas.DataFrame
        ``variant``, ``doubling_months``, ``ci_low``, ``ci_high`` (the joint interval),
        ``ci_low_models_only``, ``ci_high_models_only``, ``slope_per_day``, ``r2``,
        ``n_models``, ``n_frontier``, ``n_censored`` (censored in the window, undated models
        not counted), ``n_lower_bounds`` (of those, censored at the top),
        ``doubling_months_bounds``, ``ci_low_bounds``, ``ci_high_bounds`` and
        ``n_bounds_on_frontier`` (the same frontier with those models kept as lower bounds),
        ``share_extrapolated``, ``all_points_months``; ``error`` where a variant fails.
    """
    check_n_bootstrap(n_bootstrap)
    _check_int_seed(random_state)
    rows: list[dict[str, Any]] = []
    show = show_progress_flag(progress, quiet, "sensitivity")
    for name, over in _bar(SENSITIVITY_VARIANTS, desc="sensitivity", disable=disable(show)):
        kw = {**base, **over}
        try:
            rep = reproduce(n_bootstrap=n_bootstrap, random_state=random_state, **kw)
        except InputError as exc:
            rows.append({"variant": name, "error": str(exc)})
            continue
        t = rep.trend
        lo, hi = rep.intervals["joint"]["doubling_time_months"]
        mlo, mhi = t.ci_.get("doubling_time_months", (math.nan, math.nan))
        tb = rep.trend_bounds
        blo, bhi = (math.nan, math.nan) if tb is None else tb.ci_["doubling_time_months"]
        rows.append({
            "variant": name, "doubling_months": t.doubling_time_months_, "ci_low": lo,
            "ci_high": hi, "ci_low_models_only": mlo, "ci_high_models_only": mhi,
            "slope_per_day": t.slope_per_day_, "r2": t.r2_,
            "n_models": t.n_models_, "n_frontier": t.n_frontier_,
            "n_censored": rep.diagnostics["n_censored"],
            "n_lower_bounds": rep.diagnostics["n_lower_bounds"],
            "doubling_months_bounds": math.nan if tb is None else tb.doubling_time_months_,
            "ci_low_bounds": blo, "ci_high_bounds": bhi,
            "n_bounds_on_frontier": 0 if tb is None else tb.n_bounds_on_frontier_,
            "share_extrapolated": rep.diagnostics["share_extrapolated"],
            "all_points_months": t.all_points_.doubling_time_months,
        })
    return pd.DataFrame(rows)


__all__ = [
    "CHATGPT_DATE",
    "PAPER_CLAIMS",
    "PAPER_WINDOW",
    "REPRODUCE_BENCHMARK",
    "SENSITIVITY_VARIANTS",
    "Reproduction",
    "reproduce",
    "sensitivity",
]
