"""The case bootstrap over models: refit one frontier method to many resamples at once."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from densing._progress import progress
from densing.trend._frontiers import _envelope, _quantile_line, _wols

_CHUNK = 2048  # bootstrap rows processed at once (bounds memory for large n_bootstrap)


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


__all__: list[str] = []
