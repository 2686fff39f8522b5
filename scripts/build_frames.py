#!/usr/bin/env python
"""Fit the bundled reference frames from the bundled runs and ship them as JSON.

Usage::

    python scripts/build_frames.py            # (re)write src/densing/data/frames/*.json
    python scripts/build_frames.py --check    # refit, compare with the committed files

The default frame ``olmo-ladder`` (loss law without E) and its variant ``olmo-ladder+E`` are
fitted on the OLMo ladder runs below 4B parameters (OLMo-2 7B/13B are held out for the
self-check), on the nine rc tasks and the averaged benchmarks, with 200 bootstrap resamples
of the reference runs (seed 0). Shipping the fitted frames makes ``densing reproduce`` fast;
``densing.reference.load_frame`` refits on the fly for any other setting.

``--check`` refits and compares with the committed files on what users consume (predicted
losses and scores, ``N_hat`` and statuses on a grid of scores, objective values, bootstrap
quantiles, flags by kind), each with the tolerance stated in ``_builders/frame_check.py``
and the docs' "Reliability" page. On one machine a refit is bit-identical; across machines the
poorly identified loss-law parameters drift in their fifth or sixth digit along a flat valley
of the objective while those quantities stay within the tolerances.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

# Run as a script, this file's folder is on sys.path, so the builders import as `_builders`.
from _builders.frame_check import TOLERANCES, compare_frames

from densing.exceptions import FitQualityWarning
from densing.reference import DEFAULT_FRAME_BENCHMARKS, SHIPPED_FRAMES, ReferenceFrame

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "densing" / "data" / "frames"

FRAMES: dict[str, dict[str, Any]] = SHIPPED_FRAMES
N_BOOTSTRAP = 200
MAX_PARAMS = 4e9


def fit_frames() -> dict[str, ReferenceFrame]:
    """Fit every bundled frame from the bundled runs (deterministic on one machine)."""
    from densing.datasets import load_reference_runs

    runs = load_reference_runs("olmo-ladder")
    runs = runs[runs["n_params"] < MAX_PARAMS]
    frames = {}
    for name, kw in FRAMES.items():
        frame = ReferenceFrame(
            benchmarks=list(DEFAULT_FRAME_BENCHMARKS), n_bootstrap=N_BOOTSTRAP, random_state=0,
            name=name, **kw,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitQualityWarning)
            frame.fit(runs)
        frames[name] = frame
    return frames


def build(out: Path) -> list[Path]:
    """Fit every bundled frame and write it under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in fit_frames().items():
        paths.append(frame.save(out / f"{name}.json"))
        print(f"wrote {paths[-1]}")
    return paths


def check(frames: dict[str, ReferenceFrame] | None = None) -> int:
    """Compare fresh fits (default: refit now) with the committed frames.

    Parameters
    ----------
    frames
        Fitted frames by name; refitted from the bundled runs when omitted.

    Returns
    -------
    int
        0 when every frame agrees within the tolerances, 1 otherwise.
    """
    fresh = fit_frames() if frames is None else frames
    bad: list[str] = []
    for name in FRAMES:
        committed = OUT / f"{name}.json"
        if not committed.is_file():
            bad.append(f"{committed} is missing")
            continue
        actual = json.loads(json.dumps(fresh[name].to_dict()))
        bad.extend(str(m) for m in compare_frames(json.loads(committed.read_text()), actual,
                                                  name))
    if bad:
        print("build_frames --check: committed frames differ from a fresh fit beyond the "
              "tolerances:", file=sys.stderr)
        for line in bad[:20]:
            print(f"  {line}", file=sys.stderr)
        return 1
    tol = ", ".join(f"{k} {v:g}" + (" or 1/8 of the score's own half-width"
                                     if k == "n_hat_quantile" else "")
                    for k, v in TOLERANCES.items())
    print(f"build_frames --check: {len(FRAMES)} frames match a fresh fit within the "
          f"tolerances ({tol}).")
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
