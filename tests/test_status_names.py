"""Censoring status names (issue 14 item 5): ``above_frame_range`` and its deprecated alias."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from densing.reference import STATUS_ALIASES, STATUSES, canonical_statuses
from densing.trend import DensingTrend


def test_status_vocabulary() -> None:
    assert STATUSES == ("ok", "below_floor", "above_ceiling", "above_frame_range")
    assert STATUS_ALIASES == {"below_data_term": "above_frame_range"}
    assert set(STATUS_ALIASES.values()) <= set(STATUSES)
    assert not set(STATUS_ALIASES) & set(STATUSES)


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


def test_canonical_statuses_maps_old_name_with_warning() -> None:
    with pytest.warns(DeprecationWarning, match="below_data_term.*above_frame_range"):
        out = canonical_statuses(["ok", "below_data_term", "protocol_mismatch"])
    assert out == ["ok", "above_frame_range", "protocol_mismatch"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert canonical_statuses(["ok", "above_frame_range"]) == ["ok", "above_frame_range"]


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


def test_trend_accepts_old_status_name_with_deprecation_warning() -> None:
    df = _dated_models(20, seed=3)
    df.loc[[4, 9], ["status", "density"]] = ["below_data_term", np.inf]
    df.loc[12, ["status", "density"]] = ["above_frame_range", np.inf]
    with pytest.warns(DeprecationWarning, match="below_data_term"):
        old = DensingTrend(n_bootstrap=50, random_state=0).fit(df)
    assert old.censored_ == {"above_frame_range": 3}
    new_df = df.assign(status=df["status"].replace("below_data_term", "above_frame_range"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        new = DensingTrend(n_bootstrap=50, random_state=0).fit(new_df)
    assert new.censored_ == old.censored_
    assert new.slope_per_day_ == old.slope_per_day_


def test_cli_trend_reads_old_status_name_with_one_warning_line(tmp_path, capsys) -> None:
    from densing.cli import main

    df = _dated_models(12, seed=5)
    df.loc[3, ["status", "density"]] = ["below_data_term", np.inf]
    path = tmp_path / "densities.csv"
    df.to_csv(path, index=False)
    assert main(["trend", "--densities", str(path), "--bootstrap", "50"]) == 0
    out, err = capsys.readouterr()
    # one warning, wrapped to the terminal's width (continuation lines indented)
    assert err.count("warning: ") == 1
    assert " ".join(err.split()) == (
        "warning: deprecated status name(s): 'below_data_term' -> 'above_frame_range'; the "
        "old names go in the next release"
    )
    assert "above_frame_range 1" in out and "below_data_term" not in out


@pytest.mark.parametrize("name", ["above_frame_range", "below_data_term"])
def test_bound_mode_counts_above_frame_range_as_censored_at_the_top(name: str) -> None:
    df = _dated_models(24, seed=9)
    top = [5, 11, 17]
    df["density_bound"] = df["density"] * 1.5
    df.loc[top, ["status", "density"]] = [name, np.inf]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        trend = DensingTrend(frontier="all", censored="bound", n_bootstrap=0).fit(df)
    assert trend.n_bounds_ == len(top)
    assert trend.n_models_ == len(df)
