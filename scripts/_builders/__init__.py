"""Builders of densing's bundled data tables, one module per raw source.

``scripts/build_data.py`` is the entry point. Each module here derives one table (or the part of
one that a source contributes) from the raw snapshots in ``../shared/data`` and the hand-curated
tables in ``scripts/curated/``:

- ``common``: output format, date bounds, name normalisation;
- ``curated``: typed readers of ``scripts/curated/*.csv``;
- ``olmo_ladder``: ``reference_runs_olmo_ladder.csv`` (allenai/OLMo-ladder);
- ``epoch``: lookups into Epoch AI's model tables and external-benchmark tables;
- ``architecture``: non-embedding parameter counts from the curated architecture table;
- ``obsscaling``: ``models.csv`` and ``scores.csv`` (ObsScaling joined with Epoch);
- ``paper``: ``paper_models.csv`` (the densing paper's figures);
- ``sources``: ``SOURCES.md`` and ``MANIFEST.json``.
"""

from __future__ import annotations

__all__: list[str] = []
