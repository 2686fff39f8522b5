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
    CHANCE_LEVELS,
    DEFAULT_AVERAGES,
    DEFAULT_BENCHMARK,
    DEFAULT_FRAME_BENCHMARKS,
    DEFAULT_PARAM_COUNT,
    DEFAULT_TOKENS,
    EXTRAPOLATION_FACTOR,
    LOW_CEILING,
    NEAR_ASYMPTOTE,
    PARAM_COLUMNS,
    REQUIRED_COLUMNS,
    SMALL_ALPHA,
    STATUS_ALIASES,
    STATUSES,
    FrameParamCount,
    canonical_statuses,
)
from densing.reference._runs import chance_level, validate_runs
from densing.reference.averages import average_tasks, build_averages, combine_stderr
from densing.reference.benchmark_fit import BenchmarkFit, Inversion, draws_interval
from densing.reference.catalogue import (
    SHIPPED_FRAMES,
    FrameInfo,
    frame_info,
    is_frame_path,
    load_frame,
    resolve_frame,
)
from densing.reference.frame import ReferenceFrame
from densing.reference.holdout import (
    DEFAULT_CV_FOLDS,
    HOLDOUT_BAR,
    cross_validate_frame,
    holdout_errors,
    holdout_validation,
)

__all__ = [
    "CHANCE_LEVELS",
    "DEFAULT_AVERAGES",
    "DEFAULT_BENCHMARK",
    "DEFAULT_CV_FOLDS",
    "DEFAULT_FRAME_BENCHMARKS",
    "DEFAULT_PARAM_COUNT",
    "DEFAULT_TOKENS",
    "EXTRAPOLATION_FACTOR",
    "HOLDOUT_BAR",
    "LOW_CEILING",
    "NEAR_ASYMPTOTE",
    "PARAM_COLUMNS",
    "REQUIRED_COLUMNS",
    "SHIPPED_FRAMES",
    "SMALL_ALPHA",
    "STATUSES",
    "STATUS_ALIASES",
    "BenchmarkFit",
    "FrameInfo",
    "FrameParamCount",
    "Inversion",
    "ReferenceFrame",
    "average_tasks",
    "build_averages",
    "canonical_statuses",
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
