"""Evaluate -> leaderboard, missing tasks named everywhere, and a chart a reader can read."""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import pytest
from _board_helpers import fill, rows

from densing.cli import main as cli_main
from densing.exceptions import DensingWarning, InputError
from densing.leaderboard import Leaderboard

EVAL_COLUMNS = "model,benchmark,protocol,score,stderr,loss,loss_unit,n"


def _evaluate_csv(path: Path, model: str) -> Path:
    """A table as ``densing evaluate --out`` writes it (all eight columns)."""
    path.write_text(
        f"{EVAL_COLUMNS}\n"
        f"{model},hellaswag,rc-5shot,0.61,0.005,1.02,nats/byte,1000\n"
        f"{model},arc_challenge,rc-5shot,0.37,0.014,1.31,nats/byte,1172\n"
    )
    return path


def _snapshot(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


# -- evaluate -> leaderboard ------------------------------------------------------------------


def test_evaluate_output_goes_into_add_silently(board: Leaderboard, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    csv = _evaluate_csv(tmp_path / "eval.csv", "my-1b")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the extra columns are not warned about
        code = cli_main(["leaderboard", "add", str(board.path), "--model", "my-1b", "--params",
                         "1.2e9", "--release-date", "2024-03-01", "--scores", str(csv)])
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    got = {(k[1], k[2]): r["score"] for k, r in board.state().scores.items()}
    assert got == {("hellaswag", "rc-5shot"): 0.61, ("arc_challenge", "rc-5shot"): 0.37}


def test_model_name_mismatch_names_both_names(board: Leaderboard, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    csv = _evaluate_csv(tmp_path / "eval.csv", "SmolLM2-135M")
    before = _snapshot(board.path)
    code = cli_main(["leaderboard", "add", str(board.path), "--model", "smollm2-135m",
                     "--params", "1.35e8", "--release-date", "2024-11-01", "--scores", str(csv)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "'SmolLM2-135M'" in err and "'smollm2-135m'" in err
    assert _snapshot(board.path) == before


def _smoke_results(path: Path) -> Path:
    path.write_text(json.dumps({
        "results": {"densing_tiny_mc": {"acc,none": 0.5, "acc_stderr,none": 0.19}},
        "configs": {"densing_tiny_mc": {"num_fewshot": 0}},
        "model_name": "tiny",
    }))
    return path


def test_smoke_task_says_it_maps_to_no_benchmark(board: Leaderboard, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    res = _smoke_results(tmp_path / "results_smoke.json")
    before = _snapshot(board.path)
    with pytest.raises(InputError, match="no task maps to a benchmark.*densing_tiny_mc"):
        board.add("tiny", 1e6, "2024-01-01", str(res))
    code = cli_main(["leaderboard", "add", str(board.path), "--model", "tiny", "--params",
                     "1e6", "--release-date", "2024-01-01", "--results", str(res)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "densing_tiny_mc" in err and "maps to no benchmark" in err or "no task maps" in err
    assert "[]" not in err
    assert _snapshot(board.path) == before


def test_smoke_benchmark_in_a_csv_says_it_maps_to_no_benchmark(board: Leaderboard,
                                                                tmp_path: Path) -> None:
    csv = tmp_path / "eval.csv"
    csv.write_text(f"{EVAL_COLUMNS}\ntiny,densing_tiny_mc,lm-eval:densing_tiny_mc-0shot-acc,"
                   "0.5,0.19,1.1,nats/byte,8\n")
    with pytest.raises(InputError, match="'densing_tiny_mc': it maps to no benchmark"):
        board.add("tiny", 1e6, "2024-01-01", str(csv))


def test_missing_shot_count_is_the_same_error_for_both_readers() -> None:
    from densing._lm_eval import scores_from_lm_eval
    from densing.evaluate.runner import results_table
    from densing.exceptions import DataFormatError

    data = {"results": {"densing_rc_hellaswag": {"acc_norm,none": 0.6}},
            "configs": {"densing_rc_hellaswag": {}}}
    with pytest.raises(DataFormatError, match="no num_fewshot for task 'densing_rc_hellaswag'"):
        scores_from_lm_eval(data, "m")
    with pytest.raises(DataFormatError, match="no num_fewshot for task 'densing_rc_hellaswag'"):
        results_table(data, model_name="m")


# -- missing tasks ----------------------------------------------------------------------------


def test_missing_tasks_named_in_add_show_and_html(board: Leaderboard,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fill(board, 3)
    only_hs = [{"benchmark": "hellaswag", "protocol": "rc-5shot", "score": 0.6}]
    with pytest.warns(DensingWarning, match="lacks task.*arc_challenge.*average_llv1"):
        board.add("half", 2e9, "2023-08-01", only_hs)
    res = board.recompute(n_bootstrap=0)
    row = res.table.set_index("model").loc["half"]
    assert row["status"] == "missing_tasks" and row["missing"] == "arc_challenge"
    assert set(res.table.loc[res.table["model"] != "half", "missing"]) == {""}
    assert "missing tasks: arc_challenge" in board.render("html")
    assert "missing tasks: arc\\_challenge" in board.render("md")
    assert cli_main(["leaderboard", "show", str(board.path), "--quiet"]) == 0
    out = capsys.readouterr().out
    # the table wraps to the terminal's width: the row's missing tasks may sit in a later block
    assert any("half" in ln for ln in out.splitlines())
    assert "arc_challenge" in out
    # the cached result reads back the same column
    assert board.result().table.set_index("model").loc["half", "missing"] == "arc_challenge"


# -- the chart --------------------------------------------------------------------------------


def _svg(page: str) -> str:
    return page[page.index("<svg"):page.index("</svg>")]


def test_chart_y_ticks_at_decades(board: Leaderboard) -> None:
    fill(board, 6)
    svg = _svg(board.render("html"))
    labels = re.findall(r'<text x="58" y="[\d.]+" text-anchor="end">([^<]+)</text>', svg)
    assert len(labels) >= 2
    for text in labels:
        exponent = math.log10(float(text))
        assert exponent == pytest.approx(round(exponent), abs=1e-9), text


def test_newest_frontier_label_stays_inside_the_plot(board: Leaderboard) -> None:
    fill(board, 5)
    long_name = "a-very-long-model-name-released-last-7b"
    board.add(long_name, 1.1e9, "2023-12-20", rows(0.75, 0.5))
    res = board.recompute(n_bootstrap=0)
    assert bool(res.table.set_index("model").loc[long_name, "frontier"])
    svg = _svg(board.render("html"))
    left, right = 64, 720 - 16
    labs = re.findall(r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(start|end)" '
                      r'class="lab">([^<]+)</text>', svg)
    assert any(name == long_name for *_, name in labs)
    for x, _, anchor, name in labs:
        width = 6.5 * len(name)
        lo, hi = (float(x), float(x) + width) if anchor == "start" else (float(x) - width,
                                                                          float(x))
        assert left <= lo and hi <= right, name


def test_model_name_taken_from_the_scores_file(board: Leaderboard, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    csv = _evaluate_csv(tmp_path / "eval.csv", "SmolLM2-135M")
    code = cli_main(["leaderboard", "add", str(board.path), "--params", "1.35e8",
                     "--release-date", "2024-11-01", "--scores", str(csv)])
    assert code == 0, capsys.readouterr().err
    assert list(board.state().models) == ["SmolLM2-135M"]
    two = tmp_path / "two.csv"
    two.write_text(csv.read_text() + "other,hellaswag,rc-5shot,0.5,0.01,1.0,nats/byte,10\n")
    before = _snapshot(board.path)
    code = cli_main(["leaderboard", "add", str(board.path), "--params", "1.35e8",
                     "--release-date", "2024-11-01", "--scores", str(two)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--model" in err and "'other'" in err
    assert _snapshot(board.path) == before
