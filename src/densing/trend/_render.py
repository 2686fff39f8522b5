"""The one text/HTML rendering of a fitted :class:`~densing.trend.DensingTrend`."""

from __future__ import annotations

from typing import Any

from densing._summary import Summary
from densing.trend._data import _iso
from densing.trend.results import _fmt_months


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
    s.add_note(f"All-points OLS ({ap.n_models} models): {ap.describe()}")
    return s


__all__: list[str] = []
