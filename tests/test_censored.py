"""Censored models kept as lower bounds (issue 12 item 1, METHOD.md item 9).

Synthetic truth: ln rho = -1 + 0.006 t + N(0, 0.5^2) on bursty release dates over two
years; a model whose ln rho exceeds its own ceiling c_i = 1.6 + N(0, 0.3^2) (the frame's
highest expressible density varies with N) is censored and reported at c_i as a bound.
About 40 % of the 120 models end up censored, most of them late.

A one-off simulation of 200 repetitions (seeds 0-199, written down in the report of
branch `stats`) gave these mean relative biases of the slope:

=============  ===========  ==============
frontier       dropped      kept as bounds
=============  ===========  ==============
all points     -18.3 %      +0.2 % (Tobit)
quantile 0.9   -26.4 %      -3.3 % (Powell)
running max    -17.1 %      -26.8 % (floor)
=============  ===========  ==============

The floor under the running maximum is what METHOD.md item 9 asks for, but it does not
remove the envelope's bias when the ceiling is crossed by the trend itself: the bounds
saturate at the ceiling like the observed models do. The tests below pin the first two
rows (with tolerances of several Monte Carlo standard errors over 120 repetitions) and
the floor property of the third.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from densing import InputError
from densing.trend import DensingTrend
from densing.trend._censored import (
    censored_envelope,
    censored_fit,
    censored_quantile_line,
    tobit_line,
)

TRUE_SLOPE = 0.006


def bursty_dates(rng: np.random.Generator, n: int, span: float = 720.0) -> np.ndarray:
    """Release dates in 6-10 bursts of about two weeks."""
    k = int(rng.integers(6, 11))
    centres = np.sort(rng.uniform(0.0, span, k))
    return np.sort(np.clip(rng.choice(centres, n) + rng.normal(0.0, 12.0, n), 0.0, span))


def censored_sample(seed: int, n: int = 120) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    t = bursty_dates(rng, n)
    x = -1.0 + TRUE_SLOPE * t + rng.normal(0.0, 0.5, n)
    c = 1.6 + rng.normal(0.0, 0.3, n)
    cens = x >= c
    return t, x, np.where(cens, c, x), cens, c


def ols_slope(t: np.ndarray, y: np.ndarray) -> float:
    return float(np.polyfit(t, y, 1)[0])


def indep_quantile_slope(t: np.ndarray, y: np.ndarray, q: float) -> float:
    """Primal quantile-regression LP written here (not the package's dual)."""
    n = t.size
    # variables: b0, b1 (free), u+ (n), u- (n) ; y = b0 + b1 t + u+ - u-
    cost = np.concatenate([[0.0, 0.0], np.full(n, q), np.full(n, 1.0 - q)])
    a_eq = np.hstack([np.ones((n, 1)), t[:, None], np.eye(n), -np.eye(n)])
    bounds = [(None, None), (None, None)] + [(0, None)] * (2 * n)
    res = optimize.linprog(cost, A_eq=a_eq, b_eq=y, bounds=bounds, method="highs")
    return float(res.x[1])


def test_censoring_biases_dropping_and_the_censored_fits_recover_the_slope() -> None:
    reps = 120
    drop_all, tobit, drop_q, powell, n_cens = [], [], [], [], []
    for seed in range(reps):
        t, x, y, cens, c = censored_sample(seed)
        keep = ~cens
        n_cens.append(int(cens.sum()))
        drop_all.append(ols_slope(t[keep], x[keep]))
        tobit.append(tobit_line(t, y, cens).slope_per_day)
        drop_q.append(indep_quantile_slope(t[keep], x[keep], 0.9))
        powell.append(censored_quantile_line(t, y, cens, 0.9, censor_at=c).slope_per_day)
    bias = {k: float(np.mean(v)) / TRUE_SLOPE - 1.0 for k, v in
            {"drop_all": drop_all, "tobit": tobit, "drop_q": drop_q, "powell": powell}.items()}
    assert 25 <= np.mean(n_cens) <= 70, np.mean(n_cens)
    # dropping biases both fits down (about -18 % and -26 % in the one-off simulation)
    assert bias["drop_all"] < -0.10, bias
    assert bias["drop_q"] < -0.15, bias
    # the censored estimators recover the slope (+0.2 % and -3.3 %; Monte Carlo SE about
    # 0.7 % and 2.2 % over 120 repetitions)
    assert abs(bias["tobit"]) < 0.03, bias
    assert abs(bias["powell"]) < 0.08, bias


def test_envelope_never_falls_below_a_bound() -> None:
    t, x, y, cens, _ = censored_sample(3)
    fit = censored_envelope(t, y, cens)
    order = np.lexsort((-y, t))
    running = np.maximum.accumulate(y[order])
    # every member is strictly above everything released before it
    members = fit.on_frontier[order]
    prev = np.concatenate([[-np.inf], running[:-1]])
    assert np.array_equal(members, y[order] > prev)
    assert fit.n_bounds == int(cens.sum()) and fit.n_bounds_on_frontier >= 1
    # the fitted envelope's last member is the overall maximum, bound or not
    assert y[fit.on_frontier].max() == pytest.approx(y.max())
    # without the bounds the envelope ends lower: the floor is binding
    keep = ~cens
    assert x[keep].max() < y.max()


def _neg_loglik(theta: np.ndarray, t: np.ndarray, y: np.ndarray, cens: np.ndarray) -> float:
    a, b, log_s = theta
    s = math.exp(log_s)
    mu = a + b * t
    return -float(np.sum(np.where(cens, stats.norm.logsf(y, mu, s),
                                  stats.norm.logpdf(y, mu, s))))


def test_tobit_matches_an_independent_likelihood_maximum() -> None:
    t, _, y, cens, _ = censored_sample(7, n=80)
    fit = tobit_line(t, y, cens)
    ts = t / 100.0  # Nelder-Mead on a rescaled time
    res = optimize.minimize(
        lambda th: _neg_loglik(np.array([th[0], th[1] / 100.0, th[2]]), t, y, cens),
        x0=np.array([-1.0, 0.5, math.log(0.5)]), method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 20000, "maxfev": 40000},
    )
    assert ts.size == t.size
    assert fit.slope_per_day == pytest.approx(res.x[1] / 100.0, rel=1e-4)
    assert fit.intercept == pytest.approx(res.x[0], abs=1e-4)
    assert fit.sigma == pytest.approx(math.exp(res.x[2]), rel=1e-4)
    nll_pkg = _neg_loglik(np.array([fit.intercept, fit.slope_per_day, math.log(fit.sigma)]),
                          t, y, cens)
    assert nll_pkg <= res.fun + 1e-7


def test_without_bounds_the_censored_fits_are_the_plain_ones() -> None:
    rng = np.random.default_rng(11)
    t = bursty_dates(rng, 60)
    x = 0.3 + 0.004 * t + rng.normal(0.0, 0.4, 60)
    none = np.zeros(60, dtype=bool)
    tob = tobit_line(t, x, none)
    slope, icpt = np.polyfit(t, x, 1)
    assert tob.slope_per_day == pytest.approx(slope, rel=1e-6)
    assert tob.intercept == pytest.approx(icpt, rel=1e-6, abs=1e-8)
    resid = x - (icpt + slope * t)
    assert tob.sigma == pytest.approx(math.sqrt(np.mean(resid**2)), rel=1e-5)
    quant = censored_quantile_line(t, x, none, 0.9)
    assert quant.slope_per_day == pytest.approx(indep_quantile_slope(t, x, 0.9), rel=1e-6)
    assert quant.converged
    assert censored_fit("all", t, x, none).slope_per_day == tob.slope_per_day


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([0.0, 1.0], [0.0, 1.0], [False, False]), "at least 3"),
        (([0.0, 1.0, 2.0], [0.0, 1.0], [False, False, False]), "one entry per model"),
        (([0.0, 1.0, 2.0], [0.0, np.nan, 1.0], [False, False, False]), "finite"),
        (([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [True, True, True]), "every model is a bound"),
    ],
)
def test_bad_input_names_the_problem(args: tuple, match: str) -> None:
    with pytest.raises(InputError, match=match):
        tobit_line(*args)


def test_censored_fit_rejects_unknown_frontier_and_quantile() -> None:
    t = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 1.0, 0.5, 2.0])
    with pytest.raises(InputError, match="frontier='median'"):
        censored_fit("median", t, y, np.zeros(4, bool))
    with pytest.raises(InputError, match="q=1.5"):
        censored_quantile_line(t, y, np.zeros(4, bool), q=1.5)


# --------------------------------------------------------------------------------------
# DensingTrend(frontier="running_max", censored="bound")
# --------------------------------------------------------------------------------------

ORIGIN = np.datetime64("2023-02-24", "D")


def censored_table(seed: int = 21, n: int = 90):
    """A models table: censored rows have an inf density and their bound in density_bound;
    ok rows carry their own censoring point there."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    days = np.round(bursty_dates(rng, n)).astype(int)
    t = days.astype(float)
    x = -1.0 + TRUE_SLOPE * t + rng.normal(0.0, 0.5, n)
    c = 1.6 + rng.normal(0.0, 0.3, n)
    cens = x >= c
    df = pd.DataFrame({
        "model": [f"m{i:03d}" for i in range(n)],
        "release_date": pd.to_datetime(ORIGIN + days),
        "density": np.where(cens, np.inf, np.exp(x)),
        "status": np.where(cens, "above_ceiling", "ok"),
        "density_bound": np.exp(c),
    })
    return df, t, np.where(cens, c, x), cens, c


def test_trend_bound_mode_uses_the_censored_estimators() -> None:
    df, t, y, cens, c = censored_table()
    assert 10 <= cens.sum() <= 60
    tobit = DensingTrend(frontier="all", censored="bound", n_bootstrap=30).fit(df)
    assert tobit.slope_per_day_ == pytest.approx(tobit_line(t, y, cens).slope_per_day, rel=1e-6)
    assert tobit.n_bounds_ == int(cens.sum()) == tobit.n_bounds_on_frontier_
    assert tobit.n_models_ == t.size
    assert tobit.all_points_.slope_per_day == pytest.approx(tobit.slope_per_day_)
    dropped = DensingTrend(frontier="all", n_bootstrap=30).fit(df)
    assert dropped.slope_per_day_ == pytest.approx(ols_slope(t[~cens], y[~cens]), rel=1e-9)
    assert dropped.n_bounds_ == 0 and dropped.n_models_ == int((~cens).sum())
    quant = DensingTrend(frontier="quantile", censored="bound", n_bootstrap=10).fit(df)
    direct = censored_quantile_line(t, y, cens, 0.9, censor_at=c)
    assert quant.slope_per_day_ == pytest.approx(direct.slope_per_day, rel=1e-6)
    env = DensingTrend(frontier="running_max", censored="bound", n_bootstrap=50).fit(df)
    assert env.slope_per_day_ == pytest.approx(censored_envelope(t, y, cens).slope_per_day)
    assert env.n_bounds_on_frontier_ >= 1
    out = env.to_dict()
    assert out["censored_mode"] == "bound" and out["n_bounds"] == int(cens.sum())
    assert "censored_mode" not in DensingTrend(
        frontier="running_max", n_bootstrap=20).fit(df).to_dict()


def test_trend_bound_mode_refuses_what_it_cannot_do() -> None:
    df, *_ = censored_table()
    with pytest.raises(InputError, match="needs a 'density_bound' column"):
        DensingTrend(frontier="running_max", censored="bound").fit(df.drop(columns="density_bound"))
    bad = df.copy()
    i = int(np.flatnonzero(bad["status"].to_numpy() == "above_ceiling")[0])
    bad.loc[i, "density_bound"] = -2.0
    with pytest.raises(InputError, match=r"density_bound=-2(\.0)? of censored model"):
        DensingTrend(frontier="running_max", censored="bound", n_bootstrap=0).fit(bad)
    with pytest.raises(InputError, match="censored='maybe' is not one of"):
        DensingTrend(frontier="running_max", censored="maybe").fit(df)
    with pytest.raises(InputError, match="density_draws"):
        DensingTrend(
            frontier="running_max", censored="bound").fit(df, density_draws=np.ones((3, len(df))))
    fitted = DensingTrend(frontier="running_max", censored="bound", n_bootstrap=0).fit(df)
    with pytest.raises(InputError, match="compare_periods"):
        fitted.compare_periods("2024-01-01")


def test_density_bounds_is_the_frames_top_density() -> None:
    import pandas as pd

    from densing.density import density_bounds
    from densing.reference import load_frame

    frame = load_frame("olmo-ladder")
    low, high = frame.valid_score_range("average_llv1")
    table = pd.DataFrame({"model": ["a", "b"], "n_params": [1e9, 7e9],
                          "benchmark": ["average_llv1"] * 2})
    out = density_bounds(table, frame)
    n_top = out["density_bound"].to_numpy() * table["n_params"].to_numpy()
    assert n_top[0] == pytest.approx(n_top[1])
    # a score just inside the range inverts below the bound, one above it is censored
    inside = frame.effective_params(high - 1e-3 * (high - low), "average_llv1")
    assert float(inside["n_hat"].iloc[0]) < n_top[0]
    above = frame.effective_params(min(high + 1e-3, 1.0), "average_llv1")
    assert above["status"].iloc[0] != "ok"
