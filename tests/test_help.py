"""The command line's help: fast, complete, with examples (issue 22 §2)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from densing._cli._help import walk
from densing.cli import build_parser, main

SRC = str(Path(__file__).resolve().parents[1] / "src")
PARSER = build_parser()
COMMANDS = [words for words, _ in walk(PARSER) if words]


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, argparse._SubParsersAction)]


@pytest.mark.parametrize("words", ["", *COMMANDS])
def test_every_option_has_help_and_every_command_an_example(words):
    parser = dict(walk(PARSER))[words]
    missing = [a.option_strings[-1] if a.option_strings else a.dest
               for a in _options(parser) if not (a.help or "").strip()]
    assert missing == [], f"densing {words}: options without a help line: {missing}"
    epilog = parser.epilog or ""
    assert epilog.startswith("examples:")
    example_lines = [line.strip() for line in epilog.splitlines()
                     if line.strip().startswith("densing ")]
    assert example_lines, f"densing {words}: no example"
    # each example names this command (the top level names the workflow's commands)
    named = [line.split()[1] for line in example_lines] if not words else []
    assert all(line.startswith(f"densing {words}") for line in example_lines), epilog
    assert all(name in dict(walk(PARSER)) for name in named), epilog


@pytest.mark.parametrize("words", COMMANDS)
def test_examples_parse(words):
    """Every example is a command line the parser accepts as written."""
    import shlex

    epilog = dict(walk(PARSER))[words].epilog or ""
    lines = [line.split("#")[0].strip() for line in epilog.splitlines()]
    examples = [line for line in lines if line.startswith("densing ")]
    assert examples, f"densing {words}: no example"
    for line in examples:
        args = build_parser().parse_args(shlex.split(line)[1:])
        assert args.func is not None, line


def test_defaults_are_shown_with_their_values(capsys):
    with pytest.raises(SystemExit):
        build_parser(["trend"]).parse_args(["trend", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "random seed (default: 0)" in out
    assert "resamples, count (default 1000)" in out
    # flags and empty defaults get no "(default: False/None)"
    assert "(default: False)" not in out and "(default: None)" not in out


def test_top_level_lists_the_workflow_first(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    listing = out[out.index("COMMAND\n"):out.index("options:")]
    names = [line.split()[0] for line in listing.splitlines()[1:]
             if line.startswith("    ") and not line.startswith("      ")]
    assert names[:4] == ["measure", "leaderboard", "trend", "reproduce"]
    assert sorted(names) == sorted(
        ["measure", "leaderboard", "trend", "reproduce", "plot", "density", "evaluate",
         "frame", "params"])


def test_literal_defaults_agree_with_the_library():
    """The CLI writes a few library constants out, to keep parsing light; they must agree."""
    from densing._cli import reproduce as cli_reproduce
    from densing._cli import trend as cli_trend
    from densing.report import PAPER_WINDOW, REPRODUCE_BENCHMARK
    from densing.trend import LLAMA1_DATE

    assert tuple(cli_reproduce.PAPER_WINDOW) == tuple(PAPER_WINDOW)
    assert cli_reproduce.REPRODUCE_BENCHMARK == REPRODUCE_BENCHMARK
    assert cli_trend.LLAMA1_DATE == LLAMA1_DATE


_PROBE = """
import sys
from densing.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = [m for m in ("numpy", "pandas", "matplotlib", "scipy", "densing.report",
                     "densing.trend", "densing.reference", "densing.density", "densing._io")
         if m in sys.modules]
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize("words", ["", *COMMANDS])
def test_help_imports_nothing_heavy(words):
    env = dict(os.environ, PYTHONPATH=SRC)
    res = subprocess.run([sys.executable, "-c", _PROBE, *words.split(), "--help"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "usage: densing" in res.stdout
    line = [ln for ln in res.stderr.splitlines() if ln.startswith("HEAVY:")][-1]
    assert line == "HEAVY:", f"densing {words} --help imported {line[6:]}"


def test_the_same_warning_prints_once(monkeypatch, capsys):
    """A warning repeated (e.g. once per bootstrap draw) prints one line; another prints too."""
    def noisy(args: argparse.Namespace) -> int:
        for _ in range(3):
            warnings.warn("same   text, say what to do", UserWarning, stacklevel=1)
        warnings.warn("another text", UserWarning, stacklevel=1)
        return 0

    import densing._cli.params as params_module

    real = params_module.register

    def register(sub):  # the params command, running ``noisy``
        real(sub)
        sub.choices["params"].set_defaults(func=noisy)

    monkeypatch.setattr(params_module, "register", register)
    assert main(["params", "x"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["warning: same text, say what to do", "warning: another text"]
