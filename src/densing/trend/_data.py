"""Input handling of the trend: strict date parsing and the validated table of models."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from densing._validation import check_release_date, check_release_dates
from densing.exceptions import InputError


def _names(values: Sequence[Any], limit: int = 5) -> str:
    """Format a few names for an error message: ``'a', 'b' and 3 more``."""
    shown = ", ".join(repr(str(v)) for v in list(values)[:limit])
    rest = len(values) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def _parse_date(value: Any) -> np.datetime64 | None:
    """Parse one date with the shared rule; ``None`` when it is not a date densing reads.

    Raises ``KeyError`` for a missing value so the caller can tell "missing" from "odd". The
    release-date window is checked separately (:func:`check_release_dates`).
    """
    if value is None or (not isinstance(value, str) and bool(np.all(pd.isna(value)))):
        raise KeyError("missing")
    if isinstance(value, str) and not value.strip():
        raise KeyError("missing")
    try:
        day = check_release_date(value, earliest=_dt.date.min, latest=_dt.date.max)
    except InputError:
        return None
    return None if day is None else np.datetime64(day, "D")


def _parse_dates(
    values: Any, labels: Sequence[Any], what: str = "release_date", strict: bool = True
) -> NDArray[np.datetime64]:
    """Parse dates to ``datetime64[D]``.

    Accepts datetime64 values, ``datetime.date``/``datetime``/``pd.Timestamp`` objects and
    ISO-8601 strings (``YYYY-MM-DD``, optionally with a time). With ``strict`` a missing or
    unparseable value raises :class:`InputError` naming it; otherwise it becomes NaT.
    """
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series.to_numpy().astype("datetime64[D]")
        missing = np.isnat(out)
        if strict and missing.any():
            bad = [labels[int(i)] for i in np.flatnonzero(missing)]
            raise InputError(
                f"missing {what} for model(s) {_names(bad)}: every model needs a release "
                "date (ISO YYYY-MM-DD)"
            )
        return out
    out = np.full(len(series), np.datetime64("NaT"), dtype="datetime64[D]")
    missing_labels: list[Any] = []
    for i, value in enumerate(series.tolist()):
        try:
            day = _parse_date(value)
        except KeyError:
            missing_labels.append(labels[i])
            continue
        if day is None:
            if strict:
                raise InputError(
                    f"{what} {value!r} of model {str(labels[i])!r} is not a date densing "
                    "reads: use ISO YYYY-MM-DD (e.g. 2023-03-04)"
                )
            continue
        out[i] = day
    if strict and missing_labels:
        raise InputError(
            f"missing {what} for model(s) {_names(missing_labels)}: every model needs a "
            "release date (ISO YYYY-MM-DD)"
        )
    return out


def _parse_one(value: Any, what: str) -> np.datetime64:
    """Parse a single setting date (``origin``, ``start``, ``split``, ...)."""
    try:
        day = _parse_date(value)
    except KeyError:
        day = None
    if day is None:
        raise InputError(f"{what}={value!r} is not a date: use ISO YYYY-MM-DD (e.g. 2023-02-24)")
    return day


def _iso(day: np.datetime64 | pd.Timestamp | None) -> str | None:
    if day is None or pd.isna(day):
        return None
    return str(pd.Timestamp(day).date().isoformat())


@dataclass
class _Data:
    """Validated usable models, sorted by (date ascending, density descending)."""

    models: NDArray[np.object_]
    dates: NDArray[np.datetime64]
    t: NDArray[np.float64]
    x: NDArray[np.float64]  # ln density
    logd: NDArray[np.float64] | None  # (B, n) ln density draws, same column order
    censored: dict[str, int]
    n_outside_window: int


def _prepare(
    df: Any,
    *,
    date_col: str,
    density_col: str,
    model_col: str,
    status_col: str,
    origin: np.datetime64,
    start: np.datetime64 | None,
    end: np.datetime64 | None,
    density_draws: ArrayLike | None,
) -> _Data:
    if not isinstance(df, pd.DataFrame):
        raise InputError(
            f"fit expects a pandas DataFrame with one row per model, got {type(df).__name__}"
        )
    missing = [c for c in (model_col, date_col, density_col) if c not in df.columns]
    if missing:
        raise InputError(
            f"missing column(s) {_names(missing)}; the table has {_names(list(df.columns), 10)} "
            f"but needs {model_col!r}, {date_col!r} and {density_col!r} (one row per model)"
        )
    if len(df) == 0:
        raise InputError("the table is empty: pass one row per model with a date and a density")

    raw_models = df[model_col]
    if raw_models.isna().any():
        rows = np.flatnonzero(raw_models.isna().to_numpy())
        raise InputError(f"model name missing in row(s) {_names(rows.tolist())}")
    models = raw_models.astype(str).to_numpy(dtype=object)
    dup = pd.Series(models)[pd.Series(models).duplicated(keep=False)].unique().tolist()
    if dup:
        raise InputError(
            f"duplicate model name(s) {_names(dup)}: pass one row per model "
            "(aggregate per-benchmark densities first)"
        )

    n_rows = len(df)
    if status_col in df.columns:
        raw_status = df[status_col]
        status = np.array(
            ["<missing>" if pd.isna(s) else str(s).strip().lower() for s in raw_status.tolist()],
            dtype=object,
        )
        ok = status == "ok"
    else:
        status = np.full(n_rows, "ok", dtype=object)
        ok = np.ones(n_rows, dtype=bool)
    if not ok.any():
        reasons = pd.Series(status).value_counts().to_dict()
        desc = ", ".join(f"{k}: {v}" for k, v in reasons.items())
        raise InputError(
            f"all {n_rows} models are censored (status not 'ok'; {desc}): nothing to fit"
        )

    raw_density = df[density_col]
    density = pd.to_numeric(raw_density, errors="coerce").to_numpy(dtype=float)
    text = ok & raw_density.notna().to_numpy() & np.isnan(density)
    if text.any():
        i = int(np.flatnonzero(text)[0])
        raise InputError(f"density {raw_density.iloc[i]!r} of model {models[i]!r} is not a number")
    bad_nan = ok & np.isnan(density)
    if bad_nan.any():
        raise InputError(
            f"density is missing (NaN) for model(s) {_names(models[bad_nan].tolist())} with "
            f"status 'ok': give them a non-ok {status_col!r} or drop them"
        )
    bad_inf = ok & np.isposinf(density)
    if bad_inf.any():
        raise InputError(
            f"infinite density for model(s) {_names(models[bad_inf].tolist())} with status "
            f"'ok': a model outside the reference frame needs a non-ok {status_col!r} "
            "(e.g. 'above_ceiling') so it is counted as censored"
        )
    bad_sign = ok & (density <= 0)
    if bad_sign.any():
        vals = ", ".join(f"{v:.4g}" for v in density[bad_sign][:5])
        raise InputError(
            f"density must be > 0; got {vals} for model(s) "
            f"{_names(models[bad_sign].tolist())}: densities are ratios N_hat / N; give a "
            "censoring status instead of a non-positive value"
        )

    dates = np.full(n_rows, np.datetime64("NaT"), dtype="datetime64[D]")
    dates[ok] = _parse_dates(df[date_col][ok], models[ok].tolist(), what=date_col)
    if (~ok).any():
        dates[~ok] = _parse_dates(
            df[date_col][~ok], models[~ok].tolist(), what=date_col, strict=False
        )
    # the shared release-date window (densing._validation): typos such as 1900 or 2999
    check_release_dates(dates[ok], date_col, labels=models[ok].tolist())

    in_window = np.ones(n_rows, dtype=bool)
    known = ~np.isnat(dates)
    if start is not None:
        in_window &= ~known | (dates >= start)
    if end is not None:
        in_window &= ~known | (dates <= end)
    use = ok & in_window
    n_outside = int((ok & ~in_window).sum())
    censored_status = status[~ok & in_window]
    censored = {str(k): int(v) for k, v in pd.Series(censored_status).value_counts().items()}

    if use.sum() < 3:
        where = ""
        if start is not None or end is not None:
            where = f" in the window {_iso(start) or '...'} to {_iso(end) or '...'}"
        n_cens = int((~ok).sum())
        raise InputError(
            f"only {int(use.sum())} usable model(s){where} ({n_cens} censored, {n_outside} "
            "outside the window): the trend needs at least 3 models with status 'ok'"
        )

    logd: NDArray[np.float64] | None = None
    if density_draws is not None:
        try:
            raw = np.asarray(density_draws)
            if raw.dtype.kind not in "iuf":  # text, True/False, None: not densities
                for v in raw.ravel().tolist():
                    if isinstance(v, bool) or not isinstance(v, (int, float)):
                        raise ValueError(f"got {type(v).__name__} {v!r}")
            draws = raw.astype(float)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"density_draws must be numbers, an (n_draws, {n_rows}) array of densities; "
                f"could not read it as floats ({exc})"
            ) from None
        if draws.ndim != 2 or draws.shape[1] != n_rows or draws.shape[0] < 1:
            raise InputError(
                f"density_draws has shape {draws.shape}; it must be (n_draws, {n_rows}): one "
                "row per draw of the reference frame, one column per row of the table"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            logd = np.where(draws > 0, np.log(np.where(draws > 0, draws, 1.0)), -np.inf)
        logd[~np.isfinite(logd)] = -np.inf
        logd = logd[:, use]

    sel_models = models[use]
    sel_dates = dates[use]
    t = (sel_dates - origin).astype("timedelta64[D]").astype(float)
    x = np.log(density[use])
    order = np.lexsort((-x, t))
    return _Data(
        models=sel_models[order],
        dates=sel_dates[order],
        t=t[order],
        x=x[order],
        logd=None if logd is None else np.ascontiguousarray(logd[:, order]),
        censored=censored,
        n_outside_window=n_outside,
    )


__all__: list[str] = []
