"""densing's fitting engine against an independent published fit.

The raw Chinchilla points (epoch-research/analyzing-chinchilla, in ../shared/data) have no
licence: they are read here for validation only and never copied into the package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference import chinchilla_replication as pub  # tests/reference

from densing.fitting import huber
from densing.laws import LossLaw

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "chinchilla" / \
    "svg_extracted_data.csv"

pytestmark = pytest.mark.skipif(not DATA.is_file(), reason="../shared/data/chinchilla absent")


@pytest.fixture(scope="module")
def points():
    df = pd.read_csv(DATA)
    n = df["Model Size"].to_numpy(float)
    d = df["Training FLOP"].to_numpy(float) / (6 * n)  # D = C / 6N, as in the replication
    return n, d, df["loss"].to_numpy(float)


def objective(law: LossLaw, n, d, loss) -> float:
    return float(huber(np.log(law.predict(n, d)) - np.log(loss), 1e-3)[0].mean())


def test_reproduces_the_replication_estimates(points):
    n, d, loss = points
    # the 5 outliers: the ~1e19-FLOP runs of 2-7B models, by far the highest losses
    keep = loss < np.sort(loss)[-pub.N_OUTLIERS]
    assert keep.sum() == 240
    p = LossLaw(irreducible=True).fit(n[keep], d[keep], loss[keep]).params_
    assert p is not None
    # within one published standard error; exponents and E much closer
    assert abs(p["alpha"] - pub.ALPHA) < 0.25 * pub.ALPHA_SE
    assert abs(p["beta"] - pub.BETA) < 0.25 * pub.BETA_SE
    assert abs(p["E"] - pub.E) < 0.1 * pub.E_SE
    assert abs(p["a"] - pub.A) < pub.A_SE
    assert abs(p["b"] - pub.B) < pub.B_SE


def test_multistart_finds_at_least_the_published_optimum(points):
    n, d, loss = points
    ours = LossLaw(irreducible=True).fit(n, d, loss)
    published = LossLaw.from_params(a=pub.A, alpha=pub.ALPHA, b=pub.B, beta=pub.BETA, E=pub.E)
    assert objective(ours, n, d, loss) <= objective(published, n, d, loss)
