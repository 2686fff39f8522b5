"""Bad input to the leaderboard's API and CLI: a DensingError (or exit 2) with one line that
names the value, no traceback, and no file written or changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _board_helpers import rows

from densing.cli import main as cli_main
from densing.exceptions import DensingError, InputError
from densing.leaderboard import Leaderboard


@pytest.fixture
def board2(board: Leaderboard) -> Leaderboard:
    """The shared empty ``board`` with two models, m1 and m2."""
    board.add("m1", 1e9, "2023-01-10", rows())
    board.add("m2", 2e9, "2023-02-10", rows(0.55, 0.33))
    return board


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _add(**over: Any) -> Callable[[Leaderboard], Any]:
    kwargs = {"model": "new", "n_params": 3e9, "release_date": "2024-05-01",
              "scores": rows(), **over}
    return lambda lb: lb.add(**kwargs)


def _score(field: str, value: Any) -> list[dict[str, Any]]:
    row: dict[str, Any] = {"benchmark": "hellaswag", "protocol": "rc-5shot", "score": 0.6,
                           "stderr": 0.01}
    row[field] = value
    return [row]


def _init(tmp: Path, frame_path: str, **over: Any) -> Any:
    kwargs = {"frame": frame_path, "benchmark": "average_llv1", **over}
    return Leaderboard.init(tmp / "other", **kwargs)


# (label, call on the board, a text the one-line message must contain)
API: list[tuple[str, Callable[[Leaderboard], Any], str]] = [
    ("state_at text", lambda lb: lb.state_at("x"), "'x'"),
    ("state_at fraction", lambda lb: lb.state_at(2.5), "2.5"),
    ("state_at bool", lambda lb: lb.state_at(True), "True"),
    ("state_at None", lambda lb: lb.state_at(None), "None"),
    ("state_at too far", lambda lb: lb.state_at(99), "99"),
    ("state_at too far back", lambda lb: lb.state_at(-9), "-9"),
    ("restore text", lambda lb: lb.restore("latest"), "'latest'"),
    ("restore too far", lambda lb: lb.restore(42), "42"),
    ("n_params text", _add(n_params="lots"), "'lots'"),
    ("n_params bool", _add(n_params=True), "True"),
    ("n_params billions", _add(n_params=7), "n_params=7"),
    ("n_params inf", _add(n_params=float("inf")), "inf"),
    ("n_params nan", _add(n_params=float("nan")), "nan"),
    ("n_params negative", _add(n_params=-7e9), "-7e+09"),
    ("date 1900", _add(release_date="1900-01-01"), "1900-01-01"),
    ("date 2100", _add(release_date="2100-01-01"), "2100-01-01"),
    ("date as int", _add(release_date=20240101), "20240101"),
    ("date US", _add(release_date="03/04/2024"), "03/04/2024"),
    ("date month 13", _add(release_date="2024-13-01"), "2024-13-01"),
    ("score nan", _add(scores=_score("score", float("nan"))), "nan"),
    ("score inf", _add(scores=_score("score", 1e400)), "inf"),
    ("score -0.1", _add(scores=_score("score", -0.1)), "-0.1"),
    ("score percent", _add(scores=_score("score", 61.5)), "61.5"),
    ("score text", _add(scores=_score("score", "high")), "'high'"),
    ("score bool", _add(scores=_score("score", True)), "True"),
    ("stderr negative", _add(scores=_score("stderr", -0.1)), "-0.1"),
    ("stderr percent", _add(scores=_score("stderr", 1.2)), "1.2"),
    ("stderr text", _add(scores=_score("stderr", "small")), "'small'"),
    ("unknown benchmark", _add(scores=_score("benchmark", "gsm8k")), "'gsm8k'"),
    ("model two lines", _add(model="a\nb"), "'a\\nb'"),
    ("model not text", _add(model=42), "42"),
    ("notes two lines", _add(notes="x\ny"), "'x\\ny'"),
    ("hf_id not text", _add(hf_id=7), "int"),
    ("scores a number", _add(scores=42), "int"),
    ("scores dict", _add(scores={"hellaswag": 0.6}), "results"),
    ("scores file missing", _add(scores="nowhere.csv"), "nowhere.csv"),
    ("scores twice", _add(scores=rows() + rows()[:1]), "'hellaswag'"),
    ("scores for another model", _add(scores=[{**rows()[0], "model": "other"}]), "'other'"),
    ("remove unknown", lambda lb: lb.remove("ghost"), "'ghost'"),
    ("render pdf", lambda lb: lb.render("pdf"), "'pdf'"),
    ("recompute n_bootstrap -3", lambda lb: lb.recompute(n_bootstrap=-3), "-3"),
    ("recompute n_bootstrap text", lambda lb: lb.recompute(n_bootstrap="x"), "'x'"),
    ("recompute random_state text", lambda lb: lb.recompute(random_state="x"), "'x'"),
    ("lock_timeout text", lambda lb: Leaderboard(lb.path, lock_timeout="x"), "'x'"),
    ("not a board", lambda lb: Leaderboard(lb.path / "nope"), "nope"),
]


@pytest.mark.parametrize("label", [c[0] for c in API])
def test_api_bad_input(board2: Leaderboard, label: str) -> None:
    _, call, shown = next(c for c in API if c[0] == label)
    before = _tree(board2.path)
    with pytest.raises(DensingError) as info:
        call(board2)
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 400
    assert shown in msg, msg
    assert "np.float64" not in msg and "np.int64" not in msg
    assert _tree(board2.path) == before


INIT: list[tuple[str, dict[str, Any], str]] = [
    ("tokens text", {"tokens": "abc"}, "'abc'"),
    ("tokens negative", {"tokens": -1.0}, "-1"),
    ("tokens nan", {"tokens": float("nan")}, "nan"),
    ("tokens bool", {"tokens": True}, "True"),
    ("param_count bogus", {"param_count": "bogus"}, "'bogus'"),
    ("protocol_map list", {"protocol_map": [1, 2]}, "[1, 2]"),
    ("protocol_map empty name", {"protocol_map": {"": "rc-5shot"}}, "''"),
    ("benchmark unknown", {"benchmark": "gsm8k"}, "'gsm8k'"),
    ("frame file missing", {"frame": "missing/frame.json"}, "frame.json"),
]


@pytest.mark.parametrize("label", [c[0] for c in INIT])
def test_init_bad_input_creates_nothing(tmp_path: Path, frame_json: str,  # noqa: F811
                                        label: str) -> None:
    _, over, shown = next(c for c in INIT if c[0] == label)
    with pytest.raises(InputError) as info:
        _init(tmp_path, frame_json, **over)
    msg = str(info.value)
    assert "\n" not in msg and shown in msg, msg
    assert not (tmp_path / "other").exists()


def test_init_over_a_board_refused(board2: Leaderboard, frame_json: str) -> None:  # noqa: F811
    before = _tree(board2.path)
    with pytest.raises(InputError, match="already holds a leaderboard"):
        Leaderboard.init(board2.path, frame=frame_json, benchmark="average_llv1")
    assert _tree(board2.path) == before


def _csv(tmp: Path, text: str, name: str = "s.csv") -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


def _add_argv(lb: Leaderboard, *extra: str, params: str = "3e9",
              date: str = "2024-05-01") -> list[str]:
    return ["leaderboard", "add", str(lb.path), "--model", "new", "--params", params,
            "--release-date", date, *extra]


CLI: list[tuple[str, Callable[[Leaderboard, Path], list[str]], str]] = [
    ("add params text", lambda lb, t: _add_argv(lb, "--scores", _csv(t, "x"), params="7B"),
     "'7B'"),
    ("add params billions", lambda lb, t: _add_argv(
        lb, "--scores", _csv(t, "benchmark,protocol,score\nhellaswag,rc-5shot,0.6\n"),
        params="7"), "7"),
    ("add date 1900", lambda lb, t: _add_argv(
        lb, "--scores", _csv(t, "benchmark,protocol,score\nhellaswag,rc-5shot,0.6\n"),
        date="1900-01-01"), "1900-01-01"),
    ("add score percent", lambda lb, t: _add_argv(
        lb, "--scores", _csv(t, "benchmark,protocol,score\nhellaswag,rc-5shot,61.5\n")),
     "61.5"),
    ("add score text", lambda lb, t: _add_argv(
        lb, "--scores", _csv(t, "benchmark,protocol,score\nhellaswag,rc-5shot,high\n")),
     "'high'"),
    ("add scores missing", lambda lb, t: _add_argv(lb, "--scores", str(t / "none.csv")),
     "none.csv"),
    ("add scores json", lambda lb, t: _add_argv(lb, "--scores", _csv(t, "{}", "r.json")),
     "--results"),
    ("add results csv", lambda lb, t: _add_argv(lb, "--results", _csv(t, "x")), "s.csv"),
    ("add results truncated", lambda lb, t: _add_argv(
        lb, "--results", _csv(t, '{"results": {"densing_rc_hel', "r.json")), "r.json"),
    ("add results nested", lambda lb, t: _add_argv(
        lb, "--results", _csv(t, "[" * 100000 + "]" * 100000, "r.json")), "r.json"),
    ("add results not utf8", lambda lb, t: _add_argv(lb, "--results", _bytes(t)), "r.json"),
    ("add model mismatch", lambda lb, t: _add_argv(
        lb, "--scores", _csv(t, "model,benchmark,protocol,score\nold,hellaswag,rc-5shot,0.6\n")),
     "'old'"),
    ("remove unknown", lambda lb, t: ["leaderboard", "remove", str(lb.path), "--model", "ghost"],
     "'ghost'"),
    ("show not a board", lambda lb, t: ["leaderboard", "show", str(t / "nope")], "nope"),
    ("render not a board", lambda lb, t: ["leaderboard", "render", str(t / "nope")], "nope"),
    ("check not a board", lambda lb, t: ["leaderboard", "check", str(t / "nope")], "nope"),
    ("repair not a board", lambda lb, t: ["leaderboard", "repair", str(t / "nope")], "nope"),
    ("history not a board", lambda lb, t: ["leaderboard", "history", str(t / "nope")], "nope"),
    ("render into a missing folder", lambda lb, t: ["leaderboard", "render", str(lb.path),
                                                    "-o", str(t / "no" / "x.md")], "no"),
    ("init map without =", lambda lb, t: ["leaderboard", "init", str(t / "new"),
                                          "--map-protocol", "abc"], "'abc'"),
    ("init over a board", lambda lb, t: ["leaderboard", "init", str(lb.path)], "/lb "),
]


def _bytes(tmp: Path) -> str:
    path = tmp / "r.json"
    path.write_bytes(b'{"results": "\xff\xfe"}')
    return str(path)


@pytest.mark.parametrize("label", [c[0] for c in CLI])
def test_cli_bad_input(board2: Leaderboard, tmp_path: Path, label: str,
                       capsys: pytest.CaptureFixture[str]) -> None:
    _, argv_of, shown = next(c for c in CLI if c[0] == label)
    work = tmp_path / "in"
    work.mkdir()
    argv = argv_of(board2, work)
    before = _tree(board2.path)
    inputs = _tree(work)
    code = cli_main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert shown in captured.err, captured.err
    assert _tree(board2.path) == before
    assert _tree(work) == inputs  # nothing written beside the inputs either


def test_case_count() -> None:
    assert len(API) + len(INIT) + len(CLI) + 1 >= 30
    assert json.dumps([c[0] for c in API + CLI])  # labels are plain text
