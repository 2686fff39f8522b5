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
