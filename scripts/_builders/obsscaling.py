"""``models.csv`` and ``scores.csv``: ObsScaling's open base models (``obsscaling/``) joined with
Epoch's dates and counts, plus the open models of the densing paper's figure that ObsScaling
lacks, and Epoch's technical-report scores.

The curated corrections (release dates, parameter and token fixes, MoE active sizes,
derivations, names, organisations, architectures) are in ``scripts/curated/``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import curated
from .architecture import arch_columns
from .common import MAX_DATE, MIN_DATE, commit_of
from .epoch import Epoch, date_for, epoch_external, epoch_version_map

__all__ = [
    "MODEL_COLUMNS",
    "OBS_FILE",
    "SCORE_COLUMNS",
    "build_models",
    "build_scores",
    "canonical_name",
]

OBS_FILE = "obsscaling/base_llm_benchmark_eval.csv"
OBS_GITHUB = "https://github.com/ryoungj/ObsScaling"
MODEL_COLUMNS = [
    "model",
    "hf_id",
    "family",
    "organization",
    "n_params",
    "n_params_source",
    "n_params_nonembedding",
    "n_params_arch",
    "vocab_size",
    "d_model",
    "tied_embeddings",
    "arch_source",
    "tokens",
    "tokens_source",
    "release_date",
    "date_source",
    "date_note",
    "derived_from",
    "relation",
    "is_moe",
    "active_params",
    "in_obsscaling",
]
SCORE_COLUMNS = ["model", "benchmark", "protocol", "score", "stderr", "source", "source_link"]


def canonical_name(hf_id: str) -> str:
    """Stable readable name: the repo name without a trailing '-hf' (or a curated override)."""
    overrides = curated.canonical_names()
    if hf_id in overrides:
        return overrides[hf_id]
    name = hf_id.split("/", 1)[1]
    if name.endswith("-hf"):
        name = name[:-3]
    return name


def build_models(shared: Path) -> pd.DataFrame:
    """One row per open base model (ObsScaling's 148 plus the paper's extra open models)."""
    obs = pd.read_csv(shared / OBS_FILE)
    epoch = Epoch(shared)
    extra = curated.extra_open_models()
    param_fixes = curated.param_fixes()
    token_fixes = curated.token_fixes()
    moe_active = curated.moe_active()
    derived = curated.derived_models()
    orgs = curated.organizations()
    rows = []
    entries = [(r["Model"], r, True) for _, r in obs.iterrows()]
    entries += [(hf, None, False) for hf in extra]
    for hf_id, r, in_obs in entries:
        found = epoch.match(hf_id)
        date, date_source, date_note = date_for(hf_id, found)
        if in_obs:
            family = r["Model Family"]
            n_params = float(r["Model Size (B)"]) * 1e9
            n_src = "obsscaling:Model Size (B) (nominal)"
            tok = r["Pretraining Data Size (T)"]
            tokens = float(tok) * 1e12 if pd.notna(tok) else np.nan
            tok_src = "obsscaling:Pretraining Data Size (T)" if pd.notna(tok) else ""
        else:
            family, n_cur, n_src, tok_cur = extra[hf_id]
            n_params = n_cur if n_cur is not None else np.nan
            tokens = tok_cur if tok_cur is not None else np.nan
            tok_src = "curated (model card)" if tok_cur is not None else ""
        am_params = found.get("am", (None, None, np.nan))[2]
        # Prefer Epoch's parameter count for the matched entry when it is within 35 % of
        # ObsScaling's nominal size (guards against family-level or active-only counts).
        if pd.notna(am_params) and (np.isnan(n_params) or abs(am_params / n_params - 1) < 0.35):
            n_params, n_src = float(am_params), "epoch:all_ml_systems"
        if hf_id in param_fixes:
            n_params, n_src = param_fixes[hf_id]
        if hf_id in token_fixes:
            tokens, tok_src = token_fixes[hf_id]
        parent, relation = derived.get(hf_id, ("", ""))
        org = orgs.get(hf_id.split("/", 1)[0], hf_id.split("/", 1)[0])
        rows.append(
            {
                "model": canonical_name(hf_id),
                "hf_id": hf_id,
                "family": family,
                "organization": org,
                "n_params": n_params,
                "n_params_source": n_src,
                **arch_columns(hf_id, n_params),
                "tokens": tokens,
                "tokens_source": tok_src,
                "release_date": date,
                "date_source": date_source,
                "date_note": date_note,
                "derived_from": parent,
                "relation": relation,
                "is_moe": hf_id in moe_active,
                "active_params": moe_active.get(hf_id, np.nan),
                "in_obsscaling": in_obs,
            }
        )
    df = pd.DataFrame(rows)
    for col in (
        "n_params",
        "tokens",
        "active_params",
        "n_params_nonembedding",
        "n_params_arch",
        "vocab_size",
        "d_model",
    ):
        df[col] = df[col].astype(float).round().astype("Int64")
    assert df["model"].is_unique, df["model"][df["model"].duplicated()].tolist()
    dated = df["release_date"] != ""
    assert (df.loc[dated, "release_date"] >= MIN_DATE).all()
    assert (df.loc[dated, "release_date"] <= MAX_DATE).all()
    return df.sort_values("model", key=lambda s: s.str.lower(), kind="mergesort")[
        MODEL_COLUMNS
    ].reset_index(drop=True)


def binomial_stderr(df: pd.DataFrame) -> pd.Series:
    """Each score's binomial standard error ``sqrt(p (1 - p) / n)``, ``n`` the benchmark's
    evaluated size (``scripts/curated/benchmark_sizes.csv``); NaN without a curated size."""
    sizes = {r["benchmark"]: float(r["n_items"]) for r in curated.benchmark_sizes()}
    n = df["benchmark"].map(sizes)
    p = df["score"].astype(float)
    return (p * (1.0 - p) / n).pow(0.5).round(6)


def build_scores(shared: Path) -> pd.DataFrame:
    """One row per (model, benchmark, protocol, source): ObsScaling and Epoch report scores."""
    models = build_models(shared)
    obs = pd.read_csv(shared / OBS_FILE)
    name_of = dict(zip(models["hf_id"], models["model"], strict=True))
    commit = commit_of(shared, "obsscaling")
    link = f"{OBS_GITHUB}/blob/{commit}/eval_results/base_llm_benchmark_eval.csv"
    frames = []
    for col, (bench, protocol) in curated.obsscaling_protocols().items():
        part = pd.DataFrame(
            {
                "model": obs["Model"].map(name_of),
                "benchmark": bench,
                "protocol": protocol,
                "score": obs[col].astype(float),
                "stderr": np.nan,
                "source": "ObsScaling base_llm_benchmark_eval.csv (Ruan et al. 2024)",
                "source_link": link,
            }
        )
        frames.append(part)
    ext = epoch_external(shared)
    vmap = epoch_version_map(models, Epoch(shared))
    ext["model"] = ext["version"].map(lambda v: vmap.get(str(v)) if pd.notna(v) else None)
    ext = ext.dropna(subset=["model"])
    ext["stderr"] = np.nan
    ext["source"] = "Epoch benchmark-stitching: " + ext["source"]
    frames.append(ext[SCORE_COLUMNS])
    df = pd.concat(frames, ignore_index=True)
    df = df.dropna(subset=["model", "score"])
    df = df.drop_duplicates(subset=["model", "benchmark", "protocol", "source"], keep="first")
    assert df["score"].between(0, 1).all()
    df["stderr"] = binomial_stderr(df)
    return df.sort_values(
        ["model", "benchmark", "protocol", "source"], key=lambda s: s.str.lower(), kind="mergesort"
    ).reset_index(drop=True)[SCORE_COLUMNS]
