"""From a model to its density in one call: evaluate, count parameters, invert.

:func:`measure_model` runs :func:`~densing.evaluate.ladder.evaluate_benchmarks` on the
frame's own protocol, counts the parameters with
:func:`~densing.evaluate.params.count_parameters` in the frame's convention, and returns the
densities of :func:`densing.compute_density` per benchmark and for the frame's averaged
benchmarks, with two routes to the effective parameter count:

- the **score route** (``n_hat``): the paper's two steps, score -> loss (sigmoid) -> N at D0;
- the **loss route** (``n_hat_loss``): the measured gold-answer bits per byte inverted by
  step 1 alone at D0, skipping the sigmoid. Both use the same loss law; where they disagree,
  the model's score-loss relation differs from the reference family's.

When the model's training tokens are known, ``loss_predicted`` is the frame's step-1 loss at
the model's own (N, D), to set beside the measured ``loss``: a check of step 1 across model
families.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from densing._summary import Summary
from densing._validation import (
    check_param_count,
    check_param_count_name,
    check_release_date,
    check_tokens,
)
from densing.conventions import MODEL_PARAM_COUNTS
from densing.density import compute_density, resolve_frame
from densing.evaluate._options import eval_options, takes_eval_options
from densing.evaluate.ladder import evaluate_benchmarks
from densing.evaluate.params import count_parameters
from densing.exceptions import InputError

__all__ = ["MEASURE_COLUMNS", "Measurement", "count_model_parameters", "measure_model",
           "loss_route"]

#: columns of :attr:`Measurement.densities`
MEASURE_COLUMNS = [
    "model", "benchmark", "score", "stderr", "loss", "n_params", "n_hat", "n_hat_low",
    "n_hat_high", "density", "density_low", "density_high", "status", "n_hat_loss",
    "density_loss", "loss_predicted", "flags",
]


@dataclass
class Measurement:
    """The result of :func:`measure_model`.

    Attributes
    ----------
    model
        The model's name.
    n_params
        Parameter count used (in the frame's convention).
    param_count
        That convention (``"total"``, ``"non_embedding"`` or ``"active"``).
    scores
        The evaluation table (``model, benchmark, protocol, score, stderr, loss, loss_unit,
        n``).
    densities
        One row per benchmark and averaged benchmark, columns :data:`MEASURE_COLUMNS`.
    frame
        The frame's name or path.
    tokens
        The data budget D0 of the inversions.
    """

    model: str
    n_params: float
    param_count: str
    scores: pd.DataFrame
    densities: pd.DataFrame
    frame: str
    tokens: float
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON: the headline fields and both tables as records."""
        from densing._io import to_plain

        return {
            "model": self.model,
            "n_params": self.n_params,
            "param_count": self.param_count,
            "frame": self.frame,
            "tokens": self.tokens,
            "scores": to_plain(self.scores.to_dict(orient="records")),
            "densities": to_plain(self.densities.to_dict(orient="records")),
        }

    def summary(self) -> Summary:
        """The measurement as a :class:`~densing.Summary` (it prints nothing).

        Returns
        -------
        Summary
            The model, its parameter count and the frame first, then one row per benchmark:
            score, loss, N_hat, density with its interval, status, the loss-route density.
        """
        cols = ["benchmark", "score", "loss", "n_hat", "density", "density_low",
                "density_high", "status", "n_hat_loss", "density_loss", "flags"]
        if self.densities["loss_predicted"].notna().any():
            cols.insert(cols.index("n_hat_loss"), "loss_predicted")
        ok = self.densities[self.densities["status"] == "ok"]
        return Summary(
            f"densing measure: {self.model}",
            header=[
                ("parameters", f"{self.n_params:,.0f} ({self.param_count})"),
                ("frame", f"{self.frame}, D0 = {self.tokens:.3g} tokens"),
                ("densities", f"{len(ok)} of {len(self.densities)} ok"),
            ],
        ).add_table(self.densities[cols])

    def print_summary(self) -> None:
        """Print :meth:`summary` as text."""
        print(self.summary().as_text())

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        ok = self.densities[self.densities["status"] == "ok"]
        return (
            f"<Measurement {self.model}: {len(self.scores)} benchmarks, "
            f"{len(ok)}/{len(self.densities)} densities ok>"
        )


def loss_route(
    frame: Any, losses: pd.Series, tokens: float | None = None
) -> pd.Series:
    """N at D0 that the frame's loss law gives for measured gold-answer losses (step 1 only).

    Parameters
    ----------
    frame
        A fitted :class:`~densing.reference.ReferenceFrame` or its name.
    losses
        Bits per byte, indexed by benchmark (averaged benchmarks of the frame are filled in
        from their tasks when all are present).
    tokens
        D0; default the frame's.

    Returns
    -------
    pandas.Series
        ``n_hat_loss`` by benchmark: NaN at or below the law's loss floor at D0.
    """
    fr = resolve_frame(frame)
    d0 = float(fr.tokens if tokens is None else tokens)
    fits = fr.fits_ or {}
    out: dict[str, float] = {}
    for bench, fit in fits.items():
        tasks = tuple(fit.tasks or ())
        if tasks:
            if not all(t in losses.index for t in tasks):
                continue
            loss = float(np.mean([losses[t] for t in tasks]))
        elif bench in losses.index:
            loss = float(losses[bench])
        else:
            continue
        if not math.isfinite(loss):
            continue
        out[bench] = float(fit.loss_law.params_for_loss(loss, d0))
    return pd.Series(out, name="n_hat_loss", dtype=float)


def _flags(row: pd.Series) -> str:
    flags = []
    if bool(row.get("extrapolated", False)):
        flags.append("extrapolated")
    if bool(row.get("beyond_reference_score", False)):
        flags.append("beyond_reference_score")
    return ",".join(flags)


def _counts(model: Any, gguf_file: str | None, trust_remote_code: bool) -> dict[str, Any]:
    target: Any = model
    if gguf_file:
        target = Path(str(model)) / gguf_file
    elif isinstance(model, (str, os.PathLike)) and not Path(str(model)).exists():
        target = str(model)
    return count_parameters(target, trust_remote_code=trust_remote_code)


def count_model_parameters(model: Any, convention: str, *, gguf_file: str | None = None,
                           trust_remote_code: bool = False) -> float:
    """A model's parameter count in a convention, counted as :func:`measure_model` counts it.

    Parameters
    ----------
    model
        A model directory, ``.gguf`` file, cached hub id or ``torch.nn.Module``.
    convention
        ``"total"``, ``"non_embedding"`` or ``"active"``.
    gguf_file
        GGUF file inside the ``model`` directory.
    trust_remote_code
        Passed to :func:`~densing.evaluate.params.count_parameters`.

    Returns
    -------
    float
        The count.

    Raises
    ------
    InputError
        An unknown convention or a model that cannot be counted.
    """
    check_param_count_name(convention, MODEL_PARAM_COUNTS)
    return float(_counts(model, gguf_file, trust_remote_code)[convention])


@takes_eval_options
def measure_model(
    model: Any,
    benchmarks: str | Sequence[str] | None = None,
    *,
    params: float | str = "auto",
    release_date: str | None = None,
    training_tokens: float | None = None,
    frame: Any = "olmo-ladder",
    tokens: float | None = None,
    scores: pd.DataFrame | None = None,
    **options: Any,
) -> Measurement:
    """Evaluate a model on the frame's protocol and return its densities.

    Parameters
    ----------
    model
        A model directory, ``.gguf`` file or cached hub id.
    benchmarks
        Comma-separated names, a list, or ``"all"`` (default).
    params
        ``"auto"`` (count with :func:`count_parameters` in the frame's convention) or a raw
        count.
    release_date
        ISO date, kept in the table for ``densing trend``.
    training_tokens
        The model's training tokens, if known: adds the frame's predicted loss at (N, D).
    frame, tokens
        Reference frame (name, path or object) and data budget D0 (default the frame's).
    scores
        An evaluation table to use instead of evaluating (for tests and re-runs).
    **options
        The evaluation keywords, each a field of :class:`~densing.evaluate.EvalOptions`
        (``gguf_file``, ``limit``, ``name``, ``backend``, ``batch_size``, ``device``,
        ``dtype``, ``trust_remote_code``, ``variant``, ``progress``, ``threads``, ``cache``,
        ``cache_dir``), passed to :func:`~densing.evaluate.ladder.evaluate_benchmarks`;
        ``gguf_file`` and ``trust_remote_code`` also serve ``params="auto"``.

    Returns
    -------
    Measurement
        Scores, parameter count and the densities table (:data:`MEASURE_COLUMNS`).

    Raises
    ------
    InputError
        Bad parameters, benchmarks or model path.
    """
    opts = eval_options("measure_model", options)
    fr = resolve_frame(frame)
    d0 = float(fr.tokens if tokens is None else tokens)
    counts: dict[str, Any] = {}
    if isinstance(params, str):
        if params != "auto":
            raise InputError(f"params must be 'auto' or a raw count; got {params!r}")
        counts = _counts(model, opts.gguf_file, opts.trust_remote_code)
        n_params = float(counts[fr.param_count])
    else:
        n_params = check_param_count(params, "params")
    if release_date is not None:
        check_release_date(release_date, "release_date")
    if scores is None:
        result = evaluate_benchmarks(model, benchmarks, **options)
        assert isinstance(result, pd.DataFrame)
        scores = result
    model_name = str(scores["model"].iloc[0])
    models = pd.DataFrame(
        {"model": [model_name], "n_params": [n_params], "release_date": [release_date]}
    )
    if fr.param_count == "non_embedding":
        models["n_params_nonembedding"] = n_params
    elif fr.param_count == "active":
        models["active_params"] = n_params
    dens = compute_density(
        scores[["model", "benchmark", "protocol", "score", "stderr"]], models, fr,
        tokens=d0, param_count=None,  # the frame's own convention
    )
    losses = scores.set_index("benchmark")["loss"].astype(float)
    n_loss = loss_route(fr, losses, d0)
    dens = dens.merge(scores[["benchmark", "loss"]], on="benchmark", how="left")
    avg_loss = {b: float(np.mean([losses[t] for t in (f.tasks or ())]))
                for b, f in (fr.fits_ or {}).items()
                if f.tasks and all(t in losses.index for t in f.tasks)}
    dens["loss"] = dens["loss"].fillna(dens["benchmark"].map(avg_loss))
    dens["n_hat_loss"] = dens["benchmark"].map(n_loss).astype(float)
    dens["density_loss"] = dens["n_hat_loss"] / n_params
    if training_tokens is not None:
        training_tokens = check_tokens(training_tokens, "training_tokens")
        fits = fr.fits_ or {}
        dens["loss_predicted"] = [
            float(fr.predict_loss(n_params, float(training_tokens), b)) if b in fits else math.nan
            for b in dens["benchmark"]
        ]
    else:
        dens["loss_predicted"] = math.nan
    dens["flags"] = dens.apply(_flags, axis=1) if len(dens) else ""
    if "stderr" not in dens.columns:
        dens["stderr"] = math.nan
    frame_name = frame if isinstance(frame, str) else type(frame).__name__
    return Measurement(
        model=model_name,
        n_params=n_params,
        param_count=fr.param_count,
        scores=scores,
        densities=dens[MEASURE_COLUMNS].reset_index(drop=True),
        frame=str(frame_name),
        tokens=d0,
        params=counts,
    )
