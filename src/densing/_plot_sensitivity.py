"""The robustness figure: every row's doubling time with its interval, the paper's marked."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from densing.exceptions import InputError

#: the paper's doubling times (months) marked on the figure: arXiv v2 and the journal
PAPER_MONTHS = (3.3, 3.5)


def plot_sensitivity(table: pd.DataFrame, ax: Any = None, xmax: float = 24.0) -> Any:
    """Plot each row's doubling time with its 95 % interval, the paper's 3.3 and 3.5 marked.

    Parameters
    ----------
    table
        :func:`densing.report.sensitivity` or :func:`densing.report.robustness` output
        (columns ``variant``, ``doubling_months``, ``ci_low``, ``ci_high``; ``group``
        optional).
    ax
        A matplotlib Axes (``None``: a new figure).
    xmax
        Right edge of the axis (months); an interval without an upper end (or beyond the
        edge) is drawn to it with an arrow.

    Returns
    -------
    matplotlib.axes.Axes
        The axes.

    Raises
    ------
    densing.InputError
        When a column is missing or no row has a doubling time.
    """
    import matplotlib.pyplot as plt

    missing = [c for c in ("variant", "doubling_months", "ci_low", "ci_high")
               if c not in table.columns]
    if missing:
        raise InputError(f"plot_sensitivity needs columns {missing} (sensitivity() output)")
    rows = table[table["doubling_months"].notna()].reset_index(drop=True)
    if rows.empty:
        raise InputError("plot_sensitivity: no row has a doubling time")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    est = rows["doubling_months"].to_numpy(dtype=float)
    lo = rows["ci_low"].to_numpy(dtype=float)
    hi = rows["ci_high"].to_numpy(dtype=float)
    open_top = ~np.isfinite(hi) | (hi > xmax)
    hi_drawn = np.where(open_top, xmax, hi)
    ax.hlines(y, lo, hi_drawn, color="0.35", lw=1.6)
    ax.plot(np.minimum(est, xmax), y, "o", color="C0", ms=4)
    for yi in y[open_top]:
        ax.annotate("", xy=(xmax, yi), xytext=(xmax - 0.6, yi),
                    arrowprops={"arrowstyle": "->", "color": "0.35"})
    for months, style in zip(PAPER_MONTHS, ("--", ":"), strict=True):
        ax.axvline(months, color="C3", ls=style, lw=1, label=f"paper: {months:g} months")
    labels = [str(v) if "group" not in rows or not isinstance(g, str) else f"{g}: {v}"
              for g, v in zip(rows.get("group", [None] * len(rows)), rows["variant"],
                              strict=True)]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlim(0, xmax)
    ax.set_xlabel("density doubling time (months), 95 % interval")
    ax.legend(loc="lower right", fontsize=7)
    if not math.isfinite(float(np.nanmax(est))):
        ax.set_title("some rows have no finite doubling time")
    return ax


__all__ = ["PAPER_MONTHS", "plot_sensitivity"]
