"""Outputs that cannot hurt their reader, written with the user's permissions."""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from _board_helpers import fill, rows

from densing._io import atomic_write_csv, atomic_write_text, csv_safe, csv_unsafe
from densing.cli import main as cli_main
from densing.leaderboard import Leaderboard

EVIL = ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_new_file_honours_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        atomic_write_csv(pd.DataFrame({"a": [1]}), tmp_path / "b.csv")
    finally:
        os.umask(old)
    want = 0o666 & ~mask  # what open(path, "w") gives
    assert _mode(tmp_path / "a.txt") == want
    assert _mode(tmp_path / "b.csv") == want


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o664, 0o640])
def test_replaced_file_keeps_its_mode(tmp_path: Path, mode: int, umask: None) -> None:
    dest = tmp_path / "out.txt"
    dest.write_text("old")
    dest.chmod(mode)
    atomic_write_text(dest, "new")
    assert dest.read_text() == "new" and _mode(dest) == mode


def test_board_files_honour_umask_and_keep_modes(tmp_path: Path, frame_json: str,  # noqa: F811
                                                 umask: None) -> None:
    lb = Leaderboard.init(tmp_path / "b", frame=frame_json, benchmark="average_llv1")
    for name in ("history.jsonl", "models.csv", "scores.csv", "meta.json"):
        assert _mode(lb.path / name) == 0o640, name
    (lb.path / "models.csv").chmod(0o644)  # published for a web server
    lb.add("m", 1e9, "2024-01-01", rows())
    assert _mode(lb.path / "models.csv") == 0o644
    assert _mode(lb.path / "scores.csv") == 0o640


def test_cli_render_output_honours_umask(tmp_path: Path, frame_json: str,  # noqa: F811
                                         umask: None) -> None:
    lb = Leaderboard.init(tmp_path / "b", frame=frame_json, benchmark="average_llv1")
    fill(lb, 3)
    out = tmp_path / "board.html"
    assert cli_main(["leaderboard", "render", str(lb.path), "--format", "html", "-o",
                     str(out), "--quiet"]) == 0
    assert _mode(out) == 0o640


# -- CSV injection ----------------------------------------------------------------------------


@pytest.mark.parametrize("cell", EVIL)
def test_csv_safe_neutralises_formula_prefixes(cell: str) -> None:
    safe = csv_safe(cell)
    assert safe == "'" + cell  # OWASP: a leading single quote
    assert csv_unsafe(safe) == cell


@pytest.mark.parametrize("cell", ["-1.5", "+3", "-inf", "1e-3", "model-7b", ""])
def test_csv_safe_keeps_numbers_and_plain_text(cell: str) -> None:
    assert csv_safe(cell) == cell  # a signed number stays a number; plain text is kept
    assert csv_unsafe(cell) == cell


def test_csv_safe_escapes_a_leading_quote_and_round_trips() -> None:
    # a leading apostrophe is the escape mark itself, so it is doubled and read back once
    assert csv_safe("'quoted") == "''quoted"
    assert csv_unsafe("''quoted") == "'quoted"


def test_atomic_write_csv_neutralises_text_not_numbers(tmp_path: Path) -> None:
    df = pd.DataFrame({"model": EVIL + ["plain"], "score": [-0.5, 0.1, -2.0, 0.3, 0.4, 0.5,
                                                             -7.25]})
    atomic_write_csv(df, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as fh:
        got = list(csv.reader(fh))
    assert got[0] == ["model", "score"]
    for (name, score), want, num in zip(got[1:], EVIL + ["plain"], df["score"], strict=True):
        assert name == (want if want == "plain" else "'" + want)
        assert float(score) == num  # negative numbers are written as numbers


def test_board_tables_neutralise_names(tmp_path: Path, frame_json: str) -> None:  # noqa: F811
    lb = Leaderboard.init(tmp_path / "b", frame=frame_json, benchmark="average_llv1")
    evil = "=HYPERLINK(\"http://evil\",\"click\")"
    lb.add(evil, 1e9, "2024-01-01", rows(), notes="@SUM(A1:A9)")
    fill(lb, 3)
    models = list(csv.reader(io.StringIO((lb.path / "models.csv").read_text())))
    cells = [c for r in models[1:] for c in r]
    assert "'" + evil in cells and "'@SUM(A1:A9)" in cells
    assert not any(c[:1] and c[0] in "=+@\t\r" for c in cells)
    scores = list(csv.reader(io.StringIO((lb.path / "scores.csv").read_text())))
    assert not any(c[:1] and c[0] in "=+@\t\r" for r in scores[1:] for c in r)
    assert evil in lb.state().models  # the name itself is kept
    rendered = list(csv.reader(io.StringIO(lb.render("csv"))))
    names = [r[1] for r in rendered[1:]]
    assert "'" + evil in names and not any(n.startswith("=") for n in names)
    # the cached table reads back the true name
    assert evil in set(lb.result().table["model"])
    assert lb.check().startswith("ok:")


# -- Markdown ---------------------------------------------------------------------------------


def test_render_md_escapes_html_and_markdown(tmp_path: Path, frame_json: str) -> None:  # noqa: F811
    lb = Leaderboard.init(tmp_path / "b", frame=frame_json, benchmark="average_llv1")
    lb.add("<script>alert(1)</script>", 1e9, "2024-01-01", rows())
    lb.add("a|b*c*_d_[x](http://e)", 2e9, "2024-02-01", rows(0.55, 0.32))
    md = lb.render("md")
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    row = next(ln for ln in md.splitlines() if "http" in ln)
    assert "a\\|b\\*c\\*\\_d\\_\\[x\\](http://e)" in row
    # the escaped pipe does not add a column
    header = next(ln for ln in md.splitlines() if ln.startswith("| Rank"))
    unescaped = row.replace("\\|", "")
    assert unescaped.count("|") == header.count("|")
