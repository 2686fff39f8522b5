"""The bursty simulation design shared by the coverage and headline tests: release dates in
bursts around a few centres, a straight true trend, Gaussian scatter."""

from __future__ import annotations

import numpy as np

#: the true slope of ln(density) per day in the simulated designs
TRUE_SLOPE = 0.006


def bursty_design(rep: int, n: int | None = None, sigma: float | None = None):
    """One data set: (t days sorted, ln rho); n and sigma drawn when not given."""
    rng = np.random.default_rng([rep, 12])
    n = int(rng.integers(50, 151)) if n is None else n
    sigma = float(rng.uniform(0.3, 0.7)) if sigma is None else sigma
    k = int(rng.integers(6, 11))
    centres = np.sort(rng.uniform(0.0, 720.0, k))
    t = np.sort(np.round(np.clip(rng.choice(centres, n) + rng.normal(0.0, 12.0, n), 0, 720)))
    x = -1.0 + TRUE_SLOPE * t + rng.normal(0.0, sigma, n)
    return t, x
