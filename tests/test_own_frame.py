"""Building your own reference frame from evaluate_model-style tables (no model needed)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from densing.evaluate import to_reference_runs
from densing.exceptions import FitQualityWarning, InputError
from densing.laws import LossLaw, ScoreLaw
from densing.reference import ReferenceFrame


def test_own_family_round_trips_through_the_frame():
    loss_law = LossLaw.from_params(a=300.0, alpha=0.3, b=500.0, beta=0.3)
    score_law = ScoreLaw.from_params(c=0.7, gamma=-6.0, l=1.3, d=0.25)
    rows = []
    for n in (5e6, 3e7, 1e8, 2.5e8, 5e8):
        for mult, final_tokens in (("1x", 20 * n), ("4x", 80 * n)):
            for frac in (0.25, 0.5, 0.75, 1.0):
                d = frac * final_tokens
                loss = float(loss_law.predict(n, d))
                table = pd.DataFrame({
                    "model": [f"ref-{n:.0e}"], "benchmark": ["toy"], "protocol": ["rc-5shot"],
                    "score": [float(score_law.predict(loss))], "stderr": [0.01],
                    "loss": [loss], "loss_unit": ["bits_per_byte"], "n": [500],
                })
                rows.append(to_reference_runs(table, run=f"{n:.0e}-{mult}", n_params=n,
                                              tokens=d, step=int(frac * 1000),
                                              is_final=frac == 1.0))
    runs = pd.concat(rows, ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitQualityWarning)
        frame = ReferenceFrame(averages={}).fit(runs)
    # a model of 2e8 parameters trained on 1T tokens scores S; inverting S at 1T gives 2e8
    s = float(score_law.predict(loss_law.predict(2e8, 1e12)))
    eff = frame.effective_params([s], "toy", tokens=1e12)
    assert eff["status"].iloc[0] == "ok"
    assert eff["n_hat"].iloc[0] == pytest.approx(2e8, rel=0.05)


def test_to_reference_runs_refuses_bad_input():
    table = pd.DataFrame({"benchmark": ["toy"], "protocol": ["rc-5shot"], "score": [0.5],
                          "loss": [np.nan]})
    with pytest.raises(InputError, match="no loss"):
        to_reference_runs(table, run="r", n_params=1e8, tokens=1e9)
    with pytest.raises(InputError, match="billions"):
        to_reference_runs(table.assign(loss=1.0), run="r", n_params=7, tokens=1e9)
    with pytest.raises(InputError, match="missing column"):
        to_reference_runs(table.drop(columns=["loss"]), run="r", n_params=1e8, tokens=1e9)
