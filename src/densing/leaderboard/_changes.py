"""The changes of a leaderboard, each checked and built before anything is written.

:class:`~densing.leaderboard.board.Leaderboard` takes the lock, loads the state and commits
what these functions return: the settings of a new board (:func:`init_settings`), the
``models.csv`` row of an added model (:func:`model_row`) and the log entry of a change with
the full rows it adds and removes (:func:`add_entry`, :func:`remove_entry`,
:func:`restore_entry`). They raise :class:`~densing.InputError` on bad input and change
nothing on disk.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from densing._validation import check_param_count_name, check_protocol_map, check_tokens
from densing.conventions import MODEL_PARAM_COUNTS
from densing.exceptions import InputError
from densing.leaderboard.inputs import (
    frame_benchmarks,
    frame_param_count,
    frame_tasks,
    is_path,
    missing_tasks,
    model_name,
    parse_date,
    parse_params,
    parse_text,
    validate_scores,
)
from densing.leaderboard.state import LeaderboardState
from densing.leaderboard.store import HISTORY_FILE, META_FILE, now

if TYPE_CHECKING:
    from densing.reference import ReferenceFrame

__all__ = ["add_entry", "board_dir", "init_settings", "model_row", "model_rows_of",
           "remove_entry", "restore_entry"]


def board_dir(path: object) -> Path:
    """``path`` as a directory, or :class:`~densing.InputError` when it is not a name.

    Parameters
    ----------
    path
        The board directory (``str`` or ``os.PathLike``).

    Returns
    -------
    Path
        The directory (not checked for existence).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"path must be a directory name; got {type(path).__name__} {path!r}")
    return Path(path)


def init_settings(root: Path, frame: Any, tokens: float, benchmark: str,
                  protocol_map: Mapping[str, str] | None, param_count: str | None,
                  ) -> tuple[dict[str, Any], ReferenceFrame | None]:
    """The settings of a new board in ``root``, checked (see :meth:`Leaderboard.init`).

    Parameters
    ----------
    root
        The board directory; must not hold a leaderboard yet.
    frame, tokens, benchmark, protocol_map, param_count
        As in :meth:`Leaderboard.init`.

    Returns
    -------
    settings : dict
        ``frame`` (a name, a path relative to ``root`` where it lies inside, or
        ``"frame.json"`` for a fitted frame), ``tokens``, ``benchmark``, ``protocol_map`` and
        ``param_count`` (the frame's own when ``None``).
    frame : ReferenceFrame or None
        The fitted frame given, to be saved as ``frame.json``; ``None`` for a name or path.
    """
    from densing.reference import ReferenceFrame

    if (root / META_FILE).exists() or (root / HISTORY_FILE).exists():
        raise InputError(f"{root} already holds a leaderboard; open it with Leaderboard(path)")
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} exists and is not a directory")
    d0 = check_tokens(tokens)
    if param_count is not None:
        check_param_count_name(param_count, MODEL_PARAM_COUNTS)
    pmap = dict(check_protocol_map(protocol_map) or {})
    frame_obj = None
    if isinstance(frame, ReferenceFrame):
        frame_obj = frame
        frame_spec = "frame.json"
        benchmarks = dict(frame.protocol_)
    else:
        frame_spec = str(frame)
        benchmarks = frame_benchmarks(frame_spec, root)
        if is_path(frame_spec):
            full = Path(frame_spec).resolve()
            try:
                frame_spec = str(full.relative_to(root.resolve()))
            except ValueError:
                frame_spec = str(full)
    if param_count is None:
        param_count = frame_param_count(frame_obj if frame_obj is not None else frame_spec,
                                        root)
    if benchmark not in benchmarks:
        raise InputError(
            f"ranking benchmark {benchmark!r} is not in the frame; it has {sorted(benchmarks)}"
        )
    settings = {"frame": frame_spec, "tokens": d0, "benchmark": str(benchmark),
                "protocol_map": pmap, "param_count": param_count}
    return settings, frame_obj


def model_row(model: str, n_params: float, release_date: str | _dt.date, hf_id: str | None,
              notes: str | None) -> dict[str, Any]:
    """The checked ``models.csv`` row of a model being added (see :meth:`Leaderboard.add`).

    Parameters
    ----------
    model, n_params, release_date, hf_id, notes
        As in :meth:`Leaderboard.add`.

    Returns
    -------
    dict
        ``model``, ``n_params`` (an integer count), ``release_date`` (ISO), ``hf_id``,
        ``notes``.
    """
    name = model_name(model)
    return {
        "model": name,
        "n_params": parse_params(n_params, name),
        "release_date": parse_date(release_date, name),
        "hf_id": parse_text(hf_id, "hf_id"),
        "notes": parse_text(notes, "notes"),
    }


def model_rows_of(state: LeaderboardState, model: str,
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Copies of a model's ``models.csv`` row (none or one) and its score rows, in key order.

    Parameters
    ----------
    state
        The board's state.
    model
        A model name (need not be on the board).

    Returns
    -------
    models, scores : list of dict
        The rows a change that replaces or removes the model takes out.
    """
    models = [dict(state.models[model])] if model in state.models else []
    scores = [dict(state.scores[k]) for k in sorted(state.scores) if k[0] == model]
    return models, scores


def add_entry(state: LeaderboardState, row: Mapping[str, Any], table: pd.DataFrame,
              root: Path) -> tuple[dict[str, Any], list[str]]:
    """The log entry that adds (or replaces) a model with its scores.

    Parameters
    ----------
    state
        The current state (under the writer's lock).
    row
        The model's row (:func:`model_row`).
    table
        Its scores (:func:`~densing.leaderboard.inputs.read_scores_input`), checked here
        against the frame's benchmarks.
    root
        The board directory (frame paths are relative to it).

    Returns
    -------
    entry : dict
        An ``add`` entry, or ``update`` when the model is there already (its old rows in
        ``removed``).
    lacking : list of str
        Tasks of the ranking benchmark the model has no score for at all (the model is
        listed without a density until they are added).
    """
    name = str(row["model"])
    spec = str(state.settings["frame"])
    protocols = frame_benchmarks(spec, root)
    score_rows = validate_scores(table, name, protocols)
    lacking = missing_tasks(score_rows, frame_tasks(spec, root, str(state.settings["benchmark"])),
                            protocols, state.settings.get("protocol_map"))
    given = {r["benchmark"] for r in score_rows}
    lacking = [t for t in lacking if t not in given]  # others: protocol mismatch
    old_models, old_scores = model_rows_of(state, name)
    entry = {
        "version": state.version + 1,
        "op": "update" if old_models else "add",
        "timestamp": now(),
        "model": name,
        "removed": {"models": old_models, "scores": old_scores},
        "added": {"models": [dict(row)], "scores": score_rows},
    }
    return entry, lacking


def remove_entry(state: LeaderboardState, model: str) -> dict[str, Any]:
    """The log entry that removes a model and its scores.

    Parameters
    ----------
    state
        The current state (under the writer's lock).
    model
        A checked model name (:func:`~densing.leaderboard.inputs.model_name`).

    Returns
    -------
    dict
        A ``remove`` entry; :class:`~densing.InputError` when the model is not on the board.
    """
    if model not in state.models:
        known = ", ".join(sorted(state.models)[:10]) or "none"
        raise InputError(f"model {model!r} is not on the leaderboard (models: {known})")
    old_models, old_scores = model_rows_of(state, model)
    return {"version": state.version + 1, "op": "remove", "timestamp": now(),
            "model": model, "removed": {"models": old_models, "scores": old_scores}}


def restore_entry(state: LeaderboardState, target: LeaderboardState) -> dict[str, Any]:
    """The log entry that makes ``target``'s rows current again.

    Parameters
    ----------
    state
        The current state (under the writer's lock).
    target
        An earlier state (:meth:`Leaderboard.state_at`).

    Returns
    -------
    dict
        A ``restore`` entry that removes every current row and adds every row of ``target``.
    """
    return {
        "version": state.version + 1, "op": "restore", "timestamp": now(),
        "to_version": target.version,
        "removed": {"models": [state.models[k] for k in sorted(state.models)],
                    "scores": [state.scores[k] for k in sorted(state.scores)]},
        "added": {"models": [target.models[k] for k in sorted(target.models)],
                  "scores": [target.scores[k] for k in sorted(target.scores)]},
    }
