"""Layout helpers of :mod:`densing.plotting`: date ticks and label placement (private)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from densing.conventions import DAYS_PER_MONTH

#: colours used across the figures
FRONTIER_COLOR = "#d62728"
POINT_COLOR = "#6c8ebf"
CENSORED_COLOR = "#7f7f7f"


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a core dependency
        raise ImportError(
            "densing.plotting needs matplotlib: pip install matplotlib "
            "(it comes with a default install of densing)"
        ) from exc
    return plt


def _new_axes(ncols: int = 1, figsize: tuple[float, float] = (7.0, 4.5)) -> Any:
    plt = _pyplot()
    _, axes = plt.subplots(1, ncols, figsize=figsize, layout="constrained")
    return axes


def _date_axis(ax: Any) -> None:
    """Quarterly ticks labelled by month, with the year under January and the first tick."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))

    def label(x: float, pos: int | None) -> str:
        day = mdates.num2date(x)
        return f"{day:%b}\n{day:%Y}" if day.month == 1 or pos == 0 else f"{day:%b}"

    ax.xaxis.set_major_formatter(FuncFormatter(label))


_CANDIDATES = ((5, 5, "left"), (5, -13, "left"), (-5, 5, "right"), (-5, -13, "right"),
               (8, 14, "left"), (8, -22, "left"), (-8, 14, "right"), (-8, -22, "right"),
               (0, 20, "center"), (0, -28, "center"), (10, 30, "left"), (10, -38, "left"),
               (-10, 30, "right"), (-10, -38, "right"), (0, 44, "center"), (0, -52, "center"))


def _place_labels(ax: Any, labels: list[Any], avoid: list[Any],
                  line: tuple[Any, Any] | None = None,
                  points: list[tuple[Any, float]] | None = None) -> None:
    """Move each label to the candidate offset that overlaps least with the other labels,
    the labelled points, other ``points``, the fitted line, ``avoid`` (e.g. the legend) and
    the axes' edges. A label set off from its point gets a thin leader line.

    A greedy rule (labels in order, each takes its best free spot), enough for the handful
    of frontier labels; adjustText is not needed.
    """
    fig = ax.figure
    fig.draw_without_rendering()  # settle the layout so display coordinates are final
    box_ax = ax.get_window_extent()
    marked = [ax.transData.transform((_num(a.xy[0]), a.xy[1])) for a in labels]
    dots = [ax.transData.transform((_num(x), float(y))) for x, y in points or []]
    samples = []
    if line is not None:
        xs = [_num(x) for x in line[0]]
        ends = ax.transData.transform(np.column_stack([xs, np.asarray(line[1])]))[[0, -1]]
        # ln rho is linear in t: the fit is a straight segment on these axes
        samples = list(np.linspace(ends[0], ends[1], 400))
    taken = [a.get_window_extent() for a in avoid if a is not None]
    pad = 6.0 * fig.dpi / 72.0  # marker radius, pixels

    def overlap(b: Any, o: Any) -> float:
        w = min(b.x1, o.x1) - max(b.x0, o.x0)
        h = min(b.y1, o.y1) - max(b.y0, o.y0)
        return max(w, 0.0) * max(h, 0.0)

    for ann, own_xy in zip(labels, marked, strict=True):
        best: tuple[float, tuple[int, int, str]] | None = None
        for dx, dy, ha in _CANDIDATES:
            ann.xyann = (dx, dy)
            ann.set_horizontalalignment(ha)
            b = _text_box(ann)
            cost = 50.0 * sum(overlap(b, t) for t in taken)  # labels must not collide
            cost += sum(4.0 * (2 * pad) ** 2 for (px, py) in marked
                        if b.x0 - pad < px < b.x1 + pad and b.y0 - pad < py < b.y1 + pad)
            cost += sum(0.5 * pad ** 2 for (px, py) in dots
                        if b.x0 - pad / 2 < px < b.x1 + pad / 2
                        and b.y0 - pad / 2 < py < b.y1 + pad / 2)
            cost += sum(30.0 for (px, py) in samples if b.x0 < px < b.x1 and b.y0 < py < b.y1)
            outside = b.width * b.height - overlap(b, box_ax)
            cost += 10.0 * outside
            cost += 0.01 * (abs(dx) + abs(dy))  # prefer the nearest spot
            # a label nearer to another labelled point than to its own reads as that point's
            own = _box_distance(b, own_xy)
            cost += sum(5000.0 for xy in marked
                        if xy is not own_xy and _box_distance(b, xy) < own + 2.0)
            if best is None or cost < best[0]:
                best = (cost, (dx, dy, ha))
        assert best is not None
        dx, dy, ha = best[1]
        ann.xyann = (dx, dy)
        ann.set_horizontalalignment(ha)
        if abs(dy) > 14 or abs(dx) > 6:  # set off from its point: draw a leader line
            leader = ax.annotate(ann.get_text(), ann.xy, xytext=(dx, dy),
                                 textcoords="offset points", fontsize=ann.get_fontsize(),
                                 color=ann.get_color(), ha=ha, zorder=ann.get_zorder(),
                                 arrowprops={"arrowstyle": "-", "color": ann.get_color(),
                                             "lw": 0.6, "shrinkA": 0, "shrinkB": 4})
            ann.remove()
            ann = leader
        taken.append(_text_box(ann))


def _box_distance(box: Any, xy: Any) -> float:
    """Distance in pixels from a point to a box (0 inside it)."""
    dx = max(box.x0 - xy[0], 0.0, xy[0] - box.x1)
    dy = max(box.y0 - xy[1], 0.0, xy[1] - box.y1)
    return float(np.hypot(dx, dy))


def _text_box(ann: Any) -> Any:
    """The display box of an annotation's text alone (without its leader line)."""
    from matplotlib.text import Text

    ann.get_window_extent()  # the Annotation's own method places the text first
    return Text.get_window_extent(ann)


def _num(x: Any) -> float:
    """A date or a number as a matplotlib x coordinate."""
    import matplotlib.dates as mdates

    if isinstance(x, (int, float, np.integer, np.floating)):
        return float(x)
    return float(mdates.date2num(pd.Timestamp(x).to_pydatetime()))


__all__: list[str] = []


# -- the conventions every trend chart shares (the trend figure, the leaderboard's charts) --

#: the paper's doubling time (Xiao et al. 2024, abstract and Fig. 1), months
PAPER_DOUBLING_MONTHS = 3.3


def estimator_name(frontier: str, quantile: float | None = None) -> str:
    """The frontier estimator in words, e.g. ``0.9-quantile line over every model``."""
    if frontier == "quantile":
        return f"{float(quantile if quantile is not None else 0.9):g}-quantile line over " \
            "every model"
    return {"running_max": "running-max envelope"}.get(str(frontier), "all-points OLS")


def members_name(frontier: str, quantile: float | None = None) -> str:
    """What a chart's highlighted models are, for its legend."""
    if frontier == "quantile":
        return f"on or above the {float(quantile if quantile is not None else 0.9):g}-" \
            "quantile line"
    return {"running_max": "record-setting models (the envelope)"}.get(
        str(frontier), "models in the fit")


def months_text(v: float | None) -> str:
    """A doubling time for a label: 3 significant digits, ``∞`` for none."""
    return f"{float(v):.3g}" if v is not None and math.isfinite(float(v)) else "∞"


def trend_labels(months: float, lo: float, hi: float, level: float,
                 estimator: str) -> dict[str, str]:
    """The legend texts of the fit, its band (the same interval) and the paper's line."""
    m = months_text
    pct = f"{100 * float(level):g}%"
    return {
        "fit": f"densing fit ({estimator}): doubling {m(months)} mo, {pct} interval "
               f"{m(lo)}–{m(hi)} mo",
        "band": f"{pct} interval of the doubling time ({m(lo)}–{m(hi)} mo)",
        "paper": f"paper (Xiao et al. 2024): doubling {PAPER_DOUBLING_MONTHS:g} mo, "
                 "through the fit's anchor",
    }


def through_anchor(days: Any, day0: float, log_y0: float, doubling_months: float) -> Any:
    """ln density of the line with this doubling time through ``(day0, log_y0)``."""
    slope = 0.0 if not math.isfinite(doubling_months) or doubling_months <= 0 else (
        math.log(2) / (doubling_months * DAYS_PER_MONTH))
    return log_y0 + slope * (np.asarray(days, dtype=float) - day0)


def band_drawable(lo: float, hi: float) -> bool:
    """Whether a doubling-time interval can be shaded (a finite, positive lower end)."""
    return math.isfinite(lo) and lo > 0 and (hi > 0 or not math.isfinite(hi))
