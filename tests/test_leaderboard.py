"""Leaderboard: atomic, locked, logged updates; validation; rendering; CLI."""

from __future__ import annotations

import fcntl
import json
import multiprocessing as mp
import os
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from _board_helpers import fill, rows, snapshot

from densing.cli import main as cli_main
from densing.exceptions import DataFormatError, DensingWarning, InputError
from densing.leaderboard import (
    Leaderboard,
    LeaderboardLockError,
    scores_from_lm_eval,
)

# -- storage, history -----------------------------------------------------------------------


def test_init_layout_and_add(board: Leaderboard) -> None:
    files = set(snapshot(board.path))
    assert {"models.csv", "scores.csv", "meta.json", "history.jsonl", ".lock"} <= files
    board.add("a-1b", 1.2e9, "2024-02-01", rows(), hf_id="org/a-1b", notes="first")
    models = board.models
    assert models.loc[0, "n_params"] == 1_200_000_000
    assert models.loc[0, "hf_id"] == "org/a-1b"
    assert len(board.scores) == 2
    meta = board.meta
    assert meta["version"] == 2 and meta["benchmark"] == "average_llv1"
    assert meta["tokens"] == 1e12 and meta["data_version"] and meta["densing_version"]
    assert (board.path / "models.csv").read_text().splitlines()[0] == (
        "model,n_params,release_date,hf_id,notes"
    )
    assert repr(board).endswith("1 models, version 2>")


def test_readd_replaces_and_keeps_old_rows_in_history(board: Leaderboard) -> None:
    board.add("m", 2e9, "2024-01-01", rows(0.5, 0.3))
    board.add("m", 2.1e9, "2024-01-02", rows(0.6, 0.4))
    assert len(board.models) == 1
    assert board.scores.set_index("benchmark").loc["hellaswag", "score"] == 0.6
    last = json.loads((board.path / "history.jsonl").read_text().splitlines()[-1])
    assert last["op"] == "update"
    old = {r["benchmark"]: r["score"] for r in last["removed"]["scores"]}
    assert old == {"hellaswag": 0.5, "arc_challenge": 0.3}
    assert last["removed"]["models"][0]["n_params"] == 2_000_000_000
    assert board.state_at(2).scores_df.set_index("benchmark").loc["hellaswag", "score"] == 0.5


def test_history_rebuilds_every_earlier_state(board: Leaderboard) -> None:
    seen = {1: (board.state().models_csv(), board.state().scores_csv())}
    ops = [
        lambda: board.add("a", 1e9, "2023-03-01", rows(0.5, 0.3)),
        lambda: board.add("b", 2e9, "2023-06-01", rows(0.55, 0.32)),
        lambda: board.add("a", 1e9, "2023-03-01", rows(0.52, 0.31)),
        lambda: board.remove("b"),
        lambda: board.add("c", 3e9, "2023-09-01", rows(0.6, 0.4, "llv1:x")),
    ]
    for op in ops:
        st = op()
        seen[st.version] = ((board.path / "models.csv").read_bytes(),
                            (board.path / "scores.csv").read_bytes())
    for version, (m_bytes, s_bytes) in seen.items():
        st = board.state_at(version)
        assert (st.models_csv(), st.scores_csv()) == (m_bytes, s_bytes)
    assert board.state_at(-1).models_csv() == seen[5][0]
    board.restore(3)  # a new change whose content equals version 3
    assert board.version == 7
    assert board.state().scores_csv() == seen[3][1]
    assert list(board.history()["op"]) == ["init", "add", "add", "update", "remove", "add",
                                           "restore"]
    with pytest.raises(InputError, match="does not exist"):
        board.state_at(99)


class _Boom(RuntimeError):
    pass


def _failing_replace(fail_on_call: int):
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == fail_on_call:
            raise _Boom("killed after the temporary file was written")
        return real(src, dst)

    return replace


def test_writer_killed_before_commit_leaves_board_unchanged(
    board: Leaderboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(board, 2)
    before = snapshot(board.path)
    monkeypatch.setattr(os, "replace", _failing_replace(1))
    with pytest.raises(_Boom):
        board.add("new", 5e9, "2024-01-01", rows())
    monkeypatch.undo()
    assert snapshot(board.path) == before  # byte-identical, no temporary files left
    again = Leaderboard(board.path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DensingWarning)  # no recovery needed
        assert sorted(again.models["model"]) == ["model-0", "model-1"]
    again.add("new", 5e9, "2024-01-01", rows())
    assert again.version == 4


def test_writer_killed_after_commit_rolls_forward(
    board: Leaderboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(board, 2)
    monkeypatch.setattr(os, "replace", _failing_replace(2))  # history renamed, CSVs not
    with pytest.raises(_Boom):
        board.add("new", 5e9, "2024-01-01", rows())
    monkeypatch.undo()
    assert not [p for p in board.path.iterdir() if p.name.endswith(".tmp")]
    again = Leaderboard(board.path)
    with pytest.warns(DensingWarning, match="rebuilt from the history log"):
        state = again.state()
    assert "new" in state.models and state.version == 4
    with pytest.warns(DensingWarning):
        again.remove("model-0")  # the next write rewrites consistent files
    with warnings.catch_warnings():
        warnings.simplefilter("error", DensingWarning)
        assert sorted(again.models["model"]) == ["model-1", "new"]


def _worker(path: str, prefix: str, start, n: int) -> None:  # type: ignore[no-untyped-def]
    start.wait()
    lb = Leaderboard(path, lock_timeout=60)
    for i in range(n):
        lb.add(f"{prefix}-{i}", (1 + i) * 1e9, "2024-01-01", rows(0.5 + 0.01 * i))


@pytest.mark.skipif(sys.platform == "win32", reason="fork and flock are POSIX")
def test_two_processes_adding_at_once_both_land(board: Leaderboard) -> None:
    ctx = mp.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_worker, args=(str(board.path), p, start, 4))
             for p in ("left", "right")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", DensingWarning)
        state = board.state()
    assert sorted(state.models) == sorted(f"{p}-{i}" for p in ("left", "right")
                                          for i in range(4))
    assert state.version == 9 and len(state.scores) == 16
    assert board.state_at(9).models_csv() == (board.path / "models.csv").read_bytes()


def test_lock_timeout_is_a_clear_error(board: Leaderboard) -> None:
    before = snapshot(board.path)
    fd = os.open(board.path / ".lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        lb = Leaderboard(board.path, lock_timeout=0.2)
        with pytest.raises(LeaderboardLockError, match="locked by another process"):
            lb.add("m", 1e9, "2024-01-01", rows())
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert snapshot(board.path) == before


# -- validation -----------------------------------------------------------------------------


def _truncated_results(tmp: Path) -> str:
    path = tmp / "results_2024.json"
    text = json.dumps(_lm_eval_results())
    path.write_text(text[: len(text) // 2])
    return str(path)


BAD = {
    "score above 1": dict(scores=rows(1.2)),
    "percent score": dict(scores=rows(61.5, 35.0)),
    "negative score": dict(scores=rows(-0.1)),
    "unknown benchmark": dict(scores=[{"benchmark": "gsm8k", "protocol": "x", "score": 0.4}]),
    "missing protocol": dict(scores=[{"benchmark": "hellaswag", "score": 0.4}]),
    "percent stderr": dict(scores=[{"benchmark": "hellaswag", "protocol": "rc-5shot",
                                    "score": 0.6, "stderr": 1.5}]),
    "missing date": dict(release_date=None),
    "empty date": dict(release_date=""),
    "odd date": dict(release_date="2024-13-01"),
    "us date": dict(release_date="03/04/2024"),
    "future date": dict(release_date="2999-01-01"),
    "negative params": dict(n_params=-7e9),
    "zero params": dict(n_params=0),
    "text params": dict(n_params="7e9"),
    "billions params": dict(n_params=7),
    "no scores": dict(scores=[]),
    "empty name": dict(model=" "),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_data_refused_and_files_byte_identical(board: Leaderboard, case: str) -> None:
    fill(board, 1)
    before = snapshot(board.path)
    kwargs = {"model": "newcomer", "n_params": 3e9, "release_date": "2024-05-01",
              "scores": rows(), **BAD[case]}
    with pytest.raises(InputError) as info:
        board.add(**kwargs)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300
    assert snapshot(board.path) == before


def test_truncated_lm_eval_json_refused(board: Leaderboard, tmp_path: Path) -> None:
    before = snapshot(board.path)
    with pytest.raises(DataFormatError, match="not valid JSON") as info:
        board.add("m", 1e9, "2024-01-01", _truncated_results(tmp_path))
    assert "\n" not in str(info.value)
    assert snapshot(board.path) == before


def test_cli_bad_data_one_line_error(board: Leaderboard, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "s.csv"
    csv.write_text("model,benchmark,protocol,score\nm,hellaswag,rc-5shot,71.2\n")
    before = snapshot(board.path)
    code = cli_main(["leaderboard", "add", str(board.path), "--model", "m", "--params",
                     "7e9", "--release-date", "2024-01-01", "--scores", str(csv)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "divide by 100" in err
    assert snapshot(board.path) == before


# -- lm-eval --------------------------------------------------------------------------------


def _lm_eval_results() -> dict:
    return {
        "results": {
            "densing_rc_hellaswag": {"alias": "densing_rc_hellaswag", "acc,none": 0.55,
                                     "acc_stderr,none": 0.005, "acc_norm,none": 0.62,
                                     "acc_norm_stderr,none": 0.0048},
            "densing_rc_arc_challenge": {"acc,none": 0.33, "acc_stderr,none": "N/A",
                                         "acc_norm,none": 0.36,
                                         "acc_norm_stderr,none": "N/A"},
            "arc_challenge": {"acc,none": 0.4, "acc_norm,none": 0.43,
                              "acc_norm_stderr,none": 0.014},
            "mmlu_abstract_algebra": {"acc,none": 0.3},
        },
        "configs": {
            "densing_rc_hellaswag": {"num_fewshot": 5},
            "densing_rc_arc_challenge": {"num_fewshot": 5},
            "arc_challenge": {"num_fewshot": 25},
            "mmlu_abstract_algebra": {"num_fewshot": 5},
        },
        "n-shot": {"densing_rc_hellaswag": 5},
        "model_name": "org/some-model",
    }


def test_scores_from_lm_eval_maps_tasks_and_protocols(tmp_path: Path) -> None:
    path = tmp_path / "results_2024-05-01T10-00-00.json"
    path.write_text(json.dumps(_lm_eval_results()))
    with pytest.warns(DensingWarning, match="mmlu_abstract_algebra"):
        df = scores_from_lm_eval(path, "m")
    got = {(r.benchmark, r.protocol): (r.score, r.stderr) for r in df.itertuples()}
    assert got[("hellaswag", "rc-5shot")] == (0.62, 0.0048)
    assert got[("arc_challenge", "rc-5shot")][0] == 0.36
    assert pd.isna(got[("arc_challenge", "rc-5shot")][1])
    assert got[("arc_challenge", "lm-eval:arc_challenge-25shot-acc_norm")][0] == 0.43
    assert len(got) == 3


def test_add_from_lm_eval_results(board: Leaderboard, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(_lm_eval_results()))
    with pytest.warns(DensingWarning):
        board.add("m", 1.5e9, "2024-04-01", str(path))
    assert len(board.scores) == 3
    res = board.recompute(n_bootstrap=0)
    assert res.table.loc[0, "status"] == "ok"  # average_llv1 from the two rc-5shot scores
    assert res.table.loc[0, "score"] == pytest.approx((0.62 + 0.36) / 2)


# -- results and rendering ------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.body_rows = 0
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))
        if tag == "tr" and "tbody" in self.stack:
            self.body_rows += 1
        if tag not in ("meta", "br", "img", "link", "input", "rect", "line", "circle",
                       "polygon", "polyline"):
            self.stack.append(tag)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        elif tag not in ("rect", "line", "circle", "polygon", "polyline"):
            self.errors.append(tag)


def test_recompute_ranks_and_caches(board: Leaderboard) -> None:
    fill(board, 6)
    board.add("mismatch", 3e9, "2023-05-01", rows(0.6, 0.4, "llv1:other"))
    res = board.recompute(n_bootstrap=200)
    table = res.table
    assert len(table) == 7
    ok = table[table["status"] == "ok"]
    assert list(ok["rank"]) == list(range(1, 7))
    assert ok["density"].is_monotonic_decreasing
    assert table.set_index("model").loc["mismatch", "status"] == "protocol_mismatch"
    assert res.trend is not None and res.trend["doubling_time_months"] > 0
    assert table["frontier"].sum() == res.trend["n_frontier"]
    assert {"score:hellaswag", "score:arc_challenge"} <= set(table.columns)
    assert len(res.curve["dates"]) == len(res.curve["low"]) > 0
    cached = board.result()
    assert cached.version == res.version
    pd.testing.assert_series_equal(cached.table["model"], table["model"])
    assert json.loads((board.path / "trend.json").read_text())["version"] == board.version


def test_render_html_self_contained_one_row_per_model(board: Leaderboard) -> None:
    fill(board, 5)
    board.add("late <b>&", 9e9, "2023-12-01", rows(0.5, 0.3))
    page = board.render("html")
    parser = _Collect()
    parser.feed(page)
    parser.close()
    assert not parser.errors and not parser.stack[2:]
    assert parser.body_rows == len(board.models) == 6
    assert "http://" not in page and "https://" not in page and "url(" not in page
    for tag, attrs in parser.tags:
        for key in ("src", "href", "action", "data", "xlink:href"):
            assert key not in attrs, (tag, attrs)
        assert tag not in ("link", "img", "iframe", "object", "embed")
    names = [t for t, _ in parser.tags]
    assert {"style", "script", "svg", "table", "thead", "tbody"} <= set(names)
    assert "late &lt;b&gt;&amp;" in page
    assert "doubles every" in page and "Frontier" in page


def test_render_md_and_csv(board: Leaderboard) -> None:
    fill(board, 4)
    md = board.render("md")
    lines = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert len(lines) == 1 + 4  # header + one row per model
    assert "★" in md and "doubles every" in md
    csv_text = board.render("csv")
    table = pd.read_csv(pd.io.common.StringIO(csv_text))
    assert len(table) == 4 and table.columns[0] == "rank"
    with pytest.raises(InputError, match="format"):
        board.render("pdf")


def test_too_few_models_no_trend(board: Leaderboard) -> None:
    board.add("solo", 1e9, "2024-01-01", rows())
    res = board.recompute(n_bootstrap=0)
    assert res.trend is None and "at least 3" in res.note
    assert "no trend" in board.render("md")


# -- CLI ------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:.*skipped 1 task:densing.exceptions.DensingWarning")
def test_cli_workflow(tmp_path: Path, frame_json: str,
                      capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "cli-board")
    assert cli_main(["leaderboard", "init", d, "--frame", frame_json, "--benchmark",
                     "average_llv1", "--map-protocol", "llv1:h=rc-5shot"]) == 0
    csv = tmp_path / "scores.csv"
    lines = ["model,benchmark,protocol,score,stderr"]
    for i in range(4):
        lines += [f"m{i},hellaswag,rc-5shot,{0.45 + 0.05 * i},0.01",
                  f"m{i},arc_challenge,rc-5shot,{0.28 + 0.03 * i},"]
    csv.write_text("\n".join(lines) + "\n")
    for i in range(4):
        assert cli_main(["leaderboard", "add", d, "--model", f"m{i}", "--params",
                         f"{i + 1}e9", "--release-date", f"2023-0{i + 1}-01",
                         "--scores", str(csv)]) == 0
    results = tmp_path / "results_x.json"
    results.write_text(json.dumps(_lm_eval_results()))
    assert cli_main(["leaderboard", "add", d, "--model", "lm", "--params", "2e9",
                     "--release-date", "2023-08-01", "--results", str(results)]) == 0
    assert cli_main(["leaderboard", "remove", d, "--model", "m0"]) == 0
    capsys.readouterr()
    assert cli_main(["leaderboard", "show", d, "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {r["model"] for r in out["table"]} == {"m1", "m2", "m3", "lm"}
    assert out["meta"]["protocol_map"] == {"llv1:h": "rc-5shot"}
    html_out = tmp_path / "board.html"
    assert cli_main(["leaderboard", "render", d, "--format", "html", "-o",
                     str(html_out)]) == 0
    assert html_out.read_text().count("<tr") == 1 + 4
    assert cli_main(["leaderboard", "show", d]) == 0
    assert "Trend:" in capsys.readouterr().out
    assert cli_main(["leaderboard", "history", d]) == 0
    assert cli_main(["leaderboard", "init", d]) == 2
