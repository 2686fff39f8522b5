"""A density leaderboard kept as plain files, updated from scripts without ever losing data.

A leaderboard is a directory:

``models.csv``
    One row per model: ``model, n_params, release_date, hf_id, notes`` (``n_params`` is the
    raw total parameter count, ``release_date`` ISO ``YYYY-MM-DD``).
``scores.csv``
    One row per score: ``model, benchmark, protocol, score, stderr`` (``score`` a fraction).
``meta.json``
    Settings (reference ``frame`` name or JSON path, ``tokens`` = D0, ranking ``benchmark``,
    ``protocol_map``, ``param_count``), the bundled data version and densing version at
    creation, the current ``version`` and the SHA-256 of both CSVs.
``history.jsonl``
    The append-only log: one JSON line per change (``init``, ``add``, ``update``,
    ``remove``, ``restore``) with the full rows it added and removed, so every earlier state
    can be rebuilt (:meth:`Leaderboard.state_at`). It is the source of truth; the CSVs are
    its materialised current state.
``.lock``
    Lock file: writers hold an exclusive :func:`fcntl.flock` on it, readers a shared one.
``leaderboard.csv``, ``trend.json``
    Results cached by :meth:`Leaderboard.recompute` (derived; safe to delete).

Every write validates all input first, then writes each file to a temporary file in the same
directory and renames it into place (:func:`os.replace`). ``history.jsonl`` is renamed first:
it is the commit point. If a writer dies before it, nothing changed; if it dies after it, the
next reader sees that the CSVs do not match the log (version or checksum), rebuilds the state
from the log and the next write rewrites them.

Scores from lm-eval
-------------------
:func:`scores_from_lm_eval` reads a ``results_*.json`` written by lm-eval
(``results[task]["acc_norm,none"]``, ``results[task]["acc_norm_stderr,none"]``,
``configs[task]["num_fewshot"]``). Task names map onto benchmarks as follows (metric
``acc_norm`` when reported, else ``acc``):

- densing's shipped tasks ``densing_rc_<benchmark>`` -> ``<benchmark>`` with protocol
  ``rc-<k>shot`` (``rc-5shot`` at the default 5 shots: the default frame's protocol);
- lm-eval's own tasks in :data:`LM_EVAL_TASKS` (``hellaswag``, ``arc_challenge``,
  ``arc_easy``, ``piqa``, ``winogrande``, ``openbookqa``, ``boolq``, ``mmlu``,
  ``commonsense_qa`` -> ``csqa``, ``social_iqa``/``siqa`` -> ``socialiqa``) -> protocol
  ``lm-eval:<task>-<k>shot-<metric>``. Their prompt formats differ from the frame's, so they
  count as ``protocol_mismatch`` unless the leaderboard's ``protocol_map`` maps them;
- any other task (groups' subtasks, generative tasks) is skipped with a warning.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import hashlib
import io
import json
import math
import os
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from densing._io import to_plain
from densing._leaderboard_render import _html_page, _markdown
from densing._lm_eval import LM_EVAL_TASKS, RC_PREFIX, pick_metric, task_names
from densing.exceptions import DataFormatError, DensingError, DensingWarning, InputError

FORMAT = "densing.Leaderboard/1"
MODELS_FILE = "models.csv"
SCORES_FILE = "scores.csv"
META_FILE = "meta.json"
HISTORY_FILE = "history.jsonl"
LOCK_FILE = ".lock"
TABLE_FILE = "leaderboard.csv"
TREND_FILE = "trend.json"

#: columns of ``models.csv``
MODEL_COLUMNS: tuple[str, ...] = ("model", "n_params", "release_date", "hf_id", "notes")
#: columns of ``scores.csv``
SCORE_COLUMNS: tuple[str, ...] = ("model", "benchmark", "protocol", "score", "stderr")

#: protocol of the bundled ``olmo-ladder`` frame
_OLMO_PROTOCOL = "rc-5shot"

#: default seconds a writer waits for the lock
DEFAULT_LOCK_TIMEOUT = 60.0
#: earliest release date accepted (older dates are almost surely typos)
EARLIEST_DATE = _dt.date(2015, 1, 1)


class LeaderboardLockError(DensingError, TimeoutError):
    """Another process held the leaderboard's lock for longer than the timeout."""


# -- small helpers ---------------------------------------------------------------------------


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _fmt_float(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return repr(float(v))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parse_date(value: Any, model: str) -> str:
    """A validated ISO date string, or :class:`InputError`."""
    where = f" of model {model!r}"
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        raise InputError(f"release_date{where} is missing; give it as YYYY-MM-DD")
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        day = value.date()
    elif isinstance(value, _dt.date):
        day = value
    elif isinstance(value, np.datetime64):
        day = pd.Timestamp(value).date()
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise InputError(f"release_date{where} is missing; give it as YYYY-MM-DD")
        try:
            day = _dt.date.fromisoformat(text[:10])
            if len(text) > 10 and text[10] not in "T ":
                raise ValueError(text)
        except ValueError:
            raise InputError(
                f"release_date {value!r}{where} is not an ISO date; use YYYY-MM-DD"
            ) from None
    else:
        raise InputError(
            f"release_date{where} must be a YYYY-MM-DD string or a date; "
            f"got {type(value).__name__}"
        )
    today = _dt.datetime.now(_dt.timezone.utc).date()
    if day > today + _dt.timedelta(days=1):
        raise InputError(f"release_date {day.isoformat()}{where} is in the future")
    if day < EARLIEST_DATE:
        raise InputError(
            f"release_date {day.isoformat()}{where} is before {EARLIEST_DATE.isoformat()}; "
            "is the year a typo?"
        )
    return day.isoformat()


def _parse_params(value: Any, model: str) -> int:
    where = f" of model {model!r}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise InputError(
            f"n_params{where} must be a number (a raw count such as 7e9); "
            f"got {type(value).__name__} {value!r}"
        )
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"n_params{where} must be finite and positive; got {value!r}")
    if v < 1e4:
        raise InputError(
            f"n_params={value!r}{where} looks like billions; pass the raw count (e.g. 7e9, not 7)"
        )
    return int(round(v))


def _parse_text(value: Any, what: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text; got {type(value).__name__}")
    if "\n" in value or "\r" in value:
        raise InputError(f"{what} must be one line; got {value!r}")
    return value.strip()


def _model_name(model: Any) -> str:
    if not isinstance(model, str) or not model.strip():
        raise InputError(f"model must be a non-empty name; got {model!r}")
    name = model.strip()
    if "\n" in name or "\r" in name:
        raise InputError(f"model name must be one line; got {model!r}")
    return name


# -- lm-eval results -------------------------------------------------------------------------


def scores_from_lm_eval(results: str | os.PathLike[str] | Mapping[str, Any],
                        model: str | None = None) -> pd.DataFrame:
    """Scores from an lm-eval ``results_*.json`` (the file, or the loaded dict).

    Parameters
    ----------
    results
        Path to the JSON file lm-eval writes, or its content as a dict (keys ``results``
        and ``configs``; ``n-shot`` is used when ``configs`` lacks ``num_fewshot``).
    model
        Value of the ``model`` column (default: lm-eval's ``model_name``, else ``""``).

    Returns
    -------
    pandas.DataFrame
        Columns ``model, benchmark, protocol, score, stderr``; see the module docstring for
        how task names map onto benchmarks and protocols. Tasks that map to no benchmark are
        skipped with a :class:`~densing.DensingWarning`.

    Raises
    ------
    densing.DataFormatError
        When the file is not valid JSON (e.g. truncated) or lacks ``results``.
    """
    where = "lm-eval results"
    if not isinstance(results, Mapping):
        path = Path(results)
        where = str(path)
        if not path.is_file():
            raise InputError(f"lm-eval results file not found: {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataFormatError(
                f"{path}: not valid JSON (truncated or corrupt?): {exc.msg} at line {exc.lineno} "
                f"column {exc.colno}"
            ) from None
        except UnicodeDecodeError as exc:
            raise DataFormatError(f"{path}: not UTF-8 text ({exc.reason})") from None
    else:
        data = results
    if not isinstance(data, Mapping) or not isinstance(data.get("results"), Mapping):
        raise DataFormatError(
            f"{where}: no 'results' mapping; expected lm-eval's results_*.json "
            "(results[task]['acc_norm,none'], configs[task]['num_fewshot'])"
        )
    per_task = data["results"]
    configs = data.get("configs") or {}
    n_shot = data.get("n-shot") or {}
    name = model if model is not None else str(data.get("model_name") or "")
    rows, skipped = [], []
    for task, res in per_task.items():
        task = str(task)
        if not (task.startswith(RC_PREFIX) or task in LM_EVAL_TASKS):
            skipped.append(task)
            continue
        if not isinstance(res, Mapping):
            raise DataFormatError(f"{where}: results[{task!r}] is not a mapping")
        picked = pick_metric(res, where=f"{where}: task {task!r}")
        if picked is None or picked[0] not in ("acc_norm", "acc"):
            raise DataFormatError(f"{where}: task {task!r} reports neither acc_norm nor acc")
        metric, score, err = picked
        cfg = configs.get(task) if isinstance(configs, Mapping) else None
        k = cfg.get("num_fewshot") if isinstance(cfg, Mapping) else None
        if k is None and isinstance(n_shot, Mapping):
            k = n_shot.get(task)
        try:
            shots = int(k)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise DataFormatError(
                f"{where}: no num_fewshot for task {task!r} (configs[task]['num_fewshot'] or "
                "n-shot[task]); the protocol needs the shot count"
            ) from None
        bench, protocol, _ = task_names(task, shots, metric)
        rows.append({"model": name, "benchmark": bench, "protocol": protocol,
                     "score": score, "stderr": err})
    if skipped:
        warnings.warn(
            f"{where}: skipped {len(skipped)} task(s) that map to no benchmark: "
            f"{', '.join(sorted(skipped)[:8])}{' ...' if len(skipped) > 8 else ''}",
            DensingWarning,
            stacklevel=2,
        )
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


# -- state -----------------------------------------------------------------------------------


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
        """Canonical bytes of ``models.csv``."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(MODEL_COLUMNS)
        for k in sorted(self.models):
            r = self.models[k]
            w.writerow([r["model"], str(int(r["n_params"])), r["release_date"],
                        r.get("hf_id") or "", r.get("notes") or ""])
        return buf.getvalue().encode("utf-8")

    def scores_csv(self) -> bytes:
        """Canonical bytes of ``scores.csv``."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(SCORE_COLUMNS)
        for k in sorted(self.scores):
            r = self.scores[k]
            w.writerow([r["model"], r["benchmark"], r["protocol"], _fmt_float(r["score"]),
                        _fmt_float(r.get("stderr"))])
        return buf.getvalue().encode("utf-8")


def _model_rows_of(state: LeaderboardState, model: str) -> tuple[list[dict[str, Any]],
                                                                  list[dict[str, Any]]]:
    models = [dict(state.models[model])] if model in state.models else []
    scores = [dict(state.scores[k]) for k in sorted(state.scores) if k[0] == model]
    return models, scores


def _apply(state: LeaderboardState, entry: Mapping[str, Any]) -> LeaderboardState:
    """Apply one history entry to a copy of ``state``."""
    version = int(entry["version"])
    if version != state.version + 1:
        raise DataFormatError(
            f"history entry {version} follows version {state.version}: the log is corrupt"
        )
    new = LeaderboardState(version, dict(state.settings), dict(state.models), dict(state.scores))
    removed = entry.get("removed") or {}
    added = entry.get("added") or {}
    for r in removed.get("models", []):
        if new.models.pop(r["model"], None) is None:
            raise DataFormatError(f"history entry {version} removes unknown model {r['model']!r}")
    for r in removed.get("scores", []):
        key = (r["model"], r["benchmark"], r["protocol"])
        if new.scores.pop(key, None) is None:
            raise DataFormatError(f"history entry {version} removes unknown score {key}")
    for r in added.get("models", []):
        new.models[r["model"]] = {c: r.get(c) for c in MODEL_COLUMNS}
    for r in added.get("scores", []):
        new.scores[(r["model"], r["benchmark"], r["protocol"])] = {
            c: r.get(c) for c in SCORE_COLUMNS
        }
    return new


def _replay(entries: Sequence[Mapping[str, Any]], upto: int | None = None) -> LeaderboardState:
    if not entries or entries[0].get("op") != "init":
        raise DataFormatError("history log does not start with an 'init' entry")
    first = entries[0]
    state = LeaderboardState(1, dict(first["settings"]))
    last = len(entries) if upto is None else upto
    for entry in entries[1:last]:
        state = _apply(state, entry)
    return state


# -- the leaderboard -------------------------------------------------------------------------


@dataclass
class LeaderboardResult:
    """Densities and trend of one leaderboard version (from :meth:`Leaderboard.recompute`).

    Attributes
    ----------
    version
        Leaderboard version the result belongs to.
    table
        One row per model, ranked by density: ``rank`` (missing for censored models),
        ``model``, ``release_date``, ``n_params``, ``score`` (ranking benchmark), ``n_hat``,
        ``n_hat_low``, ``n_hat_high``, ``density``, ``density_low``, ``density_high``,
        ``status``, ``extrapolated``, ``frontier``, then ``score:<benchmark>`` per benchmark.
    trend
        :meth:`DensingTrend.to_dict` of the running-max trend, or ``None`` when it cannot be
        fitted (see ``note``).
    curve
        The fitted line and its CI band for figures: ``dates`` (ISO), ``density``, ``low``,
        ``high``; empty without a trend.
    note
        Why there is no trend, or warnings raised while fitting it.
    """

    version: int
    table: pd.DataFrame
    trend: dict[str, Any] | None
    curve: dict[str, list[Any]]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``version``, ``table`` (records), ``trend``, ``curve``, ``note``."""
        table = self.table.copy()
        table["release_date"] = table["release_date"].astype(str)
        records = [{k: to_plain(v) if not (isinstance(v, float) and math.isnan(v)) else None
                    for k, v in r.items()} for r in table.to_dict(orient="records")]
        return {"version": self.version, "table": records, "trend": to_plain(self.trend),
                "curve": to_plain(self.curve), "note": self.note}


class Leaderboard:
    """A density leaderboard stored as plain files in a directory.

    Parameters
    ----------
    path
        Directory created by :meth:`Leaderboard.init`.
    lock_timeout
        Seconds a writer waits for another writer before
        :class:`LeaderboardLockError`.
    progress
        Show progress bars during :meth:`recompute` (``None``: only on a terminal).

    Examples
    --------
    >>> lb = Leaderboard.init("my-board")                         # doctest: +SKIP
    >>> lb.add("my-7b", 7.2e9, "2024-06-01", "results.json")       # doctest: +SKIP
    >>> print(lb.render("md"))                                     # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 progress: bool | None = None) -> None:
        self.path = Path(path)
        self.lock_timeout = float(lock_timeout)
        self.progress = progress
        if not (self.path / HISTORY_FILE).is_file():
            raise InputError(
                f"{self.path} is not a densing leaderboard (no {HISTORY_FILE}); "
                "create one with Leaderboard.init(path)"
            )
        self._frame_cache: Any = None

    # -- creation ------------------------------------------------------------------------
    @classmethod
    def init(
        cls,
        path: str | os.PathLike[str],
        frame: Any = "olmo-ladder",
        tokens: float = 1e12,
        benchmark: str = "average",
        protocol_map: Mapping[str, str] | None = None,
        param_count: str = "total",
        **kwargs: Any,
    ) -> Leaderboard:
        """Create an empty leaderboard in ``path`` (created when missing).

        Parameters
        ----------
        path
            Directory; must not already hold a leaderboard.
        frame
            Reference frame: a bundled frame's name (``"olmo-ladder"``), a JSON file written
            by :meth:`ReferenceFrame.save`, or a fitted :class:`ReferenceFrame` (saved into
            the directory as ``frame.json``).
        tokens
            Data budget ``D0`` of the inversion.
        benchmark
            Benchmark whose density ranks the models (an averaged one such as ``average``).
        protocol_map
            Explicit mapping of score protocols onto the frame's (see
            :func:`densing.density.compute_density`).
        param_count
            Parameter convention of ``n_params`` (``"total"``).
        **kwargs
            Passed to :class:`Leaderboard` (``lock_timeout``, ``progress``).

        Returns
        -------
        Leaderboard
            The new leaderboard (version 1).
        """
        from densing import __version__
        from densing.datasets import data_version
        from densing.reference import ReferenceFrame

        root = Path(path)
        if (root / META_FILE).exists() or (root / HISTORY_FILE).exists():
            raise InputError(f"{root} already holds a leaderboard; open it with Leaderboard(path)")
        if root.exists() and not root.is_dir():
            raise InputError(f"{root} exists and is not a directory")
        try:
            d0 = float(tokens)
        except (TypeError, ValueError):
            raise InputError(f"tokens must be a number such as 1e12; got {tokens!r}") from None
        if not math.isfinite(d0) or d0 <= 0:
            raise InputError(f"tokens must be finite and positive; got {tokens!r}")
        if param_count not in ("total", "non_embedding", "active"):
            raise InputError(f"param_count must be total, non_embedding or active; "
                             f"got {param_count!r}")
        pmap = {str(k): str(v) for k, v in dict(protocol_map or {}).items()}
        frame_obj = None
        if isinstance(frame, ReferenceFrame):
            frame_obj = frame
            frame_spec = "frame.json"
            benchmarks = {b: p for b, p in frame.protocol_.items()}
        else:
            frame_spec = str(frame)
            benchmarks = _frame_benchmarks(frame_spec, root)
            if _is_path(frame_spec):
                full = Path(frame_spec).resolve()
                try:
                    frame_spec = str(full.relative_to(root.resolve()))
                except ValueError:
                    frame_spec = str(full)
        if benchmark not in benchmarks:
            raise InputError(
                f"ranking benchmark {benchmark!r} is not in the frame; it has {sorted(benchmarks)}"
            )
        settings = {"frame": frame_spec, "tokens": d0, "benchmark": str(benchmark),
                    "protocol_map": pmap, "param_count": param_count}
        root.mkdir(parents=True, exist_ok=True)
        lb = object.__new__(cls)
        lb.path = root
        lb.lock_timeout = float(kwargs.get("lock_timeout", DEFAULT_LOCK_TIMEOUT))
        lb.progress = kwargs.get("progress")
        lb._frame_cache = frame_obj
        entry = {"version": 1, "op": "init", "timestamp": _now(), "settings": settings,
                 "densing_version": __version__, "data_version": data_version()}
        with lb._lock(exclusive=True):
            if (root / HISTORY_FILE).exists():
                raise InputError(f"{root} already holds a leaderboard")
            files = {}
            if frame_obj is not None:
                files["frame.json"] = (json.dumps(frame_obj.to_dict(), indent=1,
                                                  allow_nan=False) + "\n").encode()
            state = LeaderboardState(1, settings)
            lb._commit(state, [entry], b"", extra_files=files, created=str(entry["timestamp"]))
        return lb

    # -- locking and files ---------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self, exclusive: bool) -> Iterator[None]:
        import fcntl

        lock_path = self.path / LOCK_FILE
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
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

    def _write_all(self, files: Mapping[str, bytes]) -> None:
        """Write every file to a temporary file, then rename them into place in order."""
        tmps: dict[str, str] = {}
        try:
            for name, data in files.items():
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.path)
                tmps[name] = tmp
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
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

    def _read_history(self) -> tuple[list[dict[str, Any]], bytes]:
        raw = (self.path / HISTORY_FILE).read_bytes()
        entries = []
        for i, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataFormatError(
                    f"{self.path / HISTORY_FILE}: line {i} is not valid JSON ({exc.msg})"
                ) from None
        return entries, raw

    def _read_meta(self) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}
        return meta

    def _load(self) -> tuple[LeaderboardState, list[dict[str, Any]], bytes, dict[str, Any]]:
        """Current state (from the CSVs when they match the log, else replayed from it)."""
        entries, raw = self._read_history()
        meta = self._read_meta()
        state = _replay(entries)
        ok = meta.get("version") == state.version
        if ok:
            sums = meta.get("sha256", {})
            for name, data in ((MODELS_FILE, state.models_csv()),
                               (SCORES_FILE, state.scores_csv())):
                try:
                    on_disk = (self.path / name).read_bytes()
                except OSError:
                    ok = False
                    break
                if on_disk != data or sums.get(name) != _sha256(on_disk):
                    ok = False
                    break
        if not ok:
            warnings.warn(
                f"{self.path}: {MODELS_FILE}/{SCORES_FILE}/{META_FILE} do not match "
                f"{HISTORY_FILE} (an interrupted write or a hand edit); using the state rebuilt "
                "from the history log; the next change rewrites the files",
                DensingWarning,
                stacklevel=3,
            )
        return state, entries, raw, meta

    def _commit(self, state: LeaderboardState, new_entries: Sequence[Mapping[str, Any]],
                old_history: bytes, extra_files: Mapping[str, bytes] | None = None,
                created: str | None = None) -> None:
        meta_old = self._read_meta()
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
        self._write_all(files)

    # -- reading -------------------------------------------------------------------------
    def state(self) -> LeaderboardState:
        """The current state (models, scores, settings, version).

        Returns
        -------
        LeaderboardState
            A snapshot read under a shared lock.
        """
        with self._lock(exclusive=False):
            return self._load()[0]

    @property
    def settings(self) -> dict[str, Any]:
        """``frame``, ``tokens``, ``benchmark``, ``protocol_map``, ``param_count``."""
        return dict(self.state().settings)

    @property
    def version(self) -> int:
        """Number of changes so far (1 after ``init``)."""
        return self.state().version

    @property
    def models(self) -> pd.DataFrame:
        """The models table (``model, n_params, release_date, hf_id, notes``)."""
        return self.state().models_df

    @property
    def scores(self) -> pd.DataFrame:
        """The scores table (``model, benchmark, protocol, score, stderr``)."""
        return self.state().scores_df

    @property
    def meta(self) -> dict[str, Any]:
        """The content of ``meta.json``."""
        return self._read_meta()

    def history(self) -> pd.DataFrame:
        """One row per change: ``version``, ``op``, ``timestamp``, ``model``, rows in/out.

        Returns
        -------
        pandas.DataFrame
            The log's summary (the full rows are in ``history.jsonl``).
        """
        with self._lock(exclusive=False):
            entries, _ = self._read_history()
        rows = []
        for e in entries:
            added, removed = e.get("added") or {}, e.get("removed") or {}
            rows.append({
                "version": e["version"], "op": e["op"], "timestamp": e["timestamp"],
                "model": e.get("model", ""),
                "scores_added": len(added.get("scores", [])),
                "scores_removed": len(removed.get("scores", [])),
            })
        return pd.DataFrame(rows)

    def state_at(self, version: int) -> LeaderboardState:
        """Rebuild the leaderboard as it was at ``version`` from the history log.

        Parameters
        ----------
        version
            1 (right after ``init``) up to the current version; negative values count back
            from the current one (``-1``: the version before the last change).

        Returns
        -------
        LeaderboardState
            Models, scores and settings at that version.
        """
        with self._lock(exclusive=False):
            entries, _ = self._read_history()
        n = len(entries)
        v = int(version)
        if v <= 0:
            v = n + v
        if not 1 <= v <= n:
            raise InputError(f"version {version} does not exist; versions are 1 .. {n}")
        return _replay(entries, v)

    # -- changes -------------------------------------------------------------------------
    def _frame_benchmarks(self, settings: Mapping[str, Any]) -> dict[str, str]:
        return _frame_benchmarks(str(settings["frame"]), self.path)

    def add(
        self,
        model: str,
        n_params: float,
        release_date: str | _dt.date,
        scores: Any,
        *,
        hf_id: str | None = None,
        notes: str | None = None,
    ) -> LeaderboardState:
        """Add a model with its scores, or replace it when it is already there.

        Everything is validated before anything is written; on any error the files stay
        byte-identical. Replacing a model keeps its old rows in the history log.

        Parameters
        ----------
        model
            Model name (unique key).
        n_params
            Raw total parameter count (``7.2e9``, not ``7.2``).
        release_date
            ``YYYY-MM-DD`` string or a date.
        scores
            A DataFrame or a list of dict rows with ``benchmark, protocol, score[, stderr]``
            (and optionally ``model``: rows for other models are ignored), a CSV path with
            those columns, an lm-eval ``results_*.json`` path, or lm-eval's results dict.
        hf_id, notes
            Optional Hugging Face id and a note, stored in ``models.csv``.

        Returns
        -------
        LeaderboardState
            The new state.

        Raises
        ------
        densing.InputError
            On bad data: scores outside [0, 1] (percentages), a benchmark the frame does not
            have, a missing or malformed date, a non-positive, textual or tiny (billions?)
            parameter count, an unreadable or truncated file.
        LeaderboardLockError
            When another writer holds the lock for longer than ``lock_timeout``.
        """
        name = _model_name(model)
        row = {
            "model": name,
            "n_params": _parse_params(n_params, name),
            "release_date": _parse_date(release_date, name),
            "hf_id": _parse_text(hf_id, "hf_id"),
            "notes": _parse_text(notes, "notes"),
        }
        table = _read_scores_input(scores, name)
        with self._lock(exclusive=True):
            state, _, raw, _ = self._load()
            score_rows = _validate_scores(table, name, self._frame_benchmarks(state.settings))
            old_models, old_scores = _model_rows_of(state, name)
            entry = {
                "version": state.version + 1,
                "op": "update" if old_models else "add",
                "timestamp": _now(),
                "model": name,
                "removed": {"models": old_models, "scores": old_scores},
                "added": {"models": [row], "scores": score_rows},
            }
            new = _apply(state, entry)
            self._commit(new, [entry], raw)
        return new

    def remove(self, model: str) -> LeaderboardState:
        """Remove a model and its scores (they stay in the history log).

        Parameters
        ----------
        model
            Name of a model on the leaderboard.

        Returns
        -------
        LeaderboardState
            The new state.
        """
        name = _model_name(model)
        with self._lock(exclusive=True):
            state, _, raw, _ = self._load()
            if name not in state.models:
                known = ", ".join(sorted(state.models)[:10]) or "none"
                raise InputError(f"model {name!r} is not on the leaderboard (models: {known})")
            old_models, old_scores = _model_rows_of(state, name)
            entry = {"version": state.version + 1, "op": "remove", "timestamp": _now(),
                     "model": name, "removed": {"models": old_models, "scores": old_scores}}
            new = _apply(state, entry)
            self._commit(new, [entry], raw)
        return new

    def restore(self, version: int) -> LeaderboardState:
        """Make the state of ``version`` current again, as a new change in the log.

        Parameters
        ----------
        version
            An earlier version (see :meth:`state_at`).

        Returns
        -------
        LeaderboardState
            The new state (its content equals that of ``version``).
        """
        target = self.state_at(version)
        with self._lock(exclusive=True):
            state, _, raw, _ = self._load()
            entry = {
                "version": state.version + 1, "op": "restore", "timestamp": _now(),
                "to_version": target.version,
                "removed": {"models": [state.models[k] for k in sorted(state.models)],
                            "scores": [state.scores[k] for k in sorted(state.scores)]},
                "added": {"models": [target.models[k] for k in sorted(target.models)],
                          "scores": [target.scores[k] for k in sorted(target.scores)]},
            }
            new = _apply(state, entry)
            self._commit(new, [entry], raw)
        return new

    # -- results -------------------------------------------------------------------------
    def _frame(self, settings: Mapping[str, Any]) -> Any:
        if self._frame_cache is None:
            from densing.reference import load_frame

            spec = str(settings["frame"])
            if _is_path(spec):
                spec = str(_resolve(spec, self.path))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DensingWarning)
                self._frame_cache = load_frame(spec)
        return self._frame_cache

    def recompute(self, *, n_bootstrap: int = 1000, random_state: int | None = 0,
                  store: bool = True) -> LeaderboardResult:
        """Compute densities (:func:`~densing.density.compute_density`) and the trend.

        Parameters
        ----------
        n_bootstrap
            Bootstrap resamples of the :class:`~densing.trend.DensingTrend` fit.
        random_state
            Seed of the bootstrap.
        store
            Cache the result as ``leaderboard.csv`` and ``trend.json`` (used by
            :meth:`render` and :meth:`show` while the version is unchanged).

        Returns
        -------
        LeaderboardResult
            The ranked table, the trend and the curve of the fitted line.
        """
        from densing._progress import progress

        state = self.state()
        with progress(3, desc="leaderboard", disable=None if self.progress is None
                      else not self.progress) as bar:
            frame = self._frame(state.settings)
            bar.update(1)
            result = _compute(state, frame)
            bar.update(1)
            result = _fit_trend(result, n_bootstrap, random_state)
            bar.update(1)
        if store:
            self._store(result)
        return result

    def _store(self, result: LeaderboardResult) -> None:
        buf = io.StringIO()
        result.table.to_csv(buf, index=False, lineterminator="\n")
        payload = {"version": result.version, "trend": to_plain(result.trend),
                   "curve": to_plain(result.curve), "note": result.note}
        files = {TABLE_FILE: buf.getvalue().encode("utf-8"),
                 TREND_FILE: (json.dumps(payload, indent=1, allow_nan=False) + "\n").encode()}
        with self._lock(exclusive=True):
            if self._read_meta().get("version") == result.version:
                self._write_all(files)

    def result(self, *, n_bootstrap: int = 1000, random_state: int | None = 0) -> LeaderboardResult:
        """The cached result when it matches the current version, else :meth:`recompute`.

        Parameters
        ----------
        n_bootstrap, random_state
            Used when recomputing.

        Returns
        -------
        LeaderboardResult
            Densities and trend of the current version.
        """
        version = self.version
        try:
            payload = json.loads((self.path / TREND_FILE).read_text(encoding="utf-8"))
            if payload.get("version") == version:
                table = pd.read_csv(self.path / TABLE_FILE, dtype={"model": str, "status": str})
                table["rank"] = table["rank"].astype("Int64")
                return LeaderboardResult(version, table, payload.get("trend"),
                                         payload.get("curve") or {}, payload.get("note", ""))
        except (OSError, ValueError, KeyError):
            pass
        try:
            return self.recompute(n_bootstrap=n_bootstrap, random_state=random_state)
        except PermissionError:  # read-only directory
            return self.recompute(n_bootstrap=n_bootstrap, random_state=random_state,
                                  store=False)

    def render(self, format: str = "md") -> str:  # noqa: A002 - the natural name
        """Render the leaderboard.

        Parameters
        ----------
        format
            ``"md"`` (Markdown table with a header), ``"html"`` (one self-contained page:
            inline CSS and SVG figure, sortable columns, no external requests) or ``"csv"``
            (the ranked table).

        Returns
        -------
        str
            The rendered text.
        """
        if format not in ("md", "html", "csv"):
            raise InputError(f"format must be 'md', 'html' or 'csv'; got {format!r}")
        res = self.result()
        if format == "csv":
            buf = io.StringIO()
            res.table.to_csv(buf, index=False, lineterminator="\n")
            return buf.getvalue()
        if format == "md":
            return _markdown(res, self._read_meta())
        return _html_page(res, self._read_meta())

    def show(self) -> None:
        """Print the ranked table and the trend summary (Markdown)."""
        print(self.render("md"))

    def __repr__(self) -> str:
        try:
            st = self.state()
        except DensingError:
            return f"<Leaderboard {str(self.path)!r}: unreadable>"
        return f"<Leaderboard {str(self.path)!r}: {len(st.models)} models, version {st.version}>"


# -- input parsing and validation ------------------------------------------------------------


def _is_path(spec: str) -> bool:
    return spec.endswith(".json") or os.path.sep in spec or "/" in spec


def _resolve(spec: str, root: Path) -> Path:
    p = Path(spec)
    return p if p.is_absolute() else root / p


def _frame_benchmarks(spec: str, root: Path) -> dict[str, str]:
    """Benchmark -> protocol of a frame, without fitting when possible."""
    if _is_path(spec):
        path = _resolve(spec, root) if (root / spec).exists() else Path(spec)
        if not path.is_file():
            raise InputError(f"reference-frame file not found: {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {str(b): str(v.get("protocol", "")) for b, v in data["benchmarks"].items()}
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise DataFormatError(f"{path}: not a densing reference-frame JSON ({exc!r})") from None
    if spec == "olmo-ladder":
        from densing.reference import DEFAULT_FRAME_BENCHMARKS

        return {b: _OLMO_PROTOCOL for b in DEFAULT_FRAME_BENCHMARKS}
    from densing.reference import load_frame

    return dict(load_frame(spec).protocol_)


def _read_scores_input(scores: Any, model: str) -> pd.DataFrame:
    """Any accepted scores input -> a DataFrame (not validated yet)."""
    if isinstance(scores, pd.DataFrame):
        return scores.copy()
    if isinstance(scores, Mapping):
        if "results" in scores:
            return scores_from_lm_eval(scores, model)
        raise InputError("a scores dict must be lm-eval results (with a 'results' key); "
                         "pass rows as a list of dicts or a DataFrame")
    if isinstance(scores, (str, os.PathLike)):
        path = Path(scores)
        if not path.is_file():
            raise InputError(f"scores file not found: {path}")
        if path.suffix.lower() == ".json":
            return scores_from_lm_eval(path, model)
        try:
            return pd.read_csv(path, dtype={"model": str, "benchmark": str, "protocol": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataFormatError(f"cannot read {str(path)!r} as CSV: {_one_line(exc)}") from None
    if isinstance(scores, Sequence) and all(isinstance(r, Mapping) for r in scores):
        return pd.DataFrame(list(scores))
    raise InputError(
        "scores must be a DataFrame, a list of dict rows, a CSV path or an lm-eval results "
        f"JSON path; got {type(scores).__name__}"
    )


def _validate_scores(df: pd.DataFrame, model: str,
                     frame_benchmarks: Mapping[str, str]) -> list[dict[str, Any]]:
    """Validated score rows for ``model`` (plain dicts), or :class:`InputError`."""
    missing = [c for c in ("benchmark", "protocol", "score") if c not in df.columns]
    if missing:
        raise InputError(
            f"scores are missing column(s) {missing}; need benchmark, protocol, score[, stderr] "
            "(record the evaluation protocol, e.g. rc-5shot)"
        )
    if "model" in df.columns:
        names = df["model"].astype(str).str.strip()
        sub = df[names == model]
        if sub.empty:
            others = sorted(set(names))[:5]
            raise InputError(f"no score rows for model {model!r}; the rows are for {others}")
        df = sub
    if df.empty:
        raise InputError(f"no scores given for model {model!r}")
    extra = sorted(set(df.columns) - {"model", *SCORE_COLUMNS})
    rows = []
    for _, r in df.iterrows():
        bench = r["benchmark"]
        if not isinstance(bench, str) or not bench.strip():
            raise InputError(f"benchmark must be a name; got {bench!r}")
        bench = bench.strip()
        if bench not in frame_benchmarks:
            raise InputError(
                f"unknown benchmark {bench!r}: the reference frame has "
                f"{', '.join(sorted(frame_benchmarks))}"
            )
        proto = r["protocol"]
        if not isinstance(proto, str) or not proto.strip():
            raise InputError(
                f"protocol of {bench!r} is missing; record how the score was measured "
                f"(the frame's is {frame_benchmarks[bench] or 'unknown'!r})"
            )
        raw = r["score"]
        if isinstance(raw, (bool, np.bool_)):
            raise InputError(f"score on {bench!r} must be a number; got {raw!r}")
        try:
            score = float(raw)
        except (TypeError, ValueError):
            raise InputError(f"score on {bench!r} must be a number; got {raw!r}") from None
        if not math.isfinite(score):
            raise InputError(f"score on {bench!r} is missing or not finite ({raw!r})")
        if score > 1:
            raise InputError(
                f"score {score:g} on {bench!r} is > 1; scores are fractions in [0, 1] "
                "(percentages? divide by 100)"
            )
        if score < 0:
            raise InputError(f"score {score:g} on {bench!r} is negative")
        err: float | None = None
        if "stderr" in df.columns and not pd.isna(r["stderr"]):
            try:
                err = float(r["stderr"])
            except (TypeError, ValueError):
                raise InputError(f"stderr on {bench!r} must be a number; "
                                 f"got {r['stderr']!r}") from None
            if not math.isfinite(err) or err < 0 or err > 1:
                raise InputError(
                    f"stderr {err:g} on {bench!r} must be a fraction in [0, 1] "
                    "(percentages? divide by 100)"
                )
        rows.append({"model": model, "benchmark": bench, "protocol": proto.strip(),
                     "score": score, "stderr": err})
    keys = [(r["benchmark"], r["protocol"]) for r in rows]
    dup = [k for k in keys if keys.count(k) > 1]
    if dup:
        raise InputError(f"score on {dup[0][0]!r} under protocol {dup[0][1]!r} is given twice")
    if extra:
        warnings.warn(f"ignored score column(s) {extra}", DensingWarning, stacklevel=3)
    return sorted(rows, key=lambda r: (r["benchmark"], r["protocol"]))


# -- densities and trend ---------------------------------------------------------------------


def _preferred_scores(state: LeaderboardState, frame_protocols: Mapping[str, str]) -> pd.DataFrame:
    """model x benchmark score, preferring the protocol that maps to the frame's."""
    pmap = state.settings.get("protocol_map") or {}
    best: dict[tuple[str, str], tuple[int, float]] = {}
    for (model, bench, proto), r in state.scores.items():
        rank = 0 if pmap.get(proto, proto) == frame_protocols.get(bench) else 1
        cur = best.get((model, bench))
        if cur is None or rank < cur[0]:
            best[(model, bench)] = (rank, float(r["score"]))
    if not best:
        return pd.DataFrame(index=pd.Index([], name="model"))
    s = pd.Series({k: v[1] for k, v in best.items()})
    wide = s.unstack()
    wide.index.name = "model"
    return wide


def _compute(state: LeaderboardState, frame: Any) -> LeaderboardResult:
    from densing.density import compute_density, model_densities

    settings = state.settings
    bench = str(settings["benchmark"])
    models = state.models_df
    base = models[["model", "release_date", "n_params"]].copy()
    cols = ["rank", "model", "release_date", "n_params", "score", "n_hat", "n_hat_low",
            "n_hat_high", "density", "density_low", "density_high", "status", "extrapolated",
            "frontier"]
    per = pd.DataFrame(columns=["model", "score", "n_hat", "n_hat_low", "n_hat_high",
                                "density", "density_low", "density_high", "status",
                                "extrapolated"])
    if state.scores:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DensingWarning)
            dens = compute_density(
                state.scores_df, models, frame, tokens=float(settings["tokens"]),
                param_count=str(settings.get("param_count", "total")),
                protocol_map=settings.get("protocol_map") or None,
            )
        if (dens["benchmark"] == bench).any():
            md = model_densities(dens, benchmark=bench)
            per = md.merge(dens.loc[dens["benchmark"] == bench, ["model", "n_hat_low",
                                                                  "n_hat_high"]],
                           on="model", how="left")
            per = per[["model", "score", "n_hat", "n_hat_low", "n_hat_high", "density",
                       "density_low", "density_high", "status", "extrapolated"]]
    table = base.merge(per, on="model", how="left")
    # models without a row for the ranking benchmark: say why
    scored = {k[0] for k in state.scores}
    mismatched = set(dens.loc[dens["status"] == "protocol_mismatch", "model"]) if state.scores \
        else set()
    why = {m: ("protocol_mismatch" if m in mismatched else "missing_tasks") if m in scored
           else "no_score" for m in table["model"]}
    table["status"] = table["status"].fillna(table["model"].map(why)).astype(str)
    table["extrapolated"] = table["extrapolated"].fillna(False).astype(bool)
    for c in ("score", "n_hat", "n_hat_low", "n_hat_high", "density", "density_low",
              "density_high"):
        table[c] = pd.to_numeric(table[c], errors="coerce").astype(float)
    ok = table["status"].eq("ok")
    table["_key"] = np.where(ok, -table["density"].fillna(0.0), np.inf)
    table = table.sort_values(["_key", "model"], kind="stable").drop(columns="_key")
    table = table.reset_index(drop=True)
    table["rank"] = pd.array([i + 1 if o else pd.NA for i, o in enumerate(table["status"] == "ok")],
                             dtype="Int64")
    table["frontier"] = False
    table["release_date"] = pd.to_datetime(table["release_date"]).dt.strftime("%Y-%m-%d")
    wide = _preferred_scores(state, frame.protocol_)
    table = table[cols]
    for b in sorted(wide.columns):
        table[f"score:{b}"] = table["model"].map(wide[b]).astype(float)
    return LeaderboardResult(state.version, table, None, {}, "")


def _fit_trend(result: LeaderboardResult, n_bootstrap: int,
               random_state: int | None) -> LeaderboardResult:
    from densing.plotting import trend_curve
    from densing.trend import DensingTrend

    table = result.table
    ok = table[table["status"] == "ok"]
    if len(ok) < 3:
        result.note = f"no trend: {len(ok)} model(s) with a density, the fit needs at least 3"
        return result
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trend = DensingTrend(n_bootstrap=n_bootstrap, random_state=random_state).fit(
                ok[["model", "release_date", "density", "status"]]
            )
        except DensingError as exc:
            result.note = f"no trend: {_one_line(exc)}"
            return result
    notes = sorted({_one_line(w.message) for w in caught
                    if issubclass(w.category, DensingWarning)})
    result.trend = trend.to_dict()
    result.curve = trend_curve(trend)
    result.note = "; ".join(notes)
    members = set(trend.frontier_["model"].astype(str))
    result.table["frontier"] = result.table["model"].isin(members)
    return result


__all__ = [
    "LM_EVAL_TASKS",
    "Leaderboard",
    "LeaderboardLockError",
    "LeaderboardResult",
    "LeaderboardState",
    "scores_from_lm_eval",
]
