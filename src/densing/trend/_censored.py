"""Models censored at the top kept as lower bounds on density (docs/method.md#trap-censored-top).

A target that scores above what the reference frame can express (status ``above_ceiling``
or ``above_frame_range``) has no finite density, but its density is *at least* the frame's
bound: ``N_hat`` at the highest invertible score divided by its parameter count. Dropping
such models biases every frontier down exactly where the frontier is. The three frontiers
keep them as right-censored observations of ``ln rho``:

``running_max``
    The running maximum runs over observed densities *and* bounds, so the envelope never
    falls below a censored model's bound; a bound that tops the envelope enters the fit at
    its bound value (a floor: the envelope stays conservative).
``all``
    A Tobit-type maximum likelihood: ``ln rho = A t + B + e`` with ``e ~ N(0, s^2)``;
    an observed model contributes the normal density, a bound ``c`` the probability
    ``P(ln rho >= c)``. Maximised with BFGS and the analytic gradient from the OLS start.
``quantile``
    Powell's (1986) censored quantile regression, solved with Buchinsky's (1994) iterated
    linear programs: a bound above the fitted line is consistent with any true value above
    it and drops out; the quantile line is refitted on the rest until the set is stable.
    When an observed model carries its own censoring point (``bound`` given for an ``ok``
    row: the highest density the frame can express for it), Powell's rule applies to it
    too; without one it always stays in.

The functions take arrays: ``t`` (days), ``y`` (ln density, or the ln bound for censored
points) and ``is_bound``; :func:`densing.density.density_bounds` computes the bounds
from a frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import log_ndtr

from densing._validation import check_release_dates, format_value
from densing.conventions import doubling_months
from densing.exceptions import ConvergenceError, InputError
from densing.trend._data import _Data, _parse_dates
from densing.trend._frontiers import _envelope, _quantile_line, _wols

#: statuses whose density is at least the frame's bound (censored at the top)
TOP_CENSORED = ("above_ceiling", "above_frame_range")
#: the ways a trend treats top-censored models
CENSORED_MODES = ("drop", "bound")

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class CensoredFit:
    """A straight line fitted with some points as lower bounds.

    Attributes
    ----------
    method
        ``running_max``, ``quantile`` or ``all``.
    slope_per_day, intercept
        ``A`` and ``B`` of ``ln rho = A t + B``.
    sigma
        The Tobit fit's residual standard deviation of ``ln rho`` (NaN for the others).
    n_points, n_bounds
        Points in the fit's data, and how many of them are lower bounds.
    on_frontier
        Boolean mask of the points that carry the fit (envelope members; points on or above
        the quantile line; every point for ``all``).
    n_bounds_on_frontier
        Bounds among those points.
    converged
        Whether the optimiser (``all``) or the iteration (``quantile``) converged.
    """

    method: str
    slope_per_day: float
    intercept: float
    sigma: float
    n_points: int
    n_bounds: int
    on_frontier: NDArray[np.bool_]
    n_bounds_on_frontier: int
    converged: bool

    @property
    def doubling_time_months(self) -> float:
        """``ln 2 / A`` in months of 30.44 days (``inf`` when ``A <= 0``)."""
        a = self.slope_per_day
        return doubling_months(a)


def _check_arrays(
    t: Any, y: Any, is_bound: Any, censor_at: Any = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    t_arr = np.asarray(t, dtype=float).ravel()
    y_arr = np.asarray(y, dtype=float).ravel()
    b_arr = np.asarray(is_bound, dtype=bool).ravel()
    if not (t_arr.size == y_arr.size == b_arr.size):
        raise InputError(
            f"t, y and is_bound must have one entry per model; got {t_arr.size}, "
            f"{y_arr.size} and {b_arr.size}"
        )
    if t_arr.size < 3:
        raise InputError(f"a censored fit needs at least 3 models; got {t_arr.size}")
    if not (np.all(np.isfinite(t_arr)) and np.all(np.isfinite(y_arr))):
        raise InputError("t and y (ln density or ln bound) must be finite for every model")
    if np.ptp(t_arr) == 0:
        raise InputError("all models share one release date: no trend can be fitted")
    if censor_at is None:
        c_arr = np.full(t_arr.size, np.inf)
    else:
        c_arr = np.asarray(censor_at, dtype=float).ravel()
        if c_arr.size != t_arr.size:
            raise InputError(
                f"censor_at must have one entry per model; got {c_arr.size} for {t_arr.size}"
            )
        c_arr = np.where(np.isnan(c_arr), np.inf, c_arr)
    c_arr = np.where(b_arr, y_arr, c_arr)
    return t_arr, y_arr, b_arr, c_arr


def censored_envelope(t: Any, y: Any, is_bound: Any) -> CensoredFit:
    """Running-maximum envelope over densities and bounds, fitted by OLS.

    Parameters
    ----------
    t
        Release dates in days.
    y
        ``ln rho`` for observed models, ``ln`` of the bound for censored ones.
    is_bound
        True where ``y`` is a lower bound.

    Returns
    -------
    CensoredFit
        The envelope fit; ``on_frontier`` in the order of the input.

    Raises
    ------
    densing.InputError
        On mismatched or non-finite input, or an envelope of a single date.
    """
    t_arr, y_arr, b_arr, _ = _check_arrays(t, y, is_bound)
    order = np.lexsort((-y_arr, t_arr))
    mask_sorted = _envelope(t_arr[None, order], y_arr[None, order])[0]
    mask = np.empty_like(mask_sorted)
    mask[order] = mask_sorted
    if mask.sum() < 2 or np.ptp(t_arr[mask]) == 0:
        raise InputError(
            "the running-max envelope (bounds included) has a single date: no slope can be "
            "fitted; use the quantile or all-points fit"
        )
    slope, icpt, _ = (
        float(v[0]) for v in _wols(t_arr[None, :], y_arr[None, :], mask[None, :].astype(float))
    )
    return CensoredFit(
        method="running_max", slope_per_day=slope, intercept=icpt, sigma=math.nan,
        n_points=int(t_arr.size), n_bounds=int(b_arr.sum()), on_frontier=mask,
        n_bounds_on_frontier=int((mask & b_arr).sum()), converged=True,
    )


def _tobit_nll(
    theta: NDArray[np.float64],
    ts: NDArray[np.float64],
    y: NDArray[np.float64],
    cens: NDArray[np.bool_],
    w: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64]]:
    """Negative log-likelihood of the right-censored normal line and its gradient.

    ``theta = (b0, b1, ln s)`` on the standardised time ``ts``.
    """
    b0, b1, log_s = theta
    s = math.exp(log_s)
    mu = b0 + b1 * ts
    z = (y - mu) / s
    obs = ~cens
    # observed: log phi(z) - ln s ; bound: log P(Z >= z) = log_ndtr(-z)
    ll_obs = -_LOG_SQRT_2PI - log_s - 0.5 * z * z
    log_sf = log_ndtr(-z)
    ll = np.where(obs, ll_obs, log_sf)
    # d ll / d mu and d ll / d ln s
    with np.errstate(over="ignore", under="ignore"):
        mills = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_sf)  # phi(z) / (1 - Phi(z))
    d_mu = np.where(obs, z / s, mills / s)
    d_ls = np.where(obs, z * z - 1.0, mills * z)
    grad = np.array([
        -(w * d_mu).sum(), -(w * d_mu * ts).sum(), -(w * d_ls).sum(),
    ])
    return float(-(w * ll).sum()), grad


def _tobit_core(
    t: NDArray[np.float64],
    y: NDArray[np.float64],
    cens: NDArray[np.bool_],
    w: NDArray[np.float64] | None = None,
    start: tuple[float, float, float] | None = None,
) -> tuple[float, float, float, bool]:
    """Slope, intercept, sigma of the Tobit line (NaN where undefined) and convergence.

    ``start`` is ``(slope, intercept, sigma)`` to start from (a bootstrap resample starts
    from the full data's fit); the OLS fit otherwise.
    """
    if w is None:
        w = np.ones(t.size)
    used = w > 0
    if used.sum() < 3 or np.ptp(t[used]) == 0 or not (~cens & used).any():
        return math.nan, math.nan, math.nan, False
    centre = float(np.average(t, weights=w))
    scale = float(np.sqrt(np.average((t - centre) ** 2, weights=w)))
    ts = (t - centre) / scale
    if start is not None and all(math.isfinite(v) for v in start) and start[2] > 0:
        s0, i0, sd0 = start[0] * scale, start[1] + start[0] * centre, start[2]
    else:
        s0, i0, _ = (float(v[0]) for v in _wols(ts[None, :], y[None, :], w[None, :]))
        resid = y - (i0 + s0 * ts)
        sd0 = float(np.sqrt(np.average(resid**2, weights=w))) or 1.0
    res = minimize(
        _tobit_nll, np.array([i0, s0, math.log(sd0)]), args=(ts, y, cens, w), jac=True,
        method="BFGS", options={"gtol": 1e-7, "maxiter": 500},
    )
    b0, b1, log_s = (float(v) for v in res.x)
    slope = b1 / scale
    ok = bool(res.success) or float(np.max(np.abs(res.jac))) < 1e-4 * max(1.0, w.sum())
    return slope, b0 - slope * centre, math.exp(log_s), ok


def tobit_line(t: Any, y: Any, is_bound: Any) -> CensoredFit:
    """Tobit (right-censored normal) maximum-likelihood line of ``ln rho`` on ``t``.

    Parameters
    ----------
    t
        Release dates in days.
    y
        ``ln rho`` for observed models, ``ln`` of the bound for censored ones.
    is_bound
        True where ``y`` is a lower bound (right-censored).

    Returns
    -------
    CensoredFit
        Slope, intercept and the residual ``sigma``; every point is on the "frontier".

    Raises
    ------
    densing.InputError
        On mismatched or non-finite input, or no observed model.
    densing.ConvergenceError
        When the optimiser does not converge.
    """
    t_arr, y_arr, b_arr, _ = _check_arrays(t, y, is_bound)
    if b_arr.all():
        raise InputError("every model is a bound: the Tobit fit needs observed densities")
    slope, icpt, sigma, ok = _tobit_core(t_arr, y_arr, b_arr)
    if not ok or not math.isfinite(slope):
        raise ConvergenceError("the censored (Tobit) likelihood did not converge")
    return CensoredFit(
        method="all", slope_per_day=slope, intercept=icpt, sigma=sigma,
        n_points=int(t_arr.size), n_bounds=int(b_arr.sum()),
        on_frontier=np.ones(t_arr.size, dtype=bool), n_bounds_on_frontier=int(b_arr.sum()),
        converged=ok,
    )


def _check_loss(r: NDArray[np.float64], q: float) -> NDArray[np.float64]:
    return np.where(r >= 0, q * r, (q - 1.0) * r)


def _powell_core(
    t: NDArray[np.float64],
    y: NDArray[np.float64],
    c: NDArray[np.float64],
    q: float,
    w: NDArray[np.float64] | None = None,
    max_iter: int = 50,
) -> tuple[float, float, bool]:
    """Buchinsky's iterated LPs for Powell's right-censored quantile line."""
    if w is None:
        w = np.ones(t.size)

    def objective(slope: float, icpt: float) -> float:
        m = icpt + slope * t
        return float((w * _check_loss(y - np.minimum(m, c), q)).sum())

    keep = w > 0
    slope, icpt = _quantile_line(t[keep], y[keep], w[keep], q)
    if not math.isfinite(slope):
        return math.nan, math.nan, False
    best = (objective(slope, icpt), slope, icpt)
    seen: set[bytes] = set()
    for _ in range(max_iter):
        new_keep = (w > 0) & (icpt + slope * t < c)
        key = new_keep.tobytes()
        if key in seen:
            return best[1], best[2], bool(np.array_equal(new_keep, keep))
        seen.add(key)
        keep = new_keep
        if keep.sum() < 2 or np.ptp(t[keep]) == 0:
            break
        slope, icpt = _quantile_line(t[keep], y[keep], w[keep], q)
        if not math.isfinite(slope):
            break
        value = objective(slope, icpt)
        if value < best[0] - 1e-12:
            best = (value, slope, icpt)
    return best[1], best[2], False


def censored_quantile_line(
    t: Any, y: Any, is_bound: Any, q: float = 0.9, censor_at: Any = None
) -> CensoredFit:
    """Powell's censored quantile regression line of ``ln rho`` on ``t``.

    Minimises ``sum rho_q(y_i - min(A t_i + B, c_i))`` with ``c_i`` the bound of a
    censored point (``y_i = c_i``) and, for an observed point, its own censoring point
    (``censor_at``; ``inf`` when not given). Solved by Buchinsky's iterated linear
    programs from the uncensored-rule start; the best Powell objective seen is returned.

    Parameters
    ----------
    t
        Release dates in days.
    y
        ``ln rho`` for observed models, ``ln`` of the bound for censored ones.
    is_bound
        True where ``y`` is a lower bound.
    q
        The quantile, in (0, 1).
    censor_at
        Optional ``ln`` of the highest density the frame expresses for each model (NaN or
        ``inf`` where unknown); ignored for bounds (their ``y`` is their censoring point).

    Returns
    -------
    CensoredFit
        The quantile line; ``on_frontier`` marks the points on or above it.

    Raises
    ------
    densing.InputError
        On mismatched or non-finite input, or ``q`` outside (0, 1).
    densing.ConvergenceError
        When no linear program solves.
    """
    if not (isinstance(q, (int, float)) and 0.0 < float(q) < 1.0):
        raise InputError(f"q={q!r} must be strictly between 0 and 1, e.g. 0.9")
    t_arr, y_arr, b_arr, c_arr = _check_arrays(t, y, is_bound, censor_at)
    slope, icpt, ok = _powell_core(t_arr, y_arr, c_arr, float(q))
    if not math.isfinite(slope):
        raise ConvergenceError("the censored quantile regression's linear programs did not solve")
    fitted = icpt + slope * t_arr
    mask = y_arr - fitted >= -1e-9 * max(1.0, float(np.abs(y_arr).max()))
    return CensoredFit(
        method="quantile", slope_per_day=slope, intercept=icpt, sigma=math.nan,
        n_points=int(t_arr.size), n_bounds=int(b_arr.sum()), on_frontier=mask,
        n_bounds_on_frontier=int((mask & b_arr).sum()), converged=ok,
    )


def censored_fit(
    frontier: str, t: Any, y: Any, is_bound: Any, q: float = 0.9, censor_at: Any = None
) -> CensoredFit:
    """Dispatch to the censored estimator of one frontier.

    Parameters
    ----------
    frontier
        ``running_max``, ``quantile`` or ``all``.
    t, y, is_bound
        Dates in days, ``ln rho`` or ``ln`` bound, and the bound flags.
    q
        The quantile of the ``quantile`` frontier.
    censor_at
        Censoring points of observed models (``quantile`` only).

    Returns
    -------
    CensoredFit
        The fit.
    """
    if frontier == "running_max":
        return censored_envelope(t, y, is_bound)
    if frontier == "all":
        return tobit_line(t, y, is_bound)
    if frontier == "quantile":
        return censored_quantile_line(t, y, is_bound, q=q, censor_at=censor_at)
    raise InputError(
        f"frontier={frontier!r} is not one of 'running_max', 'quantile', 'all'"
    )


def _bootstrap_censored(
    frontier: str,
    t: NDArray[np.float64],
    y: NDArray[np.float64],
    cens: NDArray[np.bool_],
    c: NDArray[np.float64],
    idx: NDArray[np.intp],
    q: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Slopes and intercepts of the censored estimator on case resamples ``idx``.

    Data must be sorted by ``(t, -y)`` and rows of ``idx`` ascending (as in the trend).
    """
    n_rows, n = idx.shape
    if frontier == "running_max":
        tt = t[idx]
        yy = y[idx]
        w = _envelope(tt, yy).astype(float)
        slopes, icpts, _ = _wols(tt, yy, w)
        return slopes, icpts
    slopes = np.full(n_rows, np.nan)
    icpts = np.full(n_rows, np.nan)
    full: tuple[float, float, float] | None = None
    if frontier == "all" and n_rows:
        a, b0, sd, _ = _tobit_core(t, y, cens)
        full = (a, b0, sd)
    for b in range(n_rows):
        counts = np.bincount(idx[b], minlength=n).astype(float)
        if frontier == "all":
            slopes[b], icpts[b], _, _ = _tobit_core(t, y, cens, counts, start=full)
        else:
            used = counts > 0
            slopes[b], icpts[b], _ = _powell_core(t[used], y[used], c[used], q, counts[used])
    return slopes, icpts


__all__ = [
    "CENSORED_MODES",
    "TOP_CENSORED",
    "CensoredFit",
    "censored_envelope",
    "censored_fit",
    "censored_quantile_line",
    "tobit_line",
]


def _with_bounds(
    df: pd.DataFrame,
    data: _Data,
    *,
    date_col: str,
    model_col: str,
    status_col: str,
    bound_col: str,
    origin: np.datetime64,
    start: np.datetime64 | None,
    end: np.datetime64 | None,
) -> tuple[_Data, NDArray[np.bool_], NDArray[np.float64]]:
    """Add the top-censored rows that carry a bound to the trend's data.

    Returns the combined data (sorted by date, then value descending), the bound flags
    and the ln censoring point of every row (``inf`` where unknown).
    """
    if bound_col not in df.columns:
        raise InputError(
            f"censored='bound' needs a {bound_col!r} column (the lower bound on density of "
            "models censored at the top, e.g. from densing.density.density_bounds)"
        )
    if status_col not in df.columns:
        raise InputError(f"censored='bound' needs a {status_col!r} column to find the bounds")
    status = df[status_col].astype(str).str.strip().str.lower().to_numpy()
    bound = pd.to_numeric(df[bound_col], errors="coerce").to_numpy(dtype=float)
    models = df[model_col].astype(str).to_numpy(dtype=object)
    top = np.isin(status, TOP_CENSORED)
    bad = top & ~(np.isfinite(bound) & (bound > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{bound_col}={format_value(df[bound_col].iloc[i])} of censored model "
            f"{models[i]!r} must be a finite density > 0"
        )
    dates = _parse_dates(df[date_col], models.tolist(), what=date_col, strict=False)
    use = top & ~np.isnat(dates)
    if start is not None:
        use &= dates >= start
    if end is not None:
        use &= dates <= end
    if use.any():
        check_release_dates(dates[use], date_col, labels=models[use].tolist())
    t_b = (dates[use] - origin).astype("timedelta64[D]").astype(float)
    y_b = np.log(bound[use])
    by_name = dict(zip(models.tolist(), bound.tolist(), strict=True))
    c_ok = np.array([by_name.get(str(m), math.nan) for m in data.models], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        c_ok = np.where(np.isfinite(c_ok) & (c_ok > 0), np.log(c_ok), np.inf)
    all_models = np.concatenate([data.models, models[use]])
    all_dates = np.concatenate([data.dates, dates[use]])
    t = np.concatenate([data.t, t_b])
    y = np.concatenate([data.x, y_b])
    is_bound = np.concatenate([np.zeros(data.t.size, bool), np.ones(t_b.size, bool)])
    c = np.concatenate([c_ok, y_b])
    order = np.lexsort((-y, t))
    combined = _Data(
        models=all_models[order], dates=all_dates[order], t=t[order], x=y[order], logd=None,
        censored=data.censored, n_outside_window=data.n_outside_window,
    )
    return combined, is_bound[order], c[order]
