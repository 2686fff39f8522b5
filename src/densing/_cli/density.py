"""``densing density``: densities of your own models' scores against a reference frame."""

from __future__ import annotations

import argparse
import json

from densing._cli._common import print_json, print_table, read_csv
from densing._io import atomic_write_csv
from densing.density import LLV1_PROTOCOL_MAP, compute_density
from densing.exceptions import InputError


def _protocol_map(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    if text == "llv1":
        return dict(LLV1_PROTOCOL_MAP)
    out = {}
    for item in text.split(","):
        if "=" not in item:
            raise InputError(f"--protocol-map items must be FROM=TO; got {item!r}")
        src, dst = item.split("=", 1)
        out[src.strip()] = dst.strip()
    return out


def _run(args: argparse.Namespace) -> int:
    scores = read_csv(args.scores, "scores")
    models = read_csv(args.models, "models") if args.models else None
    table = compute_density(
        scores, models, args.frame, tokens=args.tokens, param_count=args.param_count,
        protocol_map=_protocol_map(args.protocol_map),
    )
    if args.out:
        atomic_write_csv(table, args.out)
        print(f"wrote {len(table)} rows to {args.out}")
    if args.json:
        records = json.loads(table.to_json(orient="records", date_format="iso"))
        print_json({"rows": records})
    elif not args.out:
        cols = ["model", "benchmark", "score", "n_params", "n_hat", "density", "density_low",
                "density_high", "status"]
        print_table(table[cols])
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``densing density``."""
    p = sub.add_parser("density", help="densities of models from their scores")
    p.add_argument("--scores", required=True,
                   help="CSV with model,benchmark,protocol,score[,stderr] (score as fraction)")
    p.add_argument("--models",
                   help="CSV with model,n_params,release_date (default: the bundled models)")
    p.add_argument("--frame", default="olmo-ladder", help="frame name or saved frame JSON")
    p.add_argument("--tokens", type=float, default=None, help="data budget D0 (default 1e12)")
    p.add_argument("--param-count", choices=["total", "non_embedding", "active"],
                   default="total")
    p.add_argument("--protocol-map",
                   help="'llv1' or FROM=TO[,FROM=TO] explicit protocol mapping onto the frame's")
    p.add_argument("--out", help="write the table as CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run)
