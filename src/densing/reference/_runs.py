"""Reference runs: the tidy input table of a frame, checked once, and chance levels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from densing.exceptions import InputError
from densing.fitting import as_float_array
from densing.reference._defaults import CHANCE_LEVELS, REQUIRED_COLUMNS

__all__ = ["chance_level", "validate_runs"]


def chance_level(benchmark: str, tasks: Sequence[str] = ()) -> float | None:
    """Chance level of a benchmark, or the mean over an average's tasks.

    Parameters
    ----------
    benchmark
        Benchmark name.
    tasks
        The tasks of an averaged benchmark (empty for a single task).

    Returns
    -------
    float or None
        The expected accuracy of uniform guessing; ``None`` when a level is unknown.
    """
    if tasks:
        vals = [CHANCE_LEVELS.get(t) for t in tasks]
        if any(v is None for v in vals):
            return None
        return float(np.mean([float(v) for v in vals if v is not None]))
    return CHANCE_LEVELS.get(benchmark)


def validate_runs(runs: Any) -> pd.DataFrame:
    """Check and normalise a tidy table of reference evaluations.

    Parameters
    ----------
    runs
        The table (see :meth:`ReferenceFrame.fit`).

    Returns
    -------
    pandas.DataFrame
        A copy with float columns and a boolean ``is_final``.
    """
    if not isinstance(runs, pd.DataFrame):
        raise InputError(f"runs must be a pandas DataFrame; got {type(runs).__name__}")
    if runs.empty:
        raise InputError("runs is empty: give a table of reference evaluations")
    missing = [c for c in REQUIRED_COLUMNS if c not in runs.columns]
    if missing:
        raise InputError(
            f"runs is missing column(s) {missing}; required: {list(REQUIRED_COLUMNS)}"
        )
    df = runs.copy()
    for col in ("n_params", "tokens", "loss", "score", "step"):
        df[col] = as_float_array(col, df[col].to_numpy())
    for col in ("n_params_total", "n_params_nonembedding"):
        if col in df.columns:
            df[col] = as_float_array(col, df[col].to_numpy())
    for col in ("n_params", "tokens", "loss"):
        bad = ~np.isfinite(df[col]) | (df[col] <= 0)
        if bad.any():
            row = df.loc[bad].iloc[0]
            raise InputError(
                f"{col} must be finite and positive; got {float(row[col])!r} in run "
                f"{row['run']!r} ({int(bad.sum())} bad row(s))"
            )
    bad = ~np.isfinite(df["score"]) | (df["score"] < 0)
    if bad.any():
        row = df.loc[bad].iloc[0]
        raise InputError(f"score must be finite and >= 0; got {float(row['score'])!r} "
                         f"in run {row['run']!r}")
    if df["score"].max() > 1:
        raise InputError(
            f"scores must be fractions in [0, 1]; got {df['score'].max():.4g} "
            "(percentages? divide by 100)"
        )
    if df["is_final"].dtype != bool:
        df["is_final"] = df["is_final"].astype(str).str.lower().isin(["true", "1", "yes"])
    return df
