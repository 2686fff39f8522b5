"""A leaderboard's files: locking, the history log, atomic commits, checks and repair.

``history.jsonl`` is the commit point: a write renames it into place first, then the tables
and ``meta.json``. A writer killed after that rename leaves the log one version ahead of
``meta.json``; the next reader rebuilds the state from the log and the next write rewrites
the tables ("roll forward"). Any other disagreement (a log shorter than ``meta.json``'s
version, a version gap, undecodable bytes, an entry with a bad or missing field, tables that
do not match the log) is damage: every read and write stops with
:class:`LeaderboardDamagedError`, which names the file and ``densing leaderboard repair``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from densing._io import to_plain, write_error, write_temp
from densing.exceptions import (
    DataFormatError,
    DensingWarning,
    LeaderboardDamagedError,
    LeaderboardLockError,
    LeaderboardReadOnlyError,
)
from densing.leaderboard.state import (
    FORMAT,
    MODEL_COLUMNS,
    SCORE_COLUMNS,
    LeaderboardState,
    apply_entry,
    check_entry,
    diff_entry,
    replay,
    table_rows,
)

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "HISTORY_FILE",
    "LOCK_FILE",
    "META_FILE",
    "MODELS_FILE",
    "SCORES_FILE",
    "TABLE_FILE",
    "TREND_FILE",
    "BoardFiles",
    "LeaderboardDamagedError",
    "LeaderboardLockError",
    "Loaded",
]

MODELS_FILE = "models.csv"
SCORES_FILE = "scores.csv"
META_FILE = "meta.json"
HISTORY_FILE = "history.jsonl"
LOCK_FILE = ".lock"
TABLE_FILE = "leaderboard.csv"
TREND_FILE = "trend.json"
FRAME_FILE = "frame.json"
#: files a write may leave a temporary copy of (``.<name>.<random>.tmp``)
_WRITTEN = (HISTORY_FILE, MODELS_FILE, SCORES_FILE, META_FILE, TABLE_FILE, TREND_FILE,
            FRAME_FILE)

#: default seconds a writer waits for the lock
DEFAULT_LOCK_TIMEOUT = 60.0


def _later_entries(raw: bytes, n_prefix: int) -> list[dict[str, Any]]:
    """The entries after the log's valid prefix that are valid on their own, by version."""
    out: dict[int, dict[str, Any]] = {}
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            entry = json.loads(line.decode("utf-8"))
            check_entry(entry)
        except (ValueError, RecursionError):
            continue
        if entry["op"] != "init" and entry["version"] > n_prefix:
            out.setdefault(int(entry["version"]), entry)
    return [out[v] for v in sorted(out)]


def _apply_leniently(models: dict[str, Any], scores: dict[Any, Any],
                     named: dict[str, set[str]], e: Mapping[str, Any]) -> None:
    """Apply a valid log entry whose predecessor is not known exactly (after a damaged
    line): rows it removes go when present, rows it adds replace; ``named`` follows which
    models the log says are on the board."""
    for r in (e.get("removed") or {}).get("models", []):
        models.pop(r["model"], None)
        named.pop(r["model"], None)
    for r in (e.get("removed") or {}).get("scores", []):
        scores.pop((r["model"], r["benchmark"], r["protocol"]), None)
    for r in (e.get("added") or {}).get("models", []):
        models[r["model"]] = {c: r.get(c) for c in MODEL_COLUMNS}
        named.setdefault(r["model"], set()).add(HISTORY_FILE)
    for r in (e.get("added") or {}).get("scores", []):
        scores[(r["model"], r["benchmark"], r["protocol"])] = {
            c: r.get(c) for c in SCORE_COLUMNS}


def _bad_lines(path: Path) -> bytes:
    """The lines of the log that are not valid entries (to find the names they mention)."""
    try:
        raw = (path / HISTORY_FILE).read_bytes()
    except OSError:
        return b""
    bad = []
    for line in raw.split(b"\n"):
        try:
            check_entry(json.loads(line.decode("utf-8")))
        except (ValueError, RecursionError):
            bad.append(line)
    return b"\n".join(bad)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class Loaded:
    """What a read found: the state, the log's entries and bytes, ``meta.json``."""

    state: LeaderboardState
    entries: list[dict[str, Any]]
    raw: bytes
    meta: dict[str, Any]
    pending: bool  # the log is ahead of meta.json (an interrupted write to roll forward)


class BoardFiles:
    """The files of one leaderboard directory.

    Parameters
    ----------
    path
        The directory.
    lock_timeout
        Seconds a writer waits for the lock.
    """

    def __init__(self, path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.path = path
        self.lock_timeout = lock_timeout

    def _damaged(self, name: str, problem: str) -> LeaderboardDamagedError:
        return LeaderboardDamagedError(
            f"{self.path / name}: {problem}; nothing was changed: run 'densing leaderboard "
            f"check {self.path}' and 'densing leaderboard repair {self.path}'"
        )

    # -- locking -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, exclusive: bool) -> Iterator[None]:
        """Hold the directory's lock (shared for readers, exclusive for writers)."""
        import fcntl

        lock_path = self.path / LOCK_FILE
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            if exclusive:
                raise LeaderboardReadOnlyError(
                    f"leaderboard {self.path} cannot be changed: {lock_path} cannot be opened "
                    f"for writing ({exc.strerror or exc}); reading it still works"
                ) from None
            yield  # read-only directory or mount: read without a lock
            return
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + self.lock_timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LeaderboardLockError(
                            f"leaderboard {self.path} is locked by another process (lock file "
                            f"{lock_path}) for more than {self.lock_timeout:g} s; retry later "
                            "(the lock is released when that process exits)"
                        ) from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # -- writing -----------------------------------------------------------------------------
    def remove_stale_temporaries(self) -> int:
        """Delete temporary files left by killed writers (call under the exclusive lock).

        Returns
        -------
        int
            How many were removed.
        """
        n = 0
        for tmp in self.stale_temporaries():
            with contextlib.suppress(OSError):
                tmp.unlink()
                n += 1
        return n

    def stale_temporaries(self) -> list[Path]:
        """Temporary files (``.<name>.<random>.tmp``) a killed writer left behind."""
        return sorted(t for name in _WRITTEN for t in self.path.glob(f".{name}.*.tmp"))

    def write_all(self, files: Mapping[str, bytes]) -> None:
        """Write every file to a temporary file, then rename them into place in order."""
        self.remove_stale_temporaries()
        tmps: dict[str, str] = {}
        try:
            for name, data in files.items():
                tmps[name] = write_temp(self.path / name, data)
            for name in files:  # in order: history.jsonl (the commit point) before the CSVs
                try:
                    os.replace(tmps[name], self.path / name)
                except OSError as exc:
                    raise write_error(self.path / name, exc) from None
                del tmps[name]
        finally:
            for tmp in tmps.values():
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        with contextlib.suppress(OSError):  # make the renames durable
            dfd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def commit(self, state: LeaderboardState, new_entries: Sequence[Mapping[str, Any]],
               old_history: bytes, extra_files: Mapping[str, bytes] | None = None,
               created: str | None = None) -> None:
        """Append ``new_entries`` to the log and write the tables and ``meta.json``."""
        meta_old = self.read_meta(strict=False) or {}
        lines = b"".join(
            (json.dumps(to_plain(e), sort_keys=True, allow_nan=False) + "\n").encode("utf-8")
            for e in new_entries
        )
        models_b, scores_b = state.models_csv(), state.scores_csv()
        first = new_entries[0] if new_entries and new_entries[0].get("op") == "init" else None
        meta = {
            "format": FORMAT,
            **state.settings,
            "data_version": (first or meta_old).get("data_version"),
            "densing_version": (first or meta_old).get("densing_version"),
            "created": created or meta_old.get("created"),
            "updated": new_entries[-1]["timestamp"],
            "version": state.version,
            "n_models": len(state.models),
            "n_scores": len(state.scores),
            "sha256": {MODELS_FILE: _sha256(models_b), SCORES_FILE: _sha256(scores_b)},
        }
        files: dict[str, bytes] = dict(extra_files or {})
        files[HISTORY_FILE] = old_history + lines  # the commit point
        files[MODELS_FILE] = models_b
        files[SCORES_FILE] = scores_b
        files[META_FILE] = (json.dumps(to_plain(meta), indent=2, allow_nan=False)
                            + "\n").encode("utf-8")
        self.write_all(files)

    # -- reading -----------------------------------------------------------------------------
    def read_history(self) -> tuple[list[dict[str, Any]], bytes]:
        """Every entry of the log, each checked; :class:`LeaderboardDamagedError` otherwise."""
        entries, raw, problem = self.read_history_prefix()
        if problem:
            raise self._damaged(HISTORY_FILE, problem)
        return entries, raw

    def read_history_prefix(self) -> tuple[list[dict[str, Any]], bytes, str]:
        """The longest valid prefix of the log, its bytes, and what is wrong after it."""
        try:
            raw = (self.path / HISTORY_FILE).read_bytes()
        except OSError as exc:
            return [], b"", f"cannot be read ({exc.strerror})"
        entries: list[dict[str, Any]] = []
        state: LeaderboardState | None = None
        for i, line in enumerate(raw.split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
                check_entry(entry)
                state = replay([entry]) if state is None else apply_entry(state, entry)
            except UnicodeDecodeError:
                return entries, raw, f"line {i} is not UTF-8 text"
            except (json.JSONDecodeError, RecursionError):
                return entries, raw, f"line {i} is not valid JSON"
            except (ValueError, DataFormatError) as exc:
                return entries, raw, f"line {i}: {str(exc).removeprefix('history log: ')}"
            entries.append(entry)
        if not entries:
            return entries, raw, "holds no entries"
        return entries, raw, ""

    def read_meta(self, strict: bool = True) -> dict[str, Any] | None:
        """``meta.json``, ``None`` when absent; damaged content raises when ``strict``."""
        path = self.path / META_FILE
        if not path.exists():
            return None
        try:
            meta = json.loads(path.read_bytes().decode("utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("not an object")
            v = meta.get("version")
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"version is {v!r}")
        except (OSError, ValueError, RecursionError) as exc:
            if strict:
                raise self._damaged(META_FILE, f"unreadable ({str(exc)[:80]})") from None
            return None
        return meta

    def load(self) -> Loaded:
        """The current state, after checking the log, the tables and ``meta.json`` agree."""
        entries, raw = self.read_history()
        state = replay(entries)
        meta = self.read_meta()
        if meta is None:  # a killed init: the log is ahead
            return Loaded(state, entries, raw, {}, True)
        mv = int(meta["version"])
        if mv > state.version:
            raise self._damaged(
                HISTORY_FILE, f"holds {state.version} version(s) but {META_FILE} is at version "
                f"{mv}: the log lost entries")
        then = state if mv == state.version else replay(entries, mv)
        sums = meta.get("sha256") or {}
        for name, want in ((MODELS_FILE, then.models_csv()), (SCORES_FILE, then.scores_csv())):
            if sums.get(name) != _sha256(want):
                raise self._damaged(META_FILE, f"checksum of {name} does not match "
                                    f"{HISTORY_FILE} at version {mv}")
            try:
                on_disk = (self.path / name).read_bytes()
            except OSError:
                on_disk = b""
            newer = mv < state.version and on_disk == (
                state.models_csv() if name == MODELS_FILE else state.scores_csv())
            if on_disk != want and not newer:
                raise self._damaged(name, f"does not match {HISTORY_FILE} at version {mv} "
                                    "(edited by hand, or corrupt)")
        return Loaded(state, entries, raw, meta, mv < state.version)

    def load_for_read(self, stacklevel: int = 3) -> Loaded:
        """:meth:`load`, warning when an interrupted write will be rolled forward."""
        loaded = self.load()
        if loaded.pending:
            warnings.warn(
                f"{self.path}: {MODELS_FILE}/{SCORES_FILE}/{META_FILE} are behind "
                f"{HISTORY_FILE} (an interrupted write); using the state rebuilt from the "
                "history log; the next change rewrites the files",
                DensingWarning,
                stacklevel=stacklevel,
            )
        return loaded

    # -- check and repair --------------------------------------------------------------------
    def check(self) -> str:
        """One line on the board's health; :class:`LeaderboardDamagedError` when damaged."""
        stale = self.stale_temporaries()
        note = (f"; {len(stale)} stale temporary file(s) of a killed writer "
                f"({', '.join(t.name for t in stale[:3])}), removed by the next change "
                "or repair") if stale else ""
        try:
            with self.lock(exclusive=False):
                loaded = self.load()
        except LeaderboardDamagedError as exc:
            if not note:
                raise
            raise LeaderboardDamagedError(f"{exc}{note}") from None
        st = loaded.state
        text = f"ok: {self.path} version {st.version}, {len(st.models)} models, " \
               f"{len(st.scores)} scores"
        if loaded.pending:
            text += "; an interrupted write is completed by the next change"
        return text + note

    def repair(self) -> list[str]:
        """Rebuild the damaged side from the other, keeping a dated backup of what it replaces.

        Returns
        -------
        list of str
            What was done, one line each.
        """
        with self.lock(exclusive=True):
            try:
                loaded = self.load()
            except LeaderboardDamagedError:
                loaded = None
            n_stale = self.remove_stale_temporaries()
            cleaned = [f"removed {n_stale} stale temporary file(s)"] if n_stale else []
            if loaded is not None and not loaded.pending:
                return [f"nothing to repair: {self.path} is consistent at version "
                        f"{loaded.state.version}"] + cleaned
            return cleaned + self._repair()

    def _repair(self) -> list[str]:
        entries, raw, problem = self.read_history_prefix()
        meta = self.read_meta(strict=False) or {}
        mv = meta.get("version") if isinstance(meta.get("version"), int) else None
        settings = (dict(entries[0]["settings"]) if entries else
                    {k: meta[k] for k in ("frame", "tokens", "benchmark", "protocol_map",
                                          "param_count") if k in meta})
        if not entries and len(settings) < 5:
            raise self._damaged(HISTORY_FILE, f"{problem or 'is empty'} and {META_FILE} lacks "
                                "the settings: cannot repair; restore from a backup")
        done: list[str] = []
        log_whole = not problem and (mv is None or mv <= len(entries))
        backup = self._backup(([] if log_whole else [HISTORY_FILE])
                              + [MODELS_FILE, SCORES_FILE, META_FILE])
        stamp = now()
        if log_whole:
            state = replay(entries)
            self._rewrite(state, raw, meta, stamp)
            done.append(f"rebuilt {MODELS_FILE}, {SCORES_FILE} and {META_FILE} from "
                        f"{HISTORY_FILE} (version {state.version}, {len(state.models)} models)")
            done.append(f"backup of the replaced files: {backup}")
            return done
        if entries:
            prefix, kept = replay(entries), entries
        else:
            first = {"version": 1, "op": "init", "timestamp": stamp, "settings": settings,
                     "densing_version": meta.get("densing_version"),
                     "data_version": meta.get("data_version"), "note": "rebuilt by repair"}
            prefix, kept = LeaderboardState(1, settings), [first]
        later = _later_entries(raw, len(entries)) if problem else []
        target, sources, named = self._recover(prefix, later, meta, settings)
        new_log = b"".join((json.dumps(to_plain(e), sort_keys=True, allow_nan=False)
                            + "\n").encode("utf-8") for e in kept)
        entry = diff_entry(prefix, target, op="repair", timestamp=stamp,
                           note=f"{HISTORY_FILE}: {problem or 'shorter than meta.json'}")
        if entry["added"] == {"models": [], "scores": []} and \
                entry["removed"] == {"models": [], "scores": []}:
            state = prefix
            self._rewrite(state, new_log, meta, stamp)
        else:
            state = LeaderboardState(prefix.version + 1, prefix.settings,
                                     dict(target.models), dict(target.scores))
            self.commit(state, [entry], new_log)
        done.append(f"rebuilt {HISTORY_FILE}: kept its first {len(kept)} valid entries, and "
                    f"recovered the rest from {', '.join(sources) or 'nothing else'} as one "
                    f"'repair' entry (version {state.version}, {len(state.models)} models)")
        lost = {m: where for m, where in named.items() if m not in state.models}
        if lost:
            done.append("could not recover " + "; ".join(
                f"model {m!r} (named in {', '.join(sorted(w))})" for m, w in sorted(lost.items()))
                + f": its rows are in the backup {backup}")
        done.append(f"backup of the replaced files: {backup}")
        return done

    def _recover(self, prefix: LeaderboardState, later: Sequence[Mapping[str, Any]],
                 meta: Mapping[str, Any], settings: Mapping[str, Any]
                 ) -> tuple[LeaderboardState, list[str], dict[str, set[str]]]:
        """The rows every readable source holds: the log's valid prefix, its valid entries
        after a damaged line, and the parseable rows of each table (a table whose checksum
        matches ``meta.json`` is the state at its version, taken whole; log entries past that
        version are newer and applied after it). Also which sources say each model is on the
        board now (a model whose last readable entry removes it is not claimed)."""
        models, scores = dict(prefix.models), dict(prefix.scores)
        mv = meta.get("version") if isinstance(meta.get("version"), int) else None
        newer = [e for e in later if mv is not None and e["version"] > mv]
        sources: list[str] = []
        named: dict[str, set[str]] = {m: {HISTORY_FILE} for m in models}
        for e in later[:len(later) - len(newer)]:  # ``later`` is sorted by version
            _apply_leniently(models, scores, named, e)
        if later:
            sources.append(f"{len(later)} valid {HISTORY_FILE} entries after the damaged line")
        sums = meta.get("sha256") or {}
        for name, target in ((MODELS_FILE, models), (SCORES_FILE, scores)):
            try:
                data = (self.path / name).read_bytes()
            except OSError:
                continue
            rows, names, n_bad = table_rows(data, name == MODELS_FILE)
            if sums.get(name) == _sha256(data):
                target.clear()  # intact: the table is the state at meta.json's version
                sources.append(f"{name} (intact)")
                # every model has a score: a model missing from either intact table was not
                # on the board at that version, whatever older log entries say
                keep = {k if name == MODELS_FILE else k[0] for k in rows}
                for m in [m for m in set(models) | set(named) if m not in keep]:
                    models.pop(m, None)
                    named.pop(m, None)
            elif rows:
                sources.append(f"{len(rows)} readable rows of {name}"
                               + (f" ({n_bad} damaged)" if n_bad else ""))
            for m in names:
                named.setdefault(m, set()).add(name)
            target.update(rows)  # type: ignore[arg-type]
        for e in newer:  # written after the tables (an interrupted write)
            _apply_leniently(models, scores, named, e)
        for line in _bad_lines(self.path).split(b"\n"):
            if re.search(rb'"op": *"remove"', line):
                continue  # a damaged removal claims no model
            for m in re.findall(rb'"model": *"((?:[^"\\]|\\.)*)"', line):
                with contextlib.suppress(ValueError):
                    named.setdefault(json.loads(b'"' + m + b'"'), set()).add(HISTORY_FILE)
        scores = {k: r for k, r in scores.items() if k[0] in models}
        return (LeaderboardState(prefix.version, dict(settings), models, scores), sources,
                named)

    def _rewrite(self, state: LeaderboardState, log: bytes, meta: Mapping[str, Any],
                 stamp: str) -> None:
        """Write log, tables and meta for ``state`` (no new entry)."""
        entries = [json.loads(x) for x in log.decode("utf-8").splitlines() if x.strip()]
        last = dict(entries[-1])
        last.setdefault("timestamp", stamp)
        first = entries[0]
        models_b, scores_b = state.models_csv(), state.scores_csv()
        new_meta = {
            "format": FORMAT, **state.settings,
            "data_version": first.get("data_version", meta.get("data_version")),
            "densing_version": first.get("densing_version", meta.get("densing_version")),
            "created": meta.get("created") or first.get("timestamp"),
            "updated": last["timestamp"], "version": state.version,
            "n_models": len(state.models), "n_scores": len(state.scores),
            "sha256": {MODELS_FILE: _sha256(models_b), SCORES_FILE: _sha256(scores_b)},
        }
        self.write_all({HISTORY_FILE: log, MODELS_FILE: models_b, SCORES_FILE: scores_b,
                        META_FILE: (json.dumps(to_plain(new_meta), indent=2, allow_nan=False)
                                    + "\n").encode("utf-8")})

    def _backup(self, names: Sequence[str]) -> Path:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        dest = self.path / f"repair-backup-{stamp}"
        n = 1
        while dest.exists():
            n += 1
            dest = self.path / f"repair-backup-{stamp}-{n}"
        dest.mkdir()
        for name in names:
            if (self.path / name).is_file():
                shutil.copy2(self.path / name, dest / name)
        return dest
