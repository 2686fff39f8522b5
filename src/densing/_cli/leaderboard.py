"""`densing leaderboard`: keep a density leaderboard in a directory of plain files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from densing._cli._common import print_json, print_table
from densing.exceptions import InputError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``leaderboard`` subcommand and its actions.

    Parameters
    ----------
    sub
        The subparsers of the top-level ``densing`` parser.
    """
    parser = sub.add_parser(
        "leaderboard",
        help="put it on a board: create, update and render a density leaderboard",
        description=(
            "A leaderboard is a directory with models.csv, scores.csv, meta.json and an "
            "append-only history.jsonl. Writes are atomic and locked; every change is logged."
        ),
    )
    acts = parser.add_subparsers(dest="action", metavar="ACTION")
    parser.set_defaults(func=None, help_parser=parser)

    p = acts.add_parser("init", help="create an empty leaderboard")
    p.add_argument("dir", metavar="DIR", help="the leaderboard's directory")
    p.add_argument("--frame", default="olmo-ladder", metavar="NAME|JSON",
                   help="reference frame: bundled name or saved JSON (default olmo-ladder)")
    p.add_argument("--tokens", type=float, default=1e12,
        help="data budget D0, tokens (default 1e12)")
    p.add_argument("--benchmark", default="average",
                   help="benchmark whose density ranks the models (default average)")
    p.add_argument("--map-protocol", action="append", default=[], metavar="FROM=TO",
                   help="map a score protocol onto the frame's (repeatable), "
                        "e.g. llv1:hellaswag-10shot-acc_norm=rc-5shot")
    p.set_defaults(func=_init)

    p = acts.add_parser("add", help="add a model with its scores (or replace it)")
    p.add_argument("dir", metavar="DIR", help="the leaderboard's directory")
    p.add_argument("--model", metavar="NAME",
                   help="model name (default: the scores file's one model, or lm-eval's "
                        "model_name)")
    p.add_argument("--params", required=True, metavar="N|auto",
                   help="raw parameter count in the board's convention (its param_count "
                   "setting; non-embedding for the bundled frame, which `densing params` "
                   "counts), e.g. 6.5e9; or auto: counted from --model-path as `densing "
                   "measure` counts it")
    p.add_argument("--model-path", default=None, metavar="PATH",
                   help="with --params auto: the model directory, .gguf file or cached hub id")
    p.add_argument("--gguf-file", default=None, metavar="F",
                   help="with --params auto: GGUF file inside the --model-path directory")
    p.add_argument("--release-date", required=True, metavar="YYYY-MM-DD",
                   help="the model's release date (the trend's x axis)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--scores", metavar="CSV",
                     help="CSV with columns model,benchmark,protocol,score[,stderr]")
    src.add_argument("--results", metavar="LM_EVAL_RESULTS_JSON",
                     help="results_*.json written by lm-eval")
    p.add_argument("--hf-id", default=None, help="Hugging Face id (optional)")
    p.add_argument("--notes", default=None, help="a one-line note (optional)")
    p.set_defaults(func=_add)

    p = acts.add_parser("remove", help="remove a model (it stays in the history log)")
    p.add_argument("dir", metavar="DIR", help="the leaderboard's directory")
    p.add_argument("--model", required=True, metavar="NAME", help="the model to remove")
    p.set_defaults(func=_remove)

    p = acts.add_parser("show", help="print the ranked table and the trend")
    p.add_argument("dir", metavar="DIR", help="the leaderboard's directory")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_show)

    p = acts.add_parser("render", help="render as Markdown, HTML or CSV")
    p.add_argument("dir", metavar="DIR", help="the leaderboard's directory")
    p.add_argument("--format", choices=("md", "html", "csv"), default="md",
                   help="Markdown, HTML (with the chart) or CSV")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_render)

    p = acts.add_parser("check", help="verify that the log, the tables and meta.json agree")
    p.add_argument("dir", metavar="DIR", help="the leaderboard's directory")
    p.set_defaults(func=_check)

    p = acts.add_parser("repair", help="rebuild the damaged side from the other (with a backup)")
    p.add_argument("dir", metavar="DIR", help="the leaderboard's directory")
    p.set_defaults(func=_repair)

    p = acts.add_parser("history", help="list the changes")
    p.add_argument("dir", metavar="DIR", help="the leaderboard's directory")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_history)


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from densing.leaderboard import Leaderboard

    return Leaderboard(args.dir, progress=False if getattr(args, "quiet", False) else None)


def _init(args: argparse.Namespace) -> int:
    from densing.leaderboard import Leaderboard

    pmap = {}
    for item in args.map_protocol:
        if "=" not in item:
            raise InputError(f"--map-protocol needs FROM=TO; got {item!r}")
        k, v = item.split("=", 1)
        pmap[k.strip()] = v.strip()
    lb = Leaderboard.init(args.dir, frame=args.frame, tokens=args.tokens,
                          benchmark=args.benchmark, protocol_map=pmap)
    print(f"created {lb!r}")
    return 0


def _add(args: argparse.Namespace) -> int:
    auto = args.params.strip() == "auto"
    if not auto:
        if args.model_path is not None or args.gguf_file is not None:
            raise InputError("--model-path and --gguf-file go with --params auto; with a raw "
                             f"count ({args.params!r}) drop them")
        try:
            n = float(args.params)
        except ValueError:
            raise InputError(
                f"--params must be a raw count such as 7.2e9, or auto; got {args.params!r}"
            ) from None
    elif args.model_path is None:
        raise InputError("--params auto needs --model-path PATH (the model to count)")
    lb = _open(args)
    if auto:
        from densing.evaluate.measure import count_model_parameters

        convention = str(lb.settings.get("param_count") or "total")
        n = count_model_parameters(args.model_path, convention, gguf_file=args.gguf_file)
        print(f"{args.model_path}: {n:,.0f} parameters ({convention}, the board's convention)",
              file=sys.stderr)
    scores = args.scores if args.scores is not None else args.results
    if args.results is not None and not str(args.results).lower().endswith(".json"):
        raise InputError(f"--results must be lm-eval's results_*.json; got {args.results!r}")
    if args.scores is not None and str(args.scores).lower().endswith(".json"):
        raise InputError("--scores takes a CSV; pass lm-eval's JSON with --results")
    model = args.model if args.model is not None else _model_of(scores, args.results is not None)
    state = lb.add(model, n, args.release_date, scores, hf_id=args.hf_id, notes=args.notes)
    n_scores = sum(1 for k in state.scores if k[0] == model.strip())
    print(f"{model}: {n_scores} score(s); leaderboard version {state.version}")
    return 0


def _model_of(path: str, is_results: bool) -> str:
    """The model name a scores CSV (its one ``model``) or lm-eval results (``model_name``) give."""
    import csv
    import json

    p = Path(path)
    if not p.is_file():
        raise InputError(f"scores file not found: {str(p)!r}")
    try:
        if is_results:
            name = json.loads(p.read_text(encoding="utf-8")).get("model_name")
            names = [str(name)] if isinstance(name, str) and name.strip() else []
        else:
            with open(p, newline="", encoding="utf-8") as fh:
                names = sorted({(r.get("model") or "").strip() for r in csv.DictReader(fh)} - {""})
    except (ValueError, AttributeError, RecursionError, csv.Error):
        names = []
    if len(names) != 1:
        found = f"models {', '.join(repr(n) for n in names[:5])}" if names else "no model name"
        raise InputError(f"{str(p)!r} holds {found}; give the model with --model NAME")
    return names[0]


def _remove(args: argparse.Namespace) -> int:
    state = _open(args).remove(args.model)
    print(f"removed {args.model}; leaderboard version {state.version}")
    return 0


def _show(args: argparse.Namespace) -> int:
    lb = _open(args)
    res = lb.result()
    if args.json:
        print_json({"meta": lb.meta, **res.to_dict()})
        return 0
    import pandas as pd

    with pd.option_context("display.max_rows", 500, "display.width", 200):
        print(lb.summary(max_rows=max(len(res.table), 1)).as_text())
    return 0


def _render(args: argparse.Namespace) -> int:
    if args.output:
        parent = Path(args.output).parent
        if not parent.is_dir():  # before anything is computed or cached
            raise InputError(f"output directory does not exist: {str(parent)!r}")
    text = _open(args).render(args.format)
    if not args.output:
        sys.stdout.write(text)
        return 0
    from densing._io import atomic_write_text

    dest = atomic_write_text(args.output, text)
    print(f"wrote {dest}", file=sys.stderr)
    return 0


def _history(args: argparse.Namespace) -> int:
    hist = _open(args).history()
    if args.json:
        print_json(hist.to_dict(orient="records"))
    else:
        print_table(hist)
    return 0


def _check(args: argparse.Namespace) -> int:
    print(_open(args).check())
    return 0


def _repair(args: argparse.Namespace) -> int:
    lines = _open(args).repair()
    for line in lines:
        print(line)
    # exit 1 when a model named by a damaged file could not be recovered: never success then
    return 1 if any(line.startswith("could not recover") for line in lines) else 0
