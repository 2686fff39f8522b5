"""The documented example runs end to end (docs that run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.slow  # the docs build runs it too (the gallery)
def test_reproduce_example_runs(tmp_path):
    out = tmp_path / "law.png"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "reproduce_densing_law.py"), str(out)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "doubling" in proc.stdout and out.stat().st_size > 10_000
