"""Scalar field rules: formatting values for messages, numbers, choices and maps."""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from densing.conventions import FRONTIERS, PARAM_COUNTS
from densing.exceptions import InputError

if TYPE_CHECKING:
    import numpy as np

#: parameter counts below this are taken for billions typed as raw counts (7 for 7e9)
BILLIONS_BELOW = 1e4



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


def check_number(value: Any, name: str, *, where: str = "", hint: str = "") -> float:
    """A real number (any value, NaN and infinities included), or :class:`InputError`.

    Parameters
    ----------
    hint
        Example of a valid value for the message, e.g. ``"such as 1e12"``.
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


def check_scalar(value: Any, name: str, *, low: float | None = None,
                 high: float | None = None, include_low: bool = True,
                 include_high: bool = True, integer: bool = False, where: str = "",
                 hint: str = "") -> float:
    """A finite number within bounds, or :class:`InputError` (scikit-learn's ``check_scalar``).

    Parameters
    ----------
    low, high
        Bounds; ``None`` for none.
    include_low, include_high
        Whether each bound itself is allowed.
    integer
        Require an integral value.
    hint
        What a valid value looks like, appended to the message.
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
    """A score: a finite fraction in ``[0, 1]``."""
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
    """A score's standard error: missing (``None``/NaN) or a finite fraction in ``[0, 1]``."""
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
    """A parameter count: a finite raw count of at least :data:`BILLIONS_BELOW`."""
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
    """A token count: finite and positive."""
    v = check_number(value, name, where=where, hint="such as 1e12")
    if not math.isfinite(v) or v <= 0:
        raise InputError(
            f"{name}={format_value(value)}{_where(where)} must be finite and positive "
            "(a raw count such as 1e12)"
        )
    return v


def check_ci(value: Any, name: str = "ci") -> float:
    """A confidence level strictly between 0 and 1."""
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
    minimum, maximum
        Inclusive bounds; ``None`` for none.
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
    minimum
        Smallest count allowed.
    """
    return check_integer(value, name, minimum=minimum)


def check_random_state(value: Any, name: str = "random_state") -> Any:
    """A seed that :func:`numpy.random.default_rng` takes, returned unchanged.

    ``None``, a non-negative integer, or a numpy ``Generator``, ``BitGenerator`` or
    ``SeedSequence``.
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
    """
    import numpy as np

    return np.random.default_rng(check_random_state(random_state, name))


# -- choices and maps ------------------------------------------------------------------------


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """One of a fixed set of names.

    Parameters
    ----------
    choices
        The allowed names.
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
    allowed
        The names this caller supports.
    """
    return check_choice(value, "param_count", allowed)


def check_frontier(value: Any) -> str:
    """A frontier method name (see :data:`densing.conventions.FRONTIERS`)."""
    return check_choice(value, "frontier", FRONTIERS)


def check_protocol_map(value: Any, name: str = "protocol_map") -> dict[str, str] | None:
    """A mapping of score protocols onto frame protocols, or ``None``."""
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
