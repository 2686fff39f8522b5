#!/usr/bin/env python
# ruff: noqa: E501  (curated-date notes and the SOURCES.md template are long data strings)
"""Derive densing's bundled data tables from the raw public files in ``../shared/data``.

Usage::

    python scripts/build_data.py                 # (re)write src/densing/data/
    python scripts/build_data.py --check         # rebuild into a temp dir, diff, exit 1 on drift
    python scripts/build_data.py --shared PATH   # raw data elsewhere

The output is deterministic: no timestamps, fixed float format, fixed row order, so two runs
give byte-identical files. Only numpy, pandas and the standard library are used.

The raw ``chinchilla/`` folder has no licence and is never read here.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "densing" / "data"
DATA_VERSION = "2026.11.0"
FLOAT_FORMAT = "%.10g"
# Latest admissible release date (the data snapshot date).
MAX_DATE = "2026-11-22"
MIN_DATE = "2019-01-01"


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a CSV deterministically (fixed float format, '\\n' line ends, no index)."""
    df.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


# ---------------------------------------------------------------------------------------------
# 1. OLMo ladder reference runs
# ---------------------------------------------------------------------------------------------

OLMO_VOCAB = 100_352
OLMO_D_MODEL = {
    "190M": 768,
    "370M": 1024,
    "760M": 1536,
    "1B": 2048,
    "3B": 3328,
    "7B": 4096,
    "13B": 5120,
}
# final.json keys per size label; the 3B is not in final.json (count from the shared README).
OLMO_FINAL_KEY = {
    "190M": "190M",
    "370M": "370M",
    "760M": "760M",
    "1B": "1.3B",
    "7B": "7B-4T",
    "13B": "13B-5T",
}
OLMO_N_3B = 3_169_537_280
OLMO_BENCHMARKS = [
    "arc_challenge",
    "arc_easy",
    "boolq",
    "csqa",
    "hellaswag",
    "mmlu",
    "openbookqa",
    "piqa",
    "socialiqa",
    "winogrande",
]
# Tasks that have a test split in the ladder files use it; the others use val.
OLMO_TEST_SPLIT = {"mmlu", "arc_easy", "arc_challenge", "openbookqa"}
# MMLU test-split question counts per lm-eval subject group (weights of the combined MMLU).
MMLU_GROUP_WEIGHTS = {
    "stem": 3018,
    "humanities": 4705,
    "social_sciences": 3077,
    "other": 3242,
}
OLMO_RUN_COLUMNS = [
    "run",
    "size",
    "n_params",
    "n_params_total",
    "n_params_nonembedding",
    "tokens",
    "step",
    "is_final",
    "benchmark",
    "loss",
    "score",
    "metric",
    "split",
    "protocol",
]


def _olmo_task_columns(task: str, split: str) -> tuple[str, str, str]:
    metric = "acc" if task == "boolq" else "len_norm"
    loss_col = f"eval/downstream_bpb/{task}_{split}_rc_5shot_bpb"
    score_col = f"eval/downstream/{task}_{split}_rc_5shot_{metric}"
    return loss_col, score_col, metric


def _olmo_tidy(raw: pd.DataFrame, run: str, size: str, n: int) -> pd.DataFrame:
    """Turn one wide ladder file (one row per step) into tidy rows (step x benchmark)."""
    frames = []
    for bench in OLMO_BENCHMARKS:
        split = "test" if bench in OLMO_TEST_SPLIT else "val"
        if bench == "mmlu":
            wsum = float(sum(MMLU_GROUP_WEIGHTS.values()))
            loss = pd.Series(0.0, index=raw.index)
            score = pd.Series(0.0, index=raw.index)
            for group, w in MMLU_GROUP_WEIGHTS.items():
                lc, sc, metric = _olmo_task_columns(f"mmlu_{group}", split)
                loss = loss + raw[lc].astype(float) * (w / wsum)
                score = score + raw[sc].astype(float) * (w / wsum)
        else:
            lc, sc, metric = _olmo_task_columns(bench, split)
            loss = raw[lc].astype(float)
            score = raw[sc].astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "run": run,
                    "size": size,
                    "n_params": n,
                    "n_params_total": n + OLMO_VOCAB * OLMO_D_MODEL[size],
                    # densing's convention (count_parameters): also without the untied
                    # output embedding, like the targets' n_params_nonembedding
                    "n_params_nonembedding": n - OLMO_VOCAB * OLMO_D_MODEL[size],
                    "tokens": raw["tokens"].astype("int64"),
                    "step": raw["_step"].astype("int64"),
                    "is_final": False,
                    "benchmark": bench,
                    "loss": loss.to_numpy(),
                    "score": score.to_numpy(),
                    "metric": metric,
                    "split": split,
                    "protocol": "rc-5shot",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _olmo_prepare(raw: pd.DataFrame) -> pd.DataFrame:
    """Add a `tokens` column (throughput/total_tokens, else step x batch size)."""
    raw = raw.copy()
    if "throughput/total_tokens" in raw.columns:
        raw["tokens"] = raw["throughput/total_tokens"]
    else:
        raw["tokens"] = raw["_step"] * raw["batch_size_in_tokens"]
    raw = raw.dropna(subset=["_step"]).drop_duplicates(subset="_step", keep="last")
    # Step 0 (the untrained initialisation, 0 tokens) is not a trained checkpoint.
    raw = raw[raw["_step"] > 0]
    return raw.sort_values("_step")


def build_reference_runs(shared: Path) -> pd.DataFrame:
    """Tidy OLMo ladder + OLMo-2 7B/13B runs, one row per (run, step, benchmark)."""
    src = shared / "olmo-ladder"
    final = json.loads((src / "final.json").read_text())
    runs_dir = src / "ladder-runs"

    def n_of(size: str) -> int:
        if size == "3B":
            return OLMO_N_3B
        return int(final[OLMO_FINAL_KEY[size]]["n"])

    out = []
    for size in ["190M", "370M", "760M", "1B", "3B"]:
        for mult in ["0.5xC", "1xC", "1xC-rerun", "2xC", "5xC", "10xC"]:
            run = f"{size}-{mult}"
            raw = _olmo_prepare(pd.read_csv(runs_dir / f"{run}.csv"))
            tidy = _olmo_tidy(raw, run, size, n_of(size))
            tidy["is_final"] = tidy["step"] == tidy["step"].max()
            out.append(tidy)

    # OLMo-2 7B, 4T tokens: stage-1 checkpoints from peteish7_eval_full.csv, plus the single
    # annealed checkpoint of peteish7_eval_anneal.csv (the file final.json uses for "7B-4T").
    # The anneal file has no `_step`; its step is throughput/total_tokens / batch_size_in_tokens.
    full7 = pd.read_csv(runs_dir / "peteish7_eval_full.csv")
    anneal7 = pd.read_csv(runs_dir / "peteish7_eval_anneal.csv").copy()
    anneal7["_step"] = (
        anneal7["throughput/total_tokens"] // anneal7["batch_size_in_tokens"]
    ).astype("int64")
    full7 = _olmo_prepare(full7)
    anneal7 = _olmo_prepare(anneal7)
    tidy7 = pd.concat(
        [
            _olmo_tidy(full7, "7B-4T", "7B", n_of("7B")),
            _olmo_tidy(anneal7, "7B-4T", "7B", n_of("7B")),
        ],
        ignore_index=True,
    )
    tidy7 = tidy7.drop_duplicates(subset=["step", "benchmark"], keep="last")
    tidy7["is_final"] = tidy7["step"] == int(anneal7["_step"].iloc[0])
    out.append(tidy7)

    # OLMo-2 13B, 5T tokens: peteish13_eval_full.csv holds every checkpoint; final.json's
    # peteish13_eval_final.csv is its last 12 rows (steps 557000-596057). Final = step 596057.
    full13 = _olmo_prepare(pd.read_csv(runs_dir / "peteish13_eval_full.csv"))
    fin13 = _olmo_prepare(pd.read_csv(runs_dir / "peteish13_eval_final.csv"))
    tidy13 = _olmo_tidy(full13, "13B-5T", "13B", n_of("13B"))
    tidy13["is_final"] = tidy13["step"] == int(fin13["_step"].max())
    out.append(tidy13)

    df = pd.concat(out, ignore_index=True)
    df = df.dropna(subset=["loss", "score"])
    df = df.drop_duplicates(subset=["run", "step", "benchmark"], keep="last")
    df = df.sort_values(["n_params", "run", "step", "benchmark"], kind="mergesort")
    df = df.reset_index(drop=True)[OLMO_RUN_COLUMNS]
    assert df.groupby("run")["is_final"].sum().eq(len(OLMO_BENCHMARKS)).all()
    return df


# ---------------------------------------------------------------------------------------------
# 2. Open base models (ObsScaling's 148 + the open models of the densing paper's figure)
# ---------------------------------------------------------------------------------------------

OBS_FILE = "obsscaling/base_llm_benchmark_eval.csv"
GITHUB = {
    "obsscaling": "https://github.com/ryoungj/ObsScaling",
    "epoch-benchmarks": "https://github.com/epoch-research/benchmark-stitching",
    "epoch-models": "https://github.com/epoch-research/open-model-trends",
    "olmo-ladder": "https://github.com/allenai/OLMo-ladder",
}

HF_ORG = {
    "01-ai": "01.AI",
    "Deci": "Deci",
    "EleutherAI": "EleutherAI",
    "HuggingFaceTB": "Hugging Face",
    "LLM360": "LLM360",
    "Qwen": "Alibaba (Qwen)",
    "RWKV": "RWKV",
    "Salesforce": "Salesforce",
    "TinyLlama": "TinyLlama (SUTD)",
    "ai21labs": "AI21 Labs",
    "allenai": "Allen Institute for AI",
    "bigcode": "BigCode",
    "bigscience": "BigScience",
    "cerebras": "Cerebras",
    "codellama": "Meta",
    "deepseek-ai": "DeepSeek",
    "facebook": "Meta",
    "google": "Google",
    "h2oai": "H2O.ai",
    "huggyllama": "Meta",
    "internlm": "Shanghai AI Lab (InternLM)",
    "meta-llama": "Meta",
    "microsoft": "Microsoft",
    "mistralai": "Mistral AI",
    "mosaicml": "MosaicML",
    "nvidia": "NVIDIA",
    "openai-community": "OpenAI",
    "openbmb": "OpenBMB / ModelBest",
    "openlm-research": "OpenLM Research",
    "stabilityai": "Stability AI",
    "tiiuae": "TII",
    "togethercomputer": "Together",
}

# Open models of the densing paper's main figure that ObsScaling does not hold:
# hf_id -> (family, n_params, n_params_source, tokens).
PAPER_EXTRA_OPEN = {
    "meta-llama/Llama-3.2-1B": ("Llama-3.2", None, None, 9e12),
    "meta-llama/Llama-3.2-3B": ("Llama-3.2", None, None, 9e12),
    "nvidia/Llama-3.1-Minitron-4B-Width-Base": ("Minitron", 4.51e9, "curated", 94e9),
    "microsoft/phi-1": ("Phi", 1.3e9, "curated", 5.1e10),
    "stabilityai/stablelm-zephyr-3b": ("StableLM", 2_795_443_200, "curated", None),
    "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T": ("TinyLlama", 1.1e9, "curated", 3e12),
    # MiniCPM's names count non-embedding parameters (MiniCPM paper: 1,247,442,432 and
    # 2,442,057,984); the totals add the tied embedding (73,440 x 1,536; 122,753 x 2,304).
    "openbmb/MiniCPM-1B-sft-bf16": (
        "MiniCPM",
        1_360_246_272,
        "curated: architecture total (the name's 1.2B is the non-embedding count)",
        None,
    ),
    "openbmb/MiniCPM-2B-sft-bf16": (
        "MiniCPM",
        2_724_880_896,
        "curated: architecture total (the name's 2.4B is the non-embedding count)",
        None,
    ),
    "openbmb/MiniCPM3-4B": ("MiniCPM", 4.0e9, "curated", None),
}

# Readable canonical names where the Hugging Face repo name is not readable or unique enough.
CANONICAL_OVERRIDE = {
    "huggyllama/llama-7b": "Llama-1-7B",
    "huggyllama/llama-13b": "Llama-1-13B",
    "huggyllama/llama-30b": "Llama-1-30B",
    "huggyllama/llama-65b": "Llama-1-65B",
    "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T": "TinyLlama-1.1B",
    "openbmb/MiniCPM-1B-sft-bf16": "MiniCPM-1-1.2B",
    "openbmb/MiniCPM-2B-sft-bf16": "MiniCPM-1-2.4B",
    "openbmb/MiniCPM3-4B": "MiniCPM-3-4B",
    "nvidia/Llama-3.1-Minitron-4B-Width-Base": "Llama-3.1-Minitron-4B",
    "bigscience/bloom": "bloom-176b",
    "bigcode/starcoderbase": "starcoderbase-15.5b",
}


def canonical_name(hf_id: str) -> str:
    """Stable readable name: the repo name without a trailing '-hf' (or an override)."""
    if hf_id in CANONICAL_OVERRIDE:
        return CANONICAL_OVERRIDE[hf_id]
    name = hf_id.split("/", 1)[1]
    if name.endswith("-hf"):
        name = name[:-3]
    return name


def _norm(s: object) -> str:
    s = str(s).lower().replace("_", ".")
    return "".join(ch for ch in s if ch.isalnum() or ch == ".")


# Explicit links from a model to an Epoch entry when names do not match automatically:
# hf_id -> ("mv", model_versions id) or ("am", all_ml_systems System).
EPOCH_ALIAS: dict[str, tuple[str, str]] = {
    "huggyllama/llama-30b": ("am", "LLaMA-33B"),
    "meta-llama/Meta-Llama-3.1-405B-FP8": ("am", "Llama 3.1-405B"),
    "meta-llama/Meta-Llama-3.1-70B": ("am", "Llama 3.1-70B"),
    "meta-llama/Meta-Llama-3.1-8B": ("am", "Llama 3.1-8B"),
    "meta-llama/Llama-3.2-1B": ("am", "Llama 3.2 1B"),
    "meta-llama/Llama-3.2-3B": ("am", "Llama 3.2 3B"),
    "EleutherAI/pythia-70m-deduped": ("am", "Pythia-70m"),
    "EleutherAI/pythia-160m-deduped": ("am", "Pythia-160m"),
    "EleutherAI/pythia-410m-deduped": ("am", "Pythia-410m"),
    "EleutherAI/pythia-1b-deduped": ("am", "Pythia-1b"),
    "EleutherAI/pythia-1.4b-deduped": ("am", "Pythia-1.4b"),
    "EleutherAI/pythia-2.8b-deduped": ("am", "Pythia-2.8b"),
    "EleutherAI/pythia-6.9b-deduped": ("am", "Pythia-6.9b"),
    "EleutherAI/pythia-12b-deduped": ("am", "Pythia-12b"),
    "bigscience/bloom-1b1": ("am", "BLOOM-1B"),
    "bigscience/bloom-7b1": ("am", "BLOOM-7.1B"),
    "openai-community/gpt2": ("am", "GPT-2 (124M)"),
    "openai-community/gpt2-medium": ("am", "GPT-2 (355M)"),
    "openai-community/gpt2-large": ("am", "GPT-2 (774M)"),
    "openlm-research/open_llama_13b": ("am", "OpenLLaMA-13B"),
    "bigcode/starcoderbase": ("am", "StarCoder"),
    "togethercomputer/RedPajama-INCITE-Base-7B-v0.1": ("mv", "RedPajama-INCITE-7B-Base"),
    "cerebras/btlm-3b-8k-base": ("am", "BTLM-3B"),
    "stabilityai/stablelm-base-alpha-7b-v2": ("am", "StableLM-Base-Alpha-7B"),
    "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T": (
        "am",
        "TinyLlama-1.1B (3T token checkpoint)",
    ),
}

# Hand-curated release dates (take precedence over Epoch; each with the reason and origin).
CURATED_DATES: dict[str, tuple[str, str]] = {
    "Qwen/Qwen1.5-4B": (
        "2024-02-04",
        "Qwen1.5 release (all sizes; Qwen blog 'Introducing Qwen1.5', 4 Feb 2024); Epoch model_versions dates Qwen1.5-7B/14B/32B 2024-02-04",
    ),
    "Qwen/Qwen1.5-1.8B": (
        "2024-02-04",
        "Qwen1.5 release (all sizes; Qwen blog 'Introducing Qwen1.5', 4 Feb 2024); Epoch model_versions dates Qwen1.5-7B/14B/32B 2024-02-04",
    ),
    "Qwen/Qwen1.5-0.5B": (
        "2024-02-04",
        "Qwen1.5 release (all sizes; Qwen blog 'Introducing Qwen1.5', 4 Feb 2024); Epoch model_versions dates Qwen1.5-7B/14B/32B 2024-02-04",
    ),
    "Qwen/Qwen2-57B-A14B": (
        "2024-06-07",
        "Qwen2 release (all sizes; Qwen blog 'Hello Qwen2', 7 Jun 2024); Epoch all_ml_systems dates Qwen2-72B 2024-06-07",
    ),
    "Qwen/Qwen2-7B": (
        "2024-06-07",
        "Qwen2 release (all sizes; Qwen blog 'Hello Qwen2', 7 Jun 2024); Epoch all_ml_systems dates Qwen2-72B 2024-06-07",
    ),
    "Qwen/Qwen2-1.5B": (
        "2024-06-07",
        "Qwen2 release (all sizes; Qwen blog 'Hello Qwen2', 7 Jun 2024); Epoch all_ml_systems dates Qwen2-72B 2024-06-07",
    ),
    "Qwen/Qwen2-0.5B": (
        "2024-06-07",
        "Qwen2 release (all sizes; Qwen blog 'Hello Qwen2', 7 Jun 2024); Epoch all_ml_systems dates Qwen2-72B 2024-06-07",
    ),
    "01-ai/Yi-1.5-9B": (
        "2024-05-13",
        "Yi-1.5 release (all sizes together); Epoch model_versions dates Yi-1.5-34B 2024-05-13",
    ),
    "01-ai/Yi-1.5-6B": (
        "2024-05-13",
        "Yi-1.5 release (all sizes together); Epoch model_versions dates Yi-1.5-34B 2024-05-13",
    ),
    "01-ai/Yi-6B-200K": (
        "2023-11-02",
        "month precision: 200K-context Yi base models were published with the Yi release of Nov 2023 (Epoch model_versions dates Yi-6B/34B 2023-11-02)",
    ),
    "01-ai/Yi-34B-200K": (
        "2023-11-02",
        "month precision: 200K-context Yi base models were published with the Yi release of Nov 2023 (Epoch model_versions dates Yi-6B/34B 2023-11-02)",
    ),
    "tiiuae/falcon-rw-1b": (
        "2023-06-01",
        "released with the RefinedWeb paper (Penedo et al., arXiv 2306.01116, 1 Jun 2023)",
    ),
    "facebook/opt-125m": (
        "2022-05-03",
        "OPT release (Zhang et al., arXiv 2205.01068, May 2022; all sizes); Epoch model_versions dates OPT-66B 2022-05-03",
    ),
    "facebook/xglm-564M": (
        "2021-12-20",
        "XGLM paper (Lin et al., arXiv 2112.10668, Dec 2021) released all sizes; Epoch all_ml_systems dates XGLM-7.5B 2021-12-20",
    ),
    "facebook/xglm-1.7B": (
        "2021-12-20",
        "XGLM paper (Lin et al., arXiv 2112.10668, Dec 2021) released all sizes; Epoch all_ml_systems dates XGLM-7.5B 2021-12-20",
    ),
    "facebook/xglm-4.5B": (
        "2021-12-20",
        "XGLM paper (Lin et al., arXiv 2112.10668, Dec 2021) released all sizes; Epoch all_ml_systems dates XGLM-7.5B 2021-12-20",
    ),
    "codellama/CodeLlama-13b-hf": (
        "2023-08-14",
        "Code Llama 7B/13B/34B were released together; Epoch all_ml_systems dates Code Llama-7B and -34B 2023-08-14",
    ),
    "openlm-research/open_llama_3b": (
        "2023-06-07",
        "OpenLLaMA 1T-token 3B/7B release (openlm-research/open_llama README); Epoch model_versions dates open_llama_7b 2023-06-07",
    ),
    "openlm-research/open_llama_3b_v2": (
        "2023-07-07",
        "OpenLLaMA v2 3B/7B release (openlm-research/open_llama README update, 7 Jul 2023)",
    ),
    "openlm-research/open_llama_7b_v2": (
        "2023-07-07",
        "OpenLLaMA v2 3B/7B release (openlm-research/open_llama README update, 7 Jul 2023)",
    ),
    "internlm/internlm2-7b": (
        "2024-01-12",
        "InternLM2 7B/20B were released together; Epoch all_ml_systems dates InternLM2-20B 2024-01-12",
    ),
    "Deci/DeciLM-7B": ("2023-12-12", "Deci announcement 'Introducing DeciLM-7B' (Dec 2023)"),
    "stabilityai/stablelm-base-alpha-3b": (
        "2023-04-19",
        "StableLM-Alpha launch (Stability AI announcement, 19 Apr 2023); Epoch model_versions dates stablelm-tuned-alpha-7b 2023-04-19",
    ),
    "stabilityai/stablelm-base-alpha-7b": (
        "2023-04-19",
        "StableLM-Alpha launch (Stability AI announcement, 19 Apr 2023); Epoch's 'StableLM-Base-Alpha-7B' (2023-08-05, 6.89B params) is the v2 model",
    ),
    "RWKV/rwkv-4-169m-pile": (
        "2023-05-22",
        "RWKV-4 paper (Peng et al., arXiv 2305.13048, 22 May 2023); Epoch all_ml_systems dates RWKV-4 14B 2023-05-22; the Pile checkpoints were public earlier",
    ),
    "RWKV/rwkv-4-430m-pile": (
        "2023-05-22",
        "RWKV-4 paper (Peng et al., arXiv 2305.13048, 22 May 2023); Epoch all_ml_systems dates RWKV-4 14B 2023-05-22; the Pile checkpoints were public earlier",
    ),
    "RWKV/rwkv-4-1b5-pile": (
        "2023-05-22",
        "RWKV-4 paper (Peng et al., arXiv 2305.13048, 22 May 2023); Epoch all_ml_systems dates RWKV-4 14B 2023-05-22; the Pile checkpoints were public earlier",
    ),
    "RWKV/rwkv-4-3b-pile": (
        "2023-05-22",
        "RWKV-4 paper (Peng et al., arXiv 2305.13048, 22 May 2023); Epoch all_ml_systems dates RWKV-4 14B 2023-05-22; the Pile checkpoints were public earlier",
    ),
    "RWKV/rwkv-4-7b-pile": (
        "2023-05-22",
        "RWKV-4 paper (Peng et al., arXiv 2305.13048, 22 May 2023); Epoch all_ml_systems dates RWKV-4 14B 2023-05-22; the Pile checkpoints were public earlier",
    ),
    "RWKV/rwkv-4-14b-pile": (
        "2023-05-22",
        "RWKV-4 paper (Peng et al., arXiv 2305.13048, 22 May 2023) = Epoch all_ml_systems 'RWKV-4 14B'; the Pile checkpoints were public earlier",
    ),
    "togethercomputer/RedPajama-INCITE-Base-3B-v1": (
        "2023-05-05",
        "Together blog 'Releasing 3B and 7B RedPajama-INCITE family of models' (May 2023); Epoch model_versions dates RedPajama-INCITE-7B-Base 2023-05-04",
    ),
    "LLM360/Amber": (
        "2023-12-11",
        "LLM360 paper (Liu et al., arXiv 2312.06550, Dec 2023) releasing Amber",
    ),
    "Salesforce/codegen-6B-nl": (
        "2022-03-25",
        "CodeGen paper (Nijkamp et al., arXiv 2203.13474, Mar 2022) released the NL/multi/mono checkpoints",
    ),
    "Salesforce/codegen-16B-nl": (
        "2022-03-25",
        "CodeGen paper (Nijkamp et al., arXiv 2203.13474, Mar 2022) released the NL/multi/mono checkpoints",
    ),
    "HuggingFaceTB/SmolLM-135M": (
        "2024-07-16",
        "Hugging Face blog 'SmolLM - blazingly fast and remarkably powerful' (Jul 2024), all three sizes",
    ),
    "HuggingFaceTB/SmolLM-360M": (
        "2024-07-16",
        "Hugging Face blog 'SmolLM - blazingly fast and remarkably powerful' (Jul 2024), all three sizes",
    ),
    "HuggingFaceTB/SmolLM-1.7B": (
        "2024-07-16",
        "Hugging Face blog 'SmolLM - blazingly fast and remarkably powerful' (Jul 2024), all three sizes",
    ),
    "cerebras/Cerebras-GPT-111M": (
        "2023-03-20",
        "Cerebras-GPT family (7 sizes) released together; Epoch model_versions dates Cerebras-GPT-13B 2023-03-20",
    ),
    "cerebras/Cerebras-GPT-256M": (
        "2023-03-20",
        "Cerebras-GPT family (7 sizes) released together; Epoch model_versions dates Cerebras-GPT-13B 2023-03-20",
    ),
    "cerebras/Cerebras-GPT-590M": (
        "2023-03-20",
        "Cerebras-GPT family (7 sizes) released together; Epoch model_versions dates Cerebras-GPT-13B 2023-03-20",
    ),
    "cerebras/Cerebras-GPT-1.3B": (
        "2023-03-20",
        "Cerebras-GPT family (7 sizes) released together; Epoch model_versions dates Cerebras-GPT-13B 2023-03-20",
    ),
    "cerebras/Cerebras-GPT-2.7B": (
        "2023-03-20",
        "Cerebras-GPT family (7 sizes) released together; Epoch model_versions dates Cerebras-GPT-13B 2023-03-20",
    ),
    "cerebras/Cerebras-GPT-6.7B": (
        "2023-03-20",
        "Cerebras-GPT family (7 sizes) released together; Epoch model_versions dates Cerebras-GPT-13B 2023-03-20",
    ),
    "h2oai/h2o-danube-1.8b-base": (
        "2024-01-30",
        "H2O-Danube-1.8B technical report (Singer et al., arXiv 2401.16818, Jan 2024)",
    ),
    "h2oai/h2o-danube2-1.8b-base": (
        "2024-04-05",
        "month precision: H2O-Danube2-1.8B announced by H2O.ai in Apr 2024 (revised arXiv 2401.16818)",
    ),
    "h2oai/h2o-danube3-500m-base": (
        "2024-07-12",
        "H2O-Danube3 technical report (Pfeiffer et al., arXiv 2407.09276, Jul 2024)",
    ),
    "h2oai/h2o-danube3-4b-base": (
        "2024-07-12",
        "H2O-Danube3 technical report (Pfeiffer et al., arXiv 2407.09276, Jul 2024)",
    ),
    "allenai/OLMo-1B-hf": (
        "2024-02-01",
        "OLMo 1B/7B release (Groeneveld et al., arXiv 2402.00838); Epoch all_ml_systems dates OLMo-7B 2024-02-01",
    ),
    "allenai/OLMo-7B-0424-hf": (
        "2024-04-17",
        "AI2 blog 'OLMo 1.7-7B' (Apr 2024), the 0424 checkpoint",
    ),
    "microsoft/phi-1": (
        "2023-06-20",
        "phi-1 paper 'Textbooks Are All You Need' (Gunasekar et al., arXiv 2306.11644, Jun 2023)",
    ),
    "nvidia/Llama-3.1-Minitron-4B-Width-Base": (
        "2024-08-14",
        "NVIDIA technical blog on pruning and distilling Llama-3.1 8B to Llama-3.1-Minitron 4B (Aug 2024); arXiv 2408.11796",
    ),
    "stabilityai/stablelm-zephyr-3b": (
        "2023-12-07",
        "Stability AI announcement 'StableLM Zephyr 3B' (Dec 2023)",
    ),
    "openbmb/MiniCPM-1B-sft-bf16": (
        "2024-04-10",
        "MiniCPM-1.2B released with the MiniCPM-2 family (OpenBMB MiniCPM README, Apr 2024)",
    ),
    "openbmb/MiniCPM-2B-sft-bf16": (
        "2024-02-01",
        "densing paper (Xiao et al. 2024) gives MiniCPM-1-2.4B 2024-02-01 (MiniCPM release)",
    ),
    "openbmb/MiniCPM3-4B": ("2024-09-05", "MiniCPM3-4B release (OpenBMB MiniCPM README, Sep 2024)"),
}
# Known-undated (no Epoch entry, no reliable public release date found): left empty.

# Corrections to ObsScaling's `Model Size (B)` / tokens (nominal or active sizes, typos).
PARAM_FIX: dict[str, tuple[float, str]] = {
    "openlm-research/open_llama_7b_v2": (7e9, "curated: ObsScaling lists 13 (B); the model is 7B"),
    "mistralai/Mixtral-8x7B-v0.1": (46.7e9, "curated: total of the MoE (ObsScaling 45)"),
    "mistralai/Mixtral-8x22B-v0.1": (141e9, "curated: total of the MoE (ObsScaling 39 = active)"),
    "deepseek-ai/DeepSeek-V2": (236e9, "curated: total of the MoE (ObsScaling 21 = active)"),
    "deepseek-ai/DeepSeek-Coder-V2-Base": (
        236e9,
        "curated: total of the MoE (ObsScaling 21 = active)",
    ),
    "Qwen/Qwen2-57B-A14B": (57e9, "curated: total of the MoE (ObsScaling 24)"),
    "deepseek-ai/deepseek-moe-16b-base": (16.4e9, "curated: total of the MoE"),
    "ai21labs/Jamba-v0.1": (51.6e9, "curated: total of the MoE (ObsScaling 12 = active)"),
    "stabilityai/stablelm-base-alpha-7b": (7e9, "obsscaling nominal; Epoch's 6.89B entry is v2"),
}
MOE_ACTIVE = {
    "mistralai/Mixtral-8x7B-v0.1": 12.9e9,
    "mistralai/Mixtral-8x22B-v0.1": 39e9,
    "deepseek-ai/DeepSeek-V2": 21e9,
    "deepseek-ai/DeepSeek-Coder-V2-Base": 21e9,
    "Qwen/Qwen2-57B-A14B": 14e9,
    "deepseek-ai/deepseek-moe-16b-base": 2.8e9,
    "ai21labs/Jamba-v0.1": 12e9,
}
TOKENS_FIX = {"cerebras/btlm-3b-8k-base": 627e9}  # ObsScaling: 627 (T), a unit slip for 627B

DERIVED = {  # hf_id -> (parent canonical name, relation)
    "codellama/CodeLlama-7b-hf": ("Llama-2-7b", "continued-pretraining"),
    "codellama/CodeLlama-13b-hf": ("Llama-2-13b", "continued-pretraining"),
    "codellama/CodeLlama-34b-hf": ("", "continued-pretraining"),
    "codellama/CodeLlama-70b-hf": ("Llama-2-70b", "continued-pretraining"),
    "01-ai/Yi-6B-200K": ("Yi-6B", "continued-pretraining"),
    "01-ai/Yi-34B-200K": ("Yi-34B", "continued-pretraining"),
    "RWKV/rwkv-raven-14b": ("rwkv-4-14b-pile", "fine-tuned"),
    "deepseek-ai/DeepSeek-Coder-V2-Base": ("DeepSeek-V2", "continued-pretraining"),
    "meta-llama/Meta-Llama-3.1-405B-FP8": ("", "quantized"),
    "nvidia/Llama-3.1-Minitron-4B-Width-Base": ("Meta-Llama-3.1-8B", "pruned+distilled"),
    "stabilityai/stablelm-zephyr-3b": ("stablelm-3b-4e1t", "fine-tuned"),
    "meta-llama/Llama-3.2-1B": ("Meta-Llama-3.1-8B", "pruned+distilled"),
    "meta-llama/Llama-3.2-3B": ("Meta-Llama-3.1-8B", "pruned+distilled"),
}

# ---------------------------------------------------------------------------------------------
# Architecture table: non-embedding parameter counts
# ---------------------------------------------------------------------------------------------


class _Arch(NamedTuple):
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


# hf_id -> architecture. `total` is the exact parameter count of the Hugging Face
# architecture with these config values, counted with transformers on the meta device
# (densing.evaluate.count_parameters, which also gave every non-embedding count here; the
# formula in _Arch.embedding reproduces it for every row). Sources: "verified:transformers
# <Config> defaults" = the installed transformers' config class defaults are documented as (and
# equal) this checkpoint's config; "curated:config" = the model's config.json values as
# curated by hand (no copy of the Hugging Face config was available to the build); "; ..."
# names an independent published count that the row reproduces. The h2o-danube3 models and
# MiniCPM3-4B are left out: their configs could not be confirmed.
ARCH: dict[str, _Arch] = {
    "huggyllama/llama-7b": _Arch(32000, 4096, False, 6738415616, "curated:config (same shapes as Llama-2-7B)"),
    "huggyllama/llama-13b": _Arch(32000, 5120, False, 13015864320, "curated:config"),
    "huggyllama/llama-30b": _Arch(32000, 6656, False, 32528943616, "curated:config"),
    "huggyllama/llama-65b": _Arch(32000, 8192, False, 65285660672, "curated:config"),
    "meta-llama/Llama-2-7b-hf": _Arch(32000, 4096, False, 6738415616, "verified:transformers LlamaConfig defaults (= meta-llama/Llama-2-7b-hf)"),
    "meta-llama/Llama-2-13b-hf": _Arch(32000, 5120, False, 13015864320, "curated:config"),
    "meta-llama/Llama-2-70b-hf": _Arch(32000, 8192, False, 68976648192, "curated:config"),
    "meta-llama/Meta-Llama-3-8B": _Arch(128256, 4096, False, 8030261248, "curated:config"),
    "meta-llama/Meta-Llama-3-70B": _Arch(128256, 8192, False, 70553706496, "curated:config"),
    "meta-llama/Meta-Llama-3.1-8B": _Arch(128256, 4096, False, 8030261248, "curated:config"),
    "meta-llama/Meta-Llama-3.1-70B": _Arch(128256, 8192, False, 70553706496, "curated:config"),
    "meta-llama/Meta-Llama-3.1-405B-FP8": _Arch(128256, 16384, False, 405853388800, "curated:config"),
    "meta-llama/Llama-3.2-1B": _Arch(128256, 2048, True, 1235814400, "curated:config"),
    "meta-llama/Llama-3.2-3B": _Arch(128256, 3072, True, 3212749824, "curated:config"),
    "nvidia/Llama-3.1-Minitron-4B-Width-Base": _Arch(128256, 3072, False, 4512746496, "curated:config"),
    "codellama/CodeLlama-7b-hf": _Arch(32016, 4096, False, 6738546688, "curated:config"),
    "codellama/CodeLlama-13b-hf": _Arch(32016, 5120, False, 13016028160, "curated:config"),
    "codellama/CodeLlama-34b-hf": _Arch(32000, 8192, False, 33743970304, "curated:config"),
    "codellama/CodeLlama-70b-hf": _Arch(32016, 8192, False, 68976910336, "curated:config"),
    "mistralai/Mistral-7B-v0.1": _Arch(32000, 4096, False, 7241732096, "verified:transformers MistralConfig defaults (= mistralai/Mistral-7B-v0.1)"),
    "mistralai/Mistral-Nemo-Base-2407": _Arch(131072, 5120, False, 12247782400, "curated:config"),
    "mistralai/Mixtral-8x7B-v0.1": _Arch(32000, 4096, False, 46702792704, "verified:transformers MixtralConfig defaults (= mistralai/Mixtral-8x7B-v0.1)"),
    "mistralai/Mixtral-8x22B-v0.1": _Arch(32000, 6144, False, 140620634112, "curated:config"),
    "google/gemma-2b": _Arch(256000, 2048, True, 2506172416, "curated:config; non-embedding equals Gemma report Table 2"),
    "google/gemma-7b": _Arch(256000, 3072, True, 8537680896, "verified:transformers GemmaConfig defaults (= google/gemma-7b); non-embedding equals Gemma report Table 2"),
    "google/gemma-2-2b": _Arch(256000, 2304, True, 2614341888, "curated:config; non-embedding equals Gemma 2 report Table 2"),
    "google/gemma-2-9b": _Arch(256000, 3584, True, 9241705984, "curated:config; non-embedding equals Gemma 2 report Table 2"),
    "google/gemma-2-27b": _Arch(256000, 4608, True, 27227128320, "curated:config; non-embedding equals Gemma 2 report Table 2"),
    "Qwen/Qwen-7B": _Arch(151936, 4096, False, 7721324544, "curated:config"),
    "Qwen/Qwen-14B": _Arch(152064, 5120, False, 14167290880, "curated:config"),
    "Qwen/Qwen-72B": _Arch(152064, 8192, False, 72287920128, "curated:config"),
    "Qwen/Qwen1.5-0.5B": _Arch(151936, 1024, False, 619570176, "curated:config (tie flag unsure; the non-embedding count does not depend on it)"),
    "Qwen/Qwen1.5-1.8B": _Arch(151936, 2048, False, 1836828672, "curated:config"),
    "Qwen/Qwen1.5-4B": _Arch(151936, 2560, False, 3950369280, "curated:config"),
    "Qwen/Qwen1.5-7B": _Arch(151936, 4096, False, 7721324544, "curated:config"),
    "Qwen/Qwen1.5-14B": _Arch(152064, 5120, False, 14167290880, "curated:config"),
    "Qwen/Qwen1.5-32B": _Arch(152064, 5120, False, 32512218112, "curated:config"),
    "Qwen/Qwen1.5-72B": _Arch(152064, 8192, False, 72287920128, "curated:config"),
    "Qwen/Qwen1.5-110B": _Arch(152064, 8192, False, 111209914368, "curated:config"),
    "Qwen/Qwen2-0.5B": _Arch(151936, 896, True, 494032768, "curated:config"),
    "Qwen/Qwen2-1.5B": _Arch(151936, 1536, True, 1543714304, "curated:config"),
    "Qwen/Qwen2-7B": _Arch(152064, 3584, False, 7615616512, "curated:config"),
    "Qwen/Qwen2-72B": _Arch(152064, 8192, False, 72706203648, "curated:config"),
    "Qwen/Qwen2-57B-A14B": _Arch(151936, 3584, False, 57408658944, "curated:config"),
    "microsoft/phi-1": _Arch(51200, 2048, False, 1418270720, "verified:transformers PhiConfig defaults (= microsoft/phi-1)", head_bias=True),
    "microsoft/phi-1_5": _Arch(51200, 2048, False, 1418270720, "curated:config", head_bias=True),
    "microsoft/phi-2": _Arch(51200, 2560, False, 2779683840, "curated:config", head_bias=True),
    "tiiuae/falcon-7b": _Arch(65024, 4544, True, 6921720704, "verified:transformers FalconConfig defaults (= tiiuae/falcon-7b)"),
    "tiiuae/falcon-40b": _Arch(65024, 8192, True, 41303293952, "curated:config"),
    "tiiuae/falcon-180B": _Arch(65024, 14848, True, 178557088768, "curated:config"),
    "tiiuae/falcon-rw-1b": _Arch(50304, 2048, True, 1311625216, "curated:config"),
    "mosaicml/mpt-7b": _Arch(50432, 4096, True, 6649286656, "curated:config"),
    "mosaicml/mpt-30b": _Arch(50432, 7168, True, 29957200896, "curated:config"),
    "EleutherAI/pythia-70m-deduped": _Arch(50304, 512, False, 70426624, "curated:config; non-embedding equals Pythia paper Table 1"),
    "EleutherAI/pythia-160m-deduped": _Arch(50304, 768, False, 162322944, "curated:config; non-embedding equals Pythia paper Table 1"),
    "EleutherAI/pythia-410m-deduped": _Arch(50304, 1024, False, 405334016, "curated:config; non-embedding equals Pythia paper Table 1"),
    "EleutherAI/pythia-1b-deduped": _Arch(50304, 2048, False, 1011781632, "curated:config; non-embedding equals Pythia paper Table 1"),
    "EleutherAI/pythia-1.4b-deduped": _Arch(50304, 2048, False, 1414647808, "curated:config; non-embedding equals Pythia paper Table 1"),
    "EleutherAI/pythia-2.8b-deduped": _Arch(50304, 2560, False, 2775208960, "curated:config; non-embedding equals Pythia paper Table 1"),
    "EleutherAI/pythia-6.9b-deduped": _Arch(50432, 4096, False, 6857302016, "curated:config; non-embedding equals Pythia paper Table 1"),
    "EleutherAI/pythia-12b-deduped": _Arch(50688, 5120, False, 11846072320, "curated:config; non-embedding equals Pythia paper Table 1"),
    "openai-community/gpt2": _Arch(50257, 768, True, 124439808, "verified:transformers GPT2Config defaults (= openai-community/gpt2)", pos=786432),
    "openai-community/gpt2-medium": _Arch(50257, 1024, True, 354823168, "curated:config", pos=1048576),
    "openai-community/gpt2-large": _Arch(50257, 1280, True, 774030080, "curated:config", pos=1310720),
    "openai-community/gpt2-xl": _Arch(50257, 1600, True, 1557611200, "curated:config", pos=1638400),
    "EleutherAI/gpt-neo-125m": _Arch(50257, 768, True, 125198592, "curated:config", pos=1572864),
    "EleutherAI/gpt-neo-1.3B": _Arch(50257, 2048, True, 1315575808, "verified:transformers GPTNeoConfig defaults (= EleutherAI/gpt-neo-1.3B)", pos=4194304),
    "EleutherAI/gpt-neo-2.7B": _Arch(50257, 2560, True, 2651307520, "curated:config", pos=5242880),
    "EleutherAI/gpt-j-6b": _Arch(50400, 4096, False, 6050882784, "verified:transformers GPTJConfig defaults (= EleutherAI/gpt-j-6b); the GPT-J README gives 6,053,381,344 (0.04 % more; Epoch uses it as n_params)", head_bias=True),
    "EleutherAI/gpt-neox-20b": _Arch(50432, 6144, False, 20554567680, "verified:transformers GPTNeoXConfig defaults (= EleutherAI/gpt-neox-20b)"),
    "facebook/opt-125m": _Arch(50272, 768, True, 125239296, "curated:config", pos=1574400),
    "facebook/opt-350m": _Arch(50272, 1024, True, 331196416, "curated:config", pos=2099200, d_embed=512),
    "facebook/opt-1.3b": _Arch(50272, 2048, True, 1315758080, "curated:config", pos=4198400),
    "facebook/opt-2.7b": _Arch(50272, 2560, True, 2651596800, "curated:config", pos=5248000),
    "facebook/opt-6.7b": _Arch(50272, 4096, True, 6658473984, "curated:config", pos=8396800),
    "facebook/opt-13b": _Arch(50272, 5120, True, 12853473280, "curated:config", pos=10496000),
    "facebook/opt-30b": _Arch(50272, 7168, True, 29974540288, "curated:config", pos=14694400),
    "facebook/opt-66b": _Arch(50272, 9216, True, 65719701504, "curated:config", pos=18892800),
    "bigscience/bloom-560m": _Arch(250880, 1024, True, 559214592, "curated:config"),
    "bigscience/bloom-1b1": _Arch(250880, 1536, True, 1065314304, "curated:config"),
    "bigscience/bloom-3b": _Arch(250880, 2560, True, 3002557440, "curated:config"),
    "bigscience/bloom-7b1": _Arch(250880, 4096, True, 7069016064, "curated:config"),
    "bigscience/bloom": _Arch(250880, 14336, True, 176247271424, "curated:config"),
    "stabilityai/stablelm-base-alpha-3b": _Arch(50688, 4096, False, 3637321728, "curated:config"),
    "stabilityai/stablelm-base-alpha-7b": _Arch(50432, 6144, False, 7868755968, "curated:config"),
    "stabilityai/stablelm-2-1_6b": _Arch(100352, 2048, False, 1644417024, "curated:config; total from the StableLM 2 1.6B report / Epoch (1,644,417,024)"),
    "stabilityai/stablelm-zephyr-3b": _Arch(50304, 2560, False, 2795443200, "verified:transformers StableLmConfig defaults (= stabilityai/stablelm-3b-4e1t, its base model); total equals the curated n_params 2,795,443,200"),
    "01-ai/Yi-6B": _Arch(64000, 4096, False, 6061035520, "curated:config"),
    "01-ai/Yi-6B-200K": _Arch(64000, 4096, False, 6061035520, "curated:config"),
    "01-ai/Yi-34B": _Arch(64000, 7168, False, 34388917248, "curated:config"),
    "01-ai/Yi-34B-200K": _Arch(64000, 7168, False, 34388917248, "curated:config"),
    "01-ai/Yi-1.5-6B": _Arch(64000, 4096, False, 6061035520, "curated:config"),
    "01-ai/Yi-1.5-9B": _Arch(64000, 4096, False, 8829407232, "curated:config"),
    "01-ai/Yi-1.5-34B": _Arch(64000, 7168, False, 34388917248, "curated:config"),
    "deepseek-ai/deepseek-llm-7b-base": _Arch(102400, 4096, False, 6910365696, "curated:config"),
    "deepseek-ai/deepseek-llm-67b-base": _Arch(102400, 8192, False, 67425001472, "curated:config"),
    "deepseek-ai/deepseek-coder-1.3b-base": _Arch(32256, 2048, False, 1346471936, "curated:config"),
    "deepseek-ai/deepseek-coder-6.7b-base": _Arch(32256, 4096, False, 6740512768, "curated:config"),
    "deepseek-ai/deepseek-coder-33b-base": _Arch(32256, 7168, False, 33342991360, "curated:config"),
    "internlm/internlm2-7b": _Arch(92544, 4096, False, 7737708544, "curated:config"),
    "internlm/internlm2-20b": _Arch(92544, 6144, False, 19861149696, "curated:config"),
    "allenai/OLMo-1B-hf": _Arch(50304, 2048, True, 1176764416, "curated:config"),
    "allenai/OLMo-7B-hf": _Arch(50304, 4096, False, 6888095744, "verified:transformers OlmoConfig defaults (= allenai/OLMo-7B-hf)"),
    "allenai/OLMo-7B-0424-hf": _Arch(50304, 4096, False, 6888095744, "curated:config"),
    "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T": _Arch(32000, 2048, False, 1100048384, "curated:config"),
    "TinyLlama/TinyLlama_v1.1": _Arch(32000, 2048, False, 1100048384, "curated:config"),
    "bigcode/starcoderbase": _Arch(49152, 6144, True, 15517456384, "curated:config", pos=50331648),
    "bigcode/starcoderbase-1b": _Arch(49152, 2048, True, 1137207296, "curated:config", pos=16777216),
    "bigcode/starcoderbase-3b": _Arch(49152, 2816, True, 3043311104, "curated:config", pos=23068672),
    "bigcode/starcoderbase-7b": _Arch(49152, 4096, True, 7327263232, "curated:config", pos=33554432),
    "bigcode/starcoder2-3b": _Arch(49152, 3072, True, 3030371328, "curated:config"),
    "bigcode/starcoder2-7b": _Arch(49152, 4608, True, 7173923840, "curated:config"),
    "bigcode/starcoder2-15b": _Arch(49152, 6144, False, 15957889024, "curated:config"),
    "cerebras/Cerebras-GPT-111M": _Arch(50257, 768, True, 111050496, "curated:config", pos=1572864),
    "cerebras/Cerebras-GPT-256M": _Arch(50257, 1088, True, 255977024, "curated:config", pos=2228224),
    "cerebras/Cerebras-GPT-590M": _Arch(50257, 1536, True, 590310912, "curated:config", pos=3145728),
    "cerebras/Cerebras-GPT-1.3B": _Arch(50257, 2048, True, 1315723264, "curated:config", pos=4194304),
    "cerebras/Cerebras-GPT-2.7B": _Arch(50257, 2560, True, 2651553280, "curated:config", pos=5242880),
    "cerebras/Cerebras-GPT-6.7B": _Arch(50257, 4096, True, 6658404352, "curated:config", pos=8388608),
    "Salesforce/codegen-6B-nl": _Arch(51200, 4096, False, 7064213504, "curated:config", head_bias=True),
    "Salesforce/codegen-16B-nl": _Arch(51200, 6144, False, 16032155648, "curated:config", head_bias=True),
    "facebook/xglm-564M": _Arch(256008, 1024, True, 564463616, "verified:transformers XGLMConfig defaults (= facebook/xglm-564M)"),
    "facebook/xglm-1.7B": _Arch(256008, 2048, True, 1732907008, "curated:config"),
    "facebook/xglm-4.5B": _Arch(256008, 2048, True, 4552511488, "curated:config"),
    "facebook/xglm-7.5B": _Arch(256008, 4096, True, 7492771840, "curated:config"),
    "RWKV/rwkv-4-169m-pile": _Arch(50277, 768, False, 169342464, "curated:config"),
    "RWKV/rwkv-4-430m-pile": _Arch(50277, 1024, False, 430397440, "curated:config"),
    "RWKV/rwkv-4-1b5-pile": _Arch(50277, 2048, False, 1515106304, "curated:config"),
    "RWKV/rwkv-4-3b-pile": _Arch(50277, 2560, False, 2984627200, "curated:config"),
    "RWKV/rwkv-4-7b-pile": _Arch(50277, 4096, False, 7392649216, "curated:config"),
    "RWKV/rwkv-4-14b-pile": _Arch(50277, 5120, False, 14148597760, "curated:config"),
    "RWKV/rwkv-raven-14b": _Arch(50277, 5120, False, 14148597760, "curated:config"),
    "togethercomputer/RedPajama-INCITE-Base-3B-v1": _Arch(50432, 2560, False, 2775864320, "curated:config"),
    "togethercomputer/RedPajama-INCITE-Base-7B-v0.1": _Arch(50432, 4096, False, 6857302016, "curated:config"),
    "openlm-research/open_llama_3b": _Arch(32000, 3200, False, 3426473600, "curated:config"),
    "openlm-research/open_llama_7b": _Arch(32000, 4096, False, 6738415616, "curated:config (LLaMA-7B shapes)"),
    "openlm-research/open_llama_13b": _Arch(32000, 5120, False, 13015864320, "curated:config"),
    "openlm-research/open_llama_3b_v2": _Arch(32000, 3200, False, 3426473600, "curated:config"),
    "openlm-research/open_llama_7b_v2": _Arch(32000, 4096, False, 6738415616, "curated:config (LLaMA-7B shapes)"),
    "LLM360/Amber": _Arch(32000, 4096, False, 6738415616, "curated:config (LLaMA-7B shapes)"),
    "h2oai/h2o-danube-1.8b-base": _Arch(32000, 2560, False, 1831201280, "curated:config"),
    "h2oai/h2o-danube2-1.8b-base": _Arch(32000, 2560, False, 1831201280, "curated:config"),
    "HuggingFaceTB/SmolLM-135M": _Arch(49152, 576, True, 134515008, "curated:config"),
    "HuggingFaceTB/SmolLM-360M": _Arch(49152, 960, True, 361821120, "curated:config"),
    "HuggingFaceTB/SmolLM-1.7B": _Arch(49152, 2048, True, 1711376384, "curated:config"),
    "ai21labs/Jamba-v0.1": _Arch(65536, 4096, False, 51570323328, "verified:transformers JambaConfig defaults (= ai21labs/Jamba-v0.1)"),
    "deepseek-ai/DeepSeek-V2": _Arch(102400, 5120, False, 235741434880, "curated:config"),
    "deepseek-ai/DeepSeek-Coder-V2-Base": _Arch(102400, 5120, False, 235741434880, "curated:config"),
    "openbmb/MiniCPM-2B-sft-bf16": _Arch(122753, 2304, True, 2724880896, "curated:config; non-embedding equals MiniCPM paper (1,247,442,432 / 2,442,057,984)"),
    "openbmb/MiniCPM-1B-sft-bf16": _Arch(73440, 1536, True, 1360246272, "curated:config; non-embedding equals MiniCPM paper (1,247,442,432 / 2,442,057,984)"),

    "deepseek-ai/deepseek-moe-16b-base": _Arch(102400, 2048, False, 16375728128, "curated:config (1 dense + 27 MoE layers, 64 routed + 2 shared experts of 1408, MHA); total counted by hand"),
    "stabilityai/stablelm-base-alpha-7b-v2": _Arch(50304, 4096, False, 6890209280, "curated:config; total from the Stability-AI/StableLM README (6,890,209,280)"),
    "Deci/DeciLM-7B": _Arch(32000, 4096, False, None, "curated:config (vocab, d_model, untied)"),
    "cerebras/btlm-3b-8k-base": _Arch(50257, 2560, True, None, "curated:config (vocab, d_model, tied; ALiBi, no learned positions)"),
}


def _arch_columns(hf_id: str, n_params: float) -> dict[str, object]:
    """The architecture columns of one models.csv row (empty where the model is not covered)."""
    arch = ARCH.get(hf_id)
    if arch is None:
        return {
            "n_params_nonembedding": np.nan,
            "n_params_arch": np.nan,
            "vocab_size": np.nan,
            "d_model": np.nan,
            "tied_embeddings": "",
            "arch_source": "",
        }
    if arch.total is not None:
        total, how = arch.total, "total: architecture count"
    else:
        total, how = n_params, "total: n_params (rounded), embeddings subtracted"
    nonemb = int(round(total)) - arch.embedding()
    # non-embedding share: 27 % (pythia-70m, vocab-dominated) to 99.5 % (Llama-3.1-405B)
    assert 0.25 * total < nonemb < total, (hf_id, nonemb, total)
    return {
        "n_params_nonembedding": nonemb,
        "n_params_arch": arch.total if arch.total is not None else np.nan,
        "vocab_size": arch.vocab,
        "d_model": arch.d_model,
        "tied_embeddings": "True" if arch.tied else "False",
        "arch_source": f"{arch.source}; {how}",
    }


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
            self.mv_by_id.setdefault(_norm(rid), (rid, date))
            self.mv_by_id.setdefault(str(rid), (rid, date))
        amd = am[am["Publication date"].notna()]
        self.am_by_name: dict[str, tuple[str, str, float]] = {}
        for name, date, params in zip(
            amd["System"], amd["Publication date"], amd["Parameters"], strict=True
        ):
            self.am_by_name.setdefault(str(name), (name, date, params))
            self.am_by_name.setdefault(_norm(name), (name, date, params))

    def match(self, hf_id: str) -> dict[str, tuple]:
        """Return the Epoch entries matched to a model: keys 'mv' and/or 'am'."""
        out: dict[str, tuple] = {}
        if hf_id in EPOCH_ALIAS:
            kind, key = EPOCH_ALIAS[hf_id]
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
        if "mv" not in out and _norm(stripped) in self.mv_by_id:
            out["mv"] = self.mv_by_id[_norm(stripped)]
        for cand in (repo, stripped):
            if _norm(cand) in self.am_by_name:
                out["am"] = self.am_by_name[_norm(cand)]
                break
        return out


def _date_for(hf_id: str, found: dict[str, tuple]) -> tuple[str, str, str]:
    """(release_date, date_source, date_note) for a model; empty strings if unknown."""
    if hf_id in CURATED_DATES:
        date, note = CURATED_DATES[hf_id]
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


def build_models(shared: Path) -> pd.DataFrame:
    obs = pd.read_csv(shared / OBS_FILE)
    epoch = Epoch(shared)
    rows = []
    entries = [(r["Model"], r, True) for _, r in obs.iterrows()]
    entries += [(hf, None, False) for hf in PAPER_EXTRA_OPEN]
    for hf_id, r, in_obs in entries:
        found = epoch.match(hf_id)
        date, date_source, date_note = _date_for(hf_id, found)
        if in_obs:
            family = r["Model Family"]
            n_params = float(r["Model Size (B)"]) * 1e9
            n_src = "obsscaling:Model Size (B) (nominal)"
            tok = r["Pretraining Data Size (T)"]
            tokens = float(tok) * 1e12 if pd.notna(tok) else np.nan
            tok_src = "obsscaling:Pretraining Data Size (T)" if pd.notna(tok) else ""
        else:
            family, n_cur, n_src_cur, tok = PAPER_EXTRA_OPEN[hf_id]
            n_params = n_cur if n_cur is not None else np.nan
            n_src = n_src_cur or ""
            tokens = tok if tok is not None else np.nan
            tok_src = "curated (model card)" if tok is not None else ""
        am_params = found.get("am", (None, None, np.nan))[2]
        # Prefer Epoch's parameter count for the matched entry when it is within 35 % of
        # ObsScaling's nominal size (guards against family-level or active-only counts).
        if pd.notna(am_params) and (np.isnan(n_params) or abs(am_params / n_params - 1) < 0.35):
            n_params, n_src = float(am_params), "epoch:all_ml_systems"
        if hf_id in PARAM_FIX:
            n_params, n_src = PARAM_FIX[hf_id]
        if hf_id in TOKENS_FIX:
            tokens, tok_src = TOKENS_FIX[hf_id], "curated: ObsScaling 627 (T) is 627B"
        parent, relation = DERIVED.get(hf_id, ("", ""))
        if hf_id == "codellama/CodeLlama-34b-hf":
            parent = ""  # Llama-2-34B was never released as open weights
        if hf_id == "meta-llama/Meta-Llama-3.1-405B-FP8":
            parent = ""
        org = HF_ORG.get(hf_id.split("/", 1)[0], hf_id.split("/", 1)[0])
        rows.append(
            {
                "model": canonical_name(hf_id),
                "hf_id": hf_id,
                "family": family,
                "organization": org,
                "n_params": n_params,
                "n_params_source": n_src,
                **_arch_columns(hf_id, n_params),
                "tokens": tokens,
                "tokens_source": tok_src,
                "release_date": date,
                "date_source": date_source,
                "date_note": date_note,
                "derived_from": parent,
                "relation": relation,
                "is_moe": hf_id in MOE_ACTIVE,
                "active_params": MOE_ACTIVE.get(hf_id, np.nan),
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


# ---------------------------------------------------------------------------------------------
# 3. Scores
# ---------------------------------------------------------------------------------------------

OBS_PROTOCOLS = {
    "MMLU": ("mmlu", "llv1:mmlu-5shot-mc"),
    "ARC-C": ("arc_challenge", "llv1:arc_challenge-25shot-acc_norm"),
    "HellaSwag": ("hellaswag", "llv1:hellaswag-10shot-acc_norm"),
    "Winograd": ("winogrande", "llv1:winogrande-5shot-acc"),
    "TruthfulQA": ("truthfulqa", "llv1:truthfulqa-0shot-mc2"),
    "GSM8K": ("gsm8k", "llv1:gsm8k-5shot-em"),
    "XWinograd": ("xwinograd", "obsscaling:xwinograd-acc"),
    "HumanEval": ("humaneval", "obsscaling:humaneval-pass@1"),
}
# Epoch technical-report tables: file stem -> [(score column, benchmark)].
EPOCH_TABLES = {
    "arc_ai2": [("Challenge score", "arc_challenge"), ("Easy score", "arc_easy")],
    "bbh": [("Average", "bbh")],
    "boolq": [("Score", "boolq")],
    "gsm8k": [("EM", "gsm8k")],
    "hellaswag": [("Overall accuracy", "hellaswag")],
    "lambada": [("Score", "lambada")],
    "mmlu": [("EM", "mmlu")],
    "openbookqa": [("Accuracy", "openbookqa")],
    "piqa": [("Score", "piqa")],
    "triviaqa": [("EM", "triviaqa")],
    "winogrande": [("Accuracy", "winogrande")],
}
# Epoch `Model version` ids that name one of our models but do not match by name.
EPOCH_VERSION_ALIAS = {
    "LLaMA-7B": "Llama-1-7B",
    "LLaMA-13B": "Llama-1-13B",
    "LLaMA-33B": "Llama-1-30B",
    "LLaMA-65B": "Llama-1-65B",
    "Llama-2-7b": "Llama-2-7b",
    "Llama-2-13b": "Llama-2-13b",
    "Llama-2-70b-hf": "Llama-2-70b",
    "Llama-3.1-405B": "Meta-Llama-3.1-405B-FP8",
    "Llama-3.1-70B": "Meta-Llama-3.1-70B",
    "Llama-3.1-8B": "Meta-Llama-3.1-8B",
}
SCORE_COLUMNS = ["model", "benchmark", "protocol", "score", "stderr", "source", "source_link"]


def _percent_to_fraction(v: object) -> float:
    if pd.isna(v):
        return np.nan
    s = str(v).strip()
    if s.endswith("%"):
        return float(s[:-1]) / 100.0
    x = float(s)
    return x / 100.0 if x > 1.0 else x


def _epoch_version_map(models: pd.DataFrame, epoch: Epoch) -> dict[str, str]:
    """Epoch model_versions id -> our canonical model name (base models only)."""
    by_hf = {h.lower(): m for h, m in zip(models["hf_id"], models["model"], strict=True)}
    by_norm = {}
    for h, m in zip(models["hf_id"], models["model"], strict=True):
        by_norm.setdefault(_norm(h.split("/", 1)[1]), m)
        by_norm.setdefault(_norm(m), m)
    out = {}
    for rid, dev in zip(epoch.mv["id"], epoch.mv["Hugging Face developer id"], strict=True):
        rid = str(rid)
        if isinstance(dev, str) and f"{dev}/{rid}".lower() in by_hf:
            out[rid] = by_hf[f"{dev}/{rid}".lower()]
        elif _norm(rid) in by_norm:
            out[rid] = by_norm[_norm(rid)]
    for rid, m in EPOCH_VERSION_ALIAS.items():
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


def _epoch_external(shared: Path) -> pd.DataFrame:
    """All Epoch external-benchmark rows in long form (before matching to models)."""
    frames = []
    for stem, cols in EPOCH_TABLES.items():
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


def build_scores(shared: Path) -> pd.DataFrame:
    models = build_models(shared)
    obs = pd.read_csv(shared / OBS_FILE)
    name_of = dict(zip(models["hf_id"], models["model"], strict=True))
    commit = (shared / "obsscaling" / "COMMIT").read_text().strip()
    link = f"{GITHUB['obsscaling']}/blob/{commit}/eval_results/base_llm_benchmark_eval.csv"
    frames = []
    for col, (bench, protocol) in OBS_PROTOCOLS.items():
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
    ext = _epoch_external(shared)
    vmap = _epoch_version_map(models, Epoch(shared))
    ext["model"] = ext["version"].map(lambda v: vmap.get(str(v)) if pd.notna(v) else None)
    ext = ext.dropna(subset=["model"])
    ext["stderr"] = np.nan
    ext["source"] = "Epoch benchmark-stitching: " + ext["source"]
    frames.append(ext[SCORE_COLUMNS])
    df = pd.concat(frames, ignore_index=True)
    df = df.dropna(subset=["model", "score"])
    df = df.drop_duplicates(subset=["model", "benchmark", "protocol", "source"], keep="first")
    assert df["score"].between(0, 1).all()
    return df.sort_values(
        ["model", "benchmark", "protocol", "source"], key=lambda s: s.str.lower(), kind="mergesort"
    ).reset_index(drop=True)[SCORE_COLUMNS]


# ---------------------------------------------------------------------------------------------
# 4. Models of the densing paper's figures
# ---------------------------------------------------------------------------------------------

# paper name -> (figure, models.csv name or "", Epoch key ("am"/"mv", name) or None,
#                derived_from, relation)
PAPER_MODELS = [
    ("Llama-1-7B", "main", "Llama-1-7B"),
    ("Llama-1-13B", "main", "Llama-1-13B"),
    ("Llama-1-65B", "main", "Llama-1-65B"),
    ("Llama-2-7B", "main", "Llama-2-7b"),
    ("Llama-2-13B", "main", "Llama-2-13b"),
    ("Llama-2-70B", "main", "Llama-2-70b"),
    ("Llama-3-8B", "main", "Meta-Llama-3-8B"),
    ("Llama-3-70B", "main", "Meta-Llama-3-70B"),
    ("Llama-3.1-8B", "main", "Meta-Llama-3.1-8B"),
    ("Llama-3.1-405B", "main", "Meta-Llama-3.1-405B-FP8"),
    ("Llama-3.2-1B", "main", "Llama-3.2-1B"),
    ("Llama-3.2-3B", "main", "Llama-3.2-3B"),
    ("Llama-3.1-Minitron-4B", "main", "Llama-3.1-Minitron-4B"),
    ("Falcon-40B", "main", "falcon-40b"),
    ("MPT-30B", "main", "mpt-30b"),
    ("Phi-1", "main", "phi-1"),
    ("Phi-1.5", "main", "phi-1_5"),
    ("Phi-2", "main", "phi-2"),
    ("Mistral-7B", "main", "Mistral-7B-v0.1"),
    ("StableLM-Zephyr-3B", "main", "stablelm-zephyr-3b"),
    ("TinyLlama-1.1B", "main", "TinyLlama-1.1B"),
    ("MiniCPM-1-1.2B", "main", "MiniCPM-1-1.2B"),
    ("MiniCPM-1-2.4B", "main", "MiniCPM-1-2.4B"),
    ("MiniCPM-3-4B", "main", "MiniCPM-3-4B"),
    ("Gemma-2B", "main", "gemma-2b"),
    ("Gemma-7B", "main", "gemma-7b"),
    ("Gemma-2-2B", "main", "gemma-2-2b"),
    ("Gemma-2-9B", "main", "gemma-2-9b"),
    ("Gemma-2-27B", "main", "gemma-2-27b"),
    ("GPT-3-175B", "mmlu_pre_chatgpt", ""),
    ("Gopher-280B", "mmlu_pre_chatgpt", ""),
    ("GPT-NeoX-20B", "mmlu_pre_chatgpt", "gpt-neox-20b"),
    ("Chinchilla-70B", "mmlu_pre_chatgpt", ""),
    ("PaLM-8B", "mmlu_pre_chatgpt", ""),
    ("PaLM-62B", "mmlu_pre_chatgpt", ""),
    ("PaLM-540B", "mmlu_pre_chatgpt", ""),
    ("OPT-66B", "mmlu_pre_chatgpt", "opt-66b"),
]
# Closed models: (Epoch all_ml_systems System or model_versions id, n_params, mmlu row Name).
CLOSED = {
    "GPT-3-175B": ("am", "GPT-3 175B (davinci)", "GPT-3 175B"),
    "Gopher-280B": ("am", "Gopher (280B)", "Gopher 280B"),
    "Chinchilla-70B": ("am", "Chinchilla", "Chinchilla 70B"),
    "PaLM-8B": ("mv", "PaLM 540B", "PaLM 8B"),
    "PaLM-62B": ("mv", "PaLM 62B", "PaLM 62B"),
    "PaLM-540B": ("mv", "PaLM 540B", "PaLM 540B"),
}
CLOSED_PARAMS = {"PaLM-8B": 8.63e9, "PaLM-62B": 62.5e9}  # PaLM paper, Table 1
PAPER_DATES = {
    "Mistral-7B": ("2023-09-27", "densing paper (Xiao et al. 2024) gives 2023-09-27"),
    "MiniCPM-1-2.4B": ("2024-02-01", "densing paper (Xiao et al. 2024) gives 2024-02-01"),
}
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


def build_paper_models(shared: Path) -> pd.DataFrame:
    models = build_models(shared).set_index("model")
    scores = build_scores(shared)
    epoch = Epoch(shared)
    ext = _epoch_external(shared)
    ext_mmlu = ext[(ext["benchmark"] == "mmlu") & (ext["shots"] == "5")]
    rows = []
    for paper_name, figure, mname in PAPER_MODELS:
        row: dict[str, object] = {"model": paper_name, "figure": figure}
        if mname:
            m = models.loc[mname]
            row.update(
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
            s = scores[(scores["model"] == mname) & (scores["protocol"] == "llv1:mmlu-5shot-mc")]
            if len(s):
                row.update(
                    mmlu=s["score"].iloc[0],
                    mmlu_protocol="llv1:mmlu-5shot-mc",
                    mmlu_shots=5,
                    mmlu_source=s["source"].iloc[0],
                )
            else:
                s = scores[(scores["model"] == mname) & (scores["protocol"] == "report:mmlu-5shot")]
                if len(s):
                    row.update(
                        mmlu=s["score"].iloc[0],
                        mmlu_protocol="report:mmlu-5shot",
                        mmlu_shots=5,
                        mmlu_source=s["source"].iloc[0],
                    )
        else:
            kind, key, mmlu_name = CLOSED[paper_name]
            if kind == "am":
                name, date, params = epoch.am_by_name[key]
                row.update(
                    release_date=date,
                    date_source="epoch:all_ml_systems",
                    date_note=f"Epoch all_ml_systems System '{name}'",
                    n_params=params,
                    n_params_source="epoch:all_ml_systems",
                )
            else:
                rid, date = epoch.mv_by_id[key]
                note = f"Epoch model_versions id '{rid}'"
                if key != paper_name.replace("-", " "):
                    note += " (PaLM 8B/62B/540B were published together in one paper)"
                row.update(release_date=date, date_source="epoch:model_versions", date_note=note)
                if paper_name in CLOSED_PARAMS:
                    row.update(n_params=CLOSED_PARAMS[paper_name], n_params_source="curated")
                else:
                    p = epoch.am_by_name["PaLM (540B)"][2]
                    row.update(n_params=p, n_params_source="epoch:all_ml_systems")
            row.update(in_models_csv=False, models_csv_name="")
            hit = ext_mmlu[ext_mmlu["name"] == mmlu_name]
            if len(hit):
                h = hit.iloc[0]
                row.update(
                    mmlu=h["score"],
                    mmlu_protocol="report:mmlu-5shot",
                    mmlu_shots=5,
                    mmlu_source="Epoch benchmark-stitching: " + h["source"],
                )
        if paper_name in PAPER_DATES:
            date, note = PAPER_DATES[paper_name]
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


# ---------------------------------------------------------------------------------------------
# SOURCES.md and MANIFEST.json
# ---------------------------------------------------------------------------------------------

SOURCES_TEMPLATE = """# Sources of densing's bundled data

Generated by `scripts/build_data.py` from snapshots of public repositories (data version
{version}). Do not edit by hand: change the script and rebuild. The raw Chinchilla replication
data (epoch-research/analyzing-chinchilla) has no licence and is **not** included.

## Origins, licences, attribution

| raw folder | origin | upstream commit | licence | used for |
|---|---|---|---|---|
| olmo-ladder | allenai/OLMo-ladder `src/scripts/paper/` (Bhagia et al. 2024, arXiv 2412.04403) | {c_olmo} | Apache-2.0 | reference_runs_olmo_ladder.csv |
| obsscaling | ryoungj/ObsScaling `eval_results/` (Ruan, Maddison, Hashimoto 2024) | {c_obs} | Apache-2.0 | models.csv, scores.csv (`llv1:*`, `obsscaling:*`) |
| epoch-benchmarks | epoch-research/benchmark-stitching `data/` (Epoch AI) | {c_eb} | MIT | release dates (`epoch:model_versions`), scores.csv (`report:*`) |
| epoch-models | epoch-research/open-model-trends `data/` | {c_em} | CC-BY 4.0, attribution "Epoch AI" | release dates (`epoch:all_ml_systems`), parameter counts |
| pythia | EleutherAI/pythia `evals/pythia-v1/` | {c_py} | Apache-2.0 | not used by the current tables |

Attribution: release dates and parameter counts marked `epoch:*` are Epoch AI data ("Data on
Notable AI Models", CC-BY 4.0, and benchmark-stitching, MIT). ObsScaling scores are by Ruan et al.
(Apache-2.0). OLMo ladder runs are by the Allen Institute for AI (Apache-2.0).

## reference_runs_olmo_ladder.csv

One row per (run, step, benchmark). Runs: the OLMo ladder (190M, 370M, 760M, 1B, 3B at 0.5, 1,
2, 5, 10 x Chinchilla tokens, plus the repeated 1xC `-rerun`), and OLMo-2 `7B-4T`, `13B-5T`.

| column | meaning / unit |
|---|---|
| run | run label, e.g. `1B-1xC`, `1B-1xC-rerun`, `7B-4T`, `13B-5T` |
| size | size label (`190M` ... `13B`) |
| n_params | OLMo's count `n` from final.json: total minus the input embedding (3B: 3,169,537,280, not in final.json) |
| n_params_total | n + 100,352 x d_model (d_model 768, 1024, 1536, 2048, 3328, 4096, 5120) |
| n_params_nonembedding | n - 100,352 x d_model: without the input and the (untied) output embedding, densing's non-embedding convention (`densing.evaluate.count_parameters`), the same as the targets' `n_params_nonembedding` in models.csv |
| tokens | training tokens seen at that step (`throughput/total_tokens`; for the OLMo-2 7B/13B files, which lack it, `_step x batch_size_in_tokens`) |
| step | optimizer step |
| is_final | last evaluated checkpoint of the run |
| benchmark | arc_challenge, arc_easy, boolq, csqa, hellaswag, mmlu, openbookqa, piqa, socialiqa, winogrande |
| loss | `eval/downstream_bpb/<task>_<split>_rc_5shot_bpb`: bits per byte of the gold answer given the 5-shot prompt |
| score | accuracy: `_len_norm` (`_acc` for boolq), fraction 0-1 |
| metric | `len_norm` or `acc` |
| split | `test` for mmlu, arc_easy, arc_challenge, openbookqa; else `val` |
| protocol | `rc-5shot` (ranked classification / cloze, 5-shot) |

Curation decisions:
- `mmlu` is the four subject groups combined: weighted mean of loss and of score with weights =
  MMLU test-split question counts per lm-eval category (stem 3018, humanities 4705,
  social_sciences 3077, other 3242; total 14042).
- Rows with a missing loss or score are dropped; duplicated steps keep the last row; step 0
  (untrained initialisation, 0 tokens) is dropped.
- `7B-4T`: checkpoints from `peteish7_eval_full.csv` (stage-1 pretraining, steps 5000-925000)
  plus the single annealed checkpoint in `peteish7_eval_anneal.csv` (the file final.json uses for
  "7B-4T"); that file has no `_step`, so its step is `throughput/total_tokens /
  batch_size_in_tokens` = 940577 (3,945,065,873,408 tokens). The annealed row is `is_final`.
  The `peteish7_medlr_*` files (a separate 7B run with peak LR 6e-4) are not included.
- `13B-5T`: all checkpoints from `peteish13_eval_full.csv`; `peteish13_eval_final.csv` (the file
  final.json uses) is its last 12 rows; the final checkpoint is step 596057 (5.0T tokens). The
  partial `peteish13_eval_50k-150k.csv` and `peteish7_eval_170k-450k.csv` duplicate the full files.

## models.csv

One row per open base model: the 148 models of ObsScaling's `base_llm_benchmark_eval.csv` plus
the open models of the densing paper's main figure that ObsScaling lacks (`in_obsscaling` False).

| column | meaning / unit |
|---|---|
| model | canonical name: the Hugging Face repo name without a trailing `-hf` (Llama-1, TinyLlama, MiniCPM, Minitron, bloom-176b and starcoderbase-15.5b renamed for readability); stable |
| hf_id | Hugging Face id |
| family | ObsScaling's `Model Family` (curated for the added models) |
| organization | developer, from the Hugging Face organisation |
| n_params | total parameters, raw count |
| n_params_source | `epoch:all_ml_systems` (Epoch's `Parameters` for the matched entry, used when within 35 % of ObsScaling's nominal size), `obsscaling:Model Size (B) (nominal)`, or `curated: ...` with the reason |
| n_params_nonembedding | non-embedding parameters (see "Parameter counts" below); empty for {arch_missing} |
| n_params_arch | exact total of the architecture (from which n_params_nonembedding is computed); empty where it falls back on n_params |
| vocab_size | rows of the token-embedding table (config `vocab_size`, padded as in the weights) |
| d_model | hidden size (OPT-350m's token embedding is 512 wide, projected to 1,024) |
| tied_embeddings | True when the output (LM-head) matrix is the input embedding |
| arch_source | where the architecture values come from, then how the total was obtained (below) |
| tokens | pretraining tokens, raw count (ObsScaling `Pretraining Data Size (T)` x 1e12) |
| tokens_source | where `tokens` comes from |
| release_date | ISO date |
| date_source | `epoch:model_versions`, `epoch:all_ml_systems` or `curated` |
| date_note | the Epoch entry matched, or for `curated` where the date comes from |
| derived_from / relation | parent model and how it was derived (continued-pretraining, fine-tuned, pruned+distilled, quantized) |
| is_moe / active_params | mixture-of-experts flag and active parameters per token |
| in_obsscaling | row comes from ObsScaling |

Curation decisions:
- Dates: Epoch `model_versions` is matched by Hugging Face id (developer/id) or normalised id,
  `all_ml_systems` by normalised system name, with an explicit alias table in the script (e.g.
  Pythia-*-deduped -> Epoch "Pythia-*"). When both match, the earlier date is used (first public
  announcement). A hand-curated table (in the script, with a note per entry) takes precedence;
  it covers sibling sizes of a family released together and models Epoch lacks. Hugging Face
  upload dates are never used as release dates.
- Undated (no Epoch entry, no reliable public release date): {undated}.
- Parameter corrections: MoE models carry the total (ObsScaling lists active sizes for some);
  open_llama_7b_v2 is 7B (ObsScaling lists 13); btlm-3b-8k-base was trained on 627B tokens
  (ObsScaling lists 627 T); MiniCPM-1-1.2B/2.4B carry their architecture totals (the names count
  non-embedding parameters).

### Parameter counts (METHOD.md item 6: compare like with like)

`n_params` is the total as the sources give it: often a rounded nominal size. Nominal sizes can
understate the architecture: for {n_under} models (e.g. codegen-6B-nl 7.06B, falcon-40b 41.3B,
stablelm-base-alpha-3b 3.64B, open_llama_3b 3.43B) even the non-embedding count exceeds `n_params`.

`n_params_nonembedding` follows densing's convention, the one `densing.evaluate.count_parameters`
uses (Kaplan et al. 2020; densing paper): non-embedding = total - token embedding - learned
position embeddings - an untied output (LM-head) matrix and its bias. Norms (also BLOOM's
embedding LayerNorm), biases and embedding projections (OPT-350m) count. In formula:
`total - vocab_size x d_embed x (1 if tied else 2) - (vocab_size if the untied head has a bias:
phi, GPT-J, CodeGen) - learned positions` (GPT-2 1,024 x d, Cerebras-GPT/GPT-Neo 2,048 x d,
OPT 2,050 x d, StarCoderBase 8,192 x d; none for rotary, ALiBi, sinusoidal (XGLM) or
relative schemes). `total` is `n_params_arch`, the exact count of the Hugging Face architecture
(counted with transformers on the meta device when the table was curated; the formula reproduces
count_parameters' non-embedding count for every such row), or, where no exact count is known
(`total: n_params (rounded), embeddings subtracted`: DeciLM-7B, btlm-3b-8k-base), `n_params`.

Note on the reference frame: the OLMo ladder's `n_params` (final.json `n`) is the total minus the
input embedding only: it keeps OLMo's untied output matrix. The targets' non-embedding counts here
also remove an untied LM head, as count_parameters does.

`arch_source` values: `verified:transformers <Config> defaults (= <hf_id>)`: the installed
transformers' config class documents its defaults as that checkpoint, and they equal the values used
({n_verified} models); `curated:config`: the model's Hugging Face config values (vocab, d_model,
layers, heads, FFN size, tying) curated by hand; no copy of the Hugging Face config files was
available to the build ({n_curated} models). A further `; ...` names a published count checked
against: reproduced exactly for Pythia (paper Table 1 non-embedding counts), Gemma and Gemma 2
(reports' non-embedding counts), MiniCPM-1 (paper) and stablelm-3b-4e1t; taken as the total for
stablelm-base-alpha-7b-v2 (StableLM README) and stablelm-2-1_6b (report / Epoch). Not covered: {arch_missing}.

## scores.csv

| column | meaning / unit |
|---|---|
| model | name in models.csv |
| benchmark | mmlu, arc_challenge, arc_easy, hellaswag, winogrande, truthfulqa, gsm8k, xwinograd, humaneval, bbh, boolq, lambada, openbookqa, piqa, triviaqa |
| protocol | see below |
| score | fraction 0-1 (Epoch's percentages divided by 100) |
| stderr | empty (not published by the sources) |
| source / source_link | origin of the number |

Protocols: ObsScaling (Open LLM Leaderboard v1 via lm-eval): `llv1:mmlu-5shot-mc`,
`llv1:arc_challenge-25shot-acc_norm`, `llv1:hellaswag-10shot-acc_norm`,
`llv1:winogrande-5shot-acc`, `llv1:truthfulqa-0shot-mc2`, `llv1:gsm8k-5shot-em`; ObsScaling's
extra columns `obsscaling:xwinograd-acc` and `obsscaling:humaneval-pass@1`. Epoch's
technical-report tables: `report:<benchmark>-<shots>shot` from the `Shots` column,
`report:<benchmark>-fewshot` for "few", `report:<benchmark>` when shots are unknown. Epoch rows
are kept only when their `Model version` matches a base model in models.csv. Key: (model,
benchmark, protocol, source). Scores under different protocols are not comparable.

## paper_models.csv

The 29 base models of the densing paper's main figure (`figure` = `main`) and the 8 pre-ChatGPT
models of its MMLU figure (`mmlu_pre_chatgpt`). Columns: model (paper name), figure,
release_date, date_source (`paper` for Mistral-7B 2023-09-27 and MiniCPM-1-2.4B 2024-02-01 as
given by the paper; else as models.csv or Epoch), date_note, n_params, n_params_source,
n_params_nonembedding (from models.csv; empty for the closed models and MiniCPM-3-4B),
derived_from, relation, in_models_csv, models_csv_name, mmlu (fraction), mmlu_protocol,
mmlu_shots, mmlu_source. MMLU comes from ObsScaling (`llv1:mmlu-5shot-mc`) when present, else
the first 5-shot row of Epoch's MMLU table. Closed models (GPT-3, Gopher, Chinchilla, PaLM) are
only here, not in models.csv. PaLM-8B/62B take the date of the PaLM paper and their sizes from
its Table 1 (8.63B, 62.5B, curated).

## frames/*.json (fitted reference frames)

`frames/olmo-ladder.json` and `frames/olmo-ladder+E.json` are not raw data: they are reference
frames fitted by `scripts/build_frames.py` from `reference_runs_olmo_ladder.csv` (runs below 4B
parameters; OLMo-2 7B/13B held out), with 200 bootstrap resamples of the reference runs (seed
0), so they derive from the OLMo ladder data (Apache-2.0, AI2). `build_frames.py --check`
refits and compares them (relative tolerance 1e-6). They are not listed in MANIFEST.json,
which covers the tables above.
"""


def write_sources(shared: Path, out: Path, models: pd.DataFrame) -> None:
    def commit(folder: str) -> str:
        return (shared / folder / "COMMIT").read_text().strip()

    undated = models.loc[models["release_date"].isna() | (models["release_date"] == ""), "model"]
    text = SOURCES_TEMPLATE.format(
        version=DATA_VERSION,
        c_olmo=commit("olmo-ladder"),
        c_obs=commit("obsscaling"),
        c_eb=commit("epoch-benchmarks"),
        c_em=commit("epoch-models"),
        c_py=commit("pythia"),
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
    )
    (out / "SOURCES.md").write_text(text, encoding="utf-8", newline="\n")


def write_manifest(out: Path, rows: dict[str, int]) -> None:
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


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "reference_runs_olmo_ladder.csv": build_reference_runs,
    "models.csv": build_models,
    "scores.csv": build_scores,
    "paper_models.csv": build_paper_models,
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(shared: Path, out: Path) -> dict[str, int]:
    """Write every table into `out`; return the row count per file."""
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for name, builder in BUILDERS.items():
        df = builder(shared)
        write_csv(df, out / name)
        rows[name] = len(df)
    write_sources(shared, out, pd.read_csv(out / "models.csv", keep_default_na=False))
    write_manifest(out, rows)
    return rows


def check(shared: Path, out: Path) -> int:
    """Rebuild into a temp dir and compare with `out`; return a process exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        build(shared, fresh)
        names = sorted(p.name for p in fresh.iterdir())
        differ = []
        for name in names:
            committed = out / name
            if not committed.exists() or not filecmp.cmp(fresh / name, committed, shallow=False):
                differ.append(name)
    if differ:
        print("build_data --check: these files differ from a fresh build:", file=sys.stderr)
        for name in differ:
            print(f"  {name}", file=sys.stderr)
        print("Run `python scripts/build_data.py` and commit the result.", file=sys.stderr)
        return 1
    print(f"build_data --check: {len(names)} files match a fresh build.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="raw data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--check", action="store_true", help="verify committed files")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"build_data: raw data folder not found: {args.shared}", file=sys.stderr)
        return 2
    if args.check:
        return check(args.shared, args.out)
    rows = build(args.shared, args.out)
    for name, n in rows.items():
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    np.seterr(all="raise")
    sys.exit(main())
