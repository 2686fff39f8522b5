"""Summaries of the reference frame and the leaderboard (issue 11, issue 14 item 1)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from densing._summary import Summary
from densing.exceptions import InputError, NotFittedError
from densing.leaderboard import Leaderboard
from densing.reference import ReferenceFrame, load_frame

# ``frame`` (olmo-ladder, fitted) comes from conftest.py


def test_frame_summary_is_a_summary_with_the_diagnostics(frame) -> None:
    s = frame.summary()
    assert isinstance(s, Summary)
    key, value = s.header[0]
    assert (key, value) == ("benchmarks", str(len(frame.fits_)))
    assert dict(s.header)["runs"] == str(frame.n_runs_)
    (table,) = s.tables
    assert sorted(table.frame["benchmark"]) == sorted(frame.fits_)
    for _, row in table.frame.iterrows():
        lo, hi = frame.valid_score_range(row["benchmark"])
        assert row["score_low"] == pytest.approx(lo) and row["score_high"] == pytest.approx(hi)
    n_flags = sum(len(f.flags) for f in frame.fits_.values())
    assert len(s.notes) == (n_flags + 1 if n_flags else 0)
    json.dumps(s.to_dict(), allow_nan=True)  # plain values only


def test_frame_summary_frame_has_one_row_per_parameter(frame) -> None:
    df = frame.summary_frame()
    expected = sum(len(f.loss_law.params_) + len(f.score_law.params_)
                   for f in frame.fits_.values())
    assert len(df) == expected
    row = df[(df["benchmark"] == "piqa") & (df["param"] == "alpha")].iloc[0]
    assert row["estimate"] == frame.fits_["piqa"].loss_law.params_["alpha"]


def test_frame_print_summary_prints_the_summary_text(frame, capsys) -> None:
    frame.print_summary()
    out = capsys.readouterr().out
    assert out.startswith("ReferenceFrame 'olmo-ladder'\n")
    # what a reader needs is on the screen: the number of runs, one row per benchmark that
    # starts with its name
    lines = out.splitlines()
    assert any(ln.split()[:2] == ["runs", str(frame.n_runs_)] for ln in lines if ln.split())
    for name in frame.fits_:
        assert any(ln.split()[:1] == [name] for ln in lines), name


def test_frame_html_and_repr(frame) -> None:
    page = frame._repr_html_()
    assert page.index("benchmarks") < page.index("score_high")  # headline first
    assert "floor_d" not in page  # the compact table
    assert "\n" not in repr(frame) and repr(frame).startswith("<ReferenceFrame 'olmo-ladder'")
    raw = ReferenceFrame(name="<b>x</b>")
    assert "unfitted" in repr(raw)
    assert "<b>x</b>" not in raw._repr_html_() and "&lt;b&gt;" in raw._repr_html_()
    with pytest.raises(NotFittedError):
        raw.summary()


@pytest.fixture(scope="module")
def ranked_board(tmp_path_factory: pytest.TempPathFactory) -> Leaderboard:
    """A board on the bundled frame ranked by arc_challenge: six same-size models, one above
    the frame's range, and its result cached (not conftest's empty ``board``)."""
    lb = Leaderboard.init(tmp_path_factory.mktemp("lb") / "board", benchmark="arc_challenge")
    rng = np.random.default_rng(11)
    scores = np.sort(rng.uniform(0.3, 0.45, size=6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, sc in enumerate(scores):
            lb.add(f"m{i}", 2e9, f"2023-{i + 1:02d}-01",
                   [{"benchmark": "arc_challenge", "protocol": "rc-5shot", "score": float(sc)}])
        # a score between the frame's range and its sigmoid ceiling: above_frame_range
        fit = load_frame("olmo-ladder")["arc_challenge"]
        high = fit.valid_score_range(1e12)[1]
        ceiling = fit.score_law.params_["c"] + fit.score_law.params_["d"]
        lb.add("strong", 7e9, "2023-08-01",
               [{"benchmark": "arc_challenge", "protocol": "rc-5shot",
                 "score": float(0.5 * (high + ceiling))}])
        lb.result(n_bootstrap=50)
    return lb


def test_leaderboard_summary(ranked_board: Leaderboard) -> None:
    s = ranked_board.summary(max_rows=4)
    assert isinstance(s, Summary)
    header = dict(s.header)
    assert s.header[0][0] == "doubling time"
    assert header["models"] == "7 (6 ranked)"
    assert header["version"] == str(ranked_board.version)
    (table,) = s.tables
    assert len(table.frame) == 4
    assert s.notes[0].startswith("... 3 more models")
    assert s.notes[-1].startswith("Trend: ")
    full = ranked_board.summary_frame()
    assert len(full) == 7
    # the same-size models rank by score: a higher score means a larger N_hat
    ranked = full[full["status"] == "ok"]
    assert list(ranked["model"]) == [f"m{i}" for i in range(5, -1, -1)]
    assert full.set_index("model").loc["strong", "status"] == "above_frame_range"
    trend = ranked_board.result().trend
    assert trend, "six ranked models over six months: the board fits a trend"
    months = trend["doubling_time_months"]
    assert s.header[0][1].startswith(f"{months:.3g} months" if math.isfinite(months)
                                     else "inf months")
    json.dumps(s.to_dict(), allow_nan=True)


def test_leaderboard_print_html_repr(ranked_board: Leaderboard, capsys) -> None:
    ranked_board.print_summary(max_rows=3)
    out = capsys.readouterr().out
    assert out.rstrip("\n") == ranked_board.summary(max_rows=3).as_text()
    page = ranked_board._repr_html_()
    assert page.index("doubling time") < page.index("m0")
    assert "\n" not in repr(ranked_board) and "7 models" in repr(ranked_board)
    with pytest.raises(InputError, match="max_rows"):
        ranked_board.summary(max_rows=0)
