"""The reproduction of the densing law on the bundled data: :class:`Reproduction`.

The headline is a high-quantile line (``tau = 0.9`` by default) over every model in the
window, models censored at the top kept as lower bounds (Powell's censored quantile
regression), with a case (pairs) bootstrap over models widened in quadrature by the
measurement spread (score standard errors and frame draws). Beside it: the running-maximum
envelope (the paper's rule, for comparison, with its calibrated interval), a stochastic
frontier (a parametric cross-check) and the quantile line at ``tau`` 0.8 and 0.95. Why the
headline changed: ``docs/reproduction.md``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from densing._io import to_plain
from densing._summary import Summary
from densing._validation import (
    check_frontier,
    check_n_bootstrap,
    check_param_count_name,
    check_random_state,
    check_scalar,
    check_tokens,
    check_window,
    format_value,
)
from densing.conventions import SHARED_PARAM_COUNTS, frame_model_param_count
from densing.density import (
    LLV1_PROTOCOL_MAP,
    compute_density,
    density_bounds,
    density_draws,
    model_densities,
)
from densing.exceptions import DensingWarning, InputError
from densing.reference import DEFAULT_PARAM_COUNT, ReferenceFrame, load_frame
from densing.report._beside import (
    _envelope_fit,
    _quantile_points,
    _stochastic_fit,
    pseudo_r1,
)
from densing.report._claims import (
    CHATGPT_DATE,
    PAPER_CLAIMS,
    PAPER_WINDOW,
    REPRODUCE_BENCHMARK,
    verdict,
)
from densing.report._comparison import comparison_table
from densing.report._intervals import (
    _TOP_CENSORED,
    _bounds_dict,
    _compressed_pairs,
    _holdout_check,
    _joint_interval,
    _measurement_slopes,
    _months,
    _pct,
)
from densing.report._render import reproduction_summary
from densing.trend import DensingTrend, PeriodComparison
from densing.trend._stochastic import StochasticFrontierFit

#: the headline's quantile (chosen by simulated coverage and error, tests/test_coverage.py)
HEADLINE_QUANTILE = 0.9

#: label of an envelope interval without an upper end
NO_UPPER_BOUND = "no upper bound from a running maximum at this scatter"


@dataclass(repr=False)
class Reproduction:
    """The outcome of :func:`reproduce`.

    Attributes
    ----------
    trend
        The headline :class:`DensingTrend` in the window (by default the 0.9-quantile line
        with models censored at the top kept as bounds, percentile case bootstrap).
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
        Censoring counts, extrapolation share, models left out by name.
    intervals
        ``"joint"`` (the headline's: the models-only interval widened in quadrature by the
        slope spread that score noise and frame draws cause), ``"models_only"`` (the
        trend's ``ci_``), ``"percentile"`` (the case bootstrap's), ``"measurement"`` (the
        measurement spread alone), ``"envelope"`` and ``"envelope_models_only"`` (the
        running-maximum envelope's calibrated interval, widened and not). Each maps
        ``slope_per_day`` and ``doubling_time_months`` to ``(low, high)``.
    trend_bounds
        The headline frontier with models censored at the top kept as lower bounds (the
        headline itself when it keeps them); ``None`` when it cannot be fitted.
    envelope
        The running-maximum envelope (the paper's rule), calibrated interval.
    stochastic
        The stochastic-frontier cross-check (``None`` when it cannot be fitted).
    quantiles
        Doubling time (months) of the quantile line at each of :data:`REPORTED_QUANTILES`.
    bounds
        ``densities`` with each model's density bound (:func:`density_bounds`): the table
        the bound-keeping fits use.
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
    envelope: DensingTrend | None = None
    stochastic: StochasticFrontierFit | None = None
    quantiles: dict[float, float] = field(default_factory=dict)
    bounds: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def headline_interval(self) -> tuple[float, float]:
        """The headline's 95 % doubling-time interval (months)."""
        ci = self.intervals.get("joint", self.trend.ci_)
        return ci.get("doubling_time_months", (math.nan, math.nan))

    def verdict(self) -> str:
        """The paper's 3.3 months against the headline interval, in words."""
        lo, hi = self.headline_interval
        return verdict(PAPER_CLAIMS["doubling_time_months_arxiv"]["value"], lo, hi,
                       float(self.trend.ci))

    def comparison(self) -> pd.DataFrame:
        """densing's figures beside the paper's claims, with the ratio and the verdict.

        The doubling-time and slope rows carry the headline (joint) interval; the envelope
        row (the paper's rule) its own. ``paper_in_ci`` is ``None`` where the interval has
        no upper end (it includes zero growth and bounds nothing). The paper's stated
        doubling time (3.3 months) and its stated slope (A = 0.0073 per day, 3.1 months)
        disagree with each other, so each is its own row.

        Returns
        -------
        pandas.DataFrame
            One row per claim: ``quantity``, ``paper``, ``densing``, ``ci_low``,
            ``ci_high``, ``ratio`` (densing / paper), ``paper_in_ci``, ``verdict``,
            ``source``, ``paper_figure``. It prints whole (every row and column).
        """
        return comparison_table(self)

    def to_dict(self) -> dict[str, Any]:
        """The headline as plain values (the ``--json`` output of ``densing reproduce``)."""
        t = self.trend
        joint = self.intervals.get("joint", t.ci_)
        ci = joint.get("doubling_time_months", (math.nan, math.nan))
        models_only = t.ci_.get("doubling_time_months", (math.nan, math.nan))
        periods = None
        if self.periods is not None:
            periods = to_plain(self.periods.to_dict(), nan_to_none=False)
        env = self.envelope
        envelope = None
        if env is not None:
            eci = self.intervals["envelope"]["doubling_time_months"]
            envelope = {
                "estimator": "running_max", "doubling_time_months": env.doubling_time_months_,
                "ci95_months": list(eci),
                "ci95_months_models_only": list(
                    self.intervals["envelope_models_only"]["doubling_time_months"]),
                "slope_per_day": env.slope_per_day_, "r2": env.r2_,
                "n_frontier": env.n_frontier_, "bounded": bool(math.isfinite(eci[1])),
                "note": "" if math.isfinite(eci[1]) else NO_UPPER_BOUND,
                "members": [
                    {"model": str(m), "release_date": pd.Timestamp(str(d)).date().isoformat(),
                     "density": float(x)}
                    for m, d, x in zip(env.frontier_["model"], env.frontier_["release_date"],
                                       env.frontier_["density"], strict=True)],
            }
        sf = self.stochastic
        stochastic = None
        if sf is not None:
            stochastic = {
                "estimator": "stochastic_frontier (half-normal u, log-linear drift in time)",
                "doubling_time_months": sf.doubling_time_months,
                "ci95_months": list(sf.doubling_time_months_ci),
                "slope_per_day": sf.slope_per_day, "slope_ci95": list(sf.slope_ci),
                "sigma_v": sf.sigma_v, "c0": sf.c0, "c1": sf.c1,
                "lr_stat_drift": sf.lr_stat, "lr_pvalue_drift": sf.lr_pvalue,
                "n_bootstrap": sf.n_bootstrap, "n_failed": sf.n_failed,
            }
        s = self.settings
        return {
            "headline": {
                "estimator": (f"quantile regression, tau={s['quantile']:g}" if s["frontier"]
                              == "quantile" else str(s["frontier"])),
                "quantile": s["quantile"] if s["frontier"] == "quantile" else None,
                "doubling_time_months": t.doubling_time_months_,
                "ci95_months": [ci[0], ci[1]],
                "bounded": bool(math.isfinite(ci[0]) and math.isfinite(ci[1])),
                "verdict": self.verdict(),
                "pseudo_r1": pseudo_r1(t) if s["frontier"] == "quantile" else None,
            },
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
            "undated_models": list(self.diagnostics["undated_models"]),
            "missing_params_models": list(self.diagnostics.get("missing_params_models", [])),
            "n_lower_bounds": self.diagnostics["n_lower_bounds"],
            "with_bounds": _bounds_dict(self.trend_bounds),
            "envelope": envelope,
            "stochastic_frontier": stochastic,
            "quantiles": {f"{q:g}": v for q, v in self.quantiles.items()},
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
            ``True``: the full report of ``densing reproduce``. ``False``: a compact one
            (headline, verdict and comparison), as notebooks show it.

        Returns
        -------
        Summary
            The report, at most 100 columns wide as text.
        """
        return reproduction_summary(self, detail=detail)

    def print_summary(self, detail: bool = True) -> None:
        """Print :meth:`summary` as text: the comparison, the estimates and the diagnostics.

        Parameters
        ----------
        detail
            As for :meth:`summary`.
        """
        print(self.summary(detail=detail).as_text())

    def _repr_html_(self) -> str:
        return self.summary(detail=False).as_html()

    def __repr__(self) -> str:
        t = self.trend
        lo, hi = self.headline_interval
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
    if tokens is not None:
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
    frame: ReferenceFrame | str | None = None,
    *,
    benchmark: str = REPRODUCE_BENCHMARK,
    tokens: float | None = None,
    window: Any = PAPER_WINDOW,
    frontier: str = "quantile",
    quantile: float = HEADLINE_QUANTILE,
    n_bootstrap: int = 1000,
    random_state: int = 0,
    param_count: str | None = None,
    irreducible: bool = False,
    dense_only: bool = False,
    exact_params: bool = False,
    joint: bool = False,
    frame_bootstrap: int = 200,
    interval: str | None = None,
    sfa_bootstrap: int = 200,
    scores: pd.DataFrame | None = None,
    models: pd.DataFrame | None = None,
    protocol_map: dict[str, str] | None = None,
) -> Reproduction:
    """Reproduce the densing law on the bundled (or given) data.

    Parameters
    ----------
    frame
        Reference frame, its name or a saved JSON path; ``None`` (default): the shipped frame,
        ``"olmo-ladder"`` (as for :func:`~densing.density.compute_density`).
    benchmark
        Benchmark whose density represents each model (default ``average_llv1``: the mean of
        the Open LLM Leaderboard v1 HellaSwag and ARC-Challenge scores, mapped explicitly onto
        the frame's rc protocol).
    tokens
        Data budget ``D0``; ``None`` (default): the frame's (1e12 for the shipped frames), as
        for :func:`~densing.density.compute_density`.
    window
        ``(start, end)`` or ``"START:END"`` of release dates for the headline fit (default:
        the paper's window); ``None`` uses all dates. The same rule as
        ``DensingTrend(window=...)``.
    frontier
        The headline's rule: ``quantile`` (default: the ``quantile`` line over every
        model, models censored at the top kept as bounds), ``running_max`` (the paper's
        envelope) or ``all`` (OLS).
    quantile
        The headline quantile ``tau`` (0.9, chosen by simulated coverage and error).
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
        The headline's models-only interval: ``"percentile"`` (the case bootstrap; the
        default for ``quantile``, its coverage checked in tests/test_coverage.py) or
        ``"calibrated"`` (the default for ``running_max`` and ``all``; not available for
        the bound-keeping quantile line).
    sfa_bootstrap
        Case resamples of the stochastic-frontier cross-check (0: no interval).
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
    propagates three sources together: model resampling (the case bootstrap over models),
    score noise (each score's binomial standard error from its benchmark's size,
    :data:`densing.density.BENCHMARK_SIZES`) and the frame's bootstrap draws. The last two
    are drawn together and the frontier refitted per draw; that slope spread is added in
    quadrature to each side of the models-only interval. With ``frontier="quantile"``
    models censored at the top enter the headline as lower bounds (Powell's censored
    quantile regression); for the other rules they are dropped and kept as bounds in
    ``trend_bounds`` beside it. The envelope (``envelope``, calibrated interval widened the
    same way), the stochastic frontier and the quantile line at 0.8 and 0.95 are computed
    beside the headline.
    """
    from densing.datasets import load_models, load_scores

    _check_settings(n_bootstrap=n_bootstrap, random_state=random_state, tokens=tokens,
                    frontier=frontier, benchmark=benchmark, frame_bootstrap=frame_bootstrap)
    check_scalar(quantile, "quantile", low=0.0, high=1.0, include_low=False,
                 include_high=False, hint="strictly between 0 and 1, e.g. 0.9")
    check_n_bootstrap(sfa_bootstrap, "sfa_bootstrap")
    start, end = check_window(window)
    if param_count is not None:
        check_param_count_name(param_count, SHARED_PARAM_COUNTS)
    if interval not in (None, "calibrated", "percentile"):
        raise InputError(f"interval={format_value(interval)} must be 'calibrated' or "
                         "'percentile'")
    if isinstance(frame, ReferenceFrame):
        fr = frame
        frame_name = fr.name
    else:
        frame_name = "olmo-ladder" if frame is None else str(frame)  # the shipped default
        kw: dict[str, Any] = {"irreducible": irreducible,
                              "param_count": param_count or DEFAULT_PARAM_COUNT,
                              "n_bootstrap": frame_bootstrap, "random_state": random_state}
        fr = load_frame(frame_name, **kw)
    tokens = float(fr.tokens) if tokens is None else tokens
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
    q = float(quantile)
    keeps_bounds = frontier == "quantile"
    if interval is None:
        interval = "percentile" if keeps_bounds else "calibrated"
    if keeps_bounds and interval == "calibrated":
        raise InputError("interval='calibrated' is not available for the bound-keeping "
                         "quantile headline: use interval='percentile' (the case bootstrap)")
    bounded = density_bounds(per_model, fr, benchmark, tokens)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)
        # the models-only trend: the frame draws enter the joint interval below, not here
        trend = DensingTrend(frontier=frontier, quantile=q,  # type: ignore[arg-type]
                             window=(start, end), n_bootstrap=n_bootstrap,
                             random_state=random_state,
                             interval=interval, censored="bound" if keeps_bounds else "drop")
        trend.fit(bounded if keeps_bounds else per_model)
        percentile = dict(trend.ci_percentile_)
        if draws is not None:
            percentile = dict(DensingTrend(
                frontier=frontier, quantile=q, window=(start, end),  # type: ignore[arg-type]
                n_bootstrap=n_bootstrap, random_state=random_state, interval="percentile",
            ).fit(per_model, density_draws=draws).ci_percentile_)
        m_draws, m_slopes = _measurement_slopes(
            per_model, per_bench, fr, benchmark=benchmark, tokens=tokens, frontier=frontier,
            start=start, end=end, random_state=random_state, n_draws=frame_bootstrap,
            quantile=q,
        )
        ci = float(trend.ci)
        intervals = {
            "joint": _joint_interval(trend, m_slopes),
            "models_only": dict(trend.ci_),
            "percentile": percentile,
            "measurement": {"slope_per_day": _pct(m_slopes, ci),
                            "doubling_time_months": _months(*_pct(m_slopes, ci))},
        }
        trend_bounds: DensingTrend | None = trend if keeps_bounds else None
        if not keeps_bounds:
            try:
                trend_bounds = DensingTrend(
                    frontier=frontier, quantile=q, window=(start, end),  # type: ignore[arg-type]
                    n_bootstrap=n_bootstrap, random_state=random_state, censored="bound",
                ).fit(bounded)
            except InputError:
                trend_bounds = None
        envelope, env_iv = _envelope_fit(per_model, per_bench, fr, frontier, trend,
                                         m_slopes, benchmark=benchmark, tokens=tokens,
                                         start=start, end=end, n_bootstrap=n_bootstrap,
                                         random_state=random_state, n_draws=frame_bootstrap)
        intervals.update(env_iv)
        quantiles = _quantile_points(bounded, start, end, q, trend)
        stochastic = _stochastic_fit(trend, sfa_bootstrap, random_state, ci)
        try:
            periods: PeriodComparison | None = DensingTrend(
                frontier=frontier, quantile=q, n_bootstrap=n_bootstrap,  # type: ignore[arg-type]
                random_state=random_state, interval=interval,
            ).fit(per_model).compare_periods(CHATGPT_DATE)
        except InputError:
            periods = None
    del m_draws
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
        "window": [start, end], "frontier": frontier, "quantile": q,
        "n_bootstrap": n_bootstrap, "sfa_bootstrap": sfa_bootstrap,
        "random_state": random_state, "param_count": param_count,
        "irreducible": fr.irreducible, "dense_only": dense_only, "joint": joint,
        "exact_params": exact_params, "interval": interval, "frame_bootstrap": frame_bootstrap,
    }
    return Reproduction(
        trend=trend, periods=periods, densities=per_model, per_benchmark=per_bench,
        compressed=_compressed_pairs(per_model, md), settings=settings, diagnostics=diagnostics,
        intervals=intervals, trend_bounds=trend_bounds, envelope=envelope,
        stochastic=stochastic, quantiles=quantiles, bounds=bounded,
    )
