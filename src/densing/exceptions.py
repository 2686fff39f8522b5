"""Exceptions and warnings raised by densing.

Every error densing raises on purpose derives from :class:`DensingError`, so a caller can
catch the whole family with one ``except``. Input errors also derive from ``ValueError`` so
generic code that expects ``ValueError`` for bad arguments keeps working.
"""

from __future__ import annotations

from typing import Any


class DensingError(Exception):
    """Base class of every error densing raises on purpose."""


class InputError(DensingError, ValueError):
    """Bad input: a value, column, file or shape that densing cannot use.

    The message names the bad value and says what to do about it.
    """


class DataFormatError(InputError):
    """A file (CSV, JSON, JSONL) is missing, truncated or has the wrong types."""


class NotFittedError(DensingError, AttributeError):
    """A fitted attribute or method was used before ``fit`` was called."""

    def __init__(self, obj: object, method: str = "fit") -> None:
        name = type(obj).__name__
        super().__init__(
            f"This {name} is not fitted yet: call {name}.{method}(...) before using it."
        )


class ConvergenceError(DensingError, RuntimeError):
    """A fit did not converge from any start.

    Parameters
    ----------
    message
        What failed.
    partial
        The best (non-converged) result found, for inspection.
    """

    def __init__(self, message: str, partial: Any = None) -> None:
        super().__init__(message)
        self.partial = partial


class ScoreOutOfRangeError(InputError):
    """A score lies outside the range where the reference frame can be inverted.

    Attributes
    ----------
    score
        The offending score.
    valid_range
        ``(low, high)``: the open interval of scores that can be inverted.
    status
        The censoring status (``below_floor``, ``above_ceiling`` or ``above_frame_range``).
    """

    def __init__(
        self, score: float, valid_range: tuple[float, float], status: str, benchmark: str = ""
    ) -> None:
        self.score = float(score)
        self.valid_range = (float(valid_range[0]), float(valid_range[1]))
        self.status = status
        self.benchmark = benchmark
        where = f" on {benchmark!r}" if benchmark else ""
        super().__init__(
            f"score {self.score:.4g}{where} is outside the invertible range "
            f"({self.valid_range[0]:.4g}, {self.valid_range[1]:.4g}) [{status}]; "
            "pass strict=False to get a censoring status instead of an error"
        )


class UsageError(DensingError):
    """Bad command-line usage (unknown option, missing or malformed argument).

    Parameters
    ----------
    prog
        The program (``densing trend``) whose usage was wrong.
    message
        What was wrong.
    """

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class OutputError(DensingError, OSError):
    """A file could not be written (a full disk, a file-size limit, a read-only file system,
    ...). The message names the file and the reason; no partial file is left behind."""


class ScoringError(DensingError, RuntimeError):
    """A request came back from the engine without a finite log-likelihood (NaN, infinite,
    missing); the message names it, and nothing (no score, no density) is computed from it.
    ``densing measure`` and ``densing evaluate`` exit with status 1."""


class LeaderboardLockError(DensingError, TimeoutError):
    """Another process held the leaderboard's lock for longer than the timeout."""


class LeaderboardReadOnlyError(OutputError):
    """A change was asked of a leaderboard whose directory cannot be written (a read-only
    mount or permissions); reading it still works."""


class LeaderboardDamagedError(DataFormatError):
    """The log, the tables and ``meta.json`` disagree; ``densing leaderboard repair`` fixes it."""


class DensingWarning(UserWarning):
    """Base class of densing's warnings."""


class ExtrapolationWarning(DensingWarning):
    """A result relies on extrapolation far outside the reference data."""


class FitQualityWarning(DensingWarning):
    """A fit succeeded but shows a known trap (tiny exponent, low ceiling, ...)."""


__all__ = [
    "ConvergenceError",
    "DataFormatError",
    "DensingError",
    "DensingWarning",
    "ExtrapolationWarning",
    "FitQualityWarning",
    "InputError",
    "LeaderboardDamagedError",
    "LeaderboardLockError",
    "LeaderboardReadOnlyError",
    "NotFittedError",
    "OutputError",
    "ScoreOutOfRangeError",
    "ScoringError",
    "UsageError",
]
