"""`densing measure`: from a model to its density on the frame's own protocol."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from densing._cli._common import print_json
from densing._validation import check_param_count, check_release_date, check_tokens
from densing.exceptions import InputError


def _params(text: str) -> float | str:
    if text == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"--params must be 'auto' or a raw count such as 1.35e8; got {text!r}"
        ) from None
    return check_param_count(value, "--params")


def _positive(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{what} must be a number such as 1e12; got {text!r}") from None
    return check_tokens(value, what)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``measure`` subcommand.

    Parameters
    ----------
    sub
        The subparsers object of the top-level ``densing`` parser.
    """
    p = sub.add_parser(
        "measure",
        help="measure my model: its density on the frame's exact protocol",
        description=(
            "Evaluate a model on the OLMo ladder's exact rc-5shot requests, count its "
            "parameters in the frame's convention, and print the density per benchmark and "
            "for the frame's averaged benchmarks, with CI, status and flags. n_hat is the "
            "score route (score -> loss -> N); n_hat_loss inverts the measured bits per byte "
            "with step 1 alone."
        ),
    )
    p.add_argument("--model", required=True, help="model directory, .gguf file or cached hub id")
    p.add_argument("--gguf-file", help="GGUF file name inside the --model directory")
    p.add_argument("--benchmarks", default=None, metavar="A,B|all",
                   help="ladder benchmarks (default all)")
    p.add_argument("--limit", type=float, default=None, metavar="N",
                   help="first N documents per benchmark (noisier than the full sets)")
    p.add_argument("--release-date", default=None, metavar="YYYY-MM-DD",
                   help="the model's release date, carried into the JSON (default: none)")
    p.add_argument("--params", default="auto", metavar="auto|N",
                   help="parameter count: counted from the config (auto) or a raw count")
    p.add_argument("--training-tokens", default=None, metavar="D",
                   help="tokens the model was trained on: adds the frame's predicted loss")
    p.add_argument("--frame", default="olmo-ladder", help="frame name or saved frame JSON")
    p.add_argument("--tokens", default=None, metavar="D0",
        help="data budget D0, tokens (default 1e12)")
    p.add_argument("--name", default=None, help="model name (default: file or directory name)")
    p.add_argument("--backend", default="hf", help="lm-eval model backend (hf, vllm, ...)")
    p.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:1, mps")
    p.add_argument("--batch-size", default="1", help="an integer or 'auto'")
    p.add_argument("--dtype", default=None, help="e.g. float32, bfloat16 (default: model's)")
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow code from the model repository to run")
    p.add_argument("--scores-out", default=None, metavar="CSV",
                   help="also write the evaluation table (as `densing evaluate --out`)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--quiet", action="store_true", help="no plan and no progress lines")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="torch CPU threads (default torch's; one per free core is fastest)")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be scored (requests, tokens) and exit")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the resume cache")
    p.add_argument("--board", default=None, metavar="DIR",
                   help="also add the measured model to this leaderboard folder "
                        "(needs --release-date)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``densing measure``.

    Every option, the model folder and the output paths are checked before the model loads.

    Parameters
    ----------
    args
        Parsed arguments.

    Returns
    -------
    int
        Exit status (0 on success, 1 when a request has no finite log-likelihood).
    """
    from densing._cli.evaluate import batch_size_arg, check_out_path, limit_arg
    from densing.evaluate.engine import check_device, check_model
    from densing.evaluate.ladder import ScoringError
    from densing.evaluate.measure import measure_model
    from densing.evaluate.protocol import parse_benchmarks
    from densing.evaluate.runner import write_csv_atomic

    if args.release_date is not None:
        check_release_date(args.release_date, "--release-date")
    if args.threads is not None and args.threads < 1:
        raise InputError(f"--threads must be a positive whole number; got {args.threads}")
    limit = limit_arg(args.limit)
    params = _params(args.params)
    batch_size = batch_size_arg(args.batch_size)
    device = check_device(args.device, "--device")
    training_tokens = (None if args.training_tokens is None
                       else _positive(args.training_tokens, "--training-tokens"))
    tokens = None if args.tokens is None else _positive(args.tokens, "--tokens")
    check_out_path(args.scores_out, "--scores-out")
    parse_benchmarks("all" if args.benchmarks is None else args.benchmarks, default=[])
    board = None
    if args.board is not None:
        from densing.leaderboard import Leaderboard

        if args.release_date is None:
            raise InputError("--board needs --release-date YYYY-MM-DD")
        board = Leaderboard(args.board)  # checked before hours of scoring, not after
    model, gguf_file = check_model(args.model, args.gguf_file,
                                   trust_remote_code=args.trust_remote_code)
    if args.dry_run:
        return _dry_run(args, model, gguf_file, limit, device)
    try:
        result = measure_model(
            args.model,
            args.benchmarks,
            gguf_file=args.gguf_file,
            limit=limit,
            params=params,
            release_date=args.release_date,
            training_tokens=training_tokens,
            frame=args.frame,
            tokens=tokens,
            name=args.name,
            backend=args.backend,
            batch_size=batch_size,
            device=device,
            dtype=args.dtype,
            trust_remote_code=args.trust_remote_code,
            progress=False if args.quiet else None,
            threads=args.threads,
            cache=not args.no_cache,
        )
    except ScoringError as exc:
        print(f"densing measure: error: {exc}", file=sys.stderr)
        return 1
    if args.scores_out:
        write_csv_atomic(result.scores, args.scores_out)
    if board is not None:
        _add_to_board(board, result, args, params)
    if args.json:
        print_json(result.to_dict())
        return 0
    result.print_summary()
    return 0


def _dry_run(args: argparse.Namespace, model: str, gguf_file: str | None, limit: int | None,
             device: str | None) -> int:
    """Print the plan (requests and tokens per benchmark, device, threads, cache) and stop;
    only the tokenizer is loaded (the tokens are estimated when it cannot be)."""
    from densing.evaluate._cache import cache_dir
    from densing.evaluate.ladder import format_plan, plan_benchmarks

    tokenizer = _tokenizer_only(model, gguf_file, args.trust_remote_code)
    plan = plan_benchmarks(args.benchmarks, limit=limit, tokenizer=tokenizer)
    if args.threads is not None:
        threads = f"{args.threads}"
    else:
        import torch

        threads = f"{torch.get_num_threads()} (torch's default)"
    print(format_plan(plan))
    print(f"  backend {args.backend}, device {device or 'the backend default'}, threads "
          f"{threads}")
    print("  resume cache: " + ("off" if args.no_cache else f"on, in {cache_dir()}"))
    print("dry run: no weights loaded, nothing scored")
    return 0


def _tokenizer_only(model: str, gguf_file: str | None, trust_remote_code: bool) -> Any:
    """The model's tokenizer without its weights, or ``None`` when it cannot be loaded."""
    try:
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError:
        return None
    kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if gguf_file:
        kwargs["gguf_file"] = gguf_file
    was = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        return AutoTokenizer.from_pretrained(model, **kwargs)
    except (OSError, ValueError, KeyError, TypeError, ImportError):
        return None
    finally:
        hf_logging.set_verbosity(was)


def _add_to_board(board: Any, result: Any, args: argparse.Namespace,
                  params: float | str) -> None:
    """Add the measurement to the board, its parameters in the board's convention."""
    from densing.evaluate.measure import count_model_parameters

    convention = str(board.settings.get("param_count") or "total")
    if params == "auto":
        n = count_model_parameters(args.model, convention, gguf_file=args.gguf_file,
                                   trust_remote_code=args.trust_remote_code)
    else:
        n = float(params)
    cols = [c for c in ("model", "benchmark", "protocol", "score", "stderr")
            if c in result.scores.columns]
    state = board.add(result.model, n, args.release_date, result.scores[cols])
    n_scores = sum(1 for k in state.scores if k[0] == result.model)
    print(f"{args.board}: added {result.model} ({n:,.0f} parameters, {convention}), "
          f"{n_scores} score(s); leaderboard version {state.version}", file=sys.stderr)
