"""Input of a leaderboard change: model rows, score tables and the frame's benchmarks.

Everything a change adds is checked here before anything is written; a bad value raises
:class:`~densing.InputError` with one line naming the field and the value.
"""

from __future__ import annotations

import math
import os
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from densing._lm_eval import scores_from_lm_eval
from densing._validation import (
    SCORE_NUMBER_COLUMNS,
    check_csv_header,
    check_param_count,
    check_release_date,
    check_score_table,
    check_unique_columns,
    numbers_from_text,
)
from densing.exceptions import DataFormatError, DensingWarning, InputError
from densing.leaderboard.state import SCORE_COLUMNS

__all__ = [
    "BIDI_CONTROLS",
    "EVALUATE_EXTRA_COLUMNS",
    "frame_benchmarks",
    "frame_param_count",
    "frame_tasks",
    "missing_tasks",
    "is_path",
    "model_name",
    "one_line",
    "parse_date",
    "parse_params",
    "parse_text",
    "read_scores_input",
    "resolve_path",
    "validate_scores",
    "visible_text",
]

#: columns of ``densing evaluate`` output beyond the scores, accepted silently
EVALUATE_EXTRA_COLUMNS = ("loss", "loss_unit", "n")


def one_line(text: object) -> str:
    """``text`` with all whitespace runs collapsed to one space.

    Parameters
    ----------
    text : object
        Anything printable.

    Returns
    -------
    str
        One line.
    """
    return " ".join(str(text).split())


def parse_date(value: Any, model: str) -> str:
    """A release date checked and written as ``YYYY-MM-DD``.

    Parameters
    ----------
    value : str or date
        The date.
    model : str
        The model, named in errors.

    Returns
    -------
    str
        The ISO date.
    """
    day = check_release_date(value, where=f"of model {model!r}")
    assert day is not None
    return day.isoformat()


def parse_params(value: Any, model: str) -> int:
    """A raw parameter count checked (positive, finite, not billions).

    Parameters
    ----------
    value : float
        The count.
    model : str
        The model, named in errors.

    Returns
    -------
    int
        The count.
    """
    return int(round(check_param_count(value, where=f"of model {model!r}")))


def parse_text(value: Any, what: str) -> str:
    """An optional one-line text field.

    Parameters
    ----------
    value : str or None
        The text.
    what : str
        The field, named in errors.

    Returns
    -------
    str
        The stripped text (``""`` when missing).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text; got {type(value).__name__}")
    if "\n" in value or "\r" in value:
        raise InputError(f"{what} must be one line; got {value!r}")
    return value.strip()


def model_name(model: Any, existing: bool = False) -> str:
    """A model name checked (non-empty, one line).

    Parameters
    ----------
    model : str
        The name.
    existing : bool
        The name of a model already on a board (to remove it): bidirectional controls are
        not refused, so a board made before that check can still lose such a name.

    Returns
    -------
    str
        The stripped name.
    """
    if not isinstance(model, str) or not model.strip():
        raise InputError(f"model must be a non-empty name; got {model!r}")
    name = model.strip()
    if "\n" in name or "\r" in name:
        raise InputError(f"model name must be one line; got {model!r}")
    bidi = [ch for ch in name if ord(ch) in BIDI_CONTROLS]
    if bidi and not existing:
        raise InputError(
            f"model name {visible_text(name)!r} contains the bidirectional control "
            f"U+{ord(bidi[0]):04X} ({unicodedata.name(bidi[0], 'unnamed')}), which reorders "
            "the text shown around it: remove it")
    return name


#: bidirectional controls (the "Trojan Source" set): refused in model names, and shown as a
#: visible ``<U+XXXX>`` in every rendered page (names of older boards, hf_id, notes)
BIDI_CONTROLS = frozenset({0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                           *range(0x2066, 0x206A)})
_VISIBLE = {c: f"<U+{c:04X}>" for c in BIDI_CONTROLS}


def visible_text(text: Any) -> str:
    """``text`` with every bidirectional control written as a visible ``<U+XXXX>``.

    Parameters
    ----------
    text
        Any value (converted with ``str``).

    Returns
    -------
    str
        The text, safe to show: nothing in it reorders what surrounds it.
    """
    return str(text).translate(_VISIBLE)


def is_path(spec: str) -> bool:
    """Whether a frame spec names a file (:func:`densing.reference.is_frame_path`).

    Parameters
    ----------
    spec : str
        The spec.

    Returns
    -------
    bool
        True for a path.
    """
    from densing.reference import is_frame_path

    return is_frame_path(spec)


def resolve_path(spec: str, root: Path) -> Path:
    """A path relative to the board directory made absolute.

    Parameters
    ----------
    spec : str
        The path.
    root : Path
        The board directory.

    Returns
    -------
    pathlib.Path
        The path.
    """
    p = Path(spec)
    return p if p.is_absolute() else root / p


def _info(frame: Any, root: Path) -> Any:
    """:func:`densing.reference.frame_info` of a frame, a name or a path under the board."""
    from densing.reference import frame_info

    if isinstance(frame, str) and is_path(frame):
        frame = str(resolve_path(frame, root) if (root / frame).exists() else Path(frame))
    return frame_info(frame)


def frame_param_count(frame: Any, root: Path) -> str:
    """The target-model parameter count that matches a frame (the board's default).

    Parameters
    ----------
    frame : ReferenceFrame or str
        A fitted frame, a frame name or a JSON path.
    root : Path
        The board directory.

    Returns
    -------
    str
        ``"total"`` or ``"non_embedding"`` (:func:`densing.conventions.frame_model_param_count`).
    """
    from densing.conventions import frame_model_param_count

    return frame_model_param_count(_info(frame, root).param_count)


def frame_benchmarks(spec: str, root: Path) -> dict[str, str]:
    """Benchmark -> protocol of a frame, without fitting (:func:`densing.reference.frame_info`).

    Parameters
    ----------
    spec : str
        Frame name or JSON path.
    root : Path
        The board directory.

    Returns
    -------
    dict
        Benchmark -> protocol.
    """
    return dict(_info(spec, root).protocols)


def frame_tasks(spec: str, root: Path, benchmark: str) -> list[str]:
    """The tasks an averaged benchmark of a frame needs (``[benchmark]`` for a single task).

    Parameters
    ----------
    spec
        Frame name or JSON path.
    root
        The board directory.
    benchmark
        The benchmark.

    Returns
    -------
    list of str
        Its tasks.
    """
    return _info(spec, root).tasks(benchmark)


def missing_tasks(rows: Sequence[Mapping[str, Any]], tasks: Sequence[str],
                  frame_protocols: Mapping[str, str],
                  protocol_map: Mapping[str, str] | None) -> list[str]:
    """The tasks without a score under the frame's protocol (after ``protocol_map``).

    Parameters
    ----------
    rows
        Score rows (``benchmark``, ``protocol``).
    tasks
        The tasks needed (:func:`frame_tasks`).
    frame_protocols
        Benchmark -> protocol of the frame.
    protocol_map
        The board's protocol map.

    Returns
    -------
    list of str
        The missing tasks, in ``tasks`` order.
    """
    pmap = protocol_map or {}
    have = {str(r["benchmark"]) for r in rows
            if pmap.get(str(r["protocol"]), str(r["protocol"]))
            == frame_protocols.get(str(r["benchmark"]))}
    return [t for t in tasks if t not in have]


def read_scores_input(scores: Any, model: str) -> pd.DataFrame:
    """Any accepted scores input as a DataFrame (not validated yet).

    Parameters
    ----------
    scores : DataFrame, list, path or dict
        The scores.
    model : str
        The model (for lm-eval results).

    Returns
    -------
    pandas.DataFrame
        The rows.
    """
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
            table = pd.read_csv(path, dtype={"model": str, "benchmark": str, "protocol": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataFormatError(f"cannot read {str(path)!r} as CSV: {one_line(exc)}") from None
        check_csv_header(path, "scores")
        return numbers_from_text(table, SCORE_NUMBER_COLUMNS)
    if isinstance(scores, Sequence) and all(isinstance(r, Mapping) for r in scores):
        return pd.DataFrame(list(scores))
    raise InputError(
        "scores must be a DataFrame, a list of dict rows, a CSV path or an lm-eval results "
        f"JSON path; got {type(scores).__name__}"
    )


def validate_scores(df: pd.DataFrame, model: str,
                     frame_benchmarks: Mapping[str, str]) -> list[dict[str, Any]]:
    """Validated score rows for ``model`` (plain dicts), or :class:`InputError`.

    Parameters
    ----------
    df : pandas.DataFrame
        The rows.
    model : str
        The model being added.
    frame_benchmarks : Mapping
        Benchmark -> protocol of the frame.

    Returns
    -------
    list of dict
        The rows, sorted by benchmark and protocol.
    """
    check_unique_columns(df.columns, "scores")
    missing = [c for c in ("benchmark", "protocol", "score") if c not in df.columns]
    if missing:
        raise InputError(
            f"scores are missing column(s) {missing}; need benchmark, protocol, score[, stderr] "
            "(record the evaluation protocol, e.g. rc-5shot)"
        )
    if "model" in df.columns:
        names = df["model"].astype(str).str.strip()
        sub = df[names == model]
        if sub.empty and len(df):
            others = sorted(set(names))
            shown = ", ".join(repr(o) for o in others[:5]) + (" ..." if len(others) > 5 else "")
            raise InputError(
                f"model name mismatch: the scores are for model {shown}, not {model!r}; pass "
                f"the same name as --model (or fix the model column)"
            )
        df = sub
    if df.empty:
        raise InputError(f"no scores given for model {model!r}")
    # the one score rule (densing._validation): the API and `densing density` run it too
    df = check_score_table(df.assign(model=model), required=())
    extra = sorted(set(df.columns) - {"model", *SCORE_COLUMNS, *EVALUATE_EXTRA_COLUMNS})
    rows = []
    for _, r in df.iterrows():
        bench = r["benchmark"]
        if not isinstance(bench, str) or not bench.strip():
            raise InputError(f"benchmark must be a name; got {bench!r}")
        bench = bench.strip()
        if bench not in frame_benchmarks:
            raise InputError(
                f"unknown benchmark {bench!r}: it maps to no benchmark of the reference frame, "
                f"which has {', '.join(sorted(frame_benchmarks))}"
            )
        proto = r["protocol"]
        if not isinstance(proto, str) or not proto.strip():
            raise InputError(
                f"protocol of {bench!r} is missing; record how the score was measured "
                f"(the frame's is {frame_benchmarks[bench] or 'unknown'!r})"
            )
        err = float(r["stderr"]) if "stderr" in df.columns else math.nan
        rows.append({"model": model, "benchmark": bench, "protocol": proto.strip(),
                     "score": float(r["score"]), "stderr": None if math.isnan(err) else err})
    keys = [(r["benchmark"], r["protocol"]) for r in rows]
    dup = [k for k in keys if keys.count(k) > 1]
    if dup:
        raise InputError(f"score on {dup[0][0]!r} under protocol {dup[0][1]!r} is given twice")
    if extra:
        warnings.warn(f"ignored score column(s) {extra}", DensingWarning, stacklevel=3)
    return sorted(rows, key=lambda r: (r["benchmark"], r["protocol"]))
