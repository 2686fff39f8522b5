"""The trend's settings and inputs: what :meth:`DensingTrend.fit` checks before it fits.

:class:`~densing.trend.DensingTrend` keeps its constructor arguments as given (in the
scikit-learn style); :func:`check_settings` validates them when the trend is fitted, and
:func:`prepare_fit` turns a table (and optional density draws) into the validated data, the
lower bounds of ``censored="bound"`` and the seed its resamples replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from densing._validation import (
    check_choice,
    check_ci,
    check_frontier,
    check_n_bootstrap,
    check_random_state,
    check_scalar,
    check_window,
    format_value,
)
from densing.exceptions import InputError
from densing.trend._bootstrap import check_bootstrap_cost
from densing.trend._calibrate import INTERVALS
from densing.trend._censored import CENSORED_MODES, _with_bounds
from densing.trend._data import _Data, _parse_one, _prepare


def check_seed(value: Any) -> int | None:
    """The trend's seed: ``None`` or an integer >= 0 (it replays its resamples by seed)."""
    seed = check_random_state(value)
    if seed is not None and not isinstance(seed, int):
        raise InputError(
            f"random_state={format_value(value)} must be None or a non-negative integer "
            "(the trend replays its resamples from the seed)"
        )
    return seed


@dataclass
class Settings:
    """A trend's checked dates: the origin and the window's ends (``None`` when open)."""

    origin: np.datetime64
    start: np.datetime64 | None
    end: np.datetime64 | None


def check_settings(trend: Any) -> Settings:
    """Check every constructor argument of ``trend``, a :class:`DensingTrend` (one-line
    :class:`InputError`; typed ``Any``: importing the estimator here would be a cycle)."""
    check_frontier(trend.frontier)
    check_scalar(trend.quantile, "quantile", low=0.0, high=1.0, include_low=False,
                 include_high=False, hint="strictly between 0 and 1, e.g. 0.9")
    check_ci(trend.ci)
    check_n_bootstrap(trend.n_bootstrap)
    check_seed(trend.random_state)
    check_choice(trend.censored, "censored", CENSORED_MODES)
    if trend.interval is not None:
        check_choice(trend.interval, "interval", INTERVALS)
    if not isinstance(trend.bound_col, str):
        raise InputError(f"bound_col={format_value(trend.bound_col)} must be a column name")
    if trend.censored == "bound" and trend.interval == "calibrated":
        raise InputError(
            "interval='calibrated' is not available with censored='bound' yet: use "
            "interval='percentile' (the case bootstrap of the censored estimators)"
        )
    origin = _parse_one(trend.origin, "origin")
    start, end = check_window(trend.window)
    return Settings(origin, None if start is None else np.datetime64(start, "D"),
                    None if end is None else np.datetime64(end, "D"))


@dataclass
class Prepared:
    """What a fit reads: the data, the bounds (``censored="bound"``) and the fixed seed."""

    data: _Data
    bounds: NDArray[np.bool_] | None
    censor_at: NDArray[np.float64] | None
    origin: np.datetime64
    seed: int


def prepare_fit(
    trend: Any, df: pd.DataFrame, *, date_col: str, density_col: str, model_col: str,
    status_col: str, density_draws: ArrayLike | None,
) -> Prepared:
    """Check ``trend``'s settings and ``df``; fix the seed; pair models with density draws."""
    s = check_settings(trend)
    data = _prepare(df, date_col=date_col, density_col=density_col, model_col=model_col,
                    status_col=status_col, origin=s.origin, start=s.start, end=s.end,
                    density_draws=density_draws)
    bounds: NDArray[np.bool_] | None = None
    censor_at: NDArray[np.float64] | None = None
    if trend.censored == "bound":
        if density_draws is not None:
            raise InputError(
                "density_draws (the joint bootstrap) is not available with "
                "censored='bound' yet: drop density_draws or use censored='drop'"
            )
        data, bounds, censor_at = _with_bounds(
            df, data, date_col=date_col, model_col=model_col, status_col=status_col,
            bound_col=str(trend.bound_col), origin=s.origin, start=s.start, end=s.end,
        )
    # fix the seed so compare_periods() can replay the same resamples
    seed = trend.random_state
    fixed = int(np.random.SeedSequence().entropy) if seed is None else int(seed)  # type: ignore[arg-type]
    n_boot = int(trend.n_bootstrap)
    check_bootstrap_cost(n_boot, data.t.size, str(trend.frontier), data.logd is not None)
    if data.logd is not None and data.logd.shape[0] != n_boot:
        # pair each model resample with a random draw of the reference frame
        rows = np.random.default_rng([fixed, 1]).integers(0, data.logd.shape[0], n_boot)
        data.logd = np.ascontiguousarray(data.logd[rows])
    return Prepared(data, bounds, censor_at, s.origin, fixed)


__all__: list[str] = []
