"""The densing law: exponential growth of the density frontier over release dates.

:class:`DensingTrend` fits ``ln rho = A * t + B`` where ``t`` is the release date in days
since an origin (2023-02-24, Llama-1, by default) and ``rho`` a model's capability density
(Xiao et al. 2024, "Densing Law of LLMs", arXiv:2412.04315). The doubling time of the
density is ``ln 2 / A`` days.

Which models carry the fit is the *frontier*:

``"running_max"``
    The running-maximum envelope (the paper's choice): the models denser than every model
    released before them. Over two years this is a handful of points, and one strong early
    model can end it, so read it together with the other two.
``"quantile"``
    Linear quantile regression of ``ln rho`` on ``t`` at quantile ``q`` (0.9 by default):
    an upper line that uses every model. Solved exactly as a linear program (the dual of the
    standard quantile-regression LP) with HiGHS.
``"all"``
    Ordinary least squares on every model: the average trend, not the frontier's.

Uncertainty comes from a nonparametric case bootstrap over *models*: each resample draws
the models with replacement, recomputes its own frontier and refits; intervals are
percentile intervals. The frontier's own uncertainty (which models make the envelope)
dominates the error (METHOD.md item 5), so it must be resampled, not fixed. An all-points
OLS fit is always computed beside the frontier fit (``all_points_``).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linprog

from densing._progress import progress
from densing.exceptions import ConvergenceError, FitQualityWarning, InputError, NotFittedError

#: Release date of Llama-1, the paper's time origin.
LLAMA1_DATE = "2023-02-24"
#: Days per month used to convert doubling times (365.25 / 12, rounded as in the paper).
DAYS_PER_MONTH = 30.44

Frontier = Literal["running_max", "quantile", "all"]
_FRONTIERS = ("running_max", "quantile", "all")
_PARAMS = ("slope_per_day", "intercept", "doubling_time_days", "doubling_time_months")
_LN2 = math.log(2.0)
_CHUNK = 2048  # bootstrap rows processed at once (bounds memory for large n_bootstrap)

_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


# --------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------


def _names(values: Sequence[Any], limit: int = 5) -> str:
    """Format a few names for an error message: ``'a', 'b' and 3 more``."""
    shown = ", ".join(repr(str(v)) for v in list(values)[:limit])
    rest = len(values) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def _parse_date(value: Any) -> np.datetime64 | None:
    """Parse one date strictly; ``None`` when it is not an ISO date or a date object.

    Raises ``KeyError`` for a missing value so the caller can tell "missing" from "odd".
    """
    if value is None or (not isinstance(value, str) and bool(np.all(pd.isna(value)))):
        raise KeyError("missing")
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]")
    if isinstance(value, (_dt.date, pd.Timestamp)):
        ts = pd.Timestamp(value)
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        return np.datetime64(ts.date(), "D")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise KeyError("missing")
        if not _ISO_DATE.match(text):
            return None
        try:
            ts = pd.Timestamp(text)
        except (ValueError, OverflowError):
            return None
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        return np.datetime64(ts.date(), "D")
    return None


def _parse_dates(
    values: Any, labels: Sequence[Any], what: str = "release_date", strict: bool = True
) -> NDArray[np.datetime64]:
    """Parse dates to ``datetime64[D]``.

    Accepts datetime64 values, ``datetime.date``/``datetime``/``pd.Timestamp`` objects and
    ISO-8601 strings (``YYYY-MM-DD``, optionally with a time). With ``strict`` a missing or
    unparseable value raises :class:`InputError` naming it; otherwise it becomes NaT.
    """
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series.to_numpy().astype("datetime64[D]")
        missing = np.isnat(out)
        if strict and missing.any():
            bad = [labels[int(i)] for i in np.flatnonzero(missing)]
            raise InputError(
                f"missing {what} for model(s) {_names(bad)}: every model needs a release "
                "date (ISO YYYY-MM-DD)"
            )
        return out
    out = np.full(len(series), np.datetime64("NaT"), dtype="datetime64[D]")
    missing_labels: list[Any] = []
    for i, value in enumerate(series.tolist()):
        try:
            day = _parse_date(value)
        except KeyError:
            missing_labels.append(labels[i])
            continue
        if day is None:
            if strict:
                raise InputError(
                    f"{what} {value!r} of model {str(labels[i])!r} is not a date densing "
                    "reads: use ISO YYYY-MM-DD (e.g. 2023-03-04)"
                )
            continue
        out[i] = day
    if strict and missing_labels:
        raise InputError(
            f"missing {what} for model(s) {_names(missing_labels)}: every model needs a "
            "release date (ISO YYYY-MM-DD)"
        )
    return out


def _parse_one(value: Any, what: str) -> np.datetime64:
    """Parse a single setting date (``origin``, ``start``, ``split``, ...)."""
    try:
        day = _parse_date(value)
    except KeyError:
        day = None
    if day is None:
        raise InputError(f"{what}={value!r} is not a date: use ISO YYYY-MM-DD (e.g. 2023-02-24)")
    return day


def _iso(day: np.datetime64 | pd.Timestamp | None) -> str | None:
    if day is None or pd.isna(day):
        return None
    return str(pd.Timestamp(day).date().isoformat())


def _today() -> np.datetime64:
    return np.datetime64(_dt.date.today(), "D")


@dataclass
class _Data:
    """Validated usable models, sorted by (date ascending, density descending)."""

    models: NDArray[np.object_]
    dates: NDArray[np.datetime64]
    t: NDArray[np.float64]
    x: NDArray[np.float64]  # ln density
    logd: NDArray[np.float64] | None  # (B, n) ln density draws, same column order
    censored: dict[str, int]
    n_outside_window: int


def _prepare(
    df: Any,
    *,
    date_col: str,
    density_col: str,
    model_col: str,
    status_col: str,
    origin: np.datetime64,
    start: np.datetime64 | None,
    end: np.datetime64 | None,
    density_draws: ArrayLike | None,
) -> _Data:
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            f"fit expects a pandas DataFrame with one row per model, got {type(df).__name__}"
        )
    missing = [c for c in (model_col, date_col, density_col) if c not in df.columns]
    if missing:
        raise InputError(
            f"missing column(s) {_names(missing)}; the table has {_names(list(df.columns), 10)} "
            f"but needs {model_col!r}, {date_col!r} and {density_col!r} (one row per model)"
        )
    if len(df) == 0:
        raise InputError("the table is empty: pass one row per model with a date and a density")

    raw_models = df[model_col]
    if raw_models.isna().any():
        rows = np.flatnonzero(raw_models.isna().to_numpy())
        raise InputError(f"model name missing in row(s) {_names(rows.tolist())}")
    models = raw_models.astype(str).to_numpy(dtype=object)
    dup = pd.Series(models)[pd.Series(models).duplicated(keep=False)].unique().tolist()
    if dup:
        raise InputError(
            f"duplicate model name(s) {_names(dup)}: pass one row per model "
            "(aggregate per-benchmark densities first)"
        )

    n_rows = len(df)
    if status_col in df.columns:
        raw_status = df[status_col]
        status = np.array(
            ["<missing>" if pd.isna(s) else str(s).strip().lower() for s in raw_status.tolist()],
            dtype=object,
        )
        ok = status == "ok"
    else:
        status = np.full(n_rows, "ok", dtype=object)
        ok = np.ones(n_rows, dtype=bool)
    if not ok.any():
        reasons = pd.Series(status).value_counts().to_dict()
        desc = ", ".join(f"{k}: {v}" for k, v in reasons.items())
        raise InputError(
            f"all {n_rows} models are censored (status not 'ok'; {desc}): nothing to fit"
        )

    raw_density = df[density_col]
    density = pd.to_numeric(raw_density, errors="coerce").to_numpy(dtype=float)
    text = ok & raw_density.notna().to_numpy() & np.isnan(density)
    if text.any():
        i = int(np.flatnonzero(text)[0])
        raise InputError(f"density {raw_density.iloc[i]!r} of model {models[i]!r} is not a number")
    bad_nan = ok & np.isnan(density)
    if bad_nan.any():
        raise InputError(
            f"density is missing (NaN) for model(s) {_names(models[bad_nan].tolist())} with "
            f"status 'ok': give them a non-ok {status_col!r} or drop them"
        )
    bad_inf = ok & np.isposinf(density)
    if bad_inf.any():
        raise InputError(
            f"infinite density for model(s) {_names(models[bad_inf].tolist())} with status "
            f"'ok': a model outside the reference frame needs a non-ok {status_col!r} "
            "(e.g. 'above_ceiling') so it is counted as censored"
        )
    bad_sign = ok & (density <= 0)
    if bad_sign.any():
        vals = ", ".join(f"{v:.4g}" for v in density[bad_sign][:5])
        raise InputError(
            f"density must be > 0; got {vals} for model(s) "
            f"{_names(models[bad_sign].tolist())}: densities are ratios N_hat / N; give a "
            "censoring status instead of a non-positive value"
        )

    dates = np.full(n_rows, np.datetime64("NaT"), dtype="datetime64[D]")
    dates[ok] = _parse_dates(df[date_col][ok], models[ok].tolist(), what=date_col)
    if (~ok).any():
        dates[~ok] = _parse_dates(
            df[date_col][~ok], models[~ok].tolist(), what=date_col, strict=False
        )
    today = _today()
    future = ok & (dates > today)
    if future.any():
        i = int(np.flatnonzero(future)[0])
        raise InputError(
            f"{date_col} {_iso(dates[i])} of model {models[i]!r} is in the future (today is "
            f"{_iso(today)}): check the date (ISO YYYY-MM-DD)"
        )

    in_window = np.ones(n_rows, dtype=bool)
    known = ~np.isnat(dates)
    if start is not None:
        in_window &= ~known | (dates >= start)
    if end is not None:
        in_window &= ~known | (dates <= end)
    use = ok & in_window
    n_outside = int((ok & ~in_window).sum())
    censored_status = status[~ok & in_window]
    censored = {str(k): int(v) for k, v in pd.Series(censored_status).value_counts().items()}

    if use.sum() < 3:
        where = ""
        if start is not None or end is not None:
            where = f" in the window {_iso(start) or '...'} to {_iso(end) or '...'}"
        n_cens = int((~ok).sum())
        raise InputError(
            f"only {int(use.sum())} usable model(s){where} ({n_cens} censored, {n_outside} "
            "outside the window): the trend needs at least 3 models with status 'ok'"
        )

    logd: NDArray[np.float64] | None = None
    if density_draws is not None:
        draws = np.asarray(density_draws, dtype=float)
        if draws.ndim != 2 or draws.shape[1] != n_rows or draws.shape[0] < 1:
            raise InputError(
                f"density_draws has shape {draws.shape}; it must be (n_draws, {n_rows}): one "
                "row per draw of the reference frame, one column per row of the table"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            logd = np.where(draws > 0, np.log(np.where(draws > 0, draws, 1.0)), -np.inf)
        logd[~np.isfinite(logd)] = -np.inf
        logd = logd[:, use]

    sel_models = models[use]
    sel_dates = dates[use]
    t = (sel_dates - origin).astype("timedelta64[D]").astype(float)
    x = np.log(density[use])
    order = np.lexsort((-x, t))
    return _Data(
        models=sel_models[order],
        dates=sel_dates[order],
        t=t[order],
        x=x[order],
        logd=None if logd is None else np.ascontiguousarray(logd[:, order]),
        censored=censored,
        n_outside_window=n_outside,
    )


# --------------------------------------------------------------------------------------
# numerical kernels (rows = bootstrap resamples)
# --------------------------------------------------------------------------------------


def _envelope(t: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Running-maximum envelope of each row.

    Rows must be sorted by ``t`` ascending and, within equal ``t``, by ``x`` descending;
    unusable entries carry ``x = -inf``. An entry is on the envelope when it is strictly
    larger than every entry before it: denser than every earlier-released model, the
    densest of its date, and counted once when repeated (resamples draw models twice).
    """
    run = np.maximum.accumulate(x, axis=1)
    prev = np.empty_like(x)
    prev[:, 0] = -np.inf
    prev[:, 1:] = run[:, :-1]
    return np.asarray(x > prev)


def _wols(
    t: NDArray[np.float64], x: NDArray[np.float64], w: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Weighted closed-form OLS of ``x`` on ``t`` per row; NaN where it is undefined."""
    x = np.where(w > 0, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sw = w.sum(axis=1)
        mt = (w * t).sum(axis=1) / sw
        mx = (w * x).sum(axis=1) / sw
        dt = t - mt[:, None]
        dx = x - mx[:, None]
        sxx = (w * dt * dt).sum(axis=1)
        sxy = (w * dt * dx).sum(axis=1)
        syy = (w * dx * dx).sum(axis=1)
        ok = sxx > 1e-9
        slope = np.where(ok, sxy / np.where(ok, sxx, 1.0), np.nan)
        intercept = mx - slope * mt
        r2 = np.where(ok & (syy > 0), sxy * sxy / (sxx * syy), np.nan)
    return slope, intercept, r2


def _check_quantile(q: float) -> None:
    if not 0.0 < q < 1.0:
        raise InputError(f"quantile={q!r} must lie strictly between 0 and 1 (e.g. 0.9)")


def _quantile_line(
    t: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64], q: float
) -> tuple[float, float]:
    """Exact weighted linear quantile regression of ``y`` on ``t``.

    Solves the dual of the standard quantile-regression LP (Koenker & Bassett 1978):
    ``max y'd  s.t.  X'd = 0,  (q - 1) w <= d <= q w``; the coefficients are the
    multipliers of the equality constraints. Returns ``(nan, nan)`` when undefined.
    """
    if t.size < 2 or np.ptp(t) == 0:
        return math.nan, math.nan
    centre = float(t.mean())
    scale = float(t.std())
    ts = (t - centre) / scale
    design = np.vstack([np.ones_like(ts), ts])
    bounds = np.column_stack([(q - 1.0) * w, q * w])
    res = linprog(-y, A_eq=design, b_eq=np.zeros(2), bounds=bounds, method="highs")
    if res.status != 0:
        return math.nan, math.nan
    b0, b1 = (-np.asarray(res.eqlin.marginals, dtype=float)).tolist()
    slope = b1 / scale
    return slope, b0 - slope * centre


def _check_pinball(y: NDArray[np.float64], fitted: NDArray[np.float64], q: float) -> float:
    r = y - fitted
    return float(np.sum(np.where(r >= 0, q * r, (q - 1.0) * r)))


class _Fitter:
    """Fits one frontier method to many resamples of the same models."""

    def __init__(
        self,
        method: str,
        q: float,
        t: NDArray[np.float64],
        x: NDArray[np.float64],
        logd: NDArray[np.float64] | None,
    ) -> None:
        self.method = method
        self.q = q
        self.t = t
        self.x = x
        self.logd = logd

    def rows(
        self,
        idx: NDArray[np.intp],
        member: NDArray[np.bool_] | None = None,
        draw_offset: int = 0,
        method: str | None = None,
        desc: str | None = None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Slopes and intercepts, one per row of ``idx`` (rows sorted ascending).

        ``member`` restricts the fit to some models (a period); ``draw_offset`` is the
        row of ``logd`` that corresponds to the first row of ``idx``.
        """
        method = method or self.method
        n_rows = idx.shape[0]
        slopes = np.empty(n_rows)
        intercepts = np.empty(n_rows)
        if method == "quantile":
            bar = progress(range(n_rows), desc=desc or "quantile bootstrap")
            n = self.t.size
            for b in bar:
                y = self.x if self.logd is None else self.logd[draw_offset + b]
                row = idx[b]
                keep_rows = np.isfinite(y[row])
                if member is not None:
                    keep_rows &= member[row]
                counts = np.bincount(row[keep_rows], minlength=n).astype(float)
                used = counts > 0
                slopes[b], intercepts[b] = _quantile_line(
                    self.t[used], y[used], counts[used], self.q
                )
            return slopes, intercepts
        for lo in range(0, n_rows, _CHUNK):
            hi = min(lo + _CHUNK, n_rows)
            block = idx[lo:hi]
            t = self.t[block]
            if self.logd is None:
                x = self.x[block]
            else:
                x = np.take_along_axis(self.logd[draw_offset + lo : draw_offset + hi], block, 1)
            if member is not None:
                x = np.where(member[block], x, -np.inf)
            if method == "running_max":
                if self.logd is not None:  # drawn densities can reorder same-date models
                    order = np.lexsort((-x, t), axis=-1)
                    t = np.take_along_axis(t, order, 1)
                    x = np.take_along_axis(x, order, 1)
                w = _envelope(t, x).astype(float)
            else:
                w = np.isfinite(x).astype(float)
            slopes[lo:hi], intercepts[lo:hi], _ = _wols(t, x, w)
        return slopes, intercepts


def _percentile_ci(draws: NDArray[np.float64], level: float) -> tuple[float, float]:
    finite = draws[np.isfinite(draws)]
    if finite.size < 2:
        return math.nan, math.nan
    alpha = (1.0 - level) / 2.0
    lo, hi = np.percentile(finite, [100.0 * alpha, 100.0 * (1.0 - alpha)])
    return float(lo), float(hi)


def _std(draws: NDArray[np.float64]) -> float:
    finite = draws[np.isfinite(draws)]
    return float(np.std(finite, ddof=1)) if finite.size >= 2 else math.nan


def _doubling(slope: float) -> float:
    """``ln 2 / slope`` days; ``inf`` when the density does not grow, NaN when undefined."""
    if not math.isfinite(slope):
        return math.nan
    return _LN2 / slope if slope > 0 else math.inf


def _doubling_ci(slope_ci: tuple[float, float]) -> tuple[float, float]:
    """Doubling-time interval from a slope interval (the map is monotone decreasing)."""
    lo, hi = slope_ci
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return math.nan, math.nan
    return _doubling(hi), _doubling(lo)


def _doubling_se(slope: float, slope_se: float) -> float:
    """Delta-method standard error of the doubling time; NaN when the slope is <= 0."""
    if not (math.isfinite(slope) and slope > 0 and math.isfinite(slope_se)):
        return math.nan
    return _LN2 / slope**2 * slope_se


def _fmt_months(days: float, fmt: str = ".3g") -> str:
    if math.isnan(days):
        return "nan"
    if math.isinf(days):
        return "inf"
    return format(days / DAYS_PER_MONTH, fmt)


# --------------------------------------------------------------------------------------
# the estimator
# --------------------------------------------------------------------------------------

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
        "slope_draws_",
        "intercept_draws_",
        "n_bootstrap_failed_",
        "date_range_",
    }
)


class DensingTrend:
    """Fit the densing law ``ln rho = A * t + B`` to dated model densities.

    Parameters
    ----------
    frontier
        Which models carry the fit: ``"running_max"`` (the running-maximum envelope, the
        paper's choice), ``"quantile"`` (linear quantile regression at ``quantile``, using
        every model) or ``"all"`` (OLS on every model).
    quantile
        The quantile ``q`` of the ``"quantile"`` frontier, in (0, 1).
    start, end
        Keep only models released in ``[start, end]`` (ISO dates, inclusive); ``None``
        leaves that side open.
    origin
        Day zero of ``t`` (ISO date); the intercept is ``ln rho`` at the origin.
    n_bootstrap
        Number of bootstrap resamples over models (0 turns the CIs off). With
        ``frontier="quantile"`` each resample solves a small LP (about 1-2 ms for 150
        models), so 1,000 resamples take 1-3 s.
    ci
        Confidence level of the percentile intervals.
    random_state
        Seed of :func:`numpy.random.default_rng`; the same seed gives bit-identical results.

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
        Usable rows left out by ``start``/``end``.
    ci_ : dict
        ``(low, high)`` percentile intervals for ``slope_per_day``, ``intercept``,
        ``doubling_time_days`` and ``doubling_time_months``. The doubling-time interval is
        the slope interval mapped through ``ln 2 / A``; when the slope interval includes 0
        its upper bound is ``inf``.
    std_error_ : dict
        Bootstrap standard errors of slope and intercept; delta-method ones for the doubling
        times (NaN when ``A <= 0``).
    all_points_ : dict
        OLS on all models beside the frontier fit: ``slope_per_day``, ``intercept``,
        ``doubling_time_days``, ``doubling_time_months``, ``r2``, ``n_models``,
        ``slope_ci``, ``doubling_time_months_ci`` (same bootstrap resamples).
    slope_draws_, intercept_draws_ : numpy.ndarray
        The bootstrap estimates (NaN where a resample had no defined fit).
    n_bootstrap_failed_ : int
        Resamples without a defined fit (e.g. an envelope of one model); they are left out
        of the intervals.
    date_range_ : tuple of pandas.Timestamp
        First and last release date used.

    Notes
    -----
    The bootstrap is a case (pairs) bootstrap over models: resample ``n`` models with
    replacement, recompute that resample's frontier (a model drawn twice counts once on the
    envelope) and refit; intervals are percentile intervals. For ``running_max`` and
    ``all`` it is vectorised over resamples (running maximum along rows, weighted
    closed-form OLS per row); for ``quantile`` each resample is one weighted LP.

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
    std_error_: dict[str, float]
    all_points_: dict[str, Any]
    slope_draws_: NDArray[np.float64]
    intercept_draws_: NDArray[np.float64]
    _seed: int
    n_bootstrap_failed_: int
    date_range_: tuple[pd.Timestamp, pd.Timestamp]

    def __init__(
        self,
        frontier: Frontier = "running_max",
        quantile: float = 0.9,
        start: str | _dt.date | None = None,
        end: str | _dt.date | None = None,
        origin: str | _dt.date = LLAMA1_DATE,
        n_bootstrap: int = 1000,
        ci: float = 0.95,
        random_state: int | None = 0,
    ) -> None:
        self.frontier = frontier
        self.quantile = quantile
        self.start = start
        self.end = end
        self.origin = origin
        self.n_bootstrap = n_bootstrap
        self.ci = ci
        self.random_state = random_state

    # -- plumbing --------------------------------------------------------------------

    def __getattr__(self, name: str) -> NoReturn:
        # Python retries a property that raised AttributeError (NotFittedError is one)
        # through __getattr__, so "summary" must be caught here too.
        if name in _FITTED_ATTRS or (name == "summary" and "slope_per_day_" not in self.__dict__):
            raise NotFittedError(self, "fit")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _check_fitted(self) -> None:
        if "slope_per_day_" not in self.__dict__:
            raise NotFittedError(self, "fit")

    def _settings(self) -> tuple[np.datetime64, np.datetime64 | None, np.datetime64 | None]:
        if self.frontier not in _FRONTIERS:
            raise InputError(
                f"frontier={self.frontier!r} is not one of {', '.join(map(repr, _FRONTIERS))}"
            )
        _check_quantile(float(self.quantile))
        if not 0.0 < float(self.ci) < 1.0:
            raise InputError(f"ci={self.ci!r} must lie strictly between 0 and 1 (e.g. 0.95)")
        if int(self.n_bootstrap) != self.n_bootstrap or self.n_bootstrap < 0:
            raise InputError(f"n_bootstrap={self.n_bootstrap!r} must be an integer >= 0")
        origin = _parse_one(self.origin, "origin")
        start = None if self.start is None else _parse_one(self.start, "start")
        end = None if self.end is None else _parse_one(self.end, "end")
        if start is not None and end is not None and start > end:
            raise InputError(f"start={_iso(start)} is after end={_iso(end)}")
        return origin, start, end

    def _indices(self, n: int) -> NDArray[np.intp]:
        """The bootstrap resamples: one row of model positions per resample, sorted."""
        rng = np.random.default_rng(self._seed)
        idx = rng.integers(0, n, size=(int(self.n_bootstrap), n))
        idx.sort(axis=1)  # data are sorted by (date, -density), so rows stay sorted
        return idx.astype(np.intp, copy=False)

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
        origin, start, end = self._settings()
        data = _prepare(
            df,
            date_col=date_col,
            density_col=density_col,
            model_col=model_col,
            status_col=status_col,
            origin=origin,
            start=start,
            end=end,
            density_draws=density_draws,
        )
        # fix the seed so compare_periods() can replay the same resamples
        seed = self.random_state
        self._seed = int(np.random.SeedSequence().entropy) if seed is None else seed  # type: ignore[arg-type]
        n_boot = int(self.n_bootstrap)
        if data.logd is not None and data.logd.shape[0] != n_boot:
            # pair each model resample with a random draw of the reference frame
            rows = np.random.default_rng([self._seed, 1]).integers(0, data.logd.shape[0], n_boot)
            data.logd = np.ascontiguousarray(data.logd[rows])
        q = float(self.quantile)
        fitter = _Fitter(self.frontier, q, data.t, data.x, data.logd)
        n = data.t.size

        slope, intercept, r2, on_frontier = self._point_fit(data, q)
        all_slope, all_icpt, all_r2 = (
            float(v[0]) for v in _wols(data.t[None, :], data.x[None, :], np.ones((1, n)))
        )

        idx = self._indices(n)
        slopes, intercepts = fitter.rows(idx)
        all_slopes, _ = fitter.rows(idx, method="all")
        failed = int((~np.isfinite(slopes)).sum())
        if self.n_bootstrap and failed > 0.05 * self.n_bootstrap:
            warnings.warn(
                f"{failed} of {self.n_bootstrap} bootstrap resamples had no defined "
                f"{self.frontier} fit (too few distinct frontier dates); they are left out of "
                "the intervals, which are therefore too narrow",
                FitQualityWarning,
                stacklevel=2,
            )

        level = float(self.ci)
        slope_ci = _percentile_ci(slopes, level)
        dt_ci = _doubling_ci(slope_ci)
        slope_se = _std(slopes)
        dt = _doubling(slope)

        if slope <= 0:
            warnings.warn(
                f"fitted slope {slope:.3g}/day is <= 0: density does not grow over these "
                "dates, the doubling time is reported as inf",
                FitQualityWarning,
                stacklevel=2,
            )

        self.slope_per_day_ = slope
        self.intercept_ = intercept
        self.doubling_time_days_ = dt
        self.doubling_time_months_ = dt / DAYS_PER_MONTH
        self.r2_ = r2
        self.ci_ = {
            "slope_per_day": slope_ci,
            "intercept": _percentile_ci(intercepts, level),
            "doubling_time_days": dt_ci,
            "doubling_time_months": (dt_ci[0] / DAYS_PER_MONTH, dt_ci[1] / DAYS_PER_MONTH),
        }
        dt_se = _doubling_se(slope, slope_se)
        self.std_error_ = {
            "slope_per_day": slope_se,
            "intercept": _std(intercepts),
            "doubling_time_days": dt_se,
            "doubling_time_months": dt_se / DAYS_PER_MONTH,
        }
        all_ci = _percentile_ci(all_slopes, level)
        all_dt = _doubling(all_slope)
        all_dt_ci = _doubling_ci(all_ci)
        self.all_points_ = {
            "slope_per_day": all_slope,
            "intercept": all_icpt,
            "doubling_time_days": all_dt,
            "doubling_time_months": all_dt / DAYS_PER_MONTH,
            "r2": all_r2,
            "n_models": n,
            "slope_ci": all_ci,
            "doubling_time_months_ci": (
                all_dt_ci[0] / DAYS_PER_MONTH,
                all_dt_ci[1] / DAYS_PER_MONTH,
            ),
        }
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

    def _point_fit(self, data: _Data, q: float) -> tuple[float, float, float, NDArray[np.bool_]]:
        """Point estimate on the validated data: slope, intercept, r2, frontier mask."""
        t, x = data.t, data.x
        n = t.size
        if self.frontier == "running_max":
            mask = _envelope(t[None, :], x[None, :])[0]
            if mask.sum() < 2 or np.ptp(t[mask]) == 0:
                first = data.models[mask][0]
                raise InputError(
                    f"the running-max envelope has a single model ({first!r}): no later model "
                    "is denser, so no slope can be fitted; use frontier='quantile' or 'all'"
                )
            slope, icpt, r2 = (
                float(v[0]) for v in _wols(t[None, :], x[None, :], mask[None, :].astype(float))
            )
            if mask.sum() < 3:
                warnings.warn(
                    f"the running-max envelope has only {int(mask.sum())} models: the slope "
                    "goes through them exactly and R² is meaningless; compare with "
                    "frontier='quantile' and the all-points fit",
                    FitQualityWarning,
                    stacklevel=3,
                )
            return slope, icpt, r2, mask
        if self.frontier == "all":
            slope, icpt, r2 = (float(v[0]) for v in _wols(t[None, :], x[None, :], np.ones((1, n))))
            return slope, icpt, r2, np.ones(n, dtype=bool)
        if np.ptp(t) == 0:
            raise InputError("all models share one release date: no trend can be fitted")
        slope, icpt = _quantile_line(t, x, np.ones(n), q)
        if not math.isfinite(slope):
            raise ConvergenceError("the quantile-regression LP did not solve")
        fitted = icpt + slope * t
        v_fit = _check_pinball(x, fitted, q)
        v_const = _check_pinball(x, np.full(n, np.quantile(x, q, method="inverted_cdf")), q)
        r1 = 1.0 - v_fit / v_const if v_const > 0 else math.nan
        resid = x - fitted
        mask = resid >= -1e-9 * max(1.0, float(np.abs(x).max()))
        return slope, icpt, r1, mask

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

    def compare_periods(self, split: str | _dt.date = "2022-11-30") -> dict[str, Any]:
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
        dict
            ``split``, ``frontier``, ``before`` and ``after`` (each: ``period`` [first,
            last] ISO dates, ``n_models``, ``n_frontier``, ``slope_per_day``, ``slope_ci``,
            ``doubling_time_months``, ``doubling_time_months_ci``, ``r2``, ``frontier``
            member names), ``ratio`` (``estimate`` = after / before slope, ``ci``) and
            ``prob_faster_after`` (share of resamples with a steeper second period).

        Raises
        ------
        densing.InputError
            When a period has fewer than 3 models or its frontier cannot be fitted.
        """
        self._check_fitted()
        day = _parse_one(split, "split")
        data = self._data
        q = float(self.quantile)
        level = float(self.ci)
        fitter = _Fitter(self.frontier, q, data.t, data.x, data.logd)
        idx = self._indices(data.t.size)
        out: dict[str, Any] = {"split": _iso(day), "frontier": self.frontier}
        slopes: dict[str, NDArray[np.float64]] = {}
        points: dict[str, float] = {}
        for name, member in (("before", data.dates < day), ("after", data.dates >= day)):
            count = int(member.sum())
            if count < 3:
                raise InputError(
                    f"the period {name} {_iso(day)} has {count} model(s) "
                    f"({self.n_models_} in all): each period needs at least 3; move split"
                )
            sub = _Data(
                models=data.models[member],
                dates=data.dates[member],
                t=data.t[member],
                x=data.x[member],
                logd=None,
                censored={},
                n_outside_window=0,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FitQualityWarning)
                slope, _, r2, mask = self._point_fit(sub, q)
            draws, _ = fitter.rows(idx, member=member, desc=f"bootstrap {name}")
            s_ci = _percentile_ci(draws, level)
            d_ci = _doubling_ci(s_ci)
            slopes[name] = draws
            points[name] = slope
            out[name] = {
                "period": [_iso(sub.dates[0]), _iso(sub.dates[-1])],
                "n_models": count,
                "n_frontier": int(mask.sum()),
                "slope_per_day": slope,
                "slope_ci": [s_ci[0], s_ci[1]],
                "doubling_time_months": _doubling(slope) / DAYS_PER_MONTH,
                "doubling_time_months_ci": [d_ci[0] / DAYS_PER_MONTH, d_ci[1] / DAYS_PER_MONTH],
                "r2": r2,
                "frontier": sub.models[mask].astype(str).tolist(),
            }
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio_draws = slopes["after"] / slopes["before"]
            estimate = points["after"] / points["before"] if points["before"] != 0 else math.nan
        r_ci = _percentile_ci(ratio_draws, level)
        both = np.isfinite(slopes["after"]) & np.isfinite(slopes["before"])
        faster = (
            float(np.mean(slopes["after"][both] > slopes["before"][both]))
            if both.any()
            else math.nan
        )
        out["ratio"] = {"estimate": float(estimate), "ci": [r_ci[0], r_ci[1]]}
        out["prob_faster_after"] = faster
        return out

    # -- presentation ----------------------------------------------------------------

    @property
    def summary(self) -> pd.DataFrame:
        """One row per parameter: ``estimate``, ``std_error``, ``ci_low``, ``ci_high``.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``slope_per_day``, ``intercept``, ``doubling_time_days`` and
            ``doubling_time_months``.
        """
        self._check_fitted()
        estimates = {
            "slope_per_day": self.slope_per_day_,
            "intercept": self.intercept_,
            "doubling_time_days": self.doubling_time_days_,
            "doubling_time_months": self.doubling_time_months_,
        }
        frame = pd.DataFrame(
            {
                "estimate": [estimates[p] for p in _PARAMS],
                "std_error": [self.std_error_[p] for p in _PARAMS],
                "ci_low": [self.ci_[p][0] for p in _PARAMS],
                "ci_high": [self.ci_[p][1] for p in _PARAMS],
            },
            index=pd.Index(list(_PARAMS), name="parameter"),
        )
        return frame

    def print_summary(self, decimals: int = 4, max_members: int = 40) -> None:
        """Print the fit: header (counts, R², doubling time with CI), table, footer.

        Parameters
        ----------
        decimals
            Significant digits in the table.
        max_members
            At most this many frontier members are listed in the footer.
        """
        self._check_fitted()
        pct = f"{100 * float(self.ci):g}%"
        lo, hi = self.ci_["doubling_time_days"]
        method = str(self.frontier)
        if self.frontier == "quantile":
            method += f" (q = {self.quantile:g})"
        censored = ", ".join(f"{k} {v}" for k, v in self.censored_.items()) or "none"
        r2_name = "pseudo-R¹" if self.frontier == "quantile" else "R²"
        lines = [
            "<densing.trend.DensingTrend>",
            f"{'frontier':<18}{method}",
            f"{'models used':<18}{self.n_models_}",
            f"{'censored':<18}{self.n_censored_} ({censored})",
            f"{'outside window':<18}{self.n_outside_window_}",
            f"{'dates':<18}{_iso(self.date_range_[0])} .. {_iso(self.date_range_[1])}"
            f"   (t = days since {_iso(self._origin)})",
            f"{'frontier models':<18}{self.n_frontier_}",
            f"{r2_name:<18}{self.r2_:.3f}",
            f"{'doubling time':<18}{_fmt_months(self.doubling_time_days_)} months "
            f"({pct} CI {_fmt_months(lo)} .. {_fmt_months(hi)}), "
            f"{self.doubling_time_days_:.4g} days",
            f"{'bootstrap':<18}{self.n_bootstrap} resamples over models "
            f"(seed {self.random_state}), {self.n_bootstrap_failed_} without a fit",
            "---",
        ]
        with pd.option_context("display.width", 200, "display.max_columns", 10):
            lines.append(self.summary.to_string(float_format=lambda v: f"{v:.{decimals}g}"))
        lines.append("---")
        what = {
            "running_max": "running-maximum envelope",
            "quantile": f"on or above the q = {self.quantile:g} line",
            "all": "all models",
        }[str(self.frontier)]
        lines.append(f"Frontier members ({what}):")
        members = self.frontier_.assign(release_date=self.frontier_["release_date"].dt.date)
        members = members[["model", "release_date", "density"]]
        shown = members.head(max_members)
        with pd.option_context("display.max_rows", 500, "display.width", 200):
            lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        if len(members) > len(shown):
            lines.append(f"... and {len(members) - len(shown)} more (see frontier_)")
        ap = self.all_points_
        a_lo, a_hi = ap["doubling_time_months_ci"]
        lines.append(
            f"All-points OLS ({ap['n_models']} models): slope {ap['slope_per_day']:.4g}/day, "
            f"doubling {_fmt_months(ap['doubling_time_days'])} months "
            f"({pct} CI {a_lo:.3g} .. {a_hi:.3g}), R² {ap['r2']:.3f}"
        )
        print("\n".join(lines))

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
        ap = self.all_points_
        return {
            "frontier": str(self.frontier),
            "quantile": float(self.quantile) if self.frontier == "quantile" else None,
            "origin": _iso(self._origin),
            "window": [
                None if self.start is None else _iso(_parse_one(self.start, "start")),
                None if self.end is None else _iso(_parse_one(self.end, "end")),
            ],
            "date_range": [_iso(self.date_range_[0]), _iso(self.date_range_[1])],
            "n_models": int(self.n_models_),
            "n_frontier": int(self.n_frontier_),
            "n_censored": int(self.n_censored_),
            "censored": {k: int(v) for k, v in self.censored_.items()},
            "n_outside_window": int(self.n_outside_window_),
            "slope_per_day": float(self.slope_per_day_),
            "intercept": float(self.intercept_),
            "doubling_time_days": float(self.doubling_time_days_),
            "doubling_time_months": float(self.doubling_time_months_),
            "r2": float(self.r2_),
            "ci_level": float(self.ci),
            "ci": {k: [float(v[0]), float(v[1])] for k, v in self.ci_.items()},
            "std_error": {k: float(v) for k, v in self.std_error_.items()},
            "n_bootstrap": int(self.n_bootstrap),
            "n_bootstrap_failed": int(self.n_bootstrap_failed_),
            "random_state": self.random_state,
            "frontier_models": [
                {"model": str(m), "release_date": _iso(pd.Timestamp(d)), "density": float(r)}
                for m, d, r in zip(
                    self.frontier_["model"].tolist(),
                    self.frontier_["release_date"].to_numpy(),
                    self.frontier_["density"].to_numpy(dtype=float),
                    strict=True,
                )
            ],
            "all_points": {
                "slope_per_day": float(ap["slope_per_day"]),
                "intercept": float(ap["intercept"]),
                "doubling_time_days": float(ap["doubling_time_days"]),
                "doubling_time_months": float(ap["doubling_time_months"]),
                "r2": float(ap["r2"]),
                "n_models": int(ap["n_models"]),
                "slope_ci": [float(v) for v in ap["slope_ci"]],
                "doubling_time_months_ci": [float(v) for v in ap["doubling_time_months_ci"]],
            },
        }

    def __repr__(self) -> str:
        if "slope_per_day_" not in self.__dict__:
            return f"<{type(self).__name__}: unfitted>"
        return (
            f"<{type(self).__name__}: {self.n_models_} models, "
            f"doubling {_fmt_months(self.doubling_time_days_, '.1f')} mo>"
        )


__all__ = ["DAYS_PER_MONTH", "LLAMA1_DATE", "DensingTrend"]
