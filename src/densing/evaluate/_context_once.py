"""Context-once scoring: each shared token prefix through the model once, on a kept cache.

The ladder's ``rc_5shot`` requests are highly redundant: every document of a task starts with
the same BOS and five curated shots, and each document's context is shared by its 2-5 answer
choices. lm-eval's HF backend runs one full forward pass per request. This module runs, on a
``transformers`` causal LM (GGUF files included), for each group of requests:

1. the longest token prefix shared by the group's contexts, once, keeping its key/value cache
   (a :class:`transformers.DynamicCache`). The caches live in a small LRU keyed on the prefix's
   token-id tuple (with the model's dtype and device), one per model, so repeated calls on
   chunks of the same task reuse it;
2. each document's remaining context tokens once on top of that cache (positions continue
   from the prefix), giving the log-probabilities of every continuation's first token;
3. the document's answer choices in one batch on top of the document's cache (continuations
   right-padded; padding only ever follows real tokens, so with causal attention it changes
   nothing before it, and positions follow from the cache length).

Reuse is keyed on **token ids, never strings**: the token lists are exactly those of
:func:`densing.evaluate.engine.encode_requests` (BOS + context, continuation encoded
separately), so the tokenization rule stays the in-loop evaluator's.

Semantics follow ``HFLM._loglikelihood_tokens``: the log-softmax runs over the full vocabulary
in the backend's ``softmax_dtype`` (the logits' dtype when unset), the selected
log-probabilities are summed in that dtype, and a request longer than the model's window
(``len(context) + len(continuation) > max_length + 1``, which lm-eval truncates from the left)
is handed to lm-eval itself, as is everything when the model or backend cannot reuse a cache.

Exactness contract
------------------
In float32 every request's log-likelihood agrees with lm-eval's ``_loglikelihood_tokens`` on
the same token sequences within :data:`FLOAT32_TOLERANCE` = 1e-4 nats absolute, and no
document's chosen answer changes (``tests/test_context_once.py``, SmolLM2-135M on documents of
all ten benchmarks). Why 1e-4: a full forward pass and a cached incremental one compute the
same function but add up the attention and matmul reductions in a different order and block
size; in float32 that moves a continuation's summed log-likelihood by about 1e-5 nats on a
135M model (we measured at most 4.6e-5 over the test's 92 requests of the ten benchmarks).
1e-4 leaves a margin for longer sums and larger models while being about 100x smaller than
the typical gap between two answer choices (tenths of a nat), so it cannot decide a ranking
except on a near-tie. Lower precisions (bfloat16, float16) round each layer's activations to
8 or 11 bits, and the two summation orders then differ by up to tenths of a nat: there is no
equality claim for them; :func:`compare_scores` reports the largest difference and the
answers that flip (``python benchmarks/scoring.py --bf16 DOCS``).

Before the first call on a model the path is checked at run time: the first document of the
call is scored both ways, and a difference above :func:`_probe_tolerance` turns context-once
off for that model (with one line on stderr) rather than return numbers that are not lm-eval's.
"""

from __future__ import annotations

import sys
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "FLOAT32_TOLERANCE",
    "chosen_answers",
    "compare_scores",
    "context_once_support",
    "group_contexts",
    "score_context_once",
]

#: largest |difference| (nats) from lm-eval's ``_loglikelihood_tokens`` promised in float32
FLOAT32_TOLERANCE = 1e-4
#: prefix caches kept per model (one per task part, e.g. MMLU's subjects in one call)
PREFIX_LRU_SIZE = 16
#: a shared prefix shorter than this many tokens is not worth a cache of its own
MIN_PREFIX_TOKENS = 32

Encoded = tuple[tuple[str, str], list[int], list[int]]

_PREFIXES: weakref.WeakKeyDictionary[Any, OrderedDict[Any, Any]] = weakref.WeakKeyDictionary()
_VERIFIED: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
_SAID: set[str] = set()


def say_once(message: str) -> None:
    """Print ``message`` on stderr the first time it is given in this process."""
    if message not in _SAID:
        _SAID.add(message)
        print(f"densing: {message}", file=sys.stderr)


def context_once_support(lm: Any) -> str | None:
    """Why ``lm`` cannot be scored context-once, or ``None`` when it can.

    Parameters
    ----------
    lm
        An lm-eval ``LM``.

    Returns
    -------
    str or None
        A short reason (``"backend VLLM has no transformers model"``), or ``None``.
    """
    name = type(lm).__name__
    model = getattr(lm, "_model", None) or getattr(lm, "model", None)
    if model is None or not hasattr(lm, "_loglikelihood_tokens"):
        return f"backend {name} has no transformers model"
    try:
        import torch
        import transformers
    except ImportError:  # pragma: no cover - the hf backend needs both
        return "torch or transformers is not importable"
    if not isinstance(model, transformers.PreTrainedModel):
        return f"backend {name}'s model is not a transformers model"
    if getattr(lm, "backend", "causal") != "causal":
        return f"backend {name} runs a {getattr(lm, 'backend', '?')} model, not a causal one"
    if len(set(map(str, (getattr(model, "hf_device_map", None) or {}).values()))) > 1:
        return "the model is split over several devices"
    if getattr(lm, "mixed_precision_dtype", None) is not None:
        return "lm-eval's mixed-precision autocast is on"
    if getattr(model.config, "is_encoder_decoder", False):
        return "an encoder-decoder model"
    text_cfg = model.config.get_text_config(decoder=True)
    layer_types = getattr(text_cfg, "layer_types", None) or []
    if any(t != "full_attention" for t in layer_types):
        return "the model has sliding-window or recurrent layers"
    if not isinstance(getattr(model, "device", None), torch.device):
        return "the model has no single device"
    return None


def _lcp(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def group_contexts(
    contexts: Sequence[tuple[int, ...]], *, min_prefix: int = MIN_PREFIX_TOKENS
) -> list[tuple[int, list[int]]]:
    """Group distinct token contexts that share a long prefix.

    Parameters
    ----------
    contexts
        Distinct contexts as token-id tuples.
    min_prefix
        Contexts sharing fewer leading tokens than this are not grouped.

    Returns
    -------
    list of (int, list of int)
        ``(prefix_length, indices)`` per group: the length of the prefix all the group's
        contexts share (at most each one's length minus one, so every context keeps a token
        of its own; 0 for a group without a worthwhile prefix) and the indices into
        ``contexts``, in sorted token order.
    """
    order = sorted(range(len(contexts)), key=lambda i: contexts[i])
    groups: list[tuple[int, list[int]]] = []
    cur: list[int] = []
    shared = 0
    for i in order:
        if cur:
            a = _lcp(contexts[cur[-1]], contexts[i])
            if a >= min_prefix:
                cur.append(i)
                shared = min(shared, a)
                continue
            groups.append((shared, cur))
        cur, shared = [i], len(contexts[i])
    if cur:
        groups.append((shared, cur))
    out = []
    for shared, idx in groups:
        cap = min(len(contexts[i]) for i in idx) - 1
        p = min(shared, cap) if len(idx) > 1 else 0
        out.append((p if p >= min_prefix else 0, idx))
    return out


def _model_of(lm: Any) -> Any:
    return getattr(lm, "_model", None) or lm.model


def _lru(model: Any) -> OrderedDict[Any, Any]:
    lru = _PREFIXES.get(model)
    if lru is None:
        lru = OrderedDict()
        _PREFIXES[model] = lru
    return lru


def _cache_kv(cache: Any) -> list[tuple[Any, Any]] | None:
    """The (keys, values) per layer of a DynamicCache of plain full-attention layers."""
    from transformers.cache_utils import DynamicLayer

    layers = getattr(cache, "layers", None)
    if layers is None or any(type(layer) is not DynamicLayer for layer in layers):
        return None
    return [(layer.keys, layer.values) for layer in layers]


def _forward(
    model: Any, ids: Any, kv: list[tuple[Any, Any]] | None, last_only: bool = False
) -> tuple[Any, Any]:
    import inspect

    from transformers import DynamicCache

    cache = DynamicCache(ddp_cache_data=kv) if kv else DynamicCache()
    extra = {}
    if last_only and "logits_to_keep" in inspect.signature(model.forward).parameters:
        extra["logits_to_keep"] = 1  # the output head on the last position only
    out = model(input_ids=ids, past_key_values=cache, use_cache=True, **extra)
    return out.logits, out.past_key_values


class _NoReuse(Exception):
    """The model's cache is not a plain DynamicCache: score through lm-eval instead."""


def _prefix_kv(model: Any, prefix: tuple[int, ...]) -> list[tuple[Any, Any]]:
    import torch

    lru = _lru(model)
    key = (prefix, str(model.dtype), str(model.device))
    if key in lru:
        lru.move_to_end(key)
        return lru[key]  # type: ignore[no-any-return]
    ids = torch.tensor([list(prefix)], dtype=torch.long, device=model.device)
    _, cache = _forward(model, ids, None, last_only=True)
    kv = _cache_kv(cache)
    if kv is None:
        raise _NoReuse
    lru[key] = kv
    while len(lru) > PREFIX_LRU_SIZE:
        lru.popitem(last=False)
    return kv


def _cached_prefix(model: Any, ctxs: list[tuple[int, ...]], want: int) -> int:
    """Length of the longest kept prefix every context of ``ctxs`` starts with (or 0)."""
    best = 0
    cap = min(len(c) for c in ctxs) - 1
    for prefix, dtype, device in _lru(model):
        n = len(prefix)
        if (
            best < n <= cap
            and dtype == str(model.dtype)
            and device == str(model.device)
            and all(c[:n] == prefix for c in ctxs)
        ):
            best = n
    # a kept prefix serves when it is most of what this group shares
    return best if best >= min(want, max(MIN_PREFIX_TOKENS, want // 2)) else 0


def _score_document(
    model: Any, kv: list[tuple[Any, Any]] | None, n_prefix: int, ctx: tuple[int, ...],
    conts: list[list[int]], softmax_dtype: Any,
) -> list[float]:
    """Log-likelihoods of one context's continuations, on top of the prefix cache."""
    import torch
    import torch.nn.functional as F

    dev = model.device
    rem = torch.tensor([list(ctx[n_prefix:])], dtype=torch.long, device=dev)
    logits, cache = _forward(model, rem, kv, last_only=True)
    first = F.log_softmax(logits[0, -1], dim=-1, dtype=softmax_dtype)
    longer = [i for i, c in enumerate(conts) if len(c) > 1]
    rest = None
    if longer:
        doc_kv = _cache_kv(cache)
        if doc_kv is None:
            raise _NoReuse
        n, width = len(longer), max(len(conts[i]) - 1 for i in longer)
        ids = torch.zeros((n, width), dtype=torch.long, device=dev)
        for row, i in enumerate(longer):
            toks = conts[i][:-1]
            ids[row, : len(toks)] = torch.tensor(toks, dtype=torch.long)
        batch_kv = [(k.expand(n, -1, -1, -1), v.expand(n, -1, -1, -1)) for k, v in doc_kv]
        out, _ = _forward(model, ids, batch_kv)
        rest = F.log_softmax(out, dim=-1, dtype=softmax_dtype)
    scores = []
    row_of = {i: r for r, i in enumerate(longer)}
    for i, cont in enumerate(conts):
        parts = [first[cont[0]].reshape(1)]
        if len(cont) > 1:
            assert rest is not None
            tail = torch.tensor(cont[1:], dtype=torch.long, device=dev)
            parts.append(rest[row_of[i], : len(cont) - 1].gather(-1, tail[:, None])[:, 0])
        scores.append(float(torch.cat(parts).sum()))
    return scores


def _probe_tolerance(dtype: Any) -> float:
    """Largest difference from lm-eval accepted by the run-time check, by dtype.

    It catches a wrong cache or wrong positions (differences of nats), not rounding: the
    float32 contract is :data:`FLOAT32_TOLERANCE`, checked by the tests; half precisions
    differ by rounding alone up to tenths of a nat.
    """
    import torch

    return 1e-3 if dtype in (torch.float32, torch.float64) else 0.5


def score_context_once(
    lm: Any,
    encoded: Sequence[Encoded],
    *,
    on_progress: Callable[[int], None] | None = None,
    verify: bool | None = None,
) -> list[float] | None:
    """Log-likelihoods of encoded requests, each shared context run once.

    Parameters
    ----------
    lm
        An lm-eval HF ``LM`` (see :func:`context_once_support`).
    encoded
        ``((context, continuation), context_tokens, continuation_tokens)`` per request, as
        :func:`densing.evaluate.engine.encode_requests` gives them.
    on_progress
        Called with the number of requests of this call scored so far, after each document.
    verify
        Check the first document against lm-eval's ``_loglikelihood_tokens`` before scoring
        (default: on the first call for this model only).

    Returns
    -------
    list of float or None
        One log-likelihood per request in the given order; ``None`` when the model cannot
        reuse a cache or fails the check (the caller then scores through lm-eval; the reason
        is printed once on stderr).
    """
    import torch

    reason = context_once_support(lm)
    if reason is not None:
        say_once(f"context-once scoring is off ({reason}); scoring through lm-eval")
        return None
    model = _model_of(lm)
    if _VERIFIED.get(model) is False:
        return None
    max_len = int(lm.max_length)
    softmax_dtype = getattr(lm, "softmax_dtype", None)
    out: list[float | None] = [None] * len(encoded)
    too_long: list[int] = []
    by_ctx: dict[tuple[int, ...], list[int]] = {}
    for i, (_, ctx, cont) in enumerate(encoded):
        if not ctx or not cont:
            raise ValueError(f"request {i}: empty context or continuation tokens")
        if len(ctx) + len(cont) > max_len + 1:
            too_long.append(i)
        else:
            by_ctx.setdefault(tuple(ctx), []).append(i)
    done = 0
    if too_long:
        res = lm._loglikelihood_tokens([encoded[i] for i in too_long], disable_tqdm=True)
        for i, r in zip(too_long, res, strict=True):
            out[i] = _num(r)
        done += len(too_long)
        if on_progress is not None:
            on_progress(done)
    contexts = list(by_ctx)
    if verify is None:
        verify = model not in _VERIFIED
    try:
        with torch.no_grad():
            for shared, idx in group_contexts(contexts):
                ctxs = [contexts[j] for j in idx]
                n_prefix = _cached_prefix(model, ctxs, shared) or shared
                kv = _prefix_kv(model, ctxs[0][:n_prefix]) if n_prefix else None
                for doc_ctx in ctxs:
                    reqs = by_ctx[doc_ctx]
                    conts = [list(encoded[i][2]) for i in reqs]
                    scores = _score_document(model, kv, n_prefix, doc_ctx, conts,
                                             softmax_dtype)
                    if verify:
                        verify = False
                        if not _agrees(lm, [encoded[i] for i in reqs], scores, model.dtype):
                            return None
                    for i, s in zip(reqs, scores, strict=True):
                        out[i] = s
                    done += len(reqs)
                    if on_progress is not None:
                        on_progress(done)
    except _NoReuse:
        _VERIFIED[model] = False
        say_once("context-once scoring is off (the model's cache is not a plain "
                 "DynamicCache); scoring through lm-eval")
        return None
    assert all(v is not None for v in out)
    return [float(v) for v in out]  # type: ignore[arg-type]


def _num(result: Any) -> float:
    """lm-eval's ``(loglik, is_greedy)`` as a float; NaN for anything else (the caller's
    check then names the request)."""
    try:
        return float(result[0])
    except (TypeError, ValueError, IndexError):
        return float("nan")


def _agrees(lm: Any, encoded: list[Encoded], scores: list[float], dtype: Any) -> bool:
    """Whether lm-eval gives the same numbers on one document's requests (records it)."""
    model = _model_of(lm)
    ref = [_num(r) for r in lm._loglikelihood_tokens(encoded, disable_tqdm=True)]
    worst = max(abs(a - b) for a, b in zip(scores, ref, strict=True))
    ok = worst <= _probe_tolerance(dtype)
    _VERIFIED[model] = ok
    if not ok:
        say_once(f"context-once scoring is off: on a first document it differs from lm-eval "
                 f"by {worst:.2e} nats; scoring through lm-eval")
    return ok


def chosen_answers(
    requests: Sequence[Any], logliks: Sequence[float], metric: str, variant: str = "ladder"
) -> dict[int, int]:
    """The continuation each document picks: argmax of the benchmark's metric.

    Parameters
    ----------
    requests
        :class:`densing.evaluate.protocol.Request` objects of one benchmark part.
    logliks
        Their log-likelihoods, in the same order.
    metric
        ``"acc"`` (raw log-likelihood) or ``"len_norm"`` (per character of the continuation).
    variant
        ``"ladder"`` or ``"olmes"`` (see :func:`densing.evaluate.metrics.continuation_length`).

    Returns
    -------
    dict
        ``doc_id -> idx`` of the chosen continuation.
    """
    from densing.evaluate.metrics import continuation_length

    best: dict[int, tuple[float, int]] = {}
    for req, ll in zip(requests, logliks, strict=True):
        value = float(ll)
        if metric == "len_norm":
            n = continuation_length(req.continuation, "chars", variant)  # type: ignore[arg-type]
            value = value / n if n else -float("inf")
        if req.doc_id not in best or value > best[req.doc_id][0]:
            best[req.doc_id] = (value, req.idx)
    return {doc: idx for doc, (_, idx) in best.items()}


def compare_scores(
    requests: Sequence[Any], reference: Sequence[float], other: Sequence[float], metric: str
) -> dict[str, float | int]:
    """Largest difference and flipped answers between two scorings of the same requests.

    Used to report a lower precision (bfloat16, float16) against float32, where no equality
    is claimed.

    Parameters
    ----------
    requests
        The requests of one benchmark part.
    reference, other
        Two lists of their log-likelihoods (e.g. float32 and bfloat16).
    metric
        The benchmark's metric (``"acc"`` or ``"len_norm"``).

    Returns
    -------
    dict
        ``max_abs_diff`` (nats), ``flipped`` (documents whose chosen answer differs) and
        ``documents``.
    """
    diff = max((abs(float(a) - float(b)) for a, b in zip(reference, other, strict=True)),
               default=0.0)
    ref = chosen_answers(requests, reference, metric)
    oth = chosen_answers(requests, other, metric)
    flipped = sum(ref[d] != oth[d] for d in ref)
    return {"max_abs_diff": diff, "flipped": int(flipped), "documents": len(ref)}
