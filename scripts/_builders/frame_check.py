"""Compare two fitted reference frames on what users consume, with stated tolerances.

A refit of the same frame on another machine does not reproduce the fitted parameters bit
for bit: poorly identified loss laws (docs/method.md#trap-loss-form) slide along a flat
valley of the objective, so BLAS round-off moves ``a`` or an exponent in the fifth or sixth
digit while every prediction stays put. :func:`compare_frames` therefore compares

* the settings and data summaries (runs, checkpoints, size range, best reference score,
  protocols, averaged tasks, law forms, number of draws): exactly;
* the objective value reached by each law: relative ``objective``;
* predicted losses on a grid of sizes and token counts (reference sizes up to 100 times the
  largest rung, 2e10 to 1e13 tokens): relative ``loss``;
* predicted scores on a grid of losses spanning the reference losses: absolute ``score``;
* ``N_hat`` and its censoring status on a grid of scores inside the invertible range at the
  frame's ``D0``: ``n_hat`` on ``|ln N_hat - ln N_hat'|``, statuses exactly;
* bootstrap quantiles (2.5 %, 50 %, 97.5 %) of ``N_hat`` on the same grid and of the
  predicted loss at the largest rung, never raw draws: ``n_hat_quantile`` (in log; or 1/8
  of that score's own 95 % half-width of ``ln N_hat`` where it is wider) and relative
  ``loss_quantile``;
* the share of bootstrap refits that did not converge, as the flags state it (a missing flag
  counts as the flag's threshold): absolute ``nonconverged_share``;
* flags by kind (small alpha, low ceiling), never by text.

:data:`TOLERANCES` holds the tolerances and the README's "Reliability" section states why
each is the size it is.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TOLERANCES", "Mismatch", "compare_frames", "flag_kinds"]

#: Tolerance per compared quantity (see the module docstring and the README).
TOLERANCES: dict[str, float] = {
    # relative; the objective is flat at its minimum, so round-off moves it to second order
    "objective": 1e-8,
    # relative; 1/40 of the narrowest 95 % bootstrap half-width of a predicted loss (0.4 %)
    "loss": 1e-4,
    # absolute score fraction; 1/100 of one question in ARC-Challenge's 1,172
    "score": 1e-5,
    # |ln N_hat difference|; about 1/12 of the narrowest 95 % bootstrap half-width of ln N_hat
    # (0.23)
    "n_hat": 0.02,
    # |ln difference| of the 2.5/50/97.5 % bootstrap quantiles of N_hat: this, or 1/8 of
    # that score's own 95 % half-width of ln N_hat where it is wider (an ill-conditioned
    # inversion, e.g. Winogrande with E, moves its quantiles by a fraction of its interval)
    "n_hat_quantile": 0.02,
    # relative, bootstrap quantiles of the predicted loss at the largest rung and D0
    "loss_quantile": 1e-4,
    # absolute share of non-converged bootstrap refits: 5 of 200 draws
    "nonconverged_share": 0.025,
}

_QUANTILES = (0.025, 0.5, 0.975)
_N_GRID = 9


@dataclass(frozen=True)
class Mismatch:
    """One compared quantity that differs beyond its tolerance.

    Attributes
    ----------
    where
        Frame, benchmark and quantity, e.g. ``"hellaswag: n_hat"``.
    expected, actual
        The two values (the worst grid point for grids).
    tolerance
        The tolerance that was exceeded (NaN for exact comparisons).
    """

    where: str
    expected: Any
    actual: Any
    tolerance: float = float("nan")

    def __str__(self) -> str:
        tol = "" if np.isnan(self.tolerance) else f" (tolerance {self.tolerance:g})"
        return f"{self.where}: {self.expected!r} != {self.actual!r}{tol}"


def flag_kinds(flags: list[str] | tuple[str, ...]) -> set[str]:
    """The kinds of a benchmark fit's quality flags, independent of their numbers.

    Parameters
    ----------
    flags
        Flag texts as stored in a frame.

    Returns
    -------
    set of str
        ``"small_alpha"``, ``"low_ceiling"``, ``"loss_nonconverged"``,
        ``"score_nonconverged"`` or ``"other:<first words>"``.
    """
    kinds = set()
    for text in flags:
        if text.startswith("loss-law alpha="):
            kinds.add("small_alpha")
        elif text.startswith("sigmoid ceiling"):
            kinds.add("low_ceiling")
        elif text.startswith(("loss-law bootstrap", "score-law bootstrap")):
            kinds.add(text.split("-", 1)[0] + "_nonconverged")
        else:
            kinds.add("other:" + " ".join(text.split()[:3]))
    return kinds


def _rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))
    return np.where(a == b, 0.0, out)


def _logdiff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|ln a - ln b|: the relative difference of positive quantities such as N_hat."""
    return np.abs(np.log(np.asarray(a, dtype=float)) - np.log(np.asarray(b, dtype=float)))


def _worst(where: str, a: np.ndarray, b: np.ndarray, diff: np.ndarray,
           tol: float | np.ndarray, out: list[Mismatch]) -> None:
    """Record the worst element of ``diff`` beyond ``tol`` (a number, or one per element)."""
    diff = np.ravel(np.where(np.isnan(diff), np.inf, diff))
    tols = np.ravel(np.broadcast_to(np.asarray(tol, dtype=float), diff.shape))
    if diff.size and bool(np.any(diff > tols)):
        i = int(np.argmax(diff - tols))
        out.append(Mismatch(where, float(np.ravel(a)[i]), float(np.ravel(b)[i]),
                            float(tols[i])))


_SHARE = re.compile(r"^(loss|score)-law bootstrap: ([0-9.]+)% of refits")


def _nonconverged(flags: list[str], step: str) -> float | None:
    """Share of non-converged refits stated in the flags (None: below the flag threshold)."""
    for text in flags:
        m = _SHARE.match(text)
        if m and m.group(1) == step:
            return float(m.group(2)) / 100
    return None


def _exact(where: str, ev: Any, av: Any, out: list[Mismatch]) -> None:
    if ev != av:
        out.append(Mismatch(where, ev, av))


def compare_frames(
    expected: Mapping[str, Any], actual: Mapping[str, Any], name: str = "frame",
    tolerances: Mapping[str, float] | None = None,
) -> list[Mismatch]:
    """Compare two saved frames on the quantities users consume.

    Parameters
    ----------
    expected, actual
        Frames as saved (:meth:`~densing.reference.ReferenceFrame.to_dict` output or the
        parsed JSON file), e.g. the committed frame and a fresh refit.
    name
        Label used in the mismatch descriptions.
    tolerances
        Overrides of :data:`TOLERANCES`.

    Returns
    -------
    list of Mismatch
        Empty when the frames agree within every tolerance.
    """
    from densing.fitting import MIN_CONVERGED
    from densing.reference import ReferenceFrame

    tol = {**TOLERANCES, **(tolerances or {})}
    out: list[Mismatch] = []
    for key in ("format", "name", "settings", "n_runs"):
        _exact(f"{name}: {key}", expected.get(key), actual.get(key), out)
    eb, ab = expected.get("benchmarks", {}), actual.get("benchmarks", {})
    if set(eb) != set(ab):
        return [*out, Mismatch(f"{name}: benchmarks", sorted(eb), sorted(ab))]
    e_frame, a_frame = ReferenceFrame.from_dict(expected), ReferenceFrame.from_dict(actual)
    assert e_frame.fits_ is not None and a_frame.fits_ is not None
    d0 = float(e_frame.tokens)
    threshold = 1.0 - MIN_CONVERGED
    for bench in sorted(eb):
        eb_, ab_ = eb[bench], ab[bench]
        where = f"{name}/{bench}"
        for key in ("protocol", "n_runs", "n_checkpoints", "size_range", "max_score", "tasks"):
            _exact(f"{where}: {key}", eb_.get(key), ab_.get(key), out)
        for step in ("loss_law", "score_law"):
            el, al = eb_[step], ab_[step]
            for key in ("law", "irreducible", "floor", "max_ceiling", "n_starts"):
                _exact(f"{where}: {step}.{key}", el.get(key), al.get(key), out)
            if "objective" in el or "objective" in al:
                eo, ao = float(el.get("objective", np.nan)), float(al.get("objective", np.nan))
                _worst(f"{where}: {step} objective", np.array(eo), np.array(ao),
                       _rel(np.array(eo), np.array(ao)), tol["objective"], out)
            _exact(f"{where}: {step} number of draws", len(el.get("bootstrap_draws", [])),
                   len(al.get("bootstrap_draws", [])), out)
        # flags by kind; non-convergence compared by its share, with a tolerance
        e_k, a_k = flag_kinds(eb_.get("flags", [])), flag_kinds(ab_.get("flags", []))
        for step in ("loss", "score"):
            e_nc = _nonconverged(eb_.get("flags", []), step)
            a_nc = _nonconverged(ab_.get("flags", []), step)
            # an absent flag means a share at or below the threshold
            e_v, a_v = threshold if e_nc is None else e_nc, threshold if a_nc is None else a_nc
            if abs(e_v - a_v) > tol["nonconverged_share"]:
                out.append(Mismatch(f"{where}: {step}-law non-converged share", e_nc, a_nc,
                                    tol["nonconverged_share"]))
            e_k.discard(f"{step}_nonconverged")
            a_k.discard(f"{step}_nonconverged")
        if e_k != a_k:
            out.append(Mismatch(f"{where}: flag kinds", sorted(e_k), sorted(a_k)))
        ef, af = e_frame.fits_[bench], a_frame.fits_[bench]
        # predicted losses on a grid of sizes x tokens
        lo, hi = ef.size_range
        n = np.geomspace(lo, 100 * hi, _N_GRID)
        d = np.geomspace(2e10, 1e13, 5)
        nn, dd = np.meshgrid(n, d)
        le = ef.loss_law.predict(nn.ravel(), dd.ravel())
        la = af.loss_law.predict(nn.ravel(), dd.ravel())
        _worst(f"{where}: predicted loss", le, la, _rel(le, la), tol["loss"], out)
        # predicted scores on a grid of losses spanning the reference losses
        span = np.linspace(float(np.min(le)), float(np.max(le)), 4 * _N_GRID)
        se, sa = ef.score_law.predict(span), af.score_law.predict(span)
        _worst(f"{where}: predicted score", se, sa, np.abs(se - sa), tol["score"], out)
        # N_hat and status on a grid inside the invertible range at D0
        s_lo, s_hi = e_frame.valid_score_range(bench, d0)
        grid = s_lo + (s_hi - s_lo) * np.linspace(0.02, 0.98, _N_GRID)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            re_ = e_frame.effective_params(grid, bench, d0)
            ra_ = a_frame.effective_params(grid, bench, d0)
        ne, na = re_["n_hat"].to_numpy(float), ra_["n_hat"].to_numpy(float)
        ce, ca = re_["status"].to_numpy(str), ra_["status"].to_numpy(str)
        if not np.array_equal(ce, ca):
            out.append(Mismatch(f"{where}: statuses on the score grid", ce.tolist(),
                                ca.tolist()))
        ok = (ce == "ok") & (ca == "ok")
        _worst(f"{where}: N_hat", ne[ok], na[ok], _logdiff(ne[ok], na[ok]),
               tol["n_hat"], out)
        # bootstrap quantiles, never raw draws
        if ef.loss_law.bootstrap_ is not None and af.loss_law.bootstrap_ is not None:
            qe = _nhat_quantiles(e_frame, bench, grid, d0)
            qa = _nhat_quantiles(a_frame, bench, grid, d0)
            fin = np.isfinite(qe) & np.isfinite(qa) & (qe > 0) & (qa > 0)
            if not np.array_equal(np.isfinite(qe), np.isfinite(qa)):
                out.append(Mismatch(f"{where}: censored N_hat quantiles",
                                    int(np.isfinite(qe).sum()), int(np.isfinite(qa).sum())))
            with np.errstate(invalid="ignore", divide="ignore"):
                half = np.log(qe[-1] / qe[0]) / 2  # the committed frame's half-width
            scaled = np.maximum(tol["n_hat_quantile"], np.nan_to_num(half, nan=0.0) / 8)
            allowed = np.broadcast_to(scaled, qe.shape)[fin]
            _worst(f"{where}: N_hat bootstrap quantiles", qe[fin], qa[fin],
                   _logdiff(qe[fin], qa[fin]), allowed, out)
            ple = np.quantile(ef.loss_law.predict(hi, d0, draws=True), _QUANTILES)
            pla = np.quantile(af.loss_law.predict(hi, d0, draws=True), _QUANTILES)
            _worst(f"{where}: predicted-loss bootstrap quantiles", ple, pla, _rel(ple, pla),
                   tol["loss_quantile"], out)
    return out


def _nhat_quantiles(frame: Any, bench: str, grid: np.ndarray, d0: float) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        draws = frame.effective_params_draws(grid, bench, d0)
    with np.errstate(invalid="ignore"):
        return np.quantile(np.asarray(draws, dtype=float), _QUANTILES, axis=0)
