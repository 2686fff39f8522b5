"""Evaluate a model on the ladder's exact requests: one row per benchmark, ready for densing.

:func:`evaluate_benchmarks` loads the requests (:mod:`densing.evaluate.protocol`), scores
them through an lm-eval backend (:mod:`densing.evaluate.engine`) and applies the ladder's
metrics (:mod:`densing.evaluate.metrics`). The table it returns goes straight into
:func:`densing.compute_density` and ``densing leaderboard add --scores``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from densing.evaluate.engine import build_lm, score_requests
from densing.evaluate.metrics import Variant, document_metrics
from densing.evaluate.protocol import (
    BENCHMARKS,
    PROTOCOL,
    Request,
    benchmark_spec,
    load_requests,
    parse_benchmarks,
)
from densing.exceptions import InputError

__all__ = ["LADDER_RESULT_COLUMNS", "evaluate_benchmarks", "score_documents"]

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


def evaluate_benchmarks(
    model: Any,
    benchmarks: str | Sequence[str] | None = None,
    *,
    gguf_file: str | None = None,
    limit: int | None = None,
    backend: str = "hf",
    batch_size: int | str = 1,
    device: str | None = "cpu",
    dtype: str | None = None,
    trust_remote_code: bool = False,
    variant: Variant = "ladder",
    name: str | None = None,
    show_progress: bool | None = None,
    return_documents: bool = False,
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
    gguf_file
        GGUF file inside the ``model`` directory.
    limit
        Only the first ``limit`` documents of each benchmark (of each MMLU group), in the
        request file's order. Scores on a subset are noisier and not the ladder's.
    backend, batch_size, device, dtype, trust_remote_code
        lm-eval backend and its settings (see :func:`densing.evaluate.engine.build_lm`).
    variant
        ``"ladder"`` (default; lengths without the leading space, as the ladder's columns)
        or ``"olmes"`` (with it, as ``ai2-olmo-eval``'s ``*_v2`` metrics).
    name
        Value of the ``model`` column (default: the GGUF file's or directory's name).
    show_progress
        lm-eval's progress bar with requests/s; default: when stderr is a terminal.
    return_documents
        Also return the per-document table (``benchmark, part, doc_id, correct, bpb``).

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
    ImportError
        Without the eval extra (``pip install "densing[eval]"``).
    """
    names = parse_benchmarks(
        "all" if benchmarks is None else benchmarks, default=list(BENCHMARKS)
    )
    requests: dict[tuple[str, str], list[Request]] = {}
    for bench in names:
        for part, reqs in load_requests(bench, limit=limit).items():
            requests[(bench, part)] = reqs
    lm = build_lm(
        model, gguf_file=gguf_file, backend=backend, batch_size=batch_size, device=device,
        dtype=dtype, trust_remote_code=trust_remote_code,
    )
    flat = [r for reqs in requests.values() for r in reqs]
    logliks = score_requests(lm, flat, show_progress=show_progress)
    model_name = name or _model_name(model, gguf_file)
    docs = []
    pos = 0
    for (bench, part), reqs in requests.items():
        spec = benchmark_spec(bench)
        part_ll = logliks[pos : pos + len(reqs)]
        pos += len(reqs)
        d = score_documents(reqs, part_ll, metric=spec.metric, variant=variant)
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

