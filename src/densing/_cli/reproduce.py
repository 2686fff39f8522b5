"""`densing reproduce` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `reproduce` subcommand (not available yet)."""
    sub.add_parser("reproduce", help="(not available yet)")
