"""One rule per input field, shared by every command and the API.

Each ``check_*`` function validates one field (a score, a standard error, a release date, a
parameter count, a token count, a confidence level, a bootstrap count, a random state, a
protocol map) and returns the value in its canonical type, or raises :class:`InputError`
with one line that names the field and the offending value. Scalar and array forms exist
where both are needed, in the style of scikit-learn's ``check_scalar`` / ``check_array``.

Rules common to all of them:

- ``bool`` is never a number (``True`` is not a score of 1.0);
- values are shown as plain Python text (``1.2``, ``nan``, ``-7e+09``), never as numpy
  reprs such as ``np.float64(1.2)``;
- a release date lies between :data:`EARLIEST_RELEASE_DATE` and a year after today.

The module imports numpy and pandas only inside the array forms, so the command line can use
the scalar checks while it starts.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from densing.conventions import FRONTIERS, PARAM_COUNTS
from densing.exceptions import InputError, NotFittedError

if TYPE_CHECKING:
    import numpy as np

#: earliest release date accepted (older dates are almost surely typos)
EARLIEST_RELEASE_DATE = _dt.date(2015, 1, 1)
#: how far past today a release date may lie (announced models), in days
FUTURE_MARGIN_DAYS = 366
#: parameter counts below this are taken for billions typed as raw counts (7 for 7e9)
BILLIONS_BELOW = 1e4

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")


# -- formatting ------------------------------------------------------------------------------


def _fmt_float(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-4):
        mant, exp = f"{v:.15e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        out = f"{mant}e{int(exp):+03d}"
        if float(out) == v:
            return out
    return repr(float(v))


def format_value(value: Any, limit: int = 60) -> str:
    """Show a value in an error message: plain Python text, never a numpy repr.

    Parameters
    ----------
    value
        Any value.
    limit
        Longest text shown; longer text is cut and ends with ``...``.

    Returns
    -------
    str
        ``1.2`` for ``np.float64(1.2)``, ``-7e+09`` for ``-7e9``, ``'abc'`` for a string,
        ``2024-01-31`` for a date.
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(
        value, "ndim", 1
    ) == 0:
        if type(value).__name__ in ("datetime64", "timedelta64"):
            text = str(value)
            return text if len(text) <= limit else text[: limit - 3] + "..."
        value = value.item()
    if isinstance(value, bool):
        text = repr(value)
    elif isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, numbers.Real):
        text = _fmt_float(float(value))
    elif isinstance(value, _dt.datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, _dt.date):
        text = value.isoformat()
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        text = f"{type(value).__name__} of shape {tuple(value.shape)}"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(where: str) -> str:
    return f" {where}" if where and not where.startswith(" ") else where


def _label(labels: Sequence[Any] | None, i: int, label: str) -> str:
    if labels is None:
        return ""
    return f" of {label} {str(labels[i])!r}"


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    name = type(value).__name__
    if name == "NaTType":
        return True
    if name in ("float64", "float32", "float16") and math.isnan(float(value)):
        return True
    if name == "datetime64":
        return str(value) == "NaT"
    return False


# -- numbers ---------------------------------------------------------------------------------


def check_number(
    value: Any,
    name: str,
    *,
    where: str = "",
    hint: str = "",
) -> float:
    """A real number (any value, NaN and infinities included), or :class:`InputError`.

    Parameters
    ----------
    value
        The value to check.
    name
        Field name used in the message.
    where
        Context appended to the name, e.g. ``"of model 'm1'"``.
    hint
        Example of a valid value for the message, e.g. ``"such as 1e12"``.

    Returns
    -------
    float
        The value as a Python float.
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_" or not isinstance(
        value, numbers.Real
    ):
        kind = type(value).__name__
        if type(value).__name__ == "bool_":
            kind = "bool"
        extra = f" {hint}" if hint else ""
        raise InputError(
            f"{name}{_where(where)} must be a number{extra}; got {kind} {format_value(value)}"
        )
    return float(value)


def check_scalar(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    include_low: bool = True,
    include_high: bool = True,
    integer: bool = False,
    where: str = "",
    hint: str = "",
) -> float:
    """A finite number within bounds, or :class:`InputError` (scikit-learn's ``check_scalar``).

    Parameters
    ----------
    value
        The value to check.
    name
        Field name used in the message.
    low, high
        Bounds; ``None`` for none.
    include_low, include_high
        Whether each bound itself is allowed.
    integer
        Require an integral value.
    where
        Context appended to the name.
    hint
        What a valid value looks like, appended to the message.

    Returns
    -------
    float
        The value as a Python float.
    """
    v = check_number(value, name, where=where)
    shown = format_value(value)
    extra = f" ({hint})" if hint else ""
    if not math.isfinite(v):
        raise InputError(f"{name}={shown}{_where(where)} must be finite{extra}")
    if integer and v != int(v):
        raise InputError(f"{name}={shown}{_where(where)} must be an integer{extra}")
    too_low = low is not None and (v < low if include_low else v <= low)
    too_high = high is not None and (v > high if include_high else v >= high)
    if too_low or too_high:
        parts = []
        if low is not None:
            parts.append(f"{'>=' if include_low else '>'} {format_value(low)}")
        if high is not None:
            parts.append(f"{'<=' if include_high else '<'} {format_value(high)}")
        raise InputError(f"{name}={shown}{_where(where)} must be {' and '.join(parts)}{extra}")
    return v


def check_score(value: Any, name: str = "score", *, where: str = "") -> float:
    """A score: a finite fraction in ``[0, 1]``.

    Parameters
    ----------
    value
        The score.
    name
        Field name used in the message.
    where
        Context, e.g. ``"of model 'm1' on 'hellaswag'"``.

    Returns
    -------
    float
        The score.
    """
    v = check_number(value, name, where=where, hint="such as 0.62")
    shown = format_value(value)
    if not math.isfinite(v):
        raise InputError(f"{name}={shown}{_where(where)} must be a finite fraction in [0, 1]")
    if v > 1:
        raise InputError(
            f"{name}={shown}{_where(where)} is > 1; scores are fractions in [0, 1] "
            "(percentages? divide by 100)"
        )
    if v < 0:
        raise InputError(f"{name}={shown}{_where(where)} is negative; scores are fractions "
                         "in [0, 1]")
    return v


def check_stderr(value: Any, name: str = "stderr", *, where: str = "") -> float | None:
    """A score's standard error: missing (``None``/NaN) or a finite fraction in ``[0, 1]``.

    Parameters
    ----------
    value
        The standard error.
    name
        Field name used in the message.
    where
        Context appended to the name.

    Returns
    -------
    float or None
        The standard error, ``None`` when missing.
    """
    if _is_missing(value):
        return None
    v = check_number(value, name, where=where, hint="such as 0.005")
    if not math.isfinite(v) or v < 0 or v > 1:
        raise InputError(
            f"{name}={format_value(value)}{_where(where)} must be a fraction in [0, 1] "
            "(percentages? divide by 100)"
        )
    return v


def check_param_count(value: Any, name: str = "n_params", *, where: str = "") -> float:
    """A parameter count: a finite raw count of at least :data:`BILLIONS_BELOW`.

    Parameters
    ----------
    value
        The count (``7e9``, not ``7`` or ``"7B"``).
    name
        Field name used in the message.
    where
        Context appended to the name.

    Returns
    -------
    float
        The count.
    """
    v = check_number(value, name, where=where, hint="(a raw count such as 7e9)")
    shown = format_value(value)
    if not math.isfinite(v) or v <= 0:
        raise InputError(
            f"{name}={shown}{_where(where)} must be finite and positive (a raw count such as 7e9)"
        )
    if v < BILLIONS_BELOW:
        raise InputError(
            f"{name}={shown}{_where(where)} looks like billions; pass the raw count "
            "(e.g. 7e9, not 7)"
        )
    return v


def check_tokens(value: Any, name: str = "tokens", *, where: str = "") -> float:
    """A token count: finite and positive.

    Parameters
    ----------
    value
        The count (``1e12``).
    name
        Field name used in the message.
    where
        Context appended to the name.

    Returns
    -------
    float
        The count.
    """
    v = check_number(value, name, where=where, hint="such as 1e12")
    if not math.isfinite(v) or v <= 0:
        raise InputError(
            f"{name}={format_value(value)}{_where(where)} must be finite and positive "
            "(a raw count such as 1e12)"
        )
    return v


def check_ci(value: Any, name: str = "ci") -> float:
    """A confidence level strictly between 0 and 1.

    Parameters
    ----------
    value
        The level (``0.95``).
    name
        Field name used in the message.

    Returns
    -------
    float
        The level.
    """
    v = check_number(value, name, hint="such as 0.95")
    if not (0.0 < v < 1.0):
        raise InputError(
            f"{name}={format_value(value)} must lie strictly between 0 and 1 (e.g. 0.95)"
        )
    return v


def check_integer(value: Any, name: str, *, minimum: int | None = None,
                  maximum: int | None = None) -> int:
    """An integer (an integral float such as ``100.0`` is accepted) within bounds.

    Parameters
    ----------
    value
        The value.
    name
        Field name used in the message.
    minimum, maximum
        Inclusive bounds; ``None`` for none.

    Returns
    -------
    int
        The value.
    """
    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum}")
    if maximum is not None:
        bounds.append(f"<= {maximum}")
    need = "an integer" + (f" {' and '.join(bounds)}" if bounds else "")
    ok = not isinstance(value, bool) and type(value).__name__ != "bool_" and isinstance(
        value, numbers.Real
    )
    if ok:
        v = float(value)
        ok = math.isfinite(v) and v == int(v)
    if not ok:
        raise InputError(f"{name}={format_value(value)} must be {need}")
    n = int(value)
    if (minimum is not None and n < minimum) or (maximum is not None and n > maximum):
        raise InputError(f"{name}={format_value(value)} must be {need}")
    return n


def check_n_bootstrap(value: Any, name: str = "n_bootstrap", *, minimum: int = 0) -> int:
    """A bootstrap count: an integer of at least ``minimum`` (0 = no bootstrap).

    Parameters
    ----------
    value
        The count.
    name
        Field name used in the message (``"--bootstrap"`` on the command line).
    minimum
        Smallest count allowed.

    Returns
    -------
    int
        The count.
    """
    return check_integer(value, name, minimum=minimum)


def check_random_state(value: Any, name: str = "random_state") -> Any:
    """A seed that :func:`numpy.random.default_rng` takes.

    Parameters
    ----------
    value
        ``None``, a non-negative integer, or a numpy ``Generator``, ``BitGenerator`` or
        ``SeedSequence``.
    name
        Field name used in the message.

    Returns
    -------
    object
        The value unchanged (an integral float becomes an ``int``).
    """
    if value is None:
        return None
    if not isinstance(value, bool) and type(value).__name__ != "bool_" and isinstance(
        value, numbers.Integral
    ):
        if int(value) < 0:
            raise InputError(f"{name}={format_value(value)} must be a non-negative integer")
        return int(value)
    if type(value).__module__.startswith("numpy.random"):
        import numpy as np

        if isinstance(value, (np.random.Generator, np.random.BitGenerator,
                              np.random.SeedSequence)):
            return value
    raise InputError(
        f"{name}={format_value(value)} must be None, a non-negative integer or a numpy "
        "Generator"
    )


def as_rng(random_state: Any, name: str = "random_state") -> np.random.Generator:
    """A numpy ``Generator`` from a checked ``random_state``.

    Parameters
    ----------
    random_state
        As for :func:`check_random_state`.
    name
        Field name used in the message.

    Returns
    -------
    numpy.random.Generator
        ``np.random.default_rng(random_state)``.
    """
    import numpy as np

    return np.random.default_rng(check_random_state(random_state, name))


# -- choices and maps ------------------------------------------------------------------------


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """One of a fixed set of names.

    Parameters
    ----------
    value
        The name.
    name
        Field name used in the message.
    choices
        The allowed names.

    Returns
    -------
    str
        The name.
    """
    allowed = tuple(choices)
    if not isinstance(value, str) or value not in allowed:
        raise InputError(
            f"{name}={format_value(value)} is not one of {', '.join(map(repr, allowed))}"
        )
    return value


def check_param_count_name(value: Any, allowed: Iterable[str] = PARAM_COUNTS) -> str:
    """A parameter-count convention name (see :mod:`densing.conventions`).

    Parameters
    ----------
    value
        The name.
    allowed
        The names this caller supports.

    Returns
    -------
    str
        The name.
    """
    return check_choice(value, "param_count", allowed)


def check_frontier(value: Any) -> str:
    """A frontier method name (see :data:`densing.conventions.FRONTIERS`).

    Parameters
    ----------
    value
        The name.

    Returns
    -------
    str
        The name.
    """
    return check_choice(value, "frontier", FRONTIERS)


def check_protocol_map(value: Any, name: str = "protocol_map") -> dict[str, str] | None:
    """A mapping of score protocols onto frame protocols, or ``None``.

    Parameters
    ----------
    value
        ``None`` or a mapping of non-empty protocol names to non-empty protocol names.
    name
        Field name used in the message.

    Returns
    -------
    dict or None
        A plain ``dict`` copy.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InputError(
            f"{name} must be a mapping of score protocol to frame protocol, such as "
            f"{{'llv1:hellaswag-10shot-acc_norm': 'rc-5shot'}}; got {type(value).__name__} "
            f"{format_value(value)}"
        )
    out: dict[str, str] = {}
    for key, val in value.items():
        for part in (key, val):
            if not isinstance(part, str) or not part.strip():
                raise InputError(
                    f"{name} entry {format_value(key)}: {format_value(val)} must map a protocol "
                    "name to a protocol name"
                )
        out[key] = val
    return out


# -- dates -----------------------------------------------------------------------------------


def latest_release_date() -> _dt.date:
    """The latest release date accepted: :data:`FUTURE_MARGIN_DAYS` after today (UTC).

    Returns
    -------
    datetime.date
        The bound.
    """
    today = _dt.datetime.now(_dt.timezone.utc).date()
    return today + _dt.timedelta(days=FUTURE_MARGIN_DAYS)


def check_release_date(
    value: Any,
    name: str = "release_date",
    *,
    where: str = "",
    allow_missing: bool = False,
    earliest: _dt.date = EARLIEST_RELEASE_DATE,
    latest: _dt.date | None = None,
) -> _dt.date | None:
    """A release date: an ISO ``YYYY-MM-DD`` string or a date object, within the window.

    Parameters
    ----------
    value
        A string (``"2024-01-31"``, optionally followed by a time after ``T`` or a space), a
        ``datetime.date``/``datetime``/``pandas.Timestamp`` or a ``numpy.datetime64``.
    name
        Field name used in the message.
    where
        Context appended to the name.
    allow_missing
        Return ``None`` for a missing value (``None``, NaN, NaT, ``""``) instead of raising.
    earliest, latest
        The window; ``latest`` defaults to :func:`latest_release_date`.

    Returns
    -------
    datetime.date or None
        The date (``None`` only when missing and allowed).
    """
    w = _where(where)
    missing = _is_missing(value) or (isinstance(value, str) and not value.strip())
    if missing:
        if allow_missing:
            return None
        raise InputError(f"{name}{w} is missing; give it as YYYY-MM-DD")
    day: _dt.date
    if isinstance(value, _dt.datetime):
        day = value.date()
    elif isinstance(value, _dt.date):
        day = value
    elif type(value).__name__ == "datetime64":
        import numpy as np

        item = np.datetime64(value, "D").item()
        if not isinstance(item, _dt.date):
            raise InputError(f"{name}={format_value(value)}{w} is not a valid date")
        day = item
    elif isinstance(value, str):
        text = value.strip()
        bad = InputError(f"{name}={format_value(value)}{w} is not an ISO date; use YYYY-MM-DD")
        if not _ISO_DATE.match(text):
            raise bad
        try:
            day = _dt.date.fromisoformat(text[:10])
            if len(text) > 10:
                _dt.datetime.fromisoformat(text)
        except ValueError:
            raise bad from None
    else:
        raise InputError(
            f"{name}{w} must be a YYYY-MM-DD string or a date; got {type(value).__name__} "
            f"{format_value(value)}"
        )
    last = latest_release_date() if latest is None else latest
    if day < earliest:
        raise InputError(
            f"{name}={day.isoformat()}{w} is before {earliest.isoformat()}; is the year a typo?"
        )
    if day > last:
        raise InputError(
            f"{name}={day.isoformat()}{w} is in the future (after {last.isoformat()}); "
            "is the year a typo?"
        )
    return day


def check_release_dates(
    values: Any,
    name: str = "release_date",
    *,
    labels: Sequence[Any] | None = None,
    label: str = "model",
    allow_missing: bool = False,
) -> np.ndarray:
    """Release dates as ``datetime64[D]``, each checked by :func:`check_release_date`.

    Parameters
    ----------
    values
        A sequence, array or pandas Series of dates.
    name
        Field name used in the message.
    labels
        One label per value (model names), shown in the message.
    label
        What a label is (``"model"``).
    allow_missing
        Keep missing values as ``NaT`` instead of raising.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]`` array.
    """
    import numpy as np

    items = list(values.tolist() if hasattr(values, "tolist") else values)
    out = np.empty(len(items), dtype="datetime64[D]")
    last = latest_release_date()
    for i, v in enumerate(items):
        day = check_release_date(v, name, where=_label(labels, i, label),
                                 allow_missing=allow_missing, latest=last)
        out[i] = np.datetime64("NaT", "D") if day is None else np.datetime64(day, "D")
    return out


# -- arrays ----------------------------------------------------------------------------------


def as_float_array(name: str, values: Any) -> np.ndarray:
    """Convert ``values`` to a float array of at least one dimension; text and booleans fail.

    Parameters
    ----------
    name
        The quantity's name, used in the message.
    values
        Scalar or array-like of numbers.

    Returns
    -------
    numpy.ndarray
        A float array of at least one dimension.
    """
    import numpy as np

    if isinstance(values, bool) or type(values).__name__ == "bool_":
        raise InputError(f"{name} must be numbers; got bool {values!r}")
    raw = values if hasattr(values, "dtype") else None
    if raw is None and isinstance(values, (list, tuple)):
        for v in values:
            if isinstance(v, bool) or type(v).__name__ == "bool_":
                raise InputError(f"{name} must be numbers; got bool {format_value(v)}")
    if raw is not None:
        dt = getattr(raw, "dtype", None)
        if dt is not None and str(dt) in ("bool", "boolean"):
            raise InputError(f"{name} must be numbers; got booleans")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        shown = format_value(values, limit=80) if np.ndim(values) == 0 else repr(
            list(values)[:5] if isinstance(values, Iterable) else values)[:80]
        raise InputError(
            f"{name} must be numbers; got {shown} (convert text such as '7B' to raw "
            "counts like 7e9 first)"
        ) from exc
    return np.atleast_1d(arr)


def check_finite_positive(name: str, values: Any, *, allow_zero: bool = False) -> None:
    """Raise :class:`InputError` unless every value is finite and positive.

    Parameters
    ----------
    name
        The quantity's name, used in the message.
    values
        The values to check.
    allow_zero
        Accept zeros.
    """
    import numpy as np

    v = np.asarray(values, dtype=float)
    bad = ~np.isfinite(v) | ((v < 0) if allow_zero else (v <= 0))
    if bad.any():
        first = float(v[bad][0])
        sign = "non-negative" if allow_zero else "positive"
        raise InputError(
            f"{name} must be finite and {sign}; got {format_value(first)} "
            f"({int(bad.sum())} bad value(s) of {v.size})"
        )


def _first_bad(values: Any, name: str, labels: Sequence[Any] | None, label: str,
               check: Any) -> np.ndarray:
    import numpy as np

    arr = as_float_array(name, values)
    flat = arr.ravel()
    for i, v in enumerate(flat.tolist()):
        check(v, name, where=_label(labels, i, label))
    return arr if isinstance(arr, np.ndarray) else np.asarray(arr)


def check_scores(values: Any, name: str = "score", *, labels: Sequence[Any] | None = None,
                 label: str = "model") -> np.ndarray:
    """Scores as a float array, each checked by :func:`check_score`.

    Parameters
    ----------
    values
        Scalar or array-like of scores.
    name
        Field name used in the message.
    labels
        One label per value, shown in the message.
    label
        What a label is (``"model"``).

    Returns
    -------
    numpy.ndarray
        Float array of at least one dimension.
    """
    return _first_bad(values, name, labels, label, check_score)


def check_stderrs(values: Any, name: str = "stderr", *, labels: Sequence[Any] | None = None,
                  label: str = "model") -> np.ndarray:
    """Standard errors as a float array (NaN = missing), each checked by :func:`check_stderr`.

    Parameters
    ----------
    values
        Scalar or array-like of standard errors; ``None``/NaN entries are missing.
    name
        Field name used in the message.
    labels
        One label per value, shown in the message.
    label
        What a label is (``"model"``).

    Returns
    -------
    numpy.ndarray
        Float array, NaN where missing.
    """
    import numpy as np

    if isinstance(values, (list, tuple)):
        values = [np.nan if v is None else v for v in values]
    return _first_bad(values, name, labels, label, check_stderr)


def check_param_counts(values: Any, name: str = "n_params", *,
                       labels: Sequence[Any] | None = None, label: str = "model",
                       allow_missing: bool = False) -> np.ndarray:
    """Parameter counts as a float array, each checked by :func:`check_param_count`.

    Parameters
    ----------
    values
        Scalar or array-like of raw counts.
    name
        Field name used in the message.
    labels
        One label per value, shown in the message.
    label
        What a label is (``"model"``).
    allow_missing
        Keep NaN entries (missing counts) instead of raising.

    Returns
    -------
    numpy.ndarray
        Float array of at least one dimension.
    """
    def check(v: float, name: str, *, where: str) -> None:
        if allow_missing and math.isnan(v):
            return
        check_param_count(v, name, where=where)

    return _first_bad(values, name, labels, label, check)


# -- fitted objects --------------------------------------------------------------------------


def check_is_fitted(obj: object, attributes: str | Sequence[str] | None = None, *,
                    method: str = "fit") -> None:
    """Raise :class:`NotFittedError` unless ``obj`` has been fitted.

    Parameters
    ----------
    obj
        The estimator.
    attributes
        Fitted attribute(s) that must be set (not ``None``). By default: any instance
        attribute whose name ends with ``_`` (scikit-learn's rule).
    method
        The method the message tells the user to call.
    """
    if attributes is None:
        fitted = any(
            k.endswith("_") and not k.startswith("__") and v is not None
            for k, v in getattr(obj, "__dict__", {}).items()
        )
    else:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = True
        for attr in names:
            try:
                if getattr(obj, attr) is None:
                    fitted = False
            except AttributeError:
                fitted = False
    if not fitted:
        raise NotFittedError(obj, method)


__all__ = [
    "BILLIONS_BELOW",
    "EARLIEST_RELEASE_DATE",
    "FUTURE_MARGIN_DAYS",
    "as_float_array",
    "as_rng",
    "check_choice",
    "check_ci",
    "check_finite_positive",
    "check_frontier",
    "check_integer",
    "check_is_fitted",
    "check_n_bootstrap",
    "check_number",
    "check_param_count",
    "check_param_count_name",
    "check_param_counts",
    "check_protocol_map",
    "check_random_state",
    "check_release_date",
    "check_release_dates",
    "check_scalar",
    "check_score",
    "check_scores",
    "check_stderr",
    "check_stderrs",
    "check_tokens",
    "format_value",
    "latest_release_date",
]
