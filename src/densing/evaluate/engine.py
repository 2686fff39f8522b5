"""Score the ladder's requests through lm-eval's model backends.

The requests go to an lm-eval ``LM`` (``hf`` with accelerate, ``vllm`` where installed, GGUF
files through transformers) as loglikelihood :class:`lm_eval.api.instance.Instance` objects.
Only the tokenization is densing's, because it must be the in-loop evaluator's:

- the context and the continuation are tokenized **separately** (no special tokens) and
  concatenated, as ``olmo_eval.tasks`` does; lm-eval's own ``loglikelihood`` instead
  tokenizes ``context + continuation`` whole and splits it after the context's tokens. The
  two differ only where a tokenizer merges characters across the boundary. Byte-level BPE
  tokenizers (GPT-2, Llama 3, OLMo, SmolLM) start a new token at the continuation's leading
  space, so both usually agree. SentencePiece tokenizers that add a dummy prefix (Llama 2,
  Mistral) encode ``" Paris"`` on its own with an extra leading ``"▁"``, so the separate
  encoding scores one more token than the joint one and gives a lower log-likelihood;
- a BOS token is prepended to the context when the tokenizer has one, as ``olmo_eval`` does.
  Encoding with ``add_special_tokens=False`` and adding BOS explicitly gives the same tokens
  under transformers 4 (whose GGUF tokenizers prepend BOS themselves) and 5 (which do not).

On the ``hf`` backend (a ``transformers`` causal LM, GGUF included) the token lists are scored
**context-once** (:mod:`densing.evaluate._context_once`): a task's shared five-shot prefix runs
once and its key/value cache is kept, each document's remaining context runs once on top of
it, and the answer choices in one batch on top of that; in float32 the numbers are lm-eval's
within 1e-4 nats. Elsewhere (vLLM, a model without a plain cache, several processes) the token
lists go to the backend's ``_loglikelihood_tokens``, the method its own ``loglikelihood`` calls
after tokenizing (batching, sorting, truncation and caching are then lm-eval's), and a line on
stderr says so once. A backend without that method (an API model) gets the instances through
``loglikelihood`` and its own tokenization.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from densing.evaluate._context_once import context_once_support, say_once, score_context_once
from densing.evaluate._deps import require
from densing.evaluate._grouping import merge_shards, shard_requests
from densing.evaluate.protocol import Request
from densing.exceptions import DataFormatError, InputError

__all__ = [
    "build_lm",
    "check_device",
    "check_model",
    "create_lm",
    "describe_lm",
    "encode_requests",
    "score_requests",
    "set_threads",
]


def _hub_offline() -> bool:
    return any(
        os.environ.get(k, "").strip().lower() in ("1", "true", "yes", "on")
        for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def check_model(
    model: str | os.PathLike[str], gguf_file: str | None = None, *, trust_remote_code: bool = False
) -> tuple[str, str | None]:
    """Check a model path before anything heavy is loaded.

    Parameters
    ----------
    model
        A model directory, a ``.gguf`` file, or a hub id (read from the local cache).
    gguf_file
        GGUF file name inside the ``model`` directory.
    trust_remote_code
        Whether code from the model repository may run.

    Returns
    -------
    tuple
        ``(model, gguf_file)``: the directory or hub id, and the GGUF file name if any.

    Raises
    ------
    InputError
        A missing path or GGUF file, an empty directory, a config that asks for remote code
        without ``trust_remote_code``, or a hub id that is not cached while offline.
    """
    text = str(model)
    path = Path(text).expanduser()
    if path.suffix == ".gguf" and gguf_file is None:
        gguf_file, path = path.name, path.parent
        if not (path / gguf_file).is_file():
            raise InputError(f"model: GGUF file not found: {text!r}")
    looks_local = text.startswith(("/", ".", "~")) or text.count("/") > 1 or path.exists()
    if not looks_local:
        hub = require("huggingface_hub")
        cached = hub.try_to_load_from_cache(text, "config.json")
        if not isinstance(cached, str) and _hub_offline():
            raise InputError(
                f"model {text!r} is not a local path, and the hub is unreachable offline "
                "(HF_HUB_OFFLINE is set); give a model directory or a .gguf file"
            )
        return text, gguf_file
    if not path.exists():
        raise InputError(f"model path not found: {text!r}")
    if not path.is_dir():
        raise InputError(f"model {text!r} is a file: give its directory, or a .gguf file")
    if gguf_file is not None:
        if not (path / gguf_file).is_file():
            raise InputError(f"gguf_file {gguf_file!r} not found in {str(path)!r}")
        from densing.evaluate.params import count_gguf_parameters

        count_gguf_parameters(path / gguf_file)  # the header alone: refuses absurd counts
        return str(path), gguf_file
    config = path / "config.json"
    if not config.is_file():
        ggufs = sorted(p.name for p in path.glob("*.gguf"))
        hint = f" (it holds {ggufs[0]!r}: pass --gguf-file {ggufs[0]})" if ggufs else ""
        raise InputError(f"model directory {text!r} has no config.json{hint}")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFormatError(f"{str(config)!r} is not a readable JSON config: {exc}") from exc
    if not isinstance(data, dict):
        raise DataFormatError(f"{str(config)!r} does not hold a JSON object")
    if data.get("auto_map") and not trust_remote_code:
        raise InputError(
            f"config {str(config)!r} asks for remote code (auto_map); it is not run unless "
            "you pass --trust-remote-code"
        )
    names = {p.name for p in path.iterdir()}
    missing = []
    if not any(n.endswith(_WEIGHT_ENDINGS) for n in names):
        missing.append("no weights (*.safetensors, *.bin)")
    if not names & _TOKENIZER_FILES:
        missing.append("no tokenizer (tokenizer.json, tokenizer.model, vocab.json)")
    if missing:
        raise InputError(f"model directory {str(path)!r} has config.json but "
                         f"{' and '.join(missing)}")
    hidden, heads = data.get("hidden_size"), data.get("num_attention_heads")
    if (type(hidden) is int and type(heads) is int and data.get("head_dim") is None
            and (heads <= 0 or hidden % heads)):
        raise DataFormatError(
            f"config {str(config)!r}: hidden_size {hidden} is not a multiple of "
            f"num_attention_heads {heads} and no head_dim is given: the model cannot be built")
    return str(path), None


_WEIGHT_ENDINGS = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".safetensors.index.json",
                   ".bin.index.json")
_TOKENIZER_FILES = frozenset({"tokenizer.json", "tokenizer.model", "vocab.json", "vocab.txt",
                              "spiece.model", "tokenizer_config.json"})
_DEVICE = re.compile(r"(cpu|mps|(cuda|xpu|npu)(:[0-9]+)?)")


def check_device(device: str | None, name: str = "device") -> str | None:
    """Check a torch device name before a model is loaded.

    Parameters
    ----------
    device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` (also ``xpu[:N]``, ``npu[:N]``), or
        ``None`` for the backend's default.
    name
        The argument's name, for the message.

    Returns
    -------
    str or None
        The device.

    Raises
    ------
    InputError
        An unknown device name, or a CUDA or MPS device that this machine does not have
        (lm-eval would fall back to the CPU without a word).
    """
    if device is None:
        return None
    if not isinstance(device, str) or not _DEVICE.fullmatch(device):
        raise InputError(f"{name} must be cpu, cuda, cuda:N or mps; got {device!r}")
    if device.startswith("cuda"):
        torch = require("torch")
        count = int(torch.cuda.device_count()) if torch.cuda.is_available() else 0
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= count:
            have = f"{count} CUDA device(s)" if count else "no CUDA device"
            raise InputError(f"{name} {device!r}: this machine has {have}")
    elif device == "mps":
        torch = require("torch")
        if not torch.backends.mps.is_available():
            raise InputError(f"{name} 'mps': this machine has no MPS device")
    return device


def build_lm(
    model: Any,
    *,
    gguf_file: str | None = None,
    backend: str = "hf",
    batch_size: int | str = 1,
    device: str | None = "cpu",
    dtype: str | None = None,
    trust_remote_code: bool = False,
    model_args: Mapping[str, Any] | None = None,
    threads: int | None = None,
    quiet: bool = False,
) -> Any:
    """Build an lm-eval ``LM`` through lm-eval's own model registry.

    Parameters
    ----------
    model
        A model directory, ``.gguf`` file or cached hub id; an already-built
        ``transformers`` model (wrapped by the backend); or an ``lm_eval`` ``LM``, returned
        as is.
    gguf_file
        GGUF file inside the ``model`` directory (loaded through transformers).
    backend
        lm-eval model type: ``"hf"`` (run under ``accelerate launch`` for several GPUs),
        ``"vllm"`` where installed, ...
    batch_size
        An integer or ``"auto"``.
    device
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``; ``None`` for the backend's default.
    dtype
        E.g. ``"float32"`` or ``"bfloat16"``; default the model's.
    trust_remote_code
        Allow model code from the repository to run.
    model_args
        Further backend arguments.
    threads
        torch's CPU thread count (:func:`set_threads`); ``None`` keeps torch's default. On a
        machine shared with other work one thread per free core is much faster than the
        default, which oversubscribes.
    quiet
        Hide transformers' loading bars ("Loading weights", the GGUF de-quantization bar).

    Returns
    -------
    lm_eval.api.model.LM
        The backend instance.

    Raises
    ------
    InputError
        An unknown backend, a bad model path or a bad thread count.
    DataFormatError
        A model the backend cannot load.
    """
    if threads is not None:
        set_threads(threads)
    lm_api = require("lm_eval.api.model")
    if isinstance(model, lm_api.LM):
        return model
    check_device(device)
    args: dict[str, Any] = dict(model_args or {})
    if isinstance(model, (str, os.PathLike)):
        model, gguf_file = check_model(model, gguf_file, trust_remote_code=trust_remote_code)
    args["pretrained"] = model
    args.setdefault("trust_remote_code", trust_remote_code)
    if gguf_file:
        args["gguf_file"] = gguf_file
    if dtype:
        args["dtype"] = dtype
    with _quiet_loading(quiet):
        return create_lm(backend, args, batch_size, device)


@contextlib.contextmanager
def _quiet_loading(quiet: bool) -> Iterator[None]:
    """Hide transformers' bars while a model loads: its own ("Loading weights") through
    its logging switch, and the GGUF loader's, which calls ``tqdm`` directly."""
    if not quiet:
        yield
        return
    import functools

    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    gguf_mod = sys.modules.get("transformers.modeling_gguf_pytorch_utils")
    if gguf_mod is None:
        try:
            import transformers.modeling_gguf_pytorch_utils as gguf_mod
        except ImportError:  # pragma: no cover - an old transformers without GGUF
            gguf_mod = None
    old_tqdm = getattr(gguf_mod, "tqdm", None)
    if old_tqdm is not None:
        gguf_mod.tqdm = functools.partial(old_tqdm, disable=True)  # type: ignore[union-attr]
    try:
        yield
    finally:
        if old_tqdm is not None:
            gguf_mod.tqdm = old_tqdm  # type: ignore[union-attr]
        if was_enabled:
            hf_logging.enable_progress_bar()


def create_lm(backend: str, args: dict[str, Any], batch_size: int | str,
              device: str | None) -> Any:
    """Create an lm-eval ``LM`` through lm-eval's own model registry.

    Parameters
    ----------
    backend
        lm-eval model type (``hf``, ``vllm``, ...).
    args
        Model arguments (``pretrained`` and the rest).
    batch_size
        Batch size (or ``"auto"``).
    device
        Device, or ``None`` for the backend's default.

    Returns
    -------
    lm_eval.api.model.LM
        The backend instance.
    """
    registry = require("lm_eval.api.registry")
    require("lm_eval.models")
    extra: dict[str, Any] = {"batch_size": batch_size}
    if device is not None:
        extra["device"] = device
    try:
        cls = registry.get_model(backend)
    except (ValueError, KeyError) as exc:
        raise InputError(f"backend {backend!r} is not an lm-eval model type ({exc})") from exc
    try:
        return cls.create_from_arg_obj(args, extra)
    except (OSError, ValueError, KeyError) as exc:  # the loaders' errors: one line
        msg = " ".join(str(exc).split())[:300]
        raise DataFormatError(f"cannot load model {str(args.get('pretrained'))!r}: "
                              f"{type(exc).__name__}: {msg}") from exc


def set_threads(threads: int) -> int:
    """Set torch's intra-op CPU thread count.

    Parameters
    ----------
    threads
        A positive whole number.

    Returns
    -------
    int
        The thread count torch reports afterwards.

    Raises
    ------
    InputError
        A count that is not a positive whole number.
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InputError(f"threads must be a positive whole number; got {threads!r}")
    torch = require("torch")
    torch.set_num_threads(threads)
    return int(torch.get_num_threads())


def describe_lm(lm: Any) -> dict[str, Any]:
    """What will run: backend, device, dtype, threads and whether contexts are scored once.

    Parameters
    ----------
    lm
        An lm-eval ``LM`` (see :func:`build_lm`).

    Returns
    -------
    dict
        ``backend`` (the class name), ``device`` (the model's actual device, e.g. ``"cpu"``),
        ``dtype`` (the weights' dtype, e.g. ``"float32"``; ``None`` when unknown),
        ``threads`` (torch's CPU threads now; ``None`` without torch), ``context_once``
        (bool) and ``context_once_reason`` (why not, or ``None``).
    """
    model = getattr(lm, "_model", None) or getattr(lm, "model", None)
    device = getattr(model, "device", None) or getattr(lm, "device", None)
    dtype = getattr(model, "dtype", None)
    try:
        import torch

        threads: int | None = int(torch.get_num_threads())
    except ImportError:  # pragma: no cover - every lm-eval backend here has torch
        threads = None
    reason = context_once_support(lm)
    return {
        "backend": type(lm).__name__,
        "device": None if device is None else str(device),
        "dtype": None if dtype is None else str(dtype).removeprefix("torch."),
        "threads": threads,
        "context_once": reason is None,
        "context_once_reason": reason,
    }


def _tokenizer_of(lm: Any) -> Any:
    tok = getattr(lm, "tokenizer", None)
    if tok is None:
        raise InputError(f"the lm-eval backend {type(lm).__name__} exposes no tokenizer")
    return tok


def encode_requests(
    tokenizer: Any, requests: Sequence[Request]
) -> list[tuple[tuple[str, str], list[int], list[int]]]:
    """Tokenize requests as the in-loop evaluator does: separately, BOS before the context.

    Parameters
    ----------
    tokenizer
        A ``transformers`` tokenizer (or anything with ``encode(text,
        add_special_tokens=False)`` and ``bos_token_id``).
    requests
        The requests.

    Returns
    -------
    list
        ``((context, continuation), context_tokens, continuation_tokens)`` per request, the
        form lm-eval's ``_loglikelihood_tokens`` takes.
    """
    bos = getattr(tokenizer, "bos_token_id", None)
    cache: dict[str, list[int]] = {}
    out = []
    for req in requests:
        ctx = cache.get(req.context)
        if ctx is None:
            ctx = list(tokenizer.encode(req.context, add_special_tokens=False))
            if bos is not None and (not ctx or ctx[0] != bos):
                ctx = [int(bos), *ctx]
            cache[req.context] = ctx
        cont = list(tokenizer.encode(req.continuation, add_special_tokens=False))
        if not cont:
            raise DataFormatError(f"continuation {req.continuation!r} encodes to no tokens")
        out.append(((req.context, req.continuation), ctx, cont))
    return out


def score_requests(
    lm: Any,
    requests: Sequence[Request],
    *,
    progress: bool | None = None,
    on_progress: Callable[[int], None] | None = None,
    context_once: bool | None = None,
) -> list[float]:
    """Log-likelihood (nats) of every request's continuation given its context.

    Parameters
    ----------
    lm
        An lm-eval ``LM`` (see :func:`build_lm`).
    requests
        The requests, in any order; a call may hold a chunk of a task (the shared-prefix
        cache is kept between calls on the same model).
    progress
        lm-eval's progress bar (on its path) and a closing throughput line on stderr;
        default: when stderr is a terminal.
    on_progress
        Called as ``on_progress(n_done)`` with the number of this call's requests scored so
        far (by this process): after each document on the context-once path, and once more
        at the end.
    context_once
        Score each shared context once (see the module notes): ``None`` (default) where the
        backend allows it, ``False`` to force lm-eval's ``_loglikelihood_tokens``.

    Returns
    -------
    list of float
        One log-likelihood per request, in the order given.

    Notes
    -----
    Under ``accelerate launch`` (an ``hf`` backend with ``world_size > 1`` and a
    ``torch.distributed`` process group) each process scores one contiguous, balanced shard
    of whole documents (:func:`densing.evaluate._grouping.shard_requests`), context-once on
    its own device, and the results are gathered in order on every process.
    """
    if progress is None:
        progress = sys.stderr.isatty()
    start = time.perf_counter()
    rank, world = int(getattr(lm, "rank", 0) or 0), int(getattr(lm, "world_size", 1) or 1)
    shards = _shards(requests, world) if world > 1 else None
    if shards is not None:
        own = _score_local(lm, [requests[i] for i in shards[rank]], progress, on_progress,
                           context_once)
        results = merge_shards(shards, _all_gather(own, world), len(requests))
    else:
        results = _score_local(lm, requests, progress, on_progress, context_once)
    if on_progress is not None:
        on_progress(len(requests) if shards is None else len(shards[rank]))
    elapsed = time.perf_counter() - start
    if progress and elapsed > 0:
        print(
            f"scored {len(requests)} requests in {elapsed:.1f} s "
            f"({len(requests) / elapsed:.1f} requests/s)",
            file=sys.stderr,
        )
    return results


def _shards(requests: Sequence[Request], world: int) -> list[list[int]] | None:
    """Whole documents per process, contiguous and balanced; ``None`` without a process group
    (or when a document's requests are not adjacent): every process then scores everything."""
    try:
        import torch.distributed as dist
    except ImportError:  # pragma: no cover - lm-eval's backends need torch
        return None
    if not (dist.is_available() and dist.is_initialized()):
        return None
    try:
        return shard_requests(requests, world)
    except InputError:
        return None


def _all_gather(own: list[float], world: int) -> list[list[float]]:
    """Every process's results, by rank (``torch.distributed.all_gather_object``)."""
    import torch.distributed as dist

    out: list[Any] = [None] * world
    dist.all_gather_object(out, own)
    return [list(x) for x in out]


def _score_local(
    lm: Any, requests: Sequence[Request], progress: bool,
    on_progress: Callable[[int], None] | None, context_once: bool | None,
) -> list[float]:
    instance_mod = require("lm_eval.api.instance")
    results: list[float] | None = None
    if hasattr(lm, "_loglikelihood_tokens") and getattr(lm, "tokenizer", None) is not None:
        encoded = encode_requests(_tokenizer_of(lm), requests)
        if context_once is not False:
            results = score_context_once(lm, encoded, on_progress=on_progress)
        if results is None:
            results = [_loglik(r) for r in
                       lm._loglikelihood_tokens(encoded, disable_tqdm=not progress)]
    else:
        say_once(f"context-once scoring is off (backend {type(lm).__name__} takes strings); "
                 "scoring through its loglikelihood")
        instances = [
            instance_mod.Instance(
                request_type="loglikelihood",
                doc={"doc_id": r.doc_id, "label": r.label},
                arguments=(r.context, r.continuation),
                idx=r.idx,
            )
            for r in requests
        ]
        results = [_loglik(r) for r in lm.loglikelihood(instances, disable_tqdm=not progress)]
    return results


def _loglik(result: Any) -> Any:
    """The log-likelihood of one lm-eval result ``(loglik, is_greedy)`` as a float; anything
    that is not a number (``None`` from an engine that failed) is passed on unchanged, for
    the caller's check to name the request."""
    value = result[0] if isinstance(result, (tuple, list)) and result else result
    if isinstance(value, bool):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value
