"""`densing plot` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `plot` subcommand (not available yet)."""
    sub.add_parser("plot", help="(not available yet)")
