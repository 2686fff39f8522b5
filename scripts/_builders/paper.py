"""``paper_models.csv``: the models of the densing paper's figures (Xiao et al. 2024).

The model list is ``scripts/curated/paper_models.csv``; the closed models' Epoch entries and
counts are ``closed_models.csv``; dates as the paper gives them are ``paper_dates.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import curated
from .epoch import Epoch, epoch_external
from .obsscaling import build_models, build_scores

__all__ = ["PAPER_COLUMNS", "build_paper_models"]

PAPER_COLUMNS = [
    "model",
    "figure",
    "release_date",
    "date_source",
    "date_note",
    "n_params",
    "n_params_source",
    "n_params_nonembedding",
    "derived_from",
    "relation",
    "in_models_csv",
    "models_csv_name",
    "mmlu",
    "mmlu_protocol",
    "mmlu_shots",
    "mmlu_source",
]


def _open_row(mname: str, models: pd.DataFrame, scores: pd.DataFrame) -> dict[str, object]:
    """Columns of an open model's row, from models.csv and its 5-shot MMLU score."""
    m = models.loc[mname]
    row: dict[str, object] = dict(
        release_date=m["release_date"],
        date_source=m["date_source"],
        date_note=m["date_note"],
        n_params=m["n_params"],
        n_params_source=m["n_params_source"],
        n_params_nonembedding=m["n_params_nonembedding"],
        derived_from=m["derived_from"],
        relation=m["relation"],
        in_models_csv=True,
        models_csv_name=mname,
    )
    for protocol in ("llv1:mmlu-5shot-mc", "report:mmlu-5shot"):
        s = scores[(scores["model"] == mname) & (scores["protocol"] == protocol)]
        if len(s):
            row.update(
                mmlu=s["score"].iloc[0],
                mmlu_protocol=protocol,
                mmlu_shots=5,
                mmlu_source=s["source"].iloc[0],
            )
            break
    return row


def _closed_row(paper_name: str, epoch: Epoch, ext_mmlu: pd.DataFrame) -> dict[str, object]:
    """Columns of a closed model's row, from Epoch's tables and curated counts."""
    c = curated.closed_models()[paper_name]
    row: dict[str, object] = {}
    if c.epoch_table == "all_ml_systems":
        name, date, params = epoch.am_by_name[c.epoch_key]
        row.update(
            release_date=date,
            date_source="epoch:all_ml_systems",
            date_note=f"Epoch all_ml_systems System '{name}'",
            n_params=params,
            n_params_source="epoch:all_ml_systems",
        )
    else:
        rid, date = epoch.mv_by_id[c.epoch_key]
        note = f"Epoch model_versions id '{rid}'"
        if c.date_note_extra:
            note += f" ({c.date_note_extra})"
        row.update(release_date=date, date_source="epoch:model_versions", date_note=note)
        if c.n_params is not None:
            row.update(n_params=c.n_params, n_params_source="curated")
        else:
            p = epoch.am_by_name[c.params_system][2]
            row.update(n_params=p, n_params_source="epoch:all_ml_systems")
    row.update(in_models_csv=False, models_csv_name="")
    hit = ext_mmlu[ext_mmlu["name"] == c.mmlu_name]
    if len(hit):
        h = hit.iloc[0]
        row.update(
            mmlu=h["score"],
            mmlu_protocol="report:mmlu-5shot",
            mmlu_shots=5,
            mmlu_source="Epoch benchmark-stitching: " + h["source"],
        )
    return row


def build_paper_models(shared: Path) -> pd.DataFrame:
    """One row per model of the densing paper's main figure and its MMLU figure."""
    models = build_models(shared).set_index("model")
    scores = build_scores(shared)
    epoch = Epoch(shared)
    ext = epoch_external(shared)
    ext_mmlu = ext[(ext["benchmark"] == "mmlu") & (ext["shots"] == "5")]
    paper_dates = curated.paper_dates()
    rows = []
    for paper_name, figure, mname in curated.paper_models():
        row: dict[str, object] = {"model": paper_name, "figure": figure}
        if mname:
            row.update(_open_row(mname, models, scores))
        else:
            row.update(_closed_row(paper_name, epoch, ext_mmlu))
        if paper_name in paper_dates:
            date, note = paper_dates[paper_name]
            row.update(release_date=date, date_source="paper", date_note=note)
        rows.append(row)
    df = pd.DataFrame(rows).reindex(columns=PAPER_COLUMNS)
    df["n_params"] = df["n_params"].astype(float).round().astype("Int64")
    df["n_params_nonembedding"] = pd.to_numeric(
        df["n_params_nonembedding"].astype(object).where(df["n_params_nonembedding"].notna())
    ).astype("Int64")
    df["mmlu_shots"] = df["mmlu_shots"].astype("Int64")
    df["in_models_csv"] = df["in_models_csv"].astype(bool)
    assert (df["release_date"].fillna("") != "").all()
    return df
