"""The ``densing`` command: a thin layer over the public API.

Each subcommand lives in its own module under :mod:`densing._cli` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` on every parser that runs
something (one dispatch style: ``args.func(args)``; a parser that only groups actions sets
``func=None`` and ``help_parser`` so that naming no action prints its help).

Only the module of the command being run is imported: ``densing --help`` and
``densing --version`` import neither numpy nor pandas nor the package's modules.

Errors that densing raises on purpose, usage errors, unreadable files and every other
``OSError`` (a full disk, a file-size limit, a read-only file system) are printed as one line
on stderr, naming the path and the reason, and exit with status 2; nothing is written on
failure. Warnings print as one line, ``warning: ...``, each distinct text once; a
subcommand's ``--quiet`` silences them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from densing.exceptions import DensingError, UsageError

#: subcommand name -> (module under densing._cli that registers it, one-line help)
_COMMANDS: dict[str, tuple[str, str]] = {
    # the first hour's order: measure my model, put it on a board, see the trend, compare
    # with the paper; then the steps underneath
    "measure": ("densing._cli.measure",
                "measure my model: its density on the frame's exact protocol"),
    "leaderboard": ("densing._cli.leaderboard",
                    "put it on a board: create, update and render a density leaderboard"),
    "trend": ("densing._cli.trend",
              "see the trend: fit the densing law (doubling time) to dated densities"),
    "reproduce": ("densing._cli.reproduce",
                  "compare with the paper: the densing law on the bundled data"),
    "plot": ("densing._cli.plot",
             "draw a figure: the trend, the reference fit, effective vs actual size"),
    "density": ("densing._cli.density", "densities of models from a CSV of their scores"),
    "evaluate": ("densing._cli.evaluate",
                 "scores and conditional losses per benchmark through lm-eval"),
    "frame": ("densing._cli.frame", "fit, save and validate reference frames"),
    "params": ("densing._cli.params",
               "count total, non-embedding and active parameters from a config"),
}

#: what argparse takes for a negative number: its own rule plus scientific notation,
#: so that ``--tokens -1e12`` is a value and not an unknown option
_NEGATIVE_NUMBER = re.compile(r"^-(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^-inf$|^-nan$")


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises :class:`UsageError` instead of printing usage, and
    reads ``-1e12`` as a negative number. Subparsers inherit the class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from densing._cli._help import HelpFormatter

        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


class _VersionAction(argparse.Action):
    """``--version``: looks the version up (importlib.metadata) only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help="show the version and exit" if help is None else help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        from densing._version import version

        print(f"densing {version()}")
        parser.exit()


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (its first non-option), if it is a known one."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in _COMMANDS else None
    return None


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the argument parser.

    Parameters
    ----------
    commands
        Subcommands to register in full (their modules are imported); the others get a
        placeholder that only carries their help line. ``None`` registers every one.

    Returns
    -------
    argparse.ArgumentParser
        The top-level parser.
    """
    from densing._cli._help import add_examples

    parser = _Parser(prog="densing",
                     description="Capability density of LLMs and the densing law.")
    parser.add_argument("--version", action=_VersionAction)
    parser.set_defaults(func=None, help_parser=parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    full = set(_COMMANDS if commands is None else commands)
    for name, (module_name, help_text) in _COMMANDS.items():
        if name in full:
            importlib.import_module(module_name).register(sub)
        else:
            sub.add_parser(name, help=help_text)
    add_examples(parser)
    return parser


class _WarningPrinter:
    """``warnings.showwarning`` for the command line: each distinct text once per run (the
    same warning raised for every bootstrap draw prints once), wrapped to the terminal."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, message: Warning | str, category: type[Warning], filename: str,
                 lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
        text = " ".join(str(message).split())
        if text in self.seen:
            return
        self.seen.add(text)
        import shutil
        import textwrap

        width = shutil.get_terminal_size((100, 24)).columns
        print(textwrap.fill(f"warning: {text}", width=max(width, 40), subsequent_indent="  ",
                            break_on_hyphens=False), file=sys.stderr if file is None else file)


def _input_files(args: argparse.Namespace) -> str:
    """The files named on the command line, for a message about one that cannot be read."""
    names = []
    for value in vars(args).values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and os.path.isfile(item):
                names.append(repr(item))
    if not names:
        return "an input file"
    return names[0] if len(names) == 1 else f"one of {', '.join(names)}"


def _os_error_line(exc: OSError) -> str:
    """One line for an operating-system error: the path, then the reason."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    where = exc.filename if exc.filename is not None else "a file"
    return f"cannot use {str(where)!r}: {reason}"


#: longest error line printed; longer messages (a table's whole header, ...) are cut
_MAX_MESSAGE = 600


def _fail(prog: str, message: object) -> int:
    text = " ".join(str(message).split())
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    print(f"{prog}: error: {text}", file=sys.stderr)
    return 2


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
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(args_list)
    try:
        parser = build_parser([command] if command else [])
        args = parser.parse_args(args_list)
    except UsageError as exc:
        return _fail(exc.prog, exc)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    if args.func is None:
        args.help_parser.print_help()
        return 2
    prog = f"densing {args.command}"
    with warnings.catch_warnings():
        warnings.showwarning = _WarningPrinter()
        if getattr(args, "quiet", False):
            warnings.simplefilter("ignore")
        try:
            return int(args.func(args) or 0)
        except DensingError as exc:
            return _fail(prog, exc)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError,
                PermissionError) as exc:
            return _fail(prog, exc)
        except UnicodeDecodeError as exc:
            return _fail(prog, f"cannot read {_input_files(args)} as UTF-8 text ({exc.reason} "
                               f"at byte {exc.start})")
        except RecursionError:
            return _fail(prog, f"cannot read {_input_files(args)}: nested too deeply")
        except ImportError as exc:
            return _fail(prog, exc)
        except BrokenPipeError:  # e.g. `densing reproduce | head`: the reader left
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        except OSError as exc:  # any other: a full disk, a size limit, a read-only mount
            return _fail(prog, _os_error_line(exc))


__all__ = ["UsageError", "build_parser", "main"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
