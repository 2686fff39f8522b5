"""`densing trend` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `trend` subcommand (not available yet)."""
    sub.add_parser("trend", help="(not available yet)")
