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
import shutil
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from densing._io import to_plain, write_temp
from densing.exceptions import DataFormatError, DensingError, DensingWarning
from densing.leaderboard.state import (
    FORMAT,
    LeaderboardState,
    apply_entry,
    check_entry,
    diff_entry,
    replay,
    state_from_tables,
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


class LeaderboardLockError(DensingError, TimeoutError):
    """Another process held the leaderboard's lock for longer than the timeout."""


class LeaderboardDamagedError(DataFormatError):
    """The log, the tables and ``meta.json`` disagree; ``densing leaderboard repair`` fixes it."""


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
        except OSError:
            if exclusive:
                raise
            yield  # read-only directory: read without a lock
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
        for name in _WRITTEN:
            for tmp in self.path.glob(f".{name}.*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    n += 1
        return n

    def write_all(self, files: Mapping[str, bytes]) -> None:
        """Write every file to a temporary file, then rename them into place in order."""
        self.remove_stale_temporaries()
        tmps: dict[str, str] = {}
        try:
            for name, data in files.items():
                tmps[name] = write_temp(self.path / name, data)
            for name in files:  # in order: history.jsonl (the commit point) before the CSVs
                os.replace(tmps[name], self.path / name)
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
        with self.lock(exclusive=False):
            loaded = self.load()
        st = loaded.state
        text = f"ok: {self.path} version {st.version}, {len(st.models)} models, " \
               f"{len(st.scores)} scores"
        if loaded.pending:
            text += "; an interrupted write is completed by the next change"
        return text

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
            if loaded is not None and not loaded.pending:
                return [f"nothing to repair: {self.path} is consistent at version "
                        f"{loaded.state.version}"]
            return self._repair()

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
        tables = None
        with contextlib.suppress(OSError, ValueError):
            tables = state_from_tables((self.path / MODELS_FILE).read_bytes(),
                                       (self.path / SCORES_FILE).read_bytes(), 0, settings)
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
        else:
            if entries:
                prefix = replay(entries)
                kept = entries
            else:
                first = {"version": 1, "op": "init", "timestamp": stamp, "settings": settings,
                         "densing_version": meta.get("densing_version"),
                         "data_version": meta.get("data_version"), "note": "rebuilt by repair"}
                prefix, kept = LeaderboardState(1, settings), [first]
            new_log = b"".join((json.dumps(to_plain(e), sort_keys=True, allow_nan=False)
                                + "\n").encode("utf-8") for e in kept)
            target = tables if tables is not None else prefix
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
            done.append(f"rebuilt {HISTORY_FILE}: kept its first {len(kept)} valid entries"
                        + (f", and the rows of {MODELS_FILE}/{SCORES_FILE} as one 'repair' "
                           "entry" if tables is not None else
                           f"; {MODELS_FILE}/{SCORES_FILE} were unreadable")
                        + f" (version {state.version}, {len(state.models)} models)")
        done.append(f"backup of the replaced files: {backup}")
        return done

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
