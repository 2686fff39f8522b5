"""The time-window rule: a span of release dates, either end open."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from densing._validation._dates import check_release_date
from densing._validation._scalars import format_value
from densing.exceptions import InputError

#: what a window looks like, for messages
_FORMS = "(start, end) or 'START:END' (ISO dates YYYY-MM-DD, either may be empty or None)"


def _end(value: Any, name: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        day = check_release_date(value, name, earliest=_dt.date.min, latest=_dt.date.max)
    except InputError:
        raise InputError(
            f"{name} date {format_value(value)} is not an ISO date YYYY-MM-DD"
        ) from None
    assert day is not None
    return day.isoformat()


def check_window(window: Any, name: str = "window") -> tuple[str | None, str | None]:
    """A window of release dates as ``(start, end)`` ISO strings, ``None`` for an open end.

    The one rule behind every ``window=`` of the API (``DensingTrend``, ``reproduce``,
    ``sensitivity``); both ends are inclusive.

    Parameters
    ----------
    window
        ``None`` (all dates); a ``"START:END"`` string such as ``"2023-01-01:2024-06-30"``
        (either side may be empty: ``"2023-01-01:"``); or a pair ``(start, end)`` whose
        items are ISO strings, ``datetime.date``/``datetime``/``pandas.Timestamp``,
        ``numpy.datetime64`` or ``None``.

    Returns
    -------
    tuple
        ``(start, end)``, each ``"YYYY-MM-DD"`` or ``None``.

    Raises
    ------
    densing.InputError
        On another form, a date that is not ISO, or a start after the end.
    """
    if window is None:
        return (None, None)
    if isinstance(window, str):
        if ":" not in window:
            raise InputError(f"{name} must be START:END (ISO dates, either may be empty); got "
                             f"{format_value(window)}")
        parts: tuple[Any, ...] = tuple(window.split(":", 1))
    elif isinstance(window, (tuple, list)):
        parts = tuple(window)
        if len(parts) != 2:
            raise InputError(f"{name} must be (start, end); got {format_value(window)}")
    else:
        raise InputError(f"{name}={format_value(window)} must be {_FORMS}")
    start, end = _end(parts[0], name), _end(parts[1], name)
    if start is not None and end is not None and start > end:
        raise InputError(f"{name} start {start} is after its end {end}")
    return (start, end)
