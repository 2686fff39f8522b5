"""Shared helpers of the laws: the internal scales."""

from __future__ import annotations

__all__ = ["D_SCALE", "N_SCALE"]

#: internal scales that keep log-inputs near zero (well-conditioned fits)
N_SCALE = 1e9
D_SCALE = 1e11
