"""Parameter counts from a transformers config, without loading any weights.

The model is built on PyTorch's ``meta`` device, so no memory is allocated for weights and
nothing is downloaded: only the architecture is needed. Shared (tied) tensors are counted
once.

Convention (Kaplan et al. 2020, as used by the densing paper): the *non-embedding* count is
the total minus the token-embedding table, any learned position-embedding tables and an
untied output (LM-head) matrix. Everything else counts, including every normalisation
layer (the final one too) and biases. With this convention the densing paper's reference
models (Llama-style, gated SiLU FFN, RMSNorm, no biases, ``d_head = 64``) come out exactly,
e.g. ``(n_layer, d, d_ffn, n_head, n_kv) = (8, 256, 640, 4, 1)`` gives
``8 * (2*d*64*(n_head + n_kv) + 3*d*d_ffn + 2*d) + d = 5,247,232``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from densing._validation import check_integer
from densing.evaluate._deps import require
from densing.exceptions import DataFormatError, InputError

__all__ = ["CONVENTION", "count_gguf_parameters", "count_parameters"]

#: the convention recorded in every result of :func:`count_parameters`
CONVENTION = (
    "non_embedding = total - token embeddings - position embeddings - untied LM head; "
    "norms and biases count; tied tensors counted once (Kaplan et al. 2020; densing paper)"
)

# parameter names of routed experts: "...experts.<...>" but not "shared_experts"
_EXPERT_RE = re.compile(r"(^|\.)experts\.")
_N_EXPERTS_KEYS = ("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts")
_TOP_K_KEYS = ("num_experts_per_tok", "moe_topk", "top_k", "num_experts_per_token")


# size fields that must be positive integers when present (also in a nested text_config)
_SIZE_KEYS = (
    "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
    "num_key_value_heads", "vocab_size", "head_dim", "n_embd", "n_layer", "n_head",
    "n_inner", "d_model", "num_layers", "num_heads", "ffn_dim", "max_position_embeddings",
    "moe_intermediate_size", "num_local_experts", "num_experts", "num_experts_per_tok",
)


def _check_sizes(data: Any, where: str) -> None:
    """One-line error for a size field that is not a positive integer (before transformers)."""
    get = data.get if isinstance(data, Mapping) else (lambda k: getattr(data, k, None))
    for key in _SIZE_KEYS:
        value = get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            check_integer(value, f"{where}: {key}", minimum=1)
            raise InputError(f"{where}: {key}={value!r} must be an integer >= 1")
    nested = get("text_config")
    if nested is not None and nested is not data:
        _check_sizes(nested, f"{where} (text_config)")


def _load_config(config_or_path: Any, trust_remote_code: bool) -> Any:
    """Turn a path, dict or config object into a ``transformers.PretrainedConfig``."""
    transformers = require("transformers")
    if isinstance(config_or_path, transformers.PretrainedConfig):
        _check_sizes(config_or_path, "config")
        return config_or_path
    if isinstance(config_or_path, Mapping):
        _check_sizes(config_or_path, "config")
        data = dict(config_or_path)
        model_type = data.pop("model_type", None)
        if not model_type:
            raise InputError(
                "a config dict needs a 'model_type' key (e.g. 'llama'); got keys "
                f"{sorted(data)[:10]}"
            )
        try:
            return transformers.AutoConfig.for_model(model_type, **data)
        except ValueError as exc:
            raise InputError(f"unknown model_type {model_type!r}: {exc}") from exc
    if not isinstance(config_or_path, (str, os.PathLike)):
        raise InputError(
            "count_parameters takes a transformers config, a config dict, a model, or a path "
            f"to a model directory, config.json or .gguf file; got {type(config_or_path)!r}"
        )
    path = Path(config_or_path)
    kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if path.suffix == ".gguf":
        if not path.is_file():
            raise InputError(f"no such GGUF file: {str(path)!r}")
        try:
            return transformers.AutoConfig.from_pretrained(
                str(path.parent), gguf_file=path.name, **kwargs
            )
        except (OSError, ValueError, KeyError) as exc:
            raise DataFormatError(f"cannot read a model config from {str(path)!r}: {exc}") from exc
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataFormatError(f"{str(path)!r} is not a readable JSON config: {exc}") from exc
        if not isinstance(data, dict):
            raise DataFormatError(f"{str(path)!r} does not hold a JSON object")
        _check_sizes(data, str(path))
        return _load_config(data, trust_remote_code)
    if path.is_dir():
        if not (path / "config.json").is_file():
            ggufs = sorted(p.name for p in path.glob("*.gguf"))
            hint = f" (it holds {ggufs[0]!r}: pass --gguf-file {ggufs[0]})" if ggufs else ""
            raise InputError(f"directory {str(path)!r} has no config.json{hint}")
        try:
            raw = json.loads((path / "config.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataFormatError(
                f"{str(path / 'config.json')!r} is not a readable JSON config: {exc}"
            ) from exc
        if not isinstance(raw, dict):
            raise DataFormatError(f"{str(path / 'config.json')!r} does not hold a JSON object")
        _check_sizes(raw, str(path / "config.json"))
        if raw.get("auto_map") and not trust_remote_code:
            raise InputError(
                f"{str(path / 'config.json')!r} asks for remote code (auto_map); it is not run "
                "unless you pass --trust-remote-code"
            )
        try:
            return transformers.AutoConfig.from_pretrained(str(path), **kwargs)
        except (OSError, ValueError, KeyError) as exc:
            raise DataFormatError(f"cannot read {str(path / 'config.json')!r}: {exc}") from exc
    # not a local path: maybe a hub id already in the local cache
    try:
        return transformers.AutoConfig.from_pretrained(str(config_or_path), **kwargs)
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{str(config_or_path)!r} is neither a local file/directory nor a cached hub model: "
            "give a model directory, a config.json or a .gguf file"
        ) from exc


def _first_attr(config: Any, keys: tuple[str, ...]) -> int | None:
    """The first integer attribute of ``config`` (or its ``text_config``) among ``keys``."""
    for cfg in (config, getattr(config, "text_config", None)):
        if cfg is None:
            continue
        for key in keys:
            value = getattr(cfg, key, None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


def _count_module(model: Any, config: Any) -> dict[str, Any]:
    """Count the parameters of an (empty or real) ``torch.nn.Module``."""
    torch = require("torch")
    named = list(model.named_parameters())  # unique tensors: tied weights appear once
    total = sum(p.numel() for _, p in named)
    embed_ids: set[int] = set()
    for module in model.modules():
        if isinstance(module, torch.nn.Embedding):
            embed_ids.update(id(p) for p in module.parameters(recurse=False))
    tied = False
    get_out = getattr(model, "get_output_embeddings", None)
    get_in = getattr(model, "get_input_embeddings", None)
    out = get_out() if callable(get_out) else None
    inp = get_in() if callable(get_in) else None
    if out is not None:
        out_w = getattr(out, "weight", None)
        in_w = getattr(inp, "weight", None) if inp is not None else None
        tied = out_w is not None and in_w is not None and out_w is in_w
        embed_ids.update(id(p) for p in out.parameters())
    embedding = sum(p.numel() for _, p in named if id(p) in embed_ids)
    experts = sum(p.numel() for name, p in named if _EXPERT_RE.search(name))
    n_experts = _first_attr(config, _N_EXPERTS_KEYS) if config is not None else None
    top_k = _first_attr(config, _TOP_K_KEYS) if config is not None else None
    inactive = 0
    if experts and n_experts and top_k and top_k < n_experts:
        inactive = round(experts * (n_experts - top_k) / n_experts)
    return {
        "total": int(total),
        "non_embedding": int(total - embedding),
        "embedding": int(embedding),
        "active": int(total - inactive),
        "active_non_embedding": int(total - embedding - inactive),
        "tied_embeddings": bool(tied),
        "n_experts": n_experts if experts else None,
        "experts_per_token": top_k if experts else None,
        "architecture": type(model).__name__,
        "convention": CONVENTION,
    }


def count_parameters(config_or_path: Any, *, trust_remote_code: bool = False) -> dict[str, Any]:
    """Count total, non-embedding and active parameters without loading weights.

    Parameters
    ----------
    config_or_path
        A ``transformers.PretrainedConfig``; a config dict with a ``model_type`` key; a path
        to a model directory (with ``config.json``), to a ``config.json`` or to a ``.gguf``
        file (counted from its header's tensor shapes by :func:`count_gguf_parameters`,
        without torch or transformers); a cached hub id; or an already-built
        ``torch.nn.Module`` (counted as is).
    trust_remote_code
        Passed to ``transformers`` for architectures defined by code in the model repository.
        Off unless you ask for it.

    Returns
    -------
    dict
        ``total``, ``non_embedding``, ``embedding``, ``active`` and ``active_non_embedding``
        (for mixture-of-experts models: only ``experts_per_token`` of ``n_experts`` routed
        experts count; equal to the totals for dense models), ``tied_embeddings``,
        ``n_experts``, ``experts_per_token``, ``architecture`` and ``convention`` (a sentence
        naming what is counted; see the module docstring).

    Raises
    ------
    InputError
        If the path does not exist or the config cannot be understood.
    DataFormatError
        If a config file is unreadable.
    ImportError
        If ``torch``/``transformers`` are missing (``pip install "densing[eval]"``).

    Examples
    --------
    >>> from transformers import LlamaConfig  # doctest: +SKIP
    >>> cfg = LlamaConfig(hidden_size=256, intermediate_size=640, num_hidden_layers=8,
    ...                   num_attention_heads=4, num_key_value_heads=1, head_dim=64)
    >>> count_parameters(cfg)["non_embedding"]  # doctest: +SKIP
    5247232
    """
    if isinstance(config_or_path, (str, os.PathLike)) and str(config_or_path).endswith(".gguf"):
        return count_gguf_parameters(config_or_path)
    torch = require("torch")
    if isinstance(config_or_path, torch.nn.Module):
        return _count_module(config_or_path, getattr(config_or_path, "config", None))
    require("transformers")
    config = _load_config(config_or_path, trust_remote_code)
    layers_key = next((k for k in _LAYER_KEYS if isinstance(getattr(config, k, None), int)),
                      None)
    n_layers = int(getattr(config, layers_key)) if layers_key else 0
    if n_layers > MAX_BUILT_LAYERS:
        assert layers_key is not None
        return _count_by_layers(config, layers_key, n_layers, trust_remote_code)
    return _build_and_count(config, trust_remote_code)


#: deeper configs are counted from 1-, 2- and 3-layer builds (a stack of equal layers grows
#: linearly), not built whole: building 200,000 layers, even on the meta device, takes minutes
MAX_BUILT_LAYERS = 1024
_LAYER_KEYS = ("num_hidden_layers", "n_layer", "num_layers")
_LINEAR_FIELDS = ("total", "non_embedding", "embedding", "active", "active_non_embedding")


def _count_by_layers(config: Any, key: str, n_layers: int,
                     trust_remote_code: bool) -> dict[str, Any]:
    import copy

    counts = []
    for k in (1, 2, 3):
        small = copy.deepcopy(config)
        setattr(small, key, k)
        types = getattr(small, "layer_types", None)
        if isinstance(types, list) and len(types) >= k:
            small.layer_types = types[:k]
        counts.append(_build_and_count(small, trust_remote_code))
    out = dict(counts[0])
    for field in _LINEAR_FIELDS:
        a, b, c = (int(x[field]) for x in counts)
        if b - a != c - b:
            raise InputError(f"{key}={n_layers}: too many layers to build, and this "
                             "architecture's layers differ in size, so they cannot be counted "
                             "from a few")
        out[field] = a + (n_layers - 1) * (b - a)
    return out


def _build_and_count(config: Any, trust_remote_code: bool) -> dict[str, Any]:
    torch = require("torch")
    transformers = require("transformers")
    auto_classes = [transformers.AutoModelForCausalLM, transformers.AutoModel]
    last_error: Exception | None = None
    for auto in auto_classes:
        try:
            with torch.device("meta"):
                model = auto.from_config(config, trust_remote_code=trust_remote_code)
        except (ValueError, KeyError, TypeError) as exc:
            last_error = exc
            continue
        return _count_module(model, config)
    raise InputError(
        f"transformers cannot build a model for config type {type(config).__name__} "
        f"(model_type {getattr(config, 'model_type', None)!r}): {last_error}"
    )


# --- GGUF: counts from the header alone ------------------------------------------------------

_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
                 10: "<Q", 11: "<q", 12: "<d"}
_GGUF_STRING, _GGUF_ARRAY = 8, 9
# tensors in GGUF files that are not model parameters (precomputed rope frequencies)
_GGUF_NOT_PARAMS = ("rope_freqs", "rope_factors_long", "rope_factors_short")


class _GGUFHeader:
    """Reads a GGUF file's metadata and tensor shapes, never the tensor data."""

    def __init__(self, path: Path) -> None:
        import struct

        self._struct = struct
        self.path = path
        try:
            self._fh = path.open("rb")
        except OSError as exc:
            raise DataFormatError(f"cannot read GGUF file {str(path)!r}: {exc}") from exc

    def _read(self, fmt: str) -> Any:
        size = self._struct.calcsize(fmt)
        data = self._fh.read(size)
        if len(data) != size:
            raise DataFormatError(f"GGUF file {str(self.path)!r} is truncated in its header")
        return self._struct.unpack(fmt, data)[0]

    def _string(self) -> str:
        n = self._read("<Q")
        if n > 1 << 24:
            raise DataFormatError(f"GGUF file {str(self.path)!r} has a corrupt header string")
        return str(self._fh.read(n).decode("utf-8", errors="replace"))

    def _value(self, vtype: int, keep: bool) -> Any:
        if vtype in _GGUF_SCALARS:
            return self._read(_GGUF_SCALARS[vtype])
        if vtype == _GGUF_STRING:
            return self._string()
        if vtype == _GGUF_ARRAY:
            itype, n = self._read("<I"), self._read("<Q")
            if itype in _GGUF_SCALARS and not keep:
                self._fh.seek(n * self._struct.calcsize(_GGUF_SCALARS[itype]), 1)
                return n
            items = [self._value(itype, False) for _ in range(n)]
            return items if keep else n
        raise DataFormatError(f"GGUF file {str(self.path)!r}: unknown value type {vtype}")

    def read(self) -> tuple[dict[str, Any], list[tuple[str, int]]]:
        """Metadata (arrays as their length) and ``(tensor name, element count)`` pairs."""
        with self._fh:
            if self._fh.read(4) != b"GGUF":
                raise DataFormatError(f"{str(self.path)!r} is not a GGUF file (bad magic)")
            version = self._read("<I")
            if version < 2:
                raise DataFormatError(f"GGUF version {version} of {str(self.path)!r} is too old")
            n_tensors, n_kv = self._read("<Q"), self._read("<Q")
            meta: dict[str, Any] = {}
            for _ in range(n_kv):
                key = self._string()
                meta[key] = self._value(self._read("<I"), keep=False)
            tensors = []
            for _ in range(n_tensors):
                name = self._string()
                n_dims = self._read("<I")
                count = 1
                for _ in range(n_dims):
                    count *= int(self._read("<Q"))
                self._read("<I")  # type
                self._read("<Q")  # offset
                tensors.append((name, count))
        return meta, tensors


def count_gguf_parameters(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Count parameters from a GGUF file's header (tensor shapes), without reading weights.

    Parameters
    ----------
    path
        A ``.gguf`` file.

    Returns
    -------
    dict
        The same keys as :func:`count_parameters`. ``token_embd`` is the embedding table,
        an ``output`` tensor the untied LM head (absent when tied); expert tensors
        (``*_exps``) count ``expert_used_count / expert_count`` towards the active counts.

    Raises
    ------
    InputError
        A missing file.
    DataFormatError
        A file that is not a readable GGUF.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such GGUF file: {str(p)!r}")
    meta, tensors = _GGUFHeader(p).read()
    arch = str(meta.get("general.architecture", "unknown"))
    params = [(n, c) for n, c in tensors if not n.startswith(_GGUF_NOT_PARAMS)]
    total = sum(c for _, c in params)
    embed_in = sum(c for n, c in params if n.startswith("token_embd."))
    head = sum(c for n, c in params if n == "output.weight")
    pos = sum(c for n, c in params if n.startswith("position_embd."))
    embedding = embed_in + head + pos
    experts = sum(c for n, c in params if "_exps." in n)
    n_experts = meta.get(f"{arch}.expert_count")
    top_k = meta.get(f"{arch}.expert_used_count")
    inactive = 0
    if experts and isinstance(n_experts, int) and isinstance(top_k, int) and top_k < n_experts:
        inactive = round(experts * (n_experts - top_k) / n_experts)
    _check_gguf_counts(p, params, total, total - embedding)
    return {
        "total": int(total),
        "non_embedding": int(total - embedding),
        "embedding": int(embedding),
        "active": int(total - inactive),
        "active_non_embedding": int(total - embedding - inactive),
        "tied_embeddings": bool(embed_in and not head),
        "n_experts": n_experts if experts else None,
        "experts_per_token": top_k if experts else None,
        "architecture": f"gguf:{arch}",
        "convention": CONVENTION,
    }


#: more parameters than any model could have (a header with a 2^40 x 2^40 tensor, say)
MAX_GGUF_PARAMETERS = 1e15


def _check_gguf_counts(path: Path, params: list[tuple[str, int]], total: int,
                       non_embedding: int) -> None:
    """Refuse a GGUF header whose counts no model can have (before transformers loads it)."""
    where = f"GGUF file {str(path)!r}"
    for name, count in params:
        if count <= 0:
            raise DataFormatError(f"{where}: tensor {name!r} has {count} elements")
    if total > MAX_GGUF_PARAMETERS:
        raise DataFormatError(f"{where}: its header counts {float(total):.3g} parameters, "
                              f"more than {MAX_GGUF_PARAMETERS:.0e}: not a real model")
    if total <= 0 or non_embedding <= 0:
        raise DataFormatError(f"{where}: its header holds {total} parameters, {non_embedding} "
                              "outside the embeddings: not a model to measure")
