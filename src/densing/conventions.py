"""Named conventions shared by every module: parameter counts, frontier methods and time.

A parameter count can mean several things, and the two tables densing reads name their
columns differently. In the reference runs (``load_reference_runs``) the column ``n_params``
counts every weight except the input embedding (the OLMo ladder's own convention), and the
total is ``n_params_total``. In a target-model table (``load_models``, ``--models``) the column
``n_params`` is the total. :data:`PARAM_COUNT_CONVENTIONS` holds, for each name, what it
means and which column carries it in each table; use :func:`reference_column` and
:func:`model_column` instead of spelling column names out. The names a caller accepts are
one of the subsets :data:`FRAME_PARAM_COUNTS`, :data:`MODEL_PARAM_COUNTS` and
:data:`SHARED_PARAM_COUNTS`, never a tuple of names spelled out elsewhere
(``tests/test_param_count_names.py`` checks it).

A density trend's slope ``A`` (per day) is a doubling time of ``ln 2 / A`` days;
:func:`doubling_days`, :func:`doubling_months` and :func:`slope_per_day` are the one
definition of that conversion, with months of :data:`DAYS_PER_MONTH` days.

This module imports nothing heavy, so the command line can use it while it starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from densing.exceptions import InputError

#: the names of the parameter-count conventions
ParamCount = Literal["total", "non_embedding", "no_input_embedding", "active"]
#: the frontier methods of :class:`densing.trend.DensingTrend`
Frontier = Literal["running_max", "quantile", "all"]

#: every parameter-count name, in a fixed order
PARAM_COUNTS: tuple[ParamCount, ...] = get_args(ParamCount)
#: every frontier method, in a fixed order
FRONTIERS: tuple[Frontier, ...] = get_args(Frontier)
#: days per month of the doubling times (365.25 / 12, rounded as in the paper)
DAYS_PER_MONTH = 30.44
_LN2 = math.log(2.0)


def doubling_days(slope: float) -> float:
    """The doubling time ``ln 2 / slope`` in days of a slope per day.

    Parameters
    ----------
    slope
        Growth of ``ln(density)`` per day.

    Returns
    -------
    float
        Days; ``inf`` when the density does not grow (``slope <= 0``), NaN when the slope
        is not finite.
    """
    if not math.isfinite(slope):
        return math.nan
    return _LN2 / slope if slope > 0 else math.inf


def doubling_months(slope: float) -> float:
    """The doubling time of a slope per day in months of :data:`DAYS_PER_MONTH` days.

    Parameters
    ----------
    slope
        Growth of ``ln(density)`` per day.

    Returns
    -------
    float
        :func:`doubling_days` over :data:`DAYS_PER_MONTH` (``inf`` and NaN as there).
    """
    return doubling_days(slope) / DAYS_PER_MONTH


def slope_per_day(months: float) -> float:
    """The slope per day of a doubling time in months: the inverse of :func:`doubling_months`.

    Parameters
    ----------
    months
        A positive doubling time in months.

    Returns
    -------
    float
        ``ln 2 / (months * DAYS_PER_MONTH)``; 0 for an infinite doubling time.
    """
    return _LN2 / (months * DAYS_PER_MONTH)


@dataclass(frozen=True)
class ParamCountConvention:
    """What one parameter-count name means, and where each table keeps it.

    Attributes
    ----------
    name
        The convention's name (``"total"``, ...).
    meaning
        One line: which weights are counted.
    reference_column
        Column of the reference runs that holds it, or ``None`` when the runs do not offer it.
    model_column
        Column of a target-model table that holds it, or ``None`` when not offered.
    model_fallback
        Column used where ``model_column`` is empty (``active``: a dense model's active count
        is its total), or ``None``.
    """

    name: str
    meaning: str
    reference_column: str | None
    model_column: str | None
    model_fallback: str | None = None


#: each parameter-count name -> its meaning and columns
PARAM_COUNT_CONVENTIONS: dict[str, ParamCountConvention] = {
    "total": ParamCountConvention(
        "total", "every weight, input and output embeddings included (tied weights once)",
        reference_column="n_params_total", model_column="n_params",
    ),
    "non_embedding": ParamCountConvention(
        "non_embedding", "every weight except the input and output embedding matrices",
        reference_column="n_params_nonembedding", model_column="n_params_nonembedding",
    ),
    "no_input_embedding": ParamCountConvention(
        "no_input_embedding", "every weight except the input embedding (the OLMo ladder's count)",
        reference_column="n_params", model_column=None,
    ),
    "active": ParamCountConvention(
        "active", "weights used per token (mixture-of-experts); a dense model's total",
        reference_column=None, model_column="active_params", model_fallback="n_params",
    ),
}

#: conventions a reference frame can be fitted in: the reference runs carry a column for each
#: (``active`` is absent, the ladder's runs are dense). ``densing frame --param-count`` and
#: :class:`~densing.reference.ReferenceFrame` accept these.
FRAME_PARAM_COUNTS: tuple[str, ...] = tuple(
    n for n in PARAM_COUNTS if PARAM_COUNT_CONVENTIONS[n].reference_column is not None
)
#: conventions a target model can be counted in: a model table or a measured model offers each
#: (``no_input_embedding`` is the ladder's own count, not offered for target models). The names
#: :func:`densing.compute_density`, ``densing density --param-count``, a leaderboard's
#: ``param_count`` and :func:`densing.evaluate.measure.count_model_parameters` accept.
MODEL_PARAM_COUNTS: tuple[str, ...] = tuple(
    n for n in PARAM_COUNTS if PARAM_COUNT_CONVENTIONS[n].model_column is not None
)
#: conventions offered on both sides, for a call that fits the frame and counts the models in
#: one convention: :func:`densing.report.reproduce` and ``densing reproduce --param-count``.
SHARED_PARAM_COUNTS: tuple[str, ...] = tuple(
    n for n in FRAME_PARAM_COUNTS if n in MODEL_PARAM_COUNTS
)


def _check_name(value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InputError(
            f"param_count={value!r} is not one of {', '.join(map(repr, allowed))}"
        )
    return value


def reference_column(param_count: object) -> str:
    """The reference-runs column that holds a parameter-count convention.

    Parameters
    ----------
    param_count
        A name in :data:`FRAME_PARAM_COUNTS`.

    Returns
    -------
    str
        The column name (``"total"`` -> ``"n_params_total"``).

    Raises
    ------
    InputError
        When the name is unknown or the reference runs do not offer it.
    """
    name = _check_name(param_count, FRAME_PARAM_COUNTS)
    column = PARAM_COUNT_CONVENTIONS[name].reference_column
    assert column is not None
    return column


def model_column(param_count: object) -> str:
    """The target-model column that holds a parameter-count convention.

    Parameters
    ----------
    param_count
        A name in :data:`MODEL_PARAM_COUNTS`.

    Returns
    -------
    str
        The column name (``"total"`` -> ``"n_params"``).

    Raises
    ------
    InputError
        When the name is unknown or a model table does not offer it.
    """
    name = _check_name(param_count, MODEL_PARAM_COUNTS)
    column = PARAM_COUNT_CONVENTIONS[name].model_column
    assert column is not None
    return column


def frame_model_param_count(frame: object) -> ParamCount:
    """The target-model convention that matches a frame's ``param_count``.

    Parameters
    ----------
    frame
        A reference frame (anything with a ``param_count`` attribute) or the name of its
        convention.

    Returns
    -------
    str
        The frame's own convention when target tables offer it (``total``,
        ``non_embedding``), else ``"total"`` (e.g. the ladder's ``no_input_embedding``).
    """
    name = frame if isinstance(frame, str) else getattr(frame, "param_count", "total")
    if isinstance(name, str) and name in MODEL_PARAM_COUNTS:
        return name  # type: ignore[return-value]
    return "total"


__all__ = [
    "DAYS_PER_MONTH",
    "FRAME_PARAM_COUNTS",
    "FRONTIERS",
    "MODEL_PARAM_COUNTS",
    "PARAM_COUNTS",
    "PARAM_COUNT_CONVENTIONS",
    "SHARED_PARAM_COUNTS",
    "Frontier",
    "ParamCount",
    "ParamCountConvention",
    "frame_model_param_count",
    "model_column",
    "reference_column",
    "doubling_days",
    "doubling_months",
    "slope_per_day",
]
