"""Tests of densing.trend.DensingTrend and the `densing trend` command."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from densing import FitQualityWarning, InputError, NotFittedError
from densing._cli._common import to_jsonable
from densing._progress import progress
from densing.cli import main
from densing.trend import DAYS_PER_MONTH, DensingTrend
from densing.trend._frontiers import _envelope, _quantile_line

ORIGIN = np.datetime64("2023-02-24", "D")


def synth(
    n: int = 120,
    slope: float = 0.007,
    intercept: float = 0.0,
    sigma: float = 0.5,
    seed: int = 0,
    first: str = "2022-03-01",
    span: int = 900,
    as_text: bool = True,
) -> pd.DataFrame:
    """Models released uniformly over ``span`` days with ln rho = slope * t + intercept + noise."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, span, n))
    dates = np.datetime64(first, "D") + days
    t = (dates - ORIGIN).astype(float)
    x = intercept + slope * t + rng.normal(0.0, sigma, n)
    release = pd.to_datetime(dates)
    return pd.DataFrame(
        {
            "model": [f"m{i:03d}" for i in range(n)],
            "release_date": release.strftime("%Y-%m-%d") if as_text else release,
            "density": np.exp(x),
        }
    )


# --------------------------------------------------------------------------------------
# recovery and coverage
# --------------------------------------------------------------------------------------


def test_all_points_recovers_slope_and_derived_quantities() -> None:
    df = synth(n=200, slope=0.007, intercept=-1.0, seed=1)
    trend = DensingTrend(frontier="all", n_bootstrap=1000).fit(df)
    assert trend.slope_per_day_ == pytest.approx(0.007, abs=4e-4)
    assert trend.intercept_ == pytest.approx(-1.0, abs=0.15)
    lo, hi = trend.ci_["slope_per_day"]
    assert lo < 0.007 < hi
    assert trend.doubling_time_days_ == pytest.approx(math.log(2) / trend.slope_per_day_)
    assert trend.doubling_time_months_ == pytest.approx(trend.doubling_time_days_ / DAYS_PER_MONTH)
    d_lo, d_hi = trend.ci_["doubling_time_days"]
    assert d_lo == pytest.approx(math.log(2) / hi) and d_hi == pytest.approx(math.log(2) / lo)
    assert d_lo < trend.doubling_time_days_ < d_hi
    assert trend.n_models_ == trend.n_frontier_ == 200
    assert trend.r2_ == pytest.approx(trend.all_points_.r2)
    assert trend.all_points_.slope_per_day == trend.slope_per_day_


def test_ci_coverage_all_frontier_200_repetitions() -> None:
    """The 95% percentile CI covers the true slope in >= 90% of 200 seeded repetitions."""
    true = 0.006
    covered = 0
    for rep in range(200):
        df = synth(n=60, slope=true, sigma=0.6, seed=1000 + rep, as_text=False)
        trend = DensingTrend(frontier="all", n_bootstrap=400, random_state=rep).fit(df)
        lo, hi = trend.ci_["slope_per_day"]
        covered += lo <= true <= hi
    assert covered / 200 >= 0.90, covered


def test_ci_coverage_quantile_frontier_loose() -> None:
    """The q=0.9 line has the same slope as the data; its CI should usually cover it."""
    true = 0.006
    covered = 0
    reps = 24  # one LP per resample: keep this test to a few seconds
    for rep in range(reps):
        df = synth(n=60, slope=true, sigma=0.5, seed=2000 + rep, as_text=False)
        trend = DensingTrend(frontier="quantile", n_bootstrap=120, random_state=rep).fit(df)
        lo, hi = trend.ci_["slope_per_day"]
        covered += lo <= true <= hi
    assert covered / reps >= 0.7, covered


def test_ci_coverage_running_max_loose() -> None:
    """The envelope of a linear trend plus iid noise rises at about the same rate."""
    true = 0.006
    covered = 0
    estimates = []
    reps = 60
    for rep in range(reps):
        df = synth(n=150, slope=true, sigma=0.4, seed=3000 + rep, as_text=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitQualityWarning)
            trend = DensingTrend(frontier="running_max", n_bootstrap=400, random_state=rep)
            trend.fit(df)
        lo, hi = trend.ci_["slope_per_day"]
        covered += lo <= true <= hi
        estimates.append(trend.slope_per_day_)
    assert covered / reps >= 0.6, covered
    assert np.median(estimates) == pytest.approx(true, rel=0.25)


# --------------------------------------------------------------------------------------
# frontiers
# --------------------------------------------------------------------------------------


def hand_made() -> pd.DataFrame:
    rows = [
        ("a", "2023-01-01", 1.0),  # first model: on the envelope
        ("b", "2023-02-01", 0.8),  # below a
        ("c", "2023-03-01", 1.5),  # beats a, but d (same day) is denser
        ("d", "2023-03-01", 2.0),  # on the envelope
        ("e", "2023-04-01", 1.9),  # below d
        ("f", "2023-05-01", 2.0),  # ties d: does not exceed it
        ("g", "2023-06-01", 3.0),  # on the envelope
        ("h", "2023-07-01", 2.5),  # below g
    ]
    return pd.DataFrame(rows, columns=["model", "release_date", "density"])


def test_running_max_frontier_on_hand_made_example() -> None:
    df = hand_made()
    trend = DensingTrend(frontier="running_max", n_bootstrap=200).fit(df)
    assert trend.frontier_["model"].tolist() == ["a", "d", "g"]
    assert trend.n_frontier_ == 3 and trend.n_models_ == 8
    # the fit is OLS through the envelope
    front = df.set_index("model").loc[["a", "d", "g"]]
    t = (pd.to_datetime(front["release_date"]) - pd.Timestamp("2023-02-24")).dt.days
    slope, intercept = np.polyfit(t.to_numpy(float), np.log(front["density"].to_numpy()), 1)
    assert trend.slope_per_day_ == pytest.approx(slope, rel=1e-10)
    assert trend.intercept_ == pytest.approx(intercept, rel=1e-10)
    assert trend.data_["on_frontier"].sum() == 3
    # row order does not matter
    shuffled = df.sample(frac=1.0, random_state=3)
    again = DensingTrend(frontier="running_max", n_bootstrap=200).fit(shuffled)
    assert again.frontier_["model"].tolist() == ["a", "d", "g"]
    assert again.slope_per_day_ == trend.slope_per_day_
    np.testing.assert_array_equal(again.slope_draws_, trend.slope_draws_)


def naive_envelope(dates: list[int], dens: list[float]) -> set[tuple[int, float]]:
    out = set()
    for d, r in zip(dates, dens, strict=True):
        earlier = [v for dd, v in zip(dates, dens, strict=True) if dd < d]
        same = [v for dd, v in zip(dates, dens, strict=True) if dd == d]
        if r == max(same) and (not earlier or r > max(earlier)):
            out.add((d, r))
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0])),
        min_size=1,
        max_size=12,
    )
)
def test_vectorised_envelope_matches_definition(points: list[tuple[int, float]]) -> None:
    dates = [p[0] for p in points]
    dens = [p[1] for p in points]
    t = np.array(dates, dtype=float)
    x = np.log(np.array(dens))
    order = np.lexsort((-x, t))
    mask = _envelope(t[order][None, :], x[order][None, :])[0]
    got = [(int(t[order][i]), round(float(np.exp(x[order][i])), 9)) for i in np.flatnonzero(mask)]
    assert len(got) == len(set(got))  # a repeated point is counted once
    assert set(got) == naive_envelope(dates, dens)


def pinball(y: np.ndarray, fit: np.ndarray, q: float, w: np.ndarray) -> float:
    r = y - fit
    return float(np.sum(w * np.where(r >= 0, q * r, (q - 1) * r)))


def test_quantile_lp_is_exact_and_weights_equal_duplicates() -> None:
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(-300, 500, 25))
    y = 0.004 * t + rng.normal(0, 0.7, 25)
    q = 0.9
    w = np.ones(25)
    slope, icpt = _quantile_line(t, y, w, q)
    best = pinball(y, icpt + slope * t, q, w)
    # an optimal line passes through two data points: check all of them
    pair_best = min(
        pinball(y, y[i] + (y[j] - y[i]) / (t[j] - t[i]) * (t - t[i]), q, w)
        for i, j in itertools.combinations(range(25), 2)
    )
    assert best == pytest.approx(pair_best, rel=1e-7, abs=1e-9)
    # integer weights are the same as repeated rows
    counts = rng.integers(1, 4, 25).astype(float)
    s_w, i_w = _quantile_line(t, y, counts, q)
    rep = np.repeat(np.arange(25), counts.astype(int))
    s_r, i_r = _quantile_line(t[rep], y[rep], np.ones(rep.size), q)
    assert pinball(y, i_w + s_w * t, q, counts) == pytest.approx(
        pinball(y, i_r + s_r * t, q, counts), rel=1e-7
    )


def test_quantile_frontier_matches_true_upper_line() -> None:
    sigma, q = 0.5, 0.9
    df = synth(n=400, slope=0.006, intercept=-0.5, sigma=sigma, seed=11)
    trend = DensingTrend(frontier="quantile", quantile=q, n_bootstrap=200).fit(df)
    assert trend.slope_per_day_ == pytest.approx(0.006, abs=6e-4)
    assert trend.intercept_ == pytest.approx(-0.5 + sigma * norm.ppf(q), abs=0.15)
    # about 10% of models lie above the line; frontier_ holds those on or above it
    above = (
        np.log(trend.data_["density"])
        > trend.intercept_ + trend.slope_per_day_ * trend.data_["t_days"] + 1e-9
    ).mean()
    assert above == pytest.approx(1 - q, abs=0.02)
    assert trend.n_frontier_ >= int(0.08 * 400)
    assert 0 < trend.r2_ < 1  # Koenker-Machado pseudo-R1


# --------------------------------------------------------------------------------------
# periods, determinism, joint uncertainty, prediction
# --------------------------------------------------------------------------------------


def two_speed(seed: int = 0, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 900, n))
    dates = np.datetime64("2022-01-01", "D") + days
    split = np.datetime64("2022-11-30", "D")
    t = (dates - split).astype(float)
    x = np.where(t < 0, 0.002 * t, 0.008 * t) + rng.normal(0, 0.3, n)
    return pd.DataFrame(
        {"model": [f"m{i}" for i in range(n)], "release_date": dates, "density": np.exp(x)}
    )


def test_compare_periods_detects_faster_slope_after_split() -> None:
    df = two_speed()
    trend = DensingTrend(frontier="all", n_bootstrap=500).fit(df)
    res = trend.compare_periods("2022-11-30")
    assert res.split == "2022-11-30"
    assert res.before.slope_per_day == pytest.approx(0.002, abs=6e-4)
    assert res.after.slope_per_day == pytest.approx(0.008, abs=6e-4)
    assert res.ratio_ci[0] > 1.0
    assert res.ratio == pytest.approx(
        res.after.slope_per_day / res.before.slope_per_day
    )
    assert res.prob_faster_after > 0.99
    assert res.before.period[1] < "2022-11-30" <= res.after.period[0]
    json.dumps(to_jsonable(res.to_dict()), allow_nan=False)

    for frontier in ("running_max", "quantile"):
        other = DensingTrend(frontier=frontier, n_bootstrap=100).fit(df)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitQualityWarning)
            r = other.compare_periods()
        assert r.after.slope_per_day > r.before.slope_per_day
        assert r.ratio > 1.5


def test_compare_periods_needs_three_models_per_period() -> None:
    trend = DensingTrend(frontier="all", n_bootstrap=50).fit(synth(n=30, first="2023-01-01"))
    with pytest.raises(InputError, match="period before 2022-11-30 has 0 model"):
        trend.compare_periods("2022-11-30")
    with pytest.raises(InputError, match="not a date"):
        trend.compare_periods("Nov 2022")


def test_same_seed_gives_bit_identical_results() -> None:
    df = synth(n=100, seed=4)
    for frontier in ("running_max", "quantile", "all"):  # identity needs few resamples
        a = DensingTrend(frontier=frontier, n_bootstrap=60, random_state=7).fit(df)
        b = DensingTrend(frontier=frontier, n_bootstrap=60, random_state=7).fit(df)
        assert a.slope_draws_.shape == (60,)
        assert a.slope_draws_.tobytes() == b.slope_draws_.tobytes()
        assert json.dumps(to_jsonable(a.to_dict())) == json.dumps(to_jsonable(b.to_dict()))
        pd.testing.assert_frame_equal(a.summary_frame(), b.summary_frame())
        c = DensingTrend(frontier=frontier, n_bootstrap=60, random_state=8).fit(df)
        assert not np.array_equal(a.slope_draws_, c.slope_draws_)


def test_density_draws_join_the_bootstrap() -> None:
    df = synth(n=80, seed=6)
    base = DensingTrend(frontier="running_max", n_bootstrap=150).fit(df)
    # draws equal to the point densities reproduce the plain bootstrap
    same = np.tile(df["density"].to_numpy(), (150, 1))
    again = DensingTrend(frontier="running_max", n_bootstrap=150).fit(df, density_draws=same)
    np.testing.assert_allclose(again.slope_draws_, base.slope_draws_, rtol=1e-12)
    # noisy draws (reference-frame uncertainty) widen the interval; the estimate is unchanged
    rng = np.random.default_rng(0)
    noisy = same * np.exp(rng.normal(0, 0.5, same.shape))
    noisy[0, 3] = np.nan  # a model censored in one draw is dropped from that resample only
    for frontier in ("running_max", "all", "quantile"):
        plain = DensingTrend(frontier=frontier, n_bootstrap=150).fit(df)
        joint = DensingTrend(frontier=frontier, n_bootstrap=150).fit(df, density_draws=noisy)
        assert joint.slope_per_day_ == plain.slope_per_day_
        assert np.isfinite(joint.slope_draws_).all()
        width = np.subtract(*joint.ci_["slope_per_day"][::-1])
        assert width > np.subtract(*plain.ci_["slope_per_day"][::-1])
    # fewer draws than resamples: each resample pairs with a random (seeded) draw
    few = DensingTrend(frontier="running_max", n_bootstrap=150).fit(df, density_draws=noisy[:40])
    again = DensingTrend(frontier="running_max", n_bootstrap=150).fit(df, density_draws=noisy[:40])
    np.testing.assert_array_equal(few.slope_draws_, again.slope_draws_)
    assert few.compare_periods("2023-06-01").after.n_models > 3
    with pytest.raises(InputError, match="density_draws has shape"):
        DensingTrend(frontier="running_max", n_bootstrap=150).fit(df, density_draws=same[:, :10])


def test_unseeded_fit_replays_its_resamples_in_compare_periods() -> None:
    df = two_speed(n=120)
    trend = DensingTrend(frontier="all", n_bootstrap=200, random_state=None).fit(df)
    a = trend.compare_periods()
    b = trend.compare_periods()
    assert a == b


def test_rescaling_densities_changes_only_the_intercept() -> None:
    """A constant factor on every density (e.g. D0 in the no-E law) leaves slopes unchanged."""
    df = synth(n=90, seed=15)
    scaled = df.assign(density=df["density"] * 5.0)
    for frontier in ("running_max", "quantile", "all"):
        a = DensingTrend(frontier=frontier, n_bootstrap=100).fit(df)
        b = DensingTrend(frontier=frontier, n_bootstrap=100).fit(scaled)
        assert b.slope_per_day_ == pytest.approx(a.slope_per_day_, rel=1e-6)
        assert b.intercept_ == pytest.approx(a.intercept_ + math.log(5.0), rel=1e-6)
        assert b.frontier_["model"].tolist() == a.frontier_["model"].tolist()
        np.testing.assert_allclose(b.slope_draws_, a.slope_draws_, rtol=1e-6)


def test_predict_accepts_dates_in_many_forms() -> None:
    trend = DensingTrend(frontier="all", n_bootstrap=100).fit(synth(seed=2))
    at_origin = math.exp(trend.intercept_)
    assert trend.predict("2023-02-24") == pytest.approx(at_origin)
    assert trend.predict(dt.date(2023, 2, 24)) == pytest.approx(at_origin)
    assert trend.predict(pd.Timestamp("2023-02-24")) == pytest.approx(at_origin)
    assert trend.predict(np.datetime64("2023-02-24")) == pytest.approx(at_origin)
    out = trend.predict(["2023-02-24", "2023-03-26"])
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert out[1] / out[0] == pytest.approx(math.exp(30 * trend.slope_per_day_))
    series = trend.predict(pd.Series(pd.to_datetime(["2023-02-24", "2024-02-24"])))
    assert series[0] == pytest.approx(at_origin)
    with pytest.raises(InputError, match="ISO"):
        trend.predict("24/02/2023")


def test_date_types_window_and_origin() -> None:
    text = synth(n=60, seed=3)
    stamps = text.assign(release_date=pd.to_datetime(text["release_date"]))
    objects = text.assign(release_date=[d.date() for d in stamps["release_date"]])
    fits = [DensingTrend(
        frontier="running_max", n_bootstrap=100).fit(d) for d in (text, stamps, objects)]
    assert fits[0].slope_per_day_ == fits[1].slope_per_day_ == fits[2].slope_per_day_
    np.testing.assert_array_equal(fits[0].slope_draws_, fits[2].slope_draws_)

    window = DensingTrend(frontier="all", window=("2023-01-01", "2023-12-31"), n_bootstrap=100)
    window.fit(text)
    inside = pd.to_datetime(text["release_date"]).between("2023-01-01", "2023-12-31")
    assert window.n_models_ == int(inside.sum())
    assert window.n_outside_window_ == len(text) - int(inside.sum())
    assert window.to_dict()["window"] == ["2023-01-01", "2023-12-31"]

    shifted = DensingTrend(frontier="all", origin="2024-02-24", n_bootstrap=100).fit(text)
    base = DensingTrend(frontier="all", n_bootstrap=100).fit(text)
    assert shifted.slope_per_day_ == pytest.approx(base.slope_per_day_)
    assert shifted.intercept_ == pytest.approx(base.intercept_ + 365 * base.slope_per_day_)


def test_censored_rows_are_counted_not_fitted() -> None:
    df = synth(n=40, seed=8).assign(status="ok")
    extra = pd.DataFrame(
        {
            "model": ["x1", "x2", "x3"],
            "release_date": ["2023-05-01", None, "2023-06-01"],
            "density": [np.inf, np.nan, 0.0],
            "status": ["above_ceiling", "below_floor", "above_ceiling"],
        }
    )
    full = pd.concat([df, extra], ignore_index=True)
    trend = DensingTrend(frontier="running_max", n_bootstrap=200).fit(full)
    plain = DensingTrend(frontier="running_max", n_bootstrap=200).fit(df)
    assert trend.n_censored_ == 3
    assert trend.censored_ == {"above_ceiling": 2, "below_floor": 1}
    assert trend.n_models_ == 40
    assert trend.slope_per_day_ == plain.slope_per_day_
    np.testing.assert_array_equal(trend.slope_draws_, plain.slope_draws_)
    assert trend.to_dict()["censored"] == {"above_ceiling": 2, "below_floor": 1}


def test_non_growing_density_warns_and_reports_infinite_doubling() -> None:
    df = synth(n=80, slope=-0.004, seed=9)
    with pytest.warns(FitQualityWarning, match="does not grow"):
        trend = DensingTrend(frontier="all", n_bootstrap=200).fit(df)
    assert trend.slope_per_day_ < 0
    assert math.isinf(trend.doubling_time_days_) and math.isinf(trend.doubling_time_months_)
    assert trend.ci_["doubling_time_months"] == (math.inf, math.inf)
    assert "inf" in repr(trend)
    trend.print_summary()  # does not crash

    flat = synth(n=40, slope=0.0005, sigma=1.0, seed=10)
    trend = DensingTrend(frontier="all", n_bootstrap=400).fit(flat)
    lo, hi = trend.ci_["slope_per_day"]
    assert lo < 0 < hi
    assert math.isinf(trend.ci_["doubling_time_days"][1])
    assert math.isfinite(trend.ci_["doubling_time_days"][0])


# --------------------------------------------------------------------------------------
# presentation and not-fitted behaviour
# --------------------------------------------------------------------------------------


def test_not_fitted_errors_and_repr() -> None:
    trend = DensingTrend(frontier="running_max")
    assert repr(trend) == "<DensingTrend: unfitted>"
    for use in (
        trend.summary,
        lambda: trend.slope_per_day_,
        lambda: trend.ci_,
        lambda: trend.predict("2024-01-01"),
        lambda: trend.compare_periods(),
        trend.print_summary,
        trend.to_dict,
    ):
        with pytest.raises(NotFittedError, match=r"DensingTrend\.fit"):
            use()
    assert not hasattr(trend, "frontier_")
    with pytest.raises(AttributeError):
        _ = trend.not_an_attribute  # type: ignore[attr-defined]


def test_summary_print_and_to_dict(capsys: pytest.CaptureFixture[str]) -> None:
    trend = DensingTrend(frontier="running_max", n_bootstrap=300).fit(synth(n=60, seed=12))
    summary = trend.summary_frame()
    assert list(summary.columns) == ["estimate", "std_error", "ci_low", "ci_high"]
    assert list(summary.index) == [
        "slope_per_day",
        "intercept",
        "doubling_time_days",
        "doubling_time_months",
    ]
    # the calibrated interval (the default) covers the slope and what follows from it;
    # the intercept's stays NaN, its percentile interval is in ci_percentile_
    slope_rows = ["slope_per_day", "doubling_time_days", "doubling_time_months"]
    assert (summary.loc[slope_rows, "ci_low"] <= summary.loc[slope_rows, "ci_high"]).all()
    assert summary.loc["intercept", ["ci_low", "ci_high"]].isna().all()
    assert trend.interval_ == "calibrated"
    assert summary.loc["slope_per_day", "estimate"] == trend.slope_per_day_
    assert repr(trend) == (
        f"<DensingTrend: 60 models, doubling {trend.doubling_time_months_:.1f} mo>"
    )

    trend.print_summary()
    out = capsys.readouterr().out
    assert "doubling time" in out and "95% CI" in out
    assert "Frontier members (running-maximum envelope)" in out and "All-points OLS" in out
    for name in trend.frontier_["model"]:
        assert name in out

    d = trend.to_dict()
    json.dumps(d)  # plain values only
    assert isinstance(d["slope_per_day"], float) and isinstance(d["n_models"], int)
    assert d["origin"] == "2023-02-24"
    assert (
        d["frontier_models"][0]["release_date"]
        == trend.frontier_["release_date"].iloc[0].date().isoformat()
    )
    assert d["ci"]["doubling_time_months"] == list(trend.ci_["doubling_time_months"])
    assert d["all_points"]["n_models"] == 60
    assert d["n_frontier"] == len(d["frontier_models"]) == trend.n_frontier_


def test_single_model_envelope_and_two_model_envelope() -> None:
    df = pd.DataFrame(
        {
            "model": ["big", "b", "c", "d"],
            "release_date": ["2023-01-01", "2023-02-01", "2023-03-01", "2023-04-01"],
            "density": [10.0, 1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(InputError, match="single model .'big'.*quantile"):
        DensingTrend(frontier="running_max", n_bootstrap=50).fit(df)
    df.loc[3, "density"] = 20.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DensingTrend(frontier="running_max", n_bootstrap=50).fit(df)
    messages = [str(w.message) for w in caught if issubclass(w.category, FitQualityWarning)]
    assert any("only 2 models" in m for m in messages)
    assert any("had no defined running_max fit" in m for m in messages)


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------

GOOD = pd.DataFrame(
    {
        "model": ["a", "b", "c", "d"],
        "release_date": ["2023-03-01", "2023-06-01", "2023-09-01", "2023-12-01"],
        "density": [0.5, 0.9, 1.6, 3.0],
    }
)


def edit(**changes: list[object]) -> pd.DataFrame:
    df = GOOD.copy()
    for col, values in changes.items():
        df[col] = values
    return df


@pytest.mark.parametrize(
    ("df", "match"),
    [
        (GOOD.drop(columns="release_date"), "missing column.*'release_date'"),
        (GOOD.drop(columns="density"), "missing column.*'density'"),
        (GOOD.iloc[:0], "empty"),
        (GOOD.iloc[:1], "only 1 usable model"),
        (edit(release_date=[None, None, None, None]), "missing release_date .*'a'"),
        (
            edit(release_date=["March 2023", "2023-06-01", "2023-09-01", "2023-12-01"]),
            "'March 2023' of model 'a'.*ISO YYYY-MM-DD",
        ),
        (
            edit(release_date=["2023-03-01", "03/04/2023", "2023-09-01", "2023-12-01"]),
            "'03/04/2023' of model 'b'.*ISO YYYY-MM-DD",
        ),
        (
            edit(release_date=["2023-03-01", "2023-06-01", "2023/09/01", "2023-12-01"]),
            "'2023/09/01'.*ISO",
        ),
        (
            edit(release_date=["2023-03-01", "2023-06-01", "2023-02-30", "2023-12-01"]),
            "'2023-02-30'.*ISO",
        ),
        (edit(release_date=["2023-03-01", "2023-06-01", "2023-09-01", 2023]), "2023 of model 'd'"),
        (edit(density=[0.5, 0.0, 1.6, -2.0]), r"must be > 0.*'b', 'd'"),
        (edit(density=[0.5, np.nan, 1.6, 3.0]), r"missing \(NaN\).*'b'"),
        (edit(density=[0.5, np.inf, 1.6, 3.0]), "infinite density.*'b'.*non-ok"),
        (edit(density=[0.5, "lots", 1.6, 3.0]), "'lots' of model 'b' is not a number"),
        (
            edit(release_date=["2023-03-01", "2023-06-01", "2023-09-01", "2999-01-01"]),
            "2999-01-01 of model 'd' is in the future",
        ),
        (edit(model=["a", "b", "a", "d"]), "duplicate model name.*'a'"),
        (edit(model=["a", None, "c", "d"]), "model name missing"),
        (edit(status=["bad", "bad", "above_ceiling", "bad"]), "all 4 models are censored"),
        (edit(status=["ok", "ok", "bad", "bad"]), "only 2 usable model.*2 censored"),
        ([1, 2, 3], "DataFrame"),
    ],
)
def test_bad_input_raises_one_line_input_error(df: pd.DataFrame, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        DensingTrend(frontier="running_max", n_bootstrap=10).fit(df)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"frontier": "envelope"}, "frontier='envelope'"),
        ({"quantile": 1.5}, "quantile=1.5"),
        ({"ci": 95}, "ci=95"),
        ({"n_bootstrap": -1}, "n_bootstrap=-1"),
        ({"window": ("2024-01-01", "2023-01-01")}, "start 2024-01-01 is after its end"),
        ({"origin": "Feb 24 2023"}, "origin='Feb 24 2023'"),
        ({"window": "2023-07-01:"}, "only 2 usable model.*window 2023-07-01"),
    ],
)
def test_bad_settings_raise_input_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        settings = {"frontier": "running_max", "n_bootstrap": 10, **kwargs}
        DensingTrend(**settings).fit(GOOD)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------


def test_cli_happy_path(tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]):
    df = synth(n=50, seed=13).assign(status="ok")
    df.loc[len(df)] = ["cens", "2023-05-05", np.inf, "above_ceiling"]
    path = tmp_path / "dens.csv"  # type: ignore[operator]
    df.to_csv(path, index=False)

    assert main(["trend", "--densities", str(path), "--bootstrap", "200"]) == 0
    out = capsys.readouterr().out
    assert "doubling time" in out and "Frontier members" in out and "above_ceiling 1" in out

    argv = [
        "trend",
        "--densities",
        str(path),
        "--json",
        "--frontier",
        "all",
        "--seed",
        "3",
        "--bootstrap",
        "200",
        "--split",
        "2023-06-01",
    ]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["frontier"] == "all" and data["n_models"] == 50 and data["n_censored"] == 1
    assert data["random_state"] == 3 and data["n_bootstrap"] == 200
    assert data["periods"]["split"] == "2023-06-01"
    expected = DensingTrend(frontier="all", n_bootstrap=200, random_state=3).fit(df)
    assert data["slope_per_day"] == pytest.approx(expected.slope_per_day_)

    assert (
        main(
            [
                "trend",
                "--densities",
                str(path),
                "--frontier",
                "quantile",
                "--start",
                "2022-06-01",
                "--end",
                "2024-06-01",
                "--bootstrap",
                "50",
            ]
        )
        == 0
    )
    assert "quantile (q = 0.9)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (
            "model,release_date,density\na,March 2023,0.5\nb,2023-06-01,1\nc,2023-09-01,2\n",
            "March 2023",
        ),
        ("model,release_date,density\na,2023-03-01,0.5\n", "only 1 usable model"),
        ("model,density\na,0.5\nb,1\nc,2\n", "release_date"),
        (
            "model,release_date,density\na,2023-03-01,0\nb,2023-06-01,-1\nc,2023-09-01,2\n",
            "must be > 0",
        ),
        ("", "cannot read"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(
    tmp_path: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    content: str,
    match: str,
) -> None:
    path = tmp_path / "bad.csv"  # type: ignore[operator]
    path.write_text(content)
    assert main(["trend", "--densities", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("densing trend: error:")
    assert match in lines[0]


def test_cli_missing_file_exits_2(tmp_path: pytest.TempPathFactory) -> None:
    assert main(["trend", "--densities", str(tmp_path / "nope.csv")]) == 2  # type: ignore[operator]


# --------------------------------------------------------------------------------------
# speed and the progress helper
# --------------------------------------------------------------------------------------


def test_vectorised_bootstrap_is_fast() -> None:
    df = synth(n=150, seed=14)
    start = time.perf_counter()
    DensingTrend(frontier="running_max", n_bootstrap=10_000).fit(df)
    assert time.perf_counter() - start < 5.0


def test_progress_helper_is_silent_when_disabled(capsys: pytest.CaptureFixture[str]) -> None:
    assert sum(progress(range(4), desc="x")) == 6  # stderr is not a TTY under pytest
    with progress(5, desc="y", disable=True) as bar:
        bar.update(5)
    assert capsys.readouterr().err == ""


# -- issue 19/20: the default frontier, costs, bad draws, the stochastic frontier ----------


def test_default_frontier_is_the_quantile_headline_with_a_pairs_bootstrap() -> None:
    trend = DensingTrend(n_bootstrap=50).fit(synth(n=40, seed=3))
    assert trend.frontier == "quantile" and trend.quantile == 0.9
    assert trend.interval_ == "percentile"
    assert trend.ci_ == trend.ci_percentile_


def test_density_draws_of_strings_name_the_argument() -> None:
    df = synth(n=12, seed=1)
    with pytest.raises(InputError, match="density_draws must be numbers"):
        DensingTrend(n_bootstrap=10).fit(df, density_draws=[["a"] * 12])


def test_a_bootstrap_beyond_the_machine_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match=r"n_bootstrap=1000000000 needs about .* GiB") as exc:
        DensingTrend(n_bootstrap=1_000_000_000).fit(synth(n=40, seed=3))
    assert "\n" not in str(exc.value)


def test_cli_trend_warns_when_quantile_is_ignored(tmp_path, capsys) -> None:
    path = tmp_path / "d.csv"
    synth(n=20, seed=2).to_csv(path, index=False)
    assert main(["trend", "--densities", str(path), "--frontier", "all", "--quantile",
                 "0.8", "--bootstrap", "20"]) == 0
    assert "--quantile 0.8 is ignored with --frontier all" in capsys.readouterr().err


def test_stochastic_frontier_recovers_a_known_slope_and_drift() -> None:
    from densing.trend._stochastic import stochastic_frontier

    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(0, 600, 400))
    ts = (t - t.mean()) / t.std()
    u = np.abs(np.exp(0.3 - 0.4 * ts) * rng.standard_normal(t.size))
    y = -1 + 0.004 * t + 0.3 * rng.standard_normal(t.size) - u
    fit = stochastic_frontier(t, y, n_bootstrap=30, random_state=0)
    assert fit.slope_per_day == pytest.approx(0.004, rel=0.15)
    assert fit.c1 == pytest.approx(-0.4, abs=0.15)
    assert fit.lr_pvalue < 0.01
    lo, hi = fit.slope_ci
    assert lo < fit.slope_per_day < hi
