"""Property tests (hypothesis, derandomised) for every law, its inverse, N_hat and the trend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from densing.laws import LossLaw, ScoreLaw
from densing.reference import ReferenceFrame
from densing.trend import DensingTrend

SETTINGS = settings(derandomize=True, max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def score_laws(draw: st.DrawFn) -> ScoreLaw:
    d = draw(floats(0.0, 0.5))
    c = draw(floats(0.05, 1.0 - d))
    return ScoreLaw.from_params(c=c, gamma=draw(floats(-30.0, -0.2)), l=draw(floats(0.3, 3.0)),
                                d=d)


@st.composite
def loss_laws(draw: st.DrawFn) -> LossLaw:
    e = draw(st.one_of(st.none(), floats(0.05, 1.0)))
    return LossLaw.from_params(a=draw(floats(0.5, 50.0)), alpha=draw(floats(0.05, 1.0)),
                               b=draw(floats(1.0, 1e3)), beta=draw(floats(0.05, 0.6)), E=e)


# -- ScoreLaw --------------------------------------------------------------------------------------
@SETTINGS
@given(law=score_laws(), u=st.lists(floats(1e-6, 1 - 1e-6), min_size=1, max_size=20))
def test_score_round_trip(law: ScoreLaw, u: list[float]) -> None:
    lo, hi = law.score_range()
    s = lo + (hi - lo) * np.asarray(u)
    assume(np.all((s > lo) & (s < hi)))
    back = law.predict(law.inverse(s))
    np.testing.assert_allclose(back, s, rtol=0, atol=1e-9)


@SETTINGS
@given(law=score_laws(), u=st.lists(floats(1e-4, 1 - 1e-4), min_size=2, max_size=20))
def test_score_inverse_decreasing(law: ScoreLaw, u: list[float]) -> None:
    lo, hi = law.score_range()
    s = np.sort(lo + (hi - lo) * np.asarray(u))
    loss = law.inverse(s)
    assert np.all(np.isfinite(loss))
    assert np.all(np.diff(loss) <= 0)  # a higher score needs a lower loss


@SETTINGS
@given(law=score_laws(), below=floats(0.0, 1.0), above=floats(0.0, 1.0))
def test_score_inverse_nan_outside_range(law: ScoreLaw, below: float, above: float) -> None:
    lo, hi = law.score_range()
    outside = np.array([lo * below * (1 - 1e-12), hi * (1 + 1e-12) + (1.0 - hi) * above])
    assert np.all(np.isnan(law.inverse(outside)))


def test_score_inverse_nan_at_the_exact_bounds() -> None:
    law = ScoreLaw.from_params(c=0.3535, gamma=-1.0, l=1.0, d=0.5)
    lo, hi = law.score_range()
    assert np.all(np.isnan(law.inverse([lo, hi])))


# -- LossLaw ---------------------------------------------------------------------------------------
@SETTINGS
@given(law=loss_laws(), log_n=st.lists(floats(np.log(1e7), np.log(1e13)), min_size=1,
                                        max_size=20), log_d=floats(np.log(1e10), np.log(1e14)))
def test_loss_round_trip(law: LossLaw, log_n: list[float], log_d: float) -> None:
    n = np.exp(np.asarray(log_n))
    d = float(np.exp(log_d))
    loss = law.predict(n, d)
    excess = loss - law.loss_floor(d)
    assume(np.all(excess > 1e-3 * loss))  # keep away from catastrophic cancellation
    np.testing.assert_allclose(law.params_for_loss(loss, d), n, rtol=1e-9)


@SETTINGS
@given(law=loss_laws(), log_d=floats(np.log(1e10), np.log(1e14)), frac=floats(0.0, 1.0))
def test_loss_inverse_nan_at_or_below_floor(law: LossLaw, log_d: float, frac: float) -> None:
    d = float(np.exp(log_d))
    floor = float(law.loss_floor(d))
    assert np.all(np.isnan(law.params_for_loss([floor * frac, floor * (1 - 1e-12)], d)))


def test_loss_inverse_nan_at_the_exact_floor() -> None:
    law = LossLaw.from_params(a=1.0, alpha=1.0, b=1.0, beta=0.0625, E=0.875)
    d = 26489122129.84347
    assert np.isnan(law.params_for_loss(float(law.loss_floor(d)), d))


@SETTINGS
@given(law=loss_laws(), log_n=st.lists(floats(np.log(1e7), np.log(1e13)), min_size=2,
                                        max_size=20))
def test_loss_decreasing_in_size(law: LossLaw, log_n: list[float]) -> None:
    n = np.exp(np.sort(np.asarray(log_n)))
    assert np.all(np.diff(law.predict(n, 1e12)) <= 0)


# -- N_hat through the reference frame ------------------------------------------------------------
#: statuses in the order a rising score passes through them
STATUS_RANK = {"below_floor": 0, "ok": 1, "above_frame_range": 2, "above_ceiling": 3}


@settings(derandomize=True, max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scores=st.lists(floats(0.0, 1.0), min_size=2, max_size=50),
       bench=st.sampled_from(["average", "average_llv1", "hellaswag", "arc_challenge", "piqa"]),
       tokens=st.sampled_from([1e12, 5e12]))
def test_n_hat_monotone_in_score(frame: ReferenceFrame, scores: list[float], bench: str,
                                 tokens: float) -> None:
    lo, hi = frame.valid_score_range(bench, tokens)
    # mix in scores inside the invertible range so 'ok' rows are always exercised
    s = np.sort(np.r_[scores, lo + (hi - lo) * np.asarray(scores)])
    eff = frame.effective_params(s, bench, tokens)
    n_hat = eff["n_hat"].to_numpy()
    rank = eff["status"].map(STATUS_RANK).to_numpy()
    assert not np.isnan(n_hat).any()
    assert np.all(np.diff(rank) >= 0), eff["status"].tolist()
    assert np.all(n_hat[1:] >= n_hat[:-1])
    ok = eff["status"].to_numpy() == "ok"
    assert np.all(np.isfinite(n_hat[ok]) & (n_hat[ok] > 0))
    assert np.all(n_hat[rank == 0] == 0) and np.all(np.isinf(n_hat[rank >= 2]))


# -- trend ----------------------------------------------------------------------------------
@settings(derandomize=True, max_examples=25, deadline=None)
@given(log_k=floats(-5.0, 5.0), slope=floats(0.0005, 0.01), seed=st.integers(0, 1000))
def test_trend_scaling_changes_only_the_intercept(log_k: float, slope: float,
                                                  seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 25
    days = np.sort(rng.choice(700, size=n, replace=False))
    dens = np.exp(slope * days + rng.normal(0, 0.4, n))
    dates = pd.Timestamp("2023-02-24") + pd.to_timedelta(days, unit="D")
    base = pd.DataFrame({"model": [f"m{i}" for i in range(n)], "release_date": dates,
                         "density": dens})
    scaled = base.assign(density=dens * np.exp(log_k))
    for frontier in ("running_max", "all", "quantile"):
        t1 = DensingTrend(frontier=frontier, n_bootstrap=10, random_state=0).fit(base)
        t2 = DensingTrend(frontier=frontier, n_bootstrap=10, random_state=0).fit(scaled)
        assert t2.slope_per_day_ == pytest.approx(t1.slope_per_day_, rel=1e-7, abs=1e-12)
        assert t2.intercept_ == pytest.approx(t1.intercept_ + log_k, rel=1e-7, abs=1e-7)
        assert list(t2.frontier_["model"]) == list(t1.frontier_["model"])
        lo1, hi1 = t1.ci_["slope_per_day"]
        lo2, hi2 = t2.ci_["slope_per_day"]
        assert lo2 == pytest.approx(lo1, rel=1e-6, abs=1e-10)
        assert hi2 == pytest.approx(hi1, rel=1e-6, abs=1e-10)


# -- the shared field rules (densing._validation) ------------------------------------------------
@SETTINGS
@given(x=st.floats(allow_nan=True, allow_infinity=True))
def test_format_value_round_trips_every_float(x: float) -> None:
    from densing._validation import format_value

    text = format_value(np.float64(x))
    assert "np." not in text
    back = float(text)
    assert (np.isnan(back) and np.isnan(x)) or back == x


@SETTINGS
@given(x=st.floats(allow_nan=True, allow_infinity=True))
def test_score_rule_accepts_exactly_the_unit_interval(x: float) -> None:
    from densing._validation import check_score, format_value
    from densing.exceptions import InputError

    if 0.0 <= x <= 1.0:
        assert check_score(np.float64(x)) == x
    else:
        with pytest.raises(InputError) as info:
            check_score(np.float64(x))
        assert f"score={format_value(x)}" in str(info.value)


@SETTINGS
@given(x=st.floats(allow_nan=True, allow_infinity=True))
def test_param_count_rule(x: float) -> None:
    from densing._validation import BILLIONS_BELOW, check_param_count
    from densing.exceptions import InputError

    if np.isfinite(x) and x >= BILLIONS_BELOW:
        assert check_param_count(x) == x
    else:
        with pytest.raises(InputError, match="n_params="):
            check_param_count(x)


@SETTINGS
@given(days=st.integers(-40_000, 40_000))
def test_release_date_window(days: int) -> None:
    import datetime as dt

    from densing._validation import EARLIEST_RELEASE_DATE, check_release_date
    from densing.exceptions import InputError

    today = dt.datetime.now(dt.timezone.utc).date()
    day = today + dt.timedelta(days=days)
    inside = EARLIEST_RELEASE_DATE <= day <= today + dt.timedelta(days=366)
    if inside:
        assert check_release_date(day.isoformat()) == day
    else:
        with pytest.raises(InputError, match=f"release_date={day.isoformat()}"):
            check_release_date(day.isoformat())
