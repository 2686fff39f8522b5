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


@pytest.mark.slow  # a whole reproduction (about 20 s): the slow run checks it
def test_reproduce_json_bit_identical_to_the_session_reproduction(
        reproduction, capsys: pytest.CaptureFixture[str]) -> None:
    """``densing reproduce --json --seed 0`` prints, byte for byte, the JSON of the session's
    ``reproduce(n_bootstrap=1000, random_state=0)``, computed earlier in another test's setup
    with other tests run in between; its one far-extrapolation warning goes to stderr once,
    as one line, never into the JSON."""
    from densing._cli._common import print_json

    capsys.readouterr()
    print_json(reproduction.to_dict())
    expected = capsys.readouterr().out
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # a warning seen before in the session still shows
        assert main(["reproduce", "--json", "--seed", "0"]) == 0
    out = capsys.readouterr()
    assert out.out == expected
    report = json.loads(out.out)
    assert np.isfinite(report["doubling_time_months"])
    assert "Warning" not in out.out and "warning:" not in out.out
    paragraphs = [" ".join(p.split()) for p in out.err.split("warning: ")[1:]]
    far = [p for p in paragraphs if "exceed 10x the largest reference model" in p]
    assert len(far) == 1, out.err


@pytest.mark.slow  # a whole reproduction (about 20 s): the slow run checks it
def test_reproduce_bit_identical_with_another_seed_and_frontier() -> None:
    """Two API runs with seed 5 and the envelope headline agree byte for byte (the CLI's
    determinism is the test above; few resamples: identity does not depend on their count)."""
    from densing import reproduce
    from densing._cli._common import to_jsonable

    texts = []
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DensingWarning)
            rep = reproduce(random_state=5, frontier="running_max", n_bootstrap=50,
                            sfa_bootstrap=20)
        texts.append(json.dumps(to_jsonable(rep.to_dict()), sort_keys=True))
    assert texts[0] == texts[1]
    report = json.loads(texts[0])
    assert np.isfinite(report["doubling_time_months"])
    assert report["settings"]["frontier"] == "running_max"
