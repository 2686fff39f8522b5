"""The content of a leaderboard and its change log: rows, history entries and their replay.

A history entry is one JSON object per line of ``history.jsonl``. :func:`check_entry` holds
every rule an entry must follow, so a damaged log is caught before it is replayed, and
:func:`replay` rebuilds any version from the entries.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from densing._io import csv_safe, csv_unsafe
from densing.exceptions import DataFormatError

__all__ = [
    "FORMAT",
    "MODEL_COLUMNS",
    "OPS",
    "SCORE_COLUMNS",
    "LeaderboardState",
    "apply_entry",
    "check_entry",
    "diff_entry",
    "replay",
    "table_rows",
]

FORMAT = "densing.Leaderboard/1"
#: columns of ``models.csv``
MODEL_COLUMNS: tuple[str, ...] = ("model", "n_params", "release_date", "hf_id", "notes")
#: columns of ``scores.csv``
SCORE_COLUMNS: tuple[str, ...] = ("model", "benchmark", "protocol", "score", "stderr")
#: the kinds of change in the log
OPS = ("init", "add", "update", "remove", "restore", "repair")
_SETTINGS = ("frame", "tokens", "benchmark", "protocol_map", "param_count")


def _fmt_float(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return repr(float(v))


@dataclass
class LeaderboardState:
    """The content of a leaderboard at one version.

    Attributes
    ----------
    version
        Number of changes applied (1 right after ``init``).
    settings
        ``frame``, ``tokens``, ``benchmark``, ``protocol_map``, ``param_count``.
    models
        Model name -> row (``model, n_params, release_date, hf_id, notes``).
    scores
        ``(model, benchmark, protocol)`` -> row (``model, benchmark, protocol, score,
        stderr``).
    """

    version: int
    settings: dict[str, Any]
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def models_df(self) -> pd.DataFrame:
        """``models.csv`` as a DataFrame (``release_date`` as datetime64)."""
        df = pd.DataFrame([self.models[k] for k in sorted(self.models)],
                          columns=list(MODEL_COLUMNS))
        df["n_params"] = df["n_params"].astype("int64")
        df["release_date"] = pd.to_datetime(df["release_date"], format="%Y-%m-%d")
        return df

    @property
    def scores_df(self) -> pd.DataFrame:
        """``scores.csv`` as a DataFrame."""
        df = pd.DataFrame([self.scores[k] for k in sorted(self.scores)],
                          columns=list(SCORE_COLUMNS))
        df["score"] = df["score"].astype(float)
        df["stderr"] = pd.to_numeric(df["stderr"], errors="coerce").astype(float)
        return df

    def models_csv(self) -> bytes:
        """Canonical bytes of ``models.csv`` (text cells spreadsheet-safe)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(MODEL_COLUMNS)
        for k in sorted(self.models):
            r = self.models[k]
            w.writerow([csv_safe(r["model"]), str(int(r["n_params"])), r["release_date"],
                        csv_safe(r.get("hf_id") or ""), csv_safe(r.get("notes") or "")])
        return buf.getvalue().encode("utf-8")

    def scores_csv(self) -> bytes:
        """Canonical bytes of ``scores.csv`` (text cells spreadsheet-safe)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(SCORE_COLUMNS)
        for k in sorted(self.scores):
            r = self.scores[k]
            w.writerow([csv_safe(r["model"]), csv_safe(r["benchmark"]), csv_safe(r["protocol"]),
                        _fmt_float(r["score"]), _fmt_float(r.get("stderr"))])
        return buf.getvalue().encode("utf-8")


# -- entry rules -----------------------------------------------------------------------------


def _text(row: Mapping[str, Any], key: str, what: str, optional: bool = False) -> str:
    v = row.get(key)
    if optional and v is None:
        return ""
    if not isinstance(v, str) or (not optional and not v.strip()):
        raise ValueError(f"{what} {key} is {v!r}, not a name")
    return v


def _number(row: Mapping[str, Any], key: str, what: str, optional: bool = False) -> float:
    v = row.get(key)
    if optional and v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{what} {key} is {v!r}, not a finite number")
    return float(v)


def _check_model_row(r: Any) -> None:
    if not isinstance(r, Mapping):
        raise ValueError(f"a model row is {r!r}, not an object")
    _text(r, "model", "model row")
    n = _number(r, "n_params", f"model {r['model']!r}")
    if n <= 0:
        raise ValueError(f"model {r['model']!r} n_params is {r['n_params']!r}, not positive")
    d = r.get("release_date")
    try:
        _dt.date.fromisoformat(str(d))
    except ValueError:
        raise ValueError(f"model {r['model']!r} release_date is {d!r}, not YYYY-MM-DD") from None
    if not isinstance(d, str):
        raise ValueError(f"model {r['model']!r} release_date is {d!r}, not YYYY-MM-DD")
    _text(r, "hf_id", "model row", optional=True)
    _text(r, "notes", "model row", optional=True)


def _check_score_row(r: Any) -> None:
    if not isinstance(r, Mapping):
        raise ValueError(f"a score row is {r!r}, not an object")
    for key in ("model", "benchmark", "protocol"):
        _text(r, key, "score row")
    what = f"score of {r['model']!r} on {r['benchmark']!r}"
    s = _number(r, "score", what)
    if not 0 <= s <= 1:
        raise ValueError(f"{what} is {r['score']!r}, outside [0, 1]")
    e = _number(r, "stderr", what, optional=True)
    if not (math.isnan(e) or e >= 0):
        raise ValueError(f"{what} stderr is {r['stderr']!r}, negative")


def check_entry(entry: Any) -> None:
    """Check one history entry against the log's rules.

    Parameters
    ----------
    entry
        A decoded line of ``history.jsonl``.

    Raises
    ------
    ValueError
        Naming the first field that breaks a rule (the caller adds the file and line).
    """
    if not isinstance(entry, Mapping):
        raise ValueError(f"the entry is {type(entry).__name__}, not an object")
    v = entry.get("version")
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"version is {v!r}, not a positive whole number")
    if entry.get("op") not in OPS:
        raise ValueError(f"op is {entry.get('op')!r}, not one of {', '.join(OPS)}")
    if not isinstance(entry.get("timestamp"), str):
        raise ValueError(f"timestamp is {entry.get('timestamp')!r}, not text")
    if entry["op"] == "init":
        s = entry.get("settings")
        if not isinstance(s, Mapping) or any(k not in s for k in _SETTINGS):
            raise ValueError(f"settings lack one of {', '.join(_SETTINGS)}")
        if not isinstance(s["frame"], str) or not isinstance(s["benchmark"], str):
            raise ValueError("settings frame and benchmark must be text")
        _number(s, "tokens", "settings")
        if not isinstance(s["protocol_map"], Mapping):
            raise ValueError(f"settings protocol_map is {s['protocol_map']!r}, not an object")
        return
    for part in ("added", "removed"):
        block = entry.get(part, {})
        if not isinstance(block, Mapping):
            raise ValueError(f"{part} is {block!r}, not an object")
        for key, check in (("models", _check_model_row), ("scores", _check_score_row)):
            items = block.get(key, [])
            if not isinstance(items, list):
                raise ValueError(f"{part}.{key} is {items!r}, not a list")
            for r in items:
                check(r)


def apply_entry(state: LeaderboardState, entry: Mapping[str, Any]) -> LeaderboardState:
    """Apply one (checked) history entry to a copy of ``state``.

    Parameters
    ----------
    state
        The state before the entry.
    entry
        An entry that passed :func:`check_entry`.

    Returns
    -------
    LeaderboardState
        The state after it.

    Raises
    ------
    ValueError
        When the entry does not follow ``state`` (a version gap, a row removed that is not
        there).
    """
    version = int(entry["version"])
    if version != state.version + 1:
        raise ValueError(f"version {version} follows version {state.version} (a gap)")
    new = LeaderboardState(version, dict(state.settings), dict(state.models), dict(state.scores))
    removed = entry.get("removed") or {}
    added = entry.get("added") or {}
    for r in removed.get("models", []):
        if new.models.pop(r["model"], None) is None:
            raise ValueError(f"entry {version} removes unknown model {r['model']!r}")
    for r in removed.get("scores", []):
        key = (r["model"], r["benchmark"], r["protocol"])
        if new.scores.pop(key, None) is None:
            raise ValueError(f"entry {version} removes unknown score {key}")
    for r in added.get("models", []):
        new.models[r["model"]] = {c: r.get(c) for c in MODEL_COLUMNS}
    for r in added.get("scores", []):
        new.scores[(r["model"], r["benchmark"], r["protocol"])] = {
            c: r.get(c) for c in SCORE_COLUMNS
        }
    return new


def replay(entries: Sequence[Mapping[str, Any]], upto: int | None = None) -> LeaderboardState:
    """The state after the first ``upto`` entries (all by default).

    Parameters
    ----------
    entries
        Checked entries, starting with ``init``.
    upto
        Number of entries to apply.

    Returns
    -------
    LeaderboardState
        The state at that version.

    Raises
    ------
    DataFormatError
        When the log does not start with ``init`` or an entry does not follow its
        predecessor.
    """
    if not entries or entries[0].get("op") != "init" or entries[0].get("version") != 1:
        raise DataFormatError("history log does not start with an 'init' entry at version 1")
    state = LeaderboardState(1, dict(entries[0]["settings"]))
    last = len(entries) if upto is None else upto
    for entry in entries[1:last]:
        try:
            state = apply_entry(state, entry)
        except ValueError as exc:
            raise DataFormatError(f"history log: {exc}") from None
    return state


def diff_entry(old: LeaderboardState, new: LeaderboardState, **fields: Any) -> dict[str, Any]:
    """A log entry (version ``old.version + 1``) that turns ``old`` into ``new``'s rows.

    Parameters
    ----------
    old, new
        The two states.
    **fields
        More fields of the entry (``op``, ``timestamp``, ...).

    Returns
    -------
    dict
        The entry with ``removed`` and ``added`` rows.
    """
    rm_m = [old.models[k] for k in sorted(old.models) if new.models.get(k) != old.models[k]]
    add_m = [new.models[k] for k in sorted(new.models) if old.models.get(k) != new.models[k]]
    rm_s = [old.scores[k] for k in sorted(old.scores) if new.scores.get(k) != old.scores[k]]
    add_s = [new.scores[k] for k in sorted(new.scores) if old.scores.get(k) != new.scores[k]]
    return {"version": old.version + 1, **fields,
            "removed": {"models": rm_m, "scores": rm_s},
            "added": {"models": add_m, "scores": add_s}}


def table_rows(data: bytes, models: bool) -> tuple[dict[Any, dict[str, Any]], list[str], int]:
    """The rows of ``models.csv`` (``models=True``) or ``scores.csv`` that follow the log's
    rules, skipping damaged ones (a cut row, a last row without its line end, undecodable
    bytes, a bad value).

    Parameters
    ----------
    data
        The file's bytes.
    models
        Which table it is.

    Returns
    -------
    rows : dict
        Key (model name, or ``(model, benchmark, protocol)``) -> row.
    names : list of str
        Every model name the table mentions, in damaged rows too.
    n_bad : int
        How many rows were skipped (the header counts when it is wrong: then nothing is read).
    """
    cols = MODEL_COLUMNS if models else SCORE_COLUMNS
    lines = data.decode("utf-8", errors="replace").splitlines()
    if not lines:
        return {}, [], 0
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except (csv.Error, StopIteration):
        return {}, [], 1
    if tuple(header) != cols:
        return {}, [], 1
    out: dict[Any, dict[str, Any]] = {}
    names: list[str] = []
    n_bad = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            n_bad += 1
            continue
        if len(cells) >= 2 and "\ufffd" not in cells[0]:  # a whole first cell
            names.append(str(csv_unsafe(cells[0])))
        try:
            # every row ends in a line end: a last row without one was cut, maybe inside its
            # last cell (notes, stderr), so it is not taken as it reads
            cut = reader.line_num == len(lines) and not data.endswith(b"\n")
            if cut or len(cells) != len(cols) or any("\ufffd" in c for c in cells):
                raise ValueError("a damaged row")
            r: dict[str, Any] = dict(zip(cols, cells, strict=True))
            for key in ("model", "benchmark", "protocol", "hf_id", "notes"):
                if key in r:
                    r[key] = csv_unsafe(r[key])
            if models:
                r["n_params"] = int(r["n_params"])
                r["hf_id"], r["notes"] = r["hf_id"] or "", r["notes"] or ""
                _check_model_row(r)
                out[r["model"]] = r
            else:
                r["score"] = float(r["score"])
                r["stderr"] = float(r["stderr"]) if r["stderr"] else None
                _check_score_row(r)
                out[(r["model"], r["benchmark"], r["protocol"])] = r
        except (ValueError, KeyError):
            n_bad += 1
    return out, names, n_bad
