"""More faults of a damaged board (issue 20, section 1): every garbled history line against
every cut of ``models.csv``, legitimate removals, interrupted writes, deleted vs emptied logs,
stale temporaries from every write path and a ``kill -9`` during repair.

The expected outcome of each case comes from an oracle written here, not from densing: a model
comes back exactly when a readable source holds its row (a history line other than the garbled
one that adds it and no later line removes it, or a ``models.csv`` row that ends in its line
end); every other model on the board is reported as not recovered and the repair exits 1.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_faults import tree_hash
from test_leaderboard import fill, rows

from densing.cli import main as cli_main
from densing.exceptions import LeaderboardDamagedError
from densing.leaderboard import Leaderboard

GARBLE = b'{"version": 4, "op": "add", garbage\n'


def _cli(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        rc = cli_main(argv)
    return rc, out.getvalue()


def _template(board: Leaderboard, kind: str) -> Path:
    """A 6-model board; ``removed``: model-3 removed after; ``notes``: every model has notes
    (a cut inside the last cell still leaves five cells)."""
    for i in range(6):
        board.add(f"model-{i}", (1 + i) * 1e9, f"2023-{i + 1:02d}-10",
                  rows(0.45 + 0.04 * i, 0.28 + 0.025 * i),
                  notes="a note with words" if kind == "notes" else "")
    if kind == "removed":
        board.remove("model-3")
    return board.path


def _models_in_history(lines: list[bytes], skip: int) -> set[str]:
    """Models the readable lines of the log leave on the board (independent replay)."""
    on: set[str] = set()
    for i, line in enumerate(lines):
        if i == skip:
            continue
        e = json.loads(line)
        on -= {r["model"] for r in (e.get("removed") or {}).get("models", [])}
        on |= {r["model"] for r in (e.get("added") or {}).get("models", [])}
    return on


def _case(tmpl: Path, work: Path, garbled: int, cut_row: int | None, offset: int
          ) -> list[str]:
    """Damage a copy of ``tmpl``, repair it, and return what disagrees with the oracle."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(tmpl, work)
    truth = set(Leaderboard(work).models["model"])
    lines = (work / "history.jsonl").read_bytes().splitlines(keepends=True)
    readable_hist = _models_in_history(lines, garbled)
    lines[garbled] = GARBLE
    (work / "history.jsonl").write_bytes(b"".join(lines))
    table = (work / "models.csv").read_bytes()
    if cut_row is not None:
        t_lines = table.splitlines(keepends=True)
        start = sum(len(x) for x in t_lines[:cut_row + 1])
        row = t_lines[cut_row + 1]
        table = table[:start + (offset if offset > 0 else len(row) + offset)]
        (work / "models.csv").write_bytes(table)
    whole_rows = {ln.split(b",")[0].decode() for ln in table.splitlines(keepends=True)[1:]
                  if ln.endswith(b"\n")}
    # a whole row of a removed model cannot be in models.csv; a history line is readable
    want = truth & (readable_hist | whole_rows)
    lost = truth - want
    rc, out = _cli(["leaderboard", "repair", str(work)])
    live = Leaderboard(work)
    bad = []
    if set(live.models["model"]) != want:
        bad.append(f"live {sorted(live.models['model'])}, want {sorted(want)}")
    if rc != (1 if lost else 0):
        bad.append(f"exit {rc} with {sorted(lost)} lost")
    for m in sorted(truth):
        said = f"could not recover model {m!r}" in out
        if said != (m in lost):
            bad.append(f"{m}: reported lost={said}, lost={m in lost}")
    if not live.check().startswith("ok"):
        bad.append("check fails after repair")
    # the recovered rows are the rows that were written (no truncated notes)
    for r in live.models.to_dict("records"):
        if r["notes"] not in ("", "a note with words"):
            bad.append(f"{r['model']}: notes {r['notes']!r}")
    return [f"garbled line {garbled}, cut row {cut_row} at {offset}: {b}" for b in bad]


@pytest.mark.parametrize("kind", ["plain", "removed", "notes"])
def test_every_garbled_line_against_every_cut_row(board: Leaderboard, kind: str,
                                                  tmp_path: Path) -> None:
    """7 or 8 garbled lines x (no cut + 6 or 5 cut rows x 3 places in the row): 91 to 136
    repairs per kind, each checked against the oracle."""
    tmpl = _template(board, kind)
    n_lines = len((tmpl / "history.jsonl").read_bytes().splitlines())
    n_rows = len((tmpl / "models.csv").read_bytes().splitlines()) - 1
    failures: list[str] = []
    n = 0
    for g in range(n_lines):
        for cut in [None, *range(n_rows)]:
            for off in ([0] if cut is None else [12, -2, -1]):
                failures += _case(tmpl, tmp_path / "case", g, cut, off)
                n += 1
    assert n >= 91
    assert not failures, f"{len(failures)} of {n}: " + "; ".join(failures[:5])


def test_interrupted_write_and_garbled_line(board: Leaderboard,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A writer killed after the log's rename (the log one version ahead of the intact tables)
    and a garbled line before it: the newer entry is applied after the intact tables, so its
    model is not lost."""
    fill(board, 6)
    path = board.path
    old = {n: (path / n).read_bytes() for n in ("models.csv", "scores.csv", "meta.json")}
    board.add("model-new", 9e9, "2024-05-01", rows())
    for n, data in old.items():  # as if killed after history.jsonl was renamed into place
        (path / n).write_bytes(data)
    lines = (path / "history.jsonl").read_bytes().splitlines(keepends=True)
    lines[3] = GARBLE
    (path / "history.jsonl").write_bytes(b"".join(lines))
    rc, out = _cli(["leaderboard", "repair", str(path)])
    assert rc == 0, out
    live = Leaderboard(path)
    assert set(live.models["model"]) == {f"model-{i}" for i in range(6)} | {"model-new"}
    assert len(live.scores) == 14
    assert live.check().startswith("ok")


def _replaced_board(board: Leaderboard) -> Path:
    """A board whose log holds a remove and a replacement, so the tables differ from the
    first adds."""
    fill(board, 5)
    board.remove("model-2")
    board.add("model-4", 7e9, "2023-09-09", rows(0.7, 0.5))
    return board.path


def test_deleted_and_emptied_history_give_the_same_board(board: Leaderboard,
                                                         tmp_path: Path) -> None:
    path = _replaced_board(board)
    want = board.models
    results = {}
    for how in ("deleted", "emptied"):
        work = tmp_path / how
        shutil.copytree(path, work)
        if how == "deleted":
            (work / "history.jsonl").unlink()
        else:
            (work / "history.jsonl").write_bytes(b"")
        with pytest.raises(LeaderboardDamagedError, match="history.jsonl"):
            Leaderboard(work).check()
        rc, out = _cli(["leaderboard", "repair", str(work)])
        assert rc == 0, out
        live = Leaderboard(work)
        assert live.check().startswith("ok")
        assert live.models.equals(want)
        results[how] = {n: (work / n).read_bytes() for n in ("models.csv", "scores.csv")}
    assert results["deleted"] == results["emptied"]


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_lost_history_and_meta_refused_alike(board: Leaderboard, how: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Without the log and without meta.json's settings there is nothing to rebuild from:
    both are refused in one line, and nothing changes."""
    path = _replaced_board(board)
    if how == "deleted":
        (path / "history.jsonl").unlink()
    else:
        (path / "history.jsonl").write_bytes(b"")
    (path / "meta.json").write_bytes(b"{")
    before = tree_hash(path)
    assert cli_main(["leaderboard", "repair", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "history.jsonl" in err and "cannot repair" in err
    assert tree_hash(path) == before


# -- stale temporaries: every write path removes them, check reports them --------------------

STALE = (".models.csv.k1ll3d.tmp", ".history.jsonl.abc123.tmp", ".trend.json.x.tmp",
         ".frame.json.y.tmp")


def _plant(path: Path) -> None:
    for name in STALE:
        (path / name).write_bytes(b"half a file")


WRITES = {
    "add": lambda lb: lb.add("new-model", 2e9, "2024-01-01", rows()),
    "remove": lambda lb: lb.remove("model-1"),
    "restore": lambda lb: lb.restore(2),
    "recompute": lambda lb: lb.recompute(n_bootstrap=0),
    "render": lambda lb: lb.render("md"),
    "repair (nothing to do)": lambda lb: lb.repair(),
}


@pytest.mark.parametrize("what", sorted(WRITES))
def test_every_write_path_removes_stale_temporaries(board: Leaderboard, what: str) -> None:
    fill(board, 3)
    _plant(board.path)
    assert "4 stale temporary file(s)" in board.check()
    WRITES[what](board)
    assert not list(board.path.glob(".*.tmp"))
    assert "stale" not in board.check()


def test_damaged_board_check_reports_stale_temporaries(board: Leaderboard) -> None:
    fill(board, 3)
    _plant(board.path)
    (board.path / "scores.csv").write_bytes(b"model,benchmark\n")
    with pytest.raises(LeaderboardDamagedError) as info:
        board.check()
    msg = str(info.value)
    assert "\n" not in msg and "scores.csv" in msg and "4 stale temporary file(s)" in msg
    lines = board.repair()
    assert "removed 4 stale temporary file(s)" in lines
    assert not list(board.path.glob(".*.tmp"))
    assert board.check().startswith("ok")


_KILLER = """
import os, signal, sys
from densing.leaderboard import Leaderboard
board, where, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
calls = [0]
real = getattr(os, where)
def killing(*a, **kw):
    calls[0] += 1
    if calls[0] == k:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*a, **kw)
setattr(os, where, killing)
Leaderboard(board).repair()
"""


@pytest.mark.parametrize(("where", "k"), [("fsync", 1), ("fsync", 3), ("replace", 1),
                                          ("replace", 2), ("replace", 4)])
def test_kill_during_repair_then_repair_again(board: Leaderboard, tmp_path: Path, where: str,
                                              k: int) -> None:
    """The issue's damaged board; the repair is killed (SIGKILL) at the k-th ``os.fsync``
    (while writing its temporary files) or ``os.replace`` (while renaming them into place).
    ``check`` then names the leftovers, and the next repair removes them and ends with all
    six models."""
    fill(board, 6)
    path = board.path
    lines = (path / "history.jsonl").read_bytes().splitlines(keepends=True)
    lines[3] = GARBLE
    (path / "history.jsonl").write_bytes(b"".join(lines))
    table = (path / "models.csv").read_bytes()
    (path / "models.csv").write_bytes(table[: table.index(b"model-4") + 12])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    res = subprocess.run([sys.executable, "-c", _KILLER, str(path), where, str(k)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == -signal.SIGKILL, res.stderr
    stale = list(path.glob(".*.tmp"))
    if stale:
        try:
            text = Leaderboard(path).check()
        except LeaderboardDamagedError as exc:
            text = str(exc)
        assert f"{len(stale)} stale temporary file(s)" in text
    rc, out = _cli(["leaderboard", "repair", str(path)])
    assert rc == 0, out
    assert not list(path.glob(".*.tmp"))
    live = Leaderboard(path)
    assert set(live.models["model"]) == {f"model-{i}" for i in range(6)}
    assert len(live.scores) == 12
    assert live.check() == (f"ok: {path} version {live.version}, 6 models, 12 scores")
