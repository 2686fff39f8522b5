"""Argument checks of the frame and density APIs: one line naming the field and the value.

Local rules until the shared :mod:`densing._validation` module carries them.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from densing.exceptions import InputError, NotFittedError

__all__ = [
    "check_ci", "check_is_fitted", "check_n_bootstrap", "check_random_state", "check_scores",
    "check_tokens", "show",
]


def show(value: Any) -> str:
    """A value as a user reads it in a message: ``2.0``, ``nan``, ``'abc'``, ``True``."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    if isinstance(value, (np.floating, float)):
        return repr(float(value))
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def check_tokens(value: Any, name: str = "tokens") -> float:
    """A data budget ``D0``: a finite positive number of tokens.

    Parameters
    ----------
    value
        The value given.
    name
        The field's name in the message.

    Returns
    -------
    float
        The value.
    """
    if not _real(value) or not math.isfinite(float(value)) or float(value) <= 0:
        raise InputError(f"{name} (D0) must be a finite positive number of tokens; "
                         f"got {show(value)}")
    return float(value)


def check_ci(value: Any) -> float:
    """A confidence level strictly between 0 and 1.

    Parameters
    ----------
    value
        The value given.

    Returns
    -------
    float
        The level.
    """
    if not _real(value) or not (0.0 < float(value) < 1.0):
        raise InputError(f"ci must be a confidence level in (0, 1), e.g. 0.95; got {show(value)}")
    return float(value)


def check_n_bootstrap(value: Any) -> int:
    """A bootstrap count: an integer >= 0 (0: no bootstrap).

    Parameters
    ----------
    value
        The value given.

    Returns
    -------
    int
        The count.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or int(value) < 0:
        raise InputError(f"n_bootstrap must be an integer >= 0; got {show(value)}")
    return int(value)


def check_random_state(value: Any) -> int | np.random.Generator | None:
    """A seed: ``None``, a non-negative integer or a :class:`numpy.random.Generator`.

    Parameters
    ----------
    value
        The value given.

    Returns
    -------
    int, Generator or None
        The seed.
    """
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or int(value) < 0:
        raise InputError(
            f"random_state must be None or an integer >= 0 (a seed); got {show(value)}")
    return int(value)


def check_scores(value: Any, *, ravel: bool = True, check_range: bool = True) -> np.ndarray:
    """Scores as a float array of fractions in [0, 1].

    Parameters
    ----------
    value
        A score or array-like of scores.
    ravel
        Flatten to 1-D.
    check_range
        Require finite values in [0, 1] (off for bootstrap draws, which keep NaN).

    Returns
    -------
    numpy.ndarray
        The scores, at least 1-D.
    """
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"score must be a number in [0, 1]; got {show(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise InputError(f"score must be numbers in [0, 1]; got {show(value)}") from None
    if raw.dtype == bool:
        raise InputError(f"score must be numbers in [0, 1], not booleans; got {show(value)}")
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        raise InputError(f"score must be numbers in [0, 1]; got {show(value)}") from None
    if ravel:
        arr = arr.ravel()
    if check_range:
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InputError(f"score must be finite; got {show(arr[bad][0])}")
        out = (arr < 0) | (arr > 1)
        if out.any():
            first = float(arr[out][0])
            hint = " (percentages? divide by 100)" if first > 1 else ""
            raise InputError(f"score must be a fraction in [0, 1]; got {show(first)}{hint}")
    return arr


def check_is_fitted(obj: Any, attribute: str = "fits_", method: str = "fit") -> Any:
    """The fitted attribute of ``obj``; :class:`~densing.NotFittedError` while it is unset.

    Parameters
    ----------
    obj
        A fitted object (e.g. a :class:`~densing.reference.ReferenceFrame`).
    attribute
        The attribute that fitting sets.
    method
        The method the message tells the user to call.

    Returns
    -------
    object
        The attribute's value.
    """
    value = getattr(obj, attribute, None)
    if value is None:
        raise NotFittedError(obj, method)
    return value
