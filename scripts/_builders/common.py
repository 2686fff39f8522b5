"""Output format and conventions shared by every builder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = [
    "CURATED",
    "DATA_VERSION",
    "FLOAT_FORMAT",
    "MAX_DATE",
    "MIN_DATE",
    "commit_of",
    "norm",
    "write_csv",
]

CURATED = Path(__file__).resolve().parents[1] / "curated"
DATA_VERSION = "2026.11.0"
FLOAT_FORMAT = "%.10g"
# Latest admissible release date (the data snapshot date).
MAX_DATE = "2026-11-22"
MIN_DATE = "2019-01-01"


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a CSV deterministically (fixed float format, '\\n' line ends, no index)."""
    df.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def norm(s: object) -> str:
    """Normalised name for fuzzy joins: lower case, '_' as '.', alphanumerics and dots only."""
    s = str(s).lower().replace("_", ".")
    return "".join(ch for ch in s if ch.isalnum() or ch == ".")


def commit_of(shared: Path, folder: str) -> str:
    """The upstream commit a raw folder was snapshotted from (its ``COMMIT`` file)."""
    return (shared / folder / "COMMIT").read_text().strip()
