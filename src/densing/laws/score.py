"""Step 2: the loss-to-score sigmoid ``S(L) = c / (1 + exp(-gamma (L - l))) + d``."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from densing.exceptions import InputError
from densing.fitting import (
    DEFAULT_DELTA,
    BootstrapResult,
    as_float_array,
    check_finite_positive,
    grid,
)
from densing.laws._common import RowBootstrapLaw

__all__ = ["ScoreLaw"]


class ScoreLaw(RowBootstrapLaw):
    """Benchmark score as a decreasing sigmoid of the conditional loss.

    ``S(L) = c / (1 + exp(-gamma (L - l))) + d`` with ``gamma < 0``, ``c > 0``, ``d >= 0`` and
    the ceiling ``c + d <= max_ceiling``.

    Parameters
    ----------
    floor
        Fix ``d`` (e.g. the benchmark's chance level); ``None`` fits it.
    max_ceiling
        Upper bound on the ceiling ``c + d`` (1 for accuracies).

    Attributes
    ----------
    params_
        Fitted ``c``, ``gamma``, ``l``, ``d``.
    """

    param_names = ("c", "gamma", "l", "d")

    def __init__(self, floor: float | None = None, max_ceiling: float = 1.0) -> None:
        super().__init__()
        self.floor = floor
        self.max_ceiling = float(max_ceiling)

    @classmethod
    def from_params(cls, c: float, gamma: float, l: float, d: float) -> ScoreLaw:  # noqa: E741
        """Build a law with known parameters (no fitting).

        Parameters
        ----------
        c, gamma, l, d
            Amplitude, slope (negative), midpoint loss and floor.

        Returns
        -------
        ScoreLaw
            A law whose ``params_`` are set.
        """
        law = cls(max_ceiling=max(1.0, c + d))
        law._set_params(np.array([c, gamma, l, d], dtype=float))
        return law

    def _settings(self) -> dict[str, Any]:
        return {"floor": self.floor, "max_ceiling": self.max_ceiling}

    def _draws(self, draws: bool) -> np.ndarray:
        return self.param_draws() if draws else self._param_vector()[None, :]

    def predict(self, loss: ArrayLike, draws: bool = False, per_draw: bool = False) -> np.ndarray:
        """Score at ``loss``.

        Parameters
        ----------
        loss
            Conditional loss(es).
        draws
            Evaluate every bootstrap draw; the result gains a leading axis.
        per_draw
            With ``draws``: ``loss`` already has the draws as its first axis.

        Returns
        -------
        numpy.ndarray
            Predicted score.
        """
        p = self._draws(draws)
        lv = np.asarray(loss, dtype=float)
        nd = lv.ndim - (1 if draws and per_draw else 0)
        shape = (p.shape[0],) + (1,) * max(nd, 0)
        c, g, l0, d = (p[:, i].reshape(shape) for i in range(4))
        with np.errstate(over="ignore"):
            out = c / (1.0 + np.exp(-g * (lv - l0))) + d
        return out if draws else out[0]

    __call__ = predict

    def score_range(self, draws: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The open interval ``(d, c + d)`` of scores that :meth:`inverse` can map.

        Parameters
        ----------
        draws
            One interval per bootstrap draw.

        Returns
        -------
        low, high
            Floor ``d`` and ceiling ``c + d``.
        """
        p = self._draws(draws)
        low, high = p[:, 3], p[:, 0] + p[:, 3]
        return (low, high) if draws else (low[0], high[0])

    def inverse(self, score: ArrayLike, draws: bool = False, per_draw: bool = False) -> np.ndarray:
        """Exact inverse: the loss at which the law reaches ``score``.

        ``L = l + logit((S - d) / c) / gamma`` for ``d < S < c + d``; NaN elsewhere.

        Parameters
        ----------
        score
            Score(s) as fractions.
        draws
            Invert under every bootstrap draw; the result gains a leading axis.
        per_draw
            With ``draws``: ``score`` already has the draws as its first axis.

        Returns
        -------
        numpy.ndarray
            Loss (NaN outside the invertible range).
        """
        p = self._draws(draws)
        s = np.asarray(score, dtype=float)
        shape = (p.shape[0],) + (1,) * max(s.ndim - (1 if draws and per_draw else 0), 0)
        c, g, l0, d = (p[:, i].reshape(shape) for i in range(4))
        q = (s - d) / c
        inside = (q > 0) & (q < 1) & (s > d) & (s < c + d)  # both: round-off at the bounds
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(inside, l0 + (np.log(q) - np.log1p(-q)) / g, np.nan)
        return out if draws else out[0]

    # -- fitting -----------------------------------------------------------------------
    # free parameters: s in (0, 1] with c = (max_ceiling - d) s, gamma, l, [d]
    def _model(self, theta: np.ndarray, x: np.ndarray):
        s, g, l0 = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
        d = theta[:, 3:4] if self.floor is None else np.full_like(s, float(self.floor))
        span = self.max_ceiling - d
        z = g * (x[None, :] - l0)
        sig = 0.5 * (1.0 + np.tanh(0.5 * z))
        ds = sig * (1.0 - sig)
        pred = d + span * s * sig
        cols = [span * sig, span * s * ds * (x[None, :] - l0), -span * s * ds * g]
        if self.floor is None:
            cols.append(1.0 - s * sig)
        return pred, np.stack(cols, axis=-1)

    def _from_free(self, theta: np.ndarray) -> np.ndarray:
        th = np.atleast_2d(theta)
        d = th[:, 3] if self.floor is None else np.full(th.shape[0], float(self.floor))
        c = (self.max_ceiling - d) * th[:, 0]
        return np.stack([c, th[:, 1], th[:, 2], d], axis=1)

    def _to_free(self, params: np.ndarray) -> np.ndarray:
        p = np.atleast_2d(params)
        s = p[:, 0] / (self.max_ceiling - p[:, 3])
        cols = [s, p[:, 1], p[:, 2]] + ([p[:, 3]] if self.floor is None else [])
        return np.stack(cols, axis=1)

    def _bounds(self, loss: np.ndarray, score: np.ndarray) -> list[tuple[float, float]]:
        span = float(np.ptp(loss)) or 1.0
        b = [
            (1e-3, 1.0),
            (-1e3, -1e-3),
            (float(loss.min()) - 5 * span, float(loss.max()) + 5 * span),
        ]
        if self.floor is None:
            b.append((0.0, float(np.quantile(score, 0.05))))
        return b

    def _starts(self, loss: np.ndarray, score: np.ndarray) -> np.ndarray:
        span = float(np.ptp(loss)) or 1.0
        mids = np.quantile(loss, [0.2, 0.5, 0.8])
        gammas = (-2.0 / span, -6.0 / span, -20.0 / span)
        ss = (0.9,)
        if self.floor is None:
            smin = float(score.min())
            return grid(ss, gammas, mids, (0.5 * smin, 0.95 * smin))
        return grid(ss, gammas, mids)

    def _validate(self, loss: ArrayLike, score: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        lv = as_float_array("loss", loss)
        sv = as_float_array("score", score)
        if lv.shape != sv.shape or lv.ndim != 1:
            raise InputError(
                f"loss and score must be 1-D of equal length; got {lv.shape} and {sv.shape}"
            )
        check_finite_positive("loss", lv)
        check_finite_positive("score", sv)
        if sv.max() > self.max_ceiling:
            hint = " (scores look like percentages: divide by 100)" if sv.max() > 1.5 else ""
            raise InputError(
                f"score {sv.max():.4g} exceeds the ceiling bound {self.max_ceiling}{hint}"
            )
        if self.floor is not None and not (0 <= self.floor < self.max_ceiling):
            raise InputError(f"floor must lie in [0, {self.max_ceiling}); got {self.floor!r}")
        if np.ptp(lv) == 0:
            raise InputError(f"loss is constant ({lv[0]:.4g}): the score law cannot be fitted")
        if np.ptp(sv) == 0:
            raise InputError(f"score is constant ({sv[0]:.4g}): the score law cannot be fitted")
        if lv.size < 5:
            raise InputError(f"the score law needs at least 5 (loss, score) pairs; got {lv.size}")
        return lv, sv

    def _problem(self, *data: ArrayLike) -> tuple[Any, np.ndarray, list[tuple[float, float]]]:
        lv, sv = self._validate(*data)
        return lv, sv, self._bounds(lv, sv)

    def fit(
        self,
        loss: ArrayLike,
        score: ArrayLike,
        *,
        weights: ArrayLike | None = None,
        delta: float = DEFAULT_DELTA,
    ) -> ScoreLaw:
        """Fit the sigmoid by robust multi-start L-BFGS-B.

        Parameters
        ----------
        loss
            Conditional loss of each checkpoint.
        score
            Score (fraction) of each checkpoint.
        weights
            Optional weight per checkpoint.
        delta
            Huber transition point on log residuals.

        Returns
        -------
        ScoreLaw
            ``self``, with ``params_`` and ``fit_result_`` set.
        """
        lv, sv, bounds = self._problem(loss, score)
        self._fit_free(lv, sv, self._starts(lv, sv), bounds, delta, weights)
        return self

    def bootstrap(
        self,
        loss: ArrayLike,
        score: ArrayLike,
        groups: ArrayLike | None = None,
        n_bootstrap: int = 200,
        random_state: int | np.random.Generator | None = 0,
        *,
        weights: np.ndarray | None = None,
        delta: float = DEFAULT_DELTA,
    ) -> BootstrapResult:
        """Bootstrap the fit by resampling groups of checkpoints (vectorised refits).

        Parameters
        ----------
        loss, score
            The data the law was fitted on.
        groups
            Group label per row, e.g. the run each checkpoint belongs to (default: rows).
        n_bootstrap
            Number of resamples.
        random_state
            Seed or generator.
        weights
            Row weights per resample, shape ``(n_bootstrap, n_rows)``; overrides ``groups``,
            ``n_bootstrap`` and ``random_state`` (used to share resamples between laws).
        delta
            Huber transition point.

        Returns
        -------
        BootstrapResult
            Natural parameter draws; also stored as ``bootstrap_``.
        """
        lv, sv, w, bounds = self._bootstrap_problem(
            (loss, score), groups, n_bootstrap, random_state, weights
        )
        return self._refit_weighted(lv, sv, w, bounds, delta)
