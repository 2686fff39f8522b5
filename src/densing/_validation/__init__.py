"""One rule per input field, shared by every command and the API.

Each ``check_*`` function validates one field (a score, a standard error, a release date, a
parameter count, a token count, a confidence level, a bootstrap count, a random state, a
protocol map) and returns the value in its canonical type, or raises :class:`InputError`
with one line that names the field and the offending value. Scalar and array forms exist
where both are needed, in the style of scikit-learn's ``check_scalar`` / ``check_array``.

Rules common to all of them:

- ``bool`` is never a number (``True`` is not a score of 1.0);
- values are shown as plain Python text (``1.2``, ``nan``, ``-7e+09``), never as numpy
  reprs such as ``np.float64(1.2)``;
- a release date lies between :data:`EARLIEST_RELEASE_DATE` and a year after today.

Common parameters: ``value`` (``values`` for array forms) is what is checked; ``name`` is the
field name shown in the message (``"--tokens"`` on the command line); ``where`` adds context
(``"of model 'm1' on 'hellaswag'"``); array forms take ``labels``, one per value, shown as
``of {label} 'name'``. Each check returns the value in the type its annotation gives.

:func:`check_score_table` is the one rule for a table of scores (``_tables``), run by the
API, ``densing density`` and the leaderboard alike. :func:`check_window` is the one rule for a
window of release dates (``window=`` of the trend and the reproduction).

The package imports numpy and pandas only inside the array and table forms, so the command
line can use the scalar checks while it starts.
"""

from __future__ import annotations

from densing._validation._arrays import (
    as_float_array,
    check_finite_positive,
    check_is_fitted,
    check_param_counts,
    check_scores,
    check_stderrs,
)
from densing._validation._dates import (
    EARLIEST_RELEASE_DATE,
    FUTURE_MARGIN_DAYS,
    check_release_date,
    check_release_dates,
    latest_release_date,
)
from densing._validation._scalars import (
    BILLIONS_BELOW,
    as_rng,
    check_choice,
    check_ci,
    check_frontier,
    check_integer,
    check_n_bootstrap,
    check_number,
    check_param_count,
    check_param_count_name,
    check_protocol_map,
    check_random_state,
    check_scalar,
    check_score,
    check_stderr,
    check_tokens,
    format_value,
)
from densing._validation._tables import (
    SCORE_NUMBER_COLUMNS,
    check_csv_header,
    check_score_table,
    check_unique_columns,
    numbers_from_text,
)
from densing._validation._window import check_window

__all__ = [
    "SCORE_NUMBER_COLUMNS",
    "BILLIONS_BELOW",
    "EARLIEST_RELEASE_DATE",
    "FUTURE_MARGIN_DAYS",
    "as_float_array",
    "as_rng",
    "check_choice",
    "check_csv_header",
    "check_ci",
    "check_finite_positive",
    "check_frontier",
    "check_integer",
    "check_is_fitted",
    "check_n_bootstrap",
    "check_number",
    "check_param_count",
    "check_param_count_name",
    "check_param_counts",
    "check_protocol_map",
    "check_random_state",
    "check_release_date",
    "check_release_dates",
    "check_scalar",
    "check_score",
    "check_score_table",
    "check_scores",
    "check_stderr",
    "check_stderrs",
    "check_tokens",
    "check_unique_columns",
    "check_window",
    "format_value",
    "latest_release_date",
    "numbers_from_text",
]
