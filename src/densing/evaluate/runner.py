"""Run lm-eval on a model and return densing's tidy score-and-loss table.

Everything heavy is lm-eval's own: its model backends (``hf`` with accelerate for several
GPUs, ``vllm`` where installed, ...), batching and progress bars. densing adds the shipped
task files, the conditional losses (:func:`densing.evaluate.conditional_losses`) and the
tidy table that :class:`ReferenceFrame.fit <densing.ReferenceFrame>` and
``compute_density`` take.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import json
import logging
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from densing._benchmarks import ladder_benchmarks
from densing._io import atomic_write_csv
from densing._lm_eval import RC_PREFIX, num_fewshot, pick_metric, task_names
from densing.evaluate._deps import require
from densing.evaluate.losses import LOSS_UNITS, Normalize, conditional_losses
from densing.exceptions import InputError

#: benchmarks of the default frame's protocol (5-shot ranked classification, OLMo ladder),
#: from the benchmark registry (``densing/data/benchmarks.csv``)
RC_BENCHMARKS: tuple[str, ...] = tuple(ladder_benchmarks())
#: the tiny bundled multiple-choice task (8 documents, for tests and smoke runs)
TINY_TASK = "densing_tiny_mc"
#: columns of the table returned by :func:`evaluate_model`
RESULT_COLUMNS = ["model", "benchmark", "protocol", "score", "stderr", "loss", "loss_unit", "n"]

_DATA_PLACEHOLDER = "__DATA_FILES__"
_FEWSHOT_PLACEHOLDER = "__FEWSHOT_SPLIT__"


def _task_templates() -> Path:
    """The package's task directory (a real directory for editable and wheel installs)."""
    return Path(str(resources.files("densing.evaluate") / "tasks"))


def _render(template: str, test: Path, fewshot: Path | None) -> str:
    files = {"test": str(test.resolve())}
    if fewshot is not None:
        files["train"] = str(fewshot.resolve())
    return template.replace(_DATA_PLACEHOLDER, json.dumps(files)).replace(
        _FEWSHOT_PLACEHOLDER, "train" if fewshot is not None else "test"
    )


def _check_file(path: Any, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{what}: data file not found: {str(p)!r}")
    return p


def write_task_dir(
    dest: str | os.PathLike[str],
    data: Mapping[str, Any] | None = None,
    *,
    include_tiny: bool = True,
) -> Path:
    """Write an lm-eval task directory whose tasks read your local data files.

    The shipped task files (``src/densing/evaluate/tasks``) describe the default frame's
    protocol: 5-shot ranked classification, scored by length-normalised accuracy
    (``acc_norm``), as in the OLMo ladder. They read the dataset from local JSONL files with
    the Hugging Face dataset's own fields (export a split with
    ``datasets.load_dataset(...)[split].to_json(path)``); nothing is fetched from the hub.

    Parameters
    ----------
    dest
        Directory to write (created if needed). Pass it to :func:`evaluate_model` as
        ``task_paths`` or to ``lm_eval.tasks.TaskManager(include_path=...)``.
    data
        Benchmark -> data. The benchmark is one of :data:`RC_BENCHMARKS` (``"hellaswag"``,
        ``"arc_easy"``, ...); the data is the path of the JSONL to evaluate on, or a mapping
        ``{"test": path, "fewshot": path}`` to draw the 5 shots from another split (by default
        they come from the evaluation file itself, never the document being scored). The task
        is then named ``densing_rc_<benchmark>``; all of them share the tag ``densing_rc``.
    include_tiny
        Also write the bundled 8-document task ``densing_tiny_mc`` (data shipped in the
        package).

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    InputError
        An unknown benchmark or a data file that does not exist.
    """
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    templates = _task_templates()
    if include_tiny:
        text = (templates / f"{TINY_TASK}.yaml").read_text(encoding="utf-8")
        tiny_data = templates / f"{TINY_TASK}.jsonl"
        (out / f"{TINY_TASK}.yaml").write_text(_render(text, tiny_data, None), encoding="utf-8")
    for bench, spec in (data or {}).items():
        name = bench[len(RC_PREFIX) :] if bench.startswith(RC_PREFIX) else bench
        if name not in RC_BENCHMARKS:
            hint = difflib.get_close_matches(name, RC_BENCHMARKS, n=1)
            raise InputError(
                f"unknown benchmark {bench!r}; shipped tasks: {', '.join(RC_BENCHMARKS)}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
            )
        if isinstance(spec, Mapping):
            unknown = set(spec) - {"test", "fewshot"}
            if unknown or "test" not in spec:
                raise InputError(
                    f"data for {bench!r} must be a path or {{'test': path, 'fewshot': path}}; "
                    f"got keys {sorted(spec)}"
                )
            test = _check_file(spec["test"], bench)
            fewshot = _check_file(spec["fewshot"], bench) if spec.get("fewshot") else None
        else:
            test, fewshot = _check_file(spec, bench), None
        text = (templates / f"{RC_PREFIX}{name}.yaml").read_text(encoding="utf-8")
        (out / f"{RC_PREFIX}{name}.yaml").write_text(_render(text, test, fewshot), "utf-8")
    shutil.copyfile(templates / "utils.py", out / "utils.py")
    return out


@contextlib.contextmanager
def _quiet(progress: bool) -> Iterator[None]:
    """Silence progress bars (tqdm, datasets, transformers, lm-eval) and info logs.

    lm-eval passes ``disable=`` to its bars explicitly, so ``TQDM_DISABLE`` is not enough:
    bars write to ``sys.stderr`` when they are created, which is sent to ``os.devnull``
    here. Logging handlers keep their own stream, so warnings and errors still show.
    """
    if progress:
        yield
        return
    old_env = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"
    loggers = [logging.getLogger(n) for n in ("lm-eval", "lm_eval", "transformers", "datasets")]
    old_levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    hf_logging: Any = None
    with contextlib.suppress(ImportError):
        from transformers.utils import logging as hf_logging
    bars_were_on = hf_logging.is_progress_bar_enabled() if hf_logging else False
    if hf_logging:
        hf_logging.disable_progress_bar()
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
            yield
    finally:
        if old_env is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = old_env
        for lg, level in zip(loggers, old_levels, strict=True):
            lg.setLevel(level)
        if hf_logging and bars_were_on:
            hf_logging.enable_progress_bar()


def _split_tasks(tasks: str | Sequence[str]) -> list[str]:
    items = tasks.split(",") if isinstance(tasks, str) else list(tasks)
    out = [str(t).strip() for t in items if str(t).strip()]
    if not out:
        raise InputError("no tasks given: pass e.g. tasks=['densing_tiny_mc']")
    return out


def _model_name(model: Any, model_args: Mapping[str, Any]) -> str:
    gguf = model_args.get("gguf_file")
    if isinstance(model, (str, os.PathLike)):
        if gguf:
            return Path(str(gguf)).stem
        return Path(str(model)).name or str(model)
    name = getattr(model, "name_or_path", None) or getattr(
        getattr(model, "config", None), "_name_or_path", None
    )
    return Path(str(name)).name if name else type(model).__name__


def results_table(
    results: Mapping[str, Any],
    *,
    model_name: str,
    normalize: Normalize = "bytes",
    tokenizer: Any = None,
    metric: str | None = None,
) -> pd.DataFrame:
    """Tidy table from the dict returned by ``lm_eval.simple_evaluate(..., log_samples=True)``.

    Parameters
    ----------
    results
        lm-eval's results, with ``"samples"``.
    model_name
        Value of the ``model`` column.
    normalize, tokenizer
        How the conditional loss is normalised (see :func:`conditional_losses`).
    metric
        lm-eval metric used as ``score``; default ``acc_norm``, else ``acc``, else
        ``exact_match``, else the first one reported.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS`: ``model``, ``benchmark``, ``protocol``, ``score``
        (fraction in [0, 1]), ``stderr``, ``loss``, ``loss_unit``, ``n``.
    """
    per_task = results.get("results", {})
    samples = results.get("samples") or {}
    configs = results.get("configs", {})
    n_samples = results.get("n-samples", {})
    rows = []
    for task in configs:
        if task not in per_task:
            continue
        picked = pick_metric(per_task[task], metric, where=f"lm-eval results of {task!r}")
        used, score, err = picked if picked is not None else ("none", math.nan, math.nan)
        shots = num_fewshot(results, task, where=f"lm-eval results of {task!r}")
        bench, protocol, _ = task_names(task, shots, used)
        loss, unit = math.nan, LOSS_UNITS[normalize]
        out_type = configs[task].get("output_type")
        if task in samples and out_type in ("multiple_choice", "loglikelihood"):
            lt = conditional_losses(
                {task: samples[task]},
                normalize=normalize,
                tokenizer=tokenizer,
                output_types={task: out_type},
            )
            loss = float(lt["loss"].iloc[0])
        n = n_samples.get(task, {}).get("effective") if isinstance(n_samples, Mapping) else None
        if n is None:
            n = len(samples.get(task, []))
        rows.append(
            {
                "model": model_name,
                "benchmark": bench,
                "protocol": protocol,
                "score": score,
                "stderr": err,
                "loss": loss,
                "loss_unit": unit,
                "n": int(n),
            }
        )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def evaluate_model(
    model: Any,
    tasks: str | Sequence[str],
    *,
    tokenizer: Any = None,
    model_backend: str = "hf",
    model_args: Mapping[str, Any] | None = None,
    num_fewshot: int | None = None,
    limit: int | float | None = None,
    task_paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    batch_size: int | str = 1,
    device: str | None = "cpu",
    trust_remote_code: bool = False,
    normalize: Normalize = "bytes",
    metric: str | None = None,
    name: str | None = None,
    output_path: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    random_seed: int = 0,
    return_results: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, dict[str, Any]]:
    """Evaluate a model with lm-eval and return scores and conditional losses per benchmark.

    Parameters
    ----------
    model
        A local model directory or hub id (read from the local cache; set
        ``HF_HUB_OFFLINE=1`` to forbid downloads), an already-built
        ``transformers.PreTrainedModel`` (wrapped as ``HFLM(pretrained=model,
        tokenizer=tokenizer)``), or an ``lm_eval.api.model.LM`` instance used as is.
    tasks
        Task names, as a list or a comma-separated string: the shipped ``densing_rc_*`` tasks
        (write them with :func:`write_task_dir`), the bundled ``densing_tiny_mc``, your own
        tasks under ``task_paths`` or any lm-eval task available offline.
    tokenizer
        Tokenizer (object or path) for a model object; for a path lm-eval loads the model's
        own. Also used for ``normalize="tokens"`` (default: the backend's tokenizer).
    model_backend
        lm-eval model type, passed straight through: ``"hf"`` (run under ``accelerate
        launch`` for several GPUs, or pass ``model_args={"parallelize": True}``), ``"vllm"``
        where installed, ...
    model_args
        Extra backend arguments, e.g. ``{"gguf_file": "model.Q4_1.gguf"}`` to load a GGUF
        file from the ``model`` directory, or ``{"dtype": "bfloat16"}``.
    num_fewshot
        Override the tasks' number of shots (the ``densing_rc_*`` tasks default to 5).
    limit
        Evaluate only the first ``limit`` documents per task (or a fraction if < 1).
    task_paths
        Directories with lm-eval task YAML files (e.g. from :func:`write_task_dir`).
    batch_size
        lm-eval batch size (an int or ``"auto"``).
    device
        Device for the ``hf`` backend (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``).
    trust_remote_code
        Allow model code from the model repository to run; off unless you ask for it.
    normalize
        Normalisation of the conditional loss: ``"bytes"`` (bits per byte), ``"tokens"``
        or ``"instance"`` (see :func:`conditional_losses`).
    metric
        lm-eval metric reported as ``score`` (default ``acc_norm``, else ``acc``).
    name
        Value of the ``model`` column (default: the model directory's or GGUF file's name).
    output_path
        If given, lm-eval also writes its results JSON and ``samples_<task>_<date>.jsonl``
        files under this directory.
    progress
        Show lm-eval's progress bars; default: only when stderr is a terminal.
    random_seed
        Seed for lm-eval's few-shot sampling and other randomness.
    return_results
        Also return lm-eval's raw results dict.

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, dict)
        One row per task, columns ``model``, ``benchmark``, ``protocol`` (``rc-5shot`` for
        the shipped tasks at 5 shots, ``<task>-<k>shot`` otherwise), ``score`` (fraction in
        [0, 1]), ``stderr``, ``loss`` (mean conditional loss of the gold answers),
        ``loss_unit`` and ``n`` (documents evaluated).

    Raises
    ------
    InputError
        Unknown task names (with the closest known names), a model path that does not exist,
        or a GGUF file missing from the model directory.
    ImportError
        If the eval extra is missing (``pip install "densing[eval]"``).
    """
    lm_eval = require("lm_eval")
    require("lm_eval.tasks")
    task_list = _split_tasks(tasks)
    args: dict[str, Any] = dict(model_args or {})
    if normalize not in LOSS_UNITS:
        raise InputError(f"normalize={normalize!r} is not one of {sorted(LOSS_UNITS)}")
    if isinstance(model, (str, os.PathLike)):
        path = Path(model).expanduser()
        text = str(model)
        if path.suffix == ".gguf" and "gguf_file" not in args:
            args["gguf_file"] = path.name
            path = path.parent
        looks_local = text.startswith(("/", ".", "~")) or text.count("/") > 1
        if (looks_local or path.suffix == ".gguf") and not path.exists():
            raise InputError(f"model path not found: {text!r}")
        gguf = args.get("gguf_file")
        if gguf and path.is_dir() and not (path / str(gguf)).is_file():
            raise InputError(f"GGUF file {str(gguf)!r} not found in {str(path)!r}")
        model = str(path) if path.exists() else text
    if progress is None:
        progress = sys.stderr.isatty()
    paths = [] if task_paths is None else (
        [task_paths] if isinstance(task_paths, (str, os.PathLike)) else list(task_paths)
    )
    for p in paths:
        if not Path(p).is_dir():
            raise InputError(f"task path is not a directory: {str(p)!r}")
    with tempfile.TemporaryDirectory(prefix="densing_tasks_") as tmp, _quiet(progress):
        bundled = write_task_dir(Path(tmp) / "bundled", include_tiny=True)
        include = [str(bundled)] + [str(Path(p).resolve()) for p in paths]
        # indexing lm-eval's ~15k built-in tasks takes seconds: only when needed
        manager = lm_eval.tasks.TaskManager(include_path=include, include_defaults=False)
        known = set(manager.all_tasks)
        if any(t not in known for t in task_list):
            manager = lm_eval.tasks.TaskManager(include_path=include)
            known = set(manager.all_tasks)
        unknown = [t for t in task_list if t not in known]
        if unknown:
            hints = {t: difflib.get_close_matches(t, sorted(known), n=3) for t in unknown}
            hint = "; ".join(f"{t!r}: did you mean {', '.join(h)}?" for t, h in hints.items() if h)
            raise InputError(
                f"unknown task(s) {', '.join(repr(t) for t in unknown)}"
                + (f" ({hint})" if hint else "")
                + "; shipped tasks are densing_tiny_mc and densing_rc_<benchmark> "
                "(write them with densing.evaluate.write_task_dir), or pass --task-path DIR"
            )
        lm = _build_lm(model, tokenizer, model_backend, args, batch_size, device,
                       trust_remote_code)
        tracker = None
        if output_path is not None:
            tracker = require("lm_eval.loggers").EvaluationTracker(output_path=str(output_path))
        results = lm_eval.simple_evaluate(
            model=lm,
            tasks=task_list,
            num_fewshot=num_fewshot,
            limit=limit,
            task_manager=manager,
            log_samples=True,
            evaluation_tracker=tracker,
            random_seed=random_seed,
            numpy_random_seed=random_seed,
            torch_random_seed=random_seed,
            fewshot_random_seed=random_seed,
        )
        if results is None:  # non-zero rank under accelerate: rank 0 reports
            return pd.DataFrame(columns=RESULT_COLUMNS)
        tok = tokenizer if tokenizer is not None else getattr(lm, "tokenizer", None)
        table = results_table(
            results,
            model_name=name or _model_name(model, args),
            normalize=normalize,
            tokenizer=tok if normalize == "tokens" else None,
            metric=metric,
        )
        if tracker is not None:
            # lm-eval turns the samples into strings in place while saving: save a copy
            saved = copy.deepcopy(results["samples"])
            tracker.save_results_aggregated(results=results, samples=saved)
            for task in results["configs"]:
                if task in saved:
                    tracker.save_results_samples(task_name=task, samples=saved[task])
    if return_results:
        return table, results
    return table


def _build_lm(
    model: Any,
    tokenizer: Any,
    backend: str,
    args: dict[str, Any],
    batch_size: int | str,
    device: str | None,
    trust_remote_code: bool,
) -> Any:
    """Build the lm-eval ``LM`` through lm-eval's own model registry."""
    lm_eval_api = require("lm_eval.api.model")
    if isinstance(model, lm_eval_api.LM):
        return model
    args.setdefault("trust_remote_code", trust_remote_code)
    if isinstance(model, (str, os.PathLike)):
        args["pretrained"] = str(model)
    else:
        args["pretrained"] = model
    if tokenizer is not None:
        args["tokenizer"] = tokenizer
    from densing.evaluate.engine import create_lm

    return create_lm(backend, args, batch_size, device)


def write_csv_atomic(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a CSV atomically: to a temporary file in the same directory, then rename.

    Parameters
    ----------
    df
        The table to write.
    path
        Destination; never left half-written.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return atomic_write_csv(df, path)


def to_reference_runs(
    table: pd.DataFrame,
    *,
    run: str,
    n_params: float,
    tokens: float,
    step: int = 0,
    is_final: bool = True,
    n_params_total: float | None = None,
) -> pd.DataFrame:
    """Turn one checkpoint's :func:`evaluate_model` table into reference-run rows.

    Concatenate the rows of every run and checkpoint of your reference family and pass them to
    :meth:`densing.reference.ReferenceFrame.fit` to build your own frame.

    Parameters
    ----------
    table
        Output of :func:`evaluate_model` (needs ``benchmark``, ``protocol``, ``score`` and
        ``loss``).
    run
        Name of the training run the checkpoint belongs to.
    n_params
        The model's parameter count in the convention the frame will use (e.g.
        ``count_parameters(path)["non_embedding"]``).
    tokens
        Training tokens seen at this checkpoint.
    step
        Training step of the checkpoint.
    is_final
        Whether this is the run's final checkpoint (step 1 of the frame uses only those).
    n_params_total
        Total parameter count, when ``n_params`` is not the total.

    Returns
    -------
    pandas.DataFrame
        Columns ``run, n_params, n_params_total, tokens, step, is_final, benchmark, loss,
        score, protocol``.
    """
    need = {"benchmark", "protocol", "score", "loss"}
    missing = sorted(need - set(table.columns))
    if missing:
        raise InputError(f"table is missing column(s) {missing}; pass evaluate_model() output")
    for name, value in (("n_params", n_params), ("tokens", tokens)):
        if not isinstance(value, (int, float)) or not value > 0 or value != value:
            raise InputError(f"{name} must be a positive number (raw count); got {value!r}")
    if float(n_params) < 1e4:
        raise InputError(f"n_params={n_params!r} looks like billions; pass a raw count")
    if table["loss"].isna().any():
        bench = table.loc[table["loss"].isna(), "benchmark"].iloc[0]
        raise InputError(f"benchmark {bench!r} has no loss; evaluate with log_samples")
    out = table[["benchmark", "protocol", "score", "loss"]].copy()
    out.insert(0, "run", run)
    out.insert(1, "n_params", float(n_params))
    out.insert(2, "n_params_total", float(n_params_total if n_params_total else n_params))
    out.insert(3, "tokens", float(tokens))
    out.insert(4, "step", int(step))
    out.insert(5, "is_final", bool(is_final))
    return out.reset_index(drop=True)


__all__ = [
    "RC_BENCHMARKS",
    "RESULT_COLUMNS",
    "TINY_TASK",
    "evaluate_model",
    "results_table",
    "to_reference_runs",
    "write_csv_atomic",
    "write_task_dir",
]
