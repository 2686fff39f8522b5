"""Conditional losses from lm-eval's per-sample logs.

lm-eval (``simple_evaluate(..., log_samples=True)``) logs, for every document, the
log-likelihood of each requested continuation. For ``multiple_choice`` tasks these are the
choices (``resps`` / ``filtered_resps`` hold one ``(loglik, is_greedy)`` pair per choice and
``target`` the gold index); for ``loglikelihood`` tasks a single continuation. The
*conditional loss* of a document is the negative log-likelihood (in nats) of the gold
continuation given its context, normalised

- per byte: bits per byte, ``nll / (ln 2 * len(continuation.encode("utf-8")))``, as the OLMo
  ladder reports it (the continuation is the exact string lm-eval scored, including the
  leading target delimiter);
- per token: nats per token of the gold continuation, tokenised the way lm-eval does it
  (``len(enc(context + continuation)) - len(enc(context))``); needs the tokenizer;
- per instance: nats per document.

This module reads both the in-memory ``results["samples"]`` and the on-disk
``samples_<task>_<date>.jsonl`` files, where lm-eval stores every value as a string.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from densing.exceptions import DataFormatError, InputError

Normalize = Literal["bytes", "tokens", "instance"]

#: unit recorded in the ``loss_unit`` column for each normalisation
LOSS_UNITS: dict[str, str] = {
    "bytes": "bits_per_byte",
    "tokens": "nats_per_token",
    "instance": "nats_per_instance",
}

_SAMPLES_FILE_RE = re.compile(r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T[\d\-.]+)\.jsonl$")
# doc keys that may hold a 0-based gold index when ``target`` is not one
_DOC_GOLD_KEYS = ("gold", "label", "answer")


@dataclass
class _Sample:
    """One logged document and where it came from (for error messages)."""

    task: str
    where: str
    data: Mapping[str, Any]


def _task_from_filename(path: Path) -> str:
    m = _SAMPLES_FILE_RE.match(path.name)
    if m:
        return m.group("task")
    stem = path.stem
    return stem[len("samples_") :] if stem.startswith("samples_") else stem


def _read_jsonl(path: Path, task: str | None) -> Iterator[_Sample]:
    """Yield the samples of one lm-eval ``samples_*.jsonl`` file."""
    name = task or _task_from_filename(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataFormatError(f"samples file not found: {str(path)!r}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"cannot read samples file {str(path)!r}: {exc}") from exc
    n_lines = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        n_lines += 1
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFormatError(
                f"{str(path)!r}, line {lineno}: not valid JSON ({exc.msg} at column {exc.colno}); "
                "the file may be truncated - re-run the evaluation or drop the line"
            ) from exc
        if not isinstance(data, dict):
            raise DataFormatError(
                f"{str(path)!r}, line {lineno}: expected a JSON object per line, "
                f"got {type(data).__name__}"
            )
        yield _Sample(name, f"{path}, line {lineno}", data)
    if n_lines == 0:
        raise DataFormatError(f"samples file {str(path)!r} is empty")


def _iter_samples(samples: Any, task: str | None) -> Iterator[_Sample]:
    """Normalise every accepted input form into a stream of :class:`_Sample`."""
    if isinstance(samples, (str, Path)):
        path = Path(samples)
        if path.is_dir():
            files = sorted(path.rglob("samples_*.jsonl"))
            if not files:
                raise DataFormatError(f"no samples_*.jsonl files under directory {str(path)!r}")
            for f in files:
                yield from _read_jsonl(f, task)
            return
        if not path.exists():
            raise DataFormatError(f"samples file not found: {str(path)!r}")
        yield from _read_jsonl(path, task)
        return
    if isinstance(samples, Mapping):
        if "samples" in samples and isinstance(samples["samples"], Mapping):
            samples = samples["samples"]  # a whole simple_evaluate result
        for name, rows in samples.items():
            if task is not None and name != task:
                continue
            if not isinstance(rows, Sequence) or isinstance(rows, (str, bytes)):
                raise InputError(
                    f"samples[{name!r}] should be the list of logged documents, "
                    f"got {type(rows).__name__}"
                )
            for i, row in enumerate(rows):
                if not isinstance(row, Mapping):
                    raise DataFormatError(
                        f"samples[{name!r}][{i}] is a {type(row).__name__}, not a dict"
                    )
                yield _Sample(str(name), f"samples[{name!r}][{i}]", row)
        return
    if isinstance(samples, Iterable):
        items = list(samples)
        if items and all(isinstance(x, (str, Path)) for x in items):
            for x in items:
                yield from _iter_samples(x, task)
            return
        for i, row in enumerate(items):
            if not isinstance(row, Mapping):
                raise DataFormatError(f"samples[{i}] is a {type(row).__name__}, not a dict")
            yield _Sample(task or "task", f"samples[{i}]", row)
        return
    raise InputError(
        "samples must be lm-eval results (with a 'samples' key), a dict task -> list of "
        "logged documents, a list of documents, or path(s) to samples_*.jsonl files/directories; "
        f"got {type(samples).__name__}"
    )


def _as_float(value: Any, where: str) -> float:
    """One log-likelihood from a logged response (number, tuple/list or their string form)."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "([":
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError) as exc:
                raise DataFormatError(f"{where}: cannot parse response {value!r}") from exc
        else:
            try:
                return float(text)
            except ValueError as exc:
                raise DataFormatError(
                    f"{where}: response {value!r} is not a log-likelihood"
                ) from exc
    if isinstance(value, (list, tuple)):
        if not value:
            raise DataFormatError(f"{where}: empty response")
        return _as_float(value[0], where)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise DataFormatError(f"{where}: response {value!r} is not a log-likelihood")
    return float(value)


def _logliks(data: Mapping[str, Any], where: str) -> list[float]:
    """Log-likelihood of every request of one document (``filtered_resps`` first)."""
    if "filtered_resps" in data and data["filtered_resps"] is not None:
        resps = data["filtered_resps"]
        if isinstance(resps, str):
            try:
                resps = ast.literal_eval(resps)
            except (ValueError, SyntaxError) as exc:
                raise DataFormatError(f"{where}: cannot parse filtered_resps {resps!r}") from exc
        if not isinstance(resps, (list, tuple)) or not resps:
            raise DataFormatError(f"{where}: 'filtered_resps' is empty or not a list")
        return [_as_float(r, f"{where}, filtered_resps[{i}]") for i, r in enumerate(resps)]
    if "resps" in data and data["resps"] is not None:
        resps = data["resps"]
        if not isinstance(resps, (list, tuple)) or not resps:
            raise DataFormatError(f"{where}: 'resps' is empty or not a list")
        # resps[i] is the list of repeats of request i, e.g. [(loglik, is_greedy)]
        return [_as_float(r, f"{where}, resps[{i}]") for i, r in enumerate(resps)]
    raise DataFormatError(f"{where}: no 'filtered_resps' or 'resps' field; is this an lm-eval log?")


def _arguments(data: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    """``(context, continuation)`` of every request, from either log format."""
    args = data.get("arguments")
    if args is None:
        return []
    pairs: list[tuple[str, str]] = []
    if isinstance(args, Mapping):  # on disk: {"gen_args_0": {"arg_0": ctx, "arg_1": cont}}
        keys = sorted(args, key=lambda k: int(re.sub(r"\D", "", str(k)) or 0))
        for k in keys:
            a = args[k]
            if not isinstance(a, Mapping):
                raise DataFormatError(f"{where}: arguments[{k!r}] is not a mapping")
            pairs.append((str(a.get("arg_0", "")), str(a.get("arg_1", ""))))
        return pairs
    if isinstance(args, (list, tuple)):
        for a in args:
            if isinstance(a, (list, tuple)):
                ctx = str(a[0]) if len(a) > 0 else ""
                cont = a[1] if len(a) > 1 and isinstance(a[1], str) else ""
                pairs.append((ctx, cont))
            else:
                pairs.append((str(a), ""))
        return pairs
    raise DataFormatError(f"{where}: 'arguments' has an unexpected type {type(args).__name__}")


def _int_like(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _gold_index(
    data: Mapping[str, Any], n_choices: int, pairs: list[tuple[str, str]], where: str
) -> int:
    """Index of the gold choice of a multiple-choice document."""
    target = data.get("target")
    if isinstance(target, str) and target.strip().startswith("["):
        try:
            target = ast.literal_eval(target.strip())
        except (ValueError, SyntaxError):
            pass
    if isinstance(target, (list, tuple)):  # several gold answers: use the first
        if not target:
            raise DataFormatError(f"{where}: empty target list")
        target = target[0]
    idx = _int_like(target)
    if idx is not None:
        if not 0 <= idx < n_choices:
            raise DataFormatError(
                f"{where}: target index {idx} is out of range for {n_choices} choices "
                f"(valid: 0..{n_choices - 1})"
            )
        return idx
    conts = [c for _, c in pairs]
    if isinstance(target, str) and conts and len(set(conts)) > 1:
        matches = [i for i, c in enumerate(conts) if c.strip() == target.strip()]
        if len(matches) == 1:
            return matches[0]
    doc = data.get("doc")
    if isinstance(doc, Mapping):
        for key in _DOC_GOLD_KEYS:
            idx = _int_like(doc.get(key))
            if idx is not None:
                if not 0 <= idx < n_choices:
                    raise DataFormatError(
                        f"{where}: doc[{key!r}] = {idx} is out of range for {n_choices} choices"
                    )
                return idx
    raise DataFormatError(
        f"{where}: cannot find the gold choice: target {data.get('target')!r} is neither an "
        f"index nor one of the {n_choices} choices, and the doc has no integer 'gold' field"
    )


def _n_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _make_token_counter(tokenizer: Any) -> Callable[[str, str], int]:
    """Count continuation tokens the way lm-eval's HFLM does."""
    if isinstance(tokenizer, (str, Path)):
        from densing.evaluate._deps import require

        transformers = require("transformers")
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(tokenizer))

    def encode(text: str) -> list[int]:
        try:
            out = tokenizer.encode(text, add_special_tokens=False)
        except TypeError:
            out = tokenizer.encode(text)
        return list(out)

    def count(context: str, continuation: str) -> int:
        # lm-eval moves trailing spaces of the context onto the continuation, encodes the
        # whole string and takes the tokens after the context's.
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces:
            continuation = context[-n_spaces:] + continuation
            context = context[:-n_spaces]
        if not context:
            return len(encode(continuation))
        return len(encode(context + continuation)) - len(encode(context))

    return count


def _per_sample(
    stream: Iterable[_Sample],
    normalize: str,
    output_types: Mapping[str, str],
    token_count: Callable[[str, str], int] | None,
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for s in stream:
        data, where = s.data, s.where
        lls = _logliks(data, where)
        pairs = _arguments(data, where)
        if pairs and len(pairs) != len(lls):
            raise DataFormatError(
                f"{where}: {len(lls)} responses but {len(pairs)} requests in 'arguments'"
            )
        out_type = output_types.get(s.task)
        if out_type is None:
            out_type = "multiple_choice" if len(lls) > 1 else "loglikelihood"
        if out_type == "multiple_choice":
            gold = _gold_index(data, len(lls), pairs, where)
        elif out_type in ("loglikelihood", "loglikelihood_rolling"):
            gold = 0
        else:
            raise InputError(
                f"task {s.task!r} has output_type {out_type!r}; conditional losses need "
                "'multiple_choice', 'loglikelihood' or 'loglikelihood_rolling'"
            )
        nlls = [-ll for ll in lls]
        if out_type == "loglikelihood_rolling":
            ctx, cont = "", (pairs[0][0] if pairs else "")
        else:
            ctx, cont = pairs[gold] if pairs else ("", "")
        if normalize == "instance":
            denoms = [1.0] * len(nlls)
        elif normalize == "bytes":
            if not pairs:
                raise DataFormatError(f"{where}: no 'arguments' to count continuation bytes")
            conts = [pairs[0][0]] if out_type == "loglikelihood_rolling" else [c for _, c in pairs]
            denoms = [math.log(2) * _n_bytes(c) for c in conts]
        else:
            if not pairs or token_count is None:
                raise DataFormatError(f"{where}: no 'arguments' to count continuation tokens")
            if out_type == "loglikelihood_rolling":
                denoms = [float(token_count("", pairs[0][0]))]
            else:
                denoms = [float(token_count(c, t)) for c, t in pairs]
        if any(d <= 0 for d in denoms):
            raise DataFormatError(f"{where}: an empty continuation cannot be normalised per "
                                  f"{normalize[:-1] if normalize != 'instance' else normalize}")
        losses = [n / d for n, d in zip(nlls, denoms, strict=True)]
        others = [x for i, x in enumerate(losses) if i != gold]
        rows.append(
            {
                "task": s.task,
                "doc_id": data.get("doc_id"),
                "nll": nlls[gold],
                "loss": losses[gold],
                "distractor_loss": float(np.mean(others)) if others else math.nan,
                "n_choices": len(lls),
                "gold": gold,
                "continuation": cont,
                "source": where,
            }
        )
    if not rows:
        raise DataFormatError("no logged samples found")
    df = pd.DataFrame(rows)
    df["loss_unit"] = LOSS_UNITS[normalize]
    return df


def conditional_losses(
    samples: Any,
    *,
    normalize: Normalize = "bytes",
    tokenizer: Any = None,
    task: str | None = None,
    output_types: Mapping[str, str] | None = None,
    aggregate: bool = True,
) -> pd.DataFrame:
    """Negative log-likelihood of the gold continuations in lm-eval's per-sample logs.

    Parameters
    ----------
    samples
        Any of: the dict returned by ``lm_eval.simple_evaluate(..., log_samples=True)``
        (its ``"samples"`` and ``"configs"`` are used); its ``results["samples"]`` (task ->
        list of logged documents); one task's list of documents; a path to an on-disk
        ``samples_<task>_<date>.jsonl`` file or to a directory searched recursively for such
        files; or a list of such paths. On disk lm-eval stores values as strings; both forms
        give the same losses.
    normalize
        ``"bytes"`` (bits per byte of the gold continuation, as the OLMo ladder reports),
        ``"tokens"`` (nats per token; needs ``tokenizer``) or ``"instance"`` (nats per
        document).
    tokenizer
        A tokenizer with ``encode`` (e.g. a ``transformers`` tokenizer) or a path to one;
        only for ``normalize="tokens"``.
    task
        Keep only this task (dict input), or the task name of a bare list of documents or of
        a file whose name does not follow lm-eval's ``samples_<task>_<date>.jsonl`` pattern.
    output_types
        Task -> lm-eval ``output_type``. Read from ``samples["configs"]`` when given whole
        results; otherwise inferred: several responses per document means
        ``multiple_choice``, one means ``loglikelihood``.
    aggregate
        If true (default), one row per task; otherwise one row per document.

    Returns
    -------
    pandas.DataFrame
        With ``aggregate=True``: columns ``task``, ``loss`` (mean over documents),
        ``loss_stderr`` (standard error of that mean, ``std(ddof=1) / sqrt(n)``),
        ``loss_unit`` (``bits_per_byte``, ``nats_per_token`` or ``nats_per_instance``),
        ``distractor_loss`` (mean loss of the wrong choices, same unit; NaN for
        ``loglikelihood`` tasks) and ``n``. With ``aggregate=False``: ``task``, ``doc_id``,
        ``nll`` (nats), ``loss``, ``distractor_loss``, ``n_choices``, ``gold``,
        ``continuation``, ``source`` (file and line, or list position) and ``loss_unit``.

    Raises
    ------
    DataFormatError
        A missing, empty or truncated file, a sample without responses, or a target index
        out of range; the message names the file and line (or list position) and the value.
    InputError
        An unknown ``normalize`` or an unsupported ``output_type``.

    Notes
    -----
    For a multiple-choice document the gold index is ``target`` when it is an integer (or
    its string form); otherwise the choice whose continuation equals ``target``; otherwise
    an integer ``gold``/``label``/``answer`` field of ``doc``. With several gold answers the
    first counts.
    """
    if normalize not in LOSS_UNITS:
        raise InputError(
            f"normalize={normalize!r} is not one of {sorted(LOSS_UNITS)}"
        )
    types: dict[str, str] = {}
    if isinstance(samples, Mapping) and isinstance(samples.get("configs"), Mapping):
        for name, cfg in samples["configs"].items():
            if isinstance(cfg, Mapping) and cfg.get("output_type"):
                types[str(name)] = str(cfg["output_type"])
    types.update(output_types or {})
    counter = None
    if normalize == "tokens":
        if tokenizer is None:
            raise InputError('normalize="tokens" needs a tokenizer (pass tokenizer=...)')
        counter = _make_token_counter(tokenizer)
    per = _per_sample(_iter_samples(samples, task), normalize, types, counter)
    if not aggregate:
        return per
    rows = []
    for name, g in per.groupby("task", sort=False):
        n = len(g)
        sd = float(g["loss"].std(ddof=1)) if n > 1 else math.nan
        rows.append(
            {
                "task": name,
                "loss": float(g["loss"].mean()),
                "loss_stderr": sd / math.sqrt(n) if n > 1 else math.nan,
                "loss_unit": LOSS_UNITS[normalize],
                "distractor_loss": float(g["distractor_loss"].mean()),
                "n": n,
            }
        )
    return pd.DataFrame(rows)


__all__ = ["LOSS_UNITS", "conditional_losses"]
