"""The leaderboard's chart as a matplotlib figure, in the trend figure's conventions.

The paper's line is drawn and labelled, the band is the interval the legend states (the
doubling time's, through the fit's anchor), the frontier estimator is named and censored
models are drawn as bounds (arrows at their release date), as in
:func:`densing.plotting.plot_density_trend` and :func:`~densing.plotting.plot_effective_vs_actual`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from densing._plot_common import (
    CENSORED_COLOR,
    FRONTIER_COLOR,
    PAPER_DOUBLING_MONTHS,
    POINT_COLOR,
    _date_axis,
    _new_axes,
    _num,
    _place_labels,
    band_drawable,
    estimator_name,
    members_name,
    months_text,
    through_anchor,
    trend_labels,
)
from densing.exceptions import InputError

#: statuses of a leaderboard row censored above what the frame resolves (a lower bound)
_UP = ("above_ceiling", "above_frame_range")
#: status of a row censored below the frame's floor (an upper bound)
_DOWN = ("below_floor",)


def chart_geometry(result: Any) -> dict[str, Any]:
    """What every leaderboard chart draws, from a :class:`LeaderboardResult`.

    Returns ``ok`` (the rows with a density), ``up``/``down`` (release dates of rows
    censored above the frame / below its floor), and with a trend: ``days`` and ``log_fit``
    (the fitted line, natural log), ``day0``/``log_y0`` (the anchor: the fit at the frontier
    models' mean release date), ``log_lo``/``log_hi`` (the lines of the interval's two ends
    through the anchor; ``None`` when it cannot be shaded), ``log_paper`` and ``labels``.
    """
    table = result.table
    if not isinstance(table, pd.DataFrame) or "status" not in table.columns:
        raise InputError("result must be a LeaderboardResult (a table with a status column)")
    ok = table[(table["status"] == "ok") & (table["density"] > 0)]
    dates = pd.to_datetime(table["release_date"], errors="coerce")
    out: dict[str, Any] = {
        "ok": ok,
        "up": dates[table["status"].isin(_UP)].dropna().tolist(),
        "down": dates[table["status"].isin(_DOWN)].dropna().tolist(),
        "trend": None,
    }
    t = result.trend
    curve = result.curve or {}
    if not t or not curve.get("dates"):
        return out
    days = np.array([_num(pd.Timestamp(d)) for d in curve["dates"]])
    log_fit = np.log(np.asarray(curve["density"], dtype=float))
    front = ok[ok["frontier"].astype(bool)]
    member_days = [_num(pd.Timestamp(d)) for d in pd.to_datetime(front["release_date"])]
    day0 = float(np.mean(member_days)) if member_days else float(days.mean())
    log_y0 = float(np.interp(day0, days, log_fit))
    months = float(t.get("doubling_time_months") or math.nan)
    ci = (t.get("ci") or {}).get("doubling_time_months") or [math.nan, math.nan]
    lo, hi = (math.inf if v is None else float(v) for v in ci)
    estimator = estimator_name(str(t.get("frontier")), t.get("quantile"))
    out.update(
        trend=t, days=days, log_fit=log_fit, day0=day0, log_y0=log_y0, lo=lo, hi=hi,
        months=months, estimator=estimator,
        members=members_name(str(t.get("frontier")), t.get("quantile")),
        log_lo=through_anchor(days, day0, log_y0, lo) if band_drawable(lo, hi) else None,
        log_hi=through_anchor(days, day0, log_y0, hi) if band_drawable(lo, hi) else None,
        log_paper=through_anchor(days, day0, log_y0, PAPER_DOUBLING_MONTHS),
        labels=trend_labels(months, lo, hi, float(t.get("ci_level") or 0.95), estimator),
    )
    return out


def plot_leaderboard(result: Any, ax: Any = None, *, paper: bool = True) -> Any:
    """A leaderboard's models, its trend with the interval the legend states, the paper's law.

    Parameters
    ----------
    result
        A :class:`~densing.leaderboard.LeaderboardResult` (``Leaderboard.recompute()``).
    ax
        Axes to draw on; a new figure when ``None``.
    paper
        Draw the paper's law, a doubling every 3.3 months, through the fit's anchor.

    Returns
    -------
    matplotlib.axes.Axes
        Log density against release date: the models and the fit's highlighted models
        (two collections), the fit and the paper's line (labelled), the band of the
        doubling-time interval and one arrow per censored model.
    """

    g = chart_geometry(result)
    ok = g["ok"]
    if ax is None:
        ax = _new_axes()
    dates = pd.to_datetime(ok["release_date"])
    ax.scatter(dates, ok["density"], s=18, color=POINT_COLOR, alpha=0.8, zorder=2,
               label=f"models ({len(ok)})")
    front = ok[ok["frontier"].astype(bool)]
    if g["trend"] is not None:
        ax.scatter(pd.to_datetime(front["release_date"]), front["density"], s=42,
                   color=FRONTIER_COLOR, edgecolor="black", linewidth=0.6, zorder=3,
                   label=f"{g['members']} ({len(front)})")
        import matplotlib.dates as mdates

        x = mdates.num2date(g["days"])
        ax.plot(x, np.exp(g["log_fit"]), color=FRONTIER_COLOR, linewidth=2, zorder=2,
                label=g["labels"]["fit"])
        if g["log_lo"] is not None:
            edges = np.vstack([g["log_lo"], g["log_hi"]])
            ax.fill_between(x, np.exp(edges.min(axis=0)), np.exp(edges.max(axis=0)),
                            color=FRONTIER_COLOR, alpha=0.15, linewidth=0, zorder=1,
                            label=g["labels"]["band"])
        if paper:
            ax.plot(x, np.exp(g["log_paper"]), color="black", linestyle="--", linewidth=1.2,
                    zorder=2, label=g["labels"]["paper"])
    extra: list[Any] = []
    for when, towards, what in ((g["up"], 1, "above"), (g["down"], 0, "below")):
        for d in when:
            ax.annotate("", xy=(d, towards), xycoords=("data", "axes fraction"),
                        xytext=(d, 0.85 if towards else 0.15),
                        textcoords=("data", "axes fraction"),
                        arrowprops={"arrowstyle": "-|>", "color": CENSORED_COLOR, "lw": 1.0})
        if when:
            from matplotlib.lines import Line2D

            extra.append(Line2D([], [], color=CENSORED_COLOR, linestyle="none",
                                marker="^" if towards else "v",
                                label=f"censored: density {what} what the frame resolves "
                                      f"({len(when)}, arrows at their date)"))
    ax.set_yscale("log")
    _date_axis(ax)
    ax.set_xlabel("Release date")
    ax.set_ylabel("Capability density ρ = N̂ / N (log scale)")
    if g["trend"] is not None:
        ax.set_title(f"Leaderboard: density doubles every {months_text(g['months'])} months "
                     f"(paper: {PAPER_DOUBLING_MONTHS:g})\n{len(ok)} models, "
                     f"{g['estimator']}", fontsize=10)
    else:
        ax.set_title(f"Leaderboard: {len(ok)} models ({result.note or 'no trend'})",
                     fontsize=10)
    handles, _ = ax.get_legend_handles_labels()
    legend = ax.legend(handles=handles + extra, loc="upper left", bbox_to_anchor=(0.0, -0.16),
                       fontsize=8, frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    if g["trend"] is not None:
        import matplotlib.dates as mdates

        labels = [ax.annotate(str(r["model"]), (pd.Timestamp(r["release_date"]), r["density"]),
                              xytext=(5, 5), textcoords="offset points", fontsize=8,
                              color=FRONTIER_COLOR, zorder=5)
                  for _, r in front.iterrows()]
        others = list(zip(pd.to_datetime(ok["release_date"]), ok["density"], strict=True))
        _place_labels(ax, labels, avoid=[legend],
                      line=(mdates.num2date(g["days"]), np.exp(g["log_fit"])), points=others)
    return ax


__all__ = ["chart_geometry", "plot_leaderboard"]
