"""The per-model benchmark choice of ``model_densities(benchmark="auto")`` (issue 21)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from densing.exceptions import InputError

if TYPE_CHECKING:
    import pandas as pd

    from densing.reference import ReferenceFrame


def auto_benchmark(density: pd.DataFrame, frame: ReferenceFrame,
                   how_to_name: str = "pass benchmark=NAME") -> str:
    """The frame's averaged benchmark with the most ``ok`` rows in a density table.

    Parameters
    ----------
    density
        A :func:`densing.density.compute_density` table.
    frame
        The frame it was computed against: its averaged benchmarks (those with tasks), in
        the frame's order, are the candidates, and that order breaks ties.
    how_to_name
        How the error tells the caller to name a benchmark instead.

    Returns
    -------
    str
        The benchmark name.

    Raises
    ------
    densing.InputError
        When no averaged benchmark has an ``ok`` row.
    """
    present = set(density["benchmark"])
    averaged = [b for b in frame.benchmarks_ if frame.fits_ and frame.fits_[b].tasks]
    ok = density[density["status"] == "ok"]
    counts = {b: int((ok["benchmark"] == b).sum()) for b in averaged if b in present}
    if not counts:
        raise InputError(
            "no model has scores on every task of an averaged benchmark "
            f"({', '.join(averaged) or 'none in this frame'}); {how_to_name}"
        )
    best = max(counts.values())
    return next(b for b in averaged if counts.get(b) == best)


__all__ = ["auto_benchmark"]
