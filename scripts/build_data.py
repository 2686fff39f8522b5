#!/usr/bin/env python
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
# Driver
# ---------------------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "reference_runs_olmo_ladder.csv": build_reference_runs,
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
