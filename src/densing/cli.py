"""The ``densing`` command: a thin layer over the public API.

Each subcommand lives in its own module under :mod:`densing._cli` and exposes
``register(subparsers)``. Errors that densing raises on purpose are printed as one line on
stderr and exit with status 2; nothing is written on failure.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from densing import __version__
from densing.exceptions import DensingError

#: subcommand name -> module under densing._cli that registers it
_COMMANDS: dict[str, str] = {
    "reproduce": "densing._cli.reproduce",
    "frame": "densing._cli.frame",
    "density": "densing._cli.density",
    "trend": "densing._cli.trend",
    "evaluate": "densing._cli.evaluate",
    "measure": "densing._cli.measure",
    "params": "densing._cli.params",
    "leaderboard": "densing._cli.leaderboard",
    "plot": "densing._cli.plot",
}


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered.

    Returns
    -------
    argparse.ArgumentParser
        The top-level parser.
    """
    parser = argparse.ArgumentParser(
        prog="densing",
        description="Capability density of LLMs and the densing law.",
    )
    parser.add_argument("--version", action="version", version=f"densing {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMANDS.values():
        module = importlib.import_module(module_name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``densing`` command line.

    Parameters
    ----------
    argv
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        The exit status: 0 on success, 2 on a densing error or bad usage.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except DensingError as exc:
        msg = " ".join(str(exc).split())
        print(f"densing {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"densing {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"densing {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `densing reproduce | head`: the reader left; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
