"""The headline under other analysis choices, frontier rules, models and windows."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from densing._progress import disable
from densing._progress import progress as _bar
from densing._validation import check_n_bootstrap, check_window
from densing.exceptions import DensingWarning, InputError
from densing.report._beside import REPORTED_QUANTILES
from densing.report._reproduction import (
    Reproduction,
    _check_int_seed,
    reproduce,
)
from densing.trend import DensingTrend

#: the analysis choices that :func:`sensitivity` varies, one at a time from the default
SENSITIVITY_VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("default (average_llv1, no E, D0=1T, quantile 0.9, paper window, non-embedding)", {}),
    ("benchmark: hellaswag only", {"benchmark": "hellaswag"}),
    ("benchmark: arc_challenge only", {"benchmark": "arc_challenge"}),
    ("loss law + E", {"irreducible": True}),
    ("D0 = 5T tokens", {"tokens": 5e12}),
    ("D0 = 5T tokens, loss law + E", {"tokens": 5e12, "irreducible": True}),
    ("all points (OLS)", {"frontier": "all"}),
    ("running-max envelope (the paper's rule)", {"frontier": "running_max"}),
    ("all release dates", {"window": None}),
    ("dense models only", {"dense_only": True}),
    ("total parameters (frame and targets)", {"param_count": "total"}),
    ("total parameters, exact architecture totals", {"param_count": "total",
                                                      "exact_params": True}),
]

#: days the window moves at either end in :func:`robustness`
WINDOW_SHIFT_DAYS = 91

#: drop-one rows: the headline without each of this many most influential models
N_INFLUENTIAL = 3


def _row(group: str, name: str, months: float, lo: float, hi: float, n: int,
         interval: str) -> dict[str, Any]:
    return {"group": group, "variant": name, "doubling_months": float(months),
            "ci_low": float(lo), "ci_high": float(hi), "n_models": int(n),
            "interval": interval}


def _shift(day: str | None, days: int) -> str | None:
    if day is None:
        return None
    return (pd.Timestamp(day) + pd.Timedelta(days=days)).date().isoformat()


def robustness(rep: Reproduction, n_bootstrap: int = 200) -> pd.DataFrame:
    """Rows beside a reproduction's headline: frontier rules, drop-one and moved windows.

    Parameters
    ----------
    rep
        A :func:`~densing.report.reproduce` result.
    n_bootstrap
        Case resamples of each refitted row (models only, percentile interval).

    Returns
    -------
    pandas.DataFrame
        ``group`` (``frontier rule``, ``drop-one``, ``window``), ``variant``,
        ``doubling_months``, ``ci_low``, ``ci_high``, ``n_models`` and ``interval`` (what
        the row's interval is); drop-one rows also ``same_line_without``, the other models
        whose removal gives the same refitted line.
    """
    check_n_bootstrap(n_bootstrap)
    s = rep.settings
    t = rep.trend
    start, end = s["window"]
    seed = int(s["random_state"])
    src = rep.bounds  # the models with their density bounds (what the headline is fitted to)
    rows: list[dict[str, Any]] = []
    lo, hi = rep.headline_interval
    rows.append(_row("frontier rule", f"headline: {t.frontier} "
                     f"{'tau=' + format(t.quantile, 'g') if t.frontier == 'quantile' else ''}",
                     t.doubling_time_months_, lo, hi, t.n_models_,
                     "pairs bootstrap + measurement spread"))

    def quantile_trend(tau: float, a: str | None, b: str | None,
                       data: pd.DataFrame) -> DensingTrend:
        return DensingTrend(frontier="quantile", quantile=tau, window=(a, b),
                            n_bootstrap=n_bootstrap, random_state=seed, censored="bound",
                            interval="percentile").fit(data)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)
        for tau in REPORTED_QUANTILES:
            if t.frontier == "quantile" and tau == t.quantile:
                continue
            qt = quantile_trend(tau, start, end, src)
            rows.append(_row("frontier rule", f"quantile line tau={tau:g}",
                             qt.doubling_time_months_, *qt.ci_["doubling_time_months"],
                             qt.n_models_, "pairs bootstrap, models only"))
        env = rep.envelope
        if env is not None:
            rows.append(_row("frontier rule", "record-setting models (running max, paper)",
                             env.doubling_time_months_,
                             *rep.intervals["envelope"]["doubling_time_months"],
                             env.n_frontier_, "calibrated + measurement spread"))
        ap = t.all_points_
        rows.append(_row("frontier rule", "all points (OLS)", ap.doubling_time_months,
                         *ap.doubling_time_months_ci, ap.n_models,
                         "pairs bootstrap, models only"))
        sf = rep.stochastic
        if sf is not None:
            rows.append(_row("frontier rule", "stochastic frontier (drifting u)",
                             sf.doubling_time_months, *sf.doubling_time_months_ci,
                             sf.n_models, "pairs bootstrap, models only"))
        if t.frontier == "quantile":
            rows += _drop_one(t, src, n_bootstrap, seed, quantile_trend)
            for label, a, b in (
                (f"window start -{WINDOW_SHIFT_DAYS} days", _shift(start, -WINDOW_SHIFT_DAYS),
                 end),
                (f"window start +{WINDOW_SHIFT_DAYS} days", _shift(start, WINDOW_SHIFT_DAYS),
                 end),
                (f"window end -{WINDOW_SHIFT_DAYS} days", start, _shift(end, -WINDOW_SHIFT_DAYS)),
                (f"window end +{WINDOW_SHIFT_DAYS} days", start, _shift(end, WINDOW_SHIFT_DAYS)),
            ):
                try:
                    wt = quantile_trend(float(t.quantile), a, b, src)
                except InputError:
                    continue
                rows.append(_row("window", f"{label} ({a}..{b})", wt.doubling_time_months_,
                                 *wt.ci_["doubling_time_months"], wt.n_models_,
                                 "pairs bootstrap, models only"))
    return pd.DataFrame(rows)


def _drop_one(t: DensingTrend, src: pd.DataFrame, n_bootstrap: int, seed: int,
              refit: Any) -> list[dict[str, Any]]:
    """The headline without each of its :data:`N_INFLUENTIAL` most influential models.

    A quantile line counts the models above it, not how far above: dropping any one of the
    models that stay above the refitted line gives the same line. Models whose removal gives
    the same line are one row (``same_line_without`` names the others), and the rows are the
    :data:`N_INFLUENTIAL` most influential distinct refits.
    """
    names = t.data_["model"].astype(str).tolist()
    slopes = np.full(len(names), np.nan)
    for i, name in enumerate(names):
        sub = src[src["model"].astype(str) != name]
        try:
            slopes[i] = DensingTrend(frontier="quantile", quantile=t.quantile, window=t.window,
                                     n_bootstrap=0, censored="bound").fit(sub) \
                .slope_per_day_
        except InputError:
            continue
    base = float(t.slope_per_day_)
    tol = 1e-9 * max(abs(base), 1e-12)
    groups: list[list[int]] = []
    for i in np.argsort(-np.nan_to_num(np.abs(slopes - base), nan=-1.0), kind="stable"):
        if not np.isfinite(slopes[i]) or abs(slopes[i] - base) <= tol:
            break  # the rest leave the line where it is (or could not be fitted)
        if groups and abs(slopes[i] - slopes[groups[-1][0]]) <= tol:
            groups[-1].append(int(i))
        elif len(groups) < N_INFLUENTIAL:
            groups.append([int(i)])
        else:
            break
    rows = []
    for group in groups:
        first = names[group[0]]
        dt = refit(float(t.quantile), *check_window(t.window),
                   src[src["model"].astype(str) != first])
        lo, hi = dt.ci_["doubling_time_months"]
        row = _row("drop-one", f"without {first}", dt.doubling_time_months_, lo, hi,
                   dt.n_models_, "pairs bootstrap, models only")
        row["same_line_without"] = ", ".join(names[j] for j in group[1:])
        rows.append(row)
    return rows


def sensitivity(
    n_bootstrap: int = 1000, random_state: int = 0, progress: bool | None = None,
    **base: Any,
) -> pd.DataFrame:
    """The headline under every defensible analysis choice, one row per variant.

    Parameters
    ----------
    n_bootstrap
        Trend bootstrap resamples per variant.
    random_state
        Seed.
    progress
        ``False`` hides the progress bar, ``True`` shows it even off a terminal, ``None``
        (default) shows it only on a terminal.
    **base
        Settings shared by every variant (passed to :func:`reproduce`).

    Returns
    -------
    pandas.DataFrame
        One row per analysis choice (``group`` ``analysis choice``): ``variant``,
        ``doubling_months``, ``ci_low``, ``ci_high`` (the headline interval),
        ``ci_low_models_only``, ``ci_high_models_only``, ``slope_per_day``, ``r2``,
        ``n_models``, ``n_frontier``, ``n_censored``, ``n_lower_bounds``,
        ``envelope_months``, ``share_extrapolated``, ``all_points_months``; ``error`` where
        a variant fails. Then the rows of :func:`robustness` on the default reproduction
        (frontier rules, drop-one, windows), with ``interval`` saying what each row's
        interval is.
    """
    check_n_bootstrap(n_bootstrap)
    _check_int_seed(random_state)
    rows: list[dict[str, Any]] = []
    first: Reproduction | None = None
    for name, over in _bar(SENSITIVITY_VARIANTS, desc="sensitivity", disable=disable(progress)):
        kw = {**base, **over}
        try:
            rep = reproduce(n_bootstrap=n_bootstrap, random_state=random_state,
                            sfa_bootstrap=200 if not over else 0, **kw)
        except InputError as exc:
            rows.append({"group": "analysis choice", "variant": name, "error": str(exc)})
            continue
        if first is None and not over:
            first = rep
        t = rep.trend
        lo, hi = rep.headline_interval
        mlo, mhi = t.ci_.get("doubling_time_months", (math.nan, math.nan))
        env = rep.envelope
        rows.append({
            "group": "analysis choice", "variant": name, "doubling_months":
            t.doubling_time_months_, "ci_low": lo, "ci_high": hi,
            "ci_low_models_only": mlo, "ci_high_models_only": mhi,
            "slope_per_day": t.slope_per_day_, "r2": t.r2_,
            "n_models": t.n_models_, "n_frontier": t.n_frontier_,
            "n_censored": rep.diagnostics["n_censored"],
            "n_lower_bounds": rep.diagnostics["n_lower_bounds"],
            "envelope_months": math.nan if env is None else env.doubling_time_months_,
            "share_extrapolated": rep.diagnostics["share_extrapolated"],
            "all_points_months": t.all_points_.doubling_time_months,
            "interval": "headline",
        })
    table = pd.DataFrame(rows)
    if first is not None:
        table = pd.concat([table, robustness(first, n_bootstrap=min(n_bootstrap, 200))],
                          ignore_index=True)
    return table


__all__ = ["N_INFLUENTIAL", "SENSITIVITY_VARIANTS", "WINDOW_SHIFT_DAYS", "robustness",
           "sensitivity"]
