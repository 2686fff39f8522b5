"""Numerical kernels of the trend: the running-maximum envelope, weighted OLS per row and
exact linear quantile regression (rows are bootstrap resamples)."""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from densing.exceptions import ConvergenceError, FitQualityWarning, InputError
from densing.trend._data import _Data, _iso


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


def _point_fit(
    frontier: str, data: _Data, q: float
) -> tuple[float, float, float, NDArray[np.bool_]]:
    """Point estimate of one frontier method: slope, intercept, r2 and the frontier mask."""
    t, x = data.t, data.x
    n = t.size
    if frontier == "running_max":
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
    if frontier == "all":
        if np.ptp(t) == 0:
            raise InputError(
                f"all {n} models share one release date, {_iso(data.dates[0])}: no trend "
                "can be fitted; give models released on at least two dates"
            )
        slope, icpt, r2 = (float(v[0]) for v in _wols(t[None, :], x[None, :], np.ones((1, n))))
        return slope, icpt, r2, np.ones(n, dtype=bool)
    if np.ptp(t) == 0:
        raise InputError(
            f"all {n} models share one release date, {_iso(data.dates[0])}: no trend can be "
            "fitted; give models released on at least two dates"
        )
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


__all__: list[str] = []
