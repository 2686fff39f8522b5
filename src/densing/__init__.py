"""densing: capability density of large language models and the densing law.

Measures a model's *effective* parameter size against a reference family of models (via a
loss scaling law and a loss-to-score sigmoid), its density ``rho = N_hat / N``, and the
exponential growth of the density frontier over release dates (Xiao et al. 2024,
arXiv:2412.04315).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from densing.exceptions import (
    ConvergenceError,
    DataFormatError,
    DensingError,
    DensingWarning,
    ExtrapolationWarning,
    FitQualityWarning,
    InputError,
    NotFittedError,
    ScoreOutOfRangeError,
)

#: the installed version (importlib.metadata), looked up on first use
__version__: str

if TYPE_CHECKING:
    from densing._summary import Summary
    from densing.datasets import (
        data_version,
        load_models,
        load_paper_models,
        load_reference_runs,
        load_scores,
    )
    from densing.density import (
        LLV1_PROTOCOL_MAP,
        compute_density,
        density_bounds,
        density_draws,
        model_densities,
    )
    from densing.laws import LossLaw, ScoreLaw
    from densing.leaderboard import Leaderboard
    from densing.reference import BenchmarkFit, ReferenceFrame, holdout_validation, load_frame
    from densing.report import reproduce, sensitivity
    from densing.trend import DensingTrend, LineFit, PeriodComparison

#: public name -> module that defines it; imported on first use, so that ``import densing``
#: (and ``densing --version``) does not load numpy, pandas or scipy
_LAZY: dict[str, str] = {
    "data_version": "densing.datasets",
    "load_models": "densing.datasets",
    "load_paper_models": "densing.datasets",
    "load_reference_runs": "densing.datasets",
    "load_scores": "densing.datasets",
    "LLV1_PROTOCOL_MAP": "densing.density",
    "compute_density": "densing.density",
    "density_bounds": "densing.density",
    "density_draws": "densing.density",
    "model_densities": "densing.density",
    "LossLaw": "densing.laws",
    "ScoreLaw": "densing.laws",
    "Leaderboard": "densing.leaderboard",
    "BenchmarkFit": "densing.reference",
    "ReferenceFrame": "densing.reference",
    "holdout_validation": "densing.reference",
    "load_frame": "densing.reference",
    "reproduce": "densing.report",
    "sensitivity": "densing.report",
    "DensingTrend": "densing.trend",
    "LineFit": "densing.trend",
    "PeriodComparison": "densing.trend",
    "Summary": "densing._summary",
}


def __getattr__(name: str) -> object:
    if name == "__version__":
        from densing._version import version

        globals()[name] = value = version()
        return value
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'densing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "LLV1_PROTOCOL_MAP",
    "BenchmarkFit",
    "DensingTrend",
    "LineFit",
    "PeriodComparison",
    "Summary",
    "Leaderboard",
    "LossLaw",
    "ReferenceFrame",
    "ScoreLaw",
    "compute_density",
    "data_version",
    "density_bounds",
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
    "ScoreOutOfRangeError",
    "__version__",
]
