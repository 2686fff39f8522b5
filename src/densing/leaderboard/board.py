"""The :class:`Leaderboard`: a density leaderboard kept as plain files in a directory."""

from __future__ import annotations

import datetime as _dt
import html
import io
import json
import os
import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from densing._io import csv_safe_frame, csv_unsafe, to_plain
from densing._summary import Summary
from densing._validation import check_integer, check_n_bootstrap, check_random_state, check_scalar
from densing.exceptions import DensingError, DensingWarning, InputError
from densing.leaderboard._changes import (
    add_entry,
    board_dir,
    init_settings,
    model_row,
    remove_entry,
    restore_entry,
)
from densing.leaderboard.compute import compute_table, fit_trend
from densing.leaderboard.inputs import is_path, model_name, read_scores_input, resolve_path
from densing.leaderboard.render import html_page, markdown, summary_report
from densing.leaderboard.result import LeaderboardResult
from densing.leaderboard.state import LeaderboardState, apply_entry, replay
from densing.leaderboard.store import (
    DEFAULT_LOCK_TIMEOUT,
    HISTORY_FILE,
    META_FILE,
    TABLE_FILE,
    TREND_FILE,
    BoardFiles,
    now,
)

__all__ = ["Leaderboard"]


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
        self.path = board_dir(path)
        self.lock_timeout = check_scalar(lock_timeout, "lock_timeout", low=0)
        self.progress = progress
        self._files = BoardFiles(self.path, self.lock_timeout)
        if not (self.path / HISTORY_FILE).is_file() and not (self.path / META_FILE).is_file():
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
        param_count: str | None = None,
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
            Parameter convention of every model's ``n_params`` (``"total"``,
            ``"non_embedding"`` or ``"active"``). ``None`` (default): the frame's own,
            ``"non_embedding"`` for the bundled frames.
        **kwargs
            Passed to :class:`Leaderboard` (``lock_timeout``, ``progress``).

        Returns
        -------
        Leaderboard
            The new leaderboard (version 1).
        """
        from densing._version import version
        from densing.datasets import data_version

        root = board_dir(path)
        settings, frame_obj = init_settings(root, frame, tokens, benchmark, protocol_map,
                                            param_count)
        root.mkdir(parents=True, exist_ok=True)
        lb = object.__new__(cls)
        lb.path = root
        lb.lock_timeout = float(kwargs.get("lock_timeout", DEFAULT_LOCK_TIMEOUT))
        lb.progress = kwargs.get("progress")
        lb._files = BoardFiles(root, lb.lock_timeout)
        lb._frame_cache = frame_obj
        entry = {"version": 1, "op": "init", "timestamp": now(), "settings": settings,
                 "densing_version": version(), "data_version": data_version()}
        with lb._files.lock(exclusive=True):
            if (root / HISTORY_FILE).exists():
                raise InputError(f"{root} already holds a leaderboard")
            files = {}
            if frame_obj is not None:
                files["frame.json"] = (json.dumps(frame_obj.to_dict(), indent=1,
                                                  allow_nan=False) + "\n").encode()
            state = LeaderboardState(1, settings)
            lb._files.commit(state, [entry], b"", extra_files=files,
                             created=str(entry["timestamp"]))
        return lb

    # -- reading -------------------------------------------------------------------------
    def state(self) -> LeaderboardState:
        """The current state (models, scores, settings, version).

        Returns
        -------
        LeaderboardState
            A snapshot read under a shared lock.
        """
        with self._files.lock(exclusive=False):
            return self._files.load_for_read().state

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
        return self._files.read_meta() or {}

    def history(self) -> pd.DataFrame:
        """One row per change: ``version``, ``op``, ``timestamp``, ``model``, rows in/out.

        Returns
        -------
        pandas.DataFrame
            The log's summary (the full rows are in ``history.jsonl``).
        """
        with self._files.lock(exclusive=False):
            entries = self._files.load_for_read().entries
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
        check_integer(version, "version")
        with self._files.lock(exclusive=False):
            entries = self._files.load_for_read().entries
        n = len(entries)
        v = int(version)
        if v <= 0:
            v = n + v
        if not 1 <= v <= n:
            raise InputError(f"version {version} does not exist; versions are 1 .. {n}")
        return replay(entries, v)

    # -- changes -------------------------------------------------------------------------
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
        row = model_row(model, n_params, release_date, hf_id, notes)
        name = row["model"]
        table = read_scores_input(scores, name)
        with self._files.lock(exclusive=True):
            loaded = self._files.load_for_read()
            state, raw = loaded.state, loaded.raw
            entry, lacking = add_entry(state, row, table, self.path)
            new = apply_entry(state, entry)
            self._files.commit(new, [entry], raw)
        if lacking:
            warnings.warn(
                f"model {name!r} lacks task(s) {', '.join(lacking)} of the ranking benchmark "
                f"{str(state.settings['benchmark'])!r} (under the frame's protocol): it is listed "
                "without a density until they are added",
                DensingWarning,
                stacklevel=2,
            )
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
        name = model_name(model, existing=True)
        with self._files.lock(exclusive=True):
            loaded = self._files.load_for_read()
            state, raw = loaded.state, loaded.raw
            entry = remove_entry(state, name)
            new = apply_entry(state, entry)
            self._files.commit(new, [entry], raw)
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
        with self._files.lock(exclusive=True):
            loaded = self._files.load_for_read()
            state, raw = loaded.state, loaded.raw
            entry = restore_entry(state, target)
            new = apply_entry(state, entry)
            self._files.commit(new, [entry], raw)
        return new

    # -- results -------------------------------------------------------------------------
    def _frame(self, settings: Mapping[str, Any]) -> Any:
        if self._frame_cache is None:
            from densing.reference import load_frame

            spec = str(settings["frame"])
            if is_path(spec):
                spec = str(resolve_path(spec, self.path))
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

        n_bootstrap = check_n_bootstrap(n_bootstrap)
        random_state = check_random_state(random_state)
        state = self.state()
        with progress(3, desc="leaderboard", disable=None if self.progress is None
                      else not self.progress) as bar:
            frame = self._frame(state.settings)
            bar.update(1)
            result = compute_table(state, frame)
            bar.update(1)
            result = fit_trend(result, n_bootstrap, random_state)
            bar.update(1)
        if store:
            self._store(result)
        return result

    def _store(self, result: LeaderboardResult) -> None:
        buf = io.StringIO()
        csv_safe_frame(result.table).to_csv(buf, index=False, lineterminator="\n")
        payload = {"version": result.version, "trend": to_plain(result.trend),
                   "curve": to_plain(result.curve), "note": result.note}
        files = {TABLE_FILE: buf.getvalue().encode("utf-8"),
                 TREND_FILE: (json.dumps(payload, indent=1, allow_nan=False) + "\n").encode()}
        try:  # a cache only: a read-only board or a full disk computes without it
            with self._files.lock(exclusive=True):
                if self.meta.get("version") == result.version:
                    self._files.write_all(files)
        except OSError:
            pass

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
                table = pd.read_csv(self.path / TABLE_FILE, dtype={"model": str, "status": str,
                                                                   "missing": str},
                                    keep_default_na=False, na_values=[""])
                table["missing"] = table["missing"].fillna("")
                table["rank"] = table["rank"].astype("Int64")
                for col in ("model", "status"):
                    table[col] = table[col].map(csv_unsafe)
                return LeaderboardResult(version, table, payload.get("trend"),
                                         payload.get("curve") or {}, payload.get("note", ""))
        except (OSError, ValueError, KeyError):
            pass
        return self.recompute(n_bootstrap=n_bootstrap, random_state=random_state)

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
            csv_safe_frame(res.table).to_csv(buf, index=False, lineterminator="\n")
            return buf.getvalue()
        if format == "md":
            return markdown(res, self.meta)
        return html_page(res, self.meta)

    def check(self) -> str:
        """Verify that the log, the tables and ``meta.json`` agree.

        Returns
        -------
        str
            One line: the version and the counts of models and scores.

        Raises
        ------
        LeaderboardDamagedError
            Naming the damaged file and the way out (:meth:`repair`).
        """
        return self._files.check()

    def repair(self) -> list[str]:
        """Rebuild whichever side is damaged from the other, keeping a dated backup.

        A complete log rebuilds the tables and ``meta.json``. A damaged log (undecodable
        bytes, a bad entry, a version gap, fewer versions than ``meta.json``) keeps its valid
        entries, and one ``repair`` entry brings it to the rows of ``models.csv`` and
        ``scores.csv``, so no model is lost. The replaced files are copied into
        ``repair-backup-<UTC time>/`` first.

        Returns
        -------
        list of str
            What was done, one line each.
        """
        return self._files.repair()

    def show(self) -> None:
        """Print the ranked table and the trend summary (Markdown)."""
        print(self.render("md"))

    def summary_frame(self) -> pd.DataFrame:
        """The ranked table of the current version (a copy of :meth:`result`'s ``table``).

        Returns
        -------
        pandas.DataFrame
            One row per model, ranked by density (columns: :class:`LeaderboardResult`).
        """
        return self.result().table.copy()

    def summary(self, max_rows: int = 20) -> Summary:
        """The leaderboard as a :class:`~densing._summary.Summary`: the doubling time first,
        the counts and settings, then the top of the ranked table. It prints nothing.

        Parameters
        ----------
        max_rows
            At most this many models are listed (the rest are counted in a note).

        Returns
        -------
        Summary
            Renders as text (``str``), HTML and a dict.
        """
        max_rows = int(check_scalar(max_rows, "max_rows", low=1, integer=True))
        return summary_report(self.result(), self.meta, max_rows)

    def print_summary(self, max_rows: int = 20) -> None:
        """Print :meth:`summary` as text.

        Parameters
        ----------
        max_rows
            At most this many models are listed.
        """
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(self.summary(max_rows=max_rows).as_text())

    def _repr_html_(self) -> str:
        try:
            return self.summary(max_rows=10).as_html()
        except DensingError:
            return f"<pre>{html.escape(repr(self))}</pre>"

    def __repr__(self) -> str:
        try:
            st = self.state()
        except DensingError:
            return f"<Leaderboard {str(self.path)!r}: unreadable>"
        return f"<Leaderboard {str(self.path)!r}: {len(st.models)} models, version {st.version}>"
