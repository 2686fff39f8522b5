"""Array forms of the field rules, and the fitted-object check."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from densing._validation._scalars import (
    _label,
    check_param_count,
    check_score,
    check_stderr,
    format_value,
)
from densing.exceptions import InputError, NotFittedError

if TYPE_CHECKING:
    import numpy as np


def as_float_array(name: str, values: Any) -> np.ndarray:
    """Convert ``values`` to a float array of at least one dimension; text and booleans fail."""
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
    """Scores as a 1-D float array, each checked by :func:`check_score`.

    A scalar is one score; a 2-D array is refused (one score per row, never flattened).
    """
    import numpy as np

    try:
        ndim = np.ndim(values)
    except ValueError:  # ragged nesting: as_float_array names it
        ndim = 1
    if ndim > 1:
        raise InputError(f"{name} must be one score per row (a 1-D array); got "
                         f"{format_value(np.asarray(values))}")
    return _first_bad(values, name, labels, label, check_score)


def check_stderrs(values: Any, name: str = "stderr", *, labels: Sequence[Any] | None = None,
                  label: str = "model") -> np.ndarray:
    """Standard errors as a float array (NaN = missing), each checked by :func:`check_stderr`."""
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
    allow_missing
        Keep NaN entries (missing counts) instead of raising.
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
