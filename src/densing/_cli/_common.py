"""Helpers shared by the CLI subcommands: JSON output and table printing."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from densing._io import to_plain as to_jsonable  # the CLI's name for it
from densing.exceptions import DataFormatError, InputError


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON on stdout (non-finite floats become ``null``)."""
    json.dump(to_jsonable(obj), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def print_table(df: pd.DataFrame, floatfmt: str = "{:.4g}") -> None:
    """Print a DataFrame as a plain-text table."""
    with pd.option_context("display.max_rows", 500, "display.width", 200):
        print(df.to_string(index=False, float_format=lambda v: floatfmt.format(v)))


def dispatch(args: argparse.Namespace) -> int:
    """Run a subcommand that has actions of its own (``densing leaderboard ADD``, ...).

    The action's parser sets ``handler``; without an action the subcommand's help is printed.

    Parameters
    ----------
    args
        Parsed arguments with ``handler`` and ``help_parser``.

    Returns
    -------
    int
        The handler's exit status, or 2 when no action was given.
    """
    if args.handler is None:
        args.help_parser.print_help()
        return 2
    return int(args.handler(args))


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
    if not Path(path).is_file():
        raise InputError(f"{what} file not found: {path}")
    try:
        return pd.read_csv(path, dtype=dtype)
    except pd.errors.EmptyDataError:
        raise DataFormatError(f"cannot read {what} file {path!r}: it is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = " ".join(str(exc).split())
        raise DataFormatError(f"cannot read {what} file {path!r} as CSV: {msg}") from None
