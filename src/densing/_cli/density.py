"""`densing density` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `density` subcommand (not available yet)."""
    sub.add_parser("density", help="(not available yet)")
