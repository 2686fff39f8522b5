"""``densing frame fit`` and ``densing frame validate``."""

from __future__ import annotations

import argparse
import warnings
from typing import TYPE_CHECKING

from densing._cli._common import integer, number, print_json, read_csv
from densing._validation import check_n_bootstrap, check_param_count, check_random_state
from densing.conventions import FRAME_PARAM_COUNTS

if TYPE_CHECKING:
    import pandas as pd


def _read_runs(path: str | None) -> pd.DataFrame:
    if path is None:
        from densing.datasets import load_reference_runs

        return load_reference_runs("olmo-ladder")
    return read_csv(path, "runs")


def _frame_kwargs(args: argparse.Namespace) -> dict[str, object]:
    from densing.reference import DEFAULT_FRAME_BENCHMARKS, DEFAULT_PARAM_COUNT

    kw: dict[str, object] = {
        "irreducible": args.irreducible,
        # the bundled ladder's default count; a runs CSV gives one count (n_params)
        "param_count": args.param_count or (DEFAULT_PARAM_COUNT if args.runs is None
                                            else "total"),
        "floor": "chance" if args.chance_floor else None,
    }
    if args.benchmarks:
        kw["benchmarks"] = [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    elif args.runs is None:
        kw["benchmarks"] = list(DEFAULT_FRAME_BENCHMARKS)
    return kw


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", help="CSV of reference runs (default: bundled OLMo ladder)")
    p.add_argument("--irreducible", action="store_true", help="loss law with the + E term")
    p.add_argument("--param-count", choices=FRAME_PARAM_COUNTS, default=None,
                   help="parameter count of the runs (default: non_embedding for the bundled "
                   "ladder, as its cross-validation chose; total, column n_params, for --runs)")
    p.add_argument("--chance-floor", action="store_true",
                   help="fix each sigmoid's floor at chance level instead of fitting it")
    p.add_argument("--benchmarks", help="comma-separated benchmarks (default: the frame's)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _fit(args: argparse.Namespace) -> int:
    from densing.exceptions import FitQualityWarning
    from densing.reference import ReferenceFrame

    check_n_bootstrap(args.bootstrap, "--bootstrap")
    check_random_state(args.seed, "--seed")
    if args.max_params is not None:
        check_param_count(args.max_params, "--max-params")
    runs = _read_runs(args.runs)
    if args.max_params is not None:
        runs = runs[runs["n_params"] < args.max_params]
    frame = ReferenceFrame(
        **_frame_kwargs(args),  # type: ignore[arg-type]
        n_bootstrap=args.bootstrap, random_state=args.seed, name=args.name,
        progress=False if args.quiet else None,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FitQualityWarning)
        frame.fit(runs)
    path = frame.save(args.out)
    if args.json:
        print_json({"out": str(path), "frame": frame.to_dict()["settings"],
                    "diagnostics": frame.diagnostics().to_dict(orient="records")})
    else:
        frame.print_summary()
        print(f"wrote {path}")
    if caught and not args.json:
        print(f"{len(caught)} quality warning(s); see Flags above")
    return 0


def _validate(args: argparse.Namespace) -> int:
    import pandas as pd

    from densing._summary import Summary
    from densing.exceptions import FitQualityWarning
    from densing.reference import holdout_validation

    check_param_count(args.holdout_min_params, "--holdout-min-params")
    runs = _read_runs(args.runs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitQualityWarning)
        table, frame = holdout_validation(
            runs, args.holdout_min_params, progress=False if args.quiet else None,
            **_frame_kwargs(args),  # type: ignore[arg-type]
        )
    mean = float(table["abs_error"].mean())
    by_bench = table.groupby("benchmark")["abs_error"].mean()
    if args.json:
        print_json({
            "holdout_min_params": args.holdout_min_params,
            "frame": {k: v for k, v in frame.to_dict()["settings"].items() if k != "averages"},
            "rows": table.to_dict(orient="records"),
            "mean_abs_error_by_benchmark": by_bench.to_dict(),
            "mean_abs_error": mean,
        })
    else:
        report = Summary("Held-out validation of the reference frame", header=[
            ("mean_abs_error", f"{mean:.4f} over {len(table)} predictions "
                               f"({table['run'].nunique()} held-out models)"),
            ("held out", f"runs with n_params >= {args.holdout_min_params:.3g}"),
        ])
        report.add_table(by_bench.rename("mean_abs_error").reset_index(),
                         caption="Mean absolute error per benchmark:")
        report.add_table(table, caption="Predictions:")
        with pd.option_context("display.max_rows", 500, "display.width", 200):
            print(report.as_text())
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``densing frame`` with its ``fit`` and ``validate`` subcommands.

    Parameters
    ----------
    sub
        The subparsers of the top-level ``densing`` parser.
    """
    p = sub.add_parser("frame", help="fit, save and validate reference frames")
    fsub = p.add_subparsers(dest="frame_command", metavar="ACTION", required=True)
    f = fsub.add_parser("fit", help="fit a reference frame and save it as JSON")
    _add_common(f)
    f.add_argument("--out", required=True, metavar="JSON", help="output JSON path")
    f.add_argument("--bootstrap", type=integer, default=0,
        help="bootstrap resamples over runs, count")
    f.add_argument("--seed", type=integer, default=0, help="random seed of the resamples")
    f.add_argument("--max-params", type=number, default=None,
                   help="fit only runs with fewer parameters, a count in the frame's convention "
                   "(default: every run)")
    f.add_argument("--name", default="custom", help="the frame's name, saved in the JSON")
    f.add_argument("--json", action="store_true", help="print one JSON object")
    f.set_defaults(func=_fit)
    v = fsub.add_parser("validate", help="fit on small runs, predict held-out large runs")
    _add_common(v)
    v.add_argument("--holdout-min-params", type=number, default=4e9,
                   help="hold out the runs with at least this many parameters, count")
    v.add_argument("--json", action="store_true", help="print one JSON object")
    v.set_defaults(func=_validate)


__all__ = ["register"]
