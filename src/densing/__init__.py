"""densing: capability density of large language models and the densing law.

Measures a model's *effective* parameter size against a reference family of models (via a
loss scaling law and a loss-to-score sigmoid), its density ``rho = N_hat / N``, and the
exponential growth of the density frontier over release dates (Xiao et al. 2024,
arXiv:2412.04315).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from densing.exceptions import (
    ConvergenceError,
    DataFormatError,
    DensingError,
    DensingWarning,
    ExtrapolationWarning,
    FitQualityWarning,
    InputError,
    NotFittedError,
    ProtocolMismatchError,
    ScoreOutOfRangeError,
)

try:
    __version__ = version("densing")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "ConvergenceError",
    "DataFormatError",
    "DensingError",
    "DensingWarning",
    "ExtrapolationWarning",
    "FitQualityWarning",
    "InputError",
    "NotFittedError",
    "ProtocolMismatchError",
    "ScoreOutOfRangeError",
    "__version__",
]
