#!/usr/bin/env python
"""Fit the bundled reference frames from the bundled runs and ship them as JSON.

Usage::

    python scripts/build_frames.py            # (re)write src/densing/data/frames/*.json
    python scripts/build_frames.py --check    # refit, compare with the committed files

The default frame ``olmo-ladder`` (loss law without E) and its variant ``olmo-ladder+E`` are
fitted on the OLMo ladder runs below 4B parameters (OLMo-2 7B/13B are held out for the
self-check), on the nine rc tasks and the averaged benchmarks, with 200 bootstrap resamples
of the reference runs (seed 0). Shipping the fitted frames makes ``densing reproduce`` fast;
``densing.reference.load_frame`` refits on the fly for any other setting. ``--check`` refits
and compares every parameter and draw with a relative tolerance of 1e-6 (the fit is
deterministic; the tolerance absorbs floating-point differences between machines).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from densing.exceptions import FitQualityWarning
from densing.reference import DEFAULT_FRAME_BENCHMARKS, ReferenceFrame

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "densing" / "data" / "frames"

FRAMES: dict[str, dict[str, Any]] = {
    "olmo-ladder": {"irreducible": False},
    "olmo-ladder+E": {"irreducible": True},
}
N_BOOTSTRAP = 200
MAX_PARAMS = 4e9


def build(out: Path) -> list[Path]:
    """Fit every bundled frame and write it under ``out``."""
    from densing.datasets import load_reference_runs

    runs = load_reference_runs("olmo-ladder")
    runs = runs[runs["n_params"] < MAX_PARAMS]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, kw in FRAMES.items():
        frame = ReferenceFrame(
            benchmarks=list(DEFAULT_FRAME_BENCHMARKS), n_bootstrap=N_BOOTSTRAP, random_state=0,
            name=name, **kw,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitQualityWarning)
            frame.fit(runs)
        paths.append(frame.save(out / f"{name}.json"))
        print(f"wrote {paths[-1]}")
    return paths


def _close(a: Any, b: Any, path: str, bad: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            bad.append(f"{path}: keys differ")
            return
        for k in a:
            _close(a[k], b[k], f"{path}.{k}", bad)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            bad.append(f"{path}: lengths differ")
            return
        try:
            x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            for i, (u, v) in enumerate(zip(a, b, strict=True)):
                _close(u, v, f"{path}[{i}]", bad)
            return
        if not np.allclose(x, y, rtol=1e-6, atol=1e-12, equal_nan=True):
            bad.append(f"{path}: values differ")
    elif isinstance(a, float) or isinstance(b, float):
        if not np.isclose(float(a), float(b), rtol=1e-6, atol=1e-12):
            bad.append(f"{path}: {a} != {b}")
    elif a != b:
        bad.append(f"{path}: {a!r} != {b!r}")


def check() -> int:
    """Refit into a temporary folder and compare with the committed frames."""
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        bad: list[str] = []
        for name in FRAMES:
            committed = OUT / f"{name}.json"
            if not committed.is_file():
                bad.append(f"{committed} is missing")
                continue
            _close(json.loads(committed.read_text()),
                   json.loads((Path(tmp) / f"{name}.json").read_text()), name, bad)
    if bad:
        print("build_frames --check: committed frames differ from a fresh fit:", file=sys.stderr)
        for line in bad[:20]:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"build_frames --check: {len(FRAMES)} frames match a fresh fit.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed frames")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    build(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
