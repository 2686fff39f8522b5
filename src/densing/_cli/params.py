"""`densing params`: parameter counts from a model config, without loading weights."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from densing._cli._common import print_json


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
    p.add_argument("--gguf-file", default=None, metavar="F",
                   help="GGUF file inside the PATH directory (as `densing evaluate` takes it)")
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
    from densing.evaluate import count_parameters
    from densing.exceptions import InputError

    target = args.path
    if args.gguf_file:
        if not Path(args.path).is_dir():
            raise InputError(f"--gguf-file needs PATH to be a directory; got {args.path!r}")
        target = str(Path(args.path) / args.gguf_file)
        if not Path(target).is_file():
            raise InputError(f"--gguf-file {args.gguf_file!r} not found in {args.path!r}")
    with _hub_offline_unless_local(target):
        counts = count_parameters(target, trust_remote_code=args.trust_remote_code)
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


__all__ = ["register", "run"]
