"""Bad input to the Python API that used to escape the DensingError hierarchy or be misread
silently (issue 20, section 5).

Each case asserts the exception type (a :class:`densing.DensingError` subclass), one line that
names the argument or value, and that nothing was written.
"""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from densing.datasets import load_scores
from densing.exceptions import DataFormatError, DensingError, InputError
from densing.reference import ReferenceFrame, load_frame


def one_line_naming(exc: BaseException, *needles: str) -> str:
    msg = str(exc)
    assert isinstance(exc, DensingError), type(exc)
    assert "\n" not in msg, msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"
    return msg


# -- load_scores: an unknown protocol or prefix ------------------------------------------------


def _bundled_protocols() -> list[str]:
    """The protocol column of the bundled scores.csv, read with the csv module."""
    with (files("densing") / "data" / "scores.csv").open("r", encoding="utf-8") as fh:
        return [row["protocol"] for row in csv.DictReader(fh)]


@pytest.mark.parametrize("protocol", ["nosuch:", "nosuch", "llv1:nosuch-", "LLV1:", "llv1"])
def test_load_scores_unknown_protocol_is_refused(protocol: str) -> None:
    with pytest.raises(InputError) as info:
        load_scores(protocol)
    one_line_naming(info.value, repr(protocol), "llv1:", "report:")


@pytest.mark.parametrize("protocol", ["", 3, b"llv1:"])
def test_load_scores_protocol_not_text_is_refused(protocol: Any) -> None:
    with pytest.raises(InputError) as info:
        load_scores(protocol)
    one_line_naming(info.value, "protocol", repr(protocol))


@pytest.mark.parametrize("protocol", ["llv1:", "report:hellaswag-", "llv1:mmlu-5shot-mc"])
def test_load_scores_known_protocols_still_select(protocol: str) -> None:
    protos = _bundled_protocols()
    prefix = protocol.endswith((":", "-"))
    want = sum(p.startswith(protocol) if prefix else p == protocol for p in protos)
    got = load_scores(protocol)
    assert want > 0 and len(got) == want
    assert list(got.index) == list(range(want))


# -- edited frame JSON: the three edits the battery found accepted -----------------------------


@pytest.fixture(scope="module")
def saved() -> dict[str, Any]:
    return load_frame("olmo-ladder").to_dict()


def _set(keys: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        for k in keys[:-1]:
            d = d[k]
        d[keys[-1]] = value
    return edit


_HS = ("benchmarks", "hellaswag")
FRAME_EDITS: list[tuple[str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = [
    ("score_law max_ceiling 2.0", _set((*_HS, "score_law", "max_ceiling"), 2.0),
     ("'hellaswag' score_law", "max_ceiling", "(0, 1]", "2.0")),
    ("settings max_ceiling 2.0", _set(("settings", "max_ceiling"), 2.0),
     ("settings.max_ceiling", "(0, 1]", "2.0")),
    ("n_runs as text", _set(("n_runs",), "30"), ("n_runs", "'30'")),
    ("n_runs zero", _set(("n_runs",), 0), ("n_runs", "0")),
    ("n_runs true", _set(("n_runs",), True), ("n_runs", "True")),
    ("benchmark n_runs as text", _set((*_HS, "n_runs"), "30"), ("'hellaswag'", "n_runs", "'30'")),
    ("loss law labelled ScoreLaw", _set((*_HS, "loss_law", "law"), "ScoreLaw"),
     ("'hellaswag' loss_law", "'LossLaw'", "'ScoreLaw'")),
    ("score law labelled LossLaw", _set((*_HS, "score_law", "law"), "LossLaw"),
     ("'hellaswag' score_law", "'ScoreLaw'", "'LossLaw'")),
    ("name a number", _set(("name",), 7), ("name", "7")),
]


@pytest.mark.parametrize(("name", "edit", "needles"), FRAME_EDITS,
                         ids=[c[0] for c in FRAME_EDITS])
def test_edited_frame_json_is_refused(saved: dict[str, Any], name: str, edit: Any,
                                      needles: tuple[str, ...], tmp_path: Path) -> None:
    data = copy.deepcopy(saved)
    edit(data)
    path = tmp_path / "frame.json"
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    with pytest.raises(DataFormatError) as info:
        ReferenceFrame.load(path)
    one_line_naming(info.value, str(path), *needles)
    assert path.read_bytes() == before and sorted(tmp_path.iterdir()) == [path]


def test_unedited_frame_json_still_loads(saved: dict[str, Any], tmp_path: Path) -> None:
    """The checks refuse the edits, not the shipped frame (nor one without n_runs)."""
    path = tmp_path / "frame.json"
    path.write_text(json.dumps(saved))
    assert ReferenceFrame.load(path).to_dict() == saved
    data = copy.deepcopy(saved)
    data["n_runs"] = None
    path.write_text(json.dumps(data))
    assert ReferenceFrame.load(path).n_runs_ is None


@pytest.mark.parametrize("ceiling", [2.0, 0.0, -1.0, float("nan"), "1", True])
def test_fit_refuses_a_ceiling_a_saved_frame_could_not_hold(ceiling: Any,
                                                            reference_runs: Any) -> None:
    """A frame fitted with ``max_ceiling`` 2 would save and then fail to load: refused first,
    before any fitting."""
    with pytest.raises(InputError) as info:
        ReferenceFrame(max_ceiling=ceiling).fit(reference_runs)
    one_line_naming(info.value, "max_ceiling", "(0, 1]")


# -- DensingTrend.fit(density_draws=...) and Leaderboard paths --------------------------------


def _trend_table() -> Any:
    import numpy as np
    import pandas as pd

    return pd.DataFrame({"model": [f"m{i}" for i in range(12)],
                         "release_date": [f"2023-{i + 1:02d}-01" for i in range(12)],
                         "density": np.exp(np.arange(12) * 0.3)})


DRAWS_CASES: list[tuple[str, Any, str]] = [
    ("text", [["a"] * 12], "'a'"),
    ("text numbers", [["0.6"] * 12], "'0.6'"),
    ("booleans", [[True] * 12], "True"),
    ("None", [[1.0] * 11 + [None]], "None"),
    ("ragged", [[1.0] * 12, [1.0] * 11], "density_draws"),
    ("a dict", {"a": 1}, "density_draws"),
    ("one row too short", [[1.0] * 11], "(1, 11)"),
    ("3-D", [[[1.0]] * 12], "(1, 12, 1)"),
]


@pytest.mark.parametrize(("name", "draws", "needle"), DRAWS_CASES,
                         ids=[c[0] for c in DRAWS_CASES])
def test_trend_density_draws_refused(name: str, draws: Any, needle: str) -> None:
    from densing.trend import DensingTrend

    trend = DensingTrend(n_bootstrap=10, frontier="running_max")
    with pytest.raises(InputError) as info:
        trend.fit(_trend_table(), density_draws=draws)
    one_line_naming(info.value, "density_draws", needle)
    assert "np.str_" not in str(info.value) and "np.True_" not in str(info.value)
    assert not hasattr(trend, "slope_per_day_")  # nothing fitted


def test_trend_density_draws_numbers_accepted() -> None:
    """Integers, NaN (a model censored under a draw) and an object array of floats are
    numbers: accepted, the intervals use them."""
    import numpy as np

    from densing.trend import DensingTrend

    base = np.exp(np.arange(12) * 0.3)
    draws = np.array([base * f for f in (0.9, 1.0, 1.1)], dtype=object)
    draws[1, 4] = float("nan")
    fit = DensingTrend(n_bootstrap=3, frontier="running_max", interval="percentile").fit(
        _trend_table(), density_draws=draws)
    assert np.isfinite(fit.slope_per_day_)
    DensingTrend(n_bootstrap=3, frontier="running_max").fit(
        _trend_table(), density_draws=[[int(v) + 1 for v in base]] * 3)


@pytest.mark.parametrize("path", [42, None, 3.5, b"board", ["board"]])
@pytest.mark.parametrize("how", ["init", "open"])
def test_leaderboard_path_not_a_name(path: Any, how: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from densing.leaderboard import Leaderboard

    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        Leaderboard.init(path) if how == "init" else Leaderboard(path)
    one_line_naming(info.value, "path", type(path).__name__, repr(path))
    assert list(tmp_path.iterdir()) == []


# -- bidirectional controls in model names --------------------------------------------------

RLO = "\u202e"
BIDI_NAMES = [f"evil{RLO}b7-tset", "a\u2066isolate\u2069", "mark\u200f", "alm\u061c"]


@pytest.mark.parametrize("name", BIDI_NAMES)
def test_bidi_control_in_a_new_model_name_is_refused(board: Any, name: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from _board_helpers import rows, tree_hash

    from densing.cli import main

    before = tree_hash(board.path)
    with pytest.raises(InputError) as info:
        board.add(name, 3e9, "2024-01-01", rows())
    code = next(f"U+{ord(c):04X}" for c in name if ord(c) in (0x202E, 0x2066, 0x200F, 0x61C))
    msg = one_line_naming(info.value, "bidirectional control", code)
    assert not any(0x2000 <= ord(c) < 0x2070 or ord(c) == 0x61C for c in msg)  # shown, not raw
    assert tree_hash(board.path) == before
    scores = board.path.parent / "s.csv"
    scores.write_text("benchmark,protocol,score\nhellaswag,rc-5shot,0.6\n"
                      "arc_challenge,rc-5shot,0.4\n", encoding="utf-8")
    rc = main(["leaderboard", "add", str(board.path), "--model", name, "--params", "3e9",
               "--release-date", "2024-01-01", "--scores", str(scores)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and code in err and "Traceback" not in err
    assert tree_hash(board.path) == before


def test_bidi_names_of_an_older_board_are_shown_visibly(board: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A board made before the check holds a name with an RTL override: the HTML page, the
    Markdown page and the summary show ``<U+202E>``, never the raw control; it can be
    removed."""
    from _board_helpers import fill, rows

    from densing.leaderboard import inputs

    fill(board, 3)
    name = f"evil{RLO}b7-tset"
    monkeypatch.setattr(inputs, "BIDI_CONTROLS", frozenset())  # as before the check
    board.add(name, 3e9, "2024-01-01", rows(), notes=f"see {RLO}note")
    monkeypatch.undo()
    page = board.render("html")
    md = board.render("md")
    text = str(board.summary())
    for out in (page, md, text):
        assert RLO not in out
    assert "evil&lt;U+202E&gt;b7-tset" in page and "see &lt;U+202E&gt;note" not in page
    assert "evil&lt;U+202E&gt;b7-tset" in md
    assert "evil<U+202E>b7-tset" in text
    board.remove(name)
    assert name not in set(board.models["model"])
