"""A stochastic frontier for the densing law: ``ln rho = A t + B + v - u`` (issue 19).

Every model sits below the frontier ``A t + B`` by an inefficiency ``u >= 0`` (how far a
model falls short of the best density of its date) plus a symmetric noise ``v``:

    v ~ N(0, sigma_v^2),    u ~ |N(0, sigma_u(t)^2)|  (half-normal),
    sigma_u(t) = exp(c0 + c1 * (t - mean t) / sd t)

``c1 = 0`` is the constant-inefficiency model; ``c1 != 0`` lets the spread of the models
below the frontier drift with time (e.g. shrink, as the field's median catches up). The
five parameters are fitted by maximum likelihood (Aigner, Lovell & Schmidt 1977, with the
heteroscedastic ``sigma_u`` of Caudill & Ford 1993) with scipy's BFGS from an OLS start. The
likelihood-ratio test of ``c1 = 0`` compares the two fits (chi-squared with 1 df). The
interval is a case (pairs) bootstrap over models, each resample refitted from the full fit.

This is a parametric cross-check of the quantile headline: it uses every model and has a
fixed target (the frontier line), but it leans on the stated distributions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import log_ndtr
from scipy.stats import chi2

from densing._validation import check_ci
from densing.conventions import doubling_months
from densing.exceptions import InputError

_LOG_2 = math.log(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class StochasticFrontierFit:
    """A stochastic-frontier fit of ``ln rho`` on days.

    Attributes
    ----------
    slope_per_day, intercept
        ``A`` and ``B`` of the frontier line ``A t + B``.
    sigma_v
        Standard deviation of the symmetric noise.
    c0, c1
        ``ln sigma_u`` at the mean date and its change per standard deviation of dates
        (``c1 = 0`` with ``drift=False``).
    loglik
        Maximised log-likelihood.
    loglik_constant, lr_stat, lr_pvalue
        The constant-inefficiency fit's log-likelihood, the likelihood-ratio statistic of
        ``c1 = 0`` and its chi-squared(1) p-value (NaN with ``drift=False``).
    slope_ci
        Case-bootstrap percentile interval of the slope (NaN without resamples).
    n_models, n_bootstrap, n_failed
        Models fitted, bootstrap resamples, and resamples whose fit failed.
    converged
        Whether the optimiser converged.
    """

    slope_per_day: float
    intercept: float
    sigma_v: float
    c0: float
    c1: float
    loglik: float
    loglik_constant: float
    lr_stat: float
    lr_pvalue: float
    slope_ci: tuple[float, float]
    n_models: int
    n_bootstrap: int
    n_failed: int
    converged: bool

    @property
    def doubling_time_months(self) -> float:
        """``ln 2 / A`` in months (``inf`` when ``A <= 0``)."""
        return doubling_months(self.slope_per_day)

    @property
    def doubling_time_months_ci(self) -> tuple[float, float]:
        """The slope interval as doubling times (``inf`` above when it reaches ``A <= 0``)."""
        lo, hi = self.slope_ci

        return (doubling_months(hi), doubling_months(lo))


def _nll(p: NDArray[np.float64], t: NDArray[np.float64], ts: NDArray[np.float64],
         y: NDArray[np.float64], w: NDArray[np.float64], drift: bool) -> float:
    a, b, log_sv, c0 = p[0], p[1], p[2], p[3]
    c1 = p[4] if drift else 0.0
    sv = math.exp(log_sv)
    su = np.exp(c0 + c1 * ts)
    sig = np.sqrt(sv * sv + su * su)
    eps = y - a * t - b
    lam = su / sv
    ll = _LOG_2 - np.log(sig) - _LOG_SQRT_2PI - 0.5 * (eps / sig) ** 2 + log_ndtr(
        -eps * lam / sig)
    return float(-np.sum(w * ll))


def _fit(t: NDArray[np.float64], ts: NDArray[np.float64], y: NDArray[np.float64],
         w: NDArray[np.float64], drift: bool,
         start: NDArray[np.float64]) -> tuple[NDArray[np.float64], float, bool]:
    p0 = start if drift else start[:4]
    res = minimize(_nll, p0, args=(t, ts, y, w, drift), method="BFGS",
                   options={"gtol": 1e-6, "maxiter": 500})
    p = np.asarray(res.x, dtype=float)
    if not drift:
        p = np.append(p, 0.0)
    return p, float(-res.fun), bool(res.success or res.status == 2)


def _start(t: NDArray[np.float64], y: NDArray[np.float64],
           w: NDArray[np.float64]) -> NDArray[np.float64]:
    sw = w.sum()
    mt = float((w * t).sum() / sw)
    my = float((w * y).sum() / sw)
    sxx = float((w * (t - mt) ** 2).sum())
    a = float((w * (t - mt) * (y - my)).sum() / sxx) if sxx > 0 else 0.0
    r = y - my - a * (t - mt)
    sd = float(np.sqrt((w * r * r).sum() / sw)) or 1.0
    # half-normal u with sd_u ~ 0.8 sd: mean u = su * sqrt(2 / pi)
    su = 0.8 * sd / math.sqrt(1.0 - 2.0 / math.pi)
    b = my - a * mt + su * math.sqrt(2.0 / math.pi)
    return np.array([a, b, math.log(0.5 * sd), math.log(su), 0.0])


def stochastic_frontier(
    t: NDArray[np.float64], y: NDArray[np.float64], *, drift: bool = True,
    n_bootstrap: int = 200, ci: float = 0.95, random_state: int = 0,
) -> StochasticFrontierFit:
    """Fit ``y = A t + B + v - u`` by maximum likelihood, with a case-bootstrap interval.

    Parameters
    ----------
    t
        Days since the origin, one per model.
    y
        ``ln`` density, one per model.
    drift
        Let the inefficiency's scale drift linearly (in logs) with time.
    n_bootstrap
        Case resamples over models for the slope interval (0: none).
    ci
        Confidence level of the interval, strictly between 0 and 1.
    random_state
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    StochasticFrontierFit
        Estimates, the likelihood-ratio test of a drifting against a constant inefficiency,
        and the interval.

    Raises
    ------
    densing.InputError
        With fewer than 6 models or a single date.
    """
    level = check_ci(ci)
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    if t.shape != y.shape or t.ndim != 1:
        raise InputError(f"t and y must be 1-D of one length; got {t.shape} and {y.shape}")
    if t.size < 6 or np.ptp(t) == 0:
        raise InputError(f"the stochastic frontier needs at least 6 models on two or more "
                         f"dates; got {t.size}")
    ts = (t - t.mean()) / t.std()
    w = np.ones(t.size)
    start = _start(t, y, w)
    p_c, ll_c, ok_c = _fit(t, ts, y, w, False, start)
    p, ll, ok = (p_c, ll_c, ok_c)
    lr = pv = math.nan
    if drift:
        p, ll, ok = _fit(t, ts, y, w, True, p_c)
        lr = max(2.0 * (ll - ll_c), 0.0)
        pv = float(chi2.sf(lr, 1))
    slopes = np.full(int(n_bootstrap), np.nan)
    rng = np.random.default_rng([random_state, 19])
    for b in range(int(n_bootstrap)):
        counts = np.bincount(rng.integers(0, t.size, t.size), minlength=t.size).astype(float)
        pb, _, okb = _fit(t, ts, y, counts, drift, p)
        if okb:
            slopes[b] = pb[0]
    good = slopes[np.isfinite(slopes)]
    slope_ci = (math.nan, math.nan)
    if good.size >= 10:
        alpha = (1.0 - level) / 2.0
        lo, hi = np.quantile(good, [alpha, 1.0 - alpha])
        slope_ci = (float(lo), float(hi))
    return StochasticFrontierFit(
        slope_per_day=float(p[0]), intercept=float(p[1]), sigma_v=math.exp(float(p[2])),
        c0=float(p[3]), c1=float(p[4]), loglik=ll, loglik_constant=ll_c, lr_stat=lr,
        lr_pvalue=pv, slope_ci=slope_ci, n_models=int(t.size), n_bootstrap=int(n_bootstrap),
        n_failed=int(n_bootstrap) - int(good.size), converged=ok,
    )


__all__ = ["StochasticFrontierFit", "stochastic_frontier"]
