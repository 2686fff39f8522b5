"""`densing evaluate`: scores and conditional losses of a model through lm-eval."""

from __future__ import annotations

import argparse
import sys

from densing._cli._common import print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``evaluate`` subcommand.

    Parameters
    ----------
    sub
        The subparsers object of the top-level ``densing`` parser.
    """
    p = sub.add_parser(
        "evaluate",
        help="evaluate a model with lm-eval: scores and conditional losses per benchmark",
        description=(
            "Run lm-eval on a local model (directory or GGUF file) and print one row per "
            "task: model, benchmark, protocol, score, stderr, loss, loss_unit, n. Shipped "
            "tasks: densing_tiny_mc (bundled) and densing_rc_<benchmark> (write them with "
            "densing.evaluate.write_task_dir and pass --task-path)."
        ),
    )
    p.add_argument("--model", required=True, help="model directory, .gguf file or cached hub id")
    p.add_argument("--gguf-file", help="GGUF file name inside the --model directory")
    p.add_argument("--tasks", required=True, help="comma-separated lm-eval task names")
    p.add_argument("--task-path", action="append", default=None, metavar="DIR",
                   help="directory with task YAML files (repeatable)")
    p.add_argument("--num-fewshot", type=int, default=None, metavar="K")
    p.add_argument("--limit", type=float, default=None, metavar="N",
                   help="documents per task (a fraction if < 1)")
    p.add_argument("--backend", default="hf", help="lm-eval model backend (hf, vllm, ...)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", default="1", help="an integer or 'auto'")
    p.add_argument("--dtype", default=None, help="e.g. float32, bfloat16 (default: model's)")
    p.add_argument("--normalize", choices=["bytes", "tokens", "instance"], default="bytes",
                   help="loss per byte (bits), per token or per instance (nats)")
    p.add_argument("--name", default=None, help="value of the model column")
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow code from the model repository to run")
    p.add_argument("--samples-dir", default=None, metavar="DIR",
                   help="also write lm-eval's results and samples_<task>_*.jsonl here")
    p.add_argument("--out", default=None, help="write the table as CSV (atomically)")
    p.add_argument("--json", action="store_true", help="print JSON records")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
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
    from densing.evaluate import evaluate_model
    from densing.evaluate.runner import write_csv_atomic

    model_args = {}
    if args.gguf_file:
        model_args["gguf_file"] = args.gguf_file
    if args.dtype:
        model_args["dtype"] = args.dtype
    limit = args.limit
    if limit is not None and limit >= 1:
        limit = int(limit)
    batch_size = int(args.batch_size) if str(args.batch_size).isdigit() else args.batch_size
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
        normalize=args.normalize,
        name=args.name,
        output_path=args.samples_dir,
        show_progress=show,
    )
    table = result[0] if isinstance(result, tuple) else result
    if args.out:
        write_csv_atomic(table, args.out)
    if args.json:
        print_json(table.to_dict(orient="records"))
    else:
        print_table(table)
    return 0
