"""``densing reproduce``: the densing law on the bundled data, beside the paper's claims."""

from __future__ import annotations

import argparse

from densing._cli._common import print_json
from densing.conventions import SHARED_PARAM_COUNTS

#: densing.report.PAPER_WINDOW and REPRODUCE_BENCHMARK, written out so that building the
#: parser imports nothing heavy (tests/test_help.py checks that they agree)
PAPER_WINDOW = ("2023-02-24", "2024-10-01")
REPRODUCE_BENCHMARK = "average_llv1"


def _run(args: argparse.Namespace) -> int:
    from densing.report import reproduce, sensitivity
    from densing.report._render import sensitivity_summary

    window = None if args.window in ("all", ":") else args.window
    common = {
        "frame": args.frame, "benchmark": args.benchmark, "tokens": args.tokens,
        "window": window, "frontier": args.frontier, "quantile": args.quantile,
        "param_count": args.param_count,
        "irreducible": args.irreducible, "dense_only": args.dense_only,
        "exact_params": args.exact_params,
    }
    if args.sensitivity:
        table = sensitivity(n_bootstrap=args.bootstrap, random_state=args.seed,
                            progress=False if args.quiet else None, **common)
        if args.json:
            print_json({"sensitivity": table.to_dict(orient="records")})
        else:
            print(sensitivity_summary(table).as_text())
        return 0
    rep = reproduce(n_bootstrap=args.bootstrap, random_state=args.seed, joint=args.joint,
                    frame_bootstrap=args.frame_bootstrap, interval=args.interval, **common)
    if args.json:
        print_json(rep.to_dict())
    else:
        rep.print_summary()
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``densing reproduce``."""
    p = sub.add_parser(
        "reproduce",
        help="compare with the paper: the densing law on the bundled data",
        description="Fit the densing law on the bundled models against the OLMo-ladder "
        "frame in the paper's window of release dates, and print the doubling time with its joint "
        "interval beside the paper's 3.3 months.",
    )
    p.add_argument("--frame", default="olmo-ladder", help="frame name or saved frame JSON")
    p.add_argument("--benchmark", default=REPRODUCE_BENCHMARK,
                   help="benchmark whose density represents a model (default: %(default)s)")
    p.add_argument("--tokens", type=float, default=None,
        help="data budget D0, tokens (default: the frame's, 1e12 for the bundled frames)")
    p.add_argument("--window", default=f"{PAPER_WINDOW[0]}:{PAPER_WINDOW[1]}",
                   help="START:END release dates of the headline fit, or 'all' "
                   "(default: the paper's %(default)s)")
    p.add_argument("--frontier", choices=["quantile", "running_max", "all"],
                   default="quantile",
                   help="the headline's rule (default: %(default)s, the quantile line over "
                   "every model; running_max is the paper's envelope, reported beside it)")
    p.add_argument("--quantile", type=float, default=0.9,
                   help="the headline quantile tau, a fraction in (0, 1) (default %(default)s)")
    p.add_argument("--bootstrap", type=int, default=1000, help="trend bootstrap resamples, count")
    p.add_argument("--seed", type=int, default=0, help="random seed of the resamples")
    p.add_argument("--param-count", choices=SHARED_PARAM_COUNTS, default=None,
                   help="parameter count of frame and targets (default: the frame's, "
                   "non_embedding for the bundled frames, chosen by cross-validation)")
    p.add_argument("--irreducible", action="store_true", help="loss law with + E")
    p.add_argument("--dense-only", action="store_true", help="leave out MoE models")
    p.add_argument("--exact-params", action="store_true",
                   help="with --param-count total: exact architecture totals instead of "
                   "nominal sizes, where known")
    p.add_argument("--joint", action="store_true",
                   help="also feed the frame's draws into the trend's case bootstrap (the "
                   "headline interval is joint either way)")
    p.add_argument("--frame-bootstrap", type=int, default=200,
                   help="reference-run resamples of the frame (the joint interval's frame "
                   "draws), count")
    p.add_argument("--interval", choices=["calibrated", "percentile"], default=None,
                   help="the models-only interval under the joint one (default: the case "
                   "bootstrap for quantile, calibrated for running_max and all)")
    p.add_argument("--sensitivity", action="store_true",
                   help="the headline under every defensible analysis choice")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_run)
