"""The densing law: exponential growth of the density frontier over release dates.

:class:`DensingTrend` fits ``ln rho = A * t + B`` where ``t`` is the release date in days
since an origin (2023-02-24, Llama-1, by default) and ``rho`` a model's capability density
(Xiao et al. 2024, "Densing Law of LLMs", arXiv:2412.04315). The doubling time of the
density is ``ln 2 / A`` days.

Which models carry the fit is the *frontier*:

``"running_max"``
    The running-maximum envelope (the paper's choice): the models denser than every model
    released before them. Over two years this is a handful of points, and one strong early
    model can end it, so read it together with the other two.
``"quantile"``
    Linear quantile regression of ``ln rho`` on ``t`` at quantile ``q`` (0.9 by default):
    an upper line that uses every model. Solved exactly as a linear program (the dual of the
    standard quantile-regression LP) with HiGHS.
``"all"``
    Ordinary least squares on every model: the average trend, not the frontier's.

Uncertainty comes from a nonparametric case bootstrap over *models*: each resample draws
the models with replacement, recomputes its own frontier and refits; intervals are
percentile intervals. The frontier's own uncertainty (which models make the envelope)
dominates the error (docs/method.md#trap-small-frontier), so it must be resampled, not fixed. An
all-points
OLS fit is always computed beside the frontier fit (``all_points_``).

The package is split by job: ``_data`` (input validation and dates), ``_frontiers`` (the
envelope, OLS and quantile kernels), ``_bootstrap`` (the case bootstrap), ``results``
(:class:`LineFit`, :class:`PeriodComparison`) and ``_estimator`` (:class:`DensingTrend`).
"""

from __future__ import annotations

from densing.trend._calibrate import calibrated_slope_interval
from densing.trend._censored import CensoredFit, censored_fit
from densing.trend._estimator import DensingTrend, Frontier
from densing.trend.results import (
    DAYS_PER_MONTH,
    LLAMA1_DATE,
    LineFit,
    PeriodComparison,
    line_fits_table,
)

__all__ = [
    "DAYS_PER_MONTH",
    "LLAMA1_DATE",
    "CensoredFit",
    "DensingTrend",
    "Frontier",
    "LineFit",
    "PeriodComparison",
    "calibrated_slope_interval",
    "censored_fit",
    "line_fits_table",
]
