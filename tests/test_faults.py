"""Faults: damaged boards repaired from every readable source, read-only boards, full and
limited disks (issue 20, sections 1 and 2).

Each case asserts the exit code or the exception type, one line naming the path or value,
no traceback, and nothing written or changed (the board's files hashed before and after).
Disk faults are simulated in-process (a patched ``os.write``/``os.replace``/``os.open``) and,
for a file-size limit, in a subprocess under ``RLIMIT_FSIZE``; a real read-only tmpfs mount
is used where the machine allows mounting, and skipped with the reason where it does not.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _board_helpers import fill, rows, tree_hash

from densing.cli import main as cli_main
from densing.exceptions import (
    DensingError,
    LeaderboardReadOnlyError,
    OutputError,
)
from densing.leaderboard import Leaderboard

# -- helpers ---------------------------------------------------------------------------------


def one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    lines = err.splitlines()
    assert "Traceback" not in err
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def model_names_in_csv(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return {line.split(",")[0] for line in lines if line}


@pytest.fixture
def six(board: Leaderboard) -> Leaderboard:
    fill(board, 6)
    return board


# -- 1. repair from every readable source --------------------------------------------------


@pytest.mark.parametrize("cut_in", ["model-4", "model-2"])
def test_repair_keeps_models_a_readable_file_holds(six: Leaderboard, cut_in: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's board: history line 4 (adding model-2) garbled, models.csv cut inside a
    row. Cut in model-4's row, every model is in a readable source and comes back; cut in
    model-2's row, model-2 is in no readable source: repair says so and exits 1."""
    path = six.path
    want = model_names_in_csv(path / "models.csv")
    assert len(want) == 6
    lines = (path / "history.jsonl").read_bytes().splitlines(keepends=True)
    assert b'"model": "model-2"' in lines[3]
    lines[3] = b'{"version": 4, "op": "add", garbage\n'
    (path / "history.jsonl").write_bytes(b"".join(lines))
    models = (path / "models.csv").read_bytes()
    (path / "models.csv").write_bytes(models[: models.index(cut_in.encode()) + 12])
    rc = cli_main(["leaderboard", "repair", str(path)])
    out = capsys.readouterr().out
    live = Leaderboard(path)
    lost = {cut_in} if cut_in == "model-2" else set()
    assert rc == (1 if lost else 0), out
    assert set(live.models["model"]) == want - lost
    assert len(live.scores) == 2 * len(want - lost)  # scores.csv was intact
    assert live.check().startswith("ok")
    if lost:
        assert "could not recover model 'model-2' (named in models.csv, scores.csv)" in out
    else:
        assert "could not recover" not in out
    backup = next(path.glob("repair-backup-*"))
    assert (backup / "history.jsonl").read_bytes().count(b"garbage") == 1
    assert (backup / "models.csv").read_bytes() == models[: models.index(cut_in.encode()) + 12]


def test_repair_reports_models_it_cannot_recover(six: Leaderboard,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = six.path
    lines = (path / "history.jsonl").read_bytes().splitlines(keepends=True)
    lines[3] = b'{"version": 4, "op": "add", "model": "model-2", garbage\n'
    (path / "history.jsonl").write_bytes(b"".join(lines))
    for name in ("models.csv", "scores.csv"):  # both tables unreadable
        (path / name).write_bytes(b"\xff\xfe garbage")
    rc = cli_main(["leaderboard", "repair", str(path)])
    out = capsys.readouterr().out
    assert rc == 1  # never success while the backup names a model the board lacks
    assert "could not recover model 'model-2' (named in history.jsonl)" in out
    assert set(Leaderboard(path).models["model"]) == {f"model-{i}" for i in (0, 1, 3, 4, 5)}


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_lost_history_rebuilt_from_tables_and_meta(six: Leaderboard, how: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = six.path
    want = six.models
    if how == "deleted":
        (path / "history.jsonl").unlink()
    else:
        (path / "history.jsonl").write_bytes(b"")
    assert cli_main(["leaderboard", "repair", str(path)]) == 0
    live = Leaderboard(path)
    assert list(live.models["model"]) == list(want["model"])
    assert live.check().startswith("ok")


def test_stale_temporaries_reported_by_check_and_removed_by_repair(
        six: Leaderboard, capsys: pytest.CaptureFixture[str]) -> None:
    path = six.path
    for name in (".models.csv.x1y2.tmp", ".history.jsonl.abc.tmp"):
        (path / name).write_bytes(b"half")
    assert cli_main(["leaderboard", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 stale temporary file(s)" in out
    before = tree_hash(path)
    assert cli_main(["leaderboard", "repair", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nothing to repair" in out and "removed 2 stale temporary file(s)" in out
    after = tree_hash(path)
    assert not list(path.glob(".*.tmp"))
    assert {k: v for k, v in before.items() if not k.endswith(".tmp")} == after


# -- 2. read-only boards -----------------------------------------------------------------------


@pytest.fixture
def erofs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Make the directories in the yielded list read-only file systems (EROFS on any open
    for writing, rename or unlink inside them)."""
    roots: list[Path] = []
    real_open, real_replace, real_unlink = os.open, os.replace, os.unlink

    def inside(p: object) -> bool:
        try:
            ap = Path(os.fspath(p)).resolve()  # type: ignore[arg-type]
        except TypeError:
            return False
        return any(ap == r or r in ap.parents for r in roots)

    def fake_open(p, flags, *a, **k):  # type: ignore[no-untyped-def]
        if inside(p) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", os.fspath(p))
        return real_open(p, flags, *a, **k)

    def fake_replace(a, b, *x, **k):  # type: ignore[no-untyped-def]
        if inside(b):
            raise OSError(errno.EROFS, "Read-only file system", os.fspath(b))
        return real_replace(a, b, *x, **k)

    def fake_unlink(p, *x, **k):  # type: ignore[no-untyped-def]
        if inside(p):
            raise OSError(errno.EROFS, "Read-only file system", os.fspath(p))
        return real_unlink(p, *x, **k)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "replace", fake_replace)
    monkeypatch.setattr(os, "unlink", fake_unlink)
    yield roots


def test_read_only_board_reads_and_refuses_writes(six: Leaderboard, erofs: list[Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = six.path
    before = tree_hash(path)
    erofs.append(path.resolve())
    assert cli_main(["leaderboard", "show", str(path)]) == 0
    assert "model-5" in capsys.readouterr().out
    assert cli_main(["leaderboard", "render", str(path), "--format", "html"]) == 0
    assert "model-5" in capsys.readouterr().out
    assert cli_main(["leaderboard", "check", str(path)]) == 0
    capsys.readouterr()
    for argv in (_add_argv(path, path.parent)[1:], ["remove", str(path), "--model", "model-1"],
                 ["repair", str(path)]):
        assert cli_main(["leaderboard", *argv]) == 2, argv
        one_line_error(capsys, str(path), "Read-only file system", "cannot be changed")
    with pytest.raises(LeaderboardReadOnlyError, match="reading it still works"):
        six.remove("model-1")
    assert tree_hash(path) == before


@pytest.fixture
def ro_mount(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs mounted at a temporary folder; skipped where mounting is forbidden."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"mounting is forbidden here: {res.stderr.strip() or res.returncode}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_real_read_only_mount(ro_mount: Path, frame_json: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    lb = Leaderboard.init(ro_mount / "b", frame=frame_json, benchmark="average_llv1")
    fill(lb, 3)
    res = subprocess.run(["mount", "-o", "remount,ro", str(ro_mount)], capture_output=True,
                         text=True)
    if res.returncode != 0:
        pytest.skip(f"remounting read-only is forbidden here: {res.stderr.strip()}")
    before = tree_hash(ro_mount)
    assert cli_main(["leaderboard", "show", str(lb.path)]) == 0
    assert "model-2" in capsys.readouterr().out
    assert cli_main(["leaderboard", "remove", str(lb.path), "--model", "model-1"]) == 2
    one_line_error(capsys, "Read-only file system")
    assert cli_main(["leaderboard", "repair", str(lb.path)]) == 2
    one_line_error(capsys, "Read-only file system")
    assert tree_hash(ro_mount) == before


# -- 2. full and limited disks ---------------------------------------------------------------

FAULTS = {"ENOSPC": (errno.ENOSPC, "No space left on device"),
          "EFBIG": (errno.EFBIG, "File too large"),
          "EROFS": (errno.EROFS, "Read-only file system")}


@pytest.fixture(params=sorted(FAULTS))
def full_disk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``os.write`` (and so every file write) fails with the fault's errno in temporary
    files: what densing's atomic writes create."""
    code, text = FAULTS[request.param]
    import io

    real_write = os.write
    real_fdopen = os.fdopen

    def fake_write(fd: int, data: bytes) -> int:
        if fd > 2:
            raise OSError(code, text)
        return real_write(fd, data)

    class Failing(io.FileIO):
        def write(self, data):  # type: ignore[no-untyped-def, override]
            raise OSError(code, text)

    def fake_fdopen(fd: int, mode: str = "r", *a, **k):  # type: ignore[no-untyped-def]
        if "w" in mode:
            return Failing(fd, "wb")
        return real_fdopen(fd, mode, *a, **k)

    monkeypatch.setattr(os, "write", fake_write)
    monkeypatch.setattr(os, "fdopen", fake_fdopen)
    return text


def _scores_csv(tmp_path: Path, n: int = 1) -> Path:
    """Scores of models m0 .. m<n-1> (``models.csv`` beside them), for add and density."""
    p = tmp_path / "scores_in.csv"
    with p.open("w") as fh:
        fh.write("model,benchmark,protocol,score\n")
        for i in range(n):
            fh.write(f"m{i},hellaswag,rc-5shot,0.6\nm{i},arc_challenge,rc-5shot,0.4\n")
    with (tmp_path / "models_in.csv").open("w") as fh:
        fh.write("model,n_params,release_date\n")
        for i in range(n):
            fh.write(f"m{i},{1 + i}e9,2024-01-01\n")
    return p


def _add_argv(board: Path, tmp_path: Path) -> list[str]:
    return ["leaderboard", "add", str(board), "--model", "m0", "--params", "3e9",
            "--release-date", "2024-01-01", "--scores", str(_scores_csv(tmp_path))]


def _density_argv(tmp_path: Path, out: Path, n: int = 1) -> list[str]:
    scores = _scores_csv(tmp_path, n)
    return ["density", "--scores", str(scores), "--models", str(tmp_path / "models_in.csv"),
            "--out", str(out), "--quiet"]


def test_leaderboard_add_on_full_disk(six: Leaderboard, full_disk: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_hash(six.path)
    assert cli_main(_add_argv(six.path, tmp_path)) == 2
    one_line_error(capsys, full_disk, str(six.path / "history.jsonl"))
    assert tree_hash(six.path) == before
    with pytest.raises(OutputError, match=full_disk):
        six.add("new", 3e9, "2024-01-01", rows())
    assert tree_hash(six.path) == before


def test_render_output_on_full_disk(six: Leaderboard, full_disk: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "page.html"
    assert cli_main(["leaderboard", "render", str(six.path), "--format", "html", "-o",
                     str(out)]) == 2
    one_line_error(capsys, full_disk, str(out))
    assert not out.exists() and not list(tmp_path.glob(".page.html.*"))


def test_density_out_on_full_disk(full_disk: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.csv"
    assert cli_main(_density_argv(tmp_path, out)) == 2
    one_line_error(capsys, full_disk, str(out))
    assert not out.exists() and not list(tmp_path.glob(".d.csv.*"))


def test_plot_output_on_full_disk(full_disk: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    dens = tmp_path / "dens.csv"
    dens.write_text("model,n_params,n_hat,status\na,1e9,2e9,ok\nb,2e9,3e9,ok\n")
    out = tmp_path / "fig.png"
    argv = ["plot", "effective", "--densities", str(dens), "-o", str(out)]
    assert cli_main(argv) == 2
    one_line_error(capsys, full_disk, str(out))
    assert not out.exists() and not list(tmp_path.glob(".fig.png.*"))


def test_os_replace_failure_leaves_no_partial(six: Leaderboard, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_hash(six.path)

    def fail(a: object, b: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match="No space left on device") as exc:
        six.remove("model-1")
    assert isinstance(exc.value, DensingError)
    assert tree_hash(six.path) == before


_LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
from densing.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("what", ["density", "render", "add"])
def test_file_size_limit_in_a_subprocess(six: Leaderboard, tmp_path: Path, what: str) -> None:
    """EFBIG from a real RLIMIT_FSIZE (Python ignores SIGXFSZ, so the write fails)."""
    out = tmp_path / "out.file"
    if what == "density":
        argv = _density_argv(tmp_path, out, 60)
    elif what == "render":
        argv = ["leaderboard", "render", str(six.path), "--format", "html", "-o", str(out)]
    else:
        argv = _add_argv(six.path, tmp_path)
    before = tree_hash(six.path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    res = subprocess.run([sys.executable, "-c", _LIMITED, *argv], capture_output=True,
                         text=True, env=env, timeout=300)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert "File too large" in lines[0]
    assert not out.exists()
    assert tree_hash(six.path) == before
