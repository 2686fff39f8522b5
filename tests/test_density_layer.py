"""The density layer owns the frame inversions; the trend only reads a table (issue 21)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

TREND = Path(__file__).resolve().parents[1] / "src" / "densing" / "trend"


def _imports(path: Path) -> set[str]:
    """Every module and name a file imports (``from a import b`` gives ``a`` and ``a.b``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
            out |= {a.name for a in node.names}
    return out


def test_trend_imports_no_frame_resolution() -> None:
    files = sorted(TREND.glob("*.py"))
    assert len(files) >= 5  # the package is there: the test reads something
    for path in files:
        names = _imports(path)
        bad = sorted(n for n in names if n.startswith(("densing.reference", "densing.density"))
                     or n.endswith("resolve_frame") or n == "density_bounds")
        assert not bad, f"{path.name} imports {bad}"


def test_density_bounds_is_exported_from_the_density_layer() -> None:
    import densing
    import densing.density as density
    import densing.trend as trend

    assert densing.density_bounds is density.density_bounds
    assert "density_bounds" in density.__all__ and "density_bounds" in densing.__all__
    assert not hasattr(trend, "density_bounds")


def test_density_bounds_match_an_independent_inversion() -> None:
    from densing.density import density_bounds
    from densing.exceptions import ExtrapolationWarning
    from densing.reference import load_frame

    frame = load_frame("olmo-ladder")
    fit = frame["average"]
    lp, sp = fit.loss_law.params_, fit.score_law.params_
    assert set(lp) == {"a", "alpha", "b", "beta"}  # no irreducible term in this frame
    d0 = frame.tokens
    # the top of the invertible score range: the score law's ceiling d + c (c > 0 here)
    # capped by the loss at N -> infinity (L = b D^-beta), whichever is lower
    c, g, l0, d = sp["c"], sp["gamma"], sp["l"], sp["d"]

    def score(loss: float) -> float:
        return c / (1.0 + math.exp(-g * (loss - l0))) + d

    low, high = frame.valid_score_range("average", None)
    assert high <= d + c + 1e-12 and high == pytest.approx(
        max(score(lp["b"] * d0 ** -lp["beta"]), d), rel=1e-9)
    top = high - 1e-6 * max(1.0, high - low)
    loss = l0 - math.log(c / (top - d) - 1.0) / g  # inverse sigmoid
    n_hat = ((loss - lp["b"] * d0 ** -lp["beta"]) / lp["a"]) ** (-1.0 / lp["alpha"])
    table = pd.DataFrame({"model": ["x", "y", "z"], "benchmark": "average",
                          "n_params": [1e9, 7e9, np.nan]})
    with pytest.warns(ExtrapolationWarning, match="N_hat"):  # the top is far past the runs
        got = density_bounds(table, frame)
    np.testing.assert_allclose(got["density_bound"].to_numpy()[:2], n_hat / np.array([1e9, 7e9]),
                               rtol=1e-6)
    assert np.isnan(got["density_bound"].iloc[2])


def _table(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """A compute_density-shaped table from (model, benchmark, status) rows."""
    n = len(rows)
    return pd.DataFrame({
        "model": [r[0] for r in rows], "benchmark": [r[1] for r in rows],
        "protocol": "rc-5shot", "score": 0.5, "n_params": 1e9,
        "release_date": pd.Timestamp("2024-01-01"), "n_hat": 5e8, "n_hat_low": 4e8,
        "n_hat_high": 6e8, "density": 0.5, "density_low": 0.4, "density_high": 0.6,
        "status": [r[2] for r in rows], "extrapolated": [False] * n,
        "beyond_reference_score": [False] * n,
    })


@pytest.mark.parametrize("first_ok, second_ok", [(2, 3), (3, 2), (2, 2)])
def test_auto_benchmark_is_the_averaged_one_covering_most_models(first_ok: int,
                                                                 second_ok: int) -> None:
    from densing._cli.density import per_model_benchmark
    from densing.density import model_densities
    from densing.reference import load_frame

    frame = load_frame("olmo-ladder")
    averaged = [b for b in frame.benchmarks_ if frame[b].tasks]
    assert len(averaged) >= 2
    first, second = averaged[:2]
    rows = [(f"a{i}", first, "ok") for i in range(first_ok)]
    rows += [(f"b{i}", second, "ok") for i in range(second_ok)]
    # rows that do not count: censored rows and a per-task benchmark with more rows
    rows += [(f"c{i}", first if second_ok > first_ok else second, "above_ceiling")
             for i in range(4)]
    rows += [(f"d{i}", "hellaswag", "ok") for i in range(9)]
    table = _table(rows)
    counts = {b: sum(1 for r in rows if r[1] == b and r[2] == "ok") for b in (first, second)}
    want = first if counts[first] >= counts[second] else second  # frame order breaks ties
    got = model_densities(table, "auto", frame=frame)
    assert set(got["benchmark"]) == {want}
    assert len(got) == sum(1 for r in rows if r[1] == want)
    assert per_model_benchmark(table, frame, None) == want


def test_auto_benchmark_without_averaged_rows_fails() -> None:
    from densing.density import model_densities
    from densing.exceptions import InputError

    table = _table([("m", "hellaswag", "ok")])
    with pytest.raises(InputError, match="averaged benchmark.*benchmark=NAME"):
        model_densities(table, "auto", frame="olmo-ladder")


def test_cli_per_model_uses_the_api_choice(run_cli, tmp_path: Path) -> None:
    from densing.density import compute_density, model_densities

    scores = pd.DataFrame({"model": "mine", "benchmark": ["hellaswag", "arc_challenge"],
                           "protocol": "rc-5shot", "score": [0.62, 0.41]})
    models = pd.DataFrame({"model": ["mine"], "n_params": [1.2e9],
                           "release_date": ["2025-01-15"]})
    scores.to_csv(tmp_path / "s.csv", index=False)
    models.to_csv(tmp_path / "m.csv", index=False)
    res = run_cli(["density", "--scores", str(tmp_path / "s.csv"), "--models",
                   str(tmp_path / "m.csv"), "--per-model", str(tmp_path / "p.csv"), "--quiet"])
    assert res.code == 0, res.err
    cli = pd.read_csv(tmp_path / "p.csv")
    with pytest.warns(Warning):  # the mixed-convention warning of a total-only table
        table = compute_density(scores, models, "olmo-ladder")
    api = model_densities(table, "auto", frame="olmo-ladder")
    assert cli["benchmark"].tolist() == api["benchmark"].tolist()
    np.testing.assert_allclose(cli["density"], api["density"], rtol=1e-12)
