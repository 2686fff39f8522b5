"""benchmarks/run.py: the start-up row (issue 14) and figure selection with --only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "benchmarks" / "run.py"


def test_startup_row_reports_ratio_against_bare_python() -> None:
    proc = subprocess.run(
        [sys.executable, str(RUN), "--only", "startup_version", "--startup-runs", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout)["results"]
    assert list(results) == ["startup_version"]  # --only runs and reports that figure alone
    row = results["startup_version"]
    assert row["baseline"].startswith("python -c pass")
    d_wall, b_wall = row["densing_wall"], row["baseline_wall"]
    assert 0 < b_wall and 0 < d_wall
    assert abs(row["ratio"] - d_wall / b_wall) <= 1e-9 * (d_wall / b_wall)
    assert abs(row["wall_excess_s"] - (d_wall - b_wall)) <= 1e-9
    assert row["result"].startswith("PASS" if d_wall - b_wall <= 0.5 else "MISS")


def test_only_rejects_unknown_figure() -> None:
    proc = subprocess.run(
        [sys.executable, str(RUN), "--only", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert proc.returncode == 2
    assert "startup_version" in proc.stderr  # the choices are listed
