"""Held-out validation of a reference frame (docs/method.md#trap-self-check) and cross-validation
inside
the fitted ladder (docs/method.md#trap-selection)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from densing._validation import check_is_fitted
from densing.exceptions import InputError
from densing.reference.averages import build_averages
from densing.reference.frame import ReferenceFrame, validate_runs

__all__ = ["DEFAULT_CV_FOLDS", "HOLDOUT_BAR", "cross_validate_frame", "holdout_errors",
           "holdout_validation"]

#: the held-out accuracy bar: a frame should predict each held-out model's final score
#: within this absolute error (3 points)
HOLDOUT_BAR = 0.03

#: cross-validation folds inside the ladder below 4B: fit the runs below each threshold and
#: predict the final scores of the runs from it up to the held-out threshold (on the OLMo
#: ladder: fit <= 760M and predict 1B and 3B; fit <= 1B and predict 3B)
DEFAULT_CV_FOLDS: tuple[float, ...] = (1e9, 2e9)


def holdout_validation(
    runs: pd.DataFrame,
    holdout_min_params: float = 4e9,
    **frame_kwargs: Any,
) -> tuple[pd.DataFrame, ReferenceFrame]:
    """Fit on runs below a size threshold and predict the held-out runs' final scores.

    Parameters
    ----------
    runs
        Tidy reference table (all runs).
    holdout_min_params
        Runs with ``n_params`` (non-embedding column) at or above this are held out.
    **frame_kwargs
        Settings for :class:`ReferenceFrame` (``benchmarks`` chooses what is fitted and
        reported).

    Returns
    -------
    table, frame
        One row per benchmark and held-out run with ``predicted``, ``actual``,
        ``abs_error``, and the self-check ``self_check_rho``: the held-out model's actual
        score inverted at its own token count, over its parameter count (1 for a frame that
        transfers perfectly; docs/method.md#trap-self-check), with its ``self_check_status``; and
        the frame
        fitted on the small runs.
    """
    df = validate_runs(runs)
    small = df[df["n_params"] < holdout_min_params]
    held = df[(df["n_params"] >= holdout_min_params) & df["is_final"]]
    if small.empty or held.empty:
        raise InputError(
            f"holdout threshold {holdout_min_params:.3g} leaves "
            f"{small['run'].nunique()} fitting and {held['run'].nunique()} held-out runs; "
            "both must be non-empty"
        )
    frame = ReferenceFrame(**frame_kwargs).fit(small)
    return pd.DataFrame(_predict_rows(frame, held)), frame


def holdout_errors(
    frame: ReferenceFrame, runs: pd.DataFrame, holdout_min_params: float = 4e9
) -> pd.DataFrame:
    """Predict the final scores of held-out runs with an already fitted frame.

    Parameters
    ----------
    frame
        A frame fitted on runs below ``holdout_min_params`` only (e.g. the bundled
        ``olmo-ladder``, fitted up to 3B).
    runs
        Tidy reference table; its final runs at or above ``holdout_min_params`` are
        predicted.
    holdout_min_params
        The held-out threshold (``n_params`` column).

    Returns
    -------
    pandas.DataFrame
        As :func:`holdout_validation`'s table.

    Raises
    ------
    densing.InputError
        When no final run is at or above the threshold.
    """
    check_is_fitted(frame, "fits_")
    df = validate_runs(runs)
    held = df[(df["n_params"] >= holdout_min_params) & df["is_final"]]
    if held.empty:
        raise InputError(f"no final run at or above {holdout_min_params:.3g} parameters")
    return pd.DataFrame(_predict_rows(frame, held))


def _predict_rows(frame: ReferenceFrame, held: pd.DataFrame) -> list[dict[str, Any]]:
    """Predicted and actual final scores, with the self-check, of ``held`` (final runs)."""
    held = build_averages(held, frame.averages)
    pcol = frame.param_column_
    rows = []
    for bench in frame.benchmarks_:
        fit = frame[bench]
        for _, r in held[held["benchmark"] == bench].sort_values("n_params").iterrows():
            pred = float(fit.predict_score(r[pcol], r["tokens"]))
            # self-check (docs/method.md#trap-self-check): invert the actual score at the model's
            # own
            # token count; a frame that transfers gives rho = N_hat / N close to 1
            score = np.array([float(r["score"])])
            inv = fit.invert(score, float(r["tokens"]), draws=False)
            rows.append({
                "benchmark": bench, "run": r["run"], "n_params": float(r[pcol]),
                "tokens": float(r["tokens"]), "predicted": pred, "actual": float(r["score"]),
                "abs_error": abs(pred - float(r["score"])),
                "self_check_rho": float(inv.n_hat[0]) / float(r[pcol]),
                "self_check_status": str(inv.status[0]),
            })
    return rows


def cross_validate_frame(
    runs: pd.DataFrame,
    folds: Sequence[float] = DEFAULT_CV_FOLDS,
    holdout_min_params: float = 4e9,
    **frame_kwargs: Any,
) -> pd.DataFrame:
    """Cross-validate a frame's settings inside the ladder, never touching held-out runs.

    Runs with ``n_params`` at or above ``holdout_min_params`` are removed first, so the
    result is the same whether or not they are passed (docs/method.md#trap-selection: settings
    chosen
    on them would make their error optimistic). Each fold fits a frame on the runs below its
    threshold and predicts the final scores of the runs from the threshold up to
    ``holdout_min_params``.

    Parameters
    ----------
    runs
        Tidy reference table.
    folds
        Fold thresholds (``n_params``), each below ``holdout_min_params``.
    holdout_min_params
        Runs at or above this size are never used.
    **frame_kwargs
        Settings for :class:`ReferenceFrame`.

    Returns
    -------
    pandas.DataFrame
        One row per fold, benchmark and predicted run: ``fold`` (the threshold) and the
        columns of :func:`holdout_validation`'s table.
    """
    df = validate_runs(runs)
    df = df[df["n_params"] < holdout_min_params]
    thresholds = [float(t) for t in folds]
    if not thresholds:
        raise InputError("folds is empty; give at least one fold threshold")
    parts = []
    for t in thresholds:
        if not np.isfinite(t) or t <= 0 or t >= holdout_min_params:
            raise InputError(
                f"fold threshold {t:.3g} must be positive and below "
                f"holdout_min_params={holdout_min_params:.3g}"
            )
        small = df[df["n_params"] < t]
        pred = df[(df["n_params"] >= t) & df["is_final"]]
        if small.empty or pred.empty:
            raise InputError(
                f"fold threshold {t:.3g} leaves {small['run'].nunique()} fitting and "
                f"{pred['run'].nunique()} predicted runs; both must be non-empty"
            )
        frame = ReferenceFrame(**frame_kwargs).fit(small)
        part = pd.DataFrame(_predict_rows(frame, pred))
        part.insert(0, "fold", t)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
