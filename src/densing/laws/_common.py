"""Shared helpers of the laws: internal scales and the deprecated ``n_boot`` keyword."""

from __future__ import annotations

import warnings

__all__ = ["D_SCALE", "N_SCALE", "bootstrap_count"]

#: internal scales that keep log-inputs near zero (well-conditioned fits)
N_SCALE = 1e9
D_SCALE = 1e11


def bootstrap_count(n_bootstrap: int, n_boot: int | None) -> int:
    """``n_bootstrap``, or the deprecated ``n_boot`` keyword with a DeprecationWarning.

    Parameters
    ----------
    n_bootstrap
        The count under its one name.
    n_boot
        The deprecated keyword's value, or ``None``.

    Returns
    -------
    int
        The count to use.
    """
    if n_boot is None:
        return n_bootstrap
    warnings.warn(
        "n_boot is deprecated; pass n_bootstrap (the one name for bootstrap counts in densing)",
        DeprecationWarning,
        stacklevel=3,
    )
    return n_boot
