"""Densities of target models against the default frame: rules, protocols, censoring."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from densing.density import (
    LLV1_PROTOCOL_MAP,
    compute_density,
    density_draws,
    model_densities,
)
from densing.exceptions import DensingWarning, InputError


@pytest.fixture()
def models():
    return pd.DataFrame({
        "model": ["m1", "m2", "m3"],
        "n_params": [1.0e9, 7.0e9, 2.0e9],
        "release_date": ["2023-05-01", "2024-01-10", "2024-06-01"],
        "n_params_nonembedding": [0.8e9, 6.5e9, np.nan],
    })


def rows(*items):
    return pd.DataFrame(items, columns=["model", "benchmark", "protocol", "score"])


def test_density_is_effective_over_actual_params(frame, models):
    sc = rows(("m1", "hellaswag", "rc-5shot", 0.55), ("m2", "hellaswag", "rc-5shot", 0.75))
    out = compute_density(sc, models, frame)
    eff = frame.effective_params([0.55, 0.75], "hellaswag")
    got = out.set_index("model")
    np.testing.assert_allclose(got.loc[["m1", "m2"], "n_hat"], eff["n_hat"])
    np.testing.assert_allclose(got["density"], got["n_hat"] / got["n_params"])
    np.testing.assert_allclose(got["density_low"], got["n_hat_low"] / got["n_params"])
    assert (got["status"] == "ok").all()
    assert (got["density_low"] < got["density"]).all()
    assert (got["density"] < got["density_high"]).all()


def test_averaged_benchmark_is_the_mean_score(frame, models):
    sc = rows(("m1", "hellaswag", "rc-5shot", 0.6), ("m1", "arc_challenge", "rc-5shot", 0.4),
              ("m2", "hellaswag", "rc-5shot", 0.7))
    out = compute_density(sc, models, frame)
    avg = out[out["benchmark"] == "average_llv1"]
    assert list(avg["model"]) == ["m1"]  # m2 lacks arc_challenge
    assert avg["score"].iloc[0] == pytest.approx(0.5)
    direct = frame.effective_params([0.5], "average_llv1")["n_hat"].iloc[0]
    assert avg["n_hat"].iloc[0] == pytest.approx(direct)


def test_protocol_mismatch_unless_mapped(frame, models):
    sc = rows(("m1", "hellaswag", "llv1:hellaswag-10shot-acc_norm", 0.6),
              ("m1", "gsm8k", "llv1:gsm8k-5shot-em", 0.1))
    out = compute_density(sc, models, frame).set_index("benchmark")
    assert out.loc["hellaswag", "status"] == "protocol_mismatch"
    assert np.isnan(out.loc["hellaswag", "density"])
    assert out.loc["gsm8k", "status"] == "unknown_benchmark"
    mapped = compute_density(sc, models, frame, protocol_map=LLV1_PROTOCOL_MAP)
    assert mapped.set_index("benchmark").loc["hellaswag", "status"] == "ok"


def test_censored_scores_keep_their_status(frame, models):
    low, high = frame.valid_score_range("hellaswag")
    sc = rows(("m1", "hellaswag", "rc-5shot", max(low - 0.02, 0.0)),
              ("m2", "hellaswag", "rc-5shot", min(high + 0.001, 1.0)))
    out = compute_density(sc, models, frame).set_index("model")
    assert out.loc["m1", "status"] == "below_floor" and out.loc["m1", "density"] == 0
    assert out.loc["m2", "status"] in {"above_frame_range", "above_ceiling"}
    assert np.isinf(out.loc["m2", "density"])


def test_param_conventions(frame, models):
    sc = rows(("m1", "hellaswag", "rc-5shot", 0.6), ("m3", "hellaswag", "rc-5shot", 0.6))
    assert frame.param_count == "non_embedding"  # the bundled frame, as CV chose
    with warnings.catch_warnings():
        warnings.simplefilter("error", DensingWarning)  # the frame's own convention: silent
        ne = compute_density(sc, models, frame).set_index("model")
    assert ne.loc["m1", "n_params"] == 0.8e9
    assert ne.loc["m3", "status"] == "missing_params"
    with pytest.warns(DensingWarning, match="parameter conventions"):
        tot = compute_density(sc, models, frame, param_count="total").set_index("model")
    assert tot.loc["m1", "n_params"] == 1.0e9 and tot.loc["m3", "status"] == "ok"
    # a table with one count (n_params) is used as it is, with the warning
    with pytest.warns(DensingWarning, match="n_params_nonembedding"):
        one = compute_density(sc, models.drop(columns="n_params_nonembedding"), frame)
    assert one.set_index("model").loc["m1", "n_params"] == 1.0e9
    moe = models.assign(active_params=[np.nan, 1.5e9, np.nan])
    act = compute_density(rows(("m2", "hellaswag", "rc-5shot", 0.7)), moe, frame,
                          param_count="active")
    assert act["n_params"].iloc[0] == 1.5e9


def test_model_densities_rules(frame, models):
    sc = rows(("m1", "hellaswag", "rc-5shot", 0.6), ("m1", "arc_challenge", "rc-5shot", 0.4),
              ("m2", "hellaswag", "rc-5shot", 0.72), ("m2", "arc_challenge", "rc-5shot", 0.5))
    out = compute_density(sc, models, frame)
    one = model_densities(out, "average_llv1")
    assert list(one["model"]) == ["m1", "m2"]
    geo = model_densities(out, rule="geomean").set_index("model")
    per = out[out["benchmark"].isin(["hellaswag", "arc_challenge"])].set_index(
        ["model", "benchmark"])["density"]
    assert geo.loc["m1", "density"] == pytest.approx(np.sqrt(per["m1"].prod()))
    with pytest.raises(InputError, match="no rows for benchmark"):
        model_densities(out, "mmlu")


def test_score_noise_widens_the_interval(frame, models):
    sc = rows(("m1", "hellaswag", "rc-5shot", 0.6)).assign(stderr=0.02)
    plain = compute_density(sc, models, frame).iloc[0]
    noisy = compute_density(sc, models, frame, score_noise=True).iloc[0]
    assert noisy["density"] == plain["density"]
    assert (noisy["density_high"] - noisy["density_low"]) > (
        plain["density_high"] - plain["density_low"])


def test_density_draws_shape(frame, models):
    sc = rows(("m1", "hellaswag", "rc-5shot", 0.6), ("m2", "hellaswag", "rc-5shot", 0.7))
    per = model_densities(compute_density(sc, models, frame), "hellaswag")
    draws = density_draws(per, frame, "hellaswag")
    assert draws.shape == (frame.n_draws_, 2)
    med = np.median(draws, axis=0)
    assert np.all(med / per["density"].to_numpy() < 1.5)
    assert np.all(med / per["density"].to_numpy() > 1 / 1.5)


@pytest.mark.parametrize(
    ("scores", "msg"),
    [
        (rows(("m1", "hellaswag", "rc-5shot", 61.0)), "percentages"),
        (rows(("m1", "hellaswag", "rc-5shot", np.nan)), "must be a finite fraction"),
        (rows(("zz", "hellaswag", "rc-5shot", 0.5)), "missing from the models table"),
        (rows(("m1", "hellaswag", "rc-5shot", 0.5), ("m1", "hellaswag", "rc-5shot", 0.6)),
         "duplicate"),
        (rows(), "empty"),
        (pd.DataFrame({"model": ["m1"], "score": [0.5]}), "missing column"),
    ],
)
def test_bad_scores(frame, models, scores, msg):
    with pytest.raises(InputError, match=msg):
        compute_density(scores, models, frame)


def test_bad_models(frame, models):
    sc = rows(("m1", "hellaswag", "rc-5shot", 0.5))
    with pytest.raises(InputError, match="billions"):
        compute_density(sc, models.assign(n_params=[1.0, 7.0, 2.0]), frame)
    with pytest.raises(InputError, match="raw count"):
        compute_density(sc, models.assign(n_params=["1B", "7B", "2B"]), frame)
    with pytest.raises(InputError, match="ISO"):
        compute_density(sc, models.assign(release_date=["May 2023", "x", "y"]), frame)
    with pytest.raises(InputError, match="appears twice"):
        compute_density(sc, pd.concat([models, models.iloc[:1]]), frame)


def test_bundled_scores_run_end_to_end(frame):
    from densing.datasets import load_scores

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)
        out = compute_density(load_scores("llv1:"), frame=frame, protocol_map=LLV1_PROTOCOL_MAP)
    avg = out[out["benchmark"] == "average_llv1"]
    assert len(avg) >= 140
    assert (avg["status"] == "ok").mean() > 0.9


def test_scores_above_the_reference_are_flagged(frame, models):
    top = frame.fits_["hellaswag"].max_score
    sc = rows(("m1", "hellaswag", "rc-5shot", top - 0.05), ("m2", "hellaswag", "rc-5shot",
                                                            min(top + 0.05, 0.99)))
    out = compute_density(sc, models, frame).set_index("model")
    assert not out.loc["m1", "beyond_reference_score"]
    assert out.loc["m2", "beyond_reference_score"]


def test_averaged_stderr_combines_independent_tasks(frame, models):
    # one averaging rule for runs and targets: mean score, sqrt(sum se^2) / n_tasks
    sc = rows(("m1", "hellaswag", "rc-5shot", 0.6), ("m1", "arc_challenge", "rc-5shot", 0.4))
    sc["stderr"] = [0.03, 0.04]
    out = compute_density(sc, models, frame)
    avg = out[out["benchmark"] == "average_llv1"].iloc[0]
    assert avg["score"] == pytest.approx((0.6 + 0.4) / 2)
    assert avg["stderr"] == pytest.approx(((0.03**2 + 0.04**2) ** 0.5) / 2)
