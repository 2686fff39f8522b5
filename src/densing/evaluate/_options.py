"""The evaluation keywords, defined once: :class:`EvalOptions`.

:func:`~densing.evaluate.ladder.evaluate_benchmarks` and
:func:`~densing.evaluate.measure.measure_model` both take them as keywords
(``**options``); :func:`eval_options` turns those into one frozen :class:`EvalOptions`, and
:func:`takes_eval_options` gives each function a signature that lists them, for ``help()``
and the docs. Adding a keyword is one field here.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from densing.evaluate.metrics import Variant

__all__ = ["EvalOptions", "eval_options", "takes_eval_options"]

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class EvalOptions:
    """How a model is scored on the ladder's requests.

    Attributes
    ----------
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
    progress
        The plan and a progress line (requests done/total, requests/s, ETA) on stderr: a bar
        on a terminal, a plain line every few seconds elsewhere. ``None`` (default) and
        ``True`` show them, ``False`` hides them.
    threads
        torch's CPU threads (default: torch's own choice).
    cache
        Keep every scored chunk in the resume cache (:mod:`densing.evaluate._cache`) and
        reuse what is there: a stopped run, started again, scores no request twice.
    cache_dir
        The cache folder (default ``$DENSING_CACHE_DIR``, ``$XDG_CACHE_HOME/densing`` or
        ``~/.cache/densing``).
    """

    gguf_file: str | None = None
    limit: int | None = None
    backend: str = "hf"
    batch_size: int | str = 1
    device: str | None = "cpu"
    dtype: str | None = None
    trust_remote_code: bool = False
    variant: Variant = "ladder"
    name: str | None = None
    progress: bool | None = None
    threads: int | None = None
    cache: bool = False
    cache_dir: str | os.PathLike[str] | None = None


_FIELDS = tuple(f.name for f in dataclasses.fields(EvalOptions))


def eval_options(where: str, options: Mapping[str, Any]) -> EvalOptions:
    """The keywords a function received, as :class:`EvalOptions`.

    Parameters
    ----------
    where
        The function's name, for the message.
    options
        Its ``**options``.

    Returns
    -------
    EvalOptions
        The options, with the defaults for those not given.

    Raises
    ------
    TypeError
        A keyword that is not an evaluation option, worded as Python words it.
    """
    for key in options:
        if key not in _FIELDS:
            raise TypeError(f"{where}() got an unexpected keyword argument {key!r}")
    return EvalOptions(**options)


def takes_eval_options(func: _F) -> _F:
    """Give ``func`` (which ends in ``**options``) a signature listing the options.

    Parameters
    ----------
    func
        A function whose last parameter is ``**options``.

    Returns
    -------
    callable
        ``func``, with ``__signature__`` set: ``**options`` replaced by one keyword-only
        parameter per field of :class:`EvalOptions`, with its default.
    """
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
    params += [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default,
                          annotation=f.type)
        for f in dataclasses.fields(EvalOptions)
    ]
    func.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return func
