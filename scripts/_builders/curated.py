"""Typed readers of the hand-curated tables in ``scripts/curated/`` (see its README.md).

Every table is a plain CSV with a header row and one key column (or a key made of several
columns) that must be unique. Cells are read as strings; an empty cell means "not given".
"""

from __future__ import annotations

import csv
from functools import cache
from typing import NamedTuple

from .common import CURATED

__all__ = [
    "TABLES",
    "Arch",
    "ClosedModel",
    "CuratedTableError",
    "architectures",
    "benchmark_sizes",
    "canonical_names",
    "closed_models",
    "derived_models",
    "epoch_aliases",
    "epoch_benchmark_tables",
    "epoch_version_aliases",
    "extra_open_models",
    "mmlu_groups",
    "moe_active",
    "obsscaling_protocols",
    "olmo_benchmarks",
    "olmo_sizes",
    "organizations",
    "paper_dates",
    "paper_models",
    "param_fixes",
    "read_table",
    "release_dates",
    "sources_template",
    "token_fixes",
]

# file name -> key columns (the columns whose combination is unique)
TABLES: dict[str, tuple[str, ...]] = {
    "architectures.csv": ("hf_id",),
    "benchmark_sizes.csv": ("benchmark",),
    "canonical_names.csv": ("hf_id",),
    "closed_models.csv": ("model",),
    "derived_models.csv": ("hf_id",),
    "epoch_aliases.csv": ("hf_id",),
    "epoch_benchmark_tables.csv": ("file_stem", "score_column"),
    "epoch_version_aliases.csv": ("epoch_version",),
    "extra_open_models.csv": ("hf_id",),
    "mmlu_groups.csv": ("group",),
    "moe_active.csv": ("hf_id",),
    "obsscaling_protocols.csv": ("obsscaling_column",),
    "olmo_benchmarks.csv": ("benchmark",),
    "olmo_sizes.csv": ("size",),
    "organizations.csv": ("hf_org",),
    "paper_dates.csv": ("model",),
    "paper_models.csv": ("model",),
    "param_fixes.csv": ("hf_id",),
    "release_dates.csv": ("hf_id",),
    "token_fixes.csv": ("hf_id",),
}
_BOOL = {"True": True, "False": False}


class CuratedTableError(ValueError):
    """A curated table is malformed (duplicate key, bad cell, wrong header)."""


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of one curated CSV in file order, each a dict of strings; keys checked unique."""
    keys = TABLES[name]
    with open(CURATED / name, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = tuple(reader)
        header = reader.fieldnames or []
    missing = [k for k in keys if k not in header]
    if missing:
        raise CuratedTableError(f"{name}: header lacks key column(s) {missing}")
    for i, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise CuratedTableError(f"{name}:{i}: field count differs from the header")
    seen: set[tuple[str, ...]] = set()
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key in seen:
            raise CuratedTableError(f"{name}: duplicate key {key}")
        seen.add(key)
    return rows


def _float(cell: str) -> float | None:
    return float(cell) if cell else None


def _bool(name: str, cell: str) -> bool:
    if cell not in _BOOL:
        raise CuratedTableError(f"{name}: expected True or False, got {cell!r}")
    return _BOOL[cell]


def organizations() -> dict[str, str]:
    """Hugging Face organisation -> developer name."""
    return {r["hf_org"]: r["organization"] for r in read_table("organizations.csv")}


def canonical_names() -> dict[str, str]:
    """Hugging Face id -> readable canonical model name (where the repo name is not)."""
    return {r["hf_id"]: r["model"] for r in read_table("canonical_names.csv")}


def extra_open_models() -> dict[str, tuple[str, float | None, str, float | None]]:
    """Open models of the densing paper's figure that ObsScaling lacks.

    hf_id -> (family, n_params, n_params_source, tokens); None where not given.
    """
    return {
        r["hf_id"]: (r["family"], _float(r["n_params"]), r["n_params_source"], _float(r["tokens"]))
        for r in read_table("extra_open_models.csv")
    }


def epoch_aliases() -> dict[str, tuple[str, str]]:
    """hf_id -> (Epoch table, key): explicit links where names do not match automatically.

    The table is ``"model_versions"`` (key: its ``id``) or ``"all_ml_systems"`` (its ``System``).
    """
    return {r["hf_id"]: (r["epoch_table"], r["epoch_key"]) for r in read_table("epoch_aliases.csv")}


def release_dates() -> dict[str, tuple[str, str]]:
    """hf_id -> (ISO release date, note giving the origin); takes precedence over Epoch."""
    return {r["hf_id"]: (r["release_date"], r["note"]) for r in read_table("release_dates.csv")}


def param_fixes() -> dict[str, tuple[float, str]]:
    """hf_id -> (total parameters, n_params_source): corrections to ObsScaling's sizes."""
    return {
        r["hf_id"]: (float(r["n_params"]), r["n_params_source"])
        for r in read_table("param_fixes.csv")
    }


def moe_active() -> dict[str, float]:
    """hf_id -> active parameters per token of a mixture-of-experts model."""
    return {r["hf_id"]: float(r["active_params"]) for r in read_table("moe_active.csv")}


def token_fixes() -> dict[str, tuple[float, str]]:
    """hf_id -> (pretraining tokens, tokens_source): corrections to ObsScaling's tokens."""
    return {
        r["hf_id"]: (float(r["tokens"]), r["tokens_source"]) for r in read_table("token_fixes.csv")
    }


def derived_models() -> dict[str, tuple[str, str]]:
    """hf_id -> (parent canonical name or '', relation)."""
    return {
        r["hf_id"]: (r["derived_from"], r["relation"]) for r in read_table("derived_models.csv")
    }


class Arch(NamedTuple):
    """What the non-embedding count of a model needs (see ``embedding``)."""

    vocab: int  # rows of the token-embedding table (config vocab_size, padded as in the weights)
    d_model: int  # hidden size
    tied: bool  # output (LM-head) matrix shares the input embedding
    total: int | None  # exact total of the architecture; None: fall back on n_params
    source: str  # where the values come from (see SOURCES.md, column arch_source)
    pos: int = 0  # learned position-embedding parameters (GPT-2/GPT-Neo/OPT/StarCoder)
    head_bias: bool = False  # untied LM head with a bias (phi, GPT-J, CodeGen)
    d_embed: int | None = None  # token-embedding width when it differs from d_model (OPT-350m)

    def embedding(self) -> int:
        """Embedding parameters in densing's convention (densing.evaluate.count_parameters):
        the token embedding, an untied LM head (with its bias), learned position embeddings."""
        width = self.d_embed or self.d_model
        head = 0 if self.tied else self.vocab * width + (self.vocab if self.head_bias else 0)
        return self.vocab * width + head + self.pos


def architectures() -> dict[str, Arch]:
    """hf_id -> architecture values (see scripts/curated/README.md)."""
    name = "architectures.csv"
    return {
        r["hf_id"]: Arch(
            vocab=int(r["vocab_size"]),
            d_model=int(r["d_model"]),
            tied=_bool(name, r["tied_embeddings"]),
            total=int(r["n_params_arch"]) if r["n_params_arch"] else None,
            source=r["arch_source"],
            pos=int(r["pos_embedding"]),
            head_bias=_bool(name, r["lm_head_bias"]),
            d_embed=int(r["d_embed"]) if r["d_embed"] else None,
        )
        for r in read_table(name)
    }


def obsscaling_protocols() -> dict[str, tuple[str, str]]:
    """ObsScaling score column -> (benchmark, protocol)."""
    return {
        r["obsscaling_column"]: (r["benchmark"], r["protocol"])
        for r in read_table("obsscaling_protocols.csv")
    }


def epoch_benchmark_tables() -> dict[str, list[tuple[str, str]]]:
    """Epoch external-benchmark file stem -> [(score column, benchmark)], in file order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in read_table("epoch_benchmark_tables.csv"):
        out.setdefault(r["file_stem"], []).append((r["score_column"], r["benchmark"]))
    return out


def epoch_version_aliases() -> dict[str, str]:
    """Epoch ``Model version`` id -> models.csv name, where names do not match."""
    return {r["epoch_version"]: r["model"] for r in read_table("epoch_version_aliases.csv")}


def paper_models() -> list[tuple[str, str, str]]:
    """The densing paper's figure models: (paper name, figure, models.csv name or '')."""
    return [(r["model"], r["figure"], r["models_csv_name"]) for r in read_table("paper_models.csv")]


class ClosedModel(NamedTuple):
    """A closed model of the paper's MMLU figure and where its facts come from."""

    epoch_table: str  # "all_ml_systems" or "model_versions": where its date comes from
    epoch_key: str  # System (all_ml_systems) or id (model_versions)
    mmlu_name: str  # `Name` of its row in Epoch's MMLU table
    n_params: float | None  # curated parameter count (a paper's table), if any
    params_system: str  # all_ml_systems System to take the parameter count from, if any
    date_note_extra: str  # appended to the date note in parentheses, if any


def closed_models() -> dict[str, ClosedModel]:
    """Paper name -> facts of a closed model (only in paper_models.csv)."""
    return {
        r["model"]: ClosedModel(
            r["epoch_table"],
            r["epoch_key"],
            r["mmlu_name"],
            _float(r["n_params"]),
            r["params_system"],
            r["date_note_extra"],
        )
        for r in read_table("closed_models.csv")
    }


def paper_dates() -> dict[str, tuple[str, str]]:
    """Paper name -> (release date as the densing paper gives it, note)."""
    return {r["model"]: (r["release_date"], r["note"]) for r in read_table("paper_dates.csv")}


def olmo_sizes() -> dict[str, tuple[int, str, int | None]]:
    """OLMo size label -> (d_model, final.json key or '', n_params when not in final.json)."""
    return {
        r["size"]: (
            int(r["d_model"]),
            r["final_json_key"],
            int(r["n_params"]) if r["n_params"] else None,
        )
        for r in read_table("olmo_sizes.csv")
    }


def olmo_benchmarks() -> dict[str, tuple[str, str]]:
    """OLMo ladder benchmark -> (split, metric), in output order."""
    return {r["benchmark"]: (r["split"], r["metric"]) for r in read_table("olmo_benchmarks.csv")}


def mmlu_groups() -> dict[str, int]:
    """lm-eval MMLU subject group -> test-split question count (weights of combined MMLU)."""
    return {r["group"]: int(r["n_questions"]) for r in read_table("mmlu_groups.csv")}


def benchmark_sizes() -> list[dict[str, str]]:
    """One row per benchmark: dataset, split, n_items (evaluated size), protocols, source."""
    rows = [dict(r) for r in read_table("benchmark_sizes.csv")]
    for r in rows:
        if not r["n_items"].isdigit() or int(r["n_items"]) <= 0:
            raise CuratedTableError(f"benchmark_sizes.csv: bad n_items {r['n_items']!r}")
    return rows


def sources_template() -> str:
    """The text of SOURCES.md with ``{placeholders}`` for the computed parts."""
    return (CURATED / "SOURCES.md.in").read_text(encoding="utf-8")
