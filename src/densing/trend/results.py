"""Result objects of the trend: one straight-line fit, and a comparison of two periods.

:class:`LineFit` is built in one place (:meth:`LineFit.from_draws`) for every fit densing
reports -- the frontier fit, the all-points OLS beside it and each period of
:meth:`~densing.trend.DensingTrend.compare_periods` -- and renders itself one way
(:meth:`LineFit.summary`, :func:`line_fits_table`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from densing._summary import Summary
from densing._validation import check_ci
from densing.conventions import DAYS_PER_MONTH
from densing.conventions import doubling_days as _doubling
from densing.trend._bootstrap import _percentile_ci, _std

#: Release date of Llama-1, the paper's time origin.
LLAMA1_DATE = "2023-02-24"
_LN2 = math.log(2.0)

#: the keys of ``DensingTrend.to_dict()["all_points"]`` (kept for the JSON outputs)
ALL_POINTS_KEYS = (
    "slope_per_day", "intercept", "doubling_time_days", "doubling_time_months", "r2",
    "n_models", "slope_ci", "doubling_time_months_ci",
)
#: the keys of each period in ``PeriodComparison.to_dict()``
PERIOD_KEYS = (
    "period", "n_models", "n_frontier", "slope_per_day", "slope_ci", "doubling_time_months",
    "doubling_time_months_ci", "r2", "frontier",
)


def _doubling_ci(slope_ci: tuple[float, float]) -> tuple[float, float]:
    """Doubling-time interval from a slope interval (the map is monotone decreasing)."""
    lo, hi = slope_ci
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return math.nan, math.nan
    return _doubling(hi), _doubling(lo)


def _doubling_se(slope: float, slope_se: float) -> float:
    """Delta-method standard error of the doubling time; NaN when the slope is <= 0."""
    if not (math.isfinite(slope) and slope > 0 and math.isfinite(slope_se)):
        return math.nan
    return _LN2 / slope**2 * slope_se


def _fmt_months(days: float, fmt: str = ".3g") -> str:
    """Days as months for text: ``nan``/``inf`` spelled out."""
    if math.isnan(days):
        return "nan"
    if math.isinf(days):
        return "inf"
    return format(days / DAYS_PER_MONTH, fmt)


@dataclass(frozen=True)
class LineFit:
    """A fit of ``ln rho = A * t + B`` with percentile bootstrap intervals.

    Attributes
    ----------
    method
        ``running_max``, ``quantile`` or ``all``: which models carried the fit.
    slope_per_day, intercept
        ``A`` and ``B``.
    r2
        OLS R² on the points used (pseudo-R¹ for ``quantile``).
    n_models, n_frontier
        Models in the fit's data, and those that carry it.
    ci
        Confidence level of the intervals (as ``DensingTrend(ci=...)``).
    slope_ci, intercept_ci
        Percentile intervals (NaN without a bootstrap).
    slope_se, intercept_se
        Bootstrap standard errors.
    n_failed
        Resamples without a defined fit.
    members
        Names of the models that carry the fit.
    period
        First and last release date (ISO) of the fit's data.
    """

    method: str
    slope_per_day: float
    intercept: float
    r2: float
    n_models: int
    n_frontier: int
    ci: float
    slope_ci: tuple[float, float]
    intercept_ci: tuple[float, float]
    slope_se: float
    intercept_se: float
    n_failed: int
    members: tuple[str, ...]
    period: tuple[str | None, str | None]

    @classmethod
    def from_draws(
        cls,
        *,
        method: str,
        slope: float,
        intercept: float,
        r2: float,
        ci: float,
        slope_draws: NDArray[np.float64],
        intercept_draws: NDArray[np.float64] | None = None,
        n_models: int,
        members: list[str],
        period: tuple[str | None, str | None],
    ) -> LineFit:
        """The one place a fit and its bootstrap draws become a result.

        Parameters
        ----------
        method
            Frontier method of the fit.
        slope, intercept, r2
            Point estimates.
        ci
            Confidence level of the percentile intervals, strictly between 0 and 1.
        slope_draws, intercept_draws
            Bootstrap estimates (NaN where a resample had no fit); ``intercept_draws``
            may be ``None`` (its interval is then NaN).
        n_models
            Models in the fit's data.
        members
            Models carrying the fit.
        period
            First and last release date (ISO).

        Returns
        -------
        LineFit
            The result.
        """
        level = check_ci(ci)
        nan2 = (math.nan, math.nan)
        return cls(
            method=str(method),
            slope_per_day=float(slope),
            intercept=float(intercept),
            r2=float(r2),
            n_models=int(n_models),
            n_frontier=len(members),
            ci=level,
            slope_ci=_percentile_ci(slope_draws, level),
            intercept_ci=nan2 if intercept_draws is None
            else _percentile_ci(intercept_draws, level),
            slope_se=_std(slope_draws),
            intercept_se=math.nan if intercept_draws is None else _std(intercept_draws),
            n_failed=int((~np.isfinite(slope_draws)).sum()),
            members=tuple(str(m) for m in members),
            period=(period[0], period[1]),
        )

    # -- derived quantities ------------------------------------------------------------

    @property
    def doubling_time_days(self) -> float:
        """``ln 2 / A`` in days (``inf`` when ``A <= 0``)."""
        return _doubling(self.slope_per_day)

    @property
    def doubling_time_months(self) -> float:
        """The doubling time in months of 30.44 days."""
        return self.doubling_time_days / DAYS_PER_MONTH

    @property
    def doubling_time_days_ci(self) -> tuple[float, float]:
        """The slope interval mapped through ``ln 2 / A`` (days)."""
        return _doubling_ci(self.slope_ci)

    @property
    def doubling_time_months_ci(self) -> tuple[float, float]:
        """The doubling-time interval in months."""
        lo, hi = self.doubling_time_days_ci
        return (lo / DAYS_PER_MONTH, hi / DAYS_PER_MONTH)

    @property
    def doubling_time_days_se(self) -> float:
        """Delta-method standard error of the doubling time in days."""
        return _doubling_se(self.slope_per_day, self.slope_se)

    @property
    def r2_name(self) -> str:
        """``pseudo-R¹`` for a quantile fit, ``R²`` otherwise."""
        return "pseudo-R¹" if self.method == "quantile" else "R²"

    def intervals(self) -> dict[str, tuple[float, float]]:
        """Intervals of slope, intercept and doubling time (days, months)."""
        return {
            "slope_per_day": self.slope_ci,
            "intercept": self.intercept_ci,
            "doubling_time_days": self.doubling_time_days_ci,
            "doubling_time_months": self.doubling_time_months_ci,
        }

    def std_errors(self) -> dict[str, float]:
        """Standard errors of slope, intercept and doubling time (days, months)."""
        se = self.doubling_time_days_se
        return {
            "slope_per_day": self.slope_se,
            "intercept": self.intercept_se,
            "doubling_time_days": se,
            "doubling_time_months": se / DAYS_PER_MONTH,
        }

    # -- rendering ---------------------------------------------------------------------

    def to_dict(self, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The fit as plain values.

        Parameters
        ----------
        keys
            Keys to keep, in this order (default: all). ``frontier`` is the member list.

        Returns
        -------
        dict
            Floats, ints, ISO dates and lists.
        """
        full: dict[str, Any] = {
            "method": self.method,
            "period": [self.period[0], self.period[1]],
            "n_models": self.n_models,
            "n_frontier": self.n_frontier,
            "slope_per_day": self.slope_per_day,
            "intercept": self.intercept,
            "doubling_time_days": self.doubling_time_days,
            "doubling_time_months": self.doubling_time_months,
            "r2": self.r2,
            "ci_level": self.ci,
            "slope_ci": [float(v) for v in self.slope_ci],
            "intercept_ci": [float(v) for v in self.intercept_ci],
            "doubling_time_months_ci": [float(v) for v in self.doubling_time_months_ci],
            "slope_se": self.slope_se,
            "intercept_se": self.intercept_se,
            "n_failed": self.n_failed,
            "frontier": list(self.members),
        }
        return full if keys is None else {k: full[k] for k in keys}

    def _one_line(self) -> str:
        """Slope, doubling time with its interval, and R² on one line."""
        lo, hi = self.doubling_time_days_ci
        return (
            f"slope {self.slope_per_day:.4g}/day, doubling "
            f"{_fmt_months(self.doubling_time_days)} months ({100 * self.ci:g}% CI "
            f"{_fmt_months(lo)} .. {_fmt_months(hi)}), {self.r2_name} {self.r2:.3f}"
        )

    def summary(self) -> Summary:
        """The fit as a :class:`~densing._summary.Summary` (it prints nothing).

        Returns
        -------
        Summary
            The doubling time with its interval first, then the slope with its interval,
            the fit quality, the counts and the period; ``str()`` of it is the text.
        """
        lo, hi = self.slope_ci
        dlo, dhi = self.doubling_time_days_ci
        return Summary(f"LineFit ({self.method})", header=[
            ("doubling time", f"{_fmt_months(self.doubling_time_days)} months "
                              f"({100 * self.ci:g}% CI {_fmt_months(dlo)} .. "
                              f"{_fmt_months(dhi)})"),
            ("slope", f"{self.slope_per_day:.4g}/day ({100 * self.ci:g}% CI {lo:.4g} .. "
                      f"{hi:.4g})"),
            (self.r2_name, f"{self.r2:.3f}"),
            ("models", f"{self.n_models} ({self.n_frontier} carry the fit)"),
            ("period", f"{self.period[0]} .. {self.period[1]}"),
        ])

    def print_summary(self) -> None:
        """Print :meth:`summary` as text."""
        print(self.summary().as_text())

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return (f"<LineFit {self.method}: {self.n_models} models, "
                f"doubling {_fmt_months(self.doubling_time_days, '.3g')} mo>")


def line_fits_table(fits: dict[str, LineFit]) -> pd.DataFrame:
    """Several line fits side by side, one row each (the one tabular rendering).

    Parameters
    ----------
    fits
        Row label -> fit.

    Returns
    -------
    pandas.DataFrame
        ``fit``, ``period``, ``n_models``, ``n_frontier``, ``slope_per_day``, ``slope_low``,
        ``slope_high``, ``doubling_months``, ``ci_low``, ``ci_high``, ``r2``.
    """
    rows = []
    for name, f in fits.items():
        lo, hi = f.doubling_time_months_ci
        rows.append({
            "fit": name, "period": f"{f.period[0]} .. {f.period[1]}",
            "n_models": f.n_models, "n_frontier": f.n_frontier,
            "slope_per_day": f.slope_per_day, "slope_low": f.slope_ci[0],
            "slope_high": f.slope_ci[1], "doubling_months": f.doubling_time_months,
            "ci_low": lo, "ci_high": hi, "r2": f.r2,
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True, repr=False)
class PeriodComparison:
    """The frontier refitted before and after a split date.

    Attributes
    ----------
    split
        First day of the second period (ISO).
    frontier
        Frontier method of both fits.
    before, after
        The two fits.
    ratio
        After / before slope.
    ratio_ci
        Its percentile interval over the shared resamples.
    prob_faster_after
        Share of resamples whose second period is steeper.
    """

    split: str
    frontier: str
    before: LineFit
    after: LineFit
    ratio: float
    ratio_ci: tuple[float, float]
    prob_faster_after: float

    def to_dict(self) -> dict[str, Any]:
        """Plain values: ``split``, ``frontier``, ``before``, ``after`` (each with
        ``period``, ``n_models``, ``n_frontier``, ``slope_per_day``, ``slope_ci``,
        ``doubling_time_months``, ``doubling_time_months_ci``, ``r2``, ``frontier``),
        ``ratio`` (``estimate``, ``ci``) and ``prob_faster_after``."""
        return {
            "split": self.split,
            "frontier": self.frontier,
            "before": self.before.to_dict(PERIOD_KEYS),
            "after": self.after.to_dict(PERIOD_KEYS),
            "ratio": {"estimate": self.ratio, "ci": [self.ratio_ci[0], self.ratio_ci[1]]},
            "prob_faster_after": self.prob_faster_after,
        }

    def summary(self) -> Summary:
        """The comparison as a :class:`~densing._summary.Summary` (ratio first)."""
        lo, hi = self.ratio_ci
        s = Summary(f"Periods split at {self.split} ({self.frontier})", header=[
            ("ratio after/before", f"{self.ratio:.3g} ({100 * self.before.ci:g}% CI "
                                   f"{lo:.3g} .. {hi:.3g})"),
            ("P(faster after)", f"{self.prob_faster_after:.2f}"),
        ])
        s.add_table(line_fits_table({"before": self.before, "after": self.after}))
        return s

    def print_summary(self) -> None:
        """Print :meth:`summary` as text."""
        print(self.summary().as_text())

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return (f"<PeriodComparison at {self.split}: slope ratio after/before "
                f"{self.ratio:.3g}, P(faster after) {self.prob_faster_after:.2f}>")


__all__ = ["DAYS_PER_MONTH", "LLAMA1_DATE", "LineFit", "PeriodComparison", "line_fits_table"]
