"""The documented example runs end to end (docs that run).

The example runs in process as ``__main__`` (as ``python examples/...py OUT`` would), with its
``densing.reproduce(n_bootstrap=1000, random_state=0)`` answered by the session's
``reproduction`` fixture, computed with exactly those settings: the pipeline runs once per
session, and everything else in the example (frame, densities, figures) runs as written.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import densing

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_reproduce_example_runs(tmp_path, monkeypatch, capsys, reproduction):
    import matplotlib.pyplot as plt

    out = tmp_path / "law.png"
    calls = []

    def shared(*args: object, **kwargs: object) -> object:
        calls.append((args, kwargs))
        return reproduction

    script = EXAMPLES / "reproduce_densing_law.py"
    monkeypatch.setattr(sys, "argv", [str(script), str(out)])
    with monkeypatch.context() as patch:
        patch.setattr(densing, "reproduce", shared)
        try:
            runpy.run_path(str(script), run_name="__main__")
        finally:
            plt.close("all")
    # the settings the fixture was computed with
    assert calls == [((), {"n_bootstrap": 1000, "random_state": 0})]
    stdout = capsys.readouterr().out
    assert "doubling" in stdout and f"wrote {out}" in stdout
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
