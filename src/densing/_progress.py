"""A tiny progress-bar helper on top of :mod:`tqdm`.

Bars go to stderr and only appear when stderr is an interactive terminal, so logs, pipes,
CI runs and pytest output stay clean. Internal: import it as ``densing._progress.progress``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm.std import tqdm as _plain_tqdm

T = TypeVar("T")


def _bar_class() -> Any:
    """Notebook bars when ipywidgets is importable, plain text bars otherwise.

    ``tqdm.auto`` warns ("IProgress not found") in a notebook without ipywidgets; this
    never imports it, so ``import densing`` prints nothing.
    """
    if "ipykernel" in sys.modules and importlib.util.find_spec("ipywidgets") is not None:
        try:
            from tqdm.notebook import tqdm as notebook_tqdm
        except ImportError:  # pragma: no cover - tqdm without its notebook module
            return _plain_tqdm
        return notebook_tqdm
    return _plain_tqdm


def _stderr_is_tty() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def progress(
    iterable_or_total: Iterable[T] | int,
    desc: str | None = None,
    disable: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Wrap an iterable (or a count) in a progress bar that is silent off a terminal.

    Parameters
    ----------
    iterable_or_total
        The iterable to wrap, or an ``int``: the total number of steps of a bar that the
        caller advances with ``bar.update(k)`` (use it as a context manager).
    desc
        Label shown before the bar.
    disable
        ``True`` hides the bar, ``False`` shows it even off a terminal, ``None`` (default)
        shows it only when stderr is a TTY.
    **kwargs
        Passed on to :class:`tqdm.tqdm`.

    Returns
    -------
    tqdm.tqdm
        The bar; iterate over it (iterable form) or call ``update`` on it (count form).

    Examples
    --------
    >>> from densing._progress import progress
    >>> sum(progress(range(3), desc="demo", disable=True))
    3
    """
    if disable is None:
        disable = not _stderr_is_tty()
    kwargs.setdefault("leave", False)
    kwargs.setdefault("file", sys.stderr)
    bar = _bar_class()
    if isinstance(iterable_or_total, int):
        return bar(total=iterable_or_total, desc=desc, disable=disable, **kwargs)
    return bar(iterable_or_total, desc=desc, disable=disable, **kwargs)


__all__ = ["RateReporter", "disable", "progress"]


def disable(progress: bool | None) -> bool | None:
    """The ``disable`` argument of :func:`progress` for a ``progress`` setting."""
    return None if progress is None else not progress


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class RateReporter:
    """Requests done of a total, requests/s and ETA: a bar on a terminal, lines elsewhere.

    On a terminal (or ``tty=True``) it is a :func:`progress` bar; off one, a plain line on
    stderr after the first requests scored (the first rate and ETA), then at most every
    ``interval`` seconds, and one at the end, never a redrawn bar. The
    rate counts only requests scored in this run (``update``), not those read from the cache
    (``skip``).

    Parameters
    ----------
    total
        Requests in the run.
    desc
        Label before each line.
    enabled
        ``False`` prints nothing.
    interval
        Seconds between lines off a terminal.
    tty
        Force the bar (``True``) or the lines (``False``); default: whether stderr is a TTY.
    """

    def __init__(self, total: int, desc: str = "scoring", *, enabled: bool = True,
                 interval: float = 5.0, tty: bool | None = None) -> None:
        self.total = int(total)
        self.desc = desc
        self.enabled = enabled
        self.interval = float(interval)
        self.tty = _stderr_is_tty() if tty is None else tty
        self.done = 0
        self.scored = 0
        self.start = time.perf_counter()
        self._last = self.start
        self._bar = (progress(self.total, desc=desc, disable=False, unit="req")
                     if enabled and self.tty else None)

    def rate(self) -> float:
        """Requests per second scored in this run (0 before any)."""
        elapsed = time.perf_counter() - self.start
        return self.scored / elapsed if elapsed > 0 and self.scored else 0.0

    def line(self) -> str:
        """The progress line: done/total, percent, requests/s and ETA."""
        pct = 100.0 * self.done / self.total if self.total else 100.0
        rate = self.rate()
        eta = _duration((self.total - self.done) / rate) if rate > 0 else "?"
        return (f"{self.desc}: {self.done}/{self.total} requests ({pct:.0f}%), "
                f"{rate:.2f} requests/s, ETA {eta}")

    def skip(self, n: int) -> None:
        """Count ``n`` requests taken from the cache."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def update(self, n: int) -> None:
        """Count ``n`` requests scored now; print a line when ``interval`` has passed."""
        if n <= 0:
            return
        self.done += n
        self.scored += n
        if self._bar is not None:
            self._bar.update(n)
            rate = self.rate()
            if rate > 0:
                self._bar.set_postfix_str(
                    f"{rate:.2f} req/s, ETA {_duration((self.total - self.done) / rate)}",
                    refresh=False)
            return
        now = time.perf_counter()
        # off a terminal: a line as soon as a rate is known, then one every ``interval``
        if self.enabled and (self.scored == n or now - self._last >= self.interval):
            self._last = now
            print(self.line(), file=sys.stderr, flush=True)

    def close(self) -> None:
        """Close the bar, or print the last line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self.enabled:
            elapsed = time.perf_counter() - self.start
            print(f"{self.desc}: {self.done}/{self.total} requests, {self.scored} scored in "
                  f"{_duration(elapsed)} ({self.rate():.2f} requests/s)",
                  file=sys.stderr, flush=True)
