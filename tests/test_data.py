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
    assert (df["n_params_nonembedding"] < df["n_params"]).all()
    # 1B: 1,279,395,840 - 100,352 x 2,048 (untied output embedding)
    one_b = df.loc[df["size"] == "1B", "n_params_nonembedding"].iloc[0]
    assert one_b == 1_279_395_840 - 100_352 * 2_048
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



def test_models_nonembedding_counts() -> None:
    df = datasets.load_models()
    ne = df[df["n_params_nonembedding"].notna()]
    # exact architecture total where known, else the (rounded) n_params it was derived from
    total = ne["n_params_arch"].fillna(ne["n_params"]).astype(float)
    nonemb = ne["n_params_nonembedding"].astype(float)
    assert (nonemb < total).all()
    small = total < 1e8  # pythia-70m: the 50k x 512 embeddings are 73 % of the model
    assert (nonemb[~small] > 0.3 * total[~small]).all()
    assert (nonemb > 0.25 * total).all()
    # nominal n_params can understate the architecture (falcon-rw-1b is a 1.31B-total model:
    # non-embedding 1.21 x its nominal 1B), but not grossly
    assert (nonemb < 1.25 * ne["n_params"].astype(float)).all()
    obs = df[df["in_obsscaling"]]
    assert obs["n_params_nonembedding"].notna().mean() >= 0.8
    # every covered row carries its architecture and a source
    for col in ("vocab_size", "d_model", "tied_embeddings"):
        assert ne[col].notna().all(), col
    assert ne["arch_source"].str.match(r"^(verified|curated):").all()
    assert ne["arch_source"].str.contains("total: ").all()
    fallback = ne["n_params_arch"].isna()
    assert ne.loc[fallback, "arch_source"].str.contains("total: n_params").all()
    # the convention: total - vocab x d x (1 if tied else 2) - learned positions (- head bias)
    arch = ne[~fallback].set_index("hf_id")
    plain = [
        h for h in arch.index
        if not h.startswith(("openai-community/", "EleutherAI/gpt-neo-", "facebook/opt-",
                             "cerebras/Cerebras", "bigcode/starcoderbase", "microsoft/phi",
                             "EleutherAI/gpt-j", "Salesforce/codegen"))
    ]
    for h in plain:
        r = arch.loc[h]
        emb = int(r["vocab_size"]) * int(r["d_model"]) * (1 if r["tied_embeddings"] else 2)
        assert int(r["n_params_arch"]) - emb == int(r["n_params_nonembedding"]), h


@pytest.mark.parametrize(
    ("model", "total", "nonemb"),
    [
        # Llama-2-7B: vocab 32000, d 4096, untied: 6,738,415,616 - 2 x 32000 x 4096
        ("Llama-2-7b", 6_738_415_616, 6_476_271_616),
        # Mistral-7B: same embeddings, 14336-wide SwiGLU, GQA 8 kv heads
        ("Mistral-7B-v0.1", 7_241_732_096, 6_979_588_096),
        # Gemma-7B: tied, vocab 256000 x 3072; non-embedding as in the Gemma report
        ("gemma-7b", 8_537_680_896, 7_751_248_896),
        # GPT-2 124M: tied 50257 x 768 plus learned positions 1024 x 768
        ("gpt2", 124_439_808, 85_056_000),
        # Pythia: untied 50304 x d; non-embedding as in the Pythia paper's Table 1
        ("pythia-70m-deduped", 70_426_624, 18_915_328),
        ("pythia-12b-deduped", 11_846_072_320, 11_327_027_200),
        # OPT-1.3B: tied 50272 x 2048 plus learned positions 2050 x 2048
        ("opt-1.3b", 1_315_758_080, 1_208_602_624),
        # Llama-3-8B: untied 128256 x 4096
        ("Meta-Llama-3-8B", 8_030_261_248, 6_979_588_096),
        # Qwen2-0.5B: tied 151936 x 896
        ("Qwen2-0.5B", 494_032_768, 357_898_112),
        # MiniCPM-1-2.4B: tied 122753 x 2304; non-embedding as in the MiniCPM paper
        ("MiniCPM-1-2.4B", 2_724_880_896, 2_442_057_984),
    ],
)
def test_nonembedding_spot_checks(model: str, total: int, nonemb: int) -> None:
    row = datasets.load_models().set_index("model").loc[model]
    assert row["n_params_arch"] == total
    assert row["n_params_nonembedding"] == nonemb


def test_paper_models_nonembedding() -> None:
    paper = datasets.load_paper_models()
    models = datasets.load_models().set_index("model")
    linked = paper[paper["in_models_csv"]]
    for _, r in linked.iterrows():
        expected = models.loc[r["models_csv_name"], "n_params_nonembedding"]
        assert (pd.isna(expected) and pd.isna(r["n_params_nonembedding"])) or (
            r["n_params_nonembedding"] == expected
        ), r["model"]
    assert linked["n_params_nonembedding"].notna().sum() >= 27
    assert paper.loc[~paper["in_models_csv"], "n_params_nonembedding"].isna().all()

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
