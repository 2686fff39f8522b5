"""Shared helpers of the laws: the internal scales and the one bootstrap of a law."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from densing.fitting import FittedLaw

__all__ = ["D_SCALE", "N_SCALE", "RowBootstrapLaw"]

#: internal scales that keep log-inputs near zero (well-conditioned fits)
N_SCALE = 1e9
D_SCALE = 1e11


class RowBootstrapLaw(FittedLaw):
    """A law fitted on rows of data, bootstrapped by resampling groups of rows.

    Subclasses define :meth:`_problem` (the validated data as the fit sees it); their
    ``bootstrap`` methods name the data arguments and call :meth:`_bootstrap_problem`, the
    one implementation, then ``_refit_weighted`` (called from ``bootstrap`` itself, so that
    its warnings point at the caller of ``bootstrap``).
    """

    def _problem(self, *data: ArrayLike) -> tuple[Any, np.ndarray, list[tuple[float, float]]]:
        """The fit's inputs ``x``, its target ``y`` and the free parameters' bounds."""
        raise NotImplementedError

    def _bootstrap_problem(
        self,
        data: tuple[ArrayLike, ...],
        groups: ArrayLike | None,
        n_bootstrap: int,
        random_state: int | np.random.Generator | None,
        weights: np.ndarray | None,
    ) -> tuple[Any, np.ndarray, np.ndarray, list[tuple[float, float]]]:
        """``x``, ``y``, the row weights per resample and the bounds of a bootstrap.

        The law must be fitted; the data are validated as by ``fit``; the weights are
        ``weights`` when given, else a group bootstrap of ``groups`` (every row its own
        group by default) drawn with ``np.random.default_rng(random_state)``.
        """
        self._check_fitted()
        x, y, bounds = self._problem(*data)
        w = self._boot_weights(y.size, groups, n_bootstrap, random_state, weights)
        return x, y, w, bounds
