"""The benchmark registry: one row per benchmark, read from ``densing/data/benchmarks.csv``.

The table is built by ``scripts/build_data.py`` from the curated tables in
``scripts/curated/`` (``densing/data/SOURCES.md``, "benchmarks.csv"). Every per-benchmark
fact the package uses comes from here: the OLMo ladder's ten benchmarks, their split, metric
and request parts (:mod:`densing.evaluate.protocol`), the shipped lm-eval tasks
(:mod:`densing.evaluate.runner`), lm-eval's task names (``densing._lm_eval``), the chance
levels (:mod:`densing.reference`) and the evaluated items behind a score's binomial error
(:mod:`densing.density`). Only the standard library is used, so importing it costs nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = ["Benchmark", "benchmarks", "ladder_benchmarks"]


@dataclass(frozen=True)
class Benchmark:
    """One row of the registry.

    Attributes
    ----------
    name
        densing's benchmark name (``"arc_easy"``).
    n_items
        Items in the evaluated split (the ``n`` of a score's binomial error).
    dataset, split
        The dataset and the split its protocols score.
    n_choices
        Answer choices per question (ladder benchmarks only, else ``None``).
    ladder_split, ladder_metric
        Split and metric of the OLMo ladder's columns (``""`` off the ladder).
    ladder_parts
        ``(task, weight)`` pairs of the ladder's request files; empty off the ladder.
    lm_eval_tasks
        lm-eval's own task names that score this benchmark (ladder benchmarks only).
    """

    name: str
    n_items: int
    dataset: str
    split: str
    n_choices: int | None
    ladder_split: str
    ladder_metric: str
    ladder_parts: tuple[tuple[str, float], ...]
    lm_eval_tasks: tuple[str, ...]

    @property
    def chance(self) -> float | None:
        """Expected accuracy of uniform guessing, ``1 / n_choices`` (``None`` if unknown)."""
        return None if self.n_choices is None else 1 / self.n_choices


def _parts(text: str) -> tuple[tuple[str, float], ...]:
    pairs = (item.rpartition(":") for item in text.split(";") if item)
    return tuple((task, float(weight)) for task, _, weight in pairs)


@cache
def benchmarks() -> dict[str, Benchmark]:
    """Every benchmark of the registry, in the table's order (the ladder's ten first).

    Returns
    -------
    dict
        Benchmark name -> :class:`Benchmark`.
    """
    path = files("densing") / "data" / "benchmarks.csv"
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    return {
        r["benchmark"]: Benchmark(
            name=r["benchmark"],
            n_items=int(r["n_items"]),
            dataset=r["dataset"],
            split=r["split"],
            n_choices=int(r["n_choices"]) if r["n_choices"] else None,
            ladder_split=r["ladder_split"],
            ladder_metric=r["ladder_metric"],
            ladder_parts=_parts(r["ladder_parts"]),
            lm_eval_tasks=tuple(t for t in r["lm_eval_tasks"].split(";") if t),
        )
        for r in rows
    }


def ladder_benchmarks() -> dict[str, Benchmark]:
    """The OLMo ladder's benchmarks (the default frame's rc-5shot tasks), in measure order.

    Returns
    -------
    dict
        Benchmark name -> :class:`Benchmark`, for the rows with ladder parts.
    """
    return {name: b for name, b in benchmarks().items() if b.ladder_parts}
