"""More faults of a damaged board (issue 20, section 1): every garbled history line against
every cut of ``models.csv``, legitimate removals, interrupted writes, deleted vs emptied logs,
stale temporaries from every write path and a ``kill -9`` during repair. And bounded resources
(section 4): the trend bootstrap drawn and fitted in blocks, equal to the whole matrix bit for
bit, its memory flat in the resample count, absurd counts refused naming the estimate.

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
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _board_helpers import fill, rows, tree_hash

from densing.cli import main as cli_main
from densing.exceptions import FitQualityWarning, InputError, LeaderboardDamagedError
from densing.leaderboard import Leaderboard
from densing.trend import DensingTrend
from densing.trend import _bootstrap as tb

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
    # killed at a temporary file's fsync or before its rename: that file is left behind
    assert stale, f"no temporary file left by a kill at {where} #{k}"
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


# -- 4. the trend bootstrap: memory bounded, chunked equal to unchunked ----------------------



def _models(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``n`` synthetic models sorted by (date, -density), as the trend holds them."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.choice(rng.uniform(0, 900, max(n // 3, 3)), n))  # repeated dates
    x = -1 + 0.004 * t + rng.normal(0, 1.0, n)
    order = np.lexsort((-x, t))
    return t[order], x[order]


def _naive_rows(seed: int, n_rows: int, n: int) -> np.ndarray:
    idx = np.random.default_rng(seed).integers(0, n, size=(n_rows, n))
    idx.sort(axis=1)
    return idx


@pytest.mark.parametrize("rows", [1, 3, 7, 64, None])
def test_resample_blocks_equal_the_whole_matrix(rows: int | None) -> None:
    res = tb.Resamples(11, 50, 37)
    got = np.concatenate([b for _, _, b in res.blocks(rows)])
    assert np.array_equal(got, _naive_rows(11, 50, 37))
    spans = [(lo, hi) for lo, hi, _ in res.blocks(rows)]
    assert spans[0][0] == 0 and spans[-1][1] == 50
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize("method", ["running_max", "all", "quantile"])
@pytest.mark.parametrize("with_member", [False, True])
def test_chunked_fits_equal_unchunked_bit_for_bit(method: str, with_member: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    t, x = _models(60)
    n_rows = 12 if method == "quantile" else 80
    member = (t < 500) if with_member else None
    full = _naive_rows(5, n_rows, t.size)
    want = tb._Fitter(method, 0.9, t, x, None).rows(full, member=member)
    monkeypatch.setattr(tb, "_CELLS", 3 * t.size)  # blocks of 3 rows
    got = tb._Fitter(method, 0.9, t, x, None).rows(tb.Resamples(5, n_rows, t.size),
                                                   member=member)
    for a, b in zip(got, want, strict=True):
        assert np.array_equal(a, b, equal_nan=True)


def test_chunked_running_max_matches_an_independent_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each resample's envelope and OLS line, written here with plain loops and polyfit."""
    t, x = _models(40)
    monkeypatch.setattr(tb, "_CELLS", 2 * t.size)
    slopes, icpts = tb._Fitter("running_max", 0.9, t, x, None).rows(tb.Resamples(2, 30, 40))
    for b, row in enumerate(_naive_rows(2, 30, 40)):
        tt, xx = t[row], x[row]
        best, keep = -np.inf, []
        for i in range(tt.size):
            if xx[i] > best:
                best = xx[i]
                keep.append(i)
        if len(set(tt[keep])) < 2:
            assert np.isnan(slopes[b])
            continue
        want = np.polyfit(tt[keep], xx[keep], 1)
        assert slopes[b] == pytest.approx(want[0], rel=1e-9, abs=1e-15)
        assert icpts[b] == pytest.approx(want[1], rel=1e-9, abs=1e-12)


def test_trend_fit_is_the_same_whatever_the_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    t, x = _models(90)
    df = pd.DataFrame({"model": [f"m{i}" for i in range(90)],
                       "release_date": (np.datetime64("2023-01-01") + t.astype(int)).astype(str),
                       "density": np.exp(x)})
    def fit() -> DensingTrend:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return DensingTrend(frontier="running_max", n_bootstrap=300,
                                interval="percentile").fit(df)

    whole = fit()
    monkeypatch.setattr(tb, "_CELLS", 90 * 7)  # 43 blocks of at most 7 resamples
    chunked = fit()
    assert np.array_equal(whole.slope_draws_, chunked.slope_draws_, equal_nan=True)
    assert np.array_equal(whole.intercept_draws_, chunked.intercept_draws_, equal_nan=True)
    assert whole.ci_ == chunked.ci_


def _peak_bytes(n_boot: int, n: int) -> int:
    t, x = _models(n)
    fitter = tb._Fitter("running_max", 0.9, t, x, None)
    tracemalloc.start()
    try:
        fitter.rows(tb.Resamples(0, n_boot, n))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_bootstrap_memory_does_not_grow_with_the_resamples(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight times the resamples: the peak grows by their slopes only (16 bytes each), where
    the whole index matrix would grow it eightfold."""
    n = 5000
    monkeypatch.setattr(tb, "_CELLS", 20 * n)
    small, large = _peak_bytes(40, n), _peak_bytes(320, n)
    assert small > 20 * n * 8  # the block itself is seen
    assert large - small < 280 * 16 + 64 * 1024, (small, large)
    assert large < 8 * 320 * n  # far below one int64 matrix of every resample


def test_absurd_bootstrap_count_refused_naming_the_estimate(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(tb, "_memory_bytes", lambda: 24 * 2**30)
    with pytest.raises(InputError) as info:
        tb.check_bootstrap_cost(1_000_000_000, 150, "running_max")
    msg = str(info.value)
    need = 1e9 * tb._BYTES_PER_RESAMPLE / 2**30
    assert "\n" not in msg and "n_bootstrap=1000000000" in msg
    assert f"{need:,.1f} GiB" in msg and "24.0 GiB" in msg and "use at most" in msg
    most = int(msg.split("use at most ")[1].split(" ")[0].replace(",", ""))
    assert most == pytest.approx(0.5 * 24 * 2**30 / tb._BYTES_PER_RESAMPLE, rel=1e-6)
    dens = tmp_path / "d.csv"
    dens.write_text("model,release_date,density\n" + "".join(
        f"m{i},2023-{1 + i % 12:02d}-{1 + i % 27:02d},{1 + i}\n" for i in range(20)))
    assert cli_main(["trend", "--densities", str(dens), "--bootstrap", "1000000000"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and "GiB" in err


def test_long_bootstrap_warns_with_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tb, "_memory_bytes", lambda: 24 * 2**30)
    with pytest.warns(FitQualityWarning, match=r"take about [\d,]+ minutes \(estimated\)"):
        tb.check_bootstrap_cost(1000, 1_000_000, "running_max")
    need, seconds = tb.bootstrap_cost(1000, 1_000_000, "running_max")
    assert seconds == pytest.approx(1000 * 1e6 * tb._CELL_SECONDS)
    assert need < 2**30  # one block plus 1,000 resamples' numbers, not 1000 x 1e6 cells
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tb.check_bootstrap_cost(1000, 150, "running_max")  # the default: silent
