"""Helpers shared by the CLI subcommands: JSON output, table printing, reading CSVs.

Nothing heavy is imported at module level (pandas and the JSON converter load inside the
functions that need them), so a subcommand's ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from densing.exceptions import DataFormatError, InputError

if TYPE_CHECKING:
    import pandas as pd


def to_jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values (see :func:`densing._io.to_plain`)."""
    from densing._io import to_plain

    return to_plain(obj)


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON on stdout (non-finite floats become ``null``)."""
    json.dump(to_jsonable(obj), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def print_table(df: pd.DataFrame, floatfmt: str = "{:.4g}") -> None:
    """Print a DataFrame as a plain-text table, its columns wrapped to the terminal's width
    (``COLUMNS``; 100 when there is no terminal)."""
    import shutil

    width = shutil.get_terminal_size((100, 24)).columns
    print(df.to_string(index=False, float_format=lambda v: floatfmt.format(v),
                       line_width=width))


def read_csv(path: str, what: str, dtype: dict[str, Any] | None = None) -> pd.DataFrame:
    """Read a user's CSV, with one-line errors for a missing, empty or malformed file.

    Parameters
    ----------
    path
        File path.
    what
        What the file holds, for messages (e.g. ``"scores"``).
    dtype
        Column types passed to :func:`pandas.read_csv` (e.g. names kept as text).

    Returns
    -------
    pandas.DataFrame
        The table.
    """
    import pandas as pd

    if not Path(path).is_file():
        raise InputError(f"{what} file not found: {path}")
    try:
        table = pd.read_csv(path, dtype=dtype)
    except pd.errors.EmptyDataError:
        raise DataFormatError(f"cannot read {what} file {path!r}: it is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = " ".join(str(exc).split())
        raise DataFormatError(f"cannot read {what} file {path!r} as CSV: {msg}") from None
    from densing._validation import check_csv_header

    check_csv_header(path, what)  # pandas renames a repeated column (score.1): the raw header
    return table


def number(text: str) -> float:
    """Read a command-line number (``7e9``, ``-1e12``, ``0.95``); argparse ``type=``.

    Range checks belong to :mod:`densing._validation`, called where the value is used, so
    that the command line and the API answer a bad value with the same message.

    Parameters
    ----------
    text
        The argument as typed.

    Returns
    -------
    float
        The number.
    """
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 7e9; got {text!r}") from None


def integer(text: str) -> int:
    """Read a command-line integer (``-3`` included: the range is checked where it is used).

    Parameters
    ----------
    text
        The argument as typed.

    Returns
    -------
    int
        The integer.
    """
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer; got {text!r}") from None


__all__ = ["integer", "number", "print_json", "print_table", "read_csv", "to_jsonable"]
