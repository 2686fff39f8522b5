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

import json
import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from densing._benchmarks import ladder_benchmarks
from densing.exceptions import DataFormatError, DensingWarning, InputError

__all__ = [
    "LM_EVAL_TASKS",
    "METRIC_PREFERENCE",
    "RC_PREFIX",
    "RC_PROTOCOL",
    "num_fewshot",
    "pick_metric",
    "scores_from_lm_eval",
    "task_names",
]

#: prefix of densing's shipped ranked-classification tasks
RC_PREFIX = "densing_rc_"
#: protocol of the shipped tasks at 5 shots (the OLMo ladder's)
RC_PROTOCOL = "rc-5shot"

#: lm-eval's own task names -> densing's canonical benchmark names
LM_EVAL_TASKS: dict[str, str] = {
    task: name for name, b in ladder_benchmarks().items() for task in b.lm_eval_tasks
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


def num_fewshot(data: Mapping[str, Any], task: str, where: str = "lm-eval results") -> int:
    """The number of few-shot examples of ``task`` in lm-eval's results.

    Parameters
    ----------
    data
        lm-eval's results dict (``configs[task]["num_fewshot"]``, else ``n-shot[task]``).
    task
        The task name.
    where
        The file or object named in error messages.

    Returns
    -------
    int
        The shot count.

    Raises
    ------
    DataFormatError
        When neither place gives a whole number: the protocol needs the shot count.
    """
    configs = data.get("configs") or {}
    n_shot = data.get("n-shot") or {}
    cfg = configs.get(task) if isinstance(configs, Mapping) else None
    k = cfg.get("num_fewshot") if isinstance(cfg, Mapping) else None
    if k is None and isinstance(n_shot, Mapping):
        k = n_shot.get(task)
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k) \
            or k < 0 or int(k) != k:
        raise DataFormatError(
            f"{where}: no num_fewshot for task {task!r} (configs[task]['num_fewshot'] or "
            f"n-shot[task]; got {k!r}); the protocol needs the shot count"
        )
    return int(k)


def _load_results(results: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[Any, str]:
    if isinstance(results, Mapping):
        return results, "lm-eval results"
    path = Path(results)
    if not path.is_file():
        raise InputError(f"lm-eval results file not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8")), str(path)
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            f"{path}: not valid JSON (truncated or corrupt?): {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from None
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except RecursionError:
        raise DataFormatError(f"{path}: JSON nested too deeply") from None


def scores_from_lm_eval(results: str | os.PathLike[str] | Mapping[str, Any],
                        model: str | None = None) -> pd.DataFrame:
    """Scores from an lm-eval ``results_*.json`` (the file, or the loaded dict).

    Parameters
    ----------
    results
        Path to the JSON file lm-eval writes, or its content as a dict (keys ``results``
        and ``configs``; ``n-shot`` is used when ``configs`` lacks ``num_fewshot``).
    model
        Value of the ``model`` column (default: lm-eval's ``model_name``, else ``""``).

    Returns
    -------
    pandas.DataFrame
        Columns ``model, benchmark, protocol, score, stderr``; see the module docstring for
        how task names map onto benchmarks and protocols. Tasks that map to no benchmark are
        skipped with a :class:`~densing.DensingWarning`.

    Raises
    ------
    densing.DataFormatError
        When the file is not valid JSON (e.g. truncated), lacks ``results``, or a task lacks
        its shot count.
    densing.InputError
        When no task maps to a benchmark (e.g. only a smoke-test task).
    """
    data, where = _load_results(results)
    if not isinstance(data, Mapping) or not isinstance(data.get("results"), Mapping):
        raise DataFormatError(
            f"{where}: no 'results' mapping; expected lm-eval's results_*.json "
            "(results[task]['acc_norm,none'], configs[task]['num_fewshot'])"
        )
    name = model if model is not None else str(data.get("model_name") or "")
    rows, skipped = [], []
    for task, res in data["results"].items():
        task = str(task)
        if not (task.startswith(RC_PREFIX) or task in LM_EVAL_TASKS):
            skipped.append(task)
            continue
        if not isinstance(res, Mapping):
            raise DataFormatError(f"{where}: results[{task!r}] is not a mapping")
        picked = pick_metric(res, where=f"{where}: task {task!r}")
        if picked is None or picked[0] not in ("acc_norm", "acc"):
            raise DataFormatError(f"{where}: task {task!r} reports neither acc_norm nor acc")
        metric, score, err = picked
        bench, protocol, _ = task_names(task, num_fewshot(data, task, where), metric)
        rows.append({"model": name, "benchmark": bench, "protocol": protocol,
                     "score": score, "stderr": err})
    listed = f"{', '.join(sorted(skipped)[:8])}{' ...' if len(skipped) > 8 else ''}"
    if not rows:
        raise InputError(
            f"{where}: no task maps to a benchmark (tasks: {listed or 'none'}); densing reads "
            f"{RC_PREFIX}<benchmark> tasks and lm-eval's {', '.join(sorted(LM_EVAL_TASKS))}"
        )
    if skipped:
        warnings.warn(
            f"{where}: skipped {len(skipped)} task(s) that map to no benchmark: {listed}",
            DensingWarning,
            stacklevel=2,
        )
    return pd.DataFrame(rows, columns=["model", "benchmark", "protocol", "score", "stderr"])
