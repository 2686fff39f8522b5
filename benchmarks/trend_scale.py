"""Time and peak memory of the trend bootstrap at large resample counts (issue 20 section 4).

Run: ``python benchmarks/trend_scale.py [N_RESAMPLES] [FRONTIER]`` (default 1e6,
running_max). Each row fits :class:`densing.trend.DensingTrend` to 109 synthetic models at
bursty dates (the size of the headline's window) in a child process and reports its wall
time and peak resident memory (``ru_maxrss``), beside a 1,000-resample baseline timed in the
same run, as ratios. A count beyond half the machine's memory is refused by the trend
(``check_bootstrap_cost``) with its estimate, which this script also prints.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time, warnings
import numpy as np, pandas as pd
from densing.trend import DensingTrend
n_boot, frontier = int(float(sys.argv[1])), sys.argv[2]
rng = np.random.default_rng(0)
t = np.sort(rng.choice(rng.uniform(0, 580, 8), 109) + rng.normal(0, 12, 109)).clip(0, 580)
df = pd.DataFrame({"model": [f"m{i}" for i in range(109)],
                   "release_date": (np.datetime64("2023-02-24") + t.astype(int)).astype(str),
                   "density": np.exp(-1 + 0.004 * t + rng.normal(0, 1.0, 109))})
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    DensingTrend(frontier=frontier, n_bootstrap=n_boot, interval="percentile").fit(df)
wall = time.perf_counter() - start
print(json.dumps({"n_bootstrap": n_boot, "frontier": frontier, "wall_s": wall,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(n: float, frontier: str) -> dict[str, float | str]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), frontier], capture_output=True,
                         text=True, check=False)
    if out.returncode:
        return {"n_bootstrap": n, "frontier": frontier, "error": out.stderr.strip()[-300:]}
    row: dict[str, float | str] = json.loads(out.stdout)
    return row


def main(argv: list[str]) -> int:
    """Print the baseline row, the large row and their ratios as JSON lines."""
    n = float(argv[0]) if argv else 1e6
    frontier = argv[1] if len(argv) > 1 else "running_max"
    from densing.trend._bootstrap import bootstrap_cost

    print(json.dumps({"estimate_mib": bootstrap_cost(int(n), 109, frontier)[0] / 2**20}))
    base = _run(1e3, frontier)
    big = _run(n, frontier)
    print(json.dumps(base))
    print(json.dumps(big))
    if "error" not in big and "error" not in base:
        print(json.dumps({"time_ratio": float(big["wall_s"]) / float(base["wall_s"]),
                          "memory_ratio": float(big["peak_rss_mib"])
                          / float(base["peak_rss_mib"])}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
