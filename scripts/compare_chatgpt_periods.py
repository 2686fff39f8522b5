#!/usr/bin/env python
"""Slopes before and after ChatGPT as like for like as the bundled data allow (issue 12 item 7).

Usage::

    python scripts/compare_chatgpt_periods.py [--bootstrap 1000] [--json out.json]

The paper compares MMLU densities since GPT-3 (closed models, technical-report 5-shot letter
format) with those after ChatGPT. densing has no frame for that protocol (the OLMo ladder
scores MMLU in cloze format only, METHOD.md item 3), so both periods here use the headline's
densities (Open LLM Leaderboard v1 HellaSwag + ARC-C through ``average_llv1``). What is made
like for like: the same frame, benchmark and estimator in both periods; the "before" period
from GPT-3's release (2020-05-28) as in the paper, beside all dates; and every frontier
(envelope, 0.9 quantile, all points), because a 4-model envelope is a weak basis for a
ratio. Each slope has its bootstrap interval over models (seed 0).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from densing import DensingTrend, reproduce

__all__ = ["GPT3_DATE", "SPLIT", "main", "period_table"]

#: ChatGPT's release: first day of the "after" period
SPLIT = "2022-11-30"
#: GPT-3's release (arXiv:2005.14165): the paper's pre-ChatGPT trend starts with it
GPT3_DATE = "2020-05-28"


def period_table(per_model: pd.DataFrame, n_bootstrap: int = 1000
                 ) -> tuple[list[dict[str, Any]], str, dict[str, list[str]]]:
    """The comparison rows, their markdown table and each period's envelope members.

    Parameters
    ----------
    per_model
        The headline's densities (``Reproduction.densities``).
    n_bootstrap
        Resamples over models per fit (seed 0).

    Returns
    -------
    rows, table, members
        One dict per (start, frontier), the markdown table, and the envelope members of the
        "before" period per start (``running_max`` rows).
    """
    rows: list[dict[str, Any]] = []
    members: dict[str, list[str]] = {}
    lines = ["| before from | frontier | before: models / on frontier | slope before (95% CI) "
             "| slope after (95% CI) | ratio (95% CI) |", "|---|---|---|---|---|---|"]
    for start in (None, GPT3_DATE):
        for frontier in ("running_max", "quantile", "all"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trend = DensingTrend(frontier=frontier, window=(start, None),
                                     n_bootstrap=n_bootstrap, random_state=0,
                                     interval="percentile").fit(per_model)  # type: ignore[arg-type]
                pc = trend.compare_periods(SPLIT)
            b, a = pc.before, pc.after
            if frontier == "running_max":
                members[start or "all dates"] = list(b.members)
            row = {
                "before_from": start or "all dates", "frontier": frontier,
                "before_n": b.n_models, "before_members": len(b.members),
                "before_slope": b.slope_per_day, "before_ci": list(b.slope_ci),
                "after_n": a.n_models, "after_slope": a.slope_per_day,
                "after_ci": list(a.slope_ci), "ratio": pc.ratio, "ratio_ci": list(pc.ratio_ci),
                "before_r2": b.r2,
            }
            rows.append(row)
            # a ratio means nothing when the before slope's interval contains 0
            defined = b.slope_ci[0] > 0
            row["ratio_defined"] = defined
            ratio = (f"{pc.ratio:.1f} ({pc.ratio_ci[0]:.1f} – {pc.ratio_ci[1]:.1f})" if defined
                     else "undefined (before-slope interval contains 0)")
            lines.append(
                f"| {row['before_from']} | {frontier} | {b.n_models} / {len(b.members)} | "
                f"{b.slope_per_day:.5f} ({b.slope_ci[0]:.5f} – {b.slope_ci[1]:.5f}) | "
                f"{a.slope_per_day:.4f} ({a.slope_ci[0]:.4f} – {a.slope_ci[1]:.4f}) | "
                f"{ratio} |")
    return rows, "\n".join(lines), members


def main(argv: Sequence[str] | None = None) -> int:
    """Print (and optionally write) the period comparisons.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--json", help="write the rows as JSON here")
    args = ap.parse_args(argv)
    per_model = reproduce(n_bootstrap=10, random_state=0).densities  # bootstrap unused here
    rows, table, _ = period_table(per_model, args.bootstrap)
    print(table)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
