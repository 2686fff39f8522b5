"""Robust fitting engine shared by every law.

The objective is the Huber loss of log-space residuals ``r = ln(pred) - ln(obs)`` (as in
Hoffmann et al. 2022), minimised with L-BFGS-B from a grid of starting points with bounds and
analytic gradients; the best start is kept and every start's objective is recorded.

Bootstraps resample whole groups (reference runs), not rows. Each resample is a vector of
integer weights over the rows, so all resamples share the same data arrays and are refitted
together by a batched, damped Gauss-Newton (Levenberg-Marquardt) iteration on the same Huber
objective, warm-started at the full-data optimum. There is no Python loop over single
resamples (only over cache-sized chunks of them).

A law plugs in by subclassing :class:`FittedLaw` and providing its model function in a *free*
parametrisation (e.g. logarithms of positive scales) with the Jacobian.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from densing._summary import Summary
from densing._validation import as_float_array, check_finite_positive
from densing.exceptions import ConvergenceError, FitQualityWarning, InputError, NotFittedError

#: A batched model: ``(theta (B, k), x) -> (pred (B, n), jac (B, n, k))``.
ModelFn = Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]

DEFAULT_DELTA = 1e-3

#: share of bootstrap refits that must converge before a FitQualityWarning is raised
MIN_CONVERGED = 0.99


def huber(r: np.ndarray, delta: float = DEFAULT_DELTA) -> tuple[np.ndarray, np.ndarray]:
    """Huber loss and its derivative.

    Parameters
    ----------
    r
        Residuals.
    delta
        Transition point between the quadratic and the linear regime.

    Returns
    -------
    value, derivative
        ``0.5 r^2`` for ``|r| <= delta`` else ``delta (|r| - delta / 2)``, and its derivative
        ``clip(r, -delta, delta)``; same shape as ``r``.
    """
    a = np.abs(r)
    quad = a <= delta
    value = np.where(quad, 0.5 * r * r, delta * (a - 0.5 * delta))
    return value, np.clip(r, -delta, delta)


@dataclass
class FitResult:
    """The outcome of a multi-start fit.

    Attributes
    ----------
    theta
        Best parameters in the law's free parametrisation.
    objective
        Mean Huber objective at ``theta`` (per unit weight).
    start_objectives
        The objective reached from every start, in start order (after screening, or after
        polishing for the polished starts).
    converged
        Whether the optimiser reported success for the best start.
    n_starts
        Number of starts tried.
    """

    theta: np.ndarray
    objective: float
    start_objectives: np.ndarray
    converged: bool
    n_starts: int
    message: str = ""


def _objective(
    theta: np.ndarray, fun: ModelFn, x: Any, log_y: np.ndarray, w: np.ndarray, delta: float
) -> tuple[float, np.ndarray]:
    pred, jac = fun(theta[None, :], x)
    pred, jac = pred[0], jac[0]
    if not np.all(np.isfinite(pred)) or np.any(pred <= 0):
        return 1e10, np.zeros_like(theta)
    r = np.log(pred) - log_y
    val, psi = huber(r, delta)
    grad = ((w * psi / pred)[:, None] * jac).sum(axis=0)
    return float((w * val).sum()), grad


def multistart_fit(
    fun: ModelFn,
    x: Any,
    y: np.ndarray,
    starts: np.ndarray,
    bounds: Sequence[tuple[float, float]],
    *,
    delta: float = DEFAULT_DELTA,
    weights: np.ndarray | None = None,
    maxiter: int = 500,
    screen_iter: int = 60,
    polish: int = 8,
) -> FitResult:
    """Minimise the Huber loss of log residuals with L-BFGS-B from several starts.

    Parameters
    ----------
    fun
        Batched model function returning predictions and the Jacobian in free parameters.
    x
        Model inputs, passed to ``fun`` unchanged.
    y
        Observations (strictly positive), shape ``(n,)``.
    starts
        Starting points, shape ``(n_starts, k)``.
    bounds
        ``(low, high)`` per free parameter.
    delta
        Huber transition point in log-space residual units.
    weights
        Optional non-negative weight per observation.
    maxiter
        Iteration limit when polishing.
    screen_iter
        Iteration limit of the first pass over every start.
    polish
        How many of the best screened starts are run to convergence.

    Returns
    -------
    FitResult
        The best start's solution and every start's final objective.

    Raises
    ------
    ConvergenceError
        If no start reaches a finite objective.
    """
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    wsum = float(w.sum())
    log_y = np.log(y)

    def run(start: np.ndarray, iters: int) -> Any:
        return minimize(
            _objective,
            start,
            args=(fun, x, log_y, w, delta),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": iters, "ftol": 1e-12, "gtol": 1e-9},
        )

    # screen every start briefly, then polish the most promising ones to convergence; BLAS
    # threads only spin on L-BFGS-B's tiny vectors, so they are held at one meanwhile
    with threadpool_limits(limits=1, user_api="blas"):
        return _multistart(run, starts, wsum, screen_iter, polish, maxiter)


def _multistart(run: Callable[[np.ndarray, int], Any], starts: np.ndarray, wsum: float,
                screen_iter: int, polish: int, maxiter: int) -> FitResult:
    screened = [run(s, screen_iter) for s in np.asarray(starts, dtype=float)]
    objs = np.array([r.fun / wsum if np.isfinite(r.fun) else np.inf for r in screened])
    best: Any = None
    for i in np.argsort(objs, kind="stable")[: max(1, polish)]:
        if not np.isfinite(objs[i]) or screened[i].fun >= 1e10:
            continue
        res = run(screened[i].x, maxiter)
        objs[i] = res.fun / wsum
        if res.fun < 1e10 and (best is None or res.fun < best.fun):
            best = res
    if best is None:
        raise ConvergenceError("no start reached a finite objective", partial=objs)
    return FitResult(
        theta=np.asarray(best.x, dtype=float),
        objective=float(best.fun / wsum),
        start_objectives=objs,
        converged=bool(best.success),
        n_starts=len(starts),
        message=str(best.message),
    )


def batched_fit(
    fun: ModelFn,
    x: Any,
    y: np.ndarray,
    theta0: np.ndarray,
    weights: np.ndarray,
    bounds: Sequence[tuple[float, float]],
    *,
    delta: float = DEFAULT_DELTA,
    max_iter: int = 1000,
    tol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Refit many weighted copies of one problem at once (vectorised bootstrap).

    A damped Gauss-Newton (Levenberg-Marquardt) iteration on the Huber objective of log
    residuals, independently per copy: the gradient is ``sum w psi(r) J`` and the curvature
    the Gauss-Newton matrix of the Huber loss itself (rows in its quadratic zone,
    ``|r| <= delta``), which converges in a few steps where reweighting every row by
    ``min(1, delta / |r|)`` (IRLS) crawls when most residuals exceed ``delta``. Marquardt
    damping is scaled by the IRLS curvature, so directions that no quadratic-zone row pins
    down stay well posed. Steps are accepted only where the objective decreases. Bounds are
    handled by an active set (a parameter at a bound whose gradient points outward is held
    there) and the step is projected onto ``bounds``.

    Copies are processed in chunks of resamples that fit in cache, and a copy leaves the
    working set as soon as it converges.

    Parameters
    ----------
    fun
        Batched model function ``(theta (B, k), x) -> (pred (B, n), jac (B, n, k))``.
    x
        Model inputs.
    y
        Observations, shape ``(n,)``.
    theta0
        Warm start, shape ``(k,)`` or ``(B, k)``.
    weights
        Row weights per copy, shape ``(B, n)`` (bootstrap counts).
    bounds
        ``(low, high)`` per free parameter.
    delta
        Huber transition point.
    max_iter
        Maximum number of iterations.
    tol
        Relative objective change under which a copy counts as converged.

    Returns
    -------
    theta, objective, converged
        Arrays of shapes ``(B, k)``, ``(B,)`` and ``(B,)``.
    """
    w_all = np.asarray(weights, dtype=float)
    if w_all.ndim != 2:
        raise InputError(f"weights must have shape (n_copies, n_rows); got {w_all.shape}")
    n_b, n = w_all.shape
    k = len(bounds)
    theta_all = np.broadcast_to(np.asarray(theta0, dtype=float), (n_b, k)).copy()
    obj_all = np.full(n_b, np.inf)
    conv_all = np.zeros(n_b, dtype=bool)
    lo = np.array([b[0] for b in bounds], dtype=float)
    hi = np.array([b[1] for b in bounds], dtype=float)
    span = np.maximum(hi - lo, 1.0)
    at_lo, at_hi = lo + 1e-12 * span, hi - 1e-12 * span
    log_y = np.log(np.asarray(y, dtype=float))[None, :]
    eye = np.eye(k)
    iu, ju = np.triu_indices(k)
    # ~8 copies of a few thousand rows keep the (chunk, n, k) Jacobian in cache
    chunk = max(8, min(n_b, 2**16 // max(n, 1)))

    def evaluate(
        th: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        pred, jac = fun(th, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.log(pred) - log_y
        a = np.abs(r)
        c = np.minimum(a, delta)
        obj = np.einsum("bn,bn->b", w, c * (a - 0.5 * c))
        obj[~np.isfinite(obj)] = np.inf  # non-positive or non-finite predictions
        return obj, r, a, pred, jac

    for c0 in range(0, n_b, chunk):
        ids = np.arange(c0, min(n_b, c0 + chunk))
        w = w_all[ids]
        theta = theta_all[ids]
        obj, r, a, pred, jac = evaluate(theta, w)
        obj_all[ids] = obj
        ok = np.isfinite(obj)
        if not ok.all():  # a start where the model is not finite cannot be refined
            ids, w, theta, obj, r, a, pred, jac = (
                v[ok] for v in (ids, w, theta, obj, r, a, pred, jac)
            )
        # Marquardt scale: diagonal of the IRLS curvature at the start (grown as needed)
        qi = w * np.minimum(1.0, delta / np.maximum(a, 1e-300)) / (pred * pred)
        dref = np.matmul(qi[:, None, :], jac * jac)[:, 0, :] + 1e-300
        lam = np.full(ids.size, 1e-2)
        it = 0
        while ids.size and it < max_iter:
            it += 1
            m = ids.size
            inv = w / pred  # d ln pred / d pred, weighted
            c = np.minimum(a, delta)
            g = np.matmul((np.copysign(c, r) * inv)[:, None, :], jac)[:, 0, :]
            # Gauss-Newton curvature of the Huber loss: quadratic-zone rows only (sparse)
            bi, ni = np.nonzero(a <= delta)
            js = jac[bi, ni]
            prod = js[:, iu] * js[:, ju] * (inv[bi, ni] / pred[bi, ni])[:, None]
            hmat = np.empty((m, k, k))
            for t in range(len(iu)):
                col = np.bincount(bi, weights=prod[:, t], minlength=m)
                hmat[:, iu[t], ju[t]] = col
                hmat[:, ju[t], iu[t]] = col
            dref = np.maximum(dref, np.einsum("bii->bi", hmat))
            damp = hmat + (lam[:, None] * dref)[:, :, None] * eye
            fixed = ((theta <= at_lo) & (g > 0)) | ((theta >= at_hi) & (g < 0))
            if fixed.any():
                free = ~fixed
                damp = damp * (free[:, :, None] & free[:, None, :]) + fixed[:, :, None] * eye
                g = np.where(fixed, 0.0, g)
            try:
                step = np.linalg.solve(damp, -g[..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = -g / np.einsum("bii->bi", damp)
            cand = np.clip(theta + step, lo, hi)
            new_obj, new_r, new_a, new_pred, new_jac = evaluate(cand, w)
            better = new_obj < obj
            rel = (obj - new_obj) / np.maximum(np.abs(obj), 1e-300)
            tiny = np.abs(cand - theta).max(axis=1) < 1e-14
            if better.all():
                theta, obj, r, a, pred, jac = cand, new_obj, new_r, new_a, new_pred, new_jac
            elif better.any():
                theta[better], obj[better] = cand[better], new_obj[better]
                r[better], a[better] = new_r[better], new_a[better]
                pred[better], jac[better] = new_pred[better], new_jac[better]
            lam = np.where(better, np.maximum(lam * 0.3, 1e-9), np.minimum(lam * 10.0, 1e12))
            done = (better & (rel < tol)) | tiny | (lam >= 1e12)
            if done.any():
                d = ids[done]
                theta_all[d], obj_all[d], conv_all[d] = theta[done], obj[done], True
                keep = ~done
                ids, w, theta, obj, r, a, pred, jac, lam, dref = (
                    v[keep] for v in (ids, w, theta, obj, r, a, pred, jac, lam, dref)
                )
        if ids.size:
            theta_all[ids], obj_all[ids] = theta, obj
    wsum = w_all.sum(axis=1)
    return theta_all, obj_all / np.maximum(wsum, 1e-300), conv_all


def group_bootstrap_weights(
    groups: Sequence[Any] | np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Row weights for a nonparametric bootstrap that resamples whole groups.

    Parameters
    ----------
    groups
        Group label of every row (e.g. the reference run it belongs to).
    n_boot
        Number of resamples.
    rng
        Random generator (``np.random.default_rng(seed)``).

    Returns
    -------
    numpy.ndarray
        Integer weights of shape ``(n_boot, n_rows)``: how many times each row's group was
        drawn in each resample.
    """
    codes, uniques = pd.factorize(np.asarray(groups), sort=True)
    counts = group_bootstrap_counts(len(uniques), n_boot, rng)
    return counts[:, codes].astype(float)


def group_bootstrap_counts(n_groups: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """How many times each group is drawn in each resample of a group bootstrap.

    Parameters
    ----------
    n_groups
        Number of groups (e.g. reference runs).
    n_boot
        Number of resamples.
    rng
        Random generator (``np.random.default_rng(seed)``).

    Returns
    -------
    numpy.ndarray
        Integer counts of shape ``(n_boot, n_groups)``; each row sums to ``n_groups``. Index
        the columns by each row's group code to get row weights
        (:func:`group_bootstrap_weights`).
    """
    draws = rng.integers(0, n_groups, size=(n_boot, n_groups))
    counts = np.zeros((n_boot, n_groups), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(n_boot), n_groups), draws.ravel()), 1)
    return counts


def grid(*axes: Sequence[float]) -> np.ndarray:
    """Cartesian product of start values, shape ``(n_starts, n_axes)``."""
    return np.array(list(itertools.product(*axes)), dtype=float)


@dataclass
class BootstrapResult:
    """Parameter draws from a bootstrap.

    Attributes
    ----------
    draws
        Natural parameters per resample, shape ``(n_boot, k)``.
    names
        Parameter names (columns of ``draws``).
    converged
        Whether each resample's refit converged.
    """

    draws: np.ndarray
    names: tuple[str, ...]
    converged: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def as_frame(self) -> pd.DataFrame:
        """Return the draws as a DataFrame with one column per parameter."""
        return pd.DataFrame(self.draws, columns=list(self.names))


class FittedLaw:
    """Shared base of the fitted laws: parameters, bootstrap draws and summaries.

    Subclasses define ``param_names``, the free parametrisation (``_to_free``,
    ``_from_free``), the batched model ``_model`` in free parameters, ``_starts`` and
    ``_bounds``.
    """

    param_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params_: dict[str, float] | None = None
        self.fit_result_: FitResult | None = None
        self.bootstrap_: BootstrapResult | None = None

    # -- to be provided by subclasses -------------------------------------------------
    def _names(self) -> tuple[str, ...]:
        return self.param_names

    def _to_free(self, params: np.ndarray) -> np.ndarray:  # (B, k) -> (B, k)
        raise NotImplementedError

    def _from_free(self, theta: np.ndarray) -> np.ndarray:  # (B, k) -> (B, k)
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------------
    def _check_fitted(self) -> dict[str, float]:
        if self.params_ is None:
            raise NotFittedError(self)
        return self.params_

    def _param_vector(self) -> np.ndarray:
        p = self._check_fitted()
        return np.array([p[n] for n in self._names()], dtype=float)

    def _set_params(self, vec: np.ndarray) -> None:
        self.params_ = {n: float(v) for n, v in zip(self._names(), vec, strict=True)}

    @staticmethod
    def _boot_weights(
        n_rows: int,
        groups: Any,
        n_boot: int,
        random_state: int | np.random.Generator | None,
        weights: np.ndarray | None,
    ) -> np.ndarray:
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            if w.ndim != 2 or w.shape[1] != n_rows:
                raise InputError(
                    f"bootstrap weights must have shape (n_bootstrap, {n_rows}); got {w.shape}"
                )
            return w
        if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
            shown = repr(n_boot.item() if isinstance(n_boot, np.generic) else n_boot)
            raise InputError(f"n_bootstrap must be a positive integer; got {shown}")
        g = np.arange(n_rows) if groups is None else np.asarray(groups)
        if g.shape != (n_rows,):
            raise InputError(f"groups must have one label per row ({n_rows}); got {g.shape}")
        return group_bootstrap_weights(g, int(n_boot), np.random.default_rng(random_state))

    def _model(self, theta: np.ndarray, x: Any) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _fit_free(
        self,
        x: Any,
        y: np.ndarray,
        starts: np.ndarray,
        bounds: Sequence[tuple[float, float]],
        delta: float,
        weights: Any,
    ) -> FitResult:
        """Multi-start fit in the free parametrisation; sets ``params_`` and ``fit_result_``."""
        res = multistart_fit(self._model, x, y, starts, bounds, delta=delta, weights=weights)
        self.fit_result_ = res
        self._set_params(self._from_free(res.theta[None, :])[0])
        self.bootstrap_ = None
        return res

    def _refit_weighted(
        self,
        x: Any,
        y: np.ndarray,
        weights: np.ndarray,
        bounds: Sequence[tuple[float, float]],
        delta: float,
    ) -> BootstrapResult:
        """Refit under every row-weight vector at once, warm-started at the fitted point."""
        theta0 = self._to_free(self._param_vector())[0]
        theta, _, conv = batched_fit(self._model, x, y, theta0, weights, bounds, delta=delta)
        self.bootstrap_ = BootstrapResult(self._from_free(theta), self._names(), conv)
        share = float(conv.mean()) if conv.size else 1.0
        if share < MIN_CONVERGED:
            warnings.warn(
                f"{type(self).__name__} bootstrap: {100 * (1 - share):.1f}% of the "
                f"{conv.size} refits did not converge (flagged in bootstrap_.converged); "
                "their draws are kept, so the intervals may be too wide",
                FitQualityWarning,
                stacklevel=3,
            )
        return self.bootstrap_

    def param_draws(self) -> np.ndarray:
        """Natural parameter draws ``(n_boot, k)``; the point estimate alone when unbootstrapped."""
        if self.bootstrap_ is not None:
            return self.bootstrap_.draws
        return self._param_vector()[None, :]

    def summary_frame(self) -> pd.DataFrame:
        """One row per parameter: estimate, bootstrap standard error and 95 % interval."""
        vec = self._param_vector()
        out = pd.DataFrame({"estimate": vec}, index=pd.Index(self._names(), name="param"))
        if self.bootstrap_ is not None:
            d = self.bootstrap_.draws
            out["se"] = np.nanstd(d, axis=0, ddof=1)
            out["ci_low"] = np.nanquantile(d, 0.025, axis=0)
            out["ci_high"] = np.nanquantile(d, 0.975, axis=0)
        else:
            out["se"] = np.nan
            out["ci_low"] = np.nan
            out["ci_high"] = np.nan
        return out

    def summary(self) -> Summary:
        """The fit as a :class:`~densing._summary.Summary`: settings and fit diagnostics, then
        :meth:`summary_frame` (it prints nothing)."""
        d = self.to_dict()
        s = Summary(f"<{type(self).__name__}>", header=[
            (k, v) for k, v in d.items() if k not in ("law", "params", "bootstrap_draws")])
        if self.bootstrap_ is not None:
            s.add_header("bootstrap", f"{len(self.bootstrap_.draws)} resamples")
        return s.add_table(self.summary_frame(), index=True)

    def print_summary(self) -> None:
        """Print :meth:`summary` as text."""
        print(self.summary().as_text())

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python description: parameters, settings, fit diagnostics."""
        out: dict[str, Any] = {"law": type(self).__name__, "params": dict(self._check_fitted())}
        out.update(self._settings())
        if self.fit_result_ is not None:
            out["objective"] = self.fit_result_.objective
            out["n_starts"] = self.fit_result_.n_starts
            out["converged"] = self.fit_result_.converged
        if self.bootstrap_ is not None:
            out["bootstrap_draws"] = self.bootstrap_.draws.tolist()
        return out

    def _settings(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        if self.params_ is None:
            return f"<{type(self).__name__}: unfitted>"
        body = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{type(self).__name__}: {body}>"


__all__ = [
    "DEFAULT_DELTA", "MIN_CONVERGED", "BootstrapResult", "FitResult", "FittedLaw",
    "as_float_array", "batched_fit", "check_finite_positive", "grid", "group_bootstrap_counts",
    "group_bootstrap_weights", "huber", "multistart_fit",
]
