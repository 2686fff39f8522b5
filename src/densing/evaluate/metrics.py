"""The OLMo in-loop evaluator's metrics, from log-likelihoods of ranked-classification requests.

Pure numpy, no torch. For one document with continuations ``c_0 .. c_{k-1}`` (each a string
that starts with its leading space, e.g. ``" Paris"``), log-likelihoods ``ll_i`` (natural
log, summed over the continuation's tokens) and gold index ``g``:

- ``acc``: 1 if ``argmax_i ll_i == g``;
- ``len_norm``: 1 if ``argmax_i ll_i / n_chars(c_i) == g``;
- ``bpb``: ``-ll_g / n_bytes(c_g) * log2(e)``, bits per UTF-8 byte of the gold continuation.

``n_chars`` and ``n_bytes`` come in two variants. The OLMo ladder (``OLMo/olmo/eval/
downstream.py``, used for the ladder's runs in late 2024) does **not** count the first
character, the leading space: ``n_chars = len(c) - 1`` and ``n_bytes =
len(c[1:].encode("utf-8"))``. That is variant ``"ladder"`` (``olmo_eval``'s ``*_v1`` /
``*_no_leading_space``). The OLMES standard, adopted by ``ai2-olmo-eval`` in April 2025
(OLMo-in-loop-evals PR #6), counts it: variant ``"olmes"`` (``*_v2``). Ties in the argmax
go to the first continuation, as in ``torch.argmax``.

Adapted from ``olmo_eval/metrics.py`` of ``ai2-olmo-eval`` (Copyright Allen Institute for
AI, Apache License 2.0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from densing.exceptions import InputError

__all__ = [
    "LOG2_E",
    "METRICS",
    "VARIANTS",
    "Variant",
    "continuation_length",
    "document_metrics",
]

#: log2(e), the constant ``olmo_eval`` uses (``LOG_2_OF_E``)
LOG2_E = 1.44269504089
#: score metrics of ranked classification
METRICS: tuple[str, ...] = ("acc", "len_norm")
#: length variants: ``"ladder"`` without the leading space (v1), ``"olmes"`` with it (v2)
VARIANTS: tuple[str, ...] = ("ladder", "olmes")
Variant = Literal["ladder", "olmes"]


def continuation_length(continuation: str, unit: str, variant: Variant = "ladder") -> int:
    """Length of a continuation in characters or UTF-8 bytes, as the in-loop evaluator counts.

    Parameters
    ----------
    continuation
        The continuation string, with its leading space (``" Paris"``).
    unit
        ``"chars"`` or ``"bytes"``.
    variant
        ``"ladder"`` drops the first character (the leading space); ``"olmes"`` keeps it.

    Returns
    -------
    int
        The length.

    Raises
    ------
    InputError
        An unknown unit or variant.
    """
    if variant not in VARIANTS:
        raise InputError(f"variant {variant!r} is not one of {', '.join(VARIANTS)}")
    text = continuation[1:] if variant == "ladder" else continuation
    if unit == "chars":
        return len(text)
    if unit == "bytes":
        return len(text.encode("utf-8"))
    raise InputError(f"unit {unit!r} is not 'chars' or 'bytes'")


def document_metrics(
    logliks: Sequence[float],
    continuations: Sequence[str],
    label: int,
    *,
    metric: str = "len_norm",
    variant: Variant = "ladder",
) -> tuple[float, float]:
    """Correctness and gold bits per byte of one ranked-classification document.

    Parameters
    ----------
    logliks
        Log-likelihood (nats) of each continuation given the context.
    continuations
        The continuation strings, in the same order.
    label
        Index of the gold continuation.
    metric
        ``"acc"`` (raw log-likelihood) or ``"len_norm"`` (per character).
    variant
        ``"ladder"`` (lengths without the leading space) or ``"olmes"`` (with it).

    Returns
    -------
    tuple of float
        ``(correct, bpb)``: 1.0 or 0.0, and the gold continuation's bits per byte.

    Raises
    ------
    InputError
        Mismatched lengths, a label out of range, an unknown metric or an empty continuation.
    """
    if metric not in METRICS:
        raise InputError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
    if len(logliks) != len(continuations) or not logliks:
        raise InputError(
            f"{len(logliks)} log-likelihoods for {len(continuations)} continuations"
        )
    if not 0 <= int(label) < len(logliks):
        raise InputError(f"label {int(label)} is out of range for {len(logliks)} continuations")
    ll = np.asarray(logliks, dtype=float)
    if metric == "len_norm":
        chars = np.array([continuation_length(c, "chars", variant) for c in continuations])
        with np.errstate(divide="ignore", invalid="ignore"):
            ll = ll / chars
    correct = 1.0 if int(np.argmax(ll)) == int(label) else 0.0
    n_bytes = continuation_length(continuations[label], "bytes", variant)
    bpb = -float(logliks[label]) / n_bytes * LOG2_E if n_bytes else math.inf
    return correct, bpb
