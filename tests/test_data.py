"""Schema and provenance tests over the bundled data (src/densing/data)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from densing import datasets
from densing.exceptions import InputError

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
DATA = files("densing") / "data"
MIN_DATE = pd.Timestamp("2019-01-01")
MAX_DATE = pd.Timestamp("2026-11-22")


def test_manifest_checksums_and_rows() -> None:
    manifest = datasets.data_manifest()
    assert datasets.data_version() == manifest["data_version"]
    for name, entry in manifest["files"].items():
        data = (DATA / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        if "rows" in entry:
            assert len(pd.read_csv(DATA / name)) == entry["rows"], name


def test_reference_runs_schema() -> None:
    df = datasets.load_reference_runs()
    assert df["is_final"].dtype == bool
    assert not df.duplicated(["run", "step", "benchmark"]).any()
    assert df["score"].between(0, 1).all()
    assert (df["loss"] > 0).all()
    assert (df["n_params"] > 0).all() and (df["tokens"] > 0).all()
    assert (df["n_params_total"] > df["n_params"]).all()
    assert set(df["protocol"]) == {"rc-5shot"}
    assert df["benchmark"].nunique() == 10
    final = df[df["is_final"]]
    assert final.groupby("run").size().eq(10).all()
    assert {"7B-4T", "13B-5T", "1B-1xC-rerun"} <= set(df["run"])
    hs = final[final["benchmark"] == "hellaswag"].set_index("run")
    assert hs.loc["1B-10xC", "score"] > 0.6
    # loss falls with size at fixed token multiple
    loss = final[final["run"].str.endswith("-10xC")].groupby("n_params")["loss"].mean()
    assert loss.is_monotonic_decreasing


def test_unknown_frame() -> None:
    with pytest.raises(InputError, match="olmo-ladder"):
        datasets.load_reference_runs("nope")


def test_models_schema() -> None:
    df = datasets.load_models()
    assert df["model"].is_unique and df["hf_id"].is_unique
    assert df["is_moe"].dtype == bool and df["in_obsscaling"].dtype == bool
    assert (df["n_params"] > 0).all()
    assert (df["tokens"].dropna() > 0).all()
    assert pd.api.types.is_datetime64_any_dtype(df["release_date"])
    dated = df.dropna(subset=["release_date"])
    assert dated["release_date"].between(MIN_DATE, MAX_DATE).all()
    assert (
        dated["date_source"].isin(["epoch:model_versions", "epoch:all_ml_systems", "curated"]).all()
    )
    assert dated["date_note"].notna().all()
    obs = df[df["in_obsscaling"]]
    assert len(obs) == 148
    assert obs["release_date"].notna().mean() >= 0.95
    assert (df.loc[df["is_moe"], "active_params"] < df.loc[df["is_moe"], "n_params"]).all()


def test_scores_schema() -> None:
    df = datasets.load_scores()
    models = set(datasets.load_models()["model"])
    assert df["score"].between(0, 1).all()
    assert set(df["model"]) <= models
    assert not df.duplicated(["model", "benchmark", "protocol", "source"]).any()
    assert df["protocol"].notna().all() and df["source"].notna().all()
    llv1 = datasets.load_scores("llv1:")
    assert len(llv1) > 800 and llv1["protocol"].str.startswith("llv1:").all()
    mmlu = datasets.load_scores("llv1:mmlu-5shot-mc")
    assert len(mmlu) == 148


def test_paper_models() -> None:
    df = datasets.load_paper_models()
    assert (df["figure"] == "main").sum() == 29
    assert (df["figure"] == "mmlu_pre_chatgpt").sum() == 8
    assert df["release_date"].notna().all() and df["date_source"].notna().all()
    assert (df["n_params"] > 0).all()
    assert df["mmlu"].dropna().between(0, 1).all()
    models = set(datasets.load_models()["model"])
    linked = df[df["in_models_csv"]]
    assert set(linked["models_csv_name"]) <= models
    row = df.set_index("model")
    assert row.loc["Mistral-7B", "release_date"] == pd.Timestamp("2023-09-27")
    assert row.loc["MiniCPM-1-2.4B", "release_date"] == pd.Timestamp("2024-02-01")
    assert row.loc["Llama-3.1-Minitron-4B", "derived_from"] == "Meta-Llama-3.1-8B"


def test_no_chinchilla_data_bundled() -> None:
    names = [p.name for p in DATA.iterdir()]
    assert not any("chinchilla" in n.lower() or "svg_extracted" in n for n in names)


@pytest.mark.skipif(not SHARED.is_dir(), reason="raw data ../shared/data not present")
def test_build_data_check() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_data.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(not SHARED.is_dir(), reason="raw data ../shared/data not present")
def test_build_data_check_detects_drift(tmp_path: Path) -> None:
    out = tmp_path / "data"
    shutil.copytree(Path(str(DATA)), out)
    (out / "paper_models.csv").write_text("tampered\n")
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_data.py"), "--check", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "paper_models.csv" in proc.stderr


def test_wheel_contains_data(tmp_path: Path) -> None:
    pip = [sys.executable, "-m", "pip"]
    if subprocess.run([*pip, "--version"], capture_output=True).returncode != 0:
        pytest.skip("pip not available")
    proc = subprocess.run(
        [*pip, "wheel", str(REPO), "--no-deps", "--no-build-isolation", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.skip(f"could not build wheel: {proc.stderr[-500:]}")
    wheel = next(tmp_path.glob("densing-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in datasets.data_manifest()["files"]:
        assert f"densing/data/{name}" in names
    assert "densing/data/MANIFEST.json" in names
