"""The case bootstrap over models: refit one frontier method to many resamples at once."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
from numpy.typing import NDArray

from densing._progress import progress
from densing.exceptions import FitQualityWarning, InputError
from densing.trend._frontiers import _envelope, _quantile_line, _wols

_CHUNK = 2048  # bootstrap rows processed at once (bounds memory for large n_bootstrap)


#: bytes per resample and model held at once by the fit (resample indices, their sorted copy,
#: dates, densities and weights of a chunk, draws)
_BYTES_PER_CELL = 8
#: seconds per resample of one quantile LP (about 1-2 ms at 150 models)
_QUANTILE_SECONDS = 2e-3


def _memory_bytes() -> int:
    """Physical memory of this machine in bytes (0 when unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


def check_bootstrap_cost(n_bootstrap: int, n_models: int, frontier: str,
                         draws: bool = False) -> None:
    """Refuse a bootstrap whose resample matrix would not fit in this machine's memory.

    The trend keeps one row of model positions per resample (``n_bootstrap x n_models``
    integers) plus one slope and intercept per resample; the fits themselves run in chunks.
    A count needing more than half the physical memory is refused with the estimate; a
    quantile bootstrap expected to take over 10 minutes warns.

    Parameters
    ----------
    n_bootstrap, n_models
        Resamples and models.
    frontier
        The frontier rule (the quantile line solves one LP per resample).
    draws
        Whether density draws are paired with the resamples (one more row per resample).

    Raises
    ------
    densing.InputError
        When the estimate exceeds half the machine's memory.
    """
    cells = float(n_bootstrap) * (n_models * (2 if draws else 1) + 4)
    need = cells * _BYTES_PER_CELL
    have = _memory_bytes()
    if have and need > 0.5 * have:
        raise InputError(
            f"n_bootstrap={n_bootstrap} needs about {_gib(need)} of memory for {n_models} "
            f"models; this machine has {_gib(have)}: use at most "
            f"{int(0.5 * have / (need / max(n_bootstrap, 1))):,} resamples"
        )
    if frontier == "quantile" and n_bootstrap * _QUANTILE_SECONDS > 600:
        warnings.warn(
            f"n_bootstrap={n_bootstrap} quantile fits take about "
            f"{n_bootstrap * _QUANTILE_SECONDS / 60:,.0f} minutes (one LP each)",
            FitQualityWarning, stacklevel=3,
        )


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
