"""Averaged benchmarks: the mean over a task set, for reference runs and for target scores.

One rule serves both (the paper's AVERAGE): a group (a reference checkpoint, or a target
model) contributes to an average only when it has every task of it; the averaged loss and
score are plain means over the tasks, and standard errors combine as
``sqrt(sum(se**2)) / n_tasks`` (independent tasks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["average_tasks", "build_averages", "combine_stderr"]


def combine_stderr(se: pd.Series) -> float:
    """Standard error of a mean of independent task scores: ``sqrt(sum(se**2)) / n``.

    Parameters
    ----------
    se
        Standard errors of the averaged scores (missing values count as 0 in the sum).

    Returns
    -------
    float
        The standard error of their mean.
    """
    return float(np.sqrt((se**2).sum())) / len(se)


def average_tasks(
    table: pd.DataFrame,
    tasks: Sequence[str],
    keys: Sequence[str],
    *,
    mean_cols: Sequence[str],
    stderr_col: str | None = None,
    keep_first: bool = False,
) -> pd.DataFrame | None:
    """Average columns over a task set, per group, keeping only groups with every task.

    Parameters
    ----------
    table
        Tidy long table with a ``benchmark`` column (one row per group and task).
    tasks
        The tasks to average.
    keys
        Columns that identify a group (``["run", "step"]`` for reference checkpoints,
        ``["model"]`` for target models).
    mean_cols
        Columns averaged over the tasks.
    stderr_col
        A standard-error column combined with :func:`combine_stderr`.
    keep_first
        Keep every other column of the group's first row (sorted by ``keys``); otherwise
        the result has only ``keys``, ``mean_cols`` and ``stderr_col``.

    Returns
    -------
    pandas.DataFrame or None
        One row per complete group, sorted by ``keys``; ``None`` when no group is complete.
    """
    keys = list(keys)
    sub = table[table["benchmark"].isin(tasks)]
    if sub.empty:
        return None
    counts = sub.groupby(keys)["benchmark"].transform("nunique")
    sub = sub[counts == len(set(tasks))]
    if sub.empty:
        return None
    grouped = sub.groupby(keys, sort=True)
    means = grouped[list(mean_cols)].mean().reset_index()
    if keep_first:
        out = grouped.first().reset_index()
        out[list(mean_cols)] = means[list(mean_cols)].to_numpy()
    else:
        out = means
    if stderr_col is not None:
        out[stderr_col] = grouped[stderr_col].agg(combine_stderr).to_numpy()
    return out


def build_averages(
    runs: pd.DataFrame, averages: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Append averaged benchmarks (mean loss and mean score over tasks) to a runs table.

    Only checkpoints that have every task of an average contribute to it.

    Parameters
    ----------
    runs
        Tidy reference table.
    averages
        Name of each averaged benchmark -> its tasks.

    Returns
    -------
    pandas.DataFrame
        ``runs`` with the averaged rows appended.
    """
    extra = []
    for name, tasks in averages.items():
        avg = average_tasks(runs, tasks, ["run", "step"], mean_cols=["loss", "score"],
                            keep_first=True)
        if avg is None:
            continue
        avg["benchmark"] = name
        extra.append(avg[runs.columns])
    if not extra:
        return runs
    return pd.concat([runs, *extra], ignore_index=True)
