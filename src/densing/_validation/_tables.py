"""Table-level rules: one rule for a table of scores, shared by the API, the CLI and the board.

:func:`check_score_table` is what :func:`densing.density.compute_density`, ``densing
density`` and :meth:`densing.leaderboard.Leaderboard.add` run on their scores, so the same
bad value gets the same one-line message from each of them. What it decides:

- a score is a number (``bool`` and text are not: ``True`` and ``'0.6'`` are refused alike,
  with ``must be a number such as 0.62``); it is finite and lies in ``[0, 1]``;
- a standard error is missing (empty, ``None``, NaN) or a fraction in ``[0, 1]``;
- a column is named once (a table or a CSV header with ``score`` twice is refused, naming
  the column: pandas would silently rename the second ``score.1``);
- each row holds one score: a cell holding a list or an array is refused, never flattened.

Text in a CSV file is not text in a table: :func:`numbers_from_text` reads each cell of a
file's number columns that is written as a number as that number (what pandas does for a
column whose every cell is a number), so ``0.6`` in a file is a score while ``'0.6'`` in a
DataFrame is text.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from densing._validation._scalars import check_score, check_stderr
from densing.exceptions import InputError

if TYPE_CHECKING:
    import pandas as pd

#: the columns of a score table whose cells are numbers
SCORE_NUMBER_COLUMNS = ("score", "stderr")


def check_unique_columns(columns: Iterable[Any], what: str) -> None:
    """Raise :class:`InputError` if a column name appears twice.

    Parameters
    ----------
    columns
        The column names, in order.
    what
        The table, for the message (``"scores"``).
    """
    seen: set[str] = set()
    for col in columns:
        key = str(col).strip()
        if key in seen:
            raise InputError(f"{what} has the column {key!r} twice; keep one")
        seen.add(key)


def check_csv_header(path: str | os.PathLike[str], what: str) -> None:
    """Raise :class:`InputError` if a CSV file's header names a column twice.

    pandas renames a repeated ``score`` to ``score.1``, so the raw header is read here.

    Parameters
    ----------
    path
        The CSV file.
    what
        The table, for the message (``"scores"``).
    """
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as fh:
            header = next(csv.reader(fh), [])
    except csv.Error:  # a header pandas read is one csv cannot: nothing to compare
        return
    check_unique_columns(header, what)


def numbers_from_text(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A table read from a text file with each number written as text read as a number.

    pandas reads a column as numbers only when every cell is one; in a column that also
    holds ``abc``, the cell ``0.6`` stays the text ``'0.6'``. This reads such cells as
    numbers, so that the rules name the cell that is not a number.

    Parameters
    ----------
    table
        As read by :func:`pandas.read_csv` (modified in place and returned).
    columns
        The number columns present or not.

    Returns
    -------
    pandas.DataFrame
        ``table``.
    """
    def parse(cell: Any) -> Any:
        if isinstance(cell, str):
            try:
                return float(cell)
            except ValueError:
                return cell
        return cell

    import pandas as pd

    for col in columns:
        if col in table.columns and not (pd.api.types.is_numeric_dtype(table[col])
                                         or pd.api.types.is_bool_dtype(table[col])):
            cells = [parse(c) for c in table[col].tolist()]
            table[col] = pd.Series(cells, index=table.index, dtype=object)
    return table


def _where(model: Any, bench: Any) -> str:
    out = f"of model {str(model)!r}" if model is not None else ""
    return f"{out} on {str(bench)!r}" if bench is not None else out


def check_score_table(table: Any, what: str = "scores", *,
                      required: Sequence[str] = ("model", "benchmark", "protocol", "score"),
                      model: str | None = None) -> pd.DataFrame:
    """The one rule for a table of scores; returns a checked copy.

    Parameters
    ----------
    table
        A :class:`pandas.DataFrame` with ``score`` (and optionally ``model``, ``benchmark``,
        ``protocol``, ``stderr``).
    what
        The table, for messages.
    required
        Columns that must be present.
    model
        The model named in messages when the table has no ``model`` column.

    Returns
    -------
    pandas.DataFrame
        A copy with ``score`` as floats and ``stderr`` (when present) as floats, NaN where
        missing.

    Raises
    ------
    densing.InputError
        For a table that is not a DataFrame, a repeated or missing column, or a score or
        standard error that breaks the rules in this module's docstring; the message names
        the first such row's model and benchmark and its value.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame; got {type(table).__name__}")
    check_unique_columns(table.columns, what)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(f"{what} is missing column(s) {missing}; required: {list(required)}")
    df = table.copy()
    n = len(df)
    models = df["model"].tolist() if "model" in df.columns else [model] * n
    benches = df["benchmark"].tolist() if "benchmark" in df.columns else [None] * n
    wheres = [_where(m, b) for m, b in zip(models, benches, strict=True)]
    if "score" in df.columns:
        df["score"] = np.array([check_score(v, where=w) for v, w in
                                zip(df["score"].tolist(), wheres, strict=True)], dtype=float)
    if "stderr" in df.columns:
        errs = [check_stderr(v, where=w) for v, w in
                zip(df["stderr"].tolist(), wheres, strict=True)]
        df["stderr"] = np.array([np.nan if e is None else e for e in errs], dtype=float)
    return df


__all__ = [
    "SCORE_NUMBER_COLUMNS",
    "check_csv_header",
    "check_score_table",
    "check_unique_columns",
    "numbers_from_text",
]
