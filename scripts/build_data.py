#!/usr/bin/env python
"""Derive densing's bundled data tables from the raw public files in ``../shared/data``.

Usage::

    python scripts/build_data.py                 # (re)write src/densing/data/
    python scripts/build_data.py --check         # rebuild into a temp dir, diff, exit 1 on drift
    python scripts/build_data.py --shared PATH   # raw data elsewhere

The output is deterministic: no timestamps, fixed float format, fixed row order, so two runs
give byte-identical files. Only numpy, pandas and the standard library are used.

This file holds code only. The builders, one module per raw source, are in
``scripts/_builders/``; the hand-curated tables they join (release dates, architectures,
corrections, source notes) are CSV files in ``scripts/curated/`` (see its README.md).

The raw ``chinchilla/`` folder has no licence and is never read here.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

# Run as a script, this file's folder is on sys.path, so the builders import as `_builders`.
from _builders.benchmarks import build_benchmarks
from _builders.common import write_csv
from _builders.curated import CuratedTableError
from _builders.obsscaling import build_models, build_scores
from _builders.olmo_ladder import build_reference_runs
from _builders.paper import build_paper_models
from _builders.sources import write_manifest, write_sources

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "densing" / "data"

BUILDERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "reference_runs_olmo_ladder.csv": build_reference_runs,
    "models.csv": build_models,
    "scores.csv": build_scores,
    "paper_models.csv": build_paper_models,
    "benchmarks.csv": build_benchmarks,
}


def build(shared: Path, out: Path) -> dict[str, int]:
    """Write every table into `out`; return the row count per file."""
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for name, builder in BUILDERS.items():
        df = builder(shared)
        write_csv(df, out / name)
        rows[name] = len(df)
    write_sources(shared, out, pd.read_csv(out / "models.csv", keep_default_na=False))
    write_manifest(out, rows)
    return rows


def check(shared: Path, out: Path) -> int:
    """Rebuild into a temp dir and compare with `out`; return a process exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        build(shared, fresh)
        names = sorted(p.name for p in fresh.iterdir())
        differ = []
        for name in names:
            committed = out / name
            if not committed.exists() or not filecmp.cmp(fresh / name, committed, shallow=False):
                differ.append(name)
    if differ:
        print("build_data --check: these files differ from a fresh build:", file=sys.stderr)
        for name in differ:
            print(f"  {name}", file=sys.stderr)
        print("Run `python scripts/build_data.py` and commit the result.", file=sys.stderr)
        return 1
    print(f"build_data --check: {len(names)} files match a fresh build.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="raw data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--check", action="store_true", help="verify committed files")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"build_data: raw data folder not found: {args.shared}", file=sys.stderr)
        return 2
    try:
        if args.check:
            return check(args.shared, args.out)
        rows = build(args.shared, args.out)
    except CuratedTableError as exc:
        print(f"build_data: scripts/curated/{exc}", file=sys.stderr)
        return 2
    for name, n in rows.items():
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    np.seterr(all="raise")
    sys.exit(main())
