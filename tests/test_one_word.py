"""One word each (issue 21 section 3): ``window=``, ``ci=``, ``summary()``/``print_summary()``
and one default for ``tokens`` and ``frame``. The old names are gone, not aliased."""

from __future__ import annotations

import datetime as dt
import inspect
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from densing import InputError, LossLaw, compute_density, reproduce
from densing._summary import Summary
from densing._validation import check_window
from densing.fitting import FittedLaw
from densing.reference import ReferenceFrame
from densing.report import Reproduction
from densing.trend import DensingTrend, LineFit, calibrated_slope_interval
from densing.trend._stochastic import stochastic_frontier


def _models(n: int = 40, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 700, n))
    dates = pd.Timestamp("2022-09-01") + pd.to_timedelta(days, unit="D")
    density = np.exp(0.003 * days + 0.4 * rng.standard_normal(n))
    return pd.DataFrame({"model": [f"m{i}" for i in range(n)],
                         "release_date": dates.strftime("%Y-%m-%d"), "density": density})


# -- window= ---------------------------------------------------------------------------------


@pytest.mark.parametrize("window", [
    ("2023-01-01", "2024-06-30"),
    ["2023-01-01", "2024-06-30"],
    "2023-01-01:2024-06-30",
    (dt.date(2023, 1, 1), pd.Timestamp("2024-06-30")),
    (np.datetime64("2023-01-01"), dt.datetime(2024, 6, 30, 12, 0)),
])
def test_every_form_of_a_window_reads_the_same(window: object) -> None:
    assert check_window(window) == ("2023-01-01", "2024-06-30")


@pytest.mark.parametrize(("window", "expected"), [
    (None, (None, None)),
    (":", (None, None)),
    ("2023-01-01:", ("2023-01-01", None)),
    (":2024-06-30", (None, "2024-06-30")),
    ((None, "2024-06-30"), (None, "2024-06-30")),
    (("2023-01-01", ""), ("2023-01-01", None)),
])
def test_a_window_side_may_be_open(window: object, expected: tuple[str | None, ...]) -> None:
    assert check_window(window) == expected


BAD_WINDOWS = [
    ("2023-01-01", "START:END"),
    (("2023-01-01",), "(start, end)"),
    (("2023-01-01", "2024-01-01", "2025-01-01"), "(start, end)"),
    (("June", None), "'June' is not an ISO date"),
    ("2023-01-01:20240101", "'20240101' is not an ISO date"),
    (("2024-01-01", "2023-01-01"), "start 2024-01-01 is after its end 2023-01-01"),
    (5, "window=5 must be"),
]


@pytest.mark.parametrize(("window", "needle"), BAD_WINDOWS)
def test_the_trend_and_the_reproduction_refuse_a_bad_window_alike(window: object,
                                                                  needle: str) -> None:
    with pytest.raises(InputError) as direct:
        check_window(window)
    with pytest.raises(InputError) as trend:
        DensingTrend(window=window, n_bootstrap=0).fit(_models())  # type: ignore[arg-type]
    with pytest.raises(InputError) as rep:
        reproduce(window=window, n_bootstrap=0)  # refused before any work
    assert needle in str(direct.value)
    assert str(trend.value) == str(rep.value) == str(direct.value)
    assert "\n" not in str(direct.value)


def test_a_window_keeps_the_models_released_inside_it() -> None:
    df = _models()
    dates = pd.to_datetime(df["release_date"])
    inside = dates.between("2023-01-01", "2024-06-30")  # inclusive, counted here by pandas
    pair = DensingTrend(frontier="all", window=("2023-01-01", "2024-06-30"), n_bootstrap=0).fit(df)
    text = DensingTrend(frontier="all", window="2023-01-01:2024-06-30", n_bootstrap=0).fit(df)
    assert pair.n_models_ == text.n_models_ == int(inside.sum())
    assert pair.n_outside_window_ == len(df) - int(inside.sum())
    # the slope is OLS of ln density on days over those models, computed here by numpy
    sub = df[inside.to_numpy()]
    t = (pd.to_datetime(sub["release_date"]) - pd.Timestamp("2023-02-24")).dt.days
    slope = np.polyfit(t.to_numpy(float), np.log(sub["density"].to_numpy()), 1)[0]
    assert pair.slope_per_day_ == pytest.approx(slope, rel=1e-9)
    assert text.slope_per_day_ == pair.slope_per_day_
    assert pair.to_dict()["window"] == ["2023-01-01", "2024-06-30"]

    after = DensingTrend(frontier="all", window="2023-06-01:", n_bootstrap=0).fit(df)
    assert after.n_models_ == int((dates >= "2023-06-01").sum())
    assert after.to_dict()["window"] == ["2023-06-01", None]


def test_start_and_end_are_gone() -> None:
    with pytest.raises(TypeError, match="start"):
        DensingTrend(start="2023-01-01")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="end"):
        DensingTrend(end="2024-01-01")  # type: ignore[call-arg]


# -- ci= -------------------------------------------------------------------------------------


def test_level_is_gone_and_ci_is_checked() -> None:
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 600, 30))
    x = 0.003 * t + 0.3 * rng.standard_normal(t.size)
    with pytest.raises(TypeError, match="level"):
        calibrated_slope_interval("all", t, x, level=0.9)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="level"):
        stochastic_frontier(t, x, level=0.9)  # type: ignore[call-arg]
    for call in (lambda: calibrated_slope_interval("all", t, x, ci=1.5),
                 lambda: stochastic_frontier(t, x, n_bootstrap=0, ci=1.5),
                 lambda: LineFit.from_draws(method="all", slope=0.1, intercept=0.0, r2=1.0,
                                            ci=1.5, slope_draws=np.zeros(3), n_models=3,
                                            members=["a"], period=(None, None))):
        with pytest.raises(InputError, match=r"^ci=1\.5 must lie strictly between 0 and 1"):
            call()


def test_ci_sets_the_calibrated_ols_interval() -> None:
    rng = np.random.default_rng(11)
    t = np.sort(rng.uniform(0, 600, 25))
    x = 0.002 * t + 0.25 * rng.standard_normal(t.size)
    fit = stats.linregress(t, x)  # the textbook t interval of the OLS slope, by scipy
    for ci in (0.8, 0.95):
        half = stats.t.ppf(0.5 + ci / 2, t.size - 2) * fit.stderr
        lo, hi = calibrated_slope_interval("all", t, x, ci=ci)
        assert (lo, hi) == pytest.approx((fit.slope - half, fit.slope + half), rel=1e-9)


def test_ci_of_the_stochastic_frontier_is_a_percentile_of_the_same_draws() -> None:
    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(0, 600, 80))
    y = -1 + 0.004 * t + 0.3 * rng.standard_normal(t.size) - np.abs(rng.standard_normal(80))
    wide = stochastic_frontier(t, y, n_bootstrap=40, ci=0.95, random_state=0).slope_ci
    narrow = stochastic_frontier(t, y, n_bootstrap=40, ci=0.5, random_state=0).slope_ci
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


# -- summary() and print_summary() -------------------------------------------------------------


def test_print_is_print_summary_everywhere() -> None:
    assert not hasattr(Reproduction, "print")
    assert not hasattr(LineFit, "describe")
    assert not isinstance(inspect.getattr_static(FittedLaw, "summary"), property)
    for cls in (Reproduction, LineFit, FittedLaw, DensingTrend):
        assert callable(cls.summary) and callable(cls.print_summary)


def test_a_line_fit_summarises_its_doubling_time(capsys: pytest.CaptureFixture[str]) -> None:
    df = _models()
    line = DensingTrend(frontier="all", n_bootstrap=200, ci=0.9).fit(df).line_
    t = (pd.to_datetime(df["release_date"]) - pd.Timestamp("2023-02-24")).dt.days
    slope = np.polyfit(t.to_numpy(float), np.log(df["density"].to_numpy()), 1)[0]
    months = math.log(2) / slope / 30.44  # the doubling time, computed here
    s = line.summary()
    assert isinstance(s, Summary) and line.ci == 0.9
    assert s.header[0][0] == "doubling time"
    assert s.header[0][1].startswith(f"{months:.3g} months (90% CI ")
    assert capsys.readouterr().out == ""  # summary() prints nothing
    line.print_summary()
    out = capsys.readouterr().out
    assert f"{months:.3g} months" in out and f"{slope:.4g}/day" in out
    assert f"{len(df)} (" in out  # the model count


def test_a_fitted_law_has_a_summary_frame_and_a_summary(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    true = {"a": 400.0, "alpha": 0.34, "b": 410.0, "beta": 0.28}
    n = np.repeat([1.9e8, 3.7e8, 7.6e8, 1.3e9, 3.2e9], 4)
    d = np.tile([4e9, 1.6e10, 6.4e10, 2.5e11], 5)
    loss = true["a"] * n ** -true["alpha"] + true["b"] * d ** -true["beta"]
    law = LossLaw().fit(n, d, loss)
    table = law.summary_frame()
    assert list(table.index) == list(true)
    for name, value in true.items():  # the law recovers the curve it was given
        assert table.loc[name, "estimate"] == pytest.approx(value, rel=0.05)
    s = law.summary()
    assert isinstance(s, Summary) and s.title == "<LossLaw>"
    assert capsys.readouterr().out == ""
    law.print_summary()
    out = capsys.readouterr().out
    assert "objective" in out and all(name in out for name in true)


# -- one default for tokens and frame ----------------------------------------------------------


def test_tokens_and_frame_default_to_the_frame_and_the_shipped_frame() -> None:
    for fn in (compute_density, reproduce):
        params = inspect.signature(fn).parameters
        assert params["tokens"].default is None, fn.__name__
        assert params["frame"].default is None, fn.__name__


def test_the_default_reproduction_uses_the_frames_data_budget(
    reproduction: Reproduction, frame: ReferenceFrame
) -> None:
    assert reproduction.settings["frame"] == "olmo-ladder"
    assert reproduction.settings["tokens"] == frame.tokens == 1e12
