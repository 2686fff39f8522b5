"""`densing params`: parameter counts from a model config, without loading weights."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from densing._cli._common import print_json
from densing._validation import check_integer

#: config fields that count something (sizes, heads, layers, experts): each must be >= 1
_SIZE_FIELDS = (
    "hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers",
    "num_key_value_heads", "head_dim", "vocab_size", "n_embd", "n_head", "n_layer", "n_inner",
    "d_model", "num_layers", "num_heads", "ffn_dim", "moe_intermediate_size",
    "num_local_experts", "num_experts", "num_experts_per_tok", "max_position_embeddings",
)


def _config_file(path: str) -> Path | None:
    p = Path(path)
    if p.is_dir() and (p / "config.json").is_file():
        return p / "config.json"
    if p.is_file() and p.suffix.lower() == ".json":
        return p
    return None


def check_config_sizes(path: str) -> None:
    """Refuse a config whose sizes, head counts or layer counts are zero or negative.

    ``transformers`` would fail deep inside with a traceback (negative tensor dimensions, a
    division by zero heads); this names the field and the value in one line instead.
    Unreadable files are left to :func:`densing.evaluate.count_parameters`.

    Parameters
    ----------
    path
        The ``PATH_OR_CONFIG`` argument.
    """
    file = _config_file(path)
    if file is None:
        return
    try:
        config: Any = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return
    if not isinstance(config, dict):
        return
    for key in _SIZE_FIELDS:
        value = config.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            check_integer(value, f"{file.name}: {key}", minimum=1)


@contextmanager
def _hub_offline_unless_local(path: str) -> Iterator[None]:
    """``params`` never downloads: a name that is not a local path is looked up in the cache
    only, so an unreachable hub costs one line, not a minute of retries."""
    if Path(path).exists() or os.environ.get("HF_HUB_OFFLINE"):
        yield
        return
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        os.environ.pop("HF_HUB_OFFLINE", None)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``params`` subcommand.

    Parameters
    ----------
    sub
        The subparsers object of the top-level ``densing`` parser.
    """
    p = sub.add_parser(
        "params",
        help="count total, non-embedding and active parameters from a config",
        description=(
            "Count parameters from a model directory, config.json or .gguf file on the meta "
            "device (no weights are loaded). Non-embedding excludes token/position "
            "embeddings and an untied LM head; norms and biases count."
        ),
    )
    p.add_argument("path", metavar="PATH_OR_CONFIG",
                   help="model directory, config.json, .gguf file or cached hub id")
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow code from the model repository to run")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``densing params``.

    Parameters
    ----------
    args
        Parsed arguments.

    Returns
    -------
    int
        Exit status (0 on success).
    """
    check_config_sizes(args.path)
    from densing.evaluate import count_parameters

    with _hub_offline_unless_local(args.path):
        counts = count_parameters(args.path, trust_remote_code=args.trust_remote_code)
    if args.json:
        print_json(counts)
        return 0
    from densing._summary import Summary

    report = Summary(f"Parameter counts of {args.path}", header=[
        (key, f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value)
        for key, value in counts.items()
    ])
    print(report.as_text())
    return 0


__all__ = ["check_config_sizes", "register", "run"]
