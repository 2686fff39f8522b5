"""Capability density of target models against a reference frame.

``rho = N_hat / N``: the effective parameter count that the reference frame needs to reach a
model's score, over the model's actual parameter count. Computed per benchmark and for the
frame's averaged benchmarks (the paper's rule: average the *scores* over the benchmarks, then
invert once); :func:`model_densities` also offers the geometric mean of per-benchmark
densities.

Scores are only comparable to a frame fitted on the same protocol (prompt format, shots,
metric; docs/method.md#trap-protocols). A score whose protocol differs from the frame's is kept
with the
status ``protocol_mismatch`` unless the caller maps it explicitly with ``protocol_map``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from densing._benchmarks import benchmarks
from densing._validation import (
    check_ci,
    check_param_count_name,
    check_param_counts,
    check_protocol_map,
    check_random_state,
    check_release_dates,
    check_score_table,
    check_tokens,
    check_unique_columns,
)
from densing.conventions import (
    MODEL_PARAM_COUNTS,
    PARAM_COUNT_CONVENTIONS,
    ParamCount,
    frame_model_param_count,
    model_column,
)
from densing.exceptions import DensingWarning, ExtrapolationWarning, InputError
from densing.reference import (
    DEFAULT_BENCHMARK,
    EXTRAPOLATION_FACTOR,
    ReferenceFrame,
    average_tasks,
    draws_interval,
    resolve_frame,
)
from densing.reference._defaults import LLV1_PROTOCOL_MAP

#: evaluated items per benchmark, for the binomial standard error of a score: the
#: ``n_items`` column of the benchmark registry (``densing/data/benchmarks.csv``, built from
#: ``scripts/curated/benchmark_sizes.csv``; each size's source is in ``densing/data/SOURCES.md``)
BENCHMARK_SIZES: dict[str, int] = {name: b.n_items for name, b in benchmarks().items()}

DENSITY_COLUMNS = [
    "model", "benchmark", "protocol", "score", "n_params", "release_date", "n_hat",
    "n_hat_low", "n_hat_high", "density", "density_low", "density_high", "status",
    "extrapolated", "beyond_reference_score",
]


def _validate_scores(scores: Any) -> pd.DataFrame:
    """The score table through the one rule (:func:`densing._validation.check_score_table`)."""
    df = check_score_table(scores)
    if df.empty:
        raise InputError("scores is empty: give at least one (model, benchmark, score) row")
    dup = df.duplicated(["model", "benchmark", "protocol"], keep=False)
    if dup.any():
        row = df.loc[dup].iloc[0]
        raise InputError(
            f"duplicate score rows for model {row['model']!r}, benchmark {row['benchmark']!r}, "
            f"protocol {row['protocol']!r}: keep one row per (model, benchmark, protocol)"
        )
    return df


def _validate_models(models: Any, param_count: str) -> pd.DataFrame:
    name = check_param_count_name(param_count, MODEL_PARAM_COUNTS)
    if not isinstance(models, pd.DataFrame):
        raise InputError(f"models must be a pandas DataFrame; got {type(models).__name__}")
    check_unique_columns(models.columns, "models")
    need = ["model", "n_params", "release_date"]
    missing = [c for c in need if c not in models.columns]
    if missing:
        raise InputError(f"models is missing column(s) {missing}; required: {need}")
    df = models.copy()
    dup = df["model"].duplicated()
    if dup.any():
        raise InputError(f"model {df.loc[dup, 'model'].iloc[0]!r} appears twice in models")
    try:
        df["n_params"] = pd.to_numeric(df["n_params"], errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"n_params must be a raw count such as 7e9 (not text like '7B'): {exc}"
        ) from exc
    convention = PARAM_COUNT_CONVENTIONS[name]
    col = model_column(name)
    if col not in df.columns:
        raise InputError(
            f"param_count={name!r} needs a column {col!r} in models (the frame counts "
            f"parameters as {name!r}: add that count, e.g. from `densing params`, or pass "
            "param_count='total' to mix conventions, with a warning)"
        )
    n = pd.to_numeric(df[col], errors="coerce").astype(float)
    if convention.model_fallback is not None:  # dense models: active == total
        n = n.fillna(df[convention.model_fallback])
    df["_n"] = n
    labels = df["model"].tolist()
    check_param_counts(n.to_numpy(), col, labels=labels, allow_missing=True)
    if col != "n_params":  # the required total count is checked too, used or not
        check_param_counts(df["n_params"].to_numpy(), "n_params", labels=labels,
                           allow_missing=True)
    check_release_dates(df["release_date"].tolist(), labels=labels, allow_missing=True)
    df["release_date"] = pd.to_datetime(df["release_date"], errors="coerce", format="ISO8601")
    return df


def compute_density(
    scores: pd.DataFrame,
    models: pd.DataFrame | None = None,
    frame: ReferenceFrame | str | os.PathLike[str] | None = None,
    *,
    tokens: float | None = None,
    param_count: ParamCount | None = None,
    protocol_map: Mapping[str, str] | None = None,
    score_noise: bool = False,
    random_state: int | None = 0,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Densities of target models, one row per model and benchmark.

    Parameters
    ----------
    scores
        Columns ``model``, ``benchmark``, ``protocol``, ``score`` (fraction), optional
        ``stderr``.
    models
        Columns ``model``, ``n_params`` (raw total count), ``release_date`` (ISO), and
        ``n_params_nonembedding`` / ``active_params`` for the other conventions. Default: the
        bundled :func:`densing.datasets.load_models`.
    frame
        Reference frame, its name, or a saved JSON path (default ``"olmo-ladder"``).
    tokens
        Data budget ``D0`` of the inversion (default: the frame's, 1T).
    param_count
        ``"total"``, ``"non_embedding"`` or ``"active"`` (MoE; equals total for dense
        models). Compare like with like: the frame's runs are counted as its
        ``param_count`` says. ``None`` (default) uses the frame's convention
        (``non_embedding`` for the bundled frames: column ``n_params_nonembedding``), or
        ``n_params`` when ``models`` lacks that column; a convention other than the
        frame's warns (docs/method.md#trap-param-conventions).
    protocol_map
        Explicit mapping of score protocols onto the frame's protocol (e.g.
        :data:`LLV1_PROTOCOL_MAP`); unmapped mismatches get the status ``protocol_mismatch``.
    score_noise
        With a bootstrapped frame and a ``stderr`` column, also perturb each score by its
        standard error in every draw, so the interval includes the score's own noise.
    random_state
        Seed of the score perturbations.
    ci
        Confidence level of the intervals (needs a bootstrapped frame).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DENSITY_COLUMNS`: per-benchmark rows, plus rows for each averaged
        benchmark of the frame for models that have all its tasks (score = mean of the task
        scores). ``status`` is ``ok``, a censoring status (``below_floor``,
        ``above_ceiling``, ``above_frame_range``; density 0 or inf), ``protocol_mismatch``,
        ``unknown_benchmark`` or ``missing_params`` (density NaN).
    """
    level = check_ci(ci)
    seed = check_random_state(random_state)
    pmap = check_protocol_map(protocol_map) or {}
    fr = resolve_frame(frame)
    d0 = check_tokens(fr.tokens if tokens is None else tokens)
    sc = _validate_scores(scores)
    models = load_default_models() if models is None else models
    if param_count is None:
        param_count = frame_model_param_count(fr)
        if isinstance(models, pd.DataFrame) and model_column(param_count) not in models.columns:
            param_count = "total"  # a table with one count: used, with the warning below
    md = _validate_models(models, param_count)
    if (param_count == "non_embedding") != (fr.param_count == "non_embedding"):
        warnings.warn(
            f"targets counted as {param_count!r} but the frame's runs as {fr.param_count!r}: "
            "densities mix parameter conventions (docs/method.md#trap-param-conventions)"
            + ("; add the column n_params_nonembedding (`densing params` counts it)"
               if fr.param_count == "non_embedding" else ""),
            DensingWarning,
            stacklevel=2,
        )
    unknown = sorted(set(sc["model"]) - set(md["model"]))
    if unknown:
        raise InputError(
            f"{len(unknown)} scored model(s) missing from the models table, e.g. {unknown[:3]}; "
            "add them with n_params and release_date"
        )
    frame_protocols = fr.protocol_
    sc["_protocol"] = sc["protocol"].map(lambda p: pmap.get(p, p))
    sc["status"] = "ok"
    sc.loc[~sc["benchmark"].isin(frame_protocols), "status"] = "unknown_benchmark"
    known = sc["status"] == "ok"
    expected = sc.loc[known, "benchmark"].map(frame_protocols)
    sc.loc[known & (sc["_protocol"] != expected.reindex(sc.index)), "status"] = (
        "protocol_mismatch"
    )
    usable = sc[sc["status"] == "ok"]
    dup = usable.duplicated(["model", "benchmark"], keep=False)
    if dup.any():
        row = usable.loc[dup].iloc[0]
        raise InputError(
            f"model {row['model']!r} has several scores on {row['benchmark']!r} that map to the "
            "frame's protocol; keep one"
        )
    # averaged benchmarks: mean of the task scores (the paper's rule), one implementation
    # with the reference runs' averages (densing.reference.averages)
    avg_rows = []
    for bench in fr.benchmarks_:
        tasks = fr[bench].tasks
        if not tasks:
            continue
        g = average_tasks(usable, tasks, ["model"], mean_cols=["score"],
                          stderr_col="stderr" if "stderr" in usable.columns else None)
        if g is None:
            continue
        g["benchmark"] = bench
        g["protocol"] = frame_protocols[bench]
        g["_protocol"] = frame_protocols[bench]
        g["status"] = "ok"
        avg_rows.append(g)
    allrows = pd.concat([sc, *avg_rows], ignore_index=True) if avg_rows else sc
    allrows = allrows.merge(md[["model", "_n", "release_date"]], on="model", how="left")
    allrows = allrows.rename(columns={"_n": "n_params"})
    allrows.loc[(allrows["status"] == "ok") & allrows["n_params"].isna(), "status"] = (
        "missing_params"
    )
    for col in ("n_hat", "n_hat_low", "n_hat_high"):
        allrows[col] = np.nan
    allrows["extrapolated"] = False
    allrows["beyond_reference_score"] = False
    rng = np.random.default_rng(seed)
    far: list[str] = []
    for bench_key, idx in allrows[allrows["status"] == "ok"].groupby("benchmark").groups.items():
        fit = fr[str(bench_key)]
        rows = allrows.loc[idx]
        scores_ok = rows["score"].to_numpy(dtype=float)
        inv = fit.invert(scores_ok, d0, ci=level)
        allrows.loc[idx, "n_hat"] = inv.n_hat
        allrows.loc[idx, "n_hat_low"] = inv.n_hat_low
        allrows.loc[idx, "n_hat_high"] = inv.n_hat_high
        allrows.loc[idx, "status"] = inv.status
        allrows.loc[idx, "extrapolated"] = inv.extrapolated
        allrows.loc[idx, "beyond_reference_score"] = inv.beyond_reference_score
        far += [f"{m} on {fit.benchmark}" for m in rows["model"][inv.far_beyond_sizes]]
        if score_noise and fit.has_draws and "stderr" in rows.columns:
            se = rows["stderr"].fillna(0.0).to_numpy()
            z = rng.standard_normal((fit.n_draws, len(rows)))
            noisy = np.clip(scores_ok + z * se, 0.0, 1.0)
            low, high = draws_interval(fit.n_hat_draws(noisy, d0, per_draw=True), level)
            allrows.loc[idx, "n_hat_low"] = low
            allrows.loc[idx, "n_hat_high"] = high
    if far:
        warnings.warn(
            f"{len(far)} N_hat value(s) exceed {EXTRAPOLATION_FACTOR:g}x the largest reference "
            f"model, e.g. {', '.join(far[:3])}: far outside the sizes the frame was fitted and "
            "checked on",
            ExtrapolationWarning,
            stacklevel=2,
        )
    for src, dst in (("n_hat", "density"), ("n_hat_low", "density_low"),
                     ("n_hat_high", "density_high")):
        allrows[dst] = allrows[src] / allrows["n_params"]
    allrows["protocol"] = allrows["protocol"].astype(str)
    out = allrows[DENSITY_COLUMNS + (["stderr"] if "stderr" in allrows.columns else [])]
    return out.sort_values(["model", "benchmark", "protocol"], kind="stable").reset_index(
        drop=True
    )


def load_default_models() -> pd.DataFrame:
    """The bundled models table (:func:`densing.datasets.load_models`)."""
    from densing.datasets import load_models

    return load_models()


def model_densities(
    density: pd.DataFrame, benchmark: str | None = DEFAULT_BENCHMARK, rule: str = "benchmark",
    *, frame: ReferenceFrame | str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """One density per model: from one (averaged) benchmark, or the geometric mean.

    Parameters
    ----------
    density
        Output of :func:`compute_density`.
    benchmark
        The benchmark whose density represents the model (``rule="benchmark"``), e.g. the
        averaged ``average`` or ``average_llv1``. ``"auto"``: the frame's averaged benchmark
        (one with tasks) with the most ``ok`` rows in ``density``; a tie goes to the one
        listed first in the frame (``frame.benchmarks_``), the choice of ``densing density
        --per-model``.
    rule
        ``"benchmark"``: take that benchmark's row (the paper's rule when it is an averaged
        benchmark: scores averaged first, then inverted). ``"geomean"``: geometric mean of the
        ``ok`` per-task densities (averaged benchmarks excluded); its interval is the
        geometric mean of the per-task bounds (an approximation).

    frame
        The frame ``density`` was computed against, read by ``benchmark="auto"`` (default: the
        shipped one).

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``release_date``, ``n_params``, ``score``, ``n_hat``, ``density``,
        ``density_low``, ``density_high``, ``status``, ``extrapolated``, ``benchmark``. A model
        without a release date gets the status ``no_release_date``, so a
        :class:`~densing.trend.DensingTrend` counts it as censored instead of failing.
    """
    need = {"model", "benchmark", "density", "status", "release_date", "n_params"}
    if not isinstance(density, pd.DataFrame) or not need <= set(density.columns):
        raise InputError(f"density must be a compute_density() table with columns {sorted(need)}")
    if rule == "benchmark":
        if benchmark is None:
            raise InputError("rule='benchmark' needs a benchmark name")
        if benchmark == "auto":
            from densing._density_auto import auto_benchmark

            benchmark = auto_benchmark(density, resolve_frame(frame))
        sub = density[density["benchmark"] == benchmark]
        if sub.empty:
            raise InputError(
                f"no rows for benchmark {benchmark!r}; available: "
                f"{sorted(density['benchmark'].unique())}"
            )
        cols = ["model", "release_date", "n_params", "score", "n_hat", "density",
                "density_low", "density_high", "status", "extrapolated",
                "beyond_reference_score", "benchmark"]
        return _mark_undated(sub[cols].reset_index(drop=True))
    if rule == "geomean":
        per_task = density[density["protocol"].ne("") & density["status"].eq("ok")]
        avg_names = {b for b in density["benchmark"].unique() if str(b).startswith("average")}
        per_task = per_task[~per_task["benchmark"].isin(avg_names)]
        if per_task.empty:
            raise InputError("no ok per-task densities to average")
        logs = per_task.assign(
            _l=np.log(per_task["density"]),
            _lo=np.log(per_task["density_low"]),
            _hi=np.log(per_task["density_high"]),
        )
        g = logs.groupby("model", sort=True).agg(
            release_date=("release_date", "first"), n_params=("n_params", "first"),
            _l=("_l", "mean"), _lo=("_lo", "mean"), _hi=("_hi", "mean"),
            n_benchmarks=("benchmark", "nunique"), extrapolated=("extrapolated", "any"),
            beyond_reference_score=("beyond_reference_score", "any"),
        ).reset_index()
        g["density"] = np.exp(g.pop("_l"))
        g["density_low"] = np.exp(g.pop("_lo"))
        g["density_high"] = np.exp(g.pop("_hi"))
        g["n_hat"] = g["density"] * g["n_params"]
        g["score"] = np.nan
        g["status"] = "ok"
        g["benchmark"] = "geomean"
        return _mark_undated(g)
    raise InputError(f"rule must be 'benchmark' or 'geomean'; got {rule!r}")


def _mark_undated(per_model: pd.DataFrame) -> pd.DataFrame:
    """Give models without a release date the status ``no_release_date`` (no trend point)."""
    out = per_model.copy()
    undated = out["release_date"].isna() & (out["status"] == "ok")
    out.loc[undated, "status"] = "no_release_date"
    return out


def density_draws(
    densities: pd.DataFrame,
    frame: ReferenceFrame | str | os.PathLike[str] | None,
    benchmark: str = DEFAULT_BENCHMARK,
    tokens: float | None = None,
) -> np.ndarray:
    """Densities of the given models under every bootstrap draw of the frame.

    Feed the result to ``DensingTrend.fit(..., density_draws=...)`` so the trend's interval
    includes the reference fit's uncertainty (joint bootstrap).

    Parameters
    ----------
    densities
        One row per model (e.g. :func:`model_densities` output, ``ok`` rows) with ``score``
        and ``n_params``.
    frame
        The bootstrapped frame (or its name / path).
    benchmark
        The benchmark the scores belong to.
    tokens
        Data budget ``D0`` (default: the frame's).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_draws, n_models)``; censored draws give 0 or inf.
    """
    fr = resolve_frame(frame)
    d0 = check_tokens(fr.tokens if tokens is None else tokens)
    nd = fr.effective_params_draws(densities["score"].to_numpy(), benchmark, d0)
    return nd / densities["n_params"].to_numpy()[None, :]


def binomial_stderr(score: ArrayLike, benchmark: str) -> np.ndarray:
    """The binomial standard error ``sqrt(s (1 - s) / n)`` of accuracies on a benchmark.

    Parameters
    ----------
    score
        Accuracies as fractions in [0, 1].
    benchmark
        A benchmark of :data:`BENCHMARK_SIZES` (``n`` is its number of evaluated items).

    Returns
    -------
    numpy.ndarray
        One standard error per score (NaN where the score is NaN).

    Raises
    ------
    densing.InputError
        When the benchmark's size is not known.
    """
    if benchmark not in BENCHMARK_SIZES:
        raise InputError(f"benchmark={benchmark!r} has no known evaluated size; known: "
                         f"{', '.join(sorted(BENCHMARK_SIZES))}")
    s = np.clip(np.asarray(score, dtype=float), 0.0, 1.0)
    return np.sqrt(s * (1.0 - s) / BENCHMARK_SIZES[benchmark])


def score_stderr(
    density: pd.DataFrame, benchmark: str, components: Sequence[str] | None = None
) -> pd.Series:
    """Each model's binomial standard error of its score on ``benchmark``.

    An averaged benchmark (the mean of ``K`` tasks, each scored on its own items) gets
    ``sqrt(sum_k se_k^2) / K`` from its tasks' scores; a single task gets
    :func:`binomial_stderr` of its own score.

    Parameters
    ----------
    density
        A :func:`compute_density` table (columns ``model``, ``benchmark``, ``score``).
    benchmark
        The benchmark whose score's error is wanted.
    components
        The tasks of an averaged ``benchmark`` (e.g. ``frame.averages[benchmark]``);
        ``None`` for a single task.

    Returns
    -------
    pandas.Series
        Standard error per model (index ``model``); NaN where a task's score is missing.
    """
    if not components:
        sub = density[density["benchmark"] == benchmark]
        se = binomial_stderr(sub["score"].to_numpy(dtype=float), benchmark)
        return pd.Series(se, index=sub["model"].astype(str).to_numpy(), name="score_stderr")
    parts = []
    for task in components:
        sub = density[density["benchmark"] == task]
        var = binomial_stderr(sub["score"].to_numpy(dtype=float), task) ** 2
        parts.append(pd.Series(var, index=sub["model"].astype(str).to_numpy()))
    total = pd.concat(parts, axis=1).sum(axis=1, min_count=len(parts))
    return (np.sqrt(total) / len(parts)).rename("score_stderr")



def density_bounds(
    per_model: pd.DataFrame,
    frame: ReferenceFrame | str | os.PathLike[str] | None = None,
    benchmark: str | None = None,
    tokens: float | None = None,
    margin: float = 1e-6,
) -> pd.DataFrame:
    """Add ``density_bound``: the highest density the frame can express for each model.

    For a model censored at the top (``above_ceiling``, ``above_frame_range``) it is a lower
    bound on its density; for an ``ok`` model it is its censoring point (used by the
    censored quantile line). It is ``N_hat`` at the top of the frame's invertible score
    range (less ``margin``) divided by ``n_params``.

    Parameters
    ----------
    per_model
        One row per model with ``n_params`` and ``benchmark`` (e.g.
        :func:`densing.density.model_densities`).
    frame
        The frame (object, name or path; default: the shipped one).
    benchmark
        The benchmark (default: the table's ``benchmark`` column, which must hold one value).
    tokens
        Data budget ``D0`` (default: the frame's).
    margin
        How far below the top of the invertible range the bound is taken.

    Returns
    -------
    pandas.DataFrame
        A copy with the ``density_bound`` column (NaN where ``n_params`` is missing).
    """
    if not isinstance(per_model, pd.DataFrame) or "n_params" not in per_model.columns:
        raise InputError("per_model must be a DataFrame with an 'n_params' column")
    if benchmark is None:
        names: list[Any] = (
            per_model["benchmark"].dropna().unique().tolist() if "benchmark" in per_model else []
        )
        if len(names) != 1:
            raise InputError(
                f"benchmark=None needs one benchmark in the table; found {len(names)}: pass "
                "benchmark explicitly"
            )
        benchmark = str(names[0])
    fr = resolve_frame(frame)
    low, high = fr.valid_score_range(benchmark, tokens)
    top = high - margin * max(1.0, high - low)
    n_hat = float(fr.effective_params(top, benchmark, tokens)["n_hat"].iloc[0])
    out = per_model.copy()
    n_params = pd.to_numeric(out["n_params"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["density_bound"] = np.where(n_params > 0, n_hat / n_params, np.nan)
    return out


__all__ = [
    "BENCHMARK_SIZES",
    "DENSITY_COLUMNS",
    "LLV1_PROTOCOL_MAP",
    "binomial_stderr",
    "compute_density",
    "density_bounds",
    "density_draws",
    "model_densities",
    "resolve_frame",
    "score_stderr",
]

