"""Time and peak memory of the trend's case bootstrap on many models (issue 20, section 4).

Run: ``python benchmarks/bootstrap_memory.py [--rows 1e4 1e5 1e6] [--resamples 100] [--json]``.

For each row count ``n`` (synthetic models at dates over three years, sorted as the trend
sorts them), both in the same run and on the same data:

* **chunked**: densing's bootstrap, ``_Fitter("running_max", ...).rows(Resamples(...))``,
  which draws and fits the resamples in blocks of at most ``_CELLS`` (resample, model) cells;
* **naive**: the baseline it replaces, the whole ``(resamples, n)`` index matrix drawn at once
  and fitted in one pass (what the trend did before: 100 resamples were one block).

Each figure is the wall time (``time.perf_counter``) and the peak of memory allocated while
it runs (``tracemalloc``, which sees numpy's buffers), measured in a fresh child process so
one run cannot inherit the other's heap. The slopes of both are compared bit for bit. The
script prints one line per row count and the ratios naive / chunked.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, sys, time, tracemalloc
import numpy as np
from densing.trend._bootstrap import Resamples, _Fitter
from densing.trend._frontiers import _envelope, _wols
n, n_boot, how = int(float(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(1)
t = np.sort(rng.uniform(0, 1100, n))
x = -1 + 0.004 * t + rng.normal(0, 1.0, n)
order = np.lexsort((-x, t)); t, x = t[order], x[order]
tracemalloc.start()
start = time.perf_counter()
if how == "chunked":
    slopes = _Fitter("running_max", 0.9, t, x, None).rows(Resamples(0, n_boot, n))[0]
else:
    idx = np.random.default_rng(0).integers(0, n, size=(n_boot, n))
    idx.sort(axis=1)
    tt, xx = t[idx], x[idx]
    slopes = _wols(tt, xx, _envelope(tt, xx).astype(float))[0]
wall = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
np.save(sys.argv[4], slopes)
print(json.dumps({"rows": n, "resamples": n_boot, "how": how, "wall_s": wall,
                  "peak_mib": peak / 2**20}))
"""


def _child(n: float, n_boot: int, how: str, out: str) -> dict[str, float | str]:
    res = subprocess.run([sys.executable, "-c", CHILD, str(n), str(n_boot), how, out],
                         capture_output=True, text=True, check=False)
    if res.returncode:
        return {"rows": n, "how": how, "error": res.stderr.strip()[-300:]}
    row: dict[str, float | str] = json.loads(res.stdout)
    return row


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print one line per row count (JSON lines with ``--json``)."""
    import tempfile
    from pathlib import Path

    import numpy as np

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=float, nargs="+", default=[1e4, 1e5, 1e6])
    ap.add_argument("--resamples", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp())
    for n in args.rows:
        chunked = _child(n, args.resamples, "chunked", str(tmp / "c.npy"))
        naive = _child(n, args.resamples, "naive", str(tmp / "n.npy"))
        row: dict[str, object] = {"rows": int(n), "resamples": args.resamples,
                                  "chunked": chunked, "naive": naive}
        if "error" not in chunked and "error" not in naive:
            a, b = np.load(tmp / "c.npy"), np.load(tmp / "n.npy")
            row["identical"] = bool(np.array_equal(a, b, equal_nan=True))
            row["memory_ratio"] = float(naive["peak_mib"]) / float(chunked["peak_mib"])
            row["time_ratio"] = float(naive["wall_s"]) / float(chunked["wall_s"])
        if args.json:
            print(json.dumps(row))
        elif "memory_ratio" in row:
            print(f"{int(n):>9,} rows x {args.resamples} resamples: chunked "
                  f"{float(chunked['wall_s']):6.2f} s {float(chunked['peak_mib']):8.1f} MiB | "
                  f"naive {float(naive['wall_s']):6.2f} s {float(naive['peak_mib']):8.1f} MiB | "
                  f"memory naive/chunked {row['memory_ratio']:.1f}x, time {row['time_ratio']:.2f}x,"
                  f" slopes identical: {row['identical']}")
        else:
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
