"""``densing density``: densities of your own models' scores against a reference frame.

``--out`` writes one row per model and benchmark; ``--per-model`` writes one row per model
(the table ``densing trend --densities`` takes), from the frame's averaged benchmark or the
one named with ``--benchmark``.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from densing._cli._common import number, print_json, print_table, read_csv
from densing._validation import (
    SCORE_NUMBER_COLUMNS,
    check_param_counts,
    check_protocol_map,
    check_release_dates,
    check_score_table,
    check_tokens,
    check_unique_columns,
    numbers_from_text,
)
from densing.conventions import MODEL_PARAM_COUNTS, model_column
from densing.exceptions import DataFormatError, InputError

if TYPE_CHECKING:
    import pandas as pd

    from densing.reference import ReferenceFrame


def _protocol_map(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    if text == "llv1":
        from densing.density import LLV1_PROTOCOL_MAP

        return dict(LLV1_PROTOCOL_MAP)
    out = {}
    for item in text.split(","):
        if "=" not in item:
            raise InputError(f"--protocol-map items must be FROM=TO; got {item!r}")
        src, dst = item.split("=", 1)
        out[src.strip()] = dst.strip()
    return check_protocol_map(out, "--protocol-map")


def _load_frame(spec: str) -> ReferenceFrame:
    """The ``--frame`` argument as a fitted frame, with one-line errors for unreadable JSON."""
    from densing.density import resolve_frame

    try:
        return resolve_frame(spec)
    except RecursionError:
        raise DataFormatError(
            f"--frame {spec!r}: the JSON is nested too deeply to be a saved frame"
        ) from None
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            f"--frame {spec!r}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None


def _check_tables(scores: pd.DataFrame, models: pd.DataFrame | None,
                  param_count: str | None) -> None:
    """The shared rules (:mod:`densing._validation`) on the two input tables, before the frame
    loads: the score table's is the one :func:`~densing.density.compute_density` runs."""
    check_score_table(scores)
    if models is None:
        return
    check_unique_columns(models.columns, "models")
    if "model" not in models.columns:
        return
    labels = models["model"].astype(str).tolist()
    if "release_date" in models.columns:
        check_release_dates(models["release_date"], labels=labels, allow_missing=True)
    extra = {model_column(param_count)} if param_count is not None else {
        c for c in ("n_params_nonembedding", "active_params") if c in models.columns}
    for col in {"n_params", *extra}:
        if col in models.columns:
            check_param_counts(models[col], col, labels=labels, allow_missing=True)


def per_model_benchmark(table: pd.DataFrame, frame: ReferenceFrame,
                        benchmark: str | None) -> str:
    """The benchmark whose density represents each model in ``--per-model``.

    Parameters
    ----------
    table
        Output of :func:`densing.density.compute_density`.
    frame
        The frame the table was computed against.
    benchmark
        The benchmark asked for, or ``None`` for the choice of
        ``model_densities(benchmark="auto")``.

    Returns
    -------
    str
        The benchmark name.
    """
    if benchmark is not None:
        if benchmark not in set(table["benchmark"]):
            raise InputError(
                f"--benchmark {benchmark!r} has no rows; the table has "
                f"{', '.join(sorted(map(str, set(table['benchmark']))))}"
            )
        return benchmark
    from densing._density_auto import auto_benchmark  # model_densities(benchmark="auto")

    return auto_benchmark(table, frame, "name one with --benchmark")


def _run(args: argparse.Namespace) -> int:
    from densing._io import atomic_write_csv
    from densing.density import compute_density, model_densities

    if args.tokens is not None:
        check_tokens(args.tokens, "--tokens")
    pmap = _protocol_map(args.protocol_map)
    scores = read_csv(args.scores, "scores", {"model": str, "benchmark": str, "protocol": str})
    numbers_from_text(scores, SCORE_NUMBER_COLUMNS)
    models = read_csv(args.models, "models", {"model": str}) if args.models else None
    _check_tables(scores, models, args.param_count)
    frame = _load_frame(args.frame)
    table = compute_density(
        scores, models, frame, tokens=args.tokens, param_count=args.param_count,
        protocol_map=pmap,
    )
    per_model = None
    if args.per_model:
        bench = per_model_benchmark(table, frame, args.benchmark)
        per_model = model_densities(table, bench)
        per_model["release_date"] = per_model["release_date"].dt.strftime("%Y-%m-%d")
    if args.out:
        atomic_write_csv(table, args.out)
        print(f"wrote {len(table)} rows to {args.out}")
    if per_model is not None:
        atomic_write_csv(per_model, args.per_model)
        print(f"wrote {len(per_model)} models ({per_model['benchmark'].iloc[0]}) to "
              f"{args.per_model}")
    if args.json:
        records = json.loads(table.to_json(orient="records", date_format="iso"))
        print_json({"rows": records})
    elif not args.out and per_model is None:
        # the result first (the density and its interval), what it came from after
        cols = ["model", "benchmark", "density", "density_low", "density_high", "status",
                "n_hat", "n_params", "score"]
        print_table(table[cols])
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``densing density``.

    Parameters
    ----------
    sub
        The subparsers of the top-level ``densing`` parser.
    """
    p = sub.add_parser("density", help="densities of models from a CSV of their scores",
                       description="The density of each model on each benchmark: its "
                       "effective size N-hat (the frame's inverse of its score) over its "
                       "actual size N, with an interval and a status for censored scores.")
    p.add_argument("--scores", required=True,
                   help="CSV with model,benchmark,protocol,score[,stderr] (score as fraction)")
    p.add_argument("--models",
                   help="CSV with model,n_params,release_date (default: the bundled models)")
    p.add_argument("--frame", default="olmo-ladder", help="frame name or saved frame JSON")
    p.add_argument("--tokens", type=number, default=None,
        help="data budget D0, tokens (default 1e12)")
    p.add_argument("--param-count", choices=MODEL_PARAM_COUNTS, default=None,
                   help="the models' count to use (default: the frame's convention, "
                   "non_embedding for the bundled frames: column n_params_nonembedding)")
    p.add_argument("--protocol-map",
                   help="'llv1' or FROM=TO[,FROM=TO] explicit protocol mapping onto the frame's")
    p.add_argument("--out", help="write the table (one row per model and benchmark) as CSV")
    p.add_argument("--per-model", metavar="CSV",
                   help="write one row per model (the input of densing trend --densities)")
    p.add_argument("--benchmark", metavar="NAME",
                   help="benchmark of --per-model (default: the frame's averaged benchmark "
                        "with the most models)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no warnings")
    p.set_defaults(func=_run)


__all__ = ["per_model_benchmark", "register"]
