"""Epoch AI's tables: release dates and parameter counts (``epoch-benchmarks/model_versions.csv``,
``epoch-models/all_ml_systems.csv``) and technical-report scores
(``epoch-benchmarks/external_benchmark_*.csv``).

Explicit links where names do not match are in ``scripts/curated/epoch_aliases.csv`` and
``epoch_version_aliases.csv``; the score tables read are in ``epoch_benchmark_tables.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import curated
from .common import norm

__all__ = ["Epoch", "date_for", "epoch_external", "epoch_version_map"]

# Short keys of the two Epoch tables as used in Epoch.match's result.
_KIND = {"model_versions": "mv", "all_ml_systems": "am"}


class Epoch:
    """Lookups into Epoch's model_versions.csv and all_ml_systems.csv."""

    def __init__(self, shared: Path) -> None:
        mv = pd.read_csv(shared / "epoch-benchmarks" / "model_versions.csv")
        self.mv = mv
        am = pd.read_csv(shared / "epoch-models" / "all_ml_systems.csv", low_memory=False)
        self.am = am
        dated = mv[mv["Version release date"].notna()]
        self.mv_by_hf: dict[str, tuple[str, str]] = {}
        self.mv_by_id: dict[str, tuple[str, str]] = {}
        for rid, dev, date in zip(
            dated["id"],
            dated["Hugging Face developer id"],
            dated["Version release date"],
            strict=True,
        ):
            if isinstance(dev, str):
                self.mv_by_hf.setdefault(f"{dev}/{rid}".lower(), (rid, date))
            self.mv_by_id.setdefault(norm(rid), (rid, date))
            self.mv_by_id.setdefault(str(rid), (rid, date))
        amd = am[am["Publication date"].notna()]
        self.am_by_name: dict[str, tuple[str, str, float]] = {}
        for name, date, params in zip(
            amd["System"], amd["Publication date"], amd["Parameters"], strict=True
        ):
            self.am_by_name.setdefault(str(name), (name, date, params))
            self.am_by_name.setdefault(norm(name), (name, date, params))
        self._aliases = curated.epoch_aliases()

    def match(self, hf_id: str) -> dict[str, tuple]:
        """Return the Epoch entries matched to a model: keys 'mv' and/or 'am'."""
        out: dict[str, tuple] = {}
        if hf_id in self._aliases:
            table_name, key = self._aliases[hf_id]
            kind = _KIND[table_name]
            table = self.mv_by_id if kind == "mv" else self.am_by_name
            if key in table:
                out[kind] = table[key]
            return out
        repo = hf_id.split("/", 1)[1]
        if hf_id.lower() in self.mv_by_hf:
            out["mv"] = self.mv_by_hf[hf_id.lower()]
        stripped = repo
        for suffix in ("-hf", "-base", "-v0.1", "-v1"):
            if stripped.lower().endswith(suffix):
                stripped = stripped[: -len(suffix)]
        if "mv" not in out and norm(stripped) in self.mv_by_id:
            out["mv"] = self.mv_by_id[norm(stripped)]
        for cand in (repo, stripped):
            if norm(cand) in self.am_by_name:
                out["am"] = self.am_by_name[norm(cand)]
                break
        return out


def date_for(hf_id: str, found: dict[str, tuple]) -> tuple[str, str, str]:
    """(release_date, date_source, date_note) for a model; empty strings if unknown.

    A curated date (``scripts/curated/release_dates.csv``) takes precedence; otherwise the
    earliest of the matched Epoch entries.
    """
    dates = curated.release_dates()
    if hf_id in dates:
        date, note = dates[hf_id]
        return date, "curated", note
    cands = []
    if "mv" in found:
        rid, date = found["mv"]
        cands.append((date, "epoch:model_versions", f"Epoch model_versions id '{rid}'"))
    if "am" in found:
        name, date, _ = found["am"]
        cands.append((date, "epoch:all_ml_systems", f"Epoch all_ml_systems System '{name}'"))
    if not cands:
        return "", "", ""
    # Earliest public date among the matched Epoch entries (announcement/publication).
    cands.sort()
    return cands[0]


def _percent_to_fraction(v: object) -> float:
    if pd.isna(v):
        return np.nan
    s = str(v).strip()
    if s.endswith("%"):
        return float(s[:-1]) / 100.0
    x = float(s)
    return x / 100.0 if x > 1.0 else x


def epoch_version_map(models: pd.DataFrame, epoch: Epoch) -> dict[str, str]:
    """Epoch model_versions id -> our canonical model name (base models only)."""
    by_hf = {h.lower(): m for h, m in zip(models["hf_id"], models["model"], strict=True)}
    by_norm = {}
    for h, m in zip(models["hf_id"], models["model"], strict=True):
        by_norm.setdefault(norm(h.split("/", 1)[1]), m)
        by_norm.setdefault(norm(m), m)
    out = {}
    for rid, dev in zip(epoch.mv["id"], epoch.mv["Hugging Face developer id"], strict=True):
        rid = str(rid)
        if isinstance(dev, str) and f"{dev}/{rid}".lower() in by_hf:
            out[rid] = by_hf[f"{dev}/{rid}".lower()]
        elif norm(rid) in by_norm:
            out[rid] = by_norm[norm(rid)]
    for rid, m in curated.epoch_version_aliases().items():
        if m in set(models["model"]):
            out[rid] = m
    return out


def _parse_shots(v: object) -> str:
    """Epoch's `Shots` cell as a string: '5', 'few' or '' (unknown)."""
    if pd.isna(v):
        return ""
    t = str(v).strip().lower().replace("-shot", "")
    if t == "few":
        return "few"
    return str(int(float(t)))


def epoch_external(shared: Path) -> pd.DataFrame:
    """All Epoch external-benchmark rows in long form (before matching to models)."""
    frames = []
    for stem, cols in curated.epoch_benchmark_tables().items():
        raw = pd.read_csv(shared / "epoch-benchmarks" / f"external_benchmark_{stem}.csv")
        raw.columns = [c.lstrip("\ufeff") for c in raw.columns]
        for col, bench in cols:
            part = pd.DataFrame(
                {
                    "name": raw["Name"].astype(str).str.strip(),
                    "version": raw["Model version"],
                    "benchmark": bench,
                    "shots": raw["Shots"],
                    "score": raw[col].map(_percent_to_fraction),
                    "source": raw["Source"].fillna("(source not given)").astype(str).str.strip(),
                    "source_link": raw["Source link"].fillna("").astype(str).str.strip(),
                }
            )
            frames.append(part)
    ext = pd.concat(frames, ignore_index=True)
    ext = ext.dropna(subset=["score"])
    ext["shots"] = ext["shots"].map(_parse_shots)
    suffix = ext["shots"].map(lambda v: f"-{v}shot" if v else "")
    ext["protocol"] = "report:" + ext["benchmark"] + suffix
    return ext
