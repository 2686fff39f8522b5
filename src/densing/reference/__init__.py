"""The reference frame: fitted laws per benchmark, and score -> effective parameter count.

* :class:`ReferenceFrame` -- fits steps 1 and 2 of the densing method per benchmark on a tidy
  table of reference runs; a collection of :class:`BenchmarkFit` (``frame["hellaswag"]``).
* :class:`BenchmarkFit` -- one benchmark's laws, with the array-level
  :meth:`~BenchmarkFit.invert` (score -> ``N_hat`` with a censoring status).
* :func:`load_frame` -- the bundled frames by name, or a saved JSON file (``catalogue``);
  :func:`resolve_frame` -- any way of naming a frame; :func:`frame_info` -- a frame's
  benchmarks, protocols, averages, convention and tokens, without fitting.
* :func:`holdout_validation` -- fit on small runs, predict the held-out large ones.
* :func:`cross_validate_frame` -- the same inside the ladder, to choose settings.
* :func:`build_averages` -- the averaged benchmarks (the paper's AVERAGE).
"""

from __future__ import annotations

from densing.reference._defaults import (
    CHANCE_LEVELS,  # noqa: F401 (internal, not in __all__)
    DEFAULT_AVERAGES,  # noqa: F401 (internal, not in __all__)
    DEFAULT_BENCHMARK,  # noqa: F401 (internal, not in __all__)
    DEFAULT_FRAME_BENCHMARKS,  # noqa: F401 (internal, not in __all__)
    DEFAULT_PARAM_COUNT,  # noqa: F401 (internal, not in __all__)
    DEFAULT_TOKENS,  # noqa: F401 (internal, not in __all__)
    EXTRAPOLATION_FACTOR,  # noqa: F401 (internal, not in __all__)
    LOW_CEILING,  # noqa: F401 (internal, not in __all__)
    NEAR_ASYMPTOTE,  # noqa: F401 (internal, not in __all__)
    PARAM_COLUMNS,  # noqa: F401 (internal, not in __all__)
    REQUIRED_COLUMNS,  # noqa: F401 (internal, not in __all__)
    SMALL_ALPHA,  # noqa: F401 (internal, not in __all__)
    STATUSES,  # noqa: F401 (internal, not in __all__)
    FrameParamCount,
)
from densing.reference._runs import chance_level, validate_runs
from densing.reference.averages import average_tasks, build_averages, combine_stderr
from densing.reference.benchmark_fit import BenchmarkFit, Inversion, draws_interval
from densing.reference.catalogue import (
    SHIPPED_FRAMES,  # noqa: F401 (internal, not in __all__)
    FrameInfo,
    frame_info,
    is_frame_path,
    load_frame,
    resolve_frame,
)
from densing.reference.frame import ReferenceFrame
from densing.reference.holdout import (
    DEFAULT_CV_FOLDS,  # noqa: F401 (internal, not in __all__)
    HOLDOUT_BAR,  # noqa: F401 (internal, not in __all__)
    cross_validate_frame,
    holdout_errors,
    holdout_validation,
)

# The constants imported above (defaults, thresholds, status names, column sets) stay
# importable for the modules and scripts that use them, but are not the public API (issue 21
# section 3): the public names are the classes and functions below.
__all__ = [
    "BenchmarkFit",
    "FrameInfo",
    "FrameParamCount",
    "Inversion",
    "ReferenceFrame",
    "average_tasks",
    "build_averages",
    "chance_level",
    "combine_stderr",
    "cross_validate_frame",
    "draws_interval",
    "frame_info",
    "holdout_errors",
    "holdout_validation",
    "is_frame_path",
    "load_frame",
    "resolve_frame",
    "validate_runs",
]
