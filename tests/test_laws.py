"""Synthetic recovery of the laws and the robust fitting engine.

Data are generated from known parameters (the laws themselves) with multiplicative noise on
a design like the OLMo ladder (5 sizes x 6 token multiples). Tolerances are stated per
parameter: exponents are well identified, scales trade off with exponents so they get looser
bounds, and predictions are checked where they matter (in and just beyond the data).
"""

from __future__ import annotations

import numpy as np
import pytest

from densing.exceptions import InputError, NotFittedError
from densing.fitting import batched_fit, group_bootstrap_weights, huber
from densing.laws import LossLaw, ScoreLaw

SIZES = np.array([1.9e8, 3.7e8, 7.6e8, 1.3e9, 3.2e9])
MULTS = np.array([0.5, 1, 1, 2, 5, 10])


def ladder(law: LossLaw, noise: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    n = np.repeat(SIZES, MULTS.size)
    d = n * 20 * np.tile(MULTS, SIZES.size)
    loss = law.predict(n, d) * np.exp(rng.normal(0, noise, n.size))
    return n, d, loss


TRUE_NO_E = {"a": 400.0, "alpha": 0.34, "b": 410.0, "beta": 0.28}
TRUE_E = {"a": 400.0, "alpha": 0.34, "b": 410.0, "beta": 0.28, "E": 0.5}


def test_huber_matches_definition():
    r = np.array([-1.0, -1e-4, 0.0, 2e-4, 3.0])
    val, der = huber(r, 1e-3)
    np.testing.assert_allclose(val[[1, 2, 3]], 0.5 * r[[1, 2, 3]] ** 2)
    np.testing.assert_allclose(val[[0, 4]], 1e-3 * (np.abs(r[[0, 4]]) - 5e-4))
    np.testing.assert_allclose(der, np.clip(r, -1e-3, 1e-3))


def test_loss_law_recovers_exact_parameters_without_noise():
    law = LossLaw().fit(*ladder(LossLaw.from_params(**TRUE_NO_E), noise=0.0))
    p = law.params_
    assert p is not None
    # noise-free: exponents to 1e-3, scales to 1 %
    assert abs(p["alpha"] - 0.34) < 1e-3 and abs(p["beta"] - 0.28) < 1e-3
    assert p["a"] == pytest.approx(400, rel=0.01) and p["b"] == pytest.approx(410, rel=0.01)


def test_loss_law_recovers_parameters_with_noise():
    true = LossLaw.from_params(**TRUE_NO_E)
    n, d, loss = ladder(true, noise=0.005)
    law = LossLaw().fit(n, d, loss)
    p = law.params_
    assert p is not None
    # 0.5 % noise: exponents within 0.03, scales within 40 %, predictions within 1 % up to
    # 10x beyond the largest size
    assert abs(p["alpha"] - 0.34) < 0.03 and abs(p["beta"] - 0.28) < 0.03
    assert p["a"] == pytest.approx(400, rel=0.4) and p["b"] == pytest.approx(410, rel=0.4)
    grid_n, grid_d = np.meshgrid([1e8, 1e9, 3e10], [1e10, 1e11, 1e12])
    np.testing.assert_allclose(law.predict(grid_n, grid_d), true.predict(grid_n, grid_d),
                               rtol=0.01)
    assert law.fit_result_ is not None and law.fit_result_.n_starts >= 8


def test_loss_law_with_irreducible_term():
    true = LossLaw.from_params(**TRUE_E)
    n, d, loss = ladder(true, noise=0.002, seed=1)
    law = LossLaw(irreducible=True).fit(n, d, loss)
    p = law.params_
    assert p is not None and set(p) == {"a", "alpha", "b", "beta", "E"}
    # exponents within 0.05, E within 10 %
    assert abs(p["alpha"] - 0.34) < 0.05 and abs(p["beta"] - 0.28) < 0.05
    assert p["E"] == pytest.approx(0.5, rel=0.1)


def test_loss_law_exact_inverse_and_floor():
    law = LossLaw.from_params(**TRUE_E)
    n = np.array([1e8, 7e9, 4e11])
    d = 1e12
    np.testing.assert_allclose(law.params_for_loss(law.predict(n, d), d), n, rtol=1e-9)
    floor = law.loss_floor(d)
    assert floor == pytest.approx(410 * 1e12**-0.28 + 0.5)
    assert np.isnan(law.params_for_loss(floor, d))
    assert np.isnan(law.params_for_loss(floor - 0.1, d))


def test_score_law_recovery_and_round_trip():
    true = ScoreLaw.from_params(c=0.7, gamma=-5.0, l=1.2, d=0.25)
    rng = np.random.default_rng(0)
    loss = rng.uniform(0.6, 2.0, 2000)
    score = true.predict(loss) + rng.normal(0, 0.01, loss.size)
    law = ScoreLaw().fit(loss, score)
    p = law.params_
    assert p is not None
    # 1-point noise on 2,000 checkpoints: c, d within 0.02, gamma within 10 %, l within 0.02
    assert abs(p["c"] - 0.7) < 0.02 and abs(p["d"] - 0.25) < 0.02
    assert p["gamma"] == pytest.approx(-5.0, rel=0.1) and abs(p["l"] - 1.2) < 0.02
    s = np.linspace(0.26, 0.94, 50)
    np.testing.assert_allclose(law.predict(law.inverse(s)), s, atol=1e-9)
    assert np.isnan(law.inverse([0.2, 0.99])).all()


def test_score_law_fixed_floor_and_ceiling_bound():
    true = ScoreLaw.from_params(c=0.6, gamma=-8.0, l=1.0, d=0.25)
    loss = np.linspace(0.5, 2.0, 300)
    law = ScoreLaw(floor=0.25).fit(loss, true.predict(loss))
    assert law.params_ is not None and law.params_["d"] == 0.25
    assert law.params_["c"] == pytest.approx(0.6, abs=1e-3)
    low, high = law.score_range()
    assert low == 0.25 and high <= 1.0


def test_bootstrap_is_seeded_and_vectorised():
    n, d, loss = ladder(LossLaw.from_params(**TRUE_NO_E), noise=0.005)
    runs = np.arange(n.size)
    a = LossLaw().fit(n, d, loss)
    b1 = a.bootstrap(n, d, loss, groups=runs, n_bootstrap=50, random_state=3).draws.copy()
    b2 = a.bootstrap(n, d, loss, groups=runs, n_bootstrap=50, random_state=3).draws
    assert np.array_equal(b1, b2)
    assert b1.shape == (50, 4)
    summary = a.summary_frame()
    assert list(summary.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert (summary["ci_low"] <= summary["estimate"]).all()
    assert (summary["estimate"] <= summary["ci_high"]).all()


def test_n_boot_is_gone():
    # 0.1 has one name for bootstrap counts: the old keyword is a TypeError, not an alias
    n, d, loss = ladder(LossLaw.from_params(**TRUE_NO_E), noise=0.005)
    a = LossLaw().fit(n, d, loss)
    with pytest.raises(TypeError, match="n_boot"):
        a.bootstrap(n, d, loss, n_boot=12)  # type: ignore[call-arg]
    s = ScoreLaw.from_params(c=0.6, gamma=-8.0, l=1.0, d=0.25)
    lv = np.linspace(0.5, 2.0, 40)
    fitted = ScoreLaw().fit(lv, s.predict(lv) + 0.002 * np.sin(7 * lv))
    with pytest.raises(TypeError, match="n_boot"):
        fitted.bootstrap(lv, s.predict(lv), n_boot=7)  # type: ignore[call-arg]
    assert fitted.bootstrap(lv, s.predict(lv), n_bootstrap=7).draws.shape == (7, 4)


def test_group_bootstrap_resamples_whole_groups():
    groups = np.array(["a", "a", "b", "b", "b", "c"])
    w = group_bootstrap_weights(groups, 200, np.random.default_rng(0))
    assert w.shape == (200, 6)
    # rows of one group always share a weight, and each resample draws 3 groups
    assert np.array_equal(w[:, 0], w[:, 1]) and np.array_equal(w[:, 2], w[:, 4])
    assert np.array_equal(w[:, [0, 2, 5]].sum(axis=1), np.full(200, 3.0))


def test_batched_fit_matches_single_fits():
    true = ScoreLaw.from_params(c=0.7, gamma=-5.0, l=1.2, d=0.25)
    rng = np.random.default_rng(1)
    loss = rng.uniform(0.6, 2.0, 400)
    score = true.predict(loss) * np.exp(rng.normal(0, 0.01, loss.size))
    law = ScoreLaw().fit(loss, score)
    # two weight vectors: all ones (must reproduce the full fit) and a random subset
    w = np.ones((2, loss.size))
    w[1] = rng.integers(0, 2, loss.size)
    theta, obj, conv = batched_fit(law._model, loss, score, law._to_free(law._param_vector())[0],
                                   w, law._bounds(loss, score))
    assert conv.all() and np.isfinite(obj).all()
    full = law._from_free(theta)[0]
    np.testing.assert_allclose(full, law._param_vector(), rtol=1e-4, atol=1e-5)
    sub = w[1] > 0
    single = ScoreLaw().fit(loss[sub], score[sub])
    np.testing.assert_allclose(law._from_free(theta)[1], single._param_vector(), rtol=5e-3,
                               atol=5e-3)


def test_not_fitted_and_degenerate_inputs():
    with pytest.raises(NotFittedError, match="fit"):
        LossLaw().predict(1e9, 1e10)
    n, d, loss = ladder(LossLaw.from_params(**TRUE_NO_E), noise=0.0)
    with pytest.raises(InputError, match="2 model sizes"):
        LossLaw().fit(np.full(10, 1e9), d[:10], loss[:10])
    with pytest.raises(InputError, match="constant"):
        LossLaw().fit(n, d, np.full(n.size, 3.0))
    with pytest.raises(InputError, match="finite"):
        LossLaw().fit(n, d, np.where(np.arange(n.size) == 3, np.nan, loss))
    with pytest.raises(InputError, match="positive"):
        LossLaw().fit(-n, d, loss)
    with pytest.raises(InputError, match="billions"):
        LossLaw().fit(n / 1e9, d, loss)
    with pytest.raises(InputError, match="percentages"):
        ScoreLaw().fit(np.linspace(1, 2, 10), np.linspace(30, 60, 10))
    with pytest.raises(InputError, match="numbers"):
        LossLaw().fit(["7B"] * 3, [1e10] * 3, [2.0] * 3)


def test_group_bootstrap_counts_are_the_weights_per_group():
    from densing.fitting import group_bootstrap_counts

    groups = np.array(["b", "a", "b", "c", "a"])
    w = group_bootstrap_weights(groups, 25, np.random.default_rng(11))
    counts = group_bootstrap_counts(3, 25, np.random.default_rng(11))
    assert counts.shape == (25, 3) and (counts.sum(axis=1) == 3).all()
    codes = np.array([1, 0, 1, 2, 0])  # sorted group labels a, b, c
    np.testing.assert_array_equal(w, counts[:, codes])
