"""`densing evaluate` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `evaluate` subcommand (not available yet)."""
    sub.add_parser("evaluate", help="(not available yet)")
