"""No command's default text output is wider than 100 columns (issue 22 §4).

Each command runs in a subprocess with ``COLUMNS=100`` (the width a terminal of 100 columns
reports), the way a user runs it, and every line of its stdout and stderr is measured.
``measure`` and ``evaluate`` need a model and are measured by their help only here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from densing._cli._help import walk
from densing.cli import build_parser

SRC = str(Path(__file__).resolve().parents[1] / "src")
WIDTH = 100


def _run(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS=str(WIDTH), PYTHONPATH=SRC)
    res = subprocess.run([sys.executable, "-m", "densing", *argv], capture_output=True,
                         text=True, env=env, cwd=cwd, timeout=600)
    assert res.returncode == 0, f"densing {' '.join(argv)} failed:\n{res.stderr[-2000:]}"
    return res


def _too_wide(res: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (res.stdout + res.stderr).splitlines() if len(line) > WIDTH]


@pytest.mark.parametrize("words", ["", *(w for w, _ in walk(build_parser()) if w)])
def test_help_fits(words):
    res = _run([*words.split(), "--help"])
    assert _too_wide(res) == []


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A scores CSV of the bundled models (llv1 protocols) and a small board's scores."""
    from densing.datasets import load_scores

    tmp = tmp_path_factory.mktemp("widths")
    load_scores("llv1:").to_csv(tmp / "scores.csv", index=False)
    (tmp / "mine.csv").write_text(
        "model,benchmark,protocol,score\n"
        "mine,hellaswag,rc-5shot,0.61\nmine,arc_challenge,rc-5shot,0.37\n")
    return tmp


def test_density_and_trend_fit(inputs):
    res = _run(["density", "--scores", "scores.csv", "--protocol-map", "llv1"], cwd=inputs)
    assert len(res.stdout.splitlines()) > 10  # the table was printed
    assert _too_wide(res) == []
    _run(["density", "--scores", "scores.csv", "--protocol-map", "llv1", "--per-model",
          "per_model.csv"], cwd=inputs)
    res = _run(["trend", "--densities", "per_model.csv", "--bootstrap", "200"], cwd=inputs)
    assert "doubling" in res.stdout.lower()
    assert _too_wide(res) == []


def test_leaderboard_fits(inputs):
    board = str(inputs / "board")
    outputs = [_run(["leaderboard", "init", board]),
               _run(["leaderboard", "add", board, "--model", "mine", "--params", "1.35e8",
                     "--release-date", "2024-11-01", "--scores", str(inputs / "mine.csv")]),
               _run(["leaderboard", "show", board]),
               _run(["leaderboard", "history", board]),
               _run(["leaderboard", "check", board])]
    assert "mine" in outputs[2].stdout
    assert [line for res in outputs for line in _too_wide([res][0])] == []


def test_frame_fit_fits(inputs):
    res = _run(["frame", "fit", "--out", str(inputs / "frame.json")])
    assert _too_wide(res) == []


@pytest.mark.slow
def test_reproduce_fits():
    res = _run(["reproduce", "--bootstrap", "200", "--frame-bootstrap", "20"])
    assert "months" in res.stdout and "nan" not in res.stdout.lower()
    assert _too_wide(res) == []


def test_sensitivity_text_fits():
    """``reproduce --sensitivity`` (minutes to run) renders through ``sensitivity_summary``:
    measured here on a table with the real rows' shapes and long names."""
    import math

    import pandas as pd

    from densing.report import SENSITIVITY_VARIANTS
    from densing.report._render import sensitivity_summary

    rows = [{"group": "analysis choice", "variant": name, "doubling_months": 6.73,
             "ci_low": 3.69, "ci_high": 16.3, "n_models": 109, "interval": "headline"}
            for name, _ in SENSITIVITY_VARIANTS]
    rows.append({"group": "analysis choice", "variant": "a variant that fails",
                 "error": "the running-max envelope has a single model ('x'): no later "
                 "model is denser"})
    rows += [{"group": "frontier rule", "variant": "record-setting models (running max, "
              "paper)", "doubling_months": 5.02, "ci_low": 2.98, "ci_high": math.inf,
              "n_models": 6, "interval": "calibrated + measurement spread"},
             {"group": "drop-one", "variant": "without Mistral-Nemo-Base-2407",
              "doubling_months": 8.6, "ci_low": 3.96, "ci_high": 11.5, "n_models": 108,
              "interval": "pairs bootstrap, models only",
              "same_line_without": "gemma-2-9b, gemma-2-27b, a-much-longer-model-name-v0.1"},
             {"group": "window", "variant": "window start -91 days (2022-11-25..2024-10-01)",
              "doubling_months": 6.73, "ci_low": 4.28, "ci_high": 10.5, "n_models": 109,
              "interval": "pairs bootstrap, models only"}]
    text = sensitivity_summary(pd.DataFrame(rows)).as_text()
    assert max(len(line) for line in text.splitlines()) <= WIDTH, text
    assert ".. ∞" in text and "gemma-2-9b" in text and "Drop-one" in text
