"""Censoring status names (issue 14 item 5): ``above_frame_range``; the old name is gone."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import densing.reference
from densing.reference import STATUSES
from densing.trend import DensingTrend


def test_status_vocabulary() -> None:
    assert STATUSES == ("ok", "below_floor", "above_ceiling", "above_frame_range")
    # the deprecated alias and its mapping are gone (issue 21 section 3: nothing released)
    assert not hasattr(densing.reference, "STATUS_ALIASES")
    assert not hasattr(densing.reference, "canonical_statuses")


def test_high_arc_challenge_score_reads_as_above_frame_range(frame) -> None:
    fit = frame.fits_["arc_challenge"]
    p, q = fit.loss_law.params_, fit.score_law.params_
    # the best score any model size reaches at D0: the score law at the loss floor b*D0^-beta
    floor_loss = p["b"] * frame.tokens ** -p["beta"] + p.get("E", 0.0)
    high = q["c"] / (1.0 + math.exp(-q["gamma"] * (floor_loss - q["l"]))) + q["d"]
    ceiling = q["c"] + q["d"]
    assert high < ceiling  # scores between the two bounds are above the frame's range
    out = frame.effective_params([high + 0.25 * (ceiling - high), 0.5 * (high + ceiling)],
                                 "arc_challenge")
    assert (out["status"] == "above_frame_range").all()
    assert np.isinf(out["n_hat"]).all()
    assert out["bound"].iloc[0] == pytest.approx(high, rel=1e-6)


def _dated_models(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(0, 900, size=n))
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D")
    return pd.DataFrame({
        "model": [f"m{i}" for i in range(n)],
        "release_date": dates.strftime("%Y-%m-%d"),
        "density": np.exp(0.002 * days + rng.normal(0.0, 0.3, size=n)),
        "status": "ok",
    })


def test_old_status_name_is_treated_like_any_unknown_status() -> None:
    df = _dated_models(20, seed=3)
    df.loc[[4, 9], ["status", "density"]] = ["below_data_term", np.inf]
    df.loc[12, ["status", "density"]] = ["above_frame_range", np.inf]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DeprecationWarning, no mapping
        old = DensingTrend(n_bootstrap=50, random_state=0).fit(df)
    assert old.censored_ == {"below_data_term": 2, "above_frame_range": 1}
    # the same fit as with a made-up status name on those rows
    other = df.assign(status=df["status"].replace("below_data_term", "no_such_status"))
    unknown = DensingTrend(n_bootstrap=50, random_state=0).fit(other)
    assert unknown.censored_ == {"no_such_status": 2, "above_frame_range": 1}
    assert old.slope_per_day_ == unknown.slope_per_day_
    # and the bound mode does not take it for a top-censored model
    df["density_bound"] = 2.0
    bound = DensingTrend(frontier="all", censored="bound", n_bootstrap=0).fit(df)
    assert bound.n_bounds_ == 1
    assert bound.n_models_ == len(df) - 2


def test_cli_trend_prints_no_rename_warning_for_old_status_name(tmp_path, capsys) -> None:
    from densing.cli import main

    df = _dated_models(12, seed=5)
    df.loc[3, ["status", "density"]] = ["below_data_term", np.inf]
    path = tmp_path / "densities.csv"
    df.to_csv(path, index=False)
    assert main(["trend", "--densities", str(path), "--bootstrap", "50"]) == 0
    out, err = capsys.readouterr()
    assert "deprecated" not in err and "above_frame_range" not in out
    assert "censored          1 (below_data_term 1)" in out


def test_bound_mode_counts_above_frame_range_as_censored_at_the_top() -> None:
    df = _dated_models(24, seed=9)
    top = [5, 11, 17]
    df["density_bound"] = df["density"] * 1.5
    df.loc[top, ["status", "density"]] = ["above_frame_range", np.inf]
    trend = DensingTrend(frontier="all", censored="bound", n_bootstrap=0).fit(df)
    assert trend.n_bounds_ == len(top)
    assert trend.n_models_ == len(df)
