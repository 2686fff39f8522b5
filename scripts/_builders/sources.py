"""``SOURCES.md`` (from the template ``scripts/curated/SOURCES.md.in``) and ``MANIFEST.json``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from . import curated
from .common import DATA_VERSION, commit_of

__all__ = ["benchmark_sizes_table", "sha256", "write_manifest", "write_sources"]


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def benchmark_sizes_table() -> str:
    """The curated benchmark sizes as a Markdown table (one row per benchmark)."""
    lines = [
        "| benchmark | dataset | split | items | protocols | source | note |",
        "|---|---|---|---:|---|---|---|",
    ]
    for r in curated.benchmark_sizes():
        source = f"[{r['source']}]({r['source_link']})" if r["source_link"] else r["source"]
        cells = [
            r["benchmark"],
            r["dataset"],
            r["split"],
            f"{int(r['n_items']):,}",
            r["protocols"],
            source,
            r["note"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_sources(shared: Path, out: Path, models: pd.DataFrame) -> None:
    """Fill the SOURCES.md template with commits and counts computed from ``models``."""
    undated = models.loc[models["release_date"].isna() | (models["release_date"] == ""), "model"]
    text = curated.sources_template().format(
        version=DATA_VERSION,
        c_olmo=commit_of(shared, "olmo-ladder"),
        c_obs=commit_of(shared, "obsscaling"),
        c_eb=commit_of(shared, "epoch-benchmarks"),
        c_em=commit_of(shared, "epoch-models"),
        c_py=commit_of(shared, "pythia"),
        undated=", ".join(sorted(undated)) or "none",
        arch_missing=", ".join(sorted(models.loc[models["arch_source"] == "", "model"])) or "none",
        n_under=int(
            (
                pd.to_numeric(models["n_params_nonembedding"], errors="coerce")
                > pd.to_numeric(models["n_params"], errors="coerce")
            ).sum()
        ),
        n_verified=int(models["arch_source"].str.startswith("verified:").sum()),
        n_curated=int(models["arch_source"].str.startswith("curated:").sum()),
        benchmark_sizes=benchmark_sizes_table(),
    )
    (out / "SOURCES.md").write_text(text, encoding="utf-8", newline="\n")


def write_manifest(out: Path, rows: dict[str, int]) -> None:
    """Write MANIFEST.json: data version, and per file its SHA-256 and row count."""
    files = {}
    for name in sorted([*rows, "SOURCES.md"]):
        entry: dict[str, object] = {"sha256": sha256(out / name)}
        if name in rows:
            entry["rows"] = rows[name]
        files[name] = entry
    manifest = {"data_version": DATA_VERSION, "files": files}
    (out / "MANIFEST.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8", newline="\n"
    )
