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
