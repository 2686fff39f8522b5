"""Figures of the densing method: the trend, the reference fit, effective against actual size.

Every ``plot_*`` function takes ``ax=None`` (a new figure is created only then), labels its
axes with units and returns the ``Axes`` (or the pair of them), in the manner of
scikit-learn's ``RocCurveDisplay.plot``. Matplotlib is imported inside the functions, so
``import densing.plotting`` is cheap.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from densing._plot_common import (
    CENSORED_COLOR,
    FRONTIER_COLOR,
    POINT_COLOR,
    _date_axis,
    _new_axes,
    _num,
    _place_labels,
    _pyplot,
    estimator_name,
    members_name,
)
from densing._plot_leaderboard import plot_leaderboard
from densing._validation import check_is_fitted
from densing.conventions import slope_per_day
from densing.exceptions import InputError


def _as_trend(trend: Any) -> Any:
    """``trend`` checked to be a fitted :class:`~densing.trend.DensingTrend` (plotting fits
    nothing: fit the trend first, then draw it)."""
    from densing.trend import DensingTrend

    if not isinstance(trend, DensingTrend):
        raise InputError(
            "plot_density_trend needs a fitted DensingTrend; got "
            f"{type(trend).__name__} (fit one first: DensingTrend().fit(densities))"
        )
    check_is_fitted(trend, "slope_per_day_")
    return trend


#: the paper's doubling time (Xiao et al. 2024, abstract and Fig. 1), months; the figure
#: draws its slope ln 2 / (3.3 * 30.44) per day (the stated A and B belong to the paper's
#: own frame and data, so only the slope is drawn, through densing's anchor)
_PAPER_DOUBLING_MONTHS = 3.3


def _estimator_name(trend: Any) -> str:
    return estimator_name(str(trend.frontier), float(trend.quantile))


def _members_name(trend: Any) -> str:
    return members_name(str(trend.frontier), float(trend.quantile))


def plot_density_trend(
    trend: Any,
    ax: Any = None,
    *,
    label_frontier: bool = True,
    band: bool = True,
    paper: bool = True,
    **kwargs: Any,
) -> Any:
    """Log density against release date: all models, the frontier, the fit, its interval
    and the paper's law.

    The title gives the doubling time, the frontier estimator and the window of release
    dates the fit used. The band is the fit's interval of the doubling time, the one the
    legend states: the lines of the interval's two ends, through the fitted line at the
    frontier's mean release date (the anchor). The paper's law (a doubling every 3.3 months)
    is drawn through the same anchor.

    Parameters
    ----------
    trend
        A fitted :class:`~densing.trend.DensingTrend` (fit it first; plotting fits nothing).
    ax
        Axes to draw on; a new figure when ``None``.
    label_frontier
        Write the frontier models' names next to their points.
    band
        Shade the interval of the doubling time.
    paper
        Draw the paper's law, a doubling every 3.3 months.
    **kwargs
        Passed to ``ax.scatter`` for the points of all models.

    Returns
    -------
    matplotlib.axes.Axes
        The axes: log-scaled y (density), dates on x; the fit's line and the paper's (each
        labelled), one collection for all models, one for the frontier, and the band.
    """
    trend = _as_trend(trend)
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
               label=f"{_members_name(trend)} ({len(front)})")
    curve = trend.curve()
    dates = curve["date"]
    months = trend.doubling_time_months_
    lo, hi = trend.ci_["doubling_time_months"]

    def m(v: float) -> str:
        return f"{v:.3g}" if math.isfinite(v) else "∞"

    pct = f"{100 * float(trend.ci):g}%"
    frontier = _estimator_name(trend)
    ax.plot(dates, curve["density"], color=FRONTIER_COLOR, linewidth=2, zorder=2,
            label=f"densing fit ({frontier}): doubling {m(months)} mo, "
                  f"{pct} interval {m(lo)}–{m(hi)} mo")
    # the anchor: the fitted line at the frontier's mean release date
    x = np.asarray([_num(d) for d in dates])
    x0 = float(np.mean([_num(d) for d in pd.to_datetime(front["release_date"])]))
    log_y0 = float(np.interp(x0, x, np.log(np.asarray(curve["density"], dtype=float))))

    def through_anchor(doubling_months: float) -> Any:
        slope = 0.0 if not math.isfinite(doubling_months) else slope_per_day(doubling_months)
        return np.exp(log_y0 + slope * (x - x0))

    if band and math.isfinite(lo) and lo > 0 and (hi > 0 or not math.isfinite(hi)):
        edges = np.vstack([through_anchor(lo), through_anchor(hi)])
        ax.fill_between(dates, edges.min(axis=0), edges.max(axis=0), color=FRONTIER_COLOR,
                        alpha=0.15, linewidth=0, zorder=1,
                        label=f"{pct} interval of the doubling time ({m(lo)}–{m(hi)} mo)")
    if paper:
        ax.plot(dates, through_anchor(_PAPER_DOUBLING_MONTHS), color="black", linestyle="--",
                linewidth=1.2, zorder=2,
                label=f"paper (Xiao et al. 2024): doubling {_PAPER_DOUBLING_MONTHS:g} mo, "
                      "through the fit's anchor")
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
    ax.set_title(f"Densing law: density doubles every {m(months)} months "
                 f"(paper: {_PAPER_DOUBLING_MONTHS:g})\n"
                 f"{window}, {len(data)} models, {frontier}", fontsize=10)
    # below the axes: the frontier's labels keep the plot area to themselves
    legend = ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize=8,
                       frameon=False, ncol=1)
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


def _size(n: float) -> str:
    """A parameter count as a short size: 1.2B, 150M."""
    return f"{n / 1e9:.2g}B" if n >= 1e9 else f"{n / 1e6:.3g}M"


def _budget(mult: str) -> str:
    """A ladder run's budget tag (``1xC``) in words: 1 x Chinchilla (20 tokens/param)."""
    if mult.endswith("xC"):
        return f"{mult[:-2]} × Chinchilla"
    if mult.endswith("T") and mult[:-1].replace(".", "").isdigit():
        return f"{mult} tokens"
    return mult


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
            sizes = [_size(v) for v in sorted(set(gn))]
            ax1.plot(grid, fit.loss_law.predict(grid, r * grid), color=colour, linewidth=1.2,
                     label=f"{_budget(str(mult))}, D ≈ {r:.3g}·N: {len(g)} runs "
                           f"({sizes[0]}–{sizes[-1]})" if len(sizes) > 1 else
                           f"{_budget(str(mult))}, D ≈ {r:.3g}·N: {sizes[0]}")
        ax1.set_xscale("log")
        ax1.set_xlabel("Parameters N (count, log scale)")
        ax1.set_ylabel("Conditional loss (bits per byte)")
        ax1.set_title(f"Step 1: loss law on final checkpoints ({benchmark})")
        ax1.legend(fontsize=7, frameon=False, title_fontsize=7,
                   title="colour: training budget (tokens D per parameter N);\n"
                         "points: final checkpoints; lines: the fitted loss law")
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
    frame_range: tuple[float, float] | None = None,
    **kwargs: Any,
) -> Any:
    """Effective parameters N̂ against actual parameters N on log axes, with ρ = 1.

    With ``frame_range``, the reference frame's size range is shaded on the N̂ axis: inside
    it N̂ is interpolated between reference runs, above and below it extrapolated. Censored
    models (a score outside what the frame resolves) are drawn as arrows at their N: up for
    ``above_ceiling``/``above_frame_range`` (N̂ is a lower bound), down for ``below_floor``.

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
    frame_range
        ``(smallest, largest)`` reference-run sizes of the frame, in the convention of
        ``n_hat`` (e.g. ``frame.fits_[benchmark].size_range``); ``None`` shades nothing.
    **kwargs
        Passed to ``ax.scatter``.

    Returns
    -------
    matplotlib.axes.Axes
        Log-log axes with the points, the ρ = 1 diagonal (one line), error bars when the
        table has intervals, the frame's range (two shaded spans) and one arrow per
        censored model.
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
    status = df["status"].astype(str).to_numpy() if "status" in df.columns else None
    up = np.isin(status, ["above_ceiling", "above_frame_range"]) if status is not None else \
        np.zeros(len(n), dtype=bool)
    down = (status == "below_floor") if status is not None else np.zeros(len(n), dtype=bool)
    has_n = np.isfinite(n) & (n > 0)
    extra: list[Any] = []
    for mask, towards, what in ((up & has_n, 1, "above"), (down & has_n, 0, "below")):
        for xi in n[mask]:
            ax.annotate("", xy=(xi, towards), xycoords=("data", "axes fraction"),
                        xytext=(xi, 0.85 if towards else 0.15),
                        textcoords=("data", "axes fraction"),
                        arrowprops={"arrowstyle": "-|>", "color": CENSORED_COLOR, "lw": 1.0})
        if mask.any():
            from matplotlib.lines import Line2D

            extra.append(Line2D([], [], color=CENSORED_COLOR, linestyle="none",
                                marker="^" if towards else "v",
                                label=f"censored: N̂ {what} what the frame resolves "
                                      f"({int(mask.sum())}, arrows at their N)"))
    x_lim = (min(x_lim[0], float(n[has_n & (up | down)].min()) / 1.5) if (up | down).any()
             else x_lim[0], max(x_lim[1], float(n[has_n & (up | down)].max()) * 1.5)
             if (up | down).any() else x_lim[1])
    ax.set_xlim(*x_lim)
    if frame_range is not None:
        f_lo, f_hi = (float(v) for v in frame_range)
        if not (0 < f_lo <= f_hi):
            raise InputError(f"frame_range must be (smallest, largest) > 0; got {frame_range!r}")
        inside = int(((y >= f_lo) & (y <= f_hi)).sum())
        ax.axhspan(f_lo, f_hi, color="#2ca02c", alpha=0.12, zorder=0, linewidth=0,
                   label=f"frame's size range: N̂ interpolated ({inside} models)")
        ax.axhspan(f_hi, max(y_lim[1], f_hi), color="#ff7f0e", alpha=0.10, zorder=0,
                   linewidth=0,
                   label=f"beyond it: N̂ extrapolated ({int(len(y) - inside)} models)")
        ax.axhspan(min(y_lim[0], f_lo), f_lo, color="#ff7f0e", alpha=0.10, zorder=0,
                   linewidth=0)
        ax.set_ylim(*y_lim)
    censored = int((~ok).sum())
    title = "Effective against actual size"
    if benchmark is not None and "benchmark" in density_df.columns:
        title += f" ({benchmark})"
    title += f"\n{int(good.sum())} models with an effective size"
    if up.any() or down.any():
        title += f"; {int((up | down).sum())} censored (arrows)"
    other = censored - int((up | down).sum())
    if other:
        title += f"\n{other} without a density (not shown)"
    ax.set_title(title, fontsize=10)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + extra, loc="upper left", fontsize=8, frameon=True,
              framealpha=0.9, edgecolor="none")  # readable over the points behind it
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
    "plot_leaderboard",
    "plot_reference_fit",
    "save_figure",
]
