"""Intervals that cover (issue 12 item 2, issue 19 section 2; docs/method.md
#trap-interval-coverage).

Part 1, the calibrated intervals: 50-150 models whose release dates (whole days over two
years) come in 6-10 bursts of about two weeks, ln rho = -1 + 0.006 t + N(0, s^2) with
s from 0.3 to 0.7, plus one design at the bundled data's size and scatter. Every frontier
estimates the same slope 0.006 under this model; 400 seeded repetitions per frontier and
design, and the percentile envelope interval for contrast (it under-covers).

Part 2, the headline (issue 19): the 0.9-quantile line's pairs-bootstrap percentile
interval on six designs built from the bundled data itself (its dates, its OLS scatter, its
residuals, its stochastic-frontier fit; derived in the ``real_data`` fixture, not typed
in): Student t3 noise, spread growing over the window, a bending frontier, 30 models, the
real residuals resampled, a drifting-inefficiency stochastic frontier. The target is each
design's population 0.9-quantile line. The 400-repetition runs (marked slow, about a
minute in all on one core) use a vectorised quantile solver written here; a fast test
checks that it reproduces ``DensingTrend``'s point slope, bootstrap slopes and interval on
the same resamples. ``python tests/test_coverage.py docs/coverage.json 400 200`` writes the
table ``scripts/readme_tables.py`` puts in docs/reproduction.md.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from _coverage_helpers import TRUE_SLOPE, bursty_design
from scipy import stats

from densing import FitQualityWarning, InputError
from densing.trend import DensingTrend, calibrated_slope_interval

REPS = 400
ORIGIN = np.datetime64("2023-02-24", "D")


def coverage(frontier: str, n: int | None, sigma: float | None, n_sim: int = 400) -> float:
    hits = 0
    for rep in range(REPS):
        t, x = bursty_design(rep, n, sigma)
        lo, hi = calibrated_slope_interval(frontier, t, x, 0.95, n_sim=n_sim, random_state=rep)
        hits += lo <= TRUE_SLOPE <= hi
    return hits / REPS


@pytest.mark.parametrize("frontier", ["running_max", "quantile", "all"])
@pytest.mark.parametrize(("n", "sigma"), [(None, None), (50, 0.7), (150, 0.3), ("real", "real")])
def test_calibrated_interval_covers(frontier: str, n: int | str | None, sigma: float | str | None,
                                    request: pytest.FixtureRequest) -> None:
    """Coverage of the calibrated interval; the ``real`` case takes the bundled data's model
    count and scatter from the ``real_data`` fixture (109 models, s = 1.685 today)."""
    if n == "real":
        real = request.getfixturevalue("real_data")
        n, sigma = int(real["n"]), float(real["s"])
    assert not isinstance(n, str) and not isinstance(sigma, str)
    cov = coverage(frontier, n, sigma)
    # 400 repetitions: Monte Carlo SE about 0.011 at 0.95
    assert cov >= 0.92, f"{frontier} n={n} sigma={sigma}: coverage {cov:.3f} < 0.92"
    assert cov <= 0.985, f"{frontier} n={n} sigma={sigma}: coverage {cov:.3f}: far too wide"


def test_percentile_envelope_interval_undercovers_on_bursty_designs() -> None:
    """The contrast: the case bootstrap's percentile interval of the envelope covers
    about 0.83 on the mixed design (0.775 with 50 models and s = 0.7)."""
    hits = 0
    reps = REPS
    for rep in range(reps):
        t, x = bursty_design(rep)
        df = pd.DataFrame({
            "model": [f"m{i}" for i in range(t.size)],
            "release_date": ORIGIN + t.astype(int),
            "density": np.exp(x),
        })
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitQualityWarning)
            trend = DensingTrend(frontier="running_max", n_bootstrap=200, random_state=rep,
                                 interval="percentile").fit(df)
        lo, hi = trend.ci_["slope_per_day"]
        hits += lo <= TRUE_SLOPE <= hi
    assert hits / reps < 0.90, hits / reps


def test_all_points_calibrated_is_the_student_t_interval() -> None:
    t, x = bursty_design(5)
    n = t.size
    slope, icpt = np.polyfit(t, x, 1)
    resid = x - (icpt + slope * t)
    se = math.sqrt(np.sum(resid**2) / (n - 2) / np.sum((t - t.mean()) ** 2))
    half = stats.t.ppf(0.975, n - 2) * se
    lo, hi = calibrated_slope_interval("all", t, x, 0.95)
    assert lo == pytest.approx(slope - half, rel=1e-9)
    assert hi == pytest.approx(slope + half, rel=1e-9)


def test_trend_carries_the_calibrated_interval_and_keeps_the_percentile_one() -> None:
    t, x = bursty_design(9)
    df = pd.DataFrame({
        "model": [f"m{i}" for i in range(t.size)],
        "release_date": ORIGIN + t.astype(int),
        "density": np.exp(x),
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitQualityWarning)
        plain = DensingTrend(frontier="running_max", n_bootstrap=300, random_state=4,
                             interval="percentile").fit(df)
        cal = DensingTrend(frontier="running_max", n_bootstrap=300,
                           random_state=4).fit(df)  # calibrated for the envelope
    assert cal.interval_ == "calibrated" and plain.interval_ == "percentile"
    assert cal.ci_percentile_ == plain.ci_ == plain.ci_percentile_
    assert plain.ci_calibrated_ == cal.ci_calibrated_ == cal.ci_
    # the same computation called directly (days since the trend's origin)
    t_days = (df["release_date"].to_numpy().astype("datetime64[D]") - ORIGIN).astype(float)
    direct = calibrated_slope_interval("running_max", t_days, x, 0.95, n_sim=300,
                                       random_state=4, estimate=cal.slope_per_day_)
    assert cal.ci_["slope_per_day"] == pytest.approx(direct)
    lo, hi = cal.ci_["slope_per_day"]
    d_lo, d_hi = cal.ci_["doubling_time_days"]
    assert d_lo == pytest.approx(math.log(2) / hi) and d_hi == pytest.approx(math.log(2) / lo)
    assert cal.to_dict()["interval"] == "calibrated"
    assert plain.to_dict()["interval"] == "percentile"
    assert cal.to_dict()["ci_percentile"] == plain.to_dict()["ci"]


def test_density_draws_widen_the_calibrated_interval() -> None:
    """With density draws the calibrated interval is widened, in quadrature, by the
    frontier slope's spread over the draws (every model kept)."""
    t, x = bursty_design(3)
    n = t.size
    df = pd.DataFrame({
        "model": [f"m{i}" for i in range(n)],
        "release_date": ORIGIN + t.astype(int),
        "density": np.exp(x),
    })
    draws = np.exp(x[None, :] + 0.3 * np.random.default_rng(0).standard_normal((200, n)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitQualityWarning)
        plain = DensingTrend(frontier="running_max", n_bootstrap=200, random_state=1).fit(df)
        joint = DensingTrend(frontier="running_max", n_bootstrap=200,
                             random_state=1).fit(df, density_draws=draws)
    assert joint.measurement_slopes_ is not None and joint.measurement_slopes_.shape == (200,)
    a = plain.slope_per_day_
    lo, hi = plain.ci_["slope_per_day"]
    jlo, jhi = joint.ci_["slope_per_day"]
    # independent recomputation: envelope slope of each draw (models in date order)
    order = np.lexsort((-x, t))
    ts, ld = t[order], np.log(draws)[:, order]
    m = []
    for row in ld:
        o = np.lexsort((-row, ts))
        tt, rr = ts[o], row[o]
        keep = rr >= np.maximum.accumulate(rr)
        m.append(np.polyfit(tt[keep], rr[keep], 1)[0])
    q_lo, q_hi = np.quantile(m, [0.025, 0.975])
    sd = (q_hi - q_lo) / (2 * stats.norm.ppf(0.975))
    assert jlo == pytest.approx(a - math.hypot(a - lo, 1.959964 * sd), rel=1e-4)
    assert jhi == pytest.approx(a + math.hypot(hi - a, 1.959964 * sd), rel=1e-4)
    assert jlo < lo and jhi > hi


def test_interval_setting_is_checked() -> None:
    df = pd.DataFrame({"model": ["a", "b", "c"], "release_date": ["2023-03-01",
                       "2023-06-01", "2023-09-01"], "density": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="interval='wide' is not one of"):
        DensingTrend(interval="wide").fit(df)
    with pytest.raises(InputError, match="not available with censored='bound'"):
        DensingTrend(interval="calibrated", censored="bound").fit(df)


# -- issue 19: the quantile headline on noise that looks like the data -------------------

#: the headline quantile and the designs of issue 19 section 2
TAU = 0.9
ISSUE19_DESIGNS = ("t3", "spread_grows", "bends", "n30", "real_residuals", "stochastic")


@pytest.fixture(scope="module")
def real_data():
    """The real data's description, derived from the bundled data (not constants)."""
    from densing.report import reproduce

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = reproduce(n_bootstrap=0, sfa_bootstrap=0, frame_bootstrap=2)
    d = rep.trend.data_
    t = d["t_days"].to_numpy(dtype=float)
    x = np.log(d["density"].to_numpy(dtype=float))
    a, b = np.polyfit(t, x, 1)
    s = float(np.sqrt(np.sum((x - (a * t + b)) ** 2) / (t.size - 2)))
    resid = x - (rep.trend.slope_per_day_ * t + rep.trend.intercept_)
    sf = rep.stochastic
    return {"t": t, "n": t.size, "s": s, "resid": resid - np.quantile(resid, TAU),
            "sf": sf}


def _issue19_sample(design: str, real: dict, rng: np.random.Generator, n: int | None = None):
    """(t, x, quantile of the noise at t) for one design; the truth is A t + B + q(t)."""
    t = real["t"] if n is None else np.sort(rng.choice(real["t"], n))
    if design == "n30":
        t = np.sort(rng.choice(real["t"], 30))
    s, m = real["s"], t.size
    span = float(np.ptp(real["t"]))
    if design == "t3":
        e = s * rng.standard_t(3, m) / math.sqrt(3.0)
    elif design == "spread_grows":
        e = s * (0.5 + t / span) * rng.standard_normal(m)
    elif design == "bends":
        e = s * rng.standard_normal(m) + 0.004 * TRUE_SLOPE * (t - span / 2) ** 2 / span
    elif design == "real_residuals":
        e = rng.choice(real["resid"], m)
    elif design == "stochastic":
        sf = real["sf"]
        ts = (t - real["t"].mean()) / real["t"].std()
        su = np.exp(sf.c0 + sf.c1 * ts)
        e = sf.sigma_v * rng.standard_normal(m) - np.abs(su * rng.standard_normal(m))
    else:
        e = s * rng.standard_normal(m)
    return t, -1.0 + TRUE_SLOPE * t + e


def _target_slope(design: str, real: dict) -> float:
    """The population tau-quantile line's slope: one fit on a very large sample."""
    from densing.trend._frontiers import _quantile_line

    rng = np.random.default_rng(19)
    t, x = _issue19_sample(design, real, rng, n=20_000)
    return _quantile_line(t, x, np.ones(t.size), TAU)[0]


#: golden-section ratio of the vectorised quantile solver below
_GOLD = (math.sqrt(5.0) - 1.0) / 2.0


def _profile_loss(t: np.ndarray, x: np.ndarray, b: np.ndarray, tau: float) -> np.ndarray:
    """Per row: min over the intercept of the summed check loss at slope ``b`` (the
    intercept is the rows' ``tau``-quantile of ``x - b t``, found by partition)."""
    k = math.ceil(tau * t.shape[1]) - 1
    r = x - b[:, None] * t
    u = r - np.partition(r, k, axis=1)[:, k][:, None]
    return np.where(u >= 0, tau * u, (tau - 1.0) * u).sum(axis=1)


def quantile_slopes(t: np.ndarray, x: np.ndarray, tau: float, centre: np.ndarray,
                    half: float = 0.1, tol: float = 1e-12) -> np.ndarray:
    """The exact linear ``tau``-quantile slope of every row of ``(t, x)`` at once.

    Written here, independently of the package: the profile loss over the slope is convex,
    so a golden-section search over ``centre +- half`` finds its minimiser to ``tol``. A
    row whose minimiser lands near the bracket's edge is searched again in a wider one.
    Resampled rows carry repeated models, which is the package's weighted LP with counts.
    """
    out = np.empty(t.shape[0])
    todo = np.arange(t.shape[0])
    while todo.size:
        tt, xx, mid = t[todo], x[todo], centre[todo]
        lo, hi = mid - half, mid + half
        c, d = hi - _GOLD * (hi - lo), lo + _GOLD * (hi - lo)
        fc, fd = _profile_loss(tt, xx, c, tau), _profile_loss(tt, xx, d, tau)
        while np.max(hi - lo) > tol:
            left = fc < fd  # the minimiser lies in [lo, d]
            hi, lo = np.where(left, d, hi), np.where(left, lo, c)
            c_new = np.where(left, hi - _GOLD * (hi - lo), d)
            d_new = np.where(left, c, lo + _GOLD * (hi - lo))
            fp = _profile_loss(tt, xx, np.where(left, c_new, d_new), tau)
            fc, fd = np.where(left, fp, fd), np.where(left, fc, fp)
            c, d = c_new, d_new
        b = (lo + hi) / 2.0
        edge = np.abs(b - mid) > 0.9 * half
        out[todo[~edge]] = b[~edge]
        todo, half = todo[edge], half * 10.0
    return out


def _resample_rows(t: np.ndarray, x: np.ndarray, n_boot: int, seed: int):
    """The data (first row) and ``n_boot`` case resamples drawn as ``DensingTrend`` draws
    them (``default_rng(seed)``, positions sorted, data ordered by date then -density)."""
    order = np.lexsort((-x, t))
    t, x = t[order], x[order]
    idx = np.sort(np.random.default_rng(seed).integers(0, t.size, (n_boot, t.size)), axis=1)
    return np.vstack([t, t[idx]]), np.vstack([x, x[idx]])


def _quantile_fit(t: np.ndarray, x: np.ndarray, n_boot: int, seed: int):
    """Point slope and percentile 95 % interval of the 0.9-quantile line, vectorised."""
    tt, xx = _resample_rows(t, x, n_boot, seed)
    ols = np.polyfit(t, x, 1)[0]
    slopes = quantile_slopes(tt, xx, TAU, np.full(tt.shape[0], ols))
    lo, hi = np.percentile(slopes[1:], [2.5, 97.5])
    return float(slopes[0]), float(lo), float(hi), slopes[1:]


def _issue19_coverage(design: str, real: dict, reps: int, n_boot: int) -> dict:
    """Coverage of the target slope by the 0.9-quantile line's pairs-bootstrap percentile
    interval (what ``DensingTrend(frontier="quantile")`` computes; the equivalence is
    checked in :func:`test_vectorised_quantile_bootstrap_is_the_packages`)."""
    target = _target_slope(design, real)
    est, lo, hi = np.empty(reps), np.empty(reps), np.empty(reps)
    for r in range(reps):
        t, x = _issue19_sample(design, real, np.random.default_rng([r, 19]))
        est[r], lo[r], hi[r], _ = _quantile_fit(t, x, n_boot, r)
    return {"design": design, "target": target, "coverage": float(np.mean((lo <= target)
                                                                          & (target <= hi))),
            "bias": float(np.mean(est) / target - 1), "rmse": float(
                np.sqrt(np.mean((est - target) ** 2)) / target),
            "median_width": float(np.median(hi - lo)),
            "share_unbounded": float(np.mean(lo <= 0))}


@pytest.mark.parametrize("design", ["t3", "bends", "n30"])
def test_vectorised_quantile_bootstrap_is_the_packages(design: str, real_data: dict) -> None:
    """The coverage runs use the vectorised solver above; on the same resamples it gives
    the package's point slope, every bootstrap slope and the interval."""
    for r in range(2):
        t, x = _issue19_sample(design, real_data, np.random.default_rng([r, 19]))
        df = pd.DataFrame({"model": [f"m{i}" for i in range(t.size)],
                           "release_date": (ORIGIN + t.astype(int)).astype(str),
                           "density": np.exp(x)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = DensingTrend(frontier="quantile", quantile=TAU, n_bootstrap=100,
                               random_state=r).fit(df)
        est, lo, hi, draws = _quantile_fit(t, x, 100, r)
        scale = abs(fit.slope_per_day_)
        assert est == pytest.approx(fit.slope_per_day_, abs=1e-8 * scale)
        assert np.max(np.abs(draws - fit.slope_draws_)) < 1e-8 * scale
        assert (lo, hi) == pytest.approx(fit.ci_["slope_per_day"], abs=1e-8 * scale)


@pytest.mark.parametrize("design", ["t3", "real_residuals"])
def test_quantile_headline_covers_fast(design: str, real_data: dict) -> None:
    """A small version in the default suite: 100 repetitions of 200 resamples."""
    res = _issue19_coverage(design, real_data, reps=100, n_boot=200)
    assert res["coverage"] >= 0.88, res
    assert res["share_unbounded"] <= 0.1, res
    assert abs(res["bias"]) < 0.15, res


def test_real_data_description_is_derived(real_data: dict) -> None:
    assert real_data["n"] > 50 and 0.5 < real_data["s"] < 3
    assert real_data["sf"] is not None and real_data["sf"].c1 != 0


@pytest.mark.slow
@pytest.mark.parametrize("design", ISSUE19_DESIGNS)
def test_quantile_headline_covers(design: str, real_data: dict) -> None:
    """400 seeded repetitions, 200 pairs resamples each, coverage of the 0.9-quantile line
    (about 10 s a design on one core with the vectorised solver)."""
    res = _issue19_coverage(design, real_data, reps=REPS, n_boot=200)
    assert res["coverage"] >= 0.92, res
    if design in ("real_residuals", "stochastic"):
        assert res["share_unbounded"] <= 0.10, res


def _write_coverage(path: str, reps: int, n_boot: int) -> None:
    """Measure every issue-19 design and write the table ``scripts/readme_tables.py`` reads."""
    import json

    from densing.report import reproduce

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = reproduce(n_bootstrap=0, sfa_bootstrap=0, frame_bootstrap=2)
    d = rep.trend.data_
    t = d["t_days"].to_numpy(dtype=float)
    x = np.log(d["density"].to_numpy(dtype=float))
    a, b = np.polyfit(t, x, 1)
    s = float(np.sqrt(np.sum((x - (a * t + b)) ** 2) / (t.size - 2)))
    resid = x - (rep.trend.slope_per_day_ * t + rep.trend.intercept_)
    real = {"t": t, "n": t.size, "s": s, "resid": resid - np.quantile(resid, TAU),
            "sf": rep.stochastic}
    out = [{**_issue19_coverage(dsg, real, reps, n_boot), "reps": reps, "n_boot": n_boot}
           for dsg in ISSUE19_DESIGNS]
    with open(path, "w") as fh:
        json.dump({"tau": TAU, "n_models": int(t.size), "s": s, "designs": out}, fh, indent=1)


if __name__ == "__main__":
    import sys

    _write_coverage(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
