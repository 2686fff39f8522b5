"""Document functions for the shipped WinoGrande task (partial scoring, as in lm-eval).

The two choices are the sentence up to the blank filled with each option; the scored
continuation is the rest of the sentence. ``winogrande_docs`` adds a 0-based ``gold`` field
so that :func:`densing.evaluate.conditional_losses` finds the gold choice in the logs.
"""

from __future__ import annotations

from typing import Any


def winogrande_docs(dataset: Any) -> Any:
    """Add ``gold`` (0 or 1) from WinoGrande's ``answer`` ("1" or "2")."""
    return dataset.map(lambda doc: {"gold": int(doc["answer"]) - 1})


def winogrande_text(doc: dict[str, Any]) -> int:
    """The gold choice index (lm-eval's convention for several contexts)."""
    return int(doc["answer"]) - 1


def winogrande_target(doc: dict[str, Any]) -> str:
    """The sentence after the blank: the continuation scored for both choices."""
    idx = doc["sentence"].index("_") + 1
    return str(doc["sentence"][idx:].strip())


def winogrande_choices(doc: dict[str, Any]) -> list[str]:
    """The sentence up to the blank, filled with each option."""
    idx = doc["sentence"].index("_")
    return [doc["sentence"][:idx] + opt for opt in (doc["option1"], doc["option2"])]


__all__ = ["winogrande_choices", "winogrande_docs", "winogrande_target", "winogrande_text"]
