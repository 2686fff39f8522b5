"""Held-out validation of a reference frame (METHOD.md item 8)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from densing.exceptions import InputError
from densing.reference.averages import build_averages
from densing.reference.frame import ReferenceFrame, validate_runs

__all__ = ["holdout_validation"]


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
        transfers perfectly; METHOD.md item 8), with its ``self_check_status``; and the frame
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
    held = build_averages(held, frame.averages)
    pcol = frame.param_column_
    rows = []
    for bench in frame.benchmarks_:
        fit = frame[bench]
        for _, r in held[held["benchmark"] == bench].sort_values("n_params").iterrows():
            pred = float(fit.predict_score(r[pcol], r["tokens"]))
            # self-check (METHOD.md item 8): invert the actual score at the model's own
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
    return pd.DataFrame(rows), frame

