"""Frame settings chosen by cross-validation inside the ladder (issue 12 item 4, METHOD.md 11).

The selection must never look at the held-out runs (>= 4B parameters): removing them or
scrambling their scores leaves every CV number and the selection unchanged. The CV table is
checked against the input runs looked up independently.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from densing.datasets import load_reference_runs
from densing.exceptions import InputError
from densing.reference import cross_validate_frame

REPO = Path(__file__).resolve().parents[1]
BENCHES = ["hellaswag", "piqa"]
FORMS = [(False, None, "total"), (False, "chance", "total")]


def _script():
    spec = importlib.util.spec_from_file_location(
        "select_frame_settings", REPO / "scripts" / "select_frame_settings.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    df = load_reference_runs("olmo-ladder")
    return df[df["benchmark"].isin(BENCHES)].reset_index(drop=True)


def _scrambled(runs: pd.DataFrame) -> pd.DataFrame:
    """The same runs with the >= 4B runs' scores and losses replaced by noise."""
    rng = np.random.default_rng(12)
    out = runs.copy()
    big = out["n_params"] >= 4e9
    assert big.any()  # the bundled ladder has OLMo-2 7B and 13B
    out.loc[big, "score"] = rng.uniform(0.3, 0.9, int(big.sum()))
    out.loc[big, "loss"] = rng.uniform(0.5, 3.0, int(big.sum()))
    return out


def test_selection_ignores_held_out_runs(runs: pd.DataFrame) -> None:
    mod = _script()
    small_only = runs[runs["n_params"] < 4e9]
    kw = {"forms": FORMS, "benchmarks": BENCHES, "compared": BENCHES}
    a = mod.select_settings(small_only, **kw)
    b = mod.select_settings(_scrambled(runs), **kw)
    assert a == b
    # the selected form is the one with the smaller mean CV error, computed here by hand
    means = {n: float(np.mean([a["cv"][n][x] for x in BENCHES])) for n in a["cv"]}
    assert a["selected"]["form"] == min(means, key=lambda n: means[n])
    assert set(a["cv"]) == {mod._form_name(f) for f in FORMS}


@pytest.mark.filterwarnings("ignore::densing.exceptions.FitQualityWarning")
def test_cv_table_against_the_input(runs: pd.DataFrame) -> None:
    table = cross_validate_frame(_scrambled(runs), (1e9, 2e9), benchmarks=["hellaswag"],
                                 progress=False)
    # no held-out run is predicted, each fold predicts exactly the final runs above it
    assert not set(table["run"]) & set(runs.loc[runs["n_params"] >= 4e9, "run"])
    final = runs[runs["is_final"] & (runs["benchmark"] == "hellaswag")]
    for fold, part in table.groupby("fold"):
        expect = set(final.loc[(final["n_params"] >= fold) & (final["n_params"] < 4e9), "run"])
        assert set(part["run"]) == expect
    # actual scores are the input's final scores; errors are |predicted - actual|
    lookup = final.set_index("run")["score"]
    np.testing.assert_allclose(table["actual"], lookup.loc[table["run"]].to_numpy())
    np.testing.assert_allclose(table["abs_error"],
                               np.abs(table["predicted"] - table["actual"]))
    # the 1e9 fold predicts the 1B and 3B runs, the 2e9 fold only the 3B runs
    sizes = {f: {r.split("-")[0] for r in part["run"]} for f, part in table.groupby("fold")}
    assert sizes == {1e9: {"1B", "3B"}, 2e9: {"3B"}}

def test_cv_errors_average_folds_equally() -> None:
    mod = _script()
    table = pd.DataFrame({
        "fold": [1.0, 1.0, 1.0, 2.0], "benchmark": ["x"] * 4,
        "abs_error": [0.1, 0.2, 0.3, 0.6],
    })
    # fold 1: mean 0.2, fold 2: 0.6 -> 0.4 (a pooled mean would give 0.3)
    assert mod.cv_errors(table)["x"] == pytest.approx(0.4)


@pytest.mark.parametrize("folds", [(), (4e9,), (5e9,), (-1.0,), (float("nan"),), (1e6,)])
def test_bad_folds(runs: pd.DataFrame, folds: tuple[float, ...]) -> None:
    with pytest.raises(InputError, match="fold"):
        cross_validate_frame(runs, folds, benchmarks=["hellaswag"], progress=False)


def test_tables_render_from_saved_result(tmp_path: Path) -> None:
    mod = _script()
    names = [mod._form_name(f) for f in FORMS]
    res = {
        "cv": {n: {"average": 0.01 * (i + 1), "average_llv1": 0.02} for i, n in enumerate(names)},
        "mean": {names[0]: 0.05, names[1]: 0.04},
        "selected": {"form": names[1]},
        "holdout_selected": {b: {"7B-4T": 0.01, "13B-5T": 0.03}
                             for b in mod.DEFAULT_FRAME_BENCHMARKS},
    }
    path = tmp_path / "res.json"
    path.write_text(json.dumps(res))
    out = tmp_path / "t.md"
    assert mod.main(["--from-json", str(path), "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    # rows ordered by mean CV error, the selected one in bold, the shipped one labelled
    assert lines[2].startswith(f"| **{names[1]}** | **0.040** |")
    assert lines[3].startswith(f"| {names[0]} (previous default) | 0.050 |")
    # the held-out mean is over both models: (0.01 + 0.03) / 2
    assert lines[-1] == "| **mean (11 default benchmarks)** | **0.020** |"
