"""File and JSON helpers: atomic writes, spreadsheet-safe CSV cells and plain values.

An atomic write goes to a temporary file in the destination's folder, then a rename: a
failure (an exception, a kill) leaves the destination as it was, never half-written. The
written file gets the mode a plain ``open(path, "w")`` would give it: a new file honours the
umask, a replaced file keeps its mode.

CSV cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are formulas
to a spreadsheet (CSV injection). :func:`csv_safe` prefixes such text cells with ``'`` (the
OWASP rule); numbers, negative ones included, are left alone.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from densing.exceptions import InputError, OutputError

__all__ = [
    "FORMULA_PREFIXES",
    "atomic_write_bytes",
    "atomic_write_csv",
    "atomic_write_text",
    "csv_safe",
    "csv_safe_frame",
    "csv_unsafe",
    "duplicate_columns",
    "file_mode_for",
    "write_error",
    "to_plain",
    "write_temp",
]

#: first characters that make a spreadsheet read a cell as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask is process-wide)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode_for(dest: str | os.PathLike[str]) -> int:
    """The mode a write to ``dest`` should leave: its current one, else 0o666 less the umask.

    Parameters
    ----------
    dest
        The file about to be written or replaced.

    Returns
    -------
    int
        Permission bits (``stat.S_IMODE``).
    """
    try:
        return os.stat(dest).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def write_error(dest: str | os.PathLike[str], exc: OSError) -> OutputError:
    """A one-line :class:`OutputError` naming ``dest`` and why writing it failed.

    Parameters
    ----------
    dest
        The file that was being written (not its temporary copy).
    exc
        The error the operating system gave (``ENOSPC``, ``EFBIG``, ``EROFS``, ...).

    Returns
    -------
    OutputError
        The error to raise (``errno`` and ``strerror`` copied from ``exc``).
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    err = OutputError(f"cannot write {str(dest)!r}: {reason}; nothing was written")
    err.errno = exc.errno
    return err


def duplicate_columns(header: list[str]) -> list[str]:
    """The column names that occur more than once in a CSV header, in order.

    Parameters
    ----------
    header
        The header's cells.

    Returns
    -------
    list of str
        Each repeated name once (empty when every name is unique).
    """
    seen: set[str] = set()
    dups: list[str] = []
    for name in header:
        key = name.strip()
        if key in seen and key not in dups:
            dups.append(key)
        seen.add(key)
    return dups


def write_temp(dest: str | os.PathLike[str], data: bytes, *, fsync: bool = True) -> str:
    """Write ``data`` to a new temporary file beside ``dest`` with ``dest``'s future mode.

    Parameters
    ----------
    dest
        The file the temporary file will replace (``os.replace(tmp, dest)``).
    data
        The content.
    fsync
        Flush the content to disk before returning.

    Returns
    -------
    str
        Path of the temporary file (``.<name>.<random>.tmp`` in ``dest``'s folder).
    """
    target = Path(dest)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise write_error(target, exc) from None
    try:
        os.fchmod(fd, file_mode_for(target))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise write_error(target, exc) from None
        raise
    return tmp


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, keeping the permissions a plain write would.

    Parameters
    ----------
    path
        Destination; its folder must exist.
    data
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
    tmp = write_temp(dest, data, fsync=False)
    try:
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise write_error(dest, exc) from None
        raise
    return dest


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
    return atomic_write_bytes(path, text.encode("utf-8"))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_safe(value: Any) -> Any:
    """``value`` made harmless in a spreadsheet: text starting like a formula gets a ``'``.

    Parameters
    ----------
    value
        A cell. Only text is changed: text that starts with one of
        :data:`FORMULA_PREFIXES` (or with ``'``, so that :func:`csv_unsafe` can undo it) and
        is not a number such as ``-0.5``.

    Returns
    -------
    Any
        The cell, prefixed with ``'`` where needed.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] == "'" or (value[0] in FORMULA_PREFIXES and not _is_number(value)):
        return "'" + value
    return value


def csv_unsafe(value: Any) -> Any:
    """Undo :func:`csv_safe` on a cell read back from a CSV written by densing.

    Parameters
    ----------
    value
        The cell (anything but text is returned as is).

    Returns
    -------
    Any
        The original text.
    """
    return value[1:] if isinstance(value, str) and value.startswith("'") else value


def _is_text_column(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells went through :func:`csv_safe`.

    Parameters
    ----------
    df
        The table; numeric columns are left as they are.

    Returns
    -------
    pandas.DataFrame
        The table to write.
    """
    out = df.copy()
    for col in out.columns:
        if _is_text_column(out[col]):
            out[col] = out[col].map(csv_safe)
    out.columns = [csv_safe(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


def atomic_write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as CSV (no index) atomically, with text cells made spreadsheet-safe.

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
    safe = csv_safe_frame(df)
    # a carriage return inside a cell is not quoted by the minimal rule: quote all text then
    has_cr = any(safe[c].map(lambda v: isinstance(v, str) and "\r" in v).any()
                 for c in safe.columns if _is_text_column(safe[c]))
    return atomic_write_text(path, safe.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC
                                               if has_cr else csv.QUOTE_MINIMAL))


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
