"""One benchmark of a reference frame: its two fitted laws and their array-level inversion.

:meth:`BenchmarkFit.invert` maps scores to effective parameter counts with plain arrays
(no DataFrame): score -> loss (inverse sigmoid) -> parameters at the data budget ``D0``,
with an explicit censoring status per score and, for a bootstrapped fit, a percentile
interval over the draws. :class:`~densing.reference.ReferenceFrame` and
:func:`densing.density.compute_density` both build on it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from densing.exceptions import DataFormatError, ExtrapolationWarning, NotFittedError
from densing.fitting import MIN_CONVERGED
from densing.laws import LossLaw, ScoreLaw
from densing.reference._defaults import (
    EXTRAPOLATION_FACTOR,
    LOW_CEILING,
    NEAR_ASYMPTOTE,
    SMALL_ALPHA,
    STATUSES,
)
from densing.reference._schema import check_benchmark_entry, law_from_dict

__all__ = ["BenchmarkFit", "Inversion", "draws_interval"]


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


@dataclass(frozen=True)
class Inversion:
    """Scores inverted by one benchmark's laws: one entry per score in every array.

    Attributes
    ----------
    benchmark
        Benchmark name.
    score
        The scores.
    loss_hat
        Loss at which the score law reaches each score (NaN outside its range).
    n_hat
        Effective parameter count (0 for ``below_floor``, ``inf`` for ``above_ceiling`` and
        ``above_frame_range``).
    n_hat_low, n_hat_high
        Percentile interval over the bootstrap draws (NaN without draws).
    code
        Status code, an index into :data:`~densing.reference.STATUSES`.
    bound
        The score bound that applies to a censored score (NaN when ``ok``).
    score_low, score_high
        The invertible range of scores.
    extrapolated
        ``N_hat`` outside the reference sizes.
    beyond_reference_score
        The score is above every reference checkpoint's (the sigmoid is extrapolated).
    near_asymptote
        Loss within 3 % of the loss law's floor.
    far_beyond_sizes
        ``N_hat`` above :data:`~densing.reference.EXTRAPOLATION_FACTOR` times the largest
        reference model.
    """

    benchmark: str
    score: np.ndarray
    loss_hat: np.ndarray
    n_hat: np.ndarray
    n_hat_low: np.ndarray
    n_hat_high: np.ndarray
    code: np.ndarray
    bound: np.ndarray
    score_low: np.ndarray
    score_high: np.ndarray
    extrapolated: np.ndarray
    beyond_reference_score: np.ndarray
    near_asymptote: np.ndarray
    far_beyond_sizes: np.ndarray

    @property
    def status(self) -> np.ndarray:
        """Status names (object array), e.g. ``ok`` or ``below_floor``."""
        return np.array(STATUSES, dtype=object)[self.code]

    def warn_if_far(self, size_max: float, stacklevel: int = 3) -> None:
        """Warn once (:class:`~densing.exceptions.ExtrapolationWarning`) for far ``N_hat``.

        Parameters
        ----------
        size_max
            The largest reference model's parameter count.
        stacklevel
            Passed to :func:`warnings.warn`.
        """
        far = self.far_beyond_sizes
        if far.any():
            top = float(np.max(self.n_hat[far]))
            warnings.warn(
                f"{int(far.sum())} N_hat value(s) on {self.benchmark!r} exceed "
                f"{EXTRAPOLATION_FACTOR:g}x the largest reference model ({size_max:.3g}), up "
                f"to {top:.3g}: far outside the sizes the frame was fitted and checked on",
                ExtrapolationWarning,
                stacklevel=stacklevel,
            )

    def to_frame(self) -> pd.DataFrame:
        """The inversion as the table :meth:`ReferenceFrame.effective_params` returns.

        Returns
        -------
        pandas.DataFrame
            One row per score.
        """
        return pd.DataFrame({
            "benchmark": self.benchmark,
            "score": self.score,
            "loss_hat": self.loss_hat,
            "n_hat": self.n_hat,
            "n_hat_low": self.n_hat_low,
            "n_hat_high": self.n_hat_high,
            "status": self.status,
            "bound": self.bound,
            "score_low": self.score_low,
            "score_high": self.score_high,
            "extrapolated": self.extrapolated,
            "beyond_reference_score": self.beyond_reference_score,
            "near_asymptote": self.near_asymptote,
        })


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
    tasks
        The averaged tasks, for an averaged benchmark (empty otherwise).
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

    # -- predictions -------------------------------------------------------------------
    def predict_loss(self, n_params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        """Predicted conditional loss (step 1) at ``n_params`` and ``tokens``.

        Parameters
        ----------
        n_params
            Parameter counts (in the frame's convention).
        tokens
            Training tokens.

        Returns
        -------
        numpy.ndarray
            Predicted loss.
        """
        return self.loss_law.predict(n_params, tokens)

    def predict_score(self, n_params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        """Predicted score (steps 1 then 2) at ``n_params`` and ``tokens``.

        Parameters
        ----------
        n_params
            Parameter counts (in the frame's convention).
        tokens
            Training tokens.

        Returns
        -------
        numpy.ndarray
            Predicted score (fraction).
        """
        return self.score_law.predict(self.loss_law.predict(n_params, tokens))

    def valid_score_range(self, tokens: float) -> tuple[float, float]:
        """The open interval of scores that map to a finite, positive ``N_hat`` at ``tokens``.

        Parameters
        ----------
        tokens
            Data budget ``D0``.

        Returns
        -------
        low, high
            The sigmoid floor ``d`` and the score reached as ``N -> inf`` at ``D0``.
        """
        low, _ = self.score_law.score_range()
        high = self.score_law.predict(self.loss_law.loss_floor(tokens))
        return float(low), float(high)

    @property
    def has_draws(self) -> bool:
        """Whether both laws carry bootstrap draws."""
        return self.loss_law.bootstrap_ is not None and self.score_law.bootstrap_ is not None

    @property
    def n_draws(self) -> int:
        """Number of bootstrap draws (0 when not bootstrapped)."""
        b = self.loss_law.bootstrap_
        return 0 if b is None else int(b.draws.shape[0])

    # -- inversion ---------------------------------------------------------------------
    def _invert_codes(
        self, scores: np.ndarray, d0: float, draws: bool, per_draw: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Invert scores; returns (n_hat, status codes, loss_hat, low, high)."""
        sl, ll = self.score_law, self.loss_law
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

    def invert(
        self,
        scores: np.ndarray,
        tokens: float,
        *,
        ci: float = 0.95,
        draws: bool = True,
        factor: float = EXTRAPOLATION_FACTOR,
    ) -> Inversion:
        """Effective parameter counts of scores, as arrays (inputs are not re-validated).

        Parameters
        ----------
        scores
            1-D float array of scores in [0, 1] (validated by the caller).
        tokens
            Data budget ``D0`` (finite, positive).
        ci
            Confidence level of the bootstrap interval.
        draws
            Compute the interval over the bootstrap draws when the fit has them.
        factor
            ``far_beyond_sizes`` marks ``N_hat`` above ``factor`` times the largest
            reference model.

        Returns
        -------
        Inversion
            One entry per score in every array.
        """
        s = scores
        n_hat, code, loss_hat, low, high = self._invert_codes(s, tokens, draws=False)
        ceil = float(self.score_law.score_range()[1])
        bound = np.where(code == 1, low, np.where(code == 2, ceil, np.where(code == 3, high,
                                                                            np.nan)))
        lo_n, hi_n = self.size_range
        floor_loss = float(self.loss_law.loss_floor(tokens))
        with np.errstate(invalid="ignore"):
            near = (code == 0) & ((loss_hat - floor_loss) < NEAR_ASYMPTOTE * floor_loss)
        n_low = np.full(s.shape, np.nan)
        n_high = np.full(s.shape, np.nan)
        if draws and self.has_draws:
            nd, _, _, _, _ = self._invert_codes(s, tokens, draws=True)
            n_low, n_high = draws_interval(nd, ci)
        return Inversion(
            benchmark=self.benchmark, score=s, loss_hat=loss_hat, n_hat=n_hat,
            n_hat_low=n_low, n_hat_high=n_high, code=code, bound=bound,
            score_low=low, score_high=high,
            extrapolated=(code == 0) & ((n_hat < lo_n) | (n_hat > hi_n)),
            beyond_reference_score=s > self.max_score,
            near_asymptote=near,
            far_beyond_sizes=(code == 0) & (n_hat > factor * hi_n),
        )

    def n_hat_draws(self, scores: np.ndarray, tokens: float, *, per_draw: bool = False
                    ) -> np.ndarray:
        """``N_hat`` under every bootstrap draw, shape ``(n_draws, n_scores)``.

        Parameters
        ----------
        scores
            Float array of scores, ``(n_scores,)`` or ``(n_draws, n_scores)`` with
            ``per_draw``.
        tokens
            Data budget ``D0``.
        per_draw
            ``scores`` carries one row per bootstrap draw.

        Returns
        -------
        numpy.ndarray
            ``N_hat`` per draw and score; censored draws give 0 or ``inf``.
        """
        if not self.has_draws:
            raise NotFittedError(self.loss_law, "bootstrap")
        nd, _, _, _, _ = self._invert_codes(scores, tokens, draws=True, per_draw=per_draw)
        return nd

    # -- quality -----------------------------------------------------------------------
    def quality_flags(self) -> list[str]:
        """The traps (docs/method.md) this fit shows (tiny exponent, low ceiling, failed refits).

        Returns
        -------
        list of str
            One sentence per trap.
        """
        flags = []
        for step, law in (("loss", self.loss_law), ("score", self.score_law)):
            conv = law.bootstrap_.converged if law.bootstrap_ is not None else None
            if conv is not None and conv.size and conv.mean() < MIN_CONVERGED:
                flags.append(
                    f"{step}-law bootstrap: {100 * (1 - conv.mean()):.1f}% of refits did not "
                    "converge (intervals may be too wide)"
                )
        alpha = self.loss_law.params_["alpha"] if self.loss_law.params_ else np.nan
        if alpha < SMALL_ALPHA:
            blowup = 100 * (1.01 ** (1 / alpha) - 1)
            flags.append(
                f"loss-law alpha={alpha:.3g} < {SMALL_ALPHA}: N_hat is extremely sensitive to "
                f"the loss (1% loss error ~ {blowup:.0f}% in N_hat)"
            )
        lo, hi = self.score_law.score_range()
        if hi < LOW_CEILING:
            flags.append(
                f"sigmoid ceiling c+d={float(hi):.3g} < {LOW_CEILING}: stronger targets will be "
                "censored above the ceiling"
            )
        return flags

    # -- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (settings, parameters, bootstrap draws).

        Returns
        -------
        dict
            The entry of this benchmark in :meth:`ReferenceFrame.to_dict`.
        """
        return {
            "protocol": self.protocol,
            "tasks": list(self.tasks),
            "n_runs": self.n_runs,
            "n_checkpoints": self.n_checkpoints,
            "size_range": list(self.size_range),
            "max_score": self.max_score,
            "flags": list(self.flags),
            "loss_law": self.loss_law.to_dict(),
            "score_law": self.score_law.to_dict(),
        }

    @classmethod
    def from_dict(cls, benchmark: str, data: Mapping[str, Any]) -> BenchmarkFit:
        """Rebuild a benchmark's fit from :meth:`to_dict` output, checking every value.

        Parameters
        ----------
        benchmark
            Benchmark name.
        data
            The dictionary.

        Returns
        -------
        BenchmarkFit
            The fit, with bootstrap draws when saved.

        Raises
        ------
        DataFormatError
            A parameter outside its law's domain, a malformed field or bad draw shapes.
        """
        check_benchmark_entry(benchmark, data)
        ll = law_from_dict(benchmark, "loss_law", data["loss_law"])
        sl = law_from_dict(benchmark, "score_law", data["score_law"])
        assert isinstance(ll, LossLaw) and isinstance(sl, ScoreLaw)
        n_l = 0 if ll.bootstrap_ is None else ll.bootstrap_.draws.shape[0]
        n_s = 0 if sl.bootstrap_ is None else sl.bootstrap_.draws.shape[0]
        if n_l != n_s:
            raise DataFormatError(
                f"benchmark {benchmark!r}: loss_law has {n_l} bootstrap draws but score_law "
                f"has {n_s}; both laws share each resample"
            )
        return cls(
            benchmark=benchmark, protocol=str(data["protocol"]), loss_law=ll, score_law=sl,
            n_runs=int(data["n_runs"]), n_checkpoints=int(data["n_checkpoints"]),
            size_range=(float(data["size_range"][0]), float(data["size_range"][1])),
            max_score=float(data["max_score"]), tasks=tuple(data.get("tasks", ())),
            flags=list(data.get("flags", [])),
        )

