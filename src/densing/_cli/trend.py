"""`densing trend`: fit the densing law to a CSV of dated model densities."""

from __future__ import annotations

import argparse
import sys

from densing._cli._common import print_json, read_csv

#: densing.trend.LLAMA1_DATE, written out so that building the parser imports nothing heavy
#: (tests/test_help.py checks that they agree)
LLAMA1_DATE = "2023-02-24"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``trend`` subcommand.

    Parameters
    ----------
    sub
        The subparsers of the top-level ``densing`` parser.
    """
    parser = sub.add_parser(
        "trend",
        help="see the trend: fit the densing law (doubling time) to dated densities",
        description=(
            "Fit ln(density) = A * t + B over release dates and report the doubling time "
            "with bootstrap CIs. The CSV needs columns model, release_date (ISO YYYY-MM-DD) "
            "and density; rows with a 'status' other than 'ok' are counted as censored."
        ),
    )
    parser.add_argument("--densities", required=True, metavar="CSV",
        help="one row per model: model, release_date, density[, status] (the --per-model "
        "CSV of densing density)")
    parser.add_argument(
        "--frontier",
        choices=("running_max", "quantile", "all"),
        default="quantile",
        help="models that carry the fit (default: quantile, the 0.9-quantile line over every "
             "model; running_max is the paper's envelope)",
    )
    parser.add_argument(
        "--quantile", type=float, default=None,
        help="q of the quantile frontier, a fraction in (0, 1) (default 0.9); only with "
             "--frontier quantile",
    )
    parser.add_argument("--start", metavar="DATE",
        help="first release date kept, YYYY-MM-DD (default: the first)")
    parser.add_argument("--end", metavar="DATE",
        help="last release date kept, YYYY-MM-DD (default: the last)")
    parser.add_argument(
        "--origin", metavar="DATE", default=LLAMA1_DATE, help=f"day 0 of t (default {LLAMA1_DATE})"
    )
    parser.add_argument(
        "--split",
        metavar="DATE",
        help="also compare the slopes before and after DATE (e.g. 2022-11-30)",
    )
    parser.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N",
            help="bootstrap resamples, count (default 1000)"
    )
    parser.add_argument(
        "--interval", choices=("calibrated", "percentile"), default=None,
        help="the interval shown (default: the case bootstrap's percentile interval for "
             "quantile, calibrated for running_max and all; coverage checked by simulation)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``densing trend``.

    Parameters
    ----------
    args
        Parsed arguments.

    Returns
    -------
    int
        Exit status (0); bad input raises a :class:`densing.DensingError`.
    """
    from densing.trend import DensingTrend

    if args.quantile is not None and args.frontier != "quantile":
        print(f"densing trend: warning: --quantile {args.quantile:g} is ignored with "
              f"--frontier {args.frontier} (it sets the quantile line's q only)",
              file=sys.stderr)
    df = read_csv(args.densities, "densities",
                  {"model": str, "release_date": str, "status": str})
    trend = DensingTrend(
        frontier=args.frontier,
        quantile=0.9 if args.quantile is None else args.quantile,
        window=(args.start, args.end),
        origin=args.origin,
        n_bootstrap=args.bootstrap,
        random_state=args.seed,
        interval=args.interval,
    ).fit(df)
    periods = trend.compare_periods(args.split) if args.split else None
    if args.json:
        out = trend.to_dict()
        if periods is not None:
            out["periods"] = periods.to_dict()
        print_json(out)
        return 0
    report = trend.summary()
    if periods is not None:
        report.add_summary(periods.summary())
    print(report.as_text())
    return 0
