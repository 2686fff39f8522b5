"""The headline's intervals and the bound-keeping fit beside it (used by :mod:`densing.report`).

The joint interval of ``densing reproduce`` (issue 12 item 3): the trend's calibrated
models-only slope interval, widened in quadrature by the slope spread that score noise
(binomial standard errors from the benchmarks' sizes) and the frame's bootstrap draws cause.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from densing.conventions import doubling_months
from densing.density import score_stderr
from densing.reference import HOLDOUT_BAR, ReferenceFrame, holdout_errors
from densing.trend import DensingTrend
from densing.trend._calibrate import widen_in_quadrature
from densing.trend._censored import TOP_CENSORED

#: statuses of models censored at the top: lower bounds on density
#: (docs/method.md#trap-censored-top)
_TOP_CENSORED = TOP_CENSORED



def _bounds_dict(trend: DensingTrend | None) -> dict[str, Any] | None:
    """The bound-keeping fit beside the headline as plain values (``None`` when absent)."""
    if trend is None:
        return None
    return {
        "doubling_time_months": float(trend.doubling_time_months_),
        "ci95_months": [float(v) for v in trend.ci_["doubling_time_months"]],
        "slope_per_day": float(trend.slope_per_day_),
        "n_models": int(trend.n_models_),
        "n_bounds": int(trend.n_bounds_),
        "n_bounds_on_frontier": int(trend.n_bounds_on_frontier_),
    }


def _months(slope_lo: float, slope_hi: float) -> tuple[float, float]:
    """A slope interval (per day) as a doubling-time interval (months)."""
    return (doubling_months(slope_hi), doubling_months(slope_lo))


def _measurement_slopes(
    per_model: pd.DataFrame, per_bench: pd.DataFrame, fr: ReferenceFrame, *, benchmark: str,
    tokens: float, frontier: str, start: str | None, end: str | None, random_state: int,
    n_draws: int, quantile: float = 0.9,
) -> tuple[np.ndarray, np.ndarray]:
    """Density draws under score noise and frame draws, and the frontier slope of each.

    Each draw perturbs every score by its binomial standard error (normal approximation)
    and inverts it with one bootstrap draw of the frame (the point frame when it has no
    draws). The slope of each draw is the frontier refitted on all models (no resampling,
    :attr:`DensingTrend.measurement_slopes_`), so its spread is the measurement part of the
    uncertainty alone.

    Returns
    -------
    (draws, slopes)
        Density draws ``(n_draws, len(per_model))`` (NaN for rows not ``ok``) and one
        slope per draw (NaN where the fit fails).
    """
    ok = (per_model["status"] == "ok").to_numpy()
    sub = per_model[ok]
    comps = fr.averages.get(benchmark) if hasattr(fr, "averages") else None
    se = score_stderr(per_bench, benchmark, comps).reindex(sub["model"].astype(str))
    se_arr = np.nan_to_num(se.to_numpy(dtype=float), nan=0.0)
    score = sub["score"].to_numpy(dtype=float)
    k = fr.n_draws_ if fr.n_draws_ > 0 else n_draws
    rng = np.random.default_rng([random_state, 12])
    noisy = score[None, :] + se_arr[None, :] * rng.standard_normal((k, score.size))
    if fr.n_draws_ > 0:
        n_hat = fr.effective_params_draws(noisy, benchmark, tokens, per_draw=True)
    else:
        n_hat = np.vstack([
            fr.effective_params(row, benchmark, tokens)["n_hat"].to_numpy(dtype=float)
            for row in noisy
        ])
    draws = np.full((k, len(per_model)), np.nan)
    draws[:, ok] = n_hat / sub["n_params"].to_numpy(dtype=float)[None, :]
    # the trend refits the frontier on each draw with every model kept (its
    # measurement_slopes_; a model censored in a draw is left out of that draw only)
    fit = DensingTrend(frontier=frontier, quantile=quantile,  # type: ignore[arg-type]
                       window=(start, end), n_bootstrap=k,
                       random_state=random_state).fit(per_model, density_draws=draws)
    assert fit.measurement_slopes_ is not None
    slopes = fit.measurement_slopes_
    return draws, slopes


def _joint_interval(trend: DensingTrend, slopes: np.ndarray) -> dict[str, tuple[float, float]]:
    """The trend's (calibrated) slope interval widened in quadrature by ``slopes``' spread.

    Score noise and frame draws move every model's density; model resampling (what the
    calibrated interval covers) is a separate, independent source
    (:func:`densing.trend._calibrate.widen_in_quadrature`).
    """
    a = float(trend.slope_per_day_)
    slo, shi = widen_in_quadrature(a, trend.ci_["slope_per_day"], slopes, float(trend.ci))
    return {"slope_per_day": (slo, shi), "doubling_time_months": _months(slo, shi)}


def _pct(draws: np.ndarray, level: float) -> tuple[float, float]:
    good = draws[np.isfinite(draws)]
    if good.size == 0:
        return (math.nan, math.nan)
    a = (1 - level) / 2
    return (float(np.quantile(good, a)), float(np.quantile(good, 1 - a)))


def _compressed_pairs(per_model: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """Pruned or distilled models beside their parents, with both densities when known."""
    cols = ["model", "parent", "relation", "density", "parent_density", "note"]
    if "derived_from" not in models.columns or "relation" not in models.columns:
        return pd.DataFrame(columns=cols)
    rel = models.dropna(subset=["derived_from"])
    rel = rel[rel["relation"].astype(str).str.contains("prun|distil", regex=True)]
    ok_rows = per_model[per_model["status"] == "ok"]
    ok = dict(zip(ok_rows["model"].astype(str), ok_rows["density"].astype(float), strict=True))
    rows = []
    for model, parent, relation in zip(rel["model"].astype(str), rel["derived_from"].astype(str),
                                       rel["relation"].astype(str), strict=True):
        missing = [m for m in (model, parent) if m not in ok]
        rows.append({
            "model": model, "parent": parent, "relation": relation,
            "density": ok.get(model, math.nan),
            "parent_density": ok.get(parent, math.nan),
            "note": "" if not missing else
            f"no density for {', '.join(missing)} (no score under a protocol the frame maps)",
        })
    return pd.DataFrame(rows, columns=cols)


def _holdout_note(check: dict[str, Any] | None) -> str:
    """One line on the held-out check of the headline benchmark ('' when there is none)."""
    if not check:
        return ""
    errs = " / ".join(f"{100 * e:.1f}" for e in check["abs_error"].values())
    runs = " / ".join(check["abs_error"])
    verdict = "within" if check["meets_bar"] else "misses"
    verdict += f" the {100 * check['bar']:g}-point bar"
    return (f"Held-out check of {check['benchmark']} ({runs}, used neither to fit nor to choose "
            f"the settings): score error {errs} points, {verdict}")


def _holdout_check(fr: ReferenceFrame, benchmark: str) -> dict[str, Any] | None:
    """The held-out models' error on ``benchmark`` (OLMo-2 7B/13B for the bundled frames).

    Only for a frame fitted on the bundled ladder below 4B, whose held-out runs it has
    never seen; ``None`` otherwise.
    """
    from densing.datasets import load_reference_runs

    if not str(fr.name).startswith("olmo-ladder") or not fr.n_runs_:
        return None
    runs = load_reference_runs("olmo-ladder")
    if fr.n_runs_ != runs.loc[runs["n_params"] < 4e9, "run"].nunique():
        return None
    table = holdout_errors(fr, runs)
    table = table[table["benchmark"] == benchmark]
    if table.empty:
        return None
    errors = {str(r): float(e) for r, e in zip(table["run"], table["abs_error"], strict=True)}
    return {"benchmark": benchmark, "abs_error": errors, "bar": HOLDOUT_BAR,
            "meets_bar": bool(max(errors.values()) <= HOLDOUT_BAR)}


__all__: list[str] = []
