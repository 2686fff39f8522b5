"""``reference_runs_olmo_ladder.csv`` from allenai/OLMo-ladder (``olmo-ladder/``).

Sizes, benchmarks, splits and MMLU group weights are in ``scripts/curated/olmo_sizes.csv``,
``olmo_benchmarks.csv`` and ``mmlu_groups.csv``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import curated

__all__ = ["OLMO_RUN_COLUMNS", "build_reference_runs"]

OLMO_VOCAB = 100_352
LADDER_SIZES = ["190M", "370M", "760M", "1B", "3B"]
LADDER_MULTIPLES = ["0.5xC", "1xC", "1xC-rerun", "2xC", "5xC", "10xC"]
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


def _task_columns(task: str, split: str, metric: str) -> tuple[str, str]:
    loss_col = f"eval/downstream_bpb/{task}_{split}_rc_5shot_bpb"
    score_col = f"eval/downstream/{task}_{split}_rc_5shot_{metric}"
    return loss_col, score_col


def _tidy(raw: pd.DataFrame, run: str, size: str, n: int) -> pd.DataFrame:
    """Turn one wide ladder file (one row per step) into tidy rows (step x benchmark)."""
    d_model = curated.olmo_sizes()[size][0]
    weights = curated.mmlu_groups()
    frames = []
    for bench, (split, metric) in curated.olmo_benchmarks().items():
        if bench == "mmlu":
            wsum = float(sum(weights.values()))
            loss = pd.Series(0.0, index=raw.index)
            score = pd.Series(0.0, index=raw.index)
            for group, w in weights.items():
                lc, sc = _task_columns(f"mmlu_{group}", split, metric)
                loss = loss + raw[lc].astype(float) * (w / wsum)
                score = score + raw[sc].astype(float) * (w / wsum)
        else:
            lc, sc = _task_columns(bench, split, metric)
            loss = raw[lc].astype(float)
            score = raw[sc].astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "run": run,
                    "size": size,
                    "n_params": n,
                    "n_params_total": n + OLMO_VOCAB * d_model,
                    # densing's convention (count_parameters): also without the untied
                    # output embedding, like the targets' n_params_nonembedding
                    "n_params_nonembedding": n - OLMO_VOCAB * d_model,
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


def _prepare(raw: pd.DataFrame) -> pd.DataFrame:
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
    sizes = curated.olmo_sizes()

    def n_of(size: str) -> int:
        _, key, n = sizes[size]
        return n if n is not None else int(final[key]["n"])

    out = []
    for size in LADDER_SIZES:
        for mult in LADDER_MULTIPLES:
            run = f"{size}-{mult}"
            raw = _prepare(pd.read_csv(runs_dir / f"{run}.csv"))
            tidy = _tidy(raw, run, size, n_of(size))
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
    full7 = _prepare(full7)
    anneal7 = _prepare(anneal7)
    tidy7 = pd.concat(
        [
            _tidy(full7, "7B-4T", "7B", n_of("7B")),
            _tidy(anneal7, "7B-4T", "7B", n_of("7B")),
        ],
        ignore_index=True,
    )
    tidy7 = tidy7.drop_duplicates(subset=["step", "benchmark"], keep="last")
    tidy7["is_final"] = tidy7["step"] == int(anneal7["_step"].iloc[0])
    out.append(tidy7)

    # OLMo-2 13B, 5T tokens: peteish13_eval_full.csv holds every checkpoint; final.json's
    # peteish13_eval_final.csv is its last 12 rows (steps 557000-596057). Final = step 596057.
    full13 = _prepare(pd.read_csv(runs_dir / "peteish13_eval_full.csv"))
    fin13 = _prepare(pd.read_csv(runs_dir / "peteish13_eval_final.csv"))
    tidy13 = _tidy(full13, "13B-5T", "13B", n_of("13B"))
    tidy13["is_final"] = tidy13["step"] == int(fin13["_step"].max())
    out.append(tidy13)

    df = pd.concat(out, ignore_index=True)
    df = df.dropna(subset=["loss", "score"])
    df = df.drop_duplicates(subset=["run", "step", "benchmark"], keep="last")
    df = df.sort_values(["n_params", "run", "step", "benchmark"], kind="mergesort")
    df = df.reset_index(drop=True)[OLMO_RUN_COLUMNS]
    n_bench = len(curated.olmo_benchmarks())
    assert df.groupby("run")["is_final"].sum().eq(n_bench).all()
    return df
