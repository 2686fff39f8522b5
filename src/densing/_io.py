"""Atomic file writes: a temporary file in the destination's folder, then a rename.

A failure (an exception, a kill) leaves the destination as it was: never half-written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from densing.exceptions import InputError


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines as given).

    Parameters
    ----------
    path
        Destination; its folder must exist.
    text
        The content.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    dest = Path(path)
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output directory does not exist: {str(parent)!r}")
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return dest


def atomic_write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as CSV (no index) atomically.

    Parameters
    ----------
    df
        The table.
    path
        Destination; its folder must exist.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return atomic_write_text(path, df.to_csv(index=False))
