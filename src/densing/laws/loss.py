"""Step 1: the conditional loss law ``L(N, D) = a N^-alpha + b D^-beta (+ E)``."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from densing._validation import BILLIONS_BELOW
from densing.exceptions import InputError
from densing.fitting import (
    DEFAULT_DELTA,
    BootstrapResult,
    as_float_array,
    check_finite_positive,
    grid,
)
from densing.laws._common import D_SCALE, N_SCALE, RowBootstrapLaw

__all__ = ["LossLaw"]


class LossLaw(RowBootstrapLaw):
    """Conditional loss as a function of parameters ``N`` and training tokens ``D``.

    ``L(N, D) = a * N**-alpha + b * D**-beta (+ E)``.

    Parameters
    ----------
    irreducible
        Include the irreducible term ``E`` (the paper's form has none; see
        docs/method.md#trap-loss-form:
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
        out[:, 0] = np.exp(th[:, 0] + th[:, 1] * np.log(N_SCALE))
        out[:, 2] = np.exp(th[:, 2] + th[:, 3] * np.log(D_SCALE))
        if self.irreducible:
            out[:, 4] = np.exp(th[:, 4])
        return out

    def _to_free(self, params: np.ndarray) -> np.ndarray:
        p = np.atleast_2d(params)
        out = p.copy()
        out[:, 0] = np.log(p[:, 0]) - p[:, 1] * np.log(N_SCALE)
        out[:, 2] = np.log(p[:, 2]) - p[:, 3] * np.log(D_SCALE)
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
        if np.median(n) < BILLIONS_BELOW:  # the shared rule, on the runs' typical size
            raise InputError(
                f"n_params look like billions (median {np.median(n):.4g}); pass raw counts "
                "(e.g. 7e9, not 7)"
            )
        return n, d, lv

    def _problem(self, *data: ArrayLike) -> tuple[Any, np.ndarray, list[tuple[float, float]]]:
        n, d, lv = self._validate(*data)
        return (np.log(n / N_SCALE), np.log(d / D_SCALE)), lv, self._bounds(lv)

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
        x, lv, bounds = self._problem(n_params, tokens, loss)
        self._fit_free(x, lv, self._starts(lv), bounds, delta, weights)
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

        Returns
        -------
        BootstrapResult
            Natural parameter draws; also stored as ``bootstrap_``.
        """
        x, lv, w, bounds = self._bootstrap_problem(
            (n_params, tokens, loss), groups, n_bootstrap, random_state, weights
        )
        return self._refit_weighted(x, lv, w, bounds, delta)
