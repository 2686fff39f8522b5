"""How lm-eval task names and result entries become densing benchmarks, protocols and scores.

Shared by :mod:`densing.evaluate` (results of a run) and :mod:`densing.leaderboard` (results
files added to a leaderboard), so a score means the same protocol wherever it comes from.
Imports nothing from lm-eval.

- densing's shipped tasks ``densing_rc_<benchmark>`` -> ``<benchmark>`` with protocol
  ``rc-<k>shot`` (the default frame's ``rc-5shot`` when k = 5);
- lm-eval's own tasks in :data:`LM_EVAL_TASKS` -> the canonical benchmark name with protocol
  ``lm-eval:<task>-<k>shot-<metric>``: their prompt formats differ from the frame's, so they
  only map onto it through an explicit ``protocol_map``;
- any other task keeps its name as benchmark, with the same ``lm-eval:`` protocol form.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from densing.exceptions import DataFormatError

#: prefix of densing's shipped ranked-classification tasks
RC_PREFIX = "densing_rc_"
#: protocol of the shipped tasks at 5 shots (the OLMo ladder's)
RC_PROTOCOL = "rc-5shot"

#: lm-eval's own task names -> densing's canonical benchmark names
LM_EVAL_TASKS: dict[str, str] = {
    "hellaswag": "hellaswag",
    "arc_challenge": "arc_challenge",
    "arc_easy": "arc_easy",
    "piqa": "piqa",
    "winogrande": "winogrande",
    "openbookqa": "openbookqa",
    "boolq": "boolq",
    "mmlu": "mmlu",
    "commonsense_qa": "csqa",
    "social_iqa": "socialiqa",
    "siqa": "socialiqa",
}

#: metrics taken as the score, in order of preference
METRIC_PREFERENCE = ("acc_norm", "acc", "exact_match")


def task_names(task: str, shots: int, metric: str) -> tuple[str, str, bool]:
    """Benchmark and protocol of an lm-eval task.

    Parameters
    ----------
    task
        lm-eval task name.
    shots
        Number of few-shot examples.
    metric
        The metric taken as the score (e.g. ``acc_norm``).

    Returns
    -------
    benchmark, protocol, known
        ``known`` is False for tasks densing has no canonical benchmark for.
    """
    if task.startswith(RC_PREFIX):
        return task[len(RC_PREFIX):], RC_PROTOCOL if shots == 5 else f"rc-{shots}shot", True
    protocol = f"lm-eval:{task}-{shots}shot-{metric}"
    if task in LM_EVAL_TASKS:
        return LM_EVAL_TASKS[task], protocol, True
    return task, protocol, False


def pick_metric(
    res: Mapping[str, Any], metric: str | None = None, where: str = "lm-eval results"
) -> tuple[str, float, float] | None:
    """The score and its standard error from one task's lm-eval result entry.

    Parameters
    ----------
    res
        ``results[task]``: keys like ``"acc_norm,none"`` and ``"acc_norm_stderr,none"``.
    metric
        The metric to take; default the first of :data:`METRIC_PREFERENCE` present, else the
        first reported.
    where
        The file or object named in error messages.

    Returns
    -------
    tuple or None
        ``(metric, score, stderr)``; ``stderr`` is NaN when lm-eval wrote ``"N/A"``. ``None``
        when the entry reports no usable metric.

    Raises
    ------
    DataFormatError
        When the score is not a number (e.g. text in a hand-edited file).
    """
    metrics: dict[str, str] = {}
    for key in res:
        if "," not in str(key):
            continue
        name, flt = str(key).split(",", 1)
        if not name.endswith("_stderr"):
            metrics.setdefault(name, flt)
    if metric is None:
        metric = next((m for m in METRIC_PREFERENCE if m in metrics), next(iter(metrics), None))
    if metric is None or metric not in metrics:
        return None
    flt = metrics[metric]
    raw = res[f"{metric},{flt}"]
    try:
        score = float(raw)
    except (TypeError, ValueError):
        raise DataFormatError(
            f"{where}: metric {metric!r} is not a number: {raw!r}; re-run the evaluation or fix "
            "the results file"
        ) from None
    err_raw = res.get(f"{metric}_stderr,{flt}")
    try:
        err = float(err_raw) if err_raw is not None else math.nan
    except (TypeError, ValueError):
        err = math.nan  # lm-eval writes "N/A" when it computed no standard error
    return metric, score, err
