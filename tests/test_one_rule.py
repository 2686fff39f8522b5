"""One rule per input (issue 21 §1): the same bad score gets the same one-line message from
the API (``compute_density``), the command line (``densing density``) and
``Leaderboard.add``; repeated column headers, text numbers and 2-D score arrays are decided
once (issue 20 §5).

The expected messages are written out here, not taken from the package."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from densing.density import compute_density
from densing.exceptions import InputError

MODELS = pd.DataFrame({"model": ["m1"], "n_params": [7e9], "release_date": ["2024-01-01"],
                       "n_params_nonembedding": [6.5e9]})
WHERE = "of model 'm1' on 'hellaswag'"

#: bad score -> the message every channel gives
BAD_SCORES: dict[str, tuple[Any, str]] = {
    "nan": (math.nan, f"score=nan {WHERE} must be a finite fraction in [0, 1]"),
    "inf": (math.inf, f"score=inf {WHERE} must be a finite fraction in [0, 1]"),
    "negative": (-0.1, f"score=-0.1 {WHERE} is negative; scores are fractions in [0, 1]"),
    "percent": (1.5, f"score=1.5 {WHERE} is > 1; scores are fractions in [0, 1] "
                     "(percentages? divide by 100)"),
    "text": ("abc", f"score {WHERE} must be a number such as 0.62; got str 'abc'"),
    "bool": (True, f"score {WHERE} must be a number such as 0.62; got bool True"),
}
CHANNELS = ["api", "cli", "leaderboard"]


def _csv_cell(value: Any) -> str:
    return "nan" if isinstance(value, float) and math.isnan(value) else str(value)


def _message(channel: str, value: Any, tmp_path: Path, frame: Any, board: Any,
             run_cli: Any) -> str:
    """The error message ``channel`` gives for the score ``value`` of m1 on hellaswag."""
    row = {"model": "m1", "benchmark": "hellaswag", "protocol": "rc-5shot", "score": value}
    if channel == "api":
        with pytest.raises(InputError) as exc:
            compute_density(pd.DataFrame([row]), MODELS, frame)
        return str(exc.value)
    if channel == "leaderboard":
        with pytest.raises(InputError) as exc:
            board.add("m1", n_params=7e9, release_date="2024-01-01", scores=[row])
        return str(exc.value)
    scores = tmp_path / "scores.csv"
    scores.write_text(f"model,benchmark,protocol,score\nm1,hellaswag,rc-5shot,"
                      f"{_csv_cell(value)}\n")
    models = tmp_path / "models.csv"
    MODELS.to_csv(models, index=False)
    out = tmp_path / "out.csv"
    res = run_cli(["density", "--scores", str(scores), "--models", str(models),
                   "--frame", "olmo-ladder", "--out", str(out)])
    assert res.code == 2, res
    assert not out.exists()  # nothing written on failure
    prefix = "densing density: error: "
    line = res.err.strip().splitlines()[-1]
    assert line.startswith(prefix), res.err
    return line.removeprefix(prefix)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", sorted(BAD_SCORES))
def test_bad_score_same_message(case: str, channel: str, tmp_path: Path, frame: Any,
                                board: Any, run_cli: Any) -> None:
    value, expected = BAD_SCORES[case]
    assert _message(channel, value, tmp_path, frame, board, run_cli) == expected


@pytest.mark.parametrize("channel", ["api", "leaderboard"])
def test_text_number_refused_like_bool(channel: str, tmp_path: Path, frame: Any, board: Any,
                                       run_cli: Any) -> None:
    # '0.6' in a Python table is text, refused as True is: neither is silently a number
    msg = _message(channel, "0.6", tmp_path, frame, board, run_cli)
    assert msg == f"score {WHERE} must be a number such as 0.62; got str '0.6'"


def test_bad_stderr_same_message(tmp_path: Path, frame: Any, board: Any) -> None:
    row = {"model": "m1", "benchmark": "hellaswag", "protocol": "rc-5shot", "score": 0.5,
           "stderr": "abc"}
    expected = f"stderr {WHERE} must be a number such as 0.005; got str 'abc'"
    with pytest.raises(InputError) as api:
        compute_density(pd.DataFrame([row]), MODELS, frame)
    with pytest.raises(InputError) as lb:
        board.add("m1", n_params=7e9, release_date="2024-01-01", scores=[row])
    assert str(api.value) == str(lb.value) == expected


def test_numbers_in_a_file_are_numbers(tmp_path: Path, board: Any, run_cli: Any) -> None:
    # in a CSV every cell is text: 0.6 next to abc is read as the number, and abc is named
    scores = tmp_path / "scores.csv"
    scores.write_text("model,benchmark,protocol,score\nm1,arc_challenge,rc-5shot,0.6\n"
                      "m1,hellaswag,rc-5shot,abc\n")
    models = tmp_path / "models.csv"
    MODELS.to_csv(models, index=False)
    expected = f"score {WHERE} must be a number such as 0.62; got str 'abc'"
    res = run_cli(["density", "--scores", str(scores), "--models", str(models)])
    assert res.code == 2
    assert res.err.strip().endswith(expected), res.err
    with pytest.raises(InputError) as lb:
        board.add("m1", n_params=7e9, release_date="2024-01-01", scores=str(scores))
    assert str(lb.value) == expected


def test_numbers_in_a_file_are_accepted(tmp_path: Path, board: Any) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_text('model,benchmark,protocol,score,stderr\nm1,hellaswag,rc-5shot,"0.6",\n'
                      "m1,arc_challenge,rc-5shot,0.4,0.01\n")
    state = board.add("m1", n_params=7e9, release_date="2024-01-01", scores=str(scores))
    got = {r["benchmark"]: (r["score"], r["stderr"]) for r in state.scores.values()}
    assert got == {"hellaswag": (0.6, None), "arc_challenge": (0.4, 0.01)}


@pytest.mark.parametrize(("table", "text", "column"), [
    ("scores", "model,benchmark,protocol,score,score\nm1,hellaswag,rc-5shot,0.5,0.6\n", "score"),
    ("models", "model,n_params,n_params,release_date\nm1,7e9,7e9,2024-01-01\n", "n_params"),
])
def test_repeated_header_refused_by_cli(table: str, text: str, column: str,
                                        tmp_path: Path, run_cli: Any) -> None:
    files = {"scores": "model,benchmark,protocol,score\nm1,hellaswag,rc-5shot,0.5\n",
             "models": "model,n_params,release_date\nm1,7e9,2024-01-01\n", table: text}
    for name, body in files.items():
        (tmp_path / f"{name}.csv").write_text(body)
    res = run_cli(["density", "--scores", str(tmp_path / "scores.csv"),
                   "--models", str(tmp_path / "models.csv")])
    assert res.code == 2
    assert res.err.strip().endswith(f"{table} has the column {column!r} twice; keep one"), \
        res.err


def test_repeated_density_header_refused_by_trend(tmp_path: Path, run_cli: Any) -> None:
    path = tmp_path / "densities.csv"
    path.write_text("model,release_date,density,density\nm1,2024-01-01,1.0,2.0\n")
    res = run_cli(["trend", "--densities", str(path)])
    assert res.code == 2
    assert res.err.strip().endswith("densities has the column 'density' twice; keep one"), \
        res.err


def test_repeated_column_refused_by_api_and_leaderboard(tmp_path: Path, frame: Any,
                                                        board: Any) -> None:
    df = pd.DataFrame([["m1", "hellaswag", "rc-5shot", 0.5, 0.6]],
                      columns=["model", "benchmark", "protocol", "score", "score"])
    expected = "scores has the column 'score' twice; keep one"
    with pytest.raises(InputError) as api:
        compute_density(df, MODELS, frame)
    with pytest.raises(InputError) as lb:
        board.add("m1", n_params=7e9, release_date="2024-01-01", scores=df)
    path = tmp_path / "s.csv"
    path.write_text("benchmark,protocol,score,score\nhellaswag,rc-5shot,0.5,0.6\n")
    with pytest.raises(InputError) as lb_csv:
        board.add("m1", n_params=7e9, release_date="2024-01-01", scores=str(path))
    assert str(api.value) == str(lb.value) == str(lb_csv.value) == expected
    models = pd.DataFrame([["m1", 7e9, 7e9, "2024-01-01"]],
                          columns=["model", "n_params", "n_params", "release_date"])
    with pytest.raises(InputError, match="^models has the column 'n_params' twice; keep one$"):
        compute_density(df.iloc[:, :4], models, frame)


def test_two_dimensional_scores_refused(frame: Any) -> None:
    grid = np.array([[0.5, 0.6], [0.55, 0.65]])
    with pytest.raises(InputError, match=r"^score must be one score per row \(a 1-D array\); "
                                         r"got ndarray of shape \(2, 2\)$"):
        frame.effective_params(grid, "hellaswag")
    # the same scores as one row each are accepted
    assert len(frame.effective_params(grid.ravel(), "hellaswag")) == 4


# -- one catalogue function for a frame's metadata (issue 21 §1) ------------------------------


def test_frame_info_matches_the_shipped_json() -> None:
    import json

    from densing.reference import frame_info

    raw = json.loads((Path(__file__).resolve().parents[1] / "src" / "densing" / "data"
                      / "frames" / "olmo-ladder.json").read_text())
    info = frame_info("olmo-ladder")
    assert dict(info.protocols) == {b: v["protocol"] for b, v in raw["benchmarks"].items()}
    assert {k: list(v) for k, v in info.averages.items()} == raw["settings"]["averages"]
    assert info.param_count == raw["settings"]["param_count"] == "non_embedding"
    assert info.tokens == raw["settings"]["tokens"] == 1e12
    assert info.tasks("average_llv1") == ["arc_challenge", "hellaswag"]
    assert info.tasks("hellaswag") == ["hellaswag"]


def test_frame_info_of_a_saved_file_and_an_instance(frame_json: str) -> None:
    import json

    from densing.reference import frame_info, load_frame

    raw = json.loads(Path(frame_json).read_text())
    by_path = frame_info(frame_json)
    by_instance = frame_info(load_frame(frame_json))
    assert by_path == by_instance
    assert dict(by_path.protocols) == {b: v["protocol"] for b, v in raw["benchmarks"].items()}
    assert by_path.tasks("average_llv1") == raw["settings"]["averages"]["average_llv1"]


def test_leaderboard_reads_frames_through_the_catalogue() -> None:
    src = (Path(__file__).resolve().parents[1] / "src" / "densing" / "leaderboard"
           / "inputs.py").read_text()
    assert "json.loads" not in src and "rc-5shot\"" not in src and "frame_info" in src


# -- one definition of slope -> doubling time (issue 21 §1) -----------------------------------


def test_doubling_conversion_against_hand_numbers() -> None:
    from densing.conventions import doubling_days, doubling_months, slope_per_day

    # 3.3 months of 365.25 / 12 days (rounded to 30.44 as in the paper) is 100.452 days
    a = math.log(2) / 100.452
    assert doubling_days(a) == pytest.approx(100.452, rel=1e-12)
    assert doubling_months(a) == pytest.approx(3.3, rel=1e-12)
    assert slope_per_day(3.3) == pytest.approx(a, rel=1e-12)
    assert doubling_months(0.0) == math.inf and doubling_months(-1e-3) == math.inf
    assert math.isnan(doubling_months(math.nan))
    assert slope_per_day(math.inf) == 0.0


def test_days_per_month_is_written_once() -> None:
    import ast

    src = Path(__file__).resolve().parents[1] / "src" / "densing"
    where = [str(p.relative_to(src)) for p in src.rglob("*.py")
             for node in ast.walk(ast.parse(p.read_text()))
             if isinstance(node, ast.Constant) and node.value == 30.44]
    assert where == ["conventions.py"], where


def test_user_facing_text_points_to_the_docs() -> None:
    import re

    root = Path(__file__).resolve().parents[1]
    src = root / "src" / "densing"
    old = [str(p.relative_to(src)) for p in [*src.rglob("*.py"), *src.rglob("*.md")]
           if "METHOD.md" in p.read_text()]
    assert not old, f"still pointing to METHOD.md: {old}"
    anchors = set(re.findall(r"^\((trap-[a-z0-9-]+)\)=$", (root / "docs" / "method.md")
                             .read_text(), flags=re.M))
    used = {a for p in src.rglob("*.py")
            for a in re.findall(r"docs/method\.md#([a-z0-9-]+)", p.read_text())}
    assert used and used <= anchors, used - anchors
