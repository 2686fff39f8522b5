"""densing's figures beside the paper's claims: the table of ``Reproduction.comparison``."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from densing.conventions import doubling_days, doubling_months
from densing.report._beside import pseudo_r1
from densing.report._claims import PAPER_CLAIMS, _cmp
from densing.report._render import comparison_frame

__all__ = ["comparison_table"]


def comparison_table(rep: Any) -> pd.DataFrame:
    """The rows of :meth:`densing.report.Reproduction.comparison` for a reproduction ``rep``.

    Parameters
    ----------
    rep
        A :class:`~densing.report.Reproduction`.

    Returns
    -------
    pandas.DataFrame
        One row per claim, as :meth:`~densing.report.Reproduction.comparison` describes.
    """
    t = rep.trend
    ci = rep.intervals.get("joint", t.ci_)
    lo, hi = ci.get("doubling_time_months", (math.nan, math.nan))
    slo, shi = ci.get("slope_per_day", (math.nan, math.nan))
    rows = []
    figures = {
        "doubling_time_months_arxiv": "stated doubling time, 3.3 months (abstract, Fig. 1)",
        "doubling_time_months_journal": "stated doubling time, 3.5 months (journal)",
    }
    for key in ("doubling_time_months_arxiv", "doubling_time_months_journal"):
        c = PAPER_CLAIMS[key]
        rows.append(_cmp(f"doubling time (months), {key.rsplit('_', 1)[-1]}", c["value"],
                         t.doubling_time_months_, lo, hi, c["source"], figures[key]))
    c = PAPER_CLAIMS["doubling_time_months_arxiv"]
    implied = doubling_months(c["slope_per_day"])
    rows.append(_cmp("doubling time (months), from the paper's A", implied,
                     t.doubling_time_months_, lo, hi, c["source"],
                     f"ln 2 / A with A = {c['slope_per_day']:g}/day (Fig. 1): "
                     f"{doubling_days(c['slope_per_day']):.0f} days = {implied:.2f} months"))
    env = rep.envelope
    if env is not None:
        elo, ehi = rep.intervals["envelope"]["doubling_time_months"]
        rows.append(_cmp("doubling time (months), envelope (paper's rule)", c["value"],
                         env.doubling_time_months_, elo, ehi, c["source"],
                         "stated doubling time, 3.3 months, against the running maximum"))
    rows.append(_cmp("slope A (per day)", c["slope_per_day"], t.slope_per_day_, slo, shi,
                     c["source"], "stated slope A = 0.0073/day (Fig. 1)"))
    if t.frontier == "quantile":
        # the paper's R^2 is an OLS fit to its envelope: set the envelope's beside it; a
        # quantile line has no R^2, its fit quality is the Koenker-Machado pseudo-R1
        if env is not None:
            rows.append(_cmp("R^2 of the envelope fit (paper's rule)", c["r2"], env.r2_,
                             math.nan, math.nan, c["source"],
                             "stated R^2 = 0.912 (Fig. 1)"))
        rows.append(_cmp("pseudo-R1 of the quantile line", math.nan, pseudo_r1(t),
                         math.nan, math.nan, "densing",
                         "none (Koenker-Machado R1 = 1 - check loss of the line / "
                         "check loss of a constant)"))
    else:
        rows.append(_cmp("R^2 of the frontier fit", c["r2"], t.r2_, math.nan, math.nan,
                         c["source"], "stated R^2 = 0.912 (Fig. 1)"))
    if rep.periods is not None:
        p = rep.periods
        for key, part in (("slope_before_chatgpt", "before"), ("slope_after_chatgpt", "after")):
            fit = p.before if part == "before" else p.after
            pci = fit.slope_ci
            rows.append(_cmp(f"slope {part} ChatGPT (per day)", PAPER_CLAIMS[key]["value"],
                             fit.slope_per_day, pci[0], pci[1], PAPER_CLAIMS[key]["source"],
                             f"stated MMLU-density slope {part} ChatGPT, "
                             f"{PAPER_CLAIMS[key]['value']:g}/day (Sec. 4)"))
    for row in rows:
        if row["quantity"].startswith("slope") and not row["ci_low"] > 0:
            row["paper_in_ci"] = None  # an interval reaching zero growth bounds nothing
        row["verdict"] = _row_verdict(row)
    if len(rep.compressed):
        both = rep.compressed.dropna(subset=["density", "parent_density"])
        denser = int((both["density"] > both["parent_density"]).sum())
        found = (f"{denser} of {len(both)}" if len(both) else
                 f"untestable: 0 of {len(rep.compressed)} pairs have both densities")
        rows.append({
            "quantity": "pruned/distilled models denser than parent",
            "paper": "none", "densing": found,
            "ci_low": math.nan, "ci_high": math.nan, "ratio": math.nan,
            "paper_in_ci": None, "verdict": "",
            "source": PAPER_CLAIMS["compressed_not_denser"]["source"],
            "paper_figure": "stated: no pruned/distilled model denser than its parent",
        })
    return comparison_frame(rows)


def _row_verdict(row: dict[str, Any]) -> str:
    lo, hi = row["ci_low"], row["ci_high"]
    if not (isinstance(lo, float) and math.isfinite(lo)):
        return ""
    if not math.isfinite(hi) or row["paper_in_ci"] is None:
        return "not tested: the interval includes zero growth"
    return "inside" if row["paper_in_ci"] else "outside"
