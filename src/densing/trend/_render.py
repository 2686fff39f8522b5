"""The one text/HTML rendering of a fitted :class:`~densing.trend.DensingTrend`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from densing._summary import Summary
from densing._validation import check_window
from densing.trend._data import _iso
from densing.trend.results import ALL_POINTS_KEYS, _fmt_months


def _interval_line(trend: Any) -> str:
    """Which interval the header shows, and the other one beside it."""
    plo, phi = trend.ci_percentile_["doubling_time_days"]
    pct = f"percentile bootstrap {_fmt_months(plo)} .. {_fmt_months(phi)} months"
    if trend.interval_ == "calibrated":
        what = "calibrated (coverage checked by simulation)"
        if trend.measurement_slopes_ is not None:
            what += ", widened by the density draws"
        return f"{what}; uncalibrated {pct}"
    return f"{pct} (uncalibrated)"


def trend_summary(trend: Any, decimals: int = 4, max_members: int = 40) -> Summary:
    """The report of a fitted trend: headline (doubling time and CI) first.

    Parameters
    ----------
    trend
        A fitted :class:`~densing.trend.DensingTrend`.
    decimals
        Significant digits in the parameter table.
    max_members
        At most this many frontier members are listed.

    Returns
    -------
    Summary
        Header, parameter table, frontier members, the all-points fit.
    """
    pct = f"{100 * float(trend.ci):g}%"
    lo, hi = trend.ci_["doubling_time_days"]
    method = str(trend.frontier)
    if trend.frontier == "quantile":
        method += f" (q = {trend.quantile:g})"
    censored = ", ".join(f"{k} {v}" for k, v in trend.censored_.items()) or "none"
    s = Summary("<densing.trend.DensingTrend>", header=[
        ("doubling time", f"{_fmt_months(trend.doubling_time_days_)} months ({pct} CI "
                          f"{_fmt_months(lo)} .. {_fmt_months(hi)}), "
                          f"{trend.doubling_time_days_:.4g} days"),
        ("frontier", method),
        ("models used", trend.n_models_),
        ("censored", f"{trend.n_censored_} ({censored})"),
        ("outside window", trend.n_outside_window_),
        ("dates", f"{_iso(trend.date_range_[0])} .. {_iso(trend.date_range_[1])}   "
                  f"(t = days since {_iso(trend._origin)})"),
        ("frontier models", trend.n_frontier_),
        (trend.line_.r2_name, f"{trend.r2_:.3f}"),
        ("interval", _interval_line(trend)),
        ("bootstrap", f"{trend.n_bootstrap} resamples over models (seed "
                      f"{trend.random_state}), {trend.n_bootstrap_failed_} without a fit"),
    ])
    s.add_table(trend.summary_frame(), index=True, float_format=f".{int(decimals)}g")
    what = {
        "running_max": "running-maximum envelope",
        "quantile": f"on or above the q = {trend.quantile:g} line",
        "all": "all models",
    }[str(trend.frontier)]
    members = trend.frontier_.assign(release_date=trend.frontier_["release_date"].dt.date)
    members = members[["model", "release_date", "density"]]
    s.add_table(members.head(max_members), caption=f"Frontier members ({what}):")
    if len(members) > max_members:
        s.add_note(f"... and {len(members) - max_members} more (see frontier_)")
    ap = trend.all_points_
    s.add_note(f"All-points OLS ({ap.n_models} models): {ap._one_line()}")
    return s


#: the rows of :meth:`DensingTrend.summary_frame`
_PARAMS = ("slope_per_day", "intercept", "doubling_time_days", "doubling_time_months")


def trend_frame(trend: Any) -> pd.DataFrame:
    """The parameter table of a fitted trend (see :meth:`DensingTrend.summary_frame`)."""
    estimates = {
        "slope_per_day": trend.slope_per_day_,
        "intercept": trend.intercept_,
        "doubling_time_days": trend.doubling_time_days_,
        "doubling_time_months": trend.doubling_time_months_,
    }
    return pd.DataFrame(
        {
            "estimate": [estimates[p] for p in _PARAMS],
            "std_error": [trend.std_error_[p] for p in _PARAMS],
            "ci_low": [trend.ci_[p][0] for p in _PARAMS],
            "ci_high": [trend.ci_[p][1] for p in _PARAMS],
        },
        index=pd.Index(list(_PARAMS), name="parameter"),
    )


__all__: list[str] = []


def trend_dict(trend: Any) -> dict[str, Any]:
    """A fitted trend as plain Python values (see :meth:`DensingTrend.to_dict`).

    Parameters
    ----------
    trend
        A fitted :class:`~densing.trend.DensingTrend`.

    Returns
    -------
    dict
        Settings, counts, estimates, intervals, frontier members, the all-points fit.
    """
    out: dict[str, Any] = {
        "frontier": str(trend.frontier),
        "quantile": float(trend.quantile) if trend.frontier == "quantile" else None,
        "origin": _iso(trend._origin),
        "window": list(check_window(trend.window)),
        "date_range": [_iso(trend.date_range_[0]), _iso(trend.date_range_[1])],
        "n_models": int(trend.n_models_),
        "n_frontier": int(trend.n_frontier_),
        "n_censored": int(trend.n_censored_),
        "censored": {k: int(v) for k, v in trend.censored_.items()},
        "n_outside_window": int(trend.n_outside_window_),
        "slope_per_day": float(trend.slope_per_day_),
        "intercept": float(trend.intercept_),
        "doubling_time_days": float(trend.doubling_time_days_),
        "doubling_time_months": float(trend.doubling_time_months_),
        "r2": float(trend.r2_),
        "ci_level": float(trend.ci),
        "ci": {k: [float(v[0]), float(v[1])] for k, v in trend.ci_.items()},
        "std_error": {k: float(v) for k, v in trend.std_error_.items()},
        "n_bootstrap": int(trend.n_bootstrap),
        "n_bootstrap_failed": int(trend.n_bootstrap_failed_),
        "random_state": trend.random_state,
        "frontier_models": [
            {"model": str(m), "release_date": _iso(pd.Timestamp(d)), "density": float(r)}
            for m, d, r in zip(
                trend.frontier_["model"].tolist(),
                trend.frontier_["release_date"].to_numpy(),
                trend.frontier_["density"].to_numpy(dtype=float),
                strict=True,
            )
        ],
        "all_points": trend.all_points_.to_dict(ALL_POINTS_KEYS),
    }
    out["interval"] = str(trend.interval_)
    out["ci_percentile"] = {
        k: [float(v[0]), float(v[1])] for k, v in trend.ci_percentile_.items()
    }
    if trend.censored != "drop":
        out["censored_mode"] = str(trend.censored)
        out["n_bounds"] = int(trend.n_bounds_)
        out["n_bounds_on_frontier"] = int(trend.n_bounds_on_frontier_)
    if trend.censored_fit_ is not None and trend.frontier == "all":
        out["tobit_sigma"] = float(trend.censored_fit_.sigma)
    return out
