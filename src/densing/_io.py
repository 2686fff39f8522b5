"""File and JSON helpers: atomic writes and plain (JSON-ready) values.

An atomic write goes to a temporary file in the destination's folder, then a rename: a
failure (an exception, a kill) leaves the destination as it was, never half-written.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
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


def to_plain(obj: Any, *, nan_to_none: bool = True) -> Any:
    """Nested dicts, lists and numpy/pandas scalars as plain Python values.

    Parameters
    ----------
    obj
        Any nested structure of mappings, sequences, arrays and scalars.
    nan_to_none
        Turn non-finite floats into ``None`` (valid JSON); keep them as floats otherwise.

    Returns
    -------
    Any
        The same structure with Python ``dict``/``list``/``int``/``float``/``bool`` values
        and dates as ISO strings.
    """
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v, nan_to_none=nan_to_none) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v, nan_to_none=nan_to_none) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_plain(v, nan_to_none=nan_to_none) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if nan_to_none and not math.isfinite(f) else f
    if isinstance(obj, (pd.Timestamp, _dt.date)):
        return obj.isoformat()[:10]
    return obj
