"""Time of every ``densing ... --help`` against a bare ``python -c pass`` (issue 22).

Run from the repository root::

    python benchmarks/help_timing.py            # 7 runs of each, interleaved
    python benchmarks/help_timing.py --runs 15  # more runs
    python benchmarks/help_timing.py --json     # one JSON object

Each help is a subprocess ``python -m densing <words> --help`` (the checkout on
``PYTHONPATH`` is what is timed); bare Python is ``python -c pass``. The runs are interleaved
(bare, then every help, repeated), so a machine under load slows both alike, and the median
wall time of each is taken. Target: every help within 0.5 s of bare Python, judged on the
difference of the medians; the table prints both times and the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: the commands timed, as the words after ``densing``
COMMANDS: tuple[tuple[str, ...], ...] = (
    (), ("measure",), ("leaderboard",), ("leaderboard", "add"), ("trend",), ("reproduce",),
    ("plot",), ("plot", "trend"), ("density",), ("evaluate",), ("frame",), ("frame", "fit"),
    ("frame", "validate"), ("params",),
)

#: the most a help may take over bare Python, seconds
TARGET_S = 0.5


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - t0


def measure(runs: int) -> dict[str, object]:
    """Median wall seconds of bare Python and of every help, interleaved ``runs`` times.

    Parameters
    ----------
    runs
        Repeats of each subprocess.

    Returns
    -------
    dict
        ``bare_s`` and ``rows`` (command, median seconds, difference, pass).
    """
    src = Path(__file__).resolve().parents[1] / "src"
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    bare_cmd = [sys.executable, "-c", "pass"]
    cmds = {" ".join(("densing", *w, "--help")): [sys.executable, "-m", "densing", *w, "--help"]
            for w in COMMANDS}
    times: dict[str, list[float]] = {name: [] for name in ["bare", *cmds]}
    for cmd in cmds.values():  # warm the file cache once, untimed
        _wall(cmd, env)
    for _ in range(runs):
        times["bare"].append(_wall(bare_cmd, env))
        for name, cmd in cmds.items():
            times[name].append(_wall(cmd, env))
    bare = statistics.median(times["bare"])
    rows = []
    for name in cmds:
        med = statistics.median(times[name])
        rows.append({"command": name, "median_s": med, "over_bare_s": med - bare,
                     "pass": med - bare <= TARGET_S})
    return {"runs": runs, "bare_s": bare, "target_over_bare_s": TARGET_S, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    """Print the table (or JSON); exit 1 when a help misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="repeats of each (default: 7)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    out = measure(args.runs)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"bare `python -c pass`: {out['bare_s']:.3f} s (median of {args.runs})")
        print(f"{'command':<36} {'median':>8} {'bare':>8} {'over':>8}  target <= +{TARGET_S} s")
        for r in out["rows"]:  # type: ignore[attr-defined]
            print(f"{r['command']:<36} {r['median_s']:>7.3f}s {out['bare_s']:>7.3f}s "
                  f"{r['over_bare_s']:>+7.3f}s  {'PASS' if r['pass'] else 'MISS'}")
    return 0 if all(r["pass"] for r in out["rows"]) else 1  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
