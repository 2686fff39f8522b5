"""The comparison of two periods of a fitted trend (before and after a split date)."""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from densing.exceptions import FitQualityWarning, InputError
from densing.trend._bootstrap import _Fitter, _percentile_ci
from densing.trend._data import _Data, _iso, _parse_one
from densing.trend._frontiers import _point_fit
from densing.trend.results import LineFit, PeriodComparison


def compare_periods(trend: Any, split: str | _dt.date) -> PeriodComparison:
    """Refit ``trend``'s frontier before and after ``split`` on its own resamples.

    Parameters
    ----------
    trend
        A fitted :class:`~densing.trend.DensingTrend`.
    split
        First day of the second period.

    Returns
    -------
    PeriodComparison
        Both fits, the slope ratio and its interval.
    """
    day = _parse_one(split, "split")
    data = trend._data
    q = float(trend.quantile)
    level = float(trend.ci)
    fitter = _Fitter(trend.frontier, q, data.t, data.x, data.logd)
    idx = trend._indices(data.t.size)
    fits: dict[str, LineFit] = {}
    slopes: dict[str, NDArray[np.float64]] = {}
    for name, member in (("before", data.dates < day), ("after", data.dates >= day)):
        count = int(member.sum())
        if count < 3:
            raise InputError(
                f"the period {name} {_iso(day)} has {count} model(s) "
                f"({trend.n_models_} in all): each period needs at least 3; move split"
            )
        sub = _Data(
            models=data.models[member],
            dates=data.dates[member],
            t=data.t[member],
            x=data.x[member],
            logd=None,
            censored={},
            n_outside_window=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitQualityWarning)
            slope, icpt, r2, mask = _point_fit(str(trend.frontier), sub, q)
        draws, _ = fitter.rows(idx, member=member, desc=f"bootstrap {name}")
        slopes[name] = draws
        fits[name] = LineFit.from_draws(
            method=str(trend.frontier), slope=slope, intercept=icpt, r2=r2, ci=level,
            slope_draws=draws, n_models=count,
            members=sub.models[mask].astype(str).tolist(),
            period=(_iso(sub.dates[0]), _iso(sub.dates[-1])),
        )
    before, after = fits["before"].slope_per_day, fits["after"].slope_per_day
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_draws = slopes["after"] / slopes["before"]
        estimate = after / before if before != 0 else math.nan
    both = np.isfinite(slopes["after"]) & np.isfinite(slopes["before"])
    faster = (
        float(np.mean(slopes["after"][both] > slopes["before"][both]))
        if both.any()
        else math.nan
    )
    return PeriodComparison(
        split=str(_iso(day)), frontier=str(trend.frontier), before=fits["before"],
        after=fits["after"], ratio=float(estimate),
        ratio_ci=_percentile_ci(ratio_draws, level), prob_faster_after=faster,
    )


__all__: list[str] = []
