"""How a reference frame shows itself: parameter summary, diagnostics, printed report."""

from __future__ import annotations

import html

import pandas as pd

from densing._summary import Summary
from densing._validation import check_is_fitted, check_tokens
from densing.reference.benchmark_fit import BenchmarkFit

__all__ = ["FrameReport"]


class FrameReport:
    """Reporting methods of :class:`~densing.reference.ReferenceFrame` (a mixin)."""

    fits_: dict[str, BenchmarkFit] | None
    name: str
    n_runs_: int | None
    irreducible: bool
    param_count: str
    tokens: float
    n_bootstrap: int

    def _fits(self) -> dict[str, BenchmarkFit]:
        check_is_fitted(self, "fits_")
        assert self.fits_ is not None
        return self.fits_

    def summary_frame(self) -> pd.DataFrame:
        """One row per benchmark, law and parameter: estimate, bootstrap SE and 95 % interval.

        Returns
        -------
        pandas.DataFrame
            Columns ``benchmark``, ``law`` (``loss`` or ``score``), ``param``, ``estimate``,
            ``se``, ``ci_low``, ``ci_high``.
        """
        rows = []
        for bench, fit in sorted(self._fits().items()):
            for step, law in (("loss", fit.loss_law), ("score", fit.score_law)):
                s = law.summary_frame().reset_index()
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
        d0 = check_tokens(self.tokens if tokens is None else tokens)
        rows = []
        for bench, fit in sorted(self._fits().items()):
            lo, hi = fit.valid_score_range(d0)
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

    def summary(self, compact: bool = False) -> Summary:
        """The frame as a :class:`~densing._summary.Summary`: counts first, the two laws and
        settings, the per-benchmark diagnostics and the flags. It prints nothing.

        Parameters
        ----------
        compact
            Show only the invertible range and the key exponents per benchmark (the notebook
            view).

        Returns
        -------
        Summary
            Renders as text (``str``), HTML and a dict.
        """
        fits = self._fits()
        form = "a*N^-alpha + b*D^-beta" + (" + E" if self.irreducible else "")
        s = Summary(f"ReferenceFrame {self.name!r}", header=[
            ("benchmarks", len(fits)),
            ("runs", self.n_runs_),
            ("loss law", f"L = {form}"),
            ("score law", "S = c/(1+exp(-gamma(L-l))) + d"),
            ("parameter count", self.param_count),
            ("D0", f"{self.tokens:.3g} tokens"),
            ("bootstrap", self.n_bootstrap or "none"),
        ])
        diag = self.diagnostics().drop(columns=["flags"])
        if compact:
            diag = diag[["benchmark", "protocol", "runs", "alpha", "gamma", "ceiling",
                         "score_low", "score_high"]]
        s.add_table(diag, caption="Per-benchmark fits (score_low..score_high: invertible "
                    "range at D0):")
        flags = [f"  {b}: {f}" for b, fit in sorted(fits.items()) for f in fit.flags]
        if flags:
            s.add_note("Flags (traps: docs/method.md):")
            for line in flags:
                s.add_note(line)
        return s

    def print_summary(self) -> None:
        """Print :meth:`summary` as text: a header, the per-benchmark diagnostics, the flags."""
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(self.summary().as_text())

    def _repr_html_(self) -> str:
        if self.fits_ is None:
            return f"<pre>{html.escape(repr(self))}</pre>"
        return self.summary(compact=True).as_html()
