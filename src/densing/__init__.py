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

from densing.datasets import (  # noqa: E402
    data_version,
    load_models,
    load_paper_models,
    load_reference_runs,
    load_scores,
)
from densing.density import (  # noqa: E402
    LLV1_PROTOCOL_MAP,
    compute_density,
    density_draws,
    model_densities,
)
from densing.laws import LossLaw, ScoreLaw  # noqa: E402
from densing.reference import ReferenceFrame, holdout_validation, load_frame  # noqa: E402
from densing.report import reproduce, sensitivity  # noqa: E402
from densing.trend import DensingTrend  # noqa: E402


def __getattr__(name: str) -> object:
    # heavier or optional parts load on first use
    if name == "Leaderboard":
        from densing.leaderboard import Leaderboard

        return Leaderboard
    raise AttributeError(f"module 'densing' has no attribute {name!r}")

__all__ = [
    "LLV1_PROTOCOL_MAP",
    "DensingTrend",
    "Leaderboard",
    "LossLaw",
    "ReferenceFrame",
    "ScoreLaw",
    "compute_density",
    "data_version",
    "density_draws",
    "holdout_validation",
    "load_frame",
    "load_models",
    "load_paper_models",
    "load_reference_runs",
    "load_scores",
    "model_densities",
    "reproduce",
    "sensitivity",
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
