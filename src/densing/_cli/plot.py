"""`densing plot`: the method's figures as PNG, SVG or PDF."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from densing._cli._common import read_csv
from densing.exceptions import InputError

_SUFFIXES = (".png", ".svg", ".pdf")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``plot`` subcommand and its figures.

    Parameters
    ----------
    sub
        The subparsers of the top-level ``densing`` parser.
    """
    parser = sub.add_parser(
        "plot",
        help="draw a figure: the trend, the reference fit, effective vs actual size",
        description="Write a figure to FILE; the format follows its suffix (.png, .svg, .pdf).",
    )
    kinds = parser.add_subparsers(dest="figure", metavar="FIGURE")
    parser.set_defaults(func=None, help_parser=parser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("-o", "--output", required=True, metavar="FILE",
                       help="output file (.png, .svg or .pdf)")
        p.add_argument("--quiet", action="store_true", help="no progress bars")

    p = kinds.add_parser("trend", help="log density against release date with the fit")
    p.add_argument("--densities", metavar="CSV",
                   help="one row per model (model, release_date, density[, status]) or a "
                        "compute_density table; default: bundled models and scores")
    p.add_argument("--benchmark", default=None,
                   help="benchmark of a long table (default average; average_llv1 for the "
                        "bundled data)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="trend bootstrap resamples, count")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed of the resamples")
    p.add_argument("--window", metavar="START:END", default=None,
                   help="release dates fitted with --densities (ISO, either may be empty; "
                        "default: all dates; the title names the window used)")
    common(p)
    p.set_defaults(func=_trend)

    p = kinds.add_parser("reference", help="the reference frame's two fitting steps")
    p.add_argument("--frame", default="olmo-ladder", metavar="NAME|JSON",
                   help="frame name or saved frame JSON")
    p.add_argument("--benchmark", default="average", help="the benchmark whose fit is drawn")
    p.add_argument("--runs", metavar="CSV", help="reference runs (needed for a JSON frame)")
    common(p)
    p.set_defaults(func=_reference)

    p = kinds.add_parser("effective", help="effective against actual parameters (log-log)")
    p.add_argument("--densities", required=True, metavar="CSV",
                   help="compute_density table or one row per model (n_params, n_hat, status)")
    p.add_argument("--benchmark", default=None,
                   help="benchmark of a long table (default: the table's own, else average)")
    p.add_argument("--label", action="store_true", help="write model names")
    p.add_argument("--frame", default=None, metavar="NAME|JSON",
                   help="shade this frame's size range on the benchmark drawn (N-hat "
                        "interpolated inside it, extrapolated beyond; default: no shading)")
    common(p)
    p.set_defaults(func=_effective)


def _check_output(path: str) -> None:
    if os.path.splitext(path)[1].lower() not in _SUFFIXES:
        raise InputError(f"-o must end in .png, .svg or .pdf; got {path!r}")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError(f"output directory does not exist: {parent!r}")


#: columns read as text from users' CSVs (model names such as "7" stay names)
_TEXT_COLUMNS = {"model": str, "status": str}


def _axes(ncols: int = 1, size: tuple[float, float] = (7.0, 4.5)):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure  # no pyplot: no GUI backend needed

    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(1, ncols)
    return axes


def _save(ax_or_axes: Any, path: str) -> int:
    """Draw the figure into memory, then write it atomically: a full disk or a size limit
    leaves no partial file and ends in one line naming ``path`` (exit 2)."""
    import io

    from densing._io import atomic_write_bytes

    ax = ax_or_axes.flat[0] if hasattr(ax_or_axes, "flat") else (
        ax_or_axes[0] if isinstance(ax_or_axes, (tuple, list)) else ax_or_axes)
    buf = io.BytesIO()
    ax.figure.savefig(buf, format=os.path.splitext(path)[1].lower()[1:], dpi=150)
    atomic_write_bytes(path, buf.getvalue())
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _trend(args: argparse.Namespace) -> int:
    from densing.plotting import plot_density_trend

    _check_output(args.output)
    bench = args.benchmark
    if not args.densities:
        # the same pipeline as `densing reproduce` (paper window, envelope frontier)
        from densing.report import reproduce

        if not args.quiet:
            print("fitting the densing law on the bundled models (as `densing reproduce`)...",
                  file=sys.stderr)
        rep = reproduce(n_bootstrap=args.bootstrap, random_state=args.seed)
        return _save(plot_density_trend(rep.trend, _axes(size=(7.5, 7.0))), args.output)
    from densing.trend import DensingTrend

    df = read_csv(args.densities, "densities", _TEXT_COLUMNS)
    if "benchmark" in df.columns and df["benchmark"].nunique() > 1:
        from densing.density import model_densities

        df = model_densities(df, benchmark=bench or "average")
    elif bench is not None and "benchmark" in df.columns:
        df = df[df["benchmark"] == bench]
    if "release_date" in df.columns and df["release_date"].isna().any():
        import warnings

        missing = df.loc[df["release_date"].isna(), "model"].astype(str).tolist()
        warnings.warn(f"{len(missing)} model(s) without a release date left out of the trend: "
                      f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}",
                      stacklevel=2)
        df = df[df["release_date"].notna()]
    start = end = None
    if args.window:
        if ":" not in args.window:
            raise InputError(f"--window={args.window!r} must be START:END (ISO dates, either "
                             "may be empty)")
        a, b = args.window.split(":", 1)
        start, end = a or None, b or None
    trend = DensingTrend(n_bootstrap=args.bootstrap, random_state=args.seed,
                         window=(start, end)).fit(df)
    return _save(plot_density_trend(trend, _axes(size=(7.5, 7.0))), args.output)


def _reference(args: argparse.Namespace) -> int:
    from densing.plotting import plot_reference_fit

    _check_output(args.output)
    runs = read_csv(args.runs, "runs", _TEXT_COLUMNS) if args.runs else None
    axes = _axes(2, (11.0, 4.5))
    plot_reference_fit(args.frame, args.benchmark, runs=runs, axes=tuple(axes))
    return _save(axes, args.output)


def _effective(args: argparse.Namespace) -> int:
    from densing.plotting import plot_effective_vs_actual

    _check_output(args.output)
    df = read_csv(args.densities, "densities", _TEXT_COLUMNS)
    frame_range: tuple[float, float] | None = None
    if args.frame is not None:
        from densing.density import resolve_frame

        fr = resolve_frame(args.frame)
        bench = args.benchmark
        if bench is None and "benchmark" in df.columns and df["benchmark"].nunique() == 1:
            bench = str(df["benchmark"].iloc[0])
        bench = bench or "average"
        if bench not in (fr.fits_ or {}):
            raise InputError(f"--frame {args.frame!r} has no benchmark {bench!r}")
        lo_n, hi_n = (fr.fits_ or {})[bench].size_range
        frame_range = (float(lo_n), float(hi_n))
    ax = plot_effective_vs_actual(df, _axes(size=(5.5, 5.0)), benchmark=args.benchmark,
                                  label=args.label, frame_range=frame_range)
    return _save(ax, args.output)
