"""The reference frame: steps 1 and 2 of the densing method, and score -> effective size.

A :class:`ReferenceFrame` is fitted on a tidy table of reference evaluations (one row per run,
checkpoint and benchmark). Per benchmark it fits

1. a :class:`~densing.laws.LossLaw` on the final checkpoint of every run, and
2. a :class:`~densing.laws.ScoreLaw` on every checkpoint's (loss, score) pair,

and inverts them: score -> loss (inverse sigmoid) -> parameters at a fixed data budget ``D0``
(1T tokens by default). Scores outside the invertible range are *censored* with an explicit
status and the bound that applies, never silently clipped. Averaged benchmarks (mean loss and
mean score over a task set, per checkpoint) are built before fitting, like the paper's AVERAGE.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from densing._io import atomic_write_text
from densing._progress import progress
from densing.exceptions import (
    DataFormatError,
    FitQualityWarning,
    InputError,
    NotFittedError,
    ScoreOutOfRangeError,
)
from densing.fitting import MIN_CONVERGED, BootstrapResult, as_float_array
from densing.laws import LossLaw, ScoreLaw

#: data budget D0 at which scores are inverted (tokens)
DEFAULT_TOKENS = 1e12

#: chance level of each rc benchmark (expected accuracy of uniform guessing)
CHANCE_LEVELS: dict[str, float] = {
    "hellaswag": 0.25,
    "arc_challenge": 0.25,
    "arc_easy": 0.25,
    "winogrande": 0.5,
    "piqa": 0.5,
    "csqa": 0.2,
    "openbookqa": 0.25,
    "socialiqa": 1 / 3,
    "boolq": 0.5,
    "mmlu": 0.25,
}

#: averaged benchmarks built by default (name -> tasks); ``average`` is the default for density
DEFAULT_AVERAGES: dict[str, tuple[str, ...]] = {
    "average": (
        "arc_challenge", "arc_easy", "csqa", "hellaswag", "mmlu", "openbookqa", "piqa",
        "socialiqa", "winogrande",
    ),
    # the Open LLM Leaderboard v1 tasks whose format (cloze, length-normalised accuracy)
    # matches the frame's rc protocol; Winogrande is left out: its step 2 does not transfer
    # across scale on the ladder (held-out error 15 points, METHOD.md item 2)
    "average_llv1": ("arc_challenge", "hellaswag"),
}

#: benchmarks of the default frame: the nine rc tasks and the averages (BoolQ is in the data
#: but left out by default: its accuracy climbs while its answer loss barely moves, and the
#: held-out error on OLMo-2 7B/13B is 16-19 points)
DEFAULT_FRAME_BENCHMARKS: tuple[str, ...] = (*DEFAULT_AVERAGES["average"], *DEFAULT_AVERAGES)

#: the benchmark used when none is named
DEFAULT_BENCHMARK = "average"

#: parameter-count conventions of the reference runs -> column
PARAM_COLUMNS: dict[str, str] = {
    "total": "n_params_total",
    "non_embedding": "n_params_nonembedding",
    "no_input_embedding": "n_params",
}

REQUIRED_COLUMNS = ("run", "n_params", "tokens", "step", "is_final", "benchmark", "loss", "score")

STATUSES = ("ok", "below_floor", "above_ceiling", "below_data_term")

#: the alpha under which the loss law is flagged (METHOD.md item 1)
SMALL_ALPHA = 0.1
#: the ceiling c + d under which the score law is flagged (METHOD.md item 2)
LOW_CEILING = 0.9
#: relative distance to the loss floor that counts as "near the asymptote"
NEAR_ASYMPTOTE = 0.03


@dataclass
class BenchmarkFit:
    """The fitted laws of one benchmark.

    Attributes
    ----------
    benchmark
        Benchmark name.
    protocol
        Evaluation protocol of the scores (e.g. ``rc-5shot``).
    loss_law, score_law
        Fitted step-1 and step-2 laws (with bootstrap draws when the frame was bootstrapped).
    n_runs, n_checkpoints
        Data used: runs (final checkpoints) for step 1, checkpoints for step 2.
    size_range
        ``(min, max)`` parameter count of the reference runs.
    max_score
        Highest score of any reference checkpoint.
    flags
        Quality warnings raised for this benchmark.
    """

    benchmark: str
    protocol: str
    loss_law: LossLaw
    score_law: ScoreLaw
    n_runs: int
    n_checkpoints: int
    size_range: tuple[float, float]
    max_score: float
    tasks: tuple[str, ...] = ()
    flags: list[str] = field(default_factory=list)


def _chance(benchmark: str, tasks: Sequence[str]) -> float | None:
    if tasks:
        vals = [CHANCE_LEVELS.get(t) for t in tasks]
        if any(v is None for v in vals):
            return None
        return float(np.mean([float(v) for v in vals if v is not None]))
    return CHANCE_LEVELS.get(benchmark)


def build_averages(
    runs: pd.DataFrame, averages: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Append averaged benchmarks (mean loss and mean score over tasks) to a runs table.

    Only checkpoints that have every task of an average contribute to it.

    Parameters
    ----------
    runs
        Tidy reference table.
    averages
        Name of each averaged benchmark -> its tasks.

    Returns
    -------
    pandas.DataFrame
        ``runs`` with the averaged rows appended.
    """
    extra = []
    keys = ["run", "step"]
    for name, tasks in averages.items():
        sub = runs[runs["benchmark"].isin(tasks)]
        if sub.empty:
            continue
        counts = sub.groupby(keys)["benchmark"].transform("nunique")
        sub = sub[counts == len(set(tasks))]
        if sub.empty:
            continue
        first = sub.groupby(keys, sort=True).first().reset_index()
        means = sub.groupby(keys, sort=True)[["loss", "score"]].mean().reset_index()
        first[["loss", "score"]] = means[["loss", "score"]].to_numpy()
        first["benchmark"] = name
        extra.append(first[runs.columns])
    if not extra:
        return runs
    return pd.concat([runs, *extra], ignore_index=True)


class ReferenceFrame:
    """A reference frame that maps benchmark scores to effective parameter counts.

    Parameters
    ----------
    irreducible
        Fit the loss law with an irreducible term ``E`` (the paper's form has none).
    floor
        ``"chance"`` fixes each sigmoid's floor ``d`` at the benchmark's chance level (mean
        chance level for averages); ``None`` fits it; a mapping gives it per benchmark.
    max_ceiling
        Upper bound of the sigmoid's ceiling ``c + d``.
    param_count
        Which count of the reference runs to use: ``"total"`` (column ``n_params_total``),
        ``"non_embedding"`` (column ``n_params_nonembedding``: without input and output
        embeddings, as :func:`densing.evaluate.count_parameters` and the bundled models'
        ``n_params_nonembedding`` count) or ``"no_input_embedding"`` (column ``n_params``:
        OLMo's own count, total minus the input embedding only). Target models must be
        compared in the same convention (METHOD.md item 6).
    averages
        Averaged benchmarks to build (name -> tasks); default :data:`DEFAULT_AVERAGES`.
    benchmarks
        Fit only these benchmarks (default: every benchmark in the data and the averages).
    tokens
        Default data budget ``D0`` for inversion.
    n_bootstrap
        Bootstrap resamples over reference runs (0: none). Both steps share each resample.
    random_state
        Seed of the bootstrap.
    delta
        Huber transition point.
    name
        Name recorded in summaries and saved files.
    quiet
        ``True`` hides the progress bar; ``None`` shows it only on a terminal.
    """

    def __init__(
        self,
        irreducible: bool = False,
        floor: str | Mapping[str, float] | None = None,
        max_ceiling: float = 1.0,
        param_count: str = "total",
        averages: Mapping[str, Sequence[str]] | None = None,
        benchmarks: Sequence[str] | None = None,
        tokens: float = DEFAULT_TOKENS,
        n_bootstrap: int = 0,
        random_state: int | None = 0,
        delta: float = 1e-3,
        name: str = "custom",
        quiet: bool | None = None,
    ) -> None:
        self.irreducible = irreducible
        self.floor = floor
        self.max_ceiling = max_ceiling
        self.param_count = param_count
        self.averages = dict(DEFAULT_AVERAGES if averages is None else averages)
        self.benchmarks = list(benchmarks) if benchmarks is not None else None
        self.tokens = tokens
        self.n_bootstrap = n_bootstrap
        self.random_state = random_state
        self.delta = delta
        self.name = name
        self.quiet = quiet
        self.fits_: dict[str, BenchmarkFit] | None = None
        self.n_runs_: int | None = None

    # -- fitting -----------------------------------------------------------------------
    def _param_column(self, runs: pd.DataFrame) -> str:
        col = PARAM_COLUMNS.get(self.param_count)
        if col is None:
            raise InputError(
                f"param_count must be one of {sorted(PARAM_COLUMNS)}; got {self.param_count!r}"
            )
        if col not in runs.columns:
            if self.param_count == "total" and "n_params" in runs.columns:
                return "n_params"  # runs that give a single count
            raise InputError(
                f"param_count={self.param_count!r} needs a column {col!r} in the runs"
            )
        return col

    def _floor_for(self, benchmark: str, tasks: Sequence[str]) -> float | None:
        if self.floor is None:
            return None
        if isinstance(self.floor, str):
            if self.floor != "chance":
                raise InputError(f"floor must be 'chance', None or a mapping; got {self.floor!r}")
            return _chance(benchmark, tasks)
        return self.floor.get(benchmark)

    @staticmethod
    def _validate_runs(runs: Any) -> pd.DataFrame:
        if not isinstance(runs, pd.DataFrame):
            raise InputError(f"runs must be a pandas DataFrame; got {type(runs).__name__}")
        if runs.empty:
            raise InputError("runs is empty: give a table of reference evaluations")
        missing = [c for c in REQUIRED_COLUMNS if c not in runs.columns]
        if missing:
            raise InputError(
                f"runs is missing column(s) {missing}; required: {list(REQUIRED_COLUMNS)}"
            )
        df = runs.copy()
        for col in ("n_params", "tokens", "loss", "score", "step"):
            df[col] = as_float_array(col, df[col].to_numpy())
        for col in ("n_params_total", "n_params_nonembedding"):
            if col in df.columns:
                df[col] = as_float_array(col, df[col].to_numpy())
        for col in ("n_params", "tokens", "loss"):
            bad = ~np.isfinite(df[col]) | (df[col] <= 0)
            if bad.any():
                row = df.loc[bad].iloc[0]
                raise InputError(
                    f"{col} must be finite and positive; got {row[col]!r} in run "
                    f"{row['run']!r} ({int(bad.sum())} bad row(s))"
                )
        bad = ~np.isfinite(df["score"]) | (df["score"] < 0)
        if bad.any():
            row = df.loc[bad].iloc[0]
            raise InputError(f"score must be finite and >= 0; got {row['score']!r} "
                             f"in run {row['run']!r}")
        if df["score"].max() > 1:
            raise InputError(
                f"scores must be fractions in [0, 1]; got {df['score'].max():.4g} "
                "(percentages? divide by 100)"
            )
        if df["is_final"].dtype != bool:
            df["is_final"] = df["is_final"].astype(str).str.lower().isin(["true", "1", "yes"])
        return df

    def fit(self, runs: pd.DataFrame) -> ReferenceFrame:
        """Fit both steps for every benchmark.

        Parameters
        ----------
        runs
            Tidy reference evaluations with at least the columns ``run``, ``n_params``,
            ``tokens``, ``step``, ``is_final``, ``benchmark``, ``loss``, ``score`` (optional
            ``n_params_total``, ``protocol``).

        Returns
        -------
        ReferenceFrame
            ``self``, with ``fits_`` set.

        Warns
        -----
        FitQualityWarning
            When a benchmark's loss exponent is tiny or its sigmoid ceiling is low.
        """
        df = self._validate_runs(runs)
        df = build_averages(df, self.averages)
        pcol = self._param_column(df)
        names = sorted(df["benchmark"].unique())
        if self.benchmarks is not None:
            unknown = sorted(set(self.benchmarks) - set(names))
            if unknown:
                raise InputError(f"unknown benchmark(s) {unknown}; the data has {names}")
            names = [b for b in names if b in self.benchmarks]
        run_codes, run_names = pd.factorize(df["run"], sort=True)
        df = df.assign(_run=run_codes)
        counts = None
        if self.n_bootstrap:
            rng = np.random.default_rng(self.random_state)
            n_r = len(run_names)
            draws = rng.integers(0, n_r, size=(int(self.n_bootstrap), n_r))
            counts = np.zeros((int(self.n_bootstrap), n_r))
            np.add.at(counts, (np.repeat(np.arange(draws.shape[0]), n_r), draws.ravel()), 1)
        fits: dict[str, BenchmarkFit] = {}
        flags_all: list[str] = []
        desc = "fitting reference frame" + (
            f" (+{self.n_bootstrap} bootstrap)" if self.n_bootstrap else "")
        for bench in progress(names, desc=desc, disable=self.quiet):
            sub = df[df["benchmark"] == bench]
            final = sub[sub["is_final"]]
            if final.empty:
                raise InputError(f"benchmark {bench!r} has no final checkpoint (is_final)")
            protocols = sub["protocol"].dropna().unique() if "protocol" in sub else []
            if len(protocols) > 1:
                raise InputError(
                    f"benchmark {bench!r} mixes protocols {sorted(protocols)}; "
                    "fit one protocol per frame"
                )
            tasks = tuple(self.averages.get(bench, ()))
            loss_law = LossLaw(irreducible=self.irreducible).fit(
                final[pcol], final["tokens"], final["loss"], delta=self.delta
            )
            score_law = ScoreLaw(
                floor=self._floor_for(bench, tasks), max_ceiling=self.max_ceiling
            ).fit(sub["loss"], sub["score"], delta=self.delta)
            if counts is not None:
                with warnings.catch_warnings():  # reported once below, as a flag
                    warnings.simplefilter("ignore", FitQualityWarning)
                    self._bootstrap_laws(loss_law, score_law, final, sub, pcol, counts)
            fit = BenchmarkFit(
                benchmark=bench,
                protocol=str(protocols[0]) if len(protocols) else "",
                loss_law=loss_law,
                score_law=score_law,
                n_runs=int(final["run"].nunique()),
                n_checkpoints=len(sub),
                size_range=(float(final[pcol].min()), float(final[pcol].max())),
                max_score=float(sub["score"].max()),
                tasks=tasks,
            )
            fit.flags = self._quality_flags(fit)
            flags_all += [f"{bench}: {f}" for f in fit.flags]
            fits[bench] = fit
        self.fits_ = fits
        self.n_runs_ = len(run_names)
        self.param_column_ = pcol
        if flags_all:
            warnings.warn(
                "reference-frame fit shows known traps (METHOD.md): " + "; ".join(flags_all),
                FitQualityWarning,
                stacklevel=2,
            )
        return self

    def _bootstrap_laws(
        self, loss_law: LossLaw, score_law: ScoreLaw, final: pd.DataFrame, sub: pd.DataFrame,
        pcol: str, counts: np.ndarray,
    ) -> None:
        """Bootstrap both steps with the same resamples of the reference runs."""
        loss_law.bootstrap(
            final[pcol], final["tokens"], final["loss"],
            weights=counts[:, final["_run"].to_numpy()], delta=self.delta,
        )
        score_law.bootstrap(
            sub["loss"], sub["score"], weights=counts[:, sub["_run"].to_numpy()],
            delta=self.delta,
        )

    def _quality_flags(self, fit: BenchmarkFit) -> list[str]:
        flags = []
        for step, law in (("loss", fit.loss_law), ("score", fit.score_law)):
            conv = law.bootstrap_.converged if law.bootstrap_ is not None else None
            if conv is not None and conv.size and conv.mean() < MIN_CONVERGED:
                flags.append(
                    f"{step}-law bootstrap: {100 * (1 - conv.mean()):.1f}% of refits did not "
                    "converge (intervals may be too wide)"
                )
        alpha = fit.loss_law.params_["alpha"] if fit.loss_law.params_ else np.nan
        if alpha < SMALL_ALPHA:
            blowup = 100 * (1.01 ** (1 / alpha) - 1)
            flags.append(
                f"loss-law alpha={alpha:.3g} < {SMALL_ALPHA}: N_hat is extremely sensitive to "
                f"the loss (1% loss error ~ {blowup:.0f}% in N_hat)"
            )
        lo, hi = fit.score_law.score_range()
        if hi < LOW_CEILING:
            flags.append(
                f"sigmoid ceiling c+d={float(hi):.3g} < {LOW_CEILING}: stronger targets will be "
                "censored above the ceiling"
            )
        return flags

    # -- access ------------------------------------------------------------------------
    def _check(self) -> dict[str, BenchmarkFit]:
        if self.fits_ is None:
            raise NotFittedError(self)
        return self.fits_

    def _fit_for(self, benchmark: str | None) -> BenchmarkFit:
        fits = self._check()
        bench = DEFAULT_BENCHMARK if benchmark is None else benchmark
        if bench not in fits:
            raise InputError(
                f"benchmark {bench!r} is not in this reference frame; it has {sorted(fits)}"
            )
        return fits[bench]

    @property
    def benchmarks_(self) -> list[str]:
        """Names of the fitted benchmarks."""
        return sorted(self._check())

    @property
    def protocol_(self) -> dict[str, str]:
        """Protocol of each fitted benchmark."""
        return {b: f.protocol for b, f in self._check().items()}

    def predict_loss(self, n_params: Any, tokens: Any, benchmark: str | None = None) -> np.ndarray:
        """Predicted conditional loss of a model of ``n_params`` trained on ``tokens``.

        Parameters
        ----------
        n_params
            Parameter counts (in the frame's convention, ``param_count``).
        tokens
            Training tokens.
        benchmark
            Benchmark (default: ``average``).

        Returns
        -------
        numpy.ndarray
            Predicted loss.
        """
        return self._fit_for(benchmark).loss_law.predict(n_params, tokens)

    def predict_score(
        self, n_params: Any, tokens: Any, benchmark: str | None = None
    ) -> np.ndarray:
        """Predicted score of a model of ``n_params`` trained on ``tokens`` (steps 1 then 2).

        Parameters
        ----------
        n_params
            Parameter counts (in the frame's convention).
        tokens
            Training tokens.
        benchmark
            Benchmark (default: ``average``).

        Returns
        -------
        numpy.ndarray
            Predicted score (fraction).
        """
        fit = self._fit_for(benchmark)
        return fit.score_law.predict(fit.loss_law.predict(n_params, tokens))

    def valid_score_range(
        self, benchmark: str | None = None, tokens: float | None = None
    ) -> tuple[float, float]:
        """The open interval of scores that map to a finite, positive ``N_hat``.

        Parameters
        ----------
        benchmark
            Benchmark (default: ``average``).
        tokens
            Data budget ``D0`` (default: the frame's ``tokens``).

        Returns
        -------
        low, high
            The sigmoid floor ``d`` and the score reached as ``N -> inf`` at ``D0``.
        """
        fit = self._fit_for(benchmark)
        d0 = self.tokens if tokens is None else tokens
        low, _ = fit.score_law.score_range()
        high = fit.score_law.predict(fit.loss_law.loss_floor(d0))
        return float(low), float(high)

    def _invert(
        self, fit: BenchmarkFit, scores: np.ndarray, d0: float, draws: bool,
        per_draw: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Invert scores; returns (n_hat, status codes, loss_hat, low, high)."""
        sl, ll = fit.score_law, fit.loss_law
        low, ceil = sl.score_range(draws=draws)
        floor_loss = ll.loss_floor(d0, draws=draws)
        high = sl.predict(floor_loss, draws=draws, per_draw=draws)
        if draws:
            low, ceil, high = low[:, None], ceil[:, None], np.reshape(high, (-1, 1))
        loss_hat = sl.inverse(scores, draws=draws, per_draw=per_draw)
        n_hat = ll.params_for_loss(loss_hat, d0, draws=draws, per_draw=draws)
        code = np.zeros(np.broadcast(n_hat, scores).shape, dtype=np.int8)
        code = np.where(scores >= high, 3, code)
        code = np.where(scores >= ceil, 2, code)
        code = np.where(scores <= low, 1, code)
        n_hat = np.where(code == 0, n_hat, np.where(code == 1, 0.0, np.inf))
        # guard against round-off right at the bounds
        bad = (code == 0) & ~np.isfinite(n_hat)
        code = np.where(bad & (scores > 0.5 * (low + high)), 3, np.where(bad, 1, code))
        n_hat = np.where(bad, np.where(code == 1, 0.0, np.inf), n_hat)
        return n_hat, code, loss_hat, np.broadcast_to(low, code.shape), np.broadcast_to(
            high, code.shape
        )

    def effective_params(
        self,
        score: Any,
        benchmark: str | None = None,
        tokens: float | None = None,
        *,
        strict: bool = False,
        ci: float = 0.95,
    ) -> pd.DataFrame:
        """Effective parameter count ``N_hat`` of models that reach ``score``.

        Parameters
        ----------
        score
            Score(s) as fractions in [0, 1].
        benchmark
            Benchmark (default: ``average``).
        tokens
            Data budget ``D0`` (default: the frame's ``tokens``, 1T).
        strict
            Raise :class:`~densing.exceptions.ScoreOutOfRangeError` for the first censored
            score instead of returning its status.
        ci
            Confidence level of the interval (needs a bootstrapped frame).

        Returns
        -------
        pandas.DataFrame
            One row per score: ``score``, ``loss_hat``, ``n_hat`` (0 for ``below_floor``,
            ``inf`` for ``above_ceiling`` and ``below_data_term``), ``n_hat_low``,
            ``n_hat_high`` (NaN without bootstrap), ``status``, ``bound`` (the score bound
            that applies to a censored score, NaN when ``ok``), ``score_low``/``score_high``
            (the invertible range), ``extrapolated`` (``N_hat`` outside the reference sizes),
            ``beyond_reference_score`` (the score is above every reference checkpoint's: the
            sigmoid is extrapolated, METHOD.md item 2), ``near_asymptote`` (loss within 3 % of
            the loss law's floor).
        """
        fit = self._fit_for(benchmark)
        d0 = float(self.tokens if tokens is None else tokens)
        if not np.isfinite(d0) or d0 <= 0:
            raise InputError(f"tokens (D0) must be finite and positive; got {d0!r}")
        s = as_float_array("score", score).ravel()
        if not np.all(np.isfinite(s)):
            raise InputError(f"score must be finite; got {s[~np.isfinite(s)][0]!r}")
        if np.any(s < 0) or np.any(s > 1):
            bad = s[(s < 0) | (s > 1)][0]
            hint = " (percentages? divide by 100)" if bad > 1 else ""
            raise InputError(f"score must be a fraction in [0, 1]; got {bad!r}{hint}")
        n_hat, code, loss_hat, low, high = self._invert(fit, s, d0, draws=False)
        status = np.array(STATUSES, dtype=object)[code]
        ceil = float(fit.score_law.score_range()[1])
        bound = np.where(code == 1, low, np.where(code == 2, ceil, np.where(code == 3, high,
                                                                            np.nan)))
        if strict and np.any(code > 0):
            i = int(np.flatnonzero(code > 0)[0])
            raise ScoreOutOfRangeError(s[i], (float(low[i]), float(high[i])), str(status[i]),
                                       fit.benchmark)
        out = pd.DataFrame({
            "benchmark": fit.benchmark,
            "score": s,
            "loss_hat": loss_hat,
            "n_hat": n_hat,
            "n_hat_low": np.nan,
            "n_hat_high": np.nan,
            "status": status,
            "bound": bound,
            "score_low": low,
            "score_high": high,
        })
        lo_n, hi_n = fit.size_range
        out["extrapolated"] = (code == 0) & ((n_hat < lo_n) | (n_hat > hi_n))
        out["beyond_reference_score"] = s > fit.max_score
        floor_loss = float(fit.loss_law.loss_floor(d0))
        with np.errstate(invalid="ignore"):
            out["near_asymptote"] = (code == 0) & (
                (loss_hat - floor_loss) < NEAR_ASYMPTOTE * floor_loss
            )
        if fit.loss_law.bootstrap_ is not None and fit.score_law.bootstrap_ is not None:
            nd, _, _, _, _ = self._invert(fit, s, d0, draws=True)
            out["n_hat_low"], out["n_hat_high"] = draws_interval(nd, ci)
        return out

    def effective_params_draws(
        self,
        score: Any,
        benchmark: str | None = None,
        tokens: float | None = None,
        *,
        per_draw: bool = False,
    ) -> np.ndarray:
        """``N_hat`` under every bootstrap draw, shape ``(n_bootstrap, n_scores)``.

        Censored draws give 0 (below the floor) or ``inf`` (above the ceiling or the data
        term). Used to propagate the frame's uncertainty into densities and trends.

        Parameters
        ----------
        score
            Score(s) as fractions, shape ``(n_scores,)``, or ``(n_bootstrap, n_scores)``
            with ``per_draw=True`` (e.g. scores perturbed by their standard errors).
        benchmark
            Benchmark (default: ``average``).
        tokens
            Data budget ``D0``.
        per_draw
            ``score`` carries one row per bootstrap draw.

        Returns
        -------
        numpy.ndarray
            ``N_hat`` per draw and score.
        """
        fit = self._fit_for(benchmark)
        if fit.loss_law.bootstrap_ is None or fit.score_law.bootstrap_ is None:
            raise NotFittedError(self, "fit (with n_bootstrap > 0)")
        s = as_float_array("score", score)
        if not per_draw:
            s = s.ravel()
        d0 = float(self.tokens if tokens is None else tokens)
        nd, _, _, _, _ = self._invert(fit, s, d0, draws=True, per_draw=per_draw)
        return nd

    @property
    def n_draws_(self) -> int:
        """Number of bootstrap draws of the frame (0 when not bootstrapped)."""
        fits = self._check()
        b = next(iter(fits.values())).loss_law.bootstrap_
        return 0 if b is None else int(b.draws.shape[0])

    # -- reporting ---------------------------------------------------------------------
    @property
    def summary(self) -> pd.DataFrame:
        """One row per benchmark and parameter: estimate, bootstrap SE and 95 % interval."""
        rows = []
        for bench, fit in sorted(self._check().items()):
            for step, law in (("loss", fit.loss_law), ("score", fit.score_law)):
                s = law.summary.reset_index()
                s.insert(0, "law", step)
                s.insert(0, "benchmark", bench)
                rows.append(s)
        return pd.concat(rows, ignore_index=True)

    def diagnostics(self, tokens: float | None = None) -> pd.DataFrame:
        """Per-benchmark fit diagnostics: exponents, ceiling, invertible range, flags.

        Parameters
        ----------
        tokens
            Data budget ``D0`` for the invertible range (default: the frame's).

        Returns
        -------
        pandas.DataFrame
            One row per benchmark.
        """
        rows = []
        for bench, fit in sorted(self._check().items()):
            lo, hi = self.valid_score_range(bench, tokens)
            p, q = fit.loss_law.params_ or {}, fit.score_law.params_ or {}
            rows.append({
                "benchmark": bench,
                "protocol": fit.protocol,
                "runs": fit.n_runs,
                "checkpoints": fit.n_checkpoints,
                "alpha": p.get("alpha"),
                "beta": p.get("beta"),
                "E": p.get("E", 0.0),
                "gamma": q.get("gamma"),
                "floor_d": q.get("d"),
                "ceiling": q.get("c", 0.0) + q.get("d", 0.0),
                "score_low": lo,
                "score_high": hi,
                "max_ref_score": fit.max_score,
                "flags": "; ".join(fit.flags),
            })
        return pd.DataFrame(rows)

    def print_summary(self) -> None:
        """Print a header, the per-benchmark diagnostics and the flags."""
        fits = self._check()
        form = "a*N^-alpha + b*D^-beta" + (" + E" if self.irreducible else "")
        print(f"<ReferenceFrame {self.name!r}>  {len(fits)} benchmarks, {self.n_runs_} runs")
        print(f"  loss law: L = {form};  score law: S = c/(1+exp(-gamma(L-l))) + d")
        print(f"  parameter count: {self.param_count};  D0 = {self.tokens:.3g} tokens;  "
              f"bootstrap: {self.n_bootstrap or 'none'}")
        diag = self.diagnostics().drop(columns=["flags"])
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(diag.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        flags = [f"  {b}: {f}" for b, fit in sorted(fits.items()) for f in fit.flags]
        if flags:
            print("Flags (METHOD.md traps):")
            print("\n".join(flags))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the fitted frame (no raw data).

        Returns
        -------
        dict
            Settings and per-benchmark laws, with bootstrap draws when present.
        """
        fits = self._check()
        return {
            "format": "densing.ReferenceFrame/1",
            "name": self.name,
            "settings": {
                "irreducible": self.irreducible,
                "floor": self.floor,
                "max_ceiling": self.max_ceiling,
                "param_count": self.param_count,
                "averages": {k: list(v) for k, v in self.averages.items()},
                "tokens": self.tokens,
                "n_bootstrap": self.n_bootstrap,
                "random_state": self.random_state,
                "delta": self.delta,
            },
            "n_runs": self.n_runs_,
            "benchmarks": {
                b: {
                    "protocol": f.protocol,
                    "tasks": list(f.tasks),
                    "n_runs": f.n_runs,
                    "n_checkpoints": f.n_checkpoints,
                    "size_range": list(f.size_range),
                    "max_score": f.max_score,
                    "flags": list(f.flags),
                    "loss_law": f.loss_law.to_dict(),
                    "score_law": f.score_law.to_dict(),
                }
                for b, f in sorted(fits.items())
            },
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted frame as JSON (atomically: temporary file, then rename).

        Parameters
        ----------
        path
            Destination file.

        Returns
        -------
        pathlib.Path
            The written path.
        """
        return atomic_write_text(path, json.dumps(self.to_dict(), indent=1, allow_nan=False))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceFrame:
        """Rebuild a fitted frame from :meth:`to_dict` output.

        Parameters
        ----------
        data
            The dictionary.

        Returns
        -------
        ReferenceFrame
            A fitted frame.
        """
        try:
            if data.get("format") != "densing.ReferenceFrame/1":
                raise DataFormatError(
                    f"not a densing reference frame (format={data.get('format')!r})"
                )
            st = data["settings"]
            frame = cls(
                irreducible=bool(st["irreducible"]), floor=st["floor"],
                max_ceiling=float(st["max_ceiling"]), param_count=st["param_count"],
                averages=st["averages"], tokens=float(st["tokens"]),
                n_bootstrap=int(st["n_bootstrap"]), random_state=st["random_state"],
                delta=float(st["delta"]), name=str(data["name"]),
            )
            fits = {}
            for bench, b in data["benchmarks"].items():
                ll = LossLaw(irreducible=bool(b["loss_law"]["irreducible"]))
                ll._set_params(np.array([b["loss_law"]["params"][k] for k in ll._names()]))
                sl = ScoreLaw(floor=b["score_law"]["floor"],
                              max_ceiling=float(b["score_law"]["max_ceiling"]))
                sl._set_params(np.array([b["score_law"]["params"][k] for k in sl._names()]))
                for law, key in ((ll, "loss_law"), (sl, "score_law")):
                    if "bootstrap_draws" in b[key]:
                        law.bootstrap_ = BootstrapResult(
                            np.asarray(b[key]["bootstrap_draws"], dtype=float), law._names()
                        )
                fits[bench] = BenchmarkFit(
                    benchmark=bench, protocol=b["protocol"], loss_law=ll, score_law=sl,
                    n_runs=int(b["n_runs"]), n_checkpoints=int(b["n_checkpoints"]),
                    size_range=(float(b["size_range"][0]), float(b["size_range"][1])),
                    max_score=float(b["max_score"]), tasks=tuple(b.get("tasks", ())),
                    flags=list(b.get("flags", [])),
                )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataFormatError(f"malformed reference-frame JSON: {exc!r}") from exc
        frame.fits_ = fits
        frame.n_runs_ = data.get("n_runs")
        return frame

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ReferenceFrame:
        """Load a frame written by :meth:`save`.

        Parameters
        ----------
        path
            A JSON file.

        Returns
        -------
        ReferenceFrame
            The fitted frame.
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(f"reference-frame file not found: {path}")
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"{path}: not valid JSON ({exc})") from exc
        return cls.from_dict(data)

    def __repr__(self) -> str:
        if self.fits_ is None:
            return f"<ReferenceFrame {self.name!r}: unfitted>"
        return (f"<ReferenceFrame {self.name!r}: {len(self.fits_)} benchmarks, "
                f"{self.n_runs_} runs, {'L+E' if self.irreducible else 'L'}>")


def draws_interval(n_hat_draws: np.ndarray, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of ``N_hat`` over bootstrap draws (axis 0).

    Censored draws (0 or ``inf``) take part as they are; quantiles are taken on the log scale
    with the ``nearest`` rule, so no value is interpolated between a finite and an infinite
    draw.

    Parameters
    ----------
    n_hat_draws
        ``N_hat`` per draw and score, shape ``(n_draws, n_scores)``.
    ci
        Confidence level.

    Returns
    -------
    low, high
        The bounds per score.
    """
    with np.errstate(divide="ignore"):
        logn = np.log(n_hat_draws)
    a = (1 - ci) / 2
    return (np.exp(np.quantile(logn, a, axis=0, method="nearest")),
            np.exp(np.quantile(logn, 1 - a, axis=0, method="nearest")))


# -- default frames and validation ---------------------------------------------------------
_FRAME_CACHE: dict[tuple[Any, ...], ReferenceFrame] = {}


#: fitted frames shipped in the package (scripts/build_frames.py): name -> settings
SHIPPED_FRAMES: dict[str, dict[str, Any]] = {
    "olmo-ladder": {"irreducible": False},
    "olmo-ladder+E": {"irreducible": True},
}


def _shipped_frame(
    name: str, max_params: float | None, kwargs: Mapping[str, Any]
) -> ReferenceFrame | None:
    """The shipped JSON of a bundled frame when the settings are the shipped ones."""
    if name not in SHIPPED_FRAMES or max_params not in (None, 4e9):
        return None
    settings = dict(SHIPPED_FRAMES[name])
    accepted = {"n_bootstrap": (0, 200), "random_state": (0,)}
    for key, value in kwargs.items():
        if key == "name":
            continue
        if key in accepted:
            if value not in accepted[key]:
                return None
            continue
        if settings.get(key, _DEFAULT_SETTINGS.get(key, object())) != value:
            return None
    cache_key = ("shipped", name)
    if cache_key not in _FRAME_CACHE:
        from importlib.resources import files

        res = files("densing") / "data" / "frames" / f"{name}.json"
        if not res.is_file():
            return None
        _FRAME_CACHE[cache_key] = ReferenceFrame.from_dict(json.loads(res.read_text()))
    return _FRAME_CACHE[cache_key]


_DEFAULT_SETTINGS: dict[str, Any] = {
    "irreducible": False, "floor": None, "max_ceiling": 1.0, "param_count": "total",
    "tokens": DEFAULT_TOKENS, "delta": 1e-3,
}


def load_frame(
    name_or_path: str | os.PathLike[str] = "olmo-ladder",
    *,
    max_params: float | None = None,
    **kwargs: Any,
) -> ReferenceFrame:
    """A fitted reference frame by name (fitted from bundled data) or from a saved JSON file.

    Parameters
    ----------
    name_or_path
        ``"olmo-ladder"`` (the default frame), ``"olmo-ladder+E"`` (its loss law with the
        irreducible term) or a path to a file written by :meth:`ReferenceFrame.save`. With
        default settings the bundled frames load from the fitted JSON shipped in the package
        (200 bootstrap resamples of the reference runs); other settings refit on the fly.
    max_params
        Fit only on reference runs with fewer parameters than this (non-embedding count),
        e.g. ``4e9`` to hold out OLMo-2 7B and 13B. The default frame fits on every run up to
        3B and holds out 7B and 13B (its self-check).
    **kwargs
        Settings passed to :class:`ReferenceFrame` (``irreducible``, ``param_count``, ...).

    Returns
    -------
    ReferenceFrame
        The fitted frame (cached per settings within a process).
    """
    p = str(name_or_path)
    if p.endswith(".json") or os.path.sep in p:
        return ReferenceFrame.load(p)
    from densing.datasets import load_reference_runs

    shipped = _shipped_frame(p, max_params, kwargs)
    if shipped is not None:
        return shipped
    if p.startswith("olmo-ladder"):
        if p == "olmo-ladder+E":
            kwargs.setdefault("irreducible", True)
        p = "olmo-ladder"
        if max_params is None:
            max_params = 4e9
        kwargs.setdefault("benchmarks", DEFAULT_FRAME_BENCHMARKS)
    key = (p, max_params, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
    if key not in _FRAME_CACHE:
        runs = load_reference_runs(p)
        if max_params is not None:
            runs = runs[runs["n_params"] < max_params]
        kwargs.setdefault("name", p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitQualityWarning)
            _FRAME_CACHE[key] = ReferenceFrame(**kwargs).fit(runs)
    return _FRAME_CACHE[key]


def holdout_validation(
    runs: pd.DataFrame,
    holdout_min_params: float = 4e9,
    **frame_kwargs: Any,
) -> tuple[pd.DataFrame, ReferenceFrame]:
    """Fit on runs below a size threshold and predict the held-out runs' final scores.

    Parameters
    ----------
    runs
        Tidy reference table (all runs).
    holdout_min_params
        Runs with ``n_params`` (non-embedding column) at or above this are held out.
    **frame_kwargs
        Settings for :class:`ReferenceFrame` (``benchmarks`` chooses what is fitted and
        reported).

    Returns
    -------
    table, frame
        One row per benchmark and held-out run with ``predicted``, ``actual``,
        ``abs_error``, and the self-check ``self_check_rho``: the held-out model's actual
        score inverted at its own token count, over its parameter count (1 for a frame that
        transfers perfectly; METHOD.md item 8), with its ``self_check_status``; and the frame
        fitted on the small runs.
    """
    df = ReferenceFrame._validate_runs(runs)
    small = df[df["n_params"] < holdout_min_params]
    held = df[(df["n_params"] >= holdout_min_params) & df["is_final"]]
    if small.empty or held.empty:
        raise InputError(
            f"holdout threshold {holdout_min_params:.3g} leaves "
            f"{small['run'].nunique()} fitting and {held['run'].nunique()} held-out runs; "
            "both must be non-empty"
        )
    frame = ReferenceFrame(**frame_kwargs).fit(small)
    held = build_averages(held, frame.averages)
    pcol = frame.param_column_
    rows = []
    for bench in frame.benchmarks_:
        for _, r in held[held["benchmark"] == bench].sort_values("n_params").iterrows():
            pred = float(frame.predict_score(r[pcol], r["tokens"], bench))
            # self-check (METHOD.md item 8): invert the actual score at the model's own
            # token count; a frame that transfers gives rho = N_hat / N close to 1
            eff = frame.effective_params(float(r["score"]), bench, float(r["tokens"]))
            rows.append({
                "benchmark": bench, "run": r["run"], "n_params": float(r[pcol]),
                "tokens": float(r["tokens"]), "predicted": pred, "actual": float(r["score"]),
                "abs_error": abs(pred - float(r["score"])),
                "self_check_rho": float(eff["n_hat"].iloc[0]) / float(r[pcol]),
                "self_check_status": str(eff["status"].iloc[0]),
            })
    return pd.DataFrame(rows), frame
