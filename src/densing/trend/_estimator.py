"""The estimator :class:`DensingTrend`: validate, fit the frontier, bootstrap, report."""

from __future__ import annotations

import datetime as _dt
import html
import warnings
from typing import Any, NoReturn

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from densing._summary import Summary
from densing._validation import check_is_fitted
from densing.conventions import Frontier
from densing.exceptions import FitQualityWarning, InputError, NotFittedError
from densing.trend._bootstrap import Resamples, _Fitter
from densing.trend._calibrate import trend_intervals
from densing.trend._censored import CensoredFit
from densing.trend._data import _iso, _parse_dates
from densing.trend._fitcore import fit_lines
from densing.trend._periods import compare_periods
from densing.trend._render import trend_dict, trend_frame, trend_summary
from densing.trend._setup import prepare_fit
from densing.trend.results import LLAMA1_DATE, LineFit, PeriodComparison, _fmt_months

_FITTED_ATTRS = frozenset(
    {
        "slope_per_day_",
        "intercept_",
        "doubling_time_days_",
        "doubling_time_months_",
        "r2_",
        "frontier_",
        "data_",
        "n_models_",
        "n_frontier_",
        "n_censored_",
        "censored_",
        "n_outside_window_",
        "ci_",
        "std_error_",
        "all_points_",
        "line_",
        "slope_draws_",
        "intercept_draws_",
        "n_bootstrap_failed_",
        "date_range_",
        "ci_percentile_",
        "ci_calibrated_",
        "n_bounds_",
        "n_bounds_on_frontier_",
        "censored_fit_",
    }
)


class DensingTrend:
    """Fit the densing law ``ln rho = A * t + B`` to dated model densities.

    Parameters
    ----------
    frontier
        ``"quantile"`` (default, the headline of ``densing reproduce``: linear quantile
        regression at ``quantile`` over every model), ``"running_max"`` (the paper's
        envelope: a handful of models, no fixed target) or ``"all"`` (OLS on every model).
    quantile
        The quantile ``q`` of the ``"quantile"`` frontier, in (0, 1).
    window
        Keep only models released in ``[start, end]`` (inclusive): ``(start, end)`` (ISO dates
        or dates, ``None`` for an open side) or ``"START:END"`` (either side may be empty), as
        :func:`~densing.report.reproduce` reads it; ``None`` (default) keeps every date.
    origin
        Day zero of ``t`` (ISO date); the intercept is ``ln rho`` at the origin.
    n_bootstrap
        Resamples over models (0: no CIs; beyond half the machine's memory: refused).
    ci
        Confidence level of the intervals.
    random_state
        Seed of :func:`numpy.random.default_rng`; the same seed gives bit-identical results.
    censored
        ``"drop"`` (default): models censored at the top (status ``above_ceiling`` or
        ``above_frame_range``) are left out and counted. ``"bound"``: they enter as lower bounds on
        density, read from ``bound_col`` (docs/method.md#trap-censored-top): the envelope never
        falls below a bound, the all-points fit is a Tobit (right-censored normal) maximum
        likelihood and the quantile line is Powell's censored quantile regression
        (``densing.trend._censored``). An ``ok`` row's ``bound_col`` value, when given, is its
        censoring point for the quantile line.
    bound_col
        Column holding the density bound (see :func:`densing.density.density_bounds`).
    interval
        ``"calibrated"``: ``ci_`` is the slope interval of a parametric frontier model, its coverage
        checked by simulation (at least 0.92 at nominal 0.95 for every frontier,
        ``densing.trend._calibrate``), widened in quadrature by the slope's spread over
        ``density_draws`` when given. ``"percentile"``: the case bootstrap's percentile interval,
        which under-covers for the envelope (docs/method.md#trap-interval-coverage) and covers for
        the quantile line (tests/test_coverage.py). ``None`` (default): percentile for ``quantile``
        and with ``censored="bound"``, calibrated for ``running_max`` and ``all``; ``interval_``
        says which, ``ci_calibrated_``/``ci_percentile_`` keep both.

    Attributes
    ----------
    slope_per_day_ : float
        ``A``, the growth rate of ``ln rho`` per day.
    intercept_ : float
        ``B``, ``ln rho`` at ``origin``.
    doubling_time_days_, doubling_time_months_ : float
        ``ln 2 / A`` in days and in months of 30.44 days; ``inf`` when ``A <= 0`` (with a
        :class:`~densing.FitQualityWarning`).
    r2_ : float
        Fit quality on the points the fit uses: OLS R² on the envelope (``running_max``) or
        on all models (``all``); Koenker-Machado pseudo-R¹ for ``quantile``
        (``1 - V(fit) / V(constant)`` with the check loss ``V``).
    frontier_ : pandas.DataFrame
        The frontier's members (``model``, ``release_date``, ``density``, ``t_days``): the
        envelope for ``running_max``, the models on or above the fitted line for
        ``quantile``, every model for ``all``.
    data_ : pandas.DataFrame
        Every model used, sorted by date, with an ``on_frontier`` flag.
    n_models_, n_frontier_, n_censored_ : int
        Models used, frontier members, and censored rows (status not ``ok``) in the window.
    censored_ : dict
        Censored rows in the window per status.
    n_outside_window_ : int
        Usable rows left out by ``window``.
    ci_ : dict
        ``(low, high)`` intervals for ``slope_per_day``, ``intercept``,
        ``doubling_time_days`` and ``doubling_time_months``: the calibrated ones by default
        (``interval_``; their ``intercept`` is NaN, the calibration covers the slope only).
        The doubling-time interval is the slope interval mapped through ``ln 2 / A``; when
        the slope interval includes 0 its upper bound is ``inf``.
    interval_ : str
        The interval ``ci_`` holds: ``"calibrated"`` or ``"percentile"``.
    std_error_ : dict
        Bootstrap standard errors of slope and intercept; delta-method ones for the doubling
        times (NaN when ``A <= 0``).
    line_ : LineFit
        The frontier fit as one result object (the attributes above are its fields).
    all_points_ : LineFit
        OLS on all models beside the frontier fit (same bootstrap resamples):
        ``slope_per_day``, ``intercept``, ``doubling_time_months``, ``r2``, ``n_models``,
        ``slope_ci``, ``doubling_time_months_ci``, ...
    slope_draws_, intercept_draws_ : numpy.ndarray
        The bootstrap estimates (NaN where a resample had no defined fit).
    n_bootstrap_failed_ : int
        Resamples without a defined fit (e.g. an envelope of one model); they are left out
        of the intervals.
    date_range_ : tuple of pandas.Timestamp
        First and last release date used.
    ci_percentile_ : dict
        The case bootstrap's percentile intervals (uncalibrated).
    ci_calibrated_ : dict or None
        The calibrated intervals; ``None`` with ``censored="bound"``.
    measurement_slopes_ : numpy.ndarray or None
        With ``density_draws``: the frontier slope refitted on each draw with every model
        kept (the measurement spread that widens the calibrated interval), else ``None``.
    n_bounds_, n_bounds_on_frontier_ : int
        Lower bounds among the fitted points, and among the frontier's members (0 with
        ``censored="drop"``).
    censored_fit_ : CensoredFit or None
        The censored estimator's fit (``censored="bound"``; Tobit ``sigma`` for ``all``).

    Notes
    -----
    The bootstrap is a case (pairs) bootstrap over models: resample ``n`` models with
    replacement, recompute that resample's frontier and refit (vectorised over resamples
    for ``running_max`` and ``all``; one weighted LP per resample for ``quantile``).

    Examples
    --------
    >>> import pandas as pd
    >>> from densing.trend import DensingTrend
    >>> df = pd.DataFrame({
    ...     "model": ["a", "b", "c", "d"],
    ...     "release_date": ["2023-03-01", "2023-07-01", "2023-11-01", "2024-03-01"],
    ...     "density": [0.5, 1.0, 1.7, 4.0],
    ... })
    >>> trend = DensingTrend(frontier="all", n_bootstrap=200).fit(df)
    >>> round(trend.doubling_time_months_, 1)
    4.1
    >>> trend
    <DensingTrend: 4 models, doubling 4.1 mo>
    """

    slope_per_day_: float
    intercept_: float
    doubling_time_days_: float
    doubling_time_months_: float
    r2_: float
    frontier_: pd.DataFrame
    data_: pd.DataFrame
    n_models_: int
    n_frontier_: int
    n_censored_: int
    censored_: dict[str, int]
    n_outside_window_: int
    ci_: dict[str, tuple[float, float]]
    ci_percentile_: dict[str, tuple[float, float]]
    ci_calibrated_: dict[str, tuple[float, float]] | None
    interval_: str
    measurement_slopes_: NDArray[np.float64] | None
    n_bounds_: int
    n_bounds_on_frontier_: int
    censored_fit_: CensoredFit | None
    std_error_: dict[str, float]
    all_points_: LineFit
    line_: LineFit
    slope_draws_: NDArray[np.float64]
    intercept_draws_: NDArray[np.float64]
    _seed: int
    n_bootstrap_failed_: int
    date_range_: tuple[pd.Timestamp, pd.Timestamp]

    def __init__(
        self,
        frontier: Frontier = "quantile",
        quantile: float = 0.9,
        window: str | tuple[str | _dt.date | None, str | _dt.date | None] | None = None,
        origin: str | _dt.date = LLAMA1_DATE,
        n_bootstrap: int = 1000,
        ci: float = 0.95,
        random_state: int | None = 0,
        censored: str = "drop",
        bound_col: str = "density_bound",
        interval: str | None = None,
    ) -> None:
        self.frontier = frontier
        self.quantile = quantile
        self.window = window
        self.origin = origin
        self.n_bootstrap = n_bootstrap
        self.ci = ci
        self.random_state = random_state
        self.censored = censored
        self.bound_col = bound_col
        self.interval = interval

    # -- plumbing --------------------------------------------------------------------

    def __getattr__(self, name: str) -> NoReturn:
        if name in _FITTED_ATTRS:
            raise NotFittedError(self, "fit")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _check_fitted(self) -> None:
        check_is_fitted(self, "slope_per_day_")

    def _indices(self, n: int) -> Resamples:
        """The bootstrap resamples: one sorted row of model positions per resample, generated
        block by block (memory does not grow with ``n_bootstrap``)."""
        return Resamples(self._seed, int(self.n_bootstrap), n)

    # -- fitting ---------------------------------------------------------------------

    def fit(
        self,
        df: pd.DataFrame,
        date_col: str = "release_date",
        density_col: str = "density",
        model_col: str = "model",
        status_col: str = "status",
        density_draws: ArrayLike | None = None,
    ) -> DensingTrend:
        """Fit the trend to one row per model.

        Parameters
        ----------
        df
            One row per model with a name, a release date (datetime64, ``datetime.date`` or
            an ISO ``YYYY-MM-DD`` string) and a density (finite, > 0). Rows whose
            ``status_col`` is not ``"ok"`` (a missing status counts as not ok) are censored:
            left out of the fit and counted in ``n_censored_``; they may carry ``inf``/NaN
            densities.
        date_col, density_col, model_col, status_col
            Column names.
        density_draws
            Optional ``(n_draws, len(df))`` array of density draws, one column per row of
            ``df`` (e.g. :func:`densing.density.density_draws`: densities recomputed under
            each bootstrap draw of the reference frame). This is the joint bootstrap: when
            ``n_draws == n_bootstrap``, resample ``b`` uses ``density_draws[b]`` instead of
            the point densities; otherwise each resample takes a draw chosen at random
            (seeded). The intervals then include the reference fit's uncertainty as well as
            the resampling of models. A draw that is not finite and > 0 (a model censored
            under that draw) leaves that model out of that resample only. Point estimates
            still use ``density_col``.

        Returns
        -------
        DensingTrend
            ``self``, fitted.

        Raises
        ------
        densing.InputError
            On missing columns, an empty table, duplicate names, unreadable or future dates,
            densities that are not finite and > 0 for ``ok`` rows, fewer than 3 usable
            models, or an envelope of a single model.
        """
        prep = prepare_fit(self, df, date_col=date_col, density_col=density_col,
                           model_col=model_col, status_col=status_col,
                           density_draws=density_draws)
        data, bounds, censor_at, origin = prep.data, prep.bounds, prep.censor_at, prep.origin
        self._seed = prep.seed
        n_boot = int(self.n_bootstrap)
        q = float(self.quantile)
        fitter = _Fitter(self.frontier, q, data.t, data.x, data.logd)
        n = data.t.size

        fits = fit_lines(str(self.frontier), data, q, fitter, self._indices(n), bounds,
                         censor_at)
        slope, intercept, r2, on_frontier = fits.slope, fits.intercept, fits.r2, fits.on_frontier
        slopes, intercepts, cfit = fits.slopes, fits.intercepts, fits.censored
        failed = int((~np.isfinite(slopes)).sum())
        if self.n_bootstrap and failed > 0.05 * self.n_bootstrap:
            warnings.warn(
                f"{failed} of {self.n_bootstrap} bootstrap resamples had no defined "
                f"{self.frontier} fit (too few distinct frontier dates); they are left out of "
                "the intervals, which are therefore too narrow",
                FitQualityWarning,
                stacklevel=2,
            )

        if slope <= 0:
            warnings.warn(
                f"fitted slope {slope:.3g}/day is <= 0: density does not grow over these "
                "dates, the doubling time is reported as inf",
                FitQualityWarning,
                stacklevel=2,
            )

        ci = float(self.ci)
        period = (_iso(data.dates[0]), _iso(data.dates[-1]))
        line = LineFit.from_draws(
            method=str(self.frontier), slope=slope, intercept=intercept, r2=r2, ci=ci,
            slope_draws=slopes, intercept_draws=intercepts, n_models=n,
            members=data.models[on_frontier].astype(str).tolist(), period=period,
        )
        self.line_ = line
        self.slope_per_day_ = line.slope_per_day
        self.intercept_ = line.intercept
        self.doubling_time_days_ = line.doubling_time_days
        self.doubling_time_months_ = line.doubling_time_months
        self.r2_ = line.r2
        self.ci_percentile_ = line.intervals()
        (self.ci_, self.interval_, self.ci_calibrated_,
         self.measurement_slopes_) = trend_intervals(
            str(self.frontier), data.t, data.x, data.logd, fitter, ci, q=q, n_sim=n_boot,
            seed=self._seed, estimate=slope, percentile=self.ci_percentile_,
            interval=self.interval if self.interval is not None or self.frontier != "quantile"
            else "percentile", censored=str(self.censored))
        self.std_error_ = line.std_errors()
        self.censored_fit_ = cfit
        self.n_bounds_ = 0 if bounds is None else int(bounds.sum())
        self.n_bounds_on_frontier_ = (
            0 if bounds is None else int((bounds & on_frontier).sum())
        )
        self.all_points_ = LineFit.from_draws(
            method="all", slope=fits.all_slope, intercept=fits.all_intercept, r2=fits.all_r2,
            ci=ci, slope_draws=fits.all_slopes, n_models=n,
            members=data.models.astype(str).tolist(),
            period=period,
        )
        self.slope_draws_ = slopes
        self.intercept_draws_ = intercepts
        self.n_bootstrap_failed_ = failed

        table = pd.DataFrame(
            {
                "model": data.models.astype(str),
                "release_date": pd.to_datetime(data.dates),
                "density": np.exp(data.x),
                "t_days": data.t,
                "on_frontier": on_frontier,
            }
        )
        self.data_ = table
        self.frontier_ = table.loc[on_frontier, ["model", "release_date", "density", "t_days"]]
        self.frontier_ = self.frontier_.reset_index(drop=True)
        self.n_models_ = n
        self.n_frontier_ = int(on_frontier.sum())
        self.censored_ = data.censored
        self.n_censored_ = int(sum(data.censored.values()))
        self.n_outside_window_ = data.n_outside_window
        self.date_range_ = (pd.Timestamp(data.dates[0]), pd.Timestamp(data.dates[-1]))
        self._data = data
        self._origin = origin
        return self

    # -- using the fit ---------------------------------------------------------------

    def predict(self, date: Any) -> Any:
        """Density on the fitted trend line at ``date``.

        Parameters
        ----------
        date
            A date (ISO string, ``datetime.date``/``datetime``, ``pd.Timestamp``,
            ``numpy.datetime64``) or an array-like of them.

        Returns
        -------
        float or numpy.ndarray
            ``exp(A * t + B)``: a float for a single date, an array otherwise.
        """
        self._check_fitted()
        scalar = isinstance(date, (str, _dt.date, np.datetime64)) or np.ndim(date) == 0
        values = [date] if scalar else list(np.asarray(date, dtype=object).ravel())
        days = _parse_dates(pd.Series(values, dtype=object), [str(v) for v in values], "date")
        t = (days - self._origin).astype("timedelta64[D]").astype(float)
        out = np.exp(self.slope_per_day_ * t + self.intercept_)
        return float(out[0]) if scalar else out.reshape(np.shape(date))

    def compare_periods(self, split: str | _dt.date = "2022-11-30") -> PeriodComparison:
        """Refit the same frontier before and after ``split`` and compare the slopes.

        Models released before ``split`` form the first period, the rest the second; each
        period gets its own frontier and fit. The intervals come from the same bootstrap
        resamples as :meth:`fit` (same seed): each resample is split, both halves refitted,
        so the ratio's interval accounts for the two slopes' joint sampling.

        Parameters
        ----------
        split
            First day of the second period (ISO date); the default is ChatGPT's release.

        Returns
        -------
        PeriodComparison
            ``before`` and ``after`` (:class:`~densing.trend.LineFit` each), the slope
            ``ratio`` (after / before) with ``ratio_ci``, and ``prob_faster_after`` (share of
            resamples with a steeper second period); ``to_dict()`` gives plain values.

        Raises
        ------
        densing.InputError
            When a period has fewer than 3 models or its frontier cannot be fitted.
        """
        self._check_fitted()
        if self.censored == "bound":
            raise InputError(
                "compare_periods is not available with censored='bound' yet: refit with "
                "censored='drop' to compare periods"
            )
        return compare_periods(self, split)

    def curve(self, n: int = 100) -> pd.DataFrame:
        """The fitted line over the fitted dates and its pointwise bootstrap band.

        Parameters
        ----------
        n
            Number of dates on the grid (at least 2).

        Returns
        -------
        pandas.DataFrame
            ``date`` (evenly spaced over ``date_range_``, datetime64), ``density`` (the
            fitted ``exp(A t + B)``), ``low`` and ``high`` (pointwise percentile band over
            the bootstrap fits at the ``ci`` level; NaN without at least 10 defined
            resamples).
        """
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise InputError(f"n={n!r} must be an integer >= 2 (points on the curve)")
        start, end = (np.datetime64(d, "D") for d in self.date_range_)
        # whole days, so that each row's density is the line at that row's date
        grid = np.round(np.linspace(float(start.astype(float)), float(end.astype(float)), int(n)))
        t = grid - float(self._origin.astype(float))
        line = np.exp(self.intercept_ + self.slope_per_day_ * t)
        low = np.full(int(n), np.nan)
        high = np.full(int(n), np.nan)
        good = np.isfinite(self.slope_draws_) & np.isfinite(self.intercept_draws_)
        if good.sum() >= 10:
            a = (1.0 - float(self.ci)) / 2.0
            logs = self.intercept_draws_[good, None] + self.slope_draws_[good, None] * t[None, :]
            low = np.exp(np.quantile(logs, a, axis=0))
            high = np.exp(np.quantile(logs, 1.0 - a, axis=0))
        days = np.array([np.datetime64(int(g), "D") for g in grid])
        return pd.DataFrame({"date": pd.to_datetime(days), "density": line, "low": low,
                             "high": high})

    # -- presentation ----------------------------------------------------------------

    def summary_frame(self) -> pd.DataFrame:
        """One row per parameter: ``estimate``, ``std_error``, ``ci_low``, ``ci_high``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``slope_per_day``, ``intercept``, ``doubling_time_days`` and
            ``doubling_time_months``.
        """
        self._check_fitted()
        return trend_frame(self)

    def summary(self, decimals: int = 4, max_members: int = 40) -> Summary:
        """The fit as a :class:`~densing._summary.Summary`: the doubling time with its CI
        first, counts and R², the parameter table, the frontier members and the all-points
        fit. It renders as text (``str``), HTML and a dict; it prints nothing.

        Parameters
        ----------
        decimals
            Significant digits in the parameter table.
        max_members
            At most this many frontier members are listed.

        Returns
        -------
        Summary
            The report.
        """
        self._check_fitted()
        return trend_summary(self, decimals=decimals, max_members=max_members)

    def print_summary(self, decimals: int = 4, max_members: int = 40) -> None:
        """Print :meth:`summary` as text.

        Parameters
        ----------
        decimals
            Significant digits in the table.
        max_members
            At most this many frontier members are listed in the footer.
        """
        print(self.summary(decimals=decimals, max_members=max_members).as_text())

    def to_dict(self) -> dict[str, Any]:
        """The fit as plain Python values (floats, ints, ISO dates, lists).

        Returns
        -------
        dict
            Settings, counts, estimates, ``ci`` (``[low, high]`` per parameter),
            ``std_error``, the frontier members and the all-points fit. Non-finite floats
            stay ``inf``/``nan`` (JSON writers should map them to null).
        """
        self._check_fitted()
        return trend_dict(self)

    def _repr_html_(self) -> str:
        if "slope_per_day_" not in self.__dict__:
            return f"<pre>{html.escape(repr(self))}</pre>"
        return self.summary(max_members=10).as_html()

    def __repr__(self) -> str:
        if "slope_per_day_" not in self.__dict__:
            return f"<{type(self).__name__}: unfitted>"
        return (
            f"<{type(self).__name__}: {self.n_models_} models, "
            f"doubling {_fmt_months(self.doubling_time_days_, '.1f')} mo>"
        )


__all__ = ["DensingTrend", "Frontier"]
