"""Schema and provenance tests over the bundled data (src/densing/data)."""

from __future__ import annotations

import csv
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
    # every table states its row count (the other files, such as SOURCES.md, are text)
    tables = {name: entry for name, entry in manifest["files"].items()
              if name.endswith(".csv")}
    assert len(tables) >= 4
    for name, entry in tables.items():
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


# --- scripts/curated/: the hand-curated tables build_data.py joins -------------------------

CURATED = REPO / "scripts" / "curated"
# key columns per curated table (default: the first column)
CURATED_KEYS = {"epoch_benchmark_tables.csv": ("file_stem", "score_column")}


def _curated(name: str) -> list[dict[str, str]]:
    """Rows of one curated CSV as strings, read with the csv module (not the builders)."""
    with open(CURATED / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert all(header) and len(set(header)) == len(header), name
    for i, row in enumerate(body, start=2):
        assert len(row) == len(header), f"{name}:{i}: {len(row)} fields, header has {len(header)}"
    return [dict(zip(header, row, strict=True)) for row in body]


def _bundled(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def test_curated_tables_parse_with_unique_keys() -> None:
    names = sorted(p.name for p in CURATED.glob("*.csv"))
    assert len(names) >= 15
    for name in names:
        rows = _curated(name)
        assert rows, name
        keys = CURATED_KEYS.get(name) or (next(iter(rows[0])),)
        seen = [tuple(r[k] for k in keys) for r in rows]
        dupes = {k for k in seen if seen.count(k) > 1}
        assert not dupes, f"{name}: duplicate keys {sorted(dupes)}"
        assert all(all(k) for k in seen), f"{name}: empty key"
    readme = (CURATED / "README.md").read_text(encoding="utf-8")
    for name in [*names, "SOURCES.md.in"]:
        assert f"`{name}`" in readme, f"{name} is not described in scripts/curated/README.md"


def test_curated_builders_read_every_table() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from _builders import curated
    finally:
        sys.path.remove(str(REPO / "scripts"))
    assert set(curated.TABLES) == {p.name for p in CURATED.glob("*.csv")}
    for name in curated.TABLES:
        assert len(curated.read_table(name)) == len(_curated(name)), name


def test_curated_models_appear_in_built_tables() -> None:
    models = _bundled("models.csv").set_index("hf_id")
    names = set(models["model"])
    for name in (
        "release_dates.csv",
        "architectures.csv",
        "param_fixes.csv",
        "moe_active.csv",
        "token_fixes.csv",
        "derived_models.csv",
        "extra_open_models.csv",
        "epoch_aliases.csv",
        "canonical_names.csv",
    ):
        missing = {r["hf_id"] for r in _curated(name)} - set(models.index)
        assert not missing, f"{name}: not in models.csv: {sorted(missing)}"
    for r in _curated("canonical_names.csv"):
        assert models.loc[r["hf_id"], "model"] == r["model"]
    for r in _curated("epoch_version_aliases.csv"):
        assert r["model"] in names, r
    orgs = {h.split("/", 1)[0] for h in models.index}
    assert {r["hf_org"] for r in _curated("organizations.csv")} <= orgs
    paper = _bundled("paper_models.csv").set_index("model")
    curated_paper = _curated("paper_models.csv")
    assert [r["model"] for r in curated_paper] == list(paper.index)
    for r in curated_paper:
        assert paper.loc[r["model"], "figure"] == r["figure"]
        assert paper.loc[r["model"], "models_csv_name"] == r["models_csv_name"]
        assert not r["models_csv_name"] or r["models_csv_name"] in names
    closed = {r["model"] for r in _curated("closed_models.csv")}
    assert closed == {r["model"] for r in curated_paper if not r["models_csv_name"]}
    for r in _curated("paper_dates.csv"):
        assert paper.loc[r["model"], "release_date"] == r["release_date"]
        assert paper.loc[r["model"], "date_source"] == "paper"


def test_curated_values_reach_models_csv() -> None:
    models = _bundled("models.csv").set_index("hf_id")
    for r in _curated("release_dates.csv"):
        row = models.loc[r["hf_id"]]
        assert (row["release_date"], row["date_source"], row["date_note"]) == (
            r["release_date"],
            "curated",
            r["note"],
        ), r["hf_id"]
    for r in _curated("param_fixes.csv"):
        row = models.loc[r["hf_id"]]
        assert int(row["n_params"]) == int(r["n_params"]), r["hf_id"]
        assert row["n_params_source"] == r["n_params_source"]
    for r in _curated("moe_active.csv"):
        row = models.loc[r["hf_id"]]
        assert row["is_moe"] == "True" and int(row["active_params"]) == int(r["active_params"])
    assert (models["is_moe"] == "True").sum() == len(_curated("moe_active.csv"))
    for r in _curated("derived_models.csv"):
        row = models.loc[r["hf_id"]]
        assert (row["derived_from"], row["relation"]) == (r["derived_from"], r["relation"])
    # non-embedding count, recomputed here from the curated architecture values:
    # total - vocab x width x (1 if tied else 2) - head bias (untied only) - learned positions
    for r in _curated("architectures.csv"):
        row = models.loc[r["hf_id"]]
        vocab, width = int(r["vocab_size"]), int(r["d_embed"] or r["d_model"])
        tied = r["tied_embeddings"] == "True"
        emb = vocab * width * (1 if tied else 2) + int(r["pos_embedding"])
        if not tied and r["lm_head_bias"] == "True":
            emb += vocab
        total = int(r["n_params_arch"]) if r["n_params_arch"] else int(row["n_params"])
        assert int(row["n_params_nonembedding"]) == total - emb, r["hf_id"]
        assert row["n_params_arch"] == r["n_params_arch"]
        assert row["arch_source"].startswith(r["arch_source"] + "; total: ")


def test_curated_benchmark_sizes() -> None:
    sizes = {r["benchmark"]: r for r in _curated("benchmark_sizes.csv")}
    scored = set(_bundled("scores.csv")["benchmark"])
    laddered = set(_bundled("reference_runs_olmo_ladder.csv")["benchmark"])
    assert scored | laddered == set(sizes)
    for name, r in sizes.items():
        assert r["n_items"].isdigit() and int(r["n_items"]) > 0, name
        assert r["split"] in {"test", "validation"}, name
        assert r["source"] and r["source_link"].startswith("https://"), name
    # the combined MMLU of the reference runs weights its four subject groups by their sizes
    groups = sum(int(r["n_questions"]) for r in _curated("mmlu_groups.csv"))
    assert int(sizes["mmlu"]["n_items"]) == groups
    # every protocol in scores.csv is named by its benchmark's row (report:* by prefix)
    scores = _bundled("scores.csv")
    for bench, protocol in scores[["benchmark", "protocol"]].drop_duplicates().itertuples(
        index=False
    ):
        named = sizes[bench]["protocols"]
        assert protocol in named or f"report:{bench}*" in named, (bench, protocol)
    # and SOURCES.md records each size with its source link
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for name, r in sizes.items():
        row = f"| {name} | {r['dataset']} | {r['split']} | {int(r['n_items']):,} |"
        assert row in text, name
        assert r["source_link"] in text, name
