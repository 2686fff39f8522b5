"""The leaderboard never loses a model: damaged logs stop every write; check and repair."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from _board_helpers import rows, snapshot

from densing.cli import main as cli_main
from densing.exceptions import DensingError, DensingWarning
from densing.leaderboard import Leaderboard, LeaderboardDamagedError


@pytest.fixture
def board3(tmp_path: Path, frame_json: str) -> Leaderboard:  # noqa: F811
    lb = Leaderboard.init(tmp_path / "b", frame=frame_json, benchmark="average_llv1",
                          lock_timeout=5)
    for i, name in enumerate(("m1", "m2", "m3")):
        lb.add(name, (1 + i) * 1e9, f"2023-0{i + 1}-10", rows(0.5 + 0.03 * i, 0.3 + 0.02 * i))
    return lb


def _lines(lb: Leaderboard) -> list[bytes]:
    return (lb.path / "history.jsonl").read_bytes().splitlines(keepends=True)


def _write_lines(lb: Leaderboard, lines: list[bytes]) -> None:
    (lb.path / "history.jsonl").write_bytes(b"".join(lines))


def _edit_entry(lb: Leaderboard, index: int, edit: Callable[[dict], None]) -> None:
    lines = _lines(lb)
    entry = json.loads(lines[index])
    edit(entry)
    lines[index] = (json.dumps(entry) + "\n").encode()
    _write_lines(lb, lines)


def _cut_two(lb: Leaderboard) -> None:
    _write_lines(lb, _lines(lb)[:-2])


def _gap(lb: Leaderboard) -> None:
    lines = _lines(lb)
    del lines[2]  # version 3 missing: 1, 2, 4
    _write_lines(lb, lines)


def _random_bytes(lb: Leaderboard) -> None:
    lines = _lines(lb)
    lines[-1] = bytes(range(128, 256)) + b"\n"
    _write_lines(lb, lines)


def _bad_params(lb: Leaderboard) -> None:
    _edit_entry(lb, -1, lambda e: e["added"]["models"][0].__setitem__("n_params", "lots"))


def _no_benchmark(lb: Leaderboard) -> None:
    _edit_entry(lb, -1, lambda e: e["added"]["scores"][0].pop("benchmark"))


def _no_version(lb: Leaderboard) -> None:
    _edit_entry(lb, 2, lambda e: e.pop("version"))


def _not_json(lb: Leaderboard) -> None:
    lines = _lines(lb)
    lines[-1] = lines[-1][: len(lines[-1]) // 2] + b"\n"
    _write_lines(lb, lines)


def _bad_op(lb: Leaderboard) -> None:
    _edit_entry(lb, -1, lambda e: e.__setitem__("op", "teleport"))


def _score_text(lb: Leaderboard) -> None:
    _edit_entry(lb, -1, lambda e: e["added"]["scores"][0].__setitem__("score", "high"))


def _first_line_garbage(lb: Leaderboard) -> None:
    lines = _lines(lb)
    lines[0] = b"\x00\x01 not the init entry\n"
    _write_lines(lb, lines)


def _table_edited(lb: Leaderboard) -> None:
    path = lb.path / "models.csv"
    path.write_text(path.read_text().replace("m2,", "m2-renamed,"))


FAULTS: dict[str, Callable[[Leaderboard], None]] = {
    "log cut by two lines": _cut_two,
    "version gap": _gap,
    "undecodable bytes": _random_bytes,
    "n_params lots": _bad_params,
    "missing benchmark": _no_benchmark,
    "missing version": _no_version,
    "truncated JSON line": _not_json,
    "unknown op": _bad_op,
    "score as text": _score_text,
    "models.csv edited": _table_edited,
    "init line garbage": _first_line_garbage,
}


def _writes(lb: Leaderboard) -> list[Callable[[], object]]:
    return [
        lambda: lb.add("new", 5e9, "2024-01-01", rows()),
        lambda: lb.remove("m1"),
        lambda: lb.restore(2),
    ]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_damaged_log_stops_every_write_and_read(board3: Leaderboard, fault: str) -> None:
    FAULTS[fault](board3)
    before = snapshot(board3.path)
    for write in _writes(board3):
        with pytest.raises(LeaderboardDamagedError) as info:
            write()
        msg = str(info.value)
        assert "\n" not in msg and "repair" in msg and str(board3.path) in msg
        assert snapshot(board3.path) == before
    with pytest.raises(LeaderboardDamagedError):
        board3.state()
    with pytest.raises(LeaderboardDamagedError):
        board3.check()


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("action", ["show", "render", "check", "history"])
def test_cli_on_damaged_board_one_line_exit_2(board3: Leaderboard, fault: str, action: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    FAULTS[fault](board3)
    before = snapshot(board3.path)
    code = cli_main(["leaderboard", action, str(board3.path)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert "repair" in captured.err
    assert snapshot(board3.path) == before


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_repair_restores_a_board_that_check_passes_with_no_model_lost(
    board3: Leaderboard, fault: str, capsys: pytest.CaptureFixture[str]
) -> None:
    original_log = (board3.path / "history.jsonl").read_bytes()
    expected = {"m1", "m2", "m3"} if fault != "models.csv edited" else {"m1", "m2", "m3"}
    FAULTS[fault](board3)
    damaged = snapshot(board3.path)
    assert cli_main(["leaderboard", "repair", str(board3.path)]) == 0
    out = capsys.readouterr().out
    assert "backup" in out
    assert cli_main(["leaderboard", "check", str(board3.path)]) == 0
    assert capsys.readouterr().out.startswith("ok:")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DensingWarning)
        state = board3.state()
    assert set(state.models) == expected
    assert len(state.scores) == 6
    # the scores are the ones added, whatever the damage
    hs = {m: state.scores[(m, "hellaswag", "rc-5shot")]["score"] for m in expected}
    assert hs == pytest.approx({"m1": 0.5, "m2": 0.53, "m3": 0.56})
    # the replaced files are kept in a dated backup
    backups = [p for p in board3.path.iterdir() if p.name.startswith("repair-backup-")]
    assert len(backups) == 1
    for name in ("models.csv", "scores.csv", "meta.json"):
        assert (backups[0] / name).read_bytes() == damaged[name]
    # a damaged log is kept too, as it was; an intact log (only models.csv edited) is not
    # replaced, so it has no backup
    kept_log = backups[0] / "history.jsonl"
    assert kept_log.exists() == (fault != "models.csv edited")
    if fault != "models.csv edited":
        assert kept_log.read_bytes() == damaged["history.jsonl"]
    else:
        assert (board3.path / "history.jsonl").read_bytes() == damaged["history.jsonl"]
    # and the board takes writes again
    board3.add("new", 5e9, "2024-01-01", rows())
    assert set(board3.state().models) == expected | {"new"}
    assert original_log  # the untouched log was non-empty


def test_issue_reproduction_cut_log_then_add(board3: Leaderboard,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _cut_two(board3)
    csv = board3.path.parent / "s.csv"
    csv.write_text("model,benchmark,protocol,score\nnew,hellaswag,rc-5shot,0.6\n")
    before = snapshot(board3.path)
    code = cli_main(["leaderboard", "add", str(board3.path), "--model", "new", "--params",
                     "7e9", "--release-date", "2024-01-01", "--scores", str(csv)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "history.jsonl" in err
    assert "lost entries" in err
    assert snapshot(board3.path) == before
    assert b"m3" in (board3.path / "models.csv").read_bytes()


def test_repair_of_a_consistent_board_changes_nothing(board3: Leaderboard) -> None:
    before = snapshot(board3.path)
    assert board3.repair()[0].startswith("nothing to repair")
    assert snapshot(board3.path) == before


def test_stale_temporaries_removed_by_next_write(board3: Leaderboard) -> None:
    stale = [board3.path / f".history.jsonl.x{i}abc.tmp" for i in range(5)]
    stale.append(board3.path / ".models.csv.zz12.tmp")
    for p in stale:
        p.write_bytes((board3.path / "history.jsonl").read_bytes())
    keep = board3.path / "notes.tmp"  # not a temporary file of ours
    keep.write_text("mine")
    board3.add("new", 5e9, "2024-01-01", rows())
    assert not any(p.exists() for p in stale)
    assert keep.read_text() == "mine"
    assert board3.check().startswith("ok:")


def test_check_reports_a_pending_roll_forward(board3: Leaderboard,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        board3.add("new", 5e9, "2024-01-01", rows())
    monkeypatch.undo()
    text = board3.check()
    assert text.startswith("ok:") and "interrupted write" in text and "version 5" in text


def test_damaged_error_is_a_densing_error() -> None:
    assert issubclass(LeaderboardDamagedError, DensingError)


def _adder(path: str, done_file: str, start: int) -> None:  # pragma: no cover - child
    lb = Leaderboard(path, lock_timeout=30)
    for i in range(start, start + 1000):
        name = f"k-{i}"
        lb.add(name, (1 + i % 7) * 1e9, "2024-01-01", rows(0.5 + 0.001 * (i % 50)))
        with open(done_file, "a") as fh:
            fh.write(name + "\n")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork and SIGKILL are POSIX")
def test_kill_9_writers_lose_no_model_and_leave_no_temporaries(board3: Leaderboard) -> None:
    import multiprocessing as mp
    import signal
    import time

    rng = np.random.default_rng(0)
    ctx = mp.get_context("fork")
    done = board3.path.parent / "done.txt"
    done.write_text("")
    for round_ in range(8):
        proc = ctx.Process(target=_adder, args=(str(board3.path), str(done), 1000 * round_))
        proc.start()
        time.sleep(float(rng.uniform(0.2, 0.8)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(10)
    completed = set(done.read_text().split())
    assert completed  # some writes went through
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DensingWarning)  # a roll-forward may be pending
        board3.add("after", 5e9, "2024-02-01", rows())
    assert not [p.name for p in board3.path.iterdir() if p.name.endswith(".tmp")]
    assert board3.check().startswith("ok:")
    models = set(board3.state().models)
    assert completed | {"m1", "m2", "m3", "after"} <= models
    assert all(m.startswith("k-") for m in models - {"m1", "m2", "m3", "after"})
