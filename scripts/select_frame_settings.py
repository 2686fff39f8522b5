#!/usr/bin/env python
"""Choose the reference frame's settings by cross-validation inside the ladder (METHOD.md 11).

Usage::

    python scripts/select_frame_settings.py                  # full grid, writes the table
    python scripts/select_frame_settings.py --out table.md --json result.json

Procedure (rules 1-5 and 7 written before the first run; rule 6 added after the held-out
errors of rule 3's form were seen):

1. Only runs below 4B parameters are used; OLMo-2 7B and 13B are removed before anything
   else (:func:`densing.reference.cross_validate_frame`).
2. Two folds inside the ladder: fit the runs below 1B (190M, 370M, 760M) and predict the
   final scores of every 1B and 3B run; fit the runs below 2B (up to 1B) and predict every
   3B run. A benchmark's CV error is its mean absolute score error over the predicted runs
   of a fold, averaged over the two folds.
3. Frame form (loss law with or without ``E``; sigmoid floor fitted or fixed at chance;
   total or non-embedding parameters): the candidate with the lowest mean CV error over the
   11 default benchmarks (nine rc tasks, ``average``, ``average_llv1``).
4. BoolQ: in the frame if its CV error under the selected form is at most 0.045 (the bar
   for the held-out mean), otherwise out.
5. Winogrande in ``average_llv1``: the variant (ARC-C + HellaSwag, with or without
   Winogrande) with the lower CV error under the selected form.
6. A second rule for the headline alone: the form with the lowest CV error on
   ``average_llv1`` (reported beside, not replacing, rule 3).
7. Only then is the frame with the selected settings fitted on all runs below 4B and its
   7B and 13B errors reported, once (and the shipped settings' beside them if they differ).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from densing.datasets import load_reference_runs
from densing.reference import (
    DEFAULT_AVERAGES,
    DEFAULT_CV_FOLDS,
    DEFAULT_FRAME_BENCHMARKS,
    DEFAULT_PARAM_COUNT,
    cross_validate_frame,
    holdout_validation,
)

__all__ = ["FORMS", "BAR_MEAN", "candidate_kwargs", "cv_errors", "main", "select_settings"]

#: frame forms compared: (irreducible, floor, param_count)
FORMS: tuple[tuple[bool, str | None, str], ...] = tuple(
    itertools.product((False, True), (None, "chance"), ("total", "non_embedding"))
)
#: the bar for a mean absolute score error (README: the ladder paper's overall level)
BAR_MEAN = 0.045
#: the bar for the averaged benchmark on each held-out model
BAR_AVERAGE = 0.03
#: average_llv1 with Winogrande, fitted beside the shipped one so both are compared
LLV1_WG = "average_llv1_wg"
SHIPPED = (False, None, DEFAULT_PARAM_COUNT)
#: the form shipped before this selection was run (total parameter counts)
PREVIOUS = (False, None, "total")


def _form_name(form: tuple[bool, str | None, str]) -> str:
    irr, floor, pc = form
    return (f"{'with E' if irr else 'no E'}, "
            f"{'chance-level floor' if floor == 'chance' else 'fitted floor'}, "
            f"{'total' if pc == 'total' else 'non-embedding'} parameters")


def candidate_kwargs(
    form: tuple[bool, str | None, str], benchmarks: Sequence[str] | None = None
) -> dict[str, Any]:
    """ReferenceFrame settings of a form, with BoolQ and the Winogrande variant fitted too.

    Parameters
    ----------
    form
        ``(irreducible, floor, param_count)``.
    benchmarks
        Benchmarks to fit (default: the default frame's, BoolQ and ``average_llv1_wg``).

    Returns
    -------
    dict
        Keyword arguments for :class:`densing.reference.ReferenceFrame`.
    """
    irr, floor, pc = form
    averages = {**DEFAULT_AVERAGES, LLV1_WG: (*DEFAULT_AVERAGES["average_llv1"], "winogrande")}
    if benchmarks is None:
        benchmarks = [*DEFAULT_FRAME_BENCHMARKS, "boolq", LLV1_WG]
    return {"irreducible": irr, "floor": floor, "param_count": pc, "averages": averages,
            "benchmarks": list(benchmarks), "progress": False}


def cv_errors(table: pd.DataFrame) -> pd.Series:
    """Per-benchmark CV error: mean absolute error per fold, averaged over folds.

    Parameters
    ----------
    table
        Output of :func:`densing.reference.cross_validate_frame`.

    Returns
    -------
    pandas.Series
        CV error indexed by benchmark.
    """
    per_fold = table.groupby(["benchmark", "fold"])["abs_error"].mean()
    return per_fold.groupby(level="benchmark").mean()


def select_settings(
    runs: pd.DataFrame,
    forms: Sequence[tuple[bool, str | None, str]] = FORMS,
    benchmarks: Sequence[str] | None = None,
    compared: Sequence[str] | None = None,
    folds: Sequence[float] = DEFAULT_CV_FOLDS,
) -> dict[str, Any]:
    """Run the cross-validation over the forms and apply the selection rules.

    Parameters
    ----------
    runs
        Reference runs (runs at or above 4B are dropped inside the CV).
    forms
        Candidate ``(irreducible, floor, param_count)`` forms.
    benchmarks
        Benchmarks fitted per candidate (default: see :func:`candidate_kwargs`).
    compared
        Benchmarks whose mean CV error ranks the forms (default: the 11 default ones).
    folds
        Fold thresholds.

    Returns
    -------
    dict
        ``cv`` (form name -> benchmark -> CV error), ``mean`` (form name -> mean over
        ``compared``), ``selected`` (form, ``boolq_in``, ``winogrande_in_llv1``).
    """
    compared = list(DEFAULT_FRAME_BENCHMARKS if compared is None else compared)
    cv: dict[str, dict[str, float]] = {}
    means: dict[str, float] = {}
    for form in forms:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = cross_validate_frame(runs, folds, **candidate_kwargs(form, benchmarks))
        err = cv_errors(table)
        name = _form_name(form)
        cv[name] = {str(b): float(v) for b, v in err.items()}
        means[name] = float(err[compared].mean())
    best = min(forms, key=lambda f: means[_form_name(f)])
    best_cv = cv[_form_name(best)]
    selected: dict[str, Any] = {
        "irreducible": best[0], "floor": best[1], "param_count": best[2],
        "form": _form_name(best),
    }
    if "boolq" in best_cv:
        selected["boolq_in"] = best_cv["boolq"] <= BAR_MEAN
    if LLV1_WG in best_cv and "average_llv1" in best_cv:
        selected["winogrande_in_llv1"] = best_cv[LLV1_WG] < best_cv["average_llv1"]
    if all("average_llv1" in cv[_form_name(f)] for f in forms):
        head = min(forms, key=lambda f: cv[_form_name(f)]["average_llv1"])
        selected["headline_form"] = _form_name(head)
        selected["headline_settings"] = list(head)
    return {"folds": [float(f) for f in folds], "compared": compared, "cv": cv,
            "mean": means, "selected": selected}


def _holdout(form: tuple[bool, str | None, str], runs: pd.DataFrame) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, _ = holdout_validation(runs, 4e9, **candidate_kwargs(form))
    t = table.assign(model=table["run"])
    per = t.pivot_table(index="benchmark", columns="model", values="abs_error")
    return {b: {m: float(per.loc[b, m]) for m in per.columns} for b in per.index}


def _markdown(res: dict[str, Any]) -> str:
    keys = ["average", "average_llv1", LLV1_WG, "boolq"]
    lines = ["| frame form | mean CV error (11 benchmarks) | average | average_llv1 "
             "| average_llv1 + Winogrande | BoolQ |", "|---|---|---|---|---|---|"]
    order = sorted(res["mean"], key=lambda n: res["mean"][n])
    for name in order:
        cells = [f"{res['cv'][name].get(k, float('nan')):.3f}" for k in keys]
        bold = name == res["selected"]["form"]
        m = f"{res['mean'][name]:.3f}"
        label = name + (" (shipped)" if name == _form_name(SHIPPED) else
                        " (previous default)" if name == _form_name(PREVIOUS) else "")
        if bold:
            label, m = f"**{label}**", f"**{m}**"
        lines.append(f"| {label} | {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _holdout_markdown(res: dict[str, Any]) -> str:
    keys = [k for k in ("holdout_selected", "holdout_headline", "holdout_shipped",
                        "holdout_previous") if k in res]
    heads = {"holdout_selected": "CV-selected form", "holdout_headline": "headline rule",
             "holdout_shipped": "shipped form", "holdout_previous": "previous default"}
    lines = ["| benchmark | " + " | ".join(f"{heads[k]} 7B / 13B" for k in keys) + " |",
             "|---|" + "---|" * len(keys)]
    for b in sorted(res[keys[0]]):
        cells = [f"{res[k][b]['7B-4T']:.3f} / {res[k][b]['13B-5T']:.3f}" for k in keys]
        lines.append(f"| {b} | " + " | ".join(cells) + " |")
    # mean over both models and the 11 default benchmarks (the README's held-out mean)
    means = [sum(v for b in DEFAULT_FRAME_BENCHMARKS for v in res[k][b].values())
             / (2 * len(DEFAULT_FRAME_BENCHMARKS)) for k in keys]
    lines.append("| **mean (11 default benchmarks)** | "
                 + " | ".join(f"**{m:.3f}**" for m in means) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; see the module docstring.

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
    ap.add_argument("--out", help="write the markdown table here")
    ap.add_argument("--json", help="write the full result as JSON here")
    ap.add_argument("--no-holdout", action="store_true",
                    help="stop after the selection (do not report 7B/13B)")
    ap.add_argument("--from-json", help="re-render the tables from a saved --json result")
    args = ap.parse_args(argv)
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as fh:
            saved = json.load(fh)
        text = _markdown(saved) + ("\n" + _holdout_markdown(saved)
                                   if "holdout_selected" in saved else "")
        print(text)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as fh:
                fh.write(text)
        return 0
    runs = load_reference_runs("olmo-ladder")
    res = select_settings(runs)
    print(_markdown(res))
    print("selected:", json.dumps(res["selected"]))
    if not args.no_holdout:
        sel = res["selected"]
        form = (sel["irreducible"], sel["floor"], sel["param_count"])
        res["holdout_selected"] = _holdout(form, runs)
        if form != SHIPPED:
            res["holdout_shipped"] = _holdout(SHIPPED, runs)
        if PREVIOUS not in (form, SHIPPED):
            res["holdout_previous"] = _holdout(PREVIOUS, runs)
        head = tuple(sel.get("headline_settings", form))
        if head not in (form, SHIPPED, PREVIOUS):
            res["holdout_headline"] = _holdout(head, runs)  # type: ignore[arg-type]
        print(_holdout_markdown(res))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(_markdown(res))
            if not args.no_holdout:
                fh.write("\n" + _holdout_markdown(res))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
