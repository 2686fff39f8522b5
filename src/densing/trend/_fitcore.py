"""The point fit and the bootstrap of a frontier, with censored models dropped or as bounds."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from densing.trend._bootstrap import Resamples, _Fitter, iter_blocks
from densing.trend._censored import (
    CensoredFit,
    _bootstrap_censored,
    _tobit_core,
    censored_fit,
)
from densing.trend._data import _Data
from densing.trend._frontiers import _point_fit, _wols

__all__ = ["LineFits", "fit_lines"]


@dataclass
class LineFits:
    """The frontier's and the all-points line's estimates and bootstrap draws."""

    slope: float
    intercept: float
    r2: float
    on_frontier: NDArray[np.bool_]
    slopes: NDArray[np.float64]
    intercepts: NDArray[np.float64]
    all_slope: float
    all_intercept: float
    all_r2: float
    all_slopes: NDArray[np.float64]
    censored: CensoredFit | None


def _censored_rows(frontier: str, data: _Data, bounds: NDArray[np.bool_],
                   censor_at: NDArray[np.float64], idx: NDArray[np.intp] | Resamples, q: float
                   ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`_bootstrap_censored` over the blocks of ``idx`` (bounded memory)."""
    slopes, icpts = np.empty(idx.shape[0]), np.empty(idx.shape[0])
    for lo, hi, block in iter_blocks(idx):
        slopes[lo:hi], icpts[lo:hi] = _bootstrap_censored(frontier, data.t, data.x, bounds,
                                                          censor_at, block, q)
    return slopes, icpts


def fit_lines(
    frontier: str, data: _Data, q: float, fitter: _Fitter, idx: NDArray[np.intp] | Resamples,
    bounds: NDArray[np.bool_] | None, censor_at: NDArray[np.float64] | None,
) -> LineFits:
    """Fit the frontier and the all-points line and bootstrap both over the rows ``idx``.

    Parameters
    ----------
    frontier
        ``running_max``, ``quantile`` or ``all``.
    data
        The prepared models (ln densities ``x`` over days ``t``).
    q
        Quantile of the quantile frontier.
    fitter
        The vectorised bootstrap fitter over ``data``.
    idx
        Bootstrap resamples of the models, shape ``(B, n)`` (a matrix or :class:`Resamples`).
    bounds, censor_at
        Which models are lower bounds and their bound (``None``: censored models dropped).

    Returns
    -------
    LineFits
        Estimates and draws.
    """
    n = data.t.size
    cfit: CensoredFit | None = None
    if bounds is None or censor_at is None:
        slope, intercept, r2, on_frontier = _point_fit(frontier, data, q)
        all_slope, all_icpt, all_r2 = (
            float(v[0]) for v in _wols(data.t[None, :], data.x[None, :], np.ones((1, n)))
        )
        slopes, intercepts = fitter.rows(idx)
        all_slopes, _ = fitter.rows(idx, method="all")
    else:
        cfit = censored_fit(frontier, data.t, data.x, bounds, q, censor_at)
        slope, intercept = cfit.slope_per_day, cfit.intercept
        on_frontier = cfit.on_frontier
        r2 = math.nan
        if frontier == "running_max":  # OLS R² on the members, bounds at their value
            r2 = float(_wols(data.t[None, :], data.x[None, :],
                             on_frontier[None, :].astype(float))[2][0])
        all_slope, all_icpt, _, _ = _tobit_core(data.t, data.x, bounds)
        all_r2 = math.nan
        slopes, intercepts = _censored_rows(frontier, data, bounds, censor_at, idx, q)
        all_slopes = slopes if frontier == "all" else _censored_rows(
            "all", data, bounds, censor_at, idx, q)[0]
    return LineFits(
        slope=float(slope), intercept=float(intercept), r2=float(r2), on_frontier=on_frontier,
        slopes=slopes, intercepts=intercepts, all_slope=float(all_slope),
        all_intercept=float(all_icpt), all_r2=float(all_r2), all_slopes=all_slopes,
        censored=cfit,
    )
