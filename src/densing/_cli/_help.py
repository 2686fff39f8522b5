"""How the command line's help reads: defaults shown, examples at the end of every command.

:class:`HelpFormatter` keeps descriptions and epilogs as written (the examples are laid out
by hand) and appends ``(default: ...)`` to an option's help unless the help already names
its default, the default is empty (``None``, ``False``) or the option is a flag.
:data:`EXAMPLES` holds one or two examples per command, keyed by the command's words
(``"frame fit"``); :func:`add_examples` puts them into the parsers' epilogs once they are
built, so each subcommand's module keeps only its options.

Nothing here imports more than the standard library: building every parser stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

#: the words of a command (``""`` for ``densing`` itself) -> its examples, one per line pair
EXAMPLES: dict[str, str] = {
    "": (
        "  # the first hour, in order: measure my model, put it on a board, see the trend,\n"
        "  # compare with the paper\n"
        "  densing measure --model HuggingFaceTB/SmolLM2-135M --release-date 2024-11-01\n"
        "  densing leaderboard add board/ --scores s.csv --model m --params 1.35e8 "
        "--release-date 2024-11-01\n"
        "  densing trend --densities per_model.csv\n"
        "  densing reproduce\n"
        "  # each command's --help ends with its own examples"
    ),
    "reproduce": (
        "  densing reproduce                    # the headline, beside the paper's 3.3 months\n"
        "  densing reproduce --sensitivity      # the doubling time under each analysis choice"
    ),
    "frame": (
        "  densing frame fit --out my_frame.json\n"
        "  densing frame validate --holdout-min-params 4e9"
    ),
    "frame fit": (
        "  densing frame fit --out my_frame.json\n"
        "  densing frame fit --runs my_runs.csv --benchmarks hellaswag,arc_easy --out f.json"
    ),
    "frame validate": (
        "  densing frame validate                         # hold out the runs >= 4e9 params\n"
        "  densing frame validate --holdout-min-params 1e9 --json"
    ),
    "density": (
        "  densing density --scores scores.csv --models models.csv --per-model per_model.csv\n"
        "  densing density --scores scores.csv --frame my_frame.json --out densities.csv"
    ),
    "trend": (
        "  densing trend --densities per_model.csv\n"
        "  densing trend --densities per_model.csv --start 2023-02-24 --split 2022-11-30"
    ),
    "evaluate": (
        "  densing evaluate --model HuggingFaceTB/SmolLM2-135M --limit 50 --out scores.csv\n"
        "  densing evaluate --model model.gguf --benchmarks hellaswag,arc_easy --json"
    ),
    "measure": (
        "  densing measure --model HuggingFaceTB/SmolLM2-135M --release-date 2024-11-01\n"
        "  densing measure --model ./my-model --limit 100 --json"
    ),
    "params": (
        "  densing params ./my-model/config.json\n"
        "  densing params model.gguf --json"
    ),
    "leaderboard": (
        "  densing leaderboard init board/\n"
        "  densing leaderboard add board/ --scores s.csv --model m --params 1.35e8 "
        "--release-date 2024-11-01"
    ),
    "leaderboard init": "  densing leaderboard init board/",
    "leaderboard add": (
        "  densing leaderboard add board/ --scores s.csv --model m --params 1.35e8 "
        "--release-date 2024-11-01\n"
        "  densing leaderboard add board/ --results r.json --model m --params 7e9 "
        "--release-date 2024-06-01"
    ),
    "leaderboard remove": "  densing leaderboard remove board/ --model my-model",
    "leaderboard show": (
        "  densing leaderboard show board/\n"
        "  densing leaderboard show board/ --json"
    ),
    "leaderboard render": (
        "  densing leaderboard render board/                 # Markdown on stdout\n"
        "  densing leaderboard render board/ --format html -o board.html"
    ),
    "leaderboard check": "  densing leaderboard check board/",
    "leaderboard repair": "  densing leaderboard repair board/",
    "leaderboard history": "  densing leaderboard history board/",
    "plot": (
        "  densing plot trend -o trend.png\n"
        "  densing plot effective --densities densities.csv -o effective.png"
    ),
    "plot trend": (
        "  densing plot trend -o trend.png                  # the bundled models, as reproduce\n"
        "  densing plot trend --densities per_model.csv -o trend.svg"
    ),
    "plot reference": (
        "  densing plot reference -o reference.png\n"
        "  densing plot reference --benchmark hellaswag -o hellaswag.pdf"
    ),
    "plot effective": (
        "  densing plot effective --densities densities.csv -o effective.png\n"
        "  densing plot effective --densities densities.csv --label -o effective.svg"
    ),
}


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrapped by paragraph, epilogs of examples as written; ``(default: X)``
    after an option's help."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
        return "\n\n".join(super(HelpFormatter, self)._fill_text(p, width, indent)
                             for p in paragraphs if p)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or not action.option_strings
            or action.nargs == 0  # flags: store_true, --help, --version
            or default is None
            or default is False
            or default is argparse.SUPPRESS
        ):
            return text
        return f"{text} (default: %(default)s)" if text else "(default: %(default)s)"


def walk(parser: argparse.ArgumentParser, words: str = "") -> Iterator[
        tuple[str, argparse.ArgumentParser]]:
    """Every parser under ``parser`` with its command words (``"frame fit"``), depth first.

    Parameters
    ----------
    parser
        The top-level parser (or any parser).
    words
        The words of ``parser`` itself.

    Yields
    ------
    tuple of (str, argparse.ArgumentParser)
        The words and the parser.
    """
    yield words, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, f"{words} {name}".strip())


def add_examples(parser: argparse.ArgumentParser) -> None:
    """Set every built parser's epilog to its :data:`EXAMPLES` (kept when one is set).

    Parameters
    ----------
    parser
        The top-level parser, after the subcommands are registered.
    """
    for words, sub in walk(parser):
        sub.formatter_class = HelpFormatter
        if not sub.epilog and words in EXAMPLES:
            sub.epilog = "examples:\n" + EXAMPLES[words]


__all__ = ["EXAMPLES", "HelpFormatter", "add_examples", "walk"]
