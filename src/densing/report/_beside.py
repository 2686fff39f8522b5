"""The fits beside the headline: the envelope, the quantile line by tau, the stochastic frontier."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from densing.exceptions import InputError
from densing.reference import ReferenceFrame
from densing.report._intervals import _joint_interval, _measurement_slopes
from densing.trend import DensingTrend
from densing.trend._stochastic import StochasticFrontierFit, stochastic_frontier

#: the quantiles whose doubling times are reported beside the headline
REPORTED_QUANTILES = (0.8, 0.9, 0.95)


def _envelope_fit(
    per_model: pd.DataFrame, per_bench: pd.DataFrame, fr: ReferenceFrame, frontier: str,
    trend: DensingTrend, m_slopes: np.ndarray, *, benchmark: str, tokens: float,
    start: str | None, end: str | None, n_bootstrap: int, random_state: int, n_draws: int,
) -> tuple[DensingTrend | None, dict[str, dict[str, tuple[float, float]]]]:
    """The running-maximum envelope beside the headline, with its calibrated interval."""
    try:
        if frontier == "running_max":
            env, slopes = trend, m_slopes
        else:
            env = DensingTrend(frontier="running_max", window=(start, end),
                               n_bootstrap=n_bootstrap, random_state=random_state,
                               interval="calibrated").fit(per_model)
            _, slopes = _measurement_slopes(
                per_model, per_bench, fr, benchmark=benchmark, tokens=tokens,
                frontier="running_max", start=start, end=end, random_state=random_state,
                n_draws=n_draws)
    except InputError:
        return None, {}
    return env, {"envelope": _joint_interval(env, slopes),
                 "envelope_models_only": dict(env.ci_)}


def _quantile_points(bounded: pd.DataFrame, start: str | None, end: str | None, q: float,
                     trend: DensingTrend) -> dict[float, float]:
    """Doubling time (months) of the bound-keeping quantile line at each reported tau."""
    out: dict[float, float] = {}
    for tau in sorted({*REPORTED_QUANTILES, q}):
        if tau == q and trend.frontier == "quantile":
            out[tau] = float(trend.doubling_time_months_)
            continue
        try:
            out[tau] = float(DensingTrend(frontier="quantile", quantile=tau,
                                          window=(start, end), n_bootstrap=0,
                                          censored="bound")
                             .fit(bounded).doubling_time_months_)
        except InputError:
            out[tau] = math.nan
    return out


def _stochastic_fit(trend: DensingTrend, n_bootstrap: int, random_state: int,
                    ci: float) -> StochasticFrontierFit | None:
    """The stochastic-frontier cross-check on the headline's models (a bound at its value)."""
    d = trend.data_
    try:
        return stochastic_frontier(d["t_days"].to_numpy(dtype=float),
                                   np.log(d["density"].to_numpy(dtype=float)),
                                   n_bootstrap=n_bootstrap, ci=ci,
                                   random_state=random_state)
    except InputError:
        return None


def pseudo_r1(trend: DensingTrend) -> float:
    """Koenker-Machado pseudo-R¹ of a fitted quantile line (its own R² where it has one).

    ``R¹ = 1 - V(line) / V(constant)``, ``V`` the summed check loss of the residuals at the
    line's ``tau`` and the constant the sample ``tau``-quantile. Models kept as lower bounds
    enter at their bound (the headline of the bundled data has none).

    Parameters
    ----------
    trend
        A fitted :class:`~densing.trend.DensingTrend`.

    Returns
    -------
    float
        The pseudo-R¹ in ``(-inf, 1]`` for ``frontier="quantile"``; ``trend.r2_``
        otherwise.
    """
    if trend.frontier != "quantile":
        return float(trend.r2_)
    d = trend.data_
    x = np.log(d["density"].to_numpy(dtype=float))
    t = d["t_days"].to_numpy(dtype=float)
    tau = float(trend.quantile)

    def check_loss(r: np.ndarray) -> float:
        return float(np.sum(r * (tau - (r < 0))))

    v_const = check_loss(x - np.quantile(x, tau, method="inverted_cdf"))
    v_fit = check_loss(x - (trend.intercept_ + trend.slope_per_day_ * t))
    return 1.0 - v_fit / v_const if v_const > 0 else math.nan


__all__ = ["REPORTED_QUANTILES", "pseudo_r1"]
