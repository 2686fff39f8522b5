"""`densing evaluate`: scores and conditional losses of a model through lm-eval."""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from densing._cli._common import print_json, print_table
from densing._validation import check_integer
from densing.exceptions import InputError

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``evaluate`` subcommand.

    Parameters
    ----------
    sub
        The subparsers object of the top-level ``densing`` parser.
    """
    p = sub.add_parser(
        "evaluate",
        help="evaluate a model on the frame's exact protocol (the OLMo ladder's requests)",
        description=(
            "Score a model (directory, GGUF file or cached hub id) on the OLMo ladder's exact "
            "rc-5shot requests through an lm-eval backend, and print one row per benchmark: "
            "model, benchmark, protocol, score, stderr, loss, loss_unit, n. The --out CSV "
            "goes straight into `densing density --scores` and `densing leaderboard add "
            "--scores`. With --tasks, run lm-eval tasks instead (e.g. the bundled "
            "densing_tiny_mc)."
        ),
    )
    p.add_argument("--model", required=True, help="model directory, .gguf file or cached hub id")
    p.add_argument("--gguf-file", help="GGUF file name inside the --model directory")
    p.add_argument("--benchmarks", default=None, metavar="A,B|all",
                   help="ladder benchmarks (default all: arc_easy, arc_challenge, hellaswag, "
                   "piqa, winogrande, csqa, openbookqa, socialiqa, mmlu, boolq)")
    p.add_argument("--variant", choices=["ladder", "olmes"], default="ladder",
                   help="length normalisation without (ladder, default) or with (olmes) the "
                   "leading space")
    p.add_argument("--tasks", default=None,
                   help="comma-separated lm-eval task names (instead of --benchmarks)")
    p.add_argument("--task-path", action="append", default=None, metavar="DIR",
                   help="directory with task YAML files (repeatable)")
    p.add_argument("--num-fewshot", type=int, default=None, metavar="K",
                   help="with --tasks: few-shot examples per request (default: the task's "
                   "own)")
    p.add_argument("--limit", type=float, default=None, metavar="N",
                   help="first N documents per benchmark, in request-file order (with --tasks: "
                   "a fraction if < 1)")
    p.add_argument("--backend", default="hf", help="lm-eval model backend (hf, vllm, ...)")
    p.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:1, mps")
    p.add_argument("--batch-size", default="1", help="an integer or 'auto'")
    p.add_argument("--dtype", default=None, help="e.g. float32, bfloat16 (default: model's)")
    p.add_argument("--normalize", choices=["bytes", "tokens", "instance"], default=None,
                   help="with --tasks: loss per byte (bits, default), per token or per "
                   "instance (nats)")
    p.add_argument("--name", default=None, help="value of the model column")
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow code from the model repository to run")
    p.add_argument("--samples-dir", default=None, metavar="DIR",
                   help="with --tasks: also write lm-eval's results and "
                   "samples_<task>_*.jsonl here")
    p.add_argument("--out", default=None, help="write the table as CSV (atomically)")
    p.add_argument("--json", action="store_true", help="print JSON records")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="torch CPU threads (default torch's; one per free core is fastest)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the resume cache (--benchmarks only)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``densing evaluate``.

    Parameters
    ----------
    args
        Parsed arguments.

    Returns
    -------
    int
        Exit status (0 on success).
    """
    from densing.evaluate.ladder import ScoringError
    from densing.evaluate.runner import write_csv_atomic

    check_out_path(args.out, "--out")
    if args.tasks is None:
        used = [flag for flag, value in (("--num-fewshot", args.num_fewshot),
                                         ("--normalize", args.normalize),
                                         ("--samples-dir", args.samples_dir),
                                         ("--task-path", args.task_path)) if value is not None]
        if used:
            raise InputError(f"{used[0]} applies to --tasks only; the ladder's --benchmarks "
                             "run their own fixed protocol (rc-5shot, bits per byte)")
        try:
            table = _run_benchmarks(args)
        except ScoringError as exc:
            print(f"densing evaluate: error: {exc}", file=sys.stderr)
            return 1
    else:
        if args.benchmarks is not None:
            raise InputError("give --benchmarks or --tasks, not both")
        table = _run_tasks(args)
    if args.out:
        write_csv_atomic(table, args.out)
    if args.json:
        print_json(table.to_dict(orient="records"))
    else:
        print_table(table)
    return 0


def batch_size_arg(text: str) -> int | str:
    """``--batch-size``: a positive integer, ``"auto"`` or ``"auto:N"`` (ASCII digits)."""
    text = str(text)
    if re.fullmatch(r"[0-9]+", text) and int(text) > 0:
        return int(text)
    if text == "auto" or (re.fullmatch(r"auto:[0-9]+", text) and int(text[5:]) > 0):
        return text
    raise InputError(f"--batch-size must be a positive integer, 'auto' or 'auto:N'; "
                     f"got {text!r}")


def check_out_path(path: str | None, name: str) -> None:
    """An output file's folder must exist (checked before the model loads)."""
    if path is None:
        return
    target = Path(path).expanduser()
    if target.is_dir():
        raise InputError(f"{name} {path!r} is a directory; give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"{name} {path!r}: the folder {str(folder)!r} does not exist")


def tasks_limit_arg(value: float | None) -> float | int | None:
    """``--limit`` with ``--tasks``: a fraction in (0, 1) or a whole number of documents."""
    if value is None:
        return None
    v = float(value)
    if math.isfinite(v) and 0 < v < 1:
        return v
    if math.isfinite(v) and v >= 1 and v == int(v):
        return int(v)
    raise InputError(f"--limit must be a fraction in (0, 1) or a positive whole number of "
                     f"documents; got {value!r}")


def limit_arg(value: float | None) -> int | None:
    """``--limit`` for the ladder's benchmarks: a positive whole number of documents."""
    if value is None:
        return None
    return check_integer(value, "--limit", minimum=1)


def _run_benchmarks(args: argparse.Namespace) -> pd.DataFrame:
    from densing.evaluate.engine import check_device, check_model
    from densing.evaluate.ladder import evaluate_benchmarks
    from densing.evaluate.protocol import parse_benchmarks

    limit = limit_arg(args.limit)
    batch_size = batch_size_arg(args.batch_size)
    if args.threads is not None and args.threads < 1:
        raise InputError(f"--threads must be a positive whole number; got {args.threads}")
    check_device(args.device, "--device")
    parse_benchmarks("all" if args.benchmarks is None else args.benchmarks, default=[])
    check_model(args.model, args.gguf_file, trust_remote_code=args.trust_remote_code)
    result = evaluate_benchmarks(
        args.model,
        args.benchmarks,
        gguf_file=args.gguf_file,
        limit=limit,
        backend=args.backend,
        batch_size=batch_size,
        device=args.device,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
        variant=args.variant,
        name=args.name,
        progress=False if args.quiet else None,
        threads=args.threads,
        cache=not args.no_cache,
    )
    import pandas as pd

    assert isinstance(result, pd.DataFrame)
    return result


def _run_tasks(args: argparse.Namespace) -> pd.DataFrame:
    from densing.evaluate import evaluate_model
    from densing.evaluate.engine import check_device, check_model

    limit = tasks_limit_arg(args.limit)
    if args.num_fewshot is not None and args.num_fewshot < 0:
        raise InputError(f"--num-fewshot must be 0 or more; got {args.num_fewshot}")
    batch_size = batch_size_arg(args.batch_size)
    check_device(args.device, "--device")
    check_model(args.model, args.gguf_file, trust_remote_code=args.trust_remote_code)
    if args.threads is not None:
        from densing.evaluate.engine import set_threads

        set_threads(args.threads)
    model_args = {}
    if args.gguf_file:
        model_args["gguf_file"] = args.gguf_file
    if args.dtype:
        model_args["dtype"] = args.dtype
    show = False if args.quiet else sys.stderr.isatty()
    result = evaluate_model(
        args.model,
        args.tasks,
        model_backend=args.backend,
        model_args=model_args,
        num_fewshot=args.num_fewshot,
        limit=limit,
        task_paths=args.task_path,
        batch_size=batch_size,
        device=args.device,
        trust_remote_code=args.trust_remote_code,
        normalize=args.normalize or "bytes",
        name=args.name,
        output_path=args.samples_dir,
        progress=show,
    )
    return result[0] if isinstance(result, tuple) else result
