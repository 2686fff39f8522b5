"""How a :class:`~densing.report.Reproduction` shows itself: text within 100 columns."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import pandas as pd

from densing._summary import Summary
from densing.report._claims import PAPER_CLAIMS
from densing.report._intervals import _holdout_note

# ``rep`` below is a densing.report.Reproduction (not imported: it imports this module)
Reproduction = Any


class ComparisonFrame(pd.DataFrame):
    """A :class:`pandas.DataFrame` that prints whole: every row and column, no ``...``."""

    @property
    def _constructor(self) -> type[ComparisonFrame]:
        return ComparisonFrame

    def __repr__(self) -> str:
        with pd.option_context("display.max_columns", None, "display.max_rows", None,
                               "display.width", 10_000, "display.max_colwidth", None):
            return self.to_string()

    __str__ = __repr__


def comparison_frame(rows: list[dict[str, Any]]) -> ComparisonFrame:
    """The comparison rows as a frame that prints whole."""
    return ComparisonFrame(pd.DataFrame(rows))


def _iv(lo: float, hi: float) -> str:
    top = "no upper end" if not math.isfinite(hi) else f"{hi:.3g}"
    return f"{lo:.3g} .. {top}"


#: shorter names of comparison rows in the text table (it fits 100 columns)
_SHORT_QUANTITY = {
    "R^2 of the envelope fit (paper's rule)": "R^2, envelope (paper's rule)",
    "pseudo-R1 of the quantile line": "pseudo-R1, quantile line",
}


def _cell(v: Any) -> str:
    """A number of the comparison table: 3 significant digits, a dash where there is none."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if v != v:
            return "–"
        return ("∞" if v > 0 else "-∞") if math.isinf(v) else format(v, ".3g")
    return str(v)


def _left_out(d: dict[str, Any], param_count: str) -> list[str]:
    lines = []
    missing = d.get("missing_params_models", [])
    undated = d.get("undated_models", [])
    lines.append(f"Left out, no {param_count} parameter count: {len(missing)}"
                 + (f" ({', '.join(missing)})" if missing else ""))
    lines.append(f"Left out, no release date: {len(undated)}"
                 + (f" ({', '.join(undated)})" if undated else ""))
    return lines


def reproduction_summary(rep: Reproduction, detail: bool = True) -> Summary:
    """The report of ``densing reproduce`` (``detail=False``: the notebook's compact one)."""
    s = rep.settings
    t = rep.trend
    d = rep.diagnostics
    rule = (f"quantile line tau={s['quantile']:g}" if s["frontier"] == "quantile"
            else str(s["frontier"]))
    title = (f"densing reproduce ({s['frame']}, {s['benchmark']}, D0={s['tokens']:.3g}, "
             f"{s['param_count']} N, {s['window'][0]}..{s['window'][1]})")
    title = textwrap.fill(title, 100, subsequent_indent="  ")
    lo, hi = rep.headline_interval
    paper = PAPER_CLAIMS["doubling_time_months_arxiv"]["value"]
    by = ", ".join(f"{k} {v}" for k, v in d["censored_by_status"].items()) or "none"
    out = Summary(title, header=[
        ("doubling time", f"{t.doubling_time_months_:.3g} months "
                          f"({100 * float(t.ci):g}% interval {_iv(lo, hi)}); paper {paper:g}"),
        ("estimator", f"{rule}, every model; pairs bootstrap + measurement spread"),
        ("verdict", rep.verdict()),
        ("models used", f"{t.n_models_} ({d['n_lower_bounds']} as lower bounds; censored "
                        f"by the frame: {d['n_censored']}, {by})"),
    ])
    cmp = rep.comparison()
    cols = ["quantity", "paper", "densing", "ci_low", "ci_high", "verdict"]
    numeric = cmp["densing"].map(lambda v: isinstance(v, (int, float)))
    table = cmp.loc[numeric, cols].copy()
    table["verdict"] = table["verdict"].str.replace(
        "not tested: the interval includes zero growth", "not tested (reaches 0 growth)",
        regex=False)
    table["quantity"] = table["quantity"].str.replace("doubling time (months)", "months",
                                                      regex=False).replace(_SHORT_QUANTITY)
    for col in ("paper", "densing", "ci_low", "ci_high"):
        table[col] = table[col].map(_cell)
    comp = cmp.loc[~numeric]
    for q, v in zip(comp["quantity"], comp["densing"], strict=True):
        out.add_note(f"{q}: {v} (paper: none)")
    if not detail:
        for line in _left_out(d, s["param_count"]):
            out.add_note(textwrap.fill(line, 100, subsequent_indent="  "))
        note = _holdout_note(d.get("holdout"))
        if note:
            out.add_note(note)
        return out.add_table(pd.DataFrame(table), float_format=".3g")
    out.add_table(pd.DataFrame(table), caption="Beside the paper (interval: the headline's, "
                  "the envelope row its own):", float_format=".3g")
    others = []
    env = rep.envelope
    if env is not None:
        elo, ehi = rep.intervals["envelope"]["doubling_time_months"]
        extra = "" if math.isfinite(ehi) else "; no upper bound from a running maximum at "\
            "this scatter"
        others.append(f"Envelope (running max, the paper's rule, {env.n_frontier_} models): "
                      f"{env.doubling_time_months_:.3g} months, calibrated {_iv(elo, ehi)}"
                      + extra)
    sf = rep.stochastic
    if sf is not None:
        slo, shi = sf.doubling_time_months_ci
        others.append(f"Stochastic frontier (v normal, u half-normal drifting): "
                      f"{sf.doubling_time_months:.3g} months, bootstrap {_iv(slo, shi)}; "
                      f"LR drift vs constant {sf.lr_stat:.2f} (p={sf.lr_pvalue:.2g})")
    if rep.quantiles:
        qs = ", ".join(f"tau {q:g}: {v:.3g}" for q, v in rep.quantiles.items())
        others.append(f"Quantile line by tau (months): {qs}")
    others.append(f"All points (OLS): {t.all_points_.doubling_time_months:.3g} months")
    m = rep.intervals.get("models_only", {}).get("doubling_time_months")
    if m is not None:
        others.append(f"Headline interval from models alone (no measurement spread): "
                      f"{_iv(*m)}")
    notes = [*others, *_left_out(d, s["param_count"]), _holdout_note(d.get("holdout"))]
    for line in notes:
        if line:
            out.add_note(textwrap.fill(line, 100, subsequent_indent="  "))
    out.add_note(f"N_hat outside the reference sizes: {d['n_extrapolated']} of {d['n_ok']} "
                 f"({100 * d['share_extrapolated']:.0f}%); scores above every reference "
                 f"checkpoint's: {d['n_beyond_reference_score']}")
    if len(rep.compressed):
        comp_t = rep.compressed[["model", "parent", "relation", "density",
                                 "parent_density"]].copy()
        for col in ("density", "parent_density"):
            comp_t[col] = comp_t[col].map(_cell)
        out.add_table(comp_t, caption="Compressed models vs parents (density; –: no score under "
                      "a protocol the frame maps):", float_format=".3g")
    return out


#: short names of the interval kinds in the text of ``densing reproduce --sensitivity``
_INTERVAL_KIND = {
    "headline": "headline's (joint)",
    "pairs bootstrap + measurement spread": "headline's (joint)",
    "pairs bootstrap, models only": "bootstrap, models only",
    "calibrated + measurement spread": "calibrated + measurement",
}

#: the groups of the sensitivity table, with the caption each gets in text
_GROUPS = {
    "analysis choice": "Analysis choices (one change from the headline per row):",
    "frontier rule": "Frontier rules (same models, same window):",
    "drop-one": "Drop-one: the headline without each of its most influential models:",
    "window": "Window moved at either end:",
}


def _short(text: str, width: int = 46) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def sensitivity_summary(table: pd.DataFrame) -> Summary:
    """The text of ``densing reproduce --sensitivity``: one table per group, 100 columns.

    Parameters
    ----------
    table
        :func:`~densing.report.sensitivity`'s result.

    Returns
    -------
    Summary
        A title, one table per group (``variant``, ``months``, ``95% interval``,
        ``models``, ``interval``) and the notes that explain the rows.
    """
    out = Summary("densing reproduce --sensitivity: the doubling time (months) under each "
                  "choice")
    for group, caption in _GROUPS.items():
        sub = table[table["group"] == group]
        if not len(sub):
            continue
        rows, errors = [], []
        for _, r in sub.iterrows():
            err = r.get("error")
            name = str(r["variant"])
            if name.startswith("default ("):
                name = "default: the headline"
            if isinstance(err, str):
                rows.append({"variant": _short(name), "months": "–", "95% interval": "–",
                             "models": "–", "interval": "no fit (below)"})
                errors.append(f"  {name}: {err}")
                continue
            hi = "∞" if not math.isfinite(r["ci_high"]) else format(r["ci_high"], ".3g")
            rows.append({"variant": _short(name), "months": format(r["doubling_months"], ".3g"),
                         "95% interval": f"{r['ci_low']:.3g} .. {hi}",
                         "models": str(int(r["n_models"])),
                         "interval": _INTERVAL_KIND.get(str(r.get("interval")),
                                                        str(r.get("interval")))})
        out.add_table(pd.DataFrame(rows), caption=caption)
        for line in errors:
            out.add_note(line)
        head = table[table["group"] == "analysis choice"].head(1)
        if group == "window" and len(head) and "n_models" in head.columns:
            same = sub[sub["n_models"] == head["n_models"].iloc[0]]
            for name in same["variant"]:
                out.add_note(f"  {str(name).split(' (')[0]}: no model released in the added "
                             "days, the headline's models (only the interval differs: its own)")
        if group == "drop-one" and "same_line_without" in sub.columns:
            for _, r in sub.iterrows():
                same = r.get("same_line_without")
                if isinstance(same, str) and same:
                    out.add_note(f"  {r['variant']}: the same line as without {same}")
            out.add_note("  A quantile line counts the models above it, not how far above: "
                         "dropping any one model that stays above the refitted line gives "
                         "the same line.")
    out.add_note("The headline's interval is the pairs bootstrap widened by the measurement "
                 "spread (score errors, frame draws); the other rows' intervals are their "
                 "own, from fewer resamples; ∞: no upper end (the interval reaches zero growth). "
                 "Frontier rules: docs/method.md#trap-running-max.")
    return out


__all__ = ["ComparisonFrame", "comparison_frame", "reproduction_summary",
           "sensitivity_summary"]
