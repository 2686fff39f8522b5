"""Release-date rules: one date, or an array of them."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from densing._validation._scalars import _is_missing, _label, _where, format_value
from densing.exceptions import InputError

if TYPE_CHECKING:
    import numpy as np

#: earliest release date accepted (older dates are almost surely typos)
EARLIEST_RELEASE_DATE = _dt.date(2015, 1, 1)
#: how far past today a release date may lie (announced models), in days
FUTURE_MARGIN_DAYS = 366

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")


def latest_release_date() -> _dt.date:
    """The latest release date accepted: :data:`FUTURE_MARGIN_DAYS` after today (UTC)."""
    today = _dt.datetime.now(_dt.timezone.utc).date()
    return today + _dt.timedelta(days=FUTURE_MARGIN_DAYS)


def check_release_date(value: Any, name: str = "release_date", *, where: str = "",
                       allow_missing: bool = False, earliest: _dt.date = EARLIEST_RELEASE_DATE,
                       latest: _dt.date | None = None) -> _dt.date | None:
    """A release date within the window, as a ``datetime.date``.

    Accepts ``"YYYY-MM-DD"`` (optionally followed by a time after ``T`` or a space), a
    ``datetime.date``/``datetime``/``pandas.Timestamp`` or a ``numpy.datetime64``.

    Parameters
    ----------
    allow_missing
        Return ``None`` for a missing value (``None``, NaN, NaT, ``""``) instead of raising.
    earliest, latest
        The window; ``latest`` defaults to :func:`latest_release_date`.
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


def check_release_dates(values: Any, name: str = "release_date", *,
                        labels: Sequence[Any] | None = None, label: str = "model",
                        allow_missing: bool = False) -> np.ndarray:
    """Release dates as ``datetime64[D]``, each checked by :func:`check_release_date`.

    Parameters
    ----------
    allow_missing
        Keep missing values as ``NaT`` instead of raising.
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
