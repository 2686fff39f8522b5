"""The reference frame: steps 1 and 2 of the densing method, and score -> effective size.

A :class:`ReferenceFrame` is fitted on a tidy table of reference evaluations (one row per run,
checkpoint and benchmark). Per benchmark it fits

1. a :class:`~densing.laws.LossLaw` on the final checkpoint of every run, and
2. a :class:`~densing.laws.ScoreLaw` on every checkpoint's (loss, score) pair,

and keeps them as a :class:`~densing.reference.BenchmarkFit`, which inverts them: score ->
loss (inverse sigmoid) -> parameters at a fixed data budget ``D0`` (1T tokens by default).
Scores outside the invertible range are *censored* with an explicit status and the bound that
applies, never silently clipped. Averaged benchmarks (mean loss and mean score over a task
set, per checkpoint) are built before fitting, like the paper's AVERAGE.

The frame is a collection of its benchmarks' fits: ``frame["hellaswag"]``, ``len(frame)``,
``list(frame)``.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from densing._io import atomic_write_text
from densing._progress import disable, progress
from densing._validation import (
    as_float_array,
    check_ci,
    check_n_bootstrap,
    check_random_state,
    check_scores,
    check_tokens,
)
from densing.conventions import reference_column
from densing.exceptions import (
    DataFormatError,
    FitQualityWarning,
    InputError,
    NotFittedError,
    ScoreOutOfRangeError,
)
from densing.fitting import group_bootstrap_counts
from densing.laws import LossLaw, ScoreLaw
from densing.reference._defaults import (
    DEFAULT_AVERAGES,
    DEFAULT_BENCHMARK,
    DEFAULT_TOKENS,
    PARAM_COLUMNS,
    FrameParamCount,
)
from densing.reference._report import FrameReport
from densing.reference._runs import chance_level, validate_runs
from densing.reference._saved import FRAME_FORMAT, parse_frame, read_json
from densing.reference._schema import check_max_ceiling
from densing.reference.averages import build_averages
from densing.reference.benchmark_fit import BenchmarkFit

__all__ = ["FRAME_FORMAT", "ReferenceFrame"]


class ReferenceFrame(FrameReport):
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
        compared in the same convention (docs/method.md#trap-param-conventions).
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
    progress
        ``False`` hides the progress bar, ``True`` shows it even off a terminal, ``None``
        (default) shows it only on a terminal.

    Attributes
    ----------
    fits_
        Benchmark name -> :class:`BenchmarkFit` (also ``frame[name]``).
    n_runs_
        Number of reference runs fitted.
    param_column_
        The column of the runs that gave the parameter counts (restored by :meth:`load`).
    """

    def __init__(
        self,
        irreducible: bool = False,
        floor: str | Mapping[str, float] | None = None,
        max_ceiling: float = 1.0,
        param_count: FrameParamCount = "total",
        averages: Mapping[str, Sequence[str]] | None = None,
        benchmarks: Sequence[str] | None = None,
        tokens: float = DEFAULT_TOKENS,
        n_bootstrap: int = 0,
        random_state: int | None = 0,
        delta: float = 1e-3,
        name: str = "custom",
        progress: bool | None = None,
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
        self.progress = progress
        self.fits_: dict[str, BenchmarkFit] | None = None
        self.n_runs_: int | None = None

    # -- fitting -----------------------------------------------------------------------
    def _param_column(self, runs: pd.DataFrame) -> str:
        col = reference_column(self.param_count)
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
            return chance_level(benchmark, tasks)
        return self.floor.get(benchmark)

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
        n_boot = check_n_bootstrap(self.n_bootstrap)
        seed = check_random_state(self.random_state)
        check_max_ceiling(self.max_ceiling)
        df = validate_runs(runs)
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
        if n_boot:
            rng = np.random.default_rng(seed)
            counts = group_bootstrap_counts(len(run_names), n_boot, rng)
            counts = counts.astype(float)
        fits: dict[str, BenchmarkFit] = {}
        flags_all: list[str] = []
        desc = "fitting reference frame" + (
            f" (+{self.n_bootstrap} bootstrap)" if self.n_bootstrap else "")
        for bench in progress(names, desc=desc, disable=disable(self.progress)):
            fit = self._fit_benchmark(bench, df[df["benchmark"] == bench], pcol, counts)
            flags_all += [f"{bench}: {f}" for f in fit.flags]
            fits[bench] = fit
        self.fits_ = fits
        self.n_runs_ = len(run_names)
        self.param_column_ = pcol
        if flags_all:
            warnings.warn(
                "reference-frame fit shows known traps (docs/method.md): " + "; ".join(flags_all),
                FitQualityWarning,
                stacklevel=2,
            )
        return self

    def _fit_benchmark(
        self, bench: str, sub: pd.DataFrame, pcol: str, counts: np.ndarray | None
    ) -> BenchmarkFit:
        """Fit (and bootstrap with the shared resamples ``counts``) one benchmark."""
        final = sub[sub["is_final"]]
        if final.empty:
            raise InputError(f"benchmark {bench!r} has no final checkpoint (is_final)")
        protocols: Any = sub["protocol"].dropna().unique() if "protocol" in sub else []
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
            with warnings.catch_warnings():  # reported once by fit(), as a flag
                warnings.simplefilter("ignore", FitQualityWarning)
                loss_law.bootstrap(
                    final[pcol], final["tokens"], final["loss"],
                    weights=counts[:, final["_run"].to_numpy()], delta=self.delta,
                )
                score_law.bootstrap(
                    sub["loss"], sub["score"], weights=counts[:, sub["_run"].to_numpy()],
                    delta=self.delta,
                )
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
        fit.flags = fit.quality_flags()
        return fit

    # -- access ------------------------------------------------------------------------
    def fit_for(self, benchmark: str | None = None) -> BenchmarkFit:
        """The fit of one benchmark (default: ``average``).

        Parameters
        ----------
        benchmark
            Benchmark name.

        Returns
        -------
        BenchmarkFit
            Its two laws and their inversion.
        """
        fits = self._fits()
        bench = DEFAULT_BENCHMARK if benchmark is None else benchmark
        if not isinstance(bench, str) or bench not in fits:
            raise InputError(
                f"benchmark {bench!r} is not in this reference frame; it has {sorted(fits)}"
            )
        return fits[bench]


    def __getitem__(self, benchmark: str) -> BenchmarkFit:
        return self.fit_for(benchmark)

    def __iter__(self) -> Iterator[str]:
        return iter(self.benchmarks_)

    def __len__(self) -> int:
        return len(self._fits())

    def __contains__(self, benchmark: object) -> bool:
        return self.fits_ is not None and benchmark in self.fits_

    @property
    def benchmarks_(self) -> list[str]:
        """Names of the fitted benchmarks."""
        return sorted(self._fits())

    @property
    def protocol_(self) -> dict[str, str]:
        """Protocol of each fitted benchmark."""
        return {b: f.protocol for b, f in self._fits().items()}

    def predict_loss(
        self, n_params: ArrayLike, tokens: ArrayLike, benchmark: str | None = None
    ) -> np.ndarray:
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
        return self.fit_for(benchmark).predict_loss(n_params, tokens)

    def predict_score(
        self, n_params: ArrayLike, tokens: ArrayLike, benchmark: str | None = None
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
        return self.fit_for(benchmark).predict_score(n_params, tokens)

    def _d0(self, tokens: Any) -> float:
        return check_tokens(self.tokens if tokens is None else tokens)

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
        return self.fit_for(benchmark).valid_score_range(self._d0(tokens))

    def effective_params(
        self,
        score: ArrayLike,
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
            ``inf`` for ``above_ceiling`` and ``above_frame_range``), ``n_hat_low``,
            ``n_hat_high`` (NaN without bootstrap), ``status``, ``bound`` (the score bound
            that applies to a censored score, NaN when ``ok``), ``score_low``/``score_high``
            (the invertible range), ``extrapolated`` (``N_hat`` outside the reference sizes),
            ``beyond_reference_score`` (the score is above every reference checkpoint's: the
            sigmoid is extrapolated, docs/method.md#trap-score-transfer), ``near_asymptote``
            (loss within 3 % of the loss law's floor).

        Warns
        -----
        ExtrapolationWarning
            Once per call, when any ``N_hat`` exceeds
            :data:`~densing.reference.EXTRAPOLATION_FACTOR` (10) times the largest reference
            model: the held-out check validates the default frame only up to about 4x.
        """
        fit = self.fit_for(benchmark)
        d0 = self._d0(tokens)
        level = check_ci(ci)
        s = check_scores(score).ravel()
        inv = fit.invert(s, d0, ci=level)
        code = inv.code
        if strict and np.any(code > 0):
            i = int(np.flatnonzero(code > 0)[0])
            raise ScoreOutOfRangeError(s[i], (float(inv.score_low[i]), float(inv.score_high[i])),
                                       str(inv.status[i]), fit.benchmark)
        inv.warn_if_far(fit.size_range[1])
        return inv.to_frame()

    def effective_params_draws(
        self,
        score: ArrayLike,
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
        fit = self.fit_for(benchmark)
        if not fit.has_draws:
            raise NotFittedError(self, "fit (with n_bootstrap > 0)")
        s = as_float_array("score", score)
        if not per_draw:
            s = s.ravel()
        return fit.n_hat_draws(s, self._d0(tokens), per_draw=per_draw)

    @property
    def n_draws_(self) -> int:
        """Number of bootstrap draws of the frame (0 when not bootstrapped)."""
        fits = self._fits()
        return next(iter(fits.values())).n_draws

    # -- saving and loading ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the fitted frame (no raw data).

        Returns
        -------
        dict
            Settings and per-benchmark laws, with bootstrap draws when present.
        """
        fits = self._fits()
        settings: dict[str, Any] = {
            "irreducible": self.irreducible,
            "floor": self.floor,
            "max_ceiling": self.max_ceiling,
            "param_count": self.param_count,
            "averages": {k: list(v) for k, v in self.averages.items()},
            "tokens": self.tokens,
            "n_bootstrap": self.n_bootstrap,
            "random_state": self.random_state,
            "delta": self.delta,
        }
        pcol = getattr(self, "param_column_", None)
        if pcol is not None and pcol != PARAM_COLUMNS.get(self.param_count):
            settings["param_column"] = pcol  # only when it differs: older files stay as they are
        return {
            "format": FRAME_FORMAT,
            "name": self.name,
            "settings": settings,
            "n_runs": self.n_runs_,
            "benchmarks": {b: f.to_dict() for b, f in sorted(fits.items())},
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
        """Rebuild a fitted frame from :meth:`to_dict` output, checking every value.

        Every law parameter and bootstrap draw is checked against its law's domain (the
        rules fitting guarantees), the settings against their vocabularies, and each
        averaged benchmark against the frame's benchmarks.

        Parameters
        ----------
        data
            The dictionary.

        Returns
        -------
        ReferenceFrame
            A fitted frame, with ``param_column_`` restored.

        Raises
        ------
        DataFormatError
            One line naming the bad field and value.
        """
        st, fits = parse_frame(data)
        frame = cls(
            irreducible=bool(st["irreducible"]), floor=st["floor"],
            max_ceiling=float(st["max_ceiling"]), param_count=st["param_count"],
            averages=st["averages"], tokens=float(st["tokens"]),
            n_bootstrap=int(st["n_bootstrap"]), random_state=st["random_state"],
            delta=float(st["delta"]), name=str(data["name"]),
        )
        frame.fits_ = fits
        frame.n_runs_ = data.get("n_runs")
        frame.param_column_ = str(st.get("param_column", PARAM_COLUMNS[st["param_count"]]))
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

        Raises
        ------
        InputError
            The file does not exist.
        DataFormatError
            The file is not UTF-8 JSON, is nested absurdly deep, or fails a check of
            :meth:`from_dict`; the message names the file.
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(f"reference-frame file not found: {path}")
        data = read_json(path)
        try:
            return cls.from_dict(data)
        except DataFormatError as exc:
            raise DataFormatError(f"{path}: {exc}") from None

    def __repr__(self) -> str:
        if self.fits_ is None:
            return f"<ReferenceFrame {self.name!r}: unfitted>"
        return (f"<ReferenceFrame {self.name!r}: {len(self.fits_)} benchmarks, "
                f"{self.n_runs_} runs, {'L+E' if self.irreducible else 'L'}>")
