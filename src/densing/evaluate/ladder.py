"""Evaluate a model on the ladder's exact requests: one row per benchmark, ready for densing.

:func:`evaluate_benchmarks` loads the requests (:mod:`densing.evaluate.protocol`), scores
them through an lm-eval backend (:mod:`densing.evaluate.engine`) and applies the ladder's
metrics (:mod:`densing.evaluate.metrics`). The table it returns goes straight into
:func:`densing.compute_density` and ``densing leaderboard add --scores``.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from densing._progress import RateReporter
from densing.evaluate._cache import ResultCache, cache_dir, chunk_key, model_identity
from densing.evaluate._options import eval_options, takes_eval_options
from densing.evaluate.engine import build_lm, describe_lm, score_requests
from densing.evaluate.metrics import Variant, document_metrics
from densing.evaluate.protocol import (
    BENCHMARKS,
    PROTOCOL,
    Request,
    benchmark_spec,
    load_requests,
    parse_benchmarks,
)
from densing.exceptions import InputError, ScoringError

__all__ = [
    "LADDER_RESULT_COLUMNS",
    "PLAN_COLUMNS",
    "ScoringError",
    "evaluate_benchmarks",
    "format_plan",
    "plan_benchmarks",
    "score_documents",
]

#: columns of :func:`plan_benchmarks`' table
PLAN_COLUMNS = ["benchmark", "documents", "requests", "tokens"]

#: documents per scored chunk: the unit of progress, of the resume cache and of what a kill
#: can lose
CHUNK_DOCS = 32



#: columns of :func:`evaluate_benchmarks`' table
LADDER_RESULT_COLUMNS = [
    "model", "benchmark", "protocol", "score", "stderr", "loss", "loss_unit", "n",
]


def score_documents(
    requests: Sequence[Request],
    logliks: Sequence[float],
    *,
    metric: str,
    variant: Variant = "ladder",
) -> pd.DataFrame:
    """Per-document correctness and gold bits per byte.

    Parameters
    ----------
    requests
        One benchmark part's requests (several continuations per document).
    logliks
        Their log-likelihoods, in the same order.
    metric
        ``"len_norm"`` or ``"acc"``.
    variant
        ``"ladder"`` or ``"olmes"`` (see :mod:`densing.evaluate.metrics`).

    Returns
    -------
    pandas.DataFrame
        Columns ``doc_id``, ``correct``, ``bpb``, one row per document in order.
    """
    if len(requests) != len(logliks):
        raise InputError(f"{len(logliks)} log-likelihoods for {len(requests)} requests")
    docs: dict[int, list[tuple[int, str, float, int]]] = {}
    for req, ll in zip(requests, logliks, strict=True):
        docs.setdefault(req.doc_id, []).append((req.idx, req.continuation, float(ll), req.label))
    rows = []
    for doc_id, items in docs.items():
        items.sort(key=lambda t: t[0])
        label = items[0][3]
        correct, bpb = document_metrics(
            [t[2] for t in items], [t[1] for t in items], label, metric=metric, variant=variant
        )
        rows.append({"doc_id": doc_id, "correct": correct, "bpb": bpb})
    return pd.DataFrame(rows, columns=["doc_id", "correct", "bpb"])


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    n = len(values)
    mean = float(np.mean(values))
    se = float(np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return mean, se


def _model_name(model: Any, gguf_file: str | None) -> str:
    if gguf_file:
        return Path(str(gguf_file)).stem
    if isinstance(model, (str, os.PathLike)):
        path = Path(str(model))
        if path.suffix == ".gguf":
            return path.stem
        return path.name or str(model)
    name = getattr(model, "name_or_path", None) or getattr(
        getattr(model, "config", None), "_name_or_path", None
    )
    return Path(str(name)).name if name else type(model).__name__


def _load_all(names: Sequence[str], limit: int | None) -> dict[tuple[str, str], list[Request]]:
    requests: dict[tuple[str, str], list[Request]] = {}
    for bench in names:
        for part, reqs in load_requests(bench, limit=limit).items():
            requests[(bench, part)] = reqs
    return requests


def _token_counter(tokenizer: Any) -> tuple[Callable[[str], int], bool]:
    """Tokens of a string (memoised): the tokenizer's, else characters / 4 (estimated)."""
    memo: dict[str, int] = {}
    if tokenizer is None:
        return (lambda text: max(1, round(len(text) / 4))), True

    def count(text: str) -> int:
        n = memo.get(text)
        if n is None:
            n = len(tokenizer.encode(text, add_special_tokens=False))
            memo[text] = n
        return n

    return count, False


def _plan_table(requests: dict[tuple[str, str], list[Request]], tokenizer: Any) -> pd.DataFrame:
    count, estimated = _token_counter(tokenizer)
    rows: dict[str, dict[str, Any]] = {}
    for (bench, _part), reqs in requests.items():
        row = rows.setdefault(bench, {"benchmark": bench, "documents": 0, "requests": 0,
                                      "tokens": 0})
        row["documents"] += len({r.doc_id for r in reqs})
        row["requests"] += len(reqs)
        row["tokens"] += sum(count(r.context) + count(r.continuation) for r in reqs)
    plan = pd.DataFrame(list(rows.values()), columns=PLAN_COLUMNS)
    plan.attrs["tokens_estimated"] = estimated
    return plan


def plan_benchmarks(
    benchmarks: str | Sequence[str] | None = None,
    *,
    limit: int | None = None,
    tokenizer: Any = None,
) -> pd.DataFrame:
    """What a measurement will score, without loading a model.

    Parameters
    ----------
    benchmarks
        As :func:`evaluate_benchmarks`.
    limit
        First ``limit`` documents of each benchmark.
    tokenizer
        A tokenizer with ``encode(text, add_special_tokens=False)``; without one the tokens
        are estimated as characters / 4 (``plan.attrs["tokens_estimated"]`` is then True).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PLAN_COLUMNS`, one row per benchmark: documents, requests, and the
        tokens of context plus continuation summed over requests (what an engine that runs
        one pass per request processes).
    """
    names = parse_benchmarks(
        "all" if benchmarks is None else benchmarks, default=list(BENCHMARKS)
    )
    return _plan_table(_load_all(names, limit), tokenizer)


def format_plan(plan: pd.DataFrame, info: dict[str, Any] | None = None,
                cached: int | None = None, cache_path: Any = None) -> str:
    """The plan as text for stderr.

    Parameters
    ----------
    plan
        :func:`plan_benchmarks`' table.
    info
        :func:`densing.evaluate.engine.describe_lm`'s dict (backend, device, dtype, threads).
    cached
        Requests already in the resume cache; ``None``: no cache (a line only with ``info``).
    cache_path
        The cache file, shown with ``cached``.

    Returns
    -------
    str
        Several lines.
    """
    est = bool(plan.attrs.get("tokens_estimated", False))
    unit = "tokens~" if est else "tokens"
    lines = ["densing plan:"]
    for bench, docs, reqs, toks in zip(plan["benchmark"], plan["documents"],
                                       plan["requests"], plan["tokens"], strict=True):
        lines.append(f"  {bench:<16} {int(docs):>7,} docs {int(reqs):>9,} "
                     f"requests {int(toks):>13,} {unit}")
    lines.append(f"  {'total':<16} {int(plan['documents'].sum()):>7,} docs "
                 f"{int(plan['requests'].sum()):>9,} requests {int(plan['tokens'].sum()):>13,} "
                 f"{unit}")
    if est:
        lines.append("  (tokens estimated as characters / 4: no tokenizer loaded)")
    if info is not None:
        once = "on" if info.get("context_once") else f"off ({info.get('context_once_reason')})"
        lines.append(f"  backend {info.get('backend')}, device {info.get('device')}, dtype "
                     f"{info.get('dtype')}, threads {info.get('threads')}, context-once {once}")
    if info is None:
        pass  # a dry run: the caller says where the cache would be
    elif cached is None:
        lines.append("  resume cache: off")
    else:
        total = int(plan["requests"].sum())
        where = "" if cache_path is None else f" ({cache_path})"
        lines.append(f"  resume cache: {cached:,} of {total:,} requests already scored{where}")
    return "\n".join(lines)


def _doc_chunks(reqs: Sequence[Request], docs: int) -> list[list[Request]]:
    """Consecutive chunks of ``docs`` whole documents (a document: adjacent same doc_id)."""
    chunks: list[list[Request]] = []
    cur: list[Request] = []
    n_docs = 0
    prev: int | None = None
    for r in reqs:
        if r.doc_id != prev:
            if n_docs == docs:
                chunks.append(cur)
                cur, n_docs = [], 0
            n_docs += 1
            prev = r.doc_id
        cur.append(r)
    if cur:
        chunks.append(cur)
    return chunks


def _check_chunk(bench: str, part: str, chunk: Sequence[Request], values: Sequence[Any]) -> None:
    if len(values) != len(chunk):
        raise ScoringError(f"{bench} ({part}): the engine returned {len(values)} "
                           f"log-likelihoods for {len(chunk)} requests (from doc_id "
                           f"{chunk[0].doc_id}); no density was computed")
    for req, v in zip(chunk, values, strict=True):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        if not ok:
            raise ScoringError(f"{bench} ({part}) doc_id {req.doc_id} choice {req.idx}: "
                               f"log-likelihood {v!r} is not a finite number; no density "
                               "was computed")


def _open_cache(model: Any, gguf_file: str | None, info: dict[str, Any], variant: str,
                root: Any) -> ResultCache | None:
    base = Path(root) if root is not None else cache_dir()
    ident = model_identity(model, gguf_file, base)
    if ident is None:
        print("densing: resume cache off (the model is not a file, directory or cached hub id)",
              file=sys.stderr)
        return None
    setting = {k: info.get(k) for k in ("backend", "device", "dtype", "context_once")}
    return ResultCache(json.dumps({"model": ident, "variant": variant, **setting},
                                  sort_keys=True), base)


@takes_eval_options
def evaluate_benchmarks(
    model: Any,
    benchmarks: str | Sequence[str] | None = None,
    *,
    return_documents: bool = False,
    chunk_docs: int | None = None,
    **options: Any,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Score and gold-answer loss of a model on the ladder's exact ``rc-5shot`` requests.

    Parameters
    ----------
    model
        A model directory, ``.gguf`` file or cached hub id (offline: set
        ``HF_HUB_OFFLINE=1``), a ``transformers`` model, or an lm-eval ``LM``.
    benchmarks
        Comma-separated names, a list, or ``"all"`` (default): the nine tasks of the
        default frame, ``mmlu`` (its four subject groups weighted by question count) and
        ``boolq``.
    return_documents
        Also return the per-document table (``benchmark, part, doc_id, correct, bpb``).
    chunk_docs
        Whole documents per scored chunk (the unit of progress and of the cache); default
        :data:`CHUNK_DOCS`.
    **options
        The evaluation keywords, each a field of :class:`~densing.evaluate.EvalOptions`:
        ``gguf_file``, ``limit``, ``backend``, ``batch_size``, ``device``, ``dtype``,
        ``trust_remote_code``, ``variant``, ``name``, ``progress``, ``threads``, ``cache``
        and ``cache_dir``.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        Columns ``model, benchmark, protocol, score, stderr, loss, loss_unit, n``: protocol
        ``rc-5shot`` (the default frame's), score the ladder's metric (len_norm, acc for
        boolq) as a fraction, ``stderr`` its standard error over documents, ``loss`` the
        mean bits per byte of the gold answer, ``n`` the documents scored.

    Raises
    ------
    InputError
        An unknown benchmark, a bad limit or a bad model path.
    ScoringError
        A request without a finite log-likelihood (named in the message).
    ImportError
        Without the eval extra (``pip install "densing[eval]"``).
    """
    opts = eval_options("evaluate_benchmarks", options)
    show = opts.progress is not False
    names = parse_benchmarks(
        "all" if benchmarks is None else benchmarks, default=list(BENCHMARKS)
    )
    if chunk_docs is None:
        chunk_docs = CHUNK_DOCS
    if isinstance(chunk_docs, bool) or not isinstance(chunk_docs, int) or chunk_docs < 1:
        raise InputError(f"chunk_docs must be a positive whole number; got {chunk_docs!r}")
    requests = _load_all(names, opts.limit)
    lm = build_lm(
        model, gguf_file=opts.gguf_file, backend=opts.backend, batch_size=opts.batch_size,
        device=opts.device, dtype=opts.dtype, trust_remote_code=opts.trust_remote_code,
        threads=opts.threads, quiet=not show,
    )
    info = describe_lm(lm)
    store = (_open_cache(model, opts.gguf_file, info, opts.variant, opts.cache_dir)
             if opts.cache else None)
    chunks = [(bench, part, c, chunk_key(bench, part, opts.variant, c))
              for (bench, part), reqs in requests.items() for c in _doc_chunks(reqs, chunk_docs)]
    hits = {key: v for _b, _p, c, key in chunks
            if store is not None and (v := store.get(key, len(c))) is not None}
    if show:
        plan = _plan_table(requests, getattr(lm, "tokenizer", None))
        n_cached = None if store is None else sum(len(c) for *_x, c, k in chunks if k in hits)
        print(format_plan(plan, info, n_cached, None if store is None else store.path),
              file=sys.stderr, flush=True)
        if store is not None and store.damaged:
            print(f"densing: {store.damaged} damaged cache line(s) ignored; their chunks are "
                  "scored again", file=sys.stderr)
    total = sum(len(r) for r in requests.values())
    reporter = RateReporter(total, "densing", enabled=show)
    part_ll: dict[tuple[str, str], list[float]] = {k: [] for k in requests}
    for bench, part, chunk, key in chunks:
        values = hits.get(key)
        if values is not None:
            reporter.skip(len(chunk))
        else:
            seen = [0]

            def hook(n: int, seen: list[int] = seen) -> None:
                if n > seen[0]:
                    reporter.update(n - seen[0])
                    seen[0] = n

            values = list(score_requests(lm, chunk, progress=False, on_progress=hook))
            _check_chunk(bench, part, chunk, values)
            hook(len(chunk))
            if store is not None:
                store.put(key, values)
        part_ll[(bench, part)].extend(float(v) for v in values)
    reporter.close()
    model_name = opts.name or _model_name(model, opts.gguf_file)
    docs = []
    for (bench, part), reqs in requests.items():
        spec = benchmark_spec(bench)
        d = score_documents(reqs, part_ll[(bench, part)], metric=spec.metric,
                            variant=opts.variant)
        d.insert(0, "part", part)
        d.insert(0, "benchmark", bench)
        docs.append(d)
    per_doc = pd.concat(docs, ignore_index=True)
    rows = []
    for bench in names:
        spec = benchmark_spec(bench)
        weights = dict(spec.parts)
        total_w = sum(weights.values())
        score = se2 = loss = 0.0
        n = 0
        for part, w in weights.items():
            sub = per_doc[(per_doc["benchmark"] == bench) & (per_doc["part"] == part)]
            s, s_se = _mean_se(sub["correct"].to_numpy())
            score += w / total_w * s
            se2 += (w / total_w * s_se) ** 2
            loss += w / total_w * float(sub["bpb"].mean())
            n += len(sub)
        rows.append(
            {
                "model": model_name,
                "benchmark": bench,
                "protocol": PROTOCOL,
                "score": score,
                "stderr": math.sqrt(se2),
                "loss": loss,
                "loss_unit": "bits_per_byte",
                "n": n,
            }
        )
    table = pd.DataFrame(rows, columns=LADDER_RESULT_COLUMNS)
    if return_documents:
        return table, per_doc
    return table

