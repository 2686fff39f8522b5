"""``benchmarks.csv``, densing's one benchmark registry, from three curated tables.

Joins ``scripts/curated/benchmark_sizes.csv`` (every benchmark: dataset, split, evaluated
items), ``olmo_benchmarks.csv`` (the OLMo ladder's ten: split and metric of its columns, the
number of answer choices, the order ``densing measure`` runs them in) and ``mmlu_groups.csv``
(MMLU's four subject groups and their weights). Rows: the ladder's ten in measure order, then
the other benchmarks in ``benchmark_sizes.csv`` order.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import curated

__all__ = ["BENCHMARK_COLUMNS", "build_benchmarks"]

BENCHMARK_COLUMNS = [
    "benchmark",
    "n_items",
    "n_choices",
    "dataset",
    "split",
    "ladder_split",
    "ladder_metric",
    "ladder_parts",
    "lm_eval_tasks",
]


def build_benchmarks(shared: Path) -> pd.DataFrame:
    """The registry table (``shared`` is unused: every input is curated)."""
    del shared
    sizes = curated.benchmark_sizes()
    by_name = {r["benchmark"]: r for r in sizes}
    ladder = {r["benchmark"]: r for r in curated.read_table("olmo_benchmarks.csv")}
    missing = sorted(set(ladder) - set(by_name))
    if missing:
        raise curated.CuratedTableError(
            f"olmo_benchmarks.csv: {missing} have no row in benchmark_sizes.csv"
        )
    order = sorted(ladder, key=lambda b: int(ladder[b]["measure_order"]))
    groups = curated.mmlu_groups()
    rows = []
    for name in [*order, *(r["benchmark"] for r in sizes if r["benchmark"] not in ladder)]:
        size = by_name[name]
        lad = ladder.get(name)
        if lad is None:
            parts = ""
        elif name == "mmlu":
            parts = ";".join(f"mmlu_{g}:{w}" for g, w in groups.items())
        else:
            parts = f"{name}:1"
        rows.append(
            {
                "benchmark": name,
                "n_items": int(size["n_items"]),
                "n_choices": lad["n_choices"] if lad else "",
                "dataset": size["dataset"],
                "split": size["split"],
                "ladder_split": lad["split"] if lad else "",
                "ladder_metric": lad["metric"] if lad else "",
                "ladder_parts": parts,
                "lm_eval_tasks": lad["lm_eval_tasks"] if lad else "",
            }
        )
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)
