"""Bundled data: reference runs, open base models, benchmark scores, the paper's models.

Every table is derived from public raw data by ``scripts/build_data.py`` and ships inside the
package (``densing/data/``); ``SOURCES.md`` there names each origin, upstream commit and licence.
Nothing here downloads anything.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pandas as pd

from densing.exceptions import InputError

__all__ = [
    "data_manifest",
    "data_version",
    "load_models",
    "load_paper_models",
    "load_reference_runs",
    "load_scores",
]

_REFERENCE_FRAMES = {"olmo-ladder": "reference_runs_olmo_ladder.csv"}


def _read_csv(name: str, **kwargs: Any) -> pd.DataFrame:
    path = files("densing") / "data" / name
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, **kwargs)


def _bool(series: pd.Series) -> pd.Series:
    return series.astype(str).str.lower().map({"true": True, "false": False}).astype(bool)


def load_reference_runs(frame: str = "olmo-ladder") -> pd.DataFrame:
    """Load a reference frame's training runs: one row per (run, step, benchmark).

    Parameters
    ----------
    frame
        Name of the reference frame. Only ``"olmo-ladder"`` ships: the OLMo ladder (190M-3B at
        0.5-10x Chinchilla tokens, Bhagia et al. 2024) plus OLMo-2 7B (4T tokens) and 13B (5T).

    Returns
    -------
    pandas.DataFrame
        About 38,500 rows with columns ``run`` (str, e.g. ``"1B-1xC"``), ``size`` (str label),
        ``n_params`` (int, OLMo's count: total minus the input embedding), ``n_params_total``
        (int), ``n_params_nonembedding`` (int, without the input and the untied output
        embedding: densing's non-embedding convention), ``tokens`` (int, training tokens
        seen at that step), ``step`` (int),
        ``is_final`` (bool, last evaluated checkpoint of the run), ``benchmark`` (str),
        ``loss`` (float, bits per byte of the gold answer given the 5-shot prompt), ``score``
        (float, accuracy in [0, 1]), ``metric`` (``"len_norm"`` or ``"acc"``), ``split``
        (``"test"`` or ``"val"``) and ``protocol`` (``"rc-5shot"``).
        Source: allenai/OLMo-ladder (Apache-2.0); see ``SOURCES.md``.

    Raises
    ------
    densing.exceptions.InputError
        If ``frame`` is not a bundled reference frame.
    """
    if frame not in _REFERENCE_FRAMES:
        valid = ", ".join(repr(k) for k in sorted(_REFERENCE_FRAMES))
        raise InputError(f"Unknown reference frame {frame!r}; valid frames: {valid}.")
    df = _read_csv(_REFERENCE_FRAMES[frame])
    df["is_final"] = _bool(df["is_final"])
    for col in ("n_params", "n_params_total", "n_params_nonembedding", "tokens", "step"):
        df[col] = df[col].astype("int64")
    return df


def load_models() -> pd.DataFrame:
    """Load the open base models with sizes, training tokens and release dates.

    Returns
    -------
    pandas.DataFrame
        157 rows (the 148 models of ObsScaling plus the open models of the densing paper's
        figure), columns ``model`` (str, canonical name, unique), ``hf_id``, ``family``,
        ``organization``, ``n_params`` (Int64, total parameters, raw count),
        ``n_params_source``, ``n_params_nonembedding`` (Int64, non-embedding count, see
        ``SOURCES.md``), ``n_params_arch`` (Int64, exact architecture total),
        ``vocab_size``, ``d_model`` (Int64), ``tied_embeddings`` (boolean), ``arch_source``,
        ``tokens``
        (Int64, pretraining tokens), ``tokens_source``, ``release_date`` (datetime64),
        ``date_source`` (``epoch:model_versions``, ``epoch:all_ml_systems`` or ``curated``),
        ``date_note``, ``derived_from``, ``relation``, ``is_moe`` (bool), ``active_params``
        (Int64, MoE only) and ``in_obsscaling`` (bool).
        Sources: ObsScaling (Apache-2.0), Epoch AI (CC-BY 4.0 / MIT); see ``SOURCES.md``.
    """
    df = _read_csv("models.csv")
    for col in (
        "n_params", "n_params_nonembedding", "n_params_arch", "vocab_size", "d_model", "tokens",
        "active_params",
    ):
        if col in df.columns:
            df[col] = df[col].astype("Int64")
    if "tied_embeddings" in df.columns:
        df["tied_embeddings"] = df["tied_embeddings"].map({True: True, False: False}).astype(
            "boolean"
        )
    df["release_date"] = pd.to_datetime(df["release_date"], format="%Y-%m-%d")
    for col in ("is_moe", "in_obsscaling"):
        df[col] = _bool(df[col])
    return df


def load_scores(protocol: str | None = None) -> pd.DataFrame:
    """Load benchmark scores of the bundled models, each with its evaluation protocol.

    Parameters
    ----------
    protocol
        Keep only rows whose ``protocol`` equals this string, or starts with it when it ends
        with ``":"`` or ``"-"`` (e.g. ``"llv1:"`` for every Open LLM Leaderboard v1 score).
        ``None`` keeps everything.

    Returns
    -------
    pandas.DataFrame
        About 1,850 rows with columns ``model`` (str, a name in :func:`load_models`),
        ``benchmark`` (str), ``protocol`` (str, e.g. ``"llv1:mmlu-5shot-mc"`` or
        ``"report:mmlu-5shot"``), ``score`` (float, fraction in [0, 1]), ``stderr`` (float,
        mostly missing), ``source`` and ``source_link``. Scores under different protocols are
        not comparable. Sources: ObsScaling (Apache-2.0) and Epoch AI's benchmark-stitching
        technical-report tables (MIT); see ``SOURCES.md``.

    Raises
    ------
    densing.InputError
        When ``protocol`` matches no bundled score (an unknown prefix such as ``"nosuch:"``).
    """
    df = _read_csv("scores.csv")
    if protocol is not None:
        if not isinstance(protocol, str) or not protocol:
            raise InputError(f"protocol must be a non-empty text or None; got {protocol!r}")
        if protocol.endswith((":", "-")):
            keep = df["protocol"].str.startswith(protocol)
        else:
            keep = df["protocol"] == protocol
        if not keep.any():
            prefixes = sorted({p.split(":", 1)[0] + ":" for p in df["protocol"]})
            raise InputError(
                f"no bundled score has protocol {protocol!r}; the protocols start with "
                f"{', '.join(prefixes)} (a prefix ends in ':' or '-')")
        df = df[keep].reset_index(drop=True)
    return df


def load_paper_models() -> pd.DataFrame:
    """Load the models of the densing paper's figures (Xiao et al. 2024).

    Returns
    -------
    pandas.DataFrame
        37 rows: the 29 base models of the main figure (``figure == "main"``) and the 8
        pre-ChatGPT models of its MMLU figure (``"mmlu_pre_chatgpt"``). Columns ``model``,
        ``figure``, ``release_date`` (datetime64), ``date_source``, ``date_note``,
        ``n_params`` (Int64, total), ``n_params_source``, ``n_params_nonembedding`` (Int64),
        ``derived_from``, ``relation``,
        ``in_models_csv`` (bool), ``models_csv_name``, ``mmlu`` (float, fraction),
        ``mmlu_protocol``, ``mmlu_shots`` (Int64) and ``mmlu_source``.
    """
    df = _read_csv("paper_models.csv")
    df["release_date"] = pd.to_datetime(df["release_date"], format="%Y-%m-%d")
    df["n_params"] = df["n_params"].astype("Int64")
    if "n_params_nonembedding" in df.columns:
        df["n_params_nonembedding"] = df["n_params_nonembedding"].astype("Int64")
    df["mmlu_shots"] = df["mmlu_shots"].astype("Int64")
    df["in_models_csv"] = _bool(df["in_models_csv"])
    return df


def data_manifest() -> dict[str, Any]:
    """Return ``MANIFEST.json``: data version, and per file its row count and sha256."""
    text = (files("densing") / "data" / "MANIFEST.json").read_text(encoding="utf-8")
    manifest: dict[str, Any] = json.loads(text)
    return manifest


def data_version() -> str:
    """Return the version string of the bundled data (e.g. ``"2026.11.0"``)."""
    return str(data_manifest()["data_version"])
