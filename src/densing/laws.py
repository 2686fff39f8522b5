"""Functional forms of the densing method and their exact inverses.

* :class:`LossLaw` -- the conditional (answer) loss law of step 1,
  ``L(N, D) = a N^-alpha + b D^-beta (+ E)``, inverted for ``N`` at a data budget ``D``.
* :class:`ScoreLaw` -- the loss-to-score sigmoid of step 2,
  ``S(L) = c / (1 + exp(-gamma (L - l))) + d``, inverted for ``L``. Score falls as loss
  rises, so ``gamma < 0``; the score range is the open interval ``(d, c + d)``.

Both are vectorised over inputs and, with ``draws=True``, over bootstrap parameter draws
(the leading axis of the result). Inverses return NaN outside the range where they exist;
:class:`densing.reference.ReferenceFrame` turns that into an explicit censoring status.
Fitting uses the robust engine in :mod:`densing.fitting`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from densing.exceptions import InputError
from densing.fitting import (
    DEFAULT_DELTA,
    BootstrapResult,
    FittedLaw,
    as_float_array,
    check_finite_positive,
    grid,
)

#: internal scales that keep log-inputs near zero (well-conditioned fits)
_N_SCALE = 1e9
_D_SCALE = 1e11


def _bootstrap_count(n_bootstrap: int, n_boot: int | None) -> int:
    """``n_bootstrap``, or the deprecated ``n_boot`` keyword with a DeprecationWarning."""
    if n_boot is None:
        return n_bootstrap
    warnings.warn(
        "n_boot is deprecated; pass n_bootstrap (the one name for bootstrap counts in densing)",
        DeprecationWarning,
        stacklevel=3,
    )
    return n_boot


def _col(draws: np.ndarray, i: int) -> np.ndarray:
    return draws[:, i : i + 1]


class LossLaw(FittedLaw):
    """Conditional loss as a function of parameters ``N`` and training tokens ``D``.

    ``L(N, D) = a * N**-alpha + b * D**-beta (+ E)``.

    Parameters
    ----------
    irreducible
        Include the irreducible term ``E`` (the paper's form has none; see METHOD.md item 1:
        without ``E`` the fitted ``alpha`` can be tiny, with ``E`` inversions sit near the
        asymptote).

    Attributes
    ----------
    params_
        Fitted parameters: ``a``, ``alpha``, ``b``, ``beta`` and ``E`` when irreducible.
    fit_result_
        The :class:`densing.fitting.FitResult` of the last fit.
    bootstrap_
        Parameter draws after :meth:`bootstrap`.
    """

    def __init__(self, irreducible: bool = False) -> None:
        super().__init__()
        self.irreducible = bool(irreducible)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_params(
        cls, a: float, alpha: float, b: float, beta: float, E: float | None = None
    ) -> LossLaw:
        """Build a law with known parameters (no fitting).

        Parameters
        ----------
        a, alpha, b, beta
            Scales and exponents of the size and data terms.
        E
            Irreducible loss; ``None`` for the form without it.

        Returns
        -------
        LossLaw
            A law whose ``params_`` are set.
        """
        law = cls(irreducible=E is not None)
        vals = [a, alpha, b, beta] + ([E] if E is not None else [])
        law._set_params(np.array(vals, dtype=float))
        return law

    def _names(self) -> tuple[str, ...]:
        return ("a", "alpha", "b", "beta", "E") if self.irreducible else ("a", "alpha", "b", "beta")

    def _settings(self) -> dict[str, Any]:
        return {"irreducible": self.irreducible}

    # -- functional form ---------------------------------------------------------------
    def _draws(self, draws: bool) -> np.ndarray:
        p = self.param_draws() if draws else self._param_vector()[None, :]
        if p.shape[1] == 4:
            p = np.concatenate([p, np.zeros((p.shape[0], 1))], axis=1)
        return p

    def predict(self, n_params: ArrayLike, tokens: ArrayLike, draws: bool = False) -> np.ndarray:
        """Loss at ``n_params`` and ``tokens`` (broadcast together).

        Parameters
        ----------
        n_params
            Parameter counts (raw, e.g. ``7e9``).
        tokens
            Training tokens (raw).
        draws
            Evaluate every bootstrap draw; the result gains a leading axis.

        Returns
        -------
        numpy.ndarray
            Predicted loss.
        """
        p = self._draws(draws)
        n = np.asarray(n_params, dtype=float)
        d = np.asarray(tokens, dtype=float)
        shape = (p.shape[0],) + (1,) * np.broadcast(n, d).ndim
        a, al, b, be, e = (p[:, i].reshape(shape) for i in range(5))
        out = a * n ** (-al) + b * d ** (-be) + e
        return out if draws else out[0]

    __call__ = predict

    def loss_floor(self, tokens: ArrayLike, draws: bool = False) -> np.ndarray:
        """The asymptote ``b D^-beta + E`` approached as ``N -> inf`` at ``tokens``.

        The inverse :meth:`params_for_loss` exists only for losses strictly above it.

        Parameters
        ----------
        tokens
            Data budget(s) ``D``.
        draws
            Evaluate every bootstrap draw (leading axis).

        Returns
        -------
        numpy.ndarray
            The loss floor.
        """
        p = self._draws(draws)
        d = np.asarray(tokens, dtype=float)
        shape = (p.shape[0],) + (1,) * d.ndim
        b, be, e = (p[:, i].reshape(shape) for i in (2, 3, 4))
        out = b * d ** (-be) + e
        return out if draws else out[0]

    def params_for_loss(
        self, loss: ArrayLike, tokens: ArrayLike, draws: bool = False, per_draw: bool = False
    ) -> np.ndarray:
        """Exact inverse: the ``N`` that reaches ``loss`` with ``tokens`` of data.

        ``N = ((L - b D^-beta - E) / a) ** (-1 / alpha)``, defined for ``L`` above
        :meth:`loss_floor`; NaN elsewhere.

        Parameters
        ----------
        loss
            Target loss(es).
        tokens
            Data budget ``D`` (broadcast with ``loss``).
        draws
            Invert under every bootstrap draw; the result gains a leading axis.
        per_draw
            With ``draws``: ``loss`` already has the draws as its first axis (one loss per
            draw, e.g. from :meth:`ScoreLaw.inverse` with ``draws=True``).

        Returns
        -------
        numpy.ndarray
            Parameter counts (NaN where the inverse does not exist).
        """
        p = self._draws(draws)
        lv = np.asarray(loss, dtype=float)
        d = np.asarray(tokens, dtype=float)
        nd = np.broadcast(lv, d).ndim - (1 if draws and per_draw else 0)
        shape = (p.shape[0],) + (1,) * max(nd, 0)
        a, al, b, be, e = (p[:, i].reshape(shape) for i in range(5))
        excess = lv - b * d ** (-be) - e
        # a remainder within round-off of zero is the asymptote itself, not a finite N
        tiny = 8 * np.finfo(float).eps * np.abs(lv)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            n = np.where(excess > tiny, (excess / a) ** (-1.0 / al), np.nan)
        return n if draws else n[0]

    # -- fitting -----------------------------------------------------------------------
    def _model(self, theta: np.ndarray, x: tuple[np.ndarray, np.ndarray]):
        ln_n, ln_d = x
        t1 = np.exp(theta[:, 0:1] - theta[:, 1:2] * ln_n[None, :])
        t2 = np.exp(theta[:, 2:3] - theta[:, 3:4] * ln_d[None, :])
        cols = [t1, -ln_n[None, :] * t1, t2, -ln_d[None, :] * t2]
        pred = t1 + t2
        if self.irreducible:
            e = np.exp(theta[:, 4:5]) * np.ones_like(t1)
            pred = pred + e
            cols.append(e)
        return pred, np.stack(cols, axis=-1)

    def _from_free(self, theta: np.ndarray) -> np.ndarray:
        th = np.atleast_2d(theta)
        out = th.copy()
        out[:, 0] = np.exp(th[:, 0] + th[:, 1] * np.log(_N_SCALE))
        out[:, 2] = np.exp(th[:, 2] + th[:, 3] * np.log(_D_SCALE))
        if self.irreducible:
            out[:, 4] = np.exp(th[:, 4])
        return out

    def _to_free(self, params: np.ndarray) -> np.ndarray:
        p = np.atleast_2d(params)
        out = p.copy()
        out[:, 0] = np.log(p[:, 0]) - p[:, 1] * np.log(_N_SCALE)
        out[:, 2] = np.log(p[:, 2]) - p[:, 3] * np.log(_D_SCALE)
        if self.irreducible:
            out[:, 4] = np.log(p[:, 4])
        return out

    def _bounds(self, loss: np.ndarray) -> list[tuple[float, float]]:
        b = [(-30.0, 10.0), (1e-3, 3.0), (-30.0, 10.0), (1e-3, 3.0)]
        if self.irreducible:
            b.append((-20.0, float(np.log(loss.max()))))
        return b

    def _starts(self, loss: np.ndarray) -> np.ndarray:
        m = float(np.mean(loss))
        exps = (0.1, 0.4)
        scales = [float(np.log(0.25 * m)), float(np.log(0.6 * m))]
        if self.irreducible:
            e0 = float(np.min(loss))
            return grid(scales, exps, scales, exps, [float(np.log(0.3 * e0)),
                                                     float(np.log(0.8 * e0))])
        return grid(scales, exps, scales, exps)

    def _validate(
        self, n_params: ArrayLike, tokens: ArrayLike, loss: ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = as_float_array("n_params", n_params)
        d = as_float_array("tokens", tokens)
        lv = as_float_array("loss", loss)
        if not (n.shape == d.shape == lv.shape) or n.ndim != 1:
            raise InputError(
                f"n_params, tokens and loss must be 1-D of equal length; got shapes "
                f"{n.shape}, {d.shape}, {lv.shape}"
            )
        check_finite_positive("n_params", n)
        check_finite_positive("tokens", d)
        check_finite_positive("loss", lv)
        if np.unique(n).size < 2:
            raise InputError(
                f"the loss law needs reference runs of at least 2 model sizes; got only "
                f"n_params={n[0]:.4g}"
            )
        if np.unique(d).size < 2:
            raise InputError(
                f"the loss law needs at least 2 distinct token counts; got only tokens={d[0]:.4g}"
            )
        if np.ptp(lv) == 0:
            raise InputError(f"loss is constant ({lv[0]:.4g}) across runs: nothing to fit")
        if n.size < len(self._names()) + 1:
            raise InputError(
                f"{n.size} points cannot identify {len(self._names())} loss-law parameters; "
                "give more reference runs"
            )
        if np.median(n) < 1e4:
            raise InputError(
                f"n_params look like billions (median {np.median(n):.4g}); pass raw counts "
                "(e.g. 7e9, not 7)"
            )
        return n, d, lv

    def fit(
        self,
        n_params: ArrayLike,
        tokens: ArrayLike,
        loss: ArrayLike,
        irreducible: bool | None = None,
        *,
        weights: ArrayLike | None = None,
        delta: float = DEFAULT_DELTA,
    ) -> LossLaw:
        """Fit the law by robust multi-start L-BFGS-B.

        Parameters
        ----------
        n_params
            Parameter count of each run (raw count).
        tokens
            Training tokens of each run (raw count).
        loss
            Final conditional loss of each run.
        irreducible
            Override the ``irreducible`` setting for this fit.
        weights
            Optional weight per run.
        delta
            Huber transition point on log residuals.

        Returns
        -------
        LossLaw
            ``self``, with ``params_`` and ``fit_result_`` set.
        """
        if irreducible is not None:
            self.irreducible = bool(irreducible)
        n, d, lv = self._validate(n_params, tokens, loss)
        x = (np.log(n / _N_SCALE), np.log(d / _D_SCALE))
        self._fit_free(x, lv, self._starts(lv), self._bounds(lv), delta, weights)
        return self

    def bootstrap(
        self,
        n_params: ArrayLike,
        tokens: ArrayLike,
        loss: ArrayLike,
        groups: ArrayLike | None = None,
        n_bootstrap: int = 200,
        random_state: int | np.random.Generator | None = 0,
        *,
        weights: np.ndarray | None = None,
        delta: float = DEFAULT_DELTA,
        n_boot: int | None = None,
    ) -> BootstrapResult:
        """Bootstrap the fit by resampling groups of runs (vectorised refits).

        Parameters
        ----------
        n_params, tokens, loss
            The data the law was fitted on.
        groups
            Group label per row (default: every row its own group).
        n_bootstrap
            Number of resamples.
        random_state
            Seed or generator.
        weights
            Row weights per resample, shape ``(n_bootstrap, n_rows)``; overrides ``groups``,
            ``n_bootstrap`` and ``random_state`` (used to share resamples between laws).
        delta
            Huber transition point.
        n_boot
            Deprecated name of ``n_bootstrap`` (warns).

        Returns
        -------
        BootstrapResult
            Natural parameter draws; also stored as ``bootstrap_``.
        """
        self._check_fitted()
        n, d, lv = self._validate(n_params, tokens, loss)
        n_bootstrap = _bootstrap_count(n_bootstrap, n_boot)
        w = self._boot_weights(n.size, groups, n_bootstrap, random_state, weights)
        x = (np.log(n / _N_SCALE), np.log(d / _D_SCALE))
        return self._refit_weighted(x, lv, w, self._bounds(lv), delta)


class ScoreLaw(FittedLaw):
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
        lv, sv = self._validate(loss, score)
        self._fit_free(lv, sv, self._starts(lv, sv), self._bounds(lv, sv), delta, weights)
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
        n_boot: int | None = None,
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
        n_boot
            Deprecated name of ``n_bootstrap`` (warns).

        Returns
        -------
        BootstrapResult
            Natural parameter draws; also stored as ``bootstrap_``.
        """
        self._check_fitted()
        lv, sv = self._validate(loss, score)
        n_bootstrap = _bootstrap_count(n_bootstrap, n_boot)
        w = self._boot_weights(lv.size, groups, n_bootstrap, random_state, weights)
        return self._refit_weighted(lv, sv, w, self._bounds(lv, sv), delta)


__all__ = ["LossLaw", "ScoreLaw"]
