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
            env = DensingTrend(frontier="running_max", start=start, end=end,
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
            out[tau] = float(DensingTrend(frontier="quantile", quantile=tau, start=start,
                                          end=end, n_bootstrap=0, censored="bound")
                             .fit(bounded).doubling_time_months_)
        except InputError:
            out[tau] = math.nan
    return out


def _stochastic_fit(trend: DensingTrend, n_bootstrap: int, random_state: int,
                    level: float) -> StochasticFrontierFit | None:
    """The stochastic-frontier cross-check on the headline's models (a bound at its value)."""
    d = trend.data_
    try:
        return stochastic_frontier(d["t_days"].to_numpy(dtype=float),
                                   np.log(d["density"].to_numpy(dtype=float)),
                                   n_bootstrap=n_bootstrap, level=level,
                                   random_state=random_state)
    except InputError:
        return None


__all__ = ["REPORTED_QUANTILES"]
