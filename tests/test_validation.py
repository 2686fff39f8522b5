"""The shared validation layer: one rule per field, one-line messages naming the value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from densing import _validation as v
from densing import conventions
from densing.exceptions import DensingError, InputError, NotFittedError

TODAY = dt.datetime.now(dt.timezone.utc).date()


def assert_one_line(exc: BaseException, *needles: str) -> None:
    msg = str(exc)
    assert "\n" not in msg, msg
    assert "np." not in msg and "array(" not in msg, msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"


# -- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (np.float64(1.2), "1.2"),
    (1.2, "1.2"),
    (np.int64(7), "7"),
    (-7e9, "-7e+09"),
    (1234567890.0, "1.23456789e+09"),
    (float("nan"), "nan"),
    (np.float32("inf"), "inf"),
    (-float("inf"), "-inf"),
    (0.0, "0.0"),
    (True, "True"),
    (np.bool_(False), "False"),
    ("abc", "'abc'"),
    (dt.date(2024, 1, 31), "2024-01-31"),
    (np.zeros(3), "ndarray of shape (3,)"),
])
def test_format_value(value: Any, text: str) -> None:
    assert v.format_value(value) == text


def test_format_value_round_trips_large_floats() -> None:
    rng = np.random.default_rng(0)
    for x in rng.uniform(1e6, 1e13, size=200):
        assert float(v.format_value(float(x))) == float(x)


def test_format_value_cuts_long_text() -> None:
    text = v.format_value("x" * 500, limit=40)
    assert len(text) == 40 and text.endswith("...")


# -- scalar fields ---------------------------------------------------------------------------

BAD_SCALARS = [
    # (function, value, exception, needles)
    (v.check_score, -0.1, InputError, ("score=-0.1", "negative")),
    (v.check_score, 1.2, InputError, ("score=1.2", "divide by 100")),
    (v.check_score, np.float64(62.0), InputError, ("score=62.0", "divide by 100")),
    (v.check_score, float("nan"), InputError, ("score=nan",)),
    (v.check_score, float("inf"), InputError, ("score=inf",)),
    (v.check_score, float("1e400"), InputError, ("score=inf",)),
    (v.check_score, True, InputError, ("bool", "True")),
    (v.check_score, "high", InputError, ("str", "'high'")),
    (v.check_score, None, InputError, ("NoneType",)),
    (v.check_stderr, 1.2, InputError, ("stderr=1.2", "[0, 1]")),
    (v.check_stderr, np.float64(1.2), InputError, ("stderr=1.2",)),
    (v.check_stderr, -0.01, InputError, ("stderr=-0.01",)),
    (v.check_stderr, float("inf"), InputError, ("stderr=inf",)),
    (v.check_stderr, "N/A", InputError, ("'N/A'",)),
    (v.check_param_count, 7, InputError, ("n_params=7", "billions")),
    (v.check_param_count, 7.0, InputError, ("n_params=7.0", "billions")),
    (v.check_param_count, -7e9, InputError, ("n_params=-7e+09", "positive")),
    (v.check_param_count, 0, InputError, ("n_params=0", "positive")),
    (v.check_param_count, float("nan"), InputError, ("n_params=nan",)),
    (v.check_param_count, "7B", InputError, ("'7B'", "7e9")),
    (v.check_param_count, True, InputError, ("bool",)),
    (v.check_tokens, -1e12, InputError, ("tokens=-1e+12", "positive")),
    (v.check_tokens, 0.0, InputError, ("tokens=0.0",)),
    (v.check_tokens, "abc", InputError, ("tokens", "'abc'")),
    (v.check_tokens, float("inf"), InputError, ("tokens=inf",)),
    (v.check_tokens, np.bool_(True), InputError, ("bool",)),
    (v.check_ci, 2, InputError, ("ci=2", "between 0 and 1")),
    (v.check_ci, float("nan"), InputError, ("ci=nan",)),
    (v.check_ci, 0.0, InputError, ("ci=0.0",)),
    (v.check_ci, 1.0, InputError, ("ci=1.0",)),
    (v.check_ci, 95, InputError, ("ci=95",)),
    (v.check_ci, "0.95", InputError, ("'0.95'",)),
    (v.check_n_bootstrap, -3, InputError, ("n_bootstrap=-3", ">= 0")),
    (v.check_n_bootstrap, "x", InputError, ("n_bootstrap='x'",)),
    (v.check_n_bootstrap, 2.5, InputError, ("n_bootstrap=2.5",)),
    (v.check_n_bootstrap, True, InputError, ("n_bootstrap=True",)),
    (v.check_n_bootstrap, float("nan"), InputError, ("n_bootstrap=nan",)),
    (v.check_random_state, "x", InputError, ("random_state='x'",)),
    (v.check_random_state, -1, InputError, ("random_state=-1",)),
    (v.check_random_state, 1.5, InputError, ("random_state=1.5",)),
    (v.check_random_state, True, InputError, ("random_state=True",)),
    (v.check_protocol_map, [1, 2], InputError, ("protocol_map", "list", "[1, 2]")),
    (v.check_protocol_map, {"a": 1}, InputError, ("protocol_map", "'a'", "1")),
    (v.check_protocol_map, {"": "rc-5shot"}, InputError, ("protocol_map", "''")),
    (v.check_frontier, "max", InputError, ("frontier='max'", "running_max")),
    (v.check_param_count_name, "billions", InputError, ("param_count='billions'",)),
]


@pytest.mark.parametrize(("func", "value", "exc", "needles"), BAD_SCALARS,
                         ids=[f"{c[0].__name__}-{c[1]!r}" for c in BAD_SCALARS])
def test_bad_scalar(func: Any, value: Any, exc: type[Exception], needles: tuple[str, ...]) -> None:
    with pytest.raises(exc) as info:
        func(value)
    assert isinstance(info.value, DensingError) and isinstance(info.value, ValueError)
    assert_one_line(info.value, *needles)


@pytest.mark.parametrize(("func", "value", "expected"), [
    (v.check_score, 0.0, 0.0),
    (v.check_score, 1, 1.0),
    (v.check_score, np.float32(0.5), 0.5),
    (v.check_stderr, None, None),
    (v.check_stderr, float("nan"), None),
    (v.check_stderr, np.float64(0.004), 0.004),
    (v.check_param_count, 10_000, 1e4),
    (v.check_param_count, np.int64(7_000_000_000), 7e9),
    (v.check_tokens, 1e12, 1e12),
    (v.check_ci, 0.9, 0.9),
    (v.check_n_bootstrap, 0, 0),
    (v.check_n_bootstrap, 200.0, 200),
    (v.check_n_bootstrap, np.int32(5), 5),
    (v.check_random_state, None, None),
    (v.check_random_state, np.int64(3), 3),
    (v.check_protocol_map, None, None),
    (v.check_protocol_map, {"x": "rc-5shot"}, {"x": "rc-5shot"}),
    (v.check_frontier, "quantile", "quantile"),
])
def test_good_scalar(func: Any, value: Any, expected: Any) -> None:
    got = func(value)
    assert got == expected
    assert type(got) is type(expected)


def test_score_context_is_in_the_message() -> None:
    with pytest.raises(InputError, match=r"^score=-0\.1 of model 'm-a' on 'hellaswag' is"):
        v.check_score(-0.1, where="of model 'm-a' on 'hellaswag'")


def test_random_state_accepts_numpy_generators() -> None:
    gen = np.random.default_rng(1)
    assert v.check_random_state(gen) is gen
    seq = np.random.SeedSequence(4)
    assert v.check_random_state(seq) is seq
    a = v.as_rng(7).uniform(size=3)
    b = np.random.default_rng(7).uniform(size=3)
    assert np.array_equal(a, b)


def test_check_scalar_bounds() -> None:
    assert v.check_scalar(0.5, "q", low=0, high=1, include_low=False) == 0.5
    with pytest.raises(InputError, match=r"q=0 must be > 0 and <= 1"):
        v.check_scalar(0, "q", low=0, high=1, include_low=False)
    with pytest.raises(InputError, match=r"q=3.5 must be an integer"):
        v.check_scalar(3.5, "q", integer=True)


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "needles"), [
    ("1900-01-01", ("release_date=1900-01-01", "before 2015-01-01")),
    ("2100-01-01", ("release_date=2100-01-01", "future")),
    (dt.date(1900, 1, 1), ("1900-01-01",)),
    (pd.Timestamp("2100-01-01"), ("2100-01-01",)),
    (np.datetime64("1900-01-01"), ("1900-01-01",)),
    ("2024-13-01", ("'2024-13-01'", "ISO")),
    ("31/01/2024", ("'31/01/2024'", "YYYY-MM-DD")),
    ("2024-01-31x", ("'2024-01-31x'",)),
    ("2024-01-31T99:00", ("'2024-01-31T99:00'",)),
    (20240131, ("int", "20240131")),
    (None, ("missing",)),
    ("", ("missing",)),
    (float("nan"), ("missing",)),
    (pd.NaT, ("missing",)),
])
def test_bad_release_date(value: Any, needles: tuple[str, ...]) -> None:
    with pytest.raises(InputError) as info:
        v.check_release_date(value)
    assert_one_line(info.value, *needles)


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-01-31", dt.date(2024, 1, 31)),
    (" 2024-01-31 ", dt.date(2024, 1, 31)),
    ("2024-01-31T12:00:00", dt.date(2024, 1, 31)),
    ("2024-01-31 12:00", dt.date(2024, 1, 31)),
    (dt.datetime(2023, 5, 1, 23, 59), dt.date(2023, 5, 1)),
    (pd.Timestamp("2023-05-01"), dt.date(2023, 5, 1)),
    (np.datetime64("2023-05-01T10:00"), dt.date(2023, 5, 1)),
    ("2015-01-01", dt.date(2015, 1, 1)),
])
def test_good_release_date(value: Any, expected: dt.date) -> None:
    assert v.check_release_date(value) == expected


def test_release_date_window_edges() -> None:
    last = TODAY + dt.timedelta(days=v.FUTURE_MARGIN_DAYS)
    assert v.check_release_date(last.isoformat()) == last
    with pytest.raises(InputError, match="future"):
        v.check_release_date((last + dt.timedelta(days=1)).isoformat())
    with pytest.raises(InputError, match="before 2015-01-01"):
        v.check_release_date("2014-12-31")
    assert v.check_release_date(None, allow_missing=True) is None


def test_release_dates_array() -> None:
    got = v.check_release_dates(pd.Series(["2023-01-02", None, "2024-02-29"]),
                                allow_missing=True)
    assert got.dtype == np.dtype("datetime64[D]")
    assert str(got[0]) == "2023-01-02" and np.isnat(got[1]) and str(got[2]) == "2024-02-29"
    with pytest.raises(InputError, match=r"release_date=1900-01-01 of model 'b'"):
        v.check_release_dates(["2023-01-02", "1900-01-01"], labels=np.array(["a", "b"]))


# -- arrays ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("func", "values", "needles"), [
    (v.check_scores, [0.5, -0.1], ("score=-0.1 of model 'b'",)),
    (v.check_scores, np.array([0.5, np.nan]), ("score=nan of model 'b'",)),
    (v.check_scores, [0.5, 65.0], ("score=65.0 of model 'b'", "divide by 100")),
    (v.check_scores, ["high", 0.5], ("'high'",)),
    (v.check_scores, [True, 0.5], ("bool",)),
    (v.check_scores, np.array([True, False]), ("booleans",)),
    (v.check_stderrs, [0.01, 1.2], ("stderr=1.2 of model 'b'",)),
    (v.check_param_counts, [7e9, 7.0], ("n_params=7.0 of model 'b'", "billions")),
    (v.check_param_counts, [7e9, -1e9], ("n_params=-1e+09 of model 'b'",)),
])
def test_bad_arrays(func: Any, values: Any, needles: tuple[str, ...]) -> None:
    with pytest.raises(InputError) as info:
        func(values, labels=["a", "b"])
    assert_one_line(info.value, *needles)


def test_good_arrays_keep_values() -> None:
    rng = np.random.default_rng(3)
    scores = rng.uniform(0, 1, size=50)
    assert np.array_equal(v.check_scores(scores), scores)
    errs = v.check_stderrs([0.01, None, float("nan")])
    assert errs[0] == 0.01 and np.isnan(errs[1]) and np.isnan(errs[2])
    counts = v.check_param_counts(pd.Series([1e9, np.nan]), allow_missing=True)
    assert counts[0] == 1e9 and np.isnan(counts[1])
    with pytest.raises(InputError, match="n_params=nan"):
        v.check_param_counts([1e9, np.nan])


def test_finite_positive_and_float_array() -> None:
    v.check_finite_positive("loss", np.array([1.0, 2.0]))
    v.check_finite_positive("n", np.array([0.0, 1.0]), allow_zero=True)
    with pytest.raises(InputError) as info:
        v.check_finite_positive("loss", np.array([1.0, 0.0, -2.0]))
    assert_one_line(info.value, "loss must be finite and positive", "got 0.0",
                    "2 bad value(s) of 3")
    assert v.as_float_array("x", 3).shape == (1,)
    with pytest.raises(InputError) as info:
        v.as_float_array("n_params", ["7B", "13B"])
    assert_one_line(info.value, "'7B'", "7e9")


# -- fitted objects --------------------------------------------------------------------------


class _Est:
    def __init__(self) -> None:
        self.alpha = 1.0

    def fit(self) -> _Est:
        self.coef_ = 2.0
        return self


def test_check_is_fitted() -> None:
    est = _Est()
    with pytest.raises(NotFittedError, match=r"_Est\.fit"):
        v.check_is_fitted(est)
    with pytest.raises(NotFittedError, match=r"_Est\.fit"):
        v.check_is_fitted(est, "coef_")
    est.fit()
    v.check_is_fitted(est)
    v.check_is_fitted(est, ["coef_"])
    with pytest.raises(NotFittedError, match=r"_Est\.refit"):
        v.check_is_fitted(est, "other_", method="refit")


# -- conventions -----------------------------------------------------------------------------


def test_param_count_vocabulary() -> None:
    assert set(conventions.PARAM_COUNTS) == set(conventions.PARAM_COUNT_CONVENTIONS)
    # the two tables name the total differently: this is the point of the module
    assert conventions.reference_column("total") == "n_params_total"
    assert conventions.model_column("total") == "n_params"
    assert conventions.reference_column("no_input_embedding") == "n_params"
    assert conventions.model_column("active") == "active_params"
    assert "total" in conventions.SHARED_PARAM_COUNTS
    assert "active" not in conventions.FRAME_PARAM_COUNTS
    with pytest.raises(InputError, match="param_count='active'"):
        conventions.reference_column("active")
    with pytest.raises(InputError, match="param_count='no_input_embedding'"):
        conventions.model_column("no_input_embedding")


def test_reference_columns_exist_in_bundled_runs(reference_runs: pd.DataFrame) -> None:
    for name in conventions.FRAME_PARAM_COUNTS:
        assert conventions.reference_column(name) in reference_runs.columns


def test_model_columns_exist_in_bundled_models() -> None:
    from densing.datasets import load_models

    cols = set(load_models().columns)
    for name in conventions.MODEL_PARAM_COUNTS:
        assert conventions.model_column(name) in cols

