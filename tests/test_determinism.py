"""Two runs with the same seed give bit-identical outputs: frame, densities, trend, reproduce."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from densing.cli import main
from densing.datasets import load_models, load_reference_runs, load_scores
from densing.density import LLV1_PROTOCOL_MAP, compute_density, model_densities
from densing.exceptions import DensingWarning
from densing.reference import ReferenceFrame, load_frame
from densing.trend import DensingTrend


def _frame(seed: int) -> ReferenceFrame:
    runs = load_reference_runs()
    runs = runs[(runs["n_params"] < 4e9) & runs["benchmark"].isin(["hellaswag", "piqa"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)
        return ReferenceFrame(benchmarks=["hellaswag", "piqa"], n_bootstrap=25,
                              random_state=seed).fit(runs)


def test_frame_fit_and_bootstrap_bit_identical() -> None:
    a, b = _frame(7).to_dict(), _frame(7).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    draws = np.asarray(a["benchmarks"]["piqa"]["score_law"]["bootstrap_draws"])
    assert draws.shape == (25, 4) and np.unique(draws[:, 1]).size > 1  # really resampled
    c = _frame(8).to_dict()
    assert c["benchmarks"]["piqa"]["score_law"]["bootstrap_draws"] != (
        a["benchmarks"]["piqa"]["score_law"]["bootstrap_draws"])


def _densities(seed: int) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)
        scores = load_scores("llv1:")
        scores = scores.assign(stderr=scores["stderr"].fillna(0.01))
        return compute_density(scores, load_models(), load_frame("olmo-ladder"),
                               protocol_map=LLV1_PROTOCOL_MAP, score_noise=True,
                               random_state=seed)


def test_densities_bit_identical() -> None:
    a, b = _densities(3), _densities(3)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (a["status"] == "ok").sum() > 10


def test_trend_bit_identical() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)
        per_model = model_densities(_densities(0), "average_llv1")
        per_model.loc[per_model["release_date"].isna(), "status"] = "no_release_date"
        fits = [DensingTrend(frontier=f, n_bootstrap=300, random_state=11).fit(per_model)
                for f in ("running_max", "running_max", "quantile", "quantile")]
    for x, y in (fits[:2], fits[2:]):
        assert json.dumps(x.to_dict(), sort_keys=True, default=str) == json.dumps(
            y.to_dict(), sort_keys=True, default=str)
        assert np.array_equal(x.slope_draws_, y.slope_draws_, equal_nan=True)
        assert x.compare_periods("2022-11-30") == y.compare_periods("2022-11-30")


@pytest.mark.parametrize("extra", [[], ["--frontier", "quantile", "--bootstrap", "200"]])
def test_reproduce_json_bit_identical(extra: list[str],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    texts = []
    for _ in range(2):
        assert main(["reproduce", "--json", "--seed", "5", *extra]) == 0
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1]
    report = json.loads(texts[0])
    assert np.isfinite(report["doubling_time_months"])
