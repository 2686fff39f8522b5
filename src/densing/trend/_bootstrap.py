"""The case bootstrap over models: refit one frontier method to many resamples at once."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from densing._progress import progress
from densing.exceptions import FitQualityWarning, InputError
from densing.trend._frontiers import _envelope, _quantile_line, _wols

_CHUNK = 2048  # at most this many bootstrap rows at once
#: at most this many (resample, model) cells at once: with many models a block holds fewer
#: rows, so memory does not grow with the number of resamples (32 MiB per float array)
_CELLS = 2048 * 2048
#: bytes of one block's working arrays per cell (indices, dates, densities, order, weights and
#: the line fit's products)
_BLOCK_BYTES_PER_CELL = 12 * 8
#: bytes kept per resample (slopes and intercepts of the frontier and the all-points line, the
#: calibrated interval's simulated slopes, the percentile copies)
_BYTES_PER_RESAMPLE = 10 * 8
#: seconds per (resample, model) cell of the vectorised fits (frontier, all-points line and
#: calibration: three passes of about 4.5e-7 s each, benchmarks/bootstrap_memory.py on the
#: loaded 2-core VM), rounded down
_CELL_SECONDS = 1e-6
#: seconds per resample of one quantile LP at 150 models (about 1-2 ms), taken as growing
#: linearly with the models
_QUANTILE_SECONDS = 2e-3


def block_rows(n: int, cap: int = _CHUNK) -> int:
    """Rows of ``n`` models each processed at once: at most ``cap``, at most ``_CELLS`` cells.

    Parameters
    ----------
    n
        Models per row.
    cap
        The most rows in a block.

    Returns
    -------
    int
        At least 1.
    """
    return max(1, min(cap, _CELLS // max(n, 1)))


class Resamples:
    """The case bootstrap's resamples, generated block by block from the seed.

    Row ``b`` holds the sorted positions of the ``n`` models drawn with replacement for
    resample ``b``. The rows come from one :func:`numpy.random.default_rng` stream in order, so
    any block size gives the same rows as drawing all ``(n_rows, n)`` at once; a whole matrix
    is never held, and each pass over the blocks replays the same rows.

    Parameters
    ----------
    seed
        Seed of :func:`numpy.random.default_rng`.
    n_rows, n
        Resamples and models.
    """

    def __init__(self, seed: int | None, n_rows: int, n: int) -> None:
        self.seed = seed
        self.shape = (int(n_rows), int(n))

    def blocks(self, rows: int | None = None) -> Iterator[tuple[int, int, NDArray[np.intp]]]:
        """``(lo, hi, rows lo..hi-1)`` in order, ``rows`` at a time (default: :func:`block_rows`).

        Parameters
        ----------
        rows
            Rows per block.

        Yields
        ------
        tuple
            ``(lo, hi, block)``.
        """
        n_rows, n = self.shape
        step = rows or block_rows(n)
        rng = np.random.default_rng(self.seed)
        for lo in range(0, n_rows, step):
            hi = min(lo + step, n_rows)
            block = rng.integers(0, n, size=(hi - lo, n))
            block.sort(axis=1)  # data are sorted by (date, -density), so rows stay sorted
            yield lo, hi, block.astype(np.intp, copy=False)

    def array(self) -> NDArray[np.intp]:
        """All rows at once (``n_rows x n`` integers: for small problems and tests).

        Returns
        -------
        numpy.ndarray
            The rows.
        """
        n_rows, n = self.shape
        out = np.empty((n_rows, n), dtype=np.intp)
        for lo, hi, block in self.blocks():
            out[lo:hi] = block
        return out


def iter_blocks(idx: NDArray[np.intp] | Resamples, rows: int | None = None
                ) -> Iterator[tuple[int, int, NDArray[np.intp]]]:
    """Blocks of a resample matrix or of :class:`Resamples` (see :meth:`Resamples.blocks`).

    Parameters
    ----------
    idx
        The resamples.
    rows
        Rows per block (default: :func:`block_rows`).

    Yields
    ------
    tuple
        ``(lo, hi, block)``.
    """
    if isinstance(idx, Resamples):
        yield from idx.blocks(rows)
        return
    n_rows, n = idx.shape
    step = rows or block_rows(n)
    for lo in range(0, n_rows, step):
        yield lo, min(lo + step, n_rows), idx[lo : lo + step]


def _memory_bytes() -> int:
    """Physical memory of this machine in bytes (0 when unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


def bootstrap_cost(n_bootstrap: int, n_models: int, frontier: str,
                   draws: bool = False) -> tuple[float, float]:
    """Estimated peak memory (bytes) and time (seconds) of a trend's bootstrap.

    Parameters
    ----------
    n_bootstrap, n_models, frontier, draws
        As for :func:`check_bootstrap_cost`.

    Returns
    -------
    tuple of float
        ``(bytes, seconds)``.
    """
    b, n = float(n_bootstrap), float(n_models)
    block = min(b, float(block_rows(n_models))) * n * _BLOCK_BYTES_PER_CELL
    need = b * _BYTES_PER_RESAMPLE + block + (2 * b * n * 8 if draws else 0.0)
    if frontier == "quantile":
        seconds = b * _QUANTILE_SECONDS * max(n / 150, 1.0) + b * n * _CELL_SECONDS
    else:
        seconds = b * n * _CELL_SECONDS
    return need, seconds


def check_bootstrap_cost(n_bootstrap: int, n_models: int, frontier: str,
                         draws: bool = False) -> None:
    """Refuse a bootstrap whose memory would not fit in this machine; warn on a long one.

    The resamples are generated and fitted in blocks of at most ``_CELLS`` cells, so the
    memory is one block plus a few numbers per resample (and the ``n_bootstrap x n_models``
    density draws of a joint bootstrap, which the caller passes in). A count needing more
    than half the physical memory is refused with the estimate; one expected to take over
    10 minutes warns with the estimate.

    Parameters
    ----------
    n_bootstrap, n_models
        Resamples and models.
    frontier
        The frontier rule (the quantile line solves one LP per resample).
    draws
        Whether density draws are paired with the resamples (two ``n_bootstrap x n_models``
        arrays: the draws and their pairing with the resamples).

    Raises
    ------
    densing.InputError
        When the estimate exceeds half the machine's memory.
    """
    need, seconds = bootstrap_cost(n_bootstrap, n_models, frontier, draws)
    have = _memory_bytes()
    if have and need > 0.5 * have:
        per = (need - min(need, float(block_rows(n_models)) * n_models
                          * _BLOCK_BYTES_PER_CELL)) / max(n_bootstrap, 1)
        most = int(0.5 * have / per) if per > 0 else 0
        raise InputError(
            f"n_bootstrap={n_bootstrap} needs about {_gib(need)} of memory for {n_models} "
            f"models; this machine has {_gib(have)}: use at most {most:,} resamples"
        )
    if seconds > 600:
        warnings.warn(
            f"n_bootstrap={n_bootstrap} {frontier} fits of {n_models} models take about "
            f"{seconds / 60:,.0f} minutes (estimated); fewer resamples finish sooner",
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
        idx: NDArray[np.intp] | Resamples,
        member: NDArray[np.bool_] | None = None,
        draw_offset: int = 0,
        method: str | None = None,
        desc: str | None = None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Slopes and intercepts, one per row of ``idx`` (rows sorted ascending).

        ``idx`` is a matrix or :class:`Resamples` (generated block by block, so memory does not
        grow with the rows). ``member`` restricts the fit to some models (a period);
        ``draw_offset`` is the row of ``logd`` that corresponds to the first row of ``idx``.
        """
        method = method or self.method
        n_rows = idx.shape[0]
        slopes = np.empty(n_rows)
        intercepts = np.empty(n_rows)
        if method == "quantile":
            n = self.t.size
            with progress(n_rows, desc=desc or "quantile bootstrap") as bar:
                for lo, _, block in iter_blocks(idx):
                    for j, row in enumerate(block):
                        b = lo + j
                        y = self.x if self.logd is None else self.logd[draw_offset + b]
                        keep_rows = np.isfinite(y[row])
                        if member is not None:
                            keep_rows &= member[row]
                        counts = np.bincount(row[keep_rows], minlength=n).astype(float)
                        used = counts > 0
                        slopes[b], intercepts[b] = _quantile_line(
                            self.t[used], y[used], counts[used], self.q
                        )
                        bar.update(1)
            return slopes, intercepts
        for lo, hi, block in iter_blocks(idx):
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


__all__ = ["Resamples", "block_rows", "bootstrap_cost", "check_bootstrap_cost", "iter_blocks"]
