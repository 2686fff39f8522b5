"""Figures of the densing method: the trend, the reference fit, effective against actual size.

Every ``plot_*`` function takes ``ax=None`` (a new figure is created only then), labels its
axes with units and returns the ``Axes`` (or the pair of them), in the manner of
scikit-learn's ``RocCurveDisplay.plot``. Matplotlib is imported inside the functions, so
``import densing.plotting`` is cheap.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from densing._validation import check_is_fitted
from densing.exceptions import DensingWarning, InputError

#: colours used across the figures
FRONTIER_COLOR = "#d62728"
POINT_COLOR = "#6c8ebf"


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


def _as_trend(trend_or_df: Any, benchmark: str | None,
              trend_kwargs: Mapping[str, Any] | None,
              window: Sequence[str | None] | None = None) -> Any:
    from densing.trend import DensingTrend

    if isinstance(trend_or_df, DensingTrend):
        check_is_fitted(trend_or_df, "slope_per_day_")
        return trend_or_df
    if not isinstance(trend_or_df, pd.DataFrame):
        raise InputError(
            "plot_density_trend needs a fitted DensingTrend or a DataFrame of densities; "
            f"got {type(trend_or_df).__name__}"
        )
    df = trend_or_df
    if "benchmark" in df.columns and df["benchmark"].nunique() > 1:
        from densing.density import model_densities

        df = model_densities(df, benchmark=benchmark or "average")
    elif benchmark is not None and "benchmark" in df.columns:
        df = df[df["benchmark"] == benchmark]
    if "release_date" in df.columns and df["release_date"].isna().any():
        missing = df.loc[df["release_date"].isna(), "model"].astype(str).tolist()
        warnings.warn(
            f"{len(missing)} model(s) without a release date left out of the trend: "
            f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}",
            DensingWarning,
            stacklevel=3,
        )
        df = df[df["release_date"].notna()]
    kwargs: dict[str, Any] = {"n_bootstrap": 1000, "random_state": 0}
    if window is not None:
        if isinstance(window, str) or len(window) != 2:
            raise InputError(f"window={window!r} must be (start, end) ISO dates; either may be "
                             "None")
        kwargs.update(start=window[0], end=window[1])
    kwargs.update(dict(trend_kwargs or {}))
    return DensingTrend(**kwargs).fit(df)


def plot_density_trend(
    trend_or_df: Any,
    ax: Any = None,
    *,
    benchmark: str | None = None,
    label_frontier: bool = True,
    band: bool = True,
    window: Sequence[str | None] | None = None,
    trend_kwargs: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Log density against release date: all models, the frontier, the fit and its CI band.

    The title gives the doubling time and the window of release dates the fit used.

    Parameters
    ----------
    trend_or_df
        A fitted :class:`~densing.trend.DensingTrend`, or densities to fit one on: one row
        per model (``model``, ``release_date``, ``density``, optional ``status``) or a
        :func:`~densing.density.compute_density` table (reduced to ``benchmark`` first).
    ax
        Axes to draw on; a new figure when ``None``.
    benchmark
        Benchmark of a long density table (default ``"average"``).
    label_frontier
        Write the frontier models' names next to their points.
    band
        Shade the pointwise bootstrap band of the fitted line (needs ``n_bootstrap > 0``).
    window
        ``(start, end)`` release dates (ISO; either may be ``None``) of the trend fitted on
        a DataFrame; ``None`` fits all dates. The paper's window is
        :data:`densing.report.PAPER_WINDOW` (what ``densing reproduce`` uses). Ignored for
        a fitted trend, which keeps its own.
    trend_kwargs
        Settings of the :class:`~densing.trend.DensingTrend` fitted on a DataFrame
        (default ``n_bootstrap=1000, random_state=0``).
    **kwargs
        Passed to ``ax.scatter`` for the points of all models.

    Returns
    -------
    matplotlib.axes.Axes
        The axes: log-scaled y (density), dates on x; one line (the fit), one collection for
        all models and one for the frontier (plus the band).
    """
    trend = _as_trend(trend_or_df, benchmark, trend_kwargs, window)
    if ax is None:
        ax = _new_axes()
    data = trend.data_
    front = trend.frontier_
    style = {"s": 18, "color": POINT_COLOR, "alpha": 0.7, "label": f"models ({len(data)})",
             "zorder": 2}
    style.update(kwargs)
    ax.scatter(pd.to_datetime(data["release_date"]), data["density"], **style)
    ax.scatter(pd.to_datetime(front["release_date"]), front["density"], s=42,
               color=FRONTIER_COLOR, edgecolor="black", linewidth=0.6, zorder=3,
               label=f"frontier ({len(front)})")
    curve = trend.curve()
    dates = curve["date"]
    months = trend.doubling_time_months_
    lo, hi = trend.ci_["doubling_time_months"]

    def m(v: float) -> str:
        return f"{v:.3g}" if math.isfinite(v) else "∞"

    pct = f"{100 * float(trend.ci):g}%"
    ax.plot(dates, curve["density"], color=FRONTIER_COLOR, linewidth=2, zorder=2,
            label=f"fit: doubling {m(months)} mo ({pct} CI {m(lo)}–{m(hi)})")
    if band and bool(curve["low"].notna().all()):
        ax.fill_between(dates, curve["low"], curve["high"], color=FRONTIER_COLOR, alpha=0.15,
                        linewidth=0, zorder=1, label=f"{pct} bootstrap band")
    ax.set_yscale("log")
    _date_axis(ax)
    ax.set_xlabel("Release date")
    ax.set_ylabel("Capability density ρ = N̂ / N (log scale)")
    info = trend.to_dict()
    first, last = info["date_range"]
    start, end = info["window"]
    if start is None and end is None:
        window = f"fit on all release dates ({first} .. {last})"
    else:
        window = f"fit window {start or '...'} .. {end or '...'}"
    ax.set_title(f"Densing law: density doubles every {m(months)} months\n"
                 f"{window}, {len(data)} models", fontsize=10)
    legend = ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    if label_frontier:
        labels = [ax.annotate(str(r["model"]), (pd.Timestamp(r["release_date"]), r["density"]),
                              xytext=(5, 5), textcoords="offset points", fontsize=8,
                              color=FRONTIER_COLOR, zorder=5)
                  for _, r in front.iterrows()]
        others = list(zip(pd.to_datetime(data["release_date"]), data["density"], strict=True))
        _place_labels(ax, labels, avoid=[legend], line=(dates, curve["density"]),
                      points=others)
    return ax


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


def _param_column(frame: Any, runs: pd.DataFrame) -> str:
    col = str(frame.param_column_)
    if col not in runs.columns:
        raise InputError(f"runs lack the column {col!r} that the frame was fitted on "
                         f"(param_count={frame.param_count!r})")
    return col


def plot_reference_fit(
    frame: Any,
    benchmark: str = "average",
    runs: pd.DataFrame | None = None,
    ax: Any = None,
    *,
    axes: Sequence[Any] | None = None,
    step: int | None = None,
) -> Any:
    """The two steps of a reference frame on its data.

    Step 1: final loss against parameter count per training budget (the run name's part
    after the first ``-``, e.g. ``1xC`` for ``1B-1xC``, else bins of ``D/N``), with the
    fitted loss law at that budget's median ``D/N``. Step 2: score against loss for every
    checkpoint, with the fitted sigmoid.

    Parameters
    ----------
    frame
        A fitted :class:`~densing.reference.ReferenceFrame`, a bundled frame's name or a
        saved JSON path.
    benchmark
        The benchmark (an averaged one is built from its tasks' rows).
    runs
        The reference runs (default: the bundled runs of the frame's name,
        :func:`densing.datasets.load_reference_runs`).
    ax
        A single Axes with ``step`` 1 or 2, or ``None``.
    axes
        ``(ax1, ax2)`` for both steps; a new figure with two panels when neither ``ax`` nor
        ``axes`` is given.
    step
        Draw only this step (1 or 2) on ``ax``.

    Returns
    -------
    tuple of matplotlib.axes.Axes or matplotlib.axes.Axes
        ``(ax1, ax2)``, or the single Axes when ``step`` is given.
    """
    from densing.density import resolve_frame
    from densing.reference import build_averages

    fr = resolve_frame(frame)
    if benchmark not in fr.benchmarks_:
        raise InputError(
            f"benchmark {benchmark!r} is not in this reference frame; it has {fr.benchmarks_}"
        )
    fit = (fr.fits_ or {})[benchmark]
    if runs is None:
        from densing.datasets import load_reference_runs

        try:
            runs = load_reference_runs(fr.name)
        except InputError:
            raise InputError(
                f"frame {fr.name!r} is not bundled: pass its reference runs with runs=..."
            ) from None
    if not isinstance(runs, pd.DataFrame) or runs.empty:
        raise InputError("runs must be a non-empty DataFrame of reference evaluations")
    need = {"run", "tokens", "step", "is_final", "benchmark", "loss", "score"}
    missing = sorted(need - set(runs.columns))
    if missing:
        raise InputError(f"runs is missing column(s) {missing}")
    df = runs
    if benchmark not in set(df["benchmark"]) and fit.tasks:
        df = build_averages(df[df["benchmark"].isin(fit.tasks)], {benchmark: fit.tasks})
    df = df[df["benchmark"] == benchmark]
    if df.empty:
        raise InputError(f"runs have no rows for benchmark {benchmark!r}")
    pcol = _param_column(fr, df)
    if step not in (None, 1, 2):
        raise InputError(f"step must be 1, 2 or None; got {step!r}")
    if step is not None:
        ax1 = ax if step == 1 else None
        ax2 = ax if step == 2 else None
        if ax is None:
            ax1 = _new_axes() if step == 1 else None
            ax2 = _new_axes() if step == 2 else None
    elif axes is not None:
        ax1, ax2 = axes
    elif ax is not None:
        raise InputError("pass axes=(ax1, ax2) for both steps, or step=1 or 2 with ax")
    else:
        ax1, ax2 = _new_axes(2, figsize=(11.0, 4.5))

    is_final = df["is_final"].astype(str).str.lower().isin(["true", "1"])
    if ax1 is not None:
        final = df[is_final].copy()
        n = final[pcol].to_numpy(dtype=float)
        ratio = final["tokens"].to_numpy(dtype=float) / n
        names = final["run"].astype(str)
        if names.str.contains("-").all():  # ladder names: "<size>-<budget>[-rerun]"
            final["_mult"] = names.str.split("-").str[1]
        else:  # bins of a factor ~1.4 in D/N
            final["_mult"] = [f"D/N≈{np.exp(np.round(np.log(r) * 3) / 3):.3g}" for r in ratio]
        order = final.groupby("_mult")["tokens"].apply(
            lambda t: float(np.median(t / final.loc[t.index, pcol]))
        ).sort_values()
        cmap = _pyplot().get_cmap("viridis")
        groups = list(order.index)
        nmin, nmax = float(n.min()), float(n.max())
        for i, mult in enumerate(groups):
            g = final[final["_mult"] == mult]
            colour = cmap(i / max(1, len(groups) - 1))
            gn = g[pcol].to_numpy(dtype=float)
            r = float(np.median(g["tokens"].to_numpy(dtype=float) / gn))
            ax1.scatter(gn, g["loss"], color=colour, s=24, zorder=3)
            grid = np.geomspace(nmin / 1.3, nmax * 1.3, 60)
            ax1.plot(grid, fit.loss_law.predict(grid, r * grid), color=colour, linewidth=1.2,
                     label=str(mult))
        ax1.set_xscale("log")
        ax1.set_xlabel("Parameters N (count, log scale)")
        ax1.set_ylabel("Conditional loss (bits per byte)")
        ax1.set_title(f"Step 1: loss law on final checkpoints ({benchmark})")
        ax1.legend(fontsize=7, frameon=False, ncol=2)
        ax1.grid(True, which="major", alpha=0.3)
    if ax2 is not None:
        loss = df["loss"].to_numpy(dtype=float)
        ax2.scatter(loss, df["score"], s=6, alpha=0.35, color=POINT_COLOR,
                    label=f"checkpoints ({len(df)})", zorder=2)
        ax2.scatter(loss[is_final.to_numpy()], df.loc[is_final, "score"], s=22,
                    color="black", marker="x", label="final checkpoints", zorder=3)
        grid = np.linspace(float(loss.min()) * 0.95, float(loss.max()) * 1.05, 200)
        ax2.plot(grid, fit.score_law.predict(grid), color=FRONTIER_COLOR, linewidth=2,
                 label="fitted sigmoid", zorder=4)
        ax2.set_xlabel("Conditional loss (bits per byte)")
        ax2.set_ylabel("Score (accuracy, fraction)")
        ax2.set_title(f"Step 2: score from loss ({benchmark})")
        ax2.legend(fontsize=8, frameon=False)
        ax2.grid(True, alpha=0.3)
    if step == 1:
        return ax1
    if step == 2:
        return ax2
    return ax1, ax2


def plot_effective_vs_actual(
    density_df: pd.DataFrame,
    ax: Any = None,
    *,
    benchmark: str | None = None,
    label: bool = False,
    param_count: str | None = None,
    **kwargs: Any,
) -> Any:
    """Effective parameters N̂ against actual parameters N on log axes, with ρ = 1.

    Parameters
    ----------
    density_df
        A :func:`~densing.density.compute_density` table (rows of ``benchmark`` are used)
        or one row per model with ``model``, ``n_params``, ``n_hat`` and ``status``
        (``n_hat_low``/``n_hat_high`` give error bars).
    ax
        Axes to draw on; a new figure when ``None``.
    benchmark
        Benchmark to plot when the table has a ``benchmark`` column. ``None`` (default):
        the table's own benchmark when it has one (e.g. ``average_llv1`` for
        ``reproduce().densities``), ``average`` when it has several including it; a table
        without a ``benchmark`` column is plotted whole.
    label
        Write model names next to the points.
    param_count
        The convention of ``n_params`` and ``n_hat`` (e.g. ``"non_embedding"``), named in
        the axis labels; ``None`` names none.
    **kwargs
        Passed to ``ax.scatter``.

    Returns
    -------
    matplotlib.axes.Axes
        Log-log axes with the points, the ρ = 1 diagonal (one line) and error bars when the
        table has intervals.
    """
    if not isinstance(density_df, pd.DataFrame):
        raise InputError(f"density_df must be a DataFrame; got {type(density_df).__name__}")
    need = {"n_params", "n_hat"}
    missing = sorted(need - set(density_df.columns))
    if missing:
        raise InputError(f"density_df is missing column(s) {missing}")
    df = density_df
    if benchmark is None and "benchmark" in df.columns:
        present = sorted(df["benchmark"].dropna().astype(str).unique())
        if len(present) == 1:
            benchmark = present[0]
        elif "average" in present:
            benchmark = "average"
        else:
            raise InputError(f"the table has several benchmarks {present}: pass benchmark=...")
    if benchmark is not None and "benchmark" in df.columns:
        if benchmark not in set(df["benchmark"]):
            raise InputError(f"no rows for benchmark {benchmark!r}; available: "
                             f"{sorted(df['benchmark'].unique())}")
        df = df[df["benchmark"] == benchmark]
    ok = df["status"].eq("ok") if "status" in df.columns else pd.Series(True, index=df.index)
    n = pd.to_numeric(df["n_params"], errors="coerce").to_numpy(dtype=float)
    nh = pd.to_numeric(df["n_hat"], errors="coerce").to_numpy(dtype=float)
    good = ok.to_numpy() & np.isfinite(n) & np.isfinite(nh) & (n > 0) & (nh > 0)
    if not good.any():
        raise InputError("no model with a finite effective size (status ok) to plot")
    if ax is None:
        ax = _new_axes(figsize=(5.5, 5.0))
    x, y = n[good], nh[good]
    if {"n_hat_low", "n_hat_high"} <= set(df.columns):
        lo = pd.to_numeric(df["n_hat_low"], errors="coerce").to_numpy(dtype=float)[good]
        hi = pd.to_numeric(df["n_hat_high"], errors="coerce").to_numpy(dtype=float)[good]
        has = np.isfinite(lo) & np.isfinite(hi) & (lo > 0)
        if has.any():
            ax.errorbar(x[has], y[has], yerr=[y[has] - lo[has], hi[has] - y[has]], fmt="none",
                        ecolor="grey", elinewidth=0.8, alpha=0.6, zorder=1)
    style = {"s": 20, "color": POINT_COLOR, "zorder": 3,
             "label": f"models ({int(good.sum())})"}
    style.update(kwargs)
    ax.scatter(x, y, **style)
    if label and "model" in df.columns:
        for name, xi, yi in zip(df.loc[good, "model"], x, y, strict=True):
            ax.annotate(str(name), (xi, yi), xytext=(3, 3), textcoords="offset points",
                        fontsize=7)
    # each axis fits its own data (a margin of x1.5), the diagonal spans both
    x_lim = (float(x.min()) / 1.5, float(x.max()) * 1.5)
    y_lim = (float(y.min()) / 1.5, float(y.max()) * 1.5)
    lo_v, hi_v = min(x_lim[0], y_lim[0]), max(x_lim[1], y_lim[1])
    ax.plot([lo_v, hi_v], [lo_v, hi_v], color="black", linestyle="--", linewidth=1,
            label="ρ = 1 (N̂ = N)", zorder=2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*x_lim)
    ax.set_ylim(*y_lim)
    what = "" if param_count is None else f"{str(param_count).replace('_', '-')} "
    ax.set_xlabel(f"Actual {what}parameters N (count, log scale)")
    ax.set_ylabel(f"Effective {what}parameters N̂ (count, log scale)")
    censored = int((~ok).sum())
    title = "Effective against actual size"
    if benchmark is not None and "benchmark" in density_df.columns:
        title += f" ({benchmark})"
    title += f"\n{int(good.sum())} models with an effective size"
    if censored:
        title += f"; {censored} censored not shown"
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    return ax


def save_figure(ax_or_axes: Any, path: str | os.PathLike[str]) -> str:
    """Save the figure of an Axes (or a pair) to PNG, SVG or PDF by the file's suffix.

    Parameters
    ----------
    ax_or_axes
        An Axes or a sequence of Axes of one figure.
    path
        Destination ending in ``.png``, ``.svg`` or ``.pdf``.

    Returns
    -------
    str
        The path written.
    """
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise InputError(f"output must end in .png, .svg or .pdf; got {str(path)!r}")
    ax = ax_or_axes[0] if isinstance(ax_or_axes, (tuple, list, np.ndarray)) else ax_or_axes
    ax.figure.savefig(path, format=suffix[1:], dpi=150)
    return str(path)


__all__ = [
    "plot_density_trend",
    "plot_effective_vs_actual",
    "plot_reference_fit",
    "save_figure",
]
